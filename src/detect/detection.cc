#include "vigil/detect/detection.h"

#include <tuple>

namespace vigil::detect {

const std::string* Detection::field(std::string_view name) const {
  for (const DetectionField& f : fields) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

Detection make_detection(uint32_t rule, const Event& event, const FieldNames& names) {
  Detection d;
  d.rule = rule;
  d.timestamp = event.timestamp;
  d.source = event.source;
  d.fields.reserve(event.size());
  for (const Field& f : event.fields()) {
    DetectionField& out = d.fields.emplace_back();
    out.name = names.name(f.name);
    append_text(out.value, f.value);
  }
  return d;
}

bool detection_before(const Detection& a, const Detection& b) {
  return std::tie(a.timestamp.ticks, a.source.source_id, a.source.offset, a.source.record_id,
                  a.rule) <
         std::tie(b.timestamp.ticks, b.source.source_id, b.source.offset, b.source.record_id,
                  b.rule);
}

}  // namespace vigil::detect
