#pragma once
// Sorting more records than memory holds: records are kept in memory up to a
// byte budget, then sorted and written to a temporary file (a run, packed
// with zstd block by block); at the end the runs and the in-memory rest are
// merged. Memory stays within the budget plus about two blocks per merged
// run, whatever the number of records. Run files are unlinked as soon as
// they are created, so nothing is left behind even if the process dies.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/limits.h"
#include "vigil/core/result.h"

struct ZSTD_CCtx_s;

namespace vigil::report {

// The output order: time, then input, then position in the input, then the
// order records were added (which the caller keeps deterministic). A total
// order, so the sorted output is the same however the records were grouped
// into runs.
struct SortKey {
  int64_t ticks = 0;
  uint32_t source = 0;
  uint64_t offset = 0;
  uint64_t record = 0;
  uint64_t sequence = 0;
  auto operator<=>(const SortKey&) const = default;
};

struct SorterOptions {
  // Bytes of records (payloads plus per-record bookkeeping) kept in memory
  // before a run is written.
  size_t memory_limit = limits::kReportSortMemoryBytes;
  size_t merge_fan_in = limits::kReportMergeFanIn;  // at least 2
  std::string temp_dir = "/tmp";                    // where runs are written
};

struct SorterStats {
  uint64_t records = 0;
  uint64_t runs = 0;           // runs written (intermediate merges included)
  uint64_t spilled_bytes = 0;  // bytes written to run files (packed)
  uint64_t spilled_record_bytes = 0;  // the same records' bytes before packing
  uint64_t merge_passes = 0;   // intermediate merges (fan-in exceeded)
};

class ExternalSorter {
 public:
  explicit ExternalSorter(SorterOptions options = {});
  ExternalSorter(const ExternalSorter&) = delete;
  ExternalSorter& operator=(const ExternalSorter&) = delete;
  ~ExternalSorter();

  // Copies the payload. Fails only when a run cannot be written (disk full,
  // temporary folder missing); the sorter is then unusable.
  Result<void> add(const SortKey& key, std::string_view payload);

  // Records whose payloads lie side by side in one block of bytes.
  struct BlockRecord {
    SortKey key;
    uint64_t begin = 0;  // payload: block[begin, begin + size)
    uint64_t size = 0;
  };
  // Takes the block and its records without copying them: a worker's batch
  // of formatted detections becomes part of the sort buffer as it is (a
  // copy into the arena was a tenth of a detection-dense hunt's time, on
  // the one thread that hands batches over in order). Fails as add() does,
  // and also on a record outside the block.
  Result<void> adopt(std::string&& block, std::span<const BlockRecord> records);
  // An empty string with the capacity of a block already written to a run,
  // or a new one: refilling memory already mapped spares the page faults
  // (and the kernel's zeroing) of new memory for every run after the first.
  std::string spare_block();

  // Ends input and prepares the merge. Call once, after the last add.
  Result<void> finish();

  // The next record in order: true with `payload` (valid until the next
  // call) set, false at the end. Fails when a run cannot be read back.
  Result<bool> next(SortKey& key, std::string_view& payload);

  // Starts the sorted sequence again from its first record (after finish()):
  // a second pass costs reading the runs once more, no sorting.
  Result<void> rewind();

  const SorterStats& stats() const { return stats_; }

  struct Run;
  struct Source;

 private:
  Result<void> spill();
  Result<void> start_merge();
  Result<void> merge_runs(size_t first, size_t count);

  SorterOptions options_;
  static constexpr uint32_t kInArena = UINT32_MAX;
  struct Entry {
    SortKey key;
    uint64_t position;  // in arena_, or in blocks_[block]
    uint32_t size;
    uint32_t block;  // kInArena, or an index into blocks_
  };
  std::string_view payload_of(const Entry& e) const;
  size_t memory_used() const {
    return arena_.size() + block_bytes_ + entries_.size() * sizeof(Entry);
  }
  std::vector<Entry> entries_;
  std::string arena_;                      // add()'s payloads
  std::vector<std::string> blocks_;        // adopted; entries name them by index
  std::vector<std::string> spare_blocks_;  // written to a run, emptied
  size_t block_bytes_ = 0;                 // capacity of blocks_
  size_t spare_bytes_ = 0;                 // capacity of spare_blocks_
  struct PackerDeleter {
    void operator()(ZSTD_CCtx_s* packer) const;
  };
  std::unique_ptr<ZSTD_CCtx_s, PackerDeleter> packer_;  // one for every run written
  std::vector<std::unique_ptr<Run>> runs_;
  std::vector<std::unique_ptr<Source>> sources_;  // the final merge
  std::vector<uint32_t> heap_;                    // indices into sources_, min key on top
  int64_t current_ = -1;                          // source whose record was last returned
  bool finished_ = false;
  SorterStats stats_;
};

}  // namespace vigil::report
