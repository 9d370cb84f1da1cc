#pragma once
// Matching events against a compiled RuleSet. One Matcher per thread: it
// keeps reusable scratch (decoded field text, per-event test results), so
// matching allocates nothing once warmed up.

#include <cstdint>
#include <memory>
#include <span>

#include "vigil/core/event.h"
#include "vigil/detect/ruleset.h"

namespace vigil::detect {

class Matcher {
 public:
  // `rules` must outlive the matcher.
  explicit Matcher(const RuleSet& rules);
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;
  ~Matcher();

  // Indices of the rules (RuleSet::rules()) the event matches, ascending.
  // Valid until the next call.
  std::span<const uint32_t> match(const Event& event);

  struct Scratch;

 private:
  const RuleSet& rules_;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace vigil::detect
