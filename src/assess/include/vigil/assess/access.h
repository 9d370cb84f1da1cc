#pragma once
// Accesses to inventoried assets, gathered from every event, judged against
// the reader's role (need_to_know.h): file-share reads (Security 5145),
// object access (4663), files written (Sysmon 11), the application audit
// trail, authenticated web requests. One collector per worker; they merge.
// Accesses outside the reader's role are aggregated per account and asset,
// with the first pieces of evidence (need-to-know). For the impact
// assessment (impact.h) every access to an inventoried asset is kept as
// well, up to a limit, with the places each input logs accesses under
// (coverage) and each input's time span.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "vigil/assess/findings.h"
#include "vigil/assess/inventory.h"
#include "vigil/assess/need_to_know.h"
#include "vigil/core/event.h"
#include "vigil/core/field_names.h"

namespace vigil::assess {

// An account's accesses to one asset its role does not cover.
struct OutOfRole {
  std::string account;  // as logged (`COURT\t.novak`, `t.novak`)
  std::string host;     // lower case, of the first access
  uint32_t asset = 0;   // index into Inventory::assets()
  Timestamp first;
  Timestamp last;
  uint64_t count = 0;
  struct Access {
    Timestamp timestamp;
    uint32_t source = 0;
    uint64_t record = 0;
    uint64_t offset = 0;
    std::string host;
    std::string action;
    std::string object;
  };
  std::vector<Access> evidence;  // the earliest ones, capped
};

// One access to an inventoried asset, as logged.
struct LoggedAccess {
  Timestamp timestamp;
  uint32_t source = 0;
  uint64_t record = 0;
  uint64_t offset = 0;
  uint32_t asset = 0;  // index into Inventory::assets()
  LocationKind kind = LocationKind::kPath;
  Access verdict = Access::kUnknownAccount;
  bool reads = false;   // reads the data (not a write, a search, a login)
  std::string account;  // as logged
  std::string host;     // lower case
  std::string action;
  std::string object;   // the place, as logged
};

// An input logged an access under a place root (location_root) that some
// inventory location lies under: that input can see accesses there.
struct LoggedRoot {
  uint32_t source = 0;
  LocationPattern::Form form = LocationPattern::Form::kObject;
  std::string root;
  std::string host;  // the machine that logged it, lower case
  auto operator<=>(const LoggedRoot&) const = default;
};

// A large transfer out, seen by a proxy (Squid: bytes through a tunnel or
// an upload) or by Zeek (conn.log bytes sent by the originator): what shows
// that staged data left.
struct LoggedTransfer {
  Timestamp timestamp;
  uint32_t source = 0;
  uint64_t record = 0;
  uint64_t offset = 0;
  std::string host;     // the destination's name (proxy), empty for Zeek
  std::string address;  // the destination's address
  uint64_t bytes = 0;
  std::string client;   // proxy: user or client address; Zeek: originator
  std::string seen_by;  // proxy | zeek
};

struct SourceSpan {
  Timestamp first;
  Timestamp last;
};

class AccessCollector {
 public:
  AccessCollector(FieldNames& names, const Inventory& inventory);

  void add(const Event& event);
  void merge(AccessCollector&& other);
  // By account, then asset.
  std::vector<OutOfRole> out_of_role() const;
  // Sorted by time, source, offset, record, asset. `truncated` when more
  // than limits::kImpactMaxAccesses were seen (the latest were dropped).
  std::vector<LoggedAccess> take_accesses(bool& truncated);
  std::vector<LoggedRoot> roots() const { return {roots_.begin(), roots_.end()}; }
  // By time, source, record; the earliest limits::kImpactMaxTransfers.
  std::vector<LoggedTransfer> take_transfers();
  // By source id (events without a time do not count).
  const std::vector<SourceSpan>& spans() const { return spans_; }

 private:
  void judge(const Event& event, std::string_view account, std::string_view host,
             std::string_view location, LocationKind kind, std::string_view action);
  void keep_earliest_accesses();
  void add_auditd(const Event& event);
  void add_transfer(const Event& event, bool proxy);
  void note_root(uint32_t source, std::string_view location, LocationKind kind,
                 std::string_view host);

  const Inventory* inventory_;
  struct Fields {
    FieldId subject_user, subject_domain, share_name, relative_target, object_name, target_filename,
        user, actor, object, action, cs_username, uri_stem, host, name, cwd, auid, auid_name,
        syscall_name, sc_bytes, cs_host, dst_ip, cs_method, src_ip, zeek_path, resp_h, orig_h,
        orig_bytes;
  };
  Fields f_{};
  std::map<std::pair<std::string, uint32_t>, OutOfRole> found_;
  std::vector<LoggedAccess> accesses_;
  std::vector<LoggedTransfer> transfers_;
  bool truncated_ = false;
  std::set<std::pair<LocationPattern::Form, std::string>> pattern_roots_;
  std::set<LoggedRoot> roots_;
  std::vector<SourceSpan> spans_;
  std::string a_, b_, c_, d_, scratch_;
};

}  // namespace vigil::assess
