// The auditd reader on files through the text driver (planning, blocks,
// parallel scan): the shared corpus's samples, a generated file large enough
// for many blocks, and SigmaHQ's rules firing on fixtures written for them.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "auditd_support.h"
#include "vigil/detect/loader.h"
#include "vigil/detect/logsource.h"
#include "vigil/detect/matcher.h"
#include "vigil/detect/ruleset.h"
#include "vigil/read/formats.h"
#include "vigil/read/text/scan.h"

namespace vigil::read {
namespace {

namespace fs = std::filesystem;

struct Scanned {
  uint64_t events = 0;
  std::vector<std::string> issues;  // "line: reason"
  std::vector<std::string> texts;   // every event, in order (with keep_texts)
  size_t blocks = 0;
};

Scanned scan_file(const std::string& path, FieldNames& names, unsigned threads,
                  bool keep_texts = false) {
  Scanned out;
  PlanOptions options;
  options.formats = formats();
  auto input = plan_text_input(path, options, names);
  if (!input.ok()) {
    ADD_FAILURE() << path << ": " << input.error().message;
    return out;
  }
  EXPECT_EQ(input.value().format, &auditd_format()) << path;
  out.blocks = input.value().blocks.size();
  std::vector<TextInput> inputs{std::move(input.value())};
  scan_text<std::vector<std::string>>(
      inputs, threads, names,
      [&](Event& event, uint32_t, unsigned, std::vector<std::string>& texts) {
        if (!keep_texts) return;
        std::string line = std::to_string(event.source.record_id) + "@" +
                           std::to_string(event.source.offset) + " ";
        event.append_json(line, names);
        texts.push_back(std::move(line));
      },
      [](std::vector<std::string>& texts) { texts.clear(); },
      [&](TextSlot<std::vector<std::string>>& slot) {
        out.events += slot.events;
        for (const LineIssue& issue : slot.issues) {
          out.issues.push_back(std::to_string(issue.line) + ": " + issue.reason);
        }
        for (std::string& t : slot.out) out.texts.push_back(std::move(t));
      });
  return out;
}

TEST(AuditdFiles, SharedCorpusSamplesReadWithoutRejects) {
  const std::string dir = std::string(VIGIL_SHARED_DIR) + "/corpus/logs/auditd_ait_lds2";
  if (!fs::exists(dir)) GTEST_SKIP() << dir << " is absent";
  // Event counts: every record of these samples is its own serial except the
  // AVC + SYSCALL + PROCTITLE triples of apparmor_parser (4 per file).
  // Audit_2k.log has 2,000 records (its last line has no line end).
  const std::map<std::string, uint64_t> expected = {
      {"Audit_2k.log", 2000 - 8},
      {"russellmitchell_intranet_server_audit.log", 2316 - 8},
  };
  for (const auto& [file, events] : expected) {
    FieldNames names;
    const Scanned scanned = scan_file(dir + "/" + file, names, 2);
    EXPECT_TRUE(scanned.issues.empty()) << file << ": " << scanned.issues.front();
    EXPECT_EQ(scanned.events, events) << file;
    std::printf("auditd sample %s: %llu events\n", file.c_str(),
                static_cast<unsigned long long>(scanned.events));
  }
}

// A file of many blocks: the driver's blocks, cut where the rule allows and
// parsed on two threads, give what one parse of the whole text gives.
TEST(AuditdFiles, ManyBlocksGiveTheEventsOfOneParse) {
  std::string text;
  std::string hexed;
  for (uint64_t i = 0; text.size() < 3 * limits::kTextBlockBytes; ++i) {
    const std::string t =
        "audit(1700000000." + std::to_string(100 + i % 900) + ":" + std::to_string(i) + "): ";
    text += "type=SYSCALL msg=" + t +
            "arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=0 items=1 pid=" +
            std::to_string(i) + " uid=0 comm=\"sh\" exe=\"/bin/sh\" key=(null)\n";
    if (i % 3 == 0) {
      text += "type=USER_ACCT msg=audit(1700000000.000:" + std::to_string(1'000'000 + i) +
              "): pid=1 msg='op=PAM:accounting acct=\"root\" res=success'\n";
    }
    text += "type=EXECVE msg=" + t + "argc=2 a0=\"sh\" a1=\"-c\"\n";
    text += "type=PATH msg=" + t + "item=0 name=\"/bin/sh\" nametype=NORMAL\n";
    if (i % 2 == 0) text += "type=PROCTITLE msg=" + t + "proctitle=7368002D63\n";
    if (i % 5 != 0) text += "type=EOE msg=" + t + "\n";
  }
  const fs::path path = fs::path(::testing::TempDir()) / "auditd_many_blocks.log";
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  FieldNames names;
  const Scanned scanned = scan_file(path.string(), names, 2, true);
  fs::remove(path);
  EXPECT_GE(scanned.blocks, 3u);
  EXPECT_TRUE(scanned.issues.empty());

  const testing::Parsed whole = testing::parse_auditd(text, names);
  ASSERT_EQ(scanned.events, whole.events.size());
  auto parser = auditd_format().parser(testing::open_auditd(text, names), names);
  // The same events through the JSON form the scan recorded.
  class JsonSink final : public EventSink {
   public:
    JsonSink(FieldNames& names, std::vector<std::string>& out) : names_(names), out_(out) {}
    void on_event(Event& event) override {
      std::string line =
          std::to_string(event.source.record_id) + "@" + std::to_string(event.source.offset) + " ";
      event.append_json(line, names_);
      out_.push_back(std::move(line));
    }
    void on_issue(LineIssue) override {}

   private:
    FieldNames& names_;
    std::vector<std::string>& out_;
  };
  std::vector<std::string> one;
  JsonSink sink(names, one);
  parser->parse(text, 0, 0, sink);
  EXPECT_EQ(scanned.texts, one);
}

// --- SigmaHQ acceptance -----------------------------------------------------

std::set<std::string> fired_rule_ids(const std::string& fixture, std::vector<std::string> folders,
                                     std::map<std::string, std::string>* titles = nullptr) {
  const std::string root = std::string(VIGIL_SHARED_DIR) + "/corpus/sigma/rules/";
  for (std::string& f : folders) f = root + f;
  FieldNames names;
  detect::CompileOptions options;
  options.resolver = detect::mapping_resolver(detect::LogsourceMapping::builtin());
  std::vector<detect::Diagnostic> diagnostics;
  auto set = detect::RuleSet::compile(detect::load_rules(folders), names, options, diagnostics);
  EXPECT_GT(set->size(), 0u);
  for (const detect::Diagnostic& d : diagnostics) {
    EXPECT_FALSE(d.rejects_rule) << detect::format_diagnostic(d);
  }
  detect::Matcher matcher(*set);

  std::set<std::string> fired;
  PlanOptions plan;
  plan.formats = formats();
  auto input = plan_text_input(fixture, plan, names);
  if (!input.ok()) {
    ADD_FAILURE() << input.error().message;
    return fired;
  }
  std::vector<TextInput> inputs{std::move(input.value())};
  std::mutex mutex;
  scan_text<int>(
      inputs, 1, names,
      [&](Event& event, uint32_t, unsigned, int&) {
        for (uint32_t r : matcher.match(event)) {
          const std::lock_guard lock(mutex);
          fired.insert(set->rule(r).info.id);
          if (titles) (*titles)[set->rule(r).info.id] = set->rule(r).info.title;
        }
      },
      [](int&) {},
      [&](TextSlot<int>& slot) {
        for (const LineIssue& issue : slot.issues)
          ADD_FAILURE() << issue.line << ": " << issue.reason;
      });
  return fired;
}

TEST(AuditdSigma, SigmaHqAuditdRulesFireOnFixture) {
  const std::string rules = std::string(VIGIL_SHARED_DIR) + "/corpus/sigma/rules/linux/auditd";
  if (!fs::exists(rules)) GTEST_SKIP() << rules << " is absent";
  const std::string fixture = std::string(VIGIL_SOURCE_DIR) + "/tests/data/logs/auditd/process.log";
  std::map<std::string, std::string> titles;
  const std::set<std::string> fired =
      fired_rule_ids(fixture, {"linux/auditd", "linux/process_creation"}, &titles);
  for (const auto& [id, title] : titles) std::printf("fired: %s %s\n", id.c_str(), title.c_str());
  const char* const must_fire[] = {
      // EXECVE a0/a1 rules
      "1543ae20-cbdf-4ec1-8d12-7664d667a825",  // chmod 777 (a0: chmod, a1: 777)
      "cb39d16b-b3b6-4a7a-8222-1cf24b686ffc",  // wget --post-file= (a1|startswith)
      "e497a24e-9345-4a62-9803-b06d7d7cb132",  // sysctl -w kernel.randomize_va_space=0
      // PATH + name rules
      "4b3cb710-5e83-4715-8c45-8b2b5b3e5751",  // /etc/ld.so.preload
      // the watch key of a SYSCALL record
      "f7158a64-6204-4d6d-868a-6e6378b467e0",  // key: susp_activity
      // fields of msg='...' of user-space records
      "53059bc0-1472-438b-956a-7508a94a91f0",  // SERVICE_STOP unit=firewalld
      "759d0d51-bc99-4b5e-9add-8f5b2c8e7512",  // type ADD_USER
      // enriched SYSCALL name
      "a7af2487-9c2f-42e4-9bb9-ff961f0561d5",  // audio capture: ecasound memfd_create
      // linux/process_creation through the auditd-execve variant
      "7f734ed0-4f47-46c0-837f-6ee62505abd9",  // nc -e /bin/sh (Image, CommandLine)
      "e2072cab-8c9a-459b-b63c-40ae79e27031",  // base64 -d
  };
  for (const char* id : must_fire) EXPECT_TRUE(fired.contains(id)) << id << " did not fire";
  // Rules that must not: the PATH records of the fixture name no syslog
  // configuration, and no EXECVE runs iptables.
  EXPECT_FALSE(fired.contains("c830f15d-6f6e-430f-8074-6f73d6807841"));
  EXPECT_FALSE(fired.contains("323ff3f5-0013-4847-bbd4-250b5edb62cc"));
}

}  // namespace
}  // namespace vigil::read
