#pragma once
// Which ATT&CK groups an incident's techniques resemble (docs/investigate.md,
// "Group ranking"). This measures how much of the incident's behaviour, rare
// techniques counting most, a group is known to use. It is evidence for an
// analyst, never an attribution: groups share tools and tradecraft, ATT&CK
// records only what was published, and logs show only part of an intrusion.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/correlate/attack.h"

namespace vigil::correlate {

// The sentence every output showing a ranking carries with it.
inline constexpr std::string_view kGroupRankingCaveat =
    "Similarity between the incident's ATT&CK techniques and those MITRE ATT&CK links to each "
    "group, rare techniques weighing more; shared techniques are evidence to weigh, not an "
    "attribution.";

struct RankedGroup {
  std::string group_id;  // "G0016"
  std::string name;      // "APT29"
  // Weight of the techniques shared with the group / weight of the incident's
  // techniques, in [0, 1].
  double score = 0;
  // Technique ids shared, sorted; a parent appears when it is shared through
  // sub-techniques (the incident's T1059.001 and the group's T1059.003 share T1059).
  std::vector<std::string> shared_techniques;
};

// The rarity weight of a technique: ln(G / g) with G the groups in the table
// and g those using the technique or one of its sub-techniques. A technique no
// group uses weighs as if one did (ln G), the rarest there is.
double technique_weight(const AttackTable& table, const Technique& technique);

// Ranks the groups sharing at least one technique with the incident, best
// first: score descending, then group id. At most `top` groups. Ids are
// resolved through the table (case-insensitive, retired ids remapped); a
// sub-technique also stands for its parent; duplicates count once; ids the
// table does not know or that were withdrawn are left out.
std::vector<RankedGroup> rank_groups(const AttackTable& table,
                                     std::span<const std::string> incident_techniques,
                                     size_t top);

}  // namespace vigil::correlate
