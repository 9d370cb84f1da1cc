#pragma once
// An event as the report stage keeps it until output: encoded into one
// self-contained byte string (time, source, the rules it matched, every
// field's text), so it can sit in a sort buffer or a temporary file and be
// read back in any order. Field names stay interned ids: spilled records are
// only read back by the process that wrote them, while the run's FieldNames
// is alive.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/field_names.h"
#include "vigil/core/timestamp.h"

namespace vigil::report {

struct RecordField {
  FieldId name = kNoField;
  // Text in Windows spelling, valid UTF-8 (encode_record repairs it); a view
  // into the decoded bytes.
  std::string_view value;
};

// A decoded record. Views point into the bytes given to decode_record, so
// they are valid as long as those bytes are.
struct EventRecord {
  Timestamp timestamp;
  SourceRef source;
  std::vector<uint32_t> rules;  // indices of the rules the event matched, ascending
  std::vector<RecordField> fields;  // in event order; repeated names kept

  // First value of a field; empty when absent.
  std::string_view field(FieldId name) const;
  bool has(FieldId name) const;
  // What the output's channel column shows: the EVTX Channel, or for text
  // logs the format they were read as (`_source_format`).
  std::string_view channel() const {
    return has(field::kChannel) ? field(field::kChannel) : field(field::kSourceFormat);
  }
};

// Appends the encoding of `event` with the rules it matched (ascending).
// Values that are not valid UTF-8 get U+FFFD for each bad byte.
void encode_record(const Event& event, std::span<const uint32_t> rules, std::string& out);
// The same from a decoded record (tests, re-encoding).
void encode_record(const EventRecord& record, std::string& out);

// What decode_record would give for encode_record(event, rules), without
// the encoding (formatting on a worker needs no bytes to sort). The record
// views the builder's scratch: valid until the next build.
class RecordBuilder {
 public:
  const EventRecord& build(const Event& event, std::span<const uint32_t> rules);
  // The same with only the fields a detection line names outside its
  // fields object (Computer, Channel, _source_format, EventID), for writers
  // that take the other fields from the event (DetectionWriter::takes_event).
  const EventRecord& build_head(const Event& event, std::span<const uint32_t> rules);

 private:
  // The record of the event's fields `keep(name)` accepts.
  template <class Keep>
  const EventRecord& fill(const Event& event, std::span<const uint32_t> rules, Keep&& keep);

  std::string text_;
  std::vector<std::pair<FieldId, size_t>> ends_;  // each kept field and where its text ends
  EventRecord record_;
};

// A record whose output text a worker thread has already written: what the
// end-of-run summary needs (the rules shown, the host), then the text.
struct RenderedRecord {
  std::vector<uint32_t> rules;  // ascending
  std::string_view computer;
  // The text as its writer laid it out: a timeline's line as it is, a
  // hunt's detection lines as put_rendered_tail describes.
  std::string_view text;
};

// Appends a rendered record's head (the rules shown, the host); the caller
// appends the text to `out` next.
void begin_rendered(std::span<const uint32_t> rules, std::string_view computer, std::string& out);
// False when the bytes are not a rendered record.
bool decode_rendered(std::string_view bytes, RenderedRecord& out);

// The lines of a rendered detection record. An event's detection lines
// differ only up to its fields, which end every line (JSON lines,
// Timesketch, CSV): the fields and the line's end are kept once as the
// tail, and each line as its text before it, so that the sort buffer and
// its runs hold an event's fields once, not once per rule it matched.
// Layout after begin_rendered: u32 tail size, tail, then per line u32 size
// and its text (host order: runs are read back by the process that wrote
// them). A format without a common tail writes an empty one.
void put_rendered_tail(std::string& out, std::string_view tail);
// Starts a line; returns its start for end_rendered_line, which sets its size.
size_t begin_rendered_line(std::string& out);
void end_rendered_line(std::string& out, size_t start);
// Appends every line in full (its text, then the tail). False when `lines`
// is not such a text; `out` then holds the lines before the fault.
bool append_rendered_lines(std::string_view lines, std::string& out);

// Reads a record written by encode_record. False when the bytes are not
// one (truncated or altered); `out` is then unspecified.
bool decode_record(std::string_view bytes, EventRecord& out);

}  // namespace vigil::report
