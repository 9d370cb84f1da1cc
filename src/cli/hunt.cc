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
#include "exit_codes.h"
#include "hunt_common.h"
#include "log_inputs.h"
#include "vigil/builtin_rules.h"
#include "vigil/core/input.h"
#include "vigil/core/limits.h"
#include "vigil/core/memory.h"
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


struct HuntOptions : CommonOptions {
  std::string min_level;
  std::vector<std::string> rule_filters;
};


std::optional<report::Format> choose_format(const std::string& requested, bool to_terminal,
                                            bool timeline) {
  if (requested.empty()) {
    return !timeline && to_terminal ? report::Format::kTable : report::Format::kJsonl;
  }
  return report::parse_format(requested);
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
  // On the worker, before a unit fills the batch. A block new from the
  // sorter is fresh mapped memory, each page of it a fault once written,
  // unless mapped at once first; a spare one is mapped already, and asking
  // costs little.
  void clear() {
    bytes.clear();
    entries.clear();
    end_offset = 0;
    prepare_for_writing(bytes.data(), bytes.capacity());
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
// scratch) and gives them the record decoding the event's encoding would
// give (RecordBuilder), so the text is the same as formatting the sorted
// records one by one.
struct RenderScratch {
  report::RecordBuilder record;
  std::vector<const detect::RuleInfo*> infos;
  std::unique_ptr<report::DetectionWriter> detections;
  std::unique_ptr<report::TimelineWriter> timeline;
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
  // On the calling thread, in input order: hand a unit's batch to the sorter,
  // which takes its bytes as they are.
  std::vector<report::ExternalSorter::BlockRecord> block_records;
  const auto sort_batch = [&](Batch& batch) {
    if (totals.sort_failed || batch.entries.empty()) return;
    block_records.clear();
    for (const Batch::Entry& entry : batch.entries) {
      report::SortKey key = entry.key;
      key.sequence = sequence++;
      observe(std::string_view(batch.bytes).substr(entry.begin, entry.size));
      block_records.push_back({key, entry.begin, entry.size});
    }
    const size_t size = batch.bytes.size();
    if (auto r = sorter.adopt(std::move(batch.bytes), block_records); !r.ok()) {
      totals.sort_failed = true;
      totals.sort_error = r.error();
      stop = true;
      return;
    }
    totals.kept += batch.entries.size();
    // The next unit's batch is about as large: no regrowing from nothing.
    batch.bytes = sorter.spare_block();
    batch.bytes.reserve(size + size / 8);
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
      [&](evtx::ScanSlot<Batch>& slot) {
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
      [&](read::TextSlot<Batch>& slot) {
        problems.lines.report(inputs, slot, clear);
        totals.records += slot.events;
        progress.update(first_text + slot.input, slot.end_offset, inputs.sizes);
        sort_batch(slot.out);
      },
      first_text);
  return totals;
}


// --- hunt ----------------------------------------------------------------------

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
    if (!report::append_rendered_lines(rendered.text, text)) {
      progress.clear();
      std::fprintf(stderr, "vigil: internal error: a sorted record's lines do not decode\n");
      return kExitInternal;
    }
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

  // Rules the filters do not select are not compiled (except those a
  // selected correlation takes): they cost no matching time.
  detect::RuleSelection selection;
  selection.min_level = min_level;
  selection.contains = opt.rule_filters;
  FieldNames names;
  auto loaded = load_and_compile(opt, names, selection);
  if (!loaded) return kExitInput;
  const detect::RuleSet& rules = *loaded->set;
  if (rules.size() + rules.correlations().size() == 0) {
    std::fprintf(stderr, "vigil: %s selects none of the %zu rules\n",
                 selection_options(selection).c_str(), rules.left_out());
    return kExitUsage;
  }
  auto feed = report::CorrelationFeed::create(rules, names);
  if (feed && !opt.quiet && !feed->diagnostics().empty()) {
    for (const detect::Diagnostic& d : feed->diagnostics()) {
      std::fprintf(stderr, "%s\n", detect::format_diagnostic(d).c_str());
    }
  }
  // Detections of rules a correlation takes are kept even when the filters
  // do not show them: the correlation needs them.
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
  if (!output_outside_evidence("-o", opt.output, opt.paths, &inputs)) return kExitUsage;
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
    const bool takes_event = s.detections->takes_event();
    const report::EventRecord& record =
        takes_event ? s.record.build_head(event, hits) : s.record.build(event, hits);
    // Without correlations every kept rule is a shown one.
    s.infos.clear();
    for (uint32_t rule : hits) s.infos.push_back(&rules.rule(rule).info);
    report::begin_rendered(hits, record.field(field::kComputer), out);
    s.detections->rendered_lines(record, event, s.infos, out);
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
      std::fprintf(stderr, "sort: %llu runs, %.1f MB of records spilled to %s as %.1f MB\n",
                   static_cast<unsigned long long>(stats.runs),
                   static_cast<double>(stats.spilled_record_bytes) / 1e6,
                   sorter_options(opt).temp_dir.c_str(),
                   static_cast<double>(stats.spilled_bytes) / 1e6);
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
  if (!output_outside_evidence("-o", opt.output, opt.paths, &inputs)) return kExitUsage;
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
    const report::EventRecord& record = s.record.build(event, hits);
    s.infos.clear();
    for (uint32_t rule : hits) s.infos.push_back(&rules.rule(rule).info);
    report::begin_rendered(hits, record.field(field::kComputer), out);
    s.timeline->event(record, s.infos, out);
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


}  // namespace

void register_hunt(CLI::App& app, int& rc) {
  auto opt = std::make_shared<HuntOptions>();
  CLI::App* cmd = app.add_subcommand(
      "hunt", "Match Sigma rules against logs (EVTX and text formats); detections sorted by time");
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
      "timeline",
      "Every event of logs (EVTX and text formats) as one time-sorted timeline, detections marked");
  add_common_options(cmd, *opt);
  cmd->add_option("-f,--format", opt->format, "jsonl (default) or csv");
  cmd->callback([opt, &rc] { rc = run_timeline(*opt); });
}

}  // namespace vigil::cli
