// `vigil investigate`: from logs to incidents (docs/investigate.md).
//
// Flow: the built-in rule pack (plus any -r rules) is compiled once; every
// event of every input is matched on N threads, and each worker also feeds
// its own attempt counter and logon collector. Detections are gathered in
// input order and sorted by time; the per-worker counters are merged (sums
// and sets), so the findings are the same for any thread count. Then:
// incidents (src/correlate), their similar ATT&CK groups, attempts per day,
// and the outputs in --out.

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "exit_codes.h"
#include "hunt_common.h"
#include "vigil/assess/access.h"
#include "vigil/assess/investigation.h"
#include "vigil/assess/inventory.h"
#include "vigil/correlate/attempts.h"
#include "vigil/correlate/logons.h"
#include "vigil/report/correlation_feed.h"
#include "vigil/report/findings_json.h"
#include "vigil/report/record.h"
#include "vigil/report/sorter.h"
#include "vigil/store/case_db.h"
#include "vigil/report/html_report.h"
#include "vigil/report/notifications.h"
#include "vigil/core/limits.h"
#include "vigil/detect/detection.h"
#include "vigil/detect/matcher.h"
#include "vigil/read/evtx/scan.h"

namespace vigil::cli {

namespace {

struct InvestigateOptions : CommonOptions {
  std::string inventory;
  std::string out;
  // Notifications (docs/notifications.md), with an inventory.
  std::string aware;
  std::string templates;
  std::string measures_file;
  std::string delay_reason;
};

// One worker's share of the run.
struct Worker {
  Worker(FieldNames& names, const detect::RuleSet& rules, const assess::Inventory* inventory)
      : builder(names), matcher(rules), attempts(names), logons(names) {
    if (inventory != nullptr) access = std::make_unique<assess::AccessCollector>(names, *inventory);
  }
  evtx::EventBuilder builder;
  detect::Matcher matcher;
  Event event;
  correlate::AttemptCounter attempts;
  correlate::LogonCollector logons;
  std::unique_ptr<assess::AccessCollector> access;  // with --inventory
};

// One unit's events with detections, encoded (report/record.h), in input order.
struct Batch {
  std::string bytes;
  std::vector<std::pair<report::SortKey, std::pair<size_t, size_t>>> records;  // key, (begin, size)
  uint64_t events = 0;
  Timestamp first, last;
  void clear() {
    bytes.clear();
    records.clear();
    events = 0;
    first = last = Timestamp{};
  }
};

constexpr std::string_view kVigilVersion = "0.1.0";

// Each exposed subject's notification as case.db knows it, else newly
// drafted; subjects an earlier run notified keep their line.
Result<std::vector<assess::NotificationStatus>> notification_statuses(
    const assess::Findings& findings, const std::string& dir) {
  auto known = store::read_notification_status(dir + "/case.db");
  if (!known.ok()) return known.error();
  std::map<std::string, assess::NotificationStatus> by_subject;
  for (assess::NotificationStatus& s : *known) by_subject[s.subject_id] = std::move(s);
  for (const assess::ExposedSubject& s : findings.impact.subjects) {
    if (by_subject.contains(s.subject_id)) continue;
    by_subject[s.subject_id] = {s.subject_id, s.safety_review ? "safety_review" : "letter",
                                "drafted", "", "", ""};
  }
  std::vector<assess::NotificationStatus> out;
  for (auto& [id, s] : by_subject) out.push_back(std::move(s));
  return out;
}

// Writes the outputs into `dir`; the paths written, in order.
Result<std::vector<std::string>> write_outputs(const assess::Findings& findings,
                                               const report::Notifications* notifications,
                                               const std::string& dir) {
  std::vector<std::string> written;
  if (notifications != nullptr) {
    auto files = report::write_notifications(*notifications, dir);
    if (!files.ok()) return files.error();
    written.push_back(dir + "/notifications/ (" + std::to_string(files->size()) + " files)");
  }
  const std::string json = dir + "/findings.json";
  if (auto r = report::write_findings_json(findings, json); !r.ok()) return r.error();
  written.push_back(json);
  const std::string html = dir + "/report.html";
  if (auto r = report::write_html_report(findings, html); !r.ok()) return r.error();
  written.push_back(html);
  const std::string db = dir + "/case.db";
  if (auto r = store::write_case_db(findings, db); !r.ok()) return r.error();
  written.push_back(db);
  return written;
}

std::optional<report::NotifyOptions> notify_options(const InvestigateOptions& opt) {
  report::NotifyOptions out;
  out.templates = opt.templates;
  out.delay_reason = opt.delay_reason;
  if (!opt.aware.empty()) {
    out.aware = parse_rfc3339(opt.aware);
    if (!out.aware.is_set()) {
      std::fprintf(stderr, "vigil: --aware %s is not an RFC 3339 time (2026-10-15T09:00:00Z)\n",
                   opt.aware.c_str());
      return std::nullopt;
    }
  }
  if (!opt.measures_file.empty()) {
    auto text = read_file(opt.measures_file, limits::kMeasuresMaxBytes);
    if (!text.ok()) {
      std::fprintf(stderr, "vigil: --measures: %s\n", text.error().to_string().c_str());
      return std::nullopt;
    }
    out.measures = std::move(*text);
  }
  return out;
}

bool make_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }
  return false;
}

int run_investigate(const InvestigateOptions& opt) {
  const auto started = Clock::now();
  const auto range = parse_range(opt);
  if (!range) return kExitUsage;
  std::shared_ptr<const assess::Inventory> inventory;
  if (!opt.inventory.empty()) {
    auto result = assess::Inventory::load(opt.inventory);
    if (!result.ok()) {
      for (const assess::InventoryProblem& p : result.problems()) {
        std::fprintf(stderr, "%s\n", p.to_string().c_str());
      }
      std::fprintf(stderr, "vigil: %s: %zu problems; nothing written\n", opt.inventory.c_str(),
                   result.problems().size());
      return kExitInput;
    }
    inventory = result.shared();
  }
  auto notify = notify_options(opt);
  if (!notify) return kExitUsage;
  if (!output_outside_evidence("--out", opt.out, opt.paths, nullptr)) return kExitUsage;
  if (!make_directory(opt.out)) {
    std::fprintf(stderr, "vigil: cannot create the output folder %s: %s\n", opt.out.c_str(),
                 std::strerror(errno));
    return kExitInput;
  }
  FieldNames names;
  auto loaded = load_and_compile(opt, names);
  if (!loaded) return kExitInput;
  const detect::RuleSet& rules = *loaded->set;

  LogInputs inputs;
  if (!gather_inputs(opt, names, inputs)) return kExitUsage;
  Progress progress(!opt.quiet && is_terminal(STDERR_FILENO), inputs.bytes);
  Problems problems;

  const unsigned threads = resolve_threads(opt.threads);
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < threads; ++i) {
    workers.push_back(std::make_unique<Worker>(names, rules, inventory.get()));
  }
  assess::InvestigationInput data;
  data.inputs.resize(inputs.files());
  for (size_t i = 0; i < inputs.files(); ++i) data.inputs[i].path = inputs.paths[i];
  for (size_t i = 0; i < inputs.evtx.files.size(); ++i) data.inputs[i].format = "evtx";
  for (size_t i = 0; i < inputs.text.size(); ++i) {
    data.inputs[inputs.first_text_source() + i].format = std::string(inputs.text[i].format->name());
  }

  const auto observe = [&](Worker& worker, const Event& e, Batch& batch) {
    if (!range->contains(e.timestamp)) return;
    ++batch.events;
    if (e.timestamp.is_set()) {
      if (!batch.first.is_set() || e.timestamp < batch.first) batch.first = e.timestamp;
      if (!batch.last.is_set() || batch.last < e.timestamp) batch.last = e.timestamp;
    }
    worker.attempts.add(e);
    worker.logons.add(e);
    if (worker.access) worker.access->add(e);
    const auto hits = worker.matcher.match(e);
    if (hits.empty()) return;
    const size_t begin = batch.bytes.size();
    report::encode_record(e, hits, batch.bytes);
    batch.records.push_back(
        {{e.timestamp.ticks, e.source.source_id, e.source.offset, e.source.record_id, 0},
         {begin, batch.bytes.size() - begin}});
  };
  std::string encoded;  // every event with detections, encoded
  std::vector<std::pair<report::SortKey, std::pair<size_t, size_t>>> keys;
  const auto consume = [&](uint32_t source, const Batch& batch, uint64_t records, uint64_t damaged) {
    data.inputs[source].records += records;
    data.inputs[source].damaged += damaged;
    data.events += batch.events;
    if (batch.first.is_set() && (!data.first.is_set() || batch.first < data.first)) data.first = batch.first;
    if (batch.last.is_set() && (!data.last.is_set() || data.last < batch.last)) data.last = batch.last;
    for (const auto& [key, span] : batch.records) {
      keys.push_back({key, {encoded.size() + span.first, span.second}});
      keys.back().first.sequence = keys.size();
    }
    encoded.append(batch.bytes);
  };
  const auto clear = [&] { progress.clear(); };
  evtx::scan<Batch>(
      inputs.evtx.files, threads, evtx::ParseOptions{opt.recover, /*lazy_records=*/true},
      [&](const evtx::Record& record, const evtx::ChunkNames& chunk_names, uint32_t input,
          unsigned w, Batch& batch) {
        Worker& worker = *workers[w];
        worker.event.clear();
        if (!worker.builder.build(record, chunk_names, input, worker.event)) return;
        observe(worker, worker.event, batch);
      },
      [](Batch& batch) { batch.clear(); },
      [&](const evtx::ScanSlot<Batch>& slot) {
        const evtx::EvtxInput& input = inputs.evtx.files[slot.input];
        const uint64_t before = problems.count();
        if (slot.first_of_input) problems.damage.report(input.path, input.notices, clear);
        problems.damage.report(input.path, slot.damage, clear);
        consume(slot.input, slot.out, slot.records, problems.count() - before);
        progress.update(slot.input, 0, inputs.sizes);
      });
  const uint32_t first_text = inputs.first_text_source();
  read::scan_text<Batch>(
      inputs.text, threads, names,
      [&](Event& event, uint32_t, unsigned w, Batch& batch) { observe(*workers[w], event, batch); },
      [](Batch& batch) { batch.clear(); },
      [&](const read::TextSlot<Batch>& slot) {
        const uint64_t before = problems.count();
        problems.lines.report(inputs, slot, clear);
        consume(first_text + slot.input, slot.out, slot.events, problems.count() - before);
        progress.update(first_text + slot.input, slot.end_offset, inputs.sizes);
      },
      first_text);
  problems.lines.finish(inputs);
  progress.message("correlating");

  for (size_t i = 1; i < workers.size(); ++i) {
    workers[0]->attempts.merge(std::move(workers[i]->attempts));
    workers[0]->logons.merge(std::move(workers[i]->logons));
    if (workers[0]->access) workers[0]->access->merge(std::move(*workers[i]->access));
  }
  if (inventory) {
    data.inventory = inventory.get();
    data.out_of_role = workers[0]->access->out_of_role();
    data.accesses = workers[0]->access->take_accesses(data.accesses_truncated);
    data.roots = workers[0]->access->roots();
    data.transfers = workers[0]->access->take_transfers();
    data.spans = workers[0]->access->spans();
  }
  data.attempts = workers[0]->attempts.finish(5);
  data.logons = workers[0]->logons.links();
  data.addresses = workers[0]->logons.addresses();
  // Detections in output order; correlation rules see them in that order.
  std::sort(keys.begin(), keys.end());
  auto feed = report::CorrelationFeed::create(rules, names);
  std::vector<report::FeedAlert> alerts;
  report::EventRecord record;
  for (const auto& [key, span] : keys) {
    if (!report::decode_record(std::string_view(encoded).substr(span.first, span.second), record)) {
      continue;
    }
    for (uint32_t rule : record.rules) {
      if (feed && feed->uses(rule)) feed->add(record, rule, alerts);
      // A rule that only feeds a correlation is counted there, never shown
      // on its own: no copy of its events is needed.
      if (feed && !feed->reports_on_its_own(rule)) continue;
      detect::Detection& d = data.detections.emplace_back();
      d.rule = rule;
      d.timestamp = record.timestamp;
      d.source = record.source;
      for (const report::RecordField& field : record.fields) {
        d.fields.push_back({std::string(names.name(field.name)), std::string(field.value)});
      }
    }
  }
  data.reported.assign(rules.size(), 1);
  if (feed) {
    feed->finish(alerts);
    for (uint32_t rule = 0; rule < rules.size(); ++rule) {
      data.reported[rule] = feed->reports_on_its_own(rule) ? 1 : 0;
    }
  }
  for (const report::FeedAlert& alert : alerts) {
    assess::CorrelationHit& hit = data.correlations.emplace_back();
    hit.correlation = alert.correlation;
    hit.first = alert.first;
    hit.last = alert.last;
    hit.host = alert.computer;
    std::transform(hit.host.begin(), hit.host.end(), hit.host.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    hit.group = alert.group;
    for (const report::FeedAlert::Event& e : alert.events) hit.events.push_back({e.source, e.record_id});
    hit.events_total = alert.events_total;
  }
  std::stable_sort(data.correlations.begin(), data.correlations.end(),
                   [](const assess::CorrelationHit& a, const assess::CorrelationHit& b) {
                     return a.last.ticks < b.last.ticks;
                   });

  assess::Findings findings = assess::build_findings(data, rules, kVigilVersion);
  progress.clear();
  std::optional<report::Notifications> notifications;
  if (inventory) {
    auto statuses = notification_statuses(findings, opt.out);
    if (!statuses.ok()) {
      std::fprintf(stderr, "vigil: %s\n", statuses.error().to_string().c_str());
      return kExitInput;
    }
    findings.impact.notifications = std::move(*statuses);
    auto rendered = report::render_notifications(findings, inventory->organisation(), *notify);
    if (!rendered.ok()) {
      std::fprintf(stderr, "vigil: %s\n", rendered.error().to_string().c_str());
      return kExitInput;
    }
    notifications = std::move(*rendered);
  }
  auto written = write_outputs(findings, notifications ? &*notifications : nullptr, opt.out);
  if (!written.ok()) {
    std::fprintf(stderr, "vigil: %s\n", written.error().to_string().c_str());
    return kExitInput;
  }
  if (!opt.quiet) {
    std::map<std::string, size_t> by_class;
    for (const assess::Incident& i : findings.incidents) ++by_class[i.classification];
    std::string classes;
    for (const auto& [name, n] : by_class) {
      classes += (classes.empty() ? "" : ", ") + std::to_string(n) + " " + name;
    }
    uint64_t attempts = 0;
    for (const correlate::AttemptDay& d : findings.attempts) attempts += d.count;
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    std::fprintf(stderr,
                 "investigate: %zu files, %s events, %s detections, %zu incidents%s%s%s, %s attack "
                 "attempts, %zu need-to-know alerts, %s damaged places, %.2f s\n",
                 inputs.files(), with_commas(findings.events).c_str(),
                 with_commas(findings.detections).c_str(), findings.incidents.size(),
                 classes.empty() ? "" : " (", classes.c_str(), classes.empty() ? "" : ")",
                 with_commas(attempts).c_str(), findings.need_to_know.size(),
                 with_commas(problems.count()).c_str(), seconds);
    if (inventory) {
      std::map<std::string, size_t> by_exposure;
      for (const assess::ExposedSubject& s : findings.impact.subjects) ++by_exposure[s.exposure];
      size_t gaps = 0;
      for (const assess::CoverageEntry& c : findings.impact.coverage.locations) {
        gaps += c.status != "covered" ? 1 : 0;
      }
      std::fprintf(stderr,
                   "impact: %zu subjects exposed (%zu exfiltrated, %zu accessed, %zu at risk), "
                   "%zu not exposed, %zu locations with a coverage gap\n",
                   findings.impact.subjects.size(), by_exposure["exfiltrated"],
                   by_exposure["accessed"], by_exposure["at_risk"],
                   findings.impact.not_exposed.size(), gaps);
    }
    for (const std::string& path : *written) std::fprintf(stderr, "wrote %s\n", path.c_str());
  }
  return finish_code(inputs, problems.count());
}

}  // namespace

void add_notify_options(CLI::App* cmd, InvestigateOptions& opt) {
  cmd->add_option("--aware", opt.aware,
                  "When the organisation became aware of the breach (RFC 3339, UTC): the "
                  "authority's deadline counts from it (default: the first detection)");
  cmd->add_option("--templates", opt.templates,
                  "A folder with the organisation's own notification templates, laid out as "
                  "templates/notify (templates/notify/README.md)");
  cmd->add_option("--measures", opt.measures_file,
                  "A text file: the measures taken, for the letters and the authority report");
  cmd->add_option("--delay-reason", opt.delay_reason,
                  "Why the authority is notified after the deadline");
}

void register_investigate(CLI::App& app, int& rc) {
  auto opt = std::make_shared<InvestigateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "investigate",
      "From logs to incidents: hunt with the built-in pack (and -r rules), correlate detections "
      "into incidents, classify them, rank similar ATT&CK groups, count attack attempts per day; "
      "with --inventory, need-to-know and who was hit");
  opt->builtin_with_rules = true;
  add_common_options(cmd, *opt);
  cmd->add_option("--inventory", opt->inventory,
                  "The organisation's inventory (docs/inventory.md): need-to-know checks and the "
                  "impact on each subject (docs/impact.md)");
  cmd->add_option("--out", opt->out,
                  "Folder for findings.json, report.html, case.db (and notifications/ with an "
                  "inventory)")
      ->required();
  add_notify_options(cmd, *opt);
  cmd->callback([opt, &rc] { rc = run_investigate(*opt); });

  // The same pass; the inventory is what it is about.
  auto impact = std::make_shared<InvestigateOptions>();
  CLI::App* sub = app.add_subcommand(
      "impact",
      "Who was hit: the investigation with an inventory, for the exposure of each subject, the "
      "evidence and the coverage gaps (docs/impact.md)");
  impact->builtin_with_rules = true;
  add_common_options(sub, *impact);
  sub->add_option("--inventory", impact->inventory,
                  "The organisation's inventory (docs/inventory.md)")
      ->required();
  sub->add_option("--out", impact->out,
                  "Folder for findings.json, report.html, case.db and notifications/")
      ->required();
  add_notify_options(sub, *impact);
  sub->callback([impact, &rc] { rc = run_investigate(*impact); });
}

}  // namespace vigil::cli
