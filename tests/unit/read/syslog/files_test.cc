// Whole files through the driver: our fixtures, recognition, and every
// syslog sample of the shared corpus (loghub's Linux and OpenSSH logs),
// checked against loghub's own labels. Corpus tests skip when ../shared is
// absent.

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "syslog_support.h"

namespace vigil::read {
namespace {

namespace fs = std::filesystem;
using testing::fixture;
using testing::get;
using testing::Parsed;
using testing::ParseResult;
using testing::read_file;
using testing::year;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(SyslogFiles, FixturesReadWhole) {
  const std::map<std::string, size_t> kLines = {
      {"auth.log", 50}, {"secure", 9}, {"syslog", 7}, {"rfc5424.log", 5}};
  for (const auto& [name, lines] : kLines) {
    const ParseResult r = read_file(fixture(name));
    ASSERT_TRUE(r.error.empty()) << name << ": " << r.error;
    EXPECT_EQ(r.events.size(), lines) << name;
    // rfc5424.log's last line has malformed structured data on purpose.
    EXPECT_EQ(r.issues.size(), name == "rfc5424.log" ? 1u : 0u) << name;
    // Line numbers and offsets lead back to the line.
    const std::string text = slurp(fixture(name));
    for (size_t i = 0; i < r.events.size(); ++i) {
      EXPECT_EQ(r.events[i].line, i + 1) << name;
      EXPECT_TRUE(r.events[i].offset == 0 || text[r.events[i].offset - 1] == '\n') << name;
    }
  }
  const ParseResult auth = read_file(fixture("auth.log"));
  ASSERT_EQ(auth.events.size(), 50u);
  EXPECT_EQ(auth.events[40].line, 41u);
  EXPECT_EQ(get(auth.events[40], "program"), "pkexec");
  EXPECT_EQ(auth.events[40].time, "2024-05-01T10:10:00.000000Z");
}

TEST(SyslogFiles, YearFromTheFileOrTheOption) {
  // The fixture's modification time depends on the checkout: with --year the
  // result does not.
  const ParseResult with_year = read_file(fixture("secure"), year(2021));
  ASSERT_FALSE(with_year.events.empty());
  EXPECT_EQ(with_year.events[0].time, "2021-05-01T11:00:00.000000Z");
  const ParseResult without = read_file(fixture("secure"), ReadOptions{});
  ASSERT_FALSE(without.events.empty());
  struct stat st {};
  ASSERT_EQ(::stat(fixture("secure").c_str(), &st), 0);
  const int64_t mtime = st.st_mtim.tv_sec;
  const int64_t mtime_year = to_civil(Timestamp::from_unix_seconds(mtime)).year;
  const std::string first = without.events[0].time;
  EXPECT_TRUE(first.starts_with(std::to_string(mtime_year) + "-05-01") ||
              first.starts_with(std::to_string(mtime_year - 1) + "-05-01"))
      << first;
}

TEST(SyslogSniff, RecognisesSyslogAndNothingElse) {
  const Format& f = syslog_format();
  EXPECT_GE(f.sniff(slurp(fixture("auth.log")), "auth.log"), 90);
  EXPECT_GE(f.sniff(slurp(fixture("secure")), "x"), 90);
  EXPECT_GE(f.sniff(slurp(fixture("syslog")), "x"), 90);
  EXPECT_GE(f.sniff(slurp(fixture("rfc5424.log")), "x"), 90);
  // The file name helps a little, never alone.
  EXPECT_GT(f.sniff(slurp(fixture("secure")), "/var/log/secure-20240501"),
            f.sniff(slurp(fixture("secure")), "x"));
  EXPECT_EQ(f.sniff("{\"a\": 1}\n{\"b\": 2}\n", "auth.log"), 0);
  EXPECT_EQ(f.sniff("type=SYSCALL msg=audit(1700000000.123:1): arch=c000003e syscall=59\n"
                    "type=EXECVE msg=audit(1700000000.123:1): argc=1 a0=\"id\"\n",
                    "audit.log"),
            0);
  EXPECT_EQ(f.sniff("192.0.2.1 - - [01/May/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" "
                    "\"curl/8\"\n",
                    "access.log"),
            0);
  EXPECT_EQ(f.sniff("1714557600.123    180 192.0.2.1 TCP_MISS/200 512 GET http://x/ - "
                    "HIER_DIRECT/1.2.3.4 text/html\n",
                    "access.log"),
            0);
  EXPECT_EQ(f.sniff("#separator \\x09\n#fields\tts\tuid\n1714557600.1\tCx\n", "conn.log"), 0);
  EXPECT_EQ(f.sniff("timestamp,user,action\n2024-05-01T10:00:00Z,alice,login\n", "x.csv"), 0);
  EXPECT_EQ(f.sniff("2024-05-01T10:00:00Z INFO starting\n", "app.log"), 0);
  EXPECT_EQ(f.sniff("", "auth.log"), 0);
  EXPECT_EQ(f.sniff("\x01\x02\x03garbage\n", "auth.log"), 0);
  // auditd records relayed through syslog: left to the auditd reader if it wants them.
  EXPECT_LE(f.sniff("May  1 10:00:00 h audit: type=SYSCALL msg=audit(1700000000.123:1): x\n"
                    "May  1 10:00:00 h audit: type=EXECVE msg=audit(1700000000.123:1): y\n",
                    "messages"),
            50);
  // Mostly other text: a low score.
  EXPECT_LE(f.sniff("a\nb\nc\nd\nMay  1 10:00:00 h app: x\n", "x"), 40);
}

void expect_corpus_reads_whole(const std::string& folder) {
  const std::string root = std::string(VIGIL_SHARED_DIR) + "/corpus/logs/loghub/" + folder;
  if (!fs::exists(root)) GTEST_SKIP() << root << " is absent";
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.path().extension() != ".log") continue;
    ++files;
    const std::string path = entry.path().string();
    const std::string text = slurp(path);
    // Recognised as syslog on its own, without the name's help.
    EXPECT_GE(syslog_format().sniff(text.substr(0, 65536), "x"), 90) << path;
    const ParseResult r = read_file(path, year(2024), 2);
    ASSERT_TRUE(r.error.empty()) << r.error;
    size_t lines = 0;
    for (char c : text) lines += c == '\n';
    if (!text.empty() && text.back() != '\n') ++lines;
    EXPECT_EQ(r.events.size(), lines) << path;
    for (const LineIssue& i : r.issues) ADD_FAILURE() << path << ":" << i.line << ": " << i.reason;
    std::printf("%s: %zu lines, %zu events, %zu rejected\n", path.c_str(), lines, r.events.size(),
                r.issues.size());
  }
  EXPECT_GT(files, 0u);
}

TEST(SyslogCorpus, LinuxSamplesReadWhole) { expect_corpus_reads_whole("Linux"); }
TEST(SyslogCorpus, OpenSshSamplesReadWhole) { expect_corpus_reads_whole("OpenSSH"); }

// loghub's structured CSV: LineId,Date,Day,Time,Component,Pid,Content,EventId,EventTemplate
std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> row(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quoted) {
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          row.back() += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          row.back() += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        row.emplace_back();
      } else {
        row.back() += c;
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

TEST(SyslogCorpus, OpenSshFieldsAgreeWithLoghubLabels) {
  const std::string root = std::string(VIGIL_SHARED_DIR) + "/corpus/logs/loghub/OpenSSH/";
  if (!fs::exists(root + "OpenSSH_2k.log_structured.csv")) GTEST_SKIP() << root << " is absent";
  const auto rows = read_csv(root + "OpenSSH_2k.log_structured.csv");
  const ParseResult r = read_file(root + "OpenSSH_2k.log");
  ASSERT_EQ(rows.size(), r.events.size() + 1);  // + the header row
  // loghub's template id -> what the reader must say about the line.
  struct Expect {
    const char* action;
    const char* outcome;
    bool user, address;
  };
  const std::map<std::string, Expect> kExpect = {
      {"E1", {"login", "success", true, true}},
      {"E9", {"login", "failure", true, true}},
      {"E10", {"login", "failure", true, true}},
      {"E8", {"login", "failure", true, true}},
      {"E13", {"invalid_user", nullptr, true, true}},
      {"E14", {"login", "failure", true, true}},
      {"E2", {"disconnect", nullptr, false, true}},
      {"E24", {"disconnect", nullptr, false, true}},
      {"E25", {"disconnect", nullptr, false, true}},
      {"E26", {"disconnect", nullptr, false, true}},
      {"E6", {"disconnect", nullptr, false, true}},
      {"E7", {"disconnect", nullptr, false, true}},
      {"E4", {"max_auth_attempts", nullptr, true, false}},
      {"E5", {"max_auth_attempts", nullptr, true, false}},
      {"E15", {"pam_auth", "failure", false, true}},
      {"E16", {"pam_auth", "failure", false, true}},
      {"E17", {"pam_auth", "failure", true, true}},
      {"E19", {"pam_auth", "failure", false, true}},
      {"E20", {"pam_auth", "failure", true, true}},
      {"E22", {"session_close", nullptr, true, false}},
      {"E23", {"session_open", nullptr, true, false}},
  };
  std::map<std::string, size_t> checked;
  for (size_t i = 0; i < r.events.size(); ++i) {
    const std::vector<std::string>& row = rows[i + 1];
    ASSERT_GE(row.size(), 8u);
    const Parsed& e = r.events[i];
    EXPECT_EQ(get(e, "pid"), row[5]) << "line " << i + 1;
    // loghub drops trailing spaces from its Content column.
    std::string message = get(e, "message");
    while (!message.empty() && message.back() == ' ') message.pop_back();
    EXPECT_EQ(message, row[6]) << "line " << i + 1;
    auto it = kExpect.find(row[7]);
    if (it == kExpect.end()) continue;
    const Expect& x = it->second;
    ++checked[row[7]];
    EXPECT_EQ(get(e, "action"), x.action) << "line " << i + 1 << ": " << row[6];
    EXPECT_EQ(get(e, "outcome"), x.outcome ? x.outcome : "(absent)") << "line " << i + 1;
    if (x.user) {
      EXPECT_NE(get(e, "user"), "(absent)") << "line " << i + 1 << ": " << row[6];
    }
    if (x.address) {
      EXPECT_TRUE(get(e, "src_ip") != "(absent)" || get(e, "src_host") != "(absent)")
          << "line " << i + 1 << ": " << row[6];
    }
  }
  size_t total = 0;
  for (const auto& [id, n] : checked) total += n;
  std::printf("OpenSSH_2k: %zu of %zu lines checked against loghub's labels\n", total,
              r.events.size());
  EXPECT_GT(total, 1500u);
}

}  // namespace
}  // namespace vigil::read
