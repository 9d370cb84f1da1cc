#include "framing.h"

#include "vigil/core/limits.h"

namespace vigil::read::json {

namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

char last_non_blank(std::string_view text) {
  size_t end = text.size();
  while (end > 0 && blank(text[end - 1])) --end;
  return end == 0 ? '\0' : text[end - 1];
}

// Follows brackets through one line from `depth`. Strings do not continue on
// the next line (JSON strings cannot hold a line break), so a quote left open
// is forgotten at the line end. True when the depth comes back to 0 (or a
// closing bracket has nothing to close): the value ends on this line.
bool balances(std::string_view text, uint32_t& depth) {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth <= 1) {
        depth = 0;
        return true;
      }
      --depth;
    }
  }
  return false;
}

}  // namespace

std::string_view trim_leading(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  return text.substr(i);
}

LineRole RecordFramer::top_level(std::string_view line) {
  const std::string_view text = trim_leading(line);
  const char last = last_non_blank(text);
  if (last == '\0') return LineRole::kBlank;
  if (text[0] != '{' && text[0] != '[') return LineRole::kSingle;
  // JSON lines: a line that starts and ends like a value is taken as one
  // without following its brackets, which keeps the cut rule off the bytes.
  if (last == '}' || last == ']') return LineRole::kSingle;
  uint32_t depth = 0;
  if (balances(text, depth)) return LineRole::kSingle;
  open_ = true;
  depth_ = depth;
  last_ = last;
  bytes_ = line.size() + 1;
  return LineRole::kOpen;
}

LineRole RecordFramer::feed(std::string_view line, bool& abandoned) {
  abandoned = false;
  if (!open_) return top_level(line);
  // Pretty-printers indent everything inside a value and end the line before
  // a new element with ',' or '['; an unindented '{' after anything else is a
  // new value, and the open one was cut short (a truncated line, a crash).
  if (!line.empty() && line[0] == '{' && last_ != ',' && last_ != '[') {
    abandoned = true;
    open_ = false;
    return top_level(line);
  }
  bytes_ += line.size() + 1;
  if (balances(line, depth_)) {
    open_ = false;
    return LineRole::kClose;
  }
  if (const char last = last_non_blank(line); last != '\0') last_ = last;
  // Past the limit the value is given up (the parser rejects it by its size)
  // so that blocks can be cut again.
  if (bytes_ > limits::kJsonMaxDocumentBytes) {
    open_ = false;
    return LineRole::kClose;
  }
  return LineRole::kMore;
}

std::string_view records_array(std::string_view text) {
  size_t i = 1;
  auto skip_space = [&] {
    while (i < text.size() && (blank(text[i]) || text[i] == '\n')) ++i;
  };
  skip_space();
  constexpr std::string_view kKey = "\"Records\"";
  if (text.substr(i, kKey.size()) != kKey) return {};
  i += kKey.size();
  skip_space();
  if (i >= text.size() || text[i] != ':') return {};
  ++i;
  skip_space();
  if (i >= text.size() || text[i] != '[') return {};
  return text.substr(i);
}

}  // namespace vigil::read::json
