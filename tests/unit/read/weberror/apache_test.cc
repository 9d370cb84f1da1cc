// The Apache httpd error log reader: fields of 2.2 and 2.4 lines, lines
// without a header, odd and hostile lines.

#include <string>

#include <gtest/gtest.h>

#include "../web/reader_harness.h"
#include "vigil/read/weberror/weberror.h"

namespace vigil::read {
namespace {

using testing::fixture;
using testing::Parsed;
using testing::SeenEvent;
using testing::slurp;

Parsed parse(std::string_view text) { return testing::parse_text(apache_error_format(), text); }

SeenEvent one(std::string_view line) {
  Parsed p = parse(line);
  EXPECT_TRUE(p.issues.empty()) << testing::issues_text(p.issues);
  EXPECT_EQ(p.events.size(), 1u) << line;
  return p.events.empty() ? SeenEvent{} : p.events[0];
}

using FieldList = std::vector<std::pair<std::string, std::string>>;

TEST(ApacheError, Apache22Fixture) {
  Parsed p = parse(slurp(fixture("weberror/apache22_error.log")));
  ASSERT_TRUE(p.issues.empty()) << testing::issues_text(p.issues);
  ASSERT_EQ(p.events.size(), 8u);

  EXPECT_EQ(p.events[0].time(), "2005-12-04T04:47:44.000Z");
  EXPECT_EQ(p.events[0].fields,
            (FieldList{{"_source_format", "apache-error"},
                       {"level", "notice"},
                       {"message", "workerEnv.init() ok /etc/httpd/conf/workers2.properties"}}));
  EXPECT_EQ(p.events[0].source.record_id, 1u);
  EXPECT_EQ(p.events[0].source.offset, 0u);

  EXPECT_EQ(p.events[2].fields,
            (FieldList{{"_source_format", "apache-error"},
                       {"level", "error"},
                       {"client_ip", "222.166.160.184"},
                       {"message", "Directory index forbidden by rule: /var/www/html/"}}));
  // The Referer Apache appends to messages about a request.
  EXPECT_EQ(p.events[3].get("message"), "File does not exist: /var/www/html/favicon.ico");
  EXPECT_EQ(p.events[3].get("referer"), "http://www.example.com/index.html");
  EXPECT_EQ(p.events[3].source.record_id, 4u);
  // 2.2 writes no port: an IPv6 client stays whole; the status after it.
  EXPECT_EQ(p.events[4].fields, (FieldList{{"_source_format", "apache-error"},
                                           {"level", "error"},
                                           {"os_error_code", "13"},
                                           {"os_error", "Permission denied"},
                                           {"client_ip", "2001:db8::7"},
                                           {"message", "access to /private denied"}}));
  EXPECT_EQ(p.events[5].get("message"), "child pid 28264 exit signal Segmentation fault (11)");
  // A day padded with a space, as some ctime()s write it.
  EXPECT_EQ(p.events[6].time(), "2005-12-06T01:02:03.000Z");
  EXPECT_EQ(p.events[6].get("level"), "warn");
  EXPECT_EQ(p.events[7].get("level"), "crit");
  EXPECT_EQ(p.events[7].get("os_error_code"), "28");
  EXPECT_EQ(p.events[7].get("os_error"), "No space left on device");
  EXPECT_EQ(p.events[7].get("message"), "mod_rewrite: could not create rewrite_log_lock");
}

TEST(ApacheError, Apache24Fixture) {
  Parsed p = parse(slurp(fixture("weberror/apache24_error.log")));
  ASSERT_TRUE(p.issues.empty()) << testing::issues_text(p.issues);
  ASSERT_EQ(p.events.size(), 12u);

  const SeenEvent& e0 = p.events[0];
  EXPECT_EQ(e0.time(), "2000-10-11T14:32:52.123Z");
  EXPECT_EQ(e0.timestamp.ticks % 10'000'000, 1'234'560);
  EXPECT_EQ(e0.fields,
            (FieldList{{"_source_format", "apache-error"},
                       {"level", "error"},
                       {"module", "core"},
                       {"pid", "1234"},
                       {"tid", "5678"},
                       {"client_ip", "1.2.3.4"},
                       {"client_port", "5678"},
                       {"error_code", "AH00124"},
                       {"message",
                        "Request exceeded the limit of 10 internal redirects due to probable "
                        "configuration error."}}));
  EXPECT_EQ(p.events[1].get("module"), "mpm_event");
  EXPECT_EQ(p.events[1].get("tid"), "140245");
  EXPECT_FALSE(p.events[1].has("client_ip"));
  // 2.4 writes the port after the last ':' of an unbracketed IPv6 address.
  EXPECT_EQ(p.events[2].get("client_ip"), "2001:db8::42");
  EXPECT_EQ(p.events[2].get("client_port"), "51234");
  EXPECT_EQ(p.events[2].get("message"), "client denied by server configuration: /srv/www/secret");
  EXPECT_EQ(p.events[2].get("referer"), "https://example.com/a?b=\"c\"");
  // No thread id (prefork); the status before the AH number.
  EXPECT_EQ(
      p.events[3].fields,
      (FieldList{{"_source_format", "apache-error"},
                 {"level", "error"},
                 {"module", "proxy"},
                 {"pid", "2000"},
                 {"os_error_code", "111"},
                 {"os_error", "Connection refused"},
                 {"error_code", "AH00957"},
                 {"message", "HTTP: attempt to connect to 127.0.0.1:8080 (127.0.0.1) failed"}}));
  EXPECT_EQ(p.events[4].get("os_error_code"), "70007");
  EXPECT_EQ(p.events[4].get("os_error"), "The timeout specified has expired");
  EXPECT_EQ(p.events[4].get("client_ip"), "192.0.2.9");
  EXPECT_EQ(p.events[4].get("error_code"), "AH01102");
  // Debug levels name the source file and line.
  EXPECT_EQ(p.events[5].get("level"), "debug");
  EXPECT_EQ(p.events[5].get("source_file"), "mod_authz_core.c");
  EXPECT_EQ(p.events[5].get("source_line"), "820");
  EXPECT_EQ(p.events[5].get("client_port"), "5679");
  EXPECT_EQ(p.events[5].get("message"), "authorization result of Require all granted: granted");
  // A module that did not say who it is (mod_php): empty module, left out.
  EXPECT_EQ(p.events[6].get("level"), "error");
  EXPECT_FALSE(p.events[6].has("module"));
  EXPECT_EQ(p.events[6].get("message"),
            "PHP Warning:  include(/var/www/html/übersicht.php): failed to open stream in "
            "/var/www/html/index.php on line 3");
  // The peer of a connection without a scoreboard (a proxy's backend).
  EXPECT_EQ(p.events[7].get("remote_ip"), "10.1.1.1");
  EXPECT_EQ(p.events[7].get("remote_port"), "8080");
  EXPECT_FALSE(p.events[7].has("client_ip"));
  // What programs the server started wrote to stderr: kept, with the time
  // of the line before.
  EXPECT_EQ(p.events[8].fields, (FieldList{{"_source_format", "apache-error"},
                                           {"message", "sh: 1: curl: not found"},
                                           {"headerless", "true"}}));
  EXPECT_EQ(p.events[8].timestamp, p.events[7].timestamp);
  EXPECT_EQ(p.events[8].source.record_id, 9u);
  EXPECT_EQ(p.events[9].get("message"), "--2000-10-11 14:33:06--  http://203.0.113.5/x.sh");
  EXPECT_EQ(p.events[9].timestamp, p.events[7].timestamp);
  EXPECT_EQ(p.events[10].get("error_code"), "AH00052");
  EXPECT_EQ(p.events[11].get("module"), "ssl");
  EXPECT_EQ(p.events[11].get("level"), "warn");
}

TEST(ApacheError, OtherTimeLayouts) {
  // ErrorLogFormat's %{cu}t: compact ISO 8601.
  SeenEvent e = one("[2024-05-01 10:00:00.250000] [core:info] [pid 7] AH00001: hello");
  EXPECT_EQ(e.time(), "2024-05-01T10:00:00.250Z");
  EXPECT_EQ(e.get("message"), "hello");
  e = one("[2024-05-01 10:00:00] [info] x");
  EXPECT_EQ(e.time(), "2024-05-01T10:00:00.000Z");
  // A leap day, and trace levels.
  e = one("[Thu Feb 29 23:59:59 2024] [auth_basic:trace3] [pid 1] x");
  EXPECT_EQ(e.time(), "2024-02-29T23:59:59.000Z");
  EXPECT_EQ(e.get("level"), "trace3");
  // Nothing after the time but the message.
  e = one("[Sun Dec 04 04:47:44 2005] something happened");
  EXPECT_FALSE(e.has("level"));
  EXPECT_EQ(e.get("message"), "something happened");
  e = one("[Sun Dec 04 04:47:44 2005]");
  EXPECT_EQ(e.get("message"), "");
}

TEST(ApacheError, BadTimesAreRejected) {
  Parsed p = parse(
      "[Sun Feb 30 04:47:44 2005] [error] no such day\n"
      "[Sun Foo 04 04:47:44 2005] [error] no such month\n"
      "[Sun Dec 04 24:47:44 2005] [error] no such hour\n"
      "continuation of a rejected line\n"
      "[Mon Dec 05 00:00:00 2005] [error] fine\n");
  ASSERT_EQ(p.issues.size(), 3u);
  EXPECT_EQ(p.issues[0].line, 1u);
  EXPECT_EQ(p.issues[0].reason, "no such day in the month; line skipped");
  EXPECT_EQ(p.issues[1].reason, "unknown month name in the time; line skipped");
  EXPECT_EQ(p.issues[2].reason, "no such time of day; line skipped");
  ASSERT_EQ(p.events.size(), 2u);
  // The headerless line after a rejected one has no time to take.
  EXPECT_EQ(p.events[0].get("headerless"), "true");
  EXPECT_FALSE(p.events[0].timestamp.is_set());
  EXPECT_EQ(p.events[1].get("message"), "fine");
}

TEST(ApacheError, PrefixPartsThatDoNotFitStayInTheMessage) {
  // Not a level: the bracket is part of the message.
  SeenEvent e = one("[Sun Dec 04 04:47:44 2005] [hello world] x");
  EXPECT_FALSE(e.has("level"));
  EXPECT_EQ(e.get("message"), "[hello world] x");
  // A malformed pid, client and AH number.
  e = one("[Sun Dec 04 04:47:44 2005] [error] [pid x] [client 1.2.3.4] AH12: m");
  EXPECT_FALSE(e.has("pid"));
  EXPECT_EQ(e.get("message"), "[pid x] [client 1.2.3.4] AH12: m");
  e = one("[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4 AH00001: m");
  EXPECT_EQ(e.get("message"), "[client 1.2.3.4 AH00001: m");
  // An IPv4 client with a port in a 2.2 line, and a second [client] (from
  // ModSecurity) kept in the message.
  e = one("[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4:80] [client 1.2.3.4] ModSecurity: x");
  EXPECT_EQ(e.get("client_ip"), "1.2.3.4");
  EXPECT_EQ(e.get("client_port"), "80");
  EXPECT_EQ(e.get("message"), "[client 1.2.3.4] ModSecurity: x");
  // A referer only after a client (Apache adds it for requests).
  e = one("[Sun Dec 04 04:47:44 2005] [error] a, referer: b");
  EXPECT_EQ(e.get("message"), "a, referer: b");
  EXPECT_FALSE(e.has("referer"));
}

TEST(ApacheError, CrlfBlankLinesAndNoFinalLineEnd) {
  Parsed p = parse(
      "[Sun Dec 04 04:47:44 2005] [error] a\r\n\r\n   \n[Sun Dec 04 04:47:45 2005] [error] b");
  ASSERT_TRUE(p.issues.empty());
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_EQ(p.events[0].get("message"), "a");
  EXPECT_EQ(p.events[1].get("message"), "b");
  EXPECT_EQ(p.events[1].source.record_id, 4u);
  EXPECT_EQ(p.events[1].source.offset, 44u);
}

TEST(ApacheError, InvalidUtf8IsRepairedAndReported) {
  Parsed p = parse(std::string("[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] caf\xe9\n") +
                   "\xff\xfe binary \x01\x02\n");
  ASSERT_EQ(p.issues.size(), 2u);
  EXPECT_EQ(p.issues[0].reason, "invalid UTF-8 replaced by U+FFFD; line read");
  EXPECT_EQ(p.issues[1].line, 2u);
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_EQ(p.events[0].get("message"), "caf\xef\xbf\xbd");
  EXPECT_EQ(p.events[0].get("client_ip"), "1.2.3.4");
  EXPECT_EQ(p.events[1].get("headerless"), "true");
}

TEST(ApacheError, LongAndHostileLines) {
  const std::string time = "[Sun Dec 04 04:47:44 2005] [error] ";
  // A long message, brackets that never close, endless colons.
  std::string text = time + "[client " + std::string(200'000, '1') + "\n";
  text += time + "(" + std::string(100'000, '9') + "\n";
  text += time + std::string(300'000, '[') + "\n";
  text += time + "[client ::::::::::::::::::::] m\n";
  text += std::string(500'000, 'x') + "\n";
  Parsed p = parse(text);
  EXPECT_TRUE(p.issues.empty()) << testing::issues_text(p.issues);
  ASSERT_EQ(p.events.size(), 5u);
  EXPECT_EQ(p.events[0].get("message").size(), 200'008u);
  EXPECT_EQ(p.events[3].get("client_ip"), "::::::::::::::::::::");
  EXPECT_EQ(p.events[4].get("headerless"), "true");
}

// Headerless lines take the time of the line before, only within the run
// the cut rule keeps in one block: reading any split the rule allows gives
// the same events as reading the whole.
TEST(ApacheError, CutRuleKeepsHeaderlessLinesWithTheirTime) {
  const std::string header = "[Sun Dec 04 04:47:44 2005] [error] m\n";
  const std::string junk(1000, 'j');
  std::string text = "lead without a header\n" + header;
  for (int i = 0; i < 1100; ++i) text += junk + "\n";  // > kTextMaxLineBytes in a row
  text += header + "tail\n";
  auto rule = apache_error_format().cut_rule();
  ASSERT_NE(rule, nullptr);
  std::vector<size_t> cuts;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    if (rule->cut_before(text.substr(pos, nl - pos)) && pos > 0) cuts.push_back(pos);
    pos = nl + 1;
  }
  // Before line 2 (a header), after 1 MiB of headerless lines (each one of
  // them), and before the last header; never inside the first MiB of the run.
  ASSERT_GE(cuts.size(), 3u);
  EXPECT_EQ(cuts[0], 22u);
  EXPECT_GT(cuts[1], 22u + header.size() + (1u << 20) - 1001);

  FieldNames names;
  auto whole = testing::parse_text(apache_error_format(), text, names);
  // The first cut, the first two past the run's first MiB, the last.
  for (size_t cut : {cuts[0], cuts[1], cuts[2], cuts.back()}) {
    auto first =
        testing::parse_text(apache_error_format(), std::string_view(text).substr(0, cut), names);
    auto second =
        testing::parse_text(apache_error_format(), std::string_view(text).substr(cut), names);
    ASSERT_EQ(first.events.size() + second.events.size(), whole.events.size());
    for (size_t i = 0; i < whole.events.size(); ++i) {
      const SeenEvent& e =
          i < first.events.size() ? first.events[i] : second.events[i - first.events.size()];
      EXPECT_EQ(e.timestamp, whole.events[i].timestamp) << "cut " << cut << " event " << i;
      EXPECT_EQ(e.fields, whole.events[i].fields);
    }
  }
  ASSERT_EQ(whole.events.size(), 1104u);
  EXPECT_FALSE(whole.events[0].timestamp.is_set());  // nothing before it
  EXPECT_TRUE(whole.events[2].timestamp.is_set());
  EXPECT_FALSE(whole.events[1101].timestamp.is_set());  // past the first MiB of the run
  EXPECT_TRUE(whole.events[1103].timestamp.is_set());
}

}  // namespace
}  // namespace vigil::read
