#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "reader_harness.h"
#include "vigil/read/web/web.h"

namespace vigil::read {
namespace {

using testing::fixture;
using testing::parse_text;
using testing::Parsed;
using testing::slurp;

TEST(WebFormat, CombinedFieldsExactly) {
  const Parsed p = parse_text(web_format(), slurp(fixture("web/combined.log")));
  ASSERT_TRUE(p.open_error.empty()) << p.open_error;
  ASSERT_EQ(p.events.size(), 12u);
  ASSERT_EQ(p.issues.size(), 1u) << testing::issues_text(p.issues);
  EXPECT_EQ(p.issues[0].line, 12u);
  EXPECT_NE(p.issues[0].reason.find("not an access log line"), std::string::npos);

  const auto& e = p.events[0];
  EXPECT_EQ(e.get("_source_format"), "webserver");
  EXPECT_EQ(e.get("c-ip"), "127.0.0.1");
  EXPECT_FALSE(e.has("c-ident"));
  EXPECT_EQ(e.get("cs-username"), "frank");
  EXPECT_EQ(e.time(), "2000-10-10T20:55:36.000Z");
  EXPECT_EQ(e.get("date"), "2000-10-10");
  EXPECT_EQ(e.get("time"), "20:55:36");
  EXPECT_EQ(e.get("cs-method"), "GET");
  EXPECT_EQ(e.get("cs-uri"), "/apache_pb.gif");
  EXPECT_EQ(e.get("cs-uri-stem"), "/apache_pb.gif");
  EXPECT_FALSE(e.has("cs-uri-query"));
  EXPECT_EQ(e.get("cs-version"), "HTTP/1.0");
  EXPECT_EQ(e.get("sc-status"), "200");
  EXPECT_EQ(e.get("sc-bytes"), "2326");
  EXPECT_EQ(e.get("cs-referer"), "http://www.example.com/start.html");
  EXPECT_EQ(e.get("cs-user-agent"), "Mozilla/4.08 [en] (Win98; I ;Nav)");
  EXPECT_FALSE(e.has("extra"));
  EXPECT_EQ(e.source.record_id, 1u);
  EXPECT_EQ(e.source.offset, 0u);

  // IPv6 client, query without its '?', '-' referer left out.
  const auto& v6 = p.events[1];
  EXPECT_EQ(v6.get("c-ip"), "2001:db8::42");
  EXPECT_EQ(v6.get("cs-uri"), "/search?q=a%20b&lang=en");
  EXPECT_EQ(v6.get("cs-uri-stem"), "/search");
  EXPECT_EQ(v6.get("cs-uri-query"), "q=a%20b&lang=en");
  EXPECT_FALSE(v6.has("cs-referer"));
  EXPECT_FALSE(v6.has("cs-username"));
  EXPECT_EQ(v6.source.record_id, 2u);

  // Time zone applied; '-' bytes left out.
  const auto& post = p.events[2];
  EXPECT_EQ(post.get("c-ip"), "::1");
  EXPECT_EQ(post.time(), "2024-02-29T23:00:02.000Z");
  EXPECT_EQ(post.get("date"), "2024-02-29");
  EXPECT_EQ(post.get("cs-method"), "POST");
  EXPECT_EQ(post.get("cs-version"), "HTTP/2.0");
  EXPECT_FALSE(post.has("sc-bytes"));

  // Escaped quotes and backslashes, a non-ASCII user.
  const auto& esc = p.events[3];
  EXPECT_EQ(esc.get("cs-username"), "jos\xC3\xA9");
  EXPECT_EQ(esc.get("cs-uri"), "/a\"b\\c?x=\"1\"");
  EXPECT_EQ(esc.get("cs-uri-stem"), "/a\"b\\c");
  EXPECT_EQ(esc.get("cs-uri-query"), "x=\"1\"");
  EXPECT_EQ(esc.get("cs-user-agent"), "Agent with \"quotes\" inside");
  EXPECT_EQ(esc.get("sc-status"), "404");

  // A TLS handshake sent to port 80: kept whole and flagged.
  const auto& tls = p.events[4];
  EXPECT_EQ(tls.get("cs-uri"), "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03");
  EXPECT_EQ(tls.get("x-request-malformed"), "true");
  EXPECT_FALSE(tls.has("cs-method"));
  EXPECT_FALSE(tls.has("cs-uri-stem"));
  EXPECT_EQ(tls.get("sc-status"), "400");

  // No request at all (408): no request fields.
  const auto& timeout = p.events[5];
  EXPECT_FALSE(timeout.has("cs-uri"));
  EXPECT_FALSE(timeout.has("x-request-malformed"));
  EXPECT_EQ(timeout.get("sc-status"), "408");

  // Empty quoted values are kept empty.
  const auto& empty = p.events[6];
  EXPECT_TRUE(empty.has("cs-user-agent"));
  EXPECT_EQ(empty.get("cs-user-agent"), "");
  EXPECT_EQ(empty.get("cs-referer"), "");
  EXPECT_EQ(empty.get("sc-bytes"), "0");

  // Nginx "main": the trailing X-Forwarded-For is kept as extra.
  EXPECT_EQ(p.events[7].get("extra"), "\"10.1.2.3\"");
  EXPECT_EQ(p.events[7].get("cs-user-agent"), "Mozilla/5.0");

  // HTTP/0.9 request line: no version.
  EXPECT_EQ(p.events[8].get("cs-uri"), "/old");
  EXPECT_FALSE(p.events[8].has("cs-version"));
  // A space inside the URI (scanners send them).
  EXPECT_EQ(p.events[9].get("cs-uri-stem"), "/with space/x.php");
  EXPECT_EQ(p.events[9].get("cs-version"), "HTTP/1.1");
  // CRLF line end.
  EXPECT_EQ(p.events[10].get("cs-user-agent"), "CRLF/1.0");
  // Empty path before the query.
  EXPECT_EQ(p.events[11].get("cs-uri-stem"), "/");
  EXPECT_EQ(p.events[11].get("cs-uri-query"), "only-query");
  EXPECT_EQ(p.events[11].source.record_id, 13u);
}

TEST(WebFormat, CommonAndVhostLayouts) {
  const Parsed common = parse_text(web_format(), slurp(fixture("web/common.log")));
  ASSERT_EQ(common.events.size(), 3u);
  EXPECT_TRUE(common.issues.empty()) << testing::issues_text(common.issues);
  EXPECT_EQ(common.events[1].get("cs-username"), "alice");
  EXPECT_EQ(common.events[1].get("sc-status"), "401");
  EXPECT_FALSE(common.events[1].has("cs-user-agent"));
  EXPECT_EQ(common.events[2].get("cs-method"), "HEAD");
  EXPECT_FALSE(common.events[2].has("sc-bytes"));

  const Parsed vhost = parse_text(web_format(), slurp(fixture("web/vhost_combined.log")));
  ASSERT_EQ(vhost.events.size(), 2u);
  EXPECT_TRUE(vhost.issues.empty()) << testing::issues_text(vhost.issues);
  EXPECT_EQ(vhost.events[0].get("s-sitename"), "www.example.com");
  EXPECT_EQ(vhost.events[0].get("cs-host"), "www.example.com");
  EXPECT_EQ(vhost.events[0].get("s-port"), "443");
  EXPECT_EQ(vhost.events[0].get("c-ip"), "192.0.2.10");
  EXPECT_EQ(vhost.events[0].get("sc-bytes"), "5123");
  EXPECT_EQ(vhost.events[1].get("c-ip"), "2001:db8::7");
  EXPECT_EQ(vhost.events[1].get("cs-uri-query"), "id=3");
}

TEST(WebFormat, MixedLayoutsInOneFile) {
  const std::string text =
      "10.0.0.1 - - [24/Mar/2018:17:15:20 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"A\"\n"
      "10.0.0.1 - - [24/Mar/2018:17:15:21 +0000] \"GET /b HTTP/1.1\" 200 1\n"
      "v.example:80 10.0.0.1 - - [24/Mar/2018:17:15:22 +0000] \"GET /c HTTP/1.1\" 200 1 \"-\" "
      "\"B\"\n";
  const Parsed p = parse_text(web_format(), text);
  ASSERT_EQ(p.events.size(), 3u);
  EXPECT_EQ(p.events[0].get("cs-user-agent"), "A");
  EXPECT_EQ(p.events[1].get("cs-uri"), "/b");
  EXPECT_EQ(p.events[2].get("s-sitename"), "v.example");
  EXPECT_EQ(p.events[2].get("cs-user-agent"), "B");
}

TEST(WebFormat, UserFormat) {
  ReadOptions options;
  options.web_format =
      R"(%a %{X-Real-IP}i %t %m %U%q %H %>s %B %D %T %v %p "%{User-agent}i" "%{Cookie}i")";
  const std::string text =
      "192.0.2.9 10.9.9.9 [01/Jan/2024:00:00:00 +0000] GET /x.php?a=1 HTTP/1.1 500 77 1234 0 "
      "site.example 8443 \"Wget/1.21\" \"sid=abc\"\n"
      "192.0.2.9 - [01/Jan/2024:00:00:01 +0000] GET /y HTTP/1.1 200 5 10 1 site.example 8443 "
      "\"-\" \"-\"\n"
      "192.0.2.9 - [01/Jan/2024:00:00:01 +0000] GET\n"
      "10.0.0.1 - - [24/Mar/2018:17:15:20 +0000] \"GET /combined HTTP/1.1\" 200 1 \"-\" \"A\"\n";
  const Parsed p = parse_text(web_format(), text, options);
  ASSERT_TRUE(p.open_error.empty()) << p.open_error;
  ASSERT_EQ(p.events.size(), 3u);
  // Lines of the built-in layouts are still read after the user's.
  EXPECT_EQ(p.events[2].get("cs-uri"), "/combined");
  EXPECT_EQ(p.events[2].get("cs-user-agent"), "A");
  const auto& e = p.events[0];
  EXPECT_EQ(e.get("c-ip"), "192.0.2.9");
  EXPECT_EQ(e.get("cs-x-real-ip"), "10.9.9.9");
  EXPECT_EQ(e.get("cs-method"), "GET");
  EXPECT_EQ(e.get("cs-uri-stem"), "/x.php");
  EXPECT_EQ(e.get("cs-uri-query"), "a=1");
  EXPECT_EQ(e.get("cs-version"), "HTTP/1.1");
  EXPECT_EQ(e.get("sc-status"), "500");
  EXPECT_EQ(e.get("sc-bytes"), "77");
  EXPECT_EQ(e.get("time-taken-us"), "1234");
  EXPECT_EQ(e.get("time-taken-s"), "0");
  EXPECT_EQ(e.get("s-sitename"), "site.example");
  EXPECT_EQ(e.get("cs-host"), "site.example");
  EXPECT_EQ(e.get("s-port"), "8443");
  EXPECT_EQ(e.get("cs-user-agent"), "Wget/1.21");
  EXPECT_EQ(e.get("cs-cookie"), "sid=abc");
  EXPECT_EQ(p.events[1].get("cs-uri-stem"), "/y");
  EXPECT_FALSE(p.events[1].has("cs-uri-query"));
  EXPECT_FALSE(p.events[1].has("cs-user-agent"));
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].line, 3u);
  EXPECT_NE(p.issues[0].reason.find("does not match the web format"), std::string::npos);
}

TEST(WebFormat, UserFormatErrors) {
  for (const char* bad : {"%h %l %u %t %Z", "%h%l %t", "%h %{Referer", "%h %l %u", "%h %{}i %t",
                          "%h %{%d/%m}t"}) {
    ReadOptions options;
    options.web_format = bad;
    const Parsed p = parse_text(web_format(), "x\n", options);
    EXPECT_FALSE(p.open_error.empty()) << bad;
    EXPECT_NE(p.open_error.find("web format"), std::string::npos) << p.open_error;
  }
}

TEST(WebFormat, HostileLines) {
  std::string text =
      "10.0.0.1 - - [24/Mar/2018:17:15:20 +0000] \"GET /\xff\xfe HTTP/1.1\" 200 1 \"-\" \"A\"\n";
  text += std::string("\x00\x01\x02\x89PNG\r\n\x1a\n", 11);
  text += "10.0.0.1 - - [24/Mar/2018:17:15:20 +0000] \"GET /" + std::string(200000, 'A') +
          " HTTP/1.1\" 200 1 \"-\" \"" + std::string(300000, '\\') + "\"\n";
  text += "10.0.0.1 - - [99/Foo/2018:17:15:20 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"A\"\n";
  text += "10.0.0.1 - - [24/Mar/2018:17:15:20 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"unterminated\n";
  text += "10.0.0.1 - - [24/Mar/2018:17:15:20 +0000] \"GET / HTTP/1.1\" 2000 1 \"-\" \"A\"\n";
  const Parsed p = parse_text(web_format(), text);
  ASSERT_EQ(p.events.size(), 3u);
  EXPECT_EQ(p.events[0].get("cs-uri"), "/\xEF\xBF\xBD\xEF\xBF\xBD");
  // An even run of backslashes escapes itself, not the closing quote.
  EXPECT_EQ(p.events[1].get("cs-user-agent"), std::string(150000, '\\'));
  EXPECT_EQ(p.events[1].get("cs-uri-stem").size(), 200001u);
  // A combined line cut short in its agent still fits the common layout:
  // read, with what is left over kept.
  EXPECT_EQ(p.events[2].get("extra"), "\"-\" \"unterminated");
  EXPECT_FALSE(p.events[2].has("cs-user-agent"));
  // Invalid UTF-8 (reported, read), binary junk (two lines), a bad date, a
  // four-digit status.
  ASSERT_EQ(p.issues.size(), 5u) << testing::issues_text(p.issues);
  EXPECT_NE(p.issues[0].reason.find("UTF-8"), std::string::npos);
  EXPECT_EQ(p.issues[1].line, 2u);
  EXPECT_EQ(p.issues[2].line, 3u);
  EXPECT_NE(p.issues[3].reason.find("dd/Mon/yyyy"), std::string::npos) << p.issues[3].reason;
  EXPECT_NE(p.issues[4].reason.find("status"), std::string::npos) << p.issues[4].reason;
}

TEST(WebFormat, Recognition) {
  const std::string combined = slurp(fixture("web/combined.log"));
  const std::string squid = slurp(fixture("web/squid_access.log"));
  EXPECT_GE(web_format().sniff(combined, "access.log"), 80);
  EXPECT_GE(web_format().sniff(slurp(fixture("web/vhost_combined.log")), "x"), 80);
  EXPECT_EQ(web_format().sniff(squid, "access.log"), 0);
  EXPECT_EQ(squid_format().sniff(combined, "access.log"), 0);
  EXPECT_GE(squid_format().sniff(squid, "access.log"), 80);
  const std::string syslog =
      "Mar  2 10:00:00 web01 sshd[123]: Accepted password for bob from 10.0.0.1 port 22 ssh2\n"
      "Mar  2 10:00:01 web01 apache2: 10.0.0.1 - - [02/Mar/2024:10:00:01 +0000] \"GET / "
      "HTTP/1.1\" 200 1\n";
  EXPECT_EQ(web_format().sniff(syslog, "syslog"), 0);
  EXPECT_EQ(squid_format().sniff(syslog, "syslog"), 0);
  EXPECT_EQ(web_format().sniff("{\"ts\": 1}\n", "x.json"), 0);

  FieldNames names;
  auto r = testing::read_file(fixture("web/combined.log"), names);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.format, &web_format());
  auto s = testing::read_file(fixture("web/squid_access.log"), names);
  ASSERT_TRUE(s.error.empty()) << s.error;
  EXPECT_EQ(s.format, &squid_format());
}

TEST(WebFormat, ReadsAcrossBlocksInOrder) {
  // More than two 4 MiB blocks, read by two threads: every line once, in
  // order, with its line number in the file.
  const std::string path = ::testing::TempDir() + "/vigil_web_blocks.log";
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 90000; ++i) {
      out << "10.0.0." << i % 250 << " - - [24/Mar/2018:17:15:20 +0000] \"GET /p" << i
          << " HTTP/1.1\" 200 1 \"-\" \"agent with some words to make the line longer\"\n";
    }
  }
  FieldNames names;
  const auto r = testing::read_file(path, names);
  std::filesystem::remove(path);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.issues.empty()) << testing::issues_text(r.issues);
  ASSERT_EQ(r.events.size(), 90000u);
  for (size_t i = 0; i < r.events.size(); i += 997) {
    EXPECT_EQ(r.events[i].source.record_id, i + 1);
    EXPECT_EQ(r.events[i].get("cs-uri"), "/p" + std::to_string(i));
  }
  EXPECT_EQ(r.events.back().get("cs-uri"), "/p89999");
}

TEST(SquidFormat, NativeFieldsExactly) {
  const Parsed p = parse_text(squid_format(), slurp(fixture("web/squid_access.log")));
  ASSERT_EQ(p.events.size(), 5u);
  ASSERT_EQ(p.issues.size(), 1u) << testing::issues_text(p.issues);
  EXPECT_EQ(p.issues[0].line, 6u);
  EXPECT_NE(p.issues[0].reason.find("Squid's native log has 10"), std::string::npos);

  const auto& e = p.events[0];
  EXPECT_EQ(e.get("_source_format"), "proxy");
  EXPECT_EQ(e.time(), "2010-10-08T11:11:49.450Z");
  EXPECT_EQ(e.get("time-taken"), "0");
  EXPECT_EQ(e.get("src_ip"), "192.168.0.224");
  EXPECT_EQ(e.get("s-action"), "TCP_MISS");
  EXPECT_EQ(e.get("sc-status"), "200");
  EXPECT_EQ(e.get("sc-bytes"), "507");
  EXPECT_EQ(e.get("cs-method"), "GET");
  EXPECT_EQ(e.get("c-uri"), "http://www.google.com/");
  EXPECT_EQ(e.get("cs-host"), "www.google.com");
  EXPECT_EQ(e.get("c-uri-stem"), "/");
  EXPECT_FALSE(e.has("c-uri-query"));
  EXPECT_FALSE(e.has("c-uri-extension"));
  EXPECT_EQ(e.get("cs-uri"), "/");
  EXPECT_FALSE(e.has("cs-username"));
  EXPECT_EQ(e.get("s-hierarchy"), "DIRECT");
  EXPECT_EQ(e.get("dst_ip"), "74.125.67.100");
  EXPECT_EQ(e.get("sc-content-type"), "text/html");
  EXPECT_FALSE(e.has("c-useragent"));

  const auto& dl = p.events[1];
  EXPECT_EQ(dl.get("c-uri-stem"), "/downloads/setup.EXE");
  EXPECT_EQ(dl.get("c-uri-extension"), "EXE");
  EXPECT_EQ(dl.get("c-uri-query"), "v=2&x=1");
  EXPECT_EQ(dl.get("cs-uri"), "/downloads/setup.EXE?v=2&x=1");
  EXPECT_EQ(dl.get("time-taken"), "133");

  const auto& tunnel = p.events[2];
  EXPECT_EQ(tunnel.get("cs-method"), "CONNECT");
  EXPECT_EQ(tunnel.get("c-uri"), "login.example.net:443");
  EXPECT_EQ(tunnel.get("cs-host"), "login.example.net");
  EXPECT_FALSE(tunnel.has("c-uri-stem"));
  EXPECT_EQ(tunnel.get("cs-username"), "alice");
  EXPECT_EQ(tunnel.get("dst_ip"), "2001:db8::10");
  EXPECT_FALSE(tunnel.has("sc-content-type"));

  const auto& denied = p.events[3];
  EXPECT_EQ(denied.time(), "2010-10-08T11:11:51.500Z");
  EXPECT_EQ(denied.get("s-action"), "TCP_DENIED");
  EXPECT_EQ(denied.get("sc-status"), "403");
  EXPECT_EQ(denied.get("s-hierarchy"), "HIER_NONE");
  EXPECT_FALSE(denied.has("dst_ip"));
  EXPECT_EQ(denied.get("extra"), "extra tokens here");

  const auto& invalid = p.events[4];
  EXPECT_EQ(invalid.get("cs-method"), "NONE");
  EXPECT_EQ(invalid.get("c-uri"), "error:invalid-request");
}

TEST(SquidFormat, HostileLines) {
  std::string text = "1286536309.450 0 192.168.0.224 TCP_MISS/200 507 GET http://h/\xC3( - DIRECT/1.2.3.4 text/html\n";
  text += "abc 0 192.168.0.224 TCP_MISS/200 507 GET http://h/ - DIRECT/1.2.3.4 text/html\n";
  text += "1286536309.450 0 192.168.0.224 TCP_MISS 507 GET http://h/ - DIRECT/1.2.3.4 text/html\n";
  text += std::string(5000, ' ') + "\n";
  text += std::string("\x00\xff garbage\n", 11);
  const Parsed p = parse_text(squid_format(), text);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].get("c-uri"), "http://h/\xEF\xBF\xBD(");
  ASSERT_EQ(p.issues.size(), 4u) << testing::issues_text(p.issues);
  EXPECT_NE(p.issues[1].reason.find("Unix seconds"), std::string::npos);
  EXPECT_NE(p.issues[2].reason.find("ACTION/status"), std::string::npos);
}

}  // namespace
}  // namespace vigil::read
