#include "common.h"

namespace vigil::read::weberror {

namespace {

bool leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(int year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap_year(year) ? 29 : kDays[month - 1];
}

}  // namespace

const char* to_timestamp(const CivilParts& p, Timestamp& out) {
  if (p.month < 1 || p.month > 12) return "no such month";
  if (p.day < 1 || p.day > days_in_month(p.year, p.month)) return "no such day in the month";
  // 60: a leap second, as the clock wrote it.
  if (p.hour > 23 || p.minute > 59 || p.second > 60) return "no such time of day";
  const int64_t seconds =
      days_from_civil(p.year, p.month, p.day) * 86400 + p.hour * 3600 + p.minute * 60 + p.second;
  out = Timestamp{seconds * Timestamp::kTicksPerSecond + p.fraction_ticks};
  return nullptr;
}

}  // namespace vigil::read::weberror
