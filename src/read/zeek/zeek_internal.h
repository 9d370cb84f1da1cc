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


}  // namespace vigil::read::zeek
