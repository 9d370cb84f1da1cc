// Error logs as a run reads them: recognition among every compiled-in
// format, blocks, the parallel scan; loghub's Apache sample.

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "../web/reader_harness.h"
#include "vigil/read/weberror/weberror.h"

namespace vigil::read {
namespace {

using testing::fixture;
using testing::slurp;

std::string whole_head(const std::string& path) {
  return slurp(path).substr(0, limits::kTextHeadBytes);
}

TEST(WebErrorFiles, Recognition) {
  for (const char* name : {"weberror/apache22_error.log", "weberror/apache24_error.log",
                           "weberror/apache_crash.log"}) {
    const std::string path = fixture(name);
    EXPECT_GE(apache_error_format().sniff(whole_head(path), path), 75) << name;
    EXPECT_EQ(nginx_error_format().sniff(whole_head(path), path), 0) << name;
    EXPECT_EQ(recognise(formats(), whole_head(path), path), &apache_error_format()) << name;
  }
  const std::string nginx = fixture("weberror/nginx_error.log");
  EXPECT_EQ(nginx_error_format().sniff(whole_head(nginx), nginx), 90);
  EXPECT_EQ(apache_error_format().sniff(whole_head(nginx), nginx), 0);
  EXPECT_EQ(recognise(formats(), whole_head(nginx), nginx), &nginx_error_format());

  // Neither claims the other formats' logs.
  for (const char* name :
       {"syslog/auth.log", "syslog/secure", "syslog/syslog", "syslog/rfc5424.log",
        "auditd/process.log", "web/combined.log", "web/common.log", "web/vhost_combined.log",
        "web/attacks.log", "web/squid_access.log", "json/winlogbeat_sysmon.jsonl",
        "json/cloudtrail.json", "json/evtx_dump_sysmon_pretty.json", "zeek/conn.log",
        "zeek/http.json"}) {
    const std::string path = fixture(name);
    if (!std::filesystem::exists(path)) continue;
    EXPECT_EQ(apache_error_format().sniff(whole_head(path), path), 0) << name;
    EXPECT_EQ(nginx_error_format().sniff(whole_head(path), path), 0) << name;
  }
  EXPECT_EQ(apache_error_format().sniff("", "x.log"), 0);
  EXPECT_EQ(nginx_error_format().sniff("\n\n", "x.log"), 0);
  // Mostly stderr of other programs, a few header lines: still recognised,
  // less surely.
  const std::string mixed =
      "[Sun Dec 04 04:47:44 2005] [error] a\nx\ny\nz\n[Sun Dec 04 04:47:45 2005] [error] b\n";
  EXPECT_EQ(apache_error_format().sniff(mixed, "error_log"), 50);
  // A time and a bracketed word is not enough.
  EXPECT_EQ(apache_error_format().sniff("[Sun Dec 04 04:47:44 2005] hello\n", "x"), 0);
  EXPECT_EQ(nginx_error_format().sniff("2024/05/01 10:00:00 [error] hello\n", "x"), 0);
}

TEST(WebErrorFiles, FixturesThroughTheDriver) {
  FieldNames names;
  for (const char* name :
       {"weberror/apache22_error.log", "weberror/apache24_error.log", "weberror/nginx_error.log"}) {
    auto r = testing::read_file(fixture(name), names);
    ASSERT_TRUE(r.error.empty()) << r.error;
    EXPECT_TRUE(r.issues.empty()) << testing::issues_text(r.issues);
    EXPECT_FALSE(r.events.empty());
    for (const auto& e : r.events) EXPECT_TRUE(e.has("message"));
  }
  auto r = testing::read_file(fixture("weberror/nginx_error.log"), names);
  ASSERT_EQ(r.events.size(), 11u);
  EXPECT_EQ(r.events[10].source.record_id, 11u);
  EXPECT_EQ(r.events[10].get("_source_format"), "nginx-error");
}

// loghub's Apache sample is a 2.2 error log (CRLF line ends): every line
// reads, with the level and message loghub's structured copy gives.
TEST(WebErrorFiles, LoghubApacheSample) {
  const std::string dir = testing::shared_dir() + "/corpus/logs/loghub/Apache";
  const std::string path = dir + "/Apache_2k.log";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  FieldNames names;
  auto r = testing::read_file(path, names);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.format, &apache_error_format());
  EXPECT_TRUE(r.issues.empty()) << testing::issues_text(r.issues);
  ASSERT_EQ(r.events.size(), 2000u);
  size_t notices = 0, errors = 0, clients = 0;
  for (const auto& e : r.events) {
    EXPECT_TRUE(e.timestamp.is_set());
    EXPECT_FALSE(e.has("headerless"));
    notices += e.get("level") == "notice";
    errors += e.get("level") == "error";
    clients += e.has("client_ip");
  }
  EXPECT_EQ(notices, 1405u);
  EXPECT_EQ(errors, 595u);
  EXPECT_EQ(clients, 32u);
  EXPECT_EQ(r.events[0].time(), "2005-12-04T04:47:44.000Z");
  EXPECT_EQ(r.events[0].get("message"), "workerEnv.init() ok /etc/httpd/conf/workers2.properties");
  EXPECT_EQ(r.events[1].get("message"), "mod_jk child workerEnv in error state 6");

  // The structured copy: LineId,Time,Level,Content,... with Content quoted
  // when it holds a comma.
  const std::string csv = slurp(dir + "/Apache_2k.log_structured.csv");
  if (csv.empty()) return;
  size_t pos = csv.find('\n') + 1, checked = 0;
  while (pos < csv.size()) {
    size_t end = csv.find('\n', pos);
    if (end == std::string::npos) end = csv.size();
    std::string row = csv.substr(pos, end - pos);
    pos = end + 1;
    if (!row.empty() && row.back() == '\r') row.pop_back();
    const size_t c1 = row.find(','), c2 = row.find(',', c1 + 1), c3 = row.find(',', c2 + 1);
    const size_t line = std::stoul(row.substr(0, c1));
    const std::string level = row.substr(c2 + 1, c3 - c2 - 1);
    ASSERT_LE(line, r.events.size());
    EXPECT_EQ(r.events[line - 1].get("level"), level) << "line " << line;
    ++checked;
  }
  EXPECT_EQ(checked, 2000u);
}

}  // namespace
}  // namespace vigil::read
