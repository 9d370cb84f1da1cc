#pragma once
// Incidents from detections (docs/investigate.md, "Incidents"): detections
// that share a host or an account within a time gap belong together, and
// logons from one incident's machine, address or account to another machine
// join the detections there. Each incident is then classified (espionage,
// disruption, insider, commodity) with a confidence and reasons in words.
//
// Deterministic: the result depends only on the inputs' contents, not on
// their order (detections are ordered by time, then id, before anything).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vigil/core/timestamp.h"
#include "vigil/correlate/attack.h"

namespace vigil::correlate {

// One detection, as the incident builder sees it.
struct IncidentDetection {
  uint64_t id = 0;  // the caller's index of the detection
  Timestamp timestamp;
  std::string host;                   // lower case, as logged (FQDN when the log has it)
  std::vector<std::string> accounts;  // identities only (no machine or service accounts), normalised
  std::string address;                // a remote address the detection names (source or destination)
  std::vector<const Technique*> techniques;
  std::vector<const Tactic*> tactics;  // kill-chain order
  // Tagged only with attempt techniques (brute force, scanning, exploiting a
  // public application): counted as attempts, never part of an incident.
  bool attempt_only = false;
};

// A logon on `to_host` from another machine: a network or remote-interactive
// logon, explicit credentials, a remote service.
struct LogonLink {
  Timestamp timestamp;
  std::string to_host;       // lower case
  std::string from_host;     // lower case; short name or FQDN; empty when unknown
  std::string from_address;  // empty when unknown
  std::string account;       // normalised; empty when none
};

// An address some machine used (from Sysmon network events and the like).
struct HostAddress {
  std::string address;
  std::string host;  // lower case
};

struct IncidentOptions {
  // Detections of one host or account further apart than this start anew.
  int64_t gap_ticks = 24LL * 3600 * Timestamp::kTicksPerSecond;
};

enum class IncidentClass : uint8_t { kEspionage, kDisruption, kInsider, kCommodity };
const char* incident_class_name(IncidentClass c);

struct IncidentGroup {
  std::vector<uint64_t> detections;  // ids, by time then id
  Timestamp first;
  Timestamp last;
  std::vector<std::string> hosts;      // sorted
  std::vector<std::string> accounts;   // sorted
  std::vector<std::string> addresses;  // sorted
  std::vector<const Technique*> techniques;  // sorted by id
  std::vector<const Tactic*> tactics;        // kill-chain order
  IncidentClass classification = IncidentClass::kCommodity;
  double confidence = 0;
  std::vector<std::string> reasons;
};

// Groups the detections into incidents, classified; by first detection time.
std::vector<IncidentGroup> build_incidents(std::span<const IncidentDetection> detections,
                                           std::span<const LogonLink> logons,
                                           std::span<const HostAddress> addresses,
                                           const IncidentOptions& options = {});

// The short name of a host ("ws-0412" for "ws-0412.court.local"), lower case.
std::string short_host_name(std::string_view host);

// Classifies a built group from its detections (exposed for tests).
void classify_incident(IncidentGroup& group, std::span<const IncidentDetection> members);

}  // namespace vigil::correlate
