#pragma once
// The hunt's side of correlation: detections, read back from the sort in
// output order, go to detect::CorrelationEngine; its alerts come back in a
// form the output can store and write.
//
// The header keeps the engine's types (detection.h, correlation.h) out of
// its users: rule metadata (titles, ids) is looked up by the caller, alerts
// come back in a plain form that can be stored in a sorter.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/field_names.h"
#include "vigil/core/timestamp.h"
#include "vigil/detect/diagnostic.h"
#include "vigil/report/record.h"

namespace vigil::detect {
class RuleSet;
}

namespace vigil::report {

struct FeedAlert {
  uint32_t correlation = 0;  // index into RuleSet::correlations()
  Timestamp first, last;     // the contributing events' time span
  // Group-by field -> value (value_percentile adds the rare value).
  std::vector<std::pair<std::string, std::string>> group;
  double value = 0;  // what met the condition (count, sum, share, ...)
  struct Event {
    uint32_t source = 0;  // input index
    uint64_t record_id = 0;
    uint32_t rule = 0;  // index into RuleSet::rules()
  };
  std::vector<Event> events;  // the first ones, in output order
  uint64_t events_total = 0;
  // The host: the group's Computer value, else the last kept event's.
  std::string computer;
};

void encode_alert(const FeedAlert& alert, std::string& out);
// False when the bytes are not an encoded alert.
bool decode_alert(std::string_view bytes, FeedAlert& out);

struct CorrelationTotals {
  uint64_t alerts = 0;
  uint64_t groups_evicted = 0;  // closed early to stay within memory bounds
  uint64_t windows_cut = 0;
  uint64_t late = 0;
};

class CorrelationFeed {
 public:
  // nullptr when the rule set has no correlation rules. `rules` and `names`
  // must outlive the feed.
  static std::unique_ptr<CorrelationFeed> create(const detect::RuleSet& rules,
                                                 const FieldNames& names);
  virtual ~CorrelationFeed() = default;

  // One detection: `rule` is one of record.rules. Settled alerts are
  // appended, in the engine's order (last event time first).
  virtual void add(const EventRecord& record, uint32_t rule, std::vector<FeedAlert>& alerts) = 0;
  // End of input: the remaining alerts.
  virtual void finish(std::vector<FeedAlert>& alerts) = 0;
  // False for a rule a correlation takes without `generate: true`: its
  // detections are part of the correlation, not output of their own.
  virtual bool reports_on_its_own(uint32_t rule) const = 0;
  // Whether some correlation takes this rule's detections.
  virtual bool uses(uint32_t rule) const = 0;
  virtual CorrelationTotals totals() const = 0;
  // Warnings about references (a rule that was not compiled, ...).
  virtual std::span<const detect::Diagnostic> diagnostics() const = 0;
};

}  // namespace vigil::report
