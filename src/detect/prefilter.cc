// Building the literal prefilter (see compiled.h): which literals each test
// needs, which clauses of literals each rule instance needs, and one
// Vectorscan literal database per gate and event field.

#include "prefilter.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include <re2/filtered_re2.h>

#include "vigil/core/limits.h"
#include "vigil/core/value.h"

namespace vigil::detect {

namespace {

// Shortest substring literal scanned for (bytes, folded): what Vectorscan
// finds reliably (prefilter.h).
constexpr size_t kMinScanLiteral = kMinVectorscanLiteral;

// Clauses counted per rule instance: a few of the most selective rule out
// nearly all the work; each more costs a counter step per literal found.
constexpr size_t kMaxInstanceClauses = 4;
// Literals this short hardly rule anything out; this long, they usually do.
constexpr size_t kWeakLiteral = 5;
constexpr size_t kStrongLiteral = 8;

// The literal a pattern cannot match without (folded); empty when there is
// none (numbers, `*` alone, empty values).
std::string pattern_literal(const RuleSet::Impl& set, const Pattern& pattern) {
  // An unquoted integer also equals an integer-typed value whose text may
  // spell it otherwise (0x10 for 16).
  if (pattern.numeric) return {};
  switch (pattern.shape) {
    case PatternShape::kExact:
    case PatternShape::kPrefix:
    case PatternShape::kSuffix:
    case PatternShape::kContains: return pattern.cased ? folded(pattern.needle) : pattern.needle;
    case PatternShape::kGlob: {
      const std::string* longest = nullptr;
      for (const GlobSegment& segment : set.globs[pattern.glob].segments) {
        for (const GlobAtom& atom : segment.atoms) {
          if (atom.kind == GlobAtom::Kind::kLiteral &&
              (longest == nullptr || atom.literal.size() > longest->size())) {
            longest = &atom.literal;
          }
        }
      }
      if (longest == nullptr) return {};
      return pattern.cased ? folded(*longest) : *longest;
    }
    case PatternShape::kAny: return {};
  }
  return {};
}

// Strings one of which must occur (lower-cased) for the regex to match, as
// RE2's own prefilter works them out; empty when the regex can match
// without any. Only ASCII atoms are used: RE2 and vigil lower-case other
// letters by different tables. (RE2's case-insensitive k and s also match
// the Kelvin sign and the long s, which vigil does not fold: the matcher
// trusts no scan of a text holding either.)
std::vector<std::string> regex_atoms(const RE2& regex) {
  re2::FilteredRE2 filter(3);
  int id = 0;
  if (filter.Add(regex.pattern(), regex.options(), &id) != RE2::NoError) return {};
  std::vector<std::string> atoms;
  filter.Compile(&atoms);
  if (atoms.empty()) return {};
  // Does the regex pass the filter with no atom found? Then it needs none.
  std::vector<int> found;
  std::vector<int> passing;
  filter.AllPotentials(found, &passing);
  if (!passing.empty()) return {};
  const auto ascii = [](const std::string& atom) {
    return std::all_of(atom.begin(), atom.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  };
  // An atom the regex cannot pass without, when every other one is found,
  // is required: the longest such atom alone says more than the whole set
  // (`\.exe...werfaultsecure\.exe` needs both, and ".exe" alone would let
  // every command line through).
  const std::string* required = nullptr;
  for (size_t i = 0; i < atoms.size(); ++i) {
    if (!ascii(atoms[i]) || (required != nullptr && atoms[i].size() <= required->size())) continue;
    found.clear();
    for (size_t j = 0; j < atoms.size(); ++j) {
      if (j != i) found.push_back(static_cast<int>(j));
    }
    passing.clear();
    filter.AllPotentials(found, &passing);
    if (passing.empty()) required = &atoms[i];
  }
  if (required != nullptr) return {*required};
  if (!std::all_of(atoms.begin(), atoms.end(), ascii)) return {};
  return atoms;
}

// The pattern Vectorscan is given: end anchors (`$`, `\z`, `\Z` outside a
// character class) become empty groups. The matcher scans texts with NUL
// bytes after them (Vectorscan misses matches near a buffer's end,
// prefilter.h), where an anchored match would no longer be found; without
// its anchors the pattern matches at least what it matched, and these
// databases only ever say no.
std::string without_end_anchors(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size());
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[++i];
      if (!in_class && (e == 'z' || e == 'Z')) {
        out += "(?:)";
      } else {
        out += c;
        out += e;
      }
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      // A `]` first in the class (after an optional `^`) is a member.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (c == '$') {
      out += "(?:)";
      continue;
    }
    out += c;
  }
  return out;
}

// Can Vectorscan read the pattern as RE2 does, on ASCII text? A pure-ASCII
// pattern means the same to RE2 (UTF-8, ASCII Perl classes and case
// folding) as to Vectorscan's byte semantics, where Vectorscan's PCRE
// reading can only match more (`$` before a final newline, \s with \v). A
// non-ASCII character would be one RE2 atom but several Vectorscan bytes
// (`é?` would then require a byte), hence the refusals; the bounds keep
// Vectorscan's compile time and memory small.
bool precheck_pattern(const RE2& re) {
  const RE2::Options& o = re.options();
  if (o.literal() || o.posix_syntax()) return false;
  const std::string& pattern = re.pattern();
  if (pattern.empty() || pattern.size() > limits::kSigmaRegexPrecheckMaxPattern) return false;
  size_t repeats = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const auto c = static_cast<unsigned char>(pattern[i]);
    if (c >= 0x80 || c == 0) return false;
    if (c == '{') {
      // A counted repetition ({n}, {n,}, {n,m}); a brace that is a literal
      // character is counted too, which only refuses more.
      if (++repeats > limits::kSigmaRegexPrecheckMaxRepeats) return false;
      uint32_t bound = 0;
      for (size_t j = i + 1; j < pattern.size() && pattern[j] != '}'; ++j) {
        if (pattern[j] == ',') {
          bound = 0;
        } else if (pattern[j] >= '0' && pattern[j] <= '9') {
          bound = bound * 10 + static_cast<uint32_t>(pattern[j] - '0');
          if (bound > limits::kSigmaRegexPrecheckMaxBound) return false;
        }
      }
      continue;
    }
    if (c != '\\') continue;
    if (++i == pattern.size()) return false;
    const char e = pattern[i];
    if ((e >= '0' && e <= '9') || e == 'x' || e == 'p' || e == 'P' || e == 'C' || e == 'Q') {
      return false;
    }
  }
  return true;
}

// Can a gate scan the regex's prefilter in a field's folded text? That
// text is the field's with ASCII letters lowered, so the prefilter is
// compiled caseless, which matches at least what the regex matches, cased
// or not. A group that clears a flag (`(?-i)`, `(?s-i:`) could make part of
// the pattern cased again, where the folded text no longer holds the
// capitals: refused.
bool regex_prefilter_scannable(const RE2& re) {
  if (!precheck_pattern(re)) return false;
  const std::string& pattern = re.pattern();
  for (size_t at = pattern.find("(?"); at != std::string::npos; at = pattern.find("(?", at + 2)) {
    // An escaped parenthesis is a literal one.
    size_t backslashes = 0;
    for (size_t k = at; k > 0 && pattern[k - 1] == '\\'; --k) ++backslashes;
    if (backslashes % 2 == 1) continue;
    for (size_t k = at + 2; k < pattern.size() && pattern[k] != ':' && pattern[k] != ')'; ++k) {
      if (pattern[k] == '-') return false;
    }
  }
  return true;
}

// What a probe cannot match without: one of these literals (folded) must
// occur in the field. Empty when the probe can match without any.
std::vector<std::string> required_literals(const RuleSet::Impl& set, const Probe& probe) {
  switch (probe.kind) {
    case ProbeKind::kPattern: {
      std::string literal = pattern_literal(set, set.patterns[probe.index]);
      if (literal.empty()) return {};
      return {std::move(literal)};
    }
    case ProbeKind::kRegex: return regex_atoms(*set.regexes[probe.index]);
    case ProbeKind::kCompare:
    case ProbeKind::kCidr:
    case ProbeKind::kFieldRef: return {};
  }
  return {};
}

// The whole-value keys an exact probe accepts: the field's folded text must
// equal one of them, or (numbers) the value's integer must be spelled by
// one. Empty when the probe is not an exact comparison.
std::vector<std::string> exact_keys(const RuleSet::Impl& set, const Probe& probe) {
  if (probe.kind != ProbeKind::kPattern) return {};
  const Pattern& pattern = set.patterns[probe.index];
  if (pattern.shape != PatternShape::kExact || pattern.needle.empty()) return {};
  std::vector<std::string> keys{pattern.cased ? folded(pattern.needle) : pattern.needle};
  if (pattern.numeric) {
    std::string decimal = std::to_string(pattern.number);
    if (decimal != keys.front()) keys.push_back(std::move(decimal));
  }
  return keys;
}

class Builder {
 public:
  explicit Builder(RuleSet::Impl& set) : set_(set) {}

  bool run(std::string& error) {
    literal_groups_of_tests();
    set_.clause_instance.clear();
    set_.instance_clauses.assign(set_.instances.size(), 0);
    group_complete_.assign(set_.literal_groups.size(), true);
    for (uint32_t g = 0; g < set_.gates.size(); ++g) {
      if (!build_gate(set_.gates[g], g, error)) return false;
    }
    if (!build_keyword_unions(error)) return false;
    keep_complete_groups();
    set_.literal_count = static_cast<uint32_t>(literal_text_.size());
    set_.prefilter = true;
    return true;
  }

 private:
  // Literals found by scanning (substrings, regex prefilters) and keys found
  // by looking the whole value up share one id space: the matcher marks
  // them all the same way.
  enum class Kind : uint8_t { kSubstring, kWholeValue, kRegex };
  uint32_t literal(FieldId field, std::string text, Kind kind = Kind::kSubstring,
                   uint32_t regex = 0) {
    auto [it, inserted] =
        literal_ids_.try_emplace({field, kind, text}, static_cast<uint32_t>(literal_text_.size()));
    if (inserted) {
      literal_text_.push_back(std::move(text));
      literal_field_.push_back(field);
      literal_kind_.push_back(kind);
      literal_regex_.push_back(regex);
    }
    return it->second;
  }
  bool whole_value(uint32_t id) const { return literal_kind_[id] == Kind::kWholeValue; }

  // The literal ids one of which the probe cannot match without (on the
  // test's field, or on some field for a keyword); false when it can match
  // without any. A regex no literal anchors is one literal of its own, its
  // prefilter, when Vectorscan may read it so.
  bool probe_literals(FieldId field, const Probe& probe, std::vector<uint32_t>& ids) {
    if (field == kNoField && probe.kind != ProbeKind::kPattern) return false;
    std::vector<std::string> needed = required_literals(set_, probe);
    // A very short literal occurs in nearly every value and makes the
    // whole database slow (each hit is confirmed): such a group is left to
    // evaluation, and instances anchor on another test.
    const bool usable =
        !needed.empty() && std::all_of(needed.begin(), needed.end(), [](const std::string& t) {
          return t.size() >= kMinScanLiteral;
        });
    // Keyword texts are scanned joined by NULs: a literal holding one could
    // be found across two fields.
    if (usable && field == kNoField &&
        std::any_of(needed.begin(), needed.end(),
                    [](const std::string& t) { return t.find('\0') != std::string::npos; })) {
      return false;
    }
    if (usable) {
      for (std::string& text : needed) {
        // A prefix of a literal the value must hold is one too.
        if (text.size() > kMaxVectorscanLiteral) text.resize(kMaxVectorscanLiteral);
        ids.push_back(literal(field, std::move(text)));
      }
      return true;
    }
    if (field == kNoField || probe.kind != ProbeKind::kRegex ||
        set_.regex_lengths[probe.index].min_chars != 0 ||
        !regex_prefilter_scannable(*set_.regexes[probe.index])) {
      return false;
    }
    std::string key = "re:" + std::to_string(probe.index);
    if (!literal_ids_.contains({field, Kind::kRegex, key})) {
      if (regex_literals_ >= limits::kSigmaRegexPrefiltersPerRuleSet) return false;
      ++regex_literals_;
    }
    ids.push_back(literal(field, std::move(key), Kind::kRegex, probe.index));
    return true;
  }

  // A test can use the prefilter when it holds only if each of its groups
  // matches: values of one field, not negated, not on a time part.
  void literal_groups_of_tests() {
    set_.test_literals.assign(set_.tests.size(), {});
    for (size_t t = 0; t < set_.tests.size(); ++t) {
      const Test& test = set_.tests[t];
      if (test.kind != TestKind::kValues || test.negate || test.time != TimePart::kNone) {
        continue;
      }
      TestLiterals literals{static_cast<uint32_t>(set_.literal_groups.size()), 0};
      uint32_t begin = test.probe_begin;
      for (uint32_t g = test.group_begin; g < test.group_end; ++g) {
        const uint32_t end = set_.group_ends[g];
        std::vector<uint32_t> ids;
        // Whole values when every probe is an exact comparison (numbers
        // included, which have no substring to scan for), else substrings;
        // a keyword has no one value to look up.
        bool every_probe = begin < end && test.field != kNoField;
        for (uint32_t p = begin; p < end && every_probe; ++p) {
          every_probe = !exact_keys(set_, set_.probes[p]).empty();
        }
        if (every_probe) {
          for (uint32_t p = begin; p < end; ++p) {
            for (std::string& key : exact_keys(set_, set_.probes[p])) {
              ids.push_back(literal(test.field, std::move(key), Kind::kWholeValue));
            }
          }
        } else {
          every_probe = begin < end;
          for (uint32_t p = begin; p < end && every_probe; ++p) {
            every_probe = probe_literals(test.field, set_.probes[p], ids);
          }
        }
        begin = end;
        if (!every_probe) continue;
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        set_.literal_groups.push_back({static_cast<uint32_t>(set_.group_literals.size()),
                                       static_cast<uint32_t>(ids.size())});
        set_.group_literals.insert(set_.group_literals.end(), ids.begin(), ids.end());
        ++literals.count;
      }
      set_.test_literals[t] = literals;
    }
  }

  using Clause = std::vector<uint32_t>;  // sorted global literal ids

  // Is clause a likelier to rule work out than b? Lower weight (a guess at
  // how often it is met), then fewer literals, then a longer shortest one.
  bool better(const Clause& a, const Clause& b) const {
    const uint32_t wa = weight(a), wb = weight(b);
    if (wa != wb) return wa < wb;
    if (a.size() != b.size()) return a.size() < b.size();
    return shortest(a) > shortest(b);
  }
  // Each literal adds the odds it occurs, by its length: a short one
  // (".exe", "\\") nearly always does, so {".exe"} is met more often than
  // {"\\edr-freeze", "\\edrfreeze"} although it has fewer literals.
  uint32_t weight(const Clause& c) const {
    uint32_t w = 0;
    for (const uint32_t id : c) {
      const size_t n = strength(id);
      w += n < kWeakLiteral ? 16 : n < kStrongLiteral ? 4 : 1;
    }
    return w;
  }
  size_t shortest(const Clause& c) const {
    size_t n = SIZE_MAX;
    for (const uint32_t id : c) n = std::min(n, strength(id));
    return n;
  }
  // A literal's length, which says how rarely it occurs; a regex's
  // prefilter counts as a long literal: a regex no literal anchors is
  // mostly about structure (`\w+`.`\w`, 64 hex digits) that most values
  // lack.
  size_t strength(uint32_t id) const {
    return literal_kind_[id] == Kind::kRegex ? kStrongLiteral : literal_text_[id].size();
  }

  // Best first, each clause once.
  void sort_best_first(std::vector<Clause>& clauses) const {
    std::sort(clauses.begin(), clauses.end(), [&](const Clause& a, const Clause& b) {
      if (better(a, b)) return true;
      if (better(b, a)) return false;
      return a < b;
    });
    clauses.erase(std::unique(clauses.begin(), clauses.end()), clauses.end());
  }

  // Appends clauses the node cannot hold without: each needs one of its
  // literals to occur. Nothing for a node that can hold without any.
  void clauses_of(uint32_t n, std::vector<Clause>& out) {
    const Node& node = set_.nodes[n];
    switch (node.kind) {
      case NodeKind::kTest: {
        const TestLiterals& tl = set_.test_literals[node.arg];
        for (uint32_t g = tl.first; g < tl.first + tl.count; ++g) {
          const LiteralGroup& group = set_.literal_groups[g];
          out.emplace_back(set_.group_literals.begin() + group.first,
                           set_.group_literals.begin() + group.first + group.count);
        }
        return;
      }
      case NodeKind::kAnd:
        for (uint32_t i = 0; i < node.count; ++i) clauses_of(set_.children[node.first + i], out);
        return;
      case NodeKind::kOr:
      case NodeKind::kAtLeast: {
        if (node.count == 0 || (node.kind == NodeKind::kAtLeast && node.arg == 0)) return;
        // Every operand must hold ("all of"), or just the one there is.
        if (node.count == 1 || (node.kind == NodeKind::kAtLeast && node.arg >= node.count)) {
          for (uint32_t i = 0; i < node.count; ++i) clauses_of(set_.children[node.first + i], out);
          return;
        }
        // One operand at least. (A1 and A2) or B needs A1 or B, and A2 or B:
        // the best clause of each operand merged, then each operand's next
        // best ones, each merged with the others' best.
        std::vector<std::vector<Clause>> subs(node.count);
        for (uint32_t i = 0; i < node.count; ++i) {
          clauses_of(set_.children[node.first + i], subs[i]);
          if (subs[i].empty()) return;
          sort_best_first(subs[i]);
          if (subs[i].size() > kMaxInstanceClauses) subs[i].resize(kMaxInstanceClauses);
        }
        const auto merged_with = [&](uint32_t operand, const Clause& clause) {
          Clause merged = clause;
          for (uint32_t j = 0; j < node.count; ++j) {
            if (j == operand) continue;
            merged.insert(merged.end(), subs[j].front().begin(), subs[j].front().end());
          }
          std::sort(merged.begin(), merged.end());
          merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
          return merged;
        };
        out.push_back(merged_with(0, subs[0].front()));
        for (uint32_t i = 0; i < node.count; ++i) {
          for (size_t k = 1; k < subs[i].size(); ++k) out.push_back(merged_with(i, subs[i][k]));
        }
        return;
      }
      case NodeKind::kNot: return;
    }
  }

  // The instance's clauses, best first, at most kMaxInstanceClauses
  // (each is necessary on its own: fewer only rule out less).
  std::vector<Clause> instance_clauses(uint32_t root) {
    std::vector<Clause> clauses;
    clauses_of(root, clauses);
    sort_best_first(clauses);
    // A clause of short literals (".exe", "-e") is met by nearly every
    // event: counting it costs more than it saves when a clause of long
    // ones is there.
    const bool strong = std::any_of(clauses.begin(), clauses.end(),
                                    [&](const Clause& c) { return shortest(c) >= kStrongLiteral; });
    if (strong) {
      std::erase_if(clauses, [&](const Clause& c) { return shortest(c) < kWeakLiteral; });
    }
    if (clauses.size() > kMaxInstanceClauses) clauses.resize(kMaxInstanceClauses);
    return clauses;
  }

  void tests_under(uint32_t n, std::vector<uint32_t>& tests) {
    const Node& node = set_.nodes[n];
    switch (node.kind) {
      case NodeKind::kTest: tests.push_back(node.arg); break;
      case NodeKind::kNot: tests_under(node.arg, tests); break;
      case NodeKind::kAnd:
      case NodeKind::kOr:
      case NodeKind::kAtLeast:
        for (uint32_t i = 0; i < node.count; ++i) tests_under(set_.children[node.first + i], tests);
        break;
    }
  }

  // Only the literals of the clauses are scanned for: the others (filters'
  // literals, the groups an OR's merge left out) would only tell a test
  // false a little sooner, and every literal in a database slows each scan.
  // Whole values are all looked up (one hash lookup per field, whatever
  // their number). A test group can be ruled out only where each of its
  // literals is scanned for or looked up: the others are marked incomplete.
  bool build_gate(Gate& gate, uint32_t gate_index, std::string& error) {
    std::map<FieldId, std::set<uint32_t>> by_field;  // substrings to scan for (kNoField: keywords)
    std::map<FieldId, std::set<uint32_t>> regexes_by_field;  // regex prefilters to scan with
    std::map<FieldId, std::set<uint32_t>> keys_by_field;  // whole values to look up
    std::set<uint32_t> known;  // literals the gate scans for or looks up
    std::set<uint32_t> groups;  // literal groups of the tests under the gate's instances
    std::vector<uint32_t> tests;
    // Per global literal, the clauses of this gate's instances it satisfies.
    std::map<uint32_t, std::vector<uint32_t>> clauses_by_literal;
    for (const uint32_t i : gate.instances) {
      const Instance& inst = set_.instances[i];
      tests.clear();
      tests_under(inst.root, tests);
      for (const uint32_t t : tests) {
        const TestLiterals& tl = set_.test_literals[t];
        for (uint32_t g = tl.first; g < tl.first + tl.count; ++g) groups.insert(g);
      }
      const std::vector<Clause> clauses = instance_clauses(inst.root);
      if (clauses.empty()) gate.unanchored.push_back(i);
      set_.instance_clauses[i] = static_cast<uint32_t>(clauses.size());
      for (const Clause& clause : clauses) {
        const auto c = static_cast<uint32_t>(set_.clause_instance.size());
        set_.clause_instance.push_back(i);
        for (const uint32_t id : clause) {
          clauses_by_literal[id].push_back(c);
          if (whole_value(id)) continue;
          auto& scanned = literal_kind_[id] == Kind::kRegex ? regexes_by_field : by_field;
          scanned[literal_field_[id]].insert(id);
          known.insert(id);
        }
      }
    }
    for (const uint32_t g : groups) {
      const LiteralGroup& group = set_.literal_groups[g];
      for (uint32_t k = group.first; k < group.first + group.count; ++k) {
        const uint32_t id = set_.group_literals[k];
        if (whole_value(id)) {
          keys_by_field[literal_field_[id]].insert(id);
          known.insert(id);
        }
      }
    }
    for (const uint32_t g : groups) {
      const LiteralGroup& group = set_.literal_groups[g];
      for (uint32_t k = group.first; k < group.first + group.count; ++k) {
        if (!known.contains(set_.group_literals[k])) group_complete_[g] = false;
      }
    }
    // The gate's own literal ids: lookup keys, then scanned substrings,
    // field by field.
    std::map<uint32_t, uint32_t> local;
    auto local_id = [&](uint32_t id) {
      auto [it, inserted] = local.try_emplace(id, static_cast<uint32_t>(gate.literal_global.size()));
      if (inserted) gate.literal_global.push_back(id);
      return it->second;
    };
    for (const auto& [field, ids] : keys_by_field) {
      ValueLookup& lookup = gate.lookups.emplace_back();
      lookup.field = field;
      for (const uint32_t id : ids) lookup.keys.emplace(literal_text_[id], local_id(id));
    }
    for (const auto& [field, ids] : by_field) {
      std::vector<std::string_view> texts;
      std::vector<unsigned> match_ids;
      FieldScan& scan = gate.scans.emplace_back();
      scan.field = field;
      if (field == kNoField) {
        scan.kind = ScanKind::kKeywords;
        // Only string-typed fields need joining when no literal could occur
        // in the text of another type (a number, a time, an address).
        scan.strings_only = std::none_of(ids.begin(), ids.end(), [&](uint32_t id) {
          return non_string_text_could_hold(literal_text_[id]);
        });
        KeywordScan& keywords = keyword_scans_.emplace_back();
        keywords.gate = gate_index;
        keywords.scan = static_cast<uint32_t>(gate.scans.size() - 1);
        keywords.strings_only = scan.strings_only;
        for (const uint32_t id : ids)
          keywords.literals.emplace_back(literal_text_[id], local_id(id));
        continue;
      }
      for (const uint32_t id : ids) {
        texts.push_back(literal_text_[id]);
        match_ids.push_back(local_id(id));
      }
      scan.db = compile_literals(texts, match_ids, error);
      if (scan.db == nullptr) return false;
    }
    for (const auto& [field, ids] : regexes_by_field) {
      FieldScan& scan = gate.scans.emplace_back();
      scan.field = field;
      scan.kind = ScanKind::kRegexes;
      std::vector<const RE2*> regexes;
      for (const uint32_t id : ids) {
        regexes.push_back(set_.regexes[literal_regex_[id]].get());
        scan.ids.push_back(local_id(id));
      }
      scan.db = compile_regex_prefilters(regexes, scan.ids, scan.unscanned);
    }
    gate.clause_first.assign(1, 0);
    for (const uint32_t id : gate.literal_global) {
      if (auto it = clauses_by_literal.find(id); it != clauses_by_literal.end()) {
        gate.clause_ids.insert(gate.clause_ids.end(), it->second.begin(), it->second.end());
      }
      gate.clause_first.push_back(static_cast<uint32_t>(gate.clause_ids.size()));
    }
    return true;
  }

  // Which gates with keyword literals one event can meet together: those
  // of one source format, those of one channel, every channel's with the
  // Windows-wide (EVTX) ones, and those tried on every event with all. A
  // union of the gates' keyword literals per such group and joined text
  // (see KeywordUnion).
  bool build_keyword_unions(std::string& error) {
    if (keyword_scans_.empty()) return true;
    std::vector<uint32_t> parent(set_.gates.size());
    for (uint32_t g = 0; g < parent.size(); ++g) parent[g] = g;
    const auto root = [&](uint32_t g) {
      while (parent[g] != g) g = parent[g] = parent[parent[g]];
      return g;
    };
    const auto join = [&](uint32_t a, uint32_t b) {
      a = root(a);
      b = root(b);
      if (a != b) parent[std::max(a, b)] = std::min(a, b);
    };
    const auto join_all = [&](const std::vector<uint32_t>& gates) {
      for (size_t k = 1; k < gates.size(); ++k) join(gates[0], gates[k]);
    };
    for (const auto& [format, gates] : set_.gates_by_format) join_all(gates);
    std::vector<uint32_t> windows;  // gates with a channel, and the EVTX ones
    if (auto it = set_.gates_by_format.find(kEvtxFormat); it != set_.gates_by_format.end()) {
      windows = it->second;
    }
    std::map<std::string_view, std::vector<uint32_t>> by_channel;
    for (uint32_t g = 0; g < set_.gates.size(); ++g) {
      for (const GateCondition& c : set_.gates[g].conditions) {
        if (c.field != set_.channel) continue;
        windows.push_back(g);
        for (const std::string& channel : c.values) by_channel[channel].push_back(g);
      }
    }
    for (const auto& [channel, gates] : by_channel) join_all(gates);
    join_all(windows);
    for (const uint32_t g : set_.unindexed_gates) {
      for (const KeywordScan& k : keyword_scans_) join(g, k.gate);
    }
    // One union per group and joined text, numbered in gate order.
    std::map<std::pair<uint32_t, bool>, uint32_t> union_of;
    std::vector<std::map<std::string, std::vector<KeywordTarget>>> literals;
    for (const KeywordScan& k : keyword_scans_) {
      const auto [it, inserted] = union_of.try_emplace({root(k.gate), k.strings_only},
                                                       static_cast<uint32_t>(literals.size()));
      if (inserted) {
        literals.emplace_back();
        set_.keyword_unions.emplace_back().strings_only = k.strings_only;
      }
      set_.gates[k.gate].scans[k.scan].keyword_union = it->second;
      for (const auto& [text, local] : k.literals)
        literals[it->second][text].push_back({k.gate, local});
    }
    for (size_t u = 0; u < literals.size(); ++u) {
      KeywordUnion& out = set_.keyword_unions[u];
      std::vector<std::string_view> texts;
      std::vector<unsigned> ids;
      out.target_first.assign(1, 0);
      for (const auto& [text, targets] : literals[u]) {
        ids.push_back(static_cast<unsigned>(texts.size()));
        texts.push_back(text);
        out.targets.insert(out.targets.end(), targets.begin(), targets.end());
        out.target_first.push_back(static_cast<uint32_t>(out.targets.size()));
      }
      out.db = compile_literals(texts, ids, error);
      if (out.db == nullptr) return false;
    }
    return true;
  }

  // Each test keeps the groups the matcher can rule it out by.
  void keep_complete_groups() {
    std::vector<LiteralGroup> kept;
    for (TestLiterals& tl : set_.test_literals) {
      const auto first = static_cast<uint32_t>(kept.size());
      for (uint32_t g = tl.first; g < tl.first + tl.count; ++g) {
        if (group_complete_[g]) kept.push_back(set_.literal_groups[g]);
      }
      tl = {first, static_cast<uint32_t>(kept.size()) - first};
    }
    set_.literal_groups = std::move(kept);
  }

  RuleSet::Impl& set_;
  std::vector<bool> group_complete_;
  // Each gate's keyword scan, with its literals and their ids in the gate,
  // until build_keyword_unions gives it a database.
  struct KeywordScan {
    uint32_t gate = 0;
    uint32_t scan = 0;
    bool strings_only = false;
    std::vector<std::pair<std::string, uint32_t>> literals;
  };
  std::vector<KeywordScan> keyword_scans_;
  std::map<std::tuple<FieldId, Kind, std::string>, uint32_t> literal_ids_;
  std::vector<std::string> literal_text_;
  std::vector<FieldId> literal_field_;
  std::vector<Kind> literal_kind_;
  std::vector<uint32_t> literal_regex_;  // kRegex: the regex's index
  size_t regex_literals_ = 0;            // at most kSigmaRegexPrefiltersPerRuleSet
};

}  // namespace

HsDatabase compile_literals(std::span<const std::string_view> literals,
                            std::span<const unsigned> ids, std::string& error) {
  if (literals.size() > limits::kSigmaMaxDatabaseLiterals) {
    error = std::to_string(literals.size()) + " literals in one database, more than the limit of " +
            std::to_string(limits::kSigmaMaxDatabaseLiterals);
    return nullptr;
  }
  std::vector<const char*> texts;
  std::vector<size_t> lengths;
  // Not HS_FLAG_SINGLEMATCH: its per-pattern bookkeeping cost 3% of the
  // matcher's instructions, and a literal found again is skipped by the
  // caller's per-event stamps.
  const std::vector<unsigned> flags(literals.size(), 0);
  for (const std::string_view literal : literals) {
    texts.push_back(literal.data());
    lengths.push_back(literal.size());
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* compile_error = nullptr;
  if (hs_compile_lit_multi(texts.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned>(texts.size()), HS_MODE_BLOCK, nullptr, &db,
                           &compile_error) != HS_SUCCESS) {
    error = compile_error != nullptr ? compile_error->message : "literal database not built";
    if (compile_error != nullptr) hs_free_compile_error(compile_error);
    return nullptr;
  }
  return HsDatabase(db);
}

HsDatabase compile_regex_prefilters(std::span<const RE2* const> regexes,
                                    std::span<const uint32_t> ids,
                                    std::vector<uint32_t>& unscanned) {
  const auto compile = [&](std::span<const size_t> which) -> hs_database_t* {
    std::vector<std::string> texts;
    std::vector<const char*> patterns;
    std::vector<unsigned> flags;
    std::vector<unsigned> match_ids;
    texts.reserve(which.size());
    for (const size_t k : which) {
      texts.push_back(without_end_anchors(regexes[k]->pattern()));
      patterns.push_back(texts.back().c_str());
      unsigned f = HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY | HS_FLAG_CASELESS;
      if (regexes[k]->options().dot_nl()) f |= HS_FLAG_DOTALL;
      flags.push_back(f);
      match_ids.push_back(ids[k]);
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* compile_error = nullptr;
    if (hs_compile_multi(patterns.data(), flags.data(), match_ids.data(),
                         static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr, &db,
                         &compile_error) != HS_SUCCESS) {
      if (compile_error != nullptr) hs_free_compile_error(compile_error);
      return nullptr;
    }
    return db;
  };
  std::vector<size_t> kept(regexes.size());
  for (size_t k = 0; k < kept.size(); ++k) kept[k] = k;
  hs_database_t* db = kept.empty() ? nullptr : compile(kept);
  if (db == nullptr && !kept.empty()) {
    // One compile per pattern finds those Vectorscan refuses (a bounded
    // number of compiles, whatever fails), then the rest are built at once.
    std::vector<size_t> good;
    for (const size_t k : kept) {
      const size_t one[] = {k};
      if (hs_database_t* alone = compile(one)) {
        hs_free_database(alone);
        good.push_back(k);
      } else {
        unscanned.push_back(ids[k]);
      }
    }
    db = good.empty() ? nullptr : compile(good);
    if (db == nullptr) {
      for (const size_t k : good) unscanned.push_back(ids[k]);
    }
  }
  std::sort(unscanned.begin(), unscanned.end());
  return HsDatabase(db);
}

HsDatabase compile_regex_precheck(const RE2& re) {
  if (!precheck_pattern(re)) return nullptr;
  const RE2::Options& o = re.options();
  const std::string pattern = without_end_anchors(re.pattern());
  unsigned flags = HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
  if (!o.case_sensitive()) flags |= HS_FLAG_CASELESS;
  if (o.dot_nl()) flags |= HS_FLAG_DOTALL;
  hs_database_t* db = nullptr;
  hs_compile_error_t* compile_error = nullptr;
  if (hs_compile(pattern.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &compile_error) !=
      HS_SUCCESS) {
    if (compile_error != nullptr) hs_free_compile_error(compile_error);
    return nullptr;
  }
  return HsDatabase(db);
}

bool build_prefilter(RuleSet::Impl& set, std::string& error) {
  if (!Builder(set).run(error)) {
    // Without the prefilter every instance runs and every test is evaluated:
    // slower, never wrong.
    set.prefilter = false;
    set.test_literals.clear();
    set.literal_groups.clear();
    set.group_literals.clear();
    set.clause_instance.clear();
    set.instance_clauses.clear();
    set.keyword_unions.clear();
    for (Gate& gate : set.gates) {
      gate.scans.clear();
      gate.lookups.clear();
      gate.unanchored.clear();
      gate.literal_global.clear();
      gate.clause_first.clear();
      gate.clause_ids.clear();
    }
    return false;
  }
  return true;
}

}  // namespace vigil::detect
