#pragma once
// Need-to-know: does the role of the account that touched an asset cover it?
// A reading outside the role is what makes an incident `insider`
// (docs/investigate.md) and what the impact assessment reports per subject.
//
// Only accounts the inventory knows are judged. An account it does not list
// (a service account, a machine account, an attacker's own account, a typo in
// the inventory) gets kUnknownAccount: need-to-know has nothing to say about
// it, and other evidence (detections, logons) must. Likewise a bare user name
// that several identities answer to is kAmbiguousAccount, never a guess.

#include <cstdint>
#include <string_view>
#include <vector>

#include "vigil/assess/inventory.h"

namespace vigil::assess {

enum class Access : uint8_t {
  kWithinRole,        // a known identity whose role covers the asset
  kOutsideRole,       // a known identity whose role does not: a need-to-know violation
  kUnknownAccount,    // not in the inventory: not judged
  kAmbiguousAccount,  // several identities answer to it: not judged
};

const char* access_name(Access access);

// True when the identity's role lets it read the asset (`assets: all`, or
// the asset's id listed under the identity).
bool role_covers(const Identity& identity, const Asset& asset);

struct AccessVerdict {
  Access access = Access::kUnknownAccount;
  const Identity* identity = nullptr;  // set for kWithinRole and kOutsideRole
};

// Judges one account's access to one asset of `inventory`.
AccessVerdict judge_access(const Inventory& inventory, std::string_view account,
                           const Asset& asset);

struct AssetAccess {
  const Asset* asset = nullptr;
  AccessVerdict verdict;
};

// Every asset at a location (Inventory::assets_at), each judged for
// `account`; empty when the location holds no inventoried asset.
std::vector<AssetAccess> judge_location(const Inventory& inventory, std::string_view account,
                                        std::string_view location, LocationKind kind);

}  // namespace vigil::assess
