// Account forms, identity resolution and need-to-know verdicts on the court
// example.

#include "vigil/assess/need_to_know.h"

#include <gtest/gtest.h>

#include <string>

#include "vigil/assess/inventory.h"

namespace vigil::assess {
namespace {

const std::string kCourt = std::string(VIGIL_SOURCE_DIR) + "/tests/data/inventory/court.yaml";

class NeedToKnow : public ::testing::Test {
 protected:
  void SetUp() override {
    result_ = std::make_unique<InventoryResult>(Inventory::load(kCourt));
    ASSERT_TRUE(result_->ok());
  }
  const Inventory& inv() const { return **result_; }
  const Asset& asset(const char* id) const { return *inv().asset(id); }

  std::unique_ptr<InventoryResult> result_;
};

TEST(Accounts, ParsesTheThreeForms) {
  auto a = parse_account("COURT\\m.keller");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->domain, "COURT");
  EXPECT_EQ(a->user, "m.keller");
  a = parse_account("m.keller@court.local");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->domain, "court.local");
  EXPECT_EQ(a->user, "m.keller");
  a = parse_account("m.keller");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->domain, "");
  a = parse_account("odd@name@court.local");  // the last @ separates
  ASSERT_TRUE(a);
  EXPECT_EQ(a->user, "odd@name");
  EXPECT_FALSE(parse_account(""));
  EXPECT_FALSE(parse_account("\\user"));
  EXPECT_FALSE(parse_account("DOMAIN\\"));
  EXPECT_FALSE(parse_account("a\\b\\c"));
  EXPECT_FALSE(parse_account("@court.local"));
  EXPECT_FALSE(parse_account("user@"));
  EXPECT_FALSE(parse_account("us\ner"));
}

TEST(Accounts, DomainsMatchByNameOrNetbiosLabel) {
  EXPECT_TRUE(same_domain("COURT", "court"));
  EXPECT_TRUE(same_domain("COURT", "court.local"));
  EXPECT_TRUE(same_domain("court.local", "COURT"));
  EXPECT_TRUE(same_domain("Court.Local", "court.local"));
  EXPECT_TRUE(same_domain("", "anything"));
  EXPECT_FALSE(same_domain("COURT", "other.local"));
  EXPECT_FALSE(same_domain("court.local", "court.example"));  // two DNS names must be equal
  EXPECT_FALSE(same_domain("COURT", "COURTS"));
}

TEST_F(NeedToKnow, ResolvesEverySpelling) {
  const Identity* keller = &inv().identities()[0];
  for (const char* spelling : {"COURT\\m.keller", "court\\M.Keller", "m.keller@court.local",
                               "M.KELLER@COURT.LOCAL", "m.keller", "mkeller", "MKELLER",
                               "COURT\\mkeller", "m.keller@court"}) {
    SCOPED_TRACE(spelling);
    const IdentityLookup found = inv().identity(spelling);
    EXPECT_EQ(found.status, IdentityLookup::Status::kKnown);
    EXPECT_EQ(found.identity, keller);
  }
  for (const char* stranger : {"OTHER\\m.keller", "m.keller@other.example", "WS-0412$",
                               "NT AUTHORITY\\SYSTEM", "-", "", "S-1-5-18", "COURT\\"}) {
    SCOPED_TRACE(stranger);
    const IdentityLookup lookup = inv().identity(stranger);
    EXPECT_EQ(lookup.status, IdentityLookup::Status::kUnknown);
    EXPECT_EQ(lookup.identity, nullptr);
  }
}

TEST(NeedToKnowAmbiguity, BareNamesOfSeveralIdentitiesAreNotGuessed) {
  const InventoryResult r = Inventory::parse(R"(organisation: {name: C, regime: none}
identities:
  - {account: COURT\j.doe, role: clerk}
  - {account: j.doe@partner.example, role: liaison}
)", "amb");
  ASSERT_TRUE(r.ok()) << r.problems()[0].to_string();
  EXPECT_EQ(r->identity("j.doe").status, IdentityLookup::Status::kAmbiguous);
  EXPECT_EQ(r->identity("j.doe").identity, nullptr);
  EXPECT_EQ(r->identity("COURT\\j.doe").identity->role, "clerk");
  EXPECT_EQ(r->identity("j.doe@court.local").identity->role, "clerk");
  EXPECT_EQ(r->identity("PARTNER\\j.doe").identity->role, "liaison");
}

TEST(NeedToKnowAmbiguity, BareInventoryAccountsMatchAnyDomain) {
  const InventoryResult r = Inventory::parse(R"(organisation: {name: C, regime: none}
identities:
  - {account: svc-backup, role: backup}
)", "bare");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->identity("ANY\\svc-backup").status, IdentityLookup::Status::kKnown);
  EXPECT_EQ(r->identity("svc-backup@elsewhere.example").status, IdentityLookup::Status::kKnown);
}

TEST_F(NeedToKnow, JudgesAccessByRole) {
  const Asset& witnesses = asset("case-2024-017-witnesses");
  const Asset& filings = asset("case-2024-023-filings");
  const Asset& hr = asset("hr-records");

  AccessVerdict v = judge_access(inv(), "COURT\\m.keller", witnesses);
  EXPECT_EQ(v.access, Access::kWithinRole);
  EXPECT_EQ(v.identity->role, "judge");
  v = judge_access(inv(), "t.novak@court.local", witnesses);
  EXPECT_EQ(v.access, Access::kOutsideRole);
  EXPECT_EQ(v.identity->role, "trainee");
  EXPECT_EQ(judge_access(inv(), "t.novak", filings).access, Access::kWithinRole);
  EXPECT_EQ(judge_access(inv(), "COURT\\m.keller", hr).access, Access::kOutsideRole);
  EXPECT_EQ(judge_access(inv(), "COURT\\adm-ops", hr).access, Access::kWithinRole);
  v = judge_access(inv(), "EVIL\\intruder", witnesses);
  EXPECT_EQ(v.access, Access::kUnknownAccount);
  EXPECT_EQ(v.identity, nullptr);

  EXPECT_TRUE(role_covers(inv().identities()[1], witnesses));
  EXPECT_FALSE(role_covers(inv().identities()[1], hr));
  EXPECT_STREQ(access_name(Access::kOutsideRole), "outside_role");
  EXPECT_STREQ(access_name(Access::kUnknownAccount), "unknown_account");
}

TEST_F(NeedToKnow, JudgesEveryAssetAtALocation) {
  const auto at = judge_location(inv(), "COURT\\t.novak",
                                 "\\\\fs01\\cases\\2024-017\\witnesses\\W-0001.pdf",
                                 LocationKind::kPath);
  ASSERT_EQ(at.size(), 1u);
  EXPECT_EQ(at[0].asset->id, "case-2024-017-witnesses");
  EXPECT_EQ(at[0].verdict.access, Access::kOutsideRole);

  const auto web = judge_location(inv(), "t.novak", "/cms/cases/2024-023/filing-7.pdf",
                                  LocationKind::kUrl);
  ASSERT_EQ(web.size(), 1u);
  EXPECT_EQ(web[0].verdict.access, Access::kWithinRole);

  const auto stranger = judge_location(inv(), "guest", "object:ignored", LocationKind::kObject);
  EXPECT_TRUE(stranger.empty());
  const auto unknown = judge_location(inv(), "guest", "case/2024-017/exhibit/3",
                                      LocationKind::kObject);
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].verdict.access, Access::kUnknownAccount);
  EXPECT_TRUE(judge_location(inv(), "COURT\\m.keller", "C:\\Windows\\notepad.exe",
                             LocationKind::kPath)
                  .empty());
}

}  // namespace
}  // namespace vigil::assess
