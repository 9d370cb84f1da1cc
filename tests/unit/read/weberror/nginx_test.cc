// The Nginx error log reader: header fields, the trailing "key: value" list,
// continuation lines, odd and hostile lines.

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

using FieldList = std::vector<std::pair<std::string, std::string>>;

Parsed parse(std::string_view text) { return testing::parse_text(nginx_error_format(), text); }

SeenEvent one(std::string_view line) {
  Parsed p = parse(line);
  EXPECT_TRUE(p.issues.empty()) << testing::issues_text(p.issues);
  EXPECT_EQ(p.events.size(), 1u) << line;
  return p.events.empty() ? SeenEvent{} : p.events[0];
}

TEST(NginxError, Fixture) {
  Parsed p = parse(slurp(fixture("weberror/nginx_error.log")));
  ASSERT_TRUE(p.issues.empty()) << testing::issues_text(p.issues);
  ASSERT_EQ(p.events.size(), 11u);

  EXPECT_EQ(p.events[0].time(), "2024-05-01T10:00:00.000Z");
  EXPECT_EQ(p.events[0].fields, (FieldList{{"_source_format", "nginx-error"},
                                           {"level", "notice"},
                                           {"pid", "1"},
                                           {"tid", "1"},
                                           {"message", "using the \"epoll\" event method"}}));
  EXPECT_EQ(p.events[2].fields,
            (FieldList{{"_source_format", "nginx-error"},
                       {"level", "error"},
                       {"pid", "1234"},
                       {"tid", "5678"},
                       {"connection_id", "9"},
                       {"message",
                        "open() \"/usr/share/nginx/html/favicon.ico\" failed (2: No such file or "
                        "directory)"},
                       {"client", "1.2.3.4"},
                       {"server", "x"},
                       {"request", "GET /favicon.ico HTTP/1.1"},
                       {"host", "y"},
                       {"referrer", "http://y/"}}));
  EXPECT_EQ(p.events[2].source.record_id, 3u);

  // A FastCGI backend's stderr over two lines: the second has no header,
  // takes the first's time and carries the list.
  EXPECT_EQ(p.events[3].get("message"),
            "FastCGI sent in stderr: \"PHP message: PHP Warning:  Undefined variable $a in "
            "/var/www/index.php on line 2");
  EXPECT_FALSE(p.events[3].has("client"));
  EXPECT_EQ(p.events[4].fields,
            (FieldList{{"_source_format", "nginx-error"},
                       {"message",
                        "PHP message: PHP Warning:  Undefined variable $b in /var/www/index.php "
                        "on line 3\" while reading response header from upstream"},
                       {"client", "2001:db8::9"},
                       {"server", "example.com"},
                       {"request", "GET /index.php?q=1 HTTP/2.0"},
                       {"upstream", "fastcgi://unix:/run/php/php8.2-fpm.sock:"},
                       {"host", "example.com"},
                       {"headerless", "true"}}));
  EXPECT_EQ(p.events[4].timestamp, p.events[3].timestamp);
  EXPECT_EQ(p.events[4].source.record_id, 5u);

  // ", client: " inside the message and the request: the list is where the
  // rest of the line reads as one.
  EXPECT_EQ(p.events[5].get("message"),
            "open() \"/var/www/a, client: 6.6.6.6\" failed (2: No such file or directory)");
  EXPECT_EQ(p.events[5].get("client"), "192.0.2.1");
  EXPECT_EQ(p.events[5].count("client"), 1u);
  EXPECT_EQ(p.events[5].get("request"), "GET /a, client: 6.6.6.6 HTTP/1.1");

  EXPECT_EQ(p.events[6].get("message"), "client 192.0.2.1 closed keepalive connection");
  EXPECT_EQ(p.events[6].get("level"), "info");

  // The stream module's list: keys with spaces and '/', no space after ':'.
  EXPECT_EQ(p.events[7].fields,
            (FieldList{{"_source_format", "nginx-error"},
                       {"level", "error"},
                       {"pid", "1235"},
                       {"tid", "1235"},
                       {"connection_id", "13"},
                       {"message",
                        "connect() failed (111: Connection refused) while connecting to upstream"},
                       {"client", "10.0.0.1"},
                       {"server", "0.0.0.0:5432"},
                       {"upstream", "10.0.0.2:5432"},
                       {"bytes_from_to_client", "0/0"},
                       {"bytes_from_to_upstream", "0/0"}}));

  // An empty server name, quotes inside a quoted value (nginx does not
  // escape them), non-ASCII.
  EXPECT_EQ(p.events[8].get("server"), "");
  EXPECT_EQ(p.events[8].get("request"), "GET /?q=\\\"a\\\" HTTP/1.1");
  EXPECT_EQ(p.events[8].get("host"), "café.example");
  EXPECT_EQ(p.events[8].get("message"), "using uninitialized \"x\" variable");

  EXPECT_EQ(p.events[9].get("level"), "alert");
  EXPECT_EQ(p.events[9].get("message"), "worker process 1234 exited on signal 6 (core dumped)");
  EXPECT_EQ(p.events[10].get("level"), "emerg");
  EXPECT_EQ(p.events[10].time(), "2024-05-01T10:00:08.000Z");
}

TEST(NginxError, ListsThatDoNotReadStayInTheMessage) {
  // A quote that never closes.
  SeenEvent e = one("2024/05/01 10:00:00 [error] 1#1: *1 m, client: 1.2.3.4, request: \"GET /");
  EXPECT_FALSE(e.has("client"));
  EXPECT_EQ(e.get("message"), "m, client: 1.2.3.4, request: \"GET /");
  // Not "key: value" after a comma.
  e = one("2024/05/01 10:00:00 [error] 1#1: m, client: 1.2.3.4, Oops");
  EXPECT_EQ(e.get("message"), "m, client: 1.2.3.4, Oops");
  // The same known key twice is no list: the list starts at the second.
  e = one("2024/05/01 10:00:00 [error] 1#1: m, client: 1.2.3.4, client: 5.6.7.8");
  EXPECT_EQ(e.get("client"), "5.6.7.8");
  EXPECT_EQ(e.get("message"), "m, client: 1.2.3.4");
  // Unknown keys are kept under their own names.
  e = one("2024/05/01 10:00:00 [error] 1#1: m, client: 1.2.3.4, new-key: \"v\"");
  EXPECT_EQ(e.get("new_key"), "v");
  EXPECT_EQ(e.get("message"), "m");
}

TEST(NginxError, HeaderVariants) {
  // No pid#tid, no connection: the message starts after the level.
  SeenEvent e = one("2024/05/01 10:00:00 [error] something");
  EXPECT_FALSE(e.has("pid"));
  EXPECT_EQ(e.get("message"), "something");
  e = one("2024/05/01 10:00:00 [debug] 12#0: *7abc x");
  EXPECT_EQ(e.get("tid"), "0");
  EXPECT_FALSE(e.has("connection_id"));
  EXPECT_EQ(e.get("message"), "*7abc x");
  // A level nginx does not write is still a level.
  e = one("2024/05/01 10:00:00 [stderr] 12#0: x");
  EXPECT_EQ(e.get("level"), "stderr");
}

TEST(NginxError, BadTimesAreRejected) {
  Parsed p = parse(
      "2023/02/29 10:00:00 [error] 1#1: not a leap year\n"
      "2024/13/01 10:00:00 [error] 1#1: no month 13\n"
      "2024/05/01 10:61:00 [error] 1#1: minute 61\n"
      "2024/05/01 10:00:00 [error] 1#1: fine\n");
  ASSERT_EQ(p.issues.size(), 3u);
  EXPECT_EQ(p.issues[0].reason, "no such day in the month; line skipped");
  EXPECT_EQ(p.issues[1].reason, "no such month; line skipped");
  EXPECT_EQ(p.issues[2].line, 3u);
  ASSERT_EQ(p.events.size(), 1u);
}

TEST(NginxError, InvalidUtf8CrlfAndHostileLines) {
  std::string text = "2024/05/01 10:00:00 [error] 1#1: *1 bad \xc3\x28 byte, client: 1.2.3.4\r\n";
  // Many ", client: " that never read as a list: bounded work.
  std::string hostile = "2024/05/01 10:00:01 [error] 1#1: ";
  for (int i = 0; i < 50'000; ++i) hostile += ", client: \"x";
  text += hostile + "\n";
  text += "2024/05/01 10:00:02 [error] 1#1: " + std::string(900'000, '"') + "\n";
  Parsed p = parse(text);
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].reason, "invalid UTF-8 replaced by U+FFFD; line read");
  ASSERT_EQ(p.events.size(), 3u);
  EXPECT_EQ(p.events[0].get("message"), "bad \xef\xbf\xbd( byte");
  EXPECT_EQ(p.events[0].get("client"), "1.2.3.4");
  EXPECT_EQ(p.events[1].get("message").size(), hostile.size() - 33);
  EXPECT_FALSE(p.events[1].has("client"));
}

// Unknown keys are bounded per block, so what is dropped does not depend on
// which parser (thread) read which blocks before.
TEST(NginxError, UnknownKeysBoundedPerBlock) {
  std::string block;
  for (size_t i = 0; i <= limits::kJsonMaxFieldNamesPerBlock; ++i) {
    block += "2024/05/01 10:00:00 [error] 1#1: m, client: 1.2.3.4, k" + std::to_string(i) + ": v\n";
  }
  FieldNames names;
  FileFacts facts;
  auto context = nginx_error_format().open(block, facts, {}, names);
  ASSERT_TRUE(context.ok());
  auto parser = nginx_error_format().parser(context.value(), names);
  for (int round = 0; round < 2; ++round) {  // the same parser, a second block
    Parsed p;
    testing::CollectingSink sink(p, names);
    parser->parse(block, 0, 0, sink);
    ASSERT_EQ(p.events.size(), limits::kJsonMaxFieldNamesPerBlock + 1);
    EXPECT_EQ(p.events[0].get("k0"), "v");
    const std::string last_key =
        std::string("k").append(std::to_string(limits::kJsonMaxFieldNamesPerBlock));
    EXPECT_FALSE(p.events.back().has(last_key));
    ASSERT_EQ(p.issues.size(), 1u) << "round " << round;
    EXPECT_EQ(p.issues[0].line, limits::kJsonMaxFieldNamesPerBlock + 1);
    // Half the block: every key fits.
    Parsed half;
    testing::CollectingSink half_sink(half, names);
    parser->parse(std::string_view(block).substr(0, block.size() / 2), 0, 0, half_sink);
    EXPECT_TRUE(half.issues.empty());
  }
}

}  // namespace
}  // namespace vigil::read
