#pragma once
// How the vigil process uses glibc's allocator: set once in main(), before
// any thread starts. Library code leaves the allocator alone.

#include <cstddef>

namespace vigil::cli {

// Fixed mmap and trim thresholds (why: malloc_policy.cc).
void set_malloc_policy();

// Grows the heap by about `bytes` and maps it at once, in 2 MiB pages where
// the kernel gives them, for the many small objects about to be made
// (vigil/core/memory.h says what page faults cost). Only while no other
// thread allocates: it changes the mmap threshold for one allocation.
void reserve_heap(size_t bytes);

}  // namespace vigil::cli
