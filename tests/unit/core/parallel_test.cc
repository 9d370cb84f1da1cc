#include "vigil/core/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/core/limits.h"

namespace vigil {
namespace {

// Sleeps a pseudo-random few microseconds, so units finish out of order.
void jitter(size_t unit) {
  std::mt19937 rng(static_cast<unsigned>(unit) * 2654435761u);
  std::this_thread::sleep_for(std::chrono::microseconds(rng() % 300));
}

uint64_t expected_value(size_t unit) { return unit * 1'000'003ULL + 17; }

struct Outcome {
  std::vector<size_t> order;
  size_t max_in_flight = 0;
  bool bad_worker = false;
  bool bad_value = false;
};

Outcome run(size_t units, unsigned threads, size_t window) {
  Outcome result;
  std::atomic<size_t> started{0};
  std::atomic<size_t> consumed{0};
  std::atomic<size_t> max_in_flight{0};
  std::atomic<bool> bad_worker{false};
  ordered_parallel<std::vector<uint64_t>>(
      units, threads, window,
      [&](size_t unit, unsigned worker, std::vector<uint64_t>& out) {
        if (worker >= std::max(1u, threads)) bad_worker = true;
        const size_t in_flight = ++started - consumed.load();
        size_t seen = max_in_flight.load();
        while (in_flight > seen && !max_in_flight.compare_exchange_weak(seen, in_flight)) {
        }
        jitter(unit);
        // The slot is reused: overwrite, never append to what a former unit left.
        out.assign(1 + unit % 3, expected_value(unit));
      },
      [&](size_t unit, std::vector<uint64_t>& out) {
        result.order.push_back(unit);
        if (out.size() != 1 + unit % 3 || std::any_of(out.begin(), out.end(), [&](uint64_t v) {
              return v != expected_value(unit);
            })) {
          result.bad_value = true;
        }
        ++consumed;
      });
  result.max_in_flight = max_in_flight.load();
  result.bad_worker = bad_worker.load();
  return result;
}

TEST(OrderedParallel, DeliversInOrderForEveryThreadCountAndWindow) {
  for (unsigned threads = 1; threads <= 8; ++threads) {
    for (const size_t window : {size_t{0}, size_t{1}, size_t{2}, size_t{threads - 1},
                                size_t{threads}, size_t{threads} * 4}) {
      SCOPED_TRACE(testing::Message() << "threads " << threads << ", window " << window);
      const size_t units = 120;
      const Outcome o = run(units, threads, window);
      ASSERT_EQ(o.order.size(), units);
      for (size_t u = 0; u < units; ++u) ASSERT_EQ(o.order[u], u);
      EXPECT_FALSE(o.bad_value);
      EXPECT_FALSE(o.bad_worker);
      // Memory stays bounded: never more units produced-but-unconsumed than
      // the window (raised to the thread count when smaller).
      EXPECT_LE(o.max_in_flight, std::max<size_t>({window, threads, 1}));
    }
  }
}

TEST(OrderedParallel, FewerUnitsThanThreads) {
  for (const size_t units : {size_t{0}, size_t{1}, size_t{3}}) {
    const Outcome o = run(units, 8, 2);
    ASSERT_EQ(o.order.size(), units);
    for (size_t u = 0; u < units; ++u) EXPECT_EQ(o.order[u], u);
    EXPECT_FALSE(o.bad_value);
  }
}

TEST(OrderedParallel, SingleThreadRunsOnCaller) {
  const std::thread::id caller = std::this_thread::get_id();
  bool elsewhere = false;
  size_t calls = 0;
  for (const unsigned threads : {0u, 1u}) {
    ordered_parallel<int>(
        5, threads, 4,
        [&](size_t, unsigned worker, int&) {
          if (std::this_thread::get_id() != caller || worker != 0) elsewhere = true;
          ++calls;
        },
        [&](size_t, int&) {
          if (std::this_thread::get_id() != caller) elsewhere = true;
        });
  }
  EXPECT_FALSE(elsewhere);
  EXPECT_EQ(calls, 10u);
}

TEST(OrderedParallel, ConsumerRunsOnCaller) {
  const std::thread::id caller = std::this_thread::get_id();
  bool elsewhere = false;
  ordered_parallel<int>(
      50, 4, 8, [&](size_t u, unsigned, int& out) { out = static_cast<int>(u); },
      [&](size_t, int&) {
        if (std::this_thread::get_id() != caller) elsewhere = true;
      });
  EXPECT_FALSE(elsewhere);
}

TEST(OrderedParallel, SameOutputWhateverTheThreadCount) {
  auto digest = [](unsigned threads) {
    uint64_t h = 1469598103934665603ULL;
    ordered_parallel<uint64_t>(
        300, threads, threads * 2,
        [](size_t u, unsigned, uint64_t& out) {
          if (u % 17 == 0) jitter(u);
          out = expected_value(u);
        },
        [&](size_t, uint64_t& out) { h = (h ^ out) * 1099511628211ULL; });
    return h;
  };
  const uint64_t reference = digest(1);
  for (unsigned threads = 2; threads <= 8; ++threads) EXPECT_EQ(digest(threads), reference);
}

TEST(ResolveThreads, Values) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(resolve_threads(0), std::min(cores, limits::kMaxThreads));
  EXPECT_EQ(resolve_threads(1), 1u);
  EXPECT_EQ(resolve_threads(3), 3u);
  EXPECT_EQ(resolve_threads(limits::kMaxThreads), limits::kMaxThreads);
  EXPECT_EQ(resolve_threads(limits::kMaxThreads + 1), limits::kMaxThreads);
  EXPECT_EQ(resolve_threads(UINT32_MAX), limits::kMaxThreads);
}

}  // namespace
}  // namespace vigil
