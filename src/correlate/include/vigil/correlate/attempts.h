#pragma once
// Attack attempts per UTC day and category, counted from events as
// docs/investigate.md ("Attempts: what counts") defines them: exploit
// payloads, denial-of-service floods and scans against the public web front
// end, port and host sweeps seen by Zeek, brute force and password spraying
// against Windows and SSH logons.
//
// One counter per worker thread sees that worker's events in any order;
// counters are merged, then finished. Every figure is a sum or a set, so the
// result does not depend on how events were split between workers.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/field_names.h"
#include "vigil/core/text_map.h"

namespace vigil::correlate {

enum class AttemptCategory : uint8_t {
  kBruteForce,
  kDenialOfService,
  kExploitation,
  kPasswordSpraying,
  kScanning,
};
inline constexpr size_t kAttemptCategories = 5;
// `brute_force`, `denial_of_service`, ...: the names findings.json uses.
// The enum is in the order of these names.
const char* attempt_category_name(AttemptCategory category);

// Thresholds of the definitions (docs/investigate.md).
struct AttemptThresholds {
  uint32_t flood_requests_per_minute = 300;
  uint32_t scan_not_found_per_day = 20;
  uint32_t sweep_ports_or_hosts_per_day = 20;
  uint32_t spraying_accounts = 10;
  uint32_t spraying_max_per_account = 3;
  uint32_t brute_force_failures = 10;
};

struct AttemptSource {
  std::string address;
  uint64_t count = 0;
};

struct AttemptDay {
  std::string date;  // YYYY-MM-DD, UTC
  AttemptCategory category = AttemptCategory::kScanning;
  uint64_t count = 0;
  std::vector<AttemptSource> top_sources;  // most first, ties by address
};

// What one event is, for counting (exposed for tests).
struct WebRequestSignal {
  bool exploit = false;
  bool scanner = false;
  bool not_found = false;
};
WebRequestSignal classify_web_request(std::string_view uri, std::string_view user_agent,
                                      std::string_view status);

class AttemptCounter {
 public:
  // Interns the field names it reads; the same table the readers use.
  explicit AttemptCounter(FieldNames& names, AttemptThresholds thresholds = {});

  void add(const Event& event);
  void merge(AttemptCounter&& other);
  // Every (day, category) with a non-zero count, by date then category.
  std::vector<AttemptDay> finish(size_t top_sources) const;

 private:
  struct Fields {
    FieldId channel, event_id, ip_address, target_user, c_ip, uri, uri_stem, uri_query, status,
        user_agent, zeek_path, orig_h, resp_h, resp_p, conn_state, program, action, outcome,
        src_ip, user, repeat_count;
  };
  // Web requests of one source in one minute.
  // 32-bit counts: one entry gathers the requests of one minute within one
  // block of a file (a few MiB), and finish() adds entries up in 64 bits.
  struct Minute {
    uint32_t total = 0;
    uint32_t exploit = 0;
    uint32_t scanner = 0;    // scanner user agent, no exploit payload
    uint32_t not_found = 0;  // answered 404, neither exploit nor scanner
    uint32_t not_found_all = 0;
  };
  // Zeek failed connections and failed authentications of one source in one day.
  struct SourceDay {
    uint64_t failed_connections = 0;
    std::set<std::string> ports;  // capped at the sweep threshold
    std::set<std::string> hosts;
    uint64_t auth_failures = 0;
    std::map<std::string, uint64_t> accounts;
  };
  using SourceKey = std::pair<int64_t, std::string>;  // (day or minute, source)
  // Sources looked up by their text without building a string per event.
  template <class T>
  using BySource = TextMap<T>;
  template <class T>
  T& of_source(BySource<T>& map, std::string_view source) {
    auto it = map.find(source);
    if (it == map.end()) it = map.emplace(std::string(source), T{}).first;
    return it->second;
  }

  void add_web(const Event& event, std::string& buffer);
  void add_conn(const Event& event, std::string& buffer);
  void add_auth_failure(int64_t day, std::string_view source, std::string_view account,
                        uint64_t count);

  AttemptThresholds thresholds_;
  Fields f_{};
  // Per source, its requests per minute in the order met: logs run forward
  // in time, so a request nearly always adds to the last entry. Entries of
  // one minute met apart are added together by finish().
  struct MinuteCount {
    int64_t minute = 0;
    Minute counts;
  };
  BySource<std::vector<MinuteCount>> minutes_;
  BySource<std::map<int64_t, SourceDay>> days_;            // source -> day -> the rest
  // Is this user agent a scanner's? Agents repeat: remembered (bounded).
  BySource<bool> scanner_agents_;
  // Requests come in runs from one visitor: the last one's entries, kept
  // (references into node-based maps stay valid) to skip the lookups.
  std::string last_source_;
  std::vector<MinuteCount>* last_minutes_ = nullptr;
  std::string last_agent_;
  bool last_agent_scanner_ = false;
  std::string a_, b_, c_, d_;  // text buffers
};

}  // namespace vigil::correlate
