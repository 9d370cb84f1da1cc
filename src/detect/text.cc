#include "text.h"

#include <arpa/inet.h>
#include <emmintrin.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "vigil/core/utf.h"

namespace vigil::detect {

namespace {

// Lower-case partner of each code point below U+0800 (two-byte UTF-8), or
// the code point itself. Only pairs whose lower case is also two bytes.
struct FoldTable {
  uint16_t lower[0x800];
  constexpr FoldTable() : lower() {
    for (uint32_t cp = 0; cp < 0x800; ++cp) lower[cp] = static_cast<uint16_t>(cp);
    for (uint32_t cp = 'A'; cp <= 'Z'; ++cp) lower[cp] = static_cast<uint16_t>(cp + 0x20);
    for (uint32_t cp = 0xC0; cp <= 0xDE; ++cp) {
      if (cp != 0xD7) lower[cp] = static_cast<uint16_t>(cp + 0x20);
    }
    // Latin Extended-A: capitals and small letters alternate.
    for (uint32_t cp = 0x100; cp <= 0x12F; cp += 2) lower[cp] = static_cast<uint16_t>(cp + 1);
    for (uint32_t cp = 0x132; cp <= 0x137; cp += 2) lower[cp] = static_cast<uint16_t>(cp + 1);
    for (uint32_t cp = 0x139; cp <= 0x148; cp += 2) lower[cp] = static_cast<uint16_t>(cp + 1);
    for (uint32_t cp = 0x14A; cp <= 0x177; cp += 2) lower[cp] = static_cast<uint16_t>(cp + 1);
    lower[0x178] = 0xFF;
    for (uint32_t cp = 0x179; cp <= 0x17E; cp += 2) lower[cp] = static_cast<uint16_t>(cp + 1);
    // Greek.
    lower[0x386] = 0x3AC;
    for (uint32_t cp = 0x388; cp <= 0x38A; ++cp) lower[cp] = static_cast<uint16_t>(cp + 0x25);
    lower[0x38C] = 0x3CC;
    lower[0x38E] = 0x3CD;
    lower[0x38F] = 0x3CE;
    for (uint32_t cp = 0x391; cp <= 0x3AB; ++cp) {
      if (cp != 0x3A2) lower[cp] = static_cast<uint16_t>(cp + 0x20);
    }
    // Cyrillic.
    for (uint32_t cp = 0x400; cp <= 0x40F; ++cp) lower[cp] = static_cast<uint16_t>(cp + 0x50);
    for (uint32_t cp = 0x410; cp <= 0x42F; ++cp) lower[cp] = static_cast<uint16_t>(cp + 0x20);
  }
};
constexpr FoldTable kFold;

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

namespace {
// Per 16 bytes: a mask of the bytes that are ASCII capitals or not ASCII.
// Both fold functions run over every scanned field of every event, so they
// take sixteen bytes a time (SSE2 is part of x86-64).
inline int upper_or_high_mask(__m128i v) {
  // Signed compare: bytes >= 0x80 are negative, so "not ASCII" is its own test.
  const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
  return _mm_movemask_epi8(_mm_or_si128(upper, v));
}
}  // namespace

bool needs_folding(std::string_view text) {
  const size_t n = text.size();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    if (upper_or_high_mask(v) != 0) return true;
  }
  for (; i < n; ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0x80 || static_cast<unsigned>(b - 'A') < 26u) return true;
  }
  return false;
}

namespace {

// Folds n bytes from src to dst; dst may be src (each step reads its bytes
// before writing the same positions).
void fold_bytes(const unsigned char* src, char* dst, size_t n) {
  size_t i = 0;
  while (i < n) {
    // Runs of ASCII: capitals lowered sixteen at a time.
    while (i + 16 <= n) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
      if (_mm_movemask_epi8(v) != 0) break;  // a non-ASCII byte: the slow path below
      const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                          _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i),
                       _mm_add_epi8(v, _mm_and_si128(upper, _mm_set1_epi8(0x20))));
      i += 16;
    }
    if (i >= n) break;
    const unsigned char b = src[i];
    if (b < 0x80) {
      dst[i] = static_cast<char>(b + (static_cast<unsigned>(b - 'A') < 26u ? 0x20 : 0));
      ++i;
      continue;
    }
    if ((b & 0xE0) == 0xC0 && i + 1 < n && utf8_continuation(src[i + 1])) {
      const uint32_t cp = ((b & 0x1Fu) << 6) | (src[i + 1] & 0x3Fu);
      const uint32_t lower = cp >= 0x80 ? kFold.lower[cp] : cp;
      if (lower != cp) {
        dst[i] = static_cast<char>(0xC0 | (lower >> 6));
        dst[i + 1] = static_cast<char>(0x80 | (lower & 0x3F));
      } else {
        dst[i] = static_cast<char>(b);
        dst[i + 1] = static_cast<char>(src[i + 1]);
      }
      i += 2;
      continue;
    }
    dst[i] = static_cast<char>(b);
    ++i;
  }
}

}  // namespace

void append_folded(std::string& out, std::string_view text) {
  const size_t start = out.size();
  out.resize(start + text.size());
  fold_bytes(reinterpret_cast<const unsigned char*>(text.data()), out.data() + start, text.size());
}

std::string folded(std::string_view text) {
  std::string out;
  append_folded(out, text);
  return out;
}

void append_utf16le_folded(std::string& out, const uint8_t* data, size_t units) {
  const size_t start = out.size();
  // All-ASCII text (nearly every field) one pass: eight units packed to
  // bytes and lowered at a time; any other unit sends the rest through
  // UTF-8 decoding and folding, which lower per character, so the ASCII
  // prefix folds the same either way.
  out.resize(start + units);
  char* dst = out.data() + start;
  size_t i = 0;
  const __m128i below = _mm_set1_epi8('A' - 1);
  const __m128i above = _mm_set1_epi8('Z' + 1);
  const __m128i lower = _mm_set1_epi8(0x20);
  for (; i + 8 <= units; i += 8) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 2 * i));
    const __m128i special = _mm_or_si128(_mm_cmplt_epi16(v, _mm_set1_epi16(1)),
                                         _mm_cmpgt_epi16(v, _mm_set1_epi16(0x7f)));
    if (_mm_movemask_epi8(special) != 0) break;
    const __m128i bytes = _mm_packus_epi16(v, v);
    const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(bytes, below), _mm_cmplt_epi8(bytes, above));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + i),
                     _mm_add_epi8(bytes, _mm_and_si128(upper, lower)));
  }
  for (; i < units; ++i) {
    const uint32_t u = static_cast<uint32_t>(data[2 * i]) | (static_cast<uint32_t>(data[2 * i + 1]) << 8);
    if (u == 0 || u >= 0x80) break;
    dst[i] = static_cast<char>(u + (u - 'A' < 26u ? 0x20 : 0));
  }
  if (i == units) return;
  out.resize(start + i);
  if (static_cast<uint32_t>(data[2 * i]) + data[2 * i + 1] == 0) return;  // NUL ends the text
  const size_t decoded = out.size();
  append_utf16le_as_utf8(out, data + 2 * i, units - i);
  char* rest = out.data() + decoded;
  fold_bytes(reinterpret_cast<const unsigned char*>(rest), rest, out.size() - decoded);
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back(kBase64Alphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{p[i]} << 16;
    if (rest == 2) v |= uint32_t{p[i + 1]} << 8;
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::array<std::string, 3> base64_offsets(std::string_view bytes) {
  // Shifted by k bytes, the first characters also encode the unknown bytes
  // before the value (k = 1: two characters, k = 2: three), and the last
  // ones the unknown bytes after it, depending on where the value ends.
  static constexpr size_t kDropStart[3] = {0, 2, 3};
  static constexpr size_t kDropEnd[3] = {0, 3, 2};
  std::array<std::string, 3> out;
  for (size_t shift = 0; shift < 3; ++shift) {
    std::string shifted(shift, '\0');
    shifted.append(bytes);
    const std::string encoded = base64_encode(shifted);
    const size_t drop_end = kDropEnd[shifted.size() % 3];
    const size_t start = kDropStart[shift];
    if (encoded.size() > start + drop_end) {
      out[shift] = encoded.substr(start, encoded.size() - start - drop_end);
    }
  }
  return out;
}

std::string utf8_to_utf16(std::string_view utf8, Utf16Form form) {
  std::string out;
  const bool big = form == Utf16Form::kBigEndian;
  auto unit = [&](uint32_t u) {
    if (big) {
      out.push_back(static_cast<char>(u >> 8));
      out.push_back(static_cast<char>(u & 0xFF));
    } else {
      out.push_back(static_cast<char>(u & 0xFF));
      out.push_back(static_cast<char>(u >> 8));
    }
  };
  if (form == Utf16Form::kWithBom) unit(0xFEFF);
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const size_t n = utf8.size();
  size_t i = 0;
  while (i < n) {
    const size_t len = utf8_length(p[i]);
    uint32_t cp = 0xFFFD;
    bool valid = i + len <= n;
    for (size_t k = 1; valid && k < len; ++k) valid = utf8_continuation(p[i + k]);
    if (!valid || (len == 1 && p[i] >= 0x80)) {
      i += 1;
    } else {
      switch (len) {
        case 1: cp = p[i]; break;
        case 2: cp = ((p[i] & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu); break;
        case 3: cp = ((p[i] & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu); break;
        default:
          cp = ((p[i] & 0x07u) << 18) | ((p[i + 1] & 0x3Fu) << 12) | ((p[i + 2] & 0x3Fu) << 6) |
               (p[i + 3] & 0x3Fu);
      }
      i += len;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(0xD800 | (cp >> 10));
      unit(0xDC00 | (cp & 0x3FF));
    } else {
      unit(cp);
    }
  }
  return out;
}

std::optional<Number> parse_number(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  Number n;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    uint64_t u = 0;
    auto [ptr, ec] = std::from_chars(first + 2, last, u, 16);
    if (ec != std::errc() || ptr != last) return std::nullopt;
    n.i = static_cast<int64_t>(u);
    return n;
  }
  const char* start = first;
  if (*start == '+') ++start;
  {
    auto [ptr, ec] = std::from_chars(start, last, n.i, 10);
    if (ec == std::errc() && ptr == last) return n;
  }
  double d = 0;
  auto [ptr, ec] = std::from_chars(start, last, d, std::chars_format::fixed);
  if (ec != std::errc() || ptr != last || !std::isfinite(d)) return std::nullopt;
  n.integer = false;
  n.d = d;
  return n;
}

int compare_numbers(const Number& a, const Number& b) {
  if (a.integer && b.integer) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  const double x = a.as_double();
  const double y = b.as_double();
  return x < y ? -1 : (x > y ? 1 : 0);
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  text = trim(text);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  const size_t zone = text.find('%');
  if (zone != std::string_view::npos) text = text.substr(0, zone);
  char buffer[64];
  if (text.empty() || text.size() >= sizeof buffer) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  IpAddress ip;
  if (text.find(':') != std::string_view::npos) {
    if (inet_pton(AF_INET6, buffer, ip.bytes.data()) != 1) return std::nullopt;
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (std::memcmp(ip.bytes.data(), kMapped, 12) == 0) {
      std::memmove(ip.bytes.data(), ip.bytes.data() + 12, 4);
      std::memset(ip.bytes.data() + 4, 0, 12);
      return ip;
    }
    ip.v6 = true;
    return ip;
  }
  if (inet_pton(AF_INET, buffer, ip.bytes.data()) != 1) return std::nullopt;
  return ip;
}

namespace {
// ::ffff:a.b.c.d, the IPv6 address an IPv4 one is inside IPv6 networks.
IpAddress mapped_v6(const IpAddress& v4) {
  IpAddress v6;
  v6.v6 = true;
  v6.bytes[10] = 0xFF;
  v6.bytes[11] = 0xFF;
  std::memcpy(v6.bytes.data() + 12, v4.bytes.data(), 4);
  return v6;
}
}  // namespace

bool Network::contains(const IpAddress& given) const {
  if (given.v6 && !base.v6) return false;
  // An IPv4 address (written so or IPv4-mapped) is also the mapped IPv6
  // address, inside every IPv6 network that covers it (::/0 included).
  const IpAddress address = !given.v6 && base.v6 ? mapped_v6(given) : given;
  const uint32_t full = prefix / 8;
  if (std::memcmp(address.bytes.data(), base.bytes.data(), full) != 0) return false;
  const uint32_t rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (address.bytes[full] & mask) == (base.bytes[full] & mask);
}

std::optional<Network> parse_network(std::string_view text) {
  text = trim(text);
  const size_t slash = text.find('/');
  const std::string_view address = text.substr(0, slash);
  auto ip = parse_ip(address);
  if (!ip) return std::nullopt;
  const bool written_v6 = address.find(':') != std::string_view::npos;
  Network net;
  net.base = *ip;
  net.prefix = ip->v6 ? 128 : 32;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    uint32_t prefix = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) {
      return std::nullopt;
    }
    // An IPv4-mapped IPv6 network counts its prefix over 128 bits; one
    // wider than the mapped range (/96) is an IPv6 network.
    if (written_v6 && !ip->v6) {
      if (prefix < 96) {
        net.base = mapped_v6(*ip);
      } else {
        prefix -= 96;
      }
    }
    if (prefix > (net.base.v6 ? 128u : 32u)) return std::nullopt;
    net.prefix = prefix;
  }
  // Host bits of the base are ignored, as in "10.1.2.3/8".
  const uint32_t bytes = net.base.v6 ? 16 : 4;
  for (uint32_t bit = net.prefix; bit < bytes * 8; ++bit) {
    net.base.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  return net;
}

}  // namespace vigil::detect
