#pragma once
// Collects, from every event, what joins incidents across machines
// (docs/investigate.md, "Incidents"): network and remote-interactive logons
// (Security 4624 types 3 and 10), logons with explicit credentials (4648),
// and the addresses machines use (Sysmon 3 connections they initiated).
//
// One collector per worker; collectors merge. Logons are kept once per hour
// and (target, source machine, source address, account), with the earliest
// time, so memory grows with distinct logon paths, not with events.

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/field_names.h"
#include "vigil/correlate/incidents.h"

namespace vigil::correlate {

class LogonCollector {
 public:
  explicit LogonCollector(FieldNames& names);

  void add(const Event& event);
  void merge(LogonCollector&& other);

  // Accounts are as logged, `DOMAIN\user` (lower case): the caller
  // normalises them as it does the detections' accounts. Sorted by time.
  std::vector<LogonLink> links() const;
  std::vector<HostAddress> addresses() const;  // sorted by address

 private:
  using LinkKey = std::tuple<int64_t, std::string, std::string, std::string, std::string>;
  struct Fields {
    FieldId logon_type, workstation, ip_address, target_user, target_domain, target_server,
        initiated, source_ip;
  };
  Fields f_{};
  std::map<LinkKey, int64_t> links_;  // (hour, to, from host, from address, account) -> first tick
  std::map<std::string, std::string> addresses_;  // address -> host (smallest name wins)
  std::string a_, b_, c_, d_, e_;
};

}  // namespace vigil::correlate
