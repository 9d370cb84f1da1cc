#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil {

// Appends UTF-16LE `units` code units from `data` as UTF-8, stopping at the
// first NUL unit. Unpaired surrogates become U+FFFD, so output is always
// valid UTF-8. Returns the number of units consumed before the NUL (or all).
size_t append_utf16le_as_utf8(std::string& out, const uint8_t* data, size_t units);

// Appends 8-bit text: valid UTF-8 is copied, other bytes are read as Latin-1.
void append_ansi_as_utf8(std::string& out, const uint8_t* data, size_t size);

// True when `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

// Appends a code point as UTF-8.
void append_code_point(std::string& out, uint32_t cp);

}  // namespace vigil
