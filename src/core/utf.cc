#include "vigil/core/utf.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vigil {

void append_code_point(std::string& out, uint32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
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

namespace {

// Writes the JSON escape of an ASCII control, quote or backslash.
inline char* put_json_escape(char* dst, uint32_t c) {
  static constexpr char kHex[] = "0123456789abcdef";
  *dst++ = '\\';
  switch (c) {
    case '"': *dst++ = '"'; break;
    case '\\': *dst++ = '\\'; break;
    case '\n': *dst++ = 'n'; break;
    case '\r': *dst++ = 'r'; break;
    case '\t': *dst++ = 't'; break;
    case '\b': *dst++ = 'b'; break;
    case '\f': *dst++ = 'f'; break;
    default:
      *dst++ = 'u';
      *dst++ = '0';
      *dst++ = '0';
      *dst++ = kHex[(c >> 4) & 0xF];
      *dst++ = kHex[c & 0xF];
  }
  return dst;
}

inline bool json_plain(uint8_t c) { return c >= 0x20 && c != '"' && c != '\\'; }

}  // namespace

void append_utf16le_as_json(std::string& out, const uint8_t* data, size_t units) {
  const size_t start = out.size();
  // Worst case: 6 bytes per unit (\u00XX); a surrogate pair is 2 units, 4 bytes.
  out.resize(start + units * 6);
  char* end = write_utf16le_as_json(out.data() + start, data, units);
  out.resize(static_cast<size_t>(end - out.data()));
}

char* write_utf16le_as_json(char* dst, const uint8_t* data, size_t units) {
  size_t i = 0;
  while (i < units) {
#if defined(__SSE2__)
    // Blocks of 8, then 4, then 2 units: most values are short, and a
    // scalar tail would cost more than the blocks. A block always stores 8
    // bytes; the room promised (6 per unit left) covers that, and bytes past
    // the plain prefix are overwritten by what follows.
    if (const size_t left = units - i; left >= 2) {
      const uint8_t* at = data + 2 * i;
      __m128i v;
      int lanes;
      if (left >= 8) {
        v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
        lanes = 8;
      } else if (left >= 4) {
        v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(at));
        lanes = 4;
      } else {
        uint32_t two;
        std::memcpy(&two, at, 4);
        v = _mm_cvtsi32_si128(static_cast<int>(two));
        lanes = 2;
      }
      // Signed 16-bit compares: units >= 0x8000 count as "below 0x20" and so
      // take the careful path too.
      const __m128i special = _mm_or_si128(
          _mm_or_si128(_mm_cmplt_epi16(v, _mm_set1_epi16(0x20)),
                       _mm_cmpgt_epi16(v, _mm_set1_epi16(0x7e))),
          _mm_or_si128(_mm_cmpeq_epi16(v, _mm_set1_epi16('"')),
                       _mm_cmpeq_epi16(v, _mm_set1_epi16('\\'))));
      const auto mask = static_cast<unsigned>(_mm_movemask_epi8(special)) & ((1u << (2 * lanes)) - 1);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), _mm_packus_epi16(v, v));
      if (mask == 0) {
        dst += lanes;
        i += static_cast<size_t>(lanes);
        continue;
      }
      const unsigned plain = static_cast<unsigned>(__builtin_ctz(mask)) / 2;
      dst += plain;
      i += plain;
    }
#endif
    uint32_t u = static_cast<uint32_t>(data[2 * i]) | (static_cast<uint32_t>(data[2 * i + 1]) << 8);
    if (u < 0x80) {
      if (u == 0) break;
      if (json_plain(static_cast<uint8_t>(u))) {
        *dst++ = static_cast<char>(u);
      } else {
        dst = put_json_escape(dst, u);
      }
      ++i;
      continue;
    }
    if (u < 0x800) {
      *dst++ = static_cast<char>(0xC0 | (u >> 6));
      *dst++ = static_cast<char>(0x80 | (u & 0x3F));
      ++i;
      continue;
    }
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
      const uint32_t lo = static_cast<uint32_t>(data[2 * i + 2]) |
                          (static_cast<uint32_t>(data[2 * i + 3]) << 8);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        const uint32_t cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        *dst++ = static_cast<char>(0xF0 | (cp >> 18));
        *dst++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        *dst++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        *dst++ = static_cast<char>(0x80 | (cp & 0x3F));
        i += 2;
        continue;
      }
    }
    if (u >= 0xD800 && u <= 0xDFFF) u = 0xFFFD;
    *dst++ = static_cast<char>(0xE0 | (u >> 12));
    *dst++ = static_cast<char>(0x80 | ((u >> 6) & 0x3F));
    *dst++ = static_cast<char>(0x80 | (u & 0x3F));
    ++i;
  }
  return dst;
}

void append_utf8_as_json(std::string& out, std::string_view text) {
  const size_t start = out.size();
  out.resize(start + text.size() * 6);
  char* end = write_utf8_as_json(out.data() + start, text);
  out.resize(static_cast<size_t>(end - out.data()));
}

char* write_utf8_as_json(char* dst, std::string_view text) {
  const auto* src = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
#if defined(__SSE2__)
    if (i + 16 <= n) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
      // Bytes >= 0x80 are negative as int8 and pass through unchanged, so only
      // 0x00-0x1f, '"' and '\\' stop the fast copy.
      const __m128i ctrl = _mm_and_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                                         _mm_cmpgt_epi8(v, _mm_set1_epi8(-1)));
      const __m128i special =
          _mm_or_si128(ctrl, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                          _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
      const int mask = _mm_movemask_epi8(special);
      if (mask == 0) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), v);
        dst += 16;
        i += 16;
        continue;
      }
      const int plain = __builtin_ctz(static_cast<unsigned>(mask));
      std::memcpy(dst, src + i, static_cast<size_t>(plain));
      dst += plain;
      i += static_cast<size_t>(plain);
    }
#endif
    const uint8_t c = src[i++];
    if (c >= 0x80 || json_plain(c)) {
      *dst++ = static_cast<char>(c);
    } else {
      dst = put_json_escape(dst, c);
    }
  }
  return dst;
}

size_t append_utf16le_as_utf8(std::string& out, const uint8_t* data, size_t units) {
  const size_t start = out.size();
  // Worst case 3 bytes per unit; resize once, then write through a pointer:
  // this loop is on the hot path of every EVTX string.
  out.resize(start + units * 3);
  char* dst = out.data() + start;
  size_t i = 0;
  for (; i < units; ++i) {
#if defined(__SSE2__)
    // Eight ASCII units at a time (signed compares send >= 0x8000 and NUL to
    // the unit-by-unit path).
    while (i + 8 <= units) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 2 * i));
      const __m128i special = _mm_or_si128(_mm_cmplt_epi16(v, _mm_set1_epi16(1)),
                                           _mm_cmpgt_epi16(v, _mm_set1_epi16(0x7f)));
      if (_mm_movemask_epi8(special) != 0) break;
      _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), _mm_packus_epi16(v, v));
      dst += 8;
      i += 8;
    }
    if (i >= units) break;
#endif
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
  // Most text is ASCII: skip it 32 bytes at a time.
  while (i + 32 <= n && is_ascii(text.substr(i, 32))) i += 32;
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
