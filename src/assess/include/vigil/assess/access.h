#pragma once
// Accesses to inventoried assets, gathered from every event, judged against
// the reader's role (need_to_know.h): file-share reads (Security 5145),
// object access (4663), files written (Sysmon 11), the application audit
// trail, authenticated web requests. One collector per worker; they merge.
// Only accesses outside the reader's role are kept, aggregated per account
// and asset, with the first pieces of evidence.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "vigil/assess/findings.h"
#include "vigil/assess/inventory.h"
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

class AccessCollector {
 public:
  AccessCollector(FieldNames& names, const Inventory& inventory);

  void add(const Event& event);
  void merge(AccessCollector&& other);
  // By account, then asset.
  std::vector<OutOfRole> out_of_role() const;

 private:
  void judge(const Event& event, std::string_view account, std::string_view host,
             std::string_view location, LocationKind kind, std::string_view action);

  const Inventory* inventory_;
  struct Fields {
    FieldId subject_user, subject_domain, share_name, relative_target, object_name, target_filename,
        user, actor, object, action, cs_username, uri_stem, host;
  };
  Fields f_{};
  std::map<std::pair<std::string, uint32_t>, OutOfRole> found_;
  std::string a_, b_, c_, d_;
};

}  // namespace vigil::assess
