#pragma once
// The demo scenario behind `vigil demo`: four weeks of logs of a court-like
// organisation (a Windows domain, Linux servers, a public web site, a proxy,
// Zeek at the perimeter, a case-management application), with daily attack
// attempts from the Internet, one targeted espionage intrusion and one
// trainee reading outside her role, plus the answers: ground_truth.json and
// the organisation's inventory.yaml. docs/scenario.md tells the story.
//
// Deterministic: the same seed and scale give the same bytes in every file,
// whatever the thread count (each file is generated from its own seed, files
// are written in parallel). The scale multiplies only the ordinary
// background (events that no definition or rule counts), so the attempts,
// the intrusion and the ground truth are the same at every scale.

#include <cstdint>
#include <string>

#include "vigil/core/result.h"

namespace vigil::synth {

struct ScenarioOptions {
  uint64_t seed = 1;
  uint32_t scale = 1;    // >= 1
  unsigned threads = 0;  // 0: every core
  std::string out_dir;   // created if missing; files in it are overwritten
};

struct ScenarioStats {
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t records = 0;  // EVTX records and text lines written
};

Result<ScenarioStats> write_scenario(const ScenarioOptions& options);

}  // namespace vigil::synth
