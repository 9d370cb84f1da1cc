#pragma once
// Rule compilation for the correlation tests, behind a wall: rule.h and
// detection.h both define vigil::detect::Detection (a rule's detection
// section, the match record), so the tests that build detections cannot
// include the loader's and compiler's headers. correlation_support_test.cc
// implements this on their side.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::detect {
class RuleSet;
}

namespace vigil::detect::testing {

class CompiledRules {
 public:
  CompiledRules();
  ~CompiledRules();

  // Loads and compiles; returns the number of rejected documents.
  size_t compile(const std::string& yaml);
  std::string diagnostics() const;  // one formatted diagnostic per line
  const RuleSet& set() const;

  size_t rule_count() const;
  std::string rule_name(uint32_t rule) const;
  uint32_t rule_index(std::string_view name_or_id) const;  // UINT32_MAX when absent
  size_t correlation_count() const;
  std::string correlation_title(uint32_t correlation) const;
  uint32_t correlation_index(std::string_view title) const;  // UINT32_MAX when absent

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Parsed only (nothing compiled): the `rules` of each correlation in `yaml`.
std::vector<std::vector<std::string>> correlation_references(const std::string& yaml);
// Parsed only: correlations loaded from `yaml`; `rejected` counts rejected documents.
size_t load_correlations(const std::string& yaml, size_t& rejected);

}  // namespace vigil::detect::testing
