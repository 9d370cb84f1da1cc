#include "vigil/correlate/attack.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vigil::correlate {
namespace {

namespace fs = std::filesystem;

const AttackTable& table() { return AttackTable::builtin(); }

std::vector<std::string> ids_of(const std::vector<const Tactic*>& tactics) {
  std::vector<std::string> ids;
  for (const Tactic* tactic : tactics) ids.push_back(tactic->id);
  return ids;
}

TEST(AttackTable, BuiltinParsesCompletely) {
  Result<AttackTable> parsed = AttackTable::parse_builtin();
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  // ATT&CK v18.1 Enterprise, as src/correlate/attack/README.md counts it.
  EXPECT_EQ(parsed->tactics().size(), 14u);
  EXPECT_EQ(parsed->techniques().size(), 691u);
  EXPECT_EQ(parsed->groups().size(), 172u);
  EXPECT_EQ(parsed->campaigns().size(), 24u);
  EXPECT_EQ(parsed->retired_techniques().size(), 144u);
  EXPECT_EQ(table().techniques().size(), 691u);
}

TEST(AttackTable, TacticsInKillChainOrder) {
  std::span<const Tactic> tactics = table().tactics();
  ASSERT_EQ(tactics.size(), 14u);
  EXPECT_EQ(tactics.front().shortname, "reconnaissance");
  EXPECT_EQ(tactics.back().shortname, "impact");
  for (size_t i = 0; i < tactics.size(); ++i) EXPECT_EQ(tactics[i].order, i + 1);
  // Command and control comes before exfiltration although its id is larger.
  const Tactic* c2 = table().find_tactic("command-and-control");
  const Tactic* exfiltration = table().find_tactic("exfiltration");
  ASSERT_NE(c2, nullptr);
  ASSERT_NE(exfiltration, nullptr);
  EXPECT_EQ(c2->id, "TA0011");
  EXPECT_EQ(exfiltration->id, "TA0010");
  EXPECT_LT(c2->order, exfiltration->order);
}

TEST(AttackTable, TacticLookupAcceptsEverySpelling) {
  const Tactic* expected = table().find_tactic("credential-access");
  ASSERT_NE(expected, nullptr);
  EXPECT_EQ(expected->id, "TA0006");
  EXPECT_EQ(expected->name, "Credential Access");
  EXPECT_EQ(expected->order, 8u);
  for (const char* spelling : {"credential_access", "CREDENTIAL-ACCESS", "Credential Access",
                               "TA0006", "ta0006"}) {
    EXPECT_EQ(table().find_tactic(spelling), expected) << spelling;
  }
  EXPECT_EQ(table().find_tactic("credential"), nullptr);
  EXPECT_EQ(table().find_tactic(""), nullptr);
  EXPECT_EQ(table().find_tactic("TA0099"), nullptr);
}

TEST(AttackTable, TechniqueLookup) {
  std::optional<TechniqueLookup> found = table().find_technique("t1059.001");
  ASSERT_TRUE(found.has_value());
  ASSERT_NE(found->technique, nullptr);
  EXPECT_FALSE(found->remapped());
  EXPECT_FALSE(found->withdrawn());
  const Technique& powershell = *found->technique;
  EXPECT_EQ(powershell.id, "T1059.001");
  EXPECT_EQ(powershell.name, "PowerShell");
  ASSERT_TRUE(powershell.is_subtechnique());
  EXPECT_EQ(powershell.parent->id, "T1059");
  EXPECT_FALSE(powershell.parent->is_subtechnique());
  EXPECT_EQ(ids_of(powershell.tactics), std::vector<std::string>{"TA0002"});
  EXPECT_EQ(&table().techniques()[powershell.index], &powershell);

  // Valid accounts serves four tactics; the table lists them in kill-chain order.
  const Technique* valid_accounts = table().technique("T1078");
  ASSERT_NE(valid_accounts, nullptr);
  EXPECT_EQ(ids_of(valid_accounts->tactics),
            (std::vector<std::string>{"TA0001", "TA0003", "TA0004", "TA0005"}));
}

TEST(AttackTable, RetiredIdsAreRemapped) {
  std::optional<TechniqueLookup> found = table().find_technique("T1086");
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->remapped());
  ASSERT_NE(found->technique, nullptr);
  EXPECT_EQ(found->technique->id, "T1059.001");
  ASSERT_NE(found->retired, nullptr);
  EXPECT_EQ(found->retired->id, "T1086");
  EXPECT_EQ(found->retired->old_name, "PowerShell");
  EXPECT_EQ(table().technique("t1086"), table().technique("T1059.001"));
  // Sub-technique ids were retired too: Winlogon Helper DLL.
  ASSERT_NE(table().technique("T1004"), nullptr);
  EXPECT_EQ(table().technique("T1004")->id, "T1547.004");
}

TEST(AttackTable, WithdrawnAndUnknownIdsAreTold) {
  std::optional<TechniqueLookup> scripting = table().find_technique("T1064");
  ASSERT_TRUE(scripting.has_value());
  EXPECT_TRUE(scripting->withdrawn());
  EXPECT_FALSE(scripting->remapped());
  ASSERT_NE(scripting->retired, nullptr);
  EXPECT_EQ(scripting->retired->old_name, "Scripting");
  EXPECT_EQ(table().technique("T1064"), nullptr);

  for (const char* id : {"T9999", "T1059.999", "T1059.01", "1059", "T10590", "", "TA0006"}) {
    EXPECT_FALSE(table().find_technique(id).has_value()) << id;
    EXPECT_EQ(table().technique(id), nullptr) << id;
  }
}

TEST(AttackTable, GroupsByIdNameAndAlias) {
  const Group* apt29 = table().find_group("G0016");
  ASSERT_NE(apt29, nullptr);
  EXPECT_EQ(apt29->name, "APT29");
  EXPECT_EQ(table().find_group("apt29"), apt29);
  EXPECT_EQ(table().find_group("Cozy Bear"), apt29);
  EXPECT_EQ(table().find_group("midnight blizzard"), apt29);
  EXPECT_EQ(table().find_group("Fancy Bear"), table().find_group("G0007"));
  EXPECT_EQ(table().find_group("no such group"), nullptr);

  // 66 direct links plus the techniques of Operation Ghost and the SolarWinds
  // Compromise: 119, as attack.mitre.org's group page counts them.
  EXPECT_EQ(apt29->techniques.size(), 119u);
  size_t direct = 0;
  for (const GroupTechnique& link : apt29->techniques) direct += link.direct ? 1 : 0;
  EXPECT_EQ(direct, 66u);
  for (size_t i = 1; i < apt29->techniques.size(); ++i) {
    EXPECT_LT(apt29->techniques[i - 1].technique->id, apt29->techniques[i].technique->id);
  }
  auto link = std::find_if(apt29->techniques.begin(), apt29->techniques.end(),
                           [](const GroupTechnique& l) { return l.technique->id == "T1003.006"; });
  ASSERT_NE(link, apt29->techniques.end());
  EXPECT_FALSE(link->direct);
  ASSERT_EQ(link->campaigns.size(), 1u);
  EXPECT_EQ(link->campaigns[0]->id, "C0024");
  EXPECT_EQ(link->campaigns[0]->name, "SolarWinds Compromise");
  EXPECT_EQ(table().find_campaign("c0024"), link->campaigns[0]);
}

TEST(AttackTable, GroupsUsingCountSubTechniquesForTheirParent) {
  const Technique* interpreter = table().technique("T1059");
  const Technique* powershell = table().technique("T1059.001");
  ASSERT_NE(interpreter, nullptr);
  ASSERT_NE(powershell, nullptr);
  std::span<const Group* const> parent_users = table().groups_using(*interpreter);
  std::span<const Group* const> powershell_users = table().groups_using(*powershell);
  EXPECT_GT(powershell_users.size(), 10u);
  EXPECT_GT(parent_users.size(), powershell_users.size());
  for (const Group* group : powershell_users) {
    EXPECT_TRUE(std::find(parent_users.begin(), parent_users.end(), group) != parent_users.end())
        << group->id;
  }
  for (size_t i = 1; i < parent_users.size(); ++i) {
    EXPECT_LT(parent_users[i - 1]->id, parent_users[i]->id);
  }
  // Every group that links a technique directly or through a sub-technique.
  size_t expected = 0;
  for (const Group& group : table().groups()) {
    bool uses = false;
    for (const GroupTechnique& link : group.techniques) {
      uses = uses || link.technique == interpreter || link.technique->parent == interpreter;
    }
    expected += uses ? 1 : 0;
  }
  EXPECT_EQ(parent_users.size(), expected);
}

TEST(AttackTable, SigmaTags) {
  std::optional<AttackTag> technique = table().parse_tag("attack.t1059.001");
  ASSERT_TRUE(technique.has_value());
  EXPECT_EQ(technique->kind, AttackTag::Kind::kTechnique);
  EXPECT_EQ(technique->technique, table().technique("T1059.001"));
  EXPECT_EQ(technique->retired, nullptr);

  std::optional<AttackTag> old = table().parse_tag("attack.t1086");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->kind, AttackTag::Kind::kTechnique);
  EXPECT_EQ(old->technique->id, "T1059.001");
  ASSERT_NE(old->retired, nullptr);
  EXPECT_EQ(old->retired->id, "T1086");

  for (const char* tag : {"attack.credential-access", "attack.credential_access",
                          "ATTACK.Credential_Access", "attack.ta0006"}) {
    std::optional<AttackTag> tactic = table().parse_tag(tag);
    ASSERT_TRUE(tactic.has_value()) << tag;
    EXPECT_EQ(tactic->kind, AttackTag::Kind::kTactic) << tag;
    EXPECT_EQ(tactic->tactic->id, "TA0006") << tag;
  }

  std::optional<AttackTag> withdrawn = table().parse_tag("attack.t1064");
  ASSERT_TRUE(withdrawn.has_value());
  EXPECT_EQ(withdrawn->kind, AttackTag::Kind::kWithdrawnTechnique);
  EXPECT_EQ(withdrawn->technique, nullptr);
  std::optional<AttackTag> unknown = table().parse_tag("attack.t9999");
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->kind, AttackTag::Kind::kUnknownTechnique);

  for (const char* tag : {"attack.g0016", "attack.s0002", "cve.2021-44228", "car.2016-04-005",
                          "attack.", "attack", "detection.threat-hunting", "t1059.001",
                          "attack.t1059.001x", "attackt1059"}) {
    EXPECT_FALSE(table().parse_tag(tag).has_value()) << tag;
  }
}

TEST(AttackTable, ResolveTagsOfARule) {
  std::vector<std::string> tags = {"attack.execution", "attack.t1086", "attack.t1059.001",
                                   "attack.t1064",     "attack.s0002", "cve.2021-44228",
                                   "attack.t1003.001", "attack.t9999"};
  TagAttack attack = table().resolve_tags(tags);
  ASSERT_EQ(attack.techniques.size(), 2u);
  EXPECT_EQ(attack.techniques[0]->id, "T1003.001");
  EXPECT_EQ(attack.techniques[1]->id, "T1059.001");
  // The tagged tactic wins over those of the techniques (credential access).
  EXPECT_EQ(ids_of(attack.tactics), std::vector<std::string>{"TA0002"});
  EXPECT_EQ(attack.unresolved, (std::vector<std::string>{"attack.t1064", "attack.t9999"}));

  std::vector<std::string> untagged_tactics = {"attack.t1078", "attack.t1003.001"};
  TagAttack derived = table().resolve_tags(untagged_tactics);
  EXPECT_EQ(ids_of(derived.tactics),
            (std::vector<std::string>{"TA0001", "TA0003", "TA0004", "TA0005", "TA0006"}));
}

// A small table to check that inconsistencies are refused with file and line.
AttackTable::Sources tiny_sources() {
  AttackTable::Sources sources;
  sources.tactics = "order\ttactic_id\tshortname\tname\n1\tTA0002\texecution\tExecution\n";
  sources.techniques =
      "technique_id\tname\ttactics\tparent_id\nT1059\tInterpreter\texecution\t\n"
      "T1059.001\tPowerShell\texecution\tT1059\n";
  sources.groups = "group_id\tname\taliases\nG0001\tOne\tUno|Eins\nG0002\tTwo\t\n";
  sources.campaigns = "campaign_id\tname\tgroup_ids\nC0001\tFirst\tG0002\n";
  sources.group_techniques =
      "group_id\ttechnique_id\tvia\nG0001\tT1059.001\tdirect\nG0002\tT1059\tC0001\n";
  sources.technique_remap = "old_id\tstatus\tnew_id\told_name\nT1086\tremapped\tT1059.001\tPS\n";
  return sources;
}

TEST(AttackTable, ParsesASmallTable) {
  Result<AttackTable> parsed = AttackTable::parse(tiny_sources());
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_EQ(parsed->find_group("eins"), parsed->find_group("G0001"));
  ASSERT_NE(parsed->technique("T1086"), nullptr);
  EXPECT_EQ(parsed->technique("T1086")->id, "T1059.001");
  EXPECT_EQ(parsed->groups_using(*parsed->technique("T1059")).size(), 2u);
  EXPECT_EQ(parsed->groups_using(*parsed->technique("T1059.001")).size(), 1u);
  // A technique of another table is not one of this table's.
  EXPECT_TRUE(parsed->groups_using(*table().technique("T1059")).empty());
}

TEST(AttackTable, RefusesInconsistentTables) {
  struct Case {
    std::string_view AttackTable::Sources::*table;
    std::string text;
    std::string file;
    uint64_t line;
  };
  const std::vector<Case> cases = {
      {&AttackTable::Sources::techniques,
       "technique_id\tname\ttactics\tparent_id\nT1059\tInterpreter\tstealth\t\n", "techniques.tsv",
       2},
      {&AttackTable::Sources::techniques,
       "technique_id\tname\ttactics\tparent_id\nT1059.001\tPowerShell\texecution\tT1059\n",
       "techniques.tsv", 2},
      {&AttackTable::Sources::group_techniques,
       "group_id\ttechnique_id\tvia\nG0001\tT1059\tdirect\nG0001\tT1234\tdirect\n",
       "group_techniques.tsv", 3},
      {&AttackTable::Sources::group_techniques,
       "group_id\ttechnique_id\tvia\nG0001\tT1059\tC0099\n", "group_techniques.tsv", 2},
      {&AttackTable::Sources::groups, "group_id\tname\nG0001\tOne\n", "groups.tsv", 1},
      {&AttackTable::Sources::groups, "group_id\tname\taliases\nG0001\tOne\n", "groups.tsv", 2},
      {&AttackTable::Sources::technique_remap,
       "old_id\tstatus\tnew_id\told_name\nT1059\tremapped\tT1059.001\tSame\n",
       "technique_remap.tsv", 2},
      {&AttackTable::Sources::technique_remap,
       "old_id\tstatus\tnew_id\told_name\nT1086\tremapped\t\tPS\n", "technique_remap.tsv", 2},
      {&AttackTable::Sources::campaigns, "", "campaigns.tsv", 0},
  };
  for (const Case& c : cases) {
    AttackTable::Sources sources = tiny_sources();
    sources.*c.table = c.text;
    Result<AttackTable> parsed = AttackTable::parse(sources);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.error().source, c.file) << c.text;
    EXPECT_EQ(parsed.error().offset, c.line) << c.text << ": " << parsed.error().to_string();
  }
}

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The committed table must be what the script makes of the shared export.
TEST(AttackTable, CommittedTableIsCurrent) {
  const fs::path source = fs::path(VIGIL_SHARED_DIR) / "corpus" / "attack";
  if (!fs::exists(source / "techniques.tsv")) {
    GTEST_SKIP() << source << " is absent";
  }
  if (std::system("python3 -c pass") != 0) GTEST_SKIP() << "python3 is absent";
  const fs::path out =
      fs::temp_directory_path() / ("vigil_attack_table_" + std::to_string(::getpid()));
  fs::remove_all(out);
  const fs::path script = fs::path(VIGIL_SOURCE_DIR) / "scripts" / "attack_table.py";
  const std::string command =
      "python3 '" + script.string() + "' '" + source.string() + "' --out '" + out.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  const fs::path committed = fs::path(VIGIL_SOURCE_DIR) / "src" / "correlate" / "attack";
  size_t compared = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(out)) {
    const fs::path name = entry.path().filename();
    EXPECT_TRUE(fs::exists(committed / name)) << name << " is not committed";
    EXPECT_TRUE(read_whole(entry.path()) == read_whole(committed / name))
        << "src/correlate/attack/" << name.string()
        << " is stale: run python3 scripts/attack_table.py ../shared/corpus/attack";
    ++compared;
  }
  EXPECT_EQ(compared, 7u);  // six tables and the README
  fs::remove_all(out);
}

}  // namespace
}  // namespace vigil::correlate
