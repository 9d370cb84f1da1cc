// The compiled rule set and matcher: event sources (gates) from a logsource
// resolver, field renames, field restrictions, shared tests, threads.

#include <thread>

#include "sigma_fixture.h"
#include "vigil/core/field_names.h"
#include "vigil/detect/logsource.h"

namespace vigil::detect {
namespace {

using testing::SigmaFixture;

// A small stand-in for the logsource mapping: process_creation is Sysmon 1
// or Security 4688 (with renames and the fields 4688 has); security is the
// Security channel; anything else is unmapped.
std::vector<SourceGate> stub_resolver(const Logsource& ls) {
  std::vector<SourceGate> out;
  if (ls.category == "process_creation") {
    out.push_back({"sysmon_1",
                   {{"Channel", {"Microsoft-Windows-Sysmon/Operational"}}, {"EventID", {"1"}}},
                   {},
                   std::nullopt});
    out.push_back({"security_4688",
                   {{"Channel", {"Security"}}, {"EventID", {"4688"}}},
                   {{"Image", "NewProcessName"}, {"ParentImage", "ParentProcessName"}},
                   std::vector<std::string>{"Image", "ParentImage", "CommandLine", "User"}});
  } else if (ls.service == "security") {
    out.push_back({"security", {{"Channel", {"Security"}}}, {}, std::nullopt});
  }
  return out;
}

std::string rule(const std::string& id, const std::string& logsource, const std::string& detection) {
  return "title: Rule " + id + "\nid: " + id + "\nlogsource: " + logsource +
         "\ndetection:\n" + detection + "---\n";
}

TEST(SigmaMatcher, GatesRenamesAndFieldRestrictions) {
  CompileOptions options;
  options.resolver = stub_resolver;
  SigmaFixture f;
  const std::string yaml =
      rule("r0", "{category: process_creation, product: windows}",
           "    s:\n        Image|endswith: '\\whoami.exe'\n    condition: s\n") +
      rule("r1", "{category: process_creation, product: windows}",
           "    s:\n        OriginalFileName: 'whoami.exe'\n    condition: s\n") +
      rule("r2", "{product: windows, service: security}",
           "    s:\n        EventID: 1102\n    condition: s\n") +
      rule("r3", "{product: linux, service: auditd}",
           "    s:\n        type: EXECVE\n    condition: s\n");
  EXPECT_EQ(f.compile(yaml, options), 0u);
  // r3 is unmapped: a warning, and it matches nothing.
  ASSERT_EQ(f.diagnostics().size(), 1u) << f.all_diagnostics();
  EXPECT_EQ(f.diagnostics()[0].code, DiagCode::kLogsource);
  EXPECT_EQ(f.diagnostics()[0].severity, Severity::kWarning);
  EXPECT_EQ(f.set().size(), 4u);
  // r0: Sysmon, and Security 4688 through the rename. r1 only on Sysmon
  // (4688 has no OriginalFileName).
  EXPECT_EQ(f.match(f.event({{"Channel", "Microsoft-Windows-Sysmon/Operational"},
                             {"EventID", "1"},
                             {"Image", "C:\\Windows\\System32\\whoami.exe"},
                             {"OriginalFileName", "whoami.exe"}})),
            (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(f.match(f.event({{"Channel", "security"},
                             {"EventID", "4688"},
                             {"NewProcessName", "C:\\Windows\\System32\\whoami.exe"},
                             {"OriginalFileName", "whoami.exe"}})),
            (std::vector<uint32_t>{0}));
  // The wrong EventID on the right channel: no process_creation rule.
  EXPECT_TRUE(f.match(f.event({{"Channel", "Microsoft-Windows-Sysmon/Operational"},
                               {"EventID", "11"},
                               {"Image", "C:\\whoami.exe"}}))
                  .empty());
  EXPECT_EQ(f.match(f.event({{"Channel", "Security"}, {"EventID", "1102"}})),
            (std::vector<uint32_t>{2}));
  EXPECT_TRUE(f.match(f.event({{"Channel", "System"}, {"type", "EXECVE"}})).empty());
  EXPECT_TRUE(f.match(f.event({{"Channel", "System"}, {"EventID", "1102"}})).empty());
}

TEST(SigmaMatcher, BuiltinMappingSysmonAndSecurity4688) {
  CompileOptions options;
  options.resolver = mapping_resolver(LogsourceMapping::builtin());
  SigmaFixture f;
  EXPECT_EQ(f.compile(rule("r0", "{category: process_creation, product: windows}",
                           "    s:\n        Image|endswith: '\\whoami.exe'\n"
                           "        User|contains: 'admin'\n    condition: s\n"),
                      options),
            0u)
      << f.all_diagnostics();
  EXPECT_TRUE(f.matches({{"Channel", "Microsoft-Windows-Sysmon/Operational"},
                         {"EventID", "1"},
                         {"Image", "C:\\Windows\\System32\\whoami.exe"},
                         {"User", "CORP\\Admin"}}));
  EXPECT_TRUE(f.matches({{"Channel", "Security"},
                         {"EventID", "4688"},
                         {"NewProcessName", "C:\\Windows\\System32\\whoami.exe"},
                         {"SubjectUserName", "Administrator"}}));
  EXPECT_FALSE(f.matches({{"Channel", "Security"},
                          {"EventID", "4624"},
                          {"NewProcessName", "C:\\Windows\\System32\\whoami.exe"},
                          {"SubjectUserName", "Administrator"}}));
}

// A source of several event ids is split into one gate per id, shared with
// the sources of that id alone: an event 13 meets one gate, scanned once.
TEST(SigmaMatcher, SeveralEventIdsBecomeOneGateEach) {
  CompileOptions options;
  options.resolver = [](const Logsource& logsource) {
    const std::string channel = "Microsoft-Windows-Sysmon/Operational";
    if (logsource.category == "registry_event") {
      return std::vector<SourceGate>{
          {"registry-event", {{"Channel", {channel}}, {"EventID", {"12", "13", "14"}}}, {}, {}}};
    }
    return std::vector<SourceGate>{
        {"registry-set", {{"Channel", {channel}}, {"EventID", {"13"}}}, {}, {}}};
  };
  SigmaFixture f;
  EXPECT_EQ(f.compile(rule("r0", "{category: registry_event}",
                           "    s:\n        TargetObject|contains: '\\run\\'\n    condition: s\n") +
                          rule("r1", "{category: registry_set}",
                               "    s:\n        TargetObject|contains: '\\runonce\\'\n"
                               "    condition: s\n"),
                      options),
            0u)
      << f.all_diagnostics();
  EXPECT_EQ(f.set().stats().gates, 3u);      // 12, 13 (both rules), 14
  EXPECT_EQ(f.set().stats().instances, 4u);  // r0 three times, r1 once
  const auto event = [&](const char* id, const char* key) {
    return f.match(f.event({{"Channel", "Microsoft-Windows-Sysmon/Operational"},
                            {"EventID", id},
                            {"TargetObject", key}}));
  };
  EXPECT_EQ(event("13", "HKLM\\Software\\Run\\x"), (std::vector<uint32_t>{0}));
  EXPECT_EQ(event("13", "HKLM\\Software\\RunOnce\\x"), (std::vector<uint32_t>{1}));
  EXPECT_EQ(event("12", "HKLM\\Software\\Run\\x"), (std::vector<uint32_t>{0}));
  EXPECT_TRUE(event("12", "HKLM\\Software\\RunOnce\\x").empty());
  EXPECT_EQ(event("14", "HKLM\\Software\\Run\\x"), (std::vector<uint32_t>{0}));
  EXPECT_TRUE(event("15", "HKLM\\Software\\Run\\x").empty());
  EXPECT_EQ(f.counters().gates, 5u);  // one per event, none for the 15
}

TEST(SigmaMatcher, RuleWithNoFittingSourceWarns) {
  CompileOptions options;
  options.resolver = [](const Logsource&) {
    return std::vector<SourceGate>{
        {"narrow", {{"Channel", {"X"}}}, {}, std::vector<std::string>{"Image"}}};
  };
  SigmaFixture f;
  EXPECT_EQ(f.compile(rule("r0", "{category: c}", "    s:\n        Hashes: x\n    condition: s\n"),
                      options),
            0u);
  ASSERT_EQ(f.diagnostics().size(), 1u);
  EXPECT_NE(f.diagnostics()[0].message.find("Hashes"), std::string::npos);
  EXPECT_FALSE(f.matches({{"Channel", "X"}, {"Hashes", "x"}}));
}

TEST(SigmaMatcher, SharedTestsAndDeterministicOrder) {
  SigmaFixture f;
  std::string yaml;
  for (int i = 0; i < 50; ++i) {
    yaml += rule(std::string("r").append(std::to_string(i)), "{product: windows}",
                 "    s:\n        Image|endswith: '\\cmd.exe'\n    condition: s\n");
  }
  EXPECT_EQ(f.compile(yaml), 0u);
  EXPECT_EQ(f.set().stats().tests, 1u);  // fifty rules, one test
  const auto hits = f.match(f.event({{"Image", "C:\\cmd.exe"}}));
  ASSERT_EQ(hits.size(), 50u);
  for (uint32_t i = 0; i < 50; ++i) EXPECT_EQ(hits[i], i);
}

TEST(SigmaMatcher, FieldsInternedAfterCompileAreIgnored) {
  SigmaFixture f;
  f.compile_ok(rule("r0", "{product: windows}",
                    "    keywords:\n        - 'needle'\n    condition: keywords\n"));
  // A field name the compiler never saw still takes part in keyword search.
  EXPECT_TRUE(f.matches({{"BrandNewField", "a needle here"}}));
}

TEST(SigmaMatcher, ThreadsShareOneRuleSet) {
  FieldNames names;
  RuleCollection c;
  parse_rules(rule("r0", "{product: windows}",
                   "    s:\n        CommandLine|contains|all:\n            - 'a'\n"
                   "            - 'b'\n    condition: s\n"),
              "t.yml", c);
  std::vector<Diagnostic> diagnostics;
  auto set = RuleSet::compile(std::move(c), names, {}, diagnostics);
  const FieldId cmd = names.intern("CommandLine");
  std::vector<std::thread> threads;
  std::vector<int> hits(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Matcher matcher(*set);
      Event event;
      const std::string yes = "xaxbx";
      const std::string no = "xaxx";
      for (int i = 0; i < 2000; ++i) {
        event.clear();
        event.add(cmd, Value::utf8(i % 2 ? yes : no));
        hits[t] += matcher.match(event).empty() ? 0 : 1;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int h : hits) EXPECT_EQ(h, 1000);
}

// A value list of eight or more passes over the values whose rarest bytes
// the text lacks (Scratch::probes_hold): it must match exactly what
// searching for every value finds. Texts are random runs of pieces that
// hold the values' bytes in part (non-ASCII letters, a lone caret, capitals
// that fold to a value's letters).
TEST(SigmaMatcher, LongValueListsMatchWhatSearchingEveryValueFinds) {
  const std::vector<std::string> contains{"\xD0\xB0", "^^",         ",;,",    "\xD1\x95", "zq",
                                          "x",        "%comspec:~", " s^et ", "\xCB\xA3"};
  std::string yaml = "    selection:\n        CommandLine|contains:\n";
  for (const std::string& v : contains) yaml += "            - '" + v + "'\n";
  yaml +=
      "    ends:\n        Image|endswith: ['.bin', '.cgi', '.com', '.exe', '.scr', '.tmp', "
      "'.q^q', '\xD0\xB0.dll']\n";
  yaml += "    condition: selection or ends\n";
  SigmaFixture f;
  f.compile_ok(testing::rule_yaml(yaml));
  const std::vector<std::string> pieces{
      "a", "A", "^", ",",  ";", "\xD0\xB0", "\xD1\x95", "Z",   "Q",   "X",   "%COMSPEC:~",
      " ", "s", "E", "^E", ".", "\xCB",     "\xA3",     "exe", "bin", "dll", "q"};
  const auto lower = [](std::string t) {
    for (char& c : t) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return t;
  };
  uint64_t state = 88172645463325252ull;
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  size_t matched = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string command, image;
    for (uint64_t n = next() % 10; n > 0; --n) command += pieces[next() % pieces.size()];
    for (uint64_t n = next() % 5; n > 0; --n) image += pieces[next() % pieces.size()];
    const std::string c = lower(command), m = lower(image);
    bool want = false;
    for (const std::string& v : contains) want = want || c.find(v) != std::string::npos;
    for (const char* end :
         {".bin", ".cgi", ".com", ".exe", ".scr", ".tmp", ".q^q", "\xD0\xB0.dll"}) {
      want = want || m.ends_with(end);
    }
    matched += want ? 1 : 0;
    EXPECT_EQ(f.matches({{"CommandLine", command}, {"Image", image}}), want)
        << "CommandLine '" << command << "', Image '" << image << "'";
  }
  // Both outcomes are well represented.
  EXPECT_GT(matched, 400u);
  EXPECT_LT(matched, 3600u);
}

// A list of eight or more numbers still equals an integer-typed value whose
// text spells the number otherwise (a hex type): numbers are not passed
// over by their bytes.
TEST(SigmaMatcher, LongNumberListsMatchHexTypedIntegers) {
  SigmaFixture f;
  f.compile_ok(
      testing::rule_yaml("    selection:\n        AccessMask: [65552, 1, 2, 3, 4, 5, 6, 7, 8]\n"
                         "    condition: selection\n"));
  std::string raw(4, '\0');
  raw[0] = 0x10;
  raw[2] = 0x01;  // 0x00010010
  f.event({});
  f.add_raw("AccessMask", ValueType::kHexInt32, raw);
  EXPECT_TRUE(f.matches_current());
  raw[0] = 0x11;
  f.event({});
  f.add_raw("AccessMask", ValueType::kHexInt32, raw);
  EXPECT_FALSE(f.matches_current());
}

TEST(SigmaMatcher, EmptyRuleSetMatchesNothing) {
  SigmaFixture f;
  EXPECT_EQ(f.compile(""), 0u);
  EXPECT_EQ(f.set().size(), 0u);
  EXPECT_FALSE(f.matches({{"A", "1"}}));
}

}  // namespace
}  // namespace vigil::detect
