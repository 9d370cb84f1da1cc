#include "vigil/core/memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace vigil {
namespace {

constexpr size_t kMiB = 1024 * 1024;

// Pages of [data, data + bytes) (page-aligned) the kernel has mapped in.
size_t resident_pages(void* data, size_t bytes) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> flags((bytes + page - 1) / page);
  if (::mincore(data, bytes, flags.data()) != 0) return SIZE_MAX;
  size_t resident = 0;
  for (unsigned char f : flags) resident += f & 1;
  return resident;
}

TEST(LargeBuffer, IsZeroedWritableAndAlignedToTwoMebibytes) {
  LargeBuffer buffer(5 * kMiB + 123);
  ASSERT_NE(buffer.data(), nullptr);
  EXPECT_EQ(buffer.size(), 5 * kMiB + 123);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer.data()) % (2 * kMiB), 0u);
  for (size_t i = 0; i < buffer.size(); i += 4096) ASSERT_EQ(buffer.data()[i], 0) << i;
  EXPECT_EQ(buffer.data()[buffer.size() - 1], 0);
  std::memset(buffer.data(), 0x5a, buffer.size());
  EXPECT_EQ(buffer.data()[buffer.size() - 1], 0x5a);
}

TEST(LargeBuffer, EmptyForZeroBytes) {
  LargeBuffer buffer(0);
  EXPECT_EQ(buffer.data(), nullptr);
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(LargeBuffer, MovesOwnership) {
  LargeBuffer first(3 * kMiB);
  ASSERT_NE(first.data(), nullptr);
  first.data()[7] = 42;
  char* const memory = first.data();
  LargeBuffer second(std::move(first));
  EXPECT_EQ(first.data(), nullptr);
  EXPECT_EQ(first.size(), 0u);
  EXPECT_EQ(second.data(), memory);
  EXPECT_EQ(second.data()[7], 42);
  LargeBuffer third(kMiB);
  third = std::move(second);
  EXPECT_EQ(second.data(), nullptr);
  EXPECT_EQ(third.data(), memory);
  EXPECT_EQ(third.size(), 3 * kMiB);
}

TEST(PrepareForWriting, KeepsContents) {
  std::vector<char> bytes(3 * kMiB + 77);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 31 + 7);
  prepare_for_writing(bytes.data(), bytes.size());
  prepare_in_huge_pages(bytes.data(), bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    ASSERT_EQ(bytes[i], static_cast<char>(i * 31 + 7)) << i;
  }
}

TEST(PrepareForWriting, IgnoresNullAndSmallRanges) {
  prepare_for_writing(nullptr, 10 * kMiB);
  prepare_in_huge_pages(nullptr, 10 * kMiB);
  char small[100] = {1};
  prepare_for_writing(small, sizeof small);
  prepare_in_huge_pages(small, sizeof small);
  EXPECT_EQ(small[0], 1);
}

TEST(PrepareForWriting, MapsFreshPagesAtOnce) {
  const size_t bytes = 2 * kMiB;
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(memory, MAP_FAILED);
  ASSERT_EQ(resident_pages(memory, bytes), 0u);
  prepare_for_writing(memory, bytes);
  const size_t resident = resident_pages(memory, bytes);
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  if (resident == 0 && ::madvise(memory, page, MADV_POPULATE_WRITE) != 0 && errno == EINVAL) {
    ::munmap(memory, bytes);
    GTEST_SKIP() << "this kernel has no MADV_POPULATE_WRITE (Linux 5.14)";
  }
  EXPECT_EQ(resident, bytes / page);
  for (size_t i = 0; i < bytes; i += page) ASSERT_EQ(static_cast<char*>(memory)[i], 0);
  ::munmap(memory, bytes);
}

}  // namespace
}  // namespace vigil
