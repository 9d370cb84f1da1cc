// From the document model to the compiled RuleSet.
//
// Each rule is lowered once into an intermediate form that does not depend
// on the event source (values turned into patterns, regexes, numbers; field
// names still Sigma's), then instantiated for every source its logsource
// resolves to: field names renamed and interned, tests shared with every
// other rule that uses the same one.

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <re2/re2.h>

#include "compiled.h"
#include "prefilter.h"
#include "references.h"
#include "vigil/core/limits.h"
#include "vigil/detect/logsource.h"
#include "vigil/detect/ruleset.h"

namespace vigil::detect {

namespace {

// --- Sigma strings -------------------------------------------------------------

struct Piece {
  enum class Kind : uint8_t { kLiteral, kStar, kOne, kDash, kPlaceholder };
  Kind kind = Kind::kLiteral;
  std::string text;  // literal bytes or placeholder name
};
using SigmaString = std::vector<Piece>;

void push_literal(SigmaString& s, std::string_view text) {
  if (text.empty()) return;
  if (!s.empty() && s.back().kind == Piece::Kind::kLiteral) {
    s.back().text.append(text);
  } else {
    s.push_back({Piece::Kind::kLiteral, std::string(text)});
  }
}

void push_piece(SigmaString& s, Piece::Kind kind, std::string text = {}) {
  if (kind == Piece::Kind::kLiteral) {
    push_literal(s, text);
    return;
  }
  // Consecutive stars mean the same as one.
  if (kind == Piece::Kind::kStar && !s.empty() && s.back().kind == Piece::Kind::kStar) return;
  s.push_back({kind, std::move(text)});
}

// The specification's escaping: `\` escapes `*`, `?` and itself (and `%`
// when placeholders are on); before anything else it is a plain backslash.
SigmaString parse_sigma_string(std::string_view raw, bool placeholders) {
  SigmaString s;
  size_t i = 0;
  while (i < raw.size()) {
    const char c = raw[i];
    if (c == '\\') {
      const char next = i + 1 < raw.size() ? raw[i + 1] : '\0';
      if (next == '*' || next == '?' || next == '\\' || (placeholders && next == '%')) {
        push_literal(s, raw.substr(i + 1, 1));
        i += 2;
      } else {
        push_literal(s, "\\");
        i += 1;
      }
    } else if (c == '*') {
      push_piece(s, Piece::Kind::kStar);
      ++i;
    } else if (c == '?') {
      push_piece(s, Piece::Kind::kOne);
      ++i;
    } else if (placeholders && c == '%') {
      const size_t close = raw.find('%', i + 1);
      const std::string_view name =
          close == std::string_view::npos ? std::string_view() : raw.substr(i + 1, close - i - 1);
      const bool valid = !name.empty() && name.find_first_of(" \t\\*?") == std::string_view::npos;
      if (valid) {
        push_piece(s, Piece::Kind::kPlaceholder, std::string(name));
        i = close + 1;
      } else {
        push_literal(s, "%");
        ++i;
      }
    } else {
      size_t j = i + 1;
      while (j < raw.size() && raw[j] != '\\' && raw[j] != '*' && raw[j] != '?' &&
             !(placeholders && raw[j] == '%')) {
        ++j;
      }
      push_literal(s, raw.substr(i, j - i));
      i = j;
    }
  }
  return s;
}

bool only_literals(const SigmaString& s) {
  return std::all_of(s.begin(), s.end(),
                     [](const Piece& p) { return p.kind == Piece::Kind::kLiteral; });
}

std::string literal_bytes(const SigmaString& s) {
  std::string out;
  for (const Piece& p : s) out += p.text;
  return out;
}

constexpr std::string_view kDashChars[] = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94",
                                           "\xE2\x80\x95"};

size_t dash_length_at(std::string_view text, size_t pos) {
  for (std::string_view d : kDashChars) {
    if (text.substr(pos, d.size()) == d) return d.size();
  }
  return 0;
}

// --- Lowered rules -------------------------------------------------------------

struct ProbeIR {
  ProbeKind kind = ProbeKind::kPattern;
  uint32_t index = 0;  // pattern, regex, comparison or network index
  std::string ref_field;
  PatternShape ref_shape = PatternShape::kExact;
  bool ref_cased = false;
};

struct TestIR {
  std::string field;  // Sigma's name; empty for keywords
  TestKind kind = TestKind::kValues;
  bool negate = false;
  TimePart time = TimePart::kNone;
  std::vector<ProbeIR> probes;
  std::vector<uint32_t> group_ends;  // relative to probes
  uint32_t cost = 1;
};

struct DetectionIR {
  std::vector<TestIR> tests;
  // Identifier name -> alternatives (OR) of test indices (AND).
  std::map<std::string, std::vector<std::vector<uint32_t>>, std::less<>> identifiers;
  std::set<std::string, std::less<>> fields;  // Sigma fields used (fieldref targets too)
};

struct Context {
  std::string file;
  std::string id;
  std::string title;
  bool rejected = false;
  // What the rule's values have become so far (after modifiers, aliases and
  // placeholders), against kSigmaMaxRuleValues and kSigmaMaxRuleValueBytes.
  size_t values = 0;
  size_t value_bytes = 0;
};

size_t text_bytes(const std::vector<SigmaString>& alternatives) {
  size_t bytes = 0;
  for (const SigmaString& s : alternatives) {
    for (const Piece& piece : s) bytes += piece.text.size() + 1;
  }
  return bytes;
}

class Compiler {
 public:
  Compiler(RuleSet::Impl& impl, FieldNames& names, const CompileOptions& options,
           std::vector<Diagnostic>& diagnostics)
      : impl_(impl), names_(names), options_(options), diagnostics_(diagnostics) {}

  void run(RuleCollection& collection);

 private:
  void report(Context& ctx, Severity severity, DiagCode code, uint32_t line, std::string message) {
    Diagnostic d;
    d.file = ctx.file;
    d.line = line;
    d.rule_id = ctx.id;
    d.rule_title = ctx.title;
    d.severity = severity;
    d.code = code;
    d.message = std::move(message);
    if (severity == Severity::kError && !ctx.rejected) {
      d.rejects_rule = true;
      ctx.rejected = true;
    }
    diagnostics_.push_back(std::move(d));
  }
  void error(Context& ctx, DiagCode code, uint32_t line, std::string message) {
    report(ctx, Severity::kError, code, line, std::move(message));
  }
  void warning(Context& ctx, DiagCode code, uint32_t line, std::string message) {
    report(ctx, Severity::kWarning, code, line, std::move(message));
  }

  bool lower_detection(const DetectionSection& detection, Context& ctx, DetectionIR& ir);
  bool lower_item(const DetectionItem& item, Context& ctx, DetectionIR& ir, uint32_t& test_index);
  bool expand_placeholders(std::vector<SigmaString>& alternatives, const DetectionItem& item,
                           Context& ctx);
  uint32_t add_pattern(const SigmaString& s, bool cased, const DetectionValue& value,
                       bool allow_numeric);
  uint32_t add_regex(const std::string& source, bool ignore_case, bool multiline, bool dot_all,
                     std::string& error);

  // Instantiation for one event source.
  struct Instantiation {
    const DetectionIR* ir = nullptr;
    const DetectionSection* detection = nullptr;
    const SourceGate* gate = nullptr;
    std::map<std::string, uint32_t, std::less<>> identifier_nodes;
  };
  FieldId event_field(const SourceGate& gate, const std::string& sigma_field);
  uint32_t instantiate_test(const TestIR& test, const SourceGate& gate);
  uint32_t identifier_node(Instantiation& inst, std::string_view name);
  uint32_t condition_node(Instantiation& inst, const ConditionNode& node);
  uint32_t detection_root(Instantiation& inst);
  // The node visits one evaluation of the detection's condition makes (an
  // operand shared by several parts counts each time), up to `limit` + 1:
  // known before any node is built.
  static uint64_t condition_visits(const DetectionIR& ir, const DetectionSection& detection,
                                   uint64_t limit);
  uint32_t add_node(NodeKind kind, std::vector<uint32_t> children, uint32_t arg = 0);
  uint32_t gate_index(const SourceGate& gate);

  RuleSet::Impl& impl_;
  FieldNames& names_;
  const CompileOptions& options_;
  std::vector<Diagnostic>& diagnostics_;

  std::unordered_map<std::string, uint32_t> pattern_ids_;
  std::unordered_map<std::string, uint32_t> regex_ids_;
  std::unordered_map<std::string, uint32_t> test_ids_;
  std::unordered_map<std::string, uint32_t> gate_ids_;
};

TimePart time_part_of(Modifier m) {
  switch (m) {
    case Modifier::kMinute: return TimePart::kMinute;
    case Modifier::kHour: return TimePart::kHour;
    case Modifier::kDay: return TimePart::kDay;
    case Modifier::kWeek: return TimePart::kWeek;
    case Modifier::kMonth: return TimePart::kMonth;
    case Modifier::kYear: return TimePart::kYear;
    default: return TimePart::kNone;
  }
}

std::string item_text(const DetectionItem& item) {
  std::string out = item.field;
  for (Modifier m : item.modifiers) {
    out += '|';
    out += modifier_name(m);
  }
  return out;
}

void append_u32(std::string& key, uint32_t v) { key.append(reinterpret_cast<const char*>(&v), 4); }

uint32_t Compiler::add_pattern(const SigmaString& s, bool cased, const DetectionValue& value,
                               bool allow_numeric) {
  Pattern p;
  p.cased = cased;
  if (allow_numeric && value.kind == DetectionValue::Kind::kNumber) {
    if (auto n = parse_number(value.text); n && n->integer) {
      p.numeric = true;
      p.number = n->i;
    }
  }
  size_t begin = 0;
  size_t end = s.size();
  const bool lead = begin < end && s[begin].kind == Piece::Kind::kStar;
  if (lead) ++begin;
  const bool trail = end > begin && s[end - 1].kind == Piece::Kind::kStar;
  if (trail) --end;
  const bool simple = end - begin == 0 || (end - begin == 1 && s[begin].kind == Piece::Kind::kLiteral);
  if (simple) {
    const std::string literal = end > begin ? s[begin].text : std::string();
    p.needle = cased ? literal : folded(literal);
    if (lead && trail) {
      p.shape = p.needle.empty() ? PatternShape::kAny : PatternShape::kContains;
    } else if (lead) {
      p.shape = p.needle.empty() ? PatternShape::kAny : PatternShape::kSuffix;
    } else if (trail) {
      p.shape = p.needle.empty() ? PatternShape::kAny : PatternShape::kPrefix;
    } else {
      p.shape = PatternShape::kExact;
    }
  } else {
    Glob glob;
    glob.anchored_start = !lead;
    glob.anchored_end = !trail;
    GlobSegment segment;
    for (size_t i = begin; i < end; ++i) {
      const Piece& piece = s[i];
      switch (piece.kind) {
        case Piece::Kind::kStar:
          glob.segments.push_back(std::move(segment));
          segment = {};
          break;
        case Piece::Kind::kLiteral:
          segment.atoms.push_back({GlobAtom::Kind::kLiteral, cased ? piece.text : folded(piece.text)});
          break;
        case Piece::Kind::kOne: segment.atoms.push_back({GlobAtom::Kind::kOne, {}}); break;
        case Piece::Kind::kDash: segment.atoms.push_back({GlobAtom::Kind::kDash, {}}); break;
        case Piece::Kind::kPlaceholder: break;  // expanded before
      }
    }
    glob.segments.push_back(std::move(segment));
    p.shape = PatternShape::kGlob;
    std::string key = "g";
    key += glob.anchored_start ? '1' : '0';
    key += glob.anchored_end ? '1' : '0';
    for (const GlobSegment& seg : glob.segments) {
      key += '|';
      for (const GlobAtom& atom : seg.atoms) {
        key += static_cast<char>('a' + static_cast<int>(atom.kind));
        append_u32(key, static_cast<uint32_t>(atom.literal.size()));
        key += atom.literal;
      }
    }
    key += cased ? 'c' : 'i';
    key += p.numeric ? std::to_string(p.number) : std::string();
    auto [it, inserted] = pattern_ids_.try_emplace(key, static_cast<uint32_t>(impl_.patterns.size()));
    if (inserted) {
      p.glob = static_cast<uint32_t>(impl_.globs.size());
      impl_.globs.push_back(std::move(glob));
      impl_.patterns.push_back(std::move(p));
    }
    return it->second;
  }
  std::string key = "p";
  key += static_cast<char>('0' + static_cast<int>(p.shape));
  key += cased ? 'c' : 'i';
  key += p.numeric ? "n" + std::to_string(p.number) : std::string("s");
  key += '|';
  key += p.needle;
  auto [it, inserted] = pattern_ids_.try_emplace(key, static_cast<uint32_t>(impl_.patterns.size()));
  if (inserted) impl_.patterns.push_back(std::move(p));
  return it->second;
}

// `.{N,}`, or `^.{N,}$` without the m flag: a length question (see
// RegexLength). Anything else, including a bound above (`.{N,M}`), is RE2's.
RegexLength length_regex(std::string_view source, bool multiline, bool dot_all) {
  RegexLength rule;
  bool whole = false;
  if (source.size() >= 2 && source.front() == '^' && source.back() == '$') {
    if (multiline) return rule;
    whole = true;
    source = source.substr(1, source.size() - 2);
  }
  if (source.size() < 5 || source.substr(0, 2) != ".{" || source.substr(source.size() - 2) != ",}") {
    return rule;
  }
  const std::string_view digits = source.substr(2, source.size() - 4);
  if (digits.empty() || digits.size() > 6) return rule;
  uint32_t n = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return rule;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  if (n == 0) return rule;
  rule.min_chars = n;
  rule.dot_all = dot_all;
  rule.whole = whole;
  return rule;
}

uint32_t Compiler::add_regex(const std::string& source, bool ignore_case, bool multiline,
                             bool dot_all, std::string& error) {
  std::string key;
  key += ignore_case ? 'i' : '-';
  key += multiline ? 'm' : '-';
  key += dot_all ? 's' : '-';
  key += source;
  auto found = regex_ids_.find(key);
  if (found != regex_ids_.end()) return found->second;
  RE2::Options opt;
  opt.set_log_errors(false);
  opt.set_max_mem(limits::kSigmaMaxRegexMemory);
  opt.set_case_sensitive(!ignore_case);
  opt.set_dot_nl(dot_all);
  // RE2 has no option for multi-line anchors outside POSIX syntax; the
  // inline flag means the same.
  const std::string program = multiline ? "(?m)" + source : source;
  auto re = std::make_unique<RE2>(program, opt);
  if (!re->ok()) {
    error = re->error();
    return kNoIndex;
  }
  const auto index = static_cast<uint32_t>(impl_.regexes.size());
  impl_.regexes.push_back(std::move(re));
  impl_.regex_lengths.push_back(length_regex(source, multiline, dot_all));
  regex_ids_.emplace(std::move(key), index);
  return index;
}

bool Compiler::expand_placeholders(std::vector<SigmaString>& alternatives,
                                   const DetectionItem& item, Context& ctx) {
  std::vector<SigmaString> out;
  for (SigmaString& alt : alternatives) {
    std::vector<SigmaString> partial{SigmaString{}};
    for (Piece& piece : alt) {
      if (piece.kind != Piece::Kind::kPlaceholder) {
        for (SigmaString& p : partial) push_piece(p, piece.kind, piece.text);
        continue;
      }
      const std::vector<std::string>* values =
          options_.placeholders != nullptr ? options_.placeholders->find(piece.text) : nullptr;
      if (values == nullptr) {
        error(ctx, DiagCode::kPlaceholder, item.line,
              "placeholder %" + piece.text + "% in '" + item_text(item) +
                  "' has no value (give one with --config)");
        return false;
      }
      if (partial.size() * values->size() > limits::kSigmaMaxAlternatives) {
        error(ctx, DiagCode::kLimit, item.line,
              "'" + item_text(item) + "' expands to more than " +
                  std::to_string(limits::kSigmaMaxAlternatives) + " values");
        return false;
      }
      std::vector<SigmaString> next;
      for (const SigmaString& p : partial) {
        for (const std::string& v : *values) {
          SigmaString combined = p;
          for (const Piece& q : parse_sigma_string(v, false)) push_piece(combined, q.kind, q.text);
          next.push_back(std::move(combined));
        }
      }
      partial = std::move(next);
    }
    for (SigmaString& p : partial) out.push_back(std::move(p));
    if (out.size() > limits::kSigmaMaxAlternatives) {
      error(ctx, DiagCode::kLimit, item.line,
            "'" + item_text(item) + "' expands to more than " +
                std::to_string(limits::kSigmaMaxAlternatives) + " values");
      return false;
    }
  }
  alternatives = std::move(out);
  return true;
}

// Replaces dash pieces by each of the five dash characters.
bool expand_dashes(std::vector<SigmaString>& alternatives, size_t limit) {
  std::vector<SigmaString> out;
  for (const SigmaString& alt : alternatives) {
    std::vector<SigmaString> partial{SigmaString{}};
    for (const Piece& piece : alt) {
      if (piece.kind != Piece::Kind::kDash) {
        for (SigmaString& p : partial) push_piece(p, piece.kind, piece.text);
        continue;
      }
      if (partial.size() * 5 > limit) return false;
      std::vector<SigmaString> next;
      for (const SigmaString& p : partial) {
        for (std::string_view d : kDashChars) {
          SigmaString combined = p;
          push_literal(combined, d);
          next.push_back(std::move(combined));
        }
      }
      partial = std::move(next);
    }
    for (SigmaString& p : partial) out.push_back(std::move(p));
    if (out.size() > limit) return false;
  }
  alternatives = std::move(out);
  return true;
}

bool Compiler::lower_item(const DetectionItem& item, Context& ctx, DetectionIR& ir,
                          uint32_t& test_index) {
  const std::string text = item_text(item);
  const bool keyword = item.field.empty();
  bool all = false;
  bool cased = false;
  bool neq = false;
  bool exists = false;
  bool re = false;
  bool re_i = false;
  bool re_m = false;
  bool re_s = false;
  bool cidr = false;
  bool fieldref = false;
  bool expand = false;
  std::optional<CompareOp> compare;
  TimePart time = TimePart::kNone;
  int wraps = 0;
  std::vector<Modifier> transforms;
  // The values as written are bounded by the loader; what modifiers,
  // aliases and placeholders make of them is bounded here, per rule, before
  // they are encoded further or compiled.
  auto over_budget = [&](size_t values, size_t bytes) {
    if (ctx.values + values <= limits::kSigmaMaxRuleValues &&
        ctx.value_bytes + bytes <= limits::kSigmaMaxRuleValueBytes) {
      return false;
    }
    error(ctx, DiagCode::kLimit, item.line,
          "'" + item_text(item) + "': the rule's values come to more than " +
              std::to_string(limits::kSigmaMaxRuleValues) + " values or " +
              std::to_string(limits::kSigmaMaxRuleValueBytes / 1024) +
              " KiB once modifiers, aliases and placeholders are applied");
    return true;
  };
  // Checks, then counts the values against the rule's budget.
  auto charge = [&](size_t values, size_t bytes) {
    if (over_budget(values, bytes)) return false;
    ctx.values += values;
    ctx.value_bytes += bytes;
    return true;
  };
  auto bad = [&](std::string message) {
    error(ctx, DiagCode::kModifier, item.line, "'" + text + "': " + message);
    return false;
  };
  for (Modifier m : item.modifiers) {
    switch (m) {
      case Modifier::kContains:
      case Modifier::kStartswith:
      case Modifier::kEndswith:
        ++wraps;
        transforms.push_back(m);
        break;
      case Modifier::kAll: all = true; break;
      case Modifier::kCased: cased = true; break;
      case Modifier::kNeq: neq = true; break;
      case Modifier::kExists: exists = true; break;
      case Modifier::kExpand:
        expand = true;
        transforms.push_back(m);
        break;
      case Modifier::kWindash:
      case Modifier::kBase64:
      case Modifier::kBase64Offset:
      case Modifier::kUtf16le:
      case Modifier::kUtf16be:
      case Modifier::kUtf16:
      case Modifier::kWide: transforms.push_back(m); break;
      case Modifier::kRe: re = true; break;
      case Modifier::kReIgnoreCase:
      case Modifier::kReMultiline:
      case Modifier::kReDotAll:
        if (!re) return bad(std::string("'") + modifier_name(m) + "' must follow 're'");
        (m == Modifier::kReIgnoreCase ? re_i : m == Modifier::kReMultiline ? re_m : re_s) = true;
        break;
      case Modifier::kLt:
      case Modifier::kLte:
      case Modifier::kGt:
      case Modifier::kGte:
        if (compare) return bad("only one of lt, lte, gt, gte");
        compare = m == Modifier::kLt    ? CompareOp::kLt
                  : m == Modifier::kLte ? CompareOp::kLte
                  : m == Modifier::kGt  ? CompareOp::kGt
                                        : CompareOp::kGte;
        break;
      case Modifier::kMinute:
      case Modifier::kHour:
      case Modifier::kDay:
      case Modifier::kWeek:
      case Modifier::kMonth:
      case Modifier::kYear:
        if (time != TimePart::kNone) return bad("only one time part (minute, hour, ...)");
        time = time_part_of(m);
        break;
      case Modifier::kCidr: cidr = true; break;
      case Modifier::kFieldref: fieldref = true; break;
    }
  }
  const int types = int{re} + int{cidr} + int{fieldref} + int{exists} + int{compare.has_value()};
  if (types > 1) return bad("re, cidr, fieldref, exists and lt/lte/gt/gte exclude each other");
  if (wraps > 1) return bad("only one of contains, startswith, endswith");
  if (exists && item.modifiers.size() > 1) return bad("'exists' takes no other modifier");
  const bool value_transforms = transforms.size() > static_cast<size_t>(wraps);
  if ((re || cidr || compare || time != TimePart::kNone) && !transforms.empty()) {
    return bad("contains/startswith/endswith and encodings apply to strings, not to " +
               std::string(re ? "regular expressions" : cidr ? "networks" : "numbers"));
  }
  if (fieldref && value_transforms) return bad("'fieldref' names a field: it cannot be encoded");
  if (time != TimePart::kNone && (re || cidr || fieldref)) {
    return bad("a time part (minute, hour, ...) compares numbers");
  }
  if (keyword && (exists || fieldref || compare || time != TimePart::kNone || cidr || neq)) {
    return bad("this modifier needs a field name");
  }
  if (all && item.values.size() == 1) {
    warning(ctx, DiagCode::kModifier, item.line,
            "'" + text + "': 'all' on a single value (the specification does not allow it)");
  }
  if (cased && (re || cidr || compare || exists)) {
    warning(ctx, DiagCode::kModifier, item.line, "'" + text + "': 'cased' has no effect here");
  }

  TestIR test;
  test.field = item.field;
  test.negate = neq;
  test.time = time;
  if (!keyword) ir.fields.insert(item.field);

  const bool has_null = std::any_of(item.values.begin(), item.values.end(), [](const auto& v) {
    return v.kind == DetectionValue::Kind::kNull;
  });
  if (has_null) {
    if (item.values.size() > 1) {
      error(ctx, DiagCode::kValue, item.line,
            "'" + text + "': null cannot be part of a list of values (use its own selection)");
      return false;
    }
    if (keyword || (!item.modifiers.empty() && !(item.modifiers.size() == 1 && neq))) {
      return bad("null takes no modifier but 'neq'");
    }
    test.kind = TestKind::kNull;
  } else if (exists) {
    const DetectionValue& v = item.values.front();
    const bool yes = v.text == "true" || v.text == "True" || v.text == "TRUE";
    const bool no = v.text == "false" || v.text == "False" || v.text == "FALSE";
    if (item.values.size() != 1 || (!yes && !no)) {
      error(ctx, DiagCode::kValue, item.line, "'" + text + "' needs true or false");
      return false;
    }
    test.kind = yes ? TestKind::kExists : TestKind::kNotExists;
  } else {
    test.kind = TestKind::kValues;
    uint32_t cost = 0;
    for (const DetectionValue& value : item.values) {
      if ((re || cidr || compare || time != TimePart::kNone || fieldref) &&
          !charge(1, value.text.size())) {
        return false;
      }
      if (re) {
        std::string message;
        const uint32_t index = add_regex(value.text, re_i, re_m, re_s, message);
        if (index == kNoIndex) {
          error(ctx, DiagCode::kRegex, value.line,
                "'" + text + "': regular expression '" + value.text +
                    "' cannot be used: " + message + " (RE2 runs in linear time and has no "
                    "lookaround or backreferences)");
          return false;
        }
        test.probes.push_back({ProbeKind::kRegex, index, {}, {}, false});
        cost += 16;
      } else if (cidr) {
        auto net = parse_network(value.text);
        if (!net) {
          error(ctx, DiagCode::kValue, value.line,
                "'" + text + "': '" + value.text + "' is not an IPv4 or IPv6 network");
          return false;
        }
        test.probes.push_back({ProbeKind::kCidr, static_cast<uint32_t>(impl_.networks.size()), {}, {}, false});
        impl_.networks.push_back(*net);
        cost += 4;
      } else if (compare || time != TimePart::kNone) {
        auto number = parse_number(value.text);
        if (!number) {
          error(ctx, DiagCode::kValue, value.line,
                "'" + text + "': '" + value.text + "' is not a number");
          return false;
        }
        test.probes.push_back(
            {ProbeKind::kCompare, static_cast<uint32_t>(impl_.comparisons.size()), {}, {}, false});
        impl_.comparisons.push_back({compare.value_or(CompareOp::kEq), *number});
        cost += time != TimePart::kNone ? 8 : 3;
      } else if (fieldref) {
        ProbeIR probe;
        probe.kind = ProbeKind::kFieldRef;
        probe.ref_field = value.text;
        probe.ref_cased = cased;
        probe.ref_shape = PatternShape::kExact;
        for (Modifier m : transforms) {
          if (m == Modifier::kContains) probe.ref_shape = PatternShape::kContains;
          if (m == Modifier::kStartswith) probe.ref_shape = PatternShape::kPrefix;
          if (m == Modifier::kEndswith) probe.ref_shape = PatternShape::kSuffix;
        }
        if (value.text.empty()) {
          error(ctx, DiagCode::kValue, value.line, "'" + text + "' needs a field name");
          return false;
        }
        ir.fields.insert(value.text);
        test.probes.push_back(std::move(probe));
        cost += 4;
      } else {
        std::vector<SigmaString> alternatives{parse_sigma_string(value.text, expand)};
        for (Modifier m : transforms) {
          switch (m) {
            case Modifier::kContains:
              for (SigmaString& s : alternatives) {
                if (s.empty() || s.front().kind != Piece::Kind::kStar) {
                  s.insert(s.begin(), Piece{Piece::Kind::kStar, {}});
                }
                push_piece(s, Piece::Kind::kStar);
              }
              break;
            case Modifier::kStartswith:
              for (SigmaString& s : alternatives) push_piece(s, Piece::Kind::kStar);
              break;
            case Modifier::kEndswith:
              for (SigmaString& s : alternatives) {
                if (s.empty() || s.front().kind != Piece::Kind::kStar) {
                  s.insert(s.begin(), Piece{Piece::Kind::kStar, {}});
                }
              }
              break;
            case Modifier::kWindash: {
              size_t dashes = 0;
              size_t max_dashes = 0;
              for (SigmaString& s : alternatives) {
                const size_t before = dashes;
                SigmaString out;
                for (const Piece& piece : s) {
                  if (piece.kind != Piece::Kind::kLiteral) {
                    out.push_back(piece);
                    continue;
                  }
                  size_t start = 0;
                  for (size_t i = 0; i < piece.text.size();) {
                    const size_t len = dash_length_at(piece.text, i);
                    if (len == 0) {
                      ++i;
                      continue;
                    }
                    push_literal(out, std::string_view(piece.text).substr(start, i - start));
                    out.push_back({Piece::Kind::kDash, {}});
                    ++dashes;
                    i += len;
                    start = i;
                  }
                  push_literal(out, std::string_view(piece.text).substr(start));
                }
                max_dashes = std::max(max_dashes, dashes - before);
                s = std::move(out);
              }
              // Few dashes: plain alternatives keep the fast literal paths.
              // Many: a dash class inside a glob, one pattern instead of 5^n.
              if (dashes > 0 && max_dashes <= 2) {
                std::vector<SigmaString> copy = alternatives;
                if (expand_dashes(copy, 25 * alternatives.size())) alternatives = std::move(copy);
              }
              break;
            }
            case Modifier::kBase64:
            case Modifier::kBase64Offset:
            case Modifier::kUtf16le:
            case Modifier::kUtf16be:
            case Modifier::kUtf16:
            case Modifier::kWide: {
              if (!expand_dashes(alternatives, limits::kSigmaMaxAlternatives)) {
                error(ctx, DiagCode::kLimit, item.line,
                      "'" + text + "' expands to more than " +
                          std::to_string(limits::kSigmaMaxAlternatives) + " values");
                return false;
              }
              std::vector<SigmaString> out;
              for (const SigmaString& s : alternatives) {
                if (!only_literals(s)) {
                  error(ctx, DiagCode::kModifier, item.line,
                        "'" + text + "': '" + modifier_name(m) +
                            "' cannot encode wildcards or placeholders; put contains/startswith/"
                            "endswith after it");
                  return false;
                }
                const std::string bytes = literal_bytes(s);
                if (m == Modifier::kBase64) {
                  out.push_back({{Piece::Kind::kLiteral, base64_encode(bytes)}});
                } else if (m == Modifier::kBase64Offset) {
                  for (std::string& shifted : base64_offsets(bytes)) {
                    if (!shifted.empty()) out.push_back({{Piece::Kind::kLiteral, std::move(shifted)}});
                  }
                } else {
                  const Utf16Form form = m == Modifier::kUtf16be ? Utf16Form::kBigEndian
                                         : m == Modifier::kUtf16 ? Utf16Form::kWithBom
                                                                 : Utf16Form::kLittleEndian;
                  out.push_back({{Piece::Kind::kLiteral, utf8_to_utf16(bytes, form)}});
                }
              }
              if (out.empty()) {
                error(ctx, DiagCode::kValue, item.line,
                      "'" + text + "': the value is too short for base64offset");
                return false;
              }
              alternatives = std::move(out);
              break;
            }
            case Modifier::kExpand:
              if (!expand_placeholders(alternatives, item, ctx)) return false;
              break;
            default: break;
          }
          if (over_budget(alternatives.size(), text_bytes(alternatives))) return false;
        }
        if (!charge(alternatives.size(), text_bytes(alternatives))) return false;
        if (alternatives.size() > limits::kSigmaMaxAlternatives) {
          error(ctx, DiagCode::kLimit, item.line,
                "'" + text + "' expands to more than " +
                    std::to_string(limits::kSigmaMaxAlternatives) + " values");
          return false;
        }
        for (SigmaString& s : alternatives) {
          if (std::any_of(s.begin(), s.end(),
                          [](const Piece& p) { return p.kind == Piece::Kind::kPlaceholder; })) {
            error(ctx, DiagCode::kPlaceholder, item.line,
                  "'" + text + "': a placeholder is encoded before 'expand' fills it");
            return false;
          }
          // A keyword is looked for inside the text of each field, as in a
          // full-text search, unless a modifier says where.
          if (keyword && wraps == 0) {
            if (s.empty() || s.front().kind != Piece::Kind::kStar) {
              s.insert(s.begin(), Piece{Piece::Kind::kStar, {}});
            }
            push_piece(s, Piece::Kind::kStar);
          }
          const bool numeric = transforms.empty() && !keyword;
          const uint32_t index = add_pattern(s, cased, value, numeric);
          test.probes.push_back({ProbeKind::kPattern, index, {}, {}, false});
          const Pattern& p = impl_.patterns[index];
          cost += p.shape == PatternShape::kGlob ? 6 : p.shape == PatternShape::kContains ? 3 : 2;
        }
      }
      if (all) test.group_ends.push_back(static_cast<uint32_t>(test.probes.size()));
    }
    if (!all) test.group_ends.push_back(static_cast<uint32_t>(test.probes.size()));
    test.cost = std::min<uint32_t>(cost, 10'000) + (keyword ? 32 : 0);
  }
  test_index = static_cast<uint32_t>(ir.tests.size());
  ir.tests.push_back(std::move(test));
  return true;
}

bool Compiler::lower_detection(const DetectionSection& detection, Context& ctx, DetectionIR& ir) {
  for (const SearchIdentifier& id : detection.identifiers) {
    std::vector<std::vector<uint32_t>> alternatives;
    for (const auto& items : id.alternatives) {
      std::vector<uint32_t> tests;
      for (const DetectionItem& item : items) {
        uint32_t index = 0;
        if (!lower_item(item, ctx, ir, index)) return false;
        tests.push_back(index);
      }
      alternatives.push_back(std::move(tests));
    }
    ir.identifiers.emplace(id.name, std::move(alternatives));
  }
  return true;
}

// --- Instantiation ------------------------------------------------------------

FieldId Compiler::event_field(const SourceGate& gate, const std::string& sigma_field) {
  for (const auto& [from, to] : gate.renames) {
    if (from == sigma_field) return names_.intern(to);
  }
  return names_.intern(sigma_field);
}

uint32_t Compiler::instantiate_test(const TestIR& ir, const SourceGate& gate) {
  Test test;
  test.field = ir.field.empty() ? kNoField : event_field(gate, ir.field);
  test.kind = ir.kind;
  test.negate = ir.negate;
  test.time = ir.time;
  test.cost = ir.cost;
  std::string key;
  append_u32(key, test.field);
  key += static_cast<char>(test.kind);
  key += test.negate ? 'n' : '-';
  key += static_cast<char>(test.time);
  std::vector<Probe> probes;
  for (const ProbeIR& p : ir.probes) {
    Probe probe{p.kind, p.index};
    if (p.kind == ProbeKind::kFieldRef) {
      FieldRefProbe ref{event_field(gate, p.ref_field), p.ref_shape, p.ref_cased};
      // Field references are few; sharing them is not worth a map.
      probe.index = static_cast<uint32_t>(impl_.fieldrefs.size());
      impl_.fieldrefs.push_back(ref);
      key += 'f';
      append_u32(key, ref.field);
      key += static_cast<char>(ref.shape);
      key += ref.cased ? 'c' : 'i';
    } else {
      key += static_cast<char>(p.kind);
      append_u32(key, p.index);
    }
    probes.push_back(probe);
  }
  key += '#';
  for (uint32_t end : ir.group_ends) append_u32(key, end);
  auto [it, inserted] = test_ids_.try_emplace(key, static_cast<uint32_t>(impl_.tests.size()));
  if (!inserted) return it->second;
  test.probe_begin = static_cast<uint32_t>(impl_.probes.size());
  impl_.probes.insert(impl_.probes.end(), probes.begin(), probes.end());
  test.probe_end = static_cast<uint32_t>(impl_.probes.size());
  test.group_begin = static_cast<uint32_t>(impl_.group_ends.size());
  for (uint32_t end : ir.group_ends) impl_.group_ends.push_back(test.probe_begin + end);
  test.group_end = static_cast<uint32_t>(impl_.group_ends.size());
  impl_.tests.push_back(test);
  return it->second;
}

uint32_t Compiler::add_node(NodeKind kind, std::vector<uint32_t> children, uint32_t arg) {
  if ((kind == NodeKind::kAnd || kind == NodeKind::kOr) && children.size() == 1) {
    return children.front();
  }
  Node node;
  node.kind = kind;
  node.arg = arg;
  if (kind == NodeKind::kNot) {
    node.arg = children.front();
    node.cost = impl_.nodes[children.front()].cost;
  } else {
    // Cheap operands first: and/or stop at the first decisive one.
    std::stable_sort(children.begin(), children.end(), [&](uint32_t a, uint32_t b) {
      return impl_.nodes[a].cost < impl_.nodes[b].cost;
    });
    node.first = static_cast<uint32_t>(impl_.children.size());
    node.count = static_cast<uint32_t>(children.size());
    uint64_t cost = 0;
    for (uint32_t c : children) cost += impl_.nodes[c].cost;
    node.cost = static_cast<uint32_t>(std::min<uint64_t>(cost, 1u << 30));
    impl_.children.insert(impl_.children.end(), children.begin(), children.end());
  }
  impl_.nodes.push_back(node);
  return static_cast<uint32_t>(impl_.nodes.size() - 1);
}

uint32_t Compiler::identifier_node(Instantiation& inst, std::string_view name) {
  auto cached = inst.identifier_nodes.find(name);
  if (cached != inst.identifier_nodes.end()) return cached->second;
  const auto& alternatives = inst.ir->identifiers.find(name)->second;
  std::vector<uint32_t> ors;
  for (const auto& tests : alternatives) {
    std::vector<uint32_t> ands;
    for (uint32_t t : tests) {
      const uint32_t test = instantiate_test(inst.ir->tests[t], *inst.gate);
      Node leaf;
      leaf.kind = NodeKind::kTest;
      leaf.arg = test;
      leaf.cost = impl_.tests[test].cost;
      impl_.nodes.push_back(leaf);
      ands.push_back(static_cast<uint32_t>(impl_.nodes.size() - 1));
    }
    ors.push_back(add_node(NodeKind::kAnd, std::move(ands)));
  }
  const uint32_t node = add_node(NodeKind::kOr, std::move(ors));
  inst.identifier_nodes.emplace(std::string(name), node);
  return node;
}

uint32_t Compiler::condition_node(Instantiation& inst, const ConditionNode& node) {
  switch (node.kind) {
    case ConditionNode::Kind::kIdentifier: return identifier_node(inst, node.name);
    case ConditionNode::Kind::kNot: return add_node(NodeKind::kNot, {condition_node(inst, node.children[0])});
    case ConditionNode::Kind::kAnd:
    case ConditionNode::Kind::kOr: {
      std::vector<uint32_t> children;
      for (const ConditionNode& child : node.children) children.push_back(condition_node(inst, child));
      return add_node(node.kind == ConditionNode::Kind::kAnd ? NodeKind::kAnd : NodeKind::kOr,
                      std::move(children));
    }
    case ConditionNode::Kind::kOf: {
      std::vector<uint32_t> children;
      for (std::string_view name : identifiers_matching(*inst.detection, node.name, node.them)) {
        children.push_back(identifier_node(inst, name));
      }
      if (node.count == 0) return add_node(NodeKind::kAnd, std::move(children));
      if (node.count == 1) return add_node(NodeKind::kOr, std::move(children));
      return add_node(NodeKind::kAtLeast, std::move(children), node.count);
    }
  }
  return 0;
}

uint64_t Compiler::condition_visits(const DetectionIR& ir, const DetectionSection& detection,
                                    uint64_t limit) {
  std::map<std::string_view, uint64_t> identifier_visits;
  for (const auto& [name, alternatives] : ir.identifiers) {
    uint64_t visits = 1;
    for (const auto& tests : alternatives) visits += 1 + tests.size();
    identifier_visits.emplace(name, visits);
  }
  // Depth is bounded by the loader (kSigmaMaxConditionDepth).
  const auto visit = [&](const auto& self, const ConditionNode& node) -> uint64_t {
    uint64_t visits = 1;
    switch (node.kind) {
      case ConditionNode::Kind::kIdentifier: {
        const auto it = identifier_visits.find(node.name);
        return it == identifier_visits.end() ? 1 : it->second;
      }
      case ConditionNode::Kind::kNot:
      case ConditionNode::Kind::kAnd:
      case ConditionNode::Kind::kOr:
        for (const ConditionNode& child : node.children) {
          visits += self(self, child);
          if (visits > limit) return limit + 1;
        }
        return visits;
      case ConditionNode::Kind::kOf:
        for (std::string_view name : identifiers_matching(detection, node.name, node.them)) {
          const auto it = identifier_visits.find(name);
          visits += it == identifier_visits.end() ? 1 : it->second;
          if (visits > limit) return limit + 1;
        }
        return visits;
    }
    return visits;
  };
  uint64_t visits = 1;
  for (const ConditionNode& c : detection.parsed) {
    visits += visit(visit, c);
    if (visits > limit) return limit + 1;
  }
  return visits;
}

uint32_t Compiler::detection_root(Instantiation& inst) {
  std::vector<uint32_t> conditions;
  for (const ConditionNode& c : inst.detection->parsed) conditions.push_back(condition_node(inst, c));
  return add_node(NodeKind::kOr, std::move(conditions));
}

// A source of several event ids of one channel becomes one source per id,
// so that an event meets one gate for its (channel, id), whose scans serve
// every rule that applies to it. As one gate for Sysmon's 12, 13 and 14 and
// one for 13 alone, both scanned the same registry fields of every event 13.
std::vector<SourceGate> one_event_id_each(std::vector<SourceGate> sources) {
  std::vector<SourceGate> out;
  for (SourceGate& source : sources) {
    const auto& conditions = source.conditions;
    const bool has_channel = std::any_of(conditions.begin(), conditions.end(),
                                         [](const auto& c) { return c.first == "Channel"; });
    const auto event_id = std::find_if(conditions.begin(), conditions.end(),
                                       [](const auto& c) { return c.first == "EventID"; });
    if (!has_channel || event_id == conditions.end() || event_id->second.size() < 2) {
      out.push_back(std::move(source));
      continue;
    }
    const auto at = event_id - conditions.begin();
    for (const std::string& id : event_id->second) {
      SourceGate one = source;
      one.conditions[static_cast<size_t>(at)].second = {id};
      out.push_back(std::move(one));
    }
  }
  return out;
}

uint32_t Compiler::gate_index(const SourceGate& source) {
  Gate gate;
  gate.name = source.name;
  std::string key;
  for (const auto& [field, values] : source.conditions) {
    GateCondition condition;
    condition.field = names_.intern(field);
    for (const std::string& v : values) condition.values.push_back(folded(v));
    std::sort(condition.values.begin(), condition.values.end());
    append_u32(key, condition.field);
    for (const std::string& v : condition.values) {
      append_u32(key, static_cast<uint32_t>(v.size()));
      key += v;
    }
    key += ';';
    gate.conditions.push_back(std::move(condition));
  }
  auto [it, inserted] = gate_ids_.try_emplace(key, static_cast<uint32_t>(impl_.gates.size()));
  if (inserted) impl_.gates.push_back(std::move(gate));
  return it->second;
}

bool logsource_field_compatible(const std::string& filter, const std::string& rule) {
  if (filter.empty()) return true;
  if (filter.size() != rule.size()) return false;
  for (size_t i = 0; i < filter.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(filter[i])) !=
        std::tolower(static_cast<unsigned char>(rule[i]))) {
      return false;
    }
  }
  return true;
}

std::string describe(const Logsource& ls) {
  std::string out;
  auto add = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    if (!out.empty()) out += ", ";
    out += name;
    out += ": ";
    out += value;
  };
  add("product", ls.product);
  add("category", ls.category);
  add("service", ls.service);
  return out.empty() ? std::string("(empty)") : out;
}

namespace {

// Loops and chain depths of the correlations (each names the correlations
// among its rules), in time linear in their number: a walk from every
// correlation, as before, took a minute for a chain of 30,000.
struct ChainCheck {
  // Per correlation in a loop: the reference that names it from inside the
  // loop; empty for the others.
  std::vector<std::string> loop_through;
  // Correlations in the longest chain each one heads, itself included
  // (counted up to kSigmaMaxCorrelationChain + 1; loops count 0).
  std::vector<size_t> depth;
};

ChainCheck check_correlation_chains(
    const std::vector<Correlation>& all,
    const std::map<std::string, const Correlation*, std::less<>>& by_ref) {
  const size_t n = all.size();
  struct Edge {
    size_t to;
    const std::string* ref;
  };
  std::vector<std::vector<Edge>> edges(n);
  for (size_t i = 0; i < n; ++i) {
    for (const std::string& ref : all[i].rules) {
      if (auto it = by_ref.find(ref); it != by_ref.end()) {
        edges[i].push_back({static_cast<size_t>(it->second - all.data()), &ref});
      }
    }
  }
  ChainCheck out;
  out.loop_through.resize(n);
  out.depth.assign(n, 0);
  // Tarjan's strongly connected components, with an explicit stack: a
  // component is complete only after every one it reaches, so depths can be
  // taken as components complete.
  constexpr size_t kUnvisited = SIZE_MAX;
  std::vector<size_t> order(n, kUnvisited), low(n, 0), component(n, 0), stack;
  std::vector<char> on_stack(n, 0);
  size_t visited = 0, components = 0;
  std::vector<char> loop_component;  // per component: a loop?
  struct Frame {
    size_t node;
    size_t next_edge;
  };
  std::vector<Frame> frames;
  for (size_t root = 0; root < n; ++root) {
    if (order[root] != kUnvisited) continue;
    frames.push_back({root, 0});
    order[root] = low[root] = visited++;
    stack.push_back(root);
    on_stack[root] = 1;
    while (!frames.empty()) {
      Frame& frame = frames.back();
      const size_t v = frame.node;
      if (frame.next_edge < edges[v].size()) {
        const size_t w = edges[v][frame.next_edge++].to;
        if (order[w] == kUnvisited) {
          order[w] = low[w] = visited++;
          stack.push_back(w);
          on_stack[w] = 1;
          frames.push_back({w, 0});
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], order[w]);
        }
        continue;
      }
      frames.pop_back();
      if (!frames.empty()) low[frames.back().node] = std::min(low[frames.back().node], low[v]);
      if (low[v] != order[v]) continue;
      size_t size = 0;
      size_t w = 0;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[w] = 0;
        component[w] = components;
        ++size;
      } while (w != v);
      ++components;
      const bool self_loop =
          std::any_of(edges[v].begin(), edges[v].end(), [&](const Edge& e) { return e.to == v; });
      loop_component.push_back(size > 1 || self_loop ? 1 : 0);
      if (loop_component.back()) continue;
      size_t deepest = 0;
      for (const Edge& e : edges[v]) deepest = std::max(deepest, out.depth[e.to]);
      out.depth[v] = std::min(deepest + 1, limits::kSigmaMaxCorrelationChain + 1);
    }
  }
  // Each loop's members, once all have their component.
  for (size_t i = 0; i < n; ++i) {
    for (const Edge& e : edges[i]) {
      if (component[i] == component[e.to] && loop_component[component[e.to]] &&
          out.loop_through[e.to].empty()) {
        out.loop_through[e.to] = *e.ref;
      }
    }
  }
  return out;
}

}  // namespace

void Compiler::run(RuleCollection& collection) {
  impl_.channel = names_.intern("Channel");
  impl_.event_id = names_.intern("EventID");

  // Filters first: their detections are lowered once and attached to the
  // rules they name.
  struct LoweredFilter {
    const Filter* filter;
    DetectionIR ir;
  };
  std::vector<LoweredFilter> filters;
  for (const Filter& f : collection.filters) {
    Context ctx{f.info.file, f.info.id, f.info.title};
    DetectionIR ir;
    if (lower_detection(f.detection, ctx, ir)) filters.push_back({&f, std::move(ir)});
  }

  // Rule ids and names, for filters; duplicate ids are reported.
  const ReferenceIndex by_reference = reference_index(collection.rules);
  std::map<std::string, size_t, std::less<>> first_with_id;
  for (size_t i = 0; i < collection.rules.size(); ++i) {
    Rule& rule = collection.rules[i];
    if (!rule.info.id.empty()) {
      auto [it, inserted] = first_with_id.emplace(rule.info.id, i);
      if (!inserted) {
        Context ctx{rule.info.file, rule.info.id, rule.info.title};
        const Rule& other = collection.rules[it->second];
        warning(ctx, DiagCode::kDuplicate, rule.info.line,
                "rule id also used by " + other.info.file + ":" + std::to_string(other.info.line));
      }
    }
  }
  std::vector<std::vector<const LoweredFilter*>> rule_filters(collection.rules.size());
  for (const LoweredFilter& lf : filters) {
    const Filter& f = *lf.filter;
    Context ctx{f.info.file, f.info.id, f.info.title};
    for (const std::string& ref : f.rules) {
      auto it = by_reference.find(ref);
      if (it == by_reference.end()) {
        warning(ctx, DiagCode::kReference, f.info.line,
                "the filter names rule '" + ref + "', which is not loaded");
        continue;
      }
      for (size_t r : it->second) {
        const Logsource& ls = collection.rules[r].logsource;
        if (!logsource_field_compatible(f.logsource.product, ls.product) ||
            !logsource_field_compatible(f.logsource.category, ls.category) ||
            !logsource_field_compatible(f.logsource.service, ls.service)) {
          warning(ctx, DiagCode::kLogsource, f.info.line,
                  "the filter's logsource (" + describe(f.logsource) + ") differs from rule '" +
                      ref + "' (" + describe(ls) + "); not applied to it");
          continue;
        }
        rule_filters[r].push_back(&lf);
      }
    }
  }

  const SourceGate universal{"any event", {}, {}, std::nullopt};
  std::set<std::string, std::less<>> known;  // ids and names of compiled rules
  for (size_t r = 0; r < collection.rules.size(); ++r) {
    const Rule& rule = collection.rules[r];
    Context ctx{rule.info.file, rule.info.id, rule.info.title};
    DetectionIR ir;
    if (!lower_detection(rule.detection, ctx, ir)) continue;
    // Checked before building: `1 of sel*` written a thousand times over
    // ten thousand selections would take gigabytes as nodes, and each event
    // ten million node visits.
    uint64_t visits = 2 + condition_visits(ir, rule.detection, limits::kSigmaMaxConditionVisits);
    for (const LoweredFilter* lf : rule_filters[r]) {
      visits +=
          1 + condition_visits(lf->ir, lf->filter->detection, limits::kSigmaMaxConditionVisits);
    }
    if (visits > limits::kSigmaMaxConditionVisits) {
      error(ctx, DiagCode::kLimit, rule.detection.condition_line,
            "the condition (with the filters applied to the rule) visits more than " +
                std::to_string(limits::kSigmaMaxConditionVisits) +
                " operands per event: 'x of' patterns over many selections, repeated");
      continue;
    }
    std::vector<SourceGate> sources;
    bool unmapped = false;
    if (options_.resolver) {
      sources = options_.resolver(rule.logsource);
      // Guessing would run e.g. Java-log keyword rules on Windows events:
      // false alerts and time for nothing. The mapping says what a rule means.
      unmapped = sources.empty();
      if (unmapped) {
        warning(ctx, DiagCode::kLogsource, rule.info.line,
                "logsource (" + describe(rule.logsource) +
                    ") is not mapped to any event source: the rule cannot match (a --mapping "
                    "file can map it)");
      }
    } else {
      sources.push_back(universal);
    }
    sources = one_event_id_each(std::move(sources));
    const auto rule_index = static_cast<uint32_t>(impl_.rules.size());
    size_t instances = 0;
    std::set<std::string> missing_fields;
    for (const SourceGate& source : sources) {
      if (source.fields) {
        bool fits = true;
        auto has = [&](const std::string& f) {
          return std::find(source.fields->begin(), source.fields->end(), f) != source.fields->end();
        };
        for (const std::string& f : ir.fields) {
          if (!has(f)) {
            fits = false;
            missing_fields.insert(f);
          }
        }
        for (const LoweredFilter* lf : rule_filters[r]) {
          for (const std::string& f : lf->ir.fields) {
            if (!has(f)) fits = false;
          }
        }
        if (!fits) continue;
      }
      Instantiation inst;
      inst.ir = &ir;
      inst.detection = &rule.detection;
      inst.gate = &source;
      uint32_t root = detection_root(inst);
      if (!rule_filters[r].empty()) {
        std::vector<uint32_t> parts{root};
        for (const LoweredFilter* lf : rule_filters[r]) {
          Instantiation finst;
          finst.ir = &lf->ir;
          finst.detection = &lf->filter->detection;
          finst.gate = &source;
          parts.push_back(add_node(NodeKind::kNot, {detection_root(finst)}));
        }
        root = add_node(NodeKind::kAnd, std::move(parts));
      }
      const uint32_t gate = gate_index(source);
      impl_.gates[gate].instances.push_back(static_cast<uint32_t>(impl_.instances.size()));
      impl_.instances.push_back({rule_index, root});
      ++instances;
    }
    if (instances == 0 && !unmapped) {
      std::string list;
      for (const std::string& f : missing_fields) list += (list.empty() ? "" : ", ") + f;
      warning(ctx, DiagCode::kLogsource, rule.info.line,
              "no event source of logsource (" + describe(rule.logsource) +
                  ") has all the fields the rule uses (missing: " + list + "); it can never match");
    }
    if (!rule.info.id.empty()) known.insert(rule.info.id);
    if (!rule.info.name.empty()) known.insert(rule.info.name);
    impl_.rules.push_back(std::move(collection.rules[r]));
  }
  for (const LoweredFilter& lf : filters) impl_.filters.push_back(*lf.filter);

  // Correlations: every referenced rule must be there (by id or name), and
  // chains must not loop.
  std::map<std::string, const Correlation*, std::less<>> correlations_by_ref;
  for (const Correlation& c : collection.correlations) {
    if (!c.info.id.empty()) correlations_by_ref.emplace(c.info.id, &c);
    if (!c.info.name.empty()) correlations_by_ref.emplace(c.info.name, &c);
  }
  const ChainCheck chains = check_correlation_chains(collection.correlations, correlations_by_ref);
  for (size_t ci = 0; ci < collection.correlations.size(); ++ci) {
    Correlation& c = collection.correlations[ci];
    Context ctx{c.info.file, c.info.id, c.info.title};
    bool ok = true;
    for (const std::string& ref : c.rules) {
      if (!known.contains(ref) && !correlations_by_ref.contains(ref)) {
        error(ctx, DiagCode::kReference, c.info.line,
              "the correlation names rule '" + ref + "', which is not loaded");
        ok = false;
        break;
      }
    }
    if (ok && !chains.loop_through[ci].empty()) {
      error(ctx, DiagCode::kReference, c.info.line,
            "the correlation refers back to itself through '" + chains.loop_through[ci] + "'");
      ok = false;
    }
    if (ok && chains.depth[ci] > limits::kSigmaMaxCorrelationChain) {
      error(ctx, DiagCode::kLimit, c.info.line,
            "the correlation heads a chain of more than " +
                std::to_string(limits::kSigmaMaxCorrelationChain) + " correlations");
      ok = false;
    }
    if (!ok) continue;
    for (const CorrelationAlias& alias : c.aliases) {
      for (const auto& [rule_name, field] : alias.fields) {
        if (std::find(c.rules.begin(), c.rules.end(), rule_name) == c.rules.end()) {
          warning(ctx, DiagCode::kReference, c.info.line,
                  "alias '" + alias.alias + "' names rule '" + rule_name +
                      "', which the correlation does not use");
        }
      }
    }
    impl_.correlations.push_back(c);
  }

  // Index gates by Channel, else by source format: most events then meet
  // only the gates of their own log.
  for (uint32_t g = 0; g < impl_.gates.size(); ++g) {
    const Gate& gate = impl_.gates[g];
    const GateCondition* channel = nullptr;
    const GateCondition* event_id = nullptr;
    const GateCondition* format = nullptr;
    for (const GateCondition& c : gate.conditions) {
      if (c.field == impl_.channel) channel = &c;
      if (c.field == impl_.event_id) event_id = &c;
      if (c.field == field::kSourceFormat) format = &c;
    }
    if (channel != nullptr) {
      for (const std::string& value : channel->values) {
        if (event_id == nullptr) {
          impl_.gates_by_channel[value].push_back(g);
          continue;
        }
        for (const std::string& id : event_id->values) {
          impl_.gates_by_channel[channel_event_key(value, id)].push_back(g);
        }
      }
    } else if (format != nullptr) {
      for (const std::string& value : format->values) impl_.gates_by_format[value].push_back(g);
    } else {
      impl_.unindexed_gates.push_back(g);
    }
  }
  impl_.field_count = static_cast<FieldId>(names_.size());
  impl_.names = &names_;
}

}  // namespace

LogsourceResolver mapping_resolver(const LogsourceMapping& mapping) {
  return [&mapping](const Logsource& logsource) {
    std::vector<SourceGate> gates;
    for (const SourceVariant* v :
         mapping.resolve({logsource.product, logsource.category, logsource.service})) {
      gates.push_back({v->name, v->conditions, v->renames, v->fields});
    }
    return gates;
  };
}

RuleSet::RuleSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuleSet::~RuleSet() = default;

std::span<const Rule> RuleSet::rules() const { return impl_->rules; }
std::span<const Correlation> RuleSet::correlations() const { return impl_->correlations; }
std::span<const Filter> RuleSet::filters() const { return impl_->filters; }
size_t RuleSet::left_out() const { return impl_->left_out; }

RuleSetStats RuleSet::stats() const {
  RuleSetStats s;
  s.rules = impl_->rules.size();
  s.instances = impl_->instances.size();
  s.gates = impl_->gates.size();
  s.tests = impl_->tests.size();
  s.patterns = impl_->patterns.size();
  s.regexes = impl_->regexes.size();
  return s;
}

std::shared_ptr<const RuleSet> RuleSet::compile(RuleCollection collection, FieldNames& names,
                                                const CompileOptions& options,
                                                std::vector<Diagnostic>& diagnostics) {
  for (Diagnostic& d : collection.diagnostics) diagnostics.push_back(std::move(d));
  collection.diagnostics.clear();
  auto impl = std::make_unique<Impl>();
  impl->left_out = static_cast<uint32_t>(apply_selection(collection, options.selection).left_out);
  Compiler compiler(*impl, names, options, diagnostics);
  compiler.run(collection);
  if (!options.literal_prefilter) impl->regex_prechecks.reset();
  if (std::string error; options.literal_prefilter && !build_prefilter(*impl, error)) {
    Diagnostic d;
    d.severity = Severity::kWarning;
    d.code = DiagCode::kLimit;
    d.message = "literal prefilter not built (" + error + "): every rule is tried on every event";
    diagnostics.push_back(std::move(d));
  }
  return std::shared_ptr<const RuleSet>(new RuleSet(std::move(impl)));
}

}  // namespace vigil::detect
