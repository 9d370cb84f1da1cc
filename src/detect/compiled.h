#pragma once
// The compiled form of a RuleSet, shared by the compiler (which builds it)
// and the matcher (which runs it). Flat arrays indexed by uint32_t: tests,
// probes and patterns are shared between rules that use the same ones, and
// each event evaluates a shared test at most once.
//
//   gate (event source: Channel/EventID conditions)
//     -> instances (a rule under that source's field renames)
//       -> condition nodes (and/or/not/at-least over tests)
//         -> test (one field, one `field|modifiers: values` item)
//           -> value groups (AND when `all`) of probes (OR)
//             -> pattern / regex / comparison / CIDR / field reference
//
// Literal prefilter (prefilter.cc): most string tests need one of a few
// literals to occur in their field. Per gate and event field, one Vectorscan
// literal database of every such literal marks, in one scan of the field's
// folded text, which literals occur. Then
//   - a rule instance runs only when each of its clauses holds: a clause is
//     a set of literals one of which the instance's condition cannot hold
//     without (the literal groups of the tests it ANDs, one merged set for
//     an OR), counted as they are found; instances with no clause (only a
//     NOT, a regex with no literal, a number...) always run;
//   - a test with a group none of whose literals occurred is false at once.
// Folding keeps every character's length, so a cased needle occurring in the
// text implies its folded form occurs in the folded text: the prefilter
// never turns a match into a miss, it only skips work.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <hs/hs.h>
#include <re2/re2.h>

#include "text.h"
#include "vigil/core/field_names.h"
#include "vigil/detect/rule.h"
#include "vigil/detect/ruleset.h"

namespace vigil::detect {

inline constexpr uint32_t kNoIndex = UINT32_MAX;

enum class PatternShape : uint8_t { kExact, kPrefix, kSuffix, kContains, kAny, kGlob };

// A glob between its stars: literals, single characters (`?`) and the
// windash class (any of - / en dash, em dash, horizontal bar).
struct GlobAtom {
  enum class Kind : uint8_t { kLiteral, kOne, kDash };
  Kind kind = Kind::kLiteral;
  std::string literal;
};
struct GlobSegment {
  std::vector<GlobAtom> atoms;
};
struct Glob {
  bool anchored_start = true;  // no `*` before the first segment
  bool anchored_end = true;    // no `*` after the last segment
  std::vector<GlobSegment> segments;
};

struct Pattern {
  PatternShape shape = PatternShape::kExact;
  bool cased = false;    // compare with the text as is, not its folded form
  bool numeric = false;  // an unquoted integer: also equal to an integer-typed value
  int64_t number = 0;
  std::string needle;    // folded unless cased (empty for kAny and kGlob)
  uint32_t glob = kNoIndex;
};

bool glob_match(const Glob& glob, std::string_view text);
bool pattern_match(const Pattern& pattern, const std::vector<Glob>& globs, std::string_view text);
// Matching on a folded/original text chosen by the caller, by shape only.
bool shape_match(PatternShape shape, std::string_view needle, std::string_view text);

enum class ProbeKind : uint8_t { kPattern, kRegex, kCompare, kCidr, kFieldRef };

// A regular expression that only asks for length, `.{N,}` (optionally
// `^.{N,}$`): counted repetition makes RE2 fall back to its slowest engine
// (milliseconds on a long command line), while counting characters is
// linear and exact.
struct RegexLength {
  uint32_t min_chars = 0;  // 0: not such a regex, RE2 runs it
  bool dot_all = false;    // `.` also matches a newline
  bool whole = false;      // anchored at both ends
};
// Does the text have what the length regex asks for?
bool length_match(const RegexLength& rule, std::string_view text);
struct Probe {
  ProbeKind kind = ProbeKind::kPattern;
  uint32_t index = 0;
};

enum class TimePart : uint8_t { kNone, kMinute, kHour, kDay, kWeek, kMonth, kYear };

struct Comparison {
  CompareOp op = CompareOp::kEq;
  Number value;
};

struct FieldRefProbe {
  FieldId field = kNoField;
  PatternShape shape = PatternShape::kExact;
  bool cased = false;
};

enum class TestKind : uint8_t { kValues, kExists, kNotExists, kNull };

struct Test {
  FieldId field = kNoField;  // kNoField: keyword search over every field
  TestKind kind = TestKind::kValues;
  bool negate = false;       // neq: the field is there and no value matches
  TimePart time = TimePart::kNone;
  // Probes [probe_begin, probe_end) in groups that end at group_ends[i] for
  // i in [group_begin, group_end); the test holds when every group has a
  // probe that matches some occurrence of the field.
  uint32_t probe_begin = 0;
  uint32_t probe_end = 0;
  uint32_t group_begin = 0;
  uint32_t group_end = 0;
  uint32_t cost = 1;
};

enum class NodeKind : uint8_t { kTest, kAnd, kOr, kNot, kAtLeast };
struct Node {
  NodeKind kind = NodeKind::kTest;
  uint32_t arg = 0;    // kTest: test index; kNot: child node; kAtLeast: threshold
  uint32_t first = 0;  // kAnd/kOr/kAtLeast: children[first, first + count)
  uint32_t count = 0;
  uint32_t cost = 1;
};

struct Instance {
  uint32_t rule = 0;
  uint32_t root = 0;
};

struct GateCondition {
  FieldId field = kNoField;
  std::vector<std::string> values;  // folded
};

// A database Vectorscan allocated (compiled, or deserialized by it) goes back
// through hs_free_database; one deserialized into memory of ours (`placed`)
// must not, says its documentation, and is freed as the malloc'd block it is.
struct HsDatabaseFree {
  bool placed = false;
  void operator()(hs_database_t* db) const {
    if (placed) {
      std::free(db);
    } else {
      hs_free_database(db);
    }
  }
};
using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseFree>;

// What a gate's field scan looks for, and in which text.
enum class ScanKind : uint8_t {
  // Substrings of the field's folded text.
  kLiterals,
  // Regexes no literal anchors, in Vectorscan's prefilter mode (a match
  // means the regex may match, none that it does not): each is one
  // literal id, reported when its prefilter matches the field's folded
  // text. Only ASCII text can be scanned so (see compile_regex_precheck);
  // on any other every id counts as found, as do, always, the ids of the
  // regexes Vectorscan would not take (`unscanned`).
  kRegexes,
  // Keyword (field-less) values: substrings of every field's folded text,
  // scanned at once joined by NULs (no keyword literal holds one), only the
  // string-typed fields when `strings_only`. `field` is kNoField.
  kKeywords,
};

// One field of a gate's events, scanned for the literals its tests need.
struct FieldScan {
  FieldId field = kNoField;
  ScanKind kind = ScanKind::kLiterals;
  bool strings_only = false;  // kKeywords
  // Match ids are the gate's own literal ids (Gate::literal_global). Null
  // for a kRegexes scan whose regexes are all unscanned, and for every
  // kKeywords scan: those are served by RuleSet::Impl::keyword_unions.
  HsDatabase db;
  std::vector<uint32_t> ids;        // kRegexes: every local id the scan can report
  std::vector<uint32_t> unscanned;  // kRegexes: local ids always counted as found
  uint32_t keyword_union = 0;       // kKeywords: its RuleSet::Impl::keyword_unions index
};

// The `_source_format` of EVTX events. The EVTX reader leaves the field out,
// and the matcher supplies this value. Gates on it are the Windows-wide ones,
// which the keyword unions group with the channel gates.
inline constexpr std::string_view kEvtxFormat = "evtx";

// A keyword literal's holder: a gate, and the literal's id in that gate.
struct KeywordTarget {
  uint32_t gate = 0;
  uint32_t local = 0;
};

// The keyword literals of gates one event can meet together (the gates of
// one source format, or of Windows channels and the Windows-wide gate), for
// one joined text (every field's, or only the string-typed fields'), in one
// database. An event that meets several of them (a Security event: the
// Windows-wide gate and the Security one) then has its joined text scanned
// once, not once per gate, and each gate takes its own literals from what
// was found; gates no event meets together keep databases of their own
// literals only, which scan faster. Match ids are union literal ids: literal
// u is held by targets[target_first[u], target_first[u + 1]), in gate order.
struct KeywordUnion {
  HsDatabase db;
  bool strings_only = false;  // which joined text (FieldScan::strings_only)
  std::vector<uint32_t> target_first;
  std::vector<KeywordTarget> targets;
};

// Keys looked up per event are short field values (event ids, names):
// eight bytes a step with one multiply each is several times cheaper than
// std::hash's byte-oriented mixing for them, and spreads them as well.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
    uint64_t h = s.size() * kMul;
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      h = (h ^ word) * kMul;
      h ^= h >> 29;
    }
    // The last bytes are read with whole loads: a copy of 1 to 7 bytes into
    // a word stalls the load that follows it (no store forwarding).
    uint64_t tail = 0;
    const size_t n = s.size();
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    if (n >= 8) {
      if (i < n) std::memcpy(&tail, p + n - 8, 8);
    } else if (n >= 4) {
      uint32_t head4;
      uint32_t last4;
      std::memcpy(&head4, p, 4);
      std::memcpy(&last4, p + n - 4, 4);
      tail = uint64_t{head4} << 32 | last4;
    } else if (n > 0) {
      tail = uint64_t{p[0]} << 16 | uint64_t{p[n / 2]} << 8 | p[n - 1];
    }
    h = (h ^ tail) * kMul;
    return static_cast<size_t>(h ^ (h >> 32));
  }
};

// Whole values looked up once per event and gate: open addressing over a
// power-of-two table of slots holding a hash tag and an item index. One
// multiply-hash, a mask, usually one slot and one compare; std::unordered_map
// took a modulo and a walk through separately allocated nodes (4% of a
// detection-dense hunt's profile samples).
class KeyTable {
 public:
  using Item = std::pair<std::string, uint32_t>;
  using const_iterator = std::vector<Item>::const_iterator;
  // False (and nothing changed) when the key is there already.
  bool emplace(std::string key, uint32_t id) {
    if (find(key) != nullptr) return false;
    if ((items_.size() + 1) * 2 > slots_.size()) rehash(std::max<size_t>(16, slots_.size() * 2));
    items_.emplace_back(std::move(key), id);
    place(static_cast<uint32_t>(items_.size() - 1));
    return true;
  }
  const uint32_t* find(std::string_view key) const {
    if (slots_.empty()) return nullptr;
    const uint64_t h = StringHash{}(key);
    const auto tag = static_cast<uint32_t>(h >> 32);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const uint64_t slot = slots_[i];
      if (slot == 0) return nullptr;
      if (static_cast<uint32_t>(slot >> 32) != tag) continue;
      const Item& item = items_[static_cast<uint32_t>(slot) - 1];
      if (item.first == key) return &item.second;
    }
  }
  void reserve(size_t n) {
    items_.reserve(n);
    size_t capacity = 16;
    while (capacity < n * 2) capacity *= 2;
    if (capacity > slots_.size()) rehash(capacity);
  }
  size_t size() const { return items_.size(); }
  // In insertion order.
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }

 private:
  void place(uint32_t index) {
    const uint64_t h = StringHash{}(items_[index].first);
    const size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = (h >> 32 << 32) | (uint64_t{index} + 1);
  }
  void rehash(size_t capacity) {
    slots_.assign(capacity, 0);
    for (uint32_t i = 0; i < items_.size(); ++i) place(i);
  }

  std::vector<Item> items_;
  std::vector<uint64_t> slots_;  // tag << 32 | (item index + 1); 0: empty
};

// One field of a gate's events whose whole value is looked up: tests that
// compare it for equality (EventID: 4624) need one of these keys.
struct ValueLookup {
  FieldId field = kNoField;
  KeyTable keys;  // -> gate literal id
};

struct Gate {
  std::string name;
  std::vector<GateCondition> conditions;
  std::vector<uint32_t> instances;
  // Prefilter: the fields to scan and the values to look up, which report
  // the gate's own literal ids; per gate literal, its global id (for the
  // tests' literal groups) and the clauses it satisfies
  // (clause_ids[clause_first[l], clause_first[l + 1])); the instances with
  // no clause, which always run.
  std::vector<FieldScan> scans;
  std::vector<ValueLookup> lookups;
  std::vector<uint32_t> literal_global;
  std::vector<uint32_t> clause_first;
  std::vector<uint32_t> clause_ids;
  std::vector<uint32_t> unanchored;
};

// A test's literal requirements: each group in [first, first + count) of
// Impl::literal_groups needs one of its literals.
struct TestLiterals {
  uint32_t first = 0;
  uint32_t count = 0;
};
struct LiteralGroup {
  uint32_t first = 0;  // literal ids in Impl::group_literals[first, first + count)
  uint32_t count = 0;
};


// The gate index key of a channel and an event id, both folded: a NUL
// cannot occur in a channel name's key otherwise.
inline void append_channel_event_key(std::string& key, std::string_view channel,
                                     std::string_view event_id) {
  key.append(channel);
  key.push_back('\0');
  key.append(event_id);
}
inline std::string channel_event_key(std::string_view channel, std::string_view event_id) {
  std::string key;
  append_channel_event_key(key, channel, event_id);
  return key;
}

struct RuleSet::Impl {
  std::vector<Rule> rules;
  std::vector<Correlation> correlations;
  uint32_t left_out = 0;  // by CompileOptions::selection
  std::vector<Filter> filters;

  std::vector<Pattern> patterns;
  std::vector<Glob> globs;
  std::vector<std::unique_ptr<RE2>> regexes;
  std::vector<RegexLength> regex_lengths;  // per regex
  std::vector<Comparison> comparisons;
  std::vector<Network> networks;
  std::vector<FieldRefProbe> fieldrefs;
  std::vector<Probe> probes;
  std::vector<uint32_t> group_ends;
  std::vector<Test> tests;
  std::vector<Node> nodes;
  std::vector<uint32_t> children;
  std::vector<Instance> instances;
  std::vector<Gate> gates;

  // Literal prefilter (see the top of this file); off when it could not be built.
  bool prefilter = false;
  uint32_t literal_count = 0;
  std::vector<TestLiterals> test_literals;  // per test
  std::vector<LiteralGroup> literal_groups;
  std::vector<uint32_t> group_literals;
  // Per clause (ids shared by all gates), its instance; per instance, how
  // many clauses it has (0: it always runs).
  std::vector<uint32_t> clause_instance;
  std::vector<uint32_t> instance_clauses;
  // The gates' keyword scans (FieldScan::keyword_union).
  std::vector<KeywordUnion> keyword_unions;

  // Keyword tests (no field: every field of the event) whose values are all
  // plain substrings are answered by one literal scan per field instead of
  // one search per value and field. Their databases are built on first use
  // (a cached rule set need not carry them) and shared by every matcher.
  struct KeywordScan {
    HsDatabase db;  // null: the test does not qualify
    // No value has only characters of kNonStringTextAlphabet, so only
    // string-typed fields need scanning.
    bool strings_only = false;
  };
  struct KeywordScans {
    std::mutex mutex;
    std::unordered_map<uint32_t, KeywordScan> by_test;
  };
  std::unique_ptr<KeywordScans> keyword_scans = std::make_unique<KeywordScans>();

  // Vectorscan pre-checks of the regexes matchers evaluate often (see
  // compile_regex_precheck), by regex index: built on first need, shared.
  // A null database: the regex does not qualify.
  struct RegexPrechecks {
    std::mutex mutex;
    std::unordered_map<uint32_t, HsDatabase> by_regex;
    size_t attempts = 0;  // at most kSigmaRegexPrechecksPerRuleSet
  };
  std::unique_ptr<RegexPrechecks> regex_prechecks = std::make_unique<RegexPrechecks>();

  // Gates with a Channel condition, by each folded channel they accept (and
  // by channel_event_key when they also have an EventID condition: a
  // channel's events then meet only the gates of their own id); the
  // others with a `_source_format` condition by each format they accept
  // (EVTX events, which leave the field out, meet the "evtx" ones); the rest
  // are tried on every event.
  std::unordered_map<std::string, std::vector<uint32_t>, StringHash, std::equal_to<>>
      gates_by_channel;
  std::unordered_map<std::string, std::vector<uint32_t>, StringHash, std::equal_to<>>
      gates_by_format;
  std::vector<uint32_t> unindexed_gates;
  FieldId channel = kNoField;
  FieldId event_id = kNoField;
  FieldId field_count = 0;  // ids below this may appear in tests
  // The run's name table (it outlives the set): the matcher looks up event
  // field names with spaces, which rules spell without them.
  const FieldNames* names = nullptr;
};

}  // namespace vigil::detect
