#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../web/reader_harness.h"
#include "vigil/read/csv/csv.h"
#include "vigil/read/web/web.h"
#include "vigil/read/zeek/zeek.h"

namespace vigil::read {
namespace {

using testing::fixture;
using testing::parse_text;
using testing::Parsed;
using testing::slurp;

TEST(CsvFormat, FieldsExactly) {
  const Parsed p = parse_text(csv_format(), slurp(fixture("csv/audit_trail.csv")));
  ASSERT_TRUE(p.open_error.empty()) << p.open_error;
  ASSERT_EQ(p.events.size(), 7u);
  const auto& a = p.events[0];
  EXPECT_EQ(a.get("_source_format"), "csv");
  EXPECT_EQ(a.time(), "2024-03-01T10:00:00.000Z");
  EXPECT_EQ(a.get("timestamp"), "2024-03-01T10:00:00Z");
  EXPECT_EQ(a.get("user"), "alice");
  EXPECT_EQ(a.get("object"), "/cases/123/report.pdf");
  EXPECT_EQ(a.get("bytes"), "1024");
  EXPECT_EQ(a.get("outcome"), "success");
  EXPECT_EQ(a.source.record_id, 2u);
  EXPECT_EQ(a.source.offset, 54u);

  // Quoted separator, non-ASCII, "" escapes, IPv6, an offset.
  const auto& q = p.events[1];
  EXPECT_EQ(q.time(), "2024-03-01T09:00:01.250Z");
  EXPECT_EQ(q.get("user"), "M\xC3\xBCller, J\xC3\xBCrgen");
  EXPECT_EQ(q.get("object"), "/cases/124/\"final\" notes.docx");
  EXPECT_EQ(q.get("source_ip"), "2001:db8::9");

  // A quoted field over three lines keeps its line breaks as written.
  const auto& m = p.events[2];
  EXPECT_EQ(m.get("object"), "/cases/125/multi\r\nline\r\nname.txt");
  EXPECT_FALSE(m.has("bytes"));  // empty cell
  EXPECT_EQ(m.get("outcome"), "failure");
  EXPECT_EQ(m.source.record_id, 4u);

  EXPECT_FALSE(p.events[3].has("outcome"));
  EXPECT_EQ(p.events[3].source.record_id, 7u);
  EXPECT_EQ(p.events[4].get("column8"), "extra-value");
  EXPECT_FALSE(p.events[4].has("object"));
  EXPECT_EQ(p.events[5].get("user"), "eve");
  EXPECT_FALSE(p.events[5].has("object"));  // "" is empty too
  EXPECT_EQ(p.events[5].source.record_id, 10u);
  EXPECT_FALSE(p.events[6].timestamp.is_set());
  EXPECT_EQ(p.events[6].get("user"), "mallory");

  ASSERT_EQ(p.issues.size(), 3u) << testing::issues_text(p.issues);
  EXPECT_EQ(p.issues[0].line, 7u);
  EXPECT_EQ(p.issues[0].reason, "6 fields; the header has 7: the missing ones left out");
  EXPECT_EQ(p.issues[1].line, 8u);
  EXPECT_EQ(p.issues[1].reason, "8 fields; the header has 7: the others named column<N>");
  EXPECT_EQ(p.issues[2].line, 11u);
  EXPECT_NE(p.issues[2].reason.find("\"not a time\" in column timestamp"), std::string::npos);
}

TEST(CsvFormat, SeparatorsAndTimeColumns) {
  const Parsed eu = parse_text(csv_format(), slurp(fixture("csv/european.csv")));
  ASSERT_EQ(eu.events.size(), 2u);
  EXPECT_TRUE(eu.issues.empty()) << testing::issues_text(eu.issues);
  EXPECT_EQ(eu.events[0].time(), "2024-03-01T10:00:00.000Z");  // Date and Time together
  EXPECT_EQ(eu.events[0].get("Detail"), "a;b");
  EXPECT_EQ(eu.events[1].time(), "2024-03-01T23:59:59.500Z");

  const Parsed ev = parse_text(csv_format(), slurp(fixture("csv/eventviewer.csv")));
  ASSERT_EQ(ev.events.size(), 2u);
  EXPECT_TRUE(ev.issues.empty()) << testing::issues_text(ev.issues);
  EXPECT_EQ(ev.events[0].time(), "2024-03-01T13:05:09.000Z");
  EXPECT_EQ(ev.events[1].time(), "2023-12-31T00:00:00.000Z");
  EXPECT_EQ(ev.events[0].get("Event ID"), "4624");
  EXPECT_EQ(ev.events[0].get("Computer"), "WS01.corp.example");
  EXPECT_EQ(ev.events[0].count("Computer"), 1u);

  const Parsed splunk = parse_text(csv_format(), slurp(fixture("csv/splunk.tsv")));
  ASSERT_EQ(splunk.events.size(), 2u);
  EXPECT_TRUE(splunk.issues.empty()) << testing::issues_text(splunk.issues);
  EXPECT_EQ(splunk.events[0].time(), "2024-03-01T10:00:00.500Z");
  EXPECT_EQ(splunk.events[0].get("host"), "srv01");
  EXPECT_EQ(splunk.events[0].get("Computer"), "srv01");  // host names the host
  EXPECT_EQ(splunk.events[1].get("user"), "admin");
}

TEST(CsvFormat, TimeFieldOption) {
  ReadOptions options;
  options.time_field = "WHEN_SEEN";
  const std::string text = "id,when_seen,what\n1,Sun Dec 04 04:47:44 2005,x\n2,,y\n";
  const Parsed p = parse_text(csv_format(), text, options);
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_EQ(p.events[0].time(), "2005-12-04T04:47:44.000Z");
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].line, 3u);
  options.time_field = "nope";
  EXPECT_NE(parse_text(csv_format(), text, options).open_error.find("no such CSV column"),
            std::string::npos);
}

TEST(CsvFormat, NoTimeColumnIsReportedOnce) {
  const Parsed p = parse_text(csv_format(), slurp(fixture("csv/notime.csv")));
  ASSERT_EQ(p.events.size(), 2u);
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].line, 1u);
  EXPECT_NE(p.issues[0].reason.find("no time column"), std::string::npos);
  EXPECT_FALSE(p.events[0].timestamp.is_set());
  EXPECT_EQ(p.events[1].get("role"), "user");
}

TEST(CsvFormat, TimeLayouts) {
  const std::string text =
      "time\n"
      "2024-03-01 10:00:00\n"
      "2024/03/01 10:00:00\n"
      "1709287200123\n"
      "1642723741.072:375\n"
      "10/Oct/2000:13:55:36 -0700\n"
      "Mar 1 10:00:00 2024\n"
      "2024-03-01T10:00:00 UTC\n"
      "3/1/2024\n";
  const Parsed p = parse_text(csv_format(), text);
  ASSERT_EQ(p.events.size(), 8u);
  EXPECT_TRUE(p.issues.empty()) << testing::issues_text(p.issues);
  EXPECT_EQ(p.events[0].time(), "2024-03-01T10:00:00.000Z");
  EXPECT_EQ(p.events[1].time(), "2024-03-01T10:00:00.000Z");
  EXPECT_EQ(p.events[2].time(), "2024-03-01T10:00:00.123Z");
  EXPECT_EQ(p.events[3].time(), "2022-01-21T00:09:01.072Z");
  EXPECT_EQ(p.events[4].time(), "2000-10-10T20:55:36.000Z");
  EXPECT_EQ(p.events[5].time(), "2024-03-01T10:00:00.000Z");
  EXPECT_EQ(p.events[6].time(), "2024-03-01T10:00:00.000Z");
  EXPECT_EQ(p.events[7].time(), "2024-03-01T00:00:00.000Z");
}

TEST(CsvFormat, HostileInput) {
  std::string text = "time,a,b\n";
  text += "2024-03-01T10:00:00Z,\xff\xfe,x\n";
  text += std::string("\x00\x01\x02", 3) + "\n";
  text += "2024-03-01T10:00:01Z,\"stray quote never closed,x\n";
  for (int i = 0; i < 1100; ++i) text += std::string(1000, 'q') + "\n";
  text += "2024-03-01T10:00:02Z,after,the storm\n";
  text += "2024-03-01T10:00:03Z,\"open at the end";
  const Parsed p = parse_text(csv_format(), text);
  ASSERT_GE(p.events.size(), 3u) << testing::issues_text(p.issues);
  EXPECT_EQ(p.events[0].get("a"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(p.events[1].get("time"), std::string("\x00\x01\x02", 3));
  // The stray quote swallows lines up to 1 MiB of record, then gives up:
  // the lines after that are read again, one record each.
  EXPECT_EQ(p.events.back().get("a"), "after");
  EXPECT_EQ(p.events.back().source.record_id, 1105u);
  EXPECT_EQ(p.events.back().time(), "2024-03-01T10:00:02.000Z");
  ASSERT_GE(p.issues.size(), 4u) << testing::issues_text(p.issues);
  EXPECT_NE(p.issues[0].reason.find("UTF-8"), std::string::npos);
  bool overflow = false, open_at_end = false;
  for (const auto& i : p.issues) {
    overflow |= i.reason.find("not closed within 1 MiB") != std::string::npos && i.line == 4;
    open_at_end |= i.reason.find("not closed at the end") != std::string::npos && i.line == 1106;
  }
  EXPECT_TRUE(overflow) << testing::issues_text(p.issues);
  EXPECT_TRUE(open_at_end) << testing::issues_text(p.issues);
}

// Blocks cut wherever the cut rule allows parse exactly like the whole text.
TEST(CsvFormat, CutRuleNeverSplitsARecord) {
  const std::string text = slurp(fixture("csv/audit_trail.csv"));
  FieldNames names;
  const Parsed whole = parse_text(csv_format(), text, names);
  auto rule = csv_format().cut_rule();
  ASSERT_NE(rule, nullptr);
  std::vector<size_t> cuts;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (rule->cut_before(line) && pos > 0) cuts.push_back(pos);
    pos = nl + 1;
  }
  // Not before the header's end, nor inside the three-line record.
  EXPECT_EQ(cuts.size(), 8u);
  FileFacts facts;
  auto context = csv_format().open(text, facts, {}, names);
  ASSERT_TRUE(context.ok());
  for (size_t cut : cuts) {
    Parsed parts;
    testing::CollectingSink sink(parts, names);
    auto parser = csv_format().parser(context.value(), names);
    parser->parse(std::string_view(text).substr(0, cut), 0, 0, sink);
    auto second = csv_format().parser(context.value(), names);
    // Line numbers are block-relative: compare fields and offsets only.
    Parsed tail;
    testing::CollectingSink tail_sink(tail, names);
    second->parse(std::string_view(text).substr(cut), cut, 0, tail_sink);
    for (auto& e : tail.events) parts.events.push_back(std::move(e));
    ASSERT_EQ(parts.events.size(), whole.events.size()) << "cut at " << cut;
    for (size_t i = 0; i < whole.events.size(); ++i) {
      EXPECT_EQ(parts.events[i].fields, whole.events[i].fields) << "cut at " << cut;
      EXPECT_EQ(parts.events[i].source.offset, whole.events[i].source.offset);
    }
  }
}

TEST(CsvFormat, ReadsAcrossBlocks) {
  const std::string path = ::testing::TempDir() + "/vigil_csv_blocks.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "TimeCreated;Message;Id\n";
    for (int i = 0; i < 60000; ++i) {
      out << "2024-03-01T10:00:00Z;\"line one of " << i << "\nline two; with \"\"quotes\"\"\n"
          << std::string(60, 'x') << "\";" << i << "\n";
    }
  }
  FieldNames names;
  const auto r = testing::read_file(path, names, &csv_format());
  std::filesystem::remove(path);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.issues.empty()) << testing::issues_text(r.issues);
  ASSERT_EQ(r.events.size(), 60000u);
  for (size_t i = 0; i < r.events.size(); i += 1009) {
    EXPECT_EQ(r.events[i].get("Id"), std::to_string(i));
    EXPECT_EQ(r.events[i].source.record_id, 2 + 3 * i);
    EXPECT_EQ(r.events[i].get("Message").substr(0, 13), "line one of " + std::to_string(i).substr(0, 1));
  }
}

TEST(CsvFormat, RecognitionIsModest) {
  const std::string audit = slurp(fixture("csv/audit_trail.csv"));
  const int score = csv_format().sniff(audit, "export.csv");
  EXPECT_GT(score, 0);
  EXPECT_LE(score, 25);
  EXPECT_GT(csv_format().sniff(slurp(fixture("csv/european.csv")), "x"), 0);
  EXPECT_EQ(csv_format().sniff("{\"a\":1,\"b\":2}\n{\"a\":1,\"b\":2}\n", "x.json"), 0);
  EXPECT_EQ(csv_format().sniff("just one column\nof text\n", "x"), 0);
  // Other formats' files: the CSV score stays below theirs.
  for (const char* f : {"web/combined.log", "web/squid_access.log", "zeek/conn.log"}) {
    const std::string text = slurp(fixture(f));
    const int others = std::max({web_format().sniff(text, f), squid_format().sniff(text, f),
                                 zeek_format().sniff(text, f)});
    EXPECT_LT(csv_format().sniff(text, f), others) << f;
  }
  FieldNames names;
  const auto r = testing::read_file(fixture("csv/european.csv"), names);
  EXPECT_EQ(r.format, &csv_format());
}

// Every CSV under ../shared/corpus/logs (loghub's parsed samples and
// templates, the AIT auditd sample's): read with no rejected row. Files
// whose time is only a time of day or has no year, and the template lists
// (no time at all), get the one "no time column" note at their header.
TEST(CsvFormat, SharedCorpusSamples) {
  const std::string root = testing::shared_dir() + "/corpus/logs";
  if (!std::filesystem::exists(root)) GTEST_SKIP() << "no shared corpus at " << root;
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() == ".csv") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  ASSERT_FALSE(paths.empty());
  size_t timed = 0;
  for (const std::string& path : paths) {
    FieldNames names;
    const auto r = testing::read_file(path, names);
    ASSERT_TRUE(r.error.empty()) << path << ": " << r.error;
    EXPECT_EQ(r.format, &csv_format()) << path;
    ASSERT_FALSE(r.events.empty()) << path;
    const bool has_time = r.events.front().timestamp.is_set();
    if (has_time) {
      ++timed;
      EXPECT_TRUE(r.issues.empty()) << path << "\n" << testing::issues_text(r.issues);
      for (const auto& e : r.events) ASSERT_TRUE(e.timestamp.is_set()) << path << ":" << e.source.record_id;
    } else {
      ASSERT_EQ(r.issues.size(), 1u) << path << "\n" << testing::issues_text(r.issues);
      EXPECT_EQ(r.issues[0].line, 1u);
      EXPECT_NE(r.issues[0].reason.find("no time column"), std::string::npos);
    }
    // One event per line of the original log (LineId counts them).
    if (r.events.front().has("LineId")) {
      EXPECT_EQ(r.events.size(), 2000u) << path;
    }
  }
  // Windows (Date + Time), Apache (ctime) and auditd (Unix time:serial).
  EXPECT_EQ(timed, 3u);
}

}  // namespace
}  // namespace vigil::read
