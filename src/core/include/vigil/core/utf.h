#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace vigil {

// Appends UTF-16LE `units` code units from `data` as UTF-8, stopping at the
// first NUL unit. Unpaired surrogates become U+FFFD, so output is always
// valid UTF-8. Returns the number of units consumed before the NUL (or all).
size_t append_utf16le_as_utf8(std::string& out, const uint8_t* data, size_t units);

// Appends UTF-16LE text (stopping at a NUL unit) as the inside of a JSON
// string: UTF-8 with '"', '\\' and control characters escaped. One pass,
// eight ASCII units at a time: this is most of `vigil dump`'s work.
void append_utf16le_as_json(std::string& out, const uint8_t* data, size_t units);
// The same into a buffer with room for 6 bytes per unit; returns the end.
char* write_utf16le_as_json(char* dst, const uint8_t* data, size_t units);

// Appends UTF-8 text as the inside of a JSON string, sixteen bytes at a time
// where nothing needs escaping.
void append_utf8_as_json(std::string& out, std::string_view text);
// The same into a buffer with room for 6 bytes per input byte; returns the end.
char* write_utf8_as_json(char* dst, std::string_view text);

// Appends 8-bit text: valid UTF-8 is copied, other bytes are read as Latin-1.
void append_ansi_as_utf8(std::string& out, const uint8_t* data, size_t size);

// True when `text` is well-formed UTF-8 (ASCII runs checked 32 bytes a time).
bool is_valid_utf8(std::string_view text);

// True when no byte has its high bit set: such text is valid UTF-8 and needs
// no per-character look. Readers check whole blocks with it first.
inline bool is_ascii(std::string_view text) {
  const char* p = text.data();
  size_t n = text.size();
  uint64_t bits = 0;
  for (; n >= 32; p += 32, n -= 32) {
    uint64_t w[4];
    std::memcpy(w, p, 32);
    bits |= w[0] | w[1] | w[2] | w[3];
  }
  for (; n > 0; ++p, --n) bits |= static_cast<uint8_t>(*p);
  return (bits & 0x8080808080808080ULL) == 0;
}

// Appends a code point as UTF-8. Surrogates (D800-DFFF) and values past
// 10FFFF have no UTF-8 form and become U+FFFD, as unpaired UTF-16 units do:
// a character reference in a damaged record can name any 16-bit value.
void append_code_point(std::string& out, uint32_t cp);

}  // namespace vigil
