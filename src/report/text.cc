#include "text.h"

#include "vigil/core/utf.h"

namespace vigil::report::text {

size_t utf8_sequence(std::string_view text) {
  const auto c = static_cast<uint8_t>(text[0]);
  const size_t n = c < 0x80                ? 1
                   : c >= 0xc2 && c < 0xe0 ? 2
                   : c >= 0xe0 && c < 0xf0 ? 3
                   : c >= 0xf0 && c < 0xf5 ? 4
                                           : 0;
  if (n == 0 || n > text.size()) return 0;
  return is_valid_utf8(text.substr(0, n)) ? n : 0;
}

void append_valid_utf8(std::string& out, std::string_view text) {
  while (!text.empty()) {
    const size_t n = utf8_sequence(text);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, n));
      text.remove_prefix(n);
    }
  }
}

bool is_valid(std::string_view text) { return is_ascii(text) || is_valid_utf8(text); }

}  // namespace vigil::report::text
