// libFuzzer target: the input is one EVTX chunk (normally 64 KiB; shorter
// inputs act as a chunk cut short by a truncated file).
//
// One parser parses the input five times: eagerly, lazily for JSON, lazily
// for JSON again (the parser and the renderer's compiled JSON programs are
// reused across chunks in production, so nothing from one parse may leak
// into the next), lazily for Events and eagerly again; a second parser also
// carves slack space. Repeated parses must give identical transcripts.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "fuzz_sink.h"
#include "vigil/core/limits.h"
#include "vigil/read/evtx/evtx.h"

namespace {
constexpr uint64_t kAt = vigil::limits::kEvtxFileHeaderSize;  // where a first chunk sits
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > vigil::limits::kEvtxChunkSize) return -1;  // never a chunk; keep it out of the corpus
  using vigil::fuzz::TranscriptSink;
  using vigil::fuzz::Use;
  const std::span<const uint8_t> chunk(data, size);
  const uint64_t end = kAt + size;
  vigil::FieldNames names;
  vigil::evtx::ChunkParser parser;

  TranscriptSink eager(names, false, Use::kJson, kAt, end);
  const size_t delivered = parser.parse(chunk, kAt, eager);
  if (delivered != eager.records) {
    vigil::fuzz::fail("parse() count differs from records delivered",
                      std::to_string(delivered) + " vs " + std::to_string(eager.records));
  }

  TranscriptSink lazy(names, true, Use::kJson, kAt, end);
  parser.parse(chunk, kAt, lazy);
  vigil::fuzz::compare_lazy_with_eager(eager, lazy);

  // The same lazy sink (its renderer keeps the programs compiled above).
  const std::string first_lazy = lazy.transcript;
  lazy.transcript.clear();
  parser.parse(chunk, kAt, lazy);
  if (lazy.transcript != first_lazy) {
    vigil::fuzz::fail("a second lazy parse gave different output",
                      first_lazy + "\n---\n" + lazy.transcript);
  }

  TranscriptSink events(names, true, Use::kEvent, kAt, end);
  parser.parse(chunk, kAt, events);

  TranscriptSink again(names, false, Use::kJson, kAt, end);
  parser.parse(chunk, kAt, again);
  if (again.transcript != eager.transcript) {
    vigil::fuzz::fail("a reused parser gave different output",
                      eager.transcript + "\n---\n" + again.transcript);
  }

  vigil::evtx::ChunkParser carver(vigil::evtx::ParseOptions{.recover_slack = true});
  TranscriptSink carved(names, false, Use::kJson, kAt, end);
  const size_t carved_count = carver.parse(chunk, kAt, carved);
  if (carved_count < delivered) {
    vigil::fuzz::fail("carving slack lost records",
                      std::to_string(carved_count) + " < " + std::to_string(delivered));
  }

  (void)vigil::evtx::ChunkParser::parse_header(chunk);
  (void)vigil::evtx::parse_file_header(chunk);
  (void)vigil::evtx::looks_like_evtx(chunk);
  return 0;
}
