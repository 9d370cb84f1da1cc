// Whole-program tests of `vigil hunt`: the built-in rule pack against its test
// events, determinism and the spill path on generated logs, errors and exit
// codes, and SigmaHQ's regression data through the command line.

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "hunt_support.h"

namespace vigil::hunt_test {
namespace {

using Json = nlohmann::json;

std::vector<Json> json_lines(const std::string& text) {
  std::vector<Json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    Json j = Json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    lines.push_back(std::move(j));
  }
  return lines;
}

std::string stem_of(const std::string& path) { return fs::path(path).stem().string(); }

// Every rule file of the built-in pack has tests/data/hunt/builtin/<rule
// file stem>.jsonl. A file of detection rules: each event there must make
// its (first) rule fire. A file with correlations: each correlation must
// alert on the file's events (its base rules are not shown on their own).
// benign.jsonl holds near misses (the same tools used harmlessly) that must
// fire nothing.
TEST(HuntBuiltinPack, EveryRuleFiresOnItsTestEvents) {
  const fs::path dir = work_dir("builtin");
  const fs::path data = source_dir() / "tests/data/hunt/builtin";
  struct RuleFile {
    std::string first_id;
    std::vector<std::string> correlation_ids;
  };
  std::map<std::string, RuleFile> files;  // by stem
  for (const auto& entry : fs::recursive_directory_iterator(source_dir() / "rules")) {
    if (entry.path().extension() != ".yml") continue;
    const std::string text = read_file(entry.path());
    RuleFile file;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find("\n---\n", start);
      if (end == std::string::npos) end = text.size();
      std::string document(1, '\n');
      document.append(text, start, end - start);
      std::smatch m;
      ASSERT_TRUE(std::regex_search(document, m, std::regex("\n(id): ([0-9a-f-]{36})")))
          << entry.path();
      if (file.first_id.empty()) file.first_id = m[2];
      if (document.find("\ncorrelation:") != std::string::npos) {
        file.correlation_ids.push_back(m[2]);
      }
      start = end + 5;
    }
    ASSERT_TRUE(files.emplace(entry.path().stem().string(), file).second)
        << "two rule files named " << entry.path().stem();
  }
  ASSERT_GE(files.size(), 20u);
  std::map<std::string, size_t> events_per_file;
  for (const auto& [stem, file] : files) {
    const fs::path jsonl = data / (stem + ".jsonl");
    ASSERT_TRUE(fs::exists(jsonl)) << "no test events for rule file " << stem;
    make_evtx(dir / "logs", jsonl, stem + ".evtx");
    events_per_file[stem] = json_lines(read_file(jsonl)).size();
  }
  make_evtx(dir / "logs", data / "benign.jsonl", "benign.evtx");

  const RunResult run = vigil(dir, "hunt logs -f jsonl -q");
  ASSERT_EQ(run.code, 0) << run.err;
  std::map<std::pair<std::string, uint64_t>, std::set<std::string>> fired;
  std::map<std::string, std::set<std::string>> alerted;  // stem -> correlation ids
  for (const Json& d : json_lines(run.out)) {
    EXPECT_EQ(d["author"], "vigil project");
    if (d.contains("correlation")) {
      for (const Json& e : d["correlation"]["events"]) {
        alerted[stem_of(e["source"])].insert(d["rule_id"]);
      }
      continue;
    }
    fired[{stem_of(d["source"]), d["record_id"].get<uint64_t>()}].insert(d["rule_id"]);
  }
  for (const auto& [stem, file] : files) {
    if (!file.correlation_ids.empty()) {
      for (const std::string& id : file.correlation_ids) {
        EXPECT_TRUE(alerted[stem].contains(id))
            << "correlation " << id << " of " << stem << " does not alert on its test events";
      }
      continue;
    }
    for (uint64_t record = 1; record <= events_per_file[stem]; ++record) {
      EXPECT_TRUE((fired[{stem, record}].contains(file.first_id)))
          << "rule " << stem << " does not fire on record " << record << " of its test events";
    }
  }
  for (const auto& [where, rules] : fired) {
    if (where.first != "benign") continue;
    for (const std::string& rule : rules) {
      ADD_FAILURE() << "benign record " << where.second << " fires " << rule;
    }
  }
  EXPECT_TRUE(alerted["benign"].empty());
}

TEST(HuntBuiltinPack, LoadsWithoutDiagnostics) {
  const RunResult run = vigil(work_dir("builtin-load"), "rules check " + quote((source_dir() / "rules").string()));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_NE(run.out.find("errors: 0, warnings: 0"), std::string::npos) << run.out;
}

// The same bytes for any thread count, run after run, in memory or spilled.
TEST(HuntDeterminism, ThreadsRunsAndSpill) {
  const fs::path dir = work_dir("determinism");
  RunResult r = vigil(dir, "synth-evtx --kind mixed --records 30000 --seed 11 -o mixed.evtx");
  ASSERT_EQ(r.code, 0) << r.err;
  r = vigil(dir, "synth-evtx --kind security --records 8000 --seed 12 -o security.evtx");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string inputs = " mixed.evtx security.evtx";
  const RunResult reference = vigil(dir, "hunt -f jsonl -q -t 1" + inputs);
  ASSERT_EQ(reference.code, 0) << reference.err;
  ASSERT_GT(json_lines(reference.out).size(), 100u);
  for (const char* variant :
       {"-t 2", "-t 2", "-t 3", "-t 2 --sort-memory 65536", "-t 1 --sort-memory 4096"}) {
    const RunResult again = vigil(dir, std::string("hunt -f jsonl -q ") + variant + inputs);
    EXPECT_EQ(again.code, 0);
    EXPECT_TRUE(again.out == reference.out) << "hunt " << variant << " differs";
  }
  // The output is sorted by time, then input, then record; a correlation
  // alert comes after the detections of its time.
  std::tuple<std::string, int, uint64_t> previous{"", -1, 0};
  size_t alerts = 0;
  for (const Json& d : json_lines(reference.out)) {
    const bool alert = d.contains("correlation");
    alerts += alert ? 1 : 0;
    const std::tuple<std::string, int, uint64_t> key{
        d["timestamp"], alert ? 2 : d["source"] == "mixed.evtx" ? 0 : 1,
        alert ? UINT64_MAX : d["record_id"].get<uint64_t>()};
    EXPECT_LE(previous, key);
    previous = key;
  }
  // The generated logs hold bursts of failed logons.
  EXPECT_GT(alerts, 0u);
  const RunResult timeline = vigil(dir, "timeline -f csv -q -t 1 security.evtx");
  ASSERT_EQ(timeline.code, 0) << timeline.err;
  EXPECT_EQ(std::count(timeline.out.begin(), timeline.out.end(), '\n'), 8001);
  const RunResult timeline_spilled =
      vigil(dir, "timeline -f csv -q -t 2 --sort-memory 100000 security.evtx");
  EXPECT_TRUE(timeline_spilled.out == timeline.out) << "spilled timeline differs";
  const RunResult summary = vigil(dir, "hunt -t 2 --sort-memory 100000 -o out.jsonl" + inputs);
  EXPECT_NE(summary.err.find("runs,"), std::string::npos) << summary.err;
  EXPECT_TRUE(read_file(dir / "out.jsonl") == reference.out);
  fs::remove_all(dir);  // 40 MB of generated logs
}

TEST(HuntErrors, ExitCodes) {
  const fs::path dir = work_dir("errors");
  make_evtx(dir, source_dir() / "tests/data/hunt/events/a.jsonl", "a.evtx");
  EXPECT_EQ(vigil(dir, "hunt a.evtx -q -f xml").code, 2);
  EXPECT_EQ(vigil(dir, "hunt a.evtx -q --min-level severe").code, 2);
  EXPECT_EQ(vigil(dir, "hunt a.evtx -q --from yesterday").code, 2);
  EXPECT_EQ(vigil(dir, "hunt a.evtx -q --from 2024-02-04 --to 2024-02-03").code, 2);
  EXPECT_EQ(vigil(dir, "timeline a.evtx -q -f table").code, 2);
  EXPECT_EQ(vigil(dir, "hunt missing.evtx -q").code, 3);
  EXPECT_EQ(vigil(dir, "hunt a.evtx -q -r missing-rules").code, 3);
  EXPECT_EQ(vigil(dir, "hunt a.evtx -q --config missing.yml").code, 3);
  EXPECT_EQ(vigil(dir, "hunt a.evtx -q -o no/such/folder/out.jsonl").code, 3);
  EXPECT_EQ(vigil(dir, "hunt a.evtx -q --sort-memory 1 --temp-dir no/such/folder").code, 3);

  // A broken rule is reported and the others still run.
  write_file(dir / "rules/bad.yml", "title: broken\ndetection: [\n");
  fs::copy(source_dir() / "tests/data/hunt/rules/test_logon_failure.yml", dir / "rules");
  const RunResult partial = vigil(dir, "hunt a.evtx -r rules -f jsonl");
  EXPECT_EQ(partial.code, 0);
  EXPECT_NE(partial.err.find("bad.yml"), std::string::npos) << partial.err;
  EXPECT_NE(partial.err.find("1 rules loaded, 1 rejected"), std::string::npos) << partial.err;
  EXPECT_EQ(json_lines(partial.out).size(), 1u);
  // Rules the filters do not select are left out, and the totals say so.
  fs::copy(source_dir() / "tests/data/hunt/rules/test_application_crash.yml", dir / "rules");
  fs::copy(source_dir() / "tests/data/hunt/rules/test_no_level.yml", dir / "rules");
  const RunResult filtered =
      vigil(dir, "hunt a.evtx -r rules -f jsonl --rule-filter T1110 --cache-dir cache");
  EXPECT_EQ(filtered.code, 0);
  EXPECT_NE(filtered.err.find("3 rules loaded, 1 selected by --rule-filter, 1 rejected"),
            std::string::npos)
      << filtered.err;
  EXPECT_EQ(filtered.out, partial.out);
  // The same from the compiled-rule cache.
  const RunResult cached =
      vigil(dir, "hunt a.evtx -r rules -f jsonl --rule-filter T1110 --cache-dir cache");
  // (Up to the timed totals line.)
  EXPECT_EQ(cached.err.substr(0, cached.err.find("hunt:")),
            filtered.err.substr(0, filtered.err.find("hunt:")));
  EXPECT_EQ(cached.out, filtered.out);

  // Damaged input: reported, stepped over, exit code 1.
  std::string bytes = read_file(dir / "a.evtx");
  ASSERT_GT(bytes.size(), 4096u + 1024u);
  for (size_t i = 4096 + 600; i < 4096 + 900; ++i) bytes[i] = '\x5a';
  write_file(dir / "damaged.evtx", bytes);
  const RunResult damaged = vigil(dir, "hunt damaged.evtx -r rules -f jsonl");
  EXPECT_EQ(damaged.code, 1) << damaged.err;
  EXPECT_NE(damaged.err.find("damaged.evtx: offset"), std::string::npos) << damaged.err;
}

// The evidence is never written: an output that is one of the inputs (by
// name, by another spelling, by a hard link) or lies in an input folder is
// refused before anything is opened for writing. A file named twice is read
// once.
TEST(HuntErrors, OutputNeverLandsInTheEvidence) {
  const fs::path dir = work_dir("evidence");
  fs::create_directories(dir / "logs");
  make_evtx(dir, source_dir() / "tests/data/hunt/events/a.jsonl", "logs/a.evtx");
  const std::string original = read_file(dir / "logs/a.evtx");
  fs::create_hard_link(dir / "logs/a.evtx", dir / "link.evtx");
  for (const char* command :
       {"hunt logs/a.evtx -q -o logs/a.evtx", "hunt logs/a.evtx -q -o ./logs/../logs/a.evtx",
        "hunt logs/a.evtx -q -o link.evtx", "hunt logs -q -o logs/a.evtx",
        "hunt logs -q -o logs/new.jsonl", "hunt logs -q -o logs",
        "timeline logs/a.evtx -q -o logs/a.evtx", "investigate logs -q --out logs/case"}) {
    const RunResult run = vigil(dir, command);
    EXPECT_EQ(run.code, 2) << command << "\n" << run.err;
    EXPECT_NE(run.err.find("choose an output outside the evidence"), std::string::npos) << run.err;
  }
  EXPECT_EQ(read_file(dir / "logs/a.evtx"), original);
  EXPECT_FALSE(fs::exists(dir / "logs/new.jsonl"));
  EXPECT_FALSE(fs::exists(dir / "logs/case"));
  EXPECT_EQ(vigil(dir, "hunt logs/a.evtx -q -o /dev/null").code, 0);

  const RunResult once = vigil(dir, "hunt logs/a.evtx -f jsonl");
  const RunResult twice = vigil(dir, "hunt logs/a.evtx ./logs/a.evtx logs -f jsonl");
  EXPECT_EQ(twice.code, 0) << twice.err;
  EXPECT_EQ(twice.out, once.out);
  EXPECT_NE(twice.err.find("./logs/a.evtx is logs/a.evtx again: read once"), std::string::npos)
      << twice.err;
}

// `-o -` is standard output, as in most command-line tools, not a file
// named "-".
TEST(HuntOutput, DashIsStandardOutput) {
  const fs::path dir = work_dir("dash-output");
  make_evtx(dir, source_dir() / "tests/data/hunt/events/a.jsonl", "a.evtx");
  const RunResult plain = vigil(dir, "hunt a.evtx -q -f jsonl");
  ASSERT_EQ(plain.code, 0) << plain.err;
  ASSERT_FALSE(plain.out.empty());
  for (const char* command :
       {"hunt a.evtx -q -f jsonl -o -", "timeline a.evtx -q -f jsonl -o -", "dump a.evtx -o -"}) {
    const RunResult run = vigil(dir, command);
    EXPECT_EQ(run.code, 0) << command << "\n" << run.err;
    EXPECT_FALSE(run.out.empty()) << command;
    EXPECT_FALSE(fs::exists(dir / "-")) << command;
    if (std::string_view(command).starts_with("hunt")) {
      EXPECT_EQ(run.out, plain.out);
    }
  }
}

// Hunting with no rule, or with a selection that keeps none, is refused: it
// would end like a hunt that found nothing.
TEST(HuntErrors, NoRuleToMatchIsAnError) {
  const fs::path dir = work_dir("no-rule");
  make_evtx(dir, source_dir() / "tests/data/hunt/events/a.jsonl", "a.evtx");
  fs::create_directories(dir / "empty");
  write_file(dir / "broken/bad.yml", "title: broken\ndetection: [\n");
  EXPECT_EQ(vigil(dir, "hunt a.evtx -q -r empty").code, 3);
  const RunResult broken = vigil(dir, "hunt a.evtx -q -r broken");
  EXPECT_EQ(broken.code, 3);
  EXPECT_NE(broken.err.find("no usable rule"), std::string::npos) << broken.err;
  const RunResult none = vigil(dir, "hunt a.evtx -q --rule-filter no-rule-has-this");
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("--rule-filter selects none of the"), std::string::npos) << none.err;
  EXPECT_EQ(vigil(dir, "hunt a.evtx -q --from ''").code, 2);
  EXPECT_EQ(vigil(dir, "hunt a.evtx -q --to ''").code, 2);
}

// --from keeps 100 ns: finer digits start the range at the next 100 ns, so
// an event before the bound stays out.
TEST(HuntErrors, FromFinerThanATickRoundsUp) {
  const fs::path dir = work_dir("from-tick");
  make_evtx(dir, source_dir() / "tests/data/hunt/events/a.jsonl", "a.evtx");
  const RunResult all =
      vigil(dir, "hunt a.evtx -r " + quote((source_dir() / "tests/data/hunt/rules").string()) +
                     " -f jsonl -q");
  const std::vector<Json> lines = json_lines(all.out);
  ASSERT_FALSE(lines.empty());
  const std::string first = lines.front()["timestamp"];  // 2024-...T..:..:..,0000000Z
  ASSERT_EQ(first.size(), 28u) << first;
  const std::string at = first.substr(0, 27) + "01Z";  // 1 ns after it
  const std::string exact = first.substr(0, 27) + "00Z";
  const std::string rules = quote((source_dir() / "tests/data/hunt/rules").string());
  const RunResult after = vigil(dir, "hunt a.evtx -r " + rules + " -f jsonl -q --from " + at);
  const RunResult same = vigil(dir, "hunt a.evtx -r " + rules + " -f jsonl -q --from " + exact);
  EXPECT_EQ(same.out, all.out);
  for (const Json& line : json_lines(after.out)) EXPECT_NE(line["timestamp"], first);
}

// A CSV file without a time column is read whole: the note about it leaves
// the exit code at 0; Timesketch lines for its rows get the epoch, "Not a
// time", since Timesketch refuses a line without a time.
TEST(HuntTextInputs, EventsWithoutATime) {
  const fs::path dir = work_dir("no-time");
  write_file(dir / "inventory.csv", "name,count\nalpha,1\nbeta,2\n");
  write_file(dir / "rules/csv.yml",
             "title: Any inventory row\nid: 6b1d3c52-7a7e-4b8e-9c41-2d5f0a1b7c01\n"
             "logsource:\n    product: inventory\ndetection:\n    sel:\n        name: beta\n"
             "    condition: sel\nlevel: low\n");
  write_file(dir / "mapping.yml",
             "logsources:\n  - product: inventory\n    variants:\n      - name: csv\n"
             "        conditions: {_source_format: csv}\n");
  const RunResult run =
      vigil(dir, "hunt inventory.csv -r rules --mapping mapping.yml -f timesketch");
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.err.find("inventory.csv:1: note: no time column"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("0 damaged places"), std::string::npos) << run.err;
  const std::vector<Json> lines = json_lines(run.out);
  ASSERT_EQ(lines.size(), 1u) << run.out;
  EXPECT_EQ(lines[0]["datetime"], "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(lines[0]["timestamp"], 0);
  EXPECT_EQ(lines[0]["timestamp_desc"], "Not a time");
  EXPECT_EQ(lines[0]["message"], "[low] Any inventory row: csv");
  const RunResult jsonl =
      vigil(dir, "hunt inventory.csv -r rules --mapping mapping.yml -f jsonl -q");
  ASSERT_EQ(json_lines(jsonl.out).size(), 1u);
  EXPECT_TRUE(json_lines(jsonl.out)[0]["timestamp"].is_null());
}

// A --mapping file is merged over the built-in logsource mapping: without
// the Security 4688 variant, a process_creation rule meets only Sysmon's
// process events. Twice with the same cache folder, so that the second run
// reads the set compiled under that mapping from the cache.
TEST(HuntMapping, OverrideFileIsMergedOverTheBuiltInMapping) {
  const fs::path dir = work_dir("mapping");
  make_evtx(dir, source_dir() / "tests/data/hunt/events/a.jsonl", "a.evtx");
  fs::create_directories(dir / "rules");
  fs::copy(source_dir() / "tests/data/hunt/rules/test_any_process.yml", dir / "rules");
  write_file(dir / "sysmon-only.yml",
             "logsources:\n  - product: windows\n    category: process_creation\n"
             "    remove: [security-4688]\n");
  const auto event_ids = [](const std::string& out) {
    std::multiset<int> ids;
    for (const Json& line : json_lines(out)) ids.insert(line.value("event_id", -1));
    return ids;
  };
  const RunResult builtin = vigil(dir, "hunt a.evtx -r rules -f jsonl -q --cache-dir cache");
  ASSERT_EQ(builtin.code, 0) << builtin.err;
  const std::multiset<int> both = event_ids(builtin.out);
  ASSERT_GE(both.count(4688), 1u) << builtin.out;
  ASSERT_GE(both.count(1), 1u) << builtin.out;
  for (int run = 0; run < 2; ++run) {
    const RunResult sysmon_only =
        vigil(dir, "hunt a.evtx -r rules -f jsonl -q --cache-dir cache --mapping sysmon-only.yml");
    ASSERT_EQ(sysmon_only.code, 0) << sysmon_only.err;
    const std::multiset<int> ids = event_ids(sysmon_only.out);
    EXPECT_EQ(ids.count(4688), 0u) << "run " << run << ": " << sysmon_only.out;
    EXPECT_EQ(ids.count(1), both.count(1)) << "run " << run;
  }
  write_file(dir / "bad.yml", "logsources:\n  - product: windows\n    bogus: 1\n");
  const RunResult bad = vigil(dir, "hunt a.evtx -r rules -q --cache-dir cache --mapping bad.yml");
  EXPECT_EQ(bad.code, 3);
  EXPECT_NE(bad.err.find("bad.yml"), std::string::npos) << bad.err;
}

// SigmaHQ's regression data through the command line: for each case of
// regression_data/**/info.yml, the rule it names fires on its EVTX file, at
// least match_count times (the floor SigmaHQ's own runner applies).
TEST(HuntSigmaRegression, EveryCaseFires) {
  const fs::path root = fs::path(VIGIL_SHARED_DIR) / "corpus/sigma";
  if (!fs::exists(root / "regression_data")) GTEST_SKIP() << root << " is absent";
  struct Case {
    std::string rule_id;
    std::string evtx;
    uint64_t at_least = 1;
  };
  std::vector<Case> cases;
  std::vector<std::string> infos;
  for (const auto& entry : fs::recursive_directory_iterator(root / "regression_data")) {
    if (entry.path().filename() == "info.yml") infos.push_back(entry.path().string());
  }
  std::sort(infos.begin(), infos.end());
  for (const std::string& info : infos) {
    const YAML::Node doc = YAML::LoadFile(info);
    const YAML::Node rules = doc["rule_metadata"];
    const YAML::Node tests = doc["regression_tests_info"];
    if (!rules.IsDefined() || !tests.IsDefined() || !rules.IsSequence() || !tests.IsSequence() ||
        rules.size() == 0) {
      continue;
    }
    for (const YAML::Node& t : tests) {
      if (!t["type"].IsDefined() || t["type"].as<std::string>() != "evtx") continue;
      Case c;
      c.rule_id = rules[0]["id"].as<std::string>();
      c.evtx = (root / t["path"].as<std::string>()).string();
      if (t["match_count"].IsDefined()) c.at_least = std::max<uint64_t>(1, t["match_count"].as<uint64_t>());
      cases.push_back(std::move(c));
    }
  }
  ASSERT_FALSE(cases.empty());
  const fs::path dir = work_dir("sigma-regression");
  std::string command = "hunt -f jsonl -q -o out.jsonl";
  for (const char* folder : {"rules", "rules-emerging-threats", "rules-threat-hunting"}) {
    command += " -r ";
    command += quote((root / folder).string());
  }
  for (const Case& c : cases) {
    command += ' ';
    command += quote(c.evtx);
  }
  const RunResult run = vigil(dir, command);
  ASSERT_TRUE(run.code == 0 || run.code == 1) << run.err;
  std::map<std::pair<std::string, std::string>, uint64_t> fired;  // (source, rule) -> count
  std::istringstream in(read_file(dir / "out.jsonl"));
  std::string line;
  while (std::getline(in, line)) {
    const Json d = Json::parse(line);
    ++fired[{d["source"].get<std::string>(), d["rule_id"].get<std::string>()}];
  }
  size_t passed = 0;
  for (const Case& c : cases) {
    const uint64_t n = fired[{c.evtx, c.rule_id}];
    if (n >= c.at_least) {
      ++passed;
    } else {
      ADD_FAILURE() << c.evtx << ": rule " << c.rule_id << " fired " << n << " times, expected at least "
                    << c.at_least;
    }
  }
  std::printf("SigmaHQ regression data through vigil hunt: %zu of %zu cases fire\n", passed,
              cases.size());
}

}  // namespace
}  // namespace vigil::hunt_test
