// findings.json: the golden document, its structure as a JSON parser sees it,
// escaping of hostile values, and the edge cases (nothing found, unset times,
// scores that are not numbers).

#include "vigil/report/findings_json.h"

#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "findings_fixture.h"

namespace vigil::report {
namespace {

using findings_test::sample_findings;
using Json = nlohmann::ordered_json;

TEST(FindingsJson, MatchesGolden) {
  findings_test::expect_golden("findings.json", findings_json(sample_findings()));
}

TEST(FindingsJson, SameFindingsSameBytes) {
  EXPECT_EQ(findings_json(sample_findings()), findings_json(sample_findings()));
}

TEST(FindingsJson, KeysInDocumentedOrder) {
  const Json doc = Json::parse(findings_json(sample_findings()));
  std::vector<std::string> keys;
  for (const auto& item : doc.items()) keys.push_back(item.key());
  const std::vector<std::string> expected = {
      "schema_version", "vigil_version", "window",   "events",       "detections",     "inputs",
      "rules",          "incidents",     "attempts", "need_to_know", "inventory_given"};
  EXPECT_EQ(keys, expected);

  const Json& incident = doc["incidents"][0];
  keys.clear();
  for (const auto& item : incident.items()) keys.push_back(item.key());
  const std::vector<std::string> incident_keys = {"id",
                                                  "classification",
                                                  "confidence",
                                                  "reasons",
                                                  "first_seen",
                                                  "last_seen",
                                                  "hosts",
                                                  "accounts",
                                                  "addresses",
                                                  "tactics",
                                                  "techniques",
                                                  "steps",
                                                  "similar_groups_note",
                                                  "similar_groups"};
  EXPECT_EQ(keys, incident_keys);
}

TEST(FindingsJson, Values) {
  const Json doc = Json::parse(findings_json(sample_findings()));
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["window"]["first"], "2026-10-01T00:00:03.5000000Z");
  EXPECT_EQ(doc["events"], 1234567);
  const Json& incident = doc["incidents"][0];
  EXPECT_EQ(incident["id"], "INC-001");
  // Fixed precision: 0.8499999 prints as 0.850.
  EXPECT_NE(findings_json(sample_findings()).find("\"confidence\": 0.850,"), std::string::npos);
  EXPECT_EQ(incident["steps"].size(), 3u);
  EXPECT_EQ(incident["steps"][1]["evidence"]["object"], "<script>alert('x')</script> & \"quoted\"");
  EXPECT_EQ(incident["steps"][0]["evidence"]["offset"], 69632);
  EXPECT_EQ(incident["techniques"][1]["name"], "SMB/Windows Admin Shares");
  EXPECT_NE(incident["similar_groups_note"].get<std::string>().find("not attribution"),
            std::string::npos);
  EXPECT_EQ(incident["similar_groups"][0]["id"], "G0016");
  EXPECT_DOUBLE_EQ(incident["similar_groups"][0]["score"].get<double>(), 0.417);
  EXPECT_EQ(doc["attempts"][3]["category"], "denial_of_service");
  EXPECT_EQ(doc["attempts"][0]["top_sources"][1]["address"], "198.51.100.8");
  EXPECT_EQ(doc["need_to_know"][0]["evidence"].size(), 2u);
  EXPECT_EQ(doc["inventory_given"], true);
}

TEST(FindingsJson, HostileTextStaysValidJson) {
  assess::Findings findings = sample_findings();
  // Control characters are escaped, invalid UTF-8 becomes U+FFFD.
  const std::string text = findings_json(findings);
  EXPECT_NE(text.find("bad\\u0001bytes\xEF\xBF\xBD"
                      "end"),
            std::string::npos);
  EXPECT_TRUE(Json::accept(text));
}

TEST(FindingsJson, EmptyFindings) {
  const std::string text = findings_json(assess::Findings{});
  const Json doc = Json::parse(text);
  EXPECT_TRUE(doc["window"]["first"].is_null());
  EXPECT_TRUE(doc["incidents"].is_array());
  EXPECT_TRUE(doc["incidents"].empty());
  EXPECT_EQ(doc["inventory_given"], false);
  EXPECT_NE(text.find("\"incidents\": [],"), std::string::npos);
}

TEST(FindingsJson, ScoresThatAreNotNumbersAreNull) {
  assess::Findings findings = sample_findings();
  findings.incidents[0].confidence = std::numeric_limits<double>::quiet_NaN();
  findings.incidents[0].similar_groups[0].score = -0.0;
  const Json doc = Json::parse(findings_json(findings));
  EXPECT_TRUE(doc["incidents"][0]["confidence"].is_null());
  EXPECT_NE(findings_json(findings).find("\"score\": 0.000,"), std::string::npos);
}

TEST(FindingsJson, AppendFixed) {
  std::string out;
  append_fixed(out, 0.1234, 3);
  out += ' ';
  append_fixed(out, 1, 3);
  out += ' ';
  append_fixed(out, -0.0001, 3);
  out += ' ';
  append_fixed(out, std::numeric_limits<double>::infinity(), 3);
  EXPECT_EQ(out, "0.123 1.000 0.000 ");
}

TEST(FindingsJson, WritesTheFile) {
  const auto dir = findings_test::scratch_dir("json");
  const auto path = dir / "findings.json";
  ASSERT_TRUE(write_findings_json(sample_findings(), path).ok());
  EXPECT_EQ(findings_test::read_text(path), findings_json(sample_findings()));
  EXPECT_FALSE(std::filesystem::exists(dir / "findings.json.tmp"));
  const auto failed = write_findings_json(sample_findings(), dir / "missing" / "findings.json");
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::kIoError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil::report

namespace vigil::report {
namespace {

// Random bytes in every text field: always one valid JSON document with the
// same shape.
TEST(FindingsJson, RandomBytesStayValidJson) {
  std::mt19937 random(20261129);
  for (int round = 0; round < 200; ++round) {
    assess::Findings hostile = sample_findings();
    findings_test::for_each_text(hostile, [&](std::string& text) {
      text.assign(random() % 40, '\0');
      for (char& c : text) c = static_cast<char>(random());
    });
    const std::string text = findings_json(hostile);
    ASSERT_TRUE(Json::accept(text)) << "round " << round;
    const Json doc = Json::parse(text);
    ASSERT_EQ(doc["incidents"][0]["steps"].size(), 3u);
  }
}

}  // namespace
}  // namespace vigil::report
