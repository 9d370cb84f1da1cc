#pragma once
// Ordered parallel map: work units are produced on N worker threads and
// consumed on the calling thread strictly in unit order. This is how every
// stage stays deterministic whatever the thread count, and the bounded
// window of units in flight is how memory stays bounded whatever the input.

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace vigil {

// produce(unit, worker, out): fills `out` for `unit`, on worker thread `worker`
//   (0..threads-1). `out` is a reused slot: clear what you do not overwrite.
// consume(unit, out): called on the caller's thread in increasing unit order.
// With threads <= 1 everything runs on the calling thread, without threads.
template <class Out, class Produce, class Consume>
void ordered_parallel(size_t units, unsigned threads, size_t window, Produce&& produce,
                      Consume&& consume) {
  if (units == 0) return;
  if (threads <= 1) {
    Out out{};
    for (size_t u = 0; u < units; ++u) {
      produce(u, 0u, out);
      consume(u, out);
    }
    return;
  }
  window = std::max<size_t>(window, threads);
  std::vector<Out> slots(window);
  std::vector<size_t> slot_unit(window, SIZE_MAX);  // unit ready in the slot, SIZE_MAX if none
  std::mutex mutex;
  std::condition_variable ready_cv;  // a slot became ready
  std::condition_variable free_cv;   // a slot became free
  size_t next_unit = 0;              // next unit to hand out
  size_t consumed = 0;               // units consumed so far

  auto worker = [&](unsigned w) {
    for (;;) {
      size_t unit;
      {
        std::unique_lock lock(mutex);
        if (next_unit >= units) return;
        unit = next_unit++;
        // The slot is free once the unit `window` places before is consumed.
        free_cv.wait(lock, [&] { return unit < consumed + window; });
      }
      Out& out = slots[unit % window];
      produce(unit, w, out);
      {
        std::lock_guard lock(mutex);
        slot_unit[unit % window] = unit;
      }
      ready_cv.notify_one();
    }
  };

  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (unsigned w = 0; w < threads; ++w) pool.emplace_back(worker, w);
  for (size_t u = 0; u < units; ++u) {
    {
      std::unique_lock lock(mutex);
      ready_cv.wait(lock, [&] { return slot_unit[u % window] == u; });
    }
    consume(u, slots[u % window]);
    {
      std::lock_guard lock(mutex);
      slot_unit[u % window] = SIZE_MAX;
      ++consumed;
    }
    free_cv.notify_all();
  }
  for (auto& t : pool) t.join();
}

// Threads to use for `requested` (0 = all cores), never more than the limit.
unsigned resolve_threads(unsigned requested);

}  // namespace vigil
