#pragma once
// What the correlation engine needs to know about a RuleSet's correlations,
// resolved once: references to rule and correlation indices, aliases to the
// field each referenced rule is read under, chains in evaluation order.
//
// In types of its own so that the engine (correlation.cc) does not include
// rule.h: rule.h and detection.h both define vigil::detect::Detection (the
// detection section of a rule, the match record), so no file can include
// both until one of them is renamed.

#include <cstdint>
#include <string>
#include <vector>

#include "vigil/detect/diagnostic.h"

namespace vigil::detect {

class RuleSet;

namespace correlation_plan {

// CorrelationType and CompareOp of rule.h, in the same order.
enum class Kind : uint8_t {
  kEventCount,
  kValueCount,
  kTemporal,
  kTemporalOrdered,
  kValueSum,
  kValueAvg,
  kValuePercentile,
};
enum class Op : uint8_t { kGt, kGte, kLt, kLte, kEq, kNeq };

struct Bound {
  Op op = Op::kGte;
  double value = 0;
};

struct Route {
  uint32_t correlation = 0;
  uint32_t slot = 0;  // position in the correlation's `rules`
};

struct Planned {
  Kind kind = Kind::kEventCount;
  int64_t span = 0;  // timespan in 100 ns ticks
  std::vector<Bound> bounds;  // all must hold; temporal without condition: gte every rule
  // More events can only help the condition (lower bounds on a count or a
  // sum): every window that starts at an event is tried; otherwise each
  // window is judged once.
  bool slides = false;
  uint32_t slots = 0;  // referenced rules (positions in `rules`)
  std::vector<std::string> group_by;      // as written (alias names included)
  std::vector<std::string> value_names;   // condition `field`s as written
  std::vector<std::vector<std::string>> group_fields;  // [slot][group-by] field to read
  std::vector<std::vector<std::string>> value_fields;  // [slot][field] field to read
  std::vector<uint32_t> inners;  // correlations whose alerts this one takes
  std::vector<Route> feeds;      // where this one's alerts go
  bool reports = true;           // not referenced by a correlation without `generate`
};

struct Plan {
  std::vector<Planned> correlations;   // RuleSet::correlations() order
  std::vector<uint32_t> order;         // inner correlations before those they feed
  std::vector<std::vector<Route>> rule_routes;  // by detection rule
  std::vector<char> rule_reports;      // by detection rule
  std::vector<Diagnostic> diagnostics;
};

Plan make_plan(const RuleSet& rules);

}  // namespace correlation_plan
}  // namespace vigil::detect
