// The compiled rule-set cache (cache.h).
//
// File layout (host byte order; the key covers the platform):
//   header   magic "VIGILRSC", format version, byte-order mark, key (32),
//            payload size, SHA-256 of the payload (32)
//   payload  field names, rules, correlations, filters, every array of
//            RuleSet::Impl, diagnostics
// Field ids are stored as they were in the compiling run's name table, with
// that table's names; a reading run interns the names and maps the ids. RE2
// programs are stored as pattern and options and compiled again; Vectorscan
// databases are stored serialized.

#include "vigil/detect/cache.h"

#include <fcntl.h>
#include <link.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>
#include <utility>

#include <hs/hs.h>
#include <re2/re2.h>

#include "builtin_mappings.h"
#include "compiled.h"
#include "vigil/core/input.h"
#include "vigil/core/memory.h"
#include "vigil/detect/loader.h"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "unknown"
#endif

namespace vigil::detect {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Threads for `items` pieces of work: no more than `limit` (0: the cores,
// at most 4, as reading and parsing rule files gains little beyond), and
// one per `items_per_worker` so small sets start no thread.
unsigned worker_count(size_t items, size_t items_per_worker, unsigned limit) {
  const unsigned cores = std::max(1u, std::min(std::thread::hardware_concurrency(), 4u));
  const size_t most = limit == 0 ? cores : limit;
  return static_cast<unsigned>(std::min(most, items / items_per_worker + 1));
}

// Runs work(i, worker) for every i < count on `threads` threads; each i
// writes only its own slot, so results do not depend on the thread count.
template <class Work>
void for_each_index(size_t count, unsigned threads, Work work) {
  std::atomic<size_t> next{0};
  auto run = [&](unsigned worker) {
    constexpr size_t kBatch = 16;
    for (size_t begin = next.fetch_add(kBatch); begin < count; begin = next.fetch_add(kBatch)) {
      for (size_t i = begin; i < std::min(begin + kBatch, count); ++i) work(i, worker);
    }
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads; ++t) {
    try {
      helpers.emplace_back(run, t);
    } catch (const std::system_error&) {
      break;  // no thread to be had: fewer do the same work
    }
  }
  run(0);
  for (std::thread& helper : helpers) helper.join();
}

// Any change to what is stored, or to how, must bump this.
constexpr uint32_t kFormatVersion = 6;
constexpr char kMagic[8] = {'V', 'I', 'G', 'I', 'L', 'R', 'S', 'C'};
constexpr uint32_t kByteOrderMark = 0x01020304;
constexpr size_t kHeaderBytes = 8 + 4 + 4 + 32 + 8 + 32;
constexpr const char* kSuffix = ".vrc";
// Nesting of condition trees (as parsed, and compiled into nodes) a cache
// file may hold: well above what the loader's condition depth limit lets
// through, low enough for the recursion that walks them.
constexpr uint32_t kMaxTreeDepth = 4 * limits::kSigmaMaxConditionDepth + 16;
// Nodes one evaluation of a rule may visit (all of SigmaHQ: at most 100).
constexpr uint64_t kMaxNodeVisits = uint64_t{1} << 20;

// --- SHA-256 ---------------------------------------------------------------------

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { reset(); }
  void reset() { ok_ = ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1; }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void add(std::string_view bytes) {
    if (ok_ && !bytes.empty()) ok_ = EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) == 1;
  }
  void add_number(uint64_t v) { add(std::string_view(reinterpret_cast<const char*>(&v), 8)); }
  // Length first: no two sequences of fields hash the same bytes.
  void add_field(std::string_view bytes) {
    add_number(bytes.size());
    add(bytes);
  }
  std::optional<CacheKey> finish() {
    CacheKey out{};
    unsigned int length = 0;
    if (!ok_ || EVP_DigestFinal_ex(ctx_, out.data(), &length) != 1 || length != out.size()) {
      return std::nullopt;
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
  bool ok_ = false;
};

std::optional<CacheKey> sha256(std::string_view bytes) {
  Sha256 h;
  h.add(bytes);
  return h.finish();
}

// --- What the key is made of ----------------------------------------------------

// The GNU build id of the object this code is linked into: a rebuilt vigil
// may compile the same rules differently without any version change.
std::string find_build_id() {
  static const char anchor = 0;
  struct Search {
    uintptr_t address;
    std::string id;
  } search{reinterpret_cast<uintptr_t>(&anchor), {}};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) -> int {
        auto& s = *static_cast<Search*>(data);
        bool here = false;
        for (int i = 0; i < info->dlpi_phnum && !here; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          const uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
          here = ph.p_type == PT_LOAD && s.address >= begin && s.address < begin + ph.p_memsz;
        }
        if (!here) return 0;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          const size_t align = ph.p_align == 8 ? 8 : 4;
          auto pad = [align](size_t n) { return (n + align - 1) / align * align; };
          const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
          const char* end = p + ph.p_memsz;
          while (static_cast<size_t>(end - p) >= sizeof(ElfW(Nhdr))) {
            ElfW(Nhdr) note;
            std::memcpy(&note, p, sizeof note);
            const char* name = p + sizeof note;
            const char* desc = name + pad(note.n_namesz);
            if (desc > end || static_cast<size_t>(end - desc) < note.n_descsz) break;
            if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
                std::memcmp(name, "GNU", 4) == 0) {
              s.id.assign(desc, note.n_descsz);
              return 1;
            }
            p = desc + pad(note.n_descsz);
          }
        }
        return 1;
      },
      &search);
  return search.id;
}

const std::string& build_id() {
  static const std::string id = find_build_id();
  return id;
}

struct RuleSource {
  std::string path;
  std::string text;
  CacheKey digest{};  // of path and text
  std::string error;
};

// The rule files load_rules would read, in its order, with their bytes;
// `why` is set when they cannot be cached (load_rules then reports why).
struct RuleSources {
  std::vector<RuleSource> files;
  uint64_t bytes = 0;
  std::string why;
};

void read_and_digest(RuleSource& source, Sha256& h) {
  auto text = read_file(source.path, limits::kSigmaMaxFileBytes);
  if (!text.ok()) {
    source.error = source.path + ": " +
                   (text.error().code == Errc::kLimitExceeded ? "over the rule file size limit"
                                                               : text.error().message);
    return;
  }
  source.text = std::move(text.value());
  h.reset();
  h.add_field(source.path);
  h.add_field(source.text);
  if (auto digest = h.finish()) {
    source.digest = *digest;
  } else {
    source.error = "no SHA-256 from OpenSSL";
  }
}

RuleSources read_rule_sources(const std::vector<std::string>& paths, unsigned thread_limit) {
  RuleSources out;
  std::vector<Error> errors;
  const std::vector<std::string> files = list_rule_files(paths, errors);
  if (!errors.empty()) {
    out.why = errors.front().to_string();
    return out;
  }
  for (const std::string& path : files) out.files.push_back({path, {}, {}, {}});
  // Thousands of small files: opening and reading them is most of the cost
  // of a cache hit, and spreads over cores. Each file's digest goes to its
  // own slot, so the key does not depend on the thread count.
  const unsigned threads = worker_count(out.files.size(), 256, thread_limit);
  std::vector<Sha256> hashers(threads);
  for_each_index(out.files.size(), threads, [&](size_t i, unsigned worker) {
    read_and_digest(out.files[i], hashers[worker]);
  });
  for (const RuleSource& source : out.files) {
    if (!source.error.empty()) {
      out.why = source.error;
      return out;
    }
    out.bytes += source.text.size();
  }
  return out;
}

// An input the key cannot stand for: placeholders made in code rather than
// read from a file would give every such set the same key.
std::string unkeyed_input(const CompileOptions& options, const CacheOptions& cache) {
  if (options.placeholders != nullptr && options.placeholders->size() > 0 &&
      cache.placeholder_text.empty()) {
    return "placeholders without the text they were read from (CacheOptions::placeholder_text)";
  }
  return {};
}

std::optional<CacheKey> compute_key(const RuleSources& sources, const CompileOptions& options,
                                    const CacheOptions& cache) {
  Sha256 h;
  h.add_field("vigil compiled rule set");
  h.add_number(kFormatVersion);
  h.add_field(VIGIL_VERSION);
  h.add_field(build_id());
  // Vectorscan databases are built for this library and this CPU.
  h.add_field(hs_version());
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) == HS_SUCCESS) {
    h.add_number(platform.tune);
    h.add_number(platform.cpu_features);
  }
  h.add_number(options.literal_prefilter ? 1 : 0);
  h.add_field(options.selection.key());
  h.add_number(options.placeholders != nullptr ? 1 : 0);
  h.add_field(cache.placeholder_text);
  h.add_number(options.resolver ? 1 : 0);
  h.add_number(builtin_mappings::count());
  for (size_t i = 0; i < builtin_mappings::count(); ++i) {
    h.add_field(builtin_mappings::name(i));
    h.add_field(builtin_mappings::text(i));
  }
  h.add_field(cache.mapping_text);
  h.add_number(sources.files.size());
  for (const RuleSource& file : sources.files) {
    h.add(std::string_view(reinterpret_cast<const char*>(file.digest.data()), file.digest.size()));
  }
  return h.finish();
}

// --- Encoding ----------------------------------------------------------------------

class Writer {
 public:
  std::string out;
  bool ok = true;  // false once something does not fit the format's 32-bit sizes

  void u8(uint8_t v) { out.push_back(static_cast<char>(v)); }
  void flag(bool v) { u8(v ? 1 : 0); }
  template <class E>
  void e(E v) {
    u8(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void i64(int64_t v) { raw(&v, 8); }
  void f64(double v) { raw(&v, 8); }
  void size(size_t n) {
    if (n > UINT32_MAX) ok = false;
    u32(static_cast<uint32_t>(n));
  }
  void str(std::string_view s) {
    size(s.size());
    out.append(s);
  }
  void strs(const std::vector<std::string>& v) {
    size(v.size());
    for (const std::string& s : v) str(s);
  }
  void u32s(const std::vector<uint32_t>& v) {
    size(v.size());
    raw(v.data(), v.size() * 4);
  }

 private:
  void raw(const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }
};

void put(Writer& w, const RuleInfo& info) {
  w.str(info.id);
  w.str(info.name);
  w.str(info.title);
  w.str(info.description);
  w.str(info.author);
  w.str(info.status);
  w.str(info.date);
  w.str(info.modified);
  w.str(info.license);
  w.str(info.taxonomy);
  w.e(info.level);
  w.strs(info.tags);
  w.strs(info.references);
  w.strs(info.falsepositives);
  w.strs(info.fields);
  w.str(info.file);
  w.u32(info.line);
}

void put(Writer& w, const Logsource& ls) {
  w.str(ls.product);
  w.str(ls.category);
  w.str(ls.service);
  w.str(ls.definition);
}

void put(Writer& w, const ConditionNode& node) {
  w.e(node.kind);
  w.str(node.name);
  w.flag(node.them);
  w.u32(node.count);
  w.size(node.children.size());
  for (const ConditionNode& child : node.children) put(w, child);
}

void put(Writer& w, const DetectionSection& d) {
  w.size(d.identifiers.size());
  for (const SearchIdentifier& id : d.identifiers) {
    w.str(id.name);
    w.u32(id.line);
    w.size(id.alternatives.size());
    for (const auto& items : id.alternatives) {
      w.size(items.size());
      for (const DetectionItem& item : items) {
        w.str(item.field);
        w.size(item.modifiers.size());
        for (Modifier m : item.modifiers) w.e(m);
        w.size(item.values.size());
        for (const DetectionValue& v : item.values) {
          w.e(v.kind);
          w.str(v.text);
          w.u32(v.line);
        }
        w.flag(item.value_is_list);
        w.u32(item.line);
      }
    }
  }
  w.strs(d.conditions);
  w.size(d.parsed.size());
  for (const ConditionNode& node : d.parsed) put(w, node);
  w.u32(d.condition_line);
}

void put(Writer& w, const Rule& rule) {
  put(w, rule.info);
  put(w, rule.logsource);
  put(w, rule.detection);
}

void put(Writer& w, const Correlation& c) {
  put(w, c.info);
  w.e(c.type);
  w.strs(c.rules);
  w.strs(c.group_by);
  w.str(c.timespan);
  w.i64(c.timespan_seconds);
  w.size(c.condition.size());
  for (const CorrelationBound& b : c.condition) {
    w.e(b.op);
    w.f64(b.value);
  }
  w.strs(c.condition_fields);
  w.size(c.aliases.size());
  for (const CorrelationAlias& alias : c.aliases) {
    w.str(alias.alias);
    w.size(alias.fields.size());
    for (const auto& [rule, field] : alias.fields) {
      w.str(rule);
      w.str(field);
    }
  }
  w.flag(c.generate);
}

void put(Writer& w, const Filter& f) {
  put(w, f.info);
  put(w, f.logsource);
  w.strs(f.rules);
  put(w, f.detection);
}

void put(Writer& w, const Diagnostic& d) {
  w.str(d.file);
  w.u32(d.line);
  w.str(d.rule_id);
  w.str(d.rule_title);
  w.e(d.severity);
  w.e(d.code);
  w.str(d.message);
  w.flag(d.rejects_rule);
}

// Every RE2 option, so that a program compiles again exactly as the
// compiler made it whatever options it sets.
void put(Writer& w, const RE2& re) {
  const RE2::Options& o = re.options();
  w.str(re.pattern());
  w.e(o.encoding());
  w.flag(o.posix_syntax());
  w.flag(o.longest_match());
  w.flag(o.log_errors());
  w.i64(o.max_mem());
  w.flag(o.literal());
  w.flag(o.never_nl());
  w.flag(o.dot_nl());
  w.flag(o.never_capture());
  w.flag(o.case_sensitive());
  w.flag(o.perl_classes());
  w.flag(o.word_boundary());
  w.flag(o.one_line());
}

bool put_database(Writer& w, const hs_database_t* db) {
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return false;
  w.str(std::string_view(bytes, length));
  std::free(bytes);
  return true;
}

template <class Map>
std::vector<typename Map::const_iterator> sorted_entries(const Map& map) {
  std::vector<typename Map::const_iterator> entries;
  for (auto it = map.begin(); it != map.end(); ++it) entries.push_back(it);
  std::sort(entries.begin(), entries.end(), [](auto a, auto b) { return a->first < b->first; });
  return entries;
}

// Hash maps are written in key order: the same set gives the same bytes.
bool put(Writer& w, const RuleSet::Impl& s) {
  // Names of every id the compiling run had at the end of the compile: the
  // ids tests use, and the names the matcher looks spaced field names up in.
  if (s.names == nullptr) return false;
  w.size(s.field_count);
  for (FieldId id = 0; id < s.field_count; ++id) w.str(s.names->name(id));

  w.size(s.rules.size());
  for (const Rule& r : s.rules) put(w, r);
  w.size(s.correlations.size());
  for (const Correlation& c : s.correlations) put(w, c);
  w.size(s.filters.size());
  for (const Filter& f : s.filters) put(w, f);

  w.size(s.patterns.size());
  for (const Pattern& p : s.patterns) {
    w.e(p.shape);
    w.flag(p.cased);
    w.flag(p.numeric);
    w.i64(p.number);
    w.str(p.needle);
    w.u32(p.glob);
  }
  w.size(s.globs.size());
  for (const Glob& g : s.globs) {
    w.flag(g.anchored_start);
    w.flag(g.anchored_end);
    w.size(g.segments.size());
    for (const GlobSegment& segment : g.segments) {
      w.size(segment.atoms.size());
      for (const GlobAtom& atom : segment.atoms) {
        w.e(atom.kind);
        w.str(atom.literal);
      }
    }
  }
  if (s.regex_lengths.size() != s.regexes.size()) return false;
  w.size(s.regexes.size());
  for (size_t i = 0; i < s.regexes.size(); ++i) {
    put(w, *s.regexes[i]);
    w.u32(s.regex_lengths[i].min_chars);
    w.flag(s.regex_lengths[i].dot_all);
    w.flag(s.regex_lengths[i].whole);
  }
  w.size(s.comparisons.size());
  for (const Comparison& c : s.comparisons) {
    w.e(c.op);
    w.flag(c.value.integer);
    w.i64(c.value.i);
    w.f64(c.value.d);
  }
  w.size(s.networks.size());
  for (const Network& n : s.networks) {
    w.flag(n.base.v6);
    for (uint8_t b : n.base.bytes) w.u8(b);
    w.u32(n.prefix);
  }
  w.size(s.fieldrefs.size());
  for (const FieldRefProbe& f : s.fieldrefs) {
    w.u32(f.field);
    w.e(f.shape);
    w.flag(f.cased);
  }
  w.size(s.probes.size());
  for (const Probe& p : s.probes) {
    w.e(p.kind);
    w.u32(p.index);
  }
  w.u32s(s.group_ends);
  w.size(s.tests.size());
  for (const Test& t : s.tests) {
    w.u32(t.field);
    w.e(t.kind);
    w.flag(t.negate);
    w.e(t.time);
    w.u32(t.probe_begin);
    w.u32(t.probe_end);
    w.u32(t.group_begin);
    w.u32(t.group_end);
    w.u32(t.cost);
  }
  w.size(s.nodes.size());
  for (const Node& n : s.nodes) {
    w.e(n.kind);
    w.u32(n.arg);
    w.u32(n.first);
    w.u32(n.count);
    w.u32(n.cost);
  }
  w.u32s(s.children);
  w.size(s.instances.size());
  for (const Instance& i : s.instances) {
    w.u32(i.rule);
    w.u32(i.root);
  }
  w.size(s.gates.size());
  for (const Gate& g : s.gates) {
    w.str(g.name);
    w.size(g.conditions.size());
    for (const GateCondition& c : g.conditions) {
      w.u32(c.field);
      w.strs(c.values);
    }
    w.u32s(g.instances);
    w.size(g.scans.size());
    for (const FieldScan& scan : g.scans) {
      w.u32(scan.field);
      w.u8(static_cast<uint8_t>(scan.kind));
      w.flag(scan.strings_only);
      w.u32s(scan.ids);
      w.u32s(scan.unscanned);
      w.u32(scan.keyword_union);
      w.flag(scan.db != nullptr);
      if (scan.db != nullptr && !put_database(w, scan.db.get())) return false;
    }
    w.size(g.lookups.size());
    for (const ValueLookup& lookup : g.lookups) {
      w.u32(lookup.field);
      w.size(lookup.keys.size());
      for (auto it : sorted_entries(lookup.keys)) {
        w.str(it->first);
        w.u32(it->second);
      }
    }
    w.u32s(g.unanchored);
    w.u32s(g.literal_global);
    w.u32s(g.clause_first);
    w.u32s(g.clause_ids);
  }
  w.flag(s.prefilter);
  w.u32(s.literal_count);
  w.size(s.test_literals.size());
  for (const TestLiterals& t : s.test_literals) {
    w.u32(t.first);
    w.u32(t.count);
  }
  w.size(s.literal_groups.size());
  for (const LiteralGroup& g : s.literal_groups) {
    w.u32(g.first);
    w.u32(g.count);
  }
  w.u32s(s.group_literals);
  w.u32s(s.clause_instance);
  w.u32s(s.instance_clauses);
  w.size(s.keyword_unions.size());
  for (const KeywordUnion& u : s.keyword_unions) {
    w.flag(u.strings_only);
    w.flag(u.db != nullptr);
    if (u.db != nullptr && !put_database(w, u.db.get())) return false;
    w.u32s(u.target_first);
    w.size(u.targets.size());
    for (const KeywordTarget& t : u.targets) {
      w.u32(t.gate);
      w.u32(t.local);
    }
  }
  w.size(s.gates_by_channel.size());
  for (auto it : sorted_entries(s.gates_by_channel)) {
    w.str(it->first);
    w.u32s(it->second);
  }
  w.size(s.gates_by_format.size());
  for (auto it : sorted_entries(s.gates_by_format)) {
    w.str(it->first);
    w.u32s(it->second);
  }
  w.u32s(s.unindexed_gates);
  w.u32(s.channel);
  w.u32(s.event_id);
  w.u32(s.left_out);
  return w.ok;
}

// --- Decoding ----------------------------------------------------------------------

// Bounds-checked reads. The first problem is kept (with its offset) and
// every later read fails, so callers check once, at the end of a section.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  size_t error_offset() const { return error_offset_; }
  bool done() const { return pos_ == data_.size(); }

  bool fail(std::string what) {
    if (error_.empty()) {
      error_ = std::move(what);
      error_offset_ = pos_;
    }
    pos_ = data_.size();
    return false;
  }

  uint8_t u8() {
    uint8_t v = 0;
    raw(&v, 1);
    return v;
  }
  bool flag() {
    const uint8_t v = u8();
    if (v > 1) fail("a flag is neither 0 nor 1");
    return v == 1;
  }
  template <class E>
  E e(E last) {
    const uint8_t v = u8();
    if (v > static_cast<uint8_t>(last)) fail("an enumeration value is out of range");
    return static_cast<E>(v);
  }
  uint32_t u32() {
    uint32_t v = 0;
    raw(&v, 4);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    raw(&v, 8);
    return v;
  }
  int64_t i64() {
    int64_t v = 0;
    raw(&v, 8);
    return v;
  }
  double f64() {
    double v = 0;
    raw(&v, 8);
    return v;
  }
  // A count of elements each at least `min_bytes` long: a count the rest of
  // the input cannot hold is an error before anything is allocated for it.
  uint32_t count(size_t min_bytes) {
    const uint32_t n = u32();
    if (static_cast<uint64_t>(n) * min_bytes > data_.size() - pos_) {
      fail("a count of " + std::to_string(n) + " is larger than the rest of the file");
      return 0;
    }
    return n;
  }
  std::string_view view() {
    const uint32_t n = count(1);
    const std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  void str(std::string& out) { out.assign(view()); }
  std::string str() { return std::string(view()); }
  void strs(std::vector<std::string>& out) {
    const uint32_t n = count(4);
    out.clear();
    out.reserve(n);
    for (uint32_t i = 0; i < n && ok(); ++i) out.push_back(str());
  }
  void u32s(std::vector<uint32_t>& out) {
    const uint32_t n = count(4);
    out.resize(n);
    raw(out.data(), static_cast<size_t>(n) * 4);
  }

 private:
  void raw(void* p, size_t n) {
    if (n > data_.size() - pos_) {
      fail("the file ends inside a value");
      return;
    }
    if (n > 0) std::memcpy(p, data_.data() + pos_, n);
    pos_ += n;
  }

  std::string_view data_;
  size_t pos_ = 0;
  std::string error_;
  size_t error_offset_ = 0;
};

void get(Reader& r, RuleInfo& info) {
  r.str(info.id);
  r.str(info.name);
  r.str(info.title);
  r.str(info.description);
  r.str(info.author);
  r.str(info.status);
  r.str(info.date);
  r.str(info.modified);
  r.str(info.license);
  r.str(info.taxonomy);
  info.level = r.e(Level::kCritical);
  r.strs(info.tags);
  r.strs(info.references);
  r.strs(info.falsepositives);
  r.strs(info.fields);
  r.str(info.file);
  info.line = r.u32();
}

void get(Reader& r, Logsource& ls) {
  r.str(ls.product);
  r.str(ls.category);
  r.str(ls.service);
  r.str(ls.definition);
}

void get(Reader& r, ConditionNode& node, uint32_t depth) {
  if (depth > kMaxTreeDepth) {
    r.fail("a condition is nested too deep");
    return;
  }
  node.kind = r.e(ConditionNode::Kind::kOf);
  r.str(node.name);
  node.them = r.flag();
  node.count = r.u32();
  const uint32_t n = r.count(14);
  node.children.resize(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) get(r, node.children[i], depth + 1);
}

void get(Reader& r, DetectionSection& d) {
  d.identifiers.resize(r.count(12));
  for (SearchIdentifier& id : d.identifiers) {
    if (!r.ok()) return;
    r.str(id.name);
    id.line = r.u32();
    id.alternatives.resize(r.count(4));
    for (auto& items : id.alternatives) {
      if (!r.ok()) return;
      items.resize(r.count(17));
      for (DetectionItem& item : items) {
        if (!r.ok()) return;
        r.str(item.field);
        item.modifiers.resize(r.count(1));
        for (Modifier& m : item.modifiers) m = r.e(Modifier::kFieldref);
        item.values.resize(r.count(9));
        for (DetectionValue& v : item.values) {
          v.kind = r.e(DetectionValue::Kind::kNull);
          r.str(v.text);
          v.line = r.u32();
        }
        item.value_is_list = r.flag();
        item.line = r.u32();
      }
    }
  }
  r.strs(d.conditions);
  d.parsed.resize(r.count(14));
  for (ConditionNode& node : d.parsed) {
    if (!r.ok()) return;
    get(r, node, 0);
  }
  d.condition_line = r.u32();
}

void get(Reader& r, Rule& rule) {
  get(r, rule.info);
  get(r, rule.logsource);
  get(r, rule.detection);
}

void get(Reader& r, Correlation& c) {
  get(r, c.info);
  c.type = r.e(CorrelationType::kValuePercentile);
  r.strs(c.rules);
  r.strs(c.group_by);
  r.str(c.timespan);
  c.timespan_seconds = r.i64();
  c.condition.resize(r.count(9));
  for (CorrelationBound& b : c.condition) {
    b.op = r.e(CompareOp::kNeq);
    b.value = r.f64();
  }
  r.strs(c.condition_fields);
  c.aliases.resize(r.count(8));
  for (CorrelationAlias& alias : c.aliases) {
    if (!r.ok()) return;
    r.str(alias.alias);
    alias.fields.resize(r.count(8));
    for (auto& [rule, field] : alias.fields) {
      r.str(rule);
      r.str(field);
    }
  }
  c.generate = r.flag();
}

void get(Reader& r, Filter& f) {
  get(r, f.info);
  get(r, f.logsource);
  r.strs(f.rules);
  get(r, f.detection);
}

void get(Reader& r, Diagnostic& d) {
  r.str(d.file);
  d.line = r.u32();
  r.str(d.rule_id);
  r.str(d.rule_title);
  d.severity = r.e(Severity::kWarning);
  d.code = r.e(DiagCode::kDuplicate);
  r.str(d.message);
  d.rejects_rule = r.flag();
}

struct RegexSource {
  std::string pattern;
  RE2::Options options;
};

void get(Reader& r, RegexSource& re) {
  r.str(re.pattern);
  RE2::Options& o = re.options;
  const uint8_t encoding = r.u8();
  if (encoding != RE2::Options::EncodingUTF8 && encoding != RE2::Options::EncodingLatin1) {
    r.fail("a regex encoding is out of range");
  }
  o.set_encoding(encoding == RE2::Options::EncodingLatin1 ? RE2::Options::EncodingLatin1
                                                          : RE2::Options::EncodingUTF8);
  o.set_posix_syntax(r.flag());
  o.set_longest_match(r.flag());
  o.set_log_errors(r.flag());
  const int64_t max_mem = r.i64();
  // A hostile file must not lift the memory bound the compiler applies.
  if (max_mem <= 0 || max_mem > limits::kSigmaMaxRegexMemory)
    r.fail("a regex memory bound is out of range");
  o.set_max_mem(max_mem);
  o.set_literal(r.flag());
  o.set_never_nl(r.flag());
  o.set_dot_nl(r.flag());
  o.set_never_capture(r.flag());
  o.set_case_sensitive(r.flag());
  o.set_perl_classes(r.flag());
  o.set_word_boundary(r.flag());
  o.set_one_line(r.flag());
}

// Decodes the payload into `s`, mapping stored field ids into `names`.
class PayloadDecoder {
 public:
  PayloadDecoder(Reader& r, FieldNames& names, CacheStats* stats)
      : r_(r), names_(names), stats_(stats) {}

  bool run(RuleSet::Impl& s, std::vector<Diagnostic>& diagnostics) {
    const uint32_t name_count = r_.count(4);
    ids_.reserve(name_count);
    for (uint32_t i = 0; i < name_count; ++i) {
      const std::string_view name = r_.view();
      if (!r_.ok()) return false;
      ids_.push_back(names_.intern(name));
    }
    if (!r_.ok()) return false;

    s.rules.resize(r_.count(80));
    for (Rule& rule : s.rules) {
      if (!r_.ok()) return false;
      get(r_, rule);
    }
    s.correlations.resize(r_.count(80));
    for (Correlation& c : s.correlations) {
      if (!r_.ok()) return false;
      get(r_, c);
    }
    s.filters.resize(r_.count(80));
    for (Filter& f : s.filters) {
      if (!r_.ok()) return false;
      get(r_, f);
    }

    s.patterns.resize(r_.count(19));
    for (Pattern& p : s.patterns) {
      p.shape = r_.e(PatternShape::kGlob);
      p.cased = r_.flag();
      p.numeric = r_.flag();
      p.number = r_.i64();
      r_.str(p.needle);
      p.glob = r_.u32();
    }
    s.globs.resize(r_.count(6));
    for (Glob& g : s.globs) {
      if (!r_.ok()) return false;
      g.anchored_start = r_.flag();
      g.anchored_end = r_.flag();
      g.segments.resize(r_.count(4));
      for (GlobSegment& segment : g.segments) {
        segment.atoms.resize(r_.count(5));
        for (GlobAtom& atom : segment.atoms) {
          atom.kind = r_.e(GlobAtom::Kind::kDash);
          r_.str(atom.literal);
        }
      }
    }
    if (!regexes(s)) return false;
    s.comparisons.resize(r_.count(18));
    for (Comparison& c : s.comparisons) {
      c.op = r_.e(CompareOp::kNeq);
      c.value.integer = r_.flag();
      c.value.i = r_.i64();
      c.value.d = r_.f64();
    }
    s.networks.resize(r_.count(21));
    for (Network& n : s.networks) {
      n.base.v6 = r_.flag();
      for (uint8_t& b : n.base.bytes) b = r_.u8();
      n.prefix = r_.u32();
    }
    s.fieldrefs.resize(r_.count(6));
    for (FieldRefProbe& f : s.fieldrefs) {
      f.field = field(r_.u32());
      f.shape = r_.e(PatternShape::kGlob);
      f.cased = r_.flag();
    }
    s.probes.resize(r_.count(5));
    for (Probe& p : s.probes) {
      p.kind = r_.e(ProbeKind::kFieldRef);
      p.index = r_.u32();
    }
    r_.u32s(s.group_ends);
    s.tests.resize(r_.count(27));
    for (Test& t : s.tests) {
      t.field = field(r_.u32());
      t.kind = r_.e(TestKind::kNull);
      t.negate = r_.flag();
      t.time = r_.e(TimePart::kYear);
      t.probe_begin = r_.u32();
      t.probe_end = r_.u32();
      t.group_begin = r_.u32();
      t.group_end = r_.u32();
      t.cost = r_.u32();
    }
    s.nodes.resize(r_.count(17));
    for (Node& n : s.nodes) {
      n.kind = r_.e(NodeKind::kAtLeast);
      n.arg = r_.u32();
      n.first = r_.u32();
      n.count = r_.u32();
      n.cost = r_.u32();
    }
    r_.u32s(s.children);
    s.instances.resize(r_.count(8));
    for (Instance& i : s.instances) {
      i.rule = r_.u32();
      i.root = r_.u32();
    }
    if (!r_.ok()) return false;
    s.gates.resize(r_.count(28));
    for (Gate& g : s.gates) {
      if (!gate(g)) return false;
    }
    s.prefilter = r_.flag();
    s.literal_count = r_.u32();
    s.test_literals.resize(r_.count(8));
    for (TestLiterals& t : s.test_literals) {
      t.first = r_.u32();
      t.count = r_.u32();
    }
    s.literal_groups.resize(r_.count(8));
    for (LiteralGroup& g : s.literal_groups) {
      g.first = r_.u32();
      g.count = r_.u32();
    }
    r_.u32s(s.group_literals);
    r_.u32s(s.clause_instance);
    r_.u32s(s.instance_clauses);
    s.keyword_unions.resize(r_.count(10));
    for (KeywordUnion& u : s.keyword_unions) {
      u.strings_only = r_.flag();
      if (r_.flag() && !database(u.db)) return false;
      r_.u32s(u.target_first);
      u.targets.resize(r_.count(8));
      for (KeywordTarget& t : u.targets) {
        t.gate = r_.u32();
        t.local = r_.u32();
      }
    }
    if (!gate_index(s.gates_by_channel, "a channel is listed twice") ||
        !gate_index(s.gates_by_format, "a source format is listed twice")) {
      return false;
    }
    r_.u32s(s.unindexed_gates);
    s.channel = field(r_.u32());
    s.event_id = field(r_.u32());
    s.left_out = r_.u32();

    diagnostics.resize(r_.count(22));
    for (Diagnostic& d : diagnostics) {
      if (!r_.ok()) return false;
      get(r_, d);
    }
    if (r_.ok() && !r_.done()) return r_.fail("bytes after the end of the rule set");
    s.field_count = static_cast<FieldId>(names_.size());
    s.names = &names_;
    return r_.ok();
  }

 private:
  FieldId field(uint32_t stored) {
    if (stored == kNoField) return kNoField;
    if (stored >= ids_.size()) {
      r_.fail("a field id has no name");
      return kNoField;
    }
    return ids_[stored];
  }

  bool regexes(RuleSet::Impl& s) {
    const uint32_t n = r_.count(23);
    std::vector<RegexSource> sources(n);
    s.regex_lengths.resize(n);
    for (uint32_t i = 0; i < n && r_.ok(); ++i) {
      get(r_, sources[i]);
      s.regex_lengths[i].min_chars = r_.u32();
      s.regex_lengths[i].dot_all = r_.flag();
      s.regex_lengths[i].whole = r_.flag();
    }
    if (!r_.ok()) return false;
    const auto started = Clock::now();
    s.regexes.reserve(n);
    for (RegexSource& source : sources) {
      auto re = std::make_unique<RE2>(source.pattern, source.options);
      if (!re->ok()) return r_.fail("a stored regex does not compile: " + re->error());
      s.regexes.push_back(std::move(re));
    }
    if (stats_ != nullptr) stats_->regex_seconds += seconds_since(started);
    return true;
  }

  // A map from a folded key (channel, source format) to gate indices.
  using GateIndex =
      std::unordered_map<std::string, std::vector<uint32_t>, StringHash, std::equal_to<>>;
  bool gate_index(GateIndex& index, const char* duplicate) {
    const uint32_t keys = r_.count(8);
    index.reserve(keys);
    for (uint32_t i = 0; i < keys && r_.ok(); ++i) {
      std::string key = r_.str();
      std::vector<uint32_t> gates;
      r_.u32s(gates);
      if (!index.emplace(std::move(key), std::move(gates)).second) return r_.fail(duplicate);
    }
    return r_.ok();
  }

  bool database(HsDatabase& out) {
    const std::string_view bytes = r_.view();
    if (!r_.ok()) return false;
    const auto started = Clock::now();
    size_t size = 0;
    // Vectorscan checks the header, the platform and its own CRC of the
    // bytecode; the size bound keeps a forged header from asking for more
    // memory than the bytes it came with.
    if (hs_serialized_database_size(bytes.data(), bytes.size(), &size) != HS_SUCCESS ||
        size > bytes.size() + 4096) {
      return r_.fail("a Vectorscan database header is not valid");
    }
    // Deserialized into memory asked for whole (prepare_for_writing): the
    // databases are megabytes that a warm start would otherwise fault in
    // page by page.
    void* memory = std::malloc(size);
    if (memory == nullptr) return r_.fail("no memory for a Vectorscan database");
    prepare_for_writing(memory, size);
    auto* db = static_cast<hs_database_t*>(memory);
    out = HsDatabase(db, HsDatabaseFree{/*placed=*/true});
    if (hs_deserialize_database_at(bytes.data(), bytes.size(), db) != HS_SUCCESS) {
      return r_.fail("a Vectorscan database does not deserialize");
    }
    if (stats_ != nullptr) stats_->hs_seconds += seconds_since(started);
    return true;
  }

  bool gate(Gate& g) {
    r_.str(g.name);
    g.conditions.resize(r_.count(8));
    for (GateCondition& c : g.conditions) {
      c.field = field(r_.u32());
      r_.strs(c.values);
    }
    r_.u32s(g.instances);
    g.scans.resize(r_.count(8));
    for (FieldScan& scan : g.scans) {
      scan.field = field(r_.u32());
      const uint8_t kind = r_.u8();
      if (kind > static_cast<uint8_t>(ScanKind::kKeywords)) return r_.fail("a field scan's kind");
      scan.kind = static_cast<ScanKind>(kind);
      scan.strings_only = r_.flag();
      r_.u32s(scan.ids);
      r_.u32s(scan.unscanned);
      scan.keyword_union = r_.u32();
      if (r_.flag() && !database(scan.db)) return false;
    }
    g.lookups.resize(r_.count(8));
    for (ValueLookup& lookup : g.lookups) {
      lookup.field = field(r_.u32());
      const uint32_t keys = r_.count(8);
      // A hostile count costs no more than the keys that really follow.
      lookup.keys.reserve(std::min<uint32_t>(keys, 4096));
      for (uint32_t k = 0; k < keys && r_.ok(); ++k) {
        std::string key = r_.str();
        const uint32_t id = r_.u32();
        if (!lookup.keys.emplace(std::move(key), id))
          return r_.fail("a lookup key is listed twice");
      }
    }
    r_.u32s(g.unanchored);
    r_.u32s(g.literal_global);
    r_.u32s(g.clause_first);
    r_.u32s(g.clause_ids);
    return r_.ok();
  }

  Reader& r_;
  FieldNames& names_;
  CacheStats* stats_;
  std::vector<FieldId> ids_;  // stored id -> this run's id
};

// Every index the matcher follows, checked: a file that decodes can be
// matched with, whatever its bytes.
std::string check(const RuleSet::Impl& s) {
  auto within = [](uint64_t first, uint64_t count, size_t size) { return first + count <= size; };
  auto all_below = [](const std::vector<uint32_t>& v, size_t size) {
    return std::all_of(v.begin(), v.end(), [size](uint32_t x) { return x < size; });
  };
  auto field_ok = [&s](FieldId f) { return f == kNoField || f < s.field_count; };
  for (const Pattern& p : s.patterns) {
    if (p.shape == PatternShape::kGlob && p.glob >= s.globs.size()) return "a pattern's glob";
  }
  for (const Network& n : s.networks) {
    if (n.prefix > (n.base.v6 ? 128u : 32u)) return "a network prefix";
  }
  for (const FieldRefProbe& f : s.fieldrefs) {
    if (!field_ok(f.field)) return "a field reference";
  }
  for (const Probe& p : s.probes) {
    size_t size = 0;
    switch (p.kind) {
      case ProbeKind::kPattern: size = s.patterns.size(); break;
      case ProbeKind::kRegex: size = s.regexes.size(); break;
      case ProbeKind::kCompare: size = s.comparisons.size(); break;
      case ProbeKind::kCidr: size = s.networks.size(); break;
      case ProbeKind::kFieldRef: size = s.fieldrefs.size(); break;
    }
    if (p.index >= size) return "a probe's index";
  }
  for (const Test& t : s.tests) {
    if (!field_ok(t.field) || t.probe_begin > t.probe_end || t.probe_end > s.probes.size() ||
        t.group_begin > t.group_end || t.group_end > s.group_ends.size()) {
      return "a test's ranges";
    }
    uint32_t previous = t.probe_begin;
    for (uint32_t g = t.group_begin; g < t.group_end; ++g) {
      const uint32_t end = s.group_ends[g];
      if (end < previous || end > t.probe_end) return "a test's probe groups";
      previous = end;
    }
  }
  // Children come before their parents (the compiler builds bottom-up), so
  // condition trees cannot loop; their depth bounds the matcher's recursion,
  // and the node visits of one evaluation (shared operands are evaluated
  // each time they are reached) bound its time.
  std::vector<uint32_t> depth(s.nodes.size(), 1);
  std::vector<uint64_t> visits(s.nodes.size(), 1);
  for (uint32_t n = 0; n < s.nodes.size(); ++n) {
    const Node& node = s.nodes[n];
    auto child = [&](uint32_t c) {
      if (c >= n) return false;
      depth[n] = std::max(depth[n], depth[c] + 1);
      visits[n] = std::min(visits[n] + visits[c], kMaxNodeVisits + 1);
      return depth[n] <= kMaxTreeDepth && visits[n] <= kMaxNodeVisits;
    };
    switch (node.kind) {
      case NodeKind::kTest:
        if (node.arg >= s.tests.size()) return "a node's test";
        break;
      case NodeKind::kNot:
        if (!child(node.arg)) return "a node's operand (index, depth or graph size)";
        break;
      case NodeKind::kAnd:
      case NodeKind::kOr:
      case NodeKind::kAtLeast:
        if (!within(node.first, node.count, s.children.size())) return "a node's operands";
        for (uint32_t i = 0; i < node.count; ++i) {
          if (!child(s.children[node.first + i]))
            return "a node's operand (index, depth or graph size)";
        }
        break;
    }
  }
  for (const Instance& i : s.instances) {
    if (i.rule >= s.rules.size() || i.root >= s.nodes.size()) return "a rule instance";
  }
  for (const Gate& g : s.gates) {
    for (const GateCondition& c : g.conditions) {
      if (!field_ok(c.field) || !std::is_sorted(c.values.begin(), c.values.end())) {
        return "a gate condition";
      }
    }
    if (!all_below(g.instances, s.instances.size()) ||
        !all_below(g.unanchored, s.instances.size())) {
      return "a gate's instances";
    }
    for (const FieldScan& scan : g.scans) {
      // Only a keyword scan reads every field; only a regex scan may have
      // no database (every regex left unscanned).
      const bool keywords = scan.kind == ScanKind::kKeywords;
      if (!field_ok(scan.field) || keywords != (scan.field == kNoField) ||
          (scan.db == nullptr && scan.kind == ScanKind::kLiterals) ||
          (keywords && (scan.db != nullptr || scan.keyword_union >= s.keyword_unions.size() ||
                        s.keyword_unions[scan.keyword_union].strings_only != scan.strings_only)) ||
          !all_below(scan.ids, g.literal_global.size()) ||
          !all_below(scan.unscanned, g.literal_global.size())) {
        return "a gate's literal scan";
      }
    }
    if (!all_below(g.literal_global, s.literal_count)) return "a gate's literals";
    for (const ValueLookup& lookup : g.lookups) {
      if (!field_ok(lookup.field)) return "a gate's value lookup";
      for (const auto& [key, id] : lookup.keys) {
        if (id >= g.literal_global.size()) return "a value lookup's literal";
      }
    }
    // clause_first: one offset per gate literal and the end, rising.
    if (s.prefilter && (g.clause_first.size() != g.literal_global.size() + 1 ||
                        g.clause_first.front() != 0 ||
                        !std::is_sorted(g.clause_first.begin(), g.clause_first.end()) ||
                        g.clause_first.back() != g.clause_ids.size())) {
      return "a gate's clause index";
    }
    if (!all_below(g.clause_ids, s.clause_instance.size())) return "a gate's clauses";
  }
  // Every literal id is some group's (so the count is bounded by the file),
  // and each matcher sizes per-literal scratch by it.
  if (s.literal_count > s.group_literals.size() || !all_below(s.group_literals, s.literal_count)) {
    return "the literal count";
  }
  for (const LiteralGroup& g : s.literal_groups) {
    if (!within(g.first, g.count, s.group_literals.size())) return "a literal group";
  }
  for (const TestLiterals& t : s.test_literals) {
    if (!within(t.first, t.count, s.literal_groups.size())) return "a test's literal groups";
  }
  if (s.prefilter && s.test_literals.size() != s.tests.size()) return "the prefilter's tests";
  if (s.prefilter && s.instance_clauses.size() != s.instances.size()) return "the instances' clauses";
  if (!all_below(s.clause_instance, s.instances.size())) return "a clause's instance";
  for (const KeywordUnion& u : s.keyword_unions) {
    // target_first: one offset per union literal and the end, rising.
    if (u.db == nullptr || u.target_first.empty() || u.target_first.front() != 0 ||
        !std::is_sorted(u.target_first.begin(), u.target_first.end()) ||
        u.target_first.back() != u.targets.size()) {
      return "a keyword union's index";
    }
    for (const KeywordTarget& t : u.targets) {
      if (t.gate >= s.gates.size() || t.local >= s.gates[t.gate].literal_global.size()) {
        return "a keyword union's gate literal";
      }
    }
  }
  for (const auto& [channel, gates] : s.gates_by_channel) {
    if (!all_below(gates, s.gates.size())) return "the gates of a channel";
  }
  for (const auto& [format, gates] : s.gates_by_format) {
    if (!all_below(gates, s.gates.size())) return "the gates of a source format";
  }
  if (!all_below(s.unindexed_gates, s.gates.size())) return "the unindexed gates";
  if (!field_ok(s.channel)) return "the channel field";
  if (!field_ok(s.event_id)) return "the event id field";
  return {};
}

// RuleSet's constructor is private to compile(): a set is made by compiling
// nothing, and its (non-const) Impl is then replaced by the decoded one.
std::shared_ptr<const RuleSet> make_rule_set(RuleSet::Impl&& impl, FieldNames& names) {
  std::vector<Diagnostic> none;
  auto set = RuleSet::compile(RuleCollection{}, names, CompileOptions{}, none);
  const_cast<RuleSet::Impl&>(set->impl()) = std::move(impl);
  return set;
}

// --- Files ---------------------------------------------------------------------------

std::string errno_text() { return std::strerror(errno); }

// A cache file's bytes: tens of MB, read once and hashed, in 2 MiB pages
// (vigil/core/memory.h) so that neither costs a page fault per 4 KiB.
struct Bytes {
  LargeBuffer buffer;
  size_t size = 0;
  std::string_view view() const { return {buffer.data(), size}; }
};

// A cache file's bytes, if it is a regular file of ours, of a sane size.
std::optional<Bytes> read_cache_file(const std::string& path, std::string& why) {
  // O_NONBLOCK: a FIFO planted at the cache path would otherwise block the
  // open until someone writes to it; it is then refused as not regular.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    why = errno == ENOENT ? "no cache file" : "cannot open the cache file: " + errno_text();
    return std::nullopt;
  }
  File file(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    why = "cannot stat the cache file: " + errno_text();
    return std::nullopt;
  }
  // Someone else's file, or one others may write, could have been planted.
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022) != 0) {
    why = "the cache file is not a private file of this user";
    return std::nullopt;
  }
  if (static_cast<uint64_t>(st.st_size) > limits::kRuleCacheMaxFileBytes) {
    why = "the cache file is over the size limit";
    return std::nullopt;
  }
  Bytes bytes;
  bytes.buffer = LargeBuffer(static_cast<size_t>(st.st_size));
  if (bytes.buffer.data() == nullptr && st.st_size > 0) {
    why = "no memory for the cache file";
    return std::nullopt;
  }
  auto read = read_at(fd, 0, reinterpret_cast<uint8_t*>(bytes.buffer.data()),
                      static_cast<size_t>(st.st_size));
  if (!read.ok()) {
    why = "cannot read the cache file: " + read.error().message;
    return std::nullopt;
  }
  bytes.size = *read;
  // Least recently used is what the bounds evict.
  ::futimens(fd, nullptr);
  return bytes;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Written under a name of its own, then renamed over the final name:
// readers and concurrent writers only ever see whole files.
bool store_file(const std::string& directory, const std::string& path, std::string_view bytes,
                std::string& why) {
  std::error_code ec;
  if (fs::create_directories(directory, ec)) {
    fs::permissions(directory, fs::perms::owner_all, ec);
  }
  if (ec) {
    why = "cannot create " + directory + ": " + ec.message();
    return false;
  }
  static std::atomic<uint64_t> serial{0};
  const std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." +
                           std::to_string(serial.fetch_add(1)) + "." +
                           std::to_string(Clock::now().time_since_epoch().count());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    why = "cannot create " + temp + ": " + errno_text();
    return false;
  }
  bool ok = write_all(fd, bytes);
  if (!ok) why = "cannot write " + temp + ": " + errno_text();
  if (::close(fd) != 0 && ok) {
    ok = false;
    why = "cannot write " + temp + ": " + errno_text();
  }
  if (ok && ::rename(temp.c_str(), path.c_str()) != 0) {
    ok = false;
    why = "cannot rename " + temp + ": " + errno_text();
  }
  if (!ok) ::unlink(temp.c_str());
  return ok;
}

// Keeps the folder within the bounds: the most recently used files stay
// (the one just written always), the others go; so do temporary files an
// interrupted writer left, once an hour old.
size_t prune(const std::string& directory, const std::string& keep, const CacheOptions& cache) {
  struct Entry {
    fs::file_time_type time;
    uint64_t size;
    std::string path;
  };
  std::vector<Entry> entries;
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  size_t removed = 0;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    if (!it->is_regular_file(entry_ec)) continue;
    const std::string path = it->path().string();
    const std::string name = it->path().filename().string();
    const auto time = it->last_write_time(entry_ec);
    if (entry_ec) continue;
    if (name.find(".tmp.") != std::string::npos) {
      if (name.find(kSuffix) != std::string::npos && now - time > std::chrono::hours(1)) {
        removed += fs::remove(it->path(), entry_ec) ? 1 : 0;
      }
      continue;
    }
    if (!name.ends_with(kSuffix)) continue;
    const uint64_t size = it->file_size(entry_ec);
    if (entry_ec) continue;
    entries.push_back({time, size, path});
  }
  std::sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
    if ((a.path == keep) != (b.path == keep)) return a.path == keep;
    if (a.time != b.time) return a.time > b.time;
    return a.path < b.path;
  });
  size_t files = 0;
  uint64_t bytes = 0;
  for (const Entry& e : entries) {
    const bool fits = files < cache.max_files && bytes + e.size <= cache.max_bytes;
    if (fits || e.path == keep) {
      ++files;
      bytes += e.size;
      continue;
    }
    std::error_code remove_ec;
    removed += fs::remove(e.path, remove_ec) ? 1 : 0;
  }
  return removed;
}

std::shared_ptr<const RuleSet> compile_sources(const RuleSources& sources,
                                               const CompileOptions& options, unsigned thread_limit,
                                               FieldNames& names,
                                               std::vector<Diagnostic>& diagnostics) {
  // What load_rules does with the same files (sources.why is empty), each
  // file parsed on its own (YAML is most of the time) and the results
  // joined in file order.
  std::vector<RuleCollection> parsed(sources.files.size());
  for_each_index(parsed.size(), worker_count(parsed.size(), 64, thread_limit),
                 [&](size_t i, unsigned) {
                   parse_rules(sources.files[i].text, sources.files[i].path, parsed[i]);
                 });
  RuleCollection collection;
  auto append = [](auto& to, auto& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  for (RuleCollection& file : parsed) {
    append(collection.rules, file.rules);
    append(collection.correlations, file.correlations);
    append(collection.filters, file.filters);
    append(collection.diagnostics, file.diagnostics);
    ++collection.files;
    collection.documents += file.documents;
  }
  return RuleSet::compile(std::move(collection), names, options, diagnostics);
}

}  // namespace

const char* cache_outcome_name(CacheOutcome outcome) {
  switch (outcome) {
    case CacheOutcome::kDisabled: return "disabled";
    case CacheOutcome::kHit: return "hit";
    case CacheOutcome::kMiss: return "miss";
    case CacheOutcome::kUncacheable: return "uncacheable";
  }
  return "?";
}

std::string default_cache_directory() {
  // The XDG base directory specification ignores relative paths.
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return std::string(xdg) + "/vigil";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] != '\0') {
    return std::string(home) + "/.cache/vigil";
  }
  return {};
}

std::string cache_key_hex(const CacheKey& key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const uint8_t b : key) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::optional<CacheKey> rule_set_cache_key(const std::vector<std::string>& rule_paths,
                                           const CompileOptions& options,
                                           const CacheOptions& cache) {
  if (!unkeyed_input(options, cache).empty()) return std::nullopt;
  const RuleSources sources = read_rule_sources(rule_paths, cache.threads);
  if (!sources.why.empty()) return std::nullopt;
  return compute_key(sources, options, cache);
}

std::string encode_rule_set(const RuleSet& set, std::span<const Diagnostic> diagnostics,
                            const CacheKey& key) {
  Writer w;
  w.out.assign(kHeaderBytes, '\0');
  if (!put(w, set.impl())) return {};
  w.size(diagnostics.size());
  for (const Diagnostic& d : diagnostics) put(w, d);
  if (!w.ok || w.out.size() > limits::kRuleCacheMaxFileBytes) return {};
  const std::string_view payload = std::string_view(w.out).substr(kHeaderBytes);
  const auto checksum = sha256(payload);
  if (!checksum) return {};
  char* p = w.out.data();
  const uint32_t version = kFormatVersion;
  const uint32_t mark = kByteOrderMark;
  const uint64_t size = payload.size();
  std::memcpy(p, kMagic, 8);
  std::memcpy(p + 8, &version, 4);
  std::memcpy(p + 12, &mark, 4);
  std::memcpy(p + 16, key.data(), 32);
  std::memcpy(p + 48, &size, 8);
  std::memcpy(p + 56, checksum->data(), 32);
  return std::move(w.out);
}

Result<std::shared_ptr<const RuleSet>> decode_rule_set(std::string_view file, FieldNames& names,
                                                       std::vector<Diagnostic>& diagnostics,
                                                       const DecodeChecks& checks,
                                                       CacheStats* stats) {
  if (file.size() < kHeaderBytes) return make_error(Errc::kTruncated, "shorter than its header");
  if (file.size() > limits::kRuleCacheMaxFileBytes) {
    return make_error(Errc::kLimitExceeded, "over the cache file size limit");
  }
  if (std::memcmp(file.data(), kMagic, 8) != 0) {
    return make_error(Errc::kBadSignature, "not a vigil rule-set cache file", 0);
  }
  uint32_t version = 0;
  uint32_t mark = 0;
  uint64_t size = 0;
  std::memcpy(&version, file.data() + 8, 4);
  std::memcpy(&mark, file.data() + 12, 4);
  std::memcpy(&size, file.data() + 48, 8);
  if (version != kFormatVersion || mark != kByteOrderMark) {
    return make_error(Errc::kUnsupported, "written by another version of vigil", 8);
  }
  if (checks.key != nullptr && std::memcmp(file.data() + 16, checks.key->data(), 32) != 0) {
    return make_error(Errc::kCorrupt, "holds another key than its name", 16);
  }
  const std::string_view payload = file.substr(kHeaderBytes);
  if (size != payload.size()) {
    return make_error(Errc::kTruncated, "the payload size does not match the file's", 48);
  }
  if (checks.checksum) {
    const auto checksum = sha256(payload);
    if (!checksum || std::memcmp(checksum->data(), file.data() + 56, 32) != 0) {
      return make_error(Errc::kBadChecksum, "checksum mismatch", 56);
    }
  }

  const auto started = Clock::now();
  RuleSet::Impl impl;
  std::vector<Diagnostic> stored;
  Reader reader(payload);
  PayloadDecoder decoder(reader, names, stats);
  if (!decoder.run(impl, stored)) {
    return make_error(Errc::kCorrupt, reader.error(), kHeaderBytes + reader.error_offset());
  }
  if (const std::string bad = check(impl); !bad.empty()) {
    return make_error(Errc::kCorrupt, "inconsistent compiled form: " + bad);
  }
  auto set = make_rule_set(std::move(impl), names);
  if (stats != nullptr) stats->decode_seconds += seconds_since(started);
  diagnostics.insert(diagnostics.end(), std::make_move_iterator(stored.begin()),
                     std::make_move_iterator(stored.end()));
  return set;
}

std::shared_ptr<const RuleSet> load_or_compile(const std::vector<std::string>& rule_paths,
                                               const CompileOptions& options,
                                               const CacheOptions& cache, FieldNames& names,
                                               std::vector<Diagnostic>& diagnostics,
                                               CacheStats* stats) {
  CacheStats local;
  CacheStats& st = stats != nullptr ? *stats : local;
  st = CacheStats{};
  if (!cache.enabled) {
    const auto started = Clock::now();
    auto set = RuleSet::compile(load_rules(rule_paths), names, options, diagnostics);
    st.compile_seconds = seconds_since(started);
    return set;
  }

  auto started = Clock::now();
  const RuleSources sources = read_rule_sources(rule_paths, cache.threads);
  st.rule_files = sources.files.size();
  st.rule_bytes = sources.bytes;
  const std::string unkeyed = unkeyed_input(options, cache);
  const std::optional<CacheKey> key =
      sources.why.empty() && unkeyed.empty() ? compute_key(sources, options, cache) : std::nullopt;
  st.key_seconds = seconds_since(started);
  const std::string directory =
      cache.directory.empty() ? default_cache_directory() : cache.directory;
  if (!key || directory.empty()) {
    st.outcome = CacheOutcome::kUncacheable;
    st.detail = !sources.why.empty() ? sources.why
                : !unkeyed.empty()   ? unkeyed
                : !key               ? "no SHA-256 from OpenSSL"
                                     : "no cache folder (neither XDG_CACHE_HOME nor HOME is set)";
    started = Clock::now();
    // load_rules reports unreadable paths the way the rest of vigil does.
    auto set = sources.why.empty()
                   ? compile_sources(sources, options, cache.threads, names, diagnostics)
                   : RuleSet::compile(load_rules(rule_paths), names, options, diagnostics);
    st.compile_seconds = seconds_since(started);
    return set;
  }
  st.path = directory + "/" + cache_key_hex(*key) + kSuffix;

  started = Clock::now();
  std::string why;
  std::optional<Bytes> bytes = read_cache_file(st.path, why);
  st.read_seconds = seconds_since(started);
  if (bytes) {
    st.cache_bytes = bytes->size;
    if (cache.before_decode) cache.before_decode(bytes->size);
    DecodeChecks checks;
    checks.key = &*key;
    std::vector<Diagnostic> stored;
    // The checksum is part of reading the file.
    started = Clock::now();
    auto decoded = decode_rule_set(bytes->view(), names, stored, checks, &st);
    const double total = seconds_since(started);
    st.read_seconds += total - st.decode_seconds;
    if (decoded.ok()) {
      st.outcome = CacheOutcome::kHit;
      diagnostics.insert(diagnostics.end(), std::make_move_iterator(stored.begin()),
                         std::make_move_iterator(stored.end()));
      return std::move(decoded).value();
    }
    why = "the cache file was not used: " + decoded.error().to_string();
    st.regex_seconds = st.hs_seconds = st.decode_seconds = 0;
  }

  st.outcome = CacheOutcome::kMiss;
  st.detail = why;
  started = Clock::now();
  std::vector<Diagnostic> produced;
  auto set = compile_sources(sources, options, cache.threads, names, produced);
  st.compile_seconds = seconds_since(started);

  started = Clock::now();
  const std::string file = encode_rule_set(*set, produced, *key);
  if (file.empty()) {
    st.detail += st.detail.empty() ? "" : "; ";
    st.detail += "the rule set could not be encoded";
  } else if (std::string store_why; store_file(directory, st.path, file, store_why)) {
    st.stored = true;
    st.cache_bytes = file.size();
    st.removed = prune(directory, st.path, cache);
  } else {
    st.detail += st.detail.empty() ? "" : "; ";
    st.detail += store_why;
  }
  st.store_seconds = seconds_since(started);
  diagnostics.insert(diagnostics.end(), std::make_move_iterator(produced.begin()),
                     std::make_move_iterator(produced.end()));
  return set;
}

}  // namespace vigil::detect
