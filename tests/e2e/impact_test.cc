// `vigil impact` on the demo scenario (docs/impact.md): for three seeds the
// exposed subjects, their exposure and assets equal ground_truth.json's
// exactly, and every piece of evidence names a record of the input that
// holds what it says; with FS01's Security log removed, the subjects only it
// saw being read fall back to at_risk with a coverage gap naming the share,
// never to not_exposed; inventory mistakes stop the run with line numbers
// before anything is written.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "hunt_support.h"

namespace vigil::hunt_test {
namespace {

using Json = nlohmann::json;

constexpr const char* kLogFolders = "demo/windows demo/linux demo/web demo/proxy demo/zeek demo/app";

struct Exposure {
  std::string level;
  std::set<std::string> assets;
  bool operator==(const Exposure&) const = default;
};

std::map<std::string, Exposure> exposures(const Json& list) {
  std::map<std::string, Exposure> out;
  for (const Json& s : list) {
    Exposure e{s["exposure"], {}};
    for (const Json& a : s["assets"]) e.assets.insert(a.get<std::string>());
    out[s["subject_id"]] = e;
  }
  return out;
}

std::string leaf(const std::string& object) {
  const size_t cut = object.find_last_of("\\/");
  return cut == std::string::npos ? object : object.substr(cut + 1);
}

// The record an evidence names holds the object it names: the EVTX record
// with that EventRecordID (as `vigil dump` renders it), or that line.
class RecordCheck {
 public:
  explicit RecordCheck(fs::path dir) : dir_(std::move(dir)) {}

  void expect_real(const Json& evidence) {
    const std::string source = evidence["source"];
    const uint64_t record = evidence["record"];
    const std::string name = leaf(evidence["object"].get<std::string>());
    ASSERT_TRUE(fs::exists(dir_ / source)) << source;
    ASSERT_GT(record, 0u) << source;
    const std::string& text = record_text(source, record);
    ASSERT_FALSE(text.empty()) << source << " has no record " << record;
    if (name.size() >= 4) {
      EXPECT_NE(text.find(name), std::string::npos) << name << " in " << text;
    }
  }

 private:
  const std::string& record_text(const std::string& source, uint64_t record) {
    auto& records = files_[source];
    if (records.empty()) {
      if (source.ends_with(".evtx")) {
        const RunResult dump = vigil(dir_, "dump " + quote(source));
        EXPECT_EQ(dump.code, 0) << dump.err;
        std::istringstream lines(dump.out);
        for (std::string line; std::getline(lines, line);) {
          const size_t at = line.find("\"EventRecordID\":");
          if (at == std::string::npos) continue;
          records[std::stoull(line.substr(at + 16))] = line;
        }
      } else {
        std::istringstream lines(read_file(dir_ / source));
        uint64_t n = 0;
        for (std::string line; std::getline(lines, line);) records[++n] = line;
      }
    }
    static const std::string kNone;
    const auto it = records.find(record);
    return it == records.end() ? kNone : it->second;
  }

  fs::path dir_;
  std::map<std::string, std::map<uint64_t, std::string>> files_;
};

Json run_impact(const fs::path& dir, uint64_t seed, bool without_fs01_security = false) {
  const RunResult made = vigil(dir, "demo --seed " + std::to_string(seed) + " --out demo");
  EXPECT_EQ(made.code, 0) << made.err;
  if (without_fs01_security) fs::remove(dir / "demo/windows/FS01/Security.evtx");
  const RunResult r = vigil(dir, std::string("impact -q ") + kLogFolders +
                                     " --inventory demo/inventory.yaml --out out");
  EXPECT_EQ(r.code, 0) << r.err;
  return Json::parse(read_file(dir / "out" / "findings.json"));
}

void agrees_with_truth(uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  const fs::path dir = work_dir("impact-" + std::to_string(seed));
  const Json f = run_impact(dir, seed);
  const Json truth = Json::parse(read_file(dir / "demo" / "ground_truth.json"));
  const auto found = exposures(f["exposed_subjects"]);
  const auto expected = exposures(truth["exposed_subjects"]);
  ASSERT_FALSE(expected.empty());
  for (const auto& [id, e] : expected) {
    const auto it = found.find(id);
    if (it == found.end()) {
      ADD_FAILURE() << id << " missing (expected " << e.level << ")";
    } else {
      EXPECT_EQ(it->second.level, e.level) << id;
      EXPECT_EQ(it->second.assets, e.assets) << id;
    }
  }
  for (const auto& [id, e] : found) EXPECT_TRUE(expected.contains(id)) << id << " extra: " << e.level;

  RecordCheck records(dir);
  size_t checked = 0;
  for (const Json& s : f["exposed_subjects"]) {
    if (s["exposure"] != "at_risk") {
      EXPECT_FALSE(s["evidence"].empty()) << s["subject_id"];
      EXPECT_FALSE(s["reasons"].empty()) << s["subject_id"];
    }
    for (const Json& e : s["evidence"]) {
      records.expect_real(e);
      ++checked;
    }
  }
  EXPECT_GT(checked, 20u);
}

TEST(ImpactDemo, Seed1ExposuresEqualTheGroundTruth) { agrees_with_truth(1); }
TEST(ImpactDemo, Seed2ExposuresEqualTheGroundTruth) { agrees_with_truth(2); }
TEST(ImpactDemo, Seed3ExposuresEqualTheGroundTruth) { agrees_with_truth(3); }

TEST(ImpactDemo, AMissingLogSourceLeavesAtRiskWithAGapNeverSafe) {
  const fs::path dir = work_dir("impact-no-fs01-security");
  const Json f = run_impact(dir, 1, /*without_fs01_security=*/true);
  const Json truth = Json::parse(read_file(dir / "demo" / "ground_truth.json"));
  const auto found = exposures(f["exposed_subjects"]);
  std::map<std::string, Json> by_id;
  for (const Json& s : f["exposed_subjects"]) by_id[s["subject_id"]] = s;
  const std::map<std::string, int> rank = {{"at_risk", 1}, {"accessed", 2}, {"exfiltrated", 3}};
  size_t fell_back = 0;
  for (const Json& t : truth["exposed_subjects"]) {
    const std::string id = t["subject_id"];
    ASSERT_TRUE(found.contains(id)) << id << " reported not exposed";
    const std::string level = found.at(id).level;
    EXPECT_LE(rank.at(level), rank.at(t["exposure"])) << id;
    bool on_fs01 = false;
    for (const Json& a : t["assets"]) {
      const std::string asset = a;
      on_fs01 = on_fs01 || asset.starts_with("case-") || asset == "hr-personnel-files";
    }
    if (!on_fs01 || level != "at_risk") continue;
    // The share's Security log was the only one to see reads there.
    bool names_share = false;
    for (const Json& gap : by_id[id]["coverage_gaps"]) {
      names_share = names_share || gap.get<std::string>().find("\\\\fs01") != std::string::npos;
    }
    EXPECT_TRUE(names_share) << id << ": " << by_id[id]["coverage_gaps"].dump();
    if (t["exposure"] == "accessed") ++fell_back;
  }
  // The two statements the intruder opened on the share, and the trainee's
  // reads there, were seen only in FS01's Security log.
  EXPECT_EQ(found.at("W-0009").level, "at_risk");
  EXPECT_EQ(found.at("W-0010").level, "at_risk");
  EXPECT_GE(fell_back, 2u);
  // The archive was made and sent from WS-0412: its command lines still say so.
  for (const char* id : {"W-0001", "W-0002", "W-0003", "W-0004"}) {
    EXPECT_EQ(found.at(id).level, "exfiltrated") << id;
  }
  bool share_gap = false;
  for (const Json& c : f["coverage"]["locations"]) {
    if (c["location"] == "\\\\fs01\\cases\\2025-003\\witnesses\\**") share_gap = c["status"] == "none";
  }
  EXPECT_TRUE(share_gap);
}

// Each kind of mistake the issue names, one inventory each: the messages
// carry file and line, and nothing is written.
TEST(ImpactDemo, InventoryMistakesAreLineNumberedAndWriteNothing) {
  const fs::path dir = work_dir("impact-bad-inventories");
  ASSERT_EQ(vigil(dir, "demo --seed 1 --out demo").code, 0);
  const std::string good = read_file(dir / "demo" / "inventory.yaml");
  struct Mistake {
    const char* name;
    std::string from, to, message;
  };
  const std::vector<Mistake> mistakes = {
      {"unknown-subject", "subjects: [W-0001,", "subjects: [W-9999, W-0001,",
       "names unknown subject 'W-9999'"},
      {"bad-glob", "'\\\\fs01\\cases\\2024-017\\witnesses\\**'", "'\\\\fs01\\cases\\[2024-017\\**'",
       "bad location pattern"},
      {"duplicate-id", "  - id: ST-02\n", "  - id: ST-01\n", "duplicate subject id 'ST-01'"},
      {"wrong-type", "safety_review: false", "safety_review: [false]", "must be true or false"},
  };
  for (const Mistake& m : mistakes) {
    SCOPED_TRACE(m.name);
    std::string text = good;
    const size_t at = text.find(m.from);
    ASSERT_NE(at, std::string::npos) << m.from;
    text.replace(at, m.from.size(), m.to);
    const std::string file = std::string(m.name) + ".yaml";
    write_file(dir / file, text);
    const std::string out = std::string("out-") + m.name;
    const RunResult r = vigil(dir, std::string("impact -q ") + kLogFolders + " --inventory " +
                                       file + " --out " + out);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.err.find(file + ":"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(m.message), std::string::npos) << r.err;
    // file:LINE:COLUMN: error: ...
    const size_t colon = r.err.find(file + ":");
    if (colon != std::string::npos) {
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(r.err[colon + file.size() + 1]))) << r.err;
    }
    EXPECT_FALSE(fs::exists(dir / out / "findings.json"));
    EXPECT_FALSE(fs::exists(dir / out / "notifications"));
  }
}

}  // namespace
}  // namespace vigil::hunt_test
