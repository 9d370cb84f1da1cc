#include <cstring>

#include "vigil/read/evtx/scan.h"

namespace vigil::evtx {

Result<EvtxInput> plan_input(const std::string& path) {
  auto file = File::open_read(path);
  if (!file.ok()) return file.take_error();
  auto size = file->size();
  if (!size.ok()) return Error{Errc::kIoError, size.error().message, path, UINT64_MAX};
  EvtxInput input;
  input.path = path;
  input.size = *size;

  uint8_t head[limits::kEvtxFileHeaderSize + 8] = {};
  auto n = read_at(file->fd(), 0, head, sizeof head);
  if (!n.ok()) return Error{Errc::kIoError, n.error().message, path, n.error().offset};
  const std::span<const uint8_t> bytes(head, *n);
  if (!looks_like_evtx(bytes)) {
    return Error{Errc::kBadSignature, "not an EVTX file", path, 0};
  }
  auto header = parse_file_header(bytes);
  if (header.ok()) {
    input.header = *header;
    if (!header->checksum_ok) {
      input.notices.push_back({0, Errc::kBadChecksum, "file header checksum mismatch"});
    }
    if (header->dirty()) {
      input.notices.push_back({0, Errc::kOk, "file is marked dirty (not closed cleanly)"});
    }
  } else {
    input.notices.push_back({0, header.error().code,
                             "file header unusable (" + header.error().message +
                                 "); reading chunks regardless"});
  }
  if (input.size > limits::kEvtxFileHeaderSize) {
    const uint64_t body = input.size - limits::kEvtxFileHeaderSize;
    input.chunks = static_cast<uint32_t>((body + limits::kEvtxChunkSize - 1) / limits::kEvtxChunkSize);
    const uint32_t slots = input.chunks;
    // Logs are preallocated: slots after the last chunk ever written hold
    // zeros or whatever the disk held before. They are not damage, and
    // without carving there is nothing to read in them.
    uint32_t used = slots;
    while (used > 0) {
      char sig[8] = {};
      auto got = read_at(file->fd(), chunk_offset(used - 1), reinterpret_cast<uint8_t*>(sig), 8);
      if (got.ok() && *got == 8 && std::memcmp(sig, kChunkSignature, 8) == 0) break;
      --used;
    }
    input.chunks = used;
    input.unused_chunks = slots - used;
    if (body % limits::kEvtxChunkSize != 0 && used == slots) {
      input.notices.push_back({input.size, Errc::kTruncated,
                               "file ends inside chunk " + std::to_string(slots - 1) + " (" +
                                   std::to_string(body % limits::kEvtxChunkSize) +
                                   " of 65536 bytes)"});
    }
  } else if (input.size < limits::kEvtxFileHeaderSize) {
    input.notices.push_back({input.size, Errc::kTruncated, "file ends inside the file header"});
  }
  return input;
}

}  // namespace vigil::evtx
