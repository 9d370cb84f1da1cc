#pragma once
// Compile once, match many: a RuleSet is the immutable compiled form of a
// rule collection, shared by every thread; each thread matches events with
// its own Matcher (matcher.h).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "vigil/core/field_names.h"
#include "vigil/detect/diagnostic.h"
#include "vigil/detect/loader.h"
#include "vigil/detect/placeholders.h"
#include "vigil/detect/rule.h"
#include "vigil/detect/selection.h"

namespace vigil::detect {

// One kind of event a rule's logsource stands for, as the compiler needs it
// (the logsource mapping's SourceVariant, see logsource.h).
struct SourceGate {
  std::string name;
  // Event field -> accepted values (any); every field must hold. Values are
  // compared with the event's text case-insensitively.
  std::vector<std::pair<std::string, std::vector<std::string>>> conditions;
  // Sigma field -> event field for this kind of event.
  std::vector<std::pair<std::string, std::string>> renames;
  // When set, the Sigma fields this kind of event has: a rule that uses any
  // other field does not apply to it.
  std::optional<std::vector<std::string>> fields;
};

// What a logsource means; an empty answer means it is not mapped: such rules
// are loaded (with a warning) but match no event.
using LogsourceResolver = std::function<std::vector<SourceGate>(const Logsource&)>;

class LogsourceMapping;
// The resolver of a logsource mapping (logsource.h), e.g. LogsourceMapping::builtin().
// The mapping must outlive the resolver.
LogsourceResolver mapping_resolver(const LogsourceMapping& mapping);

struct CompileOptions {
  const Placeholders* placeholders = nullptr;  // none: rules with placeholders are rejected
  LogsourceResolver resolver;                  // unset: every rule is tried on every event
  // The literal prefilter and the regexes' Vectorscan pre-checks only skip
  // work, never change a result; off (both) is for tests that prove that,
  // and for measuring what they save.
  bool literal_prefilter = true;
  // Rules and correlations left out before compiling (selection.h); empty:
  // every one is compiled.
  RuleSelection selection;
};

struct RuleSetStats {
  size_t rules = 0;         // compiled detection rules
  size_t instances = 0;     // rule x event source pairs
  size_t gates = 0;         // distinct event-source conditions
  size_t tests = 0;         // distinct field tests after sharing
  size_t patterns = 0;      // string patterns
  size_t regexes = 0;       // RE2 programs
};

class RuleSet {
 public:
  // Rejected documents are reported in `diagnostics` (with rejects_rule set)
  // and left out; collection.diagnostics are moved there first. Field names
  // are interned in `names`, which must be the run's table (the one readers
  // intern event fields in) and outlive the set.
  static std::shared_ptr<const RuleSet> compile(RuleCollection collection, FieldNames& names,
                                                const CompileOptions& options,
                                                std::vector<Diagnostic>& diagnostics);

  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;
  ~RuleSet();

  // Detection rules in load order; Matcher reports indices into this.
  std::span<const Rule> rules() const;
  const Rule& rule(uint32_t index) const { return rules()[index]; }
  size_t size() const { return rules().size(); }
  std::span<const Correlation> correlations() const;
  std::span<const Filter> filters() const;
  // Detection rules and correlations CompileOptions::selection left out.
  size_t left_out() const;
  RuleSetStats stats() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit RuleSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::detect
