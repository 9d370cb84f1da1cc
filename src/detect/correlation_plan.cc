#include "correlation_plan.h"

#include <algorithm>
#include <limits>
#include <span>
#include <string_view>
#include <unordered_map>

#include "references.h"
#include "vigil/core/timestamp.h"
#include "vigil/detect/ruleset.h"

namespace vigil::detect::correlation_plan {
namespace {

Kind kind_of(CorrelationType type) {
  switch (type) {
    case CorrelationType::kEventCount: return Kind::kEventCount;
    case CorrelationType::kValueCount: return Kind::kValueCount;
    case CorrelationType::kTemporal: return Kind::kTemporal;
    case CorrelationType::kTemporalOrdered: return Kind::kTemporalOrdered;
    case CorrelationType::kValueSum: return Kind::kValueSum;
    case CorrelationType::kValueAvg: return Kind::kValueAvg;
    case CorrelationType::kValuePercentile: return Kind::kValuePercentile;
  }
  return Kind::kEventCount;
}

Op op_of(CompareOp op) {
  switch (op) {
    case CompareOp::kGt: return Op::kGt;
    case CompareOp::kGte: return Op::kGte;
    case CompareOp::kLt: return Op::kLt;
    case CompareOp::kLte: return Op::kLte;
    case CompareOp::kEq: return Op::kEq;
    case CompareOp::kNeq: return Op::kNeq;
  }
  return Op::kGte;
}

bool is_value_kind(Kind k) {
  return k == Kind::kValueCount || k == Kind::kValueSum || k == Kind::kValueAvg ||
         k == Kind::kValuePercentile;
}
bool is_numeric_kind(Kind k) { return k == Kind::kValueSum || k == Kind::kValueAvg; }

void warn(Plan& plan, const Correlation& c, std::string message) {
  Diagnostic d;
  d.file = c.info.file;
  d.line = c.info.line;
  d.rule_id = c.info.id;
  d.rule_title = c.info.title;
  d.severity = Severity::kWarning;
  d.code = DiagCode::kReference;
  d.message = std::move(message);
  plan.diagnostics.push_back(std::move(d));
}

}  // namespace

Plan make_plan(const RuleSet& rules) {
  Plan plan;
  const std::span<const Rule> rule_list = rules.rules();
  const std::span<const Correlation> corr_list = rules.correlations();
  const ReferenceIndex rules_by_ref = reference_index(rule_list);
  const ReferenceIndex corrs_by_ref = reference_index(corr_list);
  plan.rule_routes.assign(rule_list.size(), {});
  plan.rule_reports.assign(rule_list.size(), 1);
  plan.correlations.resize(corr_list.size());
  std::vector<Planned>& corrs = plan.correlations;

  constexpr int64_t kMaxTicks = std::numeric_limits<int64_t>::max();
  for (uint32_t ci = 0; ci < corr_list.size(); ++ci) {
    const Correlation& def = corr_list[ci];
    Planned& c = corrs[ci];
    c.kind = kind_of(def.type);
    c.span = def.timespan_seconds > kMaxTicks / Timestamp::kTicksPerSecond
                 ? kMaxTicks
                 : std::max<int64_t>(def.timespan_seconds, 0) * Timestamp::kTicksPerSecond;
    c.slots = static_cast<uint32_t>(def.rules.size());
    for (const CorrelationBound& b : def.condition) c.bounds.push_back({op_of(b.op), b.value});
    if (c.bounds.empty()) {
      // Temporal types without a condition: every referenced rule must appear.
      c.bounds.push_back({Op::kGte, static_cast<double>(c.slots)});
    }
    c.slides = c.kind != Kind::kValueAvg && c.kind != Kind::kValuePercentile &&
               std::all_of(c.bounds.begin(), c.bounds.end(), [](const Bound& b) {
                 return b.op == Op::kGt || b.op == Op::kGte;
               });
    c.group_by = def.group_by;
    if (is_value_kind(c.kind)) {
      c.value_names = def.condition_fields;
      if (is_numeric_kind(c.kind) && c.value_names.size() > 1) {
        warn(plan, def,
             std::string(correlation_type_name(def.type)) + " adds up one field; only '" +
                 c.value_names[0] + "' is used");
        c.value_names.resize(1);
      }
    }
    c.group_fields.resize(c.slots);
    c.value_fields.resize(c.slots);
    for (uint32_t slot = 0; slot < c.slots; ++slot) {
      const std::string& ref = def.rules[slot];
      // Names an alias may use for this slot's rule: the reference as
      // written, and the id and name of whatever it resolves to.
      std::vector<std::string_view> names{ref};
      bool resolved = false;
      if (auto it = rules_by_ref.find(ref); it != rules_by_ref.end()) {
        for (uint32_t r : it->second) {
          resolved = true;
          names.push_back(rule_list[r].info.id);
          names.push_back(rule_list[r].info.name);
          bool routed = false;
          for (const Route& route : plan.rule_routes[r]) routed |= route.correlation == ci;
          if (!routed) plan.rule_routes[r].push_back({ci, slot});
          if (!def.generate) plan.rule_reports[r] = 0;
        }
      }
      if (auto it = corrs_by_ref.find(ref); it != corrs_by_ref.end()) {
        for (uint32_t inner : it->second) {
          if (inner == ci) continue;
          resolved = true;
          names.push_back(corr_list[inner].info.id);
          names.push_back(corr_list[inner].info.name);
          if (std::find(c.inners.begin(), c.inners.end(), inner) == c.inners.end()) {
            c.inners.push_back(inner);
            corrs[inner].feeds.push_back({ci, slot});
          }
          if (!def.generate) corrs[inner].reports = false;
        }
      }
      if (!resolved) {
        warn(plan, def,
             "rule '" + ref + "' is not in the compiled set: this part of the correlation "
                              "never sees an event");
      }
      auto field_for = [&](const std::string& name) {
        for (const CorrelationAlias& alias : def.aliases) {
          if (alias.alias != name) continue;
          for (const auto& [rule_name, field] : alias.fields) {
            for (std::string_view n : names) {
              if (!n.empty() && n == rule_name) return field;
            }
          }
        }
        return name;
      };
      for (const std::string& g : c.group_by) c.group_fields[slot].push_back(field_for(g));
      for (const std::string& f : c.value_names) c.value_fields[slot].push_back(field_for(f));
    }
  }

  // Inner correlations first (the compiler rejects loops; any left are
  // appended as they come, so a sweep still ends).
  std::vector<uint32_t> waiting(corrs.size());
  for (uint32_t ci = 0; ci < corrs.size(); ++ci) {
    waiting[ci] = static_cast<uint32_t>(corrs[ci].inners.size());
  }
  std::vector<char> placed(corrs.size(), 0);
  for (size_t head = 0;;) {
    for (uint32_t ci = 0; ci < corrs.size(); ++ci) {
      if (!placed[ci] && waiting[ci] == 0) {
        placed[ci] = 1;
        plan.order.push_back(ci);
      }
    }
    if (head == plan.order.size()) break;
    for (; head < plan.order.size(); ++head) {
      for (const Route& feed : corrs[plan.order[head]].feeds) --waiting[feed.correlation];
    }
  }
  for (uint32_t ci = 0; ci < corrs.size(); ++ci) {
    if (!placed[ci]) plan.order.push_back(ci);
  }
  return plan;
}

}  // namespace vigil::detect::correlation_plan
