#pragma once
// Text checks shared by the record encoder and the writers (private).

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "vigil/core/value.h"

namespace vigil::report::text {

// True when every byte is ASCII; eight bytes at a time, since nearly all
// event text is.
inline bool is_ascii(std::string_view text) {
  const char* p = text.data();
  size_t n = text.size();
  uint64_t high = 0;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    high |= word;
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    high |= static_cast<uint8_t>(*p++);
    --n;
  }
  return (high & 0x8080808080808080ULL) == 0;
}

// Length of the valid UTF-8 sequence at the start of `text` (not empty), 0
// when it is not one.
size_t utf8_sequence(std::string_view text);

// Appends `text` with every byte that is not part of valid UTF-8 replaced
// by U+FFFD.
void append_valid_utf8(std::string& out, std::string_view text);

// Valid UTF-8, checked quickly when ASCII.
bool is_valid(std::string_view text);

// Appends the value's text in Windows spelling, valid UTF-8 whatever the
// evidence held.
void append_valid_text(std::string& out, const Value& value);

}  // namespace vigil::report::text
