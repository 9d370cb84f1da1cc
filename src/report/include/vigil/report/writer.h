#pragma once
// Output formats of `vigil hunt` and `vigil timeline`. Writers append text to
// a caller's buffer; the caller decides where it goes. docs/hunt.md shows a
// line of each format.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/field_names.h"
#include "vigil/detect/rule.h"
#include "vigil/report/record.h"

namespace vigil::report {

enum class Format : uint8_t { kTable, kCsv, kJsonl, kTimesketch };

std::optional<Format> parse_format(std::string_view text);
const char* format_name(Format format);

// What writers need to turn ids into names.
struct OutputContext {
  const FieldNames* names = nullptr;
  std::span<const std::string> sources;  // input paths, by SourceRef::source_id
};

// Column widths of the table format, measured over everything it will print
// (the rows are known before the first is written: output comes after the
// sort). Widths count code points and are capped, longer text is cut.
struct TableLayout {
  static constexpr size_t kMaxComputer = 32;
  static constexpr size_t kMaxChannel = 40;
  size_t computer = 8;  // at least the headings' widths
  size_t channel = 7;
  size_t event_id = 7;
  size_t level = 5;
  void observe(const EventRecord& record, detect::Level level);
  void observe_alert(std::string_view computer, detect::Level level);
};

struct TableStyle {
  TableLayout layout;
  bool colour = false;  // ANSI colours by level (for a terminal)
};

// A correlation alert as the formats show it: the correlation rule, the
// group it fired for and the detections that made it.
struct AlertView {
  const detect::RuleInfo* rule = nullptr;
  Timestamp timestamp;    // when the alert fired: the last contributing event's time
  std::string type;       // correlation type, e.g. "event_count"
  std::string computer;   // the host, when the group or the events name one
  std::vector<std::pair<std::string, std::string>> group;  // group-by field -> value
  double value = 0;           // what met the condition (count, sum, share in percent, ...)
  uint64_t events_total = 0;  // contributing detections; `events` holds the first ones
  struct Event {
    uint32_t source = 0;  // index into OutputContext::sources
    uint64_t record_id = 0;
    std::string rule_id;
  };
  std::vector<Event> events;
};

// One detection (a rule matched an event) per line or row.
class DetectionWriter {
 public:
  virtual ~DetectionWriter() = default;
  static std::unique_ptr<DetectionWriter> create(Format format, const OutputContext& context,
                                                 const TableStyle& style = {});
  // Heading (CSV header, table heading); nothing for JSON lines.
  virtual void begin(std::string& out) = 0;
  virtual void detection(const EventRecord& event, const detect::RuleInfo& rule,
                         std::string& out) = 0;
  // One line per rule, the same text as detection() for each in turn: the
  // event's fields are formatted once for all of them.
  virtual void detections(const EventRecord& event, std::span<const detect::RuleInfo* const> rules,
                          std::string& out) {
    for (const detect::RuleInfo* rule : rules) detection(event, *rule, out);
  }
  // Writers that embed the event's fields as one JSON object can take them
  // from the event itself (UTF-16 text escaped straight into JSON, with no
  // UTF-8 copy in between): for those, detections_of_event with a record
  // from RecordBuilder::build_head gives the text detections() gives.
  virtual bool takes_event() const { return false; }
  virtual void detections_of_event(const EventRecord& head, const Event& /*event*/,
                                   std::span<const detect::RuleInfo* const> rules,
                                   std::string& out) {
    detections(head, rules, out);
  }
  // The lines detections_of_event writes, as a rendered record's lines
  // (put_rendered_tail in record.h): the formats whose lines all end with
  // the event's fields (JSON lines, Timesketch, CSV) write them once for
  // all the rules the event matched.
  virtual void rendered_lines(const EventRecord& record, const Event& event,
                              std::span<const detect::RuleInfo* const> rules, std::string& out);
  virtual void alert(const AlertView& alert, std::string& out) = 0;
};

// Every event of a timeline, with the rules it matched.
class TimelineWriter {
 public:
  virtual ~TimelineWriter() = default;
  // CSV or JSON lines; nullptr for other formats.
  static std::unique_ptr<TimelineWriter> create(Format format, const OutputContext& context);
  virtual void begin(std::string& out) = 0;
  // `rules` are the rules of event.rules, in that order.
  virtual void event(const EventRecord& event, std::span<const detect::RuleInfo* const> rules,
                     std::string& out) = 0;
};

// Text helpers the formats share, exposed for tests.
// A JSON string (quotes included); invalid UTF-8 becomes U+FFFD.
void append_json_string(std::string& out, std::string_view text);
// One CSV field: quoted (quotes doubled) when it holds a comma, quote, CR or LF.
void append_csv_field(std::string& out, std::string_view text);
// The event's fields as one JSON object; a name that occurs several times
// becomes one member whose value is the array of its values, in order.
void append_fields_json(std::string& out, const EventRecord& record, const FieldNames& names);
// Text for a terminal: control characters (ESC included) become '?', so
// evidence cannot drive the terminal; cut to `width` code points with "…".
void append_terminal_text(std::string& out, std::string_view text, size_t width, bool pad);

}  // namespace vigil::report
