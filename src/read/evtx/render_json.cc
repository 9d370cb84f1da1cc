// JSON rendering of records in the shape of the Rust evtx crate's evtx_dump.
//
// One writer, templated on its output, renders a record's node stream. Into
// a string it is the general path; into a Program it compiles the record:
// the JSON's fixed text plus slots for the substitution values. Records of
// the same shape (same templates, same value types and presence) render by
// replaying the program, which skips expansion and the tree walk entirely.

#include <array>
#include <cmath>
#include <cstring>

#include "vigil/core/limits.h"
#include "vigil/core/utf.h"
#include "entities.h"
#include "vigil/read/evtx/evtx.h"

namespace vigil::evtx {

namespace {

bool is_value_node(NodeKind k) {
  return k == NodeKind::kText || k == NodeKind::kCData || k == NodeKind::kCharRef ||
         k == NodeKind::kEntityRef;
}

bool finite_number(const Value& v) {
  if (v.type() == ValueType::kReal32 && v.size >= 4) {
    float f;
    std::memcpy(&f, v.data, 4);
    return std::isfinite(f);
  }
  if (v.type() == ValueType::kReal64 && v.size >= 8) {
    double d;
    std::memcpy(&d, v.data, 8);
    return std::isfinite(d);
  }
  return true;
}

bool json_number(const Value& v) {
  return !v.array() && is_json_number(v.type()) && v.size >= fixed_size(v.type()) &&
         finite_number(v);
}

template <class T>
T load_le(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Decimal digits of v (1 for 0): from the bit length, corrected by one
// comparison, instead of a division per digit.
inline int decimal_digits(uint64_t v) {
  static constexpr uint64_t kPowers[20] = {1ull,
                                           10ull,
                                           100ull,
                                           1000ull,
                                           10000ull,
                                           100000ull,
                                           1000000ull,
                                           10000000ull,
                                           100000000ull,
                                           1000000000ull,
                                           10000000000ull,
                                           100000000000ull,
                                           1000000000000ull,
                                           10000000000000ull,
                                           100000000000000ull,
                                           1000000000000000ull,
                                           10000000000000000ull,
                                           100000000000000000ull,
                                           1000000000000000000ull,
                                           10000000000000000000ull};
  const int bits = 64 - __builtin_clzll(v | 1);
  const int guess = (bits * 1233) >> 12;  // floor(bits * log10(2))
  return guess + (v >= kPowers[guess] ? 1 : 0);
}

// Unsigned decimal into buf (at most 20 digits), returns the end. Two
// digits per step from a table: numbers are most of the values in a log.
inline char* put_uint(char* buf, uint64_t v) {
  if (v < 10) {
    *buf = static_cast<char>('0' + v);
    return buf + 1;
  }
  const int digits = decimal_digits(v);
  char* p = buf + digits;
  while (v >= 100) {
    const auto pair = static_cast<size_t>(v % 100) * 2;
    v /= 100;
    p -= 2;
    p[0] = kDigitPairs[pair];
    p[1] = kDigitPairs[pair + 1];
  }
  if (v >= 10) {
    p -= 2;
    p[0] = kDigitPairs[v * 2];
    p[1] = kDigitPairs[v * 2 + 1];
  } else {
    *--p = static_cast<char>('0' + v);
  }
  return buf + digits;
}

inline char* put_int(char* buf, int64_t v) {
  if (v < 0) {
    *buf++ = '-';
    return put_uint(buf, static_cast<uint64_t>(0) - static_cast<uint64_t>(v));
  }
  return put_uint(buf, static_cast<uint64_t>(v));
}

// "0x" and lower-case hex without leading zeros, one byte per table lookup.
inline char* put_hex(char* buf, uint64_t v) {
  static constexpr char kHexPairs[] =
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
      "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
      "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
      "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
      "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
      "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
      "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
      "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
  *buf++ = '0';
  *buf++ = 'x';
  const int nibbles = (64 - __builtin_clzll(v | 1) + 3) / 4;
  char* const end = buf + nibbles;
  char* p = end;
  for (int left = nibbles; left >= 2; left -= 2) {
    const auto pair = static_cast<size_t>(v & 0xFF) * 2;
    v >>= 8;
    p -= 2;
    p[0] = kHexPairs[pair];
    p[1] = kHexPairs[pair + 1];
  }
  if (p != buf) *--p = "0123456789abcdef"[v & 0xF];
  return end;
}

inline char* put_two_digits(char* buf, uint32_t v) {
  buf[0] = kDigitPairs[v * 2];
  buf[1] = kDigitPairs[v * 2 + 1];
  return buf + 2;
}

// evtx_dump's spelling: upper-case hex without braces.
char* put_guid(char* buf, const uint8_t* p) {
  // Byte order of the text (the first three fields are little-endian) and
  // where dashes go: fixed, so the loop unrolls into straight stores.
  static constexpr struct HexTable {
    char pairs[512];
    constexpr HexTable() : pairs() {
      for (int b = 0; b < 256; ++b) {
        pairs[2 * b] = "0123456789ABCDEF"[b >> 4];
        pairs[2 * b + 1] = "0123456789ABCDEF"[b & 0xF];
      }
    }
  } kHex;
  static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  static constexpr int kAt[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
  for (int i = 0; i < 16; ++i) {
    std::memcpy(buf + kAt[i], kHex.pairs + 2 * p[kOrder[i]], 2);
  }
  buf[8] = buf[13] = buf[18] = buf[23] = '-';
  return buf + 36;
}

// evtx_dump's spelling: microseconds, 'Z'. Years outside 0..9999 go the
// general way.
char* put_filetime(char* buf, uint64_t filetime) {
  const CivilTime c = to_civil(Timestamp::from_filetime(filetime));
  if (c.year < 0 || c.year > 9999) return nullptr;
  const auto year = static_cast<uint32_t>(c.year);
  buf = put_two_digits(buf, year / 100);
  buf = put_two_digits(buf, year % 100);
  *buf++ = '-';
  buf = put_two_digits(buf, c.month);
  *buf++ = '-';
  buf = put_two_digits(buf, c.day);
  *buf++ = 'T';
  buf = put_two_digits(buf, c.hour);
  *buf++ = ':';
  buf = put_two_digits(buf, c.minute);
  *buf++ = ':';
  buf = put_two_digits(buf, c.second);
  *buf++ = '.';
  const auto micros = static_cast<uint32_t>(c.ticks / 10);
  buf = put_two_digits(buf, micros / 10000);
  buf = put_two_digits(buf, micros / 100 % 100);
  buf = put_two_digits(buf, micros % 100);
  *buf++ = 'Z';
  return buf;
}

// The common scalars written straight into the output: the general
// append_text path costs several calls and appends per value, and dump
// output is mostly these. nullptr when the value is not one of them.
// Needs at most 64 bytes plus 6 per value byte.
char* put_scalar(char* buf, const Value& v) {
  if (v.array()) return nullptr;
  if (v.type() == ValueType::kSid) {
    if (v.size < 8 || 8u + 4u * v.data[1] > v.size) return nullptr;
    uint64_t authority = 0;
    for (int i = 2; i < 8; ++i) authority = (authority << 8) | v.data[i];
    *buf++ = 'S';
    *buf++ = '-';
    buf = put_uint(buf, v.data[0]);
    *buf++ = '-';
    buf = put_uint(buf, authority);
    for (uint32_t i = 0; i < v.data[1]; ++i) {
      *buf++ = '-';
      buf = put_uint(buf, load_le<uint32_t>(v.data + 8 + 4 * i));
    }
    return buf;
  }
  const uint32_t width = fixed_size(v.type());
  if (width == 0 || v.size < width) return nullptr;
  switch (v.type()) {
    case ValueType::kUInt8: return put_uint(buf, v.data[0]);
    case ValueType::kUInt16: return put_uint(buf, load_le<uint16_t>(v.data));
    case ValueType::kUInt32: return put_uint(buf, load_le<uint32_t>(v.data));
    case ValueType::kUInt64: return put_uint(buf, load_le<uint64_t>(v.data));
    case ValueType::kInt8: return put_int(buf, static_cast<int8_t>(v.data[0]));
    case ValueType::kInt16: return put_int(buf, load_le<int16_t>(v.data));
    case ValueType::kInt32: return put_int(buf, load_le<int32_t>(v.data));
    case ValueType::kInt64: return put_int(buf, load_le<int64_t>(v.data));
    case ValueType::kHexInt32: return put_hex(buf, load_le<uint32_t>(v.data));
    case ValueType::kHexInt64: return put_hex(buf, load_le<uint64_t>(v.data));
    case ValueType::kGuid: return put_guid(buf, v.data);
    case ValueType::kFileTime: return put_filetime(buf, load_le<uint64_t>(v.data));
    default: return nullptr;
  }
}

// Room write_json_text may use for a value.
inline size_t json_text_bound(const Value& v) { return 6 * static_cast<size_t>(v.size) + 64; }

// The value's evtx_dump text, escaped for the inside of a JSON string,
// written at dst (json_text_bound bytes available); returns the end.
char* write_json_text(char* dst, const Value& v, std::string& scratch) {
  if (char* end = put_scalar(dst, v)) return end;
  if (!v.array()) {
    if (v.type() == ValueType::kUtf16) return write_utf16le_as_json(dst, v.data, v.size / 2);
    if (auto view = v.utf8_view()) return write_utf8_as_json(dst, *view);
  }
  scratch.clear();
  append_text(scratch, v, TextStyle::kEvtxDump);
  return write_utf8_as_json(dst, scratch);
}

void append_json_text(std::string& out, const Value& v, std::string& scratch) {
  const size_t at = out.size();
  out.resize(at + json_text_bound(v));
  char* end = write_json_text(out.data() + at, v, scratch);
  out.resize(static_cast<size_t>(end - out.data()));
}

}  // namespace

// Copies n bytes in 16-byte blocks, so the short pieces between values cost
// no call: reads and writes up to kCopyPadding - 1 bytes past n, which both
// the program text and the record buffer leave room for.
constexpr size_t kCopyPadding = 16;
inline void copy_padded(char* dst, const char* src, size_t n) {
  for (size_t k = 0; k < n; k += 16) {
    char block[16];
    std::memcpy(block, src + k, 16);
    std::memcpy(dst + k, block, 16);
  }
}

// A compiled record shape: fixed text with value slots between.
// How a slot's value is written, decided when the program is compiled: the
// shape key pins each value's type and whether it is wide enough for it,
// so the per-value type dispatch happens once per shape, not per record.
enum class SlotOp : uint8_t {
  kGeneric,  // write_json_text
  kUtf16,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kHex32,
  kHex64,
  kGuid,
  kFileTime,
};

SlotOp slot_op(const Value& v) {
  if (v.array() || v.size < fixed_size(v.type())) return SlotOp::kGeneric;
  switch (v.type()) {
    case ValueType::kUtf16: return SlotOp::kUtf16;
    case ValueType::kUInt8: return SlotOp::kUInt8;
    case ValueType::kUInt16: return SlotOp::kUInt16;
    case ValueType::kUInt32: return SlotOp::kUInt32;
    case ValueType::kUInt64: return SlotOp::kUInt64;
    case ValueType::kHexInt32: return SlotOp::kHex32;
    case ValueType::kHexInt64: return SlotOp::kHex64;
    case ValueType::kGuid: return SlotOp::kGuid;
    case ValueType::kFileTime: return SlotOp::kFileTime;
    default: return SlotOp::kGeneric;
  }
}

// Writes a value as its slot op says; the op was chosen for this shape, so
// the value has the type and width the op expects.
inline char* write_slot(char* dst, SlotOp op, const Value& v, std::string& scratch) {
  switch (op) {
    case SlotOp::kUtf16: return write_utf16le_as_json(dst, v.data, v.size / 2);
    case SlotOp::kUInt8: return put_uint(dst, v.data[0]);
    case SlotOp::kUInt16: return put_uint(dst, load_le<uint16_t>(v.data));
    case SlotOp::kUInt32: return put_uint(dst, load_le<uint32_t>(v.data));
    case SlotOp::kUInt64: return put_uint(dst, load_le<uint64_t>(v.data));
    case SlotOp::kHex32: return put_hex(dst, load_le<uint32_t>(v.data));
    case SlotOp::kHex64: return put_hex(dst, load_le<uint64_t>(v.data));
    case SlotOp::kGuid: return put_guid(dst, v.data);
    case SlotOp::kFileTime:
      if (char* end = put_filetime(dst, load_le<uint64_t>(v.data))) return end;
      return write_json_text(dst, v, scratch);
    case SlotOp::kGeneric: break;
  }
  return write_json_text(dst, v, scratch);
}

struct JsonProgram {
  struct Slot {
    uint32_t text_end;  // fixed text before this slot ends here
    uint32_t value;     // index into the record's flat values
    SlotOp op = SlotOp::kGeneric;
  };
  bool usable = true;
  uint32_t max_uses = 1;  // most slots one value fills
  std::string text;  // after compiling: the fixed text, then kCopyPadding zero bytes
  size_t text_size = 0;  // of the fixed text
  std::vector<Slot> slots;
};

namespace {

struct StringOut {
  std::string& s;
  std::string scratch;
  void lit(char c) { s.push_back(c); }
  void lit(std::string_view t) { s.append(t); }
  void lit_json(std::string_view t) { append_utf8_as_json(s, t); }
  void text(const Node& n) { append_json_text(s, n.value, scratch); }
  void dynamic_key() {}
};

struct ProgramOut {
  JsonProgram& p;
  std::span<const Value> flat;  // the values of the record being compiled
  std::string scratch;
  void lit(char c) { p.text.push_back(c); }
  void lit(std::string_view t) { p.text.append(t); }
  void lit_json(std::string_view t) { append_utf8_as_json(p.text, t); }
  void text(const Node& n) {
    if (n.slot == 0) {
      append_json_text(p.text, n.value, scratch);
    } else if (n.slot - 1 < flat.size()) {
      p.slots.push_back({static_cast<uint32_t>(p.text.size()), n.slot - 1,
                         slot_op(flat[n.slot - 1])});
    } else {
      p.usable = false;
    }
  }
  // A member name that comes from a value cannot be fixed text.
  void dynamic_key() { p.usable = false; }
};

// The evtx_dump JSON rules over one record's node stream.
template <class Out>
class JsonWriter {
 public:
  JsonWriter(std::span<const Node> nodes, const std::vector<uint32_t>& end_of,
             const ChunkNames& names, Out& out)
      : nodes_(nodes), end_of_(end_of), names_(names), out_(out) {}

  void record() {
    out_.lit('{');
    bool first = true;
    for (uint32_t i = 0; i < nodes_.size();) {
      if (nodes_[i].kind != NodeKind::kStart) {
        ++i;
        continue;
      }
      if (!first) out_.lit(',');
      first = false;
      key(names_.text(nodes_[i].name), 0);
      element(i);
      i = end_of_[i] + 1;
    }
    out_.lit('}');
  }

 private:
  struct Parts {
    uint32_t attrs_begin, attrs_end, content_begin, content_end;
  };

  Parts parts(uint32_t start) const {
    const uint32_t end = end_of_[start];
    Parts p{start + 1, start + 1, start + 1, end};
    uint32_t i = start + 1;
    while (i < end && nodes_[i].kind != NodeKind::kStartClose && nodes_[i].kind != NodeKind::kStart) {
      ++i;
    }
    p.attrs_end = i;
    p.content_begin = (i < end && nodes_[i].kind == NodeKind::kStartClose) ? i + 1 : i;
    return p;
  }

  void key(std::string_view name, uint16_t suffix) {
    out_.lit('"');
    out_.lit_json(name);
    if (suffix > 0) {
      out_.lit('_');
      out_.lit(std::to_string(suffix));
    }
    out_.lit("\":");
  }

  // One text piece of a string, escaped.
  void piece(const Node& n) {
    switch (n.kind) {
      case NodeKind::kText:
      case NodeKind::kCData: out_.text(n); break;
      case NodeKind::kCharRef: {
        std::string cp;
        append_code_point(cp, static_cast<uint32_t>(n.value.data[0] | (n.value.data[1] << 8)));
        out_.lit_json(cp);
        break;
      }
      case NodeKind::kEntityRef: {
        std::string text;
        append_entity(text, names_.text(n.name));
        out_.lit_json(text);
        break;
      }
      default: break;
    }
  }

  // The JSON value of the value nodes in [begin, end), child elements
  // skipped: a number for one numeric value, otherwise a string.
  void value(uint32_t begin, uint32_t end, bool empty_as_string) {
    uint32_t count = 0;
    uint32_t only = begin;
    for (uint32_t i = begin; i < end;) {
      if (nodes_[i].kind == NodeKind::kStart) {
        i = end_of_[i] + 1;
        continue;
      }
      if (is_value_node(nodes_[i].kind)) {
        ++count;
        only = i;
      }
      ++i;
    }
    if (count == 0) {
      out_.lit(empty_as_string ? "\"\"" : "null");
      return;
    }
    if (count == 1 && nodes_[only].kind == NodeKind::kText && json_number(nodes_[only].value)) {
      out_.text(nodes_[only]);
      return;
    }
    quoted_pieces(begin, end);
  }

  // The text pieces in [begin, end) as one JSON string, child elements skipped.
  void quoted_pieces(uint32_t begin, uint32_t end) {
    out_.lit('"');
    for (uint32_t i = begin; i < end;) {
      if (nodes_[i].kind == NodeKind::kStart) {
        i = end_of_[i] + 1;
        continue;
      }
      piece(nodes_[i]);
      ++i;
    }
    out_.lit('"');
  }

  // Text of a run that names something (a Data element's Name): must not
  // depend on the record's values when compiling.
  std::string name_text(uint32_t begin, uint32_t end) {
    std::string text;
    for (uint32_t i = begin; i < end; ++i) {
      const Node& n = nodes_[i];
      if (n.slot != 0) out_.dynamic_key();
      if (n.kind == NodeKind::kText || n.kind == NodeKind::kCData) {
        append_text(text, n.value, TextStyle::kEvtxDump);
      } else if (n.kind == NodeKind::kCharRef) {
        append_code_point(text, static_cast<uint32_t>(n.value.data[0] | (n.value.data[1] << 8)));
      } else if (n.kind == NodeKind::kEntityRef) {
        append_entity(text, names_.text(n.name));
      }
    }
    return text;
  }

  uint32_t value_run_end(uint32_t begin, uint32_t limit) const {
    while (begin < limit && is_value_node(nodes_[begin].kind)) ++begin;
    return begin;
  }

  void attributes(const Parts& p) {
    out_.lit("\"#attributes\":{");
    bool first = true;
    for (uint32_t i = p.attrs_begin; i < p.attrs_end;) {
      if (nodes_[i].kind != NodeKind::kAttr) {
        ++i;
        continue;
      }
      const uint32_t v = value_run_end(i + 1, p.attrs_end);
      if (!first) out_.lit(',');
      first = false;
      key(names_.text(nodes_[i].name), 0);
      value(i + 1, v, true);
      i = v;
    }
    out_.lit('}');
  }

  std::string data_name(uint32_t data_start) {
    const Parts cp = parts(data_start);
    std::string name;
    for (uint32_t a = cp.attrs_begin; a < cp.attrs_end; ++a) {
      if (nodes_[a].kind == NodeKind::kAttr && names_.text(nodes_[a].name) == "Name") {
        name += name_text(a + 1, value_run_end(a + 1, cp.attrs_end));
      }
    }
    return name;
  }

  void element(uint32_t start) {
    const Parts p = parts(start);
    const bool has_attrs = p.attrs_end > p.attrs_begin;
    bool has_children = false;
    bool has_text = false;
    for (uint32_t i = p.content_begin; i < p.content_end;) {
      if (nodes_[i].kind == NodeKind::kStart) {
        has_children = true;
        i = end_of_[i] + 1;
        continue;
      }
      has_text |= is_value_node(nodes_[i].kind);
      ++i;
    }

    if (!has_children) {
      if (!has_attrs) {
        if (has_text) {
          value(p.content_begin, p.content_end, false);
        } else {
          out_.lit("null");
        }
        return;
      }
      out_.lit('{');
      attributes(p);
      if (has_text) {
        out_.lit(",\"#text\":");
        value(p.content_begin, p.content_end, false);
      }
      out_.lit('}');
      return;
    }

    out_.lit('{');
    bool first = true;
    if (has_attrs) {
      attributes(p);
      first = false;
    }

    // EventData-style containers: Data children keyed by their Name, or
    // gathered under "Data":{"#text":...} when none has a name.
    // Each Data child's Name, worked out once: it costs a text conversion.
    std::vector<std::string> data_names;
    bool data_named = false;
    for (uint32_t i = p.content_begin; i < p.content_end;) {
      if (nodes_[i].kind != NodeKind::kStart) {
        ++i;
        continue;
      }
      if (names_.text(nodes_[i].name) == "Data") {
        data_names.push_back(data_name(i));
        if (!data_names.back().empty()) data_named = true;
      }
      i = end_of_[i] + 1;
    }
    const auto data_count = static_cast<uint32_t>(data_names.size());
    uint32_t data_index = 0;

    // Views into data_names or the chunk's names: both outlive this call.
    std::vector<std::pair<std::string_view, uint16_t>> seen;
    auto suffix_for = [&](std::string_view name) -> uint16_t {
      for (auto& [n, count] : seen) {
        if (n == name) return ++count;
      }
      seen.emplace_back(name, 0);
      return 0;
    };

    bool positional_done = false;
    for (uint32_t i = p.content_begin; i < p.content_end;) {
      if (nodes_[i].kind != NodeKind::kStart) {
        ++i;
        continue;
      }
      const uint32_t child_end = end_of_[i];
      const std::string_view child = names_.text(nodes_[i].name);
      if (child == "Data" && data_count > 0) {
        if (data_named) {
          const std::string& name = data_names[data_index++];
          if (!name.empty()) {
            if (!first) out_.lit(',');
            first = false;
            key(name, suffix_for(name));
            const Parts cp = parts(i);
            value(cp.content_begin, cp.content_end, true);
          }
        } else if (!positional_done) {
          positional_done = true;
          if (!first) out_.lit(',');
          first = false;
          key("Data", suffix_for("Data"));
          out_.lit("{\"#text\":");
          if (data_count > 1) out_.lit('[');
          bool first_item = true;
          for (uint32_t d = i; d < p.content_end;) {
            if (nodes_[d].kind != NodeKind::kStart) {
              ++d;
              continue;
            }
            if (names_.text(nodes_[d].name) == "Data") {
              if (!first_item) out_.lit(',');
              first_item = false;
              const Parts dp = parts(d);
              value(dp.content_begin, dp.content_end, true);
            }
            d = end_of_[d] + 1;
          }
          if (data_count > 1) out_.lit(']');
          out_.lit('}');
        }
        i = child_end + 1;
        continue;
      }
      if (!first) out_.lit(',');
      first = false;
      key(child, suffix_for(child));
      element(i);
      i = child_end + 1;
    }
    if (has_text) {
      if (!first) out_.lit(',');
      out_.lit("\"#text\":");
      quoted_pieces(p.content_begin, p.content_end);
    }
    out_.lit('}');
  }

  std::span<const Node> nodes_;
  const std::vector<uint32_t>& end_of_;
  const ChunkNames& names_;
  Out& out_;
};

}  // namespace

struct Renderer::JsonCache {
  // Programs outlive chunks: a template is known by its content (names as
  // text, literal values, substitution slots), not by where a chunk put it,
  // so the same event shape compiles once per run, not once per chunk.
  TemplateIdentity templates;
  std::unordered_map<std::string, std::unique_ptr<JsonProgram>> programs;
  // The record's values in flat order: flat[0, flat_size). Grown, never
  // shrunk, and filled with memcpy (Value is trivially copyable).
  std::vector<Value> flat;
  size_t flat_size = 0;
  uint64_t flat_bytes = 0;  // sum of the flat values' sizes, for the output bound
  std::vector<std::vector<Value>> nested;   // per nesting level, for nested_instance
  std::string key;
  std::string scratch;
  std::unique_ptr<char[]> buffer;  // a record's JSON before it joins the output
  size_t buffer_size = 0;
  std::string last_key;
  const JsonProgram* last_program = nullptr;

  // Per raw type: its fixed width (0 for variable-size types) and whether
  // it is a float, so the shape of a value costs two table lookups.
  struct TypeInfo {
    std::array<uint32_t, 256> width{};
    std::array<bool, 256> real{};
    TypeInfo() {
      for (unsigned t = 0; t < 256; ++t) {
        const ValueType type = element_type(static_cast<uint8_t>(t));
        width[t] = fixed_size(type);
        real[t] = type == ValueType::kReal32 || type == ValueType::kReal64;
      }
    }
  };
  static const TypeInfo& types() {
    static const TypeInfo info;
    return info;
  }

  // Appends an instance's values to the flat list and their shape to the
  // key, then visits its nested instances in document order, as expansion
  // does. False for nested XML that is not a single template instance.
  bool shape_of(ChunkParser& parser, const TemplateDef* tmpl, std::span<const Value> values,
                uint32_t level, const ChunkNames& chunk_names) {
    if (level >= limits::kBinXmlMaxDepth) return false;
    const auto base = static_cast<uint32_t>(flat_size);
    const uint32_t id = templates.id(*tmpl, chunk_names);
    key.append(reinterpret_cast<const char*>(&id), sizeof id);
    const auto count = static_cast<uint32_t>(values.size());
    key.append(reinterpret_cast<const char*>(&count), sizeof count);
    if (flat.size() < flat_size + count) flat.resize(std::max(flat_size + count, 2 * flat.size()));
    if (count != 0) std::memcpy(flat.data() + base, values.data(), count * sizeof(Value));
    flat_size += count;
    // Two bytes per value: its type, and what decides its JSON form (empty,
    // wide enough for its type, finite).
    const TypeInfo& info = types();
    const size_t at = key.size();
    key.resize(at + 2 * values.size());
    char* k = key.data() + at;
    uint32_t binxml = 0;  // non-empty BinXml values: nested instances to visit
    uint32_t only_binxml = 0;
    for (uint32_t i = 0; i < count; ++i) {
      const Value& v = values[i];
      const uint8_t raw = v.raw_type;
      flat_bytes += v.size;
      *k++ = static_cast<char>(raw);
      *k++ = static_cast<char>((v.size == 0 ? 1 : 0) | (v.size >= info.width[raw] ? 2 : 0) |
                               (!info.real[raw] || finite_number(v) ? 4 : 0));
      if (raw == static_cast<uint8_t>(ValueType::kBinXml) && v.size != 0) {
        ++binxml;
        only_binxml = i;
      }
    }
    if (binxml == 0) return true;
    auto visit = [&](uint32_t sub) {
      if (nested.size() <= level) nested.resize(level + 1);
      auto inst = parser.nested_instance(flat[base + sub], nested[level]);
      if (!inst.ok()) return false;
      return shape_of(parser, inst->tmpl, inst->values, level + 1, chunk_names);
    };
    // One nested instance (the common case: EventData or UserData) needs no
    // ordering; several are visited in document order, as expansion does.
    if (binxml == 1) {
      // As often as the template refers to it: zero times, once, or more.
      for (const uint16_t sub : tmpl->substitutions) {
        if (sub == only_binxml && !visit(sub)) return false;
      }
      return true;
    }
    for (const uint16_t sub : tmpl->substitutions) {
      if (sub >= count) continue;
      const Value& v = flat[base + sub];
      if (v.raw_type != static_cast<uint8_t>(ValueType::kBinXml) || v.size == 0) continue;
      if (!visit(sub)) return false;
    }
    return true;
  }
};

Renderer::Renderer() = default;
Renderer::~Renderer() = default;
Renderer::Renderer(Renderer&&) noexcept = default;
Renderer& Renderer::operator=(Renderer&&) noexcept = default;

bool Renderer::json(std::string& out, const Record& record, const ChunkNames& names) {
  // Lazy records only: an expanded record has paid for expansion already,
  // and this keeps the general path reachable (tests compare the two).
  if (record.tmpl != nullptr && record.parser != nullptr && record.nodes.empty()) {
    if (!json_cache_) json_cache_ = std::make_unique<JsonCache>();
    JsonCache& cache = *json_cache_;
    if (cache.templates.size() >= limits::kMaxCompiledTemplates ||
        cache.programs.size() >= limits::kMaxCompiledTemplates) {
      // Between records, so no key mixes ids from before and after.
      cache.templates.clear();
      cache.programs.clear();
      cache.last_program = nullptr;
    }
    cache.flat_size = 0;
    cache.flat_bytes = 0;
    cache.key.clear();
    if (cache.shape_of(*record.parser, record.tmpl, record.values, 0, names)) {
      // Runs of records share a shape: compare with the last one before hashing.
      if (cache.last_program == nullptr || cache.key != cache.last_key) {
        auto& slot = cache.programs[cache.key];
        if (!slot) {
          const std::span<const Node> nodes = record.expand();
          if (nodes.empty()) return false;
          auto compiled = std::make_unique<JsonProgram>();
          index(nodes);
          ProgramOut pout{*compiled, std::span<const Value>(cache.flat.data(), cache.flat_size), {}};
          JsonWriter<ProgramOut>(nodes, end_of_, names, pout).record();
          compiled->text_size = compiled->text.size();
          {
            std::vector<uint32_t> uses(cache.flat_size, 0);
            for (const JsonProgram::Slot& use : compiled->slots) {
              compiled->max_uses = std::max(compiled->max_uses, ++uses[use.value]);
            }
          }
          compiled->text.append(kCopyPadding, '\0');
          slot = std::move(compiled);
        }
        cache.last_program = slot.get();
        cache.last_key = cache.key;
      }
      const JsonProgram* program = cache.last_program;
      if (program->usable) {
        // One resize to a bound, then plain copies: no per-piece appends.
        // Every slot's room (json_text_bound) at once, without visiting the
        // slots: a value's bytes count as often as a slot repeats it.
        const size_t bound = program->text_size + kCopyPadding + 64 * program->slots.size() +
                             6 * cache.flat_bytes * program->max_uses;
        // Written into our own buffer: a std::string would zero-fill the
        // bound first, which costs more than the writing.
        if (cache.buffer_size < bound) {
          cache.buffer_size = std::max(bound, 2 * cache.buffer_size);
          cache.buffer = std::make_unique_for_overwrite<char[]>(cache.buffer_size);
        }
        char* const begin = cache.buffer.get();
        char* dst = begin;
        const char* text = program->text.data();
        uint32_t pos = 0;
        for (const JsonProgram::Slot& slot : program->slots) {
          copy_padded(dst, text + pos, slot.text_end - pos);
          dst += slot.text_end - pos;
          dst = write_slot(dst, slot.op, cache.flat[slot.value], cache.scratch);
          pos = slot.text_end;
        }
        const size_t tail = program->text_size - pos;
        copy_padded(dst, text + pos, tail);
        dst += tail;
        out.append(begin, static_cast<size_t>(dst - begin));
        return true;
      }
    }
  }
  const std::span<const Node> nodes = record.expand();
  if (nodes.empty()) return false;
  index(nodes);
  StringOut sout{out, {}};
  JsonWriter<StringOut>(nodes, end_of_, names, sout).record();
  return true;
}

}  // namespace vigil::evtx
