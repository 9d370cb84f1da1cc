#pragma once
// What the Zeek format's TSV and JSON halves share: the per-file context
// and small helpers.

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/read/text/format.h"

namespace vigil::read::zeek {

inline constexpr std::string_view kSourceFormat = "zeek";

// How a TSV column's text becomes a field, from its #types entry.
enum class ColumnKind : uint8_t {
  kText,
  kBool,  // T / F, written as JSON logs do: true / false
};

class ZeekContext final : public FileContext {
 public:
  bool json = false;
  // The log's path: #path (TSV), else from the file name; JSON lines with a
  // _path key use their own.
  std::string path;
  FieldId source_format_id = kNoField;
  FieldId path_id = kNoField;
  FieldId ts_id = kNoField;

  // TSV only.
  std::string separator = "\t";
  std::string set_separator = ",";
  std::string empty_field = "(empty)";
  std::string unset_field = "-";
  std::string fields_line;  // the #fields line as written
  std::vector<FieldId> columns;
  std::vector<ColumnKind> kinds;
  int ts_column = -1;
  // #open: the time of lines without ts (loaded_scripts has no ts at all).
  Timestamp open_time;
};

// Reads the #-header of a TSV log from the head; fails without #fields.
Result<void> read_tsv_header(std::string_view head, ZeekContext& context, FieldNames& names);

std::unique_ptr<BlockParser> make_tsv_parser(std::shared_ptr<const ZeekContext> context);
std::unique_ptr<BlockParser> make_json_parser(std::shared_ptr<const ZeekContext> context,
                                              FieldNames& names);

// Whether a line looks like one of a Zeek JSON log, from its keys alone.
bool zeek_json_line(std::string_view line, bool zeek_file_name);

// "conn" of "/logs/conn.log", "dns" of "dns.2024-01-01-00-00-00.log.gz";
// empty when the name does not start with a log path's characters.
std::string path_from_file_name(std::string_view file);
// Whether a path names one of Zeek's usual logs.
bool known_log_path(std::string_view path);

// "1521911720.865716": Unix seconds with an optional fraction; unset when
// the text is not that.
Timestamp parse_epoch(std::string_view text);

// True when no byte has its high bit set (such text is valid UTF-8).
inline bool all_ascii(std::string_view text) {
  const char* p = text.data();
  size_t n = text.size();
  uint64_t bits = 0;
  for (; n >= 32; p += 32, n -= 32) {
    uint64_t w[4];
    std::memcpy(w, p, 32);
    bits |= w[0] | w[1] | w[2] | w[3];
  }
  for (; n > 0; ++p, --n) bits |= static_cast<uint8_t>(*p);
  return (bits & 0x8080808080808080ULL) == 0;
}

}  // namespace vigil::read::zeek
