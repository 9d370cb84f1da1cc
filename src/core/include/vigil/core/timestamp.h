#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil {

// A UTC instant with the 100 ns resolution of Windows FILETIME, counted from
// the Unix epoch (negative before 1970). int64 covers every FILETIME.
struct Timestamp {
  int64_t ticks = kUnset;  // 100 ns units since 1970-01-01T00:00:00Z

  static constexpr int64_t kUnset = INT64_MIN;
  static constexpr int64_t kTicksPerSecond = 10'000'000;
  // 100 ns intervals between 1601-01-01 and 1970-01-01.
  static constexpr int64_t kFiletimeEpochOffset = 116'444'736'000'000'000LL;

  bool is_set() const { return ticks != kUnset; }
  static Timestamp from_filetime(uint64_t filetime) {
    return Timestamp{static_cast<int64_t>(filetime - static_cast<uint64_t>(kFiletimeEpochOffset))};
  }
  static Timestamp from_unix_seconds(int64_t seconds, uint32_t nanos = 0) {
    return Timestamp{seconds * kTicksPerSecond + nanos / 100};
  }
  auto operator<=>(const Timestamp&) const = default;
};

struct CivilTime {
  int64_t year;
  unsigned month, day, hour, minute, second;
  uint32_t ticks;  // sub-second, 100 ns units (0..9'999'999)
};

CivilTime to_civil(Timestamp t);
// Days from civil date (proleptic Gregorian), valid for any int64 year range used here.
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);

// RFC 3339 in UTC with a 'Z' suffix and `fraction_digits` (0..7) digits after
// the second. Appends to `out`, no allocation beyond growth of `out`.
void append_rfc3339(std::string& out, Timestamp t, int fraction_digits);
std::string to_rfc3339(Timestamp t, int fraction_digits = 7);

// Parses RFC 3339 / ISO 8601 ("2024-01-02T03:04:05.123Z", "+01:00" offsets,
// a space instead of 'T', a date alone). Returns an unset Timestamp on failure.
Timestamp parse_rfc3339(std::string_view text);

}  // namespace vigil
