#include "hunt_common.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "commands.h"
#include "exit_codes.h"
#include "malloc_policy.h"
#include "vigil/builtin_rules.h"
#include "vigil/detect/cache.h"
#include "vigil/detect/loader.h"

namespace vigil::cli {

namespace {

bool date_only(std::string_view text) { return text.size() == 10; }

// Whether the time's fraction goes below the 100 ns a tick holds: a --from
// bound between two ticks starts at the later one, so that no event before
// the bound gets in.
bool finer_than_a_tick(std::string_view text) {
  const size_t dot = text.find_first_of(".,");
  if (dot == std::string_view::npos) return false;
  size_t digit = 0;
  for (size_t i = dot + 1; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digit) {
    if (digit >= 7 && text[i] != '0') return true;
  }
  return false;
}

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

std::string selection_options(const detect::RuleSelection& selection) {
  return selection.min_level && !selection.contains.empty() ? "--min-level and --rule-filter"
         : selection.min_level                              ? "--min-level"
                                                            : "--rule-filter";
}

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
      selected = ", " + std::to_string(compiled) + " selected by " + selection_options(selection);
    }
    std::fprintf(stderr, "vigil: %zu rules loaded%s%s, %zu rejected, %zu warnings%s\n",
                 compiled + loaded.set->left_out(),
                 opt.rules.empty()        ? " (built-in pack)"
                 : opt.builtin_with_rules ? " (with the built-in pack)"
                                          : "",
                 selected.c_str(), rejected, warnings,
                 rejected + warnings > 0 ? " (see vigil rules check)" : "");
  }
  // A hunt without rules would end as clean as one that found nothing.
  if (loaded.set->size() + loaded.set->correlations().size() + loaded.set->left_out() == 0) {
    std::fprintf(stderr, "vigil: no usable rule in the rule paths given: nothing to match\n");
    return std::nullopt;
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
    if (finer_than_a_tick(opt.from)) ++range.from.ticks;
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

bool output_outside_evidence(std::string_view option, const std::string& output,
                             const std::vector<std::string>& paths, const LogInputs* inputs) {
  namespace fs = std::filesystem;
  if (output.empty() || output == "-") return true;
  std::error_code ec;
  const fs::file_status status = fs::status(output, ec);
  // Devices and pipes (/dev/null, a FIFO) hold no evidence to overwrite.
  if (fs::exists(status) && !fs::is_regular_file(status) && !fs::is_directory(status)) return true;
  const fs::path target = fs::weakly_canonical(output, ec);
  if (ec) return true;  // opening it will say what is wrong
  const auto refuse = [&](std::string_view relation, std::string_view input,
                          std::string_view consequence) {
    std::fprintf(stderr, "vigil: %.*s %s %.*s %.*s: %.*s; choose an output outside the evidence\n",
                 static_cast<int>(option.size()), option.data(), output.c_str(),
                 static_cast<int>(relation.size()), relation.data(), static_cast<int>(input.size()),
                 input.data(), static_cast<int>(consequence.size()), consequence.data());
    return false;
  };
  constexpr std::string_view kDestroys = "writing it would destroy it";
  constexpr std::string_view kReadBack =
      "the next reading of that folder would take it for evidence";
  for (const std::string& path : paths) {
    if (path == "-") continue;
    const fs::path input = fs::weakly_canonical(path, ec);
    if (ec) continue;
    const bool folder = fs::is_directory(input, ec);
    if (target == input) {
      return folder ? refuse("is the input folder", path, kReadBack)
                    : refuse("is the input", path, kDestroys);
    }
    if (!folder) continue;
    const auto mismatch = std::mismatch(input.begin(), input.end(), target.begin(), target.end());
    if (mismatch.first == input.end()) return refuse("is inside the input folder", path, kReadBack);
  }
  struct stat st {};
  if (inputs != nullptr && ::stat(output.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
      inputs->identities.count({st.st_dev, st.st_ino}) > 0) {
    return refuse("is", "an input under another name", kDestroys);
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
  const auto not_empty = [](const std::string& text) {
    return text.empty() ? std::string("an empty time") : std::string();
  };
  cmd->add_option("--from", opt.from, "Only events at or after this time (RFC 3339, or a date)")
      ->check(not_empty);
  cmd->add_option("--to", opt.to, "Only events at or before this time (a date: the whole day)")
      ->check(not_empty);
  add_output_option(cmd, opt.output);
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
