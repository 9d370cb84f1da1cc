#pragma once
// What the Apache and Nginx error log readers share: local times without a
// zone, the handling of lines without a header, recognition scores.

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "vigil/core/limits.h"
#include "vigil/core/timestamp.h"
#include "vigil/read/text/format.h"

namespace vigil::read::weberror {

// How a line starts.
enum class Shape : uint8_t {
  kNone,  // no header: a line some other program wrote into the log
  kOk,    // a header with a valid time
  kBad,   // the layout of a header, but a time that does not exist
};

// The parts of a local time as written; the reader takes them as UTC.
struct CivilParts {
  int year = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
  uint32_t fraction_ticks = 0;  // 100 ns units
};

// The instant of `parts` read as UTC; nullptr, or why the time does not exist.
const char* to_timestamp(const CivilParts& parts, Timestamp& out);

// `count` decimal digits at `pos`.
inline bool fixed_digits(std::string_view s, size_t pos, size_t count, unsigned& value) {
  if (pos + count > s.size()) return false;
  unsigned v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  value = v;
  return true;
}

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

// ".dddddd" at `pos` (1 to 9 digits; past the seventh they are below the
// 100 ns resolution): the fraction in 100 ns units, `pos` moved after it.
// Nothing to do when there is no '.'.
inline bool fraction(std::string_view s, size_t& pos, uint32_t& ticks) {
  if (pos >= s.size() || s[pos] != '.') return true;
  size_t p = pos + 1;
  uint32_t value = 0;
  int digits = 0;
  while (p < s.size() && is_digit(s[p]) && digits < 9) {
    if (digits < 7) value = value * 10 + static_cast<uint32_t>(s[p] - '0');
    ++digits;
    ++p;
  }
  if (digits == 0) return false;
  for (int d = digits; d < 7; ++d) value *= 10;
  ticks = value;
  pos = p;
  return true;
}


inline bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

// Lines without a header (a shell's "sh: 1: curl: not found", a glibc
// assertion, the rest of a multi-line PHP message) take the time of the last
// line with a header before them: the log is written in order. So that every
// block reads them as the whole file would, a block never starts with one
// that would take a time; after kTextMaxLineBytes of such lines in a row
// they take none and a block may start anywhere (a file of nothing but
// headerless lines still splits into blocks).
class HeaderlessRun {
 public:
  // A line with the layout of a header (its time valid or not).
  void header() {
    seen_header_ = true;
    run_bytes_ = 0;
  }
  // Whether the next headerless line takes the last header's time.
  bool inherits() const { return seen_header_ && run_bytes_ < limits::kTextMaxLineBytes; }
  // A headerless line of `bytes` (without its line end) went by.
  void headerless(size_t bytes) { run_bytes_ += bytes + 1; }

 private:
  bool seen_header_ = false;
  size_t run_bytes_ = 0;
};

// Blocks end before a header, or where no headerless line would take a time
// from the block before.
template <Shape (*kShapeOf)(std::string_view)>
class HeaderCutRule final : public CutRule {
 public:
  bool cut_before(std::string_view line) override {
    if (kShapeOf(line) != Shape::kNone) {
      run_.header();
      return true;
    }
    const bool allowed = !run_.inherits();
    run_.headerless(line.size());
    return allowed;
  }

 private:
  HeaderlessRun run_;
};

// The score for `good` of `lines` non-blank head lines with a header:
// error logs may hold many lines other programs wrote, so a minority of
// header lines still says something.
inline int share_score(size_t good, size_t lines) {
  if (good == 0) return 0;
  if (good * 10 >= lines * 9) return 90;
  if (good * 10 >= lines * 6) return 75;
  if (good * 10 >= lines * 3) return 50;
  return 20;
}

// Walks the non-blank lines of a recognition head (at most `max_lines`).
template <class OnLine>
void for_each_head_line(std::string_view head, size_t max_lines, OnLine&& on_line) {
  size_t pos = 0, lines = 0;
  while (pos < head.size() && lines < max_lines) {
    size_t end = head.find('\n', pos);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (is_blank(line)) continue;
    ++lines;
    on_line(line);
  }
}

}  // namespace vigil::read::weberror
