#include "vigil/correlate/attribution.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace vigil::correlate {

double technique_weight(const AttackTable& table, const Technique& technique) {
  const size_t groups = table.groups().size();
  if (groups == 0) return 0;
  const size_t users = std::max<size_t>(table.groups_using(technique).size(), 1);
  return std::log(static_cast<double>(groups) / static_cast<double>(users));
}

std::vector<RankedGroup> rank_groups(const AttackTable& table,
                                     std::span<const std::string> incident_techniques,
                                     size_t top) {
  // Technique indices follow id order, so sums below run in one fixed order and
  // equal sets give bit-identical scores (ties then fall to the group id).
  std::vector<const Technique*> techniques;
  for (const std::string& id : incident_techniques) {
    for (const Technique* t = table.technique(id); t != nullptr; t = t->parent) {
      techniques.push_back(t);
    }
  }
  auto by_index = [](const Technique* a, const Technique* b) { return a->index < b->index; };
  std::sort(techniques.begin(), techniques.end(), by_index);
  techniques.erase(std::unique(techniques.begin(), techniques.end()), techniques.end());

  // Numbers first; shared lists only for the groups kept.
  std::vector<double> shared_weight(table.groups().size(), 0);
  std::vector<uint32_t> shared_count(table.groups().size(), 0);
  double incident_weight = 0;
  for (const Technique* technique : techniques) {
    const double weight = technique_weight(table, *technique);
    incident_weight += weight;
    for (const Group* group : table.groups_using(*technique)) {
      shared_weight[group->index] += weight;
      ++shared_count[group->index];
    }
  }

  struct Candidate {
    uint32_t group;
    double score;
  };
  std::vector<Candidate> candidates;
  for (uint32_t index = 0; index < shared_count.size(); ++index) {
    if (shared_count[index] == 0) continue;
    const double score = incident_weight > 0 ? shared_weight[index] / incident_weight : 0;
    candidates.push_back(Candidate{index, std::min(score, 1.0)});
  }
  // Group indices follow group ids.
  auto better = [](const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score > b.score : a.group < b.group;
  };
  const size_t kept = std::min(top, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<ptrdiff_t>(kept),
                    candidates.end(), better);
  candidates.resize(kept);

  auto by_group_index = [](const Group* a, const Group* b) { return a->index < b->index; };
  std::vector<RankedGroup> ranking;
  ranking.reserve(kept);
  for (const Candidate& candidate : candidates) {
    const Group& group = table.groups()[candidate.group];
    RankedGroup ranked{group.id, group.name, candidate.score, {}};
    ranked.shared_techniques.reserve(shared_count[candidate.group]);
    for (const Technique* technique : techniques) {
      std::span<const Group* const> users = table.groups_using(*technique);
      if (std::binary_search(users.begin(), users.end(), &group, by_group_index)) {
        ranked.shared_techniques.push_back(technique->id);
      }
    }
    ranking.push_back(std::move(ranked));
  }
  return ranking;
}

}  // namespace vigil::correlate
