// The compiled rule-set cache: a set read back from the cache matches
// exactly like a fresh compile, the key follows every input that decides the
// compiled form, and damaged, truncated or concurrently written cache files
// never give a wrong set or a crash.

#include "vigil/detect/cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "vigil/core/event.h"
#include "vigil/core/input.h"
#include "vigil/detect/logsource.h"
#include "vigil/detect/matcher.h"
#include "vigil/detect/placeholders.h"
#include "vigil/read/evtx/evtx.h"
#include "vigil/read/evtx/scan.h"

// The compiled form, to forge damaged structures.
#include "compiled.h"

namespace vigil::detect {
namespace {

namespace fs = std::filesystem;

// A fresh folder per test, removed at the end.
class TempDir {
 public:
  TempDir() {
    static int serial = 0;
    path_ = ::testing::TempDir() + "/vigil_cache_test_" + std::to_string(::getpid()) + "_" +
            std::to_string(serial++);
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string file = path_ + "/" + name;
    fs::create_directories(fs::path(file).parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::string path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// One small rule per probe kind and test form, so that each matches (or
// not) on its own, plus a keyword rule, a filter, a correlation, a rule
// whose logsource is not mapped (a warning) and one that is rejected.
std::string rule_document(int n, const std::string& detection,
                          const std::string& logsource =
                              "product: windows\n    category: "
                              "process_creation") {
  char id[64];
  std::snprintf(id, sizeof id, "10000000-0000-4000-8000-%012d", n);
  return "title: Probe " + std::to_string(n) + "\nid: " + id + "\nname: probe_" +
         std::to_string(n) +
         "\nauthor: Cache Test\nlevel: high\ntags: [attack.t1059, attack.execution]\n"
         "logsource:\n    " +
         logsource + "\ndetection:\n" + detection + "\n";
}

std::string hand_written_rules() {
  const std::vector<std::string> detections = {
      "  sel:\n    Image: 'C:\\Windows\\System32\\cmd.exe'\n  condition: sel",
      "  sel:\n    CommandLine|startswith: 'cmd'\n  condition: sel",
      "  sel:\n    Image|endswith: '\\cmd.exe'\n  condition: sel",
      "  sel:\n    CommandLine|contains|all: ['whoami', '/all']\n  condition: sel",
      "  sel:\n    CommandLine: '*who?mi*-a?l*'\n  condition: sel",
      "  sel:\n    CommandLine|re: 'w[h]oami\\s+/(all|priv)'\n  condition: sel",
      "  sel:\n    CommandLine|re|i|m|s: '^CMD.*WHOAMI'\n  condition: sel",
      "  sel:\n    CommandLine|re: '.{20,}'\n  condition: sel",
      "  sel:\n    ProcessId|lt: 5000\n  condition: sel",
      "  sel:\n    SourceIp|cidr: ['10.0.0.0/8', 'fe80::/10']\n  condition: sel",
      "  sel:\n    ParentImage|fieldref: Image\n  condition: sel",
      "  sel:\n    CommandLine|windash|contains: ' -all'\n  condition: sel",
      "  sel:\n    CommandLine|base64offset|contains: 'http://'\n  condition: sel",
      "  sel:\n    CommandLine|wide|base64offset|contains: 'ping'\n  condition: sel",
      "  sel:\n    UtcTime|hour: 23\n  condition: sel",
      "  sel:\n    User|exists: true\n  condition: sel",
      "  sel:\n    Data: null\n  condition: sel",
      "  sel:\n    User|neq: 'SYSTEM'\n  condition: sel",
      "  sel:\n    User|expand: '%Administrators%'\n  condition: sel",
      "  sel:\n    CommandLine|cased|contains: 'WhoAmI'\n  condition: sel",
      "  sel:\n    EventID: 1\n  condition: sel",
      "  a:\n    Image|endswith: '\\cmd.exe'\n  b:\n    CommandLine|contains: 'whoami'\n"
      "  c:\n    User: 'SYSTEM'\n  _d:\n    User: 'x'\n  condition: 2 of them and not c",
      "  sel1:\n    CommandLine|contains: 'x'\n  sel2:\n    Image|contains: 'y'\n"
      "  condition: all of sel* or (sel1 and not sel2)",
  };
  std::string out;
  int n = 1;
  for (const std::string& d : detections) {
    out += rule_document(n++, d);
    out += "---\n";
  }
  out +=
      rule_document(n++, "  keywords:\n    - 'mimikatz'\n    - 'sekurlsa'\n  condition: keywords",
                    "product: windows\n    service: security");
  out += "---\n";
  out += rule_document(n++, "  sel:\n    Foo: bar\n  condition: sel", "product: nothing_maps_this");
  out += "---\n";
  out += rule_document(n++, "  sel:\n    Foo|nosuchmodifier: bar\n  condition: sel");
  out += "---\n";
  out +=
      "title: Not SYSTEM\nid: 20000000-0000-4000-8000-000000000001\nlogsource:\n"
      "    product: windows\n    category: process_creation\nfilter:\n    rules: [probe_2]\n"
      "    selection:\n        User: SYSTEM\n    condition: selection\n";
  out += "---\n";
  out +=
      "title: Many whoami\nid: 30000000-0000-4000-8000-000000000001\nname: many\n"
      "correlation:\n    type: event_count\n    rules: [probe_4]\n    group-by: [Computer]\n"
      "    timespan: 5m\n    condition:\n        gte: 2\nlevel: critical\n";
  return out;
}

struct EventSpec {
  std::vector<std::pair<std::string, std::string>> text;
  std::vector<std::tuple<std::string, ValueType, std::string>> raw;
};

std::string u16(uint16_t v) { return std::string(reinterpret_cast<const char*>(&v), 2); }
std::string u32le(uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }

std::vector<EventSpec> hand_written_events() {
  const std::string sysmon = "Microsoft-Windows-Sysmon/Operational";
  std::vector<EventSpec> events;
  events.push_back({{{"Channel", sysmon},
                     {"Image", "C:\\Windows\\System32\\cmd.exe"},
                     {"ParentImage", "C:\\Windows\\System32\\cmd.exe"},
                     {"CommandLine",
                      "cmd.exe /c whoami /all \xE2\x80\x94"
                      "all aHR0cDovL3g="},
                     {"User", "CORP\\admin"},
                     {"UtcTime", "2024-03-10 23:45:12.000"},
                     {"SourceIp", "fe80::1"},
                     {"Computer", "ws1"}},
                    {{"EventID", ValueType::kUInt16, u16(1)},
                     {"ProcessId", ValueType::kUInt32, u32le(4000)},
                     {"Data", ValueType::kNull, ""}}});
  events.push_back(
      {{{"Channel", sysmon},
        {"Image", "C:\\Tools\\x.exe"},
        {"CommandLine", "x.exe -all WhoAmI mimikatz"},
        {"User", "SYSTEM"},
        {"SourceIp", "10.1.2.3"},
        {"Computer", "ws2"}},
       {{"EventID", ValueType::kUInt16, u16(1)}, {"ProcessId", ValueType::kUInt32, u32le(9000)}}});
  events.push_back({{{"Channel", "Security"},
                     {"NewProcessName", "C:\\Windows\\System32\\cmd.exe"},
                     {"CommandLine", "cmd /c whoami /priv sekurlsa"},
                     {"SubjectUserName", "adm_bob"},
                     {"Computer", "dc1"}},
                    {{"EventID", ValueType::kUInt16, u16(4688)}}});
  events.push_back({{{"Channel", "Security"}, {"Message", "mimikatz was here"}},
                    {{"EventID", ValueType::kUInt16, u16(4624)}}});
  return events;
}

// Each event's matches, with events built in `names`.
std::vector<std::vector<uint32_t>> match_all(const RuleSet& set, FieldNames& names,
                                             const std::vector<EventSpec>& specs) {
  Matcher matcher(set);
  std::deque<std::string> storage;
  std::vector<std::vector<uint32_t>> out;
  for (const EventSpec& spec : specs) {
    Event e;
    for (const auto& [name, text] : spec.text) {
      storage.push_back(text);
      e.add(names.intern(name), Value::utf8(storage.back()));
    }
    for (const auto& [name, type, bytes] : spec.raw) {
      storage.push_back(bytes);
      const std::string& b = storage.back();
      e.add(names.intern(name), Value(reinterpret_cast<const uint8_t*>(b.data()),
                                      static_cast<uint32_t>(b.size()), static_cast<uint8_t>(type)));
    }
    const auto hits = matcher.match(e);
    out.emplace_back(hits.begin(), hits.end());
  }
  return out;
}

std::string transcript(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    out += format_diagnostic(d) + (d.rejects_rule ? " [rejects]" : "") + "\n";
  }
  return out;
}

Placeholders test_placeholders() {
  Placeholders p;
  p.set("Administrators", {"adm_*", "root"});
  return p;
}

struct Compiled {
  FieldNames names;
  std::vector<Diagnostic> diagnostics;
  std::shared_ptr<const RuleSet> set;
};

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_ = dir_.write("rules/probes.yml", hand_written_rules());
    options_.placeholders = &placeholders_;
    options_.resolver = mapping_resolver(LogsourceMapping::builtin());
    cache_.directory = dir_.path() + "/cache";
    cache_.placeholder_text = "Administrators: ['adm_*', 'root']\n";
  }

  std::unique_ptr<Compiled> fresh() {
    auto c = std::make_unique<Compiled>();
    c->set = RuleSet::compile(load_rules(std::vector<std::string>{rules_}), c->names, options_,
                              c->diagnostics);
    return c;
  }
  std::unique_ptr<Compiled> cached(CacheStats* stats = nullptr) {
    auto c = std::make_unique<Compiled>();
    c->set = load_or_compile({dir_.path() + "/rules"}, options_, cache_, c->names, c->diagnostics,
                             stats);
    return c;
  }

  TempDir dir_;
  std::string rules_;
  Placeholders placeholders_ = test_placeholders();
  CompileOptions options_;
  CacheOptions cache_;
};

TEST_F(CacheTest, RoundTripGivesTheSameSetAndMatches) {
  auto original = fresh();
  ASSERT_GE(original->set->size(), 25u) << transcript(original->diagnostics);
  ASSERT_EQ(original->set->correlations().size(), 1u);
  ASSERT_EQ(original->set->filters().size(), 1u);
  const std::string file = encode_rule_set(*original->set, original->diagnostics, CacheKey{});
  ASSERT_FALSE(file.empty());

  Compiled back;
  auto decoded = decode_rule_set(file, back.names, back.diagnostics);
  ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
  back.set = decoded.value();
  // Encoding the decoded set gives the same bytes: every array came back.
  EXPECT_EQ(encode_rule_set(*back.set, back.diagnostics, CacheKey{}), file);
  EXPECT_EQ(transcript(back.diagnostics), transcript(original->diagnostics));
  EXPECT_EQ(back.set->rule(0).info.author, "Cache Test");
  EXPECT_EQ(back.set->rule(0).info.tags, original->set->rule(0).info.tags);
  EXPECT_EQ(back.set->rule(0).info.file, rules_);
  EXPECT_EQ(back.set->rule(0).info.line, 1u);

  const auto events = hand_written_events();
  const auto want = match_all(*original->set, original->names, events);
  EXPECT_EQ(match_all(*back.set, back.names, events), want);
  size_t total = 0;
  for (const auto& hits : want) total += hits.size();
  EXPECT_GE(total, 20u);
}

TEST_F(CacheTest, FieldIdsAreMappedIntoTheRunsTable) {
  auto original = fresh();
  const std::string file = encode_rule_set(*original->set, original->diagnostics, CacheKey{});
  Compiled back;
  // Another run's table: other names first, so every stored id moves.
  for (int i = 0; i < 300; ++i) back.names.intern("Unrelated" + std::to_string(i));
  auto decoded = decode_rule_set(file, back.names, back.diagnostics);
  ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
  back.set = decoded.value();
  const auto events = hand_written_events();
  EXPECT_EQ(match_all(*back.set, back.names, events),
            match_all(*original->set, original->names, events));
}

TEST_F(CacheTest, SecondLoadIsAHitWithTheSameResult) {
  CacheStats first_stats;
  auto first = cached(&first_stats);
  EXPECT_EQ(first_stats.outcome, CacheOutcome::kMiss) << first_stats.detail;
  EXPECT_TRUE(first_stats.stored) << first_stats.detail;
  EXPECT_EQ(first_stats.rule_files, 1u);
  EXPECT_TRUE(fs::exists(first_stats.path));
  EXPECT_EQ(fs::status(first_stats.path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  CacheStats second_stats;
  auto second = cached(&second_stats);
  EXPECT_EQ(second_stats.outcome, CacheOutcome::kHit) << second_stats.detail;
  EXPECT_EQ(second_stats.path, first_stats.path);

  auto reference = fresh();
  EXPECT_EQ(transcript(first->diagnostics), transcript(reference->diagnostics));
  EXPECT_EQ(transcript(second->diagnostics), transcript(reference->diagnostics));
  const auto events = hand_written_events();
  const auto want = match_all(*reference->set, reference->names, events);
  EXPECT_EQ(match_all(*first->set, first->names, events), want);
  EXPECT_EQ(match_all(*second->set, second->names, events), want);

  CacheOptions off = cache_;
  off.enabled = false;
  Compiled plain;
  CacheStats plain_stats;
  plain.set = load_or_compile({dir_.path() + "/rules"}, options_, off, plain.names,
                              plain.diagnostics, &plain_stats);
  EXPECT_EQ(plain_stats.outcome, CacheOutcome::kDisabled);
  EXPECT_EQ(match_all(*plain.set, plain.names, events), want);
}

// A selected set is cached apart from the whole one, and a hit gives back
// what the selection left out, for the "rules loaded" total.
TEST_F(CacheTest, SelectedSetIsCachedWithWhatItLeftOut) {
  const RuleCollection whole = load_rules(std::vector<std::string>{rules_});
  const size_t total = whole.rules.size() + whole.correlations.size();
  options_.selection.min_level = Level::kCritical;
  CacheStats first_stats;
  auto first = cached(&first_stats);
  EXPECT_EQ(first_stats.outcome, CacheOutcome::kMiss) << first_stats.detail;
  CacheStats second_stats;
  auto second = cached(&second_stats);
  EXPECT_EQ(second_stats.outcome, CacheOutcome::kHit) << second_stats.detail;
  for (const Compiled* c : {first.get(), second.get()}) {
    // The critical correlation, and the rule it takes.
    ASSERT_EQ(c->set->correlations().size(), 1u);
    ASSERT_EQ(c->set->size(), 1u);
    EXPECT_EQ(c->set->rule(0).info.name, "probe_4");
    EXPECT_EQ(c->set->size() + c->set->correlations().size() + c->set->left_out(), total);
  }
  const auto events = hand_written_events();
  EXPECT_EQ(match_all(*second->set, second->names, events),
            match_all(*first->set, first->names, events));
}

TEST_F(CacheTest, KeyFollowsEveryInput) {
  const std::vector<std::string> paths{dir_.path() + "/rules"};
  const auto base = rule_set_cache_key(paths, options_, cache_);
  ASSERT_TRUE(base.has_value());
  EXPECT_EQ(rule_set_cache_key(paths, options_, cache_), base);

  // One byte of one rule file.
  std::string text = hand_written_rules();
  const size_t at = text.find("whoami");
  text[at] = 'W';
  dir_.write("rules/probes.yml", text);
  const auto edited = rule_set_cache_key(paths, options_, cache_);
  EXPECT_NE(edited, base);
  dir_.write("rules/probes.yml", hand_written_rules());
  EXPECT_EQ(rule_set_cache_key(paths, options_, cache_), base);

  // A new file, and the same bytes under another name.
  dir_.write("rules/more.yml", rule_document(99, "  sel:\n    Image: x\n  condition: sel"));
  EXPECT_NE(rule_set_cache_key(paths, options_, cache_), base);
  fs::remove(dir_.path() + "/rules/more.yml");
  fs::rename(rules_, dir_.path() + "/rules/renamed.yml");
  EXPECT_NE(rule_set_cache_key(paths, options_, cache_), base);
  fs::rename(dir_.path() + "/rules/renamed.yml", rules_);
  EXPECT_EQ(rule_set_cache_key(paths, options_, cache_), base);
  // Files the loader skips do not count.
  dir_.write("rules/README.md", "not a rule");
  EXPECT_EQ(rule_set_cache_key(paths, options_, cache_), base);

  CacheOptions other = cache_;
  other.placeholder_text += "# another value\n";
  EXPECT_NE(rule_set_cache_key(paths, options_, other), base);
  other = cache_;
  other.mapping_text = "mappings: []\n";
  EXPECT_NE(rule_set_cache_key(paths, options_, other), base);
  // Where the cache lives and how big it may grow do not change the result.
  other = cache_;
  other.directory = "/elsewhere";
  other.max_files = 1;
  other.threads = 1;
  EXPECT_EQ(rule_set_cache_key(paths, options_, other), base);

  CompileOptions flags = options_;
  flags.literal_prefilter = false;
  EXPECT_NE(rule_set_cache_key(paths, flags, cache_), base);
  flags = options_;
  flags.placeholders = nullptr;
  EXPECT_NE(rule_set_cache_key(paths, flags, cache_), base);
  flags = options_;
  flags.resolver = nullptr;
  EXPECT_NE(rule_set_cache_key(paths, flags, cache_), base);
  // A selection compiles fewer rules: a key of its own, one per selection.
  flags = options_;
  flags.selection.min_level = Level::kHigh;
  const auto high = rule_set_cache_key(paths, flags, cache_);
  EXPECT_NE(high, base);
  flags.selection.contains = {"T1059"};
  EXPECT_NE(rule_set_cache_key(paths, flags, cache_), high);
  EXPECT_NE(rule_set_cache_key(paths, flags, cache_), base);
  flags.selection.contains = {"T1", "059"};
  const auto split = rule_set_cache_key(paths, flags, cache_);
  flags.selection.contains = {"T1059"};
  EXPECT_NE(rule_set_cache_key(paths, flags, cache_), split);

  EXPECT_FALSE(rule_set_cache_key({dir_.path() + "/missing"}, options_, cache_).has_value());
  // Placeholders the key cannot stand for (no text given): not cached at all.
  other = cache_;
  other.placeholder_text.clear();
  EXPECT_FALSE(rule_set_cache_key(paths, options_, other).has_value());
  Compiled c;
  CacheStats stats;
  c.set = load_or_compile(paths, options_, other, c.names, c.diagnostics, &stats);
  EXPECT_EQ(stats.outcome, CacheOutcome::kUncacheable);
  EXPECT_GE(c.set->size(), 25u);
}

// Rule files are read, hashed and parsed on several threads: the same key
// and the same compiled set whatever their number.
TEST_F(CacheTest, ThreadCountChangesNothing) {
  for (int i = 0; i < 700; ++i) {
    dir_.write("many/r" + std::to_string(i) + ".yml",
               rule_document(1000 + i, "  sel:\n    CommandLine|contains: 'x" + std::to_string(i) +
                                           "'\n  condition: sel") +
                   (i % 50 == 0 ? "---\nnot: [valid\n" : ""));
  }
  const std::vector<std::string> paths{dir_.path() + "/many"};
  std::vector<std::string> files;
  std::vector<std::string> transcripts;
  for (const unsigned threads : {1u, 2u, 4u}) {
    CacheOptions cache = cache_;
    cache.threads = threads;
    cache.directory = dir_.path() + "/cache" + std::to_string(threads);
    const auto key = rule_set_cache_key(paths, options_, cache);
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(key, rule_set_cache_key(paths, options_, cache_));
    Compiled c;
    CacheStats stats;
    c.set = load_or_compile(paths, options_, cache, c.names, c.diagnostics, &stats);
    ASSERT_TRUE(stats.stored) << stats.detail;
    files.push_back(read_file(stats.path));
    transcripts.push_back(transcript(c.diagnostics));
  }
  EXPECT_EQ(files[1], files[0]);
  EXPECT_EQ(files[2], files[0]);
  EXPECT_EQ(transcripts[1], transcripts[0]);
  EXPECT_EQ(transcripts[2], transcripts[0]);
  Compiled plain;
  plain.set = RuleSet::compile(load_rules(paths), plain.names, options_, plain.diagnostics);
  EXPECT_EQ(transcripts[0], transcript(plain.diagnostics));
  EXPECT_EQ(encode_rule_set(*plain.set, plain.diagnostics, CacheKey{}).substr(88),
            files[0].substr(88));
}

TEST_F(CacheTest, DamagedFilesAreRejectedNeverTrusted) {
  auto original = fresh();
  const CacheKey key{1, 2, 3};
  const std::string file = encode_rule_set(*original->set, original->diagnostics, key);
  ASSERT_GT(file.size(), 1000u);
  const auto events = hand_written_events();
  const auto want = match_all(*original->set, original->names, events);

  auto decode = [&](std::string_view bytes, const DecodeChecks& checks) {
    FieldNames names;
    std::vector<Diagnostic> diagnostics;
    auto result = decode_rule_set(bytes, names, diagnostics, checks);
    if (result.ok()) {
      // Whatever decodes can be matched with.
      match_all(*result.value(), names, events);
    }
    return result.ok();
  };
  DecodeChecks checked;
  checked.key = &key;
  EXPECT_TRUE(decode(file, checked));
  const CacheKey other{9};
  DecodeChecks wrong_key;
  wrong_key.key = &other;
  EXPECT_FALSE(decode(file, wrong_key));

  // Every truncation.
  for (size_t n = 0; n < file.size(); n += n < 512 ? 1 : 97) {
    EXPECT_FALSE(decode(std::string_view(file).substr(0, n), checked)) << n;
  }
  // Flipped bytes: the checksum catches them all; without it the decoder
  // must still never crash or accept an out-of-range index.
  DecodeChecks unchecked;
  unchecked.checksum = false;
  // Every byte of the header and the start, then about 500 places
  // spread over the rest (each unchecked decode compiles regexes again).
  size_t accepted = 0;
  const size_t step = std::max<size_t>(1, file.size() / 500);
  for (size_t at = 0; at < file.size(); at += at < 256 ? 1 : step) {
    for (const uint8_t flip : {0x01, 0xFF}) {
      std::string bad = file;
      bad[at] = static_cast<char>(bad[at] ^ flip);
      EXPECT_FALSE(decode(bad, checked)) << at;
      accepted += decode(bad, unchecked) ? 1 : 0;
    }
  }
  std::printf("cache: %zu of the flipped-byte files decode without the checksum\n", accepted);
  // Extra bytes after the end.
  EXPECT_FALSE(decode(file + "x", checked));
  EXPECT_FALSE(decode(file + "x", unchecked));
}

// Files whose checksum holds but whose structure was forged: every index
// the matcher follows is checked, and so are the depth and the size of the
// condition graphs (shared operands are evaluated each time they are
// reached, so a chain of doubly used nodes would take exponential time).
TEST_F(CacheTest, ForgedStructuresAreRejected) {
  auto expect_rejected = [&](const std::function<void(RuleSet::Impl&)>& forge, const char* what) {
    auto c = fresh();
    forge(const_cast<RuleSet::Impl&>(c->set->impl()));
    const std::string file = encode_rule_set(*c->set, c->diagnostics, CacheKey{});
    ASSERT_FALSE(file.empty()) << what;
    FieldNames names;
    std::vector<Diagnostic> diagnostics;
    auto decoded = decode_rule_set(file, names, diagnostics);
    EXPECT_FALSE(decoded.ok()) << what;
    if (!decoded.ok()) std::printf("cache: %s: %s\n", what, decoded.error().to_string().c_str());
  };
  expect_rejected(
      [](RuleSet::Impl& s) {
        uint32_t previous = s.instances[0].root;
        for (int i = 0; i < 40; ++i) {
          Node node;
          node.kind = NodeKind::kAnd;
          node.first = static_cast<uint32_t>(s.children.size());
          node.count = 2;
          s.children.push_back(previous);
          s.children.push_back(previous);
          s.nodes.push_back(node);
          previous = static_cast<uint32_t>(s.nodes.size() - 1);
        }
        s.instances[0].root = previous;
      },
      "doubling chain");
  expect_rejected(
      [](RuleSet::Impl& s) {
        Node node;
        node.kind = NodeKind::kNot;
        node.arg = static_cast<uint32_t>(s.nodes.size());  // itself
        s.nodes.push_back(node);
      },
      "loop");
  expect_rejected([](RuleSet::Impl& s) { s.tests[0].probe_end = UINT32_MAX; }, "probe range");
  expect_rejected([](RuleSet::Impl& s) { s.probes[0].index = 1u << 30; }, "probe index");
  expect_rejected([](RuleSet::Impl& s) { s.instances[0].rule = 1u << 30; }, "rule index");
  expect_rejected([](RuleSet::Impl& s) { s.literal_count = 1u << 31; }, "literal count");
  expect_rejected([](RuleSet::Impl& s) { s.tests[0].field = s.field_count + 5; }, "field id");
  expect_rejected([](RuleSet::Impl& s) { s.networks[0].prefix = 200; }, "network prefix");
  expect_rejected([](RuleSet::Impl& s) { s.gates[0].unanchored.push_back(1u << 30); },
                  "gate instance");
  // The hand-written rules have keywords: their union is there to forge.
  const auto keyword_union = [](RuleSet::Impl& s) -> KeywordUnion& {
    return s.keyword_unions.at(0);
  };
  expect_rejected([&](RuleSet::Impl& s) { keyword_union(s).targets[0].gate = 1u << 30; },
                  "keyword holder's gate");
  expect_rejected([&](RuleSet::Impl& s) { keyword_union(s).targets[0].local = 1u << 30; },
                  "keyword holder's literal");
  expect_rejected([&](RuleSet::Impl& s) { keyword_union(s).target_first.back() += 1; },
                  "keyword holders' index");
  expect_rejected([&](RuleSet::Impl& s) { keyword_union(s).db.reset(); }, "keyword database");
  expect_rejected(
      [&](RuleSet::Impl& s) { keyword_union(s).strings_only = !keyword_union(s).strings_only; },
      "keyword union's joined text");
  expect_rejected(
      [](RuleSet::Impl& s) {
        for (Gate& g : s.gates) {
          for (FieldScan& scan : g.scans) {
            if (scan.kind == ScanKind::kKeywords) scan.keyword_union = 1u << 30;
          }
        }
      },
      "keyword scan's union");
}

TEST_F(CacheTest, DamagedCacheFileOnDiskIsAMissAndIsReplaced) {
  CacheStats stats;
  cached(&stats);
  ASSERT_TRUE(stats.stored) << stats.detail;
  const std::string path = stats.path;
  const std::string good = read_file(path);
  const auto events = hand_written_events();
  auto reference = fresh();
  const auto want = match_all(*reference->set, reference->names, events);

  for (const std::string& bad :
       {good.substr(0, good.size() / 2), std::string(), good.substr(0, good.size() - 1) + "!",
        std::string("VIGILRSC") + std::string(200, '\xFF')}) {
    { std::ofstream(path, std::ios::binary | std::ios::trunc) << bad; }
    ::chmod(path.c_str(), 0600);
    auto again = cached(&stats);
    EXPECT_EQ(stats.outcome, CacheOutcome::kMiss);
    EXPECT_FALSE(stats.detail.empty());
    EXPECT_TRUE(stats.stored) << stats.detail;
    EXPECT_EQ(match_all(*again->set, again->names, events), want);
    EXPECT_EQ(transcript(again->diagnostics), transcript(reference->diagnostics));
    EXPECT_EQ(read_file(path), good);  // replaced by a whole, good file
    cached(&stats);
    EXPECT_EQ(stats.outcome, CacheOutcome::kHit) << stats.detail;
  }

  // A file others may write is not trusted.
  ::chmod(path.c_str(), 0666);
  cached(&stats);
  EXPECT_EQ(stats.outcome, CacheOutcome::kMiss);
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(CacheTest, ConcurrentWritersLeaveAWholeFile) {
  constexpr int kThreads = 6;
  std::vector<std::thread> threads;
  std::vector<CacheStats> stats(kThreads);
  std::vector<std::unique_ptr<Compiled>> results(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { results[i] = cached(&stats[i]); });
  }
  for (std::thread& t : threads) t.join();
  const auto events = hand_written_events();
  auto reference = fresh();
  const auto want = match_all(*reference->set, reference->names, events);
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_NE(stats[i].outcome, CacheOutcome::kUncacheable) << stats[i].detail;
    EXPECT_EQ(match_all(*results[i]->set, results[i]->names, events), want);
  }
  // One cache file, whole; no temporary file left behind.
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(cache_.directory)) {
    EXPECT_TRUE(entry.path().string().ends_with(".vrc")) << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 1u);
  CacheStats after;
  auto hit = cached(&after);
  EXPECT_EQ(after.outcome, CacheOutcome::kHit) << after.detail;
  EXPECT_EQ(match_all(*hit->set, hit->names, events), want);
}

TEST_F(CacheTest, FolderStaysWithinItsBounds) {
  cache_.max_files = 2;
  std::vector<std::string> paths;
  for (int i = 0; i < 4; ++i) {
    dir_.write(
        "rules/extra.yml",
        rule_document(100 + i, "  sel:\n    Image: x" + std::to_string(i) + "\n  condition: sel"));
    CacheStats stats;
    cached(&stats);
    ASSERT_TRUE(stats.stored) << stats.detail;
    paths.push_back(stats.path);
    // Apart in time by more than the file system's clock step.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(cache_.directory)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2u);
  EXPECT_TRUE(fs::exists(paths[3]));
  EXPECT_TRUE(fs::exists(paths[2]));
  EXPECT_FALSE(fs::exists(paths[0]));

  cache_.max_files = 16;
  cache_.max_bytes = 1;  // only the file just written stays
  dir_.write("rules/extra.yml", rule_document(200, "  sel:\n    Image: y\n  condition: sel"));
  CacheStats stats;
  cached(&stats);
  EXPECT_TRUE(fs::exists(stats.path));
  EXPECT_FALSE(fs::exists(paths[3]));
}

// A FIFO planted at the cache path is a miss, not a hunt blocked until
// someone writes to it; the whole file written then takes its place.
TEST_F(CacheTest, FifoAtTheCachePathIsAMiss) {
  CacheStats stats;
  cached(&stats);
  ASSERT_TRUE(stats.stored) << stats.detail;
  const std::string path = stats.path;
  ASSERT_EQ(::unlink(path.c_str()), 0);
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto again = cached(&stats);
  EXPECT_EQ(stats.outcome, CacheOutcome::kMiss);
  EXPECT_GE(again->set->size(), 25u);
  cached(&stats);
  EXPECT_EQ(stats.outcome, CacheOutcome::kHit) << stats.detail;
}

// A rule file that is a FIFO is not opened (the open would block): the
// set is not cached, and the file is reported unread like a missing one.
TEST_F(CacheTest, FifoAmongTheRulesIsReportedNotOpened) {
  const std::string fifo = dir_.path() + "/rules/planted.yml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((dir_.path() + "/rules/other.pipe").c_str(), 0600), 0);
  Compiled c;
  CacheStats stats;
  c.set =
      load_or_compile({dir_.path() + "/rules"}, options_, cache_, c.names, c.diagnostics, &stats);
  EXPECT_EQ(stats.outcome, CacheOutcome::kUncacheable);
  size_t unread = 0;
  for (const Diagnostic& d : c.diagnostics) {
    if (d.code == DiagCode::kIo) {
      ++unread;
      EXPECT_EQ(d.file, fifo);
      EXPECT_TRUE(d.rejects_rule);
    }
  }
  EXPECT_EQ(unread, 1u) << transcript(c.diagnostics);
  EXPECT_GE(c.set->size(), 25u);
}

TEST_F(CacheTest, UnreadableRulesAreCompiledAndReportedAsBefore) {
  Compiled c;
  CacheStats stats;
  c.set = load_or_compile({dir_.path() + "/rules", dir_.path() + "/missing.yml"}, options_, cache_,
                          c.names, c.diagnostics, &stats);
  EXPECT_EQ(stats.outcome, CacheOutcome::kUncacheable);
  bool io = false;
  for (const Diagnostic& d : c.diagnostics) io = io || d.code == DiagCode::kIo;
  EXPECT_TRUE(io) << transcript(c.diagnostics);
  EXPECT_GE(c.set->size(), 25u);
}

// All of SigmaHQ: a set read back from the cache matches every event of the
// shared EVTX corpus exactly like a fresh compile.
TEST(CacheSigmaHq, CachedSetMatchesLikeAFreshCompile) {
  const std::string root = std::string(VIGIL_SHARED_DIR) + "/corpus";
  if (!fs::exists(root + "/sigma/rules")) GTEST_SKIP() << root << "/sigma is absent";
  std::vector<std::string> paths;
  for (const char* folder : {"rules", "rules-emerging-threats", "rules-threat-hunting",
                             "rules-compliance", "rules-placeholder"}) {
    paths.push_back(root + "/sigma/" + folder);
  }
  const std::string config_path =
      std::string(VIGIL_SOURCE_DIR) + "/tests/data/sigma/placeholders.yml";
  auto placeholders = Placeholders::load(config_path);
  ASSERT_TRUE(placeholders.ok());
  CompileOptions options;
  options.placeholders = &placeholders.value();
  options.resolver = mapping_resolver(LogsourceMapping::builtin());
  TempDir dir;
  CacheOptions cache;
  cache.directory = dir.path();
  cache.placeholder_text = read_file(config_path);

  FieldNames fresh_names;
  std::vector<Diagnostic> fresh_diagnostics;
  auto fresh = RuleSet::compile(load_rules(paths), fresh_names, options, fresh_diagnostics);
  ASSERT_GT(fresh->size(), 3000u);

  CacheStats miss;
  FieldNames miss_names;
  std::vector<Diagnostic> miss_diagnostics;
  load_or_compile(paths, options, cache, miss_names, miss_diagnostics, &miss);
  ASSERT_EQ(miss.outcome, CacheOutcome::kMiss);
  ASSERT_TRUE(miss.stored) << miss.detail;

  CacheStats hit;
  FieldNames names;
  names.intern("A field the compiling run did not have");
  std::vector<Diagnostic> diagnostics;
  auto cached = load_or_compile(paths, options, cache, names, diagnostics, &hit);
  ASSERT_EQ(hit.outcome, CacheOutcome::kHit) << hit.detail;
  EXPECT_EQ(transcript(diagnostics), transcript(fresh_diagnostics));
  EXPECT_EQ(transcript(miss_diagnostics), transcript(fresh_diagnostics));
  std::printf(
      "cache: %zu rule files (%.1f MB), cache file %.1f MB; miss: key %.3f s, compile %.3f s, "
      "store %.3f s; hit: key %.3f s, read %.3f s, decode %.3f s (RE2 %.3f s, Vectorscan %.3f s)\n",
      hit.rule_files, static_cast<double>(hit.rule_bytes) / 1e6,
      static_cast<double>(hit.cache_bytes) / 1e6, miss.key_seconds, miss.compile_seconds,
      miss.store_seconds, hit.key_seconds, hit.read_seconds, hit.decode_seconds, hit.regex_seconds,
      hit.hs_seconds);
  ASSERT_EQ(cached->size(), fresh->size());
  for (uint32_t i = 0; i < fresh->size(); ++i) {
    const RuleInfo& a = fresh->rule(i).info;
    const RuleInfo& b = cached->rule(i).info;
    ASSERT_TRUE(a.id == b.id && a.title == b.title && a.author == b.author && a.level == b.level &&
                a.tags == b.tags && a.file == b.file && a.line == b.line)
        << a.file;
  }

  std::vector<std::string> inputs;
  std::vector<Error> errors;
  const std::vector<std::string> corpus{root + "/evtx", root + "/sigma/regression_data"};
  for (const std::string& f : expand_inputs(corpus, errors)) {
    inputs.push_back(f);
  }
  std::vector<evtx::EvtxInput> planned;
  for (const std::string& f : inputs) {
    auto in = evtx::plan_input(f);
    if (in.ok()) planned.push_back(std::move(in.value()));
  }
  // Each set sees events built in its own run's table, in a scan of its
  // own: chunks remember the ids their names were interned under.
  auto match_corpus = [&](const RuleSet& set, FieldNames& table) {
    evtx::EventBuilder builder(table);
    Matcher matcher(set);
    Event event;
    std::vector<std::vector<uint32_t>> results;
    std::vector<std::pair<uint32_t, uint64_t>> where;
    evtx::scan<int>(
        planned, 1, {},
        [&](const evtx::Record& record, const evtx::ChunkNames& chunk_names, uint32_t input,
            unsigned, int&) {
          event.clear();
          if (!builder.build(record, chunk_names, input, event)) return;
          const auto hits = matcher.match(event);
          results.emplace_back(hits.begin(), hits.end());
          where.emplace_back(input, record.record_id);
        },
        [](int&) {}, [](const evtx::ScanSlot<int>&) {});
    return std::make_pair(results, where);
  };
  const auto [want, want_where] = match_corpus(*fresh, fresh_names);
  const auto [got, got_where] = match_corpus(*cached, names);
  ASSERT_EQ(got.size(), want.size());
  ASSERT_EQ(got_where, want_where);
  const uint64_t events = want.size();
  uint64_t matches = 0;
  uint64_t differences = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    matches += want[i].size();
    if (got[i] != want[i] && ++differences <= 10) {
      ADD_FAILURE() << planned[want_where[i].first].path << " record " << want_where[i].second
                    << ": " << got[i].size() << " matches from the cache, " << want[i].size()
                    << " fresh";
    }
  }
  EXPECT_EQ(differences, 0u);
  EXPECT_GT(events, 25000u);
  EXPECT_GT(matches, 1000u);
  std::printf("cache: %llu events, %llu matches, %llu differences\n",
              static_cast<unsigned long long>(events), static_cast<unsigned long long>(matches),
              static_cast<unsigned long long>(differences));
}

}  // namespace
}  // namespace vigil::detect
