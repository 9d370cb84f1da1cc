#pragma once
// What the rule loader and compiler have to say about a rule, shaped like a
// compiler's messages: where, which rule, how bad, why. A rule that cannot be
// supported is always reported with an error; nothing is skipped in silence.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::detect {

enum class Severity : uint8_t { kError, kWarning };

// Why: the category totals are counted by (`vigil rules check`).
enum class DiagCode : uint8_t {
  kIo,           // the file could not be read
  kYaml,         // not well-formed YAML
  kLimit,        // a limit from limits.h (size, depth, alternatives)
  kSchema,       // a required attribute is missing or has the wrong shape
  kModifier,     // unknown modifier or a chain that makes no sense
  kValue,        // a value its modifiers cannot use (not a number, bad CIDR, ...)
  kRegex,        // a regular expression RE2 cannot run
  kPlaceholder,  // an `expand` placeholder with no value in the configuration
  kCondition,    // the condition does not parse or names nothing
  kLogsource,    // the log source is not mapped to any event
  kReference,    // a correlation or filter names a rule that is not there
  kDuplicate,    // the same rule id twice
};

const char* severity_name(Severity severity);
const char* diag_code_name(DiagCode code);

struct Diagnostic {
  std::string file;
  uint32_t line = 0;  // 1-based; 0 when the whole file is meant
  std::string rule_id;
  std::string rule_title;
  Severity severity = Severity::kError;
  DiagCode code = DiagCode::kSchema;
  std::string message;
  // Set on the one error that kept the rule (or document) out of the rule
  // set; further errors about the same rule are reported without it, so
  // counting these counts rejected rules.
  bool rejects_rule = false;
};

// `file:line: error: [id] message`, the form `vigil rules check` prints.
std::string format_diagnostic(const Diagnostic& diagnostic);

// Stable order for reports: file, line, then message.
void sort_diagnostics(std::vector<Diagnostic>& diagnostics);

}  // namespace vigil::detect
