#include "vigil/report/record.h"

#include <cstring>

#include "text.h"

namespace vigil::report {

namespace {

// Layout: fixed header, then LEB128 varints.
//   i64 ticks, u32 source_id, u64 record_id, u64 offset, u8 flags
//   varint rule count, rule deltas (ascending, so deltas stay small)
//   varint field count, per field: varint name id, varint length, text
constexpr size_t kHeaderBytes = 8 + 4 + 8 + 8 + 1;
constexpr uint8_t kRecovered = 1;

template <class T>
void put_fixed(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <class T>
T get_fixed(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

bool get_varint(std::string_view& in, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void put_rules(std::string& out, std::span<const uint32_t> rules) {
  put_varint(out, rules.size());
  uint32_t previous = 0;
  for (uint32_t rule : rules) {
    put_varint(out, rule - previous);
    previous = rule;
  }
}

void put_header(std::string& out, Timestamp timestamp, const SourceRef& source,
                std::span<const uint32_t> rules) {
  put_fixed<int64_t>(out, timestamp.ticks);
  put_fixed<uint32_t>(out, source.source_id);
  put_fixed<uint64_t>(out, source.record_id);
  put_fixed<uint64_t>(out, source.offset);
  out.push_back(static_cast<char>(source.recovered ? kRecovered : 0));
  put_rules(out, rules);
}

}  // namespace

void text::append_valid_text(std::string& out, const Value& value) {
  const size_t start = out.size();
  append_text(out, value);
  const std::string_view appended = std::string_view(out).substr(start);
  if (!text::is_valid(appended)) {
    // Rare (8-bit text that is not UTF-8 is already read as Latin-1), but
    // every output format is UTF-8: repaired once here, on a worker thread,
    // so writers can take values as they are.
    std::string repaired;
    text::append_valid_utf8(repaired, appended);
    out.resize(start);
    out += repaired;
  }
}

namespace {

using text::append_valid_text;

// Lengths are written after the text, which is appended in place: the
// varint is built in front of it by moving the text (short) right.
void put_field(std::string& out, FieldId name, const Value& value) {
  put_varint(out, name);
  const size_t length_at = out.size();
  out.push_back('\0');  // room for a one-byte length, the common case
  append_valid_text(out, value);
  const size_t length = out.size() - length_at - 1;
  if (length < 0x80) {
    out[length_at] = static_cast<char>(length);
    return;
  }
  std::string prefix;
  put_varint(prefix, length);
  out.insert(length_at, prefix.size() - 1, '\0');
  std::memcpy(out.data() + length_at, prefix.data(), prefix.size());
}

}  // namespace

std::string_view EventRecord::field(FieldId name) const {
  for (const RecordField& f : fields) {
    if (f.name == name) return f.value;
  }
  return {};
}

bool EventRecord::has(FieldId name) const {
  for (const RecordField& f : fields) {
    if (f.name == name) return true;
  }
  return false;
}

void encode_record(const Event& event, std::span<const uint32_t> rules, std::string& out) {
  put_header(out, event.timestamp, event.source, rules);
  put_varint(out, event.size());
  for (const Field& f : event.fields()) put_field(out, f.name, f.value);
}

const EventRecord& RecordBuilder::build(const Event& event, std::span<const uint32_t> rules) {
  return fill(event, rules, [](FieldId) { return true; });
}

const EventRecord& RecordBuilder::build_head(const Event& event, std::span<const uint32_t> rules) {
  return fill(event, rules, [](FieldId name) {
    return name == field::kComputer || name == field::kChannel || name == field::kSourceFormat ||
           name == field::kEventID;
  });
}

template <class Keep>
const EventRecord& RecordBuilder::fill(const Event& event, std::span<const uint32_t> rules,
                                       Keep&& keep) {
  record_.timestamp = event.timestamp;
  record_.source = event.source;
  record_.rules.assign(rules.begin(), rules.end());
  text_.clear();
  ends_.clear();
  for (const Field& f : event.fields()) {
    if (!keep(f.name)) continue;
    append_valid_text(text_, f.value);
    ends_.emplace_back(f.name, text_.size());
  }
  // Views only now that text_ no longer grows.
  record_.fields.clear();
  size_t begin = 0;
  for (const auto& [name, end] : ends_) {
    record_.fields.push_back({name, std::string_view(text_).substr(begin, end - begin)});
    begin = end;
  }
  return record_;
}

void encode_record(const EventRecord& record, std::string& out) {
  put_header(out, record.timestamp, record.source, record.rules);
  put_varint(out, record.fields.size());
  for (const RecordField& f : record.fields) {
    put_varint(out, f.name);
    put_varint(out, f.value.size());
    out.append(f.value);
  }
}

bool decode_record(std::string_view bytes, EventRecord& out) {
  if (bytes.size() < kHeaderBytes) return false;
  const char* p = bytes.data();
  out.timestamp.ticks = get_fixed<int64_t>(p);
  out.source.source_id = get_fixed<uint32_t>(p + 8);
  out.source.record_id = get_fixed<uint64_t>(p + 12);
  out.source.offset = get_fixed<uint64_t>(p + 20);
  out.source.recovered = (static_cast<uint8_t>(p[28]) & kRecovered) != 0;
  bytes.remove_prefix(kHeaderBytes);
  uint64_t count = 0;
  // Every rule and field takes at least one byte, so a count larger than
  // what is left is damage, caught before anything is reserved.
  if (!get_varint(bytes, count) || count > bytes.size()) return false;
  out.rules.clear();
  uint64_t rule = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t delta = 0;
    if (!get_varint(bytes, delta)) return false;
    rule += delta;
    if (rule > UINT32_MAX) return false;
    out.rules.push_back(static_cast<uint32_t>(rule));
  }
  if (!get_varint(bytes, count) || count > bytes.size()) return false;
  out.fields.clear();
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t name = 0, length = 0;
    if (!get_varint(bytes, name) || name > UINT32_MAX || !get_varint(bytes, length) ||
        length > bytes.size()) {
      return false;
    }
    out.fields.push_back({static_cast<FieldId>(name), bytes.substr(0, length)});
    bytes.remove_prefix(length);
  }
  return bytes.empty();
}

void begin_rendered(std::span<const uint32_t> rules, std::string_view computer, std::string& out) {
  put_rules(out, rules);
  put_varint(out, computer.size());
  out.append(computer);
}

bool decode_rendered(std::string_view bytes, RenderedRecord& out) {
  uint64_t count = 0;
  if (!get_varint(bytes, count) || count > bytes.size()) return false;
  out.rules.clear();
  uint64_t rule = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t delta = 0;
    if (!get_varint(bytes, delta)) return false;
    rule += delta;
    if (rule > UINT32_MAX) return false;
    out.rules.push_back(static_cast<uint32_t>(rule));
  }
  uint64_t length = 0;
  if (!get_varint(bytes, length) || length > bytes.size()) return false;
  out.computer = bytes.substr(0, length);
  out.text = bytes.substr(length);
  return true;
}

void put_rendered_tail(std::string& out, std::string_view tail) {
  put_fixed(out, static_cast<uint32_t>(tail.size()));
  out.append(tail);
}

size_t begin_rendered_line(std::string& out) {
  const size_t start = out.size();
  put_fixed(out, uint32_t{0});
  return start;
}

void end_rendered_line(std::string& out, size_t start) {
  const auto size = static_cast<uint32_t>(out.size() - start - sizeof(uint32_t));
  std::memcpy(out.data() + start, &size, sizeof size);
}

bool append_rendered_lines(std::string_view lines, std::string& out) {
  if (lines.size() < sizeof(uint32_t)) return false;
  const auto tail_size = get_fixed<uint32_t>(lines.data());
  lines.remove_prefix(sizeof(uint32_t));
  if (tail_size > lines.size()) return false;
  const std::string_view tail = lines.substr(0, tail_size);
  lines.remove_prefix(tail_size);
  while (!lines.empty()) {
    if (lines.size() < sizeof(uint32_t)) return false;
    const auto size = get_fixed<uint32_t>(lines.data());
    lines.remove_prefix(sizeof(uint32_t));
    if (size > lines.size()) return false;
    out.append(lines.substr(0, size));
    out.append(tail);
    lines.remove_prefix(size);
  }
  return true;
}

}  // namespace vigil::report
