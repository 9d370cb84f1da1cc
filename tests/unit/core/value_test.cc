#include "vigil/core/value.h"

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil {
namespace {

// Owns the bytes a Value points into.
struct Bytes {
  std::vector<uint8_t> data;

  Bytes() = default;
  Bytes(std::initializer_list<uint8_t> b) : data(b) {}
  template <class T>
  static Bytes of(std::initializer_list<T> items) {
    Bytes b;
    for (const T& item : items) b.append(item);
    return b;
  }
  template <class T>
  void append(const T& item) {
    const size_t at = data.size();
    data.resize(at + sizeof item);
    std::memcpy(data.data() + at, &item, sizeof item);
  }
  void append_utf16(std::u16string_view text) {
    for (char16_t u : text) append(static_cast<uint16_t>(u));
  }
  Value as(ValueType type, bool array = false) const {
    const auto raw = static_cast<uint8_t>(static_cast<uint8_t>(type) | (array ? kArrayFlag : 0));
    return Value(data.data(), static_cast<uint32_t>(data.size()), raw);
  }
};

std::string windows(const Value& v) { return to_text(v, TextStyle::kWindows); }
std::string evtx_dump(const Value& v) { return to_text(v, TextStyle::kEvtxDump); }

Bytes utf16(std::u16string_view text) {
  Bytes b;
  b.append_utf16(text);
  return b;
}

// {00112233-4455-6677-8899-AABBCCDDEEFF} as stored: the first three groups little-endian.
const Bytes kGuid = {0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
                     0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};

// S-1-5-21-1-2-3-500
Bytes sid_bytes() {
  Bytes b = {1, 5, 0, 0, 0, 0, 0, 5};
  for (uint32_t sub : {21u, 1u, 2u, 3u, 500u}) b.append(sub);
  return b;
}

// SYSTEMTIME: year, month, day-of-week, day, hour, minute, second, milliseconds.
Bytes systemtime(uint16_t y, uint16_t mo, uint16_t d, uint16_t h, uint16_t mi, uint16_t s,
                 uint16_t ms) {
  return Bytes::of<uint16_t>({y, mo, 0, d, h, mi, s, ms});
}

// 2024-01-02T03:04:05.1234567Z
constexpr uint64_t kFiletime =
    116'444'736'000'000'000ULL + 1'704'164'645ULL * 10'000'000ULL + 1'234'567ULL;

TEST(Value, TypeHelpers) {
  EXPECT_EQ(fixed_size(ValueType::kInt8), 1u);
  EXPECT_EQ(fixed_size(ValueType::kUInt16), 2u);
  EXPECT_EQ(fixed_size(ValueType::kBool), 4u);
  EXPECT_EQ(fixed_size(ValueType::kHexInt64), 8u);
  EXPECT_EQ(fixed_size(ValueType::kFileTime), 8u);
  EXPECT_EQ(fixed_size(ValueType::kGuid), 16u);
  EXPECT_EQ(fixed_size(ValueType::kSysTime), 16u);
  EXPECT_EQ(fixed_size(ValueType::kUtf16), 0u);
  EXPECT_EQ(fixed_size(ValueType::kSid), 0u);
  EXPECT_EQ(fixed_size(ValueType::kSizeT), 0u);
  EXPECT_TRUE(is_json_number(ValueType::kUInt64));
  EXPECT_TRUE(is_json_number(ValueType::kReal64));
  EXPECT_FALSE(is_json_number(ValueType::kHexInt32));
  EXPECT_FALSE(is_json_number(ValueType::kBool));
  EXPECT_FALSE(is_json_number(ValueType::kUtf16));
  EXPECT_TRUE(is_array(0x81));
  EXPECT_FALSE(is_array(0x01));
  EXPECT_EQ(element_type(0x88), ValueType::kUInt32);
}

TEST(Value, NullAndViews) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_FALSE(Value::utf8("").is_null());
  EXPECT_FALSE(Value(nullptr, 0, static_cast<uint8_t>(ValueType::kUtf16)).is_null());
  EXPECT_TRUE(Value(nullptr, 0, static_cast<uint8_t>(ValueType::kInt32)).is_null());
  EXPECT_EQ(Value::utf8("abc").utf8_view(), "abc");
  const Bytes text = utf16(u"abc");
  EXPECT_FALSE(text.as(ValueType::kUtf16).utf8_view().has_value());
}

TEST(ValueText, Strings) {
  const Bytes text = utf16(u"h\u00e9llo");
  EXPECT_EQ(windows(text.as(ValueType::kUtf16)), "h\xC3\xA9llo");
  EXPECT_EQ(evtx_dump(text.as(ValueType::kUtf16)), "h\xC3\xA9llo");
  Bytes terminated = utf16(u"ab");
  terminated.append(uint16_t{0});
  EXPECT_EQ(windows(terminated.as(ValueType::kUtf16)), "ab");
  const Bytes ansi = {'c', 'a', 'f', 0xE9, 0};
  EXPECT_EQ(windows(ansi.as(ValueType::kAnsi)), "caf\xC3\xA9");
  EXPECT_EQ(windows(Value::utf8("as is")), "as is");
  EXPECT_EQ(evtx_dump(Value::utf8("as is")), "as is");
}

TEST(ValueText, Integers) {
  for (const TextStyle style : {TextStyle::kWindows, TextStyle::kEvtxDump}) {
    EXPECT_EQ(to_text(Bytes::of<int8_t>({-5}).as(ValueType::kInt8), style), "-5");
    EXPECT_EQ(to_text(Bytes::of<uint8_t>({250}).as(ValueType::kUInt8), style), "250");
    EXPECT_EQ(to_text(Bytes::of<int16_t>({-300}).as(ValueType::kInt16), style), "-300");
    EXPECT_EQ(to_text(Bytes::of<uint16_t>({65535}).as(ValueType::kUInt16), style), "65535");
    EXPECT_EQ(to_text(Bytes::of<int32_t>({-70000}).as(ValueType::kInt32), style), "-70000");
    EXPECT_EQ(to_text(Bytes::of<uint32_t>({4'000'000'000u}).as(ValueType::kUInt32), style),
              "4000000000");
    EXPECT_EQ(to_text(Bytes::of<int64_t>({INT64_MIN}).as(ValueType::kInt64), style),
              "-9223372036854775808");
    EXPECT_EQ(to_text(Bytes::of<uint64_t>({UINT64_MAX}).as(ValueType::kUInt64), style),
              "18446744073709551615");
    EXPECT_EQ(to_text(Bytes::of<uint32_t>({0xFFu}).as(ValueType::kHexInt32), style), "0xff");
    EXPECT_EQ(to_text(Bytes::of<uint32_t>({0u}).as(ValueType::kHexInt32), style), "0x0");
    EXPECT_EQ(to_text(Bytes::of<uint64_t>({0x8020000000000000ULL}).as(ValueType::kHexInt64), style),
              "0x8020000000000000");
    EXPECT_EQ(to_text(Bytes::of<uint32_t>({0x1000u}).as(ValueType::kSizeT), style), "0x1000");
    EXPECT_EQ(to_text(Bytes::of<uint64_t>({0x7ff612340000ULL}).as(ValueType::kSizeT), style),
              "0x7ff612340000");
  }
}

TEST(ValueText, RealsAndBooleans) {
  EXPECT_EQ(windows(Bytes::of<float>({1.5f}).as(ValueType::kReal32)), "1.5");
  EXPECT_EQ(windows(Bytes::of<double>({0.1}).as(ValueType::kReal64)), "0.1");
  EXPECT_EQ(windows(Bytes::of<double>({-2.0}).as(ValueType::kReal64)), "-2");
  EXPECT_EQ(windows(Bytes::of<uint32_t>({1}).as(ValueType::kBool)), "true");
  EXPECT_EQ(windows(Bytes::of<uint32_t>({2}).as(ValueType::kBool)), "true");
  EXPECT_EQ(evtx_dump(Bytes::of<uint32_t>({0}).as(ValueType::kBool)), "false");
}

TEST(ValueText, GuidSpelling) {
  EXPECT_EQ(windows(kGuid.as(ValueType::kGuid)), "{00112233-4455-6677-8899-AABBCCDDEEFF}");
  EXPECT_EQ(evtx_dump(kGuid.as(ValueType::kGuid)), "00112233-4455-6677-8899-AABBCCDDEEFF");
}

TEST(ValueText, TimeSpelling) {
  const Bytes ft = Bytes::of<uint64_t>({kFiletime});
  EXPECT_EQ(windows(ft.as(ValueType::kFileTime)), "2024-01-02T03:04:05.1234567Z");
  EXPECT_EQ(evtx_dump(ft.as(ValueType::kFileTime)), "2024-01-02T03:04:05.123456Z");
  const Bytes st = systemtime(2024, 1, 2, 3, 4, 5, 123);
  EXPECT_EQ(windows(st.as(ValueType::kSysTime)), "2024-01-02T03:04:05.1230000Z");
  EXPECT_EQ(evtx_dump(st.as(ValueType::kSysTime)), "2024-01-02T03:04:05.123000Z");
  // An impossible SYSTEMTIME has no text rather than a wrong one.
  EXPECT_EQ(windows(systemtime(2024, 13, 2, 3, 4, 5, 0).as(ValueType::kSysTime)), "");
  EXPECT_EQ(windows(systemtime(2024, 1, 2, 3, 4, 5, 1000).as(ValueType::kSysTime)), "");
  // Outside SYSTEMTIME's range: no text, and no overflow of the tick count.
  EXPECT_EQ(windows(systemtime(65535, 12, 31, 23, 59, 59, 999).as(ValueType::kSysTime)), "");
  EXPECT_EQ(windows(systemtime(1600, 12, 31, 0, 0, 0, 0).as(ValueType::kSysTime)), "");
}

TEST(ValueText, Sids) {
  EXPECT_EQ(windows(sid_bytes().as(ValueType::kSid)), "S-1-5-21-1-2-3-500");
  EXPECT_EQ(evtx_dump(sid_bytes().as(ValueType::kSid)), "S-1-5-21-1-2-3-500");
  const Bytes system = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
  EXPECT_EQ(windows(system.as(ValueType::kSid)), "S-1-5-18");
  const Bytes everyone = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
  EXPECT_EQ(windows(everyone.as(ValueType::kSid)), "S-1-1-0");
  // Claims more sub-authorities than it carries: only the present ones.
  const Bytes short_sid = {1, 3, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0};
  EXPECT_EQ(windows(short_sid.as(ValueType::kSid)), "S-1-5-32");
  const Bytes broken = {1, 1, 0};
  EXPECT_EQ(windows(broken.as(ValueType::kSid)), "S-?");
  // The most a SID can claim: 255 sub-authorities of ten digits, and a
  // 48-bit authority.
  Bytes longest = {255, 255, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  std::string expected = "S-255-281474976710655";
  for (int i = 0; i < 255; ++i) {
    for (int k = 0; k < 4; ++k) longest.data.push_back(0xff);
    expected += "-4294967295";
  }
  EXPECT_EQ(windows(longest.as(ValueType::kSid)), expected);
}

TEST(ValueText, BinaryAndOpaque) {
  const Bytes bin = {0x01, 0xAB, 0x00, 0xFF};
  EXPECT_EQ(windows(bin.as(ValueType::kBinary)), "01AB00FF");
  EXPECT_EQ(evtx_dump(bin.as(ValueType::kBinary)), "01AB00FF");
  EXPECT_EQ(windows(bin.as(ValueType::kNull)), "");
  EXPECT_EQ(windows(bin.as(ValueType::kEvtHandle)), "");
  EXPECT_EQ(windows(bin.as(ValueType::kBinXml)), "");
  EXPECT_EQ(windows(bin.as(ValueType::kEvtXml)), "");
  // Unknown type numbers and scalars too short for their type keep their bytes visible.
  EXPECT_EQ(windows(Value(bin.data.data(), 4, 0x16)), "01AB00FF");
  EXPECT_EQ(windows(Value(bin.data.data(), 2, static_cast<uint8_t>(ValueType::kInt32))), "01AB");
  EXPECT_EQ(windows(Value(bin.data.data(), 3, static_cast<uint8_t>(ValueType::kGuid))), "01AB00");
}

TEST(ValueText, Arrays) {
  Bytes strings = utf16(u"a");
  strings.append(uint16_t{0});
  strings.append_utf16(u"bc");
  strings.append(uint16_t{0});
  EXPECT_EQ(windows(strings.as(ValueType::kUtf16, true)), "a,bc");
  EXPECT_EQ(windows(Bytes::of<int32_t>({1, -2, 3}).as(ValueType::kInt32, true)), "1,-2,3");
  EXPECT_EQ(windows(Bytes::of<uint8_t>({7}).as(ValueType::kUInt8, true)), "7");
  EXPECT_EQ(windows(Bytes().as(ValueType::kUInt16, true)), "");
  EXPECT_EQ(windows(Bytes::of<uint64_t>({0x10, 0x20}).as(ValueType::kSizeT, true)), "0x10,0x20");
  EXPECT_EQ(windows(Bytes::of<uint32_t>({1, 0}).as(ValueType::kBool, true)), "true,false");

  Bytes guids = kGuid;
  guids.data.insert(guids.data.end(), kGuid.data.begin(), kGuid.data.end());
  EXPECT_EQ(windows(guids.as(ValueType::kGuid, true)),
            "{00112233-4455-6677-8899-AABBCCDDEEFF},{00112233-4455-6677-8899-AABBCCDDEEFF}");
  EXPECT_EQ(evtx_dump(guids.as(ValueType::kGuid, true)),
            "00112233-4455-6677-8899-AABBCCDDEEFF,00112233-4455-6677-8899-AABBCCDDEEFF");

  const Bytes times = Bytes::of<uint64_t>({kFiletime, kFiletime});
  EXPECT_EQ(evtx_dump(times.as(ValueType::kFileTime, true)),
            "2024-01-02T03:04:05.123456Z,2024-01-02T03:04:05.123456Z");

  Bytes sids = sid_bytes();
  for (uint8_t b : {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}) sids.data.push_back(b);
  EXPECT_EQ(windows(sids.as(ValueType::kSid, true)), "S-1-5-21-1-2-3-500,S-1-5-18");

  // A trailing partial element is dropped, never read past.
  Bytes ragged = Bytes::of<uint32_t>({5, 6});
  ragged.data.push_back(0xFF);
  EXPECT_EQ(windows(ragged.as(ValueType::kUInt32, true)), "5,6");
}

// The matcher skips non-string values when a searched string has a character
// outside kNonStringTextAlphabet: every type but the strings, scalar and
// array, with random bytes and the floating-point edge cases, must stay in it.
TEST(ValueText, NonStringTextStaysInItsAlphabet) {
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::vector<Bytes> samples;
  for (int i = 0; i < 400; ++i) {
    Bytes b;
    const size_t n = next() % 40;
    for (size_t k = 0; k < n; ++k) b.data.push_back(static_cast<uint8_t>(next()));
    samples.push_back(b);
  }
  for (double d : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::quiet_NaN(), 1e308, -4.9e-324, 0.1}) {
    samples.push_back(Bytes::of<double>({d}));
    samples.push_back(Bytes::of<float>({static_cast<float>(d)}));
  }
  samples.push_back(systemtime(2024, 1, 2, 3, 4, 5, 6));
  samples.push_back(Bytes::of<uint64_t>({kFiletime}));
  samples.push_back(sid_bytes());
  for (unsigned code = 0; code < kArrayFlag; ++code) {
    const auto type = static_cast<ValueType>(code);
    if (is_string_type(type)) continue;
    for (const Bytes& b : samples) {
      for (bool array : {false, true}) {
        for (TextStyle style : {TextStyle::kWindows, TextStyle::kEvtxDump}) {
          const std::string text = to_text(b.as(type, array), style);
          for (char c : text) {
            const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
            ASSERT_NE(kNonStringTextAlphabet.find(lower), std::string_view::npos)
                << "type " << code << (array ? " array" : "") << " rendered '" << text << "'";
          }
        }
      }
    }
  }
}

TEST(ValueToInt, Numeric) {
  EXPECT_EQ(to_int(Bytes::of<int8_t>({-5}).as(ValueType::kInt8)), -5);
  EXPECT_EQ(to_int(Bytes::of<uint8_t>({250}).as(ValueType::kUInt8)), 250);
  EXPECT_EQ(to_int(Bytes::of<int16_t>({-300}).as(ValueType::kInt16)), -300);
  EXPECT_EQ(to_int(Bytes::of<uint16_t>({4624}).as(ValueType::kUInt16)), 4624);
  EXPECT_EQ(to_int(Bytes::of<int32_t>({-70000}).as(ValueType::kInt32)), -70000);
  EXPECT_EQ(to_int(Bytes::of<uint32_t>({4'000'000'000u}).as(ValueType::kUInt32)), 4'000'000'000);
  EXPECT_EQ(to_int(Bytes::of<int64_t>({INT64_MIN}).as(ValueType::kInt64)), INT64_MIN);
  EXPECT_EQ(to_int(Bytes::of<uint64_t>({42}).as(ValueType::kUInt64)), 42);
  EXPECT_EQ(to_int(Bytes::of<uint32_t>({0xFF}).as(ValueType::kHexInt32)), 255);
  // 64-bit flags keep their bit pattern.
  EXPECT_EQ(to_int(Bytes::of<uint64_t>({0x8020000000000000ULL}).as(ValueType::kHexInt64)),
            static_cast<int64_t>(0x8020000000000000ULL));
  EXPECT_EQ(to_int(Bytes::of<uint32_t>({7}).as(ValueType::kBool)), 1);
  EXPECT_EQ(to_int(Bytes::of<uint32_t>({0x1000}).as(ValueType::kSizeT)), 0x1000);
  EXPECT_EQ(to_int(Bytes::of<uint64_t>({0x1000}).as(ValueType::kSizeT)), 0x1000);
}

TEST(ValueToInt, Text) {
  EXPECT_EQ(to_int(Value::utf8("42")), 42);
  EXPECT_EQ(to_int(Value::utf8(" 42\t")), 42);
  EXPECT_EQ(to_int(Value::utf8("-42")), -42);
  EXPECT_EQ(to_int(Value::utf8("+42")), 42);
  EXPECT_EQ(to_int(Value::utf8("0x1F")), 31);
  EXPECT_EQ(to_int(Value::utf8("0X1f")), 31);
  EXPECT_EQ(to_int(Value::utf8("-0x10")), -16);
  EXPECT_EQ(to_int(Value::utf8("0")), 0);
  EXPECT_EQ(to_int(utf16(u"4624").as(ValueType::kUtf16)), 4624);
  EXPECT_EQ(to_int(Bytes{'7', '7', 0}.as(ValueType::kAnsi)), 77);
  EXPECT_EQ(to_int(Value::utf8("9223372036854775807")), INT64_MAX);
  EXPECT_EQ(to_int(Value::utf8("-9223372036854775808")), INT64_MIN);
  // Hex text is a bit pattern, like the binary hex types.
  EXPECT_EQ(to_int(Value::utf8("0x8020000000000000")), static_cast<int64_t>(0x8020000000000000ULL));
  EXPECT_EQ(to_int(Value::utf8("0xFFFFFFFFFFFFFFFF")), -1);
}

TEST(ValueToInt, Rejects) {
  for (const char* bad : {"", " ", "-", "+", "0x", "abc", "12abc", "1 2", "--1", "+-1", "0x-5",
                          "1.5", "9223372036854775808", "-9223372036854775809",
                          "18446744073709551615", "-18446744073709551615", "0x10000000000000000"}) {
    EXPECT_FALSE(to_int(Value::utf8(bad)).has_value()) << '"' << bad << '"';
  }
  EXPECT_FALSE(to_int(Value()).has_value());
  EXPECT_FALSE(to_int(kGuid.as(ValueType::kGuid)).has_value());
  EXPECT_FALSE(to_int(Bytes::of<uint64_t>({kFiletime}).as(ValueType::kFileTime)).has_value());
  EXPECT_FALSE(to_int(Bytes::of<int32_t>({1, 2}).as(ValueType::kInt32, true)).has_value());
  const Bytes two = {1, 0};
  EXPECT_FALSE(to_int(two.as(ValueType::kInt32)).has_value());
  EXPECT_FALSE(to_int(two.as(ValueType::kInt64)).has_value());
  EXPECT_FALSE(to_int(Value(nullptr, 0, static_cast<uint8_t>(ValueType::kInt8))).has_value());
  EXPECT_FALSE(to_int(two.as(ValueType::kSizeT)).has_value());
}

TEST(ValueToTimestamp, Forms) {
  const int64_t expected = 1'704'164'645LL * 10'000'000 + 1'234'567;
  EXPECT_EQ(to_timestamp(Bytes::of<uint64_t>({kFiletime}).as(ValueType::kFileTime))->ticks,
            expected);
  EXPECT_EQ(to_timestamp(systemtime(2024, 1, 2, 3, 4, 5, 123).as(ValueType::kSysTime))->ticks,
            expected - 4'567);
  EXPECT_EQ(to_timestamp(Value::utf8("2024-01-02T03:04:05.1234567Z"))->ticks, expected);
  EXPECT_EQ(to_timestamp(utf16(u"2024-01-02T04:04:05.1234567+01:00").as(ValueType::kUtf16))->ticks,
            expected);
  EXPECT_FALSE(to_timestamp(Value::utf8("yesterday")).has_value());
  EXPECT_FALSE(to_timestamp(Value::utf8("")).has_value());
  EXPECT_FALSE(to_timestamp(systemtime(2024, 0, 2, 3, 4, 5, 0).as(ValueType::kSysTime)));
  EXPECT_FALSE(to_timestamp(Bytes{1, 2, 3}.as(ValueType::kFileTime)).has_value());
  EXPECT_FALSE(to_timestamp(Bytes{1, 2, 3}.as(ValueType::kSysTime)).has_value());
  EXPECT_FALSE(to_timestamp(Bytes::of<uint64_t>({kFiletime}).as(ValueType::kFileTime, true)));
  EXPECT_FALSE(to_timestamp(Bytes::of<uint64_t>({kFiletime}).as(ValueType::kUInt64)));
}

TEST(Escaping, Json) {
  std::string out = "[";
  append_json_escaped(out, "plain");
  EXPECT_EQ(out, "[plain");
  const auto json = [](std::string_view s) {
    std::string o;
    append_json_escaped(o, s);
    return o;
  };
  EXPECT_EQ(json(""), "");
  EXPECT_EQ(json("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(json("\n\r\t\b\f"), "\\n\\r\\t\\b\\f");
  EXPECT_EQ(json(std::string_view("\0\x01\x1f", 3)), "\\u0000\\u0001\\u001f");
  EXPECT_EQ(json("\x7f/</script>"), "\x7f/</script>");
  EXPECT_EQ(json("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(json("C:\\Windows\\System32\n"), "C:\\\\Windows\\\\System32\\n");
}

TEST(Escaping, Xml) {
  const auto xml = [](std::string_view s, bool attribute) {
    std::string o;
    append_xml_escaped(o, s, attribute);
    return o;
  };
  EXPECT_EQ(xml("a<b>&c", false), "a&lt;b&gt;&amp;c");
  EXPECT_EQ(xml("say \"hi\" 'x'", false), "say \"hi\" 'x'");
  EXPECT_EQ(xml("say \"hi\" 'x'", true), "say &quot;hi&quot; &apos;x&apos;");
  EXPECT_EQ(xml("", true), "");
  EXPECT_EQ(xml("&&", true), "&amp;&amp;");
  std::string out = "<";
  append_xml_escaped(out, "plain", false);
  EXPECT_EQ(out, "<plain");
}

}  // namespace
}  // namespace vigil
