// Running a compiled RuleSet over events. Per event: index the fields by id
// (one pass), find the gates of the event's channel, evaluate the condition
// trees of their rule instances. Field text is decoded and folded at most
// once per event, shared tests are evaluated at most once per event, and all
// scratch is reused: generation counters instead of clearing.

#include "vigil/detect/matcher.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>
#include <vector>

#include "compiled.h"
#include "prefilter.h"
#include "vigil/core/limits.h"
#include "vigil/core/timestamp.h"
#include "vigil/core/utf.h"
#include "vigil/core/value.h"

namespace vigil::detect {

namespace {

struct Occurrence {
  const Value* value = nullptr;
  uint32_t next = kNoIndex;  // next occurrence of the same field
  bool has_text = false;
  bool has_folded = false;
  bool has_bytes = false;
  // The byte values of the folded text, one bit each (folded_bytes).
  uint64_t bytes[4] = {0, 0, 0, 0};
  std::string_view text;
  std::string_view folded;
  std::string text_buffer;
  std::string folded_buffer;
};

// How common each byte is in log text, lower for rarer: what picks the
// bytes lacks_needle_byte checks.
struct Commonness {
  uint8_t of[256] = {};
  constexpr Commonness() {
    for (int c = 0x20; c < 0x80; ++c) of[c] = 1;  // punctuation
    for (int c = '0'; c <= '9'; ++c) of[c] = 2;
    for (const char c : std::string_view("\\.:-_/ ,'\"=()")) of[static_cast<uint8_t>(c)] = 3;
    for (int c = 'a'; c <= 'z'; ++c) of[c] = 4;
    // Controls and bytes of non-ASCII characters stay 0.
  }
};
constexpr Commonness kCommonness{};

// A test group with this many values or more first checks, value by value,
// that the text holds the value's two rarest bytes (Scratch::
// probes_hold): building the text's byte set costs about what a few
// searches do.
constexpr uint32_t kManyProbes = 8;

struct Slot {
  uint32_t generation = 0;
  uint32_t first = kNoIndex;
  uint32_t last = kNoIndex;
};

bool integer_typed(const Value& v) {
  switch (v.type()) {
    case ValueType::kInt8:
    case ValueType::kUInt8:
    case ValueType::kInt16:
    case ValueType::kUInt16:
    case ValueType::kInt32:
    case ValueType::kUInt32:
    case ValueType::kInt64:
    case ValueType::kUInt64:
    case ValueType::kHexInt32:
    case ValueType::kHexInt64:
    case ValueType::kSizeT: return !v.array();
    default: return false;
  }
}

// Of an integer-typed value: is its text the decimal of its to_int() value
// (a value too short for its type has neither)? Then the lookup of the
// text has tried it. The types written as plain numbers are, except
// kUInt64, which to_int() wraps past INT64_MAX; any other (hex, size_t, a
// type added later) gets the decimal looked up as well.
bool integer_text_is_decimal(ValueType type) {
  return is_json_number(type) && type != ValueType::kUInt64;
}

// ISO 8601 week number (1..53) of a civil date.
int64_t iso_week(const CivilTime& c) {
  const int64_t days = days_from_civil(c.year, c.month, c.day);
  // 1970-01-01 was a Thursday; Monday = 0.
  const int64_t weekday = ((days % 7) + 7 + 3) % 7;
  const int64_t thursday = days - weekday + 3;
  const CivilTime th = to_civil(Timestamp{thursday * 86400 * Timestamp::kTicksPerSecond});
  const int64_t jan1 = days_from_civil(th.year, 1, 1);
  return (thursday - jan1) / 7 + 1;
}

}  // namespace

struct Matcher::Scratch {
  const RuleSet::Impl& set;
  const Event* event = nullptr;
  uint32_t generation = 0;
  std::vector<Slot> slots;
  std::vector<Occurrence> occurrences;
  size_t occurrence_count = 0;  // the event's own fields; aliases follow them
  // Per field id seen: the id of its name without spaces when rules use that
  // name ("Source Name" is read as SourceName, as the specification says
  // field names are written), else kNoField. Filled on first sight.
  std::vector<FieldId> alias;
  std::vector<uint8_t> alias_known;
  std::vector<uint32_t> test_generation;
  std::vector<uint8_t> test_value;
  std::vector<uint32_t> gate_generation;
  std::vector<uint32_t> results;
  // Literal prefilter: this event's literals and clauses found so far, the
  // clauses each instance has met, the instances queued to run, and
  // Vectorscan's per-thread scratch.
  hs_scratch_t* hs = nullptr;
  bool scan_failed = false;  // then every instance runs, every test is evaluated
  const Gate* scanning = nullptr;
  std::vector<uint32_t> literal_generation;
  std::vector<uint32_t> clause_generation;
  std::vector<uint32_t> instance_generation;
  std::vector<uint32_t> instance_met;
  std::vector<uint32_t> candidates;
  std::string key;  // a gate index key
  Matcher::Counters counters;
  // Scan memo: per field scan of a gate (memo_base[gate] + its index), a
  // direct-mapped table of values scanned and the literal ids their scan
  // reported, in order. Replaying the ids does what the scan did, and
  // values are compared whole, so the memo changes no result.
  // The ids and the text share one block (ids first, 4-byte aligned, the
  // text the rest), so that a hit reads one heap block, not two.
  struct MemoEntry {
    uint64_t hash = 0;
    uint32_t id_count = 0;
    std::string block;
    std::string_view text() const {
      return std::string_view(block).substr(id_count * sizeof(uint32_t));
    }
  };
  std::vector<uint32_t> memo_base;
  std::vector<std::vector<MemoEntry>> memo;  // allocated on a field scan's first use
  std::vector<uint32_t> recorded;            // ids of the scan being remembered
  bool recording = false;
  static_assert((limits::kSigmaScanMemoSlots & (limits::kSigmaScanMemoSlots - 1)) == 0);
  // Per test: 0 not looked up yet, 1 no keyword database, 2 `keyword_db`
  // holds it, 3 it does and only string-typed fields need scanning.
  std::vector<uint8_t> keyword_state;
  std::vector<const hs_database_t*> keyword_db;
  // Per regex: how often it ran (up to the pre-check threshold), and its
  // pre-check once decided.
  std::vector<uint32_t> regex_uses;
  std::vector<const hs_database_t*> regex_db;
  // The event's folded field texts, NUL-separated: every field, and only
  // the string-typed ones.
  std::string all_fields;
  std::string string_fields;
  uint32_t all_fields_generation = 0;
  uint32_t string_fields_generation = 0;
  // Per keyword union (RuleSet::Impl::keyword_unions): the event whose
  // joined text was last scanned with it, whether that scan completed, and
  // the union literals it found (each once: `seen` stamps).
  struct KeywordPass {
    uint32_t generation = 0;
    bool ok = false;
    std::vector<uint32_t> found;
    std::vector<uint32_t> seen;
  };
  std::vector<KeywordPass> keyword_passes;
  KeywordPass* keyword_pass = nullptr;  // the one being scanned
  // `_source_format` when rules test it. The EVTX reader leaves the field
  // out (every EVTX event would carry the same bytes): an event without it
  // is an EVTX event, so the matcher supplies "evtx".
  FieldId source_format = kNoField;
  Value evtx_format = Value::utf8(kEvtxFormat);

  // Per pattern: 1 << 16 | second << 8 | first, two of its needle's bytes
  // (the same one twice for a one-byte needle) that ordinary text holds
  // least often; 0 for a pattern not matched on its folded text by bytes
  // alone (cased, glob, any, empty, a number, which may also equal an
  // integer spelled otherwise) and for one in no group of kManyProbes.
  std::vector<uint32_t> rare_bytes;

  static uint32_t rare_pair(const Pattern& pattern) {
    if (pattern.cased || pattern.numeric || pattern.needle.empty() ||
        pattern.shape == PatternShape::kGlob || pattern.shape == PatternShape::kAny) {
      return 0;
    }
    // The rarest byte, then the rarest other one (the same for a needle of
    // one byte value).
    const auto* n = reinterpret_cast<const unsigned char*>(pattern.needle.data());
    const size_t size = pattern.needle.size();
    unsigned char first = n[0];
    for (size_t i = 1; i < size; ++i) {
      if (kCommonness.of[n[i]] < kCommonness.of[first]) first = n[i];
    }
    unsigned char second = first;
    for (size_t i = 0; i < size; ++i) {
      if (n[i] != first && (second == first || kCommonness.of[n[i]] < kCommonness.of[second])) {
        second = n[i];
      }
    }
    return 1u << 16 | uint32_t{second} << 8 | first;
  }

  explicit Scratch(const RuleSet::Impl& s) : set(s) {
    slots.resize(s.field_count);
    // Only the patterns of groups probes_hold checks by their bytes.
    rare_bytes.assign(s.patterns.size(), 0);
    for (const Test& t : s.tests) {
      uint32_t begin = t.probe_begin;
      for (uint32_t g = t.group_begin; g < t.group_end; ++g) {
        const uint32_t end = s.group_ends[g];
        for (uint32_t p = begin; end - begin >= kManyProbes && p < end; ++p) {
          const Probe& probe = s.probes[p];
          if (probe.kind == ProbeKind::kPattern) {
            rare_bytes[probe.index] = rare_pair(s.patterns[probe.index]);
          }
        }
        begin = end;
      }
    }
    if (field::kSourceFormat < slots.size()) source_format = field::kSourceFormat;
    test_generation.assign(s.tests.size(), 0);
    keyword_state.assign(s.tests.size(), 0);
    keyword_db.assign(s.tests.size(), nullptr);
    test_value.assign(s.tests.size(), 0);
    regex_uses.assign(s.regexes.size(), 0);
    regex_db.assign(s.regexes.size(), nullptr);
    gate_generation.assign(s.gates.size(), 0);
    memo_base.reserve(s.gates.size());
    uint32_t scans = 0;
    for (const Gate& gate : s.gates) {
      memo_base.push_back(scans);
      scans += static_cast<uint32_t>(gate.scans.size());
    }
    memo.resize(scans);
    if (s.prefilter) {
      for (const Gate& gate : s.gates) {
        for (const FieldScan& scan : gate.scans) {
          if (scan.db != nullptr && hs_alloc_scratch(scan.db.get(), &hs) != HS_SUCCESS) {
            scan_failed = true;
          }
        }
      }
      keyword_passes.resize(s.keyword_unions.size());
      for (size_t k = 0; k < keyword_passes.size(); ++k) {
        const KeywordUnion& u = s.keyword_unions[k];
        if (u.db != nullptr && hs_alloc_scratch(u.db.get(), &hs) != HS_SUCCESS) scan_failed = true;
        keyword_passes[k].seen.assign(u.target_first.size(), 0);
      }
      literal_generation.assign(s.literal_count, 0);
      clause_generation.assign(s.clause_instance.size(), 0);
      instance_generation.assign(s.instances.size(), 0);
      instance_met.assign(s.instances.size(), 0);
    }
  }
  ~Scratch() {
    if (hs != nullptr) hs_free_scratch(hs);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  // Debian 12's Vectorscan (5.4.9) misses matches that end in the last 32
  // bytes or so of a buffer longer than about 64: "mimikatz" beside
  // "sekurlsa", in a text of dots 72 to 400 bytes long, ending 4 to 28
  // bytes before its end, in 4% of the placements; literal and regex
  // databases alike (prefilter.h). So every text is scanned with
  // kScanPadding NUL bytes after it, and only matches that end within the
  // text count: no literal holds a NUL, and regexes reach Vectorscan
  // without their end anchors (without_end_anchors in prefilter.cc).
  static constexpr size_t kScanPadding = 64;
  struct WithinText {
    unsigned long long size;
    match_event_handler inner;
    void* context;
  };
  static int within_text(unsigned int id, unsigned long long from, unsigned long long to,
                         unsigned int flags, void* context) {
    const auto& scan = *static_cast<const WithinText*>(context);
    return to > scan.size ? 0 : scan.inner(id, from, to, flags, scan.context);
  }
  // Scans `text`, which kScanPadding NUL bytes must follow in memory.
  hs_error_t scan_before_padding(const hs_database_t* db, std::string_view text,
                                 match_event_handler on_match, void* context) {
    WithinText scan{text.size(), on_match, context};
    return hs_scan(db, text.data(), static_cast<unsigned>(text.size() + kScanPadding), 0, hs,
                   &Scratch::within_text, &scan);
  }
  // Scans a copy of `text` with the padding after it.
  hs_error_t scan_padded(const hs_database_t* db, std::string_view text,
                         match_event_handler on_match, void* context) {
    padded.assign(text);
    padded.append(kScanPadding, '\0');
    return scan_before_padding(db, std::string_view(padded).substr(0, text.size()), on_match,
                               context);
  }
  std::string padded;

  static int on_literal(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/,
                        unsigned int /*flags*/, void* context) {
    auto& scratch = *static_cast<Scratch*>(context);
    scratch.found_literal(id);
    if (scratch.recording) scratch.recorded.push_back(id);
    return 0;
  }

  // Scans a field value with `db`, or replays what scanning it did last
  // time. False when the scan failed.
  bool scan_value(const FieldScan& fs, uint32_t memo_index, std::string_view t) {
    ++counters.scans;
    counters.scanned_bytes += t.size();
    MemoEntry* entry = nullptr;
    uint64_t hash = 0;
    if (t.size() <= limits::kSigmaScanMemoMaxValueBytes) {
      std::vector<MemoEntry>& table = memo[memo_index];
      if (table.empty()) table.resize(limits::kSigmaScanMemoSlots);
      // 0 marks a slot that holds nothing, and the empty value hashes to 0:
      // without this, an empty value would read an unused slot as a scan
      // that found nothing (a regex matching "" never matched).
      hash = std::max<uint64_t>(StringHash{}(t), 1);
      entry = &table[hash & (limits::kSigmaScanMemoSlots - 1)];
      if (entry->hash == hash && entry->text() == t) {
        const char* ids = entry->block.data();
        for (uint32_t k = 0; k < entry->id_count; ++k) {
          uint32_t id;
          std::memcpy(&id, ids + k * sizeof id, sizeof id);
          found_literal(id);
        }
        return true;
      }
      recorded.clear();
      recording = true;
    }
    const bool ok = scan_padded(fs.db.get(), t, &Scratch::on_literal, this) == HS_SUCCESS;
    recording = false;
    if (entry != nullptr) {
      if (ok) {
        entry->hash = hash;
        entry->id_count = static_cast<uint32_t>(recorded.size());
        entry->block.assign(reinterpret_cast<const char*>(recorded.data()),
                            recorded.size() * sizeof(uint32_t));
        entry->block.append(t);
      } else {
        entry->hash = 0;
        entry->id_count = 0;
        entry->block.clear();
      }
    }
    return ok;
  }

  // A literal of the gate being scanned occurs: mark it, and count the
  // clauses it meets; an instance whose clauses are all met is queued.
  void found_literal(uint32_t local) {
    // Ids come from Vectorscan databases, which a cached rule set brings from
    // disk: an id out of range is ignored, never written through.
    const Gate& gate = *scanning;
    if (local >= gate.literal_global.size()) return;
    literal_generation[gate.literal_global[local]] = generation;
    for (uint32_t k = gate.clause_first[local]; k < gate.clause_first[local + 1]; ++k) {
      const uint32_t c = gate.clause_ids[k];
      if (clause_generation[c] == generation) continue;
      clause_generation[c] = generation;
      const uint32_t i = set.clause_instance[c];
      if (instance_generation[i] != generation) {
        instance_generation[i] = generation;
        instance_met[i] = 0;
      }
      if (++instance_met[i] == set.instance_clauses[i]) candidates.push_back(i);
    }
  }

  // Marks the literals of the gate's fields that occur in this event, and
  // the whole-value keys its fields equal.
  void scan(const Gate& gate) {
    scanning = &gate;
    for (const ValueLookup& lookup : gate.lookups) {
      for (uint32_t occ = first(lookup.field); occ != kNoIndex; occ = occurrences[occ].next) {
        const std::string_view text = folded(occ);
        if (const uint32_t* id = lookup.keys.find(text)) found_literal(*id);
        const Value& v = *occurrences[occ].value;
        if (integer_typed(v) && !integer_text_is_decimal(v.type())) {
          if (auto n = to_int(v)) {
            char digits[24];
            const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, *n);
            const std::string_view decimal(digits, static_cast<size_t>(end - digits));
            // Most integers are spelled in decimal already: looked up above.
            if (ec == std::errc() && decimal != text) {
              if (const uint32_t* id = lookup.keys.find(decimal)) found_literal(*id);
            }
          }
        }
      }
    }
    const uint32_t memo_first = memo_base[static_cast<size_t>(&gate - set.gates.data())];
    for (uint32_t k = 0; k < gate.scans.size(); ++k) {
      const FieldScan& fs = gate.scans[k];
      if (fs.kind == ScanKind::kKeywords) {
        if (occurrence_count > 0 && !keyword_literals(gate, fs.keyword_union)) scan_failed = true;
        continue;
      }
      for (uint32_t occ = first(fs.field); occ != kNoIndex; occ = occurrences[occ].next) {
        const std::string_view t = folded(occ);
        if (fs.kind == ScanKind::kRegexes) {
          for (const uint32_t id : fs.unscanned) found_literal(id);
          // Vectorscan's bytes and RE2's code points part ways outside ASCII.
          if (!is_ascii(t)) {
            for (const uint32_t id : fs.ids) found_literal(id);
            continue;
          }
          if (fs.db == nullptr) continue;
        } else if (!is_ascii(t) && (t.find("\xe2\x84\xaa") != std::string_view::npos ||
                                    t.find("\xc5\xbf") != std::string_view::npos)) {
          // RE2's case-insensitive k and s also match the Kelvin sign and the
          // long s, which folding leaves alone: literals taken from regexes
          // may then be missing from a text a regex matches.
          scan_failed = true;
        }
        if (!scan_value(fs, memo_first + k, t)) scan_failed = true;
      }
    }
  }

  static int on_keyword(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/,
                        unsigned int /*flags*/, void* context) {
    auto& scratch = *static_cast<Scratch*>(context);
    KeywordPass& pass = *scratch.keyword_pass;
    // A cached database's ids are checked like a gate's (found_literal).
    if (id + 1 < pass.seen.size() && pass.seen[id] != scratch.generation) {
      pass.seen[id] = scratch.generation;
      pass.found.push_back(id);
    }
    return 0;
  }

  // Marks the gate's keyword literals that occur in the event's joined
  // text. The text is scanned once per event and keyword union, for the
  // literals of all its gates; each gate then takes its own from what was
  // found. False when the scan failed.
  bool keyword_literals(const Gate& gate, uint32_t union_index) {
    if (union_index >= keyword_passes.size()) return false;
    const KeywordUnion& keywords = set.keyword_unions[union_index];
    KeywordPass& pass = keyword_passes[union_index];
    if (pass.generation != generation) {
      pass.generation = generation;
      pass.found.clear();
      pass.ok = false;
      if (keywords.db != nullptr) {
        const std::string_view joined = joined_fields(keywords.strings_only);
        ++counters.scans;
        counters.scanned_bytes += joined.size();
        keyword_pass = &pass;
        pass.ok = scan_before_padding(keywords.db.get(), joined, &Scratch::on_keyword, this) ==
                  HS_SUCCESS;
      }
    }
    if (!pass.ok) return false;
    const auto g = static_cast<uint32_t>(&gate - set.gates.data());
    for (const uint32_t u : pass.found) {
      for (uint32_t t = keywords.target_first[u]; t < keywords.target_first[u + 1]; ++t) {
        if (keywords.targets[t].gate == g) found_literal(keywords.targets[t].local);
      }
    }
    return true;
  }

  // Every field's folded text (only the string-typed ones' when asked),
  // joined by NULs: built once per event.
  std::string_view joined_fields(bool strings_only) {
    std::string& joined = strings_only ? string_fields : all_fields;
    uint32_t& joined_generation = strings_only ? string_fields_generation : all_fields_generation;
    if (joined_generation != generation) {
      joined_generation = generation;
      joined.clear();
      for (uint32_t occ = 0; occ < occurrence_count; ++occ) {
        if (strings_only && !is_string_type(occurrences[occ].value->type())) continue;
        joined.append(folded(occ));
        joined.push_back('\0');
      }
      joined.append(kScanPadding, '\0');
    }
    // The padding stays after the text, for scan_before_padding.
    return std::string_view(joined).substr(0, joined.size() - kScanPadding);
  }

  // Does the literal prefilter rule the test out? (Only for tests that
  // hold only if every literal group has an occurring literal.)
  bool ruled_out(uint32_t index) const {
    const TestLiterals& tl = set.test_literals[index];
    for (uint32_t g = tl.first; g < tl.first + tl.count; ++g) {
      const LiteralGroup& group = set.literal_groups[g];
      bool any = false;
      for (uint32_t k = group.first; k < group.first + group.count && !any; ++k) {
        any = literal_generation[set.group_literals[k]] == generation;
      }
      if (!any) return true;
    }
    return false;
  }

  FieldId alias_of(FieldId id) {
    if (id >= alias_known.size()) {
      alias_known.resize(id + 1, 0);
      alias.resize(id + 1, kNoField);
    }
    if (alias_known[id] == 0) {
      alias_known[id] = 1;
      if (set.names != nullptr) {
        const std::string_view name = set.names->name(id);
        if (name.find(' ') != std::string_view::npos) {
          std::string stripped;
          for (char c : name) {
            if (c != ' ') stripped.push_back(c);
          }
          auto found = set.names->find(stripped);
          if (found && *found < slots.size()) alias[id] = *found;
        }
      }
    }
    return alias[id];
  }

  void link(uint32_t i, FieldId id) {
    Slot& slot = slots[id];
    if (slot.generation != generation) {
      slot = {generation, i, i};
    } else {
      occurrences[slot.last].next = i;
      slot.last = i;
    }
  }

  // An occurrence after the event's own fields, read under another name.
  void add_occurrence(uint32_t i, const Value* value, FieldId id) {
    if (occurrences.size() <= i) occurrences.resize(i + 1);
    Occurrence& o = occurrences[i];
    o.value = value;
    o.next = kNoIndex;
    o.has_text = false;
    o.has_folded = false;
    o.has_bytes = false;
    link(i, id);
  }

  void begin(const Event& e) {
    event = &e;
    if (++generation == 0) {
      // Wrapped after 2^32 events: start the counters over.
      for (Slot& s : slots) s.generation = 0;
      std::fill(test_generation.begin(), test_generation.end(), 0);
      std::fill(gate_generation.begin(), gate_generation.end(), 0);
      std::fill(literal_generation.begin(), literal_generation.end(), 0);
      std::fill(clause_generation.begin(), clause_generation.end(), 0);
      std::fill(instance_generation.begin(), instance_generation.end(), 0);
      all_fields_generation = 0;
      string_fields_generation = 0;
      for (KeywordPass& pass : keyword_passes) {
        pass.generation = 0;
        std::fill(pass.seen.begin(), pass.seen.end(), 0);
      }
      generation = 1;
    }
    scan_failed = set.prefilter && hs == nullptr;
    const auto fields = e.fields();
    occurrence_count = fields.size();
    if (occurrences.size() < fields.size()) occurrences.resize(fields.size());
    for (uint32_t i = 0; i < fields.size(); ++i) {
      Occurrence& o = occurrences[i];
      o.value = &fields[i].value;
      o.next = kNoIndex;
      o.has_text = false;
      o.has_folded = false;
      o.has_bytes = false;
      const FieldId id = fields[i].name;
      // Fields interned after compilation are in no test: no slot needed.
      if (id < slots.size()) link(i, id);
    }
    // Spaced names a second time, under the name rules use.
    uint32_t extra = static_cast<uint32_t>(fields.size());
    if (source_format != kNoField && slots[source_format].generation != generation) {
      add_occurrence(extra++, &evtx_format, source_format);
    }
    for (uint32_t i = 0; i < fields.size(); ++i) {
      const FieldId to = alias_of(fields[i].name);
      if (to == kNoField) continue;
      add_occurrence(extra++, &fields[i].value, to);
    }
  }

  uint32_t first(FieldId id) const {
    if (id >= slots.size() || slots[id].generation != generation) return kNoIndex;
    return slots[id].first;
  }

  std::string_view text(uint32_t i) {
    Occurrence& o = occurrences[i];
    if (!o.has_text) {
      if (auto view = o.value->utf8_view()) {
        o.text = *view;
      } else {
        o.text_buffer.clear();
        append_text(o.text_buffer, *o.value, TextStyle::kWindows);
        o.text = o.text_buffer;
      }
      o.has_text = true;
    }
    return o.text;
  }

  std::string_view folded(uint32_t i) {
    Occurrence& o = occurrences[i];
    if (!o.has_folded) {
      const Value& v = *o.value;
      if (!o.has_text && v.raw_type == static_cast<uint8_t>(ValueType::kUtf16)) {
        // Most fields are only ever read folded: decode and fold at once.
        o.folded_buffer.clear();
        append_utf16le_folded(o.folded_buffer, v.data, v.size / 2);
        o.folded = o.folded_buffer;
        o.has_folded = true;
        return o.folded;
      }
      const std::string_view t = text(i);
      if (needs_folding(t)) {
        o.folded_buffer.clear();
        append_folded(o.folded_buffer, t);
        o.folded = o.folded_buffer;
      } else {
        o.folded = t;
      }
      o.has_folded = true;
    }
    return o.folded;
  }

  std::optional<Number> number_of(uint32_t i, TimePart time) {
    const Value& v = *occurrences[i].value;
    if (time != TimePart::kNone) {
      std::optional<Timestamp> ts = to_timestamp(v);
      if (!ts || !ts->is_set()) {
        const Timestamp parsed = parse_rfc3339(text(i));
        if (!parsed.is_set()) return std::nullopt;
        ts = parsed;
      }
      const CivilTime c = to_civil(*ts);
      Number n;
      switch (time) {
        case TimePart::kMinute: n.i = c.minute; break;
        case TimePart::kHour: n.i = c.hour; break;
        case TimePart::kDay: n.i = c.day; break;
        case TimePart::kWeek: n.i = iso_week(c); break;
        case TimePart::kMonth: n.i = c.month; break;
        case TimePart::kYear: n.i = c.year; break;
        case TimePart::kNone: break;
      }
      return n;
    }
    if (integer_typed(v)) {
      if (auto i64 = to_int(v)) {
        Number n;
        n.i = *i64;
        return n;
      }
    }
    return parse_number(text(i));
  }

  bool probe(const Probe& p, uint32_t occ, TimePart time) {
    switch (p.kind) {
      case ProbeKind::kPattern: {
        const Pattern& pattern = set.patterns[p.index];
        const std::string_view t = pattern.cased ? text(occ) : folded(occ);
        if (pattern_match(pattern, set.globs, t)) return true;
        if (pattern.numeric && integer_typed(*occurrences[occ].value)) {
          auto n = to_int(*occurrences[occ].value);
          return n && *n == pattern.number;
        }
        return false;
      }
      case ProbeKind::kRegex: {
        const RegexLength& length = set.regex_lengths[p.index];
        const std::string_view t = text(occ);
        if (length.min_chars != 0) return length_match(length, t);
        if (const hs_database_t* db = regex_precheck(p.index); db != nullptr && is_ascii(t)) {
          bool found = false;
          const hs_error_t r = scan_padded(db, t, &Scratch::on_first_match, &found);
          // Anything but a completed scan without a match leaves it to RE2.
          if (r == HS_SUCCESS && !found) return false;
        }
        return RE2::PartialMatch(t, *set.regexes[p.index]);
      }
      case ProbeKind::kCompare: {
        const Comparison& c = set.comparisons[p.index];
        auto n = number_of(occ, time);
        if (!n) return false;
        const int order = compare_numbers(*n, c.value);
        switch (c.op) {
          case CompareOp::kGt: return order > 0;
          case CompareOp::kGte: return order >= 0;
          case CompareOp::kLt: return order < 0;
          case CompareOp::kLte: return order <= 0;
          case CompareOp::kEq: return order == 0;
          case CompareOp::kNeq: return order != 0;
        }
        return false;
      }
      case ProbeKind::kCidr: {
        auto ip = parse_ip(text(occ));
        return ip && set.networks[p.index].contains(*ip);
      }
      case ProbeKind::kFieldRef: {
        const FieldRefProbe& ref = set.fieldrefs[p.index];
        for (uint32_t other = first(ref.field); other != kNoIndex; other = occurrences[other].next) {
          const std::string_view mine = ref.cased ? text(occ) : folded(occ);
          const std::string_view theirs = ref.cased ? text(other) : folded(other);
          if (shape_match(ref.shape, theirs, mine)) return true;
        }
        return false;
      }
    }
    return false;
  }

  // The pre-check of regex `index` once this matcher has run it often
  // enough, else nullptr.
  const hs_database_t* regex_precheck(uint32_t index) {
    uint32_t& uses = regex_uses[index];
    if (uses < limits::kSigmaRegexPrecheckAfterUses) {
      ++uses;
      return nullptr;
    }
    if (uses == limits::kSigmaRegexPrecheckAfterUses) {
      uses = limits::kSigmaRegexPrecheckAfterUses + 1;  // decided, whatever the outcome
      const hs_database_t* db = nullptr;
      if (set.regex_prechecks != nullptr) {
        std::lock_guard lock(set.regex_prechecks->mutex);
        RuleSet::Impl::RegexPrechecks& prechecks = *set.regex_prechecks;
        auto [it, inserted] = prechecks.by_regex.try_emplace(index);
        if (inserted && prechecks.attempts < limits::kSigmaRegexPrechecksPerRuleSet) {
          ++prechecks.attempts;
          it->second = compile_regex_precheck(*set.regexes[index]);
        }
        db = it->second.get();
      }
      if (db != nullptr && hs_alloc_scratch(db, &hs) == HS_SUCCESS) regex_db[index] = db;
    }
    return regex_db[index];
  }

  // The keyword database of test `index`, or nullptr when it has none.
  const hs_database_t* keyword_database(uint32_t index) {
    if (keyword_state[index] != 0) return keyword_db[index];
    keyword_state[index] = 1;
    const Test& t = set.tests[index];
    if (t.field != kNoField || t.kind != TestKind::kValues || t.negate ||
        t.time != TimePart::kNone || t.group_end != t.group_begin + 1 || set.keyword_scans == nullptr) {
      return nullptr;
    }
    const hs_database_t* db = nullptr;
    bool strings_only = false;
    {
      std::lock_guard lock(set.keyword_scans->mutex);
      auto [it, inserted] = set.keyword_scans->by_test.try_emplace(index);
      if (inserted) it->second = build_keyword_scan(t);
      db = it->second.db.get();
      strings_only = it->second.strings_only;
    }
    if (db == nullptr || hs_alloc_scratch(db, &hs) != HS_SUCCESS) return nullptr;
    keyword_state[index] = strings_only ? 3 : 2;
    keyword_db[index] = db;
    return db;
  }

  // One literal per value when every value is a plain, case-insensitive
  // substring; null otherwise (the test is then evaluated value by value).
  RuleSet::Impl::KeywordScan build_keyword_scan(const Test& t) const {
    RuleSet::Impl::KeywordScan scan;
    scan.strings_only = true;
    std::vector<std::string_view> texts;
    std::vector<unsigned> ids;
    for (uint32_t p = t.probe_begin; p < t.probe_end; ++p) {
      const Probe& probe = set.probes[p];
      if (probe.kind != ProbeKind::kPattern) return {};
      const Pattern& pattern = set.patterns[probe.index];
      if (pattern.shape != PatternShape::kContains || pattern.cased || pattern.numeric ||
          pattern.needle.size() < kMinVectorscanLiteral ||
          pattern.needle.size() > kMaxVectorscanLiteral ||
          pattern.needle.find('\0') != std::string::npos) {
        return {};
      }
      if (non_string_text_could_hold(pattern.needle)) {
        scan.strings_only = false;
      }
      texts.push_back(pattern.needle);
      ids.push_back(p);
    }
    if (texts.empty()) return {};
    std::string error;  // not built: the test is evaluated value by value, never wrong
    scan.db = compile_literals(texts, ids, error);
    return scan;
  }

  static int on_first_match(unsigned int, unsigned long long, unsigned long long, unsigned int,
                            void* found) {
    *static_cast<bool*>(found) = true;
    return 1;  // one is enough: stop the scan
  }

  // A keyword test through its database: does some field contain a value?
  // Every field's folded text is scanned at once, joined by NULs (no
  // keyword literal holds one, so none can match across two fields); only
  // the string-typed ones when no value could occur in another's text.
  bool keyword_scan(const hs_database_t* db, bool strings_only) {
    const std::string_view joined = joined_fields(strings_only);
    bool found = false;
    ++counters.scans;
    counters.scanned_bytes += joined.size();
    (void)scan_before_padding(db, joined, &Scratch::on_first_match, &found);
    return found;
  }

  // Which byte values the occurrence's folded text holds: built once, for
  // the tests with many values.
  const uint64_t* folded_bytes(uint32_t i) {
    Occurrence& o = occurrences[i];
    if (!o.has_bytes) {
      // Four sets, one per byte position modulo 4, merged at the end:
      // neighbouring bytes (letters, mostly in the same 64-value word)
      // then never wait for each other's update of the same word, which
      // halved the cycles per byte (3.6 to 1.8 on the bench set's
      // command lines).
      uint64_t sets[4][4] = {};
      const std::string_view text = folded(i);
      const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
      size_t k = 0;
      for (; k + 4 <= text.size(); k += 4) {
        for (size_t lane = 0; lane < 4; ++lane) {
          const unsigned u = bytes[k + lane];
          sets[lane][u >> 6] |= uint64_t{1} << (u & 63);
        }
      }
      for (; k < text.size(); ++k) sets[0][bytes[k] >> 6] |= uint64_t{1} << (bytes[k] & 63);
      for (size_t word = 0; word < 4; ++word) {
        o.bytes[word] = sets[0][word] | sets[1][word] | sets[2][word] | sets[3][word];
      }
      o.has_bytes = true;
    }
    return o.bytes;
  }

  // A folded text lacking a byte of the needle holds no match of a plain
  // pattern: false without a search. Tests listing many short values pay a
  // search per value otherwise (SigmaHQ's homoglyph rules: 33 single
  // letters on every command line). Two bytes of the needle are checked,
  // its rarest (rare_bytes).
  bool lacks_needle_byte(uint32_t pattern, const uint64_t* bytes) const {
    const uint32_t pair = rare_bytes[pattern];
    if (pair == 0) return false;
    const uint32_t a = pair & 0xFF;
    const uint32_t b = (pair >> 8) & 0xFF;
    return (bytes[a >> 6] >> (a & 63) & 1) == 0 || (bytes[b >> 6] >> (b & 63) & 1) == 0;
  }

  // Does one of the probes [begin, end) match occurrence occ? With
  // `check_bytes` (a group of kManyProbes or more), patterns whose needle
  // has a byte the folded text lacks are passed over.
  bool probes_hold(uint32_t begin, uint32_t end, uint32_t occ, TimePart time, bool check_bytes) {
    const uint64_t* bytes = nullptr;
    for (uint32_t p = begin; p < end; ++p) {
      const Probe& pr = set.probes[p];
      if (check_bytes && pr.kind == ProbeKind::kPattern && rare_bytes[pr.index] != 0) {
        if (bytes == nullptr) bytes = folded_bytes(occ);
        if (lacks_needle_byte(pr.index, bytes)) continue;
      }
      if (probe(pr, occ, time)) return true;
    }
    return false;
  }

  // Does some occurrence of the test's field (every field, for keywords)
  // match some probe of [begin, end)?
  bool group_holds(const Test& t, uint32_t begin, uint32_t end) {
    const bool check_bytes = end - begin >= kManyProbes;
    if (t.field == kNoField) {
      for (uint32_t occ = 0; occ < occurrence_count; ++occ) {
        if (probes_hold(begin, end, occ, t.time, check_bytes)) return true;
      }
      return false;
    }
    for (uint32_t occ = first(t.field); occ != kNoIndex; occ = occurrences[occ].next) {
      if (probes_hold(begin, end, occ, t.time, check_bytes)) return true;
    }
    return false;
  }

  bool evaluate_test(const Test& t) {
    const bool present = t.field == kNoField ? occurrence_count > 0 : first(t.field) != kNoIndex;
    switch (t.kind) {
      case TestKind::kExists: return present;
      case TestKind::kNotExists: return !present;
      case TestKind::kNull: {
        bool null = !present;
        for (uint32_t occ = first(t.field); !null && occ != kNoIndex; occ = occurrences[occ].next) {
          null = occurrences[occ].value->is_null();
        }
        return t.negate ? !null : null;
      }
      case TestKind::kValues: break;
    }
    if (!present) return false;
    bool holds = true;
    uint32_t begin = t.probe_begin;
    for (uint32_t g = t.group_begin; g < t.group_end; ++g) {
      const uint32_t end = set.group_ends[g];
      if (!group_holds(t, begin, end)) {
        holds = false;
        break;
      }
      begin = end;
    }
    return t.negate ? !holds : holds;
  }

  bool test(uint32_t index) {
    if (test_generation[index] == generation) return test_value[index] != 0;
    bool value = false;
    if (!(set.prefilter && !scan_failed && ruled_out(index))) {
      ++counters.tests;
      const hs_database_t* keywords = set.tests[index].field == kNoField ? keyword_database(index) : nullptr;
      value = keywords != nullptr ? occurrence_count > 0 && keyword_scan(keywords, keyword_state[index] == 3)
                                  : evaluate_test(set.tests[index]);
    }
    test_generation[index] = generation;
    test_value[index] = value ? 1 : 0;
    return value;
  }

  bool evaluate(uint32_t node_index) {
    const Node& node = set.nodes[node_index];
    switch (node.kind) {
      case NodeKind::kTest: return test(node.arg);
      case NodeKind::kNot: return !evaluate(node.arg);
      case NodeKind::kAnd:
        for (uint32_t i = 0; i < node.count; ++i) {
          if (!evaluate(set.children[node.first + i])) return false;
        }
        return true;
      case NodeKind::kOr:
        for (uint32_t i = 0; i < node.count; ++i) {
          if (evaluate(set.children[node.first + i])) return true;
        }
        return false;
      case NodeKind::kAtLeast: {
        uint32_t hits = 0;
        for (uint32_t i = 0; i < node.count; ++i) {
          if (evaluate(set.children[node.first + i]) && ++hits >= node.arg) return true;
          // Not enough left to reach the threshold.
          if (hits + (node.count - i - 1) < node.arg) return false;
        }
        return false;
      }
    }
    return false;
  }

  bool gate_holds(const Gate& gate) {
    for (const GateCondition& c : gate.conditions) {
      bool any = false;
      for (uint32_t occ = first(c.field); !any && occ != kNoIndex; occ = occurrences[occ].next) {
        const std::string_view t = folded(occ);
        any = std::binary_search(c.values.begin(), c.values.end(), t,
                                 [](std::string_view a, std::string_view b) { return a < b; });
      }
      if (!any) return false;
    }
    return true;
  }

  void run_gate(uint32_t g) {
    if (gate_generation[g] == generation) return;
    gate_generation[g] = generation;
    const Gate& gate = set.gates[g];
    if (!gate_holds(gate)) return;
    ++counters.gates;
    if (!set.prefilter || scan_failed) {
      run_instances(gate.instances);
      return;
    }
    // The instances that can hold: those without a clause, and those whose
    // clauses the scan met.
    candidates.assign(gate.unanchored.begin(), gate.unanchored.end());
    scan(gate);
    if (scan_failed) {
      run_instances(gate.instances);
      return;
    }
    run_instances(candidates);
  }

  void run_instances(const std::vector<uint32_t>& list) {
    counters.candidates += list.size();
    for (const uint32_t i : list) {
      const Instance& inst = set.instances[i];
      if (evaluate(inst.root)) results.push_back(inst.rule);
    }
  }
};

Matcher::Matcher(const RuleSet& rules)
    : rules_(rules), scratch_(std::make_unique<Scratch>(rules.impl())) {}

Matcher::~Matcher() = default;

const Matcher::Counters& Matcher::counters() const { return scratch_->counters; }

std::span<const uint32_t> Matcher::match(const Event& event) {
  Scratch& s = *scratch_;
  const RuleSet::Impl& set = rules_.impl();
  s.begin(event);
  ++s.counters.events;
  s.results.clear();
  for (uint32_t g : set.unindexed_gates) s.run_gate(g);
  if (!set.gates_by_channel.empty()) {
    for (uint32_t occ = s.first(set.channel); occ != kNoIndex; occ = s.occurrences[occ].next) {
      const std::string_view channel = s.folded(occ);
      if (auto it = set.gates_by_channel.find(channel); it != set.gates_by_channel.end()) {
        for (uint32_t g : it->second) s.run_gate(g);
      }
      for (uint32_t id = s.first(set.event_id); id != kNoIndex; id = s.occurrences[id].next) {
        s.key.clear();
        append_channel_event_key(s.key, channel, s.folded(id));
        auto it = set.gates_by_channel.find(s.key);
        if (it == set.gates_by_channel.end()) continue;
        for (uint32_t g : it->second) s.run_gate(g);
      }
    }
  }
  if (!set.gates_by_format.empty()) {
    for (uint32_t occ = s.first(field::kSourceFormat); occ != kNoIndex;
         occ = s.occurrences[occ].next) {
      auto it = set.gates_by_format.find(s.folded(occ));
      if (it == set.gates_by_format.end()) continue;
      for (uint32_t g : it->second) s.run_gate(g);
    }
  }
  if (s.results.size() > 1) {
    std::sort(s.results.begin(), s.results.end());
    s.results.erase(std::unique(s.results.begin(), s.results.end()), s.results.end());
  }
  return s.results;
}

}  // namespace vigil::detect
