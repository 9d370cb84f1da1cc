#pragma once
// Who was hit (docs/impact.md): from the incidents and every logged access to
// an inventoried asset, per asset what happened to it and per subject whether
// its data left (exfiltrated), was read by the attacker (accessed), or was
// held where the attacker was or where no log could see (at_risk), with the
// evidence, and which log sources the answer rests on (coverage).

#include <span>

#include "vigil/assess/access.h"
#include "vigil/assess/findings.h"
#include "vigil/assess/inventory.h"

namespace vigil::assess {

class AccountNormaliser;

struct ImpactInput {
  const Inventory* inventory = nullptr;
  std::span<const LoggedAccess> accesses;  // sorted (AccessCollector::take_accesses)
  bool accesses_truncated = false;
  std::span<const LoggedRoot> roots;
  std::span<const LoggedTransfer> transfers;  // sorted (AccessCollector::take_transfers)
  std::span<const SourceSpan> spans;     // by source id
  std::span<const InputSummary> inputs;  // by source id
};

// Needs the findings' incidents (build_findings makes them first).
Impact assess_impact(const Findings& findings, const ImpactInput& input,
                     const AccountNormaliser& accounts);

// The words of a command line, as Windows splits them: blanks separate,
// double quotes group (and are dropped), `\"` inside quotes is a quote.
std::vector<std::string> split_command_line(std::string_view command_line);

}  // namespace vigil::assess
