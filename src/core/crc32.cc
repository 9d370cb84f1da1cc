#include "vigil/core/crc32.h"

#include <zlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace vigil {

namespace {

uint32_t crc32_zlib(uint32_t crc, const uint8_t* data, size_t size) {
  while (size > 0) {
    const auto n = static_cast<uInt>(size > (1u << 30) ? (1u << 30) : size);
    crc = static_cast<uint32_t>(::crc32(crc, data, n));
    data += n;
    size -= n;
  }
  return crc;
}

#if defined(__x86_64__)
// Folding constants for the bit-reflected polynomial 0x104C11DB7: x^(k) mod P
// for the fold distances 512+64/512 (64-byte loop), 128+64/128 (16-byte
// steps), the 64->32 bit step, and P' and u = floor(x^64 / P) for the final
// Barrett reduction (Intel's "Fast CRC Computation for Generic Polynomials
// Using PCLMULQDQ", reflected variant).
constexpr uint64_t kFold512Lo = 0x154442bd4, kFold512Hi = 0x1c6e41596;
constexpr uint64_t kFold128Lo = 0x1751997d0, kFold128Hi = 0x0ccaa009e;
constexpr uint64_t kFold64 = 0x163cd6124;
constexpr uint64_t kPoly = 0x1db710641, kMu = 0x1f7011641;

#define VIGIL_CLMUL __attribute__((target("pclmul,sse4.1")))

VIGIL_CLMUL inline __m128i load(const uint8_t* q) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
}

// acc * x^d mod P folded onto the next 16 bytes.
VIGIL_CLMUL inline __m128i fold(__m128i acc, __m128i k, __m128i next) {
  const __m128i lo = _mm_clmulepi64_si128(acc, k, 0x00);
  const __m128i hi = _mm_clmulepi64_si128(acc, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

// Raw (non-inverted) CRC state over size bytes, size >= 64 and a multiple of 16.
VIGIL_CLMUL uint32_t crc32_fold(uint32_t state, const uint8_t* p, size_t size) {
  __m128i x0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(state)));
  __m128i x1 = load(p + 16), x2 = load(p + 32), x3 = load(p + 48);
  p += 64;
  size -= 64;
  const __m128i k512 = _mm_set_epi64x(static_cast<long long>(kFold512Hi),
                                      static_cast<long long>(kFold512Lo));
  while (size >= 64) {
    x0 = fold(x0, k512, load(p));
    x1 = fold(x1, k512, load(p + 16));
    x2 = fold(x2, k512, load(p + 32));
    x3 = fold(x3, k512, load(p + 48));
    p += 64;
    size -= 64;
  }
  const __m128i k128 = _mm_set_epi64x(static_cast<long long>(kFold128Hi),
                                      static_cast<long long>(kFold128Lo));
  x0 = fold(x0, k128, x1);
  x0 = fold(x0, k128, x2);
  x0 = fold(x0, k128, x3);
  while (size >= 16) {
    x0 = fold(x0, k128, load(p));
    p += 16;
    size -= 16;
  }
  // 128 -> 64 bits.
  const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
  __m128i x = _mm_xor_si128(_mm_clmulepi64_si128(x0, k128, 0x10), _mm_srli_si128(x0, 8));
  // 64 -> 32 bits.
  const __m128i k64 = _mm_set_epi64x(0, static_cast<long long>(kFold64));
  x = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x, mask32), k64, 0x00),
                    _mm_srli_si128(x, 4));
  // Barrett reduction to the 32-bit remainder.
  const __m128i poly = _mm_set_epi64x(static_cast<long long>(kMu), static_cast<long long>(kPoly));
  __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x, mask32), poly, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, mask32), poly, 0x00);
  x = _mm_xor_si128(x, t);
  return static_cast<uint32_t>(_mm_extract_epi32(x, 1));
}

bool have_pclmul() {
  static const bool have = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return have;
}
#endif

}  // namespace

uint32_t crc32(uint32_t crc, const uint8_t* data, size_t size) {
#if defined(__x86_64__)
  if (size >= 64 && have_pclmul()) {
    const size_t bulk = size & ~static_cast<size_t>(15);
    const uint32_t state = crc32_fold(~crc, data, bulk);
    return crc32_zlib(~state, data + bulk, size - bulk);
  }
#endif
  return crc32_zlib(crc, data, size);
}

}  // namespace vigil
