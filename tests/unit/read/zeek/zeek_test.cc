#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "../web/reader_harness.h"
#include "vigil/read/zeek/zeek.h"

namespace vigil::read {
namespace {

using testing::fixture;
using testing::parse_text;
using testing::Parsed;
using testing::slurp;

TEST(ZeekTsv, ConnFieldsExactly) {
  const Parsed p = parse_text(zeek_format(), slurp(fixture("zeek/conn.log")), {}, "logs/x.log");
  ASSERT_TRUE(p.open_error.empty()) << p.open_error;
  ASSERT_EQ(p.events.size(), 4u);
  ASSERT_EQ(p.issues.size(), 1u) << testing::issues_text(p.issues);
  EXPECT_EQ(p.issues[0].line, 12u);
  EXPECT_EQ(p.issues[0].reason, "3 columns; #fields names 21");

  const auto& e = p.events[0];
  EXPECT_EQ(e.get("_source_format"), "zeek");
  EXPECT_EQ(e.get("_path"), "conn");  // #path wins over the file name
  EXPECT_EQ(e.time(), "2024-03-01T10:00:00.123Z");
  EXPECT_EQ(e.timestamp.ticks % 10'000'000, 1'234'560);
  EXPECT_EQ(e.get("ts"), "1709287200.123456");
  EXPECT_EQ(e.get("uid"), "CAbc123");
  EXPECT_EQ(e.get("id.orig_h"), "192.168.1.10");
  EXPECT_EQ(e.get("id.resp_p"), "443");
  EXPECT_EQ(e.get("service"), "ssl");
  EXPECT_EQ(e.get("local_orig"), "true");
  EXPECT_EQ(e.get("local_resp"), "false");
  EXPECT_EQ(e.get("history"), "ShADadFf");
  EXPECT_TRUE(e.has("tunnel_parents"));  // (empty): an empty set
  EXPECT_EQ(e.get("tunnel_parents"), "");
  EXPECT_EQ(e.source.record_id, 9u);

  const auto& v6 = p.events[1];
  EXPECT_EQ(v6.get("id.orig_h"), "2001:db8::1");
  EXPECT_EQ(v6.get("id.resp_h"), "ff02::fb");
  EXPECT_FALSE(v6.has("duration"));  // '-': unset
  EXPECT_FALSE(v6.has("orig_bytes"));
  EXPECT_FALSE(v6.has("tunnel_parents"));

  EXPECT_EQ(p.events[2].get("tunnel_parents"), "Ctun1,Ctun2");
  EXPECT_EQ(p.events[2].time(), "2024-03-01T10:00:02.500Z");
  // CRLF line: the last column has no '\r'.
  EXPECT_EQ(p.events[3].get("uid"), "Ccrlf");
  EXPECT_EQ(p.events[3].get("tunnel_parents"), "");
}

TEST(ZeekTsv, EscapesAndTypes) {
  const Parsed p = parse_text(zeek_format(), slurp(fixture("zeek/http.log")));
  ASSERT_EQ(p.events.size(), 3u);
  EXPECT_TRUE(p.issues.empty()) << testing::issues_text(p.issues);
  // \x09 is the separator escaped, "\\" a backslash; an unknown escape is kept.
  EXPECT_EQ(p.events[0].get("uri"), "/search?q=a\tb&r=\\srv\\share");
  EXPECT_EQ(p.events[0].get("orig_mime_types"), "text/html,application/json");
  EXPECT_EQ(p.events[0].get("status_code"), "200");
  EXPECT_EQ(p.events[0].get("tags"), "");
  EXPECT_FALSE(p.events[0].has("username"));
  // Bytes Zeek will not print stay "\xHH" (as its JSON writer has them);
  // printable ones are decoded.
  EXPECT_EQ(p.events[2].get("uri"), "/x\\x00\\xff-");
  EXPECT_EQ(p.events[2].get("username"), "caf\\xc3\\xa9");
  EXPECT_FALSE(p.events[2].has("user_agent"));
}

TEST(ZeekTsv, HeaderChangeAndHostileLines) {
  std::string text = slurp(fixture("zeek/rdp.log"));
  text += "#fields\tts\tuid\tother\n";
  text += "1709287602.000000\tCRdp3\t10.1.1.42\t51002\t10.1.1.40\t3389\tx\tOK\tRDP\n";
  text += "not-a-time\tCRdp4\t10.1.1.42\t51002\t10.1.1.40\t3389\tx\tOK\tRDP\n";
  text += "-\tCRdp5\t10.1.1.42\t51002\t10.1.1.40\t3389\tx\tOK\t\xff\xfe\n";
  text += std::string("\x00\x01\x02", 3) + "\n";
  const Parsed p = parse_text(zeek_format(), text);
  ASSERT_EQ(p.events.size(), 4u);
  EXPECT_EQ(p.events[2].get("uid"), "CRdp3");
  // No ts: the #open time; invalid UTF-8 repaired.
  EXPECT_EQ(p.events[3].time(), "2024-03-01T10:00:00.000Z");
  EXPECT_EQ(p.events[3].get("security_protocol"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  ASSERT_EQ(p.issues.size(), 4u) << testing::issues_text(p.issues);
  EXPECT_NE(p.issues[0].reason.find("#fields header unlike"), std::string::npos);
  EXPECT_NE(p.issues[1].reason.find("is not Unix seconds"), std::string::npos);
  EXPECT_NE(p.issues[2].reason.find("UTF-8"), std::string::npos);
  EXPECT_EQ(p.issues[3].reason, "1 columns; #fields names 9");
}

TEST(ZeekTsv, HeaderErrors) {
  const Parsed p = parse_text(zeek_format(), "#separator \\x09\n#path\tconn\n1\t2\n");
  EXPECT_NE(p.open_error.find("#fields"), std::string::npos) << p.open_error;
  // Another separator, written escaped.
  const Parsed comma = parse_text(zeek_format(),
                                  "#separator \\x2c\n#fields,ts,uid\n#types,time,string\n"
                                  "1.5,Cx\n");
  ASSERT_EQ(comma.events.size(), 1u);
  EXPECT_EQ(comma.events[0].get("uid"), "Cx");
  EXPECT_EQ(comma.events[0].time(), "1970-01-01T00:00:01.500Z");
}

TEST(ZeekJson, FieldsExactly) {
  const Parsed p = parse_text(zeek_format(), slurp(fixture("zeek/http.json")), {}, "http.json");
  ASSERT_TRUE(p.open_error.empty()) << p.open_error;
  ASSERT_EQ(p.events.size(), 3u);
  const auto& e = p.events[0];
  EXPECT_EQ(e.get("_source_format"), "zeek");
  EXPECT_EQ(e.get("_path"), "http");
  EXPECT_EQ(e.count("_path"), 1u);
  EXPECT_EQ(e.time(), "2024-03-01T10:05:00.123Z");
  EXPECT_EQ(e.get("ts"), "2024-03-01T10:05:00.123456Z");
  EXPECT_EQ(e.get("id.resp_p"), "80");
  EXPECT_EQ(e.get("method"), "PUT");
  EXPECT_EQ(e.get("user_agent"), "Microsoft-WebDAV-MiniRedir/10.0.19041");
  EXPECT_EQ(e.get("tags"), "");
  EXPECT_EQ(e.get("resp_mime_types"), "text/html,text/plain");
  EXPECT_FALSE(e.has("proxied"));  // null: unset
  EXPECT_EQ(e.get("rtt"), "0.0008699893951416016");
  EXPECT_EQ(e.get("TTLs"), "2230.0,41830.0");
  EXPECT_EQ(e.get("ok"), "true");
  EXPECT_EQ(e.source.record_id, 1u);

  // Epoch ts, nested id flattened, escapes and non-ASCII decoded.
  const auto& n = p.events[1];
  EXPECT_EQ(n.time(), "2024-03-01T10:05:01.500Z");
  EXPECT_EQ(n.get("id.orig_h"), "2001:db8::5");
  EXPECT_EQ(n.get("id.resp_p"), "8080");
  EXPECT_EQ(n.get("host"), "caf\xC3\xA9.example");
  EXPECT_EQ(n.get("uri"), "/a\"b\\c?x=1");
  EXPECT_EQ(n.get("user_agent"), "Mozilla/5.0 \"quoted\"");

  const auto& deep = p.events[2];
  EXPECT_EQ(deep.get("deep.a.b"), "1,{\"c\":2},[3,4]");

  // Not JSON, a bad ts, an unterminated object, an array, trailing text.
  ASSERT_EQ(p.issues.size(), 5u) << testing::issues_text(p.issues);
  EXPECT_EQ(p.issues[0].line, 5u);
  EXPECT_EQ(p.issues[0].reason, "not a JSON object");
  EXPECT_NE(p.issues[1].reason.find("is not a time"), std::string::npos);
  EXPECT_NE(p.issues[2].reason.find("not valid JSON"), std::string::npos);
  EXPECT_EQ(p.issues[3].reason, "not a JSON object");
  EXPECT_NE(p.issues[4].reason.find("not valid JSON"), std::string::npos);
}

TEST(ZeekJson, PathFromTheFileName) {
  const std::string x509 = slurp(fixture("zeek/x509.json"));
  const Parsed p = parse_text(zeek_format(), x509, {}, "/var/log/zeek/x509.2024-03-01.log.gz");
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].get("_path"), "x509");
  EXPECT_EQ(p.events[0].get("certificate.serial"), "8BB00EE");
  EXPECT_EQ(p.events[0].get("san.dns"), "a.example,b.example");
  EXPECT_EQ(p.events[0].time(), "2024-03-01T10:08:20.250Z");
  const Parsed unnamed = parse_text(zeek_format(), x509, {}, "-");
  ASSERT_EQ(unnamed.events.size(), 1u);
  EXPECT_FALSE(unnamed.events[0].has("_path"));
}

TEST(ZeekFormat, Recognition) {
  EXPECT_EQ(zeek_format().sniff(slurp(fixture("zeek/conn.log")), "x"), 95);
  const std::string json = slurp(fixture("zeek/http.json"));
  EXPECT_EQ(zeek_format().sniff(json.substr(0, json.find("\n\n") + 1), "x"), 80);
  EXPECT_EQ(zeek_format().sniff(json, "x"), 40);  // half its lines are broken
  EXPECT_EQ(zeek_format().sniff(slurp(fixture("zeek/dce_rpc.json")), "x"), 80);
  // ts without Zeek's keys: Zeek only when the file is named like a Zeek log.
  const std::string x509 = slurp(fixture("zeek/x509.json"));
  EXPECT_EQ(zeek_format().sniff(x509, "x509.log"), 80);
  EXPECT_EQ(zeek_format().sniff(x509, "export.json"), 0);
  EXPECT_EQ(zeek_format().sniff("{\"user\":\"bob\",\"action\":\"login\"}\n", "x.json"), 0);
  EXPECT_EQ(zeek_format().sniff(slurp(fixture("web/combined.log")), "x"), 0);
  EXPECT_EQ(zeek_format().sniff("", "conn.log"), 0);
}

// Every sample of the shared corpus, TSV and JSON, read as a run reads it:
// recognised as Zeek, no line rejected, one event per record.
TEST(ZeekFormat, SharedCorpusSamples) {
  const std::string root = testing::shared_dir() + "/corpus/logs/zeek_wrccdc2018";
  if (!std::filesystem::exists(root)) GTEST_SKIP() << "no shared corpus at " << root;
  size_t files = 0, events = 0;
  std::map<std::string, size_t> per_log[2];
  int side = 0;
  for (const char* folder : {"zeek-default", "zeek-json"}) {
    std::vector<std::string> paths;
    for (const auto& entry : std::filesystem::directory_iterator(root + "/" + folder)) {
      paths.push_back(entry.path().string());
    }
    std::sort(paths.begin(), paths.end());
    for (const std::string& path : paths) {
      FieldNames names;
      const auto r = testing::read_file(path, names);
      ASSERT_TRUE(r.error.empty()) << path << ": " << r.error;
      EXPECT_EQ(r.format, &zeek_format()) << path;
      EXPECT_TRUE(r.issues.empty()) << path << "\n" << testing::issues_text(r.issues);
      ASSERT_FALSE(r.events.empty()) << path;
      const std::string stem = std::filesystem::path(path).filename().string();
      const std::string log = stem.substr(0, stem.find('.'));
      for (const auto& e : r.events) {
        ASSERT_EQ(e.get("_path"), log) << path;
        ASSERT_TRUE(e.timestamp.is_set()) << path << ":" << e.source.record_id;
      }
      ++files;
      events += r.events.size();
      per_log[side][log] = r.events.size();
    }
    ++side;
  }
  EXPECT_EQ(files, 64u);
  // Both encodings hold the same records.
  EXPECT_EQ(per_log[0], per_log[1]);
  std::printf("zeek corpus: %zu files, %zu events\n", files, events);
}

}  // namespace
}  // namespace vigil::read
