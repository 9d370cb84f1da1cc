// Generic JSON: flattening, values, time keys, odd lines, documents over
// several lines, limits.

#include <gtest/gtest.h>

#include "json_support.h"
#include "vigil/core/limits.h"

namespace vigil::read {
namespace {

using testing::parse_block;
using testing::Parsed;

std::string rfc(Timestamp t) { return t.is_set() ? to_rfc3339(t, 3) : "unset"; }

TEST(JsonGeneric, NestedObjectsFlattenToDottedNames) {
  FieldNames names;
  const Parsed p = parse_block(
      json_format(),
      R"({"a":{"b":{"c":"deep"}},"n":42,"f":12.50,"e":1e3,"neg":-7,"t":true,"z":null,"s":"x\"y\\z","u":"J\u00f6rg"})"
      "\n",
      names);
  ASSERT_EQ(p.events.size(), 1u) << p.issue_text();
  EXPECT_TRUE(p.issues.empty()) << p.issue_text();
  const auto& e = p.events[0];
  EXPECT_EQ(e.get("_source_format"), "json");
  EXPECT_EQ(e.get("a.b.c"), "deep");
  EXPECT_EQ(e.get("n"), "42");
  // Numbers with a fraction or exponent in their shortest form.
  EXPECT_EQ(e.get("f"), "12.5");
  EXPECT_EQ(e.get("e"), "1000");
  EXPECT_EQ(e.get("neg"), "-7");
  EXPECT_EQ(e.get("t"), "true");
  EXPECT_EQ(e.get("z"), "");  // a null value
  EXPECT_EQ(e.get("s"), "x\"y\\z");
  EXPECT_EQ(e.get("u"), "J\xC3\xB6rg");
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.offset, 0u);
  EXPECT_FALSE(e.timestamp.is_set());
}

TEST(JsonGeneric, ArraysAreRepeatedFieldsAndEmptyContainersNothing) {
  FieldNames names;
  const Parsed p = parse_block(
      json_format(),
      R"({"tags":["web","prod"],"m":[[1,2],[3]],"objs":[{"k":"a"},{"k":"b","x":1}],"e":{},"l":[],"k":"v"})",
      names);
  ASSERT_EQ(p.events.size(), 1u) << p.issue_text();
  const auto& e = p.events[0];
  EXPECT_EQ(e.all("tags"), (std::vector<std::string>{"web", "prod"}));
  EXPECT_EQ(e.all("m"), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(e.all("objs.k"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(e.get("objs.x"), "1");
  EXPECT_FALSE(e.has("e"));
  EXPECT_FALSE(e.has("l"));
  EXPECT_EQ(e.get("k"), "v");
}

TEST(JsonGeneric, OddLinesOfTheFixture) {
  FieldNames names;
  const std::string text = testing::read_all(testing::fixture("generic_odd.jsonl"));
  const Parsed p = parse_block(json_format(), text, names);
  ASSERT_EQ(p.events.size(), 9u) << p.issue_text();
  const auto& ev = p.events;
  // 1: byte order mark, Unix seconds, IPv6.
  EXPECT_EQ(ev[0].line, 1u);
  EXPECT_EQ(ev[0].offset, 0u);
  EXPECT_EQ(ev[0].get("user"), "alice");
  EXPECT_EQ(ev[0].get("src"), "2001:db8::7");
  EXPECT_EQ(rfc(ev[0].timestamp), "2024-05-14T09:00:00.000Z");
  // 2: milliseconds, escapes, non-ASCII, an array.
  EXPECT_EQ(rfc(ev[1].timestamp), "2024-05-14T09:00:01.123Z");
  EXPECT_EQ(ev[1].get("user"), "j\xC3\xB6rg");
  EXPECT_EQ(ev[1].get("msg"), "quote \"inside\" and backslash \\");
  EXPECT_EQ(ev[1].all("tags"), (std::vector<std::string>{"a", "b"}));
  // 3: CRLF; an offset in the time.
  EXPECT_EQ(ev[2].line, 3u);
  EXPECT_EQ(ev[2].get("msg"), "crlf line");
  EXPECT_EQ(rfc(ev[2].timestamp), "2024-05-14T07:00:02.500Z");
  // 4: invalid UTF-8 repaired.
  EXPECT_EQ(ev[3].line, 4u);
  EXPECT_EQ(ev[3].get("msg"), "bad byte \xEF\xBF\xBD here");
  // 7: an integer beyond 64 bits and a fraction keep their spelling.
  EXPECT_EQ(ev[4].line, 7u);
  EXPECT_EQ(ev[4].get("n"), "123456789012345678901234567890");
  EXPECT_EQ(ev[4].get("f"), "1.50");
  EXPECT_EQ(rfc(ev[4].timestamp), "2024-05-14T09:00:05.000Z");
  // 9: an array of objects on one line: one event each, same line.
  EXPECT_EQ(ev[5].line, 9u);
  EXPECT_EQ(ev[6].line, 9u);
  EXPECT_EQ(ev[5].get("user"), "peggy");
  EXPECT_EQ(ev[6].get("user"), "victor");
  EXPECT_EQ(ev[5].offset, ev[6].offset);
  // 11: an unpaired surrogate escape repaired; nested arrays flattened.
  EXPECT_EQ(ev[7].line, 11u);
  EXPECT_EQ(ev[7].get("s"), "lone \xEF\xBF\xBD surrogate");
  EXPECT_EQ(ev[7].all("nested.list"), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(ev[8].line, 12u);

  ASSERT_EQ(p.issues.size(), 5u) << p.issue_text();
  EXPECT_EQ(p.issues[0].line, 4u);
  EXPECT_NE(p.issues[0].reason.find("invalid UTF-8"), std::string::npos);
  EXPECT_EQ(p.issues[1].line, 5u);
  EXPECT_NE(p.issues[1].reason.find("not a JSON object"), std::string::npos);
  EXPECT_EQ(p.issues[2].line, 6u);
  EXPECT_NE(p.issues[2].reason.find("not closed"), std::string::npos);
  EXPECT_EQ(p.issues[3].line, 10u);
  EXPECT_EQ(p.issues[4].line, 11u);
  EXPECT_NE(p.issues[4].reason.find("surrogate"), std::string::npos);
  // Offsets are those of the lines.
  const size_t line5 = text.find("\x00\x01\x02", 0, 3);
  EXPECT_EQ(p.issues[1].offset, line5);
}

TEST(JsonGeneric, TimeKeysInTheirOrderAndTimeField) {
  FieldNames names;
  const std::string line =
      R"({"date":"2020-01-01","time":"2021-02-03T04:05:06Z","@timestamp":"2022-03-04T05:06:07.891Z","when":"2023-01-01T00:00:00Z"})";
  Parsed p = parse_block(json_format(), line, names);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(rfc(p.events[0].timestamp), "2022-03-04T05:06:07.891Z");
  ReadOptions options;
  options.time_field = "when";
  p = parse_block(json_format(), line, names, options);
  EXPECT_EQ(rfc(p.events[0].timestamp), "2023-01-01T00:00:00.000Z");
  // A nested key by its dotted name.
  options.time_field = "meta.at";
  p = parse_block(json_format(), R"({"meta":{"at":"2019-05-06T07:08:09Z"},"time":"2021-01-01"})",
                  names, options);
  EXPECT_EQ(rfc(p.events[0].timestamp), "2019-05-06T07:08:09.000Z");
  // An unreadable first key gives way to the next.
  p = parse_block(json_format(), R"({"@timestamp":"soon","ts":1715677200.25})", names);
  EXPECT_EQ(rfc(p.events[0].timestamp), "2024-05-14T09:00:00.250Z");
}

TEST(JsonGeneric, ApplicationExports) {
  FieldNames names;
  const Parsed p =
      parse_block(json_format(), testing::read_all(testing::fixture("applications.jsonl")), names);
  ASSERT_EQ(p.events.size(), 2u) << p.issue_text();
  // Kubernetes audit: time from requestReceivedTimestamp, arrays repeated.
  EXPECT_EQ(p.events[0].get("objectRef.resource"), "events");
  EXPECT_EQ(p.events[0].all("user.groups"),
            (std::vector<std::string>{"system:serviceaccounts", "system:authenticated"}));
  EXPECT_EQ(rfc(p.events[0].timestamp), "2024-05-14T09:30:00.123Z");
  // OpenCanary: utc_time (local_time is not a time key), numbers as text.
  EXPECT_EQ(p.events[1].get("logtype"), "2000");
  EXPECT_EQ(p.events[1].get("logdata.USERNAME"), "admin");
  EXPECT_EQ(rfc(p.events[1].timestamp), "2024-05-14T09:31:00.000Z");
}

TEST(JsonGeneric, UnixTimesByTheirDigits) {
  FieldNames names;
  auto time_of = [&](const std::string& value) {
    const Parsed p = parse_block(json_format(), "{\"ts\":" + value + "}", names);
    return p.events.empty() ? std::string("none") : rfc(p.events[0].timestamp);
  };
  EXPECT_EQ(time_of("1715677200"), "2024-05-14T09:00:00.000Z");
  EXPECT_EQ(time_of("\"1715677200\""), "2024-05-14T09:00:00.000Z");
  EXPECT_EQ(time_of("1715677200.5"), "2024-05-14T09:00:00.500Z");
  EXPECT_EQ(time_of("1715677200123"), "2024-05-14T09:00:00.123Z");
  EXPECT_EQ(time_of("1715677200123456"), "2024-05-14T09:00:00.123Z");
  EXPECT_EQ(time_of("1715677200123456789"), "2024-05-14T09:00:00.123Z");
  EXPECT_EQ(time_of("\"/Date(1715677200123)/\""), "2024-05-14T09:00:00.123Z");
  EXPECT_EQ(time_of("\"2024-05-14 09:00:00\""), "2024-05-14T09:00:00.000Z");
  EXPECT_EQ(time_of("\"not a time\""), "unset");
  EXPECT_EQ(time_of("99999999999999999999999"), "unset");
}

TEST(JsonGeneric, HostNameBecomesComputer) {
  FieldNames names;
  Parsed p = parse_block(json_format(), R"({"hostname":"b","host":{"name":"a"}})", names);
  EXPECT_EQ(p.events[0].get("Computer"), "a");
  p = parse_block(json_format(), R"({"hostname":"b"})", names);
  EXPECT_EQ(p.events[0].get("Computer"), "b");
  p = parse_block(json_format(), R"({"host":"http-host.example","Computer":"c"})", names);
  EXPECT_EQ(p.events[0].all("Computer"), (std::vector<std::string>{"c"}));
}

TEST(JsonGeneric, MultiLineDocuments) {
  FieldNames names;
  // An array over several lines: each element's line.
  const std::string array =
      "[\n"
      "  {\"ts\": 1, \"user\": \"a\"},\n"
      "  {\n"
      "    \"ts\": 2,\n"
      "    \"user\": \"b\"\n"
      "  }, 7,\n"
      "  {\"user\": \"c\"}\n"
      "]\n"
      "{\"user\": \"after\"}\n";
  Parsed p = parse_block(json_format(), array, names);
  ASSERT_EQ(p.events.size(), 4u) << p.issue_text();
  EXPECT_EQ(p.events[0].line, 2u);
  EXPECT_EQ(p.events[1].line, 3u);
  EXPECT_EQ(p.events[1].offset, array.find("  {\n"));
  EXPECT_EQ(p.events[2].line, 7u);
  EXPECT_EQ(p.events[2].get("user"), "c");
  EXPECT_EQ(p.events[3].line, 9u);
  ASSERT_EQ(p.issues.size(), 1u) << p.issue_text();
  EXPECT_EQ(p.issues[0].line, 6u);  // the 7
  EXPECT_NE(p.issues[0].reason.find("not a JSON object"), std::string::npos);

  // Pretty-printed objects one after another; an unclosed one at the end.
  const std::string objects =
      "{\n  \"a\": 1\n}\n\n{\n  \"a\": {\n    \"b\": 2\n  }\n}\n{\n  \"a\": 3,\n";
  p = parse_block(json_format(), objects, names);
  ASSERT_EQ(p.events.size(), 2u) << p.issue_text();
  EXPECT_EQ(p.events[0].line, 1u);
  EXPECT_EQ(p.events[1].line, 5u);
  EXPECT_EQ(p.events[1].get("a.b"), "2");
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].line, 10u);
  EXPECT_NE(p.issues[0].reason.find("not closed"), std::string::npos);

  // The same with CRLF line ends.
  std::string crlf;
  for (char c : array) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  p = parse_block(json_format(), crlf, names);
  ASSERT_EQ(p.events.size(), 4u) << p.issue_text();
  EXPECT_EQ(p.events[1].line, 3u);
  EXPECT_EQ(p.events[1].get("user"), "b");
  EXPECT_EQ(p.issues.size(), 1u);
}

TEST(JsonGeneric, CloudTrailFilesGiveOneEventPerRecord) {
  for (const char* name : {"cloudtrail.json", "cloudtrail_minified.json"}) {
    FieldNames names;
    const testing::ReadResult r = testing::read_path(testing::fixture(name), names);
    ASSERT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.format, "json");
    EXPECT_TRUE(r.parsed.issues.empty()) << r.parsed.issue_text();
    ASSERT_EQ(r.parsed.events.size(), 3u) << name;
    const auto& login = r.parsed.events[0];
    EXPECT_EQ(login.get("_source_format"), "json");
    EXPECT_EQ(login.get("eventName"), "ConsoleLogin");
    EXPECT_EQ(login.get("userIdentity.userName"), "m.dupont");
    EXPECT_EQ(login.get("additionalEventData.MFAUsed"), "NO");
    EXPECT_EQ(login.get("sourceIPAddress"), "2001:db8:85a3::8a2e:370:7334");
    EXPECT_EQ(login.get("requestParameters"), "");
    EXPECT_EQ(rfc(login.timestamp), "2024-05-14T08:59:58.000Z");
    const auto& versioning = r.parsed.events[2];
    EXPECT_EQ(versioning.get("requestParameters.VersioningConfiguration.Status"), "Suspended");
    EXPECT_EQ(versioning.get("resources.ARN"), "arn:aws:s3:::case-evidence-2024");
    if (std::string(name) == "cloudtrail.json") {
      EXPECT_EQ(login.line, 3u);
      EXPECT_EQ(r.parsed.events[1].line, 35u);
      EXPECT_EQ(r.parsed.events[2].line, 68u);
    } else {
      EXPECT_EQ(r.parsed.events[1].line, 1u);
    }
  }
}

TEST(JsonGeneric, LimitsAndDamage) {
  FieldNames names;
  // A line over the line limit is reported, the next one read.
  std::string text = "{\"big\":\"" + std::string(limits::kTextMaxLineBytes + 10, 'x') + "\"}\n";
  text += "{\"ok\":1}\n";
  Parsed p = parse_block(json_format(), text, names);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].line, 2u);
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_NE(p.issues[0].reason.find("longer than the limit"), std::string::npos);

  // Nesting deeper than kJsonMaxDepth.
  std::string deep = std::string(limits::kJsonMaxDepth + 1, '[') + "1" +
                     std::string(limits::kJsonMaxDepth + 1, ']');
  deep = "{\"d\":" + deep + "}\n{\"ok\":2}\n";
  p = parse_block(json_format(), deep, names);
  ASSERT_EQ(p.events.size(), 1u);
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_NE(p.issues[0].reason.find("nested deeper"), std::string::npos);

  // More fields than kTextMaxFieldsPerEvent: kept up to the limit, reported.
  std::string many = "{\"a\":[";
  for (size_t i = 0; i < limits::kTextMaxFieldsPerEvent + 5; ++i) many += (i ? ",1" : "1");
  many += "]}";
  p = parse_block(json_format(), many, names);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].all("a").size(), limits::kTextMaxFieldsPerEvent);
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_NE(p.issues[0].reason.find("fields"), std::string::npos);

  // Control characters and bad escapes are repaired; the line is reported.
  p = parse_block(json_format(), "{\"a\":\"tab\there\",\"b\":\"\\q\"}", names);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].get("a"), "tab\there");
  EXPECT_EQ(p.events[0].get("b"), "\xEF\xBF\xBD");
  ASSERT_EQ(p.issues.size(), 1u);

  // Lines of garbage in a row are one report.
  p = parse_block(json_format(), "garbage\nmore garbage\n\n\x01\x02\n{\"ok\":1}\n", names);
  ASSERT_EQ(p.events.size(), 1u);
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].line, 1u);
  EXPECT_NE(p.issues[0].reason.find("2 lines after it"), std::string::npos);
}

TEST(JsonGeneric, BinaryGarbageNeverCrashes) {
  FieldNames names;
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 200000; ++i) {
    x = x * 1103515245 + 12345;
    const char c = "{}[]\",:\\\n tfn0123456789abc\xff\xc3"[(x >> 16) % 29];
    noise.push_back(c);
  }
  const Parsed p = parse_block(json_format(), noise, names);
  EXPECT_FALSE(p.issues.empty());
}

TEST(JsonGeneric, FieldNamesPerBlockAreBounded) {
  FieldNames names;
  const size_t limit = limits::kJsonMaxFieldNamesPerBlock;
  std::string text = "{\"k1\":0}\n";
  for (size_t i = 0; i < limit + 10; ++i) text += "{\"k" + std::to_string(i) + "\":1}\n";
  text += "{\"" + std::string(limits::kJsonMaxFieldNameBytes + 1, 'n') + "\":1,\"k1\":2}\n";
  const size_t before = names.size();
  Parsed p = parse_block(json_format(), text, names);
  EXPECT_EQ(names.size() - before, limit);
  ASSERT_EQ(p.events.size(), limit + 12);
  // Names the block has used go on working; new ones are dropped and reported.
  EXPECT_EQ(p.events.back().get("k1"), "2");
  EXPECT_EQ(p.events[limit].get("k" + std::to_string(limit - 1)), "1");
  EXPECT_FALSE(p.events[limit + 1].has("k" + std::to_string(limit)));
  EXPECT_EQ(p.issues.size(), 11u);
  // A new block counts afresh, whatever the parser saw before.
  p = parse_block(json_format(), "{\"k" + std::to_string(limit + 5) + "\":1}\n", names);
  EXPECT_EQ(p.events[0].get("k" + std::to_string(limit + 5)), "1");
}

}  // namespace
}  // namespace vigil::read
