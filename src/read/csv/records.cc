#include "records.h"

#include <cstring>

#include "vigil/core/limits.h"

namespace vigil::read::csv {

char detect_separator(std::string_view header) {
  size_t commas = 0, semicolons = 0, tabs = 0;
  bool quoted = false;
  for (char c : header) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    commas += c == ',';
    semicolons += c == ';';
    tabs += c == '\t';
  }
  if (semicolons > commas && semicolons >= tabs) return ';';
  if (tabs > commas && tabs > semicolons) return '\t';
  return ',';
}

bool RecordTracker::feed(std::string_view line) {
  if (!in_quote_) {
    record_bytes_ = 0;
    overflowed_ = false;
    // Most lines hold no quote at all.
    if (std::memchr(line.data(), '"', line.size()) == nullptr) return true;
  }
  record_bytes_ += line.size() + 1;
  bool field_start = !in_quote_;
  size_t i = 0;
  while (i < line.size()) {
    if (in_quote_) {
      const void* q = std::memchr(line.data() + i, '"', line.size() - i);
      if (q == nullptr) break;
      i = static_cast<size_t>(static_cast<const char*>(q) - line.data()) + 1;
      if (i < line.size() && line[i] == '"') {
        ++i;  // "" inside quotes
      } else {
        in_quote_ = false;
      }
      continue;
    }
    const char c = line[i++];
    if (c == '"' && field_start) {
      in_quote_ = true;
    } else {
      field_start = c == separator_;
    }
  }
  if (in_quote_ && record_bytes_ > limits::kTextMaxLineBytes) {
    in_quote_ = false;
    overflowed_ = true;
    return true;
  }
  return !in_quote_;
}

void split_record(std::string_view record, char separator, std::vector<std::string_view>& fields,
                  std::deque<std::string>& scratch) {
  fields.clear();
  size_t used_scratch = 0;
  size_t pos = 0;
  for (;;) {
    if (pos < record.size() && record[pos] == '"') {
      // Quoted: up to the closing quote; "" is a quote. Text between the
      // closing quote and the separator (not RFC 4180) is kept.
      size_t i = pos + 1;
      size_t start = i;
      bool escaped = false;
      std::string* built = nullptr;
      for (;;) {
        const void* q = std::memchr(record.data() + i, '"', record.size() - i);
        if (q == nullptr) {
          i = record.size();
          break;
        }
        const size_t at = static_cast<size_t>(static_cast<const char*>(q) - record.data());
        if (at + 1 < record.size() && record[at + 1] == '"') {
          if (!escaped) {
            if (used_scratch == scratch.size()) scratch.emplace_back();
            built = &scratch[used_scratch++];
            built->clear();
            escaped = true;
          }
          built->append(record.substr(start, at + 1 - start));
          i = at + 2;
          start = i;
          continue;
        }
        i = at;
        break;
      }
      std::string_view value;
      const size_t close = i;
      size_t after = close < record.size() ? close + 1 : close;
      const void* sep = std::memchr(record.data() + after, separator, record.size() - after);
      const size_t end =
          sep ? static_cast<size_t>(static_cast<const char*>(sep) - record.data()) : record.size();
      if (escaped) {
        built->append(record.substr(start, close - start));
        built->append(record.substr(after, end - after));
        value = *built;
      } else if (end > after) {
        if (used_scratch == scratch.size()) scratch.emplace_back();
        built = &scratch[used_scratch++];
        built->assign(record.substr(pos + 1, close - pos - 1));
        built->append(record.substr(after, end - after));
        value = *built;
      } else {
        value = record.substr(pos + 1, close - pos - 1);
      }
      fields.push_back(value);
      if (end >= record.size()) return;
      pos = end + 1;
      continue;
    }
    const void* sep = std::memchr(record.data() + pos, separator, record.size() - pos);
    if (sep == nullptr) {
      fields.push_back(record.substr(pos));
      return;
    }
    const size_t at = static_cast<size_t>(static_cast<const char*>(sep) - record.data());
    fields.push_back(record.substr(pos, at - pos));
    pos = at + 1;
  }
}

}  // namespace vigil::read::csv
