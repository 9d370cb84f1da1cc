// Generic JSON: flattening, values, time keys, odd lines.

#include <gtest/gtest.h>

#include "json_support.h"

namespace vigil::read {
namespace {

using testing::Parsed;
using testing::parse_block;

TEST(JsonGeneric, NestedObjectsFlattenToDottedNames) {
  FieldNames names;
  const Parsed p = parse_block(
      json_format(),
      R"({"a":{"b":{"c":"deep"}},"n":42,"f":12.50,"neg":-7,"t":true,"z":null,"s":"x\"y\\z","u":"J\u00f6rg"})"
      "\n",
      names);
  ASSERT_EQ(p.events.size(), 1u) << p.issue_text();
  EXPECT_TRUE(p.issues.empty()) << p.issue_text();
  const auto& e = p.events[0];
  EXPECT_EQ(e.get("_source_format"), "json");
  EXPECT_EQ(e.get("a.b.c"), "deep");
  EXPECT_EQ(e.get("n"), "42");
  EXPECT_EQ(e.get("f"), "12.5");
  EXPECT_EQ(e.get("neg"), "-7");
  EXPECT_EQ(e.get("t"), "true");
  EXPECT_EQ(e.get("z"), "");
  EXPECT_EQ(e.get("s"), "x\"y\\z");
  EXPECT_EQ(e.get("u"), "J\xC3\xB6rg");
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.offset, 0u);
}

}  // namespace
}  // namespace vigil::read
