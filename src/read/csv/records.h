#pragma once
// RFC 4180 records: where a record ends (a quoted field may hold line
// breaks) and how it splits into fields. The cut rule and the parser use the
// same tracker, so blocks are only ever cut between records.

#include <cstdint>
#include <string>
#include <string_view>
#include <deque>
#include <vector>

namespace vigil::read::csv {

// The separator of a header line: the most frequent of ',', ';' and tab
// outside quotes (',' when none occurs, or on a tie).
char detect_separator(std::string_view header);

// Follows quoting line by line. A '"' opens a quoted field only at the
// start of a field; inside one, '""' is a quote and '"' closes it.
class RecordTracker {
 public:
  void set_separator(char separator) { separator_ = separator; }
  // Feeds the next line (without its line end); true when a record ends
  // with it. A quoted field still open after kTextMaxLineBytes of record is
  // given up: the record ends (overflowed() tells) and the next line starts
  // a new one, so hostile input never makes one record of a whole file.
  bool feed(std::string_view line);
  bool overflowed() const { return overflowed_; }
  bool in_record() const { return in_quote_; }
  void reset() {
    in_quote_ = false;
    record_bytes_ = 0;
    overflowed_ = false;
  }

 private:
  char separator_ = ',';
  bool in_quote_ = false;
  bool overflowed_ = false;
  uint64_t record_bytes_ = 0;
};

// Splits one record (its lines with their line breaks, without the last
// line's end) into fields. Quoted fields are unquoted; when one holds '""'
// or text after its closing quote, its text is built in `scratch` (a deque:
// its strings never move while it grows; the values point into them until
// the next call).
void split_record(std::string_view record, char separator, std::vector<std::string_view>& fields,
                  std::deque<std::string>& scratch);

}  // namespace vigil::read::csv
