// SigmaHQ's regression data: for each info.yml, the rule it names fires on
// its EVTX file as often as it says, with the built-in logsource mapping.
// Skips when ../shared is absent.

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "sigma_fixture.h"
#include "vigil/detect/logsource.h"
#include "vigil/read/evtx/evtx.h"
#include "vigil/read/evtx/scan.h"

namespace vigil::detect {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string info;
  std::string rule_id;
  std::string evtx;
  uint64_t expected = 0;  // 0: at least one (info.yml gives no match_count)
};

std::vector<Case> read_cases(const std::string& root) {
  std::vector<std::string> infos;
  for (const auto& entry : fs::recursive_directory_iterator(root + "/regression_data")) {
    if (entry.is_regular_file() && entry.path().filename() == "info.yml") {
      infos.push_back(entry.path().string());
    }
  }
  std::sort(infos.begin(), infos.end());
  std::vector<Case> cases;
  for (const std::string& info : infos) {
    const YAML::Node doc = YAML::LoadFile(info);
    const YAML::Node rules = doc["rule_metadata"];
    const YAML::Node tests = doc["regression_tests_info"];
    // Cases for other log formats are commented out in their info.yml.
    if (!rules.IsDefined() || !tests.IsDefined() || !rules.IsSequence() ||
        !tests.IsSequence() || rules.size() == 0) {
      continue;
    }
    for (const YAML::Node& t : tests) {
      if (!t["type"].IsDefined() || t["type"].as<std::string>() != "evtx") continue;
      Case c;
      c.info = info;
      c.rule_id = rules[0]["id"].as<std::string>();
      c.evtx = root + "/" + t["path"].as<std::string>();
      if (t["match_count"].IsDefined()) c.expected = t["match_count"].as<uint64_t>();
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

// match_count is a floor: SigmaHQ's own regression runner fails a case with
// fewer matches and only warns ("consider updating match_count") when there
// are more. We hold every case to the exact count, except these, where more
// events than stated satisfy the rule as written (the JSON renderings beside
// the EVTX files show the values); each extra match is explained.
const std::map<std::string, const char*> kMoreThanStated = {
    // contains '\AppData\Roaming\AnyDesk\user.conf': user.conf.new (twice) and
    // user.conf~RF....TMP all contain it.
    {"0b9ad457-2554-44c1-82c2-d56a99c42377", "3 events contain user.conf"},
    // endswith '\procdump.exe', '\procdump64.exe', '\procdump64a.exe': three files.
    {"8fbf3271-1ef6-4e94-8210-03c2317947f6", "3 procdump files are dropped"},
    // Three ZoneMap\Domains keys set to DWORD 2, none filtered.
    {"45e112d0-7759-4c2a-aa36-9f8fb79d3393", "3 zone keys are set"},
    // AutoShareServer and AutoShareWks both set to 0.
    {"c7dcacd0-cc59-4004-b0a4-1d6cdebe6f3e", "both AutoShare values are set"},
};

TEST(SigmaRegression, SigmaHqRegressionData) {
  const std::string root = std::string(VIGIL_SHARED_DIR) + "/corpus/sigma";
  if (!fs::exists(root + "/regression_data")) GTEST_SKIP() << root << " is absent";
  const std::vector<Case> cases = read_cases(root);
  ASSERT_FALSE(cases.empty());

  std::vector<std::string> paths;
  for (const char* folder : {"rules", "rules-emerging-threats", "rules-threat-hunting"}) {
    paths.push_back(root + "/" + folder);
  }
  FieldNames names;
  CompileOptions options;
  options.resolver = mapping_resolver(LogsourceMapping::builtin());
  std::vector<Diagnostic> diagnostics;
  auto set = RuleSet::compile(load_rules(paths), names, options, diagnostics);
  std::map<std::string, uint32_t> by_id;
  for (uint32_t i = 0; i < set->size(); ++i) by_id.emplace(set->rule(i).info.id, i);

  Matcher matcher(*set);
  evtx::EventBuilder builder(names);
  size_t passed = 0;
  size_t above = 0;
  for (const Case& c : cases) {
    auto rule = by_id.find(c.rule_id);
    if (rule == by_id.end()) {
      ADD_FAILURE() << c.info << ": rule " << c.rule_id << " is not loaded";
      continue;
    }
    auto input = evtx::plan_input(c.evtx);
    if (!input.ok()) {
      ADD_FAILURE() << c.evtx << ": " << input.error().to_string();
      continue;
    }
    uint64_t hits = 0;
    uint64_t events = 0;
    Event event;
    std::vector<evtx::EvtxInput> inputs{std::move(input.value())};
    evtx::scan<int>(
        inputs, 1, {},
        [&](const evtx::Record& record, const evtx::ChunkNames& chunk_names, uint32_t, unsigned,
            int&) {
          event.clear();
          if (!builder.build(record, chunk_names, 0, event)) return;
          ++events;
          for (uint32_t r : matcher.match(event)) hits += r == rule->second ? 1 : 0;
        },
        [](int&) {}, [](const evtx::ScanSlot<int>&) {});
    if (c.expected == 0 ? hits > 0 : hits == c.expected) {
      ++passed;
    } else if (kMoreThanStated.contains(c.rule_id) && hits > c.expected) {
      ++above;
      std::printf("more matches than stated (passes SigmaHQ's rule): %s: %llu, info.yml says %llu (%s)\n",
                  c.rule_id.c_str(), static_cast<unsigned long long>(hits),
                  static_cast<unsigned long long>(c.expected), kMoreThanStated.at(c.rule_id));
    } else {
      ADD_FAILURE() << c.info << ": rule " << c.rule_id << " (" << set->rule(rule->second).info.title
                    << ") matched " << hits << " of " << events << " events, expected "
                    << (c.expected == 0 ? std::string("at least 1") : std::to_string(c.expected));
    }
  }
  std::printf(
      "sigma regression data: %zu of %zu cases pass (%zu with exactly the stated count, %zu with "
      "more, each explained)\n",
      passed + above, cases.size(), passed, above);
}

}  // namespace
}  // namespace vigil::detect
