// Loading inventories: the complete court example, every bad example under
// tests/data/inventory/bad (each with the problems it must produce), limits,
// and hostile text.

#include "vigil/assess/inventory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vigil::assess {
namespace {

const std::string kData = std::string(VIGIL_SOURCE_DIR) + "/tests/data/inventory";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `line:column: message`, the form the .expected files hold.
std::vector<std::string> problem_lines(const InventoryResult& result) {
  std::vector<std::string> out;
  for (const InventoryProblem& p : result.problems()) {
    out.push_back(std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + p.message);
  }
  return out;
}

const char* kMinimal = R"(
organisation: {name: Court, regime: none}
)";

TEST(Inventory, LoadsTheCourtExample) {
  const InventoryResult result = Inventory::load(kData + "/court.yaml");
  ASSERT_TRUE(result.ok()) << (result.problems().empty() ? "" : result.problems()[0].to_string());
  const Inventory& inv = *result;

  const Organisation& org = inv.organisation();
  EXPECT_EQ(org.name, "Special Tribunal for the Northern Region");
  EXPECT_EQ(org.regime.kind, Regime::Kind::kGdpr);
  EXPECT_EQ(org.regime.deadline_hours, 72u);
  ASSERT_TRUE(org.dpo.has_value());
  EXPECT_EQ(org.dpo->email, "dpo@court.example");
  EXPECT_EQ(org.dpo->phone, "+31 70 555 0199");

  EXPECT_EQ(inv.subjects().size(), 10u);
  EXPECT_EQ(inv.assets().size(), 5u);
  EXPECT_EQ(inv.identities().size(), 5u);

  const Subject* witness = inv.subject("W-0001");
  ASSERT_NE(witness, nullptr);
  EXPECT_EQ(witness->kind, SubjectKind::kIndividual);
  EXPECT_EQ(witness->category, "protected_witness");
  EXPECT_EQ(witness->contact.channel, ContactChannel::kInPerson);
  EXPECT_TRUE(witness->contact.address.empty());
  EXPECT_EQ(witness->language, "fr");
  EXPECT_TRUE(witness->safety_review);
  EXPECT_EQ(witness->declared.line, 14u);

  const Subject* staff = inv.subject("S-0001");
  ASSERT_NE(staff, nullptr);
  EXPECT_EQ(staff->language, "en");  // the default
  EXPECT_FALSE(staff->safety_review);
  EXPECT_EQ(staff->contact.address, "m.keller@court.example");

  const Subject* state = inv.subject("PS-VANTORIA");
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->kind, SubjectKind::kState);
  EXPECT_EQ(state->contact.channel, ContactChannel::kViaStateParty);
  EXPECT_EQ(state->contact.address, "Embassy of Vantoria, The Hague");
  EXPECT_EQ(inv.subject("V-0001")->language, "sr-Latn");
  EXPECT_EQ(inv.subject("w-0001"), nullptr);  // ids are exact
  EXPECT_EQ(inv.subject("nobody"), nullptr);

  const Asset* witnesses = inv.asset("case-2024-017-witnesses");
  ASSERT_NE(witnesses, nullptr);
  EXPECT_EQ(witnesses->sensitivity, Sensitivity::kCritical);
  EXPECT_EQ(witnesses->subjects, (std::vector<std::string>{"W-0001", "W-0002", "W-0003"}));
  EXPECT_EQ(witnesses->data_categories.size(), 4u);
  EXPECT_EQ(witnesses->locations.size(), 4u);
  EXPECT_EQ(witnesses->index, 0u);
  EXPECT_EQ(inv.asset("public-judgments")->sensitivity, Sensitivity::kLow);
  EXPECT_EQ(inv.asset("missing"), nullptr);

  const Identity& admin = inv.identities()[4];
  EXPECT_EQ(admin.account, "COURT\\adm-ops");
  EXPECT_TRUE(admin.all_assets);
  EXPECT_EQ(admin.covered.size(), 5u);
  const Identity& trainee = inv.identities()[2];
  EXPECT_EQ(trainee.role, "trainee");
  EXPECT_EQ(trainee.covered, (std::vector<uint32_t>{2, 4}));
}

TEST(Inventory, NamesOfEnumerations) {
  EXPECT_STREQ(sensitivity_name(Sensitivity::kCritical), "critical");
  EXPECT_STREQ(subject_kind_name(SubjectKind::kState), "state");
  EXPECT_STREQ(contact_channel_name(ContactChannel::kViaStateParty), "via_state_party");
  EXPECT_LT(Sensitivity::kHigh, Sensitivity::kCritical);
}

// Each bad/<name>.yaml comes with bad/<name>.expected: every problem, in order.
TEST(Inventory, EveryBadExampleGivesItsExpectedProblems) {
  size_t examples = 0;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kData + "/bad")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    std::filesystem::path expected_path = path;
    expected_path.replace_extension(".expected");
    ASSERT_TRUE(std::filesystem::exists(expected_path));
    std::vector<std::string> expected;
    std::istringstream lines(slurp(expected_path.string()));
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) expected.push_back(line);
    }
    const InventoryResult result = Inventory::load(path.string());
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(problem_lines(result), expected);
    for (const InventoryProblem& p : result.problems()) {
      EXPECT_EQ(p.file, path.string());
      EXPECT_GT(p.line, 0u);
    }
    ++examples;
  }
  EXPECT_GE(examples, 15u);
}

TEST(Inventory, ParsesTextWithItsOrigin) {
  const InventoryResult ok = Inventory::parse(kMinimal, "inline");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->organisation().regime.kind, Regime::Kind::kNone);
  EXPECT_FALSE(ok->organisation().regime.deadline_hours.has_value());
  EXPECT_FALSE(ok->organisation().dpo.has_value());
  EXPECT_TRUE(ok->subjects().empty());
  EXPECT_TRUE(ok->assets_at("D:\\x", LocationKind::kPath).empty());

  const InventoryResult bad = Inventory::parse("organisation: {name: Court}\n", "inline");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.problems()[0].to_string(),
            "inline:1:15: error: missing 'regime' in organisation (gdpr, none or "
            "{deadline_hours: N})");
  const Error error = bad.error();
  EXPECT_EQ(error.code, Errc::kCorrupt);
  EXPECT_EQ(error.source, "inline");
  EXPECT_EQ(error.offset, 1u);
  EXPECT_NE(error.message.find("(and 1 more problems)"), std::string::npos);
}

TEST(Inventory, ExplicitDeadline) {
  const InventoryResult r = Inventory::parse(
      "organisation: {name: C, regime: {deadline_hours: 48}, dpo: {phone: '112'}}\n", "x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->organisation().regime.kind, Regime::Kind::kDeadline);
  EXPECT_EQ(r->organisation().regime.deadline_hours, 48u);
}

TEST(Inventory, ByteOrderMarkIsSkipped) {
  const InventoryResult r = Inventory::parse(std::string("\xEF\xBB\xBF") + kMinimal, "bom");
  EXPECT_TRUE(r.ok());
}

TEST(Inventory, QuotedWindowsPathsNeedSingleQuotes) {
  // In double quotes YAML reads \S as an escape: that is YAML's error, with its line.
  const InventoryResult r = Inventory::parse(R"(organisation: {name: C, regime: none}
assets:
  - id: a
    sensitivity: low
    locations: ["D:\Shares\x"]
)", "q");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problems()[0].line, 5u);
  EXPECT_NE(r.problems()[0].message.find("YAML:"), std::string::npos);
  const InventoryResult single = Inventory::parse(R"(organisation: {name: C, regime: none}
assets:
  - id: a
    sensitivity: low
    locations: ['D:\Shares\x\**']
)", "q");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->assets_at("d:/shares/X/y", LocationKind::kPath).size(), 1u);
}

TEST(Inventory, MissingFileIsAnIoProblem) {
  const InventoryResult r = Inventory::load(kData + "/does-not-exist.yaml");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.problems().size(), 1u);
  EXPECT_EQ(r.problems()[0].line, 0u);
  EXPECT_EQ(r.error().code, Errc::kIoError);
  EXPECT_NE(r.problems()[0].to_string().find("does-not-exist.yaml: error: cannot read"),
            std::string::npos);
}

TEST(Inventory, OversizedFileIsNotRead) {
  const std::string path = ::testing::TempDir() + "/vigil-inventory-big.yaml";
  {
    std::ofstream out(path, std::ios::binary);
    const std::string comment = "# " + std::string(1022, 'x') + "\n";
    for (int i = 0; i < 16 * 1024 + 1; ++i) out << comment;
  }
  const InventoryResult r = Inventory::load(path);
  std::filesystem::remove(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kLimitExceeded);
  EXPECT_NE(r.problems()[0].message.find("larger than 16 MiB"), std::string::npos);
}

TEST(Inventory, DeepNestingIsRefusedBeforeParsing) {
  std::string deep = "organisation: ";
  for (int i = 0; i < 100000; ++i) deep += '[';
  const InventoryResult r = Inventory::parse(deep, "deep");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problems()[0].message.find("nesting deeper than"), std::string::npos);

  std::string blocks;
  for (int i = 0; i < 200; ++i) blocks += std::string(static_cast<size_t>(i), ' ') + "k:\n";
  EXPECT_FALSE(Inventory::parse(blocks, "blocks").ok());
  std::string dashes = "subjects:\n  ";
  for (int i = 0; i < 200; ++i) dashes += "- ";
  dashes += "x\n";
  EXPECT_FALSE(Inventory::parse(dashes, "dashes").ok());
}

TEST(Inventory, AliasBombStopsAtTheNodeLimit) {
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    const std::string name = std::to_string(i);
    std::string prev = "*a";
    prev += std::to_string(i - 1);
    bomb += 'a';
    bomb += name;
    bomb += ": &a";
    bomb += name;
    bomb += " [";
    for (int k = 0; k < 10; ++k) {
      if (k > 0) bomb += ", ";
      bomb += prev;
    }
    bomb += "]\n";
  }
  const InventoryResult r = Inventory::parse(bomb, "bomb");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.problems().size(), 1u);
  EXPECT_NE(r.problems()[0].message.find("YAML nodes"), std::string::npos);
}

TEST(Inventory, RecursiveAliasIsRefused) {
  const InventoryResult r = Inventory::parse("organisation: &x [*x]\n", "self");
  EXPECT_FALSE(r.ok());
}

TEST(Inventory, LongValueIsRefused) {
  const std::string text =
      "organisation: {name: " + std::string(70000, 'n') + ", regime: none}\n";
  const InventoryResult r = Inventory::parse(text, "long");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problems()[0].message.find("over the limit"), std::string::npos);
}

TEST(Inventory, ProblemsAreCappedWithACount) {
  std::string text = "organisation: {name: C, regime: none}\nsubjects:\n";
  for (int i = 0; i < 1500; ++i) text += "  - {id: S" + std::to_string(i) + ", bogus: 1}\n";
  const InventoryResult r = Inventory::parse(text, "many");
  ASSERT_FALSE(r.ok());
  // Each subject: unknown key, missing name, kind, category, contact.
  ASSERT_EQ(r.problems().size(), 1001u);
  EXPECT_EQ(r.problems().back().message, "6500 more problems not shown");
  EXPECT_EQ(r.problems().back().line, 0u);
  for (size_t i = 1; i + 1 < r.problems().size(); ++i) {
    EXPECT_LE(r.problems()[i - 1].line, r.problems()[i].line);
  }
}

TEST(Inventory, GarbageNeverThrows) {
  const char* inputs[] = {
      "",       "\n\n",          "---\n---\n",     "[",          "{a: b}: c",
      "? [a]\n: b",              "organisation:\n  - 1", "%YAML 1.2\n---\na: b",
      "!!binary x",              "organisation: !!map {name: x}", "\t\t", "\xff\xfe\x00",
      "organisation: {name: x, regime: {deadline_hours: 99999999999999999999}}",
      "organisation: {name: x, regime: {deadline_hours: [1]}}",
      "identities: [{account: '\\\\'}, {account: 'a\\'}, {account: '@'}]",
      "assets: [{id: a, sensitivity: low, locations: ['\\\\', '//', 'url:/', 'object:/']}]",
  };
  for (const char* input : inputs) {
    SCOPED_TRACE(input);
    const InventoryResult r = Inventory::parse(input, "g");
    EXPECT_FALSE(r.ok());
    EXPECT_FALSE(r.problems().empty());
    for (const InventoryProblem& p : r.problems()) EXPECT_FALSE(p.message.empty());
  }
}

TEST(Inventory, NonTextKeysAreReported) {
  const InventoryResult r =
      Inventory::parse("organisation: {name: C, regime: none, [a]: b}\n", "keys");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(problem_lines(r),
            (std::vector<std::string>{"1:39: a key in organisation is a list, not a name"}));
}

TEST(Inventory, EmptyOptionalValuesCountAsAbsent) {
  const InventoryResult r = Inventory::parse(R"(organisation: {name: C, regime: none}
subjects:
  - id: S-1
    name: A
    kind: individual
    category: staff
    contact: {channel: in_person, address: ""}
    language:
    safety_review:
assets:
  - {id: a, sensitivity: low, description: "", data_categories: [], locations:, subjects: []}
identities:
  - {account: x, role: r, aliases: [], assets: []}
)", "e");
  ASSERT_TRUE(r.ok()) << r.problems()[0].to_string();
  EXPECT_EQ(r->subject("S-1")->language, "en");
  EXPECT_TRUE(r->identities()[0].covered.empty());
}

}  // namespace
}  // namespace vigil::assess
