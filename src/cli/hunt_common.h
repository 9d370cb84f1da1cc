#pragma once
// What `vigil hunt`, `vigil timeline` and `vigil investigate` share: the
// common options, progress on a terminal, loading and compiling the rules,
// the time range, the output file, gathering the inputs and reporting the
// problems met in them.

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "evtx_inputs.h"
#include "log_inputs.h"
#include "vigil/core/input.h"
#include "vigil/detect/logsource.h"
#include "vigil/detect/placeholders.h"
#include "vigil/detect/ruleset.h"
#include "vigil/report/sorter.h"

namespace vigil::cli {

using Clock = std::chrono::steady_clock;

struct CommonOptions {
  std::vector<std::string> paths;
  TextReadOptions text;
  std::vector<std::string> rules;
  std::string config;
  std::string mapping;
  std::string from, to;
  std::string output;
  std::string format;  // empty: chosen by where the output goes
  std::string temp_dir;
  size_t sort_memory = 0;  // 0: limits::kReportSortMemoryBytes
  unsigned threads = 0;
  bool quiet = false;
  bool recover = false;
  std::string cache_dir;  // empty: detect::default_cache_directory()
  bool no_cache = false;
  // investigate: the built-in pack is always there, -r rules join it.
  bool builtin_with_rules = false;
};

inline bool is_terminal(int fd) { return ::isatty(fd) == 1; }

// --- Progress on a terminal ----------------------------------------------------

class Progress {
 public:
  Progress(bool enabled, uint64_t total) : enabled_(enabled), total_(total) {}

  // Bytes done: the inputs before `input`, plus `offset` into it.
  void update(uint32_t input, uint64_t offset, const std::vector<uint64_t>& sizes) {
    if (!enabled_) return;
    while (done_input_ < input) done_bytes_ += sizes[done_input_++];
    const uint64_t done = done_bytes_ + offset;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const double percent = total_ > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0;
    std::fprintf(stderr, "\r\x1b[K%5.1f%%  %.1f / %.1f MB  %.1f MB/s", std::min(percent, 100.0),
                 static_cast<double>(done) / 1e6, static_cast<double>(total_) / 1e6,
                 seconds > 0 ? static_cast<double>(done) / 1e6 / seconds : 0.0);
    shown_ = true;
  }
  void message(const char* text) {
    if (!enabled_) return;
    std::fprintf(stderr, "\r\x1b[K%s", text);
    shown_ = true;
  }
  // Clears the line so that other messages start at column 0.
  void clear() {
    if (shown_) std::fprintf(stderr, "\r\x1b[K");
    shown_ = false;
  }

 private:
  bool enabled_;
  uint64_t total_;
  uint32_t done_input_ = 0;
  uint64_t done_bytes_ = 0;
  Clock::time_point started_ = Clock::now();
  Clock::time_point last_{};
  bool shown_ = false;
};

// --- Rules -------------------------------------------------------------------

struct LoadedRules {
  detect::Placeholders placeholders;
  std::shared_ptr<const detect::RuleSet> set;
};

// The options that made `selection`, as the command line spells them.
std::string selection_options(const detect::RuleSelection& selection);

// Loads -r paths (or the built-in pack) and compiles them. Errors go to
// standard error with a one-line total; nullopt (after a message) when a
// rule path, the placeholder file or the mapping cannot be used at all, or
// when the paths hold no usable rule.
// Rules and correlations `selection` leaves out are not compiled (selection.h).
std::optional<LoadedRules> load_and_compile(const CommonOptions& opt, FieldNames& names,
                                            const detect::RuleSelection& selection = {});

// --- Time range ----------------------------------------------------------------

struct TimeRange {
  Timestamp from{INT64_MIN + 1};  // INT64_MIN is "unset": events without a time
  Timestamp to{INT64_MAX};
  bool limited = false;
  bool contains(Timestamp t) const { return !limited || (t >= from && t <= to); }
};

std::optional<TimeRange> parse_range(const CommonOptions& opt);

// --- Output --------------------------------------------------------------------

class Output {
 public:
  bool open(const std::string& path) {
    if (path.empty()) return true;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      std::fprintf(stderr, "vigil: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
      fd_ = STDOUT_FILENO;
      return false;
    }
    owned_ = File(fd_);
    return true;
  }
  // Writes and clears `text` once it is big enough (or always with `force`).
  void flush(std::string& text, bool force = false) {
    if (!force && text.size() < (1 << 20)) return;
    std::string_view rest = text;
    while (!failed_ && !rest.empty()) {
      const ssize_t n = ::write(fd_, rest.data(), rest.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        failed_ = true;
        break;
      }
      rest.remove_prefix(static_cast<size_t>(n));
    }
    text.clear();
  }
  bool failed() const { return failed_; }

 private:
  int fd_ = STDOUT_FILENO;
  File owned_;
  bool failed_ = false;
};


report::SorterOptions sorter_options(const CommonOptions& opt);

// The inputs of hunt, timeline and investigate; false after a usage message.
bool gather_inputs(const CommonOptions& opt, FieldNames& names, LogInputs& inputs);

// False (after a message naming `option`) when `output` would land in the
// evidence: it is one of the input files, which opening it would empty, or
// it lies in an input folder, whose next reading would take it for
// evidence. `inputs` (when given) adds the files found, by device and inode,
// so a hard link or another spelling of an input is caught too.
bool output_outside_evidence(std::string_view option, const std::string& output,
                             const std::vector<std::string>& paths, const LogInputs* inputs);

// Problems met in the evidence: EVTX damage and rejected text lines.
struct Problems {
  DamagePrinter damage;
  LineIssuePrinter lines;
  uint64_t count() const { return damage.places + lines.lines; }
};


std::string with_commas(uint64_t n);
// The exit code once the run is over: input errors, damage found, or success.
int finish_code(const LogInputs& inputs, uint64_t damaged);
// The paths, rules and reading options every scanning command takes.
void add_common_options(CLI::App* cmd, CommonOptions& opt);

}  // namespace vigil::cli
