#include "vigil/core/text_map.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(TextMap, FindsOwnedKeysByView) {
  TextMap<int> map;
  map.emplace("Security", 1);
  map.emplace("Sysmon", 2);
  const std::string buffer = "xxSysmonxx";
  const std::string_view view = std::string_view(buffer).substr(2, 6);
  const auto it = map.find(view);
  ASSERT_NE(it, map.end());
  EXPECT_EQ(it->second, 2);
  EXPECT_EQ(map.find(std::string_view("sysmon")), map.end());  // exact bytes, no folding
  EXPECT_EQ(map.count(std::string_view("Security")), 1u);
}

TEST(TextMap, HashAgreesWithStringHash) {
  const std::string text = "4688";
  EXPECT_EQ(TextHash{}(text), std::hash<std::string>{}(text));
}

}  // namespace
}  // namespace vigil
