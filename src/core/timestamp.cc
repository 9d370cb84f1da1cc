#include "vigil/core/timestamp.h"

#include <charconv>

namespace vigil {

namespace {

// Howard Hinnant's civil-from-days algorithm (public domain description),
// proleptic Gregorian calendar.
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

void put_digits(char* out, uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilTime to_civil(Timestamp t) {
  constexpr int64_t kTicksPerDay = 86400 * Timestamp::kTicksPerSecond;
  int64_t days = t.ticks / kTicksPerDay;
  int64_t rem = t.ticks % kTicksPerDay;
  if (rem < 0) {
    rem += kTicksPerDay;
    --days;
  }
  CivilTime c{};
  civil_from_days(days, c.year, c.month, c.day);
  const int64_t secs = rem / Timestamp::kTicksPerSecond;
  c.ticks = static_cast<uint32_t>(rem % Timestamp::kTicksPerSecond);
  c.hour = static_cast<unsigned>(secs / 3600);
  c.minute = static_cast<unsigned>(secs / 60 % 60);
  c.second = static_cast<unsigned>(secs % 60);
  return c;
}

void append_rfc3339(std::string& out, Timestamp t, int fraction_digits) {
  if (!t.is_set()) return;
  const CivilTime c = to_civil(t);
  char buf[40];
  int n = 0;
  int64_t year = c.year;
  if (year < 0 || year > 9999) {
    // Outside RFC 3339's range: ISO 8601 expanded form, an explicit sign and
    // at least four digits ("+30828", "-0001"), as chrono and evtx_dump spell it.
    buf[n++] = year < 0 ? '-' : '+';
    const uint64_t magnitude = year < 0 ? 0 - static_cast<uint64_t>(year) : static_cast<uint64_t>(year);
    if (magnitude < 1000) {
      put_digits(buf + n, magnitude, 4);
      n += 4;
    } else {
      auto r = std::to_chars(buf + n, buf + 24, magnitude);
      n = static_cast<int>(r.ptr - buf);
    }
  } else {
    put_digits(buf, static_cast<uint64_t>(year), 4);
    n = 4;
  }
  buf[n++] = '-';
  put_digits(buf + n, c.month, 2); n += 2;
  buf[n++] = '-';
  put_digits(buf + n, c.day, 2); n += 2;
  buf[n++] = 'T';
  put_digits(buf + n, c.hour, 2); n += 2;
  buf[n++] = ':';
  put_digits(buf + n, c.minute, 2); n += 2;
  buf[n++] = ':';
  put_digits(buf + n, c.second, 2); n += 2;
  if (fraction_digits > 0) {
    if (fraction_digits > 7) fraction_digits = 7;
    buf[n++] = '.';
    uint64_t frac = c.ticks;
    for (int i = 7; i > fraction_digits; --i) frac /= 10;
    put_digits(buf + n, frac, fraction_digits);
    n += fraction_digits;
  }
  buf[n++] = 'Z';
  out.append(buf, static_cast<size_t>(n));
}

std::string to_rfc3339(Timestamp t, int fraction_digits) {
  std::string out;
  append_rfc3339(out, t, fraction_digits);
  return out;
}

namespace {
bool is_leap_year(unsigned year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

unsigned days_in_month(unsigned year, unsigned month) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

bool read_uint(std::string_view s, size_t& pos, size_t digits, unsigned& out) {
  if (pos + digits > s.size()) return false;
  unsigned v = 0;
  for (size_t i = 0; i < digits; ++i) {
    const char ch = s[pos + i];
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + static_cast<unsigned>(ch - '0');
  }
  out = v;
  pos += digits;
  return true;
}
}  // namespace

Timestamp parse_rfc3339(std::string_view s) {
  size_t pos = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_uint(s, pos, 4, year) || pos >= s.size() || s[pos++] != '-' ||
      !read_uint(s, pos, 2, month) || pos >= s.size() || s[pos++] != '-' ||
      !read_uint(s, pos, 2, day)) {
    return {};
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return {};
  int64_t ticks = 0;
  int64_t offset_seconds = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    ++pos;
    if (!read_uint(s, pos, 2, hour) || pos >= s.size() || s[pos++] != ':' ||
        !read_uint(s, pos, 2, minute)) {
      return {};
    }
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!read_uint(s, pos, 2, second)) return {};
    }
    if (hour > 23 || minute > 59 || second > 60) return {};
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      int64_t scale = 1'000'000;
      bool any = false;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (scale > 0) {
          ticks += (s[pos] - '0') * scale;
          scale /= 10;
        }
        any = true;
        ++pos;
      }
      if (!any) return {};
    }
    if (pos < s.size()) {
      const char z = s[pos];
      if (z == 'Z' || z == 'z') {
        ++pos;
      } else if (z == '+' || z == '-') {
        ++pos;
        unsigned oh = 0, om = 0;
        if (!read_uint(s, pos, 2, oh)) return {};
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (!read_uint(s, pos, 2, om)) return {};
        if (oh > 23 || om > 59) return {};
        offset_seconds = (static_cast<int64_t>(oh) * 3600 + om * 60) * (z == '+' ? 1 : -1);
      }
    }
  }
  if (pos != s.size()) return {};
  const int64_t days = days_from_civil(year, month, day);
  const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return Timestamp{secs * Timestamp::kTicksPerSecond + ticks};
}

}  // namespace vigil
