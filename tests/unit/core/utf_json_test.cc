// The one-pass SIMD converters must agree with the plain two-step path
// (decode, then escape) on every kind of input.

#include <gtest/gtest.h>

#include <random>

#include "vigil/core/utf.h"
#include "vigil/core/value.h"

namespace vigil {
namespace {

std::vector<uint8_t> random_utf16(std::mt19937& rng, size_t units) {
  // Mostly ASCII with escapes, some BMP, surrogates (paired and not), NULs.
  std::vector<uint8_t> out;
  for (size_t i = 0; i < units; ++i) {
    uint16_t u;
    const unsigned pick = rng() % 100;
    if (pick < 70) {
      u = static_cast<uint16_t>(0x20 + rng() % 0x5f);
    } else if (pick < 78) {
      const uint16_t specials[] = {'"', '\\', '\n', '\r', '\t', 0x01, 0x1f, 0x7f};
      u = specials[rng() % 8];
    } else if (pick < 88) {
      u = static_cast<uint16_t>(0x80 + rng() % 0xD700);
    } else if (pick < 95) {
      u = static_cast<uint16_t>(0xD800 + rng() % 0x800);
    } else if (pick < 99) {
      u = static_cast<uint16_t>(0xE000 + rng() % 0x2000);
    } else {
      u = 0;
    }
    out.push_back(static_cast<uint8_t>(u));
    out.push_back(static_cast<uint8_t>(u >> 8));
  }
  return out;
}

TEST(Utf16Json, AgreesWithDecodeThenEscape) {
  std::mt19937 rng(42);
  for (int round = 0; round < 3000; ++round) {
    const size_t units = rng() % 80;
    const auto data = random_utf16(rng, units);
    std::string decoded;
    append_utf16le_as_utf8(decoded, data.data(), units);
    std::string expected;
    append_json_escaped(expected, decoded);
    std::string fast = "prefix";
    append_utf16le_as_json(fast, data.data(), units);
    ASSERT_EQ(fast, "prefix" + expected) << "round " << round;
    std::string fast_utf8 = "x";
    append_utf8_as_json(fast_utf8, decoded);
    ASSERT_EQ(fast_utf8, "x" + expected) << "round " << round;
  }
}

TEST(Utf16Json, AsciiFastPathStopsAtNul) {
  const std::u16string text = u"abcdefghij";
  std::vector<uint8_t> bytes;
  for (char16_t c : text) {
    bytes.push_back(static_cast<uint8_t>(c));
    bytes.push_back(0);
  }
  bytes[2 * 9] = 0;  // NUL as the 10th unit
  std::string out;
  append_utf16le_as_json(out, bytes.data(), text.size());
  EXPECT_EQ(out, "abcdefghi");
  out.clear();
  append_utf16le_as_utf8(out, bytes.data(), text.size());
  EXPECT_EQ(out, "abcdefghi");
}

}  // namespace
}  // namespace vigil
