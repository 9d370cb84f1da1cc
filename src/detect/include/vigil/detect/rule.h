#pragma once
// Sigma documents as loaded from YAML, before compilation: detection rules,
// correlation rules and filters (specification v2.1.0). Everything an alert
// or a report needs about a rule is kept, author included (the Detection
// Rule License requires it in every message based on a match).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::detect {

enum class Level : uint8_t { kNone, kInformational, kLow, kMedium, kHigh, kCritical };
const char* level_name(Level level);  // "" for kNone
std::optional<Level> parse_level(std::string_view text);

struct Logsource {
  std::string product;
  std::string category;
  std::string service;
  std::string definition;
};

// Attributes shared by every kind of Sigma document.
struct RuleInfo {
  std::string id;
  std::string name;  // unique name correlations may use instead of the id
  std::string title;
  std::string description;
  std::string author;  // several authors are joined with ", "
  std::string status;
  std::string date;
  std::string modified;
  std::string license;
  std::string taxonomy;
  Level level = Level::kNone;
  std::vector<std::string> tags;
  std::vector<std::string> references;
  std::vector<std::string> falsepositives;
  std::vector<std::string> fields;
  std::string file;   // the file the document came from
  uint32_t line = 0;  // 1-based line where the document starts
};

// Value modifiers, in the order the specification's appendix lists them.
enum class Modifier : uint8_t {
  kContains,
  kStartswith,
  kEndswith,
  kAll,
  kExists,
  kCased,
  kNeq,
  kWindash,
  kRe,
  kReIgnoreCase,  // re sub-modifier i (alias ignorecase)
  kReMultiline,   // m (multiline)
  kReDotAll,      // s (dotall)
  kBase64,
  kBase64Offset,
  kUtf16le,
  kUtf16be,
  kUtf16,
  kWide,  // alias of utf16le
  kLt,
  kLte,
  kGt,
  kGte,
  kMinute,
  kHour,
  kDay,
  kWeek,
  kMonth,
  kYear,
  kCidr,
  kExpand,
  kFieldref,
};
std::optional<Modifier> parse_modifier(std::string_view name);
const char* modifier_name(Modifier modifier);

struct DetectionValue {
  // The YAML type: plain scalars that read as numbers or booleans keep their
  // text (they are matched as text) but remember what they were.
  enum class Kind : uint8_t { kString, kNumber, kBool, kNull };
  Kind kind = Kind::kString;
  std::string text;  // as written, without quotes
  uint32_t line = 0;
};

// One `field|modifier|...: value(s)` entry. An empty field is a keyword
// search: the values are looked for in every field of the event.
struct DetectionItem {
  std::string field;
  std::vector<Modifier> modifiers;
  std::vector<DetectionValue> values;
  bool value_is_list = false;
  uint32_t line = 0;
};

// A search identifier: an OR of alternatives, each an AND of items. A map is
// one alternative; a list of maps is one alternative per map; a list of
// plain values is one keyword item.
struct SearchIdentifier {
  std::string name;
  uint32_t line = 0;
  std::vector<std::vector<DetectionItem>> alternatives;
};

struct ConditionNode {
  enum class Kind : uint8_t { kIdentifier, kAnd, kOr, kNot, kOf };
  Kind kind = Kind::kIdentifier;
  // kIdentifier: the name. kOf: the name pattern (`*` wildcards), empty for `them`.
  std::string name;
  bool them = false;
  // kOf: how many of the matched identifiers must hold; 0 means all.
  uint32_t count = 0;
  std::vector<ConditionNode> children;
};

// A rule's `detection` section. (detection.h's Detection is a match record;
// the two names were the same once, which broke the one-definition rule.)
struct DetectionSection {
  std::vector<SearchIdentifier> identifiers;
  // The condition as written; a list of conditions is their OR.
  std::vector<std::string> conditions;
  std::vector<ConditionNode> parsed;  // one per condition
  uint32_t condition_line = 0;
};

struct Rule {
  RuleInfo info;
  Logsource logsource;
  DetectionSection detection;
};

enum class CorrelationType : uint8_t {
  kEventCount,
  kValueCount,
  kTemporal,
  kTemporalOrdered,
  kValueSum,
  kValueAvg,
  kValuePercentile,
};
const char* correlation_type_name(CorrelationType type);

enum class CompareOp : uint8_t { kGt, kGte, kLt, kLte, kEq, kNeq };
const char* compare_op_name(CompareOp op);

struct CorrelationBound {
  CompareOp op = CompareOp::kGte;
  double value = 0;
};

struct CorrelationAlias {
  std::string alias;
  std::vector<std::pair<std::string, std::string>> fields;  // rule name -> event field
};

struct Correlation {
  RuleInfo info;
  CorrelationType type = CorrelationType::kEventCount;
  std::vector<std::string> rules;  // ids or names of rules or correlations
  std::vector<std::string> group_by;
  std::string timespan;  // as written
  int64_t timespan_seconds = 0;
  std::vector<CorrelationBound> condition;  // all must hold
  std::vector<std::string> condition_fields;  // `field` of value_* types
  std::vector<CorrelationAlias> aliases;
  bool generate = false;  // also alert on the referenced rules on their own
};

// A filter document: its detection is ANDed, negated, into the rules it names.
struct Filter {
  RuleInfo info;
  Logsource logsource;
  std::vector<std::string> rules;  // ids or names
  DetectionSection detection;
};

}  // namespace vigil::detect
