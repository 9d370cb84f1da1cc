#pragma once
// Reading whole EVTX files: planning (header, chunk slots) and a parallel
// scan over the chunks of many files with output in deterministic order
// (files in the given order, chunks and records in file order).

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "vigil/core/input.h"
#include "vigil/core/limits.h"
#include "vigil/core/parallel.h"
#include "vigil/read/evtx/evtx.h"

namespace vigil::evtx {

struct EvtxInput {
  std::string path;
  uint64_t size = 0;
  std::optional<FileHeader> header;
  std::vector<Damage> notices;  // header damage and remarks, reported before the chunks
  uint32_t chunks = 0;          // chunk slots to read (the last may be cut short)
  uint32_t unused_chunks = 0;   // never-written slots after them (carved only with recovery on)
};

// Opens `path` and reads its header. Fails when the file cannot be read or is
// not EVTX at all (no file signature and no chunk where the first belongs).
Result<EvtxInput> plan_input(const std::string& path);

inline uint64_t chunk_offset(uint32_t chunk) {
  return limits::kEvtxFileHeaderSize + static_cast<uint64_t>(chunk) * limits::kEvtxChunkSize;
}

// What a scan hands the consumer for each unit (a chunk, or a file's header).
template <class Out>
struct ScanSlot {
  uint32_t input = 0;
  bool first_of_input = false;  // the input's notices go with this unit
  std::vector<Damage> damage;
  uint64_t records = 0;
  Out out{};
};

namespace detail {
struct ScanWorker {
  ChunkParser parser;
  std::vector<uint8_t> buffer;
  File file;
  uint32_t file_input = UINT32_MAX;
};

template <class Out, class OnRecord>
class SlotSink final : public RecordSink {
 public:
  SlotSink(ScanSlot<Out>& slot, OnRecord& on_record, unsigned worker, bool lazy)
      : slot_(slot), on_record_(on_record), worker_(worker), lazy_(lazy) {}
  bool lazy() const override { return lazy_; }
  void on_record(const Record& record, const ChunkNames& names) override {
    on_record_(record, names, slot_.input, worker_, slot_.out);
  }
  void on_damage(Damage damage) override {
    if (slot_.damage.size() < limits::kMaxDiagnosticsPerFile) slot_.damage.push_back(std::move(damage));
  }

 private:
  ScanSlot<Out>& slot_;
  OnRecord& on_record_;
  unsigned worker_;
  bool lazy_;
};
}  // namespace detail

// on_record(record, names, input, worker, out) runs on worker threads;
// reset(out) clears a reused slot; consume(slot) runs on the calling thread
// in order.
template <class Out, class OnRecord, class Reset, class Consume>
void scan(const std::vector<EvtxInput>& inputs, unsigned threads, ParseOptions options,
          OnRecord&& on_record, Reset&& reset, Consume&& consume) {
  struct Unit {
    uint32_t input;
    uint32_t first_chunk;  // UINT32_MAX: a file without chunks (header only)
    uint32_t chunks;
  };
  threads = std::max(1u, threads);
  uint64_t total_chunks = 0;
  for (const EvtxInput& input : inputs) {
    total_chunks += input.chunks + (options.recover_slack ? input.unused_chunks : 0);
  }
  // Big units for big inputs, single chunks when there are too few to keep
  // every thread busy.
  const uint64_t per_unit = std::clamp<uint64_t>(
      total_chunks / (uint64_t{threads} * limits::kUnitsInFlightPerThread * 4), 1,
      limits::kEvtxChunksPerUnit);
  std::vector<Unit> units;
  for (uint32_t i = 0; i < inputs.size(); ++i) {
    const uint32_t chunks =
        inputs[i].chunks + (options.recover_slack ? inputs[i].unused_chunks : 0);
    if (chunks == 0) units.push_back({i, UINT32_MAX, 0});
    for (uint32_t c = 0; c < chunks; c += static_cast<uint32_t>(per_unit)) {
      units.push_back({i, c, static_cast<uint32_t>(std::min<uint64_t>(per_unit, chunks - c))});
    }
  }
  std::vector<detail::ScanWorker> workers(threads);
  for (auto& w : workers) {
    w.parser = ChunkParser(options);
    w.buffer.resize(limits::kEvtxChunkSize);
  }
  ordered_parallel<ScanSlot<Out>>(
      units.size(), threads, threads * limits::kUnitsInFlightPerThread,
      [&](size_t u, unsigned w, ScanSlot<Out>& slot) {
        const Unit unit = units[u];
        slot.input = unit.input;
        slot.first_of_input = unit.first_chunk == 0 || unit.first_chunk == UINT32_MAX;
        slot.damage.clear();
        slot.records = 0;
        reset(slot.out);
        if (unit.first_chunk == UINT32_MAX) return;
        detail::ScanWorker& worker = workers[w];
        const EvtxInput& input = inputs[unit.input];
        if (worker.file_input != unit.input) {
          worker.file_input = UINT32_MAX;
          auto f = File::open_read(input.path);
          if (!f.ok()) {
            slot.damage.push_back({0, Errc::kIoError, f.error().message});
            return;
          }
          worker.file = std::move(f.value());
          worker.file_input = unit.input;
        }
        detail::SlotSink<Out, std::remove_reference_t<OnRecord>> sink(slot, on_record, w, options.lazy_records);
        for (uint32_t c = unit.first_chunk; c < unit.first_chunk + unit.chunks; ++c) {
          const uint64_t offset = chunk_offset(c);
          auto n = read_at(worker.file.fd(), offset, worker.buffer.data(), worker.buffer.size());
          if (!n.ok()) {
            slot.damage.push_back({offset, Errc::kIoError, n.error().message});
            continue;
          }
          // The parser's count: a lazy record that fails to expand later is damage, not a record.
          slot.records +=
              worker.parser.parse(std::span<const uint8_t>(worker.buffer.data(), *n), offset, sink);
        }
      },
      [&](size_t, ScanSlot<Out>& slot) { consume(slot); });
}

}  // namespace vigil::evtx
