#pragma once
// Text helpers of the Sigma engine: case folding that keeps byte offsets,
// encodings the modifiers produce, numbers, IP addresses.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::detect {

// Case folding for case-insensitive matching. ASCII letters and the common
// two-byte UTF-8 capitals (Latin-1, Latin Extended-A, Greek, Cyrillic) are
// lowered; every character keeps its byte length, so offsets in the folded
// text are offsets in the original.
bool needs_folding(std::string_view text);
void append_folded(std::string& out, std::string_view text);
std::string folded(std::string_view text);
// The same as folding the UTF-8 decoding of `units` UTF-16LE code units
// (vigil::append_utf16le_as_utf8), in one pass over ASCII text.
void append_utf16le_folded(std::string& out, const uint8_t* data, size_t units);

// Bytes in the UTF-8 character that starts with `lead` (1 for invalid bytes).
inline size_t utf8_length(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return lead < 0xF8 ? 4 : 1;
}
inline bool utf8_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

std::string base64_encode(std::string_view bytes);
// The encoded forms `bytes` takes at the three alignments inside a longer
// base64 text, with the characters that depend on the neighbours dropped.
std::array<std::string, 3> base64_offsets(std::string_view bytes);

enum class Utf16Form : uint8_t { kLittleEndian, kBigEndian, kWithBom };
std::string utf8_to_utf16(std::string_view utf8, Utf16Form form);

// A number as Sigma compares them: integers exactly, everything else as double.
struct Number {
  bool integer = true;
  int64_t i = 0;
  double d = 0;
  double as_double() const { return integer ? static_cast<double>(i) : d; }
};
// Decimal integers, 0x-hex integers and decimal fractions; surrounding blanks allowed.
std::optional<Number> parse_number(std::string_view text);
// <0, 0, >0 like strcmp.
int compare_numbers(const Number& a, const Number& b);

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4
};
// Dotted IPv4 or IPv6 (a zone `%eth0` and brackets are ignored). IPv4-mapped
// IPv6 addresses (::ffff:a.b.c.d) are given as IPv4.
std::optional<IpAddress> parse_ip(std::string_view text);

struct Network {
  IpAddress base;
  uint32_t prefix = 0;
  bool contains(const IpAddress& address) const;
};
// "a.b.c.d/n", "x::/n", or an address alone (a host network).
std::optional<Network> parse_network(std::string_view text);

}  // namespace vigil::detect
