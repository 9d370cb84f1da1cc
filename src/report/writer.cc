#include "vigil/report/writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "text.h"
#include "vigil/core/utf.h"

namespace vigil::report {

namespace {

using detect::Level;
using detect::RuleInfo;

using text::utf8_sequence;

template <class F>
void with_valid_utf8(std::string_view value, std::string& scratch, F&& use) {
  if (text::is_valid(value)) {
    use(value);
    return;
  }
  scratch.clear();
  text::append_valid_utf8(scratch, value);
  use(std::string_view(scratch));
}

// A JSON string of text known to be valid UTF-8 (record values).
void append_json_valid(std::string& out, std::string_view value) {
  out.push_back('"');
  append_utf8_as_json(out, value);
  out.push_back('"');
}

// Text written through a pointer into memory kept from one event to the
// next: std::string zero-fills what resize adds, so sizing each value for
// its worst case (6 bytes a UTF-16 unit) cost more than escaping it.
class RawText {
 public:
  // Room for `bytes` more at the end; advance_to() then says how many were used.
  char* room(size_t bytes) {
    if (buffer_.size() - used_ < bytes) {
      buffer_.resize(std::max(buffer_.size() * 2, used_ + bytes));
    }
    return buffer_.data() + used_;
  }
  void advance_to(const char* end) { used_ = static_cast<size_t>(end - buffer_.data()); }
  void push_back(char c) {
    *room(1) = c;
    ++used_;
  }
  RawText& operator+=(std::string_view text) {
    std::memcpy(room(text.size()), text.data(), text.size());
    used_ += text.size();
    return *this;
  }
  void clear() { used_ = 0; }
  std::string_view view() const { return {buffer_.data(), used_}; }

 private:
  std::string buffer_;
  size_t used_ = 0;
};

// A JSON string of text known to be valid UTF-8, into RawText.
void append_json_valid(RawText& out, std::string_view value) {
  char* p = out.room(2 + value.size() * 6);
  *p++ = '"';
  p = write_utf8_as_json(p, value);
  *p++ = '"';
  out.advance_to(p);
}

// An event's fields as one JSON object. The escaped form of each name is
// kept (names are few and repeat in every record); repeated names are
// found with a per-record stamp per name id instead of comparing pairs.
class FieldsJson {
 public:
  explicit FieldsJson(const FieldNames* names) : names_(names) {}

  template <class Out>
  void append(Out& out, const EventRecord& record) {
    append_fields(out, std::span<const RecordField>(record.fields),
                  [](Out& o, const RecordField& f) { append_json_valid(o, f.value); });
  }

  // The same object from the event: each value as the record would hold it
  // (append_valid_text), UTF-16 text escaped straight from its units, which
  // gives the same characters (NUL ends the text, lone surrogates are
  // U+FFFD) without the UTF-8 copy.
  void append(RawText& out, const Event& event) {
    append_fields(out, event.fields(), [this](RawText& o, const Field& f) {
      const Value& v = f.value;
      if (v.raw_type == static_cast<uint8_t>(ValueType::kUtf16)) {
        const size_t units = v.size / 2;
        char* p = o.room(2 + units * 6);
        *p++ = '"';
        p = write_utf16le_as_json(p, v.data, units);
        *p++ = '"';
        o.advance_to(p);
      } else if (!is_string_type(v.type())) {
        // Text vigil spells from the bytes (kNonStringTextAlphabet): no
        // quote, backslash or control to escape.
        scratch_.clear();
        append_text(scratch_, v);
        char* p = o.room(2 + scratch_.size());
        *p++ = '"';
        std::memcpy(p, scratch_.data(), scratch_.size());
        p += scratch_.size();
        *p++ = '"';
        o.advance_to(p);
      } else {
        scratch_.clear();
        text::append_valid_text(scratch_, v);
        append_json_valid(o, scratch_);
      }
    });
  }

 private:
  template <class Out, class Item, class WriteValue>
  void append_fields(Out& out, std::span<const Item> fields, WriteValue&& write_value) {
    ++generation_;
    bool repeated = false;
    for (const Item& f : fields) {
      if (f.name >= stamps_.size()) stamps_.resize(f.name + 1, 0);
      repeated = repeated || stamps_[f.name] == generation_;
      stamps_[f.name] = generation_;
    }
    out.push_back('{');
    if (!repeated) {
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out.push_back(',');
        out += key(fields[i].name);
        write_value(out, fields[i]);
      }
      out.push_back('}');
      return;
    }
    bool first = true;
    for (size_t i = 0; i < fields.size(); ++i) {
      const FieldId name = fields[i].name;
      bool seen = false;
      for (size_t j = 0; j < i && !seen; ++j) seen = fields[j].name == name;
      if (seen) continue;
      size_t count = 1;
      for (size_t j = i + 1; j < fields.size(); ++j) count += fields[j].name == name ? 1 : 0;
      if (!first) out.push_back(',');
      first = false;
      out += key(name);
      if (count == 1) {
        write_value(out, fields[i]);
        continue;
      }
      out.push_back('[');
      for (size_t j = i; j < fields.size(); ++j) {
        if (fields[j].name != name) continue;
        if (j != i) out.push_back(',');
        write_value(out, fields[j]);
      }
      out.push_back(']');
    }
    out.push_back('}');
  }

  // "\"Name\":" for a name id.
  const std::string& key(FieldId name) {
    if (name >= keys_.size()) keys_.resize(name + 1);
    std::string& k = keys_[name];
    if (k.empty()) {
      append_json_string(k, names_->name(name));
      k.push_back(':');
    }
    return k;
  }

  const FieldNames* names_;
  std::vector<std::string> keys_;
  std::vector<uint32_t> stamps_;
  uint32_t generation_ = 0;
  std::string scratch_;
};

void append_number(std::string& out, uint64_t value) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

void append_signed(std::string& out, int64_t value) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

// Shortest round-trip form: the same on every run and platform.
void append_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.size() <= 19 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "event_id": a number when the field is one, its text otherwise, null when absent.
void append_event_id_json(std::string& out, const EventRecord& record) {
  if (!record.has(field::kEventID)) {
    out += "null";
    return;
  }
  const std::string_view id = record.field(field::kEventID);
  if (all_digits(id) && (id.size() == 1 || id[0] != '0')) {
    out.append(id);
  } else {
    append_json_string(out, id);
  }
}

void append_tags_json(std::string& out, const std::vector<std::string>& tags) {
  out.push_back('[');
  for (size_t i = 0; i < tags.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_json_string(out, tags[i]);
  }
  out.push_back(']');
}

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text += separator;
    text += items[i];
  }
  return text;
}

std::string_view source_path(const OutputContext& context, uint32_t source) {
  return source < context.sources.size() ? std::string_view(context.sources[source])
                                          : std::string_view();
}

// The rule's members of a detection line, from "rule_id" to "tags".
void append_rule_members(std::string& out, const RuleInfo& rule) {
  out += "\"rule_id\":";
  append_json_string(out, rule.id);
  out += ",\"rule_title\":";
  append_json_string(out, rule.title);
  out += ",\"level\":";
  append_json_string(out, detect::level_name(rule.level));
  out += ",\"author\":";
  append_json_string(out, rule.author);
  out += ",\"tags\":";
  append_tags_json(out, rule.tags);
}

// The members every detection line shares, after "{", up to and with the
// `"fields":` name (the fields object and the line's end follow, the same
// for every rule an event matched); the rule's members and the source's
// JSON string come escaped already.
void append_detection_members(std::string& out, const EventRecord& event,
                              std::string_view rule_members, std::string_view source_json) {
  out += rule_members;
  out += ",\"computer\":";
  append_json_valid(out, event.field(field::kComputer));
  out += ",\"channel\":";
  append_json_valid(out, event.channel());
  out += ",\"event_id\":";
  append_event_id_json(out, event);
  out += ",\"record_id\":";
  append_number(out, event.source.record_id);
  out += ",\"source\":";
  out += source_json;
  out += ",\"fields\":";
}

void append_timestamp_json(std::string& out, Timestamp t, int digits) {
  if (!t.is_set()) {
    out += "null";
    return;
  }
  out.push_back('"');
  append_rfc3339(out, t, digits);
  out.push_back('"');
}

// The correlation part of an alert: {"type":..,"group":{..},"events":[..]}.
void append_correlation_json(std::string& out, const AlertView& alert,
                             const OutputContext& context) {
  out += "{\"type\":";
  append_json_string(out, alert.type);
  out += ",\"value\":";
  append_double(out, alert.value);
  out += ",\"events_total\":";
  append_number(out, alert.events_total);
  out += ",\"group\":{";
  for (size_t i = 0; i < alert.group.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_json_string(out, alert.group[i].first);
    out.push_back(':');
    append_json_string(out, alert.group[i].second);
  }
  out += "},\"events\":[";
  for (size_t i = 0; i < alert.events.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += "{\"source\":";
    append_json_string(out, source_path(context, alert.events[i].source));
    out += ",\"record_id\":";
    append_number(out, alert.events[i].record_id);
    out += ",\"rule_id\":";
    append_json_string(out, alert.events[i].rule_id);
    out.push_back('}');
  }
  out += "]}";
}

void append_alert_members(std::string& out, const AlertView& alert, const OutputContext& context) {
  const RuleInfo& rule = *alert.rule;
  out += "\"rule_id\":";
  append_json_string(out, rule.id);
  out += ",\"rule_title\":";
  append_json_string(out, rule.title);
  out += ",\"level\":";
  append_json_string(out, detect::level_name(rule.level));
  out += ",\"author\":";
  append_json_string(out, rule.author);
  out += ",\"tags\":";
  append_tags_json(out, rule.tags);
  out += ",\"computer\":";
  append_json_string(out, alert.computer);
  out += ",\"channel\":\"\",\"event_id\":null,\"record_id\":null,\"source\":\"\",\"fields\":{}";
  out += ",\"correlation\":";
  append_correlation_json(out, alert, context);
}

// A rendered record's lines (put_rendered_tail in record.h): the tail once,
// then each rule's line up to it, written by `head`.
template <class Head>
void put_rendered_lines(std::string& out, std::string_view tail,
                        std::span<const RuleInfo* const> rules, Head&& head) {
  put_rendered_tail(out, tail);
  for (const RuleInfo* rule : rules) {
    const size_t start = begin_rendered_line(out);
    head(*rule);
    end_rendered_line(out, start);
  }
}

// A format whose detection lines embed the event's fields as one JSON
// object: formatted once per event, whatever the number of rules.
class JsonFieldsWriter : public DetectionWriter {
 public:
  explicit JsonFieldsWriter(const OutputContext& context) : context_(context) {}
  void detection(const EventRecord& event, const RuleInfo& rule, std::string& out) final {
    fill_tail(event);
    line(event, rule, out);
  }
  void detections(const EventRecord& event, std::span<const RuleInfo* const> rules,
                  std::string& out) final {
    fill_tail(event);
    for (const RuleInfo* rule : rules) line(event, *rule, out);
  }
  bool takes_event() const final { return true; }
  void detections_of_event(const EventRecord& head, const Event& event,
                           std::span<const RuleInfo* const> rules, std::string& out) final {
    fill_tail(event);
    for (const RuleInfo* rule : rules) line(head, *rule, out);
  }
  void rendered_lines(const EventRecord& head, const Event& event,
                      std::span<const RuleInfo* const> rules, std::string& out) final {
    fill_tail(event);
    put_rendered_lines(out, tail_.view(), rules,
                       [&](const RuleInfo& rule) { line_head(head, rule, out); });
  }

 protected:
  // A detection line up to the event's fields object, which tail_ holds
  // with the line's end.
  virtual void line_head(const EventRecord& event, const RuleInfo& rule, std::string& out) = 0;
  void line(const EventRecord& event, const RuleInfo& rule, std::string& out) {
    line_head(event, rule, out);
    out += tail_.view();
  }

  // The members a rule and a source give every line, escaped on first use:
  // a hunt writes the same few hundred rules and files on every line.
  const std::string& rule_members(const RuleInfo& rule) {
    std::string& members = rule_members_[&rule];
    if (members.empty()) append_rule_members(members, rule);
    return members;
  }
  const std::string& source_json(uint32_t source) {
    if (source >= source_json_.size()) source_json_.resize(source + 1);
    std::string& json = source_json_[source];
    if (json.empty()) append_json_string(json, source_path(context_, source));
    return json;
  }
  void append_members(std::string& out, const EventRecord& event, const RuleInfo& rule) {
    append_detection_members(out, event, rule_members(rule), source_json(event.source.source_id));
  }

  OutputContext context_;
  RawText tail_;  // the event's fields object and the line's end

 private:
  // The fields of an event or a record, and the line's end, into tail_.
  template <class Fields>
  void fill_tail(const Fields& event) {
    tail_.clear();
    fields_.append(tail_, event);
    tail_ += "}\n";
  }

  FieldsJson fields_{context_.names};
  std::unordered_map<const RuleInfo*, std::string> rule_members_;
  std::vector<std::string> source_json_;
};

class JsonlWriter final : public JsonFieldsWriter {
 public:
  explicit JsonlWriter(const OutputContext& context) : JsonFieldsWriter(context) {}
  void begin(std::string&) override {}
  void alert(const AlertView& alert, std::string& out) override {
    out += "{\"timestamp\":";
    append_timestamp_json(out, alert.timestamp, 7);
    out.push_back(',');
    append_alert_members(out, alert, context_);
    out += "}\n";
  }

 private:
  void line_head(const EventRecord& event, const RuleInfo& rule, std::string& out) override {
    out += "{\"timestamp\":";
    append_timestamp_json(out, event.timestamp, 7);
    out.push_back(',');
    append_members(out, event, rule);
  }
};

// Timesketch's JSON lines import: `message`, `datetime` and `timestamp_desc`
// are required; `timestamp` is its microseconds since the epoch.
class TimesketchWriter final : public JsonFieldsWriter {
 public:
  explicit TimesketchWriter(const OutputContext& context) : JsonFieldsWriter(context) {}
  void begin(std::string&) override {}
  void alert(const AlertView& alert, std::string& out) override {
    std::string message = "[";
    message += detect::level_name(alert.rule->level);
    message += "] ";
    message += alert.rule->title;
    message += " (correlation ";
    message += alert.type;
    message += ", ";
    append_number(message, alert.events_total);
    message += " events)";
    start(out, message, alert.timestamp, "Correlation Alert");
    append_alert_members(out, alert, context_);
    out += "}\n";
  }

 private:
  void line_head(const EventRecord& event, const RuleInfo& rule, std::string& out) override {
    std::string message = "[";
    message += detect::level_name(rule.level);
    message += "] ";
    message += rule.title;
    // Text logs may have no event id or host: no empty words in the message.
    const std::string_view parts[] = {event.channel(), event.field(field::kEventID)};
    const char* separator = ": ";
    for (std::string_view part : parts) {
      if (part.empty()) continue;
      message += separator;
      message += part;
      separator = " ";
    }
    if (const std::string_view computer = event.field(field::kComputer); !computer.empty()) {
      message += " on ";
      message += computer;
    }
    start(out, message, event.timestamp, "Event Recorded");
    append_members(out, event, rule);
  }
  static void start(std::string& out, std::string_view message, Timestamp t,
                    std::string_view description) {
    out += "{\"message\":";
    append_json_string(out, message);
    out += ",\"datetime\":";
    if (t.is_set()) {
      append_timestamp_json(out, t, 6);
      out += ",\"timestamp\":";
      // Floor division: times before 1970 stay in order.
      const int64_t micros = t.ticks / 10 - (t.ticks % 10 < 0 ? 1 : 0);
      append_signed(out, micros);
    } else {
      // Timesketch refuses a line without a time; plaso's convention for
      // an event that has none is the epoch, described as "Not a time".
      out += "\"1970-01-01T00:00:00.000000Z\",\"timestamp\":0";
      description = "Not a time";
    }
    out += ",\"timestamp_desc\":";
    append_json_string(out, description);
    out.push_back(',');
  }
};

class CsvWriter final : public DetectionWriter {
 public:
  explicit CsvWriter(const OutputContext& context) : context_(context) {}
  void begin(std::string& out) override {
    out +=
        "timestamp,rule_id,rule_title,level,author,tags,computer,channel,event_id,record_id,"
        "source,fields\n";
  }
  void detection(const EventRecord& event, const RuleInfo& rule, std::string& out) override {
    fields_of(event);
    line(event, rule, out);
  }
  void detections(const EventRecord& event, std::span<const RuleInfo* const> rules,
                  std::string& out) override {
    fields_of(event);
    for (const RuleInfo* rule : rules) line(event, *rule, out);
  }
  void rendered_lines(const EventRecord& event, const Event& /*event*/,
                      std::span<const RuleInfo* const> rules, std::string& out) override {
    fields_of(event);
    put_rendered_lines(out, tail_, rules,
                       [&](const RuleInfo& rule) { line_head(event, rule, out); });
  }
  void alert(const AlertView& alert, std::string& out) override {
    append_rfc3339(out, alert.timestamp, 7);
    rule_columns(out, *alert.rule);
    out.push_back(',');
    append_csv_field(out, alert.computer);
    out += ",,,,,";
    scratch_ = "{\"correlation\":";
    append_correlation_json(scratch_, alert, context_);
    scratch_.push_back('}');
    append_csv_field(out, scratch_);
    out.push_back('\n');
  }

 private:
  void line(const EventRecord& event, const RuleInfo& rule, std::string& out) {
    line_head(event, rule, out);
    out += tail_;
  }
  // A line up to its last column, the event's fields, which tail_ holds
  // with the line's end.
  void line_head(const EventRecord& event, const RuleInfo& rule, std::string& out) {
    append_rfc3339(out, event.timestamp, 7);
    rule_columns(out, rule);
    out.push_back(',');
    append_csv_field(out, event.field(field::kComputer));
    out.push_back(',');
    append_csv_field(out, event.channel());
    out.push_back(',');
    append_csv_field(out, event.field(field::kEventID));
    out.push_back(',');
    append_number(out, event.source.record_id);
    out.push_back(',');
    append_csv_field(out, source_path(context_, event.source.source_id));
    out.push_back(',');
  }
  void fields_of(const EventRecord& event) {
    scratch_.clear();
    fields_.append(scratch_, event);
    tail_.clear();
    append_csv_field(tail_, scratch_);
    tail_.push_back('\n');
  }
  static void rule_columns(std::string& out, const RuleInfo& rule) {
    out.push_back(',');
    append_csv_field(out, rule.id);
    out.push_back(',');
    append_csv_field(out, rule.title);
    out.push_back(',');
    out += detect::level_name(rule.level);
    out.push_back(',');
    append_csv_field(out, rule.author);
    out.push_back(',');
    append_csv_field(out, joined(rule.tags, ";"));
  }

  OutputContext context_;
  FieldsJson fields_{context_.names};
  std::string scratch_;
  std::string tail_;  // the current event's fields as one CSV field, and the line's end
};

const char* level_colour(Level level) {
  switch (level) {
    case Level::kCritical: return "\x1b[1;31m";
    case Level::kHigh: return "\x1b[31m";
    case Level::kMedium: return "\x1b[33m";
    case Level::kLow: return "\x1b[32m";
    case Level::kInformational: return "\x1b[2m";
    case Level::kNone: return "";
  }
  return "";
}

class TableWriter final : public DetectionWriter {
 public:
  TableWriter(const OutputContext& context, const TableStyle& style)
      : context_(context), style_(style) {}
  void begin(std::string& out) override {
    const TableLayout& l = style_.layout;
    append_terminal_text(out, "Timestamp", kTimeWidth, true);
    out += "  ";
    append_terminal_text(out, "Computer", l.computer, true);
    out += "  ";
    append_terminal_text(out, "Channel", l.channel, true);
    out += "  ";
    append_terminal_text(out, "EventID", l.event_id, true);
    out += "  ";
    append_terminal_text(out, "Level", l.level, true);
    out += "  Rule\n";
  }
  void detection(const EventRecord& event, const RuleInfo& rule, std::string& out) override {
    row(out, event.timestamp, event.field(field::kComputer), event.channel(),
        event.field(field::kEventID), rule.level, rule.title);
  }
  void alert(const AlertView& alert, std::string& out) override {
    std::string title = alert.rule->title;
    title += " [correlation ";
    title += alert.type;
    title += ", ";
    append_number(title, alert.events_total);
    title += " events";
    for (const auto& [name, value] : alert.group) {
      title += ", ";
      title += name;
      title += '=';
      title += value;
    }
    title += ']';
    row(out, alert.timestamp, alert.computer, "", "", alert.rule->level, title);
  }

 private:
  static constexpr size_t kTimeWidth = 24;  // 2024-01-02T03:04:05.678Z
  static constexpr size_t kMaxTitle = 160;

  void row(std::string& out, Timestamp t, std::string_view computer, std::string_view channel,
           std::string_view event_id, Level level, std::string_view title) {
    const TableLayout& l = style_.layout;
    const size_t start = out.size();
    append_rfc3339(out, t, 3);
    out.append(kTimeWidth - std::min(kTimeWidth, out.size() - start), ' ');
    out += "  ";
    append_terminal_text(out, computer, l.computer, true);
    out += "  ";
    append_terminal_text(out, channel, l.channel, true);
    out += "  ";
    append_terminal_text(out, event_id, l.event_id, true);
    out += "  ";
    const char* colour = style_.colour ? level_colour(level) : "";
    out += colour;
    append_terminal_text(out, detect::level_name(level), l.level, true);
    out += "  ";
    append_terminal_text(out, title, kMaxTitle, false);
    if (*colour != '\0') out += "\x1b[0m";
    out.push_back('\n');
  }

  OutputContext context_;
  TableStyle style_;
};

// --- Timeline ----------------------------------------------------------------

Level highest_level(std::span<const RuleInfo* const> rules) {
  Level level = Level::kNone;
  for (const RuleInfo* r : rules) level = std::max(level, r->level);
  return level;
}

class TimelineJsonl final : public TimelineWriter {
 public:
  explicit TimelineJsonl(const OutputContext& context) : context_(context) {}
  void begin(std::string&) override {}
  void event(const EventRecord& event, std::span<const RuleInfo* const> rules,
             std::string& out) override {
    out += "{\"timestamp\":";
    append_timestamp_json(out, event.timestamp, 7);
    out += ",\"computer\":";
    append_json_valid(out, event.field(field::kComputer));
    out += ",\"channel\":";
    append_json_valid(out, event.channel());
    out += ",\"event_id\":";
    append_event_id_json(out, event);
    out += ",\"record_id\":";
    append_number(out, event.source.record_id);
    out += ",\"source\":";
    append_json_string(out, source_path(context_, event.source.source_id));
    out += ",\"level\":";
    append_json_string(out, detect::level_name(highest_level(rules)));
    out += ",\"detections\":[";
    for (size_t i = 0; i < rules.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += "{\"rule_id\":";
      append_json_string(out, rules[i]->id);
      out += ",\"rule_title\":";
      append_json_string(out, rules[i]->title);
      out += ",\"level\":";
      append_json_string(out, detect::level_name(rules[i]->level));
      out.push_back('}');
    }
    out += "],\"fields\":";
    fields_.append(out, event);
    out += "}\n";
  }

 private:
  OutputContext context_;
  FieldsJson fields_{context_.names};
};

class TimelineCsv final : public TimelineWriter {
 public:
  explicit TimelineCsv(const OutputContext& context) : context_(context) {}
  void begin(std::string& out) override {
    out += "timestamp,computer,channel,event_id,record_id,source,level,rule_ids,rule_titles,fields\n";
  }
  void event(const EventRecord& event, std::span<const RuleInfo* const> rules,
             std::string& out) override {
    append_rfc3339(out, event.timestamp, 7);
    out.push_back(',');
    append_csv_field(out, event.field(field::kComputer));
    out.push_back(',');
    append_csv_field(out, event.channel());
    out.push_back(',');
    append_csv_field(out, event.field(field::kEventID));
    out.push_back(',');
    append_number(out, event.source.record_id);
    out.push_back(',');
    append_csv_field(out, source_path(context_, event.source.source_id));
    out.push_back(',');
    out += detect::level_name(highest_level(rules));
    std::string ids, titles;
    for (size_t i = 0; i < rules.size(); ++i) {
      if (i > 0) {
        ids += ';';
        titles += ';';
      }
      ids += rules[i]->id;
      titles += rules[i]->title;
    }
    out.push_back(',');
    append_csv_field(out, ids);
    out.push_back(',');
    append_csv_field(out, titles);
    out.push_back(',');
    scratch_.clear();
    fields_.append(scratch_, event);
    append_csv_field(out, scratch_);
    out.push_back('\n');
  }

 private:
  OutputContext context_;
  FieldsJson fields_{context_.names};
  std::string scratch_;
};

// Characters as the terminal writer shows them: a code point, or one
// replacement character per byte that is not valid UTF-8.
size_t code_points(std::string_view text) {
  size_t n = 0;
  while (!text.empty()) {
    text.remove_prefix(std::max<size_t>(1, utf8_sequence(text)));
    ++n;
  }
  return n;
}

}  // namespace

std::optional<Format> parse_format(std::string_view text) {
  if (text == "table") return Format::kTable;
  if (text == "csv") return Format::kCsv;
  if (text == "jsonl" || text == "json") return Format::kJsonl;
  if (text == "timesketch") return Format::kTimesketch;
  return std::nullopt;
}

const char* format_name(Format format) {
  switch (format) {
    case Format::kTable: return "table";
    case Format::kCsv: return "csv";
    case Format::kJsonl: return "jsonl";
    case Format::kTimesketch: return "timesketch";
  }
  return "";
}

void TableLayout::observe(const EventRecord& record, Level rule_level) {
  computer = std::clamp(code_points(record.field(field::kComputer)), computer, kMaxComputer);
  channel = std::clamp(code_points(record.channel()), channel, kMaxChannel);
  event_id = std::clamp(code_points(record.field(field::kEventID)), event_id, size_t{10});
  level = std::max(level, code_points(detect::level_name(rule_level)));
}

void TableLayout::observe_alert(std::string_view alert_computer, Level rule_level) {
  computer = std::clamp(code_points(alert_computer), computer, kMaxComputer);
  level = std::max(level, code_points(detect::level_name(rule_level)));
}

void DetectionWriter::rendered_lines(const EventRecord& record, const Event& event,
                                     std::span<const RuleInfo* const> rules, std::string& out) {
  put_rendered_tail(out, {});
  const size_t start = begin_rendered_line(out);
  detections_of_event(record, event, rules, out);
  end_rendered_line(out, start);
}

std::unique_ptr<DetectionWriter> DetectionWriter::create(Format format,
                                                         const OutputContext& context,
                                                         const TableStyle& style) {
  switch (format) {
    case Format::kTable: return std::make_unique<TableWriter>(context, style);
    case Format::kCsv: return std::make_unique<CsvWriter>(context);
    case Format::kJsonl: return std::make_unique<JsonlWriter>(context);
    case Format::kTimesketch: return std::make_unique<TimesketchWriter>(context);
  }
  return nullptr;
}

std::unique_ptr<TimelineWriter> TimelineWriter::create(Format format,
                                                       const OutputContext& context) {
  switch (format) {
    case Format::kCsv: return std::make_unique<TimelineCsv>(context);
    case Format::kJsonl: return std::make_unique<TimelineJsonl>(context);
    default: return nullptr;
  }
}

void append_json_string(std::string& out, std::string_view value) {
  out.push_back('"');
  if (text::is_valid(value)) {
    append_utf8_as_json(out, value);
  } else {
    std::string valid;
    text::append_valid_utf8(valid, value);
    append_utf8_as_json(out, valid);
  }
  out.push_back('"');
}

void append_csv_field(std::string& out, std::string_view text) {
  std::string scratch;
  with_valid_utf8(text, scratch, [&](std::string_view valid) {
    if (valid.find_first_of(",\"\r\n") == std::string_view::npos) {
      out.append(valid);
      return;
    }
    out.push_back('"');
    for (char c : valid) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  });
}

void append_fields_json(std::string& out, const EventRecord& record, const FieldNames& names) {
  FieldsJson(&names).append(out, record);
}

void append_terminal_text(std::string& out, std::string_view text, size_t width, bool pad) {
  size_t used = 0;
  const size_t total = code_points(text);
  const bool cut = total > width;
  const size_t keep = cut ? (width > 0 ? width - 1 : 0) : total;
  while (!text.empty() && used < keep) {
    const size_t n = utf8_sequence(text);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      text.remove_prefix(1);
    } else {
      const auto c = static_cast<uint8_t>(text[0]);
      const bool c1 = n == 2 && c == 0xc2 && static_cast<uint8_t>(text[1]) < 0xa0;
      if ((n == 1 && (c < 0x20 || c == 0x7f)) || c1) {
        out.push_back('?');
      } else {
        out.append(text.substr(0, n));
      }
      text.remove_prefix(n);
    }
    ++used;
  }
  if (cut && width > 0) {
    out += "\xE2\x80\xA6";  // …
    ++used;
  }
  if (pad && used < width) out.append(width - used, ' ');
}

}  // namespace vigil::report
