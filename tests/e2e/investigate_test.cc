// `vigil investigate` on the demo scenario, for three seeds: findings.json
// agrees with ground_truth.json (docs/investigate.md). The intrusion is
// exactly one incident, classified espionage, naming every compromised host
// and account and no other; no other incident is espionage; attempts per day
// and category are equal; the out-of-role reader is flagged on exactly the
// assets the truth names; every step's evidence names an input file and a
// record. The findings are the same byte for byte with one and two threads.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "hunt_support.h"

namespace vigil::hunt_test {
namespace {

using Json = nlohmann::json;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::set<std::string> lower_set(const Json& list) {
  std::set<std::string> out;
  for (const Json& v : list) out.insert(lower(v.get<std::string>()));
  return out;
}

struct InvestigateRun {
  fs::path demo;
  Json truth;
  Json findings;
};

InvestigateRun investigate(uint64_t seed, const std::string& threads = "2") {
  InvestigateRun run;
  const fs::path dir = work_dir("investigate-" + std::to_string(seed) + "-t" + threads);
  const RunResult made = vigil(dir, "demo --seed " + std::to_string(seed) + " --out demo");
  EXPECT_EQ(made.code, 0) << made.err;
  run.demo = dir / "demo";
  const RunResult r = vigil(dir, "investigate -q -t " + threads + " demo --inventory " +
                                     (run.demo / "inventory.yaml").string() + " --out out");
  EXPECT_EQ(r.code, 0) << r.err;
  run.truth = Json::parse(read_file(run.demo / "ground_truth.json"));
  run.findings = Json::parse(read_file(dir / "out" / "findings.json"));
  EXPECT_TRUE(fs::exists(dir / "out" / "report.html"));
  EXPECT_TRUE(fs::exists(dir / "out" / "case.db"));
  return run;
}

void agrees_with_truth(uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  const InvestigateRun run = investigate(seed);
  const Json& f = run.findings;
  const Json& truth = run.truth;

  ASSERT_EQ(truth["incidents"].size(), 1u);
  const Json& true_incident = truth["incidents"][0];
  std::vector<const Json*> espionage;
  for (const Json& i : f["incidents"]) {
    if (i["classification"] == "espionage") espionage.push_back(&i);
  }
  ASSERT_EQ(espionage.size(), 1u) << "exactly one espionage incident";
  const Json& found = *espionage.front();
  EXPECT_EQ(lower_set(found["hosts"]), lower_set(true_incident["hosts"]));
  EXPECT_EQ(lower_set(found["accounts"]), lower_set(true_incident["accounts"]));
  for (const Json& step : found["steps"]) {
    const std::string source = step["evidence"]["source"];
    EXPECT_TRUE(fs::exists(run.demo.parent_path() / source) || fs::exists(source)) << source;
    EXPECT_GT(step["evidence"]["record"].get<uint64_t>(), 0u);
  }

  std::map<std::pair<std::string, std::string>, uint64_t> expected, counted;
  for (const Json& a : truth["attempts"]) expected[{a["date"], a["category"]}] = a["count"];
  for (const Json& a : f["attempts"]) counted[{a["date"], a["category"]}] = a["count"];
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(counted, expected);

  std::map<std::string, std::set<std::string>> readers, flagged;
  for (const Json& r : truth["out_of_role_readers"]) readers[lower(r["account"])] = lower_set(r["assets"]);
  for (const Json& v : f["need_to_know"]) flagged[lower(v["account"])].insert(lower(v["asset"]));
  EXPECT_FALSE(readers.empty());
  EXPECT_EQ(flagged, readers);
}

TEST(Investigate, Seed1AgreesWithGroundTruth) { agrees_with_truth(1); }
TEST(Investigate, Seed2AgreesWithGroundTruth) { agrees_with_truth(2); }
TEST(Investigate, Seed3AgreesWithGroundTruth) { agrees_with_truth(3); }

// The demo's own report, opened in headless Chromium: the espionage
// incident and the attempts chart with a bar group per day are in the DOM.
TEST(Investigate, DemoReportRendersInChromium) {
  if (std::system("command -v chromium >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it)";
  }
  const InvestigateRun run = investigate(1);
  const fs::path dir = run.demo.parent_path();
  const std::string command =
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run "
      "--user-data-dir='" + (dir / "profile").string() + "' --dump-dom 'file://" +
      fs::absolute(dir / "out" / "report.html").string() + "' > '" + (dir / "dom.html").string() +
      "' 2> '" + (dir / "chromium.log").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command << "\n" << read_file(dir / "chromium.log");
  const std::string dom = read_file(dir / "dom.html");
  std::string espionage_id;
  for (const Json& i : run.findings["incidents"]) {
    if (i["classification"] == "espionage") espionage_id = i["id"];
  }
  ASSERT_FALSE(espionage_id.empty());
  EXPECT_NE(dom.find("id=\"incident-" + espionage_id + "\""), std::string::npos);
  EXPECT_NE(dom.find("id=\"attempts-chart\""), std::string::npos);
  std::set<std::string> days;
  for (const Json& a : run.findings["attempts"]) days.insert(a["date"]);
  size_t groups = 0;
  for (size_t at = dom.find("class=\"day\""); at != std::string::npos;
       at = dom.find("class=\"day\"", at + 1)) {
    ++groups;
  }
  EXPECT_GE(groups, days.size());
}

TEST(Investigate, SameFindingsWithOneAndTwoThreads) {
  const fs::path one = work_dir("investigate-7-t1"), two = work_dir("investigate-7-t2");
  for (const fs::path& dir : {one, two}) {
    const RunResult made = vigil(dir, "demo --seed 7 --out demo");
    ASSERT_EQ(made.code, 0) << made.err;
  }
  ASSERT_EQ(vigil(one, "investigate -q -t 1 demo --inventory demo/inventory.yaml --out out").code, 0);
  ASSERT_EQ(vigil(two, "investigate -q -t 2 demo --inventory demo/inventory.yaml --out out").code, 0);
  EXPECT_EQ(read_file(one / "out" / "findings.json"), read_file(two / "out" / "findings.json"));
  EXPECT_EQ(read_file(one / "out" / "report.html"), read_file(two / "out" / "report.html"));
  EXPECT_EQ(read_file(one / "out" / "case.db"), read_file(two / "out" / "case.db"));
  // The notifications too, file for file.
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(one / "out" / "notifications")) {
    if (!entry.is_regular_file()) continue;
    const fs::path relative = fs::relative(entry.path(), one / "out");
    EXPECT_EQ(read_file(entry.path()), read_file(two / "out" / relative)) << relative;
    ++files;
  }
  EXPECT_GT(files, 10u);
}

TEST(Investigate, InventoryMistakesStopBeforeAnyOutput) {
  const fs::path dir = work_dir("investigate-bad-inventory");
  fs::create_directories(dir);
  {
    std::ofstream bad(dir / "inventory.yaml");
    bad << "organisation:\n  name: X\nsubjects:\n  - id: 1\n    kind: planet\n";
  }
  const RunResult made = vigil(dir, "demo --seed 1 --out demo");
  ASSERT_EQ(made.code, 0) << made.err;
  const RunResult r = vigil(dir, "investigate -q demo --inventory inventory.yaml --out out");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("inventory.yaml:"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out" / "findings.json"));
}

}  // namespace
}  // namespace vigil::hunt_test
