#include "vigil/core/utf.h"

#include <cstring>

namespace vigil {

void append_code_point(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    const char b[2] = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(b, 2);
  } else if (cp < 0x10000) {
    const char b[3] = {static_cast<char>(0xE0 | (cp >> 12)),
                       static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                       static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(b, 3);
  } else {
    const char b[4] = {static_cast<char>(0xF0 | (cp >> 18)),
                       static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
                       static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                       static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(b, 4);
  }
}

size_t append_utf16le_as_utf8(std::string& out, const uint8_t* data, size_t units) {
  const size_t start = out.size();
  // Worst case 3 bytes per unit; resize once, then write through a pointer:
  // this loop is on the hot path of every EVTX string.
  out.resize(start + units * 3);
  char* dst = out.data() + start;
  size_t i = 0;
  for (; i < units; ++i) {
    uint32_t u = static_cast<uint32_t>(data[2 * i]) | (static_cast<uint32_t>(data[2 * i + 1]) << 8);
    if (u < 0x80) {
      if (u == 0) break;
      *dst++ = static_cast<char>(u);
      continue;
    }
    if (u < 0x800) {
      *dst++ = static_cast<char>(0xC0 | (u >> 6));
      *dst++ = static_cast<char>(0x80 | (u & 0x3F));
      continue;
    }
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
      const uint32_t lo = static_cast<uint32_t>(data[2 * i + 2]) |
                          (static_cast<uint32_t>(data[2 * i + 3]) << 8);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        const uint32_t cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        // A surrogate pair is two units and four bytes: fits the 3-per-unit budget.
        *dst++ = static_cast<char>(0xF0 | (cp >> 18));
        *dst++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        *dst++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        *dst++ = static_cast<char>(0x80 | (cp & 0x3F));
        ++i;
        continue;
      }
    }
    if (u >= 0xD800 && u <= 0xDFFF) u = 0xFFFD;  // unpaired surrogate
    *dst++ = static_cast<char>(0xE0 | (u >> 12));
    *dst++ = static_cast<char>(0x80 | ((u >> 6) & 0x3F));
    *dst++ = static_cast<char>(0x80 | (u & 0x3F));
  }
  out.resize(static_cast<size_t>(dst - out.data()));
  return i;
}

bool is_valid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

void append_ansi_as_utf8(std::string& out, const uint8_t* data, size_t size) {
  size_t len = 0;
  while (len < size && data[len] != 0) ++len;
  const std::string_view view(reinterpret_cast<const char*>(data), len);
  if (is_valid_utf8(view)) {
    out.append(view);
    return;
  }
  for (size_t i = 0; i < len; ++i) append_code_point(out, data[i]);
}

}  // namespace vigil
