// Zeek's TSV logs: a #-header (#separator, #set_separator, #empty_field,
// #unset_field, #path, #open, #fields, #types), then one record per line.

#include <string>

#include "vigil/core/limits.h"
#include "vigil/read/text/lines.h"
#include "zeek_internal.h"
#include "vigil/core/utf.h"

namespace vigil::read::zeek {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The header writes the separator itself escaped ("\x09").
std::string decode_header_escapes(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x' &&
        hex_digit(text[i + 2]) >= 0 && hex_digit(text[i + 3]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 2]) * 16 + hex_digit(text[i + 3]));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Splits on `separator` into `out` (cleared first).
void split(std::string_view line, std::string_view separator, std::vector<std::string_view>& out) {
  out.clear();
  if (separator.size() == 1) {
    const char sep = separator[0];
    size_t pos = 0;
    for (;;) {
      const void* hit = std::memchr(line.data() + pos, sep, line.size() - pos);
      if (hit == nullptr) {
        out.push_back(line.substr(pos));
        return;
      }
      const size_t at = static_cast<size_t>(static_cast<const char*>(hit) - line.data());
      out.push_back(line.substr(pos, at - pos));
      pos = at + 1;
    }
  }
  size_t pos = 0;
  for (;;) {
    const size_t at = line.find(separator, pos);
    if (at == std::string_view::npos) {
      out.push_back(line.substr(pos));
      return;
    }
    out.push_back(line.substr(pos, at - pos));
    pos = at + separator.size();
  }
}

// "2024-04-12-19-29-12" (#open).
Timestamp parse_open_time(std::string_view t) {
  if (t.size() != 19) return {};
  int v[6] = {};
  const size_t starts[6] = {0, 5, 8, 11, 14, 17};
  const size_t widths[6] = {4, 2, 2, 2, 2, 2};
  for (int k = 0; k < 6; ++k) {
    for (size_t i = starts[k]; i < starts[k] + widths[k]; ++i) {
      if (t[i] < '0' || t[i] > '9') return {};
      v[k] = v[k] * 10 + (t[i] - '0');
    }
  }
  if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60) {
    return {};
  }
  return Timestamp::from_unix_seconds(
      days_from_civil(v[0], static_cast<unsigned>(v[1]), static_cast<unsigned>(v[2])) * 86400 +
      v[3] * 3600 + v[4] * 60 + v[5]);
}

class TsvParser final : public BlockParser {
 public:
  explicit TsvParser(std::shared_ptr<const ZeekContext> context) : context_(std::move(context)) {
    values_.reserve(context_->columns.size() + 1);
  }

  void parse(std::string_view block, uint64_t block_offset, uint32_t input,
             EventSink& sink) override {
    const ZeekContext& c = *context_;
    const bool ascii = vigil::is_ascii(block);
    for_each_line(block, block_offset, sink, [&](std::string_view line, uint64_t number,
                                                 uint64_t offset) {
      if (line.empty()) return;
      if (line[0] == '#') {
        // Header and #close lines. Blocks are parsed apart, so a header
        // that changes the columns in mid-file cannot be followed: it is
        // reported, and the lines after it are read with the first one.
        if (line.starts_with("#fields") && line != c.fields_line) {
          sink.on_issue({number, offset,
                         "a #fields header unlike the file's first: the lines after it are read "
                         "with the first header's columns (read logs of other layouts as separate "
                         "files)"});
        }
        return;
      }
      event_.clear();
      event_.source = {input, number, offset, false};
      bool repaired = false;
      if (!ascii) line = valid_utf8_or_repaired(line, event_, repaired);
      split(line, c.separator, values_);
      if (values_.size() != c.columns.size()) {
        sink.on_issue({number, offset,
                       std::to_string(values_.size()) + " columns; #fields names " +
                           std::to_string(c.columns.size())});
        return;
      }
      Timestamp time = c.open_time;
      if (c.ts_column >= 0) {
        const std::string_view ts = values_[static_cast<size_t>(c.ts_column)];
        if (ts != c.unset_field) {
          time = parse_epoch(ts);
          if (!time.is_set()) {
            sink.on_issue({number, offset,
                           "ts \"" + std::string(ts.substr(0, 40)) + "\" is not Unix seconds"});
            return;
          }
        }
      }
      if (repaired) {
        sink.on_issue({number, offset, "invalid UTF-8 replaced by U+FFFD; line read"});
      }
      event_.timestamp = time;
      event_.reserve_more(values_.size() + 2);
      event_.add(c.source_format_id, Value::utf8(kSourceFormat));
      if (!c.path.empty()) event_.add(c.path_id, Value::utf8(c.path));
      for (size_t i = 0; i < values_.size(); ++i) {
        const std::string_view v = values_[i];
        if (v == c.unset_field) continue;  // unset: no field, as in Zeek's JSON
        std::string_view text;
        if (v == c.empty_field) {
          text = {};
        } else if (c.kinds[i] == ColumnKind::kBool && (v == "T" || v == "F")) {
          text = v == "T" ? std::string_view("true") : std::string_view("false");
        } else {
          text = decode(v);
        }
        event_.add(c.columns[i], Value::utf8(text));
      }
      sink.on_event(event_);
    });
  }

 private:
  // Zeek writes '\' as "\\" and bytes it will not print as "\xHH". The
  // escapes of printable characters, tab and line breaks (the separators,
  // '\n' in messages) are decoded, as Zeek's JSON writer has them; those of
  // other bytes stay "\xHH", as the JSON writer also spells them (and rules
  // look for, e.g. answers ending in "\x00").
  std::string_view decode(std::string_view v) {
    if (std::memchr(v.data(), '\\', v.size()) == nullptr) return v;
    scratch_.clear();
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] != '\\' || i + 1 >= v.size()) {
        scratch_ += v[i];
        continue;
      }
      if (v[i + 1] == '\\') {
        scratch_ += '\\';
        ++i;
        continue;
      }
      if (v[i + 1] == 'x' && i + 3 < v.size() && hex_digit(v[i + 2]) >= 0 &&
          hex_digit(v[i + 3]) >= 0) {
        const int byte = hex_digit(v[i + 2]) * 16 + hex_digit(v[i + 3]);
        if (byte == '\t' || byte == '\n' || byte == '\r' || (byte >= 0x20 && byte < 0x7f)) {
          scratch_ += static_cast<char>(byte);
          i += 3;
          continue;
        }
      }
      scratch_ += '\\';
    }
    return event_.store(scratch_);
  }

  std::shared_ptr<const ZeekContext> context_;
  Event event_;
  std::vector<std::string_view> values_;
  std::string scratch_;
};

}  // namespace

Result<void> read_tsv_header(std::string_view head, ZeekContext& c, FieldNames& names) {
  std::vector<std::string_view> parts;
  std::vector<std::string> field_names, types;
  size_t pos = 0;
  while (pos < head.size()) {
    size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line[0] != '#') break;
    if (line.starts_with("#separator ")) {
      c.separator = decode_header_escapes(line.substr(11));
      if (c.separator.empty()) return make_error(Errc::kCorrupt, "Zeek log: empty #separator");
      continue;
    }
    const size_t at = line.find(c.separator);
    if (at == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, at);
    const std::string_view value = line.substr(at + c.separator.size());
    if (key == "#set_separator") {
      c.set_separator = std::string(value);
    } else if (key == "#empty_field") {
      c.empty_field = std::string(value);
    } else if (key == "#unset_field") {
      c.unset_field = std::string(value);
    } else if (key == "#path") {
      c.path = std::string(value);
    } else if (key == "#open") {
      c.open_time = parse_open_time(value);
    } else if (key == "#fields" && c.fields_line.empty()) {
      c.fields_line = std::string(line);
      split(value, c.separator, parts);
      for (std::string_view p : parts) field_names.emplace_back(p);
    } else if (key == "#types" && types.empty()) {
      split(value, c.separator, parts);
      for (std::string_view p : parts) types.emplace_back(p);
    }
  }
  if (field_names.empty()) {
    return make_error(Errc::kCorrupt, "Zeek log without a #fields line in its header");
  }
  if (field_names.size() > limits::kTextMaxFieldsPerEvent) {
    return make_error(Errc::kLimitExceeded, "Zeek log with " + std::to_string(field_names.size()) +
                                                " columns (limit " +
                                                std::to_string(limits::kTextMaxFieldsPerEvent) + ")");
  }
  // Names and the path become field names and values: well-formed UTF-8.
  Event storage;
  bool repaired = false;
  c.path = std::string(valid_utf8_or_repaired(c.path, storage, repaired));
  for (std::string& name : field_names) {
    name = std::string(valid_utf8_or_repaired(name, storage, repaired));
  }
  for (size_t i = 0; i < field_names.size(); ++i) {
    c.columns.push_back(names.intern(field_names[i]));
    c.kinds.push_back(i < types.size() && types[i] == "bool" ? ColumnKind::kBool
                                                             : ColumnKind::kText);
    if (field_names[i] == "ts" && c.ts_column < 0) c.ts_column = static_cast<int>(i);
  }
  return {};
}

std::unique_ptr<BlockParser> make_tsv_parser(std::shared_ptr<const ZeekContext> context) {
  return std::make_unique<TsvParser>(std::move(context));
}

}  // namespace vigil::read::zeek
