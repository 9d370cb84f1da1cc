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

  // What the matcher did so far, for benchmarks and tuning: the costs that
  // grow with the rule set are in gates run, fields scanned and candidates.
  struct Counters {
    uint64_t events = 0;
    uint64_t gates = 0;        // gates whose conditions held
    uint64_t scans = 0;        // field values given to a literal automaton
    uint64_t scanned_bytes = 0;
    uint64_t candidates = 0;   // rule instances evaluated
    uint64_t tests = 0;        // tests evaluated (not served from the per-event cache)
  };
  const Counters& counters() const;

  struct Scratch;

 private:
  const RuleSet& rules_;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace vigil::detect
