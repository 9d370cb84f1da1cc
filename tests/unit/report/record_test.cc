#include "vigil/report/record.h"

#include <gtest/gtest.h>

namespace vigil::report {
namespace {

TEST(Record, RoundTripsAnEvent) {
  FieldNames names;
  Event event;
  event.timestamp = Timestamp{1'700'000'000LL * Timestamp::kTicksPerSecond + 1234567};
  event.source = {3, 987654321, 0x12345678, true};
  event.add(field::kEventID, Value::utf8("4688"));
  event.add(field::kComputer, Value::utf8("WS01"));
  const std::string long_text(300, 'x');  // a length that needs a two-byte varint
  event.add(names.intern("CommandLine"), Value::utf8(long_text));
  event.add(names.intern("Data"), Value::utf8(""));
  event.add(names.intern("Data"), Value::utf8("second"));
  const std::vector<uint32_t> rules = {2, 5, 700};

  std::string bytes;
  encode_record(event, rules, bytes);
  EventRecord record;
  ASSERT_TRUE(decode_record(bytes, record));
  EXPECT_EQ(record.timestamp, event.timestamp);
  EXPECT_EQ(record.source.source_id, 3u);
  EXPECT_EQ(record.source.record_id, 987654321u);
  EXPECT_EQ(record.source.offset, 0x12345678u);
  EXPECT_TRUE(record.source.recovered);
  EXPECT_EQ(record.rules, rules);
  ASSERT_EQ(record.fields.size(), 5u);
  EXPECT_EQ(record.field(field::kEventID), "4688");
  EXPECT_EQ(record.field(names.intern("CommandLine")), long_text);
  EXPECT_EQ(record.fields[3].value, "");
  EXPECT_EQ(record.fields[4].value, "second");
  EXPECT_TRUE(record.has(names.intern("Data")));
  EXPECT_FALSE(record.has(field::kChannel));
  EXPECT_EQ(record.field(field::kChannel), "");

  // Re-encoding the decoded record gives the same bytes.
  std::string again;
  encode_record(record, again);
  EXPECT_EQ(again, bytes);
}

TEST(Record, ValuesAreRepairedToValidUtf8) {
  Event event;
  event.add(field::kComputer, Value::utf8("ws\xff\xc3(\xc3\xa9"));
  std::string bytes;
  encode_record(event, {}, bytes);
  EventRecord record;
  ASSERT_TRUE(decode_record(bytes, record));
  EXPECT_EQ(record.field(field::kComputer), "ws\xEF\xBF\xBD\xEF\xBF\xBD(\xc3\xa9");
}

TEST(Record, UnsetTimeAndNoRules) {
  Event event;
  std::string bytes;
  encode_record(event, {}, bytes);
  EventRecord record;
  ASSERT_TRUE(decode_record(bytes, record));
  EXPECT_FALSE(record.timestamp.is_set());
  EXPECT_TRUE(record.rules.empty());
  EXPECT_TRUE(record.fields.empty());
}

TEST(Record, RejectsEveryTruncationAndTrailingBytes) {
  FieldNames names;
  Event event;
  event.add(names.intern("A"), Value::utf8("alpha"));
  event.add(names.intern("B"), Value::utf8("beta"));
  std::string bytes;
  const std::vector<uint32_t> rules = {1};
  encode_record(event, rules, bytes);
  EventRecord record;
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_record(std::string_view(bytes).substr(0, n), record)) << n;
  }
  EXPECT_FALSE(decode_record(bytes + "x", record));
}

TEST(Record, BuilderGivesWhatDecodingTheEncodingGives) {
  FieldNames names;
  Event event;
  event.timestamp = Timestamp{1'700'000'000LL * Timestamp::kTicksPerSecond};
  event.source = {1, 42, 0x200, false};
  event.add(field::kComputer, Value::utf8("ws\xff\xc3(\xc3\xa9"));  // repaired the same way
  const std::string long_text(300, 'y');  // values are views: the text must outlive them
  event.add(names.intern("CommandLine"), Value::utf8(long_text));
  event.add(names.intern("Data"), Value::utf8(""));
  event.add(names.intern("Data"), Value::utf8("second"));
  const std::vector<uint32_t> rules = {4, 8};
  std::string bytes;
  encode_record(event, rules, bytes);
  EventRecord decoded;
  ASSERT_TRUE(decode_record(bytes, decoded));

  RecordBuilder builder;
  builder.build(Event{}, {});  // scratch left from another event must not show
  const EventRecord& built = builder.build(event, rules);
  EXPECT_EQ(built.timestamp, decoded.timestamp);
  EXPECT_EQ(built.source.record_id, decoded.source.record_id);
  EXPECT_EQ(built.source.offset, decoded.source.offset);
  EXPECT_EQ(built.rules, decoded.rules);
  ASSERT_EQ(built.fields.size(), decoded.fields.size());
  for (size_t i = 0; i < built.fields.size(); ++i) {
    EXPECT_EQ(built.fields[i].name, decoded.fields[i].name) << i;
    EXPECT_EQ(built.fields[i].value, decoded.fields[i].value) << i;
  }
  std::string again;
  encode_record(built, again);
  EXPECT_EQ(again, bytes);
}

TEST(Record, RenderedRoundTrip) {
  std::string bytes;
  const std::vector<uint32_t> rules = {3, 9, 300};
  begin_rendered(rules, "WS01", bytes);
  bytes += "line one\nline two\n";
  RenderedRecord record;
  ASSERT_TRUE(decode_rendered(bytes, record));
  EXPECT_EQ(record.rules, rules);
  EXPECT_EQ(record.computer, "WS01");
  EXPECT_EQ(record.text, "line one\nline two\n");
  for (size_t n = 0; n < 6; ++n) {
    EXPECT_FALSE(decode_rendered(std::string_view(bytes).substr(0, n), record)) << n;
  }
}

TEST(Record, RenderedLinesShareTheirTail) {
  std::string lines;
  put_rendered_tail(lines, "{\"f\":1}}\n");
  for (std::string_view head : {"{\"rule\":\"a\",\"fields\":", "{\"rule\":\"bb\",\"fields\":"}) {
    const size_t start = begin_rendered_line(lines);
    lines += head;
    end_rendered_line(lines, start);
  }
  std::string out = "before\n";
  ASSERT_TRUE(append_rendered_lines(lines, out));
  EXPECT_EQ(out,
            "before\n{\"rule\":\"a\",\"fields\":{\"f\":1}}\n"
            "{\"rule\":\"bb\",\"fields\":{\"f\":1}}\n");
  // No lines: nothing written; an empty tail: the lines as they are.
  std::string none;
  put_rendered_tail(none, "tail");
  out.clear();
  EXPECT_TRUE(append_rendered_lines(none, out));
  EXPECT_EQ(out, "");
  std::string plain;
  put_rendered_tail(plain, {});
  const size_t start = begin_rendered_line(plain);
  plain += "a\nb\n";
  end_rendered_line(plain, start);
  EXPECT_TRUE(append_rendered_lines(plain, out));
  EXPECT_EQ(out, "a\nb\n");
  // Every cut short of the whole is refused, except where a line ends.
  for (size_t n = 0; n < lines.size(); ++n) {
    out.clear();
    const bool whole_lines = n == 4 + 9 || n == 4 + 9 + 4 + 21;
    EXPECT_EQ(append_rendered_lines(std::string_view(lines).substr(0, n), out), whole_lines) << n;
  }
}

TEST(Record, HostileCountsDoNotAllocate) {
  std::string bytes(29, '\0');
  bytes += "\xff\xff\xff\xff\xff\xff\xff\xff\x7f";  // a rule count of 2^63-1
  EventRecord record;
  EXPECT_FALSE(decode_record(bytes, record));
}

}  // namespace
}  // namespace vigil::report
