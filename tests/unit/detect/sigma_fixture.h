#pragma once
// Shared helpers of the Sigma engine tests: compile rules from YAML text and
// match them against events built from (field, text) pairs.

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/field_names.h"
#include "vigil/detect/loader.h"
#include "vigil/detect/matcher.h"
#include "vigil/detect/ruleset.h"

namespace vigil::detect::testing {

// A rule document around a detection block (indented by four spaces inside).
inline std::string rule_yaml(const std::string& detection, const std::string& extra = {}) {
  std::string out =
      "title: Test rule\n"
      "id: 00000000-0000-4000-8000-000000000001\n"
      "logsource:\n"
      "    product: windows\n"
      "detection:\n";
  out += detection;
  if (!out.empty() && out.back() != '\n') out += '\n';
  out += extra;
  return out;
}

class SigmaFixture {
 public:
  // Loads and compiles; returns the number of rejected documents.
  size_t compile(const std::string& yaml, CompileOptions options = {}) {
    RuleCollection collection;
    parse_rules(yaml, "test.yml", collection);
    documents_ = collection.documents;
    diagnostics_.clear();
    set_ = RuleSet::compile(std::move(collection), names_, options, diagnostics_);
    matcher_ = std::make_unique<Matcher>(*set_);
    size_t rejected = 0;
    for (const Diagnostic& d : diagnostics_) rejected += d.rejects_rule ? 1 : 0;
    return rejected;
  }

  // Compiles a single rule that must load, failing the test otherwise.
  void compile_ok(const std::string& yaml, CompileOptions options = {}) {
    const size_t rejected = compile(yaml, std::move(options));
    EXPECT_EQ(rejected, 0u) << all_diagnostics();
    EXPECT_GE(set_->size(), 1u) << all_diagnostics();
  }

  std::string all_diagnostics() const {
    std::string out;
    for (const Diagnostic& d : diagnostics_) out += format_diagnostic(d) + "\n";
    return out;
  }

  // First error message, or "".
  std::string first_error() const {
    for (const Diagnostic& d : diagnostics_) {
      if (d.severity == Severity::kError) return d.message;
    }
    return {};
  }
  const Diagnostic* first_rejection() const {
    for (const Diagnostic& d : diagnostics_) {
      if (d.rejects_rule) return &d;
    }
    return nullptr;
  }

  Event& event(std::vector<std::pair<std::string, std::string>> fields) {
    event_.clear();
    for (auto& [name, text] : fields) {
      storage_.push_back(std::move(text));
      event_.add(names_.intern(name), Value::utf8(storage_.back()));
    }
    return event_;
  }

  // Adds a raw typed value (e.g. UTF-16 text, an integer) to the current event.
  void add_raw(const std::string& name, ValueType type, std::string bytes) {
    storage_.push_back(std::move(bytes));
    const std::string& b = storage_.back();
    event_.add(names_.intern(name), Value(reinterpret_cast<const uint8_t*>(b.data()),
                                          static_cast<uint32_t>(b.size()),
                                          static_cast<uint8_t>(type)));
  }

  std::vector<uint32_t> match(const Event& e) {
    auto hits = matcher_->match(e);
    return {hits.begin(), hits.end()};
  }
  bool matches(std::vector<std::pair<std::string, std::string>> fields) {
    return !match(event(std::move(fields))).empty();
  }
  bool matches_current() { return !match(event_).empty(); }
  const Event& event_ref() const { return event_; }
  // Without copying the result (for allocation counting).
  size_t hits_current() { return matcher_->match(event_).size(); }

  const Matcher::Counters& counters() const { return matcher_->counters(); }
  const RuleSet& set() const { return *set_; }
  FieldNames& names() { return names_; }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  size_t documents() const { return documents_; }

 private:
  FieldNames names_;
  std::shared_ptr<const RuleSet> set_;
  std::unique_ptr<Matcher> matcher_;
  std::vector<Diagnostic> diagnostics_;
  size_t documents_ = 0;
  Event event_;
  std::deque<std::string> storage_;
};

// UTF-16LE bytes of ASCII text.
inline std::string utf16le(const std::string& ascii) {
  std::string out;
  for (char c : ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

}  // namespace vigil::detect::testing
