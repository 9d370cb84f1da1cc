// Zeek's JSON logs: one object per line (LogAscii::use_json, or the JSON
// Streaming Logs package, which adds _path and _write_ts). Keys are Zeek's
// field names already flattened with dots ("id.orig_h"); objects nested by
// other exporters are flattened the same way. Arrays (sets and vectors) are
// joined with ',' as the TSV writer joins them.

#include <simdjson.h>

#include <charconv>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vigil/core/limits.h"
#include "vigil/read/text/lines.h"
#include "zeek_internal.h"
#include "vigil/core/text_map.h"
#include "vigil/core/utf.h"

namespace vigil::read::zeek {

namespace {

namespace sj = simdjson;
namespace dom = simdjson::dom;

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                           text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return trim_right(text);
}

// Distinct keys remembered per parser; hostile input with endless new keys
// is interned directly past this.
constexpr size_t kMaxCachedKeys = 16 * 1024;

class JsonParser final : public BlockParser {
 public:
  JsonParser(std::shared_ptr<const ZeekContext> context, FieldNames& names)
      : context_(std::move(context)), names_(names) {}

  void parse(std::string_view block, uint64_t block_offset, uint32_t input,
             EventSink& sink) override {
    const bool ascii = vigil::is_ascii(block);
    for_each_line(block, block_offset, sink, [&](std::string_view line, uint64_t number,
                                                 uint64_t offset) {
      line = trim(line);
      if (line.empty()) return;
      event_.clear();
      event_.source = {input, number, offset, false};
      bool repaired = false;
      if (!ascii) line = valid_utf8_or_repaired(line, event_, repaired);
      if (line.front() != '{') {
        sink.on_issue({number, offset, "not a JSON object"});
        return;
      }
      std::string reason;
      if (!read_line(line, reason)) {
        sink.on_issue({number, offset, std::move(reason)});
        return;
      }
      if (repaired) {
        sink.on_issue({number, offset, "invalid UTF-8 replaced by U+FFFD; line read"});
      }
      if (too_many_fields_) {
        sink.on_issue({number, offset,
                       "more than " + std::to_string(limits::kTextMaxFieldsPerEvent) +
                           " fields; the rest dropped"});
      }
      sink.on_event(event_);
    });
  }

 private:
  bool read_line(std::string_view line, std::string& reason) {
    const ZeekContext& c = *context_;
    const size_t capacity = line.size() + sj::SIMDJSON_PADDING;
    if (capacity > padded_capacity_) {
      padded_capacity_ = std::max<size_t>(capacity, 64 * 1024);
      padded_ = std::make_unique<char[]>(padded_capacity_);
    }
    std::memcpy(padded_.get(), line.data(), line.size());
    std::memset(padded_.get() + line.size(), 0, sj::SIMDJSON_PADDING);
    has_path_ = false;
    too_many_fields_ = false;
    ts_ = {};
    write_ts_ = {};
    key_slot_ = 0;
    event_.add(c.source_format_id, Value::utf8(kSourceFormat));

    dom::element root;
    dom::object object;
    sj::error_code error = parser_.parse(padded_.get(), line.size(), false).get(root);
    if (!error) error = root.get(object);
    if (error) {
      reason = std::string("not valid JSON: ") + sj::error_message(error);
      return false;
    }
    key_.clear();
    read_object(object, 0);
    if (!has_path_ && !c.path.empty()) event_.add(c.path_id, Value::utf8(c.path));
    if (!ts_.empty()) {
      event_.timestamp = ts_is_string_ ? parse_rfc3339(ts_) : Timestamp{};
      if (!event_.timestamp.is_set()) event_.timestamp = parse_epoch(ts_);
      if (!event_.timestamp.is_set()) {
        reason = "ts \"" + std::string(ts_.substr(0, 40)) + "\" is not a time";
        return false;
      }
    } else if (!write_ts_.empty()) {
      // Logs without ts (loaded_scripts) still have the time they were written.
      event_.timestamp = parse_rfc3339(write_ts_);
      if (!event_.timestamp.is_set()) event_.timestamp = parse_epoch(write_ts_);
    }
    return true;
  }

  // Fields of `object`, named key_ + key (key_ holds the dotted prefix).
  void read_object(dom::object object, uint32_t depth) {
    const size_t prefix = key_.size();
    for (const dom::key_value_pair member : object) {
      key_.resize(prefix);
      if (depth > 0) key_ += '.';
      key_ += member.key;
      if (member.value.type() == dom::element_type::OBJECT && depth + 1 < limits::kJsonMaxDepth) {
        read_object(dom::object(member.value), depth + 1);
        continue;
      }
      if (member.value.type() == dom::element_type::NULL_VALUE) continue;  // unset
      const std::string_view text = scalar_text(member.value);
      if (depth == 0) {
        note_special(member.key, text, member.value.type() == dom::element_type::STRING);
      }
      add(key_, text);
    }
    key_.resize(prefix);
  }

  void note_special(std::string_view key, std::string_view text, bool is_string) {
    if (key == "ts") {
      ts_ = text;
      ts_is_string_ = is_string;
    } else if (key == "_path") {
      has_path_ = true;
    } else if (key == "_write_ts") {
      write_ts_ = text;
    }
  }

  // Strings unescaped; numbers in their shortest form (doubles keep a
  // fraction: 2230.0, as Zeek writes them); arrays (sets and vectors) joined
  // with ','; deeper objects and arrays inside arrays as JSON text.
  std::string_view scalar_text(dom::element value) {
    switch (value.type()) {
      case dom::element_type::STRING: return std::string_view(value);
      case dom::element_type::BOOL: return bool(value) ? "true" : "false";
      case dom::element_type::NULL_VALUE: return {};
      case dom::element_type::INT64:
      case dom::element_type::UINT64:
      case dom::element_type::DOUBLE: {
        number_.clear();
        append_number(value, number_);
        return event_.store(number_);
      }
      case dom::element_type::ARRAY: {
        join_.clear();
        bool first = true;
        for (const dom::element item : dom::array(value)) {
          if (!first) join_ += ',';
          first = false;
          append_element(item, join_);
        }
        return event_.store(join_);
      }
      case dom::element_type::OBJECT: return event_.store(sj::minify(value));
    }
    return {};
  }

  static void append_number(dom::element value, std::string& out) {
    char buffer[64];
    std::to_chars_result r{};
    if (value.type() == dom::element_type::INT64) {
      r = std::to_chars(buffer, buffer + sizeof buffer, int64_t(value));
    } else if (value.type() == dom::element_type::UINT64) {
      r = std::to_chars(buffer, buffer + sizeof buffer, uint64_t(value));
    } else {
      r = std::to_chars(buffer, buffer + sizeof buffer, double(value));
      const std::string_view digits(buffer, static_cast<size_t>(r.ptr - buffer));
      out.append(digits);
      if (digits.find_first_of(".eEn") == std::string_view::npos) out.append(".0");
      return;
    }
    out.append(buffer, static_cast<size_t>(r.ptr - buffer));
  }

  static void append_element(dom::element item, std::string& out) {
    switch (item.type()) {
      case dom::element_type::STRING: out.append(std::string_view(item)); break;
      case dom::element_type::BOOL: out.append(bool(item) ? "true" : "false"); break;
      case dom::element_type::NULL_VALUE: break;
      case dom::element_type::INT64:
      case dom::element_type::UINT64:
      case dom::element_type::DOUBLE: append_number(item, out); break;
      case dom::element_type::ARRAY:
      case dom::element_type::OBJECT: out.append(sj::minify(item)); break;
    }
  }

  void add(std::string_view name, std::string_view text) {
    if (event_.size() >= limits::kTextMaxFieldsPerEvent) {
      too_many_fields_ = true;
      return;
    }
    event_.add(id_of(name), Value::utf8(text));
  }

  // Lines of one log repeat the same keys in the same order: the key at the
  // same position as in the previous line is checked first.
  FieldId id_of(std::string_view name) {
    const size_t slot = key_slot_++;
    if (slot < recent_.size() && recent_[slot].first == name) return recent_[slot].second;
    FieldId id;
    if (auto it = ids_.find(name); it != ids_.end()) {
      id = it->second;
    } else {
      id = names_.intern(name);
      if (ids_.size() < kMaxCachedKeys) ids_.emplace(std::string(name), id);
    }
    if (slot < recent_.size()) {
      recent_[slot].first.assign(name);
      recent_[slot].second = id;
    } else if (recent_.size() < limits::kTextMaxFieldsPerEvent) {
      recent_.emplace_back(std::string(name), id);
    }
    return id;
  }

  std::shared_ptr<const ZeekContext> context_;
  FieldNames& names_;
  Event event_;
  dom::parser parser_;
  std::unique_ptr<char[]> padded_;
  size_t padded_capacity_ = 0;
  std::string key_;   // dotted name of the member being read
  std::string join_;  // an array's elements
  std::string number_;
  std::vector<std::pair<std::string, FieldId>> recent_;
  size_t key_slot_ = 0;
  TextMap<FieldId> ids_;
  bool has_path_ = false;
  bool too_many_fields_ = false;
  bool ts_is_string_ = false;
  std::string_view ts_, write_ts_;
};

}  // namespace

std::unique_ptr<BlockParser> make_json_parser(std::shared_ptr<const ZeekContext> context,
                                              FieldNames& names) {
  return std::make_unique<JsonParser>(std::move(context), names);
}

}  // namespace vigil::read::zeek
