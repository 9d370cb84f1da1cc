#pragma once
// What the commands that read every log format (hunt, timeline) do with
// their paths: each file is read as EVTX when it is EVTX and as a text log
// when a text reader recognises it; text-reader problems are printed with
// file:line.

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "evtx_inputs.h"
#include "vigil/read/text/scan.h"

namespace vigil::cli {

struct TextReadOptions {
  std::string input_format;  // --input-format: force one text format
  int year = 0;              // --year (0: infer)
  std::string web_format;    // --web-format
  std::string time_field;    // --time-field
  std::string temp_dir;      // spool files of compressed input and stdin (--temp-dir)
};

struct LogInputs {
  EvtxInputs evtx;                     // source ids 0 .. evtx.files.size()-1
  std::vector<read::TextInput> text;   // source ids after them, in this order
  std::vector<std::string> paths;      // every input by source id
  std::vector<uint64_t> sizes;         // bytes read per source id (decompressed for text)
  uint64_t bytes = 0;
  uint64_t skipped = 0;                // files in folders that no reader recognises
  uint64_t repeated = 0;               // files named again (or found again): read once
  std::set<std::pair<uint64_t, uint64_t>> identities;  // device and inode of each input file
  bool error = false;
  size_t files() const { return paths.size(); }
  uint32_t first_text_source() const { return static_cast<uint32_t>(evtx.files.size()); }
};

// Files named on the command line must be readable in some format; files
// found in folders are skipped (and counted) when no reader recognises them.
// A file met again (named twice, or named and found in a folder) is read
// once, where it was first met: reading it twice would double its detections.
// `-` reads standard input as text. Problems go to stderr as they are met.
// Returns false (after a message) for a usage error (unknown --input-format).
bool gather_log_inputs(const std::vector<std::string>& paths, const TextReadOptions& options,
                       FieldNames& names, LogInputs& out);

// Prints a text reader's rejected lines ("vigil: FILE:LINE: reason") and
// counts them; past limits::kMaxDiagnosticsPerFile lines of one input they
// are only counted, and finish() prints how many more there were.
struct LineIssuePrinter {
  uint64_t lines = 0;
  // A scanned unit's rejected lines; after the input's last block, the
  // decompression damage found while planning (where the data stopped).
  template <class Out>
  void report(const LogInputs& inputs, const read::TextSlot<Out>& slot,
              const std::function<void()>& before_each = {}) {
    const read::TextInput& input = inputs.text[slot.input];
    report(inputs.first_text_source() + slot.input, input.path, slot.issues, before_each);
    if (slot.end_offset == input.size) report_damage(input, before_each);
  }
  void finish(const LogInputs& inputs);

 private:
  void report(uint32_t source, const std::string& path, const std::vector<read::LineIssue>& issues,
              const std::function<void()>& before_each);
  void report_damage(const read::TextInput& input, const std::function<void()>& before_each);

  std::vector<uint64_t> per_source_;
};

}  // namespace vigil::cli
