// Rule selection (--min-level, --rule-filter): what it selects, and what the
// compiler is left with: the selected rules, the correlations they need and
// the rules those take, filters only where they still apply.

#include "vigil/detect/selection.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sigma_fixture.h"
#include "vigil/detect/loader.h"

namespace vigil::detect {
namespace {

std::string rule(const std::string& name, const std::string& level,
                 const std::string& tags = "[attack.t1059]") {
  return "title: Rule " + name + "\nid: id-" + name + "\nname: " + name + "\nlevel: " + level +
         "\ntags: " + tags +
         "\nlogsource:\n    product: windows\ndetection:\n    sel:\n        Image: " + name +
         ".exe\n    condition: sel\n---\n";
}

std::string correlation(const std::string& name, const std::string& level,
                        const std::string& refs) {
  return "title: Correlation " + name + "\nid: id-" + name + "\nname: " + name +
         "\nlevel: " + level + "\ncorrelation:\n    type: event_count\n    rules: " + refs +
         "\n    group-by: [Computer]\n    timespan: 5m\n    condition:\n        gte: 2\n---\n";
}

std::string filter(const std::string& refs) {
  return "title: A filter\nid: id-filter\nlogsource:\n    product: windows\nfilter:\n"
         "    rules: " +
         refs + "\n    selection:\n        User: SYSTEM\n    condition: selection\n---\n";
}

std::vector<std::string> names_of(const RuleCollection& c) {
  std::vector<std::string> out;
  for (const Rule& r : c.rules) out.push_back(r.info.name);
  for (const Correlation& k : c.correlations) out.push_back(k.info.name);
  return out;
}

RuleCollection parse(const std::string& yaml) {
  RuleCollection c;
  parse_rules(yaml, "selection.yml", c);
  EXPECT_TRUE(c.diagnostics.empty());
  return c;
}

TEST(RuleSelection, LevelAndTextsAsHuntDocumentsThem) {
  RuleInfo info;
  info.id = "5f1a-ABC";
  info.title = "Suspicious WMIC Use";
  info.level = Level::kMedium;
  info.tags = {"attack.execution", "attack.t1047"};
  RuleSelection s;
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(s.selects(info));
  s.min_level = Level::kMedium;
  EXPECT_TRUE(s.selects(info));
  s.min_level = Level::kHigh;
  EXPECT_FALSE(s.selects(info));
  s.min_level.reset();
  s.contains = {"wmic"};  // title, any case
  EXPECT_TRUE(s.selects(info));
  s.contains = {"abc"};  // id
  EXPECT_TRUE(s.selects(info));
  s.contains = {"T1047"};  // a tag
  EXPECT_TRUE(s.selects(info));
  s.contains = {"t1059", "nothing"};
  EXPECT_FALSE(s.selects(info));
  s.contains = {"nothing", "execution"};  // any of them
  EXPECT_TRUE(s.selects(info));
  s.min_level = Level::kHigh;  // and the level too
  EXPECT_FALSE(s.selects(info));
  // A rule without a level is below every level.
  info.level = Level::kNone;
  s = {};
  s.min_level = Level::kInformational;
  EXPECT_FALSE(s.selects(info));
}

TEST(RuleSelection, KeysTellSelectionsApart) {
  RuleSelection a;
  EXPECT_EQ(a.key(), "");
  a.min_level = Level::kHigh;
  RuleSelection b = a;
  b.contains = {"x"};
  RuleSelection c = a;
  c.contains = {"x", "y"};
  RuleSelection d = a;
  d.contains = {"x y"};
  RuleSelection e;
  e.contains = {"x"};
  const std::vector<std::string> keys = {a.key(), b.key(), c.key(), d.key(), e.key()};
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_FALSE(keys[i].empty());
    for (size_t j = i + 1; j < keys.size(); ++j) EXPECT_NE(keys[i], keys[j]) << i << " " << j;
  }
}

TEST(RuleSelection, EmptySelectionLeavesEverything) {
  RuleCollection c = parse(rule("a", "low") + rule("b", "high") + correlation("k", "low", "[a]"));
  const SelectionCounts counts = apply_selection(c, {});
  EXPECT_EQ(counts.rules, 3u);
  EXPECT_EQ(counts.left_out, 0u);
  EXPECT_EQ(names_of(c), (std::vector<std::string>{"a", "b", "k"}));
}

TEST(RuleSelection, KeepsSelectedRulesInOrder) {
  RuleCollection c = parse(rule("a", "low") + rule("b", "high") + rule("c", "critical") +
                           rule("d", "medium") + rule("e", "high"));
  RuleSelection s;
  s.min_level = Level::kHigh;
  const SelectionCounts counts = apply_selection(c, s);
  EXPECT_EQ(counts.rules, 5u);
  EXPECT_EQ(counts.left_out, 2u);
  EXPECT_EQ(names_of(c), (std::vector<std::string>{"b", "c", "e"}));
}

TEST(RuleSelection, KeptCorrelationsKeepWhatTheyTakeThroughChains) {
  // top (critical) -> mid (low) -> a (low) by name and b (low) by id; other
  // (low) takes c: left out with it.
  RuleCollection c =
      parse(rule("a", "low") + rule("b", "low") + rule("c", "low") +
            correlation("mid", "low", "[a, id-b]") + correlation("top", "critical", "[mid]") +
            correlation("other", "low", "[c]"));
  RuleSelection s;
  s.min_level = Level::kHigh;
  const SelectionCounts counts = apply_selection(c, s);
  EXPECT_EQ(counts.rules, 6u);
  EXPECT_EQ(counts.left_out, 2u);
  EXPECT_EQ(names_of(c), (std::vector<std::string>{"a", "b", "mid", "top"}));
}

// A correlation without `generate` silences the rules it takes: left out,
// it would let a selected rule it takes alert on its own. With `generate`
// it silences nothing and goes.
TEST(RuleSelection, CorrelationsThatSilenceKeptRulesStay) {
  RuleCollection c =
      parse(rule("a", "high") + rule("b", "low") + rule("d", "high") + rule("e", "low") +
            correlation("quiet", "low", "[a, b]") + correlation("loud", "low", "[d, e]") +
            correlation("outer", "low", "[loud]"));
  for (Correlation& k : c.correlations) k.generate = k.info.name == "loud";
  RuleSelection s;
  s.min_level = Level::kHigh;
  const SelectionCounts counts = apply_selection(c, s);
  EXPECT_EQ(counts.left_out, 3u);
  EXPECT_EQ(names_of(c), (std::vector<std::string>{"a", "b", "d", "quiet"}));
}

TEST(RuleSelection, LoopingCorrelationsEnd) {
  RuleCollection c =
      parse(rule("a", "low") + correlation("x", "high", "[y, a]") + correlation("y", "low", "[x]"));
  RuleSelection s;
  s.min_level = Level::kHigh;
  EXPECT_EQ(apply_selection(c, s).left_out, 0u);
  EXPECT_EQ(names_of(c), (std::vector<std::string>{"a", "x", "y"}));
}

TEST(RuleSelection, FiltersKeepOnlyReferencesThatStillApply) {
  // The filter names a kept rule, a left-out one and one that never
  // existed (which the compiler must still report).
  RuleCollection c =
      parse(rule("a", "high") + rule("b", "low") + filter("[a, b, ghost]") + filter("[b]"));
  RuleSelection s;
  s.min_level = Level::kHigh;
  apply_selection(c, s);
  ASSERT_EQ(c.filters.size(), 1u);
  EXPECT_EQ(c.filters[0].rules, (std::vector<std::string>{"a", "ghost"}));
}

// What the compiled set matches with a selection is what the whole set
// matches, less the rules left out.
TEST(RuleSelection, CompiledSetMatchesTheSelectedRulesOfTheWholeSet) {
  const std::string yaml = rule("a", "low") + rule("b", "high") + rule("c", "critical");
  testing::SigmaFixture whole;
  whole.compile_ok(yaml);
  testing::SigmaFixture high;
  CompileOptions options;
  options.selection.min_level = Level::kHigh;
  high.compile_ok(yaml, options);
  EXPECT_EQ(high.set().size(), 2u);
  EXPECT_EQ(high.set().left_out(), 1u);
  EXPECT_EQ(whole.set().left_out(), 0u);
  for (const std::string name : {"a", "b", "c"}) {
    const auto w = whole.match(whole.event({{"Image", name + ".exe"}}));
    const auto h = high.match(high.event({{"Image", name + ".exe"}}));
    ASSERT_EQ(w.size(), 1u);
    const std::string& wanted = whole.set().rule(w[0]).info.name;
    if (wanted == "a") {
      EXPECT_TRUE(h.empty());
    } else {
      ASSERT_EQ(h.size(), 1u);
      EXPECT_EQ(high.set().rule(h[0]).info.name, wanted);
    }
  }
}

}  // namespace
}  // namespace vigil::detect
