#pragma once
// Reading text logs: planning an input (decompression, format recognition,
// the per-file context, cutting into blocks at line ends) and a parallel scan
// over the blocks of many inputs with results handed on in input order, the
// same contract as the EVTX scan (`vigil/read/evtx/scan.h`).

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "vigil/core/input.h"
#include "vigil/core/limits.h"
#include "vigil/core/parallel.h"
#include "vigil/read/text/format.h"

namespace vigil::read {

enum class Compression : uint8_t { kNone, kGzip, kZstd };

struct TextBlock {
  uint64_t begin = 0;       // byte offsets in the (decompressed) input
  uint64_t end = 0;
  uint64_t first_line = 1;  // line number of the block's first line
  bool overlong = false;    // one line longer than kTextMaxLineBytes: reported, not parsed
};

struct TextInput {
  std::string path;  // as given ("-" for standard input)
  const Format* format = nullptr;
  Compression compression = Compression::kNone;
  // Compressed input and standard input are read from a decompressed,
  // already-unlinked temporary file; plain files from `path`.
  std::shared_ptr<File> spool;
  uint64_t size = 0;  // bytes to read (decompressed)
  uint64_t lines = 0;
  std::shared_ptr<const FileContext> context;
  std::vector<TextBlock> blocks;
  // Decompression damage: what came out before it is read, then this is
  // reported at `damage_offset` (a decompressed offset).
  std::string damage;
  uint64_t damage_offset = 0;
};

struct PlanOptions {
  // The candidates, in recognition priority order (vigil/read/formats.h has
  // every compiled-in format).
  std::span<const Format* const> formats;
  const Format* format = nullptr;  // forced (--input-format); nullptr: recognise
  ReadOptions read;
  std::string temp_dir;  // for spool files; empty: $TMPDIR or /tmp
};

// Detects compression from the first bytes (gzip and zstd magic numbers, not
// the name), decompresses to a spool file when needed, recognises the
// format, builds its context and cuts the input into blocks. Fails when the
// input cannot be read, does not decompress, or no format recognises it.
Result<TextInput> plan_text_input(const std::string& path, const PlanOptions& options,
                                  FieldNames& names);

// The format a head of bytes looks like, or nullptr (for `vigil` to tell EVTX
// from text before planning).
const Format* recognise(std::span<const Format* const> formats, std::string_view head,
                        std::string_view path);

template <class Out>
struct TextSlot {
  uint32_t input = 0;
  bool first_of_input = false;
  std::vector<LineIssue> issues;  // lines already absolute
  uint64_t events = 0;
  uint64_t end_offset = 0;  // end of the block, for progress
  Out out{};
};

namespace detail {
struct TextWorker {
  std::string buffer;
  File file;
  uint32_t file_input = UINT32_MAX;
  std::unique_ptr<BlockParser> parser;
  uint32_t parser_input = UINT32_MAX;
};

template <class Out, class OnEvent>
class TextSlotSink final : public EventSink {
 public:
  TextSlotSink(TextSlot<Out>& slot, OnEvent& on_event, unsigned worker, uint64_t line_base)
      : slot_(slot), on_event_(on_event), worker_(worker), line_base_(line_base) {}
  void on_event(Event& event) override {
    event.source.record_id += line_base_;
    ++slot_.events;
    on_event_(event, slot_.input, worker_, slot_.out);
  }
  void on_issue(LineIssue issue) override {
    if (slot_.issues.size() >= limits::kMaxDiagnosticsPerFile) return;
    issue.line += line_base_;
    slot_.issues.push_back(std::move(issue));
  }

 private:
  TextSlot<Out>& slot_;
  OnEvent& on_event_;
  unsigned worker_;
  uint64_t line_base_;
};

// Reads [begin, end) of an input into `buffer`: from the spool or the file.
Result<void> read_block(const TextInput& input, detail::TextWorker& worker, uint32_t index,
                        const TextBlock& block);
}  // namespace detail

// on_event(event, input, worker, out) runs on worker threads (event.source
// holds first_source_id + the input's index, the line number in the file and
// the byte offset);
// reset(out) clears a reused slot; consume(slot) runs on the calling thread
// in input and block order.
template <class Out, class OnEvent, class Reset, class Consume>
void scan_text(const std::vector<TextInput>& inputs, unsigned threads, FieldNames& names,
               OnEvent&& on_event, Reset&& reset, Consume&& consume,
               uint32_t first_source_id = 0) {
  struct Unit {
    uint32_t input;
    uint32_t block;  // UINT32_MAX: an empty input
  };
  threads = std::max(1u, threads);
  std::vector<Unit> units;
  for (uint32_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].blocks.empty()) units.push_back({i, UINT32_MAX});
    for (uint32_t b = 0; b < inputs[i].blocks.size(); ++b) units.push_back({i, b});
  }
  std::vector<detail::TextWorker> workers(threads);
  ordered_parallel<TextSlot<Out>>(
      units.size(), threads, threads * limits::kUnitsInFlightPerThread,
      [&](size_t u, unsigned w, TextSlot<Out>& slot) {
        const Unit unit = units[u];
        slot.input = unit.input;
        slot.first_of_input = unit.block == 0 || unit.block == UINT32_MAX;
        slot.issues.clear();
        slot.events = 0;
        slot.end_offset = 0;
        reset(slot.out);
        if (unit.block == UINT32_MAX) return;
        const TextInput& input = inputs[unit.input];
        const TextBlock& block = input.blocks[unit.block];
        slot.end_offset = block.end;
        if (block.overlong) {
          slot.issues.push_back({block.first_line, block.begin,
                                 "line of " + std::to_string(block.end - block.begin) +
                                     " bytes is longer than the limit of " +
                                     std::to_string(limits::kTextMaxLineBytes) +
                                     " bytes; skipped"});
          return;
        }
        detail::TextWorker& worker = workers[w];
        if (auto r = detail::read_block(input, worker, unit.input, block); !r.ok()) {
          slot.issues.push_back({block.first_line, block.begin, r.error().message});
          return;
        }
        if (worker.parser_input != unit.input) {
          worker.parser = input.format->parser(input.context, names);
          worker.parser_input = unit.input;
        }
        detail::TextSlotSink<Out, std::remove_reference_t<OnEvent>> sink(slot, on_event, w,
                                                                          block.first_line - 1);
        worker.parser->parse(worker.buffer, block.begin, first_source_id + unit.input, sink);
      },
      [&](size_t, TextSlot<Out>& slot) { consume(slot); });
}

}  // namespace vigil::read
