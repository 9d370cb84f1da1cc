#pragma once
// What a Sigma rule's logsource (product, category, service) means in terms of
// events: which channel, event id or log format, and under which field names.
// The meaning is data, not code: a default mapping is compiled in from
// src/detect/mappings/*.yml, and a user's mapping file (`--mapping FILE`)
// is merged over it. docs/logsource.md describes the file format, the merge
// rule, every built-in mapping and what is deliberately left unmapped.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::detect {

// A rule's logsource. An empty string means the rule does not give that part.
// Compared case-insensitively (ASCII).
struct LogsourceKey {
  std::string product, category, service;

  // "product/category/service" with "-" for an absent part, for messages.
  std::string to_string() const;
};

// One kind of event a logsource stands for. An event belongs to the variant
// when every condition holds; a rule compiled for the variant reads its Sigma
// fields under the renamed event field names.
struct SourceVariant {
  std::string name;  // e.g. "sysmon-1", "security-4688"
  // Event field -> accepted values (any one); every listed field must hold.
  // Values are compared with the event's text case-insensitively ("4688").
  // When the event has the field several times, one of its values suffices.
  std::vector<std::pair<std::string, std::vector<std::string>>> conditions;
  // Sigma field -> event field name in this source.
  std::vector<std::pair<std::string, std::string>> renames;
  // When set: the Sigma fields this variant has; a rule that uses any other
  // field does not apply to this variant.
  std::optional<std::vector<std::string>> fields;

  std::string note;  // free text from the mapping file, for people
  // Where the variant was defined: mapping file name and 1-based line.
  std::string origin;
  uint64_t line = 0;

  // The event field a Sigma field is read from in this variant (the rename
  // target, or the Sigma name itself). Field names are case-sensitive.
  std::string_view event_field(std::string_view sigma_field) const;
  // Whether a rule may use `sigma_field` on this variant (always when
  // `fields` is unset).
  bool has_field(std::string_view sigma_field) const;
};

class LogsourceMapping {
 public:
  // One logsource and the variants it stands for.
  struct Entry {
    LogsourceKey key;  // lower case
    std::vector<SourceVariant> variants;
    // Override files only: the variants here replace the base's entirely
    // (with none, the logsource becomes unmapped).
    bool replace = false;
    // Override files only: names of base variants to drop.
    std::vector<std::string> removed;
    std::string note;
    std::string origin;
    uint64_t line = 0;
  };

  // Parses a mapping file. Errors carry `origin` as source and the 1-based
  // line as offset (the message repeats line and column).
  static Result<LogsourceMapping> parse(std::string_view yaml, std::string_view origin);
  // The default mapping, compiled into the binary; parsed once, on first use.
  static const LogsourceMapping& builtin();
  // The same data as builtin(), with any error in it reported (for tests;
  // builtin() falls back to an empty mapping, which tests rule out).
  static Result<LogsourceMapping> parse_builtin();

  // Applies an override mapping, entry by entry, matched on the key:
  // - a key the base lacks is added;
  // - `replace: true` sets the key's variants to exactly the override's;
  // - otherwise an override variant replaces the base variant of the same
  //   name in place, or is appended when the name is new, and names listed
  //   under `remove` are dropped.
  // Pointers returned by resolve() before a merge are invalid after it.
  void merge(const LogsourceMapping& overrides);

  // The variants for a rule's logsource: those of the entry whose product,
  // category and service all equal the key's (an absent part matches only an
  // absent part). Empty when the logsource is not mapped.
  std::vector<const SourceVariant*> resolve(const LogsourceKey& key) const;
  // The entry for exactly this key, or nullptr.
  const Entry* find(const LogsourceKey& key) const;

  const std::vector<Entry>& entries() const { return entries_; }

 private:
  Entry* find_mutable(const LogsourceKey& key);

  std::vector<Entry> entries_;
};

}  // namespace vigil::detect
