// The literal prefilter and the length shortcut for `.{N,}` regexes only
// skip work: with them and without them, every event matches exactly the
// same rules.

#include "prefilter.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <re2/re2.h>

#include "compiled.h"
#include "sigma_fixture.h"
#include "vigil/core/input.h"
#include "vigil/core/limits.h"
#include "vigil/core/utf.h"
#include "vigil/detect/logsource.h"
#include "vigil/read/evtx/evtx.h"
#include "vigil/read/evtx/scan.h"
#include "vigil/synth/generator.h"

namespace vigil::detect {
namespace {

namespace fs = std::filesystem;

// The first `bytes` bytes of v, least significant first: an integer field's
// raw value.
std::string little_endian(uint64_t v, size_t bytes) {
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<char>(v >> (8 * i));
  return out;
}

// Decoding and folding at once gives what decoding, then folding, gives:
// ASCII runs of every length around the eight-unit step, capitals, a
// non-ASCII character after them, a NUL, a lone surrogate.
TEST(Prefilter, Utf16FoldedAgreesWithDecodeThenFold) {
  std::vector<std::u16string> texts = {u"", u"A", u"C:\\Windows\\System32\\CMD.EXE", u"\u00c4RGER",
                                       u"abc\u0100DEF", u"ABC\0DEF", u"X\xd800Y", u"\u0416\u0416"};
  for (size_t n = 1; n <= 20; ++n) {
    std::u16string ascii;
    for (size_t i = 0; i < n; ++i) ascii.push_back(static_cast<char16_t>(i % 2 ? u'Q' : u'z'));
    texts.push_back(ascii);
    texts.push_back(ascii + u"\u00c9T\u00c9");
    texts.push_back(ascii + u"\0AB");
  }
  for (const std::u16string& text : texts) {
    std::vector<uint8_t> bytes;
    for (const char16_t c : text) {
      bytes.push_back(static_cast<uint8_t>(c & 0xff));
      bytes.push_back(static_cast<uint8_t>(c >> 8));
    }
    std::string utf8;
    append_utf16le_as_utf8(utf8, bytes.data(), text.size());
    std::string both = "prefix";
    append_utf16le_folded(both, bytes.data(), text.size());
    EXPECT_EQ(both, "prefix" + folded(utf8)) << utf8;
  }
}

TEST(Prefilter, LengthRegexAgreesWithRe2) {
  const std::vector<std::string> texts = {
      "",           "abc",          "abcdef",         "ab\ncdefgh",     "abcdefgh\nab",
      "\n\n\n",     "äöüäöü",       "äö\nüäöüx",      "a\xc3\xa4" "bcd", "abcd\n",
  };
  for (const char* source : {".{3,}", ".{6,}", "^.{6,}$", "^.{3,}$", ".{1,}"}) {
    for (const bool dot_all : {false, true}) {
      RE2::Options options;
      options.set_dot_nl(dot_all);
      RE2 re(source, options);
      ASSERT_TRUE(re.ok());
      std::string_view s(source);
      RegexLength rule;
      rule.whole = s.front() == '^';
      if (rule.whole) s = s.substr(1, s.size() - 2);
      rule.min_chars = static_cast<uint32_t>(std::stoul(std::string(s.substr(2))));
      rule.dot_all = dot_all;
      for (const std::string& text : texts) {
        EXPECT_EQ(length_match(rule, text), RE2::PartialMatch(text, re))
            << source << (dot_all ? " (s)" : "") << " on '" << text << "'";
      }
    }
  }
}

// (A1 and A2) or B needs A1 or B, and A2 or B: an event that meets only
// one of them is not evaluated at all. Results stay those of the rule.
TEST(Prefilter, OrOfAndsNeedsEveryOperandsClause) {
  testing::SigmaFixture f;
  f.compile_ok(
      testing::rule_yaml("    selection_tool:\n"
                         "        Image|contains: '\\edr-freeze'\n"
                         "        CommandLine|contains: 'frozen-target'\n"
                         "    selection_hash:\n"
                         "        Hashes|contains: 'IMPHASH=1195F7935954A2CD'\n"
                         "    condition: 1 of selection_*\n"));
  EXPECT_FALSE(f.matches({{"Image", "c:\\tools\\x.exe"}, {"CommandLine", "x frozen-target"}}));
  EXPECT_FALSE(f.matches({{"Image", "c:\\tools\\edr-freeze.exe"}, {"CommandLine", "x"}}));
  EXPECT_EQ(f.counters().candidates, 0u);
  EXPECT_TRUE(
      f.matches({{"Image", "c:\\tools\\edr-freeze.exe"}, {"CommandLine", "frozen-target"}}));
  EXPECT_TRUE(f.matches({{"Hashes", "SHA1=00,IMPHASH=1195F7935954A2CDAA"}}));
  EXPECT_EQ(f.counters().candidates, 2u);
}

// An unquoted integer equals an integer-typed value of that number whatever
// its text spells (0x00010010 for a hex type), and no other number.
TEST(Prefilter, IntegerLookupTriesTheDecimalOfHexText) {
  testing::SigmaFixture f;
  // The second selection gives the rule set a scan database, without which
  // the prefilter is not used at all.
  f.compile_ok(
      testing::rule_yaml("    selection:\n        AccessMask: 65552\n"
                         "    other:\n        CommandLine|contains: 'unrelated-tool'\n"
                         "    condition: selection or other\n"));
  const std::pair<ValueType, size_t> types[] = {
      {ValueType::kHexInt32, 4}, {ValueType::kHexInt64, 8}, {ValueType::kSizeT, 8},
      {ValueType::kSizeT, 4},    {ValueType::kUInt32, 4},   {ValueType::kInt64, 8},
      {ValueType::kUInt64, 8}};
  for (const auto& [type, bytes] : types) {
    f.event({});
    f.add_raw("AccessMask", type, little_endian(65552, bytes));
    EXPECT_TRUE(f.matches_current()) << static_cast<int>(type) << " of " << bytes << " bytes";
    f.event({});
    f.add_raw("AccessMask", type, little_endian(65553, bytes));
    EXPECT_FALSE(f.matches_current()) << static_cast<int>(type) << " of " << bytes << " bytes";
  }
  // The other number's events never ran the rule: the lookup anchors it.
  EXPECT_EQ(f.counters().candidates, std::size(types));
}

// The scan memo replays what scanning a value reported: whatever values
// repeat, collide in its table, exceed its size bound or differ only in
// case, every event matches as the rule says.
TEST(Prefilter, ScanMemoGivesWhatScanningGives) {
  testing::SigmaFixture f;
  f.compile_ok(
      testing::rule_yaml("    selection_cmd:\n"
                         "        CommandLine|contains: 'needle'\n"
                         "        Image|endswith: '\\tool.exe'\n"
                         "    selection_parent:\n"
                         "        ParentImage|contains: 'launcher'\n"
                         "    condition: 1 of selection_*\n"));
  const std::string long_tail(limits::kSigmaScanMemoMaxValueBytes, 'x');
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < 3 * limits::kSigmaScanMemoSlots; ++i) {
      const std::string n = std::to_string(i);
      std::string command = "run " + n;
      if (i % 3 == 0) command += i % 2 ? " NEEDLE" : " needle";
      if (i % 5 == 0) command += long_tail;
      const std::string image = i % 7 == 0 ? "c:\\x\\other.exe" : "C:\\X\\TOOL.EXE";
      const std::string parent = i % 11 == 0 ? "c:\\launcher" + n + ".exe" : "c:\\p" + n;
      const bool expected = (i % 3 == 0 && i % 7 != 0) || i % 11 == 0;
      ASSERT_EQ(f.matches({{"CommandLine", command}, {"Image", image}, {"ParentImage", parent}}),
                expected)
          << "round " << round << " value " << i;
    }
  }
}

// A regex that needs two atoms is gated by the longer one alone: a text
// holding only the common one (".exe") is not evaluated.
TEST(Prefilter, RegexGatedByItsLongestRequiredAtom) {
  testing::SigmaFixture f;
  f.compile_ok(testing::rule_yaml(
      "    selection:\n"
      "        CommandLine|re: '(?i)\\.exe\\s+[^\"]{0,64}werfaultsecure\\.exe\\s+\\d{2,10}'\n"
      "    condition: selection\n"));
  EXPECT_FALSE(f.matches({{"CommandLine", "c:\\windows\\notepad.exe x.txt"}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "notepad.exe c:\\werfaultsecure.exe"}}));
  EXPECT_EQ(f.counters().candidates, 1u);  // the second holds both atoms
  EXPECT_TRUE(f.matches({{"CommandLine", "wsass.EXE C:\\x\\WerFaultSecure.exe 612"}}));
  EXPECT_EQ(f.counters().candidates, 2u);
}

// A regex no literal anchors is scanned for as a prefilter of its own: an
// instance needing it runs only on a text the prefilter matches. The scan
// reads the folded text, so a cased regex still matches capitals; outside
// ASCII it cannot say no, and RE2 decides.
TEST(Prefilter, RegexWithoutLiteralsAnchorsOnItsPrefilter) {
  testing::SigmaFixture f;
  f.compile_ok(
      testing::rule_yaml("    selection:\n"
                         "        - CommandLine|re: '\\w+`(?:\\w+|-|.)`[\\w+|\\s]'\n"
                         "        - CommandLine|re: '\\s[A-F0-9]{64}\\s[A-F0-9]{16}'\n"
                         "        - CommandLine|re: '^x.y$'\n"
                         "    condition: selection\n"));
  std::string hex_args = "jpsetup.exe ";
  hex_args.append(64, 'C').append(" ").append(16, 'F');
  EXPECT_FALSE(f.matches({{"CommandLine", "powershell -nop -c whoami"}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "setup.exe " + std::string(63, 'A') + " 0"}}));
  EXPECT_EQ(f.counters().candidates, 0u);
  EXPECT_TRUE(f.matches({{"CommandLine", "IN`V`o`Ke-eXp`ResSIOn x"}}));
  EXPECT_TRUE(f.matches({{"CommandLine", hex_args}}));
  EXPECT_EQ(f.counters().candidates, 2u);
  // The prefilter, caseless, lets the lower-case digits through; RE2 does not.
  EXPECT_FALSE(f.matches({{"CommandLine", folded(hex_args)}}));
  EXPECT_EQ(f.counters().candidates, 3u);
  // RE2's `.` is one code point, Vectorscan's one byte: outside ASCII the
  // prefilter is not asked.
  EXPECT_TRUE(f.matches({{"CommandLine", "x\xc3\xa9y"}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "\xc3\xa9 plain"}}));
  EXPECT_EQ(f.counters().candidates, 5u);
  EXPECT_FALSE(f.matches({{"Image", "IN`V`o`Ke"}}));  // another field
  EXPECT_EQ(f.counters().candidates, 5u);
}

// A regex that makes part of itself cased again cannot be read in the
// folded text: its rule is not anchored by it, and matches as RE2 says.
TEST(Prefilter, RegexClearingCaselessnessIsLeftToRe2) {
  testing::SigmaFixture f;
  f.compile_ok(
      testing::rule_yaml("    selection:\n"
                         "        CommandLine|re: '(?i)x(?-i:Q)z'\n"
                         "    condition: selection\n"));
  EXPECT_FALSE(f.matches({{"CommandLine", "a xqz b"}}));
  EXPECT_EQ(f.counters().candidates, 1u);
  EXPECT_TRUE(f.matches({{"CommandLine", "a XQZ b"}}));
}

// Regexes Vectorscan refuses (RE2's ungreedy flag) are left out of the
// database, their ids counted as always found. An end anchor, which the
// padded scans would hide, is dropped from the pattern Vectorscan gets
// (a superset, which is all a prefilter needs), so `a$b` is scanned.
TEST(Prefilter, RegexPrefiltersSetAsideWhatVectorscanRefuses) {
  const RE2 backtick("\\w`\\w");
  const RE2 ungreedy("(?U)ab*");
  const RE2 also_ungreedy("(?U)x+y");
  const RE2 anchored("a$b");
  std::vector<const RE2*> regexes{&ungreedy, &backtick, &anchored};
  ASSERT_TRUE(ungreedy.ok() && also_ungreedy.ok() && anchored.ok());
  const std::vector<uint32_t> ids{7, 8, 9};
  std::vector<uint32_t> unscanned;
  HsDatabase db = compile_regex_prefilters(regexes, ids, unscanned);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(unscanned, (std::vector<uint32_t>{7}));
  unscanned.clear();
  std::vector<const RE2*> refused{&ungreedy, &also_ungreedy};
  EXPECT_EQ(compile_regex_prefilters(refused, std::vector<uint32_t>{1, 2}, unscanned), nullptr);
  EXPECT_EQ(unscanned, (std::vector<uint32_t>{1, 2}));
}

// End-anchored regexes keep their prefilter and match exactly at the end of
// texts long and short.
TEST(Prefilter, EndAnchoredRegexesMatchAtTheEnd) {
  testing::SigmaFixture f;
  f.compile_ok(
      testing::rule_yaml("    selection:\n"
                         "        - CommandLine|re: '\\s[a-f0-9]{8}$'\n"
                         "        - Image|re: '(?i)\\\\[a-z]{5}\\.exe\\z'\n"
                         "    condition: selection\n"));
  for (const size_t length : {0u, 10u, 60u, 70u, 200u}) {
    const std::string head(length, '.');
    EXPECT_TRUE(f.matches({{"CommandLine", head + " deadbeef"}})) << length;
    EXPECT_FALSE(f.matches({{"CommandLine", head + " deadbeef x"}})) << length;
    EXPECT_TRUE(f.matches({{"Image", head + "\\EVILX.exe"}})) << length;
    EXPECT_FALSE(f.matches({{"Image", head + "\\evilx.exe."}})) << length;
  }
}

// A rule file cannot make compiling take long through regex prefilters:
// past the per-rule-set bound, a regex no literal anchors is left to RE2 on
// every event of its source again, and still matches.
TEST(Prefilter, RegexPrefiltersAreBoundedPerRuleSet) {
  const size_t bound = limits::kSigmaRegexPrefiltersPerRuleSet;
  for (const size_t count : {bound, bound + 1}) {
    std::string detection = "    selection:\n";
    for (size_t i = 0; i < count; ++i) {
      detection += "        - CommandLine|re: 'p\\d+" + std::to_string(i) + "'\n";
    }
    detection += "    condition: selection\n";
    testing::SigmaFixture f;
    f.compile_ok(testing::rule_yaml(detection));
    EXPECT_FALSE(f.matches({{"CommandLine", "nothing here"}}));
    EXPECT_EQ(f.counters().candidates, count > bound ? 1u : 0u) << count;
    EXPECT_TRUE(f.matches({{"CommandLine", "x p12" + std::to_string(count - 1)}})) << count;
  }
}

// Keyword values are scanned for once per event in every field's folded
// text joined by NULs: a keyword rule runs only on an event holding one,
// and a keyword split between two fields is not found.
TEST(Prefilter, KeywordsAnchorTheirRule) {
  testing::SigmaFixture f;
  f.compile_ok(
      testing::rule_yaml("    keywords:\n"
                         "        - 'sekurlsa::'\n"
                         "        - 'mimidrv.sys'\n"
                         "    filter:\n"
                         "        EventID: 15\n"
                         "    condition: keywords and not filter\n"));
  EXPECT_FALSE(f.matches({{"CommandLine", "whoami /all"}, {"Image", "c:\\whoami.exe"}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "x seku"}, {"Image", "rlsa::y"}}));
  EXPECT_EQ(f.counters().candidates, 0u);
  EXPECT_TRUE(f.matches({{"Image", "c:\\m.exe"}, {"CommandLine", "m SEKURLSA::logonpasswords"}}));
  EXPECT_TRUE(f.matches({{"TargetFilename", "C:\\Windows\\MimiDrv.sys"}}));
  EXPECT_FALSE(f.matches({{"EventID", "15"}, {"Contents", "mimidrv.sys"}}));
  EXPECT_EQ(f.counters().candidates, 3u);
}

// A rule document whose detection is a keyword list: `logsource` is its
// logsource lines after `product: windows`.
std::string keyword_rule(int number, const std::string& logsource,
                         std::initializer_list<const char*> keywords) {
  std::string yaml = "title: Keyword rule " + std::to_string(number) +
                     "\nid: 00000000-0000-4000-8000-00000000000" + std::to_string(number) +
                     "\nlogsource:\n    product: windows\n" + logsource +
                     "detection:\n    keywords:\n";
  for (const char* keyword : keywords) yaml += "        - '" + std::string(keyword) + "'\n";
  return yaml + "    condition: keywords\n";
}

// Debian 12's Vectorscan misses some occurrences of a 1- or 2-byte literal
// compiled beside others, by where the text lies in memory (prefilter.h):
// such literals must be found by evaluation, wherever they lie.
TEST(Prefilter, ShortLiteralsAreFoundWhereverTheyLie) {
  testing::SigmaFixture f;
  f.compile_ok(
      testing::rule_yaml("    selection:\n"
                         "        CommandLine|contains: ['ca', 'ccbb', 'bcbcc', 'aaaba']\n"
                         "    condition: selection\n"));
  testing::SigmaFixture k;
  k.compile_ok(keyword_rule(1, "", {"b", "bb", "ba", "babb"}));
  size_t missed = 0, keyword_missed = 0;
  for (size_t length = 2; length <= 160; ++length) {
    for (size_t at = 0; at + 2 <= length; ++at) {
      std::string value(length, '.');
      value.replace(at, 2, "ca");
      missed += f.matches({{"CommandLine", value}}) ? 0 : 1;
      value.replace(at, 2, ".b");
      keyword_missed += k.matches({{"CommandLine", value}}) ? 0 : 1;
    }
  }
  // A text where Vectorscan 5.4.9 was seen to miss 'ca' when it started 62
  // or 63 bytes past a 64-byte boundary, at each of those 64 starts.
  const std::string_view seen_missed =
      "ydy...a.d..ydbzby.ydzbxzd...xd.axd.d.z.bxzzzyb..abdzayxdxab.d..za.aadzbycyc.z..z..caxxd.xc.";
  alignas(64) char memory[256];
  for (size_t start = 0; start < 64; ++start) {
    // A matcher of its own each time: a matcher scans a text it has seen
    // only once.
    testing::SigmaFixture g;
    g.compile_ok(
        testing::rule_yaml("    selection:\n"
                           "        CommandLine|contains: ['ca', 'ccbb', 'bcbcc']\n"
                           "    condition: selection\n"));
    std::fill(std::begin(memory), std::end(memory), 'z');
    std::copy(seen_missed.begin(), seen_missed.end(), memory + start);
    Event& event = g.event({});
    event.add(g.names().intern("CommandLine"),
              Value::utf8(std::string_view(memory + start, seen_missed.size())));
    missed += g.matches_current() ? 0 : 1;
  }
  EXPECT_EQ(missed, 0u);
  EXPECT_EQ(keyword_missed, 0u);
}

// Debian 12's Vectorscan misses some matches that end a few bytes before
// the end of a text of 66 bytes or more (matcher.cc, Scratch::scan_padded):
// literals and regexes must be found wherever they end, at every start in
// memory.
TEST(Prefilter, MatchesNearTheEndOfLongTextsAreFound) {
  testing::SigmaFixture literals;
  literals.compile_ok(
      testing::rule_yaml("    selection:\n"
                         "        CommandLine|contains: ['mimikatz', 'sekurlsa']\n"
                         "    condition: selection\n"));
  testing::SigmaFixture regex;
  regex.compile_ok(
      testing::rule_yaml("    selection:\n"
                         "        CommandLine|re: '[a-z]{4}k[a-z]{3}'\n"
                         "    condition: selection\n"));
  alignas(64) char memory[320];
  size_t tried = 0, literal_missed = 0, regex_missed = 0;
  for (size_t length = 66; length <= 220; length += 7) {
    for (size_t gap = 0; gap <= 32; ++gap) {
      for (size_t start = 0; start < 64; start += 5) {
        std::fill(std::begin(memory), std::end(memory), '.');
        std::copy_n("mimikatz", 8, memory + start + length - gap - 8);
        const std::string_view text(memory + start, length);
        for (testing::SigmaFixture* f : {&literals, &regex}) {
          Event& event = f->event({});
          event.add(f->names().intern("CommandLine"), Value::utf8(text));
          const bool found = f->matches_current();
          (f == &literals ? literal_missed : regex_missed) += found ? 0 : 1;
        }
        ++tried;
      }
    }
  }
  EXPECT_GT(tried, 5000u);
  EXPECT_EQ(literal_missed, 0u);
  EXPECT_EQ(regex_missed, 0u);
}

// Keyword rules of two gates an event meets: each gets the keywords it
// asked for, and a keyword a number could spell is found in an
// integer-typed field too.
TEST(Prefilter, KeywordRulesOfSeveralGates) {
  testing::SigmaFixture f;
  f.compile_ok(keyword_rule(1, "", {"sekurlsa::"}) + "---\n" +
               keyword_rule(2, "    category: process_creation\n", {"\\perfc.dat", "31337"}));
  ASSERT_EQ(f.set().size(), 2u);
  const auto rules_of = [&](std::vector<std::pair<std::string, std::string>> fields,
                            uint32_t number = 0) {
    f.event(std::move(fields));
    if (number != 0) {
      f.add_raw("ProcessId", ValueType::kUInt32, little_endian(number, 4));
    }
    return f.match(f.event_ref());
  };
  EXPECT_EQ(rules_of({{"CommandLine", "m SEKURLSA::x"}}), (std::vector<uint32_t>{0}));
  EXPECT_EQ(rules_of({{"CommandLine", "rundll32 C:\\Windows\\perfc.dat,#1"}}),
            (std::vector<uint32_t>{1}));
  EXPECT_EQ(rules_of({{"Image", "c:\\perfc.dat"}, {"CommandLine", "sekurlsa::"}}),
            (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(rules_of({{"CommandLine", "pid"}}, 31337), (std::vector<uint32_t>{1}));
  EXPECT_EQ(rules_of({{"CommandLine", "pid"}}, 31338), (std::vector<uint32_t>{}));
}

// Keyword literals of several gates are scanned for in one database per
// joined text: a literal two gates share reaches both, and each gate's
// rules see only the keywords they asked for.
TEST(Prefilter, KeywordUnionGivesEachGateItsOwn) {
  testing::SigmaFixture f;
  CompileOptions options;
  options.resolver = mapping_resolver(LogsourceMapping::builtin());
  f.compile_ok(
      keyword_rule(1, "", {"sekurlsa::", "perfc.dat"}) + "---\n" +
          keyword_rule(2, "    category: process_creation\n", {"perfc.dat", "mimidrv.sys"}) +
          "---\n" + keyword_rule(3, "    service: security\n", {"esx admins"}),
      std::move(options));
  ASSERT_EQ(f.set().size(), 3u);
  // One database for the Windows gates' string-field keywords; the literal
  // both of the first two rules hold is in it once, with its holders.
  ASSERT_EQ(f.set().impl().keyword_unions.size(), 1u);
  const KeywordUnion& strings = f.set().impl().keyword_unions[0];
  ASSERT_NE(strings.db, nullptr);
  EXPECT_TRUE(strings.strings_only);
  EXPECT_EQ(strings.target_first.size(), 5u);  // four distinct literals
  // perfc.dat: the Windows-wide gate and the process_creation gates of
  // Sysmon 1 and Security 4688; mimidrv.sys: those two; one each for the rest.
  EXPECT_EQ(strings.targets.size(), 7u);
  const auto rules_of = [&](std::vector<std::pair<std::string, std::string>> fields) {
    return f.match(f.event(std::move(fields)));
  };
  const std::string sysmon = "Microsoft-Windows-Sysmon/Operational";
  EXPECT_EQ(
      rules_of({{"Channel", sysmon}, {"EventID", "1"}, {"CommandLine", "rundll32 PERFC.DAT,#1"}}),
      (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(rules_of({{"Channel", sysmon}, {"EventID", "1"}, {"CommandLine", "x mimidrv.sys"}}),
            (std::vector<uint32_t>{1}));
  EXPECT_EQ(
      rules_of({{"Channel", sysmon}, {"EventID", "1"}, {"CommandLine", "sekurlsa:: esx admins"}}),
      (std::vector<uint32_t>{0}));
  EXPECT_EQ(
      rules_of({{"Channel", "Security"}, {"EventID", "4732"}, {"TargetUserName", "ESX Admins"}}),
      (std::vector<uint32_t>{2}));
  EXPECT_EQ(
      rules_of({{"Channel", "Security"}, {"EventID", "4732"}, {"TargetUserName", "perfc.dat"}}),
      (std::vector<uint32_t>{0}));
  EXPECT_EQ(
      rules_of({{"Channel", "Security"}, {"EventID", "4732"}, {"TargetUserName", "mimidrv.sys"}}),
      (std::vector<uint32_t>{}));
  // Gates number their literals from 0 each: another gate's literal must
  // not pass for one of the Security gates' own (which would only run a
  // rule for nothing, as evaluating it tells the truth).
  const std::string security = "Security";
  const uint64_t candidates_before = f.counters().candidates;
  EXPECT_EQ(rules_of({{"Channel", security}, {"EventID", "4688"}, {"CommandLine", "sekurlsa::"}}),
            (std::vector<uint32_t>{0}));
  EXPECT_EQ(f.counters().candidates - candidates_before, 1u);
  EXPECT_EQ(rules_of({{"Channel", security}, {"EventID", "4688"}, {"CommandLine", "perfc.dat"}}),
            (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(rules_of({{"Channel", security}, {"EventID", "4688"}, {"CommandLine", "mimidrv.sys"}}),
            (std::vector<uint32_t>{1}));
  EXPECT_EQ(rules_of({{"Channel", "Security"}, {"EventID", "4732"}, {"TargetUserName", "bob"}}),
            (std::vector<uint32_t>{}));
}

// A regex's Vectorscan pre-check may only say "no" where RE2 says no, on
// the texts it is used for (pure ASCII): anchors before a final newline,
// case folding, dot and newline, classes, repeats RE2 bounds.
TEST(Prefilter, RegexPrecheckNeverHidesAnRe2Match) {
  const std::vector<std::string> texts = {
      "",
      "\n",
      "abc",
      "ABC\n",
      "x abc\ndef",
      "powershell -enc SQBFAFgA",
      "C:\\Windows\\System32\\cmd.exe /c whoami",
      " 0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDEF",
      "`i`e`x` (new-object net.webclient)",
      "a\tb\x0b"
      "c",
      "${env:path}",
  };
  const std::vector<std::string> patterns = {
      "abc$",         "^abc$",
      "(?m)^def$",    "a.c",
      "x.abc.d",      "\\s[a-f0-9]{64}",
      "[a-z]`[a-z]",  "\\$\\{env:[a-z]+\\}",
      "b\\sc",        "\\\\[a-zA-Z0-9]{1,32}\\.",
      "^$",           "(?i)POWERSHELL.*-e[nc]*\\s",
      "\\bwhoami\\b", "[^a-z]{3}",
      "(?s)abc.def",  "x{0}",
      "a|",
  };
  size_t built = 0;
  for (const std::string& pattern : patterns) {
    for (const bool caseless : {false, true}) {
      for (const bool dot_nl : {false, true}) {
        RE2::Options options;
        options.set_case_sensitive(!caseless);
        options.set_dot_nl(dot_nl);
        RE2 re(pattern, options);
        ASSERT_TRUE(re.ok()) << pattern;
        const HsDatabase db = compile_regex_precheck(re);
        if (db == nullptr) continue;
        ++built;
        hs_scratch_t* scratch = nullptr;
        ASSERT_EQ(hs_alloc_scratch(db.get(), &scratch), HS_SUCCESS);
        for (const std::string& text : texts) {
          bool found = false;
          const hs_error_t r = hs_scan(
              db.get(), text.data(), static_cast<unsigned>(text.size()), 0, scratch,
              [](unsigned, unsigned long long, unsigned long long, unsigned, void* context) {
                *static_cast<bool*>(context) = true;
                return 1;
              },
              &found);
          const bool precheck_says_no = r == HS_SUCCESS && !found;
          if (precheck_says_no) {
            EXPECT_FALSE(RE2::PartialMatch(text, re))
                << pattern << (caseless ? " (i)" : "") << (dot_nl ? " (s)" : "") << " on '" << text
                << "'";
          }
        }
        hs_free_scratch(scratch);
      }
    }
  }
  EXPECT_GT(built, patterns.size());  // most qualify
  // A character RE2 reads as one atom and Vectorscan as two bytes, and
  // escapes that could stand for such a character, keep RE2 alone; so do
  // patterns whose counted repetitions would make Vectorscan compile long.
  for (const char* pattern :
       {"ab\xc3\xa9?c", "ab\\x{e9}?c", "ab\\xe9?c", "\\pL", "ab\\351?c", "\\Qa.b\\E", "a\\Cb",
        "[^\"]{0,1000}x[^\"]{0,1000}y", "a{65}", "a{1}b{1}c{1}d{1}e{1}"}) {
    RE2 re(pattern);
    ASSERT_TRUE(re.ok()) << pattern;
    EXPECT_EQ(compile_regex_precheck(re), nullptr) << pattern;
  }
}

// Every rule of the shared SigmaHQ set, compiled with and without the
// prefilter, over the shared EVTX corpus and generated Security and Sysmon
// events: the same matches for every event.
TEST(Prefilter, SameMatchesWithAndWithoutOnSigmaHq) {
  const std::string root = std::string(VIGIL_SHARED_DIR) + "/corpus";
  if (!fs::exists(root + "/sigma/rules")) GTEST_SKIP() << root << "/sigma is absent";
  std::vector<std::string> paths;
  for (const char* folder : {"rules", "rules-emerging-threats", "rules-threat-hunting",
                             "rules-compliance"}) {
    paths.push_back(root + "/sigma/" + folder);
  }
  FieldNames names;
  std::vector<Diagnostic> diagnostics;
  CompileOptions with;
  with.resolver = mapping_resolver(LogsourceMapping::builtin());
  CompileOptions without = with;
  without.literal_prefilter = false;
  auto fast = RuleSet::compile(load_rules(paths), names, with, diagnostics);
  auto slow = RuleSet::compile(load_rules(paths), names, without, diagnostics);
  ASSERT_GT(fast->size(), 3000u);
  Matcher fast_matcher(*fast);
  Matcher slow_matcher(*slow);

  std::vector<std::string> inputs;
  std::vector<Error> errors;
  const std::vector<std::string> corpus{root + "/evtx"};
  for (const std::string& f : expand_inputs(corpus, errors)) inputs.push_back(f);
  // Generated events reach rules the real samples do not (long PowerShell
  // command lines, many process creations).
  const std::string generated = ::testing::TempDir() + "/prefilter_generated.evtx";
  for (const auto kind : {synth::Kind::kSysmon, synth::Kind::kSecurity}) {
    const std::string path = generated + (kind == synth::Kind::kSysmon ? ".sysmon" : ".security");
    synth::FileOptions options;
    options.kind = kind;
    options.seed = 7;
    options.records = 3000;
    ASSERT_TRUE(synth::write_file(path, options).ok());
    inputs.push_back(path);
  }
  std::vector<evtx::EvtxInput> planned;
  for (const std::string& f : inputs) {
    auto in = evtx::plan_input(f);
    if (in.ok()) planned.push_back(std::move(in.value()));
  }
  evtx::EventBuilder builder(names);
  Event event;
  uint64_t events = 0;
  uint64_t matches = 0;
  uint64_t differences = 0;
  evtx::scan<int>(
      planned, 1, {},
      [&](const evtx::Record& record, const evtx::ChunkNames& chunk_names, uint32_t, unsigned,
          int&) {
        event.clear();
        if (!builder.build(record, chunk_names, 0, event)) return;
        ++events;
        const auto a = fast_matcher.match(event);
        const std::vector<uint32_t> got(a.begin(), a.end());
        const auto b = slow_matcher.match(event);
        const std::vector<uint32_t> want(b.begin(), b.end());
        matches += want.size();
        if (got != want && ++differences <= 10) {
          ADD_FAILURE() << "record " << record.record_id << ": " << got.size()
                        << " matches with the prefilter, " << want.size() << " without";
        }
      },
      [](int&) {}, [](const evtx::ScanSlot<int>&) {});
  EXPECT_EQ(differences, 0u);
  EXPECT_GT(events, 30000u);
  EXPECT_GT(matches, 1000u);
  std::printf("prefilter: %llu events, %llu matches, %llu differences\n",
              static_cast<unsigned long long>(events), static_cast<unsigned long long>(matches),
              static_cast<unsigned long long>(differences));
}

}  // namespace
}  // namespace vigil::detect
