#pragma once
// Fresh memory costs a page fault per 4 KiB page the first time it is
// touched. On the virtual machines vigil is measured on, CI's included, that
// is about 11 us a page (a 1 GiB hunt spent over a tenth of its time there),
// against about 6 us when the kernel maps a range asked for at once, and
// 0.25 us a 4 KiB page when the range is in 2 MiB pages. Code about to fill
// a large buffer asks for its pages first; long-lived large buffers take
// memory of their own in 2 MiB pages.

#include <cstddef>

namespace vigil {

// Maps the pages of [data, data + bytes) ready for writing, leaving their
// contents as they are. Best effort: ranges under a few pages are left to
// fault as usual, and kernels before Linux 5.14 do nothing.
void prepare_for_writing(void* data, size_t bytes);

// The same, after asking for 2 MiB pages for the whole aligned 2 MiB spans
// inside the range (none of which may have been touched yet for them to be
// given). For memory that stays in use: a 2 MiB page is freed whole or not.
void prepare_in_huge_pages(void* data, size_t bytes);

// `size` bytes of zeroed memory mapped for this buffer alone, in 2 MiB pages
// where the kernel gives them (transparent huge pages not "never"), else in
// ordinary pages. Empty (data() == nullptr) when the memory cannot be had.
class LargeBuffer {
 public:
  LargeBuffer() = default;
  explicit LargeBuffer(size_t size);
  LargeBuffer(LargeBuffer&& other) noexcept;
  LargeBuffer& operator=(LargeBuffer&& other) noexcept;
  LargeBuffer(const LargeBuffer&) = delete;
  LargeBuffer& operator=(const LargeBuffer&) = delete;
  ~LargeBuffer();

  char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_ = 0;  // bytes mapped at data_ (size_ rounded up to 2 MiB)
};

}  // namespace vigil
