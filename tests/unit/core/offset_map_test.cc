#include "vigil/core/offset_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace vigil {
namespace {

TEST(OffsetMap, EmptyFindsNothing) {
  OffsetMap map;
  EXPECT_EQ(map.find(0), 0u);
  EXPECT_EQ(map.find(12345), 0u);
  EXPECT_EQ(map.size(), 0u);
}

TEST(OffsetMap, InsertReplaceAndClear) {
  OffsetMap map;
  map.insert(512, 1);
  map.insert(0, 7);  // key 0 is an ordinary key
  EXPECT_EQ(map.find(512), 1u);
  EXPECT_EQ(map.find(0), 7u);
  map.insert(512, 3);
  EXPECT_EQ(map.find(512), 3u);
  EXPECT_EQ(map.size(), 2u);
  map.clear();
  EXPECT_EQ(map.find(512), 0u);
  EXPECT_EQ(map.find(0), 0u);
  EXPECT_EQ(map.size(), 0u);
}

// Agrees with std::map through growth and repeated clears, for keys that
// collide on purpose (multiples of a large power of two) and random ones.
TEST(OffsetMap, AgreesWithStdMapThroughGrowthAndClears) {
  std::mt19937 rng(7);
  OffsetMap map;
  for (int round = 0; round < 5; ++round) {
    std::map<uint32_t, uint32_t> want;
    const int n = 100 + round * 2000;
    for (int i = 0; i < n; ++i) {
      const uint32_t key = (i % 3 == 0) ? static_cast<uint32_t>(i) << 16 : rng();
      const uint32_t value = (rng() % 1000) + 1;
      map.insert(key, value);
      want[key] = value;
    }
    ASSERT_EQ(map.size(), want.size());
    for (const auto& [key, value] : want) ASSERT_EQ(map.find(key), value) << key;
    for (int i = 0; i < 1000; ++i) {
      const uint32_t key = rng();
      const auto it = want.find(key);
      ASSERT_EQ(map.find(key), it == want.end() ? 0u : it->second);
    }
    map.clear();
  }
}

}  // namespace
}  // namespace vigil
