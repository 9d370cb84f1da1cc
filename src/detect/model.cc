// Names of the model's enumerations, and diagnostic formatting.

#include <algorithm>
#include <array>
#include <utility>

#include "vigil/detect/diagnostic.h"
#include "vigil/detect/rule.h"

namespace vigil::detect {

namespace {

constexpr std::array<std::pair<std::string_view, Modifier>, 34> kModifierNames = {{
    {"contains", Modifier::kContains},
    {"startswith", Modifier::kStartswith},
    {"endswith", Modifier::kEndswith},
    {"all", Modifier::kAll},
    {"exists", Modifier::kExists},
    {"cased", Modifier::kCased},
    {"neq", Modifier::kNeq},
    {"windash", Modifier::kWindash},
    {"re", Modifier::kRe},
    {"i", Modifier::kReIgnoreCase},
    {"ignorecase", Modifier::kReIgnoreCase},
    {"m", Modifier::kReMultiline},
    {"multiline", Modifier::kReMultiline},
    {"s", Modifier::kReDotAll},
    {"dotall", Modifier::kReDotAll},
    {"base64", Modifier::kBase64},
    {"base64offset", Modifier::kBase64Offset},
    {"utf16le", Modifier::kUtf16le},
    {"utf16be", Modifier::kUtf16be},
    {"utf16", Modifier::kUtf16},
    {"wide", Modifier::kWide},
    {"lt", Modifier::kLt},
    {"lte", Modifier::kLte},
    {"gt", Modifier::kGt},
    {"gte", Modifier::kGte},
    {"minute", Modifier::kMinute},
    {"hour", Modifier::kHour},
    {"day", Modifier::kDay},
    {"week", Modifier::kWeek},
    {"month", Modifier::kMonth},
    {"year", Modifier::kYear},
    {"cidr", Modifier::kCidr},
    {"expand", Modifier::kExpand},
    {"fieldref", Modifier::kFieldref},
}};

}  // namespace

const char* level_name(Level level) {
  switch (level) {
    case Level::kNone: return "";
    case Level::kInformational: return "informational";
    case Level::kLow: return "low";
    case Level::kMedium: return "medium";
    case Level::kHigh: return "high";
    case Level::kCritical: return "critical";
  }
  return "";
}

std::optional<Level> parse_level(std::string_view text) {
  for (Level level : {Level::kInformational, Level::kLow, Level::kMedium, Level::kHigh,
                      Level::kCritical}) {
    if (text == level_name(level)) return level;
  }
  return std::nullopt;
}

std::optional<Modifier> parse_modifier(std::string_view name) {
  for (const auto& [text, modifier] : kModifierNames) {
    if (text == name) return modifier;
  }
  return std::nullopt;
}

const char* modifier_name(Modifier modifier) {
  for (const auto& [text, value] : kModifierNames) {
    if (value == modifier) return text.data();
  }
  return "?";
}

const char* correlation_type_name(CorrelationType type) {
  switch (type) {
    case CorrelationType::kEventCount: return "event_count";
    case CorrelationType::kValueCount: return "value_count";
    case CorrelationType::kTemporal: return "temporal";
    case CorrelationType::kTemporalOrdered: return "temporal_ordered";
    case CorrelationType::kValueSum: return "value_sum";
    case CorrelationType::kValueAvg: return "value_avg";
    case CorrelationType::kValuePercentile: return "value_percentile";
  }
  return "?";
}

const char* compare_op_name(CompareOp op) {
  switch (op) {
    case CompareOp::kGt: return "gt";
    case CompareOp::kGte: return "gte";
    case CompareOp::kLt: return "lt";
    case CompareOp::kLte: return "lte";
    case CompareOp::kEq: return "eq";
    case CompareOp::kNeq: return "neq";
  }
  return "?";
}

const char* severity_name(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

const char* diag_code_name(DiagCode code) {
  switch (code) {
    case DiagCode::kIo: return "io";
    case DiagCode::kYaml: return "yaml";
    case DiagCode::kLimit: return "limit";
    case DiagCode::kSchema: return "schema";
    case DiagCode::kModifier: return "modifier";
    case DiagCode::kValue: return "value";
    case DiagCode::kRegex: return "regex";
    case DiagCode::kPlaceholder: return "placeholder";
    case DiagCode::kCondition: return "condition";
    case DiagCode::kLogsource: return "logsource";
    case DiagCode::kReference: return "reference";
    case DiagCode::kDuplicate: return "duplicate";
  }
  return "?";
}

std::string format_diagnostic(const Diagnostic& d) {
  std::string out = d.file;
  if (d.line > 0) {
    out += ':';
    out += std::to_string(d.line);
  }
  out += ": ";
  out += severity_name(d.severity);
  out += ": ";
  if (!d.rule_id.empty() || !d.rule_title.empty()) {
    out += '[';
    out += d.rule_id.empty() ? d.rule_title : d.rule_id;
    out += "] ";
  }
  out += d.message;
  return out;
}

void sort_diagnostics(std::vector<Diagnostic>& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.file != b.file) return a.file < b.file;
                     return a.line < b.line;
                   });
}

}  // namespace vigil::detect
