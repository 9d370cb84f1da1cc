// Windows events read back from their JSON rendering (`vigil dump`, the Rust
// evtx_dump) carry the same fields as the EVTX reader gives for the records
// themselves: for each record, the (name, text) pairs of EventBuilder's event
// equal those of the JSON reader's event. Needs ../shared (skips without it).

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "json_support.h"

// The EVTX side needs vigil_read_evtx linked into this test binary
// (tests/unit/CMakeLists.txt); without it the tests say so and skip.
#if __has_include("vigil/read/evtx/evtx.h")
#include "vigil/detect/loader.h"
#include "vigil/detect/logsource.h"
#include "vigil/detect/matcher.h"
#include "vigil/detect/ruleset.h"
#include "vigil/read/evtx/evtx.h"
#include "vigil/read/evtx/scan.h"
#define VIGIL_JSON_TEST_EVTX 1
#endif

namespace vigil::read {
namespace {

#ifdef VIGIL_JSON_TEST_EVTX

namespace fs = std::filesystem;
using Pairs = std::vector<std::pair<std::string, std::string>>;

// The one thing the dump cannot carry: evtx_dump writes times with six
// fractional digits, so the seventh (100 ns) digit of the record's times is
// lost. The EVTX side's times are cut to six digits (plus the 0 the JSON
// reader writes) before comparing.
std::string without_seventh_digit(std::string text) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddddddZ";
  if (text.size() != kShape.size()) return text;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return text;
  }
  text[26] = '0';
  return text;
}

Pairs sorted(Pairs pairs) {
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

struct Rendered {
  std::string jsonl;           // one rendered record per line
  std::vector<Pairs> events;   // EventBuilder's fields of the same records
  std::vector<int64_t> times;  // EventBuilder's timestamps
};

Rendered render(const std::string& path, FieldNames& names) {
  Rendered out;
  auto input = evtx::plan_input(path);
  if (!input.ok()) return out;
  std::vector<evtx::EvtxInput> inputs{std::move(input.value())};
  evtx::EventBuilder builder(names);
  evtx::Renderer renderer;
  Event event;
  std::string line;
  evtx::scan<int>(
      inputs, 1, {},
      [&](const evtx::Record& record, const evtx::ChunkNames& chunk_names, uint32_t, unsigned,
          int&) {
        line.clear();
        if (!renderer.json(line, record, chunk_names)) return;
        event.clear();
        if (!builder.build(record, chunk_names, 0, event)) return;
        Pairs pairs;
        for (const Field& f : event.fields()) {
          pairs.emplace_back(std::string(names.name(f.name)),
                             without_seventh_digit(to_text(f.value)));
        }
        out.events.push_back(sorted(std::move(pairs)));
        out.times.push_back(event.timestamp.ticks);
        out.jsonl += line;
        out.jsonl += '\n';
      },
      [](int&) {}, [](const evtx::ScanSlot<int>&) {});
  return out;
}

Pairs json_pairs(const testing::SeenEvent& e) {
  Pairs pairs;
  for (const auto& [name, text] : e.fields) {
    if (name != "_source_format") pairs.emplace_back(name, text);
  }
  return sorted(std::move(pairs));
}

std::string describe_difference(const Pairs& evtx, const Pairs& json) {
  std::string out;
  for (const auto& p : evtx) {
    if (!std::binary_search(json.begin(), json.end(), p))
      out += "  only EVTX: " + p.first + "=" + p.second + "\n";
  }
  for (const auto& p : json) {
    if (!std::binary_search(evtx.begin(), evtx.end(), p))
      out += "  only JSON: " + p.first + "=" + p.second + "\n";
  }
  return out;
}

std::vector<fs::path> evtx_files() {
  std::vector<fs::path> files;
  for (const char* sub : {"corpus/evtx", "corpus/sigma/regression_data"}) {
    const fs::path dir = fs::path(VIGIL_SHARED_DIR) / sub;
    if (!fs::exists(dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ".evtx") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Every record of every EVTX file of the shared corpus, rendered in process
// by the renderer `vigil dump` uses and read back.
TEST(JsonEvtxDump, EveryCorpusRecordReadsBackAsTheSameEvent) {
  const std::vector<fs::path> files = evtx_files();
  if (files.empty()) GTEST_SKIP() << VIGIL_SHARED_DIR << "/corpus is absent";
  size_t records = 0, differing = 0;
  for (const fs::path& path : files) {
    FieldNames names;
    const Rendered r = render(path.string(), names);
    const testing::Parsed p = testing::parse_block(json_format(), r.jsonl, names);
    EXPECT_TRUE(p.issues.empty()) << path << "\n" << p.issue_text();
    ASSERT_EQ(p.events.size(), r.events.size()) << path;
    for (size_t i = 0; i < r.events.size(); ++i) {
      ++records;
      const Pairs json = json_pairs(p.events[i]);
      EXPECT_EQ(p.events[i].get("_source_format"), "evtx");
      // Exact, or cut to microseconds when the time was a FILETIME (see above).
      const int64_t t = p.events[i].timestamp.ticks;
      EXPECT_TRUE(t == r.times[i] || t == r.times[i] / 10 * 10)
          << path << " record " << i << ": " << t << " vs " << r.times[i];
      if (json != r.events[i]) {
        if (++differing <= 20) {
          ADD_FAILURE() << path << " record " << i << " differs:\n"
                        << describe_difference(r.events[i], json);
        }
      }
    }
  }
  std::printf("EVTX records read back from their JSON rendering: %zu, %zu differ\n", records,
              differing);
  EXPECT_EQ(differing, 0u);
}

// The Rust evtx_dump trims white space at both ends of every text value
// (vigil dump does not): its renderings are compared with the EVTX text trimmed.
Pairs trimmed(Pairs pairs) {
  for (auto& [name, text] : pairs) {
    const size_t begin = text.find_first_not_of(" \t\r\n");
    const size_t end = text.find_last_not_of(" \t\r\n");
    text = begin == std::string::npos ? std::string() : text.substr(begin, end - begin + 1);
  }
  return sorted(std::move(pairs));
}

// SigmaHQ's regression data keeps beside each EVTX file its rendering by the
// Rust evtx_dump (pretty-printed objects one after another): read through
// the whole driver (recognition, multi-line framing), each object is the
// event the EVTX reader gives for the same record.
TEST(JsonEvtxDump, SigmaHqRegressionRenderingsReadAsTheirEvtxRecords) {
  const fs::path root = fs::path(VIGIL_SHARED_DIR) / "corpus/sigma/regression_data";
  if (!fs::exists(root)) GTEST_SKIP() << root << " is absent";
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  size_t compared = 0, records = 0;
  for (const fs::path& json : files) {
    fs::path evtx = json;
    evtx.replace_extension(".evtx");
    if (!fs::exists(evtx)) continue;
    // This rendering is not its EVTX file's: the JSON has Explorer.exe where
    // the record has Explorer.EXE, and a SystemTime with nine digits.
    if (json.stem() == "ad691d92-15f2-4181-9aa4-723c74f9ddc3") continue;
    FieldNames names;
    const Rendered r = render(evtx.string(), names);
    const testing::ReadResult read = testing::read_path(json.string(), names);
    ASSERT_TRUE(read.error.empty()) << json << ": " << read.error;
    EXPECT_EQ(read.format, "json") << json;
    EXPECT_TRUE(read.parsed.issues.empty()) << json << "\n" << read.parsed.issue_text();
    ASSERT_EQ(read.parsed.events.size(), r.events.size()) << json;
    for (size_t i = 0; i < r.events.size(); ++i) {
      const Pairs got = json_pairs(read.parsed.events[i]);
      const Pairs want = trimmed(r.events[i]);
      EXPECT_EQ(got, want) << json << " object " << i << ":\n" << describe_difference(want, got);
      ++records;
    }
    ++compared;
  }
  std::printf("regression renderings: %zu files, %zu events equal to their EVTX records\n",
              compared, records);
  EXPECT_GT(compared, 100u);
}

// Each regression case's rule (the files are named by its id) fires on the
// events read from the JSON rendering exactly as often as on the EVTX file.
TEST(JsonEvtxDump, SigmaHqRegressionRulesFireOnTheRenderingsAsOnTheEvtx) {
  const fs::path sigma = fs::path(VIGIL_SHARED_DIR) / "corpus/sigma";
  if (!fs::exists(sigma / "regression_data")) GTEST_SKIP() << sigma << " is absent";
  FieldNames names;
  std::vector<std::string> paths;
  for (const char* folder : {"rules", "rules-emerging-threats", "rules-threat-hunting"}) {
    paths.push_back((sigma / folder).string());
  }
  detect::CompileOptions options;
  options.resolver = detect::mapping_resolver(detect::LogsourceMapping::builtin());
  std::vector<detect::Diagnostic> diagnostics;
  const auto set = detect::RuleSet::compile(detect::load_rules(paths), names, options, diagnostics);
  std::map<std::string, uint32_t> by_id;
  for (uint32_t i = 0; i < set->size(); ++i) by_id.emplace(set->rule(i).info.id, i);
  detect::Matcher matcher(*set);

  size_t cases = 0;
  for (const auto& entry : fs::recursive_directory_iterator(sigma / "regression_data")) {
    const fs::path json = entry.path();
    if (!entry.is_regular_file() || json.extension() != ".json") continue;
    fs::path evtx = json;
    evtx.replace_extension(".evtx");
    const auto rule = by_id.find(json.stem().string());
    if (!fs::exists(evtx) || rule == by_id.end()) continue;
    uint64_t evtx_hits = 0, json_hits = 0;
    {
      auto input = evtx::plan_input(evtx.string());
      ASSERT_TRUE(input.ok());
      std::vector<evtx::EvtxInput> inputs{std::move(input.value())};
      evtx::EventBuilder builder(names);
      Event event;
      evtx::scan<int>(
          inputs, 1, {},
          [&](const evtx::Record& record, const evtx::ChunkNames& chunk_names, uint32_t, unsigned,
              int&) {
            event.clear();
            if (!builder.build(record, chunk_names, 0, event)) return;
            for (uint32_t r : matcher.match(event)) evtx_hits += r == rule->second ? 1 : 0;
          },
          [](int&) {}, [](const evtx::ScanSlot<int>&) {});
    }
    {
      PlanOptions plan;
      plan.formats = formats();
      auto input = plan_text_input(json.string(), plan, names);
      ASSERT_TRUE(input.ok());
      std::vector<TextInput> inputs;
      inputs.push_back(std::move(input.value()));
      scan_text<int>(
          inputs, 1, names,
          [&](Event& event, uint32_t, unsigned, int&) {
            for (uint32_t r : matcher.match(event)) json_hits += r == rule->second ? 1 : 0;
          },
          [](int&) {}, [](TextSlot<int>&) {});
    }
    EXPECT_GT(evtx_hits, 0u) << json;
    EXPECT_EQ(json_hits, evtx_hits) << json << ": " << set->rule(rule->second).info.title;
    ++cases;
  }
  std::printf("regression cases whose rule fires as often on the JSON rendering: %zu\n", cases);
  EXPECT_GT(cases, 100u);
}

// The same through the command line: `vigil dump` of a few corpus files,
// written to a file and read back through recognition and the parallel scan.
TEST(JsonEvtxDump, VigilDumpOutputReadsBackAsTheSameEvents) {
  std::vector<fs::path> files = evtx_files();
  if (files.empty()) GTEST_SKIP() << VIGIL_SHARED_DIR << "/corpus is absent";
  std::vector<fs::path> chosen;
  for (size_t i = 0; i < files.size(); i += std::max<size_t>(1, files.size() / 6)) {
    chosen.push_back(files[i]);
  }
  size_t compared = 0;
  const fs::path out =
      fs::temp_directory_path() / ("vigil-json-dump-" + std::to_string(::getpid()) + ".jsonl");
  for (const fs::path& path : chosen) {
    const std::string command = std::string(VIGIL_BINARY) + " dump '" + path.string() + "' > '" +
                                out.string() + "' 2>/dev/null";
    const int status = std::system(command.c_str());
    ASSERT_NE(status, -1);
    FieldNames names;
    const Rendered r = render(path.string(), names);
    const testing::ReadResult read = testing::read_path(out.string(), names);
    ASSERT_TRUE(read.error.empty() || r.events.empty()) << path << ": " << read.error;
    if (r.events.empty()) continue;
    EXPECT_EQ(read.format, "json");
    EXPECT_TRUE(read.parsed.issues.empty()) << path << "\n" << read.parsed.issue_text();
    ASSERT_EQ(read.parsed.events.size(), r.events.size()) << path;
    for (size_t i = 0; i < r.events.size(); ++i) {
      const Pairs got = json_pairs(read.parsed.events[i]);
      EXPECT_EQ(got, r.events[i]) << path << " record " << i << ":\n"
                                  << describe_difference(r.events[i], got);
    }
    compared += r.events.size();
  }
  fs::remove(out);
  std::printf("vigil dump output of %zu files read back: %zu events\n", chosen.size(), compared);
  EXPECT_GT(compared, 0u);
}

#else

TEST(JsonEvtxDump, NeedsTheEvtxReader) {
  GTEST_SKIP() << "vigil_read_evtx is not linked into this test (tests/unit/CMakeLists.txt)";
}

#endif

}  // namespace
}  // namespace vigil::read
