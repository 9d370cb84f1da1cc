#pragma once
// The part of the JSON readers that does not depend on what the objects mean:
// framing values in a block (framing.h), splitting arrays and CloudTrail's
// Records into their objects, parsing each object with simdjson (with a
// lenient second try for invalid UTF-8, bad escapes and out-of-range
// numbers), and flattening objects into fields. The formats (json.cc,
// audit_trail.cc) say what an object becomes.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "framing.h"
#include "names.h"
#include "vigil/core/limits.h"
#include "vigil/read/text/format.h"
#include "vigil/read/text/lines.h"

namespace vigil::read::json {

// The time a JSON value gives: RFC 3339 text, Unix time as a number or
// numeric text (seconds, milliseconds, microseconds or nanoseconds by the
// number of integer digits: up to 11, 12-14, 15-17, 18 or more), or .NET's
// "/Date(milliseconds)/". Unset when it is none of these.
Timestamp parse_time(std::string_view text);

// How sure the json format is that `head` is JSON (Format::sniff).
int sniff_json(std::string_view head);

class JsonCutRule final : public CutRule {
 public:
  bool cut_before(std::string_view line) override {
    bool abandoned = false;
    const LineRole role = framer_.feed(line, abandoned);
    return role != LineRole::kMore && role != LineRole::kClose;
  }

 private:
  RecordFramer framer_;
};

// The object or array an element holds (empty when it holds something else).
inline simdjson::dom::object as_object(simdjson::dom::element element) {
  simdjson::dom::object object;
  if (element.get(object) != simdjson::SUCCESS) return {};
  return object;
}
inline simdjson::dom::array as_array(simdjson::dom::element element) {
  simdjson::dom::array array;
  if (element.get(array) != simdjson::SUCCESS) return {};
  return array;
}

class JsonBlockParser : public BlockParser {
 public:
  explicit JsonBlockParser(FieldNames& names);
  void parse(std::string_view block, uint64_t block_offset, uint32_t input, EventSink& sink) final;

 protected:
  // One JSON object of the input, parsed; the object's line is current.
  virtual void on_object(simdjson::dom::element object) = 0;

  // A cleared event whose source is the current object's line.
  Event& begin_event();
  // Delivers the event, then reports the line once if fields were dropped.
  void deliver(Event& event);
  // Rejects the current object's line.
  void reject(std::string reason);

  // A scalar as an event value: strings as they are, numbers in their
  // shortest JSON spelling (text built in `event`), booleans as "true" or
  // "false", null as a null value.
  Value scalar(simdjson::dom::element element, Event& event);

  // Appends the fields of `element` (named below `parent`, a NameCache
  // parent) to fields_: nested objects as dotted names, arrays as repeated
  // fields of the array's name, empty objects and arrays as nothing.
  void flatten(simdjson::dom::element element, uint32_t parent, Event& event);
  void add_field(FieldId id, Value value) {
    if (fields_.size() >= limits::kTextMaxFieldsPerEvent) {
      fields_dropped_ = true;
      return;
    }
    fields_.push_back({id, value});
  }

  NameCache names_;
  std::vector<Field> fields_;    // the current object's fields before they join the event
  bool fields_dropped_ = false;  // past kTextMaxFieldsPerEvent
  bool names_dropped_ = false;   // past the name cache's limits

 private:
  // Where lines are, for objects inside multi-line values.
  struct LineCursor {
    size_t pos = 0;         // in the block
    uint64_t line = 0;      // of pos
    size_t line_start = 0;  // of that line
  };

  void value(std::string_view text, LineCursor cursor);
  void array(std::string_view text, LineCursor& cursor);
  void object(std::string_view text, const LineCursor& cursor);
  void advance(LineCursor& cursor, const char* to) const;
  // Parses `text` into parser_, retrying with a repaired copy when simdjson
  // rejects it for damage a lenient reader can step over.
  simdjson::error_code parse_object(std::string_view text, simdjson::dom::element& out,
                                    std::string& repairs);
  void unclosed(size_t begin, size_t end, uint64_t line);
  void garbage(uint64_t line, size_t pos);
  void flush_garbage();
  void issue(uint64_t line, size_t pos, std::string reason);

  RecordFramer framer_;
  simdjson::dom::parser parser_;
  Event event_;
  std::string padded_;  // a value near the block's end, or repaired, with simdjson's padding
  std::string repaired_;
  std::string_view block_;
  uint64_t block_offset_ = 0;
  uint32_t input_ = 0;
  EventSink* sink_ = nullptr;
  uint64_t line_ = 0;  // of the current object
  size_t line_start_ = 0;
  std::string repairs_;  // what the lenient parse changed in the current object
  // A run of lines that are not JSON, reported once.
  uint64_t garbage_line_ = 0;
  size_t garbage_pos_ = 0;
  uint64_t garbage_count_ = 0;
};

}  // namespace vigil::read::json
