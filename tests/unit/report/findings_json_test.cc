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
      "schema_version", "vigil_version",  "window",           "events",      "detections",
      "inputs",         "rules",          "incidents",        "attempts",    "need_to_know",
      "footprints",     "assets_reached", "exposed_subjects", "not_exposed", "coverage",
      "inventory_given"};
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

TEST(FindingsJson, ImpactKeysInDocumentedOrder) {
  const Json doc = Json::parse(findings_json(sample_findings()));
  auto keys_of = [](const Json& object) {
    std::vector<std::string> keys;
    for (const auto& item : object.items()) keys.push_back(item.key());
    return keys;
  };
  EXPECT_EQ(keys_of(doc["footprints"][0]),
            (std::vector<std::string>{"incident", "classification", "accounts", "hosts",
                                      "processes", "addresses", "first", "last"}));
  EXPECT_EQ(keys_of(doc["assets_reached"][0]),
            (std::vector<std::string>{"asset", "description", "sensitivity", "data_categories",
                                      "actions", "incidents", "subjects", "evidence"}));
  EXPECT_EQ(keys_of(doc["exposed_subjects"][0]),
            (std::vector<std::string>{"subject_id", "kind", "category", "exposure", "confidence",
                                      "assets", "data_categories", "incident", "reasons",
                                      "coverage_gaps", "first_exposed", "safety_review",
                                      "language", "channel", "evidence"}));
  EXPECT_EQ(keys_of(doc["exposed_subjects"][0]["evidence"][0]),
            (std::vector<std::string>{"source", "record", "offset", "timestamp", "host", "account",
                                      "action", "object"}));
  EXPECT_EQ(keys_of(doc["coverage"]), (std::vector<std::string>{"window", "locations"}));
  EXPECT_EQ(keys_of(doc["coverage"]["locations"][0]),
            (std::vector<std::string>{"asset", "location", "status", "sources", "gap"}));
}

TEST(FindingsJson, ImpactValues) {
  const std::string text = findings_json(sample_findings());
  const Json doc = Json::parse(text);
  EXPECT_EQ(doc["footprints"][0]["incident"], "INC-001");
  EXPECT_EQ(doc["footprints"][0]["first"], "2026-10-02T08:15:02.1234567Z");
  EXPECT_EQ(doc["assets_reached"].size(), 2u);
  EXPECT_EQ(doc["assets_reached"][0]["actions"],
            Json::parse(R"(["exfiltrated", "staged", "read"])"));
  EXPECT_EQ(doc["assets_reached"][1]["evidence"].size(), 0u);
  const Json& subjects = doc["exposed_subjects"];
  ASSERT_EQ(subjects.size(), 3u);
  EXPECT_EQ(subjects[0]["subject_id"], "S-0001");
  EXPECT_EQ(subjects[0]["exposure"], "exfiltrated");
  EXPECT_EQ(subjects[0]["safety_review"], true);
  EXPECT_EQ(subjects[0]["evidence"][1]["record"], 20931);
  EXPECT_EQ(subjects[1]["exposure"], "accessed");
  EXPECT_EQ(subjects[2]["exposure"], "at_risk");
  EXPECT_EQ(subjects[2]["coverage_gaps"].size(), 1u);
  EXPECT_EQ(subjects[2]["channel"], "via_state_party");
  // Three decimals, as every other score.
  EXPECT_NE(text.find("\"confidence\": 0.925,"), std::string::npos);
  EXPECT_EQ(doc["not_exposed"], Json::parse(R"(["S-0003", "S-0004"])"));
  EXPECT_EQ(doc["coverage"]["window"]["last"], "2026-10-02T10:20:00.0000000Z");
  EXPECT_EQ(doc["coverage"]["locations"][2]["status"], "none");
  EXPECT_EQ(doc["coverage"]["locations"][2]["sources"].size(), 0u);
  EXPECT_EQ(doc["coverage"]["locations"][0]["gap"], "");
}

// findings.json circulates among analysts: who the subjects are and how to
// reach them stays in the inventory and the notifications.
TEST(FindingsJson, NoNamesOrAddressesOfSubjects) {
  const std::string text = findings_json(sample_findings());
  EXPECT_EQ(text.find("SECRET-"), std::string::npos);
  EXPECT_EQ(text.find("Witness W-17"), std::string::npos);
  const Json doc = Json::parse(text);
  for (const Json& subject : doc["exposed_subjects"]) {
    EXPECT_FALSE(subject.contains("name"));
    EXPECT_FALSE(subject.contains("address"));
  }
  // Notification status is case work, kept in case.db and shown in report.html.
  EXPECT_FALSE(doc.contains("notifications"));
}

TEST(FindingsJson, NoInventoryEmptyImpact) {
  const std::string text = findings_json(assess::Findings{});
  const Json doc = Json::parse(text);
  for (const char* key : {"footprints", "assets_reached", "exposed_subjects", "not_exposed"}) {
    EXPECT_TRUE(doc[key].is_array() && doc[key].empty()) << key;
  }
  EXPECT_TRUE(doc["coverage"]["window"]["first"].is_null());
  EXPECT_TRUE(doc["coverage"]["window"]["last"].is_null());
  EXPECT_TRUE(doc["coverage"]["locations"].empty());
  EXPECT_NE(text.find("\"not_exposed\": [],"), std::string::npos);
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
    ASSERT_EQ(doc["exposed_subjects"].size(), 3u);
  }
}

}  // namespace
}  // namespace vigil::report
