// Sigma YAML to the document model. Each YAML document is parsed on its own,
// so a syntax error costs only that document; every tree is measured (depth,
// node count, value sizes) before it is read, so hostile YAML costs a
// diagnostic, not memory or stack.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "vigil/core/input.h"
#include "vigil/core/limits.h"
#include "vigil/detect/loader.h"

namespace vigil::detect {

namespace {

struct DocumentText {
  std::string_view text;
  uint32_t first_line = 0;  // 0-based line of the document's first line in the file
};

bool is_marker_line(std::string_view line, std::string_view marker) {
  if (line.substr(0, 3) != marker) return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r' ||
         line[3] == '#';
}

// Splits at `---` and `...` lines. Such lines end any block scalar in YAML,
// so splitting on them first never cuts a document the parser would keep whole.
std::vector<DocumentText> split_documents(std::string_view text) {
  std::vector<DocumentText> docs;
  size_t doc_start = 0;
  uint32_t doc_line = 0;
  uint32_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    const size_t next = end < text.size() ? end + 1 : end;
    if (is_marker_line(line, "---") || is_marker_line(line, "...")) {
      docs.push_back({text.substr(doc_start, pos - doc_start), doc_line});
      // Content after `--- ` on the same line belongs to the next document.
      if (line.substr(0, 3) == "---" && line.size() > 3) {
        doc_start = pos + 3;
        doc_line = line_no;
      } else {
        doc_start = next;
        doc_line = line_no + 1;
      }
    }
    pos = next;
    ++line_no;
  }
  docs.push_back({text.substr(doc_start), doc_line});
  return docs;
}

bool blank_document(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    const size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] != '#' && line[first] != '%') return false;
    pos = end + 1;
  }
  return true;
}

// yaml-cpp recurses once per nesting level; bound the nesting before it sees
// the text. Flow collections are counted by brackets, block collections by
// indentation steps, and compact `- - -` sequences by their dashes.
bool nesting_within_limit(std::string_view text) {
  constexpr uint32_t kMax = limits::kSigmaMaxYamlDepth * 2;
  uint32_t flow = 0;
  std::vector<size_t> indents;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    size_t indent = line.find_first_not_of(' ');
    if (indent == std::string_view::npos || line[indent] == '#') continue;
    while (!indents.empty() && indents.back() > indent) indents.pop_back();
    if (indents.empty() || indents.back() < indent) indents.push_back(indent);
    uint32_t dashes = 0;
    for (size_t i = indent; i + 1 < line.size() && line[i] == '-' && line[i + 1] == ' ';) {
      ++dashes;
      i += 2;
      while (i < line.size() && line[i] == ' ') ++i;
    }
    if (indents.size() + dashes > kMax) return false;
    bool quoted_single = false;
    bool quoted_double = false;
    for (char c : line) {
      if (c == '\'' && !quoted_double) quoted_single = !quoted_single;
      if (c == '"' && !quoted_single) quoted_double = !quoted_double;
      if (quoted_single || quoted_double) continue;
      if (c == '[' || c == '{') {
        if (++flow > kMax) return false;
      } else if ((c == ']' || c == '}') && flow > 0) {
        --flow;
      }
    }
  }
  return true;
}

bool is_plain(const YAML::Node& node) { return node.Tag() == "?"; }

bool plain_is_bool(std::string_view s) {
  return s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" ||
         s == "FALSE";
}

bool plain_is_number(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  if (s.size() > i + 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o')) {
    const bool hex = s[i + 1] == 'x';
    for (size_t k = i + 2; k < s.size(); ++k) {
      const char c = s[k];
      const bool ok = hex ? std::isxdigit(static_cast<unsigned char>(c)) != 0 : (c >= '0' && c <= '7');
      if (!ok) return false;
    }
    return true;
  }
  bool digits = false;
  bool dot = false;
  bool exponent = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot && !exponent) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits && !exponent) {
      exponent = true;
      digits = false;
      if (i + 1 < s.size() && (s[i + 1] == '-' || s[i + 1] == '+')) ++i;
    } else {
      return false;
    }
  }
  return digits;
}

// Reads one document into the model, collecting diagnostics with the
// document's identity. `rejected` is set by the first error.
class DocumentReader {
 public:
  DocumentReader(RuleCollection& out, std::string_view file, uint32_t first_line)
      : out_(out), file_(file), first_line_(first_line) {}

  uint32_t line_of(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    if (mark.line < 0) return first_line_ + 1;
    return first_line_ + static_cast<uint32_t>(mark.line) + 1;
  }
  uint32_t document_line() const { return first_line_ + 1; }

  void error(DiagCode code, uint32_t line, std::string message) {
    report(Severity::kError, code, line, std::move(message));
  }
  void warning(DiagCode code, uint32_t line, std::string message) {
    report(Severity::kWarning, code, line, std::move(message));
  }
  bool rejected() const { return rejected_; }
  void set_identity(std::string id, std::string title) {
    id_ = std::move(id);
    title_ = std::move(title);
  }

  // Depth, node count and value sizes of the whole tree, before anything
  // else looks at it. Aliases are counted every time they are reached, so an
  // alias bomb exceeds the node budget instead of being expanded.
  bool measure(const YAML::Node& root) {
    size_t nodes = 0;
    struct Item {
      YAML::Node node;
      uint32_t depth;
    };
    std::vector<Item> stack{{root, 0}};
    while (!stack.empty()) {
      Item item = std::move(stack.back());
      stack.pop_back();
      if (++nodes > limits::kSigmaMaxYamlNodes) {
        error(DiagCode::kLimit, document_line(),
              "the document has more than " + std::to_string(limits::kSigmaMaxYamlNodes) +
                  " YAML nodes (aliases included)");
        return false;
      }
      if (item.depth > limits::kSigmaMaxYamlDepth) {
        error(DiagCode::kLimit, line_of(item.node),
              "YAML nesting deeper than " + std::to_string(limits::kSigmaMaxYamlDepth));
        return false;
      }
      if (item.node.IsScalar()) {
        if (item.node.Scalar().size() > limits::kSigmaMaxValueBytes) {
          error(DiagCode::kLimit, line_of(item.node),
                "a value of " + std::to_string(item.node.Scalar().size()) +
                    " bytes is longer than the limit of " +
                    std::to_string(limits::kSigmaMaxValueBytes));
          return false;
        }
      } else if (item.node.IsSequence()) {
        for (const YAML::Node& child : item.node) stack.push_back({child, item.depth + 1});
      } else if (item.node.IsMap()) {
        for (const auto& kv : item.node) {
          stack.push_back({kv.first, item.depth + 1});
          stack.push_back({kv.second, item.depth + 1});
        }
      }
    }
    return true;
  }

  // --- Scalars and lists -------------------------------------------------------

  std::optional<std::string> scalar(const YAML::Node& map, const char* key, bool required,
                                    DiagCode code = DiagCode::kSchema) {
    const YAML::Node node = map[key];
    if (!node.IsDefined() || node.IsNull()) {
      if (required) error(code, document_line(), std::string("missing '") + key + "'");
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      if (required) {
        error(code, line_of(node), std::string("'") + key + "' must be a single value");
      } else {
        warning(code, line_of(node), std::string("'") + key + "' is not a single value; ignored");
      }
      return std::nullopt;
    }
    return node.Scalar();
  }

  // A list of strings; a single value counts as a one-element list.
  std::vector<std::string> string_list(const YAML::Node& map, const char* key) {
    std::vector<std::string> out;
    const YAML::Node node = map[key];
    if (!node.IsDefined() || node.IsNull()) return out;
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
      return out;
    }
    if (!node.IsSequence()) {
      warning(DiagCode::kSchema, line_of(node), std::string("'") + key + "' is not a list; ignored");
      return out;
    }
    for (const YAML::Node& item : node) {
      if (item.IsScalar()) {
        out.push_back(item.Scalar());
      } else if (!item.IsNull()) {
        warning(DiagCode::kSchema, line_of(item),
                std::string("an entry of '") + key + "' is not a single value; ignored");
      }
    }
    return out;
  }

  void read_info(const YAML::Node& doc, RuleInfo& info) {
    info.file = std::string(file_);
    info.line = document_line();
    if (auto id = scalar(doc, "id", false)) info.id = *id;
    if (auto name = scalar(doc, "name", false)) info.name = *name;
    auto title = scalar(doc, "title", false);
    if (title) info.title = *title;
    set_identity(info.id, info.title);
    if (!title) error(DiagCode::kSchema, document_line(), "missing 'title'");
    if (info.title.size() > 256) {
      warning(DiagCode::kSchema, document_line(), "the title is longer than 256 characters");
    }
    if (auto v = scalar(doc, "description", false)) info.description = *v;
    if (auto v = scalar(doc, "status", false)) {
      info.status = *v;
      static const std::set<std::string, std::less<>> kStatuses = {
          "stable", "test", "experimental", "deprecated", "unsupported"};
      if (!kStatuses.contains(info.status)) {
        warning(DiagCode::kSchema, line_of(doc["status"]), "unknown status '" + info.status + "'");
      }
    }
    if (auto v = scalar(doc, "date", false)) info.date = *v;
    if (auto v = scalar(doc, "modified", false)) info.modified = *v;
    if (auto v = scalar(doc, "license", false)) info.license = *v;
    if (auto v = scalar(doc, "taxonomy", false)) info.taxonomy = *v;
    {
      const std::vector<std::string> authors = string_list(doc, "author");
      for (size_t i = 0; i < authors.size(); ++i) {
        if (i > 0) info.author += ", ";
        info.author += authors[i];
      }
    }
    if (auto v = scalar(doc, "level", false)) {
      if (auto level = parse_level(*v)) {
        info.level = *level;
      } else {
        warning(DiagCode::kSchema, line_of(doc["level"]), "unknown level '" + *v + "'");
      }
    }
    info.tags = string_list(doc, "tags");
    info.references = string_list(doc, "references");
    info.falsepositives = string_list(doc, "falsepositives");
    info.fields = string_list(doc, "fields");
  }

  bool read_logsource(const YAML::Node& doc, Logsource& logsource) {
    const YAML::Node node = doc["logsource"];
    if (!node.IsDefined() || node.IsNull()) {
      error(DiagCode::kSchema, document_line(), "missing 'logsource'");
      return false;
    }
    if (!node.IsMap()) {
      error(DiagCode::kSchema, line_of(node), "'logsource' must be a map");
      return false;
    }
    if (auto v = scalar(node, "product", false)) logsource.product = *v;
    if (auto v = scalar(node, "category", false)) logsource.category = *v;
    if (auto v = scalar(node, "service", false)) logsource.service = *v;
    if (auto v = scalar(node, "definition", false)) logsource.definition = *v;
    return true;
  }

  // --- Detection ---------------------------------------------------------------

  std::optional<DetectionValue> read_value(const YAML::Node& node) {
    DetectionValue value;
    value.line = line_of(node);
    if (node.IsNull()) {
      value.kind = DetectionValue::Kind::kNull;
      return value;
    }
    if (!node.IsScalar()) return std::nullopt;
    value.text = node.Scalar();
    if (is_plain(node)) {
      if (plain_is_bool(value.text)) {
        value.kind = DetectionValue::Kind::kBool;
      } else if (plain_is_number(value.text)) {
        value.kind = DetectionValue::Kind::kNumber;
      }
    }
    return value;
  }

  bool read_item(const YAML::Node& key, const YAML::Node& value, DetectionItem& item) {
    item.line = line_of(key);
    if (!key.IsScalar()) {
      error(DiagCode::kSchema, item.line, "a detection key must be a field name");
      return false;
    }
    const std::string& text = key.Scalar();
    size_t bar = text.find('|');
    item.field = text.substr(0, bar);
    while (bar != std::string::npos) {
      const size_t next = text.find('|', bar + 1);
      const std::string name =
          text.substr(bar + 1, next == std::string::npos ? std::string::npos : next - bar - 1);
      auto modifier = parse_modifier(name);
      if (!modifier) {
        error(DiagCode::kModifier, item.line,
              name.empty() ? "empty modifier in '" + text + "'"
                           : "unknown modifier '" + name + "' in '" + text + "'");
        return false;
      }
      item.modifiers.push_back(*modifier);
      bar = next;
    }
    if (value.IsSequence()) {
      item.value_is_list = true;
      for (const YAML::Node& element : value) {
        auto v = read_value(element);
        if (!v) {
          error(DiagCode::kSchema, line_of(element),
                "the values of '" + text + "' must be single values");
          return false;
        }
        item.values.push_back(std::move(*v));
      }
      if (item.values.empty()) {
        error(DiagCode::kSchema, item.line, "'" + text + "' has an empty list of values");
        return false;
      }
      return true;
    }
    auto v = read_value(value);
    if (!v) {
      error(DiagCode::kSchema, line_of(value),
            "the value of '" + text + "' must be a single value or a list of values");
      return false;
    }
    // The key's line: an empty value has no position of its own.
    v->line = item.line;
    item.values.push_back(std::move(*v));
    return true;
  }

  // A key given twice in one map is invalid YAML that parsers disagree on;
  // the last one wins, as in PyYAML (and so pySigma), with a warning.
  bool read_map_alternative(const YAML::Node& map, std::vector<DetectionItem>& items) {
    std::vector<std::string> keys;
    for (const auto& kv : map) {
      DetectionItem item;
      if (!read_item(kv.first, kv.second, item)) return false;
      const std::string key = kv.first.Scalar();
      auto same = std::find(keys.begin(), keys.end(), key);
      if (same != keys.end()) {
        warning(DiagCode::kSchema, item.line,
                "'" + key + "' appears twice in one map; the last one is used");
        items[static_cast<size_t>(same - keys.begin())] = std::move(item);
        continue;
      }
      keys.push_back(key);
      items.push_back(std::move(item));
    }
    if (items.empty()) {
      error(DiagCode::kSchema, line_of(map), "an empty map in a search identifier");
      return false;
    }
    return true;
  }

  bool read_identifier(const std::string& name, const YAML::Node& key, const YAML::Node& node,
                       SearchIdentifier& id) {
    id.name = name;
    id.line = line_of(key);
    if (node.IsMap()) {
      std::vector<DetectionItem> items;
      if (!read_map_alternative(node, items)) return false;
      id.alternatives.push_back(std::move(items));
      return true;
    }
    if (node.IsSequence()) {
      DetectionItem keywords;
      keywords.line = id.line;
      keywords.value_is_list = true;
      for (const YAML::Node& element : node) {
        if (element.IsMap()) {
          std::vector<DetectionItem> items;
          if (!read_map_alternative(element, items)) return false;
          id.alternatives.push_back(std::move(items));
        } else if (element.IsScalar()) {
          auto v = read_value(element);
          keywords.values.push_back(std::move(*v));
        } else {
          error(DiagCode::kSchema, line_of(element),
                "search identifier '" + name + "': a list entry must be a map or a value");
          return false;
        }
      }
      if (!keywords.values.empty()) id.alternatives.push_back({std::move(keywords)});
      if (id.alternatives.empty()) {
        error(DiagCode::kSchema, id.line, "search identifier '" + name + "' is an empty list");
        return false;
      }
      return true;
    }
    if (node.IsScalar()) {
      DetectionItem keyword;
      keyword.line = id.line;
      keyword.values.push_back(*read_value(node));
      id.alternatives.push_back({std::move(keyword)});
      return true;
    }
    error(DiagCode::kSchema, id.line, "search identifier '" + name + "' is empty");
    return false;
  }

  bool check_condition_names(const ConditionNode& node, const DetectionSection& detection,
                             uint32_t line) {
    switch (node.kind) {
      case ConditionNode::Kind::kIdentifier: {
        const bool known = std::any_of(
            detection.identifiers.begin(), detection.identifiers.end(),
            [&](const SearchIdentifier& id) { return id.name == node.name; });
        if (!known) {
          error(DiagCode::kCondition, line,
                "the condition names '" + node.name + "', which the detection does not define");
          return false;
        }
        return true;
      }
      case ConditionNode::Kind::kOf: {
        const auto matched = identifiers_matching(detection, node.name, node.them);
        const std::string what = node.them ? "them" : "'" + node.name + "'";
        if (matched.empty()) {
          error(DiagCode::kCondition, line, "'of " + what + "' matches no search identifier");
          return false;
        }
        if (node.count > matched.size()) {
          error(DiagCode::kCondition, line,
                "'" + std::to_string(node.count) + " of " + what + "' can never hold: only " +
                    std::to_string(matched.size()) + " identifiers match");
          return false;
        }
        return true;
      }
      default:
        for (const ConditionNode& child : node.children) {
          if (!check_condition_names(child, detection, line)) return false;
        }
        return true;
    }
  }

  // The detection part of a rule (`detection:`) or of a filter (`filter:`,
  // whose `rules` key is not an identifier).
  bool read_detection(const YAML::Node& node, DetectionSection& detection, bool filter) {
    const char* section = filter ? "filter" : "detection";
    if (!node.IsDefined() || node.IsNull()) {
      error(DiagCode::kSchema, document_line(), std::string("missing '") + section + "'");
      return false;
    }
    if (!node.IsMap()) {
      error(DiagCode::kSchema, line_of(node), std::string("'") + section + "' must be a map");
      return false;
    }
    YAML::Node condition;
    bool ok = true;
    for (const auto& kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      if (key == "condition") {
        condition = kv.second;
        detection.condition_line = line_of(kv.first);
        continue;
      }
      if (filter && key == "rules") continue;
      if (key == "timeframe") {
        warning(DiagCode::kSchema, line_of(kv.first),
                "'timeframe' belongs to legacy aggregations and is ignored; use a correlation "
                "rule");
        continue;
      }
      if (key.empty()) {
        error(DiagCode::kSchema, line_of(kv.first), "a search identifier needs a name");
        return false;
      }
      SearchIdentifier id;
      if (!read_identifier(key, kv.first, kv.second, id)) {
        ok = false;
        break;
      }
      auto same = std::find_if(detection.identifiers.begin(), detection.identifiers.end(),
                               [&](const SearchIdentifier& other) { return other.name == key; });
      if (same != detection.identifiers.end()) {
        warning(DiagCode::kSchema, id.line,
                "search identifier '" + key + "' is defined twice; the last one is used");
        *same = std::move(id);
        continue;
      }
      detection.identifiers.push_back(std::move(id));
    }
    if (!ok) return false;
    if (!condition.IsDefined() || condition.IsNull()) {
      error(DiagCode::kSchema, line_of(node), std::string("'") + section + "' has no 'condition'");
      return false;
    }
    if (condition.IsScalar()) {
      detection.conditions.push_back(condition.Scalar());
    } else if (condition.IsSequence()) {
      for (const YAML::Node& c : condition) {
        if (!c.IsScalar()) {
          error(DiagCode::kCondition, line_of(c), "a condition must be a string");
          return false;
        }
        detection.conditions.push_back(c.Scalar());
      }
    }
    if (detection.conditions.empty()) {
      error(DiagCode::kCondition, detection.condition_line, "the condition is empty");
      return false;
    }
    if (detection.identifiers.empty()) {
      error(DiagCode::kSchema, line_of(node), std::string("'") + section +
                                                  "' defines no search identifier");
      return false;
    }
    for (const std::string& text : detection.conditions) {
      std::string message;
      auto parsed = parse_condition(text, message);
      if (!parsed) {
        error(DiagCode::kCondition, detection.condition_line,
              "condition '" + text + "': " + message);
        return false;
      }
      if (!check_condition_names(*parsed, detection, detection.condition_line)) return false;
      detection.parsed.push_back(std::move(*parsed));
    }
    return true;
  }

  // --- Documents ---------------------------------------------------------------

  void read_rule(const YAML::Node& doc) {
    Rule rule;
    read_info(doc, rule.info);
    read_logsource(doc, rule.logsource);
    if (rejected_) {
      // Still check the detection so every problem shows up at once.
      DetectionSection ignored;
      read_detection(doc["detection"], ignored, false);
      return;
    }
    if (!read_detection(doc["detection"], rule.detection, false)) return;
    out_.rules.push_back(std::move(rule));
  }

  std::optional<int64_t> parse_timespan(const std::string& text) {
    if (text.size() < 2) return std::nullopt;
    const char unit = text.back();
    int64_t scale = 0;
    switch (unit) {
      case 's': scale = 1; break;
      case 'm': scale = 60; break;
      case 'h': scale = 3600; break;
      case 'd': scale = 86400; break;
      default: return std::nullopt;
    }
    int64_t n = 0;
    for (size_t i = 0; i + 1 < text.size(); ++i) {
      const char c = text[i];
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
      if (n > int64_t{1} << 40) return std::nullopt;
    }
    if (n == 0) return std::nullopt;
    return n * scale;
  }

  void read_correlation(const YAML::Node& doc) {
    Correlation corr;
    read_info(doc, corr.info);
    const YAML::Node node = doc["correlation"];
    if (!node.IsMap()) {
      error(DiagCode::kSchema, line_of(node), "'correlation' must be a map");
      return;
    }
    static constexpr std::pair<const char*, CorrelationType> kTypes[] = {
        {"event_count", CorrelationType::kEventCount},
        {"value_count", CorrelationType::kValueCount},
        {"temporal", CorrelationType::kTemporal},
        {"temporal_ordered", CorrelationType::kTemporalOrdered},
        {"value_sum", CorrelationType::kValueSum},
        {"value_avg", CorrelationType::kValueAvg},
        {"value_percentile", CorrelationType::kValuePercentile},
    };
    if (auto type = scalar(node, "type", true)) {
      bool known = false;
      for (const auto& [name, value] : kTypes) {
        if (*type == name) {
          corr.type = value;
          known = true;
        }
      }
      if (!known) error(DiagCode::kSchema, line_of(node["type"]), "unknown correlation type '" + *type + "'");
    }
    corr.rules = string_list(node, "rules");
    if (corr.rules.empty()) {
      error(DiagCode::kSchema, line_of(node), "a correlation needs a non-empty 'rules' list");
    }
    corr.group_by = string_list(node, "group-by");
    if (auto span = scalar(node, "timespan", true)) {
      corr.timespan = *span;
      if (auto seconds = parse_timespan(*span)) {
        corr.timespan_seconds = *seconds;
      } else {
        error(DiagCode::kSchema, line_of(node["timespan"]),
              "timespan '" + *span + "' is not a number followed by s, m, h or d");
      }
    }
    const bool value_type = corr.type == CorrelationType::kValueCount ||
                            corr.type == CorrelationType::kValueSum ||
                            corr.type == CorrelationType::kValueAvg ||
                            corr.type == CorrelationType::kValuePercentile;
    const bool temporal = corr.type == CorrelationType::kTemporal ||
                          corr.type == CorrelationType::kTemporalOrdered;
    if (corr.group_by.empty() && !rejected_) {
      warning(DiagCode::kSchema, line_of(node),
              "no 'group-by': all matching events form a single group");
    }
    const YAML::Node condition = node["condition"];
    if (condition.IsDefined() && !condition.IsNull()) {
      if (!condition.IsMap()) {
        error(DiagCode::kSchema, line_of(condition), "the correlation condition must be a map");
      } else {
        static constexpr std::pair<const char*, CompareOp> kOps[] = {
            {"gt", CompareOp::kGt}, {"gte", CompareOp::kGte}, {"lt", CompareOp::kLt},
            {"lte", CompareOp::kLte}, {"eq", CompareOp::kEq}, {"neq", CompareOp::kNeq}};
        for (const auto& kv : condition) {
          const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
          if (key == "field") {
            if (kv.second.IsScalar()) {
              corr.condition_fields.push_back(kv.second.Scalar());
            } else if (kv.second.IsSequence()) {
              for (const YAML::Node& f : kv.second) {
                if (f.IsScalar()) corr.condition_fields.push_back(f.Scalar());
              }
            }
            continue;
          }
          const CompareOp* op = nullptr;
          for (const auto& [name, value] : kOps) {
            if (key == name) op = &value;
          }
          if (op == nullptr) {
            error(DiagCode::kSchema, line_of(kv.first),
                  "unknown correlation condition '" + key + "' (gt, gte, lt, lte, eq, neq, field)");
            continue;
          }
          const std::string number = kv.second.IsScalar() ? kv.second.Scalar() : std::string();
          if (!plain_is_number(number)) {
            error(DiagCode::kSchema, line_of(kv.second),
                  "correlation condition '" + key + "' needs a number");
            continue;
          }
          corr.condition.push_back({*op, std::strtod(number.c_str(), nullptr)});
        }
        if (corr.condition.empty() && !rejected_) {
          error(DiagCode::kSchema, line_of(condition), "the correlation condition has no bound");
        }
      }
    } else if (!temporal) {
      error(DiagCode::kSchema, line_of(node),
            std::string(correlation_type_name(corr.type)) + " needs a 'condition'");
    }
    if (value_type && corr.condition_fields.empty() && !rejected_) {
      error(DiagCode::kSchema, line_of(node),
            std::string(correlation_type_name(corr.type)) + " needs 'field' in its condition");
    }
    if (!value_type && !corr.condition_fields.empty()) {
      warning(DiagCode::kSchema, line_of(condition),
              std::string("'field' means nothing to ") + correlation_type_name(corr.type) +
                  " and is ignored");
    }
    const YAML::Node aliases = node["aliases"];
    if (aliases.IsDefined() && !aliases.IsNull()) {
      if (!aliases.IsMap()) {
        error(DiagCode::kSchema, line_of(aliases), "'aliases' must be a map");
      } else {
        for (const auto& kv : aliases) {
          CorrelationAlias alias;
          alias.alias = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
          if (!kv.second.IsMap()) {
            error(DiagCode::kSchema, line_of(kv.first),
                  "alias '" + alias.alias + "' must map rule names to fields");
            continue;
          }
          for (const auto& entry : kv.second) {
            if (!entry.first.IsScalar() || !entry.second.IsScalar()) {
              error(DiagCode::kSchema, line_of(entry.first),
                    "alias '" + alias.alias + "' must map rule names to fields");
              continue;
            }
            alias.fields.emplace_back(entry.first.Scalar(), entry.second.Scalar());
          }
          corr.aliases.push_back(std::move(alias));
        }
      }
    }
    // The schema puts `generate` beside `correlation`; older drafts inside it.
    for (const YAML::Node& where : {doc, node}) {
      const YAML::Node generate = where["generate"];
      if (!generate.IsDefined() || generate.IsNull()) continue;
      const std::string text = generate.IsScalar() ? generate.Scalar() : std::string();
      if (text == "true" || text == "True") {
        corr.generate = true;
      } else if (text == "false" || text == "False") {
        corr.generate = false;
      } else {
        error(DiagCode::kSchema, line_of(generate), "'generate' must be true or false");
      }
    }
    if (rejected_) return;
    out_.correlations.push_back(std::move(corr));
  }

  void read_filter(const YAML::Node& doc) {
    Filter filter;
    read_info(doc, filter.info);
    read_logsource(doc, filter.logsource);
    const YAML::Node node = doc["filter"];
    if (node.IsMap()) {
      filter.rules = string_list(node, "rules");
      if (filter.rules.empty()) {
        error(DiagCode::kSchema, line_of(node), "a filter needs a non-empty 'rules' list");
      }
    }
    if (!read_detection(node, filter.detection, true)) return;
    if (rejected_) return;
    out_.filters.push_back(std::move(filter));
  }

 private:
  void report(Severity severity, DiagCode code, uint32_t line, std::string message) {
    Diagnostic d;
    d.file = std::string(file_);
    d.line = line;
    d.rule_id = id_;
    d.rule_title = title_;
    d.severity = severity;
    d.code = code;
    d.message = std::move(message);
    if (severity == Severity::kError && !rejected_) {
      d.rejects_rule = true;
      rejected_ = true;
    }
    out_.diagnostics.push_back(std::move(d));
  }

  RuleCollection& out_;
  std::string_view file_;
  uint32_t first_line_;
  std::string id_;
  std::string title_;
  bool rejected_ = false;
};

// Deep merge for legacy `action: global` / `repeat` documents: maps merge key
// by key, anything else is replaced by the overriding document.
YAML::Node merge_nodes(const YAML::Node& base, const YAML::Node& over, uint32_t depth) {
  if (!base.IsMap() || !over.IsMap() || depth > limits::kSigmaMaxYamlDepth) {
    return YAML::Clone(over);
  }
  YAML::Node result(YAML::NodeType::Map);
  for (const auto& kv : base) {
    if (!kv.first.IsScalar()) continue;
    const std::string key = kv.first.Scalar();
    const YAML::Node replacement = over[key];
    if (replacement.IsDefined()) {
      result[key] = merge_nodes(kv.second, replacement, depth + 1);
    } else {
      result[key] = YAML::Clone(kv.second);
    }
  }
  for (const auto& kv : over) {
    if (!kv.first.IsScalar()) continue;
    const std::string key = kv.first.Scalar();
    if (!base[key].IsDefined()) result[key] = YAML::Clone(kv.second);
  }
  return result;
}

YAML::Node without_key(const YAML::Node& map, const char* key) {
  YAML::Node result(YAML::NodeType::Map);
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) continue;
    result[kv.first] = kv.second;
  }
  return result;
}

void file_error(RuleCollection& out, std::string_view file, uint32_t line, DiagCode code,
                std::string message) {
  Diagnostic d;
  d.file = std::string(file);
  d.line = line;
  d.code = code;
  d.message = std::move(message);
  d.rejects_rule = true;
  out.diagnostics.push_back(std::move(d));
}

}  // namespace

void parse_rules(std::string_view text, std::string_view origin, RuleCollection& into) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const std::vector<DocumentText> docs = split_documents(text);
  YAML::Node global;     // legacy `action: global` defaults
  YAML::Node previous;   // the last rule document, for `action: repeat`
  size_t documents = 0;
  for (const DocumentText& doc_text : docs) {
    if (blank_document(doc_text.text)) continue;
    if (++documents > limits::kSigmaMaxDocumentsPerFile) {
      ++into.documents;
      file_error(into, origin, doc_text.first_line + 1, DiagCode::kLimit,
                 "more than " + std::to_string(limits::kSigmaMaxDocumentsPerFile) +
                     " YAML documents in one file; the rest is not read");
      return;
    }
    DocumentReader reader(into, origin, doc_text.first_line);
    if (!nesting_within_limit(doc_text.text)) {
      ++into.documents;
      reader.error(DiagCode::kLimit, reader.document_line(),
                   "YAML nesting deeper than " + std::to_string(limits::kSigmaMaxYamlDepth));
      continue;
    }
    YAML::Node doc;
    try {
      doc = YAML::Load(std::string(doc_text.text));
    } catch (const YAML::Exception& e) {
      ++into.documents;
      const uint32_t line =
          e.mark.line >= 0 ? doc_text.first_line + static_cast<uint32_t>(e.mark.line) + 1
                           : reader.document_line();
      reader.error(DiagCode::kYaml, line, "YAML: " + e.msg);
      continue;
    } catch (const std::exception& e) {
      ++into.documents;
      reader.error(DiagCode::kYaml, reader.document_line(), std::string("YAML: ") + e.what());
      continue;
    }
    if (doc.IsNull()) continue;
    // Every access below runs on a measured tree; yaml-cpp may still throw on
    // shapes it dislikes, which then is this document's error.
    try {
      if (!reader.measure(doc)) {
        ++into.documents;
        continue;
      }
      if (!doc.IsMap()) {
        ++into.documents;
        reader.error(DiagCode::kSchema, reader.document_line(),
                     "a Sigma document must be a map");
        continue;
      }
      const YAML::Node action = static_cast<const YAML::Node&>(doc)["action"];
      if (action.IsDefined()) {
        const std::string what = action.IsScalar() ? action.Scalar() : std::string();
        if (what == "global") {
          global = without_key(doc, "action");
          continue;
        }
        if (what == "reset") {
          global = YAML::Node();
          continue;
        }
        if (what == "repeat") {
          if (!previous.IsDefined() || previous.IsNull()) {
            ++into.documents;
            reader.error(DiagCode::kSchema, reader.document_line(),
                         "'action: repeat' without a previous rule to repeat");
            continue;
          }
          doc = merge_nodes(previous, without_key(doc, "action"), 0);
        } else {
          ++into.documents;
          reader.error(DiagCode::kSchema, reader.line_of(action),
                       "unknown action '" + what + "' (global, reset, repeat)");
          continue;
        }
      } else if (global.IsDefined() && !global.IsNull()) {
        doc = merge_nodes(global, doc, 0);
      }
      previous = doc;
      ++into.documents;
      const YAML::Node& cdoc = doc;
      if (cdoc["correlation"].IsDefined()) {
        reader.read_correlation(cdoc);
      } else if (cdoc["detection"].IsDefined()) {
        reader.read_rule(cdoc);
      } else if (cdoc["filter"].IsDefined()) {
        reader.read_filter(cdoc);
      } else {
        RuleInfo info;
        reader.read_info(cdoc, info);
        reader.error(DiagCode::kSchema, reader.document_line(),
                     "not a Sigma rule: no 'detection', 'correlation' or 'filter'");
      }
    } catch (const std::exception& e) {
      reader.error(DiagCode::kYaml, reader.document_line(), std::string("YAML: ") + e.what());
    }
  }
}

std::vector<std::string> list_rule_files(std::span<const std::string> paths,
                                         std::vector<Error>& errors) {
  const auto rule_file_name = [](std::string_view path) {
    return path.ends_with(".yml") || path.ends_with(".yaml");
  };
  std::vector<std::string> others;
  std::vector<std::string> files = expand_inputs(paths, errors, &others);
  for (const std::string& path : others) {
    if (rule_file_name(path)) {
      errors.push_back({Errc::kInvalidArgument, "not a regular file: not read", path, UINT64_MAX});
    }
  }
  const std::set<std::string, std::less<>> named(paths.begin(), paths.end());
  std::erase_if(files, [&](const std::string& path) {
    return !rule_file_name(path) && !named.contains(path);
  });
  return files;
}

RuleCollection load_rules(std::span<const std::string> paths) {
  RuleCollection out;
  std::vector<Error> errors;
  const std::vector<std::string> files = list_rule_files(paths, errors);
  for (const Error& e : errors) {
    ++out.files;
    ++out.documents;
    file_error(out, e.source, 0, DiagCode::kIo, e.message);
  }
  for (const std::string& path : files) {
    ++out.files;
    auto text = read_file(path, limits::kSigmaMaxFileBytes);
    if (!text.ok()) {
      ++out.documents;
      const bool too_big = text.error().code == Errc::kLimitExceeded;
      file_error(out, path, 0, too_big ? DiagCode::kLimit : DiagCode::kIo, text.error().message);
      continue;
    }
    parse_rules(*text, path, out);
  }
  return out;
}

}  // namespace vigil::detect
