// Every value modifier of the specification's appendix, alone and chained.

#include "sigma_fixture.h"
#include "vigil/core/limits.h"
#include "vigil/detect/placeholders.h"

namespace vigil::detect {
namespace {

using testing::rule_yaml;
using testing::SigmaFixture;

std::string one(const std::string& key, const std::string& value) {
  return rule_yaml("    selection:\n        " + key + ": " + value + "\n    condition: selection\n");
}

std::string list(const std::string& key, std::initializer_list<std::string> values) {
  std::string out = "    selection:\n        " + key + ":\n";
  for (const std::string& v : values) out += "            - " + v + "\n";
  out += "    condition: selection\n";
  return rule_yaml(out);
}

TEST(SigmaModifiers, ContainsStartswithEndswith) {
  SigmaFixture f;
  f.compile_ok(one("CommandLine|contains", "'whoami'"));
  EXPECT_TRUE(f.matches({{"CommandLine", "cmd /c WHOAMI /all"}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "who ami"}}));
  f.compile_ok(one("Image|startswith", "'C:\\Temp\\'"));
  EXPECT_TRUE(f.matches({{"Image", "c:\\temp\\x.exe"}}));
  EXPECT_FALSE(f.matches({{"Image", "d:\\c:\\temp\\x.exe"}}));
  f.compile_ok(one("Image|endswith", "'\\cmd.exe'"));
  EXPECT_TRUE(f.matches({{"Image", "C:\\Windows\\System32\\CMD.EXE"}}));
  EXPECT_FALSE(f.matches({{"Image", "C:\\cmd.exe.old"}}));
}

TEST(SigmaModifiers, ListIsOrAllIsAnd) {
  SigmaFixture f;
  f.compile_ok(list("CommandLine|contains", {"'-enc'", "'-e '"}));
  EXPECT_TRUE(f.matches({{"CommandLine", "powershell -e abc"}}));
  f.compile_ok(list("CommandLine|contains|all", {"'-nop'", "'hidden'"}));
  EXPECT_FALSE(f.matches({{"CommandLine", "powershell -nop"}}));
  EXPECT_TRUE(f.matches({{"CommandLine", "powershell -w hidden -nop"}}));
}

TEST(SigmaModifiers, AllOnSingleValueWarns) {
  SigmaFixture f;
  f.compile_ok(one("CommandLine|contains|all", "'x'"));
  ASSERT_FALSE(f.diagnostics().empty());
  EXPECT_EQ(f.diagnostics()[0].severity, Severity::kWarning);
}

TEST(SigmaModifiers, Exists) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    selection:\n        EventID: 4738\n        PasswordLastSet|exists: true\n"
                         "    condition: selection\n"));
  EXPECT_TRUE(f.matches({{"EventID", "4738"}, {"PasswordLastSet", ""}}));
  EXPECT_FALSE(f.matches({{"EventID", "4738"}}));
  f.compile_ok(one("PasswordLastSet|exists", "false"));
  EXPECT_TRUE(f.matches({{"EventID", "4738"}}));
  EXPECT_FALSE(f.matches({{"PasswordLastSet", "x"}}));
  EXPECT_EQ(f.compile(one("PasswordLastSet|exists", "'maybe'")), 1u);
}

TEST(SigmaModifiers, Cased) {
  SigmaFixture f;
  f.compile_ok(one("CommandLine|contains|cased", "'FromBase64'"));
  EXPECT_TRUE(f.matches({{"CommandLine", "[Convert]::FromBase64String"}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "[convert]::frombase64string"}}));
}

TEST(SigmaModifiers, Neq) {
  SigmaFixture f;
  f.compile_ok(one("User|neq", "'SYSTEM'"));
  EXPECT_TRUE(f.matches({{"User", "alice"}}));
  EXPECT_FALSE(f.matches({{"User", "system"}}));
  EXPECT_FALSE(f.matches({{"Other", "x"}}));  // an absent field is not "different"
  f.compile_ok(list("User|neq", {"'SYSTEM'", "'LOCAL SERVICE'"}));
  EXPECT_TRUE(f.matches({{"User", "alice"}}));
  EXPECT_FALSE(f.matches({{"User", "local service"}}));
  f.compile_ok(one("Port|neq", "443"));
  EXPECT_TRUE(f.matches({{"Port", "80"}}));
  EXPECT_FALSE(f.matches({{"Port", "443"}}));
}

TEST(SigmaModifiers, WindashEveryDash) {
  SigmaFixture f;
  f.compile_ok(one("CommandLine|contains|windash", "' -enc '"));
  for (const char* dash : {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"}) {
    EXPECT_TRUE(f.matches({{"CommandLine", std::string("powershell ") + dash + "enc abc"}})) << dash;
  }
  EXPECT_FALSE(f.matches({{"CommandLine", "powershell +enc abc"}}));
  // Both dashes of a value vary independently.
  f.compile_ok(one("CommandLine|contains|windash", "'-a -b'"));
  EXPECT_TRUE(f.matches({{"CommandLine", "x /a \xE2\x80\x94" "b"}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "x /a b"}}));
}

TEST(SigmaModifiers, WindashManyDashesUsesOnePattern) {
  // 5^8 permutations would be 390625 values; the dash class keeps it at one.
  SigmaFixture f;
  f.compile_ok(one("CommandLine|contains|windash", "'-a -b -c -d -e -f -g -h'"));
  EXPECT_TRUE(f.matches({{"CommandLine", "x /a -b /c \xE2\x80\x93" "d -e /f -g /h y"}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "x /a -b /c d -e /f -g /h y"}}));
  EXPECT_LE(f.set().stats().patterns, 2u);
}

TEST(SigmaModifiers, WindashEndswith) {
  SigmaFixture f;
  f.compile_ok(one("CommandLine|endswith|windash", "' -s'"));
  EXPECT_TRUE(f.matches({{"CommandLine", "tool /s"}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "tool /s x"}}));
}

TEST(SigmaModifiers, Regex) {
  SigmaFixture f;
  f.compile_ok(one("CommandLine|re", "'\\s-e(nc)?\\s'"));
  EXPECT_TRUE(f.matches({{"CommandLine", "powershell -enc AAA"}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "powershell -ENC AAA"}}));  // case-sensitive by default
  f.compile_ok(one("CommandLine|re|i", "'\\s-e(nc)?\\s'"));
  EXPECT_TRUE(f.matches({{"CommandLine", "powershell -ENC AAA"}}));
}

// A regex that matches the empty text matches an empty value, also the
// second time (the matcher remembers what each value's scan found).
TEST(SigmaModifiers, RegexMatchingNothingMatchesAnEmptyValue) {
  SigmaFixture f;
  for (const char* regex : {"'^$'", "'.*'", "'x*'", "'^x?$'"}) {
    f.compile_ok(one("CommandLine|re", regex));
    EXPECT_TRUE(f.matches({{"CommandLine", ""}})) << regex;
    EXPECT_TRUE(f.matches({{"CommandLine", ""}})) << regex;
    EXPECT_FALSE(f.matches({{"Image", ""}})) << regex;
  }
  f.compile_ok(one("CommandLine|re", "'^$'"));
  EXPECT_FALSE(f.matches({{"CommandLine", "x"}}));
}

// RE2 folds k and s with the Kelvin sign and the long s; the literal
// prefilter, which takes "kerberos" from the regex, must not hide the match.
TEST(SigmaModifiers, RegexCaselessKelvinSignAndLongS) {
  SigmaFixture f;
  f.compile_ok(one("CommandLine|re|i", "'kerberos'"));
  EXPECT_TRUE(f.matches({{"CommandLine", "ask \xe2\x84\xaa" "erberos"}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "ask kerbero"}}));
  f.compile_ok(one("CommandLine|re", "'(?i)system32'"));
  EXPECT_TRUE(f.matches({{"CommandLine", "c:\\windows\\\xc5\xbf" "ystem32"}}));
}

// A regex run often gets a Vectorscan pre-check (after
// kSigmaRegexPrecheckAfterUses runs): the answers stay RE2's, on ASCII
// texts it screens and on the non-ASCII ones it leaves to RE2.
TEST(SigmaModifiers, RegexAnswersStayTheSameOnceRunOften) {
  SigmaFixture f;
  f.compile_ok(one("CommandLine|re", "'\\s[a-f0-9]{8}\\b'"));
  SigmaFixture caseless;
  caseless.compile_ok(one("CommandLine|re|i", "'ke.beros$'"));
  const std::vector<std::pair<std::string, bool>> hex = {
      {"run deadbeef", true},        {"run deadbeefx", false},
      {"rundeadbeef", false},        {"run DEADBEEF", false},
      {"\u00e4 run 0badf00d", true}, {"run d\u00ebadbeef", false},
      {"run\tcafebabe now", true},   {"", false}};
  const std::vector<std::pair<std::string, bool>> kerberos = {
      {"ask kerberos", true},
      {"ask KERBEROS\n", false},  // RE2: $ only at the very end
      {"ask kerberos now", false},
      {"ask \xe2\x84\xaa"
       "erberos",
       true},
      {"ask \xe2\x84\xaa"
       "eRberos!",
       false},
      {"kexberos", true}};
  for (uint32_t round = 0; round < 2 * limits::kSigmaRegexPrecheckAfterUses / 4; ++round) {
    for (const auto& [text, expected] : hex) {
      ASSERT_EQ(f.matches({{"CommandLine", text}}), expected) << round << ": " << text;
    }
    for (const auto& [text, expected] : kerberos) {
      ASSERT_EQ(caseless.matches({{"CommandLine", text}}), expected) << round << ": " << text;
    }
  }
}

TEST(SigmaModifiers, RegexMultilineAndDotAll) {
  SigmaFixture f;
  f.compile_ok(one("Script|re", "'^second'"));
  EXPECT_FALSE(f.matches({{"Script", "first\nsecond"}}));
  f.compile_ok(one("Script|re|m", "'^second'"));
  EXPECT_TRUE(f.matches({{"Script", "first\nsecond"}}));
  f.compile_ok(one("Script|re", "'first.second'"));
  EXPECT_FALSE(f.matches({{"Script", "first\nsecond"}}));
  f.compile_ok(one("Script|re|s", "'first.second'"));
  EXPECT_TRUE(f.matches({{"Script", "first\nsecond"}}));
  f.compile_ok(one("Script|re|ignorecase|multiline|dotall", "'^SECOND.x'"));
  EXPECT_TRUE(f.matches({{"Script", "first\nsecond\nx"}}));
}

TEST(SigmaModifiers, RegexRe2CannotRunIsRejected) {
  SigmaFixture f;
  EXPECT_EQ(f.compile(one("CommandLine|re", "'foo(?=bar)'")), 1u);
  const Diagnostic* d = f.first_rejection();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, DiagCode::kRegex);
  EXPECT_EQ(f.compile(one("CommandLine|re", "'(a)\\1'")), 1u);
  EXPECT_EQ(f.compile(one("CommandLine|i", "'x'")), 1u);  // i without re
}

TEST(SigmaModifiers, Base64) {
  SigmaFixture f;
  // "cmd" -> "Y21k"
  f.compile_ok(one("Payload|base64|contains", "'cmd'"));
  EXPECT_TRUE(f.matches({{"Payload", "xxY21kyy"}}));
  f.compile_ok(one("Payload|base64", "'cmd'"));
  EXPECT_TRUE(f.matches({{"Payload", "Y21k"}}));
  EXPECT_FALSE(f.matches({{"Payload", "xY21k"}}));
  // Wildcards cannot be encoded: contains must come after base64.
  EXPECT_EQ(f.compile(one("Payload|contains|base64", "'cmd'")), 1u);
}

TEST(SigmaModifiers, Base64OffsetFindsEveryAlignment) {
  SigmaFixture f;
  f.compile_ok(one("CommandLine|base64offset|contains", "'http://'"));
  // The value at byte offsets 0, 1 and 2 of the encoded text.
  //   base64("http://x")    = aHR0cDovL3g=
  //   base64("ahttp://x")   = YWh0dHA6Ly94
  //   base64("abhttp://x")  = YWJodHRwOi8veA==
  EXPECT_TRUE(f.matches({{"CommandLine", "powershell -enc aHR0cDovL3g="}}));
  EXPECT_TRUE(f.matches({{"CommandLine", "powershell -enc YWh0dHA6Ly94"}}));
  EXPECT_TRUE(f.matches({{"CommandLine", "powershell -enc YWJodHRwOi8veA=="}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "powershell -enc YWJjZGVm"}}));
}

TEST(SigmaModifiers, WideBase64Offset) {
  SigmaFixture f;
  f.compile_ok(one("CommandLine|wide|base64offset|contains", "'ping'"));
  // base64 of UTF-16LE "ping" = cABpAG4AZwA=, and of "xping" = eABwAGkAbgBnAA==
  EXPECT_TRUE(f.matches({{"CommandLine", "-e cABpAG4AZwA="}}));
  EXPECT_TRUE(f.matches({{"CommandLine", "-e eABwAGkAbgBnAA=="}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "-e cGluZw=="}}));  // UTF-8 "ping"
}

TEST(SigmaModifiers, Utf16Encodings) {
  SigmaFixture f;
  // UTF-16BE "cmd" = 00 63 00 6d 00 64 -> AGMAbQBk; with BOM (LE) -> //5jAG0AZAA=
  f.compile_ok(one("Payload|utf16be|base64", "'cmd'"));
  EXPECT_TRUE(f.matches({{"Payload", "AGMAbQBk"}}));
  f.compile_ok(one("Payload|utf16|base64", "'cmd'"));
  EXPECT_TRUE(f.matches({{"Payload", "//5jAG0AZAA="}}));
  f.compile_ok(one("Payload|utf16le|base64", "'cmd'"));
  EXPECT_TRUE(f.matches({{"Payload", "YwBtAGQA"}}));
}

TEST(SigmaModifiers, NumericComparisons) {
  SigmaFixture f;
  f.compile_ok(one("Count|gt", "10"));
  EXPECT_TRUE(f.matches({{"Count", "11"}}));
  EXPECT_FALSE(f.matches({{"Count", "10"}}));
  EXPECT_FALSE(f.matches({{"Count", "ten"}}));
  f.compile_ok(one("Count|gte", "10"));
  EXPECT_TRUE(f.matches({{"Count", "10"}}));
  f.compile_ok(one("Count|lt", "2.5"));
  EXPECT_TRUE(f.matches({{"Count", "2.4"}}));
  EXPECT_TRUE(f.matches({{"Count", "-7"}}));
  EXPECT_FALSE(f.matches({{"Count", "2.5"}}));
  f.compile_ok(one("Count|lte", "0x10"));
  EXPECT_TRUE(f.matches({{"Count", "16"}}));
  EXPECT_FALSE(f.matches({{"Count", "17"}}));
  EXPECT_EQ(f.compile(one("Count|lt", "'many'")), 1u);
  EXPECT_EQ(f.compile(one("Count|lt|gt", "3")), 1u);
}

TEST(SigmaModifiers, NumericComparisonOnTypedValue) {
  SigmaFixture f;
  f.compile_ok(one("Size|gte", "1000"));
  f.event({});
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(0xE8);  // 1000 = 0x3E8
  bytes[1] = 0x03;
  f.add_raw("Size", ValueType::kUInt64, bytes);
  EXPECT_TRUE(f.matches_current());
}

TEST(SigmaModifiers, TimeParts) {
  SigmaFixture f;
  // 2024-03-10 is a Sunday of ISO week 10.
  const std::pair<std::string, std::string> when{"UtcTime", "2024-03-10T23:45:12.000Z"};
  for (const auto& [modifier, value] :
       std::vector<std::pair<std::string, std::string>>{{"minute", "45"},
                                                        {"hour", "23"},
                                                        {"day", "10"},
                                                        {"week", "10"},
                                                        {"month", "3"},
                                                        {"year", "2024"}}) {
    f.compile_ok(one("UtcTime|" + modifier, value));
    EXPECT_TRUE(f.matches({when})) << modifier;
    EXPECT_FALSE(f.matches({{"UtcTime", "2023-01-02T01:02:03Z"}})) << modifier;
  }
  f.compile_ok(one("UtcTime|hour|gte", "20"));
  EXPECT_TRUE(f.matches({when}));
  EXPECT_FALSE(f.matches({{"UtcTime", "2024-03-10T08:00:00Z"}}));
  EXPECT_FALSE(f.matches({{"UtcTime", "not a time"}}));
}

TEST(SigmaModifiers, CidrV4AndV6) {
  SigmaFixture f;
  f.compile_ok(list("DestinationIp|cidr", {"'10.0.0.0/8'", "'192.168.1.0/24'", "'fe80::/10'",
                                            "'2001:db8:abcd::/48'"}));
  EXPECT_TRUE(f.matches({{"DestinationIp", "10.200.3.4"}}));
  EXPECT_TRUE(f.matches({{"DestinationIp", "192.168.1.255"}}));
  EXPECT_FALSE(f.matches({{"DestinationIp", "192.168.2.1"}}));
  EXPECT_TRUE(f.matches({{"DestinationIp", "fe80::1%eth0"}}));
  EXPECT_TRUE(f.matches({{"DestinationIp", "FEBF:ffff::1"}}));
  EXPECT_FALSE(f.matches({{"DestinationIp", "fec0::1"}}));
  EXPECT_TRUE(f.matches({{"DestinationIp", "2001:db8:abcd:12::5"}}));
  EXPECT_FALSE(f.matches({{"DestinationIp", "2001:db8:abce::5"}}));
  EXPECT_TRUE(f.matches({{"DestinationIp", "::ffff:10.1.2.3"}}));  // IPv4-mapped
  EXPECT_FALSE(f.matches({{"DestinationIp", "not an ip"}}));
  EXPECT_FALSE(f.matches({{"DestinationIp", "10.1.2"}}));
  EXPECT_EQ(f.compile(one("DestinationIp|cidr", "'10.0.0.0/33'")), 1u);
  EXPECT_EQ(f.compile(one("DestinationIp|cidr", "'nonsense'")), 1u);
  f.compile_ok(one("DestinationIp|cidr", "'::ffff:10.0.0.0/104'"));
  EXPECT_TRUE(f.matches({{"DestinationIp", "10.9.9.9"}}));
  // An IPv4 address, written so or IPv4-mapped, lies in the IPv6 networks
  // that hold its mapped address.
  f.compile_ok(one("DestinationIp|cidr", "'::/0'"));
  EXPECT_TRUE(f.matches({{"DestinationIp", "::ffff:10.1.2.3"}}));
  EXPECT_TRUE(f.matches({{"DestinationIp", "10.1.2.3"}}));
  EXPECT_TRUE(f.matches({{"DestinationIp", "2001:db8::1"}}));
  f.compile_ok(one("DestinationIp|cidr", "'::ffff:0:0/95'"));
  EXPECT_TRUE(f.matches({{"DestinationIp", "10.1.2.3"}}));
  EXPECT_FALSE(f.matches({{"DestinationIp", "2001:db8::1"}}));
  f.compile_ok(one("DestinationIp|cidr", "'2001:db8::/32'"));
  EXPECT_FALSE(f.matches({{"DestinationIp", "10.1.2.3"}}));
  f.compile_ok(one("DestinationIp|cidr", "'10.0.0.0/8'"));
  EXPECT_FALSE(f.matches({{"DestinationIp", "2001:db8::1"}}));
}

TEST(SigmaModifiers, ExpandFromPlaceholders) {
  Placeholders placeholders;
  placeholders.set("%Administrators%", {"admin*", "root"});
  placeholders.set("Servers", {"srv-?"});
  CompileOptions options;
  options.placeholders = &placeholders;
  SigmaFixture f;
  f.compile_ok(one("User|expand", "'%Administrators%'"), options);
  EXPECT_TRUE(f.matches({{"User", "Administrator"}}));
  EXPECT_TRUE(f.matches({{"User", "root"}}));
  EXPECT_FALSE(f.matches({{"User", "alice"}}));
  // Text around placeholders, an escaped percent, and contains.
  f.compile_ok(one("Host|contains|expand", "'\\%x%Servers%.corp'"), options);
  EXPECT_TRUE(f.matches({{"Host", "a %xsrv-1.corp b"}}));
  EXPECT_FALSE(f.matches({{"Host", "a srv-1.corp b"}}));
  // Without expand, %name% is plain text.
  f.compile_ok(one("User", "'%Administrators%'"), options);
  EXPECT_TRUE(f.matches({{"User", "%administrators%"}}));
  EXPECT_FALSE(f.matches({{"User", "root"}}));
}

TEST(SigmaModifiers, UnfilledPlaceholderRejectsTheRule) {
  SigmaFixture f;
  EXPECT_EQ(f.compile(one("User|expand", "'%Administrators%'")), 1u);
  const Diagnostic* d = f.first_rejection();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, DiagCode::kPlaceholder);
  EXPECT_NE(d->message.find("%Administrators%"), std::string::npos);
}

TEST(SigmaModifiers, PlaceholderConfigParsing) {
  auto p = Placeholders::parse("Admins: ['a', 'b']\n'%Servers%': srv\n", "cfg.yml");
  ASSERT_TRUE(p.ok());
  ASSERT_NE(p->find("Admins"), nullptr);
  EXPECT_EQ(p->find("%admins%")->size(), 2u);  // case-insensitive fallback
  EXPECT_EQ(p->find("Servers")->front(), "srv");
  EXPECT_FALSE(Placeholders::parse("[1, 2]", "cfg.yml").ok());
  EXPECT_FALSE(Placeholders::parse("a: {b: c}", "cfg.yml").ok());
  EXPECT_FALSE(Placeholders::parse("a: [", "cfg.yml").ok());
}

TEST(SigmaModifiers, Fieldref) {
  SigmaFixture f;
  f.compile_ok(one("SubjectUserName|fieldref", "TargetUserName"));
  EXPECT_TRUE(f.matches({{"SubjectUserName", "Alice"}, {"TargetUserName", "alice"}}));
  EXPECT_FALSE(f.matches({{"SubjectUserName", "Alice"}, {"TargetUserName", "bob"}}));
  EXPECT_FALSE(f.matches({{"SubjectUserName", "Alice"}}));
  f.compile_ok(one("SubjectUserName|fieldref|cased", "TargetUserName"));
  EXPECT_FALSE(f.matches({{"SubjectUserName", "Alice"}, {"TargetUserName", "alice"}}));
  f.compile_ok(one("SubjectUserName|fieldref|neq", "TargetUserName"));
  EXPECT_TRUE(f.matches({{"SubjectUserName", "Alice"}, {"TargetUserName", "bob"}}));
  EXPECT_FALSE(f.matches({{"SubjectUserName", "Alice"}, {"TargetUserName", "ALICE"}}));
  f.compile_ok(one("CommandLine|fieldref|contains", "Image"));
  EXPECT_TRUE(f.matches({{"CommandLine", "\"C:\\x.exe\" -a"}, {"Image", "C:\\x.exe"}}));
  f.compile_ok(one("Image|fieldref|endswith", "Name"));
  EXPECT_TRUE(f.matches({{"Image", "C:\\x\\tool.exe"}, {"Name", "tool.exe"}}));
  EXPECT_EQ(f.compile(one("Image|fieldref|base64", "Name")), 1u);
}

TEST(SigmaModifiers, ChainsApplyLeftToRight) {
  SigmaFixture f;
  // base64 then contains: the encoded value anywhere.
  f.compile_ok(one("Payload|base64|contains", "'abc'"));
  EXPECT_TRUE(f.matches({{"Payload", "--YWJj--"}}));
  // contains then windash: both the wildcard wrap and the dash permutations.
  f.compile_ok(one("CommandLine|contains|windash", "'-x'"));
  EXPECT_TRUE(f.matches({{"CommandLine", "a /x b"}}));
  // windash before base64: the permutations are encoded.
  f.compile_ok(one("Payload|windash|base64|contains", "'-x'"));
  EXPECT_TRUE(f.matches({{"Payload", "..L3g=.."}}));  // base64("/x")
}

TEST(SigmaModifiers, UnknownAndConflictingModifiers) {
  SigmaFixture f;
  EXPECT_EQ(f.compile(one("CommandLine|containz", "'x'")), 1u);
  EXPECT_EQ(f.first_rejection()->code, DiagCode::kModifier);
  EXPECT_NE(f.first_error().find("containz"), std::string::npos);
  EXPECT_EQ(f.compile(one("CommandLine|contains|endswith", "'x'")), 1u);
  EXPECT_EQ(f.compile(one("CommandLine|re|cidr", "'x'")), 1u);
  EXPECT_EQ(f.compile(one("CommandLine|", "'x'")), 1u);
  EXPECT_EQ(f.compile(one("CommandLine|exists|all", "true")), 1u);
  EXPECT_EQ(f.compile(one("CommandLine|re|contains", "'x'")), 1u);
  EXPECT_EQ(f.compile(one("CommandLine|hour|minute", "3")), 1u);
}

}  // namespace
}  // namespace vigil::detect
