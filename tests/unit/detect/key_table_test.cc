#include <map>
#include <string>

#include <gtest/gtest.h>

#include "compiled.h"

namespace vigil::detect {
namespace {

TEST(KeyTable, FindsEveryKeyAndNothingElse) {
  KeyTable table;
  std::map<std::string, uint32_t> reference;
  // Event ids, names and long values; enough to rehash several times.
  for (uint32_t i = 0; i < 5000; ++i) {
    std::string key = i % 3 == 0   ? std::to_string(i)
                      : i % 3 == 1 ? "c:\\windows\\system32\\tool" + std::to_string(i) + ".exe"
                                   : std::string(i % 40, 'k') + std::to_string(i);
    EXPECT_TRUE(table.emplace(key, i * 7));
    reference.emplace(key, i * 7);
  }
  EXPECT_EQ(table.size(), reference.size());
  for (const auto& [key, id] : reference) {
    const uint32_t* found = table.find(key);
    ASSERT_NE(found, nullptr) << key;
    EXPECT_EQ(*found, id) << key;
    EXPECT_EQ(table.find(key + "x"), nullptr) << key;
    const std::string prefix = key.substr(0, key.size() - 1);
    if (!reference.contains(prefix)) {
      EXPECT_EQ(table.find(prefix), nullptr) << key;
    }
  }
  EXPECT_EQ(table.find(""), nullptr);
  // Insertion order is kept for iteration.
  uint32_t expected = 0;
  for (const auto& [key, id] : table) {
    EXPECT_EQ(id, expected);
    expected += 7;
  }
}

// The memo and the key tables compare text only on equal hashes: a byte the
// hash skips would send every value differing there to one slot. Each length
// up to 40 covers the partial words the hash reads with overlapping loads.
TEST(StringHash, EveryByteChangesTheHash) {
  const StringHash hash;
  for (size_t length = 1; length <= 40; ++length) {
    std::string text;
    for (size_t i = 0; i < length; ++i) text.push_back(static_cast<char>('a' + i % 26));
    const size_t base = hash(text);
    for (size_t i = 0; i < length; ++i) {
      std::string changed = text;
      changed[i] = '#';
      EXPECT_NE(hash(changed), base) << "length " << length << ", byte " << i;
    }
    // A length of its own, with the same bytes as far as they go.
    EXPECT_NE(hash(text.substr(0, length - 1)), base) << "length " << length;
  }
}

TEST(KeyTable, RefusesADuplicateAndKeepsTheFirst) {
  KeyTable table;
  EXPECT_EQ(table.find("4624"), nullptr);  // empty table
  EXPECT_TRUE(table.emplace("4624", 1));
  EXPECT_FALSE(table.emplace("4624", 2));
  EXPECT_TRUE(table.emplace("", 3));  // the empty value is a key like any other
  ASSERT_NE(table.find("4624"), nullptr);
  EXPECT_EQ(*table.find("4624"), 1u);
  ASSERT_NE(table.find(""), nullptr);
  EXPECT_EQ(*table.find(""), 3u);
  EXPECT_EQ(table.size(), 2u);
}

TEST(KeyTable, ReserveKeepsWhatIsThere) {
  KeyTable table;
  EXPECT_TRUE(table.emplace("a", 1));
  table.reserve(1000);
  EXPECT_TRUE(table.emplace("b", 2));
  ASSERT_NE(table.find("a"), nullptr);
  EXPECT_EQ(*table.find("a"), 1u);
  EXPECT_EQ(*table.find("b"), 2u);
}

}  // namespace
}  // namespace vigil::detect
