// `vigil hunt` and `vigil timeline`: Sigma rules over EVTX, output sorted by
// time over the whole run (docs/hunt.md).
//
// Flow: rules are loaded and compiled once; the chunks of every input are
// matched on N threads (one EventBuilder and Matcher per thread, one shared
// FieldNames), each unit's matches encoded into its slot and consumed in
// unit order into an external sorter (memory-bounded, spills to temporary
// files); after the scan the sorted records are written in the chosen
// format. The order of records entering the sorter depends only on the
// input, so the output is the same for any thread count.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "evtx_inputs.h"
#include "log_inputs.h"
#include "exit_codes.h"
#include "vigil/builtin_rules.h"
#include "vigil/core/input.h"
#include "vigil/core/limits.h"
#include "vigil/detect/cache.h"
#include "vigil/detect/loader.h"
#include "vigil/detect/logsource.h"
#include "vigil/detect/matcher.h"
#include "vigil/detect/ruleset.h"
#include "vigil/read/evtx/scan.h"
#include "vigil/report/correlation_feed.h"
#include "vigil/report/record.h"
#include "vigil/report/sorter.h"
#include "vigil/report/summary.h"
#include "vigil/report/writer.h"

namespace vigil::cli {

namespace {

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
};

struct HuntOptions : CommonOptions {
  std::string min_level;
  std::vector<std::string> rule_filters;
};

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

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
  std::unique_ptr<detect::LogsourceMapping> mapping;  // the resolver points into it
  detect::Placeholders placeholders;
  std::shared_ptr<const detect::RuleSet> set;
};

// Loads -r paths (or the built-in pack) and compiles them. Errors go to
// standard error with a one-line total; nullopt (after a message) when a
// rule path, the placeholder file or the mapping cannot be used at all.
std::optional<LoadedRules> load_and_compile(const CommonOptions& opt, FieldNames& names) {
  LoadedRules loaded;
  // The compiled-rule cache is keyed by the bytes the placeholders and the
  // mapping come from.
  detect::CacheOptions cache;
  cache.enabled = !opt.no_cache;
  cache.directory = opt.cache_dir;
  cache.threads = opt.threads;
  if (!opt.config.empty()) {
    auto placeholders = detect::Placeholders::load(opt.config, cache.placeholder_text);
    if (!placeholders.ok()) {
      std::fprintf(stderr, "vigil: %s\n", placeholders.error().to_string().c_str());
      return std::nullopt;
    }
    loaded.placeholders = std::move(placeholders.value());
  }
  loaded.mapping = std::make_unique<detect::LogsourceMapping>(detect::LogsourceMapping::builtin());
  if (!opt.mapping.empty()) {
    auto text = read_file(opt.mapping);
    if (!text.ok()) {
      std::fprintf(stderr, "vigil: %s\n", text.error().to_string().c_str());
      return std::nullopt;
    }
    auto overrides = detect::LogsourceMapping::parse(*text, opt.mapping);
    if (!overrides.ok()) {
      std::fprintf(stderr, "vigil: %s\n", overrides.error().to_string().c_str());
      return std::nullopt;
    }
    loaded.mapping->merge(overrides.value());
    cache.mapping_text = std::move(*text);
  }

  detect::CompileOptions options;
  options.placeholders = &loaded.placeholders;
  options.resolver = detect::mapping_resolver(*loaded.mapping);
  std::vector<detect::Diagnostic> diagnostics;
  if (opt.rules.empty()) {
    detect::RuleCollection collection;
    for (size_t i = 0; i < builtin_rules::count(); ++i) {
      detect::parse_rules(builtin_rules::text(i), "builtin:" + std::string(builtin_rules::path(i)),
                          collection);
    }
    collection.files = builtin_rules::count();
    loaded.set = detect::RuleSet::compile(std::move(collection), names, options, diagnostics);
  } else {
    loaded.set = detect::load_or_compile(opt.rules, options, cache, names, diagnostics);
  }
  bool unreadable = false;
  for (const detect::Diagnostic& d : diagnostics) {
    if (d.code == detect::DiagCode::kIo && d.line == 0) unreadable = true;
  }
  detect::sort_diagnostics(diagnostics);
  size_t rejected = 0, warnings = 0;
  for (const detect::Diagnostic& d : diagnostics) {
    if (d.severity == detect::Severity::kError) {
      std::fprintf(stderr, "%s\n", detect::format_diagnostic(d).c_str());
    } else {
      ++warnings;
    }
    rejected += d.rejects_rule ? 1 : 0;
  }
  if (unreadable) return std::nullopt;
  if (!opt.quiet || rejected > 0) {
    std::fprintf(stderr, "vigil: %zu rules loaded%s, %zu rejected, %zu warnings%s\n",
                 loaded.set->size() + loaded.set->correlations().size(),
                 opt.rules.empty() ? " (built-in pack)" : "", rejected, warnings,
                 rejected + warnings > 0 ? " (see vigil rules check)" : "");
  }
  return loaded;
}

// --- Time range ----------------------------------------------------------------

struct TimeRange {
  Timestamp from{INT64_MIN + 1};  // INT64_MIN is "unset": events without a time
  Timestamp to{INT64_MAX};
  bool limited = false;
  bool contains(Timestamp t) const { return !limited || (t >= from && t <= to); }
};

bool date_only(std::string_view text) { return text.size() == 10; }

std::optional<TimeRange> parse_range(const CommonOptions& opt) {
  TimeRange range;
  if (!opt.from.empty()) {
    range.from = parse_rfc3339(opt.from);
    if (!range.from.is_set()) {
      std::fprintf(stderr, "vigil: --from: '%s' is not an RFC 3339 time or a date\n", opt.from.c_str());
      return std::nullopt;
    }
    range.limited = true;
  }
  if (!opt.to.empty()) {
    range.to = parse_rfc3339(opt.to);
    if (!range.to.is_set()) {
      std::fprintf(stderr, "vigil: --to: '%s' is not an RFC 3339 time or a date\n", opt.to.c_str());
      return std::nullopt;
    }
    // A date alone means the whole day.
    if (date_only(opt.to)) range.to.ticks += 86400 * Timestamp::kTicksPerSecond - 1;
    range.limited = true;
  }
  if (range.from > range.to) {
    std::fprintf(stderr, "vigil: --from is after --to\n");
    return std::nullopt;
  }
  return range;
}

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

std::optional<report::Format> choose_format(const std::string& requested, bool to_terminal,
                                            bool timeline) {
  if (requested.empty()) {
    return !timeline && to_terminal ? report::Format::kTable : report::Format::kJsonl;
  }
  return report::parse_format(requested);
}

report::SorterOptions sorter_options(const CommonOptions& opt) {
  report::SorterOptions options;
  if (opt.sort_memory > 0) options.memory_limit = opt.sort_memory;
  if (!opt.temp_dir.empty()) {
    options.temp_dir = opt.temp_dir;
  } else if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && *tmp != '\0') {
    options.temp_dir = tmp;
  }
  return options;
}

// --- Scan ----------------------------------------------------------------------

// One unit's records, encoded, with their sort keys (sequence filled in when
// consumed, in unit order).
struct Batch {
  struct Entry {
    report::SortKey key;
    uint64_t begin;
    uint64_t size;
  };
  std::string bytes;
  std::vector<Entry> entries;
  uint64_t end_offset = 0;  // furthest record offset, for progress
  void clear() {
    bytes.clear();
    entries.clear();
    end_offset = 0;
  }
};

struct Worker {
  Worker(FieldNames& names, const detect::RuleSet& rules) : builder(names), matcher(rules) {}
  evtx::EventBuilder builder;
  detect::Matcher matcher;
  Event event;
  std::vector<uint32_t> hits;
};

struct ScanTotals {
  uint64_t records = 0;
  uint64_t kept = 0;  // records given to the sorter
  bool sort_failed = false;
  Error sort_error;
};

// Output text written on the worker threads, so that formatting (most of the
// output's cost when many events are kept) runs in parallel; the sorted
// merge then only copies text. Each worker has its own writers (they keep
// scratch) and reads the event back from its encoded form, so the text is
// the same as formatting the sorted records one by one.
struct RenderScratch {
  std::string bytes;
  report::EventRecord record;
  std::string text;
  std::vector<const detect::RuleInfo*> infos;
  std::unique_ptr<report::DetectionWriter> detections;
  std::unique_ptr<report::TimelineWriter> timeline;
};

// The inputs of hunt and timeline; false after a usage message.
bool gather_inputs(const CommonOptions& opt, FieldNames& names, LogInputs& inputs) {
  TextReadOptions text_options = opt.text;
  text_options.temp_dir = opt.temp_dir;
  if (!gather_log_inputs(opt.paths, text_options, names, inputs)) return false;
  if (inputs.files() == 0) std::fprintf(stderr, "vigil: no log files among the inputs\n");
  if (inputs.skipped > 0 && !opt.quiet) {
    std::fprintf(stderr,
                 "vigil: %llu files in the folders given are in no format vigil reads: skipped\n",
                 static_cast<unsigned long long>(inputs.skipped));
  }
  return true;
}

// Problems met in the evidence: EVTX damage and rejected text lines.
struct Problems {
  DamagePrinter damage;
  LineIssuePrinter lines;
  uint64_t count() const { return damage.places + lines.lines; }
};

// Matches every event and hands the kept ones to `sorter`. `keep_all`:
// every event in the time range (timeline); otherwise only events some
// enabled rule matched (hunt). encode(worker, event, hits, out) appends a
// kept event's payload on the worker thread; observe(payload) sees each one
// on the calling thread, in input order. EVTX inputs are read first, then
// text logs: the output is sorted by time, so the order of reading only
// decides the order of messages.
template <class Encode, class Observe>
ScanTotals scan_and_sort(const LogInputs& inputs, const CommonOptions& opt, FieldNames& names,
                         const detect::RuleSet& rules, const std::vector<char>& enabled,
                         const TimeRange& range, bool keep_all, report::ExternalSorter& sorter,
                         Problems& problems, Progress& progress, Encode&& encode,
                         Observe&& observe) {
  const unsigned threads = resolve_threads(opt.threads);
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>(names, rules));
  ScanTotals totals;
  std::atomic<bool> stop{false};
  uint64_t sequence = 0;
  // On a worker: match one event, keep it in the unit's batch when asked.
  const auto match_into = [&](Worker& worker, const Event& e, unsigned w, Batch& batch) {
    if (!range.contains(e.timestamp)) return;
    worker.hits.clear();
    for (uint32_t rule : worker.matcher.match(e)) {
      if (enabled[rule]) worker.hits.push_back(rule);
    }
    if (worker.hits.empty() && !keep_all) return;
    const uint64_t begin = batch.bytes.size();
    encode(w, e, std::span<const uint32_t>(worker.hits), batch.bytes);
    batch.entries.push_back(
        {{e.timestamp.ticks, e.source.source_id, e.source.offset, e.source.record_id, 0},
         begin,
         batch.bytes.size() - begin});
  };
  // On the calling thread, in input order: hand a unit's batch to the sorter.
  const auto sort_batch = [&](const Batch& batch) {
    if (totals.sort_failed) return;
    for (const Batch::Entry& entry : batch.entries) {
      report::SortKey key = entry.key;
      key.sequence = sequence++;
      const std::string_view payload = std::string_view(batch.bytes).substr(entry.begin, entry.size);
      observe(payload);
      if (auto r = sorter.add(key, payload); !r.ok()) {
        totals.sort_failed = true;
        totals.sort_error = r.error();
        stop = true;
        return;
      }
      ++totals.kept;
    }
  };
  const auto clear = [&] { progress.clear(); };
  evtx::scan<Batch>(
      inputs.evtx.files, threads, evtx::ParseOptions{opt.recover, /*lazy_records=*/true},
      [&](const evtx::Record& record, const evtx::ChunkNames& chunk_names, uint32_t input,
          unsigned w, Batch& batch) {
        batch.end_offset = std::max(batch.end_offset, record.file_offset);
        if (stop.load(std::memory_order_relaxed)) return;
        Worker& worker = *workers[w];
        worker.event.clear();
        if (!worker.builder.build(record, chunk_names, input, worker.event)) return;
        match_into(worker, worker.event, w, batch);
      },
      [](Batch& batch) { batch.clear(); },
      [&](const evtx::ScanSlot<Batch>& slot) {
        const evtx::EvtxInput& input = inputs.evtx.files[slot.input];
        if (slot.first_of_input) problems.damage.report(input.path, input.notices, clear);
        problems.damage.report(input.path, slot.damage, clear);
        totals.records += slot.records;
        progress.update(slot.input, slot.out.end_offset, inputs.sizes);
        sort_batch(slot.out);
      });
  const uint32_t first_text = inputs.first_text_source();
  read::scan_text<Batch>(
      inputs.text, threads, names,
      [&](Event& event, uint32_t, unsigned w, Batch& batch) {
        if (stop.load(std::memory_order_relaxed)) return;
        match_into(*workers[w], event, w, batch);
      },
      [](Batch& batch) { batch.clear(); },
      [&](const read::TextSlot<Batch>& slot) {
        problems.lines.report(inputs, slot, clear);
        totals.records += slot.events;
        progress.update(first_text + slot.input, slot.end_offset, inputs.sizes);
        sort_batch(slot.out);
      },
      first_text);
  return totals;
}

std::string with_commas(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string text;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text.push_back(',');
    text.push_back(digits[i]);
  }
  return text;
}

// --- hunt ----------------------------------------------------------------------

// Whether a rule (detection or correlation) passes --min-level and --rule-filter.
class RuleSelection {
 public:
  RuleSelection(std::optional<detect::Level> min_level, const std::vector<std::string>& filters)
      : min_level_(min_level), filters_(filters) {}

  bool selects(const detect::RuleInfo& info) const {
    if (min_level_ && info.level < *min_level_) return false;
    if (filters_.empty()) return true;
    for (const std::string& f : filters_) {
      if (contains(info.id, f) || contains(info.title, f)) return true;
      for (const std::string& tag : info.tags) {
        if (contains(tag, f)) return true;
      }
    }
    return false;
  }

 private:
  static bool contains(std::string_view text, std::string_view needle) {
    return std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           }) != text.end();
  }

  std::optional<detect::Level> min_level_;
  const std::vector<std::string>& filters_;
};

void print_levels(const char* what, uint64_t total, uint64_t (*count)(const report::HuntSummary&, detect::Level),
                  const report::HuntSummary& summary) {
  std::fprintf(stderr, "%s: %s", what, with_commas(total).c_str());
  if (total > 0) {
    const char* sep = " (";
    for (detect::Level level : {detect::Level::kCritical, detect::Level::kHigh, detect::Level::kMedium,
                                detect::Level::kLow, detect::Level::kInformational,
                                detect::Level::kNone}) {
      const uint64_t n = count(summary, level);
      if (n == 0) continue;
      const char* name = detect::level_name(level);
      std::fprintf(stderr, "%s%s %s", sep, *name != '\0' ? name : "no level", with_commas(n).c_str());
      sep = ", ";
    }
    std::fprintf(stderr, ")");
  }
  std::fprintf(stderr, "\n");
}

void print_top(const char* what, size_t distinct,
               const std::vector<std::pair<uint32_t, uint64_t>>& top,
               const detect::RuleInfo& (*info_of)(const detect::RuleSet&, uint32_t),
               const detect::RuleSet& rules) {
  std::fprintf(stderr, "%s (%zu of %zu):\n", what, top.size(), distinct);
  for (const auto& [index, count] : top) {
    const detect::RuleInfo& info = info_of(rules, index);
    std::string title;
    report::append_terminal_text(title, info.title, 90, false);
    std::fprintf(stderr, "  %10s  %-13s  %s\n", with_commas(count).c_str(),
                 detect::level_name(info.level), title.c_str());
  }
}

void print_hunt_summary(const report::HuntSummary& summary, const detect::RuleSet& rules,
                        const LogInputs& inputs, const ScanTotals& totals, uint64_t damaged,
                        double seconds, bool correlations) {
  constexpr size_t kTop = 10;
  std::fprintf(stderr, "hunt: %zu files, %s records, %s damaged places, %.2f s, %.1f MB/s\n",
               inputs.files(), with_commas(totals.records).c_str(),
               with_commas(damaged).c_str(), seconds,
               seconds > 0 ? static_cast<double>(inputs.bytes) / 1e6 / seconds : 0.0);
  print_levels("detections", summary.total(),
               [](const report::HuntSummary& s, detect::Level l) { return s.by_level(l); }, summary);
  if (correlations) {
    print_levels("correlation alerts", summary.alerts(),
                 [](const report::HuntSummary& s, detect::Level l) { return s.alerts_by_level(l); },
                 summary);
  }
  if (summary.total() > 0) {
    print_top("top rules", summary.distinct_rules(), summary.top_rules(kTop),
              [](const detect::RuleSet& r, uint32_t i) -> const detect::RuleInfo& {
                return r.rule(i).info;
              },
              rules);
  }
  if (summary.alerts() > 0) {
    const auto top = summary.top_correlations(kTop);
    print_top("top correlations", summary.distinct_correlations(), top,
              [](const detect::RuleSet& r, uint32_t i) -> const detect::RuleInfo& {
                return r.correlations()[i].info;
              },
              rules);
  }
  if (summary.total() == 0) return;
  std::fprintf(stderr, "by host (%zu of %zu):\n", std::min(kTop, summary.distinct_hosts()),
               summary.distinct_hosts());
  for (const auto& [host, count] : summary.top_hosts(kTop)) {
    std::string name;
    report::append_terminal_text(name, host.empty() ? "(no Computer field)" : host, 60, false);
    std::fprintf(stderr, "  %10s  %s\n", with_commas(count).c_str(), name.c_str());
  }
  if (summary.other_hosts() > 0) {
    std::fprintf(stderr, "  %10s  (further hosts, not counted one by one)\n",
                 with_commas(summary.other_hosts()).c_str());
  }
}

int finish_code(const LogInputs& inputs, uint64_t damaged) {
  if (inputs.error) return kExitInput;
  return damaged > 0 ? kExitDamaged : kExitOk;
}

report::AlertView alert_view(const report::FeedAlert& alert, const detect::RuleSet& rules) {
  const detect::Correlation& correlation = rules.correlations()[alert.correlation];
  report::AlertView view;
  view.rule = &correlation.info;
  view.timestamp = alert.last;
  view.type = detect::correlation_type_name(correlation.type);
  view.computer = alert.computer;
  view.group = alert.group;
  view.value = alert.value;
  view.events_total = alert.events_total;
  for (const report::FeedAlert::Event& e : alert.events) {
    view.events.push_back({e.source, e.record_id, rules.rule(e.rule).info.id});
  }
  return view;
}

// Writes the sorted detections. With correlation rules, a first pass feeds
// every detection to the correlation engine and keeps its alerts (already
// in time order) in a second sorter; the second pass merges both, an alert
// after the detections of its last event's time. Returns an exit code, or
// -1 when all went well.
int write_detections(report::ExternalSorter& sorter, report::CorrelationFeed* feed,
                     const std::vector<char>& shown, const std::vector<char>& correlation_shown,
                     const detect::RuleSet& rules, const CommonOptions& opt, report::Format format,
                     const report::OutputContext& context, report::TableStyle& style,
                     report::HuntSummary& summary, Output& output, Progress& progress) {
  auto fail = [&](const char* what, const Error& error) {
    progress.clear();
    std::fprintf(stderr, "vigil: %s: %s\n", what, error.to_string().c_str());
    return kExitInput;
  };
  auto corrupt = [&] {
    progress.clear();
    std::fprintf(stderr, "vigil: internal error: a sorted record does not decode\n");
    return kExitInternal;
  };
  report::EventRecord record;
  report::SortKey key;
  std::string_view payload;

  report::SorterOptions alert_options = sorter_options(opt);
  alert_options.memory_limit = std::max<size_t>(1, alert_options.memory_limit / 4);
  report::ExternalSorter alert_sorter(alert_options);
  if (feed != nullptr) {
    std::vector<report::FeedAlert> alerts;
    uint64_t sequence = 0;
    std::string bytes;
    auto keep = [&]() -> Result<void> {
      for (const report::FeedAlert& alert : alerts) {
        if (!correlation_shown[alert.correlation]) continue;
        if (format == report::Format::kTable) {
          style.layout.observe_alert(alert.computer,
                                     rules.correlations()[alert.correlation].info.level);
        }
        bytes.clear();
        report::encode_alert(alert, bytes);
        // After every detection of the same time.
        const report::SortKey alert_key{alert.last.ticks, UINT32_MAX, UINT64_MAX, UINT64_MAX,
                                        sequence++};
        if (auto r = alert_sorter.add(alert_key, bytes); !r.ok()) return r;
      }
      alerts.clear();
      return {};
    };
    for (;;) {
      auto more = sorter.next(key, payload);
      if (!more.ok()) return fail("reading the sorted detections back failed", more.error());
      if (!*more) break;
      if (!report::decode_record(payload, record)) return corrupt();
      for (uint32_t rule : record.rules) feed->add(record, rule, alerts);
      if (auto r = keep(); !r.ok()) return fail("keeping the correlation alerts failed", r.error());
    }
    feed->finish(alerts);
    if (auto r = keep(); !r.ok()) return fail("keeping the correlation alerts failed", r.error());
    if (auto r = alert_sorter.finish(); !r.ok()) return fail("sorting the alerts failed", r.error());
    if (auto r = sorter.rewind(); !r.ok()) return fail("reading the detections again failed", r.error());
  }

  // Made now: the table's widths include the alerts the first pass found.
  auto writer = report::DetectionWriter::create(format, context, style);
  std::string text;
  writer->begin(text);
  report::SortKey alert_key;
  std::string_view alert_payload;
  bool alert_ready = false;
  report::FeedAlert alert;
  auto next_alert = [&]() -> Result<void> {
    alert_ready = false;
    if (feed == nullptr) return {};
    auto more = alert_sorter.next(alert_key, alert_payload);
    if (!more.ok()) return more.error();
    alert_ready = *more;
    return {};
  };
  auto write_alert = [&]() -> bool {
    if (!report::decode_alert(alert_payload, alert)) return false;
    const detect::RuleInfo& info = rules.correlations()[alert.correlation].info;
    writer->alert(alert_view(alert, rules), text);
    summary.add_alert(alert.correlation, info.level);
    return true;
  };
  if (auto r = next_alert(); !r.ok()) return fail("reading the alerts back failed", r.error());
  for (;;) {
    auto more = sorter.next(key, payload);
    if (!more.ok()) return fail("reading the sorted detections back failed", more.error());
    while (alert_ready && (!*more || alert_key < key)) {
      if (!write_alert()) return corrupt();
      if (auto r = next_alert(); !r.ok()) return fail("reading the alerts back failed", r.error());
    }
    if (!*more) break;
    if (!report::decode_record(payload, record)) return corrupt();
    for (uint32_t rule : record.rules) {
      if (!shown[rule] || (feed != nullptr && !feed->reports_on_its_own(rule))) continue;
      const detect::RuleInfo& info = rules.rule(rule).info;
      writer->detection(record, info, text);
      summary.add(rule, info.level, record.field(field::kComputer));
    }
    output.flush(text);
  }
  output.flush(text, /*force=*/true);
  return -1;
}

// Writes the lines the workers formatted, in sorted order. Returns an exit
// code, or -1 when all went well.
int write_rendered(report::ExternalSorter& sorter, const detect::RuleSet& rules,
                   report::Format format, const report::OutputContext& context,
                   report::HuntSummary& summary, Output& output, Progress& progress) {
  std::string text;
  report::DetectionWriter::create(format, context)->begin(text);
  report::RenderedRecord rendered;
  report::SortKey key;
  std::string_view payload;
  for (;;) {
    auto more = sorter.next(key, payload);
    if (!more.ok()) {
      progress.clear();
      std::fprintf(stderr, "vigil: reading the sorted detections back failed: %s\n",
                   more.error().to_string().c_str());
      return kExitInput;
    }
    if (!*more) break;
    if (!report::decode_rendered(payload, rendered)) {
      progress.clear();
      std::fprintf(stderr, "vigil: internal error: a sorted record does not decode\n");
      return kExitInternal;
    }
    for (uint32_t rule : rendered.rules) {
      summary.add(rule, rules.rule(rule).info.level, rendered.computer);
    }
    text.append(rendered.text);
    output.flush(text);
  }
  output.flush(text, /*force=*/true);
  return -1;
}

int run_hunt(const HuntOptions& opt) {
  const auto started = Clock::now();
  std::optional<detect::Level> min_level;
  if (!opt.min_level.empty()) {
    min_level = detect::parse_level(opt.min_level);
    if (!min_level) {
      std::fprintf(stderr, "vigil: --min-level: '%s' is not informational, low, medium, high or critical\n",
                   opt.min_level.c_str());
      return kExitUsage;
    }
  }
  const auto range = parse_range(opt);
  if (!range) return kExitUsage;
  const bool to_terminal = opt.output.empty() && is_terminal(STDOUT_FILENO);
  const auto format = choose_format(opt.format, to_terminal, false);
  if (!format) {
    std::fprintf(stderr, "vigil: --format: '%s' is not table, csv, jsonl or timesketch\n",
                 opt.format.c_str());
    return kExitUsage;
  }

  FieldNames names;
  auto loaded = load_and_compile(opt, names);
  if (!loaded) return kExitInput;
  const detect::RuleSet& rules = *loaded->set;
  auto feed = report::CorrelationFeed::create(rules, names);
  if (feed && !opt.quiet && !feed->diagnostics().empty()) {
    for (const detect::Diagnostic& d : feed->diagnostics()) {
      std::fprintf(stderr, "%s\n", detect::format_diagnostic(d).c_str());
    }
  }
  // Detections of rules a correlation takes are kept even when the filters
  // do not show them: the correlation needs them.
  const RuleSelection selection(min_level, opt.rule_filters);
  std::vector<char> shown(rules.size()), kept(rules.size());
  for (uint32_t i = 0; i < rules.size(); ++i) {
    shown[i] = selection.selects(rules.rule(i).info) ? 1 : 0;
    kept[i] = shown[i] || (feed && feed->uses(i)) ? 1 : 0;
  }
  std::vector<char> correlation_shown(rules.correlations().size());
  for (size_t i = 0; i < rules.correlations().size(); ++i) {
    correlation_shown[i] = selection.selects(rules.correlations()[i].info) ? 1 : 0;
  }

  LogInputs inputs;
  if (!gather_inputs(opt, names, inputs)) return kExitUsage;
  Output output;
  if (!output.open(opt.output)) return kExitInput;

  Progress progress(!opt.quiet && is_terminal(STDERR_FILENO), inputs.bytes);
  Problems problems;
  report::ExternalSorter sorter(sorter_options(opt));
  report::TableStyle style;
  style.colour = to_terminal && std::getenv("NO_COLOR") == nullptr;
  const report::OutputContext context{&names, inputs.paths};
  // Lines are written on the workers unless the table's widths (known only
  // at the end) or the correlations (which need the events) require the
  // records themselves.
  const bool render = !feed && *format != report::Format::kTable;
  std::vector<RenderScratch> scratch(resolve_threads(opt.threads));
  if (render) {
    for (RenderScratch& s : scratch) s.detections = report::DetectionWriter::create(*format, context);
  }
  auto encode = [&](unsigned w, const Event& event, std::span<const uint32_t> hits,
                    std::string& out) {
    if (!render) {
      report::encode_record(event, hits, out);
      return;
    }
    RenderScratch& s = scratch[w];
    s.bytes.clear();
    s.text.clear();
    report::encode_record(event, hits, s.bytes);
    if (!report::decode_record(s.bytes, s.record)) return;
    // Without correlations every kept rule is a shown one.
    for (uint32_t rule : hits) s.detections->detection(s.record, rules.rule(rule).info, s.text);
    report::encode_rendered(hits, s.record.field(field::kComputer), s.text, out);
  };
  report::EventRecord record;
  auto observe = [&](std::string_view payload) {
    if (*format != report::Format::kTable || !report::decode_record(payload, record)) return;
    for (uint32_t rule : record.rules) {
      if (shown[rule]) style.layout.observe(record, rules.rule(rule).info.level);
    }
  };
  const ScanTotals totals = scan_and_sort(inputs, opt, names, rules, kept, *range,
                                          /*keep_all=*/false, sorter, problems, progress, encode,
                                          observe);
  problems.lines.finish(inputs);
  if (totals.sort_failed) {
    progress.clear();
    std::fprintf(stderr, "vigil: sorting the detections failed: %s\n",
                 totals.sort_error.to_string().c_str());
    return kExitInput;
  }
  // Output to the same terminal would land on the progress line.
  if (to_terminal) {
    progress.clear();
  } else {
    progress.message("writing the detections");
  }

  report::HuntSummary summary;
  const int failed =
      render ? write_rendered(sorter, rules, *format, context, summary, output, progress)
             : write_detections(sorter, feed.get(), shown, correlation_shown, rules, opt, *format,
                                context, style, summary, output, progress);
  if (failed >= 0) return failed;
  progress.clear();
  if (output.failed()) {
    std::fprintf(stderr, "vigil: writing the output failed: %s\n", std::strerror(errno));
    return kExitInput;
  }
  if (!opt.quiet) {
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    print_hunt_summary(summary, rules, inputs, totals, problems.count(), seconds, feed != nullptr);
    if (feed) {
      const report::CorrelationTotals t = feed->totals();
      if (t.groups_evicted + t.windows_cut + t.late > 0) {
        std::fprintf(stderr,
                     "correlation: %s groups closed early and %s windows judged early to stay "
                     "within memory bounds, %s detections too late for their window\n",
                     with_commas(t.groups_evicted).c_str(), with_commas(t.windows_cut).c_str(),
                     with_commas(t.late).c_str());
      }
    }
    const report::SorterStats& stats = sorter.stats();
    if (stats.runs > 0) {
      std::fprintf(stderr, "sort: %llu runs, %.1f MB spilled to %s\n",
                   static_cast<unsigned long long>(stats.runs),
                   static_cast<double>(stats.spilled_bytes) / 1e6,
                   sorter_options(opt).temp_dir.c_str());
    }
  }
  return finish_code(inputs, problems.count());
}

// --- timeline ------------------------------------------------------------------

int run_timeline(const CommonOptions& opt) {
  const auto started = Clock::now();
  const auto range = parse_range(opt);
  if (!range) return kExitUsage;
  const auto format = choose_format(opt.format, false, true);
  if (!format || (*format != report::Format::kCsv && *format != report::Format::kJsonl)) {
    std::fprintf(stderr, "vigil: --format: '%s' is not csv or jsonl\n", opt.format.c_str());
    return kExitUsage;
  }
  FieldNames names;
  auto loaded = load_and_compile(opt, names);
  if (!loaded) return kExitInput;
  const detect::RuleSet& rules = *loaded->set;
  const std::vector<char> enabled(rules.size(), 1);

  LogInputs inputs;
  if (!gather_inputs(opt, names, inputs)) return kExitUsage;
  Output output;
  if (!output.open(opt.output)) return kExitInput;
  Progress progress(!opt.quiet && is_terminal(STDERR_FILENO), inputs.bytes);
  Problems problems;
  report::ExternalSorter sorter(sorter_options(opt));
  const report::OutputContext context{&names, inputs.paths};
  std::vector<RenderScratch> scratch(resolve_threads(opt.threads));
  for (RenderScratch& s : scratch) s.timeline = report::TimelineWriter::create(*format, context);
  auto encode = [&](unsigned w, const Event& event, std::span<const uint32_t> hits,
                    std::string& out) {
    RenderScratch& s = scratch[w];
    s.bytes.clear();
    s.text.clear();
    report::encode_record(event, hits, s.bytes);
    if (!report::decode_record(s.bytes, s.record)) return;
    s.infos.clear();
    for (uint32_t rule : hits) s.infos.push_back(&rules.rule(rule).info);
    s.timeline->event(s.record, s.infos, s.text);
    report::encode_rendered(hits, s.record.field(field::kComputer), s.text, out);
  };
  const ScanTotals totals =
      scan_and_sort(inputs, opt, names, rules, enabled, *range, /*keep_all=*/true, sorter, problems,
                    progress, encode, [](std::string_view) {});
  problems.lines.finish(inputs);
  if (totals.sort_failed) {
    progress.clear();
    std::fprintf(stderr, "vigil: sorting the events failed: %s\n",
                 totals.sort_error.to_string().c_str());
    return kExitInput;
  }
  if (opt.output.empty() && is_terminal(STDOUT_FILENO)) {
    progress.clear();
  } else {
    progress.message("writing the timeline");
  }
  std::string text;
  report::TimelineWriter::create(*format, context)->begin(text);
  report::RenderedRecord rendered;
  uint64_t marked = 0;
  report::SortKey key;
  std::string_view payload;
  for (;;) {
    auto more = sorter.next(key, payload);
    if (!more.ok()) {
      progress.clear();
      std::fprintf(stderr, "vigil: reading the sorted events back failed: %s\n",
                   more.error().to_string().c_str());
      return kExitInput;
    }
    if (!*more) break;
    if (!report::decode_rendered(payload, rendered)) {
      progress.clear();
      std::fprintf(stderr, "vigil: internal error: a sorted record does not decode\n");
      return kExitInternal;
    }
    marked += rendered.rules.empty() ? 0 : 1;
    text.append(rendered.text);
    output.flush(text);
  }
  output.flush(text, /*force=*/true);
  progress.clear();
  if (output.failed()) {
    std::fprintf(stderr, "vigil: writing the output failed: %s\n", std::strerror(errno));
    return kExitInput;
  }
  if (!opt.quiet) {
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    std::fprintf(stderr,
                 "timeline: %zu files, %s records, %s events written (%s with detections), "
                 "%s damaged places, %.2f s, %.1f MB/s\n",
                 inputs.files(), with_commas(totals.records).c_str(),
                 with_commas(totals.kept).c_str(), with_commas(marked).c_str(),
                 with_commas(problems.count()).c_str(), seconds,
                 seconds > 0 ? static_cast<double>(inputs.bytes) / 1e6 / seconds : 0.0);
  }
  return finish_code(inputs, problems.count());
}

void add_common_options(CLI::App* cmd, CommonOptions& opt) {
  cmd->add_option("paths", opt.paths,
                  "Log files or folders (searched recursively): EVTX and every text format of "
                  "docs/formats.md, gzip or zstd compressed or not; - for standard input")
      ->required();
  // One path per -r, so that `-r RULES LOGS` does not read LOGS as rules.
  cmd->add_option("-r,--rules", opt.rules,
                  "Sigma rule file or folder; repeatable (default: the built-in pack)")
      ->allow_extra_args(false);
  cmd->add_option("--config", opt.config,
                  "YAML map of placeholder name -> values for the 'expand' modifier");
  cmd->add_option("--mapping", opt.mapping,
                  "Logsource mapping merged over the built-in one (docs/logsource.md)");
  cmd->add_option("--from", opt.from, "Only events at or after this time (RFC 3339, or a date)");
  cmd->add_option("--to", opt.to, "Only events at or before this time (a date: the whole day)");
  cmd->add_option("-o,--output", opt.output, "Write to FILE instead of standard output");
  cmd->add_option("-t,--threads", opt.threads, "Worker threads (0 = all cores)");
  cmd->add_flag("-q,--quiet", opt.quiet, "No progress, totals or summary on standard error");
  cmd->add_flag("-x,--recover", opt.recover, "Also carve records from chunk slack space");
  cmd->add_option("--temp-dir", opt.temp_dir,
                  "Folder for temporary sort files (default: $TMPDIR, else /tmp)");
  cmd->add_option("--cache-dir", opt.cache_dir,
                  "Folder of the compiled-rule cache (default: $XDG_CACHE_HOME/vigil or "
                  "~/.cache/vigil)");
  cmd->add_flag("--no-cache", opt.no_cache, "Compile the rules without the compiled-rule cache");
  cmd->add_option("--input-format", opt.text.input_format,
                  "Read every input as this text format (json, audit-trail, syslog, auditd, web, "
                  "squid, apache-error, nginx-error, zeek, csv) instead of recognising it");
  cmd->add_option("--year", opt.text.year,
                  "Year of syslog lines without one (RFC 3164); default: inferred from the "
                  "file's modification time (docs/formats.md)");
  cmd->add_option("--web-format", opt.text.web_format,
                  "Apache LogFormat string of access logs in a custom format");
  cmd->add_option("--time-field", opt.text.time_field,
                  "Field holding the time in CSV and generic JSON logs");
  // For tests: a small budget forces the spill-and-merge path.
  cmd->add_option("--sort-memory", opt.sort_memory, "Bytes of records kept in memory before spilling")
      ->group("");
}

}  // namespace

void register_hunt(CLI::App& app, int& rc) {
  auto opt = std::make_shared<HuntOptions>();
  CLI::App* cmd = app.add_subcommand(
      "hunt", "Match Sigma rules against EVTX logs; detections sorted by time");
  add_common_options(cmd, *opt);
  cmd->add_option("--min-level", opt->min_level,
                  "Only rules of this level or higher (informational, low, medium, high, critical)");
  cmd->add_option("--rule-filter", opt->rule_filters,
                  "Only rules whose id, title or a tag contains this text (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("-f,--format", opt->format,
                  "table (default on a terminal), jsonl (default otherwise), csv or timesketch");
  cmd->callback([opt, &rc] { rc = run_hunt(*opt); });
}

void register_timeline(CLI::App& app, int& rc) {
  auto opt = std::make_shared<CommonOptions>();
  CLI::App* cmd = app.add_subcommand(
      "timeline", "Every event of EVTX logs as one time-sorted timeline, detections marked");
  add_common_options(cmd, *opt);
  cmd->add_option("-f,--format", opt->format, "jsonl (default) or csv");
  cmd->callback([opt, &rc] { rc = run_timeline(*opt); });
}

}  // namespace vigil::cli
