#include "vigil/core/utf.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil {
namespace {

std::vector<uint8_t> utf16le(std::initializer_list<uint16_t> units) {
  std::vector<uint8_t> bytes;
  for (uint16_t u : units) {
    bytes.push_back(static_cast<uint8_t>(u & 0xFF));
    bytes.push_back(static_cast<uint8_t>(u >> 8));
  }
  return bytes;
}

std::string decode(std::initializer_list<uint16_t> units, size_t* consumed = nullptr) {
  const std::vector<uint8_t> bytes = utf16le(units);
  std::string out;
  const size_t n = append_utf16le_as_utf8(out, bytes.data(), units.size());
  if (consumed != nullptr) *consumed = n;
  return out;
}

std::string bytes_of(std::initializer_list<uint8_t> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

TEST(Utf16, AsciiAndMultiByte) {
  EXPECT_EQ(decode({'A', 'b', '1'}), "Ab1");
  EXPECT_EQ(decode({0x00E9}), "\xC3\xA9");      // é: two bytes
  EXPECT_EQ(decode({0x07FF}), "\xDF\xBF");      // last two-byte code point
  EXPECT_EQ(decode({0x0800}), "\xE0\xA0\x80");  // first three-byte code point
  EXPECT_EQ(decode({0x20AC}), "\xE2\x82\xAC");  // €
  EXPECT_EQ(decode({0xFFFF}), "\xEF\xBF\xBF");
  EXPECT_EQ(decode({0xD7FF}), "\xED\x9F\xBF");  // just below the surrogates
  EXPECT_EQ(decode({0xE000}), "\xEE\x80\x80");  // just above them
}

TEST(Utf16, SurrogatePairs) {
  size_t consumed = 0;
  EXPECT_EQ(decode({0xD83D, 0xDE00}, &consumed), "\xF0\x9F\x98\x80");  // U+1F600
  EXPECT_EQ(consumed, 2u);
  EXPECT_EQ(decode({0xD800, 0xDC00}), "\xF0\x90\x80\x80");  // U+10000
  EXPECT_EQ(decode({0xDBFF, 0xDFFF}), "\xF4\x8F\xBF\xBF");  // U+10FFFF
  EXPECT_EQ(decode({'a', 0xD83D, 0xDE00, 'b'}), std::string("a\xF0\x9F\x98\x80") + "b");
}

TEST(Utf16, UnpairedSurrogatesBecomeReplacementCharacter) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(decode({0xD83D}), fffd);                 // high surrogate at the end
  EXPECT_EQ(decode({0xDE00}), fffd);                 // lone low surrogate
  EXPECT_EQ(decode({0xD83D, 'A'}), fffd + "A");      // high followed by a non-surrogate
  EXPECT_EQ(decode({0xDE00, 0xD83D}), fffd + fffd);  // reversed pair
  EXPECT_EQ(decode({0xD83D, 0xD83D, 0xDE00}), fffd + "\xF0\x9F\x98\x80");
  EXPECT_TRUE(is_valid_utf8(decode({0xDFFF, 0xD800, 0xDBFF})));
}

TEST(Utf16, StopsAtNul) {
  size_t consumed = 99;
  EXPECT_EQ(decode({'A', 0, 'B'}, &consumed), "A");
  EXPECT_EQ(consumed, 1u);
  EXPECT_EQ(decode({0, 'B'}, &consumed), "");
  EXPECT_EQ(consumed, 0u);
  EXPECT_EQ(decode({'A', 'B'}, &consumed), "AB");
  EXPECT_EQ(consumed, 2u);
}

TEST(Utf16, EmptyAndAppending) {
  std::string out = "x";
  EXPECT_EQ(append_utf16le_as_utf8(out, nullptr, 0), 0u);
  EXPECT_EQ(out, "x");
  const std::vector<uint8_t> bytes = utf16le({0x00E9, 0x20AC});
  append_utf16le_as_utf8(out, bytes.data(), 2);
  EXPECT_EQ(out, "x\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(out.size(), 6u);  // the worst-case reservation is trimmed again
}

TEST(Utf16, EveryBmpUnitGivesValidUtf8) {
  std::vector<uint8_t> bytes;
  for (uint32_t u = 1; u <= 0xFFFF; ++u) {
    bytes.push_back(static_cast<uint8_t>(u & 0xFF));
    bytes.push_back(static_cast<uint8_t>(u >> 8));
  }
  std::string out;
  EXPECT_EQ(append_utf16le_as_utf8(out, bytes.data(), bytes.size() / 2), bytes.size() / 2);
  EXPECT_TRUE(is_valid_utf8(out));
}

TEST(Ansi, ValidUtf8IsCopied) {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC";
  std::string out;
  append_ansi_as_utf8(out, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  EXPECT_EQ(out, text);
}

TEST(Ansi, OtherBytesAreLatin1) {
  const std::string text = "caf\xE9";
  std::string out = ">";
  append_ansi_as_utf8(out, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  EXPECT_EQ(out, ">caf\xC3\xA9");
  out.clear();
  const std::string high = "\x80\xFF";
  append_ansi_as_utf8(out, reinterpret_cast<const uint8_t*>(high.data()), high.size());
  EXPECT_EQ(out, "\xC2\x80\xC3\xBF");
  EXPECT_TRUE(is_valid_utf8(out));
}

TEST(Ansi, StopsAtNul) {
  const std::string text("ab\0cd", 5);
  std::string out;
  append_ansi_as_utf8(out, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  EXPECT_EQ(out, "ab");
  out.clear();
  append_ansi_as_utf8(out, reinterpret_cast<const uint8_t*>(text.data()), 0);
  EXPECT_EQ(out, "");
}

TEST(Utf8Validation, Accepts) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8(std::string_view("nul\0inside", 10)));
  EXPECT_TRUE(is_valid_utf8(bytes_of({0xC2, 0x80})));              // U+0080
  EXPECT_TRUE(is_valid_utf8(bytes_of({0xDF, 0xBF})));              // U+07FF
  EXPECT_TRUE(is_valid_utf8(bytes_of({0xE0, 0xA0, 0x80})));        // U+0800
  EXPECT_TRUE(is_valid_utf8(bytes_of({0xED, 0x9F, 0xBF})));        // U+D7FF
  EXPECT_TRUE(is_valid_utf8(bytes_of({0xEE, 0x80, 0x80})));        // U+E000
  EXPECT_TRUE(is_valid_utf8(bytes_of({0xEF, 0xBF, 0xBF})));        // U+FFFF
  EXPECT_TRUE(is_valid_utf8(bytes_of({0xF0, 0x90, 0x80, 0x80})));  // U+10000
  EXPECT_TRUE(is_valid_utf8(bytes_of({0xF4, 0x8F, 0xBF, 0xBF})));  // U+10FFFF
}

TEST(Utf8Validation, Rejects) {
  EXPECT_FALSE(is_valid_utf8(bytes_of({0x80})));  // lone continuation
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xBF})));
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xC2})));  // truncated
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xE2, 0x82})));
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xF0, 0x9F, 0x98})));
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xC2, 0x41})));  // bad continuation
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xE2, 0x82, 0x41})));
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xC0, 0x80})));  // overlong NUL
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xC1, 0xBF})));
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xE0, 0x80, 0x80})));  // overlong
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xE0, 0x9F, 0xBF})));
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xF0, 0x80, 0x80, 0x80})));  // overlong
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xF0, 0x8F, 0xBF, 0xBF})));
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xED, 0xA0, 0x80})));        // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xED, 0xBF, 0xBF})));        // surrogate U+DFFF
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xF4, 0x90, 0x80, 0x80})));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xF5, 0x80, 0x80, 0x80})));
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xF8, 0x88, 0x80, 0x80, 0x80})));
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xFE})));
  EXPECT_FALSE(is_valid_utf8(bytes_of({0xFF})));
  EXPECT_FALSE(is_valid_utf8(bytes_of({'o', 'k', 0xFF})));
}

TEST(CodePoint, Boundaries) {
  const std::pair<uint32_t, std::string> cases[] = {
      {0x00, std::string(1, '\0')},
      {0x41, "A"},
      {0x7F, "\x7F"},
      {0x80, "\xC2\x80"},
      {0x7FF, "\xDF\xBF"},
      {0x800, "\xE0\xA0\x80"},
      {0xFFFF, "\xEF\xBF\xBF"},
      {0x10000, "\xF0\x90\x80\x80"},
      {0x10FFFF, "\xF4\x8F\xBF\xBF"},
      // No UTF-8 form: the replacement character, so output stays valid UTF-8.
      {0xD800, "\xEF\xBF\xBD"},
      {0xDFFF, "\xEF\xBF\xBD"},
      {0x110000, "\xEF\xBF\xBD"},
  };
  for (const auto& [cp, expected] : cases) {
    std::string out;
    append_code_point(out, cp);
    EXPECT_EQ(out, expected) << std::hex << cp;
  }
}

}  // namespace
}  // namespace vigil
