#include "vigil/core/value.h"

#include <charconv>
#include <cstring>

#include "vigil/core/utf.h"

namespace vigil {

namespace {

template <class T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);  // EVTX is little-endian, as is every target we build for
  return v;
}

template <class T>
void append_number(std::string& out, T v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Scalars are written into a small buffer and appended once: a character
// at a time, the string's size checks cost more than the digits (these run
// for every GUID and hex field of every event the output or a rule reads).
void append_hex(std::string& out, uint64_t v) {
  char buf[2 + 16];
  buf[0] = '0';
  buf[1] = 'x';
  auto r = std::to_chars(buf + 2, buf + sizeof buf, v, 16);
  out.append(buf, r.ptr);
}

void append_hex_bytes(std::string& out, const uint8_t* p, size_t n) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  const size_t start = out.size();
  out.resize(start + n * 2);
  char* dst = out.data() + start;
  for (size_t i = 0; i < n; ++i) {
    *dst++ = kDigits[p[i] >> 4];
    *dst++ = kDigits[p[i] & 0xF];
  }
}

void append_guid(std::string& out, const uint8_t* p, TextStyle style) {
  static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  static constexpr char kDigits[] = "0123456789ABCDEF";
  char buf[38];
  char* d = buf;
  if (style == TextStyle::kWindows) *d++ = '{';
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *d++ = '-';
    const uint8_t b = p[kOrder[i]];
    *d++ = kDigits[b >> 4];
    *d++ = kDigits[b & 0xF];
  }
  if (style == TextStyle::kWindows) *d++ = '}';
  out.append(buf, d);
}

void append_sid(std::string& out, const uint8_t* p, uint32_t size) {
  if (size < 8) {
    out += "S-?";
    return;
  }
  const unsigned revision = p[0];
  const unsigned count = p[1];
  uint64_t authority = 0;
  for (int i = 2; i < 8; ++i) authority = (authority << 8) | p[i];
  // Up to 255 sub-authorities: written in pieces of a buffer that holds
  // the head and a dozen of them.
  char buf[160];
  char* const limit = buf + sizeof buf;
  char* d = buf;
  *d++ = 'S';
  *d++ = '-';
  d = std::to_chars(d, limit, revision).ptr;
  *d++ = '-';
  d = std::to_chars(d, limit, authority).ptr;
  for (unsigned i = 0; i < count && 8 + 4 * (i + 1) <= size; ++i) {
    if (limit - d < 12) {  // '-' and ten digits
      out.append(buf, d);
      d = buf;
    }
    *d++ = '-';
    d = std::to_chars(d, limit, load<uint32_t>(p + 8 + 4 * i)).ptr;
  }
  out.append(buf, d);
}

std::optional<Timestamp> systemtime_to_timestamp(const uint8_t* p) {
  const uint16_t year = load<uint16_t>(p), month = load<uint16_t>(p + 2), day = load<uint16_t>(p + 6),
                 hour = load<uint16_t>(p + 8), minute = load<uint16_t>(p + 10),
                 second = load<uint16_t>(p + 12), millis = load<uint16_t>(p + 14);
  // Years outside SYSTEMTIME's defined range (1601-30827) are corrupt, and
  // larger ones would overflow the 100 ns tick count.
  if (year < 1601 || year > 30827 || month < 1 || month > 12 || day < 1 || day > 31 ||
      hour > 23 || minute > 59 || second > 60 || millis > 999) {
    return std::nullopt;
  }
  const int64_t days = days_from_civil(year, month, day);
  const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second;
  return Timestamp{secs * Timestamp::kTicksPerSecond + static_cast<int64_t>(millis) * 10000};
}

int time_digits(TextStyle style) { return style == TextStyle::kWindows ? 7 : 6; }

// One scalar of a fixed-size type at p (size bytes available).
void append_scalar(std::string& out, ValueType type, const uint8_t* p, uint32_t size,
                   TextStyle style) {
  switch (type) {
    case ValueType::kInt8: append_number(out, static_cast<int>(load<int8_t>(p))); break;
    case ValueType::kUInt8: append_number(out, static_cast<unsigned>(p[0])); break;
    case ValueType::kInt16: append_number(out, load<int16_t>(p)); break;
    case ValueType::kUInt16: append_number(out, load<uint16_t>(p)); break;
    case ValueType::kInt32: append_number(out, load<int32_t>(p)); break;
    case ValueType::kUInt32: append_number(out, load<uint32_t>(p)); break;
    case ValueType::kInt64: append_number(out, load<int64_t>(p)); break;
    case ValueType::kUInt64: append_number(out, load<uint64_t>(p)); break;
    case ValueType::kReal32: append_number(out, load<float>(p)); break;
    case ValueType::kReal64: append_number(out, load<double>(p)); break;
    case ValueType::kBool: out += load<uint32_t>(p) != 0 ? "true" : "false"; break;
    case ValueType::kGuid: append_guid(out, p, style); break;
    case ValueType::kSizeT:
      if (size == 8) {
        append_hex(out, load<uint64_t>(p));
      } else {
        append_hex(out, load<uint32_t>(p));
      }
      break;
    case ValueType::kFileTime:
      append_rfc3339(out, Timestamp::from_filetime(load<uint64_t>(p)), time_digits(style));
      break;
    case ValueType::kSysTime: {
      auto t = systemtime_to_timestamp(p);
      if (t) append_rfc3339(out, *t, time_digits(style));
      break;
    }
    case ValueType::kHexInt32: append_hex(out, load<uint32_t>(p)); break;
    case ValueType::kHexInt64: append_hex(out, load<uint64_t>(p)); break;
    default: break;
  }
}

}  // namespace


bool is_json_number(ValueType type) {
  switch (type) {
    case ValueType::kInt8:
    case ValueType::kUInt8:
    case ValueType::kInt16:
    case ValueType::kUInt16:
    case ValueType::kInt32:
    case ValueType::kUInt32:
    case ValueType::kInt64:
    case ValueType::kUInt64:
    case ValueType::kReal32:
    case ValueType::kReal64: return true;
    default: return false;
  }
}

void append_text(std::string& out, const Value& v, TextStyle style) {
  const ValueType type = v.type();
  if (v.array()) {
    if (type == ValueType::kUtf16) {
      // NUL-separated UTF-16 strings.
      const size_t units = v.size / 2;
      size_t i = 0;
      bool first = true;
      while (i < units) {
        size_t end = i;
        while (end < units && (v.data[2 * end] | v.data[2 * end + 1]) != 0) ++end;
        if (end == units && end == i) break;
        if (!first) out.push_back(',');
        first = false;
        append_utf16le_as_utf8(out, v.data + 2 * i, end - i);
        i = end + 1;
      }
      return;
    }
    if (type == ValueType::kAnsi) {
      // NUL-terminated 8-bit strings (MS-EVEN6 3.1.4.7.5 allows them in arrays).
      bool first = true;
      for (uint32_t i = 0; i < v.size;) {
        uint32_t end = i;
        while (end < v.size && v.data[end] != 0) ++end;
        if (!first) out.push_back(',');
        first = false;
        append_ansi_as_utf8(out, v.data + i, end - i);
        i = end + 1;
      }
      return;
    }
    if (type == ValueType::kSid) {
      // SIDs are variable-sized: each one's sub-authority count says its length.
      uint32_t pos = 0;
      bool first = true;
      while (pos + 8 <= v.size) {
        const uint32_t len = 8 + 4u * v.data[pos + 1];
        if (pos + len > v.size) break;
        if (!first) out.push_back(',');
        first = false;
        append_sid(out, v.data + pos, len);
        pos += len;
      }
      return;
    }
    uint32_t width = fixed_size(type);
    if (type == ValueType::kSizeT) width = 8;  // arrays of size_t only appear in 64-bit logs
    if (width == 0) {
      append_hex_bytes(out, v.data, v.size);
      return;
    }
    for (uint32_t pos = 0; pos + width <= v.size; pos += width) {
      if (pos != 0) out.push_back(',');
      append_scalar(out, type, v.data + pos, width, style);
    }
    return;
  }
  switch (type) {
    case ValueType::kNull:
    case ValueType::kEvtHandle:
    case ValueType::kBinXml:
    case ValueType::kEvtXml: return;
    case ValueType::kUtf8: out.append(reinterpret_cast<const char*>(v.data), v.size); return;
    case ValueType::kUtf16: append_utf16le_as_utf8(out, v.data, v.size / 2); return;
    case ValueType::kAnsi: append_ansi_as_utf8(out, v.data, v.size); return;
    case ValueType::kBinary: append_hex_bytes(out, v.data, v.size); return;
    case ValueType::kSid: append_sid(out, v.data, v.size); return;
    case ValueType::kSizeT:
      if (v.size == 4 || v.size == 8) append_scalar(out, type, v.data, v.size, style);
      return;
    default: break;
  }
  const uint32_t width = fixed_size(type);
  if (width != 0 && v.size >= width) {
    append_scalar(out, type, v.data, width, style);
  } else if (v.size != 0) {
    append_hex_bytes(out, v.data, v.size);  // unknown or short: keep the bytes visible
  }
}

std::string to_text(const Value& value, TextStyle style) {
  std::string out;
  append_text(out, value, style);
  return out;
}

std::optional<int64_t> to_int(const Value& v) {
  if (v.array()) return std::nullopt;
  const ValueType type = v.type();
  const uint32_t width = fixed_size(type);
  if (width != 0 && v.size < width) return std::nullopt;
  switch (type) {
    case ValueType::kInt8: return load<int8_t>(v.data);
    case ValueType::kUInt8: return v.data[0];
    case ValueType::kInt16: return load<int16_t>(v.data);
    case ValueType::kUInt16: return load<uint16_t>(v.data);
    case ValueType::kInt32: return load<int32_t>(v.data);
    case ValueType::kUInt32:
    case ValueType::kHexInt32: return load<uint32_t>(v.data);
    case ValueType::kInt64: return load<int64_t>(v.data);
    case ValueType::kUInt64:
    case ValueType::kHexInt64: return static_cast<int64_t>(load<uint64_t>(v.data));
    case ValueType::kBool: return load<uint32_t>(v.data) != 0 ? 1 : 0;
    case ValueType::kSizeT:
      if (v.size == 8) return static_cast<int64_t>(load<uint64_t>(v.data));
      if (v.size == 4) return load<uint32_t>(v.data);
      return std::nullopt;
    case ValueType::kUtf8:
    case ValueType::kUtf16:
    case ValueType::kAnsi: {
      std::string text;
      append_text(text, v);
      std::string_view s = text;
      while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
      while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
      int base = 10;
      bool negative = false;
      if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
      }
      if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s.remove_prefix(2);
      }
      uint64_t u = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), u, base);
      if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
      constexpr uint64_t kMaxMagnitude = static_cast<uint64_t>(INT64_MAX);
      if (negative) {
        if (u > kMaxMagnitude + 1) return std::nullopt;
        // Negating in unsigned arithmetic reaches INT64_MIN without signed overflow.
        return static_cast<int64_t>(0 - u);
      }
      // Unsigned hex text is a bit pattern (flags such as Keywords), like the
      // binary hex types; decimal text must fit.
      if (base == 10 && u > kMaxMagnitude) return std::nullopt;
      return static_cast<int64_t>(u);
    }
    default: return std::nullopt;
  }
}

std::optional<Timestamp> to_timestamp(const Value& v) {
  if (v.array()) return std::nullopt;
  switch (v.type()) {
    case ValueType::kFileTime:
      if (v.size < 8) return std::nullopt;
      return Timestamp::from_filetime(load<uint64_t>(v.data));
    case ValueType::kSysTime:
      if (v.size < 16) return std::nullopt;
      return systemtime_to_timestamp(v.data);
    case ValueType::kUtf8:
    case ValueType::kUtf16:
    case ValueType::kAnsi: {
      std::string text;
      append_text(text, v);
      Timestamp t = parse_rfc3339(text);
      if (!t.is_set()) return std::nullopt;
      return t;
    }
    default: return std::nullopt;
  }
}

void append_json_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(esc, 6);
      }
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
}

void append_xml_escaped(std::string& out, std::string_view text, bool in_attribute) {
  size_t run_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char* rep = nullptr;
    switch (c) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '"': rep = in_attribute ? "&quot;" : nullptr; break;
      case '\'': rep = in_attribute ? "&apos;" : nullptr; break;
      default: break;
    }
    if (rep == nullptr) continue;
    out.append(text.data() + run_start, i - run_start);
    out += rep;
    run_start = i + 1;
  }
  out.append(text.data() + run_start, text.size() - run_start);
}

}  // namespace vigil
