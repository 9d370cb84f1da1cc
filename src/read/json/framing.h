#pragma once
// Where JSON values begin and end in a text of lines, decided one line at a
// time. The cut rule and the parser run the same framer over the same lines,
// so a block boundary the cut rule allows is a place where the parser, started
// afresh, frames exactly the values the whole file would give.
//
// Most lines are whole values (JSON lines). A value may also span lines (a
// pretty-printed object, an array of events, a CloudTrail file): a line that
// opens an object or array without closing it starts a multi-line value, which
// ends on the line where its brackets balance.

#include <cstdint>
#include <string_view>

namespace vigil::read::json {

enum class LineRole : uint8_t {
  kBlank,   // only white space
  kSingle,  // a value (or garbage) on its own line
  kOpen,    // starts a value that continues on the next lines
  kMore,    // inside a multi-line value
  kClose,   // ends a multi-line value (its brackets balance, or it grew past the limit)
};

// Leading UTF-8 byte order mark, spaces and tabs removed.
std::string_view trim_leading(std::string_view text);

class RecordFramer {
 public:
  // The role of the next line (without its line end). When the line cannot
  // belong to the open value (it starts a new top-level object at column 0
  // after a line that did not end with ',' or '[', as after a truncated
  // line), `abandoned` is set: the open value ended unclosed before this
  // line, and the role is the line's own at top level.
  LineRole feed(std::string_view line, bool& abandoned);
  bool open() const { return open_; }
  // Bytes of the open value so far, line ends included.
  uint64_t open_bytes() const { return bytes_; }
  void reset() { *this = RecordFramer(); }

 private:
  LineRole top_level(std::string_view line);
  bool open_ = false;
  uint32_t depth_ = 0;
  char last_ = 0;  // last non-blank byte of the open value so far
  uint64_t bytes_ = 0;
};

// The elements of the array starting at text[0] == '[', each without the
// white space around it; on_element(element) in order. Structure is followed
// only as far as brackets, strings and commas go: each element is parsed on
// its own afterwards. Returns false when the array does not close.
template <class OnElement>
bool for_each_element(std::string_view text, OnElement&& on_element);

// When `text` (starting at '{') is an object whose first member is
// "Records" with an array value (a CloudTrail log file), the text from that
// array's '['; empty otherwise.
std::string_view records_array(std::string_view text);

// ---------------------------------------------------------------------------

template <class OnElement>
bool for_each_element(std::string_view text, OnElement&& on_element) {
  uint32_t depth = 0;
  bool in_string = false;
  size_t start = std::string_view::npos;  // of the current element
  size_t last = 0;                        // one past its last non-blank byte
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      last = i < text.size() ? i + 1 : text.size();
      continue;
    }
    switch (c) {
      case ' ':
      case '\t':
      case '\r':
      case '\n': continue;
      case '"': in_string = true; break;
      case '{':
      case '[': ++depth; break;
      case '}':
      case ']':
        if (depth == 0) {
          if (c == ']') {
            if (start != std::string_view::npos) on_element(text.substr(start, last - start));
            return true;
          }
        } else {
          --depth;
        }
        break;
      case ',':
        if (depth == 0) {
          if (start != std::string_view::npos) on_element(text.substr(start, last - start));
          start = std::string_view::npos;
          continue;
        }
        break;
      default: break;
    }
    if (start == std::string_view::npos) start = i;
    last = i + 1;
  }
  if (start != std::string_view::npos) on_element(text.substr(start, last - start));
  return false;
}

}  // namespace vigil::read::json
