#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil {

// CRC-32 (IEEE 802.3, the checksum EVTX uses), in zlib's convention:
// crc32(0, data, n) is the checksum, and crc32(crc32(0, a, n), b, m) that of
// a followed by b. Carry-less multiplication folds 64 bytes per step where
// the processor has it (every x86-64 since 2010); zlib otherwise.
uint32_t crc32(uint32_t crc, const uint8_t* data, size_t size);

}  // namespace vigil
