#pragma once
// Small tools every text reader needs: walking the lines of a block, adding
// text fields, numbers from text. Inline because they sit on the hot path.

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "vigil/core/event.h"
#include "vigil/core/limits.h"
#include "vigil/read/text/format.h"

namespace vigil::read {

// Calls on_line(text, line, offset) for every line of `block`: `text` without
// its LF or CRLF, `line` 1-based within the block, `offset` absolute. Lines
// longer than limits::kTextMaxLineBytes go to sink.on_issue instead (the
// driver keeps longer ones out of blocks; this guards parsers called directly).
template <class OnLine>
void for_each_line(std::string_view block, uint64_t block_offset, EventSink& sink,
                   OnLine&& on_line) {
  uint64_t line = 0;
  size_t pos = 0;
  while (pos < block.size()) {
    ++line;
    const char* start = block.data() + pos;
    const void* nl = std::memchr(start, '\n', block.size() - pos);
    size_t len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : block.size() - pos;
    const size_t next = pos + len + (nl ? 1 : 0);
    if (len > 0 && start[len - 1] == '\r') --len;
    if (len > limits::kTextMaxLineBytes) {
      sink.on_issue({line, block_offset + pos,
                     "line of " + std::to_string(len) + " bytes is longer than the limit of " +
                         std::to_string(limits::kTextMaxLineBytes) + " bytes; skipped"});
    } else {
      on_line(std::string_view(start, len), line, block_offset + pos);
    }
    pos = next;
  }
}

inline void add_text(Event& event, FieldId name, std::string_view text) {
  event.add(name, Value::utf8(text));
}

// Text that is not valid UTF-8 is kept with each bad byte replaced by U+FFFD
// (in the event's own storage): matching and output then see well-formed
// text, and the reader reports the line once.
std::string_view valid_utf8_or_repaired(std::string_view text, Event& event, bool& repaired);

// Unsigned decimal, all of `text`; nullopt when empty, not digits or too big.
inline std::optional<uint64_t> parse_u64(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

// English month abbreviation ("Jan".."Dec", any case) to 1..12, 0 if none.
int month_from_abbreviation(std::string_view text);

}  // namespace vigil::read
