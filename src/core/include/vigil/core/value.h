#pragma once
// A field value as the reader found it: a typed view into the reader's buffer.
// Nothing is decoded or copied until someone asks for text or a number, so a
// reader can hand over an event without touching the values no rule reads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vigil/core/timestamp.h"

namespace vigil {

// Numbering follows the Windows EVT_VARIANT_TYPE values (as stored in EVTX
// binary XML) so the EVTX reader needs no translation; text readers use kUtf8.
enum class ValueType : uint8_t {
  kNull = 0x00,
  kUtf16 = 0x01,  // UTF-16LE, may end in NUL
  kAnsi = 0x02,   // 8-bit codepage string, treated as Latin-1 when not UTF-8
  kInt8 = 0x03,
  kUInt8 = 0x04,
  kInt16 = 0x05,
  kUInt16 = 0x06,
  kInt32 = 0x07,
  kUInt32 = 0x08,
  kInt64 = 0x09,
  kUInt64 = 0x0a,
  kReal32 = 0x0b,
  kReal64 = 0x0c,
  kBool = 0x0d,  // 32-bit
  kBinary = 0x0e,
  kGuid = 0x0f,
  kSizeT = 0x10,
  kFileTime = 0x11,
  kSysTime = 0x12,
  kSid = 0x13,
  kHexInt32 = 0x14,
  kHexInt64 = 0x15,
  kEvtHandle = 0x20,
  kBinXml = 0x21,
  kEvtXml = 0x23,
  kUtf8 = 0x40,  // vigil's own: already UTF-8 text (text-format readers)
};

inline constexpr uint8_t kArrayFlag = 0x80;

inline bool is_array(uint8_t raw_type) { return (raw_type & kArrayFlag) != 0; }
inline ValueType element_type(uint8_t raw_type) {
  return static_cast<ValueType>(raw_type & static_cast<uint8_t>(~kArrayFlag));
}

// Fixed byte width of a scalar type, 0 for variable-size types. Inline: the
// renderers ask it for every value.
constexpr uint32_t fixed_size(ValueType type) {
  switch (type) {
    case ValueType::kInt8:
    case ValueType::kUInt8: return 1;
    case ValueType::kInt16:
    case ValueType::kUInt16: return 2;
    case ValueType::kInt32:
    case ValueType::kUInt32:
    case ValueType::kReal32:
    case ValueType::kBool:
    case ValueType::kHexInt32: return 4;
    case ValueType::kInt64:
    case ValueType::kUInt64:
    case ValueType::kReal64:
    case ValueType::kFileTime:
    case ValueType::kHexInt64: return 8;
    case ValueType::kGuid:
    case ValueType::kSysTime: return 16;
    default: return 0;
  }
}
// True for types whose natural JSON form is a number.
bool is_json_number(ValueType type);

struct Value {
  const uint8_t* data = nullptr;
  uint32_t size = 0;
  uint8_t raw_type = 0;  // ValueType, possibly with kArrayFlag

  Value() = default;
  Value(const uint8_t* d, uint32_t s, uint8_t t) : data(d), size(s), raw_type(t) {}
  static Value utf8(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), static_cast<uint32_t>(text.size()),
            static_cast<uint8_t>(ValueType::kUtf8)};
  }

  ValueType type() const { return element_type(raw_type); }
  bool array() const { return is_array(raw_type); }
  bool is_null() const { return raw_type == 0 || (size == 0 && type() != ValueType::kUtf8 && type() != ValueType::kUtf16); }
  // UTF-8 text without decoding, when the value already is UTF-8 text.
  std::optional<std::string_view> utf8_view() const {
    if (raw_type == static_cast<uint8_t>(ValueType::kUtf8)) {
      return std::string_view(reinterpret_cast<const char*>(data), size);
    }
    return std::nullopt;
  }
};

// How a value is spelled in text.
enum class TextStyle : uint8_t {
  // As Windows' own XML rendering spells it (GUIDs in braces, 7-digit times):
  // the form Sigma rules and Windows tools expect; used for matching.
  kWindows,
  // As the Rust evtx crate's evtx_dump spells it (GUIDs bare, 6-digit
  // times): used by `vigil dump` JSON so output diffs cleanly against it.
  kEvtxDump,
};

// True for string types (UTF-16, ANSI, UTF-8 and their arrays): the only
// values whose text can hold arbitrary characters.
inline bool is_string_type(ValueType type) {
  return type == ValueType::kUtf16 || type == ValueType::kAnsi || type == ValueType::kUtf8;
}
// Every character the text of a non-string value can hold, once ASCII
// letters are lowercased: digits, hex, `0x`, signs, GUID braces, SID `s-`,
// RFC 3339 `t`/`z`/`:`, `true`/`false`, `inf`/`nan`, the array comma and
// the `?` of a truncated SID. A
// search for a string with a character outside it need not look at them.
inline constexpr std::string_view kNonStringTextAlphabet = "0123456789abcdefilnrstuxz+-.:,{}?";
// Could the (lowercased) text of a non-string value hold `text`?
inline bool non_string_text_could_hold(std::string_view text) {
  return text.find_first_not_of(kNonStringTextAlphabet) == std::string_view::npos;
}

// Appends the value's text (no escaping). Arrays are joined with ','.
void append_text(std::string& out, const Value& value, TextStyle style = TextStyle::kWindows);
std::string to_text(const Value& value, TextStyle style = TextStyle::kWindows);

// Integer value of numeric types (and of decimal / 0x-hex text). nullopt otherwise.
// UInt64 / HexInt64 values and unsigned 0x-hex text keep their 64-bit pattern;
// decimal text outside the int64 range gives nullopt.
std::optional<int64_t> to_int(const Value& value);
// Timestamp of FILETIME / SYSTEMTIME values, or of RFC 3339 text.
std::optional<Timestamp> to_timestamp(const Value& value);

// Escaping helpers shared by every renderer.
void append_json_escaped(std::string& out, std::string_view text);
void append_xml_escaped(std::string& out, std::string_view text, bool in_attribute);

}  // namespace vigil
