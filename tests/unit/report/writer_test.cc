#include "vigil/report/writer.h"

#include <gtest/gtest.h>

#include "vigil/report/summary.h"

namespace vigil::report {
namespace {

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rule.id = "0b8d4a0e-0000-4000-8000-000000000001";
    rule.title = "Encoded \"PowerShell\"";
    rule.level = detect::Level::kHigh;
    rule.author = "vigil project";
    rule.tags = {"attack.execution", "attack.t1059.001"};
    record.timestamp = Timestamp{1'700'000'000LL * Timestamp::kTicksPerSecond + 1234567};
    record.source = {1, 42, 0x1000, false};
    record.rules = {0};
    record.fields = {{field::kEventID, "4688"},
                     {field::kChannel, "Security"},
                     {field::kComputer, "WS01"},
                     {names.intern("CommandLine"), "powershell -enc AAA, \"x\""},
                     {names.intern("Data"), "one"},
                     {names.intern("Data"), "two"}};
    context.names = &names;
    context.sources = sources;
  }

  FieldNames names;
  std::vector<std::string> sources = {"a.evtx", "logs/b.evtx"};
  OutputContext context;
  detect::RuleInfo rule;
  EventRecord record;
};

TEST_F(WriterTest, JsonLine) {
  auto writer = DetectionWriter::create(Format::kJsonl, context);
  std::string out;
  writer->begin(out);
  writer->detection(record, rule, out);
  EXPECT_EQ(out,
            "{\"timestamp\":\"2023-11-14T22:13:20.1234567Z\",\"rule_id\":\"0b8d4a0e-0000-4000-8000-"
            "000000000001\",\"rule_title\":\"Encoded \\\"PowerShell\\\"\",\"level\":\"high\","
            "\"author\":\"vigil project\",\"tags\":[\"attack.execution\",\"attack.t1059.001\"],"
            "\"computer\":\"WS01\",\"channel\":\"Security\",\"event_id\":4688,\"record_id\":42,"
            "\"source\":\"logs/b.evtx\",\"fields\":{\"EventID\":\"4688\",\"Channel\":\"Security\","
            "\"Computer\":\"WS01\",\"CommandLine\":\"powershell -enc AAA, \\\"x\\\"\","
            "\"Data\":[\"one\",\"two\"]}}\n");
}

// The fields are formatted once for all the rules of an event: the lines
// must still be those of one detection() call per rule, in every format.
TEST_F(WriterTest, DetectionsEqualOneDetectionPerRule) {
  detect::RuleInfo second = rule;
  second.id = "0b8d4a0e-0000-4000-8000-000000000002";
  second.title = "Second rule";
  second.level = detect::Level::kLow;
  EventRecord other = record;
  other.fields.push_back({names.intern("Extra"), "value"});
  const std::vector<const detect::RuleInfo*> both = {&rule, &second};
  for (Format format : {Format::kJsonl, Format::kCsv, Format::kTimesketch, Format::kTable}) {
    auto one_by_one = DetectionWriter::create(format, context);
    auto at_once = DetectionWriter::create(format, context);
    std::string expected, got;
    for (const EventRecord* event : {&record, &other}) {
      one_by_one->detection(*event, rule, expected);
      one_by_one->detection(*event, second, expected);
      at_once->detections(*event, both, got);
    }
    EXPECT_EQ(got, expected) << static_cast<int>(format);
    // The table shows no fields; the other formats show the second event's.
    if (format != Format::kTable) {
      EXPECT_NE(got.find("Extra"), std::string::npos);
    }
  }
}

// Writers that take the fields from the event (UTF-16 escaped straight
// into JSON) must write what they write from the record RecordBuilder
// makes: NUL ends a text, lone surrogates become U+FFFD, quotes, controls
// and backslashes are escaped, 8-bit text that is not UTF-8 is repaired,
// repeated names become a list.
TEST_F(WriterTest, EventFieldsEqualRecordFields) {
  auto utf16 = [](std::u16string text) {
    std::string bytes;
    for (const char16_t c : text) {
      bytes.push_back(static_cast<char>(c & 0xff));
      bytes.push_back(static_cast<char>(c >> 8));
    }
    return bytes;
  };
  const std::vector<std::string> texts = {utf16(u"4688"),
                                          utf16(u"Security"),
                                          utf16(u"WS01\u00e9"),
                                          utf16(u"cmd /c \"a\\b\"\t\u0001 \u4e2d"),
                                          utf16(std::u16string(u"one\0two", 7)),
                                          utf16(u"x\xd800y\xdc00z\U0001F600"),
                                          utf16(u""),
                                          utf16(u"Data B")};
  Event event;
  event.timestamp = record.timestamp;
  event.source = record.source;
  const FieldId names_in_order[] = {
      field::kEventID,      field::kChannel,     field::kComputer,      names.intern("CommandLine"),
      names.intern("Data"), names.intern("Odd"), names.intern("Empty"), names.intern("Data")};
  for (size_t i = 0; i < texts.size(); ++i) {
    event.add(names_in_order[i], Value(reinterpret_cast<const uint8_t*>(texts[i].data()),
                                       static_cast<uint32_t>(texts[i].size()),
                                       static_cast<uint8_t>(ValueType::kUtf16)));
  }
  const std::string latin1 = "caf\xe9 \"q\"";
  event.add(names.intern("Ansi"), Value::utf8(latin1));
  const uint32_t number = 7;
  event.add(names.intern("Number"), Value(reinterpret_cast<const uint8_t*>(&number), 4,
                                          static_cast<uint8_t>(ValueType::kUInt32)));
  // 8-bit text and string arrays come from the evidence: escaped.
  static const char kAnsi[] = "caf\xe9 \"q\" \\ \x01\0two \"";
  for (const ValueType type : {ValueType::kAnsi, ValueType::kUtf8}) {
    for (const bool array : {false, true}) {
      const auto raw = static_cast<uint8_t>(static_cast<uint8_t>(type) | (array ? kArrayFlag : 0));
      event.add(names.intern("Text8"),
                Value(reinterpret_cast<const uint8_t*>(kAnsi), sizeof kAnsi - 1, raw));
    }
  }
  event.add(names.intern("Text16"),
            Value(reinterpret_cast<const uint8_t*>(texts[3].data()),
                  static_cast<uint32_t>(texts[3].size()),
                  static_cast<uint8_t>(static_cast<uint8_t>(ValueType::kUtf16) | kArrayFlag)));
  // Every type whose text vigil spells from bytes (written without the
  // escaping pass), scalar and array, and types it does not know.
  static const uint8_t kBytes[32] = {1,    5,    0,    0,    0,    0,    0,    5,
                                     0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
                                     0x22, 0x5c, 0x0a, 0x7f, 0x80, 0xff, 0x01, 0x02,
                                     0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a};
  const ValueType spelled[] = {
      ValueType::kInt8,      ValueType::kUInt8,           ValueType::kInt16,    ValueType::kUInt16,
      ValueType::kInt32,     ValueType::kUInt32,          ValueType::kInt64,    ValueType::kUInt64,
      ValueType::kReal32,    ValueType::kReal64,          ValueType::kBool,     ValueType::kBinary,
      ValueType::kGuid,      ValueType::kSizeT,           ValueType::kFileTime, ValueType::kSysTime,
      ValueType::kSid,       ValueType::kHexInt32,        ValueType::kHexInt64, ValueType::kNull,
      ValueType::kEvtHandle, static_cast<ValueType>(0x17)};
  for (const ValueType type : spelled) {
    for (const uint32_t size : {4u, 8u, 16u, 32u}) {
      for (const bool array : {false, true}) {
        const auto raw =
            static_cast<uint8_t>(static_cast<uint8_t>(type) | (array ? kArrayFlag : 0));
        event.add(names.intern("Spelled"), Value(kBytes + 16 - (size == 32 ? 16 : 0), size, raw));
      }
    }
  }
  const std::vector<uint32_t> hits = {0};
  const std::vector<const detect::RuleInfo*> rules = {&rule};
  for (Format format : {Format::kJsonl, Format::kTimesketch}) {
    auto writer = DetectionWriter::create(format, context);
    ASSERT_TRUE(writer->takes_event());
    RecordBuilder full;
    RecordBuilder head;
    std::string expected, got;
    writer->detections(full.build(event, hits), rules, expected);
    writer->detections_of_event(head.build_head(event, hits), event, rules, got);
    EXPECT_EQ(got, expected) << static_cast<int>(format);
    EXPECT_NE(got.find("\"Data\":[\"one\",\"Data B\"]"), std::string::npos) << got;
    EXPECT_NE(got.find("x\xef\xbf\xbdy"), std::string::npos) << got;
  }
  EXPECT_FALSE(DetectionWriter::create(Format::kCsv, context)->takes_event());
}

// The rendered lines a hunt's workers write (the fields once per event)
// expand to the text the writer writes line by line, for every format, and
// keep the fields once whatever the number of rules.
TEST_F(WriterTest, RenderedLinesExpandToTheLines) {
  Event event;
  event.timestamp = record.timestamp;
  event.source = record.source;
  for (const RecordField& f : record.fields) event.add(f.name, Value::utf8(f.value));
  detect::RuleInfo second = rule;
  second.id = "0b8d4a0e-0000-4000-8000-000000000002";
  second.title = "Second rule";
  const std::vector<uint32_t> hits = {0, 1};
  const std::vector<const detect::RuleInfo*> both = {&rule, &second};
  for (Format format : {Format::kJsonl, Format::kCsv, Format::kTimesketch, Format::kTable}) {
    auto writer = DetectionWriter::create(format, context);
    RecordBuilder builder;
    const EventRecord& built =
        writer->takes_event() ? builder.build_head(event, hits) : builder.build(event, hits);
    std::string lines;
    writer->rendered_lines(built, event, both, lines);
    std::string got;
    ASSERT_TRUE(append_rendered_lines(lines, got)) << static_cast<int>(format);
    RecordBuilder full;
    std::string expected;
    writer->detections(full.build(event, hits), both, expected);
    EXPECT_EQ(got, expected) << static_cast<int>(format);
    if (format == Format::kTable) continue;
    // "powershell -enc" is in the fields only: once in the rendered lines,
    // once per rule in the text.
    const auto count = [](std::string_view text, std::string_view what) {
      size_t n = 0;
      for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1))
        ++n;
      return n;
    };
    EXPECT_EQ(count(lines, "powershell -enc"), 1u) << static_cast<int>(format);
    EXPECT_EQ(count(got, "powershell -enc"), 2u) << static_cast<int>(format);
  }
}

TEST_F(WriterTest, CsvRow) {
  auto writer = DetectionWriter::create(Format::kCsv, context);
  std::string out;
  writer->begin(out);
  writer->detection(record, rule, out);
  EXPECT_EQ(out,
            "timestamp,rule_id,rule_title,level,author,tags,computer,channel,event_id,record_id,"
            "source,fields\n"
            "2023-11-14T22:13:20.1234567Z,0b8d4a0e-0000-4000-8000-000000000001,"
            "\"Encoded \"\"PowerShell\"\"\",high,vigil project,attack.execution;attack.t1059.001,"
            "WS01,Security,4688,42,logs/b.evtx,"
            "\"{\"\"EventID\"\":\"\"4688\"\",\"\"Channel\"\":\"\"Security\"\",\"\"Computer\"\":"
            "\"\"WS01\"\",\"\"CommandLine\"\":\"\"powershell -enc AAA, \\\"\"x\\\"\"\"\",\"\"Data\"\":"
            "[\"\"one\"\",\"\"two\"\"]}\"\n");
}

TEST_F(WriterTest, TimesketchLine) {
  auto writer = DetectionWriter::create(Format::kTimesketch, context);
  std::string out;
  writer->detection(record, rule, out);
  EXPECT_EQ(out.rfind("{\"message\":\"[high] Encoded \\\"PowerShell\\\": Security 4688 on WS01\","
                      "\"datetime\":\"2023-11-14T22:13:20.123456Z\",\"timestamp\":1700000000123456,"
                      "\"timestamp_desc\":\"Event Recorded\",\"rule_id\":",
                      0),
            0u)
      << out;
}

TEST_F(WriterTest, TableRowsAlignAndColour) {
  TableStyle style;
  style.layout.observe(record, rule.level);
  auto writer = DetectionWriter::create(Format::kTable, context, style);
  std::string out;
  writer->begin(out);
  writer->detection(record, rule, out);
  EXPECT_EQ(out,
            "Timestamp                 Computer  Channel   EventID  Level  Rule\n"
            "2023-11-14T22:13:20.123Z  WS01      Security  4688     high   Encoded \"PowerShell\"\n");
  style.colour = true;
  writer = DetectionWriter::create(Format::kTable, context, style);
  out.clear();
  writer->detection(record, rule, out);
  EXPECT_NE(out.find("\x1b[31mhigh "), std::string::npos) << out;
  EXPECT_NE(out.find("\x1b[0m\n"), std::string::npos);
}

TEST_F(WriterTest, AlertLines) {
  detect::RuleInfo correlation;
  correlation.id = "corr-1";
  correlation.title = "Many failed logons";
  correlation.level = detect::Level::kMedium;
  AlertView alert;
  alert.rule = &correlation;
  alert.timestamp = record.timestamp;
  alert.type = "event_count";
  alert.computer = "DC01";
  alert.group = {{"TargetUserName", "bob"}};
  alert.events = {{0, 7, "r1"}, {1, 9, "r1"}};
  alert.value = 2;
  alert.events_total = 2;
  std::string out;
  DetectionWriter::create(Format::kJsonl, context)->alert(alert, out);
  EXPECT_NE(out.find("\"computer\":\"DC01\",\"channel\":\"\",\"event_id\":null,\"record_id\":null,"
                     "\"source\":\"\",\"fields\":{},\"correlation\":{\"type\":\"event_count\","
                     "\"value\":2,\"events_total\":2,\"group\":{\"TargetUserName\":\"bob\"},\"events\":[{\"source\":\"a.evtx\","
                     "\"record_id\":7,\"rule_id\":\"r1\"},{\"source\":\"logs/b.evtx\",\"record_id\":9,"
                     "\"rule_id\":\"r1\"}]}}\n"),
            std::string::npos)
      << out;
  out.clear();
  DetectionWriter::create(Format::kCsv, context)->alert(alert, out);
  EXPECT_EQ(out.find("2023-11-14T22:13:20.1234567Z,corr-1,Many failed logons,medium,,,DC01,,,,,"), 0u)
      << out;
  out.clear();
  DetectionWriter::create(Format::kTable, context)->alert(alert, out);
  EXPECT_NE(out.find("Many failed logons [correlation event_count, 2 events, TargetUserName=bob]"),
            std::string::npos)
      << out;
}

TEST_F(WriterTest, Timeline) {
  const detect::RuleInfo* rules[] = {&rule};
  std::string out;
  auto jsonl = TimelineWriter::create(Format::kJsonl, context);
  jsonl->event(record, rules, out);
  EXPECT_EQ(out.find("{\"timestamp\":\"2023-11-14T22:13:20.1234567Z\",\"computer\":\"WS01\","
                     "\"channel\":\"Security\",\"event_id\":4688,\"record_id\":42,\"source\":"
                     "\"logs/b.evtx\",\"level\":\"high\",\"detections\":[{\"rule_id\":"
                     "\"0b8d4a0e-0000-4000-8000-000000000001\",\"rule_title\":\"Encoded "
                     "\\\"PowerShell\\\"\",\"level\":\"high\"}],\"fields\":{"),
            0u)
      << out;
  out.clear();
  jsonl->event(record, {}, out);
  EXPECT_NE(out.find("\"level\":\"\",\"detections\":[],"), std::string::npos) << out;
  out.clear();
  auto csv = TimelineWriter::create(Format::kCsv, context);
  csv->begin(out);
  csv->event(record, rules, out);
  EXPECT_EQ(out.find("timestamp,computer,channel,event_id,record_id,source,level,rule_ids,"
                     "rule_titles,fields\n2023-11-14T22:13:20.1234567Z,WS01,Security,4688,42,"
                     "logs/b.evtx,high,0b8d4a0e-0000-4000-8000-000000000001,\"Encoded "
                     "\"\"PowerShell\"\"\",\"{"),
            0u)
      << out;
  EXPECT_EQ(TimelineWriter::create(Format::kTable, context), nullptr);
}

TEST(WriterText, JsonStringsAreValidUtf8) {
  std::string out;
  append_json_string(out, "a\x1b[31m\n\"\\\t\x01");
  EXPECT_EQ(out, "\"a\\u001b[31m\\n\\\"\\\\\\t\\u0001\"");
  out.clear();
  append_json_string(out, "caf\xc3\xa9 \xff\xc3 \xe2\x82");  // valid é, then broken bytes
  EXPECT_EQ(out, "\"caf\xc3\xa9 \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(WriterText, CsvQuotesOnlyWhenNeeded) {
  std::string out;
  append_csv_field(out, "plain text");
  out += '|';
  append_csv_field(out, "a,b");
  out += '|';
  append_csv_field(out, "say \"hi\"");
  out += '|';
  append_csv_field(out, "two\nlines");
  out += '|';
  append_csv_field(out, "cr\r");
  EXPECT_EQ(out, "plain text|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"cr\r\"");
}

TEST(WriterText, TerminalTextCannotDriveTheTerminal) {
  std::string out;
  append_terminal_text(out, "evil\x1b]0;title\x07\xc2\x9b" "2J", 20, false);
  EXPECT_EQ(out, "evil?]0;title??2J");
  out.clear();
  append_terminal_text(out, "abcdefgh", 5, true);
  EXPECT_EQ(out, "abcd\xE2\x80\xA6");
  out.clear();
  append_terminal_text(out, "\xc3\xa9t\xc3\xa9", 5, true);  // 3 code points, padded by 2
  EXPECT_EQ(out, "\xc3\xa9t\xc3\xa9  ");
}

TEST(WriterText, Formats) {
  EXPECT_EQ(parse_format("table"), Format::kTable);
  EXPECT_EQ(parse_format("csv"), Format::kCsv);
  EXPECT_EQ(parse_format("jsonl"), Format::kJsonl);
  EXPECT_EQ(parse_format("json"), Format::kJsonl);
  EXPECT_EQ(parse_format("timesketch"), Format::kTimesketch);
  EXPECT_FALSE(parse_format("xml").has_value());
  for (Format f : {Format::kTable, Format::kCsv, Format::kJsonl, Format::kTimesketch}) {
    EXPECT_EQ(parse_format(format_name(f)), f);
  }
}

TEST(Summary, CountsAndOrders) {
  HuntSummary summary;
  summary.add(3, detect::Level::kHigh, "B");
  summary.add(1, detect::Level::kLow, "A");
  summary.add(3, detect::Level::kHigh, "A");
  summary.add(2, detect::Level::kLow, "C");
  EXPECT_EQ(summary.total(), 4u);
  EXPECT_EQ(summary.by_level(detect::Level::kHigh), 2u);
  EXPECT_EQ(summary.by_level(detect::Level::kLow), 2u);
  const auto rules = summary.top_rules(2);
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0], (std::pair<uint32_t, uint64_t>{3, 2}));
  EXPECT_EQ(rules[1], (std::pair<uint32_t, uint64_t>{1, 1}));  // ties by rule index
  const auto hosts = summary.top_hosts(10);
  ASSERT_EQ(hosts.size(), 3u);
  EXPECT_EQ(hosts[0].first, "A");
  EXPECT_EQ(hosts[1].first, "B");
  EXPECT_EQ(hosts[2].first, "C");
}

}  // namespace
}  // namespace vigil::report
