#pragma once
// Reading Sigma rules from files and folders into their document model.
// Every problem becomes a Diagnostic; a broken document never stops the
// others from loading.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/detect/diagnostic.h"
#include "vigil/detect/rule.h"

namespace vigil::detect {

struct RuleCollection {
  std::vector<Rule> rules;
  std::vector<Correlation> correlations;
  std::vector<Filter> filters;
  std::vector<Diagnostic> diagnostics;
  size_t files = 0;      // rule files read (or tried)
  size_t documents = 0;  // YAML documents that hold a rule, correlation or filter, or fail to
};

// Whether a file met in a rule folder is read as rules: *.yml and *.yaml.
inline bool is_rule_file_name(std::string_view path) {
  return path.ends_with(".yml") || path.ends_with(".yaml");
}

// Files and folders (recursively, *.yml and *.yaml, in sorted path order).
// Paths named explicitly are read whatever their extension. A rule file
// that is not a regular file (a FIFO, a dangling link) is an error of its own.
RuleCollection load_rules(std::span<const std::string> paths);

// One file's text; `origin` names it in diagnostics. Appends to `into`.
void parse_rules(std::string_view text, std::string_view origin, RuleCollection& into);

// Parses a condition string; nullopt with `error` set when it does not parse.
// Names are checked against identifiers later, by validate_condition.
std::optional<ConditionNode> parse_condition(std::string_view text, std::string& error);

// Identifiers the `x of` pattern selects: `*` matches any run of characters;
// names starting with '_' are left out unless the pattern itself starts with '_'.
std::vector<std::string_view> identifiers_matching(const DetectionSection& detection,
                                                   std::string_view pattern, bool them);

}  // namespace vigil::detect
