#pragma once
// The event every reader produces and the detector consumes.

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/field_names.h"
#include "vigil/core/timestamp.h"
#include "vigil/core/value.h"

namespace vigil {

// Where an event came from, precise enough to find it again in the evidence.
struct SourceRef {
  uint32_t source_id = 0;     // index into the run's list of input paths
  uint64_t record_id = 0;     // EVTX EventRecordID, or line number for text formats
  uint64_t offset = 0;        // byte offset of the record in the file
  bool recovered = false;     // carved from slack space / damaged area
};

struct Field {
  FieldId name;
  Value value;
};

// A set of fields whose names are interned ids and whose values are typed
// views into the reader's buffers. An Event is reused from record to record:
// clear() keeps its capacity, so steady-state reading allocates nothing.
// Views stay valid until the reader moves on (documented per reader).
class Event {
 public:
  SourceRef source;
  Timestamp timestamp;

  void clear() {
    fields_.clear();
    arena_used_ = 0;
    arena_block_ = 0;
    timestamp = {};
    source = {};
  }
  void add(FieldId name, Value value) { fields_.push_back({name, value}); }
  // Room for `n` more fields without reallocating (a reader that knows how
  // many fields a record can have asks once instead of per field).
  void reserve_more(size_t n) {
    if (fields_.capacity() - fields_.size() < n) {
      fields_.reserve(std::max(fields_.size() + n, 2 * fields_.capacity()));
    }
  }
  std::span<const Field> fields() const { return fields_; }
  size_t size() const { return fields_.size(); }

  // First value with that name, or nullptr. Linear: events have tens of
  // fields, and a scan over a small contiguous array beats hashing.
  const Value* find(FieldId name) const {
    for (const Field& f : fields_) {
      if (f.name == name) return &f.value;
    }
    return nullptr;
  }

  // Text of a field; decoded into `buffer` when the value is not UTF-8 already.
  std::string_view text(FieldId name, std::string& buffer) const;

  // Stable textual form: one JSON object {"Name":"text",...} in field order,
  // values as text (Windows spelling), repeated names kept.
  void append_json(std::string& out, const FieldNames& names) const;

  // Per-event storage for values a reader has to build (e.g. decoded escapes).
  // Returned views are valid until clear().
  std::string_view store(std::string_view bytes);

 private:
  std::vector<Field> fields_;
  // Storage blocks never move once allocated, so views into them stay valid;
  // clear() rewinds instead of freeing.
  std::vector<std::string> arena_;
  size_t arena_block_ = 0;
  size_t arena_used_ = 0;
};

}  // namespace vigil
