// Recognition, and the cut rule's promise: wherever it allows a block to end,
// parsing the two blocks gives exactly the events of parsing the whole.

#include <filesystem>

#include <gtest/gtest.h>

#include "json_support.h"

namespace vigil::read {
namespace {

namespace fs = std::filesystem;

TEST(JsonRecognition, Scores) {
  const Format& json = json_format();
  EXPECT_EQ(json.sniff("", "x"), 0);
  EXPECT_EQ(json.sniff("Jan  1 00:00:00 host sshd[1]: hello\n", "x"), 0);
  EXPECT_EQ(json.sniff("\n\n{\"a\":1}\n{\"b\":2}\n", "x"), 60);
  EXPECT_EQ(json.sniff("\xEF\xBB\xBF[{\"a\":1}]\n", "x"), 60);
  EXPECT_EQ(json.sniff("{\n  \"a\": 1\n}\n", "x"), 60);
  // A document longer than the head opened like JSON.
  EXPECT_EQ(json.sniff("[\n  {\n    \"a\": 1,\n", "x"), 50);
  // Broken JSON still looks like JSON, a little.
  EXPECT_EQ(json.sniff("{\"a\":}\n", "x"), 20);
  EXPECT_EQ(json.sniff("\"text\"\n", "x"), 0);
  for (const char* name :
       {"winlogbeat_sysmon.jsonl", "evtx_dump_sysmon.jsonl", "evtx_dump_sysmon_pretty.json",
        "cloudtrail.json", "cloudtrail_minified.json", "generic_odd.jsonl", "sysmon_linux.jsonl"}) {
    FieldNames names;
    PlanOptions options;
    options.formats = formats();
    auto input = plan_text_input(testing::fixture(name), options, names);
    ASSERT_TRUE(input.ok()) << name;
    EXPECT_EQ(input->format->name(), "json") << name;
  }
}

std::vector<std::string> transcript(const testing::Parsed& p, uint64_t line_base) {
  std::vector<std::string> out;
  for (const auto& e : p.events) {
    std::string s = std::to_string(e.line + line_base) + "@" + std::to_string(e.offset) + "|" +
                    std::to_string(e.timestamp.ticks);
    for (const auto& [n, t] : e.fields) s += "|" + n + "=" + t;
    out.push_back(std::move(s));
  }
  return out;
}

// Every cut the rule allows, checked against the whole parse.
void check_cuts(const Format& format, const std::string& text, const std::string& what) {
  FieldNames names;
  FileFacts facts;
  auto context = format.open(text, facts, {}, names);
  ASSERT_TRUE(context.ok());
  auto parser = format.parser(context.value(), names);
  testing::Parsed whole;
  {
    testing::CollectSink sink(whole, names);
    parser->parse(text, 0, 0, sink);
  }
  const std::vector<std::string> expected = transcript(whole, 0);
  auto rule = format.cut_rule();
  ASSERT_NE(rule, nullptr);
  size_t pos = 0;
  uint64_t line = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string::npos ? text.size() : nl;
    std::string_view l(text.data() + pos, end - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (rule->cut_before(l) && pos > 0) {
      testing::Parsed a, b;
      testing::CollectSink sa(a, names), sb(b, names);
      parser->parse(std::string_view(text).substr(0, pos), 0, 0, sa);
      parser->parse(std::string_view(text).substr(pos), pos, 0, sb);
      std::vector<std::string> got = transcript(a, 0);
      for (auto& s : transcript(b, line)) got.push_back(std::move(s));
      EXPECT_EQ(got, expected) << what << ": cut before line " << line + 1;
    }
    ++line;
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
}

TEST(JsonCutRule, CutsNeverChangeTheEvents) {
  for (const auto& entry :
       fs::directory_iterator(std::string(VIGIL_SOURCE_DIR) + "/tests/data/logs/json")) {
    const std::string text = testing::read_all(entry.path().string());
    check_cuts(json_format(), text, entry.path().filename().string());
    check_cuts(audit_trail_format(), text, "audit-trail " + entry.path().filename().string());
  }
  check_cuts(json_format(),
             "{\"a\":1}\n[\n{\"b\":2},\n{\"c\":3}\n]\n{\"t\":\"trunc\n{\"d\":4}\n{\n  \"e\": {\n"
             "    \"f\": [1,\n      2]\n  }\n}\n  }\n]\n{\"g\":5}\n",
             "mixed");
}

TEST(JsonCutRule, NoCutInsideADocument) {
  const std::string text = testing::read_all(testing::fixture("cloudtrail.json")) + "{\"x\":1}\n";
  auto rule = json_format().cut_rule();
  size_t pos = 0;
  std::vector<size_t> allowed;
  size_t line = 0;
  while (pos < text.size()) {
    ++line;
    const size_t nl = text.find('\n', pos);
    if (rule->cut_before(std::string_view(text).substr(pos, nl - pos))) allowed.push_back(line);
    pos = nl + 1;
  }
  // Before the document and before the line after it.
  EXPECT_EQ(allowed, (std::vector<size_t>{1, 109}));
}

// The JSON logs of the shared corpus (Zeek's JSON output, gzip-compressed:
// the Zeek reader's format, which the generic reader must read as well):
// every line an event, none rejected, time from "ts".
TEST(JsonCorpus, SharedCorpusJsonLogsReadWithoutRejects) {
  const fs::path root = fs::path(VIGIL_SHARED_DIR) / "corpus/logs";
  if (!fs::exists(root)) GTEST_SKIP() << root << " is absent";
  size_t files = 0, events = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() ||
        (!name.ends_with(".json") && !name.ends_with(".json.gz") && !name.ends_with(".jsonl"))) {
      continue;
    }
    FieldNames names;
    const FieldId ts = names.intern("ts");
    PlanOptions options;
    options.formats = formats();
    options.format = &json_format();
    auto input = plan_text_input(entry.path().string(), options, names);
    ASSERT_TRUE(input.ok()) << entry.path();
    std::vector<TextInput> inputs;
    inputs.push_back(std::move(input.value()));
    // loaded_scripts has no "ts" (only _write_ts, not a time key): no time.
    struct Count {
      size_t events = 0;
      size_t time_mismatch = 0;
    };
    size_t file_events = 0, mismatches = 0;
    scan_text<Count>(
        inputs, 2, names,
        [&](Event& event, uint32_t, unsigned, Count& c) {
          ++c.events;
          if (event.timestamp.is_set() != (event.find(ts) != nullptr)) ++c.time_mismatch;
        },
        [](Count& c) { c = {}; },
        [&](TextSlot<Count>& slot) {
          EXPECT_TRUE(slot.issues.empty()) << entry.path() << ": " << slot.issues.front().reason;
          file_events += slot.out.events;
          mismatches += slot.out.time_mismatch;
        });
    EXPECT_EQ(mismatches, 0u) << entry.path();
    ++files;
    events += file_events;
  }
  std::printf("shared corpus JSON logs: %zu files, %zu events, no line rejected\n", files, events);
  EXPECT_GT(files, 0u);
}

}  // namespace
}  // namespace vigil::read
