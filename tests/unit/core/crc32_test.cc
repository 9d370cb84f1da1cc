#include "vigil/core/crc32.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <vector>

namespace vigil {
namespace {

TEST(Crc32, KnownValue) {
  const std::string text = "123456789";
  EXPECT_EQ(crc32(0, reinterpret_cast<const uint8_t*>(text.data()), text.size()), 0xCBF43926u);
}

// The folding path must agree with zlib for every length and alignment,
// including the lengths around its 64- and 16-byte steps.
TEST(Crc32, AgreesWithZlib) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buffer(70000 + 16);
  for (auto& b : buffer) b = static_cast<uint8_t>(rng());
  for (size_t size : {0, 1, 15, 16, 17, 63, 64, 65, 79, 80, 127, 128, 129, 512, 4095, 65024, 65536,
                      70000}) {
    for (size_t align = 0; align < 4; ++align) {
      const uint32_t seed = static_cast<uint32_t>(size * 2654435761u);
      EXPECT_EQ(crc32(seed, buffer.data() + align, size),
                static_cast<uint32_t>(::crc32(seed, buffer.data() + align, static_cast<uInt>(size))))
          << "size " << size << " align " << align;
    }
  }
}

TEST(Crc32, Continues) {
  std::vector<uint8_t> data(1000, 0xAB);
  const uint32_t whole = crc32(0, data.data(), data.size());
  EXPECT_EQ(crc32(crc32(0, data.data(), 300), data.data() + 300, 700), whole);
}

}  // namespace
}  // namespace vigil
