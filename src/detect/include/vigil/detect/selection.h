#pragma once
// Which rules a run asks for (`vigil hunt --min-level`, `--rule-filter`).
// The compiler leaves the others out of the compiled set, so that a hunt for
// the high and critical rules of a collection pays for those rules only, the
// way Hayabusa loads only the rules at or above its minimum level. A rule a
// kept correlation takes stays in, whatever its level: the correlation needs
// its matches (they are then counted, not shown). The output is what the
// whole set gives with the unselected alerts hidden.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "vigil/detect/loader.h"
#include "vigil/detect/rule.h"

namespace vigil::detect {

struct RuleSelection {
  // Only rules of this level or higher (a rule without a level is below every level).
  std::optional<Level> min_level;
  // When not empty, only rules whose id, title or one of whose tags contains
  // one of these texts, compared case-insensitively (ASCII).
  std::vector<std::string> contains;

  bool empty() const { return !min_level && contains.empty(); }
  bool selects(const RuleInfo& info) const;
  // The selection as text, for the compiled-rule cache key: two selections
  // with the same key select the same rules.
  std::string key() const;
};

struct SelectionCounts {
  size_t rules = 0;     // detection rules and correlations in the collection
  size_t left_out = 0;  // of those, the ones taken out
};

// Takes out of `collection` the detection rules and correlations `selection`
// does not select, keeping every correlation a kept one refers to and every
// rule a kept correlation takes (by id or name). A correlation without
// `generate` that takes a kept rule or correlation is kept too: it silences
// what it takes (their alerts are its own), and the output must not change
// but for the rules left out. A filter document keeps
// only its references to rules still there; one left with none is taken out
// too (it could apply to nothing). References that named nothing before
// are kept, so that the compiler still reports them.
SelectionCounts apply_selection(RuleCollection& collection, const RuleSelection& selection);

}  // namespace vigil::detect
