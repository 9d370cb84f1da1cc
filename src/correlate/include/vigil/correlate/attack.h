#pragma once
// MITRE ATT&CK Enterprise as vigil knows it: tactics in kill-chain order,
// techniques and sub-techniques, groups with the techniques ATT&CK links to
// them, and the ids ATT&CK has retired. The table is compiled in from
// src/correlate/attack/*.tsv (written by scripts/attack_table.py); nothing is
// read at run time. docs/attack.md says what it holds and how to regenerate it.
//
// Ids and names are compared case-insensitively (ASCII). Pointers handed out
// point into the table and live as long as it does (builtin(): forever).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::correlate {

struct Tactic {
  std::string id;         // "TA0006"
  std::string shortname;  // "credential-access"
  std::string name;       // "Credential Access"
  uint32_t order = 0;     // 1-based position in the kill chain
};

struct Technique {
  std::string id;  // "T1059.001"
  std::string name;
  std::vector<const Tactic*> tactics;  // kill-chain order
  const Technique* parent = nullptr;   // set for a sub-technique
  // Position in AttackTable::techniques() (sorted by id).
  uint32_t index = 0;

  bool is_subtechnique() const { return parent != nullptr; }
};

// An id ATT&CK no longer uses, as older rules and reports still spell it.
struct RetiredTechnique {
  std::string id;        // "T1086"
  std::string old_name;  // "PowerShell"
  // What ATT&CK replaced it with (followed to a current technique); null when
  // it was withdrawn without a successor.
  const Technique* successor = nullptr;
};

struct Group;

struct Campaign {
  std::string id;  // "C0024"
  std::string name;
  std::vector<const Group*> groups;  // ATT&CK attributes it to these
};

struct GroupTechnique {
  const Technique* technique = nullptr;
  bool direct = false;  // ATT&CK links the group to the technique itself
  std::vector<const Campaign*> campaigns;  // attributed campaigns that used it
};

struct Group {
  std::string id;  // "G0016"
  std::string name;
  std::vector<std::string> aliases;
  // Direct links and those of attributed campaigns, as on attack.mitre.org's
  // group pages; sorted by technique id.
  std::vector<GroupTechnique> techniques;
  uint32_t index = 0;  // position in AttackTable::groups() (sorted by id)
};

// What an id resolves to.
struct TechniqueLookup {
  // The current technique (after remapping); null when the id was withdrawn.
  const Technique* technique = nullptr;
  // Set when the id asked for is a retired one.
  const RetiredTechnique* retired = nullptr;

  bool remapped() const { return retired != nullptr && technique != nullptr; }
  bool withdrawn() const { return technique == nullptr; }
};

// The meaning of one Sigma tag in the `attack.` namespace.
struct AttackTag {
  enum class Kind : uint8_t {
    kTactic,              // attack.credential-access, attack.credential_access, attack.ta0006
    kTechnique,           // attack.t1059.001 (retired ids remapped)
    kWithdrawnTechnique,  // a retired id without successor
    kUnknownTechnique,    // shaped like a technique id but not in the table
  };
  Kind kind = Kind::kTactic;
  const Tactic* tactic = nullptr;        // kTactic
  const Technique* technique = nullptr;  // kTechnique
  const RetiredTechnique* retired = nullptr;  // the retired id, when one was given
};

// What a rule's tags say in ATT&CK terms.
struct TagAttack {
  std::vector<const Technique*> techniques;  // sorted by id, no duplicates
  // The tactics tagged; when no tactic is tagged, those of the techniques.
  // Kill-chain order, no duplicates.
  std::vector<const Tactic*> tactics;
  // Tags naming techniques that are withdrawn or unknown, as written.
  std::vector<std::string> unresolved;
};

class AttackTable {
 public:
  AttackTable(const AttackTable&) = delete;
  AttackTable& operator=(const AttackTable&) = delete;
  AttackTable(AttackTable&&) noexcept;
  AttackTable& operator=(AttackTable&&) noexcept;
  ~AttackTable();

  // The table compiled into the binary, built on first use (thread-safe).
  static const AttackTable& builtin();
  // The same data with any inconsistency reported (for tests; builtin() would
  // fall back to an empty table, which the tests rule out).
  static Result<AttackTable> parse_builtin();
  // Builds a table from the texts of the TSV files attack_table.py writes.
  // Errors name the file and its 1-based line.
  struct Sources {
    std::string_view tactics, techniques, groups, campaigns, group_techniques, technique_remap;
  };
  static Result<AttackTable> parse(const Sources& sources);

  std::span<const Tactic> tactics() const;  // kill-chain order
  std::span<const Technique> techniques() const;  // sorted by id
  std::span<const Group> groups() const;  // sorted by id
  std::span<const Campaign> campaigns() const;  // sorted by id
  std::span<const RetiredTechnique> retired_techniques() const;  // sorted by id

  // By tactic id ("TA0006"), shortname ("credential-access"), or shortname or
  // name with `_` or spaces for `-` ("credential_access", "Credential Access").
  const Tactic* find_tactic(std::string_view text) const;
  // By technique id, current or retired. nullopt: not an id the table knows.
  std::optional<TechniqueLookup> find_technique(std::string_view id) const;
  // The current technique an id stands for (retired ids remapped), or null.
  const Technique* technique(std::string_view id) const;
  // By group id, name or alias ("G0016", "APT29", "Cozy Bear").
  const Group* find_group(std::string_view text) const;
  const Campaign* find_campaign(std::string_view id) const;

  // The groups using a technique, counting a group that uses one of its
  // sub-techniques as using it too; sorted by group id.
  std::span<const Group* const> groups_using(const Technique& technique) const;

  // One Sigma tag; nullopt when it is not an ATT&CK tactic or technique tag
  // (other namespaces, attack.g0016, attack.s0002, ...).
  std::optional<AttackTag> parse_tag(std::string_view tag) const;
  // Every tag of a rule.
  TagAttack resolve_tags(std::span<const std::string> tags) const;

 private:
  struct Data;
  explicit AttackTable(std::unique_ptr<Data> data);
  std::unique_ptr<Data> data_;
};

}  // namespace vigil::correlate
