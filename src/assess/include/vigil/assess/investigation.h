#pragma once
// From what one pass over the logs gathered (detections, attempt counts,
// logons) to the Findings of `vigil investigate`: incidents with their steps,
// evidence and similar ATT&CK groups, attempts per day, rule totals
// (docs/investigate.md).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/assess/access.h"
#include "vigil/assess/findings.h"
#include "vigil/assess/inventory.h"
#include "vigil/correlate/incidents.h"
#include "vigil/detect/detection.h"
#include "vigil/detect/ruleset.h"

namespace vigil::assess {

// A Sigma correlation rule's alert (brute force, many files read, ...).
struct CorrelationHit {
  uint32_t correlation = 0;  // index into RuleSet::correlations()
  Timestamp first;
  Timestamp last;
  std::string host;  // lower case; empty when unknown
  std::vector<std::pair<std::string, std::string>> group;  // group-by field -> value
  struct Event {
    uint32_t source = 0;  // input index
    uint64_t record = 0;
  };
  std::vector<Event> events;  // the first contributing events
  uint64_t events_total = 0;
};

struct InvestigationInput {
  std::vector<InputSummary> inputs;  // by source id
  uint64_t events = 0;
  Timestamp first;
  Timestamp last;
  std::vector<detect::Detection> detections;  // sorted by detect::detection_before
  // Per rule: false when its detections only feed a correlation (Sigma's
  // `generate: false`): they count there, not on their own.
  std::vector<char> reported;
  std::vector<CorrelationHit> correlations;  // by last event time
  std::vector<correlate::AttemptDay> attempts;
  std::vector<correlate::LogonLink> logons;  // accounts as logged (DOMAIN\user)
  std::vector<correlate::HostAddress> addresses;
  // With an inventory: accesses outside the reader's role.
  const Inventory* inventory = nullptr;
  std::vector<OutOfRole> out_of_role;
  // With an inventory: every access to its assets, and what the inputs can
  // see (impact.h).
  std::vector<LoggedAccess> accesses;
  bool accesses_truncated = false;
  std::vector<LoggedRoot> roots;
  std::vector<LoggedTransfer> transfers;
  std::vector<SourceSpan> spans;  // by source id
};

// Accounts in one spelling, `user@dns.domain` in lower case, whatever the log
// wrote (`DOMAIN\user`, `user@domain`, `user` with a separate domain field).
// NetBIOS domain names are mapped to the DNS domain of the machines seen
// when its first label matches (`COURT` -> `court.local`).
class AccountNormaliser {
 public:
  // `hosts`: machine names as logged (FQDNs give the DNS domains).
  explicit AccountNormaliser(std::span<const std::string> hosts);
  // Empty for what is not a person's or a service's identity: machine
  // accounts (`$`), SYSTEM, LOCAL/NETWORK SERVICE, ANONYMOUS LOGON, window
  // manager and font driver sessions, `-`.
  // An account logged without a domain on a machine of a DNS domain
  // (`host` an FQDN) is taken to be of that domain.
  std::string normalise(std::string_view user, std::string_view domain = {},
                        std::string_view host = {}) const;

 private:
  std::vector<std::string> dns_domains_;  // sorted
};

Findings build_findings(const InvestigationInput& input, const detect::RuleSet& rules,
                        std::string_view vigil_version);

}  // namespace vigil::assess
