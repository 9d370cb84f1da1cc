#include "vigil/core/memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <utility>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older kernels answer EINVAL
#endif

namespace vigil {

namespace {
// Below this, one madvise call costs about what the faults it saves do.
constexpr size_t kMinimumBytes = 64 * 1024;
constexpr size_t kHugePage = 2 * 1024 * 1024;

uintptr_t page_size() {
  static const uintptr_t size = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  return size;
}
}  // namespace

void prepare_for_writing(void* data, size_t bytes) {
  if (data == nullptr || bytes < kMinimumBytes) return;
  const uintptr_t page = page_size();
  // The first page is mapped already (the allocator wrote its header there
  // or nearby); the last partial page may belong to no mapping at all.
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data) & ~(page - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(page - 1);
  if (end <= begin) return;
  // A failure leaves the pages to fault one by one, as without this call.
  (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
}

void prepare_in_huge_pages(void* data, size_t bytes) {
  if (data == nullptr) return;
  const uintptr_t first = reinterpret_cast<uintptr_t>(data);
  const uintptr_t begin = (first + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t end = (first + bytes) & ~(kHugePage - 1);
  // Refused where huge pages are off: the range keeps ordinary pages.
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  prepare_for_writing(data, bytes);
}

LargeBuffer::LargeBuffer(size_t size) {
  if (size == 0 || size > SIZE_MAX - 2 * kHugePage) return;
  const size_t rounded = (size + kHugePage - 1) & ~(kHugePage - 1);
  // Mapped with a 2 MiB margin, then trimmed to a 2 MiB-aligned range: huge
  // pages only go where a whole aligned 2 MiB lies inside the mapping.
  const size_t asked = rounded + kHugePage;
  void* mapped = ::mmap(nullptr, asked, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return;
  const uintptr_t start = reinterpret_cast<uintptr_t>(mapped);
  const uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
  if (aligned > start) ::munmap(mapped, aligned - start);
  const size_t tail = start + asked - (aligned + rounded);
  if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + rounded), tail);
  data_ = reinterpret_cast<char*>(aligned);
  size_ = size;
  mapped_ = rounded;
  // Refused where huge pages are off: the buffer then has ordinary pages.
  (void)::madvise(data_, mapped_, MADV_HUGEPAGE);
}

LargeBuffer::LargeBuffer(LargeBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, 0)) {}

LargeBuffer& LargeBuffer::operator=(LargeBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(data_, mapped_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

LargeBuffer::~LargeBuffer() {
  if (data_ != nullptr) ::munmap(data_, mapped_);
}

}  // namespace vigil
