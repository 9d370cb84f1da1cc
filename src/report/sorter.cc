#include "vigil/report/sorter.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "vigil/core/input.h"
#include "vigil/core/memory.h"

namespace vigil::report {

namespace {

// A record in a run file: the key's five members, the payload size, the payload.
constexpr size_t kKeyBytes = 8 + 4 + 8 + 8 + 8;
constexpr size_t kRecordHeaderBytes = kKeyBytes + 4;
constexpr size_t kMaxReserve = size_t{1} << 30;

void put_header(char* out, const SortKey& key, uint32_t size) {
  std::memcpy(out, &key.ticks, 8);
  std::memcpy(out + 8, &key.source, 4);
  std::memcpy(out + 12, &key.offset, 8);
  std::memcpy(out + 20, &key.record, 8);
  std::memcpy(out + 28, &key.sequence, 8);
  std::memcpy(out + 36, &size, 4);
}

uint32_t get_header(const char* in, SortKey& key) {
  uint32_t size;
  std::memcpy(&key.ticks, in, 8);
  std::memcpy(&key.source, in + 8, 4);
  std::memcpy(&key.offset, in + 12, 8);
  std::memcpy(&key.record, in + 20, 8);
  std::memcpy(&key.sequence, in + 28, 8);
  std::memcpy(&size, in + 36, 4);
  return size;
}

Error io_error(const std::string& what) {
  return make_error(Errc::kIoError, what + ": " + std::strerror(errno));
}

}  // namespace

// A sorted run in an unlinked temporary file.
struct ExternalSorter::Run {
  File file;
  uint64_t size = 0;          // packed, as in the file
  uint64_t record_bytes = 0;  // unpacked
};

// One input of a merge: the in-memory records or a run read back.
struct ExternalSorter::Source {
  virtual ~Source() = default;
  // Moves to the next record; false at the end.
  virtual Result<bool> advance() = 0;
  // Back before the first record.
  virtual void restart() = 0;
  SortKey key;
  std::string_view payload;
};

namespace {

class MemorySource final : public ExternalSorter::Source {
 public:
  using Entry = std::pair<SortKey, std::string_view>;
  explicit MemorySource(std::vector<Entry> entries) : entries_(std::move(entries)) {}
  Result<bool> advance() override {
    if (next_ == entries_.size()) return false;
    key = entries_[next_].first;
    payload = entries_[next_].second;
    ++next_;
    return true;
  }
  void restart() override { next_ = 0; }

 private:
  std::vector<Entry> entries_;
  size_t next_ = 0;
};

// A run file is a sequence of blocks, each `u32 raw size, u32 compressed
// size` (host order: runs are read back by the process that wrote them) and
// a zstd frame of at most kReportRunBufferBytes of records. Detection
// records repeat their fields, hosts and rule names, so runs shrink about
// 7 to 1 (every SigmaHQ rule on the 1 GiB bench set: 564 MB of records
// written as 79 MB) for the CPU time the kernel spent copying the unpacked
// bytes into and out of the page cache (the same within noise, docs/hunt.md):
// the gain is the temporary folder's room. zstd's fast level -3 rather than
// level 1 (62 MB on that set): on 200 MB of the set's detection lines
// (`zstd -b`, 256 KiB blocks) it packs at 1.8 times the speed and unpacks
// at 1.7 times.
constexpr size_t kBlockHeaderBytes = 8;
constexpr int kRunCompressionLevel = -3;

Error damaged() { return make_error(Errc::kIoError, "a temporary sort file is damaged"); }

class RunSource final : public ExternalSorter::Source {
 public:
  RunSource(int fd, uint64_t size) : fd_(fd), size_(size), unpacker_(ZSTD_createDCtx()) {}
  ~RunSource() override { ZSTD_freeDCtx(unpacker_); }
  RunSource(const RunSource&) = delete;
  RunSource& operator=(const RunSource&) = delete;

  Result<bool> advance() override {
    if (begin_ == window_.size() && position_ == size_) return false;
    if (auto r = fill(kRecordHeaderBytes); !r.ok()) return r.error();
    const uint32_t size = get_header(window_.data() + begin_, key);
    begin_ += kRecordHeaderBytes;
    if (auto r = fill(size); !r.ok()) return r.error();
    payload = std::string_view(window_.data() + begin_, size);
    begin_ += size;
    return true;
  }
  void restart() override {
    position_ = 0;
    window_.clear();
    begin_ = 0;
  }

 private:
  static Error truncated() {
    return make_error(Errc::kIoError, "a temporary sort file was cut short");
  }

  // Makes `need` bytes available from begin_, unpacking blocks as needed
  // (a payload larger than a block spans several).
  Result<void> fill(size_t need) {
    if (window_.size() - begin_ >= need) return {};
    window_.erase(0, begin_);
    begin_ = 0;
    while (window_.size() < need) {
      if (position_ == size_) return truncated();
      if (auto r = unpack_block(); !r.ok()) return r;
    }
    return {};
  }

  // Appends the next block's records to the window.
  Result<void> unpack_block() {
    if (unpacker_ == nullptr) return make_error(Errc::kIoError, "zstd: cannot create a decoder");
    char header[kBlockHeaderBytes];
    if (auto r = read_exactly(header, kBlockHeaderBytes); !r.ok()) return r;
    uint32_t raw_size;
    uint32_t packed_size;
    std::memcpy(&raw_size, header, 4);
    std::memcpy(&packed_size, header + 4, 4);
    if (raw_size == 0 || raw_size > limits::kReportRunBufferBytes ||
        packed_size > ZSTD_compressBound(limits::kReportRunBufferBytes)) {
      return damaged();
    }
    packed_.resize(packed_size);
    if (auto r = read_exactly(packed_.data(), packed_size); !r.ok()) return r;
    const size_t old = window_.size();
    window_.resize(old + raw_size);
    const size_t n = ZSTD_decompressDCtx(unpacker_, window_.data() + old, raw_size, packed_.data(),
                                         packed_.size());
    if (ZSTD_isError(n) || n != raw_size) return damaged();
    return {};
  }

  // A short read (the run ends first) is a run cut short.
  Result<void> read_exactly(char* out, size_t n) {
    if (size_ - position_ < n) return truncated();
    auto got = read_at(fd_, position_, reinterpret_cast<uint8_t*>(out), n);
    if (!got.ok()) return got.error();
    if (*got != n) return truncated();
    position_ += n;
    return {};
  }

  int fd_;
  uint64_t size_;
  uint64_t position_ = 0;  // next byte of the file to read
  ZSTD_DCtx* unpacker_;
  std::string packed_;  // one block as read
  std::string window_;  // unpacked records; those before begin_ are consumed
  size_t begin_ = 0;
};

// Writes records to a new run, packed block by block.
class RunWriter {
 public:
  RunWriter(ExternalSorter::Run& run, ZSTD_CCtx* packer) : run_(run), packer_(packer) {
    raw_.reserve(limits::kReportRunBufferBytes + kRecordHeaderBytes);
  }
  Result<void> add(const SortKey& key, std::string_view payload) {
    char header[kRecordHeaderBytes];
    put_header(header, key, static_cast<uint32_t>(payload.size()));
    raw_.append(header, sizeof header);
    raw_.append(payload);
    run_.record_bytes += sizeof header + payload.size();
    size_t done = 0;
    while (raw_.size() - done >= limits::kReportRunBufferBytes) {
      if (auto r = pack(std::string_view(raw_).substr(done, limits::kReportRunBufferBytes));
          !r.ok()) {
        return r;
      }
      done += limits::kReportRunBufferBytes;
    }
    raw_.erase(0, done);
    return {};
  }
  Result<void> flush() {
    if (!raw_.empty()) {
      if (auto r = pack(raw_); !r.ok()) return r;
      raw_.clear();
    }
    auto r = write(packed_);
    packed_.clear();
    return r;
  }

 private:
  Result<void> pack(std::string_view block) {
    if (packer_ == nullptr) return make_error(Errc::kIoError, "zstd: cannot create an encoder");
    const size_t old = packed_.size();
    const size_t bound = ZSTD_compressBound(block.size());
    packed_.resize(old + kBlockHeaderBytes + bound);
    const size_t n = ZSTD_compressCCtx(packer_, packed_.data() + old + kBlockHeaderBytes, bound,
                                       block.data(), block.size(), kRunCompressionLevel);
    if (ZSTD_isError(n)) {
      return make_error(Errc::kIoError,
                        std::string("packing a temporary sort file: ") + ZSTD_getErrorName(n));
    }
    const auto raw_size = static_cast<uint32_t>(block.size());
    const auto packed_size = static_cast<uint32_t>(n);
    std::memcpy(packed_.data() + old, &raw_size, 4);
    std::memcpy(packed_.data() + old + 4, &packed_size, 4);
    packed_.resize(old + kBlockHeaderBytes + n);
    if (packed_.size() >= limits::kReportRunBufferBytes) {
      auto r = write(packed_);
      packed_.clear();
      return r;
    }
    return {};
  }

  Result<void> write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(run_.file.fd(), bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error("writing a temporary sort file");
      }
      bytes.remove_prefix(static_cast<size_t>(n));
      run_.size += static_cast<uint64_t>(n);
    }
    return {};
  }

  ExternalSorter::Run& run_;
  ZSTD_CCtx* packer_;
  std::string raw_;     // records not yet packed
  std::string packed_;  // blocks not yet written
};

Result<std::unique_ptr<ExternalSorter::Run>> create_run(const std::string& dir) {
  std::string path = (dir.empty() ? std::string("/tmp") : dir) + "/vigil-sort-XXXXXX";
  const int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return io_error("creating a temporary sort file in " + dir);
  auto run = std::make_unique<ExternalSorter::Run>();
  run->file = File(fd);
  // Unlinked at once: the space is freed when the descriptor closes, however
  // the process ends.
  ::unlink(path.c_str());
  return run;
}

struct HeapAfter {
  const std::vector<std::unique_ptr<ExternalSorter::Source>>& sources;
  bool operator()(uint32_t a, uint32_t b) const { return sources[b]->key < sources[a]->key; }
};

}  // namespace

void ExternalSorter::PackerDeleter::operator()(ZSTD_CCtx_s* packer) const { ZSTD_freeCCtx(packer); }

ExternalSorter::ExternalSorter(SorterOptions options)
    : options_(std::move(options)), packer_(ZSTD_createCCtx()) {
  options_.merge_fan_in = std::max<size_t>(options_.merge_fan_in, 2);
}

ExternalSorter::~ExternalSorter() = default;

std::string_view ExternalSorter::payload_of(const Entry& e) const {
  const std::string_view bytes = e.block == kInArena ? std::string_view(arena_) : blocks_[e.block];
  return bytes.substr(e.position, e.size);
}

Result<void> ExternalSorter::add(const SortKey& key, std::string_view payload) {
  if (payload.size() > UINT32_MAX) {
    return make_error(Errc::kLimitExceeded, "a record larger than 4 GiB cannot be sorted");
  }
  if (!entries_.empty() && memory_used() + payload.size() + sizeof(Entry) > options_.memory_limit) {
    if (auto r = spill(); !r.ok()) return r;
  }
  if (arena_.capacity() < options_.memory_limit && arena_.capacity() < kMaxReserve) {
    // Address space only for a budget of megabytes (glibc maps blocks that
    // large, and pages are touched as records arrive), and growing by
    // doubling could overshoot the budget by half. Past kMaxReserve (a
    // budget set far above the default) the string grows as usual.
    arena_.reserve(std::min(options_.memory_limit, kMaxReserve));
  }
  entries_.push_back({key, arena_.size(), static_cast<uint32_t>(payload.size()), kInArena});
  arena_.append(payload);
  ++stats_.records;
  return {};
}

Result<void> ExternalSorter::adopt(std::string&& block, std::span<const BlockRecord> records) {
  for (const BlockRecord& r : records) {
    if (r.size > UINT32_MAX) {
      return make_error(Errc::kLimitExceeded, "a record larger than 4 GiB cannot be sorted");
    }
    if (r.begin > block.size() || r.size > block.size() - r.begin) {
      return make_error(Errc::kInvalidArgument, "a record lies outside its block");
    }
  }
  if (records.empty()) return {};
  // Capacity counts, not just the bytes written: a block refilled from a
  // spare holds every page it ever touched.
  const size_t incoming = block.capacity() + records.size() * sizeof(Entry);
  if (!entries_.empty() && memory_used() + incoming > options_.memory_limit) {
    if (auto r = spill(); !r.ok()) return r;
  }
  const auto index = static_cast<uint32_t>(blocks_.size());
  block_bytes_ += block.capacity();
  blocks_.push_back(std::move(block));
  if (entries_.capacity() - entries_.size() < records.size()) {
    // Doubling, as push_back would, into memory mapped before the entries
    // are copied in (vigil/core/memory.h): megabytes of them per run.
    std::vector<Entry> grown;
    grown.reserve(std::max(entries_.size() + records.size(), 2 * entries_.capacity()));
    prepare_for_writing(grown.data(), grown.capacity() * sizeof(Entry));
    grown.insert(grown.end(), entries_.begin(), entries_.end());
    entries_.swap(grown);
  }
  for (const BlockRecord& r : records) {
    entries_.push_back({r.key, r.begin, static_cast<uint32_t>(r.size), index});
  }
  stats_.records += records.size();
  // Spares nobody took (batches grew larger than the last run's) go, so
  // that blocks and spares together stay within the budget.
  while (!spare_blocks_.empty() && memory_used() + spare_bytes_ > options_.memory_limit) {
    spare_bytes_ -= spare_blocks_.back().capacity();
    spare_blocks_.pop_back();
  }
  // A block larger than the whole budget goes to a run at once.
  if (memory_used() > options_.memory_limit) return spill();
  return {};
}

std::string ExternalSorter::spare_block() {
  if (spare_blocks_.empty()) return {};
  std::string block = std::move(spare_blocks_.back());
  spare_blocks_.pop_back();
  spare_bytes_ -= block.capacity();
  return block;
}

Result<void> ExternalSorter::spill() {
  std::sort(entries_.begin(), entries_.end(),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  auto run = create_run(options_.temp_dir);
  if (!run.ok()) return run.error();
  RunWriter writer(*run.value(), packer_.get());
  for (const Entry& e : entries_) {
    if (auto r = writer.add(e.key, payload_of(e)); !r.ok()) return r;
  }
  if (auto r = writer.flush(); !r.ok()) return r;
  stats_.spilled_bytes += run.value()->size;
  stats_.spilled_record_bytes += run.value()->record_bytes;
  ++stats_.runs;
  runs_.push_back(std::move(run.value()));
  entries_.clear();
  arena_.clear();
  for (std::string& block : blocks_) {
    block.clear();
    spare_bytes_ += block.capacity();
    spare_blocks_.push_back(std::move(block));
  }
  blocks_.clear();
  block_bytes_ = 0;
  return {};
}

Result<void> ExternalSorter::merge_runs(size_t first, size_t count) {
  std::vector<std::unique_ptr<Source>> sources;
  for (size_t i = first; i < first + count; ++i) {
    sources.push_back(std::make_unique<RunSource>(runs_[i]->file.fd(), runs_[i]->size));
  }
  std::vector<uint32_t> heap;
  const HeapAfter after{sources};
  for (uint32_t i = 0; i < sources.size(); ++i) {
    auto more = sources[i]->advance();
    if (!more.ok()) return more.error();
    if (*more) heap.push_back(i);
  }
  std::make_heap(heap.begin(), heap.end(), after);
  auto out = create_run(options_.temp_dir);
  if (!out.ok()) return out.error();
  RunWriter writer(*out.value(), packer_.get());
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), after);
    Source& top = *sources[heap.back()];
    if (auto r = writer.add(top.key, top.payload); !r.ok()) return r;
    auto more = top.advance();
    if (!more.ok()) return more.error();
    if (*more) {
      std::push_heap(heap.begin(), heap.end(), after);
    } else {
      heap.pop_back();
    }
  }
  if (auto r = writer.flush(); !r.ok()) return r;
  stats_.spilled_bytes += out.value()->size;
  stats_.spilled_record_bytes += out.value()->record_bytes;
  ++stats_.runs;
  ++stats_.merge_passes;
  sources.clear();
  runs_.erase(runs_.begin() + static_cast<ptrdiff_t>(first),
              runs_.begin() + static_cast<ptrdiff_t>(first + count));
  runs_.push_back(std::move(out.value()));
  return {};
}

Result<void> ExternalSorter::finish() {
  if (finished_) return {};
  finished_ = true;
  spare_blocks_.clear();
  spare_blocks_.shrink_to_fit();
  spare_bytes_ = 0;
  // The in-memory rest is one more input of the final merge.
  const size_t room = options_.merge_fan_in - 1;
  while (runs_.size() > room) {
    if (auto r = merge_runs(0, std::min(options_.merge_fan_in, runs_.size())); !r.ok()) return r;
  }
  std::sort(entries_.begin(), entries_.end(),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  std::vector<MemorySource::Entry> memory;
  memory.reserve(entries_.size());
  for (const Entry& e : entries_) {
    memory.emplace_back(e.key, payload_of(e));
  }
  entries_.clear();
  entries_.shrink_to_fit();
  sources_.push_back(std::make_unique<MemorySource>(std::move(memory)));
  for (const auto& run : runs_) {
    sources_.push_back(std::make_unique<RunSource>(run->file.fd(), run->size));
  }
  return start_merge();
}

Result<void> ExternalSorter::start_merge() {
  heap_.clear();
  current_ = -1;
  const HeapAfter after{sources_};
  for (uint32_t i = 0; i < sources_.size(); ++i) {
    auto more = sources_[i]->advance();
    if (!more.ok()) return more.error();
    if (*more) heap_.push_back(i);
  }
  std::make_heap(heap_.begin(), heap_.end(), after);
  return {};
}

Result<void> ExternalSorter::rewind() {
  if (!finished_) return finish();
  for (auto& source : sources_) source->restart();
  return start_merge();
}

Result<bool> ExternalSorter::next(SortKey& key, std::string_view& payload) {
  if (!finished_) {
    if (auto r = finish(); !r.ok()) return r.error();
  }
  const HeapAfter after{sources_};
  if (current_ >= 0) {
    // The record returned last time is still on top of the heap's storage:
    // move its source on only now, so that the view stayed valid.
    auto more = sources_[static_cast<size_t>(current_)]->advance();
    if (!more.ok()) return more.error();
    if (*more) {
      std::push_heap(heap_.begin(), heap_.end(), after);
    } else {
      heap_.pop_back();
    }
    current_ = -1;
  }
  if (heap_.empty()) return false;
  std::pop_heap(heap_.begin(), heap_.end(), after);
  current_ = heap_.back();
  key = sources_[static_cast<size_t>(current_)]->key;
  payload = sources_[static_cast<size_t>(current_)]->payload;
  return true;
}

}  // namespace vigil::report
