#include "vigil/report/sorter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace vigil::report {
namespace {

struct Item {
  SortKey key;
  std::string payload;
};

// Deterministic pseudo-random records; many share a time so the later key
// members decide.
// xorshift64: the tests' records and payloads, the same on every run.
uint64_t next_random(uint64_t& x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

std::vector<Item> make_items(size_t n, uint64_t seed, size_t max_payload) {
  std::vector<Item> items;
  uint64_t x = seed;
  auto next = [&x] { return next_random(x); };
  for (size_t i = 0; i < n; ++i) {
    Item item;
    item.key.ticks = static_cast<int64_t>(next() % 50) - 10;
    item.key.source = static_cast<uint32_t>(next() % 3);
    item.key.offset = next() % 1000;
    item.key.record = next() % 5;
    item.key.sequence = i;
    item.payload.assign(next() % (max_payload + 1), static_cast<char>('a' + i % 26));
    item.payload += std::to_string(i);
    items.push_back(std::move(item));
  }
  return items;
}

// Every record the sorter gives back, in its order.
std::vector<Item> drain(ExternalSorter& sorter) {
  std::vector<Item> out;
  SortKey key;
  std::string_view payload;
  for (;;) {
    auto more = sorter.next(key, payload);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    out.push_back({key, std::string(payload)});
  }
  return out;
}

std::vector<Item> sorted_through(const std::vector<Item>& items, SorterOptions options,
                                 SorterStats* stats = nullptr) {
  ExternalSorter sorter(options);
  for (const Item& item : items) {
    auto r = sorter.add(item.key, item.payload);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
  }
  EXPECT_TRUE(sorter.finish().ok());
  std::vector<Item> out = drain(sorter);
  if (stats != nullptr) *stats = sorter.stats();
  return out;
}

std::vector<Item> reference_sort(std::vector<Item> items) {
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.key < b.key; });
  return items;
}

void expect_same(const std::vector<Item>& a, const std::vector<Item>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].key, b[i].key) << i;
    EXPECT_EQ(a[i].payload, b[i].payload) << i;
  }
}

// Sorts `items` within `memory_limit` bytes, expects the reference order,
// and gives the sorter's statistics.
SorterStats expect_sorted_with_budget(const std::vector<Item>& items, size_t memory_limit) {
  SorterOptions options;
  options.memory_limit = memory_limit;
  SorterStats stats;
  const auto out = sorted_through(items, options, &stats);
  expect_same(out, reference_sort(items));
  return stats;
}

TEST(ExternalSorter, InMemory) {
  const auto items = make_items(2000, 1, 100);
  SorterStats stats;
  const auto out = sorted_through(items, {}, &stats);
  expect_same(out, reference_sort(items));
  EXPECT_EQ(stats.runs, 0u);
  EXPECT_EQ(stats.records, items.size());
}

TEST(ExternalSorter, SpilledRunsGiveTheSameOrder) {
  const auto items = make_items(5000, 2, 200);
  const SorterStats stats = expect_sorted_with_budget(items, 16 * 1024);
  EXPECT_GT(stats.runs, 10u);
  EXPECT_EQ(stats.merge_passes, 0u);
  // Runs are packed: these payloads are runs of one letter.
  EXPECT_GT(stats.spilled_record_bytes, 0u);
  EXPECT_LT(stats.spilled_bytes, stats.spilled_record_bytes / 2);
}

// Payloads that do not compress (random bytes) still come back whole: a
// packed block may be larger than the records it holds.
TEST(ExternalSorter, IncompressiblePayloadsRoundTrip) {
  std::vector<Item> items;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 3000; ++i) {
    Item item;
    item.key = {static_cast<int64_t>((i * 7919) % 1000), 0, 0, 0, static_cast<uint64_t>(i)};
    item.payload.resize(static_cast<size_t>(i % 700));
    for (char& c : item.payload) c = static_cast<char>(next_random(x));
    items.push_back(std::move(item));
  }
  EXPECT_GT(expect_sorted_with_budget(items, 64 * 1024).runs, 5u);
}

TEST(ExternalSorter, IntermediateMergesWhenRunsExceedTheFanIn) {
  const auto items = make_items(4000, 3, 120);
  SorterOptions options;
  options.memory_limit = 4 * 1024;
  options.merge_fan_in = 3;
  SorterStats stats;
  const auto out = sorted_through(items, options, &stats);
  expect_same(out, reference_sort(items));
  EXPECT_GT(stats.merge_passes, 0u);
}

// Items fed as the hunt feeds them: blocks of `per_block` adopted, every
// third item copied with add() in between.
std::vector<Item> sorted_through_blocks(const std::vector<Item>& items, size_t per_block,
                                        SorterOptions options, SorterStats* stats) {
  ExternalSorter sorter(options);
  std::string block;
  std::vector<ExternalSorter::BlockRecord> records;
  auto hand_over = [&] {
    auto r = sorter.adopt(std::move(block), records);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    block = std::string();
    records.clear();
  };
  for (size_t i = 0; i < items.size(); ++i) {
    if (i % 3 == 2) {
      EXPECT_TRUE(sorter.add(items[i].key, items[i].payload).ok());
      continue;
    }
    records.push_back({items[i].key, block.size(), items[i].payload.size()});
    block += items[i].payload;
    if (records.size() == per_block) hand_over();
  }
  hand_over();
  std::vector<Item> out = drain(sorter);
  *stats = sorter.stats();
  return out;
}

TEST(ExternalSorter, AdoptedBlocksSortWithCopiedRecords) {
  const auto items = make_items(3000, 7, 150);
  SorterStats stats;
  expect_same(sorted_through_blocks(items, 5, {}, &stats), reference_sort(items));
  EXPECT_EQ(stats.runs, 0u);
  EXPECT_EQ(stats.records, items.size());
  // Small blocks (one record, SSO-sized) and a budget that forces runs.
  SorterOptions options;
  options.memory_limit = 8 * 1024;
  expect_same(sorted_through_blocks(items, 1, options, &stats), reference_sort(items));
  EXPECT_GT(stats.runs, 10u);
  expect_same(sorted_through_blocks(items, 40, options, &stats), reference_sort(items));
  EXPECT_GT(stats.runs, 10u);
}

TEST(ExternalSorter, BlocksWrittenToARunComeBackAsSpares) {
  SorterOptions options;
  options.memory_limit = 1000;
  ExternalSorter sorter(options);
  EXPECT_EQ(sorter.spare_block().capacity(), std::string().capacity());  // nothing spilled yet
  for (uint64_t i = 0; i < 3; ++i) {
    std::string block = sorter.spare_block();
    const char* reused = block.data();
    const bool recycled = block.capacity() >= 1200;
    block.assign(1200, static_cast<char>('a' + i));  // alone over the budget: a run at once
    if (recycled) {
      EXPECT_EQ(block.data(), reused);  // the same memory, refilled
    }
    EXPECT_EQ(i > 0, recycled) << i;
    const std::vector<ExternalSorter::BlockRecord> records = {
        {SortKey{0, 0, 0, 0, 3 - i}, 0, 1200}};
    ASSERT_TRUE(sorter.adopt(std::move(block), records).ok());
  }
  const std::vector<Item> out = drain(sorter);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].payload, std::string(1200, 'c'));
  EXPECT_EQ(out[2].payload, std::string(1200, 'a'));
}

TEST(ExternalSorter, AdoptRefusesARecordOutsideItsBlock) {
  ExternalSorter sorter;
  const std::vector<ExternalSorter::BlockRecord> past_end = {{SortKey{}, 2, 3}};
  auto r = sorter.adopt(std::string("abcd"), past_end);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  const std::vector<ExternalSorter::BlockRecord> overflow = {{SortKey{}, 1, UINT64_MAX}};
  EXPECT_FALSE(sorter.adopt(std::string("abcd"), overflow).ok());
  EXPECT_EQ(sorter.stats().records, 0u);
}

TEST(ExternalSorter, PayloadsLargerThanTheReadBuffer) {
  std::vector<Item> items;
  for (int i = 0; i < 12; ++i) {
    Item item;
    item.key = {100 - i, 0, 0, 0, static_cast<uint64_t>(i)};
    item.payload.assign(limits::kReportRunBufferBytes + 1000 * static_cast<size_t>(i) + 7,
                        static_cast<char>('A' + i));
    items.push_back(std::move(item));
  }
  // Small payloads between big ones: a record header may straddle buffer refills.
  for (int i = 0; i < 500; ++i) {
    items.push_back({{i % 90, 1, 0, 0, static_cast<uint64_t>(100 + i)}, std::string(i % 37, 'z')});
  }
  EXPECT_GT(expect_sorted_with_budget(items, 512 * 1024).runs, 0u);
}

TEST(ExternalSorter, RewindGivesTheSameSequenceAgain) {
  const auto items = make_items(3000, 4, 150);
  for (size_t limit : {size_t{1} << 30, size_t{8192}}) {
    SorterOptions options;
    options.memory_limit = limit;
    ExternalSorter sorter(options);
    for (const Item& item : items) ASSERT_TRUE(sorter.add(item.key, item.payload).ok());
    ASSERT_TRUE(sorter.finish().ok());
    std::vector<std::vector<Item>> passes(3);
    for (auto& pass : passes) {
      SortKey key;
      std::string_view payload;
      // Stop the first pass half-way: rewinding mid-sequence starts over too.
      const size_t stop = &pass == &passes[0] ? items.size() / 2 : items.size();
      while (pass.size() < stop) {
        auto more = sorter.next(key, payload);
        ASSERT_TRUE(more.ok());
        if (!*more) break;
        pass.push_back({key, std::string(payload)});
      }
      ASSERT_TRUE(sorter.rewind().ok());
    }
    const auto expected = reference_sort(items);
    expect_same(passes[1], expected);
    expect_same(passes[2], expected);
    expect_same(passes[0], std::vector<Item>(expected.begin(), expected.begin() + items.size() / 2));
  }
}

TEST(ExternalSorter, EmptyAndEmptyPayloads) {
  expect_same(sorted_through({}, {}), {});
  std::vector<Item> items = {{{5, 0, 0, 0, 0}, ""}, {{1, 0, 0, 0, 1}, ""}};
  SorterOptions options;
  options.memory_limit = 1;  // every record its own run
  expect_same(sorted_through(items, options), reference_sort(items));
}

TEST(ExternalSorter, UnwritableTemporaryFolderIsAnError) {
  SorterOptions options;
  options.memory_limit = 1;
  options.temp_dir = "/nonexistent/vigil-sort-test";
  ExternalSorter sorter(options);
  ASSERT_TRUE(sorter.add({1, 0, 0, 0, 0}, "a").ok());
  auto r = sorter.add({2, 0, 0, 0, 1}, "b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kIoError);
}

TEST(ExternalSorter, MinimumTimeSortsFirst) {
  std::vector<Item> items = {{{0, 0, 0, 0, 0}, "zero"},
                             {{INT64_MIN, 0, 0, 0, 1}, "unset"},
                             {{INT64_MAX, 0, 0, 0, 2}, "max"},
                             {{-1, 0, 0, 0, 3}, "before 1970"}};
  const auto out = sorted_through(items, {});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].payload, "unset");
  EXPECT_EQ(out[1].payload, "before 1970");
  EXPECT_EQ(out[3].payload, "max");
}

}  // namespace
}  // namespace vigil::report
