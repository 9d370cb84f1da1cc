#include "vigil/correlate/attribution.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

namespace vigil::correlate {
namespace {

const AttackTable& table() { return AttackTable::builtin(); }

// APT29 and APT28 plus groups of other kinds: destruction (Sandworm), finance
// and destruction (Lazarus), crime (FIN7), espionage with its own tooling
// (Turla), espionage and crime (APT41).
const char* const kGroups[] = {"G0016", "G0007", "G0034", "G0032", "G0046", "G0010", "G0096"};

std::vector<std::string> techniques_of(const Group& group) {
  std::vector<std::string> ids;
  for (const GroupTechnique& link : group.techniques) ids.push_back(link.technique->id);
  return ids;
}

const Group& group(const char* id) {
  const Group* found = table().find_group(id);
  EXPECT_NE(found, nullptr) << id;
  return found != nullptr ? *found : table().groups().front();
}

std::string describe(const std::vector<RankedGroup>& ranking) {
  std::string text;
  for (size_t i = 0; i < ranking.size() && i < 5; ++i) {
    text += ranking[i].group_id + " " + ranking[i].name + " " +
            std::to_string(ranking[i].score) + "; ";
  }
  return text;
}

TEST(RankGroups, SixtyPercentOfAGroupsTechniquesRanksItFirst) {
  for (const char* id : kGroups) {
    std::vector<std::string> all = techniques_of(group(id));
    std::vector<std::string> sample;
    for (size_t i = 0; i < all.size(); ++i) {
      if (i % 5 == 0 || i % 5 == 2 || i % 5 == 4) sample.push_back(all[i]);
    }
    ASSERT_GE(sample.size(), all.size() * 3 / 5) << id;
    std::vector<RankedGroup> ranking = rank_groups(table(), sample, 10);
    ASSERT_FALSE(ranking.empty()) << id;
    EXPECT_EQ(ranking[0].group_id, id) << describe(ranking);
    ASSERT_GE(ranking.size(), 2u);
    EXPECT_GT(ranking[0].score, ranking[1].score) << describe(ranking);
    EXPECT_DOUBLE_EQ(ranking[0].score, 1.0) << "every sampled technique is the group's";
  }
}

TEST(RankGroups, SampleAmongOtherGroupsTechniquesStillRanksFirst) {
  // Every other of the group's techniques, plus the five techniques most groups
  // use that this one is not known for: the incident is no longer a subset.
  for (const char* id : kGroups) {
    const Group& target = group(id);
    std::vector<std::string> incident;
    for (size_t i = 0; i < target.techniques.size(); i += 2) {
      incident.push_back(target.techniques[i].technique->id);
    }
    std::vector<const Technique*> foreign;
    for (const Technique& technique : table().techniques()) {
      std::span<const Group* const> users = table().groups_using(technique);
      if (std::find(users.begin(), users.end(), &target) == users.end()) {
        foreign.push_back(&technique);
      }
    }
    std::stable_sort(foreign.begin(), foreign.end(), [](const Technique* a, const Technique* b) {
      return table().groups_using(*a).size() > table().groups_using(*b).size();
    });
    for (size_t i = 0; i < 5 && i < foreign.size(); ++i) incident.push_back(foreign[i]->id);
    std::vector<RankedGroup> ranking = rank_groups(table(), incident, 5);
    ASSERT_FALSE(ranking.empty()) << id;
    EXPECT_EQ(ranking[0].group_id, id) << describe(ranking);
    EXPECT_LT(ranking[0].score, 1.0) << id;
  }
}

TEST(RankGroups, AGroupsRarerTechniquesAloneRankItFirst) {
  for (const char* id : kGroups) {
    std::vector<const Technique*> all;
    for (const GroupTechnique& link : group(id).techniques) all.push_back(link.technique);
    // The rarest fifth of the group's techniques (by how many groups use them).
    std::stable_sort(all.begin(), all.end(), [](const Technique* a, const Technique* b) {
      return table().groups_using(*a).size() < table().groups_using(*b).size();
    });
    std::vector<std::string> rare;
    for (size_t i = 0; i < (all.size() + 4) / 5; ++i) rare.push_back(all[i]->id);
    std::vector<RankedGroup> ranking = rank_groups(table(), rare, 3);
    ASSERT_FALSE(ranking.empty()) << id;
    EXPECT_EQ(ranking[0].group_id, id) << describe(ranking);
  }
}

TEST(RankGroups, CommonTechniquesAloneDoNotSingleAGroupOut) {
  // Everyone's techniques: many groups share the incident completely, so the
  // first places tie at 1 and fall to group id order.
  const std::vector<std::string> common = {"T1059.001", "T1105"};
  std::vector<RankedGroup> ranking = rank_groups(table(), common, 1000);
  ASSERT_GE(ranking.size(), 3u);
  size_t full = 0;
  while (full < ranking.size() && ranking[full].score == ranking[0].score) ++full;
  EXPECT_GE(full, 10u) << describe(ranking);
  for (size_t i = 1; i < full; ++i) EXPECT_LT(ranking[i - 1].group_id, ranking[i].group_id);
}

// The ranking recomputed from the groups' technique lists, independently of
// groups_using().
std::vector<RankedGroup> rank_by_hand(const std::vector<std::string>& incident) {
  auto expand = [](const std::vector<const Technique*>& techniques) {
    std::set<std::string> ids;
    for (const Technique* t : techniques) {
      ids.insert(t->id);
      if (t->parent != nullptr) ids.insert(t->parent->id);
    }
    return ids;
  };
  std::vector<std::set<std::string>> group_sets;
  for (const Group& g : table().groups()) {
    std::vector<const Technique*> techniques;
    for (const GroupTechnique& link : g.techniques) techniques.push_back(link.technique);
    group_sets.push_back(expand(techniques));
  }
  std::vector<const Technique*> resolved;
  for (const std::string& id : incident) {
    if (const Technique* t = table().technique(id)) resolved.push_back(t);
  }
  const std::set<std::string> incident_set = expand(resolved);
  auto weight = [&](const std::string& id) {
    size_t users = 0;
    for (const auto& set : group_sets) users += set.count(id);
    return std::log(static_cast<double>(group_sets.size()) /
                    static_cast<double>(std::max<size_t>(users, 1)));
  };
  double total = 0;
  for (const std::string& id : incident_set) total += weight(id);
  std::vector<RankedGroup> ranking;
  for (size_t i = 0; i < group_sets.size(); ++i) {
    RankedGroup ranked{table().groups()[i].id, table().groups()[i].name, 0, {}};
    double shared = 0;
    for (const std::string& id : incident_set) {
      if (group_sets[i].count(id) == 0) continue;
      shared += weight(id);
      ranked.shared_techniques.push_back(id);
    }
    if (ranked.shared_techniques.empty()) continue;
    ranked.score = shared / total;
    ranking.push_back(ranked);
  }
  std::stable_sort(ranking.begin(), ranking.end(), [](const RankedGroup& a, const RankedGroup& b) {
    return a.score > b.score;
  });
  return ranking;
}

TEST(RankGroups, MadeUpIncidentRanksAsTheDefinitionSays) {
  // A mix: spearphishing link, PowerShell under its retired id, LSASS dump,
  // remote services, archive, exfiltration to cloud storage, and an id no
  // table knows.
  const std::vector<std::string> incident = {"T1566.002", "t1086", "T1003.001", "T1021.002",
                                             "T1560.001", "T1567.002", "T1021.002", "T9999"};
  std::vector<RankedGroup> ranking = rank_groups(table(), incident, 1000);
  std::vector<RankedGroup> expected = rank_by_hand(incident);
  ASSERT_EQ(ranking.size(), expected.size());
  for (size_t i = 0; i < ranking.size(); ++i) {
    EXPECT_NEAR(ranking[i].score, expected[i].score, 1e-9) << i;
    EXPECT_EQ(ranking[i].shared_techniques, expected[i].shared_techniques) << i;
    if (i > 0) {
      EXPECT_GE(ranking[i - 1].score, ranking[i].score);
      if (ranking[i - 1].score == ranking[i].score) {
        EXPECT_LT(ranking[i - 1].group_id, ranking[i].group_id);
      }
    }
  }
  ASSERT_FALSE(ranking.empty());
  // Parents count through sub-techniques.
  const std::vector<std::string>& shared = ranking[0].shared_techniques;
  EXPECT_TRUE(std::is_sorted(shared.begin(), shared.end()));

  // Order, duplicates and spelling of the input do not matter; nor does running again.
  std::vector<std::string> shuffled = {"t1567.002", "T1059.001", "T1560.001", "T1021.002",
                                       "T1003.001", "T1566.002"};
  std::vector<RankedGroup> again = rank_groups(table(), shuffled, 1000);
  ASSERT_EQ(again.size(), ranking.size());
  for (size_t i = 0; i < again.size(); ++i) {
    EXPECT_EQ(again[i].group_id, ranking[i].group_id) << i;
    EXPECT_EQ(again[i].score, ranking[i].score) << i;  // bit for bit
    EXPECT_EQ(again[i].shared_techniques, ranking[i].shared_techniques) << i;
  }

  std::vector<RankedGroup> top3 = rank_groups(table(), incident, 3);
  ASSERT_EQ(top3.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(top3[i].group_id, ranking[i].group_id);
}

TEST(RankGroups, ExactScoresOnASmallTable) {
  AttackTable::Sources sources;
  sources.tactics = "order\ttactic_id\tshortname\tname\n1\tTA0002\texecution\tExecution\n";
  sources.techniques =
      "technique_id\tname\ttactics\tparent_id\n"
      "T1001\tCommon\texecution\t\nT1002\tRare\texecution\t\n"
      "T1059\tInterpreter\texecution\t\nT1059.001\tPowerShell\texecution\tT1059\n"
      "T1059.003\tCmd\texecution\tT1059\n";
  sources.groups = "group_id\tname\taliases\nG0001\tA\t\nG0002\tB\t\nG0003\tC\t\nG0004\tD\t\n";
  sources.campaigns = "campaign_id\tname\tgroup_ids\n";
  sources.group_techniques =
      "group_id\ttechnique_id\tvia\n"
      "G0001\tT1001\tdirect\nG0001\tT1002\tdirect\n"
      "G0002\tT1001\tdirect\nG0002\tT1059.003\tdirect\n"
      "G0003\tT1001\tdirect\nG0003\tT1059.001\tdirect\n"
      "G0004\tT1001\tdirect\n";
  sources.technique_remap = "old_id\tstatus\tnew_id\told_name\n";
  Result<AttackTable> small = AttackTable::parse(sources);
  ASSERT_TRUE(small.ok()) << small.error().to_string();

  // Weights: T1001 used by all 4 -> ln 1 = 0; T1002 by 1 -> ln 4; T1059 by 2
  // (through sub-techniques) -> ln 2; T1059.001 by 1 -> ln 4.
  EXPECT_DOUBLE_EQ(technique_weight(*small, *small->technique("T1059")), std::log(2.0));
  const std::vector<std::string> incident = {"T1001", "T1059.001", "T1002"};
  const double total = 0 + std::log(4.0) + std::log(2.0) + std::log(4.0);
  std::vector<RankedGroup> ranking = rank_groups(*small, incident, 10);
  ASSERT_EQ(ranking.size(), 4u);
  EXPECT_EQ(ranking[0].group_id, "G0003");
  EXPECT_DOUBLE_EQ(ranking[0].score, (std::log(2.0) + std::log(4.0)) / total);
  EXPECT_EQ(ranking[0].shared_techniques,
            (std::vector<std::string>{"T1001", "T1059", "T1059.001"}));
  EXPECT_EQ(ranking[1].group_id, "G0001");
  EXPECT_DOUBLE_EQ(ranking[1].score, std::log(4.0) / total);
  EXPECT_EQ(ranking[2].group_id, "G0002");
  EXPECT_DOUBLE_EQ(ranking[2].score, std::log(2.0) / total);
  EXPECT_EQ(ranking[2].shared_techniques, (std::vector<std::string>{"T1001", "T1059"}));
  // A technique every group uses is shared but weighs nothing.
  EXPECT_EQ(ranking[3].group_id, "G0004");
  EXPECT_EQ(ranking[3].score, 0.0);
  EXPECT_EQ(ranking[3].name, "D");
}

TEST(RankGroups, NothingToRank) {
  EXPECT_TRUE(rank_groups(table(), std::vector<std::string>{}, 10).empty());
  EXPECT_TRUE(rank_groups(table(), std::vector<std::string>{"T9999", "T1064", "x"}, 10).empty());
  EXPECT_TRUE(rank_groups(table(), std::vector<std::string>{"T1059.001"}, 0).empty());
}

TEST(RankGroups, CaveatSaysItIsNotAttribution) {
  EXPECT_NE(kGroupRankingCaveat.find("not an attribution"), std::string_view::npos);
}

}  // namespace
}  // namespace vigil::correlate
