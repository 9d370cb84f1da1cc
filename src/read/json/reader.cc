#include "reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

#include "vigil/core/limits.h"
#include "vigil/core/utf.h"

namespace vigil::read::json {

namespace {

using simdjson::error_code;

bool hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

uint32_t hex4(std::string_view s) {
  uint32_t v = 0;
  for (char c : s) {
    v = v * 16 + static_cast<uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

void note(std::string& repairs, std::string_view what) {
  if (repairs.find(what) != std::string::npos) return;
  if (!repairs.empty()) repairs += ", ";
  repairs += what;
}

// A copy of `in` that simdjson accepts where the original has damage a reader
// can step over: invalid UTF-8 and invalid escapes become U+FFFD, control
// characters inside strings are escaped, and with `quote_numbers` every
// number becomes a string of its spelling (integers beyond 64 bits, 1e999).
// What was changed is added to `repairs` (numbers are not damage: not noted).
void rewrite(std::string_view in, bool quote_numbers, std::string& out, std::string& repairs) {
  out.clear();
  out.reserve(in.size() + 64);
  bool in_string = false;
  size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c >= 0x80) {
      const size_t n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
      if (n != 0 && i + n <= in.size() && is_valid_utf8(in.substr(i, n))) {
        out.append(in.substr(i, n));
        i += n;
      } else {
        out.append("\xEF\xBF\xBD");
        note(repairs, "invalid UTF-8 replaced by U+FFFD");
        ++i;
      }
      continue;
    }
    if (!in_string) {
      if (c == '"') {
        in_string = true;
      } else if (quote_numbers && (c == '-' || (c >= '0' && c <= '9'))) {
        size_t end = i + 1;
        while (end < in.size() &&
               (std::isdigit(static_cast<unsigned char>(in[end])) || in[end] == '.' ||
                in[end] == 'e' || in[end] == 'E' || in[end] == '+' || in[end] == '-')) {
          ++end;
        }
        out.push_back('"');
        out.append(in.substr(i, end - i));
        out.push_back('"');
        i = end;
        continue;
      }
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (c == '"') {
      in_string = false;
      out.push_back('"');
      ++i;
    } else if (c < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
      note(repairs, "control character in a string escaped");
      ++i;
    } else if (c != '\\') {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (i + 1 < in.size() && std::strchr("\"\\/bfnrt", in[i + 1]) != nullptr &&
               in[i + 1] != '\0') {
      out.append(in.substr(i, 2));
      i += 2;
    } else if (i + 5 < in.size() && in[i + 1] == 'u' && hex_digit(in[i + 2]) &&
               hex_digit(in[i + 3]) && hex_digit(in[i + 4]) && hex_digit(in[i + 5])) {
      const uint32_t unit = hex4(in.substr(i + 2, 4));
      if (unit >= 0xD800 && unit <= 0xDBFF && i + 11 < in.size() && in[i + 6] == '\\' &&
          in[i + 7] == 'u' && hex_digit(in[i + 8]) && hex_digit(in[i + 9]) &&
          hex_digit(in[i + 10]) && hex_digit(in[i + 11]) && hex4(in.substr(i + 8, 4)) >= 0xDC00 &&
          hex4(in.substr(i + 8, 4)) <= 0xDFFF) {
        out.append(in.substr(i, 12));
        i += 12;
      } else if (unit >= 0xD800 && unit <= 0xDFFF) {
        out += "\\ufffd";
        note(repairs, "unpaired surrogate escape replaced by U+FFFD");
        i += 6;
      } else {
        out.append(in.substr(i, 6));
        i += 6;
      }
    } else {
      out += "\\ufffd";
      note(repairs, "invalid escape replaced by U+FFFD");
      i += i + 1 < in.size() ? 2 : 1;
    }
  }
}

bool repairable(error_code e) {
  return e == simdjson::UTF8_ERROR || e == simdjson::STRING_ERROR || e == simdjson::UNESCAPED_CHARS;
}
bool number_error(error_code e) {
  return e == simdjson::NUMBER_ERROR || e == simdjson::NUMBER_OUT_OF_RANGE;
}

std::string describe(error_code e) {
  switch (e) {
    case simdjson::DEPTH_ERROR:
      return "JSON nested deeper than " + std::to_string(limits::kJsonMaxDepth) +
             " levels; skipped";
    case simdjson::EMPTY: return "empty JSON value; skipped";
    default: return std::string("not valid JSON (") + simdjson::error_message(e) + "); skipped";
  }
}

}  // namespace

JsonBlockParser::JsonBlockParser(FieldNames& names) : names_(names) { fields_.reserve(64); }

void JsonBlockParser::issue(uint64_t line, size_t pos, std::string reason) {
  sink_->on_issue({line, block_offset_ + pos, std::move(reason)});
}

void JsonBlockParser::garbage(uint64_t line, size_t pos) {
  if (garbage_count_ == 0) {
    garbage_line_ = line;
    garbage_pos_ = pos;
  }
  ++garbage_count_;
}

void JsonBlockParser::flush_garbage() {
  if (garbage_count_ == 0) return;
  std::string reason = "not a JSON object or array";
  if (garbage_count_ > 1) {
    reason += " (nor are the " + std::to_string(garbage_count_ - 1) + " lines after it)";
  }
  issue(garbage_line_, garbage_pos_, reason + "; skipped");
  garbage_count_ = 0;
}

void JsonBlockParser::unclosed(size_t begin, size_t end, uint64_t line) {
  flush_garbage();
  issue(line, begin,
        "JSON value is not closed (" + std::to_string(end - begin) +
            " bytes up to where it stops: a truncated line or document?); skipped");
}

void JsonBlockParser::parse(std::string_view block, uint64_t block_offset, uint32_t input,
                            EventSink& sink) {
  block_ = block;
  block_offset_ = block_offset;
  input_ = input;
  sink_ = &sink;
  framer_.reset();
  names_.begin_block();
  garbage_count_ = 0;
  size_t pos = 0;
  uint64_t line = 0;
  LineCursor open;  // where the open multi-line value started
  while (pos < block.size()) {
    ++line;
    const char* start = block.data() + pos;
    const void* nl = std::memchr(start, '\n', block.size() - pos);
    const size_t len =
        nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : block.size() - pos;
    const size_t next = pos + len + (nl ? 1 : 0);
    std::string_view text(start, len);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.size() > limits::kTextMaxLineBytes) {
      if (framer_.open()) unclosed(open.pos, pos, open.line);
      framer_.reset();
      flush_garbage();
      issue(line, pos,
            "line of " + std::to_string(text.size()) + " bytes is longer than the limit of " +
                std::to_string(limits::kTextMaxLineBytes) + " bytes; skipped");
      pos = next;
      continue;
    }
    bool abandoned = false;
    const LineRole role = framer_.feed(text, abandoned);
    if (abandoned) unclosed(open.pos, pos, open.line);
    switch (role) {
      case LineRole::kBlank:
      case LineRole::kMore: break;
      case LineRole::kSingle: value(text, {pos, line, pos}); break;
      case LineRole::kOpen: open = {pos, line, pos}; break;
      case LineRole::kClose:
        value(block.substr(open.pos, pos + text.size() - open.pos), open);
        break;
    }
    pos = next;
  }
  if (framer_.open()) unclosed(open.pos, block.size(), open.line);
  flush_garbage();
  sink_ = nullptr;
}

void JsonBlockParser::value(std::string_view text, LineCursor cursor) {
  const std::string_view t = trim_leading(text);
  if (t.empty()) return;
  if (t[0] != '{' && t[0] != '[') {
    garbage(cursor.line, cursor.pos);
    return;
  }
  flush_garbage();
  if (text.size() > limits::kJsonMaxDocumentBytes) {
    issue(cursor.line, cursor.pos,
          "JSON document of more than " + std::to_string(limits::kJsonMaxDocumentBytes >> 20) +
              " MiB is larger than the limit; skipped");
    return;
  }
  if (t[0] == '[') {
    array(t, cursor);
    return;
  }
  const std::string_view records = records_array(t);
  if (!records.empty()) {
    array(records, cursor);
    return;
  }
  object(t, cursor);
}

void JsonBlockParser::advance(LineCursor& cursor, const char* to) const {
  const char* p = block_.data() + cursor.pos;
  while (p < to) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(to - p));
    if (nl == nullptr) break;
    p = static_cast<const char*>(nl) + 1;
    ++cursor.line;
    cursor.line_start = static_cast<size_t>(p - block_.data());
  }
  cursor.pos = static_cast<size_t>(to - block_.data());
}

void JsonBlockParser::array(std::string_view text, LineCursor& cursor) {
  const bool closed = for_each_element(text, [&](std::string_view element) {
    advance(cursor, element.data());
    if (element[0] != '{') {
      issue(cursor.line, cursor.line_start, "array element is not a JSON object; skipped");
      return;
    }
    object(element, cursor);
  });
  if (!closed) issue(cursor.line, cursor.line_start, "JSON array is not closed");
}

error_code JsonBlockParser::parse_object(std::string_view text, simdjson::dom::element& out,
                                         std::string& repairs) {
  if (parser_.max_depth() != limits::kJsonMaxDepth) {
    if (auto e = parser_.allocate(std::max<size_t>(text.size(), 64 * 1024), limits::kJsonMaxDepth);
        e != simdjson::SUCCESS) {
      return e;
    }
  }
  // simdjson reads up to SIMDJSON_PADDING bytes past the value: in place
  // when the block has them, from a padded copy near its end.
  const char* data = text.data();
  if (static_cast<size_t>(block_.data() + block_.size() - (data + text.size())) <
      simdjson::SIMDJSON_PADDING) {
    padded_.assign(text);
    padded_.append(simdjson::SIMDJSON_PADDING, ' ');
    data = padded_.data();
  }
  error_code e = parser_.parse(data, text.size(), false).get(out);
  bool quote_numbers = false;
  for (int attempt = 0; e != simdjson::SUCCESS && attempt < 2; ++attempt) {
    if (number_error(e)) {
      quote_numbers = true;
    } else if (!repairable(e)) {
      break;
    }
    repairs.clear();
    rewrite(text, quote_numbers, repaired_, repairs);
    const size_t size = repaired_.size();
    repaired_.append(simdjson::SIMDJSON_PADDING, ' ');
    e = parser_.parse(repaired_.data(), size, false).get(out);
  }
  return e;
}

void JsonBlockParser::object(std::string_view text, const LineCursor& cursor) {
  line_ = cursor.line;
  line_start_ = cursor.line_start;
  if (text.size() > limits::kTextMaxLineBytes) {
    reject("JSON object of " + std::to_string(text.size()) + " bytes is larger than the limit of " +
           std::to_string(limits::kTextMaxLineBytes) + " bytes for one event; skipped");
    return;
  }
  simdjson::dom::element root;
  repairs_.clear();
  if (const error_code e = parse_object(text, root, repairs_); e != simdjson::SUCCESS) {
    reject(describe(e));
    return;
  }
  if (!root.is_object()) {
    reject("not a JSON object; skipped");
    return;
  }
  if (!repairs_.empty()) issue(line_, line_start_, repairs_);
  fields_.clear();
  fields_dropped_ = false;
  names_dropped_ = false;
  names_.begin_object();
  on_object(root);
}

Event& JsonBlockParser::begin_event() {
  event_.clear();
  event_.source.source_id = input_;
  event_.source.record_id = line_;
  event_.source.offset = block_offset_ + line_start_;
  return event_;
}

void JsonBlockParser::deliver(Event& event) {
  sink_->on_event(event);
  if (fields_dropped_) {
    issue(line_, line_start_,
          "more than " + std::to_string(limits::kTextMaxFieldsPerEvent) +
              " fields in one object; the rest were dropped");
  }
  if (names_dropped_) {
    issue(line_, line_start_,
          "fields dropped: their names are longer than " +
              std::to_string(limits::kJsonMaxFieldNameBytes) + " bytes, or new past " +
              std::to_string(limits::kJsonMaxFieldNamesPerBlock) +
              " distinct names in this part of the file");
  }
}

void JsonBlockParser::reject(std::string reason) { issue(line_, line_start_, std::move(reason)); }

Value JsonBlockParser::scalar(simdjson::dom::element element, Event& event) {
  char buf[40];
  char* end = buf;
  switch (element.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view s;
      if (element.get(s) != simdjson::SUCCESS) return {};
      return Value::utf8(s);
    }
    case simdjson::dom::element_type::INT64: {
      int64_t v = 0;
      if (element.get(v) != simdjson::SUCCESS) return {};
      end = std::to_chars(buf, buf + sizeof buf, v).ptr;
      break;
    }
    case simdjson::dom::element_type::UINT64: {
      uint64_t v = 0;
      if (element.get(v) != simdjson::SUCCESS) return {};
      end = std::to_chars(buf, buf + sizeof buf, v).ptr;
      break;
    }
    case simdjson::dom::element_type::DOUBLE: {
      double v = 0;
      if (element.get(v) != simdjson::SUCCESS) return {};
      end = std::to_chars(buf, buf + sizeof buf, v).ptr;
      break;
    }
    case simdjson::dom::element_type::BOOL: {
      bool v = false;
      if (element.get(v) != simdjson::SUCCESS) return {};
      return Value::utf8(v ? "true" : "false");
    }
    case simdjson::dom::element_type::NULL_VALUE:
    default: return Value();
  }
  return Value::utf8(event.store(std::string_view(buf, static_cast<size_t>(end - buf))));
}

void JsonBlockParser::flatten(simdjson::dom::element element, uint32_t parent, Event& event) {
  switch (element.type()) {
    case simdjson::dom::element_type::OBJECT:
      for (const simdjson::dom::key_value_pair field : as_object(element)) {
        const FieldId id = names_.id(parent, field.key);
        if (id == kNoField) {
          names_dropped_ = true;
          continue;
        }
        flatten(field.value, id, event);
      }
      return;
    case simdjson::dom::element_type::ARRAY:
      for (const simdjson::dom::element item : as_array(element)) {
        flatten(item, parent, event);
      }
      return;
    default:
      if (parent != NameCache::kRoot) add_field(parent, scalar(element, event));
      return;
  }
}

Timestamp parse_time(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return {};
  if (text.starts_with("/Date(")) {
    // .NET's JSON dates (PowerShell's ConvertTo-Json): milliseconds, maybe an offset after them.
    size_t end = 6;
    if (end < text.size() && text[end] == '-') ++end;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    int64_t millis = 0;
    const auto r = std::from_chars(text.data() + 6, text.data() + end, millis);
    if (r.ec != std::errc() || millis > INT64_MAX / 10'000 || millis < INT64_MIN / 10'000)
      return {};
    return Timestamp{millis * 10'000};
  }
  const char first = text[0];
  if (!(first == '-' || (first >= '0' && first <= '9'))) return {};
  // A date starts with four digits and a dash: RFC 3339.
  if (text.size() >= 5 && text[4] == '-' && first != '-') return parse_rfc3339(text);
  const bool negative = first == '-';
  std::string_view digits = negative ? text.substr(1) : text;
  size_t int_digits = 0;
  while (int_digits < digits.size() && digits[int_digits] >= '0' && digits[int_digits] <= '9') {
    ++int_digits;
  }
  std::string_view fraction;
  if (int_digits < digits.size() && digits[int_digits] == '.') {
    fraction = digits.substr(int_digits + 1);
    for (char c : fraction) {
      if (c < '0' || c > '9') {
        fraction = {};
        int_digits = SIZE_MAX;  // an exponent: read as a double below
        break;
      }
    }
  } else if (int_digits != digits.size()) {
    int_digits = SIZE_MAX;
  }
  // Ticks per unit for seconds, milliseconds, microseconds, nanoseconds (x100).
  int64_t ticks_per_unit;
  int fraction_scale;  // decimal digits of a unit in ticks
  auto pick_unit = [&](double magnitude_digits) {
    if (magnitude_digits <= 11) {
      ticks_per_unit = Timestamp::kTicksPerSecond;
      fraction_scale = 7;
    } else if (magnitude_digits <= 14) {
      ticks_per_unit = 10'000;
      fraction_scale = 4;
    } else if (magnitude_digits <= 17) {
      ticks_per_unit = 10;
      fraction_scale = 1;
    } else {
      ticks_per_unit = 0;  // nanoseconds: a hundredth of a tick
      fraction_scale = 0;
    }
  };
  if (int_digits == SIZE_MAX) {
    double v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !(std::abs(v) < 1e20)) {
      return {};
    }
    const double a = std::abs(v);
    pick_unit(a < 1 ? 1 : std::floor(std::log10(a)) + 1);
    const double ticks = ticks_per_unit == 0 ? v / 100 : v * static_cast<double>(ticks_per_unit);
    return Timestamp{static_cast<int64_t>(ticks)};
  }
  if (int_digits == 0 || int_digits > 19) return {};
  uint64_t whole = 0;
  if (std::from_chars(digits.data(), digits.data() + int_digits, whole).ec != std::errc() ||
      whole > static_cast<uint64_t>(INT64_MAX)) {
    return {};
  }
  pick_unit(static_cast<double>(int_digits));
  int64_t ticks;
  if (ticks_per_unit == 0) {
    ticks = static_cast<int64_t>(whole / 100);
  } else {
    if (whole > static_cast<uint64_t>(INT64_MAX / ticks_per_unit)) return {};
    ticks = static_cast<int64_t>(whole) * ticks_per_unit;
    int64_t sub = 0;
    for (int i = 0; i < fraction_scale; ++i) {
      sub = sub * 10 + (static_cast<size_t>(i) < fraction.size() ? fraction[i] - '0' : 0);
    }
    ticks += sub;
  }
  return Timestamp{negative ? -ticks : ticks};
}

int sniff_json(std::string_view head) {
  RecordFramer framer;
  size_t pos = 0;
  size_t open_begin = 0;
  while (pos < head.size()) {
    const size_t nl = head.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? head.size() : nl;
    std::string_view line = head.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool abandoned = false;
    const LineRole role = framer.feed(line, abandoned);
    if (abandoned) return 20;
    std::string_view value;
    if (role == LineRole::kSingle) {
      value = trim_leading(line);
      if (value[0] != '{' && value[0] != '[') return 0;
    } else if (role == LineRole::kOpen) {
      open_begin = pos;
    } else if (role == LineRole::kClose) {
      value = trim_leading(head.substr(open_begin, end - open_begin));
    }
    if (!value.empty()) {
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      const simdjson::padded_string copy(value);
      if (parser.parse(copy).get(root) != simdjson::SUCCESS) return 20;
      return root.is_object() || root.is_array() ? 60 : 0;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  // A document longer than the head: it opened like JSON.
  return framer.open() ? 50 : 0;
}

}  // namespace vigil::read::json
