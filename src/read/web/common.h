#pragma once
// What the web and Squid readers share: walking a head for recognition,
// and the small text helpers of their hot paths.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace vigil::read::web {

// Calls on_line(line) for up to `max_lines` non-blank lines of a head
// (without line ends). A last line without its line end is left out when
// others came before it: the head may have cut it short.
template <class OnLine>
void for_each_head_line(std::string_view head, size_t max_lines, OnLine&& on_line) {
  size_t pos = 0, seen = 0;
  while (pos < head.size() && seen < max_lines) {
    size_t nl = head.find('\n', pos);
    const bool complete = nl != std::string_view::npos;
    if (!complete) {
      if (seen > 0) return;
      nl = head.size();
    }
    std::string_view line = head.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    ++seen;
    on_line(line);
  }
}

// The score of a format whose line test passed on `good` of `lines` head
// lines: `sure` when nearly all do, less as fewer do.
inline int share_score(size_t good, size_t lines, int sure) {
  if (lines == 0 || good == 0) return 0;
  if (good * 5 >= lines * 4) return sure;
  if (good * 2 >= lines) return sure / 2;
  return 0;
}


inline std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

inline bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

}  // namespace vigil::read::web
