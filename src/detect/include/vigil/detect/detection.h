#pragma once
// A rule match on one event, as the later stages (correlation, reports,
// the case store) receive it. Self-contained: it owns copies of the event's
// fields, so it outlives the reader's buffers and can be sorted, batched and
// sent to another thread or process.

#include <cstdint>
#include <string>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/field_names.h"
#include "vigil/core/timestamp.h"

namespace vigil::detect {

struct DetectionField {
  std::string name;
  std::string value;  // the value's text in Windows spelling (what rules match)
};

struct Detection {
  uint32_t rule = 0;    // index into RuleSet::rules() (detection rules)
  Timestamp timestamp;  // the event's time, UTC
  SourceRef source;     // input index, record id, byte offset, recovered flag
  std::vector<DetectionField> fields;  // every field of the event, in event order

  // First value of a field, nullptr when the event has none.
  const std::string* field(std::string_view name) const;
};

// The event's fields copied out of the reader's buffers.
Detection make_detection(uint32_t rule, const Event& event, const FieldNames& names);

// The output order: time, then input, then position in the input, then rule.
// A total order on what a run produces, so sorted output is the same for
// any thread count.
bool detection_before(const Detection& a, const Detection& b);

}  // namespace vigil::detect
