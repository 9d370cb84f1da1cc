// The rule side of the correlation tests (correlation_support.h): compiling
// and naming rules, with the loader's and compiler's headers.

#include "correlation_support.h"

#include <limits>

#include "sigma_fixture.h"

namespace vigil::detect::testing {

struct CompiledRules::State {
  SigmaFixture fixture;
  bool compiled = false;
};

CompiledRules::CompiledRules() : state_(std::make_unique<State>()) {}
CompiledRules::~CompiledRules() = default;

size_t CompiledRules::compile(const std::string& yaml) {
  state_->compiled = true;
  return state_->fixture.compile(yaml);
}

std::string CompiledRules::diagnostics() const { return state_->fixture.all_diagnostics(); }

const RuleSet& CompiledRules::set() const { return state_->fixture.set(); }

size_t CompiledRules::rule_count() const { return set().size(); }

std::string CompiledRules::rule_name(uint32_t rule) const { return set().rule(rule).info.name; }

uint32_t CompiledRules::rule_index(std::string_view name_or_id) const {
  for (uint32_t i = 0; i < set().size(); ++i) {
    if (set().rule(i).info.name == name_or_id || set().rule(i).info.id == name_or_id) return i;
  }
  return std::numeric_limits<uint32_t>::max();
}

size_t CompiledRules::correlation_count() const { return set().correlations().size(); }

std::string CompiledRules::correlation_title(uint32_t correlation) const {
  return set().correlations()[correlation].info.title;
}

uint32_t CompiledRules::correlation_index(std::string_view title) const {
  for (uint32_t i = 0; i < set().correlations().size(); ++i) {
    if (set().correlations()[i].info.title == title) return i;
  }
  return std::numeric_limits<uint32_t>::max();
}

std::vector<std::vector<std::string>> correlation_references(const std::string& yaml) {
  RuleCollection collection;
  parse_rules(yaml, "references.yml", collection);
  std::vector<std::vector<std::string>> out;
  for (const Correlation& c : collection.correlations) out.push_back(c.rules);
  return out;
}

size_t load_correlations(const std::string& yaml, size_t& rejected) {
  RuleCollection collection;
  parse_rules(yaml, "spec.md", collection);
  rejected = 0;
  for (const Diagnostic& d : collection.diagnostics) rejected += d.rejects_rule ? 1 : 0;
  return collection.correlations.size();
}

}  // namespace vigil::detect::testing
