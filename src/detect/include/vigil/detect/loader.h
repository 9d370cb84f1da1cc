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

#include "vigil/core/result.h"
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

// The rule files of files and folders: *.yml and *.yaml found in folders
// (recursively), and paths named explicitly whatever their extension, in
// sorted path order. Paths that cannot be read, and *.yml or *.yaml entries
// that are not regular files (a FIFO, a dangling link: never opened, since
// opening a FIFO blocks), are returned in `errors`.
std::vector<std::string> list_rule_files(std::span<const std::string> paths,
                                         std::vector<Error>& errors);

// Reads the rule files of list_rule_files; each of its errors is a rejected
// file of its own.
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
