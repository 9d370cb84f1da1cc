// `vigil rules check PATH... [--config FILE]`: loads and compiles Sigma rules
// and reports every diagnostic like a compiler, then totals.

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_codes.h"
#include "vigil/core/field_names.h"
#include "vigil/core/input.h"
#include "vigil/detect/loader.h"
#include "vigil/detect/logsource.h"
#include "vigil/detect/ruleset.h"

namespace vigil::cli {

namespace {

struct RulesCheckOptions {
  std::vector<std::string> paths;
  std::string config;
  std::string mapping;
};

int run_rules_check(const RulesCheckOptions& opt) {
  detect::Placeholders placeholders;
  if (!opt.config.empty()) {
    auto loaded = detect::Placeholders::load(opt.config);
    if (!loaded.ok()) {
      std::fprintf(stderr, "vigil: %s\n", loaded.error().to_string().c_str());
      return kExitInput;
    }
    placeholders = std::move(loaded.value());
  }
  detect::LogsourceMapping mapping = detect::LogsourceMapping::builtin();
  if (!opt.mapping.empty()) {
    auto text = read_file(opt.mapping);
    if (!text.ok()) {
      std::fprintf(stderr, "vigil: %s\n", text.error().to_string().c_str());
      return kExitInput;
    }
    auto overrides = detect::LogsourceMapping::parse(*text, opt.mapping);
    if (!overrides.ok()) {
      std::fprintf(stderr, "vigil: %s\n", overrides.error().to_string().c_str());
      return kExitInput;
    }
    mapping.merge(overrides.value());
  }
  detect::RuleCollection collection = detect::load_rules(opt.paths);
  const size_t files = collection.files;
  const size_t documents = collection.documents;
  bool input_error = false;
  for (const detect::Diagnostic& d : collection.diagnostics) {
    if (d.code == detect::DiagCode::kIo && d.line == 0) input_error = true;
  }

  FieldNames names;
  detect::CompileOptions options;
  options.placeholders = &placeholders;
  options.resolver = detect::mapping_resolver(mapping);
  std::vector<detect::Diagnostic> diagnostics;
  auto set = detect::RuleSet::compile(std::move(collection), names, options, diagnostics);
  detect::sort_diagnostics(diagnostics);

  std::map<std::string, size_t> rejected_by_reason;
  size_t rejected = 0;
  size_t errors = 0;
  size_t warnings = 0;
  for (const detect::Diagnostic& d : diagnostics) {
    std::printf("%s\n", detect::format_diagnostic(d).c_str());
    (d.severity == detect::Severity::kError ? errors : warnings) += 1;
    if (d.rejects_rule) {
      ++rejected;
      ++rejected_by_reason[detect::diag_code_name(d.code)];
    }
  }
  const size_t loaded = set->size() + set->correlations().size() + set->filters().size();
  const detect::RuleSetStats stats = set->stats();
  std::printf("files: %zu, documents: %zu\n", files, documents);
  std::printf("loaded: %zu (detection rules %zu, correlations %zu, filters %zu)\n", loaded,
              set->size(), set->correlations().size(), set->filters().size());
  std::printf("rejected: %zu", rejected);
  if (!rejected_by_reason.empty()) {
    std::printf(" (");
    bool first = true;
    for (const auto& [reason, count] : rejected_by_reason) {
      std::printf("%s%s %zu", first ? "" : ", ", reason.c_str(), count);
      first = false;
    }
    std::printf(")");
  }
  std::printf("\n");
  std::printf("errors: %zu, warnings: %zu\n", errors, warnings);
  std::printf("compiled: %zu rule instances, %zu event-source gates, %zu distinct tests, "
              "%zu patterns, %zu regexes\n",
              stats.instances, stats.gates, stats.tests, stats.patterns, stats.regexes);
  if (input_error) return kExitInput;
  return rejected > 0 ? kExitDamaged : kExitOk;
}

}  // namespace

void register_rules(CLI::App& app, int& rc) {
  auto* rules = app.add_subcommand("rules", "Work with Sigma rules");
  rules->require_subcommand(1);
  auto opt = std::make_shared<RulesCheckOptions>();
  auto* check = rules->add_subcommand(
      "check", "Load and compile Sigma rules; print every diagnostic and totals");
  check->add_option("paths", opt->paths, "Rule files or folders (*.yml, *.yaml, recursively)")
      ->required();
  check->add_option("--config", opt->config,
                    "YAML map of placeholder name -> values for the 'expand' modifier");
  check->add_option("--mapping", opt->mapping,
                    "Logsource mapping merged over the built-in one (docs/logsource.md)");
  check->callback([opt, &rc] { rc = run_rules_check(*opt); });
}

}  // namespace vigil::cli
