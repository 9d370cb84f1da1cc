// Detection values without modifiers: maps, lists, wildcards, escapes, null,
// empty values, numbers and booleans, keywords, case.

#include "sigma_fixture.h"

namespace vigil::detect {
namespace {

using testing::rule_yaml;
using testing::SigmaFixture;

TEST(SigmaValues, MapIsAndOfFields) {
  SigmaFixture f;
  f.compile_ok(rule_yaml(
      "    selection:\n"
      "        EventLog: Security\n"
      "        EventID:\n"
      "            - 517\n"
      "            - 1102\n"
      "    condition: selection\n"));
  EXPECT_TRUE(f.matches({{"EventLog", "Security"}, {"EventID", "1102"}}));
  EXPECT_TRUE(f.matches({{"EventLog", "security"}, {"EventID", "517"}}));
  EXPECT_FALSE(f.matches({{"EventLog", "Security"}, {"EventID", "4624"}}));
  EXPECT_FALSE(f.matches({{"EventLog", "System"}, {"EventID", "517"}}));
  EXPECT_FALSE(f.matches({{"EventID", "517"}}));
}

TEST(SigmaValues, ListOfMapsIsOr) {
  // The specification's own example.
  SigmaFixture f;
  f.compile_ok(rule_yaml(
      "    selection:\n"
      "        - Image|endswith: '\\\\example.exe'\n"
      "        - Description|contains: 'Test executable'\n"
      "    condition: selection\n"));
  EXPECT_TRUE(f.matches({{"Image", "C:\\temp\\example.exe"}}));
  EXPECT_TRUE(f.matches({{"Description", "A test executable for this"}}));
  EXPECT_FALSE(f.matches({{"Image", "C:\\temp\\other.exe"}, {"Description", "x"}}));
}

TEST(SigmaValues, CaseInsensitiveByDefault) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    selection:\n        Image: 'C:\\Windows\\System32\\whoami.exe'\n"
                         "    condition: selection\n"));
  EXPECT_TRUE(f.matches({{"Image", "c:\\windows\\system32\\WHOAMI.EXE"}}));
  EXPECT_FALSE(f.matches({{"Image", "c:\\windows\\system32\\whoami.exe.bak"}}));
}

TEST(SigmaValues, CaseFoldingBeyondAscii) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    selection:\n        User|contains: 'ÉLODIE'\n"
                         "    keywords:\n        - 'ПРИВЕТ'\n"
                         "    condition: selection or keywords\n"));
  EXPECT_TRUE(f.matches({{"User", "élodie"}}));
  EXPECT_TRUE(f.matches({{"Message", "скажи привет"}}));
  EXPECT_FALSE(f.matches({{"User", "elodie"}}));
}

TEST(SigmaValues, Wildcards) {
  SigmaFixture f;
  f.compile_ok(rule_yaml(
      "    selection:\n"
      "        Image:\n"
      "            - 'prog?.exe'\n"
      "            - 'antivirus_V*.exe'\n"
      "            - '*\\temp\\\\*\\x?z*.dll'\n"
      "            - 'lit\\*star'\n"
      "    condition: selection\n"));
  EXPECT_TRUE(f.matches({{"Image", "progA.exe"}}));
  EXPECT_FALSE(f.matches({{"Image", "prog.exe"}}));
  EXPECT_FALSE(f.matches({{"Image", "progAB.exe"}}));
  EXPECT_TRUE(f.matches({{"Image", "antivirus_V21.2.1.exe"}}));
  EXPECT_TRUE(f.matches({{"Image", "antivirus_V.exe"}}));
  EXPECT_TRUE(f.matches({{"Image", "C:\\Temp\\a\\b\\XYZ1.dll"}}));
  EXPECT_TRUE(f.matches({{"Image", "d:\\temp\\q\\xaz.dll"}}));
  EXPECT_FALSE(f.matches({{"Image", "d:\\temp\\xaz.dll"}}));
  // `\*` is an escaped star, not a backslash and a wildcard.
  EXPECT_TRUE(f.matches({{"Image", "lit*star"}}));
  EXPECT_FALSE(f.matches({{"Image", "litXstar"}}));
}

TEST(SigmaValues, QuestionMarkIsOneCharacterNotOneByte) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    selection:\n        Name: 'caf?'\n    condition: selection\n"));
  EXPECT_TRUE(f.matches({{"Name", "café"}}));
  EXPECT_TRUE(f.matches({{"Name", "cafe"}}));
  EXPECT_FALSE(f.matches({{"Name", "caf"}}));
}

TEST(SigmaValues, GlobWithAnchoredEndAndUnicode) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    selection:\n        Name: '*ab?'\n    condition: selection\n"));
  EXPECT_TRUE(f.matches({{"Name", "xxabé"}}));
  EXPECT_TRUE(f.matches({{"Name", "abz"}}));
  EXPECT_FALSE(f.matches({{"Name", "abzz"}}));
}

// The escaping table of the specification, value by value. Rule text is YAML
// single-quoted, so backslashes below are written as in the rule file.
TEST(SigmaValues, EscapeTable) {
  struct Case {
    const char* rule_value;   // as written between single quotes in YAML
    const char* matching;     // a field value it must match
    const char* not_matching; // one it must not
  };
  const Case cases[] = {
      {"C:\\Windows\\x.exe", "C:\\Windows\\x.exe", "C:\\\\Windows\\\\x.exe"},  // plain \ .
      {"C:\\\\Windows\\\\x.exe", "C:\\Windows\\x.exe", "C:\\\\Windows\\\\x.exe"},  // \\ -> \ .
      {"a\\*b", "a*b", "aXb"},            // escaped star is a plain star
      {"a\\?b", "a?b", "aXb"},            // escaped question mark
      {"a\\\\*", "a\\anything", "a"},     // backslash then wildcard
      {"a\\\\\\*", "a\\*", "a\\x"},       // backslash and a plain star
      {"a\\\\\\\\b", "a\\\\b", "a\\b"},   // four backslashes are two
      {"a\\\\\\b", "a\\\\b", "a\\b"},     // three (not before a wildcard) are two
      {"end\\", "end\\", "end"},          // a trailing backslash is plain
  };
  for (const Case& c : cases) {
    SigmaFixture f;
    f.compile_ok(rule_yaml(std::string("    selection:\n        Field: '") + c.rule_value +
                           "'\n    condition: selection\n"));
    EXPECT_TRUE(f.matches({{"Field", c.matching}})) << c.rule_value << " vs " << c.matching;
    EXPECT_FALSE(f.matches({{"Field", c.not_matching}})) << c.rule_value << " vs " << c.not_matching;
  }
}

TEST(SigmaValues, WildcardsInsideStringsWithModifiers) {
  SigmaFixture f;
  f.compile_ok(rule_yaml(
      "    selection:\n"
      "        CommandLine|contains: 'invoke-*expression'\n"
      "        Image|endswith: '\\\\power*.exe'\n"
      "        ParentImage|startswith: 'C:\\?\\'\n"
      "    condition: selection\n"));
  EXPECT_TRUE(f.matches({{"CommandLine", "x Invoke-Some-Expression y"},
                         {"Image", "C:\\x\\powershell.exe"},
                         {"ParentImage", "C:?\\a"}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "x Invoke-Some-Expression y"},
                          {"Image", "C:\\x\\powershell.exe"},
                          {"ParentImage", "C:a\\b"}}));
}

TEST(SigmaValues, NullMeansAbsentEmptyMeansEmpty) {
  SigmaFixture f;
  f.compile_ok(rule_yaml(
      "    selection:\n        EventID: 4738\n"
      "    filter_null:\n        PasswordLastSet: null\n"
      "    filter_empty:\n        PasswordLastSet: ''\n"
      "    condition: selection and not 1 of filter_*\n"));
  EXPECT_FALSE(f.matches({{"EventID", "4738"}}));                           // absent: null
  EXPECT_FALSE(f.matches({{"EventID", "4738"}, {"PasswordLastSet", ""}}));  // empty
  EXPECT_TRUE(f.matches({{"EventID", "4738"}, {"PasswordLastSet", "x"}}));
}

TEST(SigmaValues, NullMatchesNullTypedValues) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    selection:\n        Field: null\n    condition: selection\n"));
  f.event({{"Other", "1"}});
  f.add_raw("Field", ValueType::kNull, "");
  EXPECT_TRUE(f.matches_current());
  EXPECT_FALSE(f.matches({{"Field", ""}}));
  EXPECT_TRUE(f.matches({{"Other", "x"}}));
}

TEST(SigmaValues, NullInAListIsRejected) {
  SigmaFixture f;
  EXPECT_EQ(f.compile(rule_yaml("    selection:\n        FieldB:\n            - ''\n"
                                "            - null\n    condition: selection\n")),
            1u);
  EXPECT_NE(f.first_error().find("null"), std::string::npos);
}

TEST(SigmaValues, EmptyValueWithContainsMatchesAnyPresentField) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    selection:\n        Field|contains: ''\n    condition: selection\n"));
  EXPECT_TRUE(f.matches({{"Field", ""}}));
  EXPECT_TRUE(f.matches({{"Field", "x"}}));
  EXPECT_FALSE(f.matches({{"Other", "x"}}));
}

TEST(SigmaValues, NumbersAndBooleansAreText) {
  SigmaFixture f;
  f.compile_ok(rule_yaml(
      "    selection:\n        EventID: 4688\n        Signed: true\n        Ratio: 1.50\n"
      "    condition: selection\n"));
  EXPECT_TRUE(f.matches({{"EventID", "4688"}, {"Signed", "TRUE"}, {"Ratio", "1.50"}}));
  EXPECT_FALSE(f.matches({{"EventID", "4688"}, {"Signed", "1"}, {"Ratio", "1.50"}}));
  // Text, not numbers: 1.5 is not the 1.50 the rule spells.
  EXPECT_FALSE(f.matches({{"EventID", "4688"}, {"Signed", "true"}, {"Ratio", "1.5"}}));
}

TEST(SigmaValues, UnquotedIntegerAlsoMatchesIntegerTypedValues) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    selection:\n        Access: 16\n    condition: selection\n"));
  f.event({});
  std::string bytes(4, '\0');
  bytes[0] = 16;
  f.add_raw("Access", ValueType::kHexInt32, bytes);  // text is 0x00000010
  EXPECT_TRUE(f.matches_current());
  // A quoted value stays text only.
  SigmaFixture g;
  g.compile_ok(rule_yaml("    selection:\n        Access: '16'\n    condition: selection\n"));
  g.event({});
  g.add_raw("Access", ValueType::kHexInt32, bytes);
  EXPECT_FALSE(g.matches_current());
}

TEST(SigmaValues, Utf16FieldValues) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    selection:\n        CommandLine|contains: 'WHOAMI'\n"
                         "    condition: selection\n"));
  f.event({});
  f.add_raw("CommandLine", ValueType::kUtf16, testing::utf16le("cmd /c whoami /all"));
  EXPECT_TRUE(f.matches_current());
}

TEST(SigmaValues, KeywordsSearchEveryField) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    keywords:\n        - 'EVILSERVICE'\n        - 'svchost.exe -n evil'\n"
                         "    condition: keywords\n"));
  EXPECT_TRUE(f.matches({{"A", "x"}, {"Message", "started evilservice now"}}));
  EXPECT_TRUE(f.matches({{"CommandLine", "C:\\svchost.exe -n evil -x"}}));
  EXPECT_FALSE(f.matches({{"Message", "evil"}}));
  // Field names are not searched.
  EXPECT_FALSE(f.matches({{"EVILSERVICE", "x"}}));
}

TEST(SigmaValues, KeywordsWithAll) {
  // The specification's example: '|all' makes keywords an AND.
  SigmaFixture f;
  f.compile_ok(rule_yaml(
      "    keywords_cmdlet:\n        '|all':\n            - 'OabVirtualDirectory'\n"
      "            - ' -ExternalUrl '\n    condition: keywords_cmdlet\n"));
  EXPECT_TRUE(f.matches({{"Payload", "Set-OabVirtualDirectory -ExternalUrl http://x"}}));
  EXPECT_TRUE(f.matches({{"A", "OabVirtualDirectory"}, {"B", "y -ExternalUrl z"}}));
  EXPECT_FALSE(f.matches({{"Payload", "Set-OabVirtualDirectory"}}));
}

TEST(SigmaValues, ScalarKeyword) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    keywords: 'mimikatz'\n    condition: keywords\n"));
  EXPECT_TRUE(f.matches({{"x", "run MimiKatz.exe"}}));
}

TEST(SigmaValues, RepeatedFieldsMatchOnAnyOccurrence) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    selection:\n        Data|contains|all:\n            - 'alpha'\n"
                         "            - 'beta'\n    condition: selection\n"));
  EXPECT_TRUE(f.matches({{"Data", "alpha"}, {"Data", "beta"}}));
  EXPECT_FALSE(f.matches({{"Data", "alpha"}, {"Data", "gamma"}}));
}

TEST(SigmaValues, EventFieldNamesWithSpacesAreReadWithoutThem) {
  // "For new or rarely used fields, use them as they appear in the log source
  // and strip all spaces": Defender's "Source Name" is SourceName in rules.
  SigmaFixture f;
  f.compile_ok(rule_yaml("    selection:\n        SourceName: 'Real-Time Protection'\n"
                         "        ThreatName|endswith: 'EICAR_Test_File'\n"
                         "    condition: selection\n"));
  EXPECT_TRUE(f.matches({{"Source Name", "Real-Time Protection"},
                         {"Threat Name", "Virus:DOS/EICAR_Test_File"}}));
  EXPECT_FALSE(f.matches({{"Source Name", "Real-Time Protection"}}));
}

TEST(SigmaValues, FieldNamesAreExact) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    selection:\n        Image: 'x'\n    condition: selection\n"));
  EXPECT_FALSE(f.matches({{"image", "x"}}));
}

}  // namespace
}  // namespace vigil::detect
