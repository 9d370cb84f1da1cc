// `vigil timeline` and `vigil hunt` over one folder holding every log format
// vigil reads (EVTX, JSON, the audit trail, syslog, auditd, web, Squid, Zeek,
// CSV, gzip and zstd compressed): one stream of events, sorted by time
// whatever the format, the same whatever the thread count.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <set>
#include <sstream>

#include "hunt_support.h"

namespace vigil::hunt_test {
namespace {

// Runs a shell command in `dir` (compressing fixtures); its exit code.
int shell(const fs::path& dir, const std::string& command) {
  return std::system(("cd " + quote(dir.string()) + " && " + command).c_str());
}

// Every reader fixture under tests/data/logs, plus an EVTX file, a gzip and
// a zstd copy: the mixed folder an investigator points vigil at.
fs::path mixed_folder(const std::string& name) {
  const fs::path dir = work_dir(name);
  const fs::path logs = dir / "logs";
  fs::create_directories(logs);
  for (const auto& entry : fs::recursive_directory_iterator(source_dir() / "tests/data/logs")) {
    if (!entry.is_regular_file()) continue;
    const fs::path rel = fs::relative(entry.path(), source_dir() / "tests/data/logs");
    fs::create_directories((logs / rel).parent_path());
    fs::copy_file(entry.path(), logs / rel);
  }
  make_evtx(logs / "windows", source_dir() / "tests/data/hunt/events/a.jsonl", "a.evtx");
  // Compressed copies under names that do not say so (.1, .2): recognised by content.
  EXPECT_EQ(shell(dir, "gzip -c logs/syslog/auth.log > logs/auth.log.1"), 0);
  EXPECT_EQ(shell(dir, "zstd -q -c logs/web/combined.log > logs/access.log.2"), 0);
  return dir;
}

struct Line {
  std::string timestamp;
  std::string source;
  uint64_t record = 0;
};

std::vector<Line> parse_jsonl(const std::string& text) {
  std::vector<Line> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    const auto& t = j["timestamp"];  // null for an event without a time
    lines.push_back({t.is_string() ? t.get<std::string>() : "", j.value("source", ""),
                     j.value("record_id", 0ull)});
  }
  return lines;
}

TEST(MixedFormats, TimelineMergesEveryFormatInTimeOrder) {
  const fs::path dir = mixed_folder("mixed-timeline");
  const RunResult one = vigil(dir, "timeline logs -f jsonl -t 1 -q --no-cache");
  // Some fixtures hold deliberately bad lines: reported, the rest read.
  ASSERT_TRUE(one.code == 0 || one.code == 1) << one.err;
  const std::vector<Line> lines = parse_jsonl(one.out);
  ASSERT_GT(lines.size(), 100u);

  // Sorted by time; events without a time first; then source, then record.
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i - 1].timestamp.empty() || lines[i].timestamp.empty()) continue;
    EXPECT_LE(lines[i - 1].timestamp, lines[i].timestamp) << "line " << i + 1;
  }

  // Every format is in the one stream.
  std::set<std::string> sources;
  for (const Line& l : lines) sources.insert(l.source);
  for (const char* expected :
       {"logs/windows/a.evtx", "logs/syslog/auth.log", "logs/auditd/process.log",
        "logs/web/combined.log", "logs/web/squid_access.log", "logs/zeek/conn.log",
        "logs/zeek/http.json", "logs/json/winlogbeat_sysmon.jsonl", "logs/json/audit_trail.jsonl",
        "logs/csv/european.csv", "logs/auth.log.1", "logs/access.log.2"}) {
    EXPECT_EQ(sources.count(expected), 1u) << expected << " is missing from the timeline";
  }

  // As many events as `vigil parse` reads (nothing lost in the merge).
  const RunResult parse = vigil(dir, "parse logs -t 1");
  const size_t at = parse.err.find("records");
  ASSERT_NE(at, std::string::npos) << parse.err;
  const size_t comma = parse.err.rfind(", ", at);
  std::string count = parse.err.substr(comma + 2, at - comma - 3);
  count.erase(std::remove(count.begin(), count.end(), ','), count.end());
  EXPECT_EQ(lines.size(), std::stoull(count)) << parse.err;

  // Deterministic: threads do not change a byte.
  const RunResult two = vigil(dir, "timeline logs -f jsonl -t 2 -q --no-cache");
  EXPECT_EQ(one.out, two.out);
  const RunResult csv1 = vigil(dir, "timeline logs -f csv -t 1 -q --no-cache");
  const RunResult csv2 = vigil(dir, "timeline logs -f csv -t 2 -q --no-cache");
  EXPECT_EQ(csv1.out, csv2.out);
}

TEST(MixedFormats, RejectedLinesNameFileAndLine) {
  const fs::path dir = work_dir("mixed-bad");
  write_file(dir / "auth.log",
             "Jan 10 10:00:00 host sshd[1]: Accepted password for alice from 10.0.0.1 port 2 ssh2\n"
             "\x01\x02 not a syslog line at all\n"
             "Jan 10 10:00:01 host sshd[1]: Failed password for bob from 10.0.0.2 port 3 ssh2\n");
  const RunResult r = vigil(dir, "timeline auth.log -f jsonl --year 2024 --no-cache");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("auth.log:2:"), std::string::npos) << r.err;
  EXPECT_EQ(parse_jsonl(r.out).size(), 2u) << r.out;
}

TEST(MixedFormats, TruncatedGzipReadsWhatCameBefore) {
  const fs::path dir = work_dir("mixed-gzip");
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    text += "Jan 10 10:00:00 host sshd[" + std::to_string(i) +
            "]: Failed password for invalid user u" + std::to_string(i) +
            " from 10.0.0.1 port 22 ssh2\n";
  }
  write_file(dir / "auth.log", text);
  ASSERT_EQ(shell(dir, "gzip -c auth.log | head -c 20000 > cut.gz"), 0);
  const RunResult r = vigil(dir, "timeline cut.gz -f jsonl --year 2024 --no-cache");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  const size_t events = parse_jsonl(r.out).size();
  EXPECT_GT(events, 100u);
  EXPECT_LT(events, 5000u);
}

TEST(MixedFormats, HuntFindsDetectionsInEveryTextFormat) {
  const fs::path sigma = fs::path(VIGIL_SHARED_DIR) / "corpus/sigma/rules";
  if (!fs::exists(sigma)) GTEST_SKIP() << sigma << " is absent";
  const fs::path dir = mixed_folder("mixed-hunt");
  const RunResult r =
      vigil(dir, "hunt logs -r " + quote((sigma / "linux").string()) + " -r " +
                     quote((sigma / "web").string()) + " -r " +
                     quote((sigma / "network/zeek").string()) +
                     " -f jsonl -q --no-cache");
  ASSERT_TRUE(r.code == 0 || r.code == 1) << r.err;
  const std::vector<Line> lines = parse_jsonl(r.out);
  std::set<std::string> formats;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0 && !lines[i - 1].timestamp.empty() && !lines[i].timestamp.empty()) {
      EXPECT_LE(lines[i - 1].timestamp, lines[i].timestamp);
    }
    formats.insert(lines[i].source.substr(0, lines[i].source.find('/', 5)));
  }
  for (const char* folder : {"logs/syslog", "logs/auditd", "logs/web", "logs/zeek"}) {
    EXPECT_EQ(formats.count(folder), 1u) << "no detection from " << folder;
  }
}

}  // namespace
}  // namespace vigil::hunt_test
