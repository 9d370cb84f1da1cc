#pragma once
// What `vigil investigate` concludes, as the writers (findings.json,
// report.html, case.db) receive it. Plain data, self-contained (no views into
// reader buffers), deterministic: everything is sorted as documented and no
// wall-clock time appears in it, so the same logs give the same findings.
// docs/findings.md is the schema of findings.json.

#include <cstdint>
#include <string>
#include <vector>

#include "vigil/core/timestamp.h"
#include "vigil/correlate/attempts.h"

namespace vigil::assess {

// One record of the evidence, precise enough to find it again.
struct Evidence {
  std::string source;   // input file path, as given
  uint64_t record = 0;  // EVTX EventRecordID, or line number of a text log
  uint64_t offset = 0;  // byte offset in the file
  Timestamp timestamp;
  std::string host;
  std::string account;  // user@domain, lower case; empty when none
  std::string action;   // what happened, in a few words
  std::string object;   // what it happened to (a path, a URL, a process)
};

struct TechniqueRef {
  std::string id;      // "T1003.001"
  std::string name;    // "LSASS Memory"
  std::string tactic;  // first tactic shortname, kill-chain order
};

// A detection that is part of an incident.
struct IncidentStep {
  Timestamp timestamp;
  std::string host;
  std::vector<std::string> accounts;
  std::string rule_id;
  std::string rule_title;
  std::string level;
  std::string author;
  std::vector<std::string> techniques;  // ids, sorted
  std::vector<std::string> tactics;     // shortnames, kill-chain order
  Evidence evidence;
};

// An ATT&CK group whose known techniques resemble the incident's: evidence
// for analysts, not attribution.
struct GroupSimilarity {
  std::string id;    // "G0016"
  std::string name;  // "APT29"
  double score = 0;  // in [0, 1]
  std::vector<std::string> shared_techniques;  // ids, sorted
};

struct Incident {
  std::string id;              // "INC-001", numbered by first detection time
  std::string classification;  // espionage | disruption | insider | commodity
  double confidence = 0;       // in [0, 1]
  std::vector<std::string> reasons;  // plain words, most important first
  Timestamp first_seen;
  Timestamp last_seen;
  std::vector<std::string> hosts;      // lower case, sorted
  std::vector<std::string> accounts;   // user@domain, lower case, sorted
  std::vector<std::string> addresses;  // source addresses involved, sorted
  std::vector<std::string> tactics;    // shortnames, kill-chain order
  std::vector<TechniqueRef> techniques;  // sorted by id
  std::vector<IncidentStep> steps;     // time order
  std::vector<GroupSimilarity> similar_groups;  // best first
};

// An account that read an asset its role does not cover.
struct NeedToKnowViolation {
  std::string account;  // user@domain, lower case
  std::string role;
  std::string asset;  // asset id
  std::string asset_description;
  std::string sensitivity;  // critical | high | medium | low
  Timestamp first_seen;
  Timestamp last_seen;
  uint64_t accesses = 0;
  std::vector<Evidence> evidence;  // the first accesses, time order (capped)
};

// --- Impact (docs/impact.md): who was hit, with --inventory --------------------

// What the attacker of one incident held: the compromised accounts and hosts,
// the processes and source addresses seen, and when.
struct Footprint {
  std::string incident;                // "INC-001"
  std::string classification;
  std::vector<std::string> accounts;   // user@domain, lower case, sorted
  std::vector<std::string> hosts;      // lower case, sorted
  std::vector<std::string> processes;  // image paths of the incident's steps, sorted
  std::vector<std::string> addresses;  // sorted
  Timestamp first;
  Timestamp last;
};

// What an asset went through, strongest first: exfiltrated > staged > copied >
// read > held (on a compromised host, no access seen).
struct AssetImpact {
  std::string asset;  // asset id
  std::string description;
  std::string sensitivity;                   // critical | high | medium | low
  std::vector<std::string> data_categories;  // as the inventory lists them
  std::vector<std::string> actions;          // exfiltrated, staged, copied, read, held; strongest first
  std::vector<std::string> incidents;        // ids, sorted
  std::vector<std::string> subjects;         // subject ids whose data it holds, sorted
  std::vector<Evidence> evidence;            // time order (capped)
};

// One subject whose data an incident reached (or may have reached).
struct ExposedSubject {
  std::string subject_id;
  std::string name;      // as the inventory gives it (a pseudonym for protected persons)
  std::string kind;      // individual | organisation | state
  std::string category;  // protected_witness, partner_state, ...
  std::string exposure;  // exfiltrated | accessed | at_risk
  double confidence = 0;
  std::vector<std::string> assets;           // asset ids, sorted
  std::vector<std::string> data_categories;  // of those assets, sorted, unique
  std::string incident;                      // the incident behind the strongest exposure
  std::vector<std::string> reasons;          // plain words, most important first
  std::vector<std::string> coverage_gaps;    // the gaps that leave the answer open
  std::vector<Evidence> evidence;            // time order (capped)
  // How to reach them (from the inventory).
  std::string language;  // en, fr, ...
  std::string channel;   // email | post | in_person | via_state_party | secure_messenger
  std::string address;
  bool safety_review = false;
  Timestamp first_exposed;  // earliest evidence, else the incident's first time
};

// Whether the logs could see accesses at one location of an asset during
// the window of the incidents.
struct CoverageEntry {
  std::string asset;     // asset id
  std::string location;  // the pattern as the inventory writes it
  std::string status;    // covered | partial | none
  std::vector<std::string> sources;  // input files that logged accesses there, input order
  std::string gap;                   // in words; empty when covered
};

struct Coverage {
  Timestamp window_first;  // the incidents' window the coverage is judged on
  Timestamp window_last;
  std::vector<CoverageEntry> locations;  // by asset (inventory order), then location order
};

// The state of one subject's notification (case.db keeps the history).
struct NotificationStatus {
  std::string subject_id;
  std::string route;   // letter | safety_review (reviewed before anyone contacts them)
  std::string status;  // drafted | reviewed | sent | acknowledged
  std::string by;      // who set it; empty for drafted by vigil
  std::string at;      // RFC 3339 as given; empty for drafted by vigil
  std::string note;
};

struct Impact {
  std::vector<Footprint> footprints;            // by incident id
  std::vector<AssetImpact> assets;              // assets reached or at risk, inventory order
  std::vector<ExposedSubject> subjects;         // exposed only: by subject id
  std::vector<std::string> not_exposed;         // subject ids, sorted
  Coverage coverage;
  std::vector<NotificationStatus> notifications;  // by subject id; from case.db's history
};

struct InputSummary {
  std::string path;
  std::string format;  // evtx, syslog, web, ...
  uint64_t records = 0;
  uint64_t damaged = 0;  // damaged places or rejected lines
};

struct RuleCount {
  std::string rule_id;
  std::string title;
  std::string level;
  uint64_t count = 0;
};

struct Findings {
  std::string vigil_version;
  Timestamp first_event;  // of all events read
  Timestamp last_event;
  uint64_t events = 0;
  uint64_t detections = 0;
  std::vector<InputSummary> inputs;     // in input order
  std::vector<RuleCount> rules;         // detections per rule, most first, ties by id
  std::vector<Incident> incidents;      // by first_seen, then id
  std::vector<correlate::AttemptDay> attempts;  // by date, then category
  std::vector<NeedToKnowViolation> need_to_know;  // by account, then asset
  bool inventory_given = false;
  Impact impact;  // empty without an inventory
};

}  // namespace vigil::assess
