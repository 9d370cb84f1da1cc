// The syslog header: RFC 3164 lines with and without <PRI>, host or tag,
// RFC 3339 times, RFC 5424 with structured data, year inference, and the
// lines the reader rejects.

#include <ctime>
#include <string>

#include "syslog_support.h"
#include "vigil/core/limits.h"

namespace vigil::read {
namespace {

using testing::Fields;
using testing::get;
using testing::one_event;
using testing::parse_text;
using testing::Parsed;
using testing::ParseResult;
using testing::year;
using namespace std::string_literals;

int64_t unix_time(int y, unsigned m, unsigned d, unsigned hh = 0, unsigned mm = 0) {
  return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

TEST(SyslogHeader, ClassicLine) {
  const Parsed p = one_event("May  1 10:00:25 web01 sshd[2003]: Server listening on :: port 22.");
  EXPECT_EQ(p.time, "2024-05-01T10:00:25.000000Z");
  EXPECT_EQ(p.fields, (Fields{{"_source_format", "syslog"},
                              {"Computer", "web01"},
                              {"program", "sshd"},
                              {"pid", "2003"},
                              {"message", "Server listening on :: port 22."}}));
  EXPECT_EQ(p.line, 1u);
  EXPECT_EQ(p.offset, 0u);
}

TEST(SyslogHeader, DayWrittenThreeWays) {
  EXPECT_EQ(one_event("Jun  7 01:02:03 h p: m").time, "2024-06-07T01:02:03.000000Z");
  EXPECT_EQ(one_event("Jun 07 01:02:03 h p: m").time, "2024-06-07T01:02:03.000000Z");
  EXPECT_EQ(one_event("Jun 7 01:02:03 h p: m").time, "2024-06-07T01:02:03.000000Z");
  EXPECT_EQ(one_event("jun 17 01:02:03 h p: m").time, "2024-06-17T01:02:03.000000Z");
}

TEST(SyslogHeader, FractionAndYearInClassicTime) {
  EXPECT_EQ(one_event("May  1 10:00:00.250 h p: m").time, "2024-05-01T10:00:00.250000Z");
  EXPECT_EQ(one_event("May  1 2022 10:00:00 h p: m").time, "2022-05-01T10:00:00.000000Z");
}

TEST(SyslogHeader, PriorityGivesFacilityAndSeverity) {
  Parsed p = one_event("<38>May  1 10:00:00 web01 sshd[1]: x");
  EXPECT_EQ(get(p, "facility"), "auth");
  EXPECT_EQ(get(p, "severity"), "info");
  EXPECT_EQ(get(p, "program"), "sshd");
  p = one_event("<0>May  1 10:00:00 web01 kernel: x");
  EXPECT_EQ(get(p, "facility"), "kern");
  EXPECT_EQ(get(p, "severity"), "emerg");
  p = one_event("<191>May  1 10:00:00 web01 app: x");
  EXPECT_EQ(get(p, "facility"), "local7");
  EXPECT_EQ(get(p, "severity"), "debug");
  p = one_event("<86>2024-05-01T10:00:00Z web01 sudo: x");
  EXPECT_EQ(get(p, "facility"), "authpriv");
  EXPECT_EQ(get(p, "severity"), "info");
  EXPECT_EQ(get(one_event("May  1 10:00:00 web01 app: x"), "facility"), "(absent)");
}

TEST(SyslogHeader, Rfc3339Times) {
  // rsyslog's default on Debian: microseconds and the local offset.
  Parsed p = one_event("2024-05-01T10:00:00.123456+02:00 web01 sshd[12]: hello");
  EXPECT_EQ(p.time, "2024-05-01T08:00:00.123456Z");
  EXPECT_EQ(get(p, "Computer"), "web01");
  EXPECT_EQ(get(p, "program"), "sshd");
  EXPECT_EQ(get(p, "message"), "hello");
  EXPECT_EQ(one_event("2024-12-31T23:30:00-01:00 h p: m").time, "2025-01-01T00:30:00.000000Z");
  EXPECT_EQ(one_event("2024-05-01T10:00:00Z h p: m").time, "2024-05-01T10:00:00.000000Z");
  // journalctl -o short-iso writes the offset without a colon.
  EXPECT_EQ(one_event("2024-05-01T10:00:00+0200 h p: m").time, "2024-05-01T08:00:00.000000Z");
  // A space instead of the 'T'; no offset means UTC.
  p = one_event("2024-05-01 10:00:00 h p: m");
  EXPECT_EQ(p.time, "2024-05-01T10:00:00.000000Z");
  EXPECT_EQ(get(p, "Computer"), "h");
}

TEST(SyslogHeader, HostLeftOut) {
  // Some senders write no host: the first word is then the tag.
  Parsed p = one_event("May  1 10:00:00 sshd[12]: Accepted password for a from 10.0.0.1 port 2 ssh2");
  EXPECT_EQ(get(p, "Computer"), "(absent)");
  EXPECT_EQ(get(p, "program"), "sshd");
  EXPECT_EQ(get(p, "pid"), "12");
  EXPECT_EQ(get(p, "user"), "a");
  p = one_event("May  1 10:00:00 kernel: [ 1.0] x");
  EXPECT_EQ(get(p, "Computer"), "(absent)");
  EXPECT_EQ(get(p, "program"), "kernel");
  EXPECT_EQ(get(p, "message"), "[ 1.0] x");
}

TEST(SyslogHeader, TagForms) {
  Parsed p = one_event("May  1 10:00:00 h kernel: x: y");
  EXPECT_EQ(get(p, "program"), "kernel");
  EXPECT_EQ(get(p, "pid"), "(absent)");
  EXPECT_EQ(get(p, "message"), "x: y");
  p = one_event("May  1 10:00:00 h postfix/smtpd[77]: connect from x");
  EXPECT_EQ(get(p, "program"), "postfix/smtpd");
  EXPECT_EQ(get(p, "pid"), "77");
  // The message keeps its own leading spaces beyond the one after the tag.
  p = one_event("May  1 10:00:00 h kernel:  BIOS-e820: 0 - 9 (usable)");
  EXPECT_EQ(get(p, "message"), " BIOS-e820: 0 - 9 (usable)");
  p = one_event("May  1 10:00:00 h systemd-logind[600]:New session");
  EXPECT_EQ(get(p, "program"), "systemd-logind");
  EXPECT_EQ(get(p, "message"), "New session");
  // No tag: all message (old login's "-- root[2421]:", sysklogd's "last message repeated").
  p = one_event("Jul  7 08:06:15 combo  -- root[2421]: ROOT LOGIN ON tty2");
  EXPECT_EQ(get(p, "Computer"), "combo");
  EXPECT_EQ(get(p, "program"), "(absent)");
  EXPECT_EQ(get(p, "message"), "-- root[2421]: ROOT LOGIN ON tty2");
  p = one_event("May  1 10:00:00 h last message repeated 3 times");
  EXPECT_EQ(get(p, "program"), "(absent)");
  EXPECT_EQ(get(p, "message"), "last message repeated 3 times");
  // A line that ends after the host.
  p = one_event("May  1 10:00:00 h");
  EXPECT_EQ(get(p, "Computer"), "h");
  EXPECT_EQ(get(p, "message"), "");
}

TEST(SyslogHeader, OldPamTag) {
  const Parsed p = one_event(
      "Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0 "
      "euid=0 tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root");
  EXPECT_EQ(get(p, "program"), "sshd");
  EXPECT_EQ(get(p, "pid"), "20882");
  EXPECT_EQ(get(p, "pam_module"), "pam_unix");
  EXPECT_EQ(get(p, "pam_service"), "sshd");
  EXPECT_EQ(get(p, "action"), "pam_auth");
  EXPECT_EQ(get(p, "outcome"), "failure");
  EXPECT_EQ(get(p, "src_host"), "220-135-151-1.hinet-ip.hinet.net");
  EXPECT_EQ(get(p, "user"), "root");
  // Parentheses that are not a PAM module stay in the program.
  EXPECT_EQ(get(one_event("May  1 10:00:00 h app(worker)[3]: x"), "program"), "app(worker)");
}

TEST(SyslogHeader, Rfc5424) {
  Parsed p = one_event(
      "<38>1 2024-05-01T08:00:00.003Z web01 sshd 2101 AUTH [origin ip=\"192.0.2.10\"][meta "
      "sequenceId=\"7\"] Failed password for root from 203.0.113.8 port 40000 ssh2");
  EXPECT_EQ(p.time, "2024-05-01T08:00:00.003000Z");
  EXPECT_EQ(p.fields, (Fields{{"_source_format", "syslog"},
                              {"Computer", "web01"},
                              {"program", "sshd"},
                              {"pid", "2101"},
                              {"facility", "auth"},
                              {"severity", "info"},
                              {"msgid", "AUTH"},
                              {"structured_data", "[origin ip=\"192.0.2.10\"][meta sequenceId=\"7\"]"},
                              {"origin.ip", "192.0.2.10"},
                              {"meta.sequenceId", "7"},
                              {"message", "Failed password for root from 203.0.113.8 port 40000 ssh2"},
                              {"action", "login"},
                              {"outcome", "failure"},
                              {"auth_method", "password"},
                              {"user", "root"},
                              {"src_ip", "203.0.113.8"},
                              {"src_port", "40000"}}));
}

TEST(SyslogHeader, Rfc5424NilValuesBomAndEscapes) {
  // Every header value nil: no time, no host.
  Parsed p = one_event("<13>1 - - - - - -");
  EXPECT_EQ(p.time, "");
  EXPECT_EQ(p.fields, (Fields{{"_source_format", "syslog"},
                              {"facility", "user"},
                              {"severity", "notice"},
                              {"message", ""}}));
  p = one_event("<86>1 2024-05-01T10:00:01+02:00 web01 sudo - - - \xEF\xBB\xBF" "alice : TTY=pts/0 ; USER=root ; COMMAND=/usr/bin/id");
  EXPECT_EQ(p.time, "2024-05-01T08:00:01.000000Z");
  EXPECT_EQ(get(p, "message"), "alice : TTY=pts/0 ; USER=root ; COMMAND=/usr/bin/id");
  EXPECT_EQ(get(p, "USER"), "root");
  // '\"', '\\' and '\]' are escapes; the raw text keeps them.
  p = one_event(R"(<14>1 2024-05-01T08:00:02Z h app 7 - [x@1 path="C:\\d\"q\"\]" e="" o="a\b"] m)");
  EXPECT_EQ(get(p, "x@1.path"), R"(C:\d"q"])");
  EXPECT_EQ(get(p, "x@1.e"), "");
  EXPECT_EQ(get(p, "x@1.o"), R"(a\b)");
  EXPECT_EQ(get(p, "structured_data"), R"([x@1 path="C:\\d\"q\"\]" e="" o="a\b"])");
  EXPECT_EQ(get(p, "message"), "m");
  // Structured data and no message.
  p = one_event(R"(<14>1 2024-05-01T08:00:02Z h app - - [a b="c"])");
  EXPECT_EQ(get(p, "a.b"), "c");
  EXPECT_EQ(get(p, "message"), "");
}

TEST(SyslogHeader, Rfc5424Damage) {
  // Malformed structured data: the event is kept with the rest as its message.
  ParseResult r = parse_text("<14>1 2024-05-01T08:00:03Z h app 77 - [broken k=\"v] kept\n");
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(get(r.events[0], "message"), "[broken k=\"v] kept");
  EXPECT_EQ(get(r.events[0], "structured_data"), "(absent)");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].reason, "RFC 5424 structured data is malformed; kept in the message");
  // Incomplete header and a bad time are rejected.
  r = parse_text("<14>1 2024-05-01T08:00:03Z h app\n<14>1 yesterday h app 1 - - m\n");
  EXPECT_TRUE(r.events.empty());
  ASSERT_EQ(r.issues.size(), 2u);
  EXPECT_EQ(r.issues[0].line, 1u);
  EXPECT_NE(r.issues[0].reason.find("incomplete"), std::string::npos);
  EXPECT_EQ(r.issues[1].line, 2u);
  EXPECT_NE(r.issues[1].reason.find("RFC 3339"), std::string::npos);
}

TEST(SyslogHeader, Rfc5424FieldLimit) {
  std::string line = "<14>1 2024-05-01T08:00:02Z h app - - [p";
  for (size_t i = 0; i < limits::kTextMaxFieldsPerEvent + 10; ++i) line += " k=\"v\"";
  line += "] m";
  const ParseResult r = parse_text(line);
  ASSERT_EQ(r.events.size(), 1u);
  // The parameters stop at the limit; the text keeps them all.
  EXPECT_LE(r.events[0].fields.size(), limits::kTextMaxFieldsPerEvent + 2);
  EXPECT_GT(r.events[0].fields.size(), limits::kTextMaxFieldsPerEvent - 10);
  EXPECT_EQ(get(r.events[0], "message"), "m");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_NE(r.issues[0].reason.find("structured_data"), std::string::npos);
}

TEST(SyslogHeader, Rfc5424NewNameLimit) {
  // Distinct parameter names become field names up to a bound per block,
  // then stay only in structured_data.
  std::string text;
  size_t name = 0;
  const size_t per_line = 4000;
  const size_t lines = limits::kJsonMaxFieldNamesPerBlock / per_line + 2;
  for (size_t l = 0; l < lines; ++l) {
    text += "<14>1 2024-05-01T08:00:02Z h app - - [p";
    for (size_t i = 0; i < per_line; ++i) text += " n" + std::to_string(name++) + "=\"v\"";
    text += "] m\n";
  }
  const ParseResult r = parse_text(text);
  ASSERT_EQ(r.events.size(), lines);
  EXPECT_EQ(r.events.front().fields.size(), per_line + 7);
  EXPECT_EQ(r.events.back().fields.size(), 7u);
  ASSERT_EQ(r.issues.size(), 2u);
  EXPECT_NE(r.issues[0].reason.find("distinct structured data names"), std::string::npos);
}

TEST(SyslogHeader, RejectedLinesAreReportedAndTheRestRead) {
  const std::string text =
      "May  1 10:00:00 h a: first\n"
      "{\"json\": true}\n"
      "type=SYSCALL msg=audit(1700000000.123:1): arch=c000003e\n"
      "192.0.2.1 - - [01/May/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n"
      "Foo  1 10:00:00 h a: bad month\n"
      "May 32 10:00:00 h a: bad day\n"
      "May  1 24:00:00 h a: bad hour\n"
      "May  1 10:00 h a: no seconds\n"
      "<192>May  1 10:00:00 h a: priority too high\n"
      "<x>May  1 10:00:00 h a: no priority\n"
      "2024-05-01 h a: a date alone\n"
      "Apr 31 10:00:00 h a: no such day\n"
      "\x01\x02\x00\xff\xfe garbage\n"
      "May  1 10:00:01 h a: last\n"s;
  const ParseResult r = parse_text(text, year(2023));
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(get(r.events[0], "message"), "first");
  EXPECT_EQ(get(r.events[1], "message"), "last");
  EXPECT_EQ(r.events[1].line, 14u);
  ASSERT_EQ(r.issues.size(), 12u);
  for (size_t i = 0; i < r.issues.size(); ++i) {
    EXPECT_EQ(r.issues[i].line, i + 2) << r.issues[i].reason;
    EXPECT_FALSE(r.issues[i].reason.empty());
  }
  EXPECT_EQ(r.issues[0].reason,
            "no syslog timestamp at the start of the line (expected 'Mmm dd hh:mm:ss' or RFC 3339)");
  EXPECT_EQ(r.issues[7].reason, "malformed <PRI> (expected <0> to <191>)");
  EXPECT_EQ(r.issues[10].reason, "no such date in the year of the line");
  EXPECT_EQ(r.issues[0].offset, 27u);
}

TEST(SyslogHeader, CrlfBlankLinesAndLastLineWithoutEnd) {
  const ParseResult r = parse_text("May  1 10:00:00 h a: one\r\n\r\n   \r\nMay  1 10:00:01 h a: two");
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_TRUE(r.issues.empty());
  EXPECT_EQ(get(r.events[0], "message"), "one");
  EXPECT_EQ(get(r.events[1], "message"), "two");
  EXPECT_EQ(r.events[1].line, 4u);
  EXPECT_EQ(r.events[1].offset, 33u);
}

TEST(SyslogHeader, InvalidUtf8IsRepairedAndReported) {
  const ParseResult r = parse_text("May  1 10:00:00 h sshd[1]: Invalid user r\xE9mi from 10.0.0.1\n");
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(get(r.events[0], "user"), "r\xEF\xBF\xBDmi");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].reason, "invalid UTF-8 replaced by U+FFFD");
  EXPECT_EQ(r.issues[0].line, 1u);
}

TEST(SyslogHeader, LongLines) {
  // Half a megabyte of message is still a line; past the limit it is reported.
  std::string line = "May  1 10:00:00 h app[1]: ";
  line.append(512 * 1024, 'x');
  ParseResult r = parse_text(line + "\n");
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(get(r.events[0], "message").size(), 512u * 1024u);
  std::string too_long = "May  1 10:00:00 h app[1]: ";
  too_long.append(limits::kTextMaxLineBytes, 'y');
  r = parse_text(too_long + "\nMay  1 10:00:01 h app[1]: after\n");
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(get(r.events[0], "message"), "after");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_NE(r.issues[0].reason.find("longer than the limit"), std::string::npos);
}

TEST(SyslogYear, FromTheModificationTime) {
  ReadOptions none;
  const int64_t mtime = unix_time(2024, 3, 10, 12);  // 2024-03-10 12:00 UTC
  auto time_of = [&](const std::string& stamp) {
    const ParseResult r = parse_text(stamp + " h a: m", none, mtime);
    EXPECT_EQ(r.events.size(), 1u) << stamp;
    return r.events.empty() ? std::string() : r.events[0].time;
  };
  EXPECT_EQ(time_of("Mar 10 11:00:00"), "2024-03-10T11:00:00.000000Z");
  // Up to a day after the modification time still counts as the same year
  // (clock skew, time zones)...
  EXPECT_EQ(time_of("Mar 11 12:00:00"), "2024-03-11T12:00:00.000000Z");
  // ...later than that is last year's.
  EXPECT_EQ(time_of("Mar 11 12:00:01"), "2023-03-11T12:00:01.000000Z");
  EXPECT_EQ(time_of("Dec 31 23:59:59"), "2023-12-31T23:59:59.000000Z");
  EXPECT_EQ(time_of("Jan  1 00:00:00"), "2024-01-01T00:00:00.000000Z");
  // February 29 goes back to the latest leap year.
  const ParseResult r = parse_text("Feb 29 10:00:00 h a: m", none, unix_time(2023, 6, 1));
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].time, "2020-02-29T10:00:00.000000Z");
}

TEST(SyslogYear, OptionGivesEveryLineTheYear) {
  EXPECT_EQ(one_event("Dec 31 23:59:59 h a: m", year(2019)).time, "2019-12-31T23:59:59.000000Z");
  EXPECT_EQ(one_event("Feb 29 10:00:00 h a: m", year(2024)).time, "2024-02-29T10:00:00.000000Z");
  // A year the line names itself wins.
  EXPECT_EQ(one_event("May  1 2022 10:00:00 h a: m", year(2019)).time,
            "2022-05-01T10:00:00.000000Z");
  ParseResult r = parse_text("Feb 29 10:00:00 h a: m", year(2023));
  EXPECT_TRUE(r.events.empty());
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].reason, "no such date in the year of the line");
  r = parse_text("May  1 10:00:00 h a: m", year(0));
  EXPECT_EQ(r.error, "--year 0 is not a year (1 to 9999)");
}

TEST(SyslogYear, UnknownModificationTimeMeansNow) {
  const ParseResult r = parse_text("Jan  1 00:00:00 h a: m", ReadOptions{}, 0);
  ASSERT_EQ(r.events.size(), 1u);
  const int64_t now_year = to_civil(Timestamp::from_unix_seconds(std::time(nullptr))).year;
  EXPECT_EQ(r.events[0].time, std::to_string(now_year) + "-01-01T00:00:00.000000Z");
}

TEST(SyslogParse, BlocksParseAsTheWholeDoes) {
  std::string text;
  for (int i = 0; i < 50; ++i) {
    text += "May  1 10:00:" + std::string(i < 10 ? "0" : "") + std::to_string(i) +
            " h sshd[1]: Failed password for u" + std::to_string(i) +
            " from 10.0.0.1 port 22 ssh2\n";
    if (i % 7 == 0) text += "garbage line\n";
  }
  FieldNames names;
  FileFacts facts;
  auto context = syslog_format().open(text, facts, year(2024), names);
  ASSERT_TRUE(context.ok());
  testing::ParseResult whole, split;
  testing::CollectingSink whole_sink(whole, names), split_sink(split, names);
  syslog_format().parser(context.value(), names)->parse(text, 0, 0, whole_sink);
  const size_t cut = text.find('\n', text.size() / 2) + 1;
  auto parser = syslog_format().parser(context.value(), names);
  parser->parse(std::string_view(text).substr(0, cut), 0, 0, split_sink);
  testing::ParseResult second;
  testing::CollectingSink second_sink(second, names);
  parser->parse(std::string_view(text).substr(cut), cut, 0, second_sink);
  ASSERT_EQ(whole.events.size(), split.events.size() + second.events.size());
  for (size_t i = 0; i < split.events.size(); ++i) {
    EXPECT_EQ(whole.events[i].fields, split.events[i].fields);
  }
  for (size_t i = 0; i < second.events.size(); ++i) {
    const auto& w = whole.events[split.events.size() + i];
    EXPECT_EQ(w.fields, second.events[i].fields);
    EXPECT_EQ(w.time, second.events[i].time);
    EXPECT_EQ(w.offset, second.events[i].offset);
  }
}

}  // namespace
}  // namespace vigil::read
