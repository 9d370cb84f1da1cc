#include "vigil/read/text/lines.h"

#include <string>

#include "vigil/core/utf.h"

namespace vigil::read {

std::string_view valid_utf8_or_repaired(std::string_view text, Event& event, bool& repaired) {
  if (is_valid_utf8(text)) return text;
  repaired = true;
  std::string out;
  out.reserve(text.size() + 16);
  size_t i = 0;
  while (i < text.size()) {
    // The longest valid prefix from i, one sequence at a time.
    const auto c = static_cast<uint8_t>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n != 0 && i + n <= text.size() && is_valid_utf8(text.substr(i, n))) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      out.append("\xEF\xBF\xBD");  // U+FFFD
      ++i;
    }
  }
  return event.store(out);
}

int month_from_abbreviation(std::string_view text) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  if (text.size() != 3) return 0;
  char lower[3];
  for (int i = 0; i < 3; ++i) {
    const char c = text[i];
    lower[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  for (int m = 0; m < 12; ++m) {
    if (std::string_view(lower, 3) == kMonths[m]) return m + 1;
  }
  return 0;
}

}  // namespace vigil::read
