// What the access collector keeps for the impact: each kind of event that
// names a place, the place roots each input logs (coverage), input time spans,
// and the same result whichever worker saw what.

#include "vigil/assess/access.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "vigil/core/timestamp.h"

namespace vigil::assess {
namespace {

constexpr const char* kInventory = R"(organisation:
  name: T
  regime: none
subjects:
  - {id: W-1, name: A, kind: individual, category: witness, contact: {channel: in_person}}
assets:
  - id: cases
    sensitivity: high
    locations: ['\\fs01\cases\**', 'D:\Shares\cases\**', '/srv/cases/**', 'object:/cases/**']
    subjects: [W-1]
identities:
  - {account: 'CORP\judge', role: judge, assets: [cases]}
)";

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loaded_ = std::make_unique<InventoryResult>(Inventory::parse(kInventory, "inv.yaml"));
    ASSERT_TRUE(loaded_->ok());
  }
  Event make(const char* time, uint32_t source, uint64_t record,
             std::vector<std::pair<std::string, std::string>> fields) {
    Event e;
    e.timestamp = parse_rfc3339(time);
    e.source.source_id = source;
    e.source.record_id = record;
    for (auto& [name, value] : fields) {
      const std::string& kept = storage_.emplace_back(std::move(value));
      e.add(names_.intern(name), Value::utf8(kept));
    }
    return e;
  }
  Event security(const char* time, const char* id, std::vector<std::pair<std::string, std::string>> more) {
    std::vector<std::pair<std::string, std::string>> fields = {
        {"EventID", id}, {"Channel", "Security"}, {"Computer", "FS01.corp.local"},
        {"SubjectUserName", "judge"}, {"SubjectDomainName", "CORP"}};
    fields.insert(fields.end(), more.begin(), more.end());
    return make(time, 0, 1, fields);
  }

  FieldNames names_;
  std::deque<std::string> storage_;
  std::unique_ptr<InventoryResult> loaded_;
};

TEST_F(AccessTest, KeepsEveryKindOfAccessWithItsVerdict) {
  AccessCollector c(names_, **loaded_);
  c.add(security("2026-10-01T10:00:00Z", "5145",
                 {{"ShareName", "\\\\*\\cases"}, {"RelativeTargetName", "a\\W-1_x.pdf"}}));
  c.add(security("2026-10-01T10:00:01Z", "4663", {{"ObjectName", "D:\\Shares\\cases\\a\\W-1_x.pdf"}}));
  c.add(security("2026-10-01T10:00:02Z", "4656", {{"ObjectName", "D:\\Shares\\cases\\b.pdf"}}));
  c.add(make("2026-10-01T10:00:03Z", 1, 7,
             {{"EventID", "23"}, {"Channel", "Microsoft-Windows-Sysmon/Operational"},
              {"Computer", "FS01"}, {"User", "CORP\\mallory"},
              {"TargetFilename", "D:\\Shares\\cases\\c.pdf"}}));
  c.add(make("2026-10-01T10:00:04Z", 2, 9,
             {{"_source_format", "auditd"}, {"Computer", "srv"}, {"type", "SYSCALL"},
              {"SYSCALL", "openat"}, {"AUID", "root"}, {"type", "CWD"}, {"cwd", "/srv/cases"},
              {"type", "PATH"}, {"name", "d.pdf"}, {"type", "PATH"}, {"name", "/etc/passwd"}}));
  c.add(make("2026-10-01T10:00:05Z", 3, 11,
             {{"_source_format", "audit-trail"}, {"actor", "judge"}, {"action", "search"},
              {"object", "/cases/e.pdf"}, {"host", "cms01"}}));
  bool truncated = true;
  const std::vector<LoggedAccess> got = c.take_accesses(truncated);
  EXPECT_FALSE(truncated);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].object, "\\\\fs01\\cases\\a\\W-1_x.pdf");
  EXPECT_EQ(got[0].action, "share file read");
  EXPECT_EQ(got[0].verdict, Access::kWithinRole);
  EXPECT_TRUE(got[0].reads);
  EXPECT_EQ(got[2].action, "object handle requested");
  EXPECT_EQ(got[3].action, "file deleted");
  EXPECT_FALSE(got[3].reads);
  EXPECT_EQ(got[3].verdict, Access::kUnknownAccount);
  EXPECT_EQ(got[4].object, "/srv/cases/d.pdf");  // relative to the CWD; /etc/passwd is no asset
  EXPECT_EQ(got[4].account, "root");
  EXPECT_EQ(got[4].action, "openat (auditd)");
  EXPECT_EQ(got[5].action, "search");
  EXPECT_FALSE(got[5].reads);  // a search shows a list, not the file
}

TEST_F(AccessTest, RecordsWhichInputLogsWhichRootAndWhen) {
  AccessCollector c(names_, **loaded_);
  c.add(security("2026-10-01T10:00:00Z", "4663", {{"ObjectName", "D:\\Shares\\other\\x.txt"}}));
  c.add(security("2026-10-03T10:00:00Z", "4663", {{"ObjectName", "C:\\Windows\\x.dll"}}));
  c.add(make("2026-10-02T00:00:00Z", 1, 1, {{"_source_format", "webserver"}, {"cs-uri-stem", "/x"}}));
  const auto roots = c.roots();
  ASSERT_EQ(roots.size(), 1u);  // c: roots no location: not kept
  EXPECT_EQ(roots[0].source, 0u);
  EXPECT_EQ(roots[0].root, "d:");
  EXPECT_EQ(roots[0].host, "fs01.corp.local");
  ASSERT_GE(c.spans().size(), 2u);
  EXPECT_EQ(c.spans()[0].first, parse_rfc3339("2026-10-01T10:00:00Z"));
  EXPECT_EQ(c.spans()[0].last, parse_rfc3339("2026-10-03T10:00:00Z"));
}

TEST_F(AccessTest, MergedWorkersGiveTheSameAccessesInTheSameOrder) {
  AccessCollector one(names_, **loaded_), a(names_, **loaded_), b(names_, **loaded_);
  for (int i = 0; i < 10; ++i) {
    const std::string when = "2026-10-01T10:00:0" + std::to_string(9 - i) + "Z";
    const Event e = security(when.c_str(), "4663",
                             {{"ObjectName", "D:\\Shares\\cases\\f" + std::to_string(i) + ".pdf"}});
    one.add(e);
    (i % 3 == 0 ? a : b).add(e);
  }
  a.merge(std::move(b));
  bool t1 = false, t2 = false;
  const auto x = one.take_accesses(t1);
  const auto y = a.take_accesses(t2);
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i].object, y[i].object);
  EXPECT_EQ(x.front().object, "D:\\Shares\\cases\\f9.pdf");  // time order
}

}  // namespace
}  // namespace vigil::assess
