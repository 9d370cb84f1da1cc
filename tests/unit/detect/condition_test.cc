// The condition grammar: operators, precedence, `x of`, `them`, lists.

#include "sigma_fixture.h"

namespace vigil::detect {
namespace {

using testing::rule_yaml;
using testing::SigmaFixture;

// Three selections on fields A, B, C (value "1"), one filter on F, and the
// condition under test.
std::string abc(const std::string& condition) {
  return rule_yaml(
      "    sel_a:\n        A: '1'\n"
      "    sel_b:\n        B: '1'\n"
      "    sel_c:\n        C: '1'\n"
      "    _hidden:\n        H: '1'\n"
      "    filter_f:\n        F: '1'\n"
      "    condition: " + condition + "\n");
}

// Event with the given fields set to "1" (others absent).
std::vector<std::pair<std::string, std::string>> with(std::initializer_list<const char*> names) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* n : names) out.emplace_back(n, "1");
  if (out.empty()) out.emplace_back("Unrelated", "1");
  return out;
}

TEST(SigmaCondition, AndBindsTighterThanOr) {
  SigmaFixture f;
  f.compile_ok(abc("sel_a or sel_b and sel_c"));
  EXPECT_TRUE(f.matches(with({"A"})));
  EXPECT_FALSE(f.matches(with({"B"})));
  EXPECT_TRUE(f.matches(with({"B", "C"})));
  f.compile_ok(abc("sel_a and sel_b or sel_c"));
  EXPECT_TRUE(f.matches(with({"C"})));
  EXPECT_FALSE(f.matches(with({"A"})));
  EXPECT_TRUE(f.matches(with({"A", "B"})));
}

TEST(SigmaCondition, NotBindsTighterThanAnd) {
  SigmaFixture f;
  f.compile_ok(abc("not sel_a and sel_b"));
  EXPECT_TRUE(f.matches(with({"B"})));
  EXPECT_FALSE(f.matches(with({"A", "B"})));
  EXPECT_FALSE(f.matches(with({})));
  f.compile_ok(abc("not sel_a or sel_b"));
  EXPECT_TRUE(f.matches(with({})));
  EXPECT_FALSE(f.matches(with({"A"})));
  f.compile_ok(abc("not not sel_a"));
  EXPECT_TRUE(f.matches(with({"A"})));
}

TEST(SigmaCondition, OfBindsTighterThanNot) {
  SigmaFixture f;
  f.compile_ok(abc("sel_a and not 1 of filter_*"));
  EXPECT_TRUE(f.matches(with({"A"})));
  EXPECT_FALSE(f.matches(with({"A", "F"})));
}

TEST(SigmaCondition, Parentheses) {
  SigmaFixture f;
  f.compile_ok(abc("(sel_a or sel_b) and sel_c"));
  EXPECT_FALSE(f.matches(with({"A"})));
  EXPECT_TRUE(f.matches(with({"A", "C"})));
  f.compile_ok(abc("not (sel_a or sel_b)"));
  EXPECT_TRUE(f.matches(with({"C"})));
  EXPECT_FALSE(f.matches(with({"B"})));
  f.compile_ok(abc("((sel_a))"));
  EXPECT_TRUE(f.matches(with({"A"})));
}

TEST(SigmaCondition, OneAnyAllOfPattern) {
  SigmaFixture f;
  f.compile_ok(abc("1 of sel_*"));
  EXPECT_TRUE(f.matches(with({"B"})));
  EXPECT_FALSE(f.matches(with({"F"})));
  f.compile_ok(abc("any of sel_*"));
  EXPECT_TRUE(f.matches(with({"C"})));
  f.compile_ok(abc("all of sel_*"));
  EXPECT_FALSE(f.matches(with({"A", "B"})));
  EXPECT_TRUE(f.matches(with({"A", "B", "C"})));
  f.compile_ok(abc("all of sel_* and not 1 of filter*"));
  EXPECT_FALSE(f.matches(with({"A", "B", "C", "F"})));
  f.compile_ok(abc("2 of sel_*"));
  EXPECT_FALSE(f.matches(with({"A"})));
  EXPECT_TRUE(f.matches(with({"A", "C"})));
  f.compile_ok(abc("1 of *_b"));  // wildcard anywhere in the pattern
  EXPECT_TRUE(f.matches(with({"B"})));
  EXPECT_FALSE(f.matches(with({"A"})));
  f.compile_ok(abc("1 of sel_a"));  // a pattern without wildcard names one identifier
  EXPECT_TRUE(f.matches(with({"A"})));
}

TEST(SigmaCondition, ThemLeavesOutUnderscoreNames) {
  SigmaFixture f;
  f.compile_ok(abc("all of them"));
  // _hidden is not required...
  EXPECT_TRUE(f.matches(with({"A", "B", "C", "F"})));
  f.compile_ok(abc("1 of them"));
  // ...and does not count.
  EXPECT_FALSE(f.matches(with({"H"})));
  EXPECT_TRUE(f.matches(with({"F"})));
  // Named explicitly, it is used.
  f.compile_ok(abc("_hidden"));
  EXPECT_TRUE(f.matches(with({"H"})));
  f.compile_ok(abc("1 of _*"));
  EXPECT_TRUE(f.matches(with({"H"})));
  f.compile_ok(abc("1 of *"));
  EXPECT_FALSE(f.matches(with({"H"})));
}

TEST(SigmaCondition, ConditionListIsOr) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    sel_a:\n        A: '1'\n    sel_b:\n        B: '1'\n"
                         "    condition:\n        - sel_a\n        - sel_b\n"));
  EXPECT_TRUE(f.matches(with({"A"})));
  EXPECT_TRUE(f.matches(with({"B"})));
  EXPECT_FALSE(f.matches(with({"C"})));
}

TEST(SigmaCondition, KeywordsAreCaseInsensitiveAndIdentifiersMayBeNamedAll) {
  SigmaFixture f;
  f.compile_ok(rule_yaml("    all:\n        A: '1'\n    them2:\n        B: '1'\n"
                         "    condition: all AND NOT them2\n"));
  EXPECT_TRUE(f.matches(with({"A"})));
  EXPECT_FALSE(f.matches(with({"A", "B"})));
}

TEST(SigmaCondition, ParseErrors) {
  struct Case {
    const char* condition;
    const char* expected;  // part of the message
  };
  const Case cases[] = {
      {"sel_a and", "ends"},
      {"(sel_a", "missing ')'"},
      {"sel_a)", "unexpected"},
      {"sel_a sel_b", "unexpected"},
      {"sel_x", "does not define"},
      {"1 of nothing*", "matches no"},
      {"4 of sel_*", "never hold"},
      {"0 of sel_*", "never"},
      {"sel_a | count() > 5", "legacy aggregation"},
      {"sel_a and or sel_b", "unexpected"},
      {"x of sel_*", "expected"},
      {"1 of", "them"},
      {"''", "empty"},
  };
  for (const Case& c : cases) {
    SigmaFixture f;
    EXPECT_EQ(f.compile(abc(c.condition)), 1u) << c.condition;
    const Diagnostic* d = f.first_rejection();
    ASSERT_NE(d, nullptr) << c.condition;
    EXPECT_EQ(d->code, DiagCode::kCondition) << c.condition;
    EXPECT_NE(d->message.find(c.expected), std::string::npos) << c.condition << ": " << d->message;
  }
}

TEST(SigmaCondition, ParsedTree) {
  std::string error;
  auto node = parse_condition("a or not b and 1 of c*", error);
  ASSERT_TRUE(node) << error;
  ASSERT_EQ(node->kind, ConditionNode::Kind::kOr);
  ASSERT_EQ(node->children.size(), 2u);
  EXPECT_EQ(node->children[0].name, "a");
  const ConditionNode& conj = node->children[1];
  ASSERT_EQ(conj.kind, ConditionNode::Kind::kAnd);
  EXPECT_EQ(conj.children[0].kind, ConditionNode::Kind::kNot);
  EXPECT_EQ(conj.children[1].kind, ConditionNode::Kind::kOf);
  EXPECT_EQ(conj.children[1].count, 1u);
  EXPECT_EQ(conj.children[1].name, "c*");
}

TEST(SigmaCondition, DeepNestingIsRefused) {
  std::string deep(10000, '(');
  deep += "a";
  deep += std::string(10000, ')');
  std::string error;
  EXPECT_FALSE(parse_condition(deep, error));
  EXPECT_NE(error.find("deeper"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 10000; ++i) nots += "not ";
  nots += "a";
  EXPECT_FALSE(parse_condition(nots, error));
}

}  // namespace
}  // namespace vigil::detect
