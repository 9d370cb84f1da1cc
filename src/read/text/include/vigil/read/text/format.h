#pragma once
// What every text-log reader (JSON lines, syslog, auditd, web and proxy access
// logs, Zeek, CSV, the application audit trail) implements, and what the
// common driver (`scan.h`) gives it.
//
// A reader sees its input as blocks of whole lines cut from one (decompressed)
// file. Blocks of a file are parsed on different threads, so a reader keeps no
// state between blocks except the read-only `FileContext` it built from the
// file's head (Zeek's #fields, a CSV header, the syslog reference year, ...).
// A format whose records may span a block boundary (auditd's records of one
// event, CSV's quoted line breaks) says where a block may end (`CutRule`).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vigil/core/event.h"
#include "vigil/core/field_names.h"
#include "vigil/core/result.h"

namespace vigil::read {

// What a reader knows about the file besides its bytes.
struct FileFacts {
  std::string path;           // as given by the user (the original, not a spool file)
  int64_t mtime_seconds = 0;  // modification time, Unix seconds (0 when unknown, e.g. stdin)
};

// Options the user gives on the command line that some readers use.
struct ReadOptions {
  std::optional<int> year;           // syslog RFC 3164: the year of the lines (--year)
  std::string web_format;            // access logs: a user LogFormat string (--web-format)
  std::string time_field;            // CSV / generic JSON: the time column or key (--time-field)
};

// A rejected line or a damaged place, reported with the line it is on.
struct LineIssue {
  uint64_t line = 0;    // 1-based, relative to the block (the driver makes it absolute)
  uint64_t offset = 0;  // absolute byte offset in the (decompressed) input
  std::string reason;
  // How a well-formed file was read (a CSV file without a time column):
  // worth telling, but nothing in the evidence is damaged or left unread.
  bool note = false;
};

// Where a parser delivers its results. `event.source.record_id` is the line
// number of the event's first line relative to the block (1-based), and
// `event.source.offset` the absolute byte offset of that line; the driver
// turns record_id into the line number in the file before anyone sees it.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_event(Event& event) = 0;
  virtual void on_issue(LineIssue issue) = 0;
};

// Per-file state from the file's head, read-only once built, shared by the
// parsers of all blocks of the file.
class FileContext {
 public:
  virtual ~FileContext() = default;
};

// Parses blocks of one file. One instance per worker thread and file; it may
// keep scratch (buffers, cached FieldIds) between blocks but no results.
class BlockParser {
 public:
  virtual ~BlockParser() = default;
  // `block` holds whole lines (the last may lack its line end at end of
  // file); `block_offset` is the absolute offset of its first byte. Every
  // event and every rejected line goes to `sink`, in order. The event passed
  // to the sink may be reused for the next one (its views stay valid until
  // the sink returns). Line ends may be LF or CRLF.
  virtual void parse(std::string_view block, uint64_t block_offset, uint32_t input,
                     EventSink& sink) = 0;
};

// Decides where blocks may be cut. Sees every line of a file in order, once,
// while the input is planned.
class CutRule {
 public:
  virtual ~CutRule() = default;
  // `line` without its line end; true when a block may end just before it.
  virtual bool cut_before(std::string_view line) = 0;
};

// A text log format: stateless, one static instance per format.
class Format {
 public:
  virtual ~Format() = default;
  // Short name: the `--input-format` value and the `_source_format` family
  // ("json", "syslog", "auditd", "web", "squid", "zeek", "csv", "audit-trail").
  virtual std::string_view name() const = 0;
  // How sure this format is that a file starting with `head` (up to 64 KiB,
  // cut at a line end where possible) is its own: 0 = not at all, 100 =
  // certain. The highest score wins; ties go to the earlier format in the
  // registry. `path` may help (e.g. ".log" says nothing, "conn.log" little).
  virtual int sniff(std::string_view head, std::string_view path) const = 0;
  // Builds the per-file context from the head. A failure means the file is
  // not readable as this format at all (reported once, file skipped).
  virtual Result<std::shared_ptr<const FileContext>> open(std::string_view head,
                                                          const FileFacts& facts,
                                                          const ReadOptions& options,
                                                          FieldNames& names) const = 0;
  // Where blocks may be cut, for formats whose records can span lines;
  // nullptr (the default): at any line end.
  virtual std::unique_ptr<CutRule> cut_rule() const { return nullptr; }
  // A parser for blocks of a file opened with `context`.
  virtual std::unique_ptr<BlockParser> parser(std::shared_ptr<const FileContext> context,
                                              FieldNames& names) const = 0;
};

}  // namespace vigil::read
