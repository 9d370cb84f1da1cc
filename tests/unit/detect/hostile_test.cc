// Hostile and broken rules: each costs a clear error for that rule, the
// others still load, nothing crashes or hangs.

#include <chrono>
#include <set>

#include "sigma_fixture.h"
#include "vigil/core/limits.h"

namespace vigil::detect {
namespace {

using testing::rule_yaml;
using testing::SigmaFixture;

const std::string kGood = rule_yaml("    s:\n        Image|endswith: '\\good.exe'\n    condition: s\n");

// The hostile document between two good ones: exactly one rejection, two rules.
void expect_isolated(const std::string& hostile, DiagCode code) {
  SigmaFixture f;
  const auto start = std::chrono::steady_clock::now();
  const size_t rejected = f.compile(kGood + "---\n" + hostile + "\n---\n" + kGood);
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(rejected, 1u) << f.all_diagnostics();
  EXPECT_EQ(f.set().size(), 2u) << f.all_diagnostics();
  const Diagnostic* d = f.first_rejection();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, code) << format_diagnostic(*d);
  EXPECT_FALSE(d->message.empty());
  EXPECT_LT(seconds, 20.0);
  EXPECT_TRUE(f.matches({{"Image", "C:\\good.exe"}}));
}

TEST(SigmaHostile, MalformedYaml) {
  expect_isolated("title: x\ndetection: {s: [1, 2\n", DiagCode::kYaml);
  // yaml-cpp reads an unterminated quote up to the end of its document; the
  // document then has no detection.
  expect_isolated("title: 'unterminated\n", DiagCode::kSchema);
  expect_isolated("a: b\n a: c\n", DiagCode::kYaml);
  expect_isolated("title: x\n\tdetection: tab\n", DiagCode::kYaml);
  expect_isolated("title: *undefined_alias\n", DiagCode::kYaml);
}

TEST(SigmaHostile, UnknownModifier) {
  expect_isolated(rule_yaml("    s:\n        Image|endswith|frobnicate: 'x'\n    condition: s\n"),
                  DiagCode::kModifier);
}

TEST(SigmaHostile, CatastrophicRegexRunsInLinearTime) {
  // Exponential for backtracking engines; RE2 is linear.
  SigmaFixture f;
  f.compile_ok(rule_yaml("    s:\n        CommandLine|re: '^(a+)+$'\n    condition: s\n"));
  const std::string text = std::string(100'000, 'a') + "!";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(f.matches({{"CommandLine", text}}));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);
  EXPECT_TRUE(f.matches({{"CommandLine", "aaaa"}}));
}

TEST(SigmaHostile, RegexTooLargeOrUnsupported) {
  expect_isolated(rule_yaml("    s:\n        A|re: '((((a{100}){100}){100}){100})'\n    condition: s\n"),
                  DiagCode::kRegex);
  expect_isolated(rule_yaml("    s:\n        A|re: '(?<=x)y'\n    condition: s\n"), DiagCode::kRegex);
  expect_isolated(rule_yaml("    s:\n        A|re: '(unclosed'\n    condition: s\n"), DiagCode::kRegex);
}

TEST(SigmaHostile, TenMegabyteValue) {
  const std::string big(10 * 1024 * 1024, 'x');
  expect_isolated(rule_yaml("    s:\n        A: '" + big + "'\n    condition: s\n"), DiagCode::kLimit);
}

TEST(SigmaHostile, AliasBomb) {
  std::string bomb = "title: bomb\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 12; ++i) {
    const std::string n = std::to_string(i);
    bomb.append("a").append(n).append(": &a").append(n).append(" [");
    for (int k = 0; k < 10; ++k) bomb.append(k ? ", *a" : "*a").append(std::to_string(i - 1));
    bomb += "]\n";
  }
  bomb += "logsource: {product: x}\ndetection: {s: {A: 1}, condition: s}\n";
  expect_isolated(bomb, DiagCode::kLimit);
}

TEST(SigmaHostile, DeepNesting) {
  expect_isolated("title: deep\nx: " + std::string(100'000, '[') + std::string(100'000, ']') + "\n",
                  DiagCode::kLimit);
  expect_isolated("title: deep\nx: " + std::string(100'000, '{') + "\n", DiagCode::kLimit);
  std::string block = "title: deep\n";
  for (int i = 0; i < 300; ++i) block += std::string(i, ' ') + "k:\n";
  expect_isolated(block, DiagCode::kLimit);
  std::string dashes = "title: deep\nx:\n";
  for (int i = 0; i < 300; ++i) dashes += "- ";
  expect_isolated(dashes + "v\n", DiagCode::kLimit);
}

TEST(SigmaHostile, DeepCondition) {
  std::string condition(5000, '(');
  condition += "s";
  condition += std::string(5000, ')');
  expect_isolated(rule_yaml("    s:\n        A: 1\n    condition: '" + condition + "'\n"),
                  DiagCode::kCondition);
}

TEST(SigmaHostile, ExpansionLimits) {
  Placeholders placeholders;
  std::vector<std::string> many;
  for (int i = 0; i < 100; ++i) many.push_back(std::string("v").append(std::to_string(i)));
  placeholders.set("p", many);
  CompileOptions options;
  options.placeholders = &placeholders;
  SigmaFixture f;
  // 100^3 combinations.
  EXPECT_EQ(f.compile(kGood + "---\n" +
                          rule_yaml("    s:\n        A|expand: '%p%%p%%p%'\n    condition: s\n"),
                      options),
            1u);
  EXPECT_EQ(f.first_rejection()->code, DiagCode::kLimit);
  EXPECT_EQ(f.set().size(), 1u);
  // Many dashes under windash with an encoding after it: 5^20 permutations.
  expect_isolated(rule_yaml("    s:\n        A|windash|base64: '" + std::string(20, '-') +
                            "'\n    condition: s\n"),
                  DiagCode::kLimit);
}

// What modifiers, aliases and `x of` make of a small file is bounded per
// rule (limits.h): each of these took a minute and gigabytes before.
TEST(SigmaHostile, CompiledSizeLimits) {
  // Encodings chained: each utf16|base64offset makes a value 3 values and
  // 2.7 times as long.
  std::string chain;
  for (int i = 0; i < 8; ++i) chain += "|utf16|base64offset";
  expect_isolated(rule_yaml("    s:\n        Image" + chain + "|contains: '" +
                            std::string(1000, 'x') + "'\n    condition: s\n"),
                  DiagCode::kLimit);
  std::string wide;
  for (int i = 0; i < 16; ++i) wide += "|wide";
  expect_isolated(rule_yaml("    s:\n        Image" + wide + ": '" + std::string(60'000, 'x') +
                            "'\n    condition: s\n"),
                  DiagCode::kLimit);
  // More values than a rule may have, and values too many bytes together.
  std::string keywords = "    keywords:\n";
  for (size_t i = 0; i <= limits::kSigmaMaxRuleValues; ++i) {
    keywords += "        - 'k" + std::to_string(i) + "'\n";
  }
  expect_isolated(rule_yaml(keywords + "    condition: keywords\n"), DiagCode::kLimit);
  std::string long_values = "    s:\n        Image|contains:\n";
  for (int i = 0; i < 400; ++i) {
    long_values += "            - '" + std::to_string(i) + std::string(3000, 'z') + "'\n";
  }
  expect_isolated(rule_yaml(long_values + "    condition: s\n"), DiagCode::kLimit);
  // One long regex named through an alias a thousand times: few bytes of
  // YAML, many of values.
  std::string aliased = "    s0:\n        F0|re: &big '" + std::string(2000, 'a') + "'\n";
  for (int i = 1; i < 1000; ++i) {
    aliased += "    s" + std::to_string(i) + ":\n        F" + std::to_string(i) + "|re: *big\n";
  }
  expect_isolated(rule_yaml(aliased + "    condition: 1 of s*\n"), DiagCode::kLimit);
  // `1 of s*` written many times over many selections: a graph of
  // billions of operands.
  std::string selections;
  for (int i = 0; i < 3000; ++i) {
    selections += "    s" + std::to_string(i) + ":\n        A: '" + std::to_string(i) + "'\n";
  }
  std::string condition = "1 of s*";
  for (int i = 0; i < 500; ++i) condition += " and 1 of s*";
  expect_isolated(rule_yaml(selections + "    condition: " + condition + "\n"), DiagCode::kLimit);
}

// A value longer than Vectorscan takes as a literal leaves the prefilter on
// (it is scanned for by its start), and the rule still matches exactly.
TEST(SigmaHostile, LongValueKeepsThePrefilter) {
  SigmaFixture f;
  const std::string value = "start" + std::string(20'000, 'q') + "end";
  f.compile_ok(
      rule_yaml("    s:\n        CommandLine|contains: '" + value + "'\n    condition: s\n"));
  for (const Diagnostic& d : f.diagnostics()) {
    EXPECT_EQ(d.message.find("prefilter not built"), std::string::npos) << format_diagnostic(d);
  }
  EXPECT_TRUE(f.matches({{"CommandLine", "x " + value + " y"}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "x " + value.substr(0, value.size() - 1)}}));
  EXPECT_FALSE(f.matches({{"CommandLine", "nothing"}}));
}

// Correlations chained deeper than kSigmaMaxCorrelationChain are rejected,
// and checking chains and loops takes time linear in their number (a walk
// from every correlation took a minute for 30,000).
TEST(SigmaHostile, CorrelationChainsAndLoops) {
  const auto correlation = [](const std::string& name, const std::string& takes) {
    std::string yaml = "title: ";
    yaml.append(name).append("\nname: ").append(name);
    yaml.append("\ncorrelation:\n  type: event_count\n  rules: [").append(takes);
    yaml.append("]\n  timespan: 1h\n  condition: {gte: 2}\n");
    return yaml;
  };
  const auto numbered = [](int i) {
    std::string name = "c";
    name += std::to_string(i);
    return name;
  };
  std::string yaml =
      "title: base\nname: base\nlogsource: {product: windows}\n"
      "detection:\n  s: {A: 1}\n  condition: s\n";
  RuleCollection chain;
  parse_rules(yaml, "base.yml", chain);
  constexpr int kChain = 20'000;
  for (int i = 1; i <= kChain; ++i) {
    parse_rules(correlation(numbered(i), i == 1 ? std::string("base") : numbered(i - 1)),
                numbered(i) + ".yml", chain);
  }
  // A loop of three beside it, and one correlation taking the loop.
  parse_rules(correlation("x1", "x3") + "---\n" + correlation("x2", "x1") + "---\n" +
                  correlation("x3", "x2") + "---\n" + correlation("y", "x1"),
              "loop.yml", chain);
  FieldNames names;
  std::vector<Diagnostic> diagnostics;
  const auto start = std::chrono::steady_clock::now();
  const auto set = RuleSet::compile(std::move(chain), names, {}, diagnostics);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 20.0);
  size_t too_deep = 0, loops = 0;
  for (const Diagnostic& d : diagnostics) {
    too_deep += d.message.find("chain of more than") != std::string::npos ? 1 : 0;
    if (d.message.find("refers back to itself") != std::string::npos) {
      ++loops;
      EXPECT_EQ(d.rule_title.substr(0, 1), "x") << format_diagnostic(d);
    }
  }
  EXPECT_EQ(too_deep, static_cast<size_t>(kChain) - limits::kSigmaMaxCorrelationChain);
  EXPECT_EQ(loops, 3u);
  // c1 to c64 stay; the loop does not.
  std::set<std::string> kept;
  for (const Correlation& c : set->correlations()) kept.insert(c.info.title);
  EXPECT_TRUE(kept.contains("c1"));
  constexpr int kDeepest = static_cast<int>(limits::kSigmaMaxCorrelationChain);
  EXPECT_TRUE(kept.contains(numbered(kDeepest)));
  EXPECT_FALSE(kept.contains(numbered(kDeepest + 1)));
  EXPECT_FALSE(kept.contains("x1"));
}

TEST(SigmaHostile, ManyDocuments) {
  std::string yaml;
  for (size_t i = 0; i < limits::kSigmaMaxDocumentsPerFile + 10; ++i) yaml += "---\na: 1\n";
  RuleCollection c;
  parse_rules(yaml, "many.yml", c);
  EXPECT_EQ(c.diagnostics.back().code, DiagCode::kLimit);
}

TEST(SigmaHostile, GarbageBytes) {
  std::string garbage;
  uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245u + 12345u;
    garbage.push_back(static_cast<char>(x >> 24));
  }
  RuleCollection c;
  parse_rules(garbage, "garbage.yml", c);
  EXPECT_TRUE(c.rules.empty());
  // Whatever it is, it is reported.
  EXPECT_FALSE(c.diagnostics.empty());
}

TEST(SigmaHostile, WrongShapes) {
  expect_isolated("title: x\nlogsource: windows\ndetection: {s: {A: 1}, condition: s}\n",
                  DiagCode::kSchema);
  expect_isolated("title: [a, b]\nlogsource: {}\ndetection: {s: {A: 1}, condition: s}\n",
                  DiagCode::kSchema);
  expect_isolated("title: x\nlogsource: {}\ndetection: [s, condition]\n", DiagCode::kSchema);
  expect_isolated("title: x\nlogsource: {}\ndetection: {s: {A: {nested: map}}, condition: s}\n",
                  DiagCode::kSchema);
  expect_isolated("title: x\nlogsource: {}\ndetection: {s: {A: [[1]]}, condition: s}\n",
                  DiagCode::kSchema);
  expect_isolated("title: x\nlogsource: {}\ndetection: {s: {A: 1}, condition: {a: b}}\n",
                  DiagCode::kCondition);
  expect_isolated("title: x\nlogsource: {}\ndetection: {s: {[a, b]: 1}, condition: s}\n",
                  DiagCode::kSchema);
  expect_isolated("title: x\nlogsource: {}\ncorrelation: [a]\n", DiagCode::kSchema);
}

}  // namespace
}  // namespace vigil::detect
