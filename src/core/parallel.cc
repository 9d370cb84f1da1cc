#include "vigil/core/parallel.h"

#include "vigil/core/limits.h"

namespace vigil {

unsigned resolve_threads(unsigned requested) {
  unsigned n = requested;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  return std::min(n, limits::kMaxThreads);
}

}  // namespace vigil
