#include "header.h"

#include "vigil/read/text/lines.h"

namespace vigil::read::syslog_detail {

namespace {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool digits(std::string_view s, size_t pos, size_t count, unsigned& value) {
  if (pos + count > s.size()) return false;
  unsigned v = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = s[pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  value = v;
  return true;
}

// "Mmm dd hh:mm:ss" at `pos`: the day space-padded ("Jun  7"), zero-padded
// or bare; some writers put a year after the day ("Jun 7 2024 10:00:00") or
// a fraction after the seconds. `pos` ends after the time.
bool parse_classic_time(std::string_view s, size_t& pos, Header& h) {
  size_t p = pos;
  if (p + 4 > s.size() || s[p + 3] != ' ') return false;
  h.month = static_cast<unsigned>(month_from_abbreviation(s.substr(p, 3)));
  if (h.month == 0) return false;
  p += 4;
  if (p < s.size() && s[p] == ' ') ++p;  // "Jun  7"
  unsigned day = 0;
  if (digits(s, p, 2, day)) {
    p += 2;
  } else if (digits(s, p, 1, day)) {
    p += 1;
  } else {
    return false;
  }
  if (p >= s.size() || s[p] != ' ' || day == 0 || day > 31) return false;
  ++p;
  unsigned year = 0;
  if (digits(s, p, 4, year) && p + 4 < s.size() && s[p + 4] == ' ') {
    h.year = static_cast<int>(year);
    p += 5;
  }
  unsigned hour = 0, minute = 0, second = 0;
  if (!digits(s, p, 2, hour) || p + 2 >= s.size() || s[p + 2] != ':' ||
      !digits(s, p + 3, 2, minute) || p + 5 >= s.size() || s[p + 5] != ':' ||
      !digits(s, p + 6, 2, second)) {
    return false;
  }
  if (hour > 23 || minute > 59 || second > 60) return false;
  p += 8;
  if (p < s.size() && s[p] == '.') {
    ++p;
    uint32_t scale = 1'000'000;
    const size_t start = p;
    while (p < s.size() && is_digit(s[p])) {
      h.fraction_ticks += static_cast<uint32_t>(s[p] - '0') * scale;
      scale /= 10;
      ++p;
    }
    if (p == start) return false;
  }
  if (p < s.size() && s[p] != ' ') return false;
  h.day = day;
  h.hour = hour;
  h.minute = minute;
  h.second = second;
  h.time_kind = TimeKind::kClassic;
  pos = p;
  return true;
}

size_t token_end(std::string_view s, size_t pos) {
  const size_t sp = s.find(' ', pos);
  return sp == std::string_view::npos ? s.size() : sp;
}

size_t skip_spaces(std::string_view s, size_t pos) {
  while (pos < s.size() && s[pos] == ' ') ++pos;
  return pos;
}

// A first word that is a tag, not a host: the sender left the host out
// ("sshd[12]: ..." or "kernel: ..."). Host names end neither in ':' nor in ']'.
bool looks_like_tag(std::string_view token) {
  if (token.empty()) return false;
  const char last = token.back();
  if (last == ':') return true;
  return last == ']' && token.find('[') != std::string_view::npos;
}

// The tag at `pos` ("name[pid]:", "name:") and the message after it. Text
// that does not start with a tag is all message.
void parse_tag(std::string_view s, size_t pos, Header& h) {
  size_t q = pos;
  while (q < s.size() && s[q] != ' ' && s[q] != ':' && s[q] != '[') ++q;
  h.message = s.substr(pos);
  if (q == pos || q == s.size() || s[q] == ' ') return;
  size_t rest = q + 1;
  if (s[q] == '[') {
    // A pid of up to 32 characters without spaces ("[1234]", "[1234.5678]").
    size_t close = q + 1;
    while (close < s.size() && close - q <= 32 && s[close] != ']' && s[close] != ' ') ++close;
    if (close >= s.size() || s[close] != ']') return;
    h.pid = s.substr(q + 1, close - q - 1);
    rest = close + 1;
    if (rest < s.size() && s[rest] == ':') ++rest;
  }
  if (rest < s.size() && s[rest] == ' ') ++rest;
  h.program = s.substr(pos, q - pos);
  h.message = s.substr(rest);
  // Old PAM wrote its module into the tag: "sshd(pam_unix)[19939]:".
  if (h.program.size() > 2 && h.program.back() == ')') {
    const size_t open = h.program.find('(');
    if (open != std::string_view::npos && open > 0 &&
        h.program.substr(open + 1).starts_with("pam_")) {
      h.pam_module = h.program.substr(open + 1, h.program.size() - open - 2);
      h.program = h.program.substr(0, open);
    }
  }
}

bool parse_rfc5424(std::string_view s, size_t pos, Header& h, const char*& reason) {
  h.rfc5424 = true;
  reason = "RFC 5424 header is incomplete (expected TIMESTAMP HOSTNAME APP-NAME PROCID MSGID)";
  std::string_view parts[5];
  for (std::string_view& part : parts) {
    if (pos >= s.size()) return false;
    const size_t end = token_end(s, pos);
    if (end == pos) return false;
    part = s.substr(pos, end - pos);
    pos = end < s.size() ? end + 1 : end;
  }
  if (parts[0] == "-") {
    h.time_kind = TimeKind::kNil;
  } else {
    h.time = parse_rfc3339(parts[0]);
    if (!h.time.is_set()) {
      reason = "RFC 5424 timestamp is not an RFC 3339 time";
      return false;
    }
    h.time_kind = TimeKind::kRfc3339;
  }
  auto nil_or = [](std::string_view v) { return v == "-" ? std::string_view() : v; };
  h.host = nil_or(parts[1]);
  h.program = nil_or(parts[2]);
  h.pid = nil_or(parts[3]);
  h.msgid = nil_or(parts[4]);
  if (pos < s.size()) {
    if (s[pos] == '-') {
      ++pos;
    } else {
      const size_t end = s[pos] == '[' ? walk_structured_data(s, pos, [](auto, auto, auto) {})
                                       : std::string_view::npos;
      if (end == std::string_view::npos || (end < s.size() && s[end] != ' ')) {
        // Kept whole as the message rather than losing the line.
        h.structured_data_malformed = true;
        h.message = s.substr(pos);
        return true;
      }
      h.structured_data = s.substr(pos, end - pos);
      pos = end;
    }
    if (pos < s.size() && s[pos] == ' ') ++pos;
  }
  std::string_view message = s.substr(pos);
  if (message.starts_with("\xEF\xBB\xBF")) message.remove_prefix(3);  // RFC 5424's BOM
  h.message = message;
  return true;
}

}  // namespace

bool is_leap_year(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

unsigned days_in_month(int year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

bool parse_header(std::string_view s, Header& h, const char*& reason) {
  h = Header{};
  size_t pos = 0;
  if (!s.empty() && s[0] == '<') {
    unsigned pri = 0;
    size_t p = 1;
    while (p < s.size() && p <= 3 && is_digit(s[p])) pri = pri * 10 + static_cast<unsigned>(s[p++] - '0');
    if (p == 1 || p >= s.size() || s[p] != '>' || pri > 191) {
      reason = "malformed <PRI> (expected <0> to <191>)";
      return false;
    }
    h.pri = static_cast<int>(pri);
    pos = p + 1;
    if (pos + 1 < s.size() && s[pos] == '1' && s[pos + 1] == ' ') {
      return parse_rfc5424(s, pos + 2, h, reason);
    }
  }
  if (pos < s.size() && is_digit(s[pos])) {
    size_t end = token_end(s, pos);
    // A date alone is not a syslog time; "2024-05-01 10:00:00" (a space
    // instead of the 'T') is read as one.
    if (end - pos == 10) {
      if (end + 1 >= s.size() || !is_digit(s[end + 1])) {
        reason = "no syslog timestamp at the start of the line (a date without a time)";
        return false;
      }
      end = token_end(s, end + 1);
    }
    h.time = parse_rfc3339(s.substr(pos, end - pos));
    if (!h.time.is_set()) {
      reason = "no syslog timestamp at the start of the line (not an RFC 3339 time)";
      return false;
    }
    h.time_kind = TimeKind::kRfc3339;
    pos = end;
  } else if (!parse_classic_time(s, pos, h)) {
    reason = "no syslog timestamp at the start of the line (expected 'Mmm dd hh:mm:ss' or RFC 3339)";
    return false;
  }
  pos = skip_spaces(s, pos);
  if (pos == s.size()) return true;
  const size_t end = token_end(s, pos);
  if (!looks_like_tag(s.substr(pos, end - pos))) {
    h.host = s.substr(pos, end - pos);
    pos = skip_spaces(s, end);
  }
  parse_tag(s, pos, h);
  return true;
}

}  // namespace vigil::read::syslog_detail
