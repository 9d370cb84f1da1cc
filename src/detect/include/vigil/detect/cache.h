#pragma once
// A persistent cache of compiled rule sets: loading thousands of Sigma rules
// from YAML and building their Vectorscan databases takes seconds, reading
// back the compiled form a previous run stored takes a small part of that.
//
// The cache is keyed by everything that decides the compiled result (this
// build of vigil, the bytes of every rule file in load order, the placeholder
// configuration, the logsource mapping, the compile options), so a stale entry
// is never used: any change gives another key. A cache file is untrusted
// input: it is read with bounds checks and limits (limits.h), its checksum
// and every index in it are verified, and any problem makes it a miss, after
// which the rules are compiled again and the entry replaced. docs/sigma.md,
// "Compiled rule-set cache", has the details.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/field_names.h"
#include "vigil/core/limits.h"
#include "vigil/core/result.h"
#include "vigil/detect/diagnostic.h"
#include "vigil/detect/ruleset.h"

namespace vigil::detect {

struct CacheOptions {
  bool enabled = true;
  // Where cache files live; empty: default_cache_directory().
  std::string directory;
  // CompileOptions holds the placeholders and the logsource resolver only as
  // parsed objects: the key is made from the bytes they were made from. The
  // built-in mapping is always part of the key; these are the user's files
  // (empty when there is none). Placeholders with values but no text are
  // not cached (their set would have no key of its own); a resolver that is
  // not mapping_resolver() of the built-in mapping merged with mapping_text
  // must be described by mapping_text.
  std::string placeholder_text;  // the --config file
  std::string mapping_text;      // the --mapping file merged over the built-in mapping
  // Threads that read and hash the rule files, and parse them on a miss (the
  // result is the same for any number); 0: the cores, at most 4.
  unsigned threads = 0;
  // Past either bound the least recently used cache files are removed.
  size_t max_files = limits::kRuleCacheMaxFiles;
  uint64_t max_bytes = limits::kRuleCacheMaxTotalBytes;
  // Called with a cache file's size once it is read, before it is decoded:
  // the front end, which owns the process's allocator, may get memory ready
  // for the decoded set (decoding builds tens of thousands of objects).
  std::function<void(uint64_t cache_bytes)> before_decode;
};

enum class CacheOutcome : uint8_t {
  kDisabled,     // CacheOptions::enabled was false: compiled
  kHit,          // read from the cache
  kMiss,         // compiled (and stored unless CacheStats::detail says otherwise)
  kUncacheable,  // compiled: a rule path could not be read, or no cache folder
};
const char* cache_outcome_name(CacheOutcome outcome);

struct CacheStats {
  CacheOutcome outcome = CacheOutcome::kDisabled;
  std::string path;    // the cache file read or written
  std::string detail;  // why a miss or why nothing was stored; empty on a clean hit
  bool stored = false;
  size_t rule_files = 0;
  uint64_t rule_bytes = 0;
  uint64_t cache_bytes = 0;  // size of the cache file read or written
  size_t removed = 0;        // old cache files removed to stay within the bounds
  // Seconds spent per step.
  double key_seconds = 0;      // listing, reading and hashing the rule files
  double read_seconds = 0;     // reading the cache file, checking its checksum
  double decode_seconds = 0;   // rebuilding the rule set (the next two included)
  double regex_seconds = 0;    // RE2 programs compiled again from their patterns
  double hs_seconds = 0;       // Vectorscan databases deserialized
  double compile_seconds = 0;  // on a miss: YAML parsing and compiling
  double store_seconds = 0;    // on a miss: encoding and writing the cache file
};

// $XDG_CACHE_HOME/vigil, else $HOME/.cache/vigil; empty when neither is set.
std::string default_cache_directory();

// What load_rules(rule_paths) and RuleSet::compile would give, from the
// cache when it holds this exact input. `diagnostics` receives the loader's
// and the compiler's diagnostics (the same on a hit as on a compile), in the
// order RuleSet::compile gives them. `names` must be the run's table and
// outlive the set (as for RuleSet::compile); on a hit the cached field names
// are interned into it.
std::shared_ptr<const RuleSet> load_or_compile(const std::vector<std::string>& rule_paths,
                                               const CompileOptions& options,
                                               const CacheOptions& cache, FieldNames& names,
                                               std::vector<Diagnostic>& diagnostics,
                                               CacheStats* stats = nullptr);

// --- The parts, for tests and fuzzing --------------------------------------------

using CacheKey = std::array<uint8_t, 32>;  // SHA-256
std::string cache_key_hex(const CacheKey& key);

// The key load_or_compile uses; nullopt when the rules cannot be cached (a
// path that cannot be listed or read, a file over the size limit).
std::optional<CacheKey> rule_set_cache_key(const std::vector<std::string>& rule_paths,
                                           const CompileOptions& options,
                                           const CacheOptions& cache);

// A whole cache file: header (key, checksum) and the compiled set with the
// diagnostics of its compile. Empty when the set cannot be encoded.
std::string encode_rule_set(const RuleSet& set, std::span<const Diagnostic> diagnostics,
                            const CacheKey& key);

struct DecodeChecks {
  const CacheKey* key = nullptr;  // when set, the file must carry this key
  // Off only for fuzzing, so that mutated inputs reach the decoder proper.
  bool checksum = true;
};
// The rule set a cache file holds, with its field names interned into
// `names`; `diagnostics` receives the stored diagnostics. Any inconsistency
// is an error (never a crash): the file is then to be treated as a miss.
Result<std::shared_ptr<const RuleSet>> decode_rule_set(std::string_view file, FieldNames& names,
                                                       std::vector<Diagnostic>& diagnostics,
                                                       const DecodeChecks& checks = {},
                                                       CacheStats* stats = nullptr);

}  // namespace vigil::detect
