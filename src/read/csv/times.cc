#include "times.h"

#include <cstdint>
#include <cstring>

#include "vigil/read/text/lines.h"

namespace vigil::read::csv {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// Reads 1..max_digits digits at pos.
bool read_number(std::string_view t, size_t& pos, size_t max_digits, int64_t& out) {
  const size_t start = pos;
  out = 0;
  while (pos < t.size() && digit(t[pos]) && pos - start < max_digits) out = out * 10 + (t[pos++] - '0');
  return pos > start;
}

bool expect(std::string_view t, size_t& pos, char c) {
  if (pos >= t.size() || t[pos] != c) return false;
  ++pos;
  return true;
}

Timestamp civil(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s,
                int64_t offset_seconds = 0) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 ||
      s > 60) {
    return {};
  }
  return Timestamp::from_unix_seconds(
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
      mi * 60 + s - offset_seconds);
}

// hh:mm[:ss[.fraction]] [AM|PM]; the fraction into `ticks`.
bool read_clock(std::string_view t, size_t& pos, int64_t& h, int64_t& mi, int64_t& s,
                int64_t& ticks, bool allow_meridiem) {
  s = 0;
  ticks = 0;
  if (!read_number(t, pos, 2, h) || !expect(t, pos, ':') || !read_number(t, pos, 2, mi)) return false;
  if (pos < t.size() && t[pos] == ':') {
    ++pos;
    if (!read_number(t, pos, 2, s)) return false;
    if (pos < t.size() && (t[pos] == '.' || t[pos] == ',')) {
      ++pos;
      int64_t scale = 1'000'000;
      const size_t start = pos;
      while (pos < t.size() && digit(t[pos])) {
        ticks += (t[pos++] - '0') * scale;
        scale /= 10;
      }
      if (pos == start) return false;
    }
  }
  if (allow_meridiem && pos < t.size() && t[pos] == ' ' && pos + 3 == t.size()) {
    const char m = static_cast<char>(t[pos + 1] | 0x20);
    if ((m != 'a' && m != 'p') || (t[pos + 2] | 0x20) != 'm' || h < 1 || h > 12) return false;
    h = h % 12 + (m == 'p' ? 12 : 0);
    pos = t.size();
  }
  return true;
}

Timestamp with_ticks(Timestamp t, int64_t ticks) {
  if (t.is_set()) t.ticks += ticks;
  return t;
}

// Unix time: seconds[.fraction][:serial], or 13 / 16 / 19 digits of
// milli-, micro- or nanoseconds.
Timestamp parse_unix(std::string_view t) {
  const size_t colon = t.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view serial = t.substr(colon + 1);
    if (serial.empty() || serial.find_first_not_of("0123456789") != std::string_view::npos) {
      return {};
    }
    t = t.substr(0, colon);
  }
  const size_t dot = t.find('.');
  const std::string_view whole = t.substr(0, dot);
  if (whole.empty() || whole.find_first_not_of("0123456789") != std::string_view::npos) return {};
  int64_t fraction_ticks = 0;
  if (dot != std::string_view::npos) {
    const std::string_view fraction = t.substr(dot + 1);
    if (fraction.empty() || fraction.find_first_not_of("0123456789") != std::string_view::npos) {
      return {};
    }
    int64_t scale = 1'000'000;
    for (size_t i = 0; i < fraction.size() && scale > 0; ++i, scale /= 10) {
      fraction_ticks += (fraction[i] - '0') * scale;
    }
  }
  int64_t v = 0;
  for (char c : whole.substr(0, 19)) v = v * 10 + (c - '0');
  switch (whole.size()) {
    case 9:
    case 10:
    case 11: return Timestamp{v * Timestamp::kTicksPerSecond + fraction_ticks};
    case 13: return dot == std::string_view::npos ? Timestamp{v * 10'000} : Timestamp{};
    case 16: return dot == std::string_view::npos ? Timestamp{v * 10} : Timestamp{};
    case 19: return dot == std::string_view::npos ? Timestamp{v / 100} : Timestamp{};
    default: return {};
  }
}

// "yyyy/mm/dd hh:mm:ss" as ISO.
Timestamp parse_slashed_iso(std::string_view t) {
  if (t.size() < 10 || t.size() > 64 || t[4] != '/' || t[7] != '/') return {};
  char buffer[64];
  std::memcpy(buffer, t.data(), t.size());
  buffer[4] = '-';
  buffer[7] = '-';
  return parse_rfc3339(std::string_view(buffer, t.size()));
}

// m/d/yyyy[ h:mm[:ss][ AM|PM]] (US order, as Windows' Event Viewer exports).
Timestamp parse_us(std::string_view t) {
  size_t pos = 0;
  int64_t mo = 0, d = 0, y = 0, h = 0, mi = 0, s = 0, ticks = 0;
  if (!read_number(t, pos, 2, mo) || !expect(t, pos, '/') || !read_number(t, pos, 2, d) ||
      !expect(t, pos, '/') || !read_number(t, pos, 4, y) || y < 1000) {
    return {};
  }
  if (pos < t.size()) {
    if (!expect(t, pos, ' ') || !read_clock(t, pos, h, mi, s, ticks, true)) return {};
  }
  if (pos != t.size()) return {};
  return with_ticks(civil(y, mo, d, h, mi, s), ticks);
}

// [Www ]Mmm dd hh:mm:ss yyyy (C's ctime, Apache's error log).
Timestamp parse_ctime(std::string_view t) {
  size_t pos = 0;
  if (t.size() > 4 && t[3] == ' ' && month_from_abbreviation(t.substr(0, 3)) == 0) pos = 4;
  if (pos + 4 > t.size()) return {};
  const int64_t mo = month_from_abbreviation(t.substr(pos, 3));
  if (mo == 0 || t[pos + 3] != ' ') return {};
  pos += 4;
  while (pos < t.size() && t[pos] == ' ') ++pos;
  int64_t d = 0, h = 0, mi = 0, s = 0, y = 0, ticks = 0;
  if (!read_number(t, pos, 2, d) || !expect(t, pos, ' ') ||
      !read_clock(t, pos, h, mi, s, ticks, false) || !expect(t, pos, ' ') ||
      !read_number(t, pos, 4, y) || pos != t.size()) {
    return {};
  }
  return with_ticks(civil(y, mo, d, h, mi, s), ticks);
}

// dd/Mon/yyyy:hh:mm:ss ±hhmm (access logs).
Timestamp parse_clf(std::string_view t) {
  if (t.size() != 26 || t[2] != '/' || t[6] != '/' || t[11] != ':') return {};
  size_t pos = 0;
  int64_t d = 0, y = 0, h = 0, mi = 0, s = 0, ticks = 0, oh = 0, om = 0;
  const int64_t mo = month_from_abbreviation(t.substr(3, 3));
  if (!read_number(t, pos, 2, d) || mo == 0) return {};
  pos = 7;
  if (!read_number(t, pos, 4, y) || !expect(t, pos, ':') ||
      !read_clock(t, pos, h, mi, s, ticks, false) || !expect(t, pos, ' ') || pos >= t.size()) {
    return {};
  }
  const char sign = t[pos++];
  if ((sign != '+' && sign != '-') || !read_number(t, pos, 2, oh) || !read_number(t, pos, 2, om) ||
      pos != t.size()) {
    return {};
  }
  return civil(y, mo, d, h, mi, s, (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1));
}

}  // namespace

Timestamp parse_csv_time(std::string_view t) {
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (t.size() < 8 || t.size() > 64) return {};
  if (t.ends_with(" UTC") || t.ends_with(" GMT")) t.remove_suffix(4);
  if (digit(t[0]) && digit(t[1]) && digit(t[2]) && digit(t[3])) {
    if (t[4] == '-') return parse_rfc3339(t);
    if (t[4] == '/') return parse_slashed_iso(t);
    return parse_unix(t);
  }
  if (digit(t[0])) {
    if (Timestamp v = parse_clf(t); v.is_set()) return v;
    return parse_us(t);
  }
  return parse_ctime(t);
}

}  // namespace vigil::read::csv
