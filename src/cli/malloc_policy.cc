#include "malloc_policy.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>

#include "vigil/core/memory.h"

namespace vigil::cli {

namespace {
// Hunts hand output batches of a megabyte or more to the sorter by the
// thousand. glibc raises its mmap threshold to the size of each mapped block
// freed, so such batches would soon come from the heap, where freed ones stay
// resident and fragment it (peak RSS half as large again on a 512 MB hunt).
// A fixed threshold keeps them mapped: freed, they go back.
constexpr int kMmapThreshold = 512 * 1024;
// The fixed threshold also fixes the trim threshold at glibc's 128 KiB, so
// every free at the heap's top would hand memory back, to be faulted in again
// page by page; reserve_heap() would be undone at once. Only small objects
// live on the heap, so keeping this much of it free costs little.
constexpr int kTrimThreshold = 64 * 1024 * 1024;
// glibc refuses an mmap threshold above 32 MiB on 64-bit systems.
constexpr size_t kLargestReserve = 30 * 1024 * 1024;
}  // namespace

void set_malloc_policy() {
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
}

void reserve_heap(size_t bytes) {
  bytes = std::min(bytes, kLargestReserve);
  // One block from the heap, not a mapping of its own: freed, it joins the
  // heap's free top, where the allocations to come are carved from.
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(kLargestReserve + 1024 * 1024));
  void* block = std::malloc(bytes);
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  if (block == nullptr) return;
  prepare_in_huge_pages(block, bytes);
  std::free(block);
}

}  // namespace vigil::cli
