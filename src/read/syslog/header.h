#pragma once
// The syslog header of one line: priority, time, host, tag and the message
// after it. Shared by recognition (sniff) and the block parser.

#include <cstdint>
#include <string_view>

#include "vigil/core/timestamp.h"

namespace vigil::read::syslog_detail {

enum class TimeKind : uint8_t {
  kClassic,  // RFC 3164 "Mmm dd hh:mm:ss": no year, no zone
  kRfc3339,  // a full RFC 3339 time (rsyslog's high-precision format, RFC 5424)
  kNil,      // RFC 5424 "-": the sender did not know the time
};

struct Header {
  int pri = -1;  // 0..191 when the line starts with <PRI>
  bool rfc5424 = false;
  TimeKind time_kind = TimeKind::kClassic;
  // kClassic: the parts as written; year is 0 unless the line has one.
  int year = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
  uint32_t fraction_ticks = 0;  // sub-second part, 100 ns units
  Timestamp time;               // kRfc3339: the instant, in UTC
  std::string_view host;
  std::string_view program;     // the tag without [pid] (and without "(pam_x)")
  std::string_view pid;
  std::string_view pam_module;  // from an old-style tag "sshd(pam_unix)"
  // RFC 5424 only.
  std::string_view msgid;
  std::string_view structured_data;  // as written, "[id k="v"]..."; empty for "-"
  bool structured_data_malformed = false;
  std::string_view message;
};

// Parses the header of `line` into `header`; false (with `reason` set) when
// the line does not start like a syslog line.
bool parse_header(std::string_view line, Header& header, const char*& reason);

// Walks RFC 5424 structured data starting at `pos` (at a '['): on_param(
// sd_id, name, value) for every parameter, the value as written (escapes
// still in). Returns the position after the last element, or npos when the
// data is malformed (on_param may have been called for what came before).
template <class OnParam>
size_t walk_structured_data(std::string_view s, size_t pos, OnParam&& on_param) {
  // SD-NAME: printable US-ASCII except '=', SP, ']' and '"', 1 to 32 of them.
  auto name_end = [&](size_t p) {
    const size_t start = p;
    while (p < s.size() && p - start < 32) {
      const auto c = static_cast<unsigned char>(s[p]);
      if (c <= 32 || c >= 127 || c == '=' || c == ']' || c == '"') break;
      ++p;
    }
    return p;
  };
  while (pos < s.size() && s[pos] == '[') {
    const size_t id_start = pos + 1;
    size_t p = name_end(id_start);
    if (p == id_start) return std::string_view::npos;
    const std::string_view id = s.substr(id_start, p - id_start);
    while (p < s.size() && s[p] == ' ') {
      const size_t name_start = p + 1;
      p = name_end(name_start);
      if (p == name_start || p + 1 >= s.size() || s[p] != '=' || s[p + 1] != '"') {
        return std::string_view::npos;
      }
      const std::string_view name = s.substr(name_start, p - name_start);
      p += 2;
      const size_t value_start = p;
      while (p < s.size() && s[p] != '"') p += s[p] == '\\' ? 2 : 1;
      if (p >= s.size()) return std::string_view::npos;
      on_param(id, name, s.substr(value_start, p - value_start));
      ++p;
    }
    if (p >= s.size() || s[p] != ']') return std::string_view::npos;
    pos = p + 1;
  }
  return pos;
}

// 1..31 days of a month, 0 for a month out of range.
unsigned days_in_month(int year, unsigned month);
bool is_leap_year(int year);

}  // namespace vigil::read::syslog_detail
