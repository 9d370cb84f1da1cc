// libFuzzer target: the input is a whole EVTX file (header and chunks). It
// takes the path `vigil dump` takes: the bytes go to an in-memory file,
// plan_input() reads its header and chunk slots, scan() parses the chunks.
// A single worker keeps it on this thread; scan's ordering is the same. Like
// `vigil dump`, JSON comes from lazy records and XML from eager ones; both
// scans must agree, and a repeated scan must give the same transcript.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_sink.h"
#include "vigil/core/limits.h"
#include "vigil/read/evtx/scan.h"

namespace {

// One memfd for the whole session, rewritten for every input.
int memory_file() {
  static const int fd = [] {
    const int f = memfd_create("vigil-fuzz.evtx", 0);
    if (f < 0) vigil::fuzz::fail("memfd_create failed", "");
    return f;
  }();
  return fd;
}

bool write_all(int fd, const uint8_t* data, size_t size) {
  if (ftruncate(fd, 0) != 0) return false;
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string scan_transcript(const vigil::evtx::EvtxInput& input, bool recover, bool lazy,
                            vigil::FieldNames& names, vigil::fuzz::TranscriptSink& sink) {
  std::string all;
  for (const vigil::evtx::Damage& d : input.notices) {
    all += "notice @" + std::to_string(d.offset) + " " + d.message + "\n";
  }
  const std::vector<vigil::evtx::EvtxInput> inputs{input};
  (void)names;
  uint64_t records = 0;
  vigil::evtx::scan<std::string>(
      inputs, 1, vigil::evtx::ParseOptions{.recover_slack = recover, .lazy_records = lazy},
      [&](const vigil::evtx::Record& record, const vigil::evtx::ChunkNames& chunk_names, uint32_t,
          unsigned, std::string&) { sink.on_record(record, chunk_names); },
      [](std::string&) {},
      [&](const vigil::evtx::ScanSlot<std::string>& slot) {
        records += slot.records;
        for (const vigil::evtx::Damage& d : slot.damage) sink.on_damage(d);
      });
  // A lazy record found damaged after delivery is not counted.
  if (lazy ? records > sink.records : records != sink.records) {
    vigil::fuzz::fail("scan record count differs from records delivered",
                      std::to_string(records) + " vs " + std::to_string(sink.records));
  }
  return all + sink.transcript;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = memory_file();
  if (!write_all(fd, data, size)) vigil::fuzz::fail("writing the memory file failed", "");
  const std::string path = "/proc/self/fd/" + std::to_string(fd);

  auto planned = vigil::evtx::plan_input(path);
  if (!planned.ok()) return 0;
  const vigil::evtx::EvtxInput& input = *planned;
  if (input.size != size) vigil::fuzz::fail("planned size differs from the file size", "");
  const uint64_t slots =
      size > vigil::limits::kEvtxFileHeaderSize
          ? (size - vigil::limits::kEvtxFileHeaderSize + vigil::limits::kEvtxChunkSize - 1) /
                vigil::limits::kEvtxChunkSize
          : 0;
  // Never-written trailing slots may be left out, nothing past the file's end counted.
  if (input.chunks > slots) vigil::fuzz::fail("more chunks planned than the file holds", "");

  using vigil::fuzz::TranscriptSink;
  using vigil::fuzz::Use;
  vigil::FieldNames names;
  TranscriptSink eager(names, false, Use::kJson, 0, size);
  const std::string first = scan_transcript(input, false, false, names, eager);
  TranscriptSink eager_again(names, false, Use::kJson, 0, size);
  const std::string again = scan_transcript(input, false, false, names, eager_again);
  if (first != again) vigil::fuzz::fail("two scans of one file differ", first + "\n---\n" + again);
  TranscriptSink lazy(names, true, Use::kJson, 0, size);
  (void)scan_transcript(input, false, true, names, lazy);
  vigil::fuzz::compare_lazy_with_eager(eager, lazy);
  TranscriptSink events(names, true, Use::kEvent, 0, size);
  (void)scan_transcript(input, false, true, names, events);
  TranscriptSink carved(names, false, Use::kJson, 0, size);
  (void)scan_transcript(input, true, false, names, carved);
  TranscriptSink carved_lazy(names, true, Use::kJson, 0, size);
  (void)scan_transcript(input, true, true, names, carved_lazy);
  return 0;
}
