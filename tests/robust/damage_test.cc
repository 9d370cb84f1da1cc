// Robustness of the EVTX reader on damaged evidence: every file of the shared
// corpus (and vigil's own fuzz seeds) is parsed intact, then cut short at many
// offsets and with bytes flipped at many places. Damage must never crash or
// hang the reader, and every record the damage cannot have touched must come
// out exactly as it did from the intact file.
//
// Built three times (see CMakeLists.txt) at different depths:
//   VIGIL_ROBUST_LEVEL 0 (label unit): a handful of cuts and flips on a few
//     files, fast enough under AddressSanitizer.
//   VIGIL_ROBUST_LEVEL 1 (label e2e): every file, a cut every 16 KiB plus
//     targeted ones, tens of flips per file.
//   VIGIL_ROBUST_LEVEL 2 (label slow): every file, a cut every 4 KiB, more
//     flips, files of up to two chunks parsed whole, slack carved too.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/core/limits.h"
#include "vigil/read/evtx/evtx.h"
#include "vigil/read/evtx/scan.h"

#ifndef VIGIL_ROBUST_LEVEL
#define VIGIL_ROBUST_LEVEL 1
#endif

namespace vigil::evtx {
namespace {

namespace fs = std::filesystem;

struct Depth {
  size_t max_shared_files;     // 0: all of them
  uint64_t cut_stride;         // a cut every this many bytes (0: none)
  int random_cuts;             // per file
  int targeted_records;        // records per chunk whose header fields are cut and flipped
  size_t targeted_chunks;      // chunks per file whose records are targeted (0: all)
  int random_flips;            // per file
  uint32_t whole_file_chunks;  // files with at most this many chunks are parsed whole when
                               // damaged; larger ones only near the damage
  bool carve;                  // also parse the damaged chunks with slack carving on
};

#if VIGIL_ROBUST_LEVEL == 0
#define ROBUST_SUITE RobustLight
constexpr Depth kDepth{4, 0, 2, 1, 1, 4, 0, false};
#elif VIGIL_ROBUST_LEVEL == 1
#define ROBUST_SUITE RobustQuick
constexpr Depth kDepth{0, 16384, 4, 2, 2, 24, 0, false};
#else
#define ROBUST_SUITE RobustFull
constexpr Depth kDepth{0, 4096, 12, 3, 0, 48, 2, true};
#endif

// A parse that takes longer than this is a hang: the watchdog aborts the test
// with the case that hung (ctest then reports the failure).
constexpr auto kMaxParseTime = std::chrono::seconds(60);

constexpr uint64_t kChunk = limits::kEvtxChunkSize;
constexpr uint64_t kHeader = limits::kEvtxFileHeaderSize;

struct RecordOut {
  uint64_t id = 0;
  uint64_t offset = 0;  // in the file
  uint64_t end = 0;     // offset + the record's size
  int64_t written = 0;
  std::string json;
  bool operator==(const RecordOut&) const = default;
};

struct ChunkOut {
  std::vector<RecordOut> records;
  size_t damage = 0;
};

// Takes records the way `vigil dump` does for JSON: lazily, a record counting
// when it renders.
class CollectingSink final : public RecordSink {
 public:
  CollectingSink(std::span<const uint8_t> file, ChunkOut& out, Renderer& renderer)
      : file_(file), out_(out), renderer_(renderer) {}
  bool lazy() const override { return true; }
  void on_record(const Record& record, const ChunkNames& names) override {
    RecordOut r;
    r.id = record.record_id;
    r.offset = record.file_offset;
    uint32_t size = 0;
    if (record.file_offset + 8 <= file_.size()) {
      std::memcpy(&size, file_.data() + record.file_offset + 4, 4);
    }
    r.end = record.file_offset + size;
    r.written = record.written.ticks;
    const bool rendered = renderer_.json(r.json, record, names);
    // XML too, from the expanded record. Events are made by the fuzz targets
    // in a sink of their own (Record::values after expansion is covered by
    // fuzz/regressions/evtx_chunk/uaf-record-values*.chunk).
    Record expanded = record;
    expanded.nodes = record.expand();
    xml_.clear();
    renderer_.xml(xml_, expanded, names);
    if (rendered) out_.records.push_back(std::move(r));
  }
  void on_damage(Damage) override { ++out_.damage; }

 private:
  std::span<const uint8_t> file_;
  ChunkOut& out_;
  Renderer& renderer_;
  std::string xml_;
};

// Aborts the process when one parse runs past kMaxParseTime.
class Watchdog {
 public:
  Watchdog() : thread_([this] { watch(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void start(std::string what) {
    std::lock_guard lock(mutex_);
    what_ = std::move(what);
    started_ = std::chrono::steady_clock::now();
    busy_ = true;
  }
  void done() {
    std::lock_guard lock(mutex_);
    busy_ = false;
  }

 private:
  void watch() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::seconds(1));
      if (busy_ && std::chrono::steady_clock::now() - started_ > kMaxParseTime) {
        std::fprintf(stderr, "HANG: parsing %s took more than %lld s\n", what_.c_str(),
                     static_cast<long long>(kMaxParseTime.count()));
        std::fflush(stderr);
        std::abort();
      }
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool busy_ = false;
  std::string what_;
  std::chrono::steady_clock::time_point started_;
  std::thread thread_;
};

// Where two renderings of a record part, for the failure message.
std::string difference(const RecordOut& want, const RecordOut& got) {
  if (want.id != got.id || want.written != got.written) return " (record header differs)";
  size_t at = 0;
  while (at < want.json.size() && at < got.json.size() && want.json[at] == got.json[at]) ++at;
  const size_t from = at > 60 ? at - 60 : 0;
  return "\n  intact:  ..." + want.json.substr(from, 160) + "\n  damaged: ..." +
         got.json.substr(from, 160);
}

uint32_t chunk_slots(uint64_t size) {
  return size > kHeader ? static_cast<uint32_t>((size - kHeader + kChunk - 1) / kChunk) : 0;
}

// Parses chunks [first, last] of `file` the way scan() does (each chunk is
// the 64 KiB at its slot, or what is left of it), with one reused parser.
// The renderer, like `vigil dump`'s, lives across chunks and files: its
// compiled JSON programs from intact chunks are replayed on damaged ones.
std::vector<ChunkOut> parse_chunks(std::span<const uint8_t> file, uint32_t first, uint32_t last,
                                   ChunkParser& parser, Renderer& renderer) {
  std::vector<ChunkOut> out;
  (void)looks_like_evtx(file);
  (void)parse_file_header(file);
  const uint32_t slots = chunk_slots(file.size());
  for (uint32_t c = first; c <= last && c < slots; ++c) {
    const uint64_t begin = chunk_offset(c);
    const uint64_t size = std::min<uint64_t>(kChunk, file.size() - begin);
    out.emplace_back();
    CollectingSink sink(file, out.back(), renderer);
    parser.parse(file.subspan(begin, size), begin, sink);
  }
  return out;
}

std::vector<uint8_t> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::vector<fs::path> evtx_files_under(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".evtx") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<fs::path> shared_files() {
  const fs::path shared(VIGIL_SHARED_DIR);
  std::vector<fs::path> all = evtx_files_under(shared / "corpus" / "evtx");
  for (auto& f : evtx_files_under(shared / "corpus" / "sigma" / "regression_data")) {
    all.push_back(std::move(f));
  }
  const size_t wanted = kDepth.max_shared_files;
  if (wanted == 0 || all.size() <= wanted) return all;
  // An even spread rather than the first few, so the light run sees varied logs.
  std::vector<fs::path> picked;
  const size_t step = all.size() / std::max<size_t>(wanted, 1);
  for (size_t i = 0; i < all.size() && picked.size() < wanted; i += step) {
    picked.push_back(all[i]);
  }
  return picked;
}

// vigil's own seeds, built by fuzz/make_seeds.py and fuzz/make_writer_seeds.sh,
// so the test has evidence to damage even where the shared corpus is absent.
std::vector<fs::path> own_seed_files() {
  std::vector<fs::path> seeds;
  for (auto& f : evtx_files_under(fs::path(VIGIL_SOURCE_DIR) / "fuzz" / "corpus" / "evtx_file")) {
    const std::string name = f.filename().string();
    if (name.rfind("seed-", 0) == 0 || name.rfind("writer-", 0) == 0) seeds.push_back(std::move(f));
  }
  return seeds;
}

struct Totals {
  size_t files = 0;
  size_t cuts = 0;
  size_t flips = 0;
  size_t records_compared = 0;
};

class FileDamager {
 public:
  FileDamager(const fs::path& path, std::vector<uint8_t> bytes, Watchdog& watchdog, Totals& totals,
              bool fresh_parsers)
      : path_(path.string()),
        bytes_(std::move(bytes)),
        watchdog_(watchdog),
        totals_(totals),
        rng_(std::hash<std::string>{}(path.filename().string()) ^ 0x5eed),
        fresh_parsers_(fresh_parsers) {}

  void run() {
    const uint32_t slots = chunk_slots(bytes_.size());
    if (slots > 0) {
      watchdog_.start(path_ + " (intact)");
      original_ = parse_chunks(bytes_, 0, slots - 1, parser(), renderer_);
      watchdog_.done();
    }
    for (uint64_t cut : cut_offsets()) {
      check_cut(cut);
      if (failures_ >= kMaxFailuresPerFile) return;
    }
    for (auto [pos, mask] : flips()) {
      check_flip(pos, mask);
      if (failures_ >= kMaxFailuresPerFile) return;
    }
  }

 private:
  static constexpr int kMaxFailuresPerFile = 5;

  uint64_t random_below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }

  // Record starts of the first `count` records of each chunk, plus its last one.
  std::vector<const RecordOut*> targeted_records() const {
    std::vector<const RecordOut*> out;
    for (size_t k = 0; k < original_.size(); ++k) {
      if (kDepth.targeted_chunks != 0 && k >= kDepth.targeted_chunks) break;
      const ChunkOut& c = original_[k];
      for (size_t i = 0; i < c.records.size() && i < static_cast<size_t>(kDepth.targeted_records);
           ++i) {
        out.push_back(&c.records[i]);
      }
      if (c.records.size() > static_cast<size_t>(kDepth.targeted_records)) {
        out.push_back(&c.records.back());
      }
    }
    return out;
  }

  std::vector<uint64_t> cut_offsets() {
    const uint64_t size = bytes_.size();
    std::set<uint64_t> cuts;
    auto add = [&](uint64_t at) {
      if (at < size) cuts.insert(at);
    };
    // Inside the file header, and at the edges of the first chunks' headers.
    for (uint64_t at : std::initializer_list<uint64_t>{
             0, 7, 127, 2048, kHeader - 1, kHeader, kHeader + 8, kHeader + 300, kHeader + 511,
             kHeader + 512, kHeader + kChunk - 1, kHeader + kChunk, kHeader + kChunk + 100}) {
      add(at);
    }
    if (kDepth.cut_stride > 0) {
      for (uint64_t at = kDepth.cut_stride; at < size; at += kDepth.cut_stride) add(at);
    }
    for (int i = 0; i < kDepth.random_cuts; ++i) add(random_below(size));
    // Inside record headers and just before a record's end.
    for (const RecordOut* r : targeted_records()) {
      for (uint64_t delta : {1ull, 5ull, 12ull, 23ull, 30ull}) add(r->offset + delta);
      add(r->end - 1);
      add(r->end);
    }
    return {cuts.begin(), cuts.end()};
  }

  std::vector<std::pair<uint64_t, uint8_t>> flips() {
    const uint64_t size = bytes_.size();
    std::vector<std::pair<uint64_t, uint8_t>> out;
    auto add = [&](uint64_t at, uint8_t mask) {
      if (at < size) out.emplace_back(at, mask);
    };
    // File header: signature, chunk counts, flags, checksum.
    for (uint64_t at : {0ull, 16ull, 42ull, 120ull, 124ull}) add(at, 0xff);
    // Chunk headers: signature, record numbers and ids, offsets, checksums,
    // and the string / template tables.
    const uint32_t slots = chunk_slots(size);
    for (uint32_t c = 0; c < slots && c < 3; ++c) {
      const uint64_t base = chunk_offset(c);
      for (uint64_t field : {0ull, 8ull, 24ull, 40ull, 44ull, 48ull, 49ull, 52ull, 120ull, 124ull,
                             128ull, 384ull, 511ull}) {
        add(base + field, field == 49 ? 0x01 : 0xff);
      }
    }
    // Records: signature, size, id, time, the binary XML's first tokens, the
    // template definition offset and the size copy at the end.
    for (const RecordOut* r : targeted_records()) {
      for (uint64_t field : {0ull, 4ull, 5ull, 8ull, 16ull, 24ull, 28ull, 34ull, 35ull}) {
        add(r->offset + field, 0xff);
      }
      add(r->offset + 5, 0x01);
      add(r->end - 4, 0x08);
      // Into the template definition written in place, if this record has one,
      // and into the substitution table after it.
      const uint64_t def = r->offset + 38;
      if (def + 24 <= size) {
        uint32_t def_offset = 0;
        std::memcpy(&def_offset, bytes_.data() + r->offset + 34, 4);
        const uint64_t chunk_base = kHeader + (r->offset - kHeader) / kChunk * kChunk;
        if (chunk_base + def_offset == def) {
          uint32_t data_size = 0;
          std::memcpy(&data_size, bytes_.data() + def + 20, 4);
          add(def + 20, 0x80);
          add(def + 24, 0xff);  // fragment header
          for (uint64_t k = 28; k < 48; k += 3) add(def + k, 0x41);
          const uint64_t table = def + 24 + data_size;
          add(table, 0xff);      // substitution count
          add(table + 4, 0xff);  // first value's size
          add(table + 6, 0x21);  // first value's type
        }
      }
    }
    for (int i = 0; i < kDepth.random_flips; ++i) {
      add(random_below(size), static_cast<uint8_t>(1u << random_below(8)));
    }
    return out;
  }

  uint32_t chunk_of(uint64_t pos) const {
    return pos < kHeader ? UINT32_MAX : static_cast<uint32_t>((pos - kHeader) / kChunk);
  }

  void fail(const std::string& what) {
    ++failures_;
    ADD_FAILURE() << path_ << ": " << what;
  }

  // Records the damage cannot have reached must come out as before, and no
  // record may come out that the intact file does not have.
  void compare_chunk(uint32_t c, const ChunkOut& got, uint64_t damage_at, bool damaged_chunk,
                     const std::string& what) {
    const ChunkOut& want = original_[c];
    if (!damaged_chunk) {
      ++totals_.records_compared;
      if (got.records != want.records) {
        fail(what + ": chunk " + std::to_string(c) + " was not damaged but its " +
             std::to_string(want.records.size()) + " records came out differently (" +
             std::to_string(got.records.size()) + " records)");
      }
      return;
    }
    size_t g = 0;
    for (const RecordOut& w : want.records) {
      if (w.end > damage_at) break;
      ++totals_.records_compared;
      while (g < got.records.size() && got.records[g].offset < w.offset) ++g;
      if (g == got.records.size() || got.records[g].offset != w.offset) {
        fail(what + ": record " + std::to_string(w.id) + " at offset " + std::to_string(w.offset) +
             " ends before the damage but is missing");
        return;
      }
      if (!(got.records[g] == w)) {
        fail(what + ": record " + std::to_string(w.id) + " at offset " + std::to_string(w.offset) +
             " ends before the damage but came out differently" + difference(w, got.records[g]));
        return;
      }
    }
  }

  void check_cut(uint64_t cut) {
    ++totals_.cuts;
    const std::string what = "cut at " + std::to_string(cut);
    const std::span<const uint8_t> cut_file(bytes_.data(), cut);
    const uint32_t slots = chunk_slots(cut);
    if (slots == 0) {
      watchdog_.start(path_ + " " + what);
      (void)parse_chunks(cut_file, 0, 0, parser(), renderer_);
      watchdog_.done();
      return;
    }
    const uint32_t last = slots - 1;
    const bool whole = chunk_slots(bytes_.size()) <= kDepth.whole_file_chunks;
    const uint32_t first = whole || last == 0 ? 0 : last - 1;
    watchdog_.start(path_ + " " + what);
    const std::vector<ChunkOut> got = parse_chunks(cut_file, first, last, parser(), renderer_);
    watchdog_.done();
    for (uint32_t c = first; c <= last; ++c) {
      const ChunkOut& out = got[c - first];
      const ChunkOut& want = original_[c];
      compare_chunk(c, out, cut, c == last, what);
      // No phantom: whatever came out of the cut chunk was in the intact one.
      if (c == last) {
        for (const RecordOut& r : out.records) {
          const auto it = std::find_if(want.records.begin(), want.records.end(),
                                       [&](const RecordOut& w) { return w.offset == r.offset; });
          if (it == want.records.end() || !(*it == r) || r.end > cut) {
            fail(what + ": record " + std::to_string(r.id) + " at offset " +
                 std::to_string(r.offset) + " came out of the cut chunk but differs from the " +
                 "intact file's");
            break;
          }
        }
      }
    }
  }

  void check_flip(uint64_t pos, uint8_t mask) {
    ++totals_.flips;
    char what[96];
    std::snprintf(what, sizeof what, "byte 0x%llx ^= 0x%02x", static_cast<unsigned long long>(pos),
                  mask);
    std::vector<uint8_t> damaged = bytes_;
    damaged[pos] ^= mask;
    const uint32_t slots = chunk_slots(damaged.size());
    if (slots == 0) return;
    const uint32_t hit = chunk_of(pos);
    uint32_t first = 0;
    uint32_t last = slots - 1;
    if (slots > kDepth.whole_file_chunks) {
      // The damaged chunk, and the one after it: a parser that has just met
      // the damage must read its next chunk as if nothing had happened.
      first = hit == UINT32_MAX ? 0 : hit;
      last = std::min(slots - 1, first + 1);
    }
    watchdog_.start(path_ + " " + what);
    const std::vector<ChunkOut> got = parse_chunks(damaged, first, last, parser(), renderer_);
    watchdog_.done();
    // Bytes of a chunk header steer the whole chunk (free space offset), so
    // only damage among the records promises that the records before it survive.
    const bool in_records = hit != UINT32_MAX && pos >= chunk_offset(hit) + kChunkHeaderSize;
    for (uint32_t c = first; c <= last; ++c) {
      if (c == hit && !in_records) continue;
      compare_chunk(c, got[c - first], pos, c == hit, what);
    }
    if (kDepth.carve && hit != UINT32_MAX) {
      watchdog_.start(path_ + " " + what + " (carving)");
      (void)parse_chunks(damaged, hit, hit, carver_, renderer_);
      watchdog_.done();
    }
  }

  std::string path_;
  std::vector<uint8_t> bytes_;
  Watchdog& watchdog_;
  Totals& totals_;
  std::mt19937_64 rng_;
  // The parser used for the next parse: the long-lived one, as in scan(),
  // or a new one each time when fresh_parsers_ asks for it.
  ChunkParser& parser() {
    if (fresh_parsers_) fresh_parser_.emplace();
    return fresh_parsers_ ? *fresh_parser_ : parser_;
  }

  std::vector<ChunkOut> original_;
  ChunkParser parser_;
  ChunkParser carver_{ParseOptions{.recover_slack = true}};
  std::optional<ChunkParser> fresh_parser_;
  Renderer renderer_;
  bool fresh_parsers_;
  int failures_ = 0;
};

void damage_all(const std::vector<fs::path>& files, bool fresh_parsers = false) {
  Watchdog watchdog;
  Totals totals;
  const auto started = std::chrono::steady_clock::now();
  for (const fs::path& path : files) {
    std::vector<uint8_t> bytes = read_file(path);
    if (bytes.empty()) continue;
    ++totals.files;
    FileDamager(path, std::move(bytes), watchdog, totals, fresh_parsers).run();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("robust: %zu files, %zu cuts, %zu flips, %zu comparisons, %.1f s\n", totals.files,
              totals.cuts, totals.flips, totals.records_compared, seconds);
}

// Indirection so that ROBUST_SUITE expands before TEST pastes it into names.
#define ROBUST_TEST(suite, name) TEST(suite, name)

ROBUST_TEST(ROBUST_SUITE, OwnSeedsSurviveCutsAndFlips) {
  const std::vector<fs::path> files = own_seed_files();
  ASSERT_FALSE(files.empty())
      << "fuzz/corpus/evtx_file/seed-*.evtx missing: run fuzz/make_seeds.py";
  damage_all(files);
}

ROBUST_TEST(ROBUST_SUITE, SharedCorpusSurvivesCutsAndFlips) {
  const std::vector<fs::path> files = shared_files();
  if (files.empty()) GTEST_SKIP() << "no EVTX files under " << VIGIL_SHARED_DIR << "/corpus";
  damage_all(files);
}

// A Renderer that outlives its ChunkParser must not replay the old parser's
// chunk caches for a new parser's chunk, even when the new parser sits at
// the same address (ChunkNames generations are unique in the process).
ROBUST_TEST(ROBUST_SUITE, NewParsersWithOneRenderer) {
  std::vector<fs::path> files = own_seed_files();
  for (auto& f : shared_files()) files.push_back(std::move(f));
  damage_all(files, /*fresh_parsers=*/true);
}

}  // namespace
}  // namespace vigil::evtx
