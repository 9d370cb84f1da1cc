#include "hunt_common.h"

#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "exit_codes.h"
#include "malloc_policy.h"
#include "vigil/builtin_rules.h"
#include "vigil/detect/cache.h"
#include "vigil/detect/loader.h"

namespace vigil::cli {

namespace {

bool date_only(std::string_view text) { return text.size() == 10; }

// The built-in mapping with the user's merged over it, made on first use
// (rules may be compiled on several threads).
struct LazyMapping {
  std::optional<detect::LogsourceMapping> overrides;
  std::once_flag made;
  std::optional<detect::LogsourceMapping> merged;
  const detect::LogsourceMapping& get() {
    std::call_once(made, [this] {
      merged = detect::LogsourceMapping::builtin();
      if (overrides) merged->merge(*overrides);
    });
    return *merged;
  }
};

}  // namespace

std::optional<LoadedRules> load_and_compile(const CommonOptions& opt, FieldNames& names,
                                            const detect::RuleSelection& selection) {
  LoadedRules loaded;
  // The compiled-rule cache is keyed by the bytes the placeholders and the
  // mapping come from.
  detect::CacheOptions cache;
  cache.enabled = !opt.no_cache;
  cache.directory = opt.cache_dir;
  cache.threads = opt.threads;
  // Decoding makes tens of thousands of small objects; on SigmaHQ's set the
  // heap grows by about the cache file's size.
  cache.before_decode = [](uint64_t cache_bytes) {
    reserve_heap(static_cast<size_t>(cache_bytes + cache_bytes / 4));
  };
  if (!opt.config.empty()) {
    auto placeholders = detect::Placeholders::load(opt.config, cache.placeholder_text);
    if (!placeholders.ok()) {
      std::fprintf(stderr, "vigil: %s\n", placeholders.error().to_string().c_str());
      return std::nullopt;
    }
    loaded.placeholders = std::move(placeholders.value());
  }
  // The logsource mapping only serves compiling: a cache hit never parses
  // the built-in mapping's YAML (3% of a warm start's CPU time, by perf). A
  // --mapping file is read and checked now all the same, its bytes being
  // part of the cache key.
  auto mapping = std::make_shared<LazyMapping>();
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
    mapping->overrides = std::move(overrides.value());
    cache.mapping_text = std::move(*text);
  }

  detect::CompileOptions options;
  options.placeholders = &loaded.placeholders;
  options.selection = selection;
  options.resolver = [mapping](const detect::Logsource& logsource) {
    return detect::mapping_resolver(mapping->get())(logsource);
  };
  std::vector<detect::Diagnostic> diagnostics;
  if (opt.rules.empty() || opt.builtin_with_rules) {
    // The built-in pack is compiled from its embedded text; -r rules that
    // join it are read first (no cache: the pack's text is not a path).
    detect::RuleCollection collection =
        opt.rules.empty() ? detect::RuleCollection{} : detect::load_rules(opt.rules);
    for (size_t i = 0; i < builtin_rules::count(); ++i) {
      detect::parse_rules(builtin_rules::text(i), "builtin:" + std::string(builtin_rules::path(i)),
                          collection);
    }
    collection.files += builtin_rules::count();
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
  // Each command loads one rule set and runs to the end of the process.
  // Freeing its tens of thousands of objects one by one at exit was 5% of a
  // warm start's time; the kernel drops their pages at once instead. The
  // holder keeps the set reachable, so leak checkers do not report it.
  static auto* const kept_until_exit = new std::vector<std::shared_ptr<const detect::RuleSet>>();
  kept_until_exit->push_back(loaded.set);
  if (!opt.quiet || rejected > 0) {
    const size_t compiled = loaded.set->size() + loaded.set->correlations().size();
    std::string selected;
    if (!selection.empty()) {
      selected =
          ", " + std::to_string(compiled) + " selected by " +
          (selection.min_level && !selection.contains.empty() ? "--min-level and --rule-filter"
           : selection.min_level                              ? "--min-level"
                                                              : "--rule-filter");
    }
    std::fprintf(stderr, "vigil: %zu rules loaded%s%s, %zu rejected, %zu warnings%s\n",
                 compiled + loaded.set->left_out(),
                 opt.rules.empty()        ? " (built-in pack)"
                 : opt.builtin_with_rules ? " (with the built-in pack)"
                                          : "",
                 selected.c_str(), rejected, warnings,
                 rejected + warnings > 0 ? " (see vigil rules check)" : "");
  }
  return loaded;
}

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

std::string with_commas(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string text;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text.push_back(',');
    text.push_back(digits[i]);
  }
  return text;
}

int finish_code(const LogInputs& inputs, uint64_t damaged) {
  if (inputs.error) return kExitInput;
  return damaged > 0 ? kExitDamaged : kExitOk;
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

}  // namespace vigil::cli
