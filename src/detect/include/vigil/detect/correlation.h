#pragma once
// Sigma correlation rules (specification v2.1.0) run over the stream of
// detections a hunt produces: per correlation and group-by values, a sliding
// time window; an alert when a window meets the correlation's condition. The
// semantics where the specification leaves a choice are in docs/sigma.md,
// section "Correlations".
//
// Memory is bounded whatever the input (limits.h, "Correlation"): past a
// bound the least recently updated group is closed early and counted in the
// stats, never dropped in silence.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "vigil/core/limits.h"
#include "vigil/core/timestamp.h"
#include "vigil/detect/detection.h"
#include "vigil/detect/diagnostic.h"

namespace vigil::detect {

// ruleset.h is not included: it brings rule.h, whose Detection (a rule's
// detection section) clashes with detection.h's until one is renamed.
class RuleSet;

struct CorrelationAlert {
  uint32_t correlation = 0;  // index into RuleSet::correlations()
  Timestamp first, last;     // time span of the contributing events
  // Group-by field (as the correlation names it, aliases included) -> value.
  // value_percentile adds its condition field(s) and the rare value.
  std::vector<std::pair<std::string, std::string>> group;
  // What met the condition: event count, distinct values, distinct rules,
  // rules in order, sum, average, or the value's share in percent.
  double value = 0;
  // The contributing detections in output order, at most
  // CorrelationLimits::alert_events of them (the earliest the window kept);
  // an inner correlation's alert contributes its own detections.
  std::vector<Detection> events;
  size_t events_total = 0;  // all contributing detections, kept or not
};

// Alert output order: last event time, correlation, group values, then first
// event time and value.
bool correlation_alert_before(const CorrelationAlert& a, const CorrelationAlert& b);

// Defaults from limits.h; tests use tiny ones.
struct CorrelationLimits {
  size_t max_groups = limits::kCorrelationMaxGroups;
  size_t max_entries = limits::kCorrelationMaxEntries;
  size_t max_window_entries = limits::kCorrelationMaxWindowEntries;
  size_t max_held_bytes = limits::kCorrelationMaxHeldBytes;
  size_t alert_events = limits::kCorrelationAlertEvents;
  size_t max_queued = limits::kCorrelationMaxQueued;
};

struct CorrelationStats {
  uint64_t inputs = 0;          // detections and inner alerts taken into a window
  uint64_t without_group = 0;   // left out: a group-by field is missing
  uint64_t without_value = 0;   // left out: no condition field (or not a number for sum/avg)
  uint64_t late = 0;            // left out: older than what the correlation already processed
  uint64_t alerts = 0;          // alerts made, those of chained (unreported) correlations too
  uint64_t groups_evicted = 0;  // groups closed early for max_groups, max_entries, max_held_bytes
  uint64_t windows_cut = 0;     // windows evaluated early at max_window_entries
  uint64_t events_not_kept = 0;  // detections an alert would carry but max_held_bytes refused
  uint64_t queue_forced = 0;    // chained inputs taken before their inner correlations caught up
  size_t peak_groups = 0;
  size_t peak_entries = 0;
  size_t peak_held_bytes = 0;
};

// One engine per run, fed from one thread: correlation needs the run's
// detections in one total order, which is what makes its alerts the same for
// any thread count.
class CorrelationEngine {
 public:
  // The engine resolves what it needs from `rules` when it is built.
  explicit CorrelationEngine(const RuleSet& rules, const CorrelationLimits& limits = {});
  CorrelationEngine(const CorrelationEngine&) = delete;
  CorrelationEngine& operator=(const CorrelationEngine&) = delete;
  ~CorrelationEngine();

  // Feed every detection of the run in output order (detection_before: time
  // first), also those no correlation uses: time moving on closes windows
  // sooner. Alerts whose order is settled are appended to `alerts`, in
  // correlation_alert_before order across calls.
  void add(const Detection& detection, std::vector<CorrelationAlert>& alerts);
  // End of input: every window is evaluated and the remaining alerts are
  // appended. The engine is then empty and can take another stream.
  void finish(std::vector<CorrelationAlert>& alerts);

  // False for a detection rule some correlation references without
  // `generate: true`: the specification makes such rules parts of the
  // correlation, not alerts of their own.
  bool reports_on_its_own(uint32_t rule) const;
  // The same for correlations: one referenced by another correlation (a
  // chain) without `generate: true` feeds it only; the engine emits alerts
  // of correlations that report on their own.
  bool correlation_reports_on_its_own(uint32_t correlation) const;
  // Whether any correlation takes this rule's detections.
  bool uses(uint32_t rule) const;
  bool empty() const;  // no correlations at all

  CorrelationStats stats() const;
  // Warnings found when the references were resolved (a reference to a rule
  // that was not compiled, extra value fields that are ignored).
  std::span<const Diagnostic> diagnostics() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::detect
