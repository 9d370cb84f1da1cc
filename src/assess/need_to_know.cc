#include "vigil/assess/need_to_know.h"

#include <algorithm>

namespace vigil::assess {

const char* access_name(Access access) {
  switch (access) {
    case Access::kWithinRole: return "within_role";
    case Access::kOutsideRole: return "outside_role";
    case Access::kUnknownAccount: return "unknown_account";
    case Access::kAmbiguousAccount: return "ambiguous_account";
  }
  return "?";
}

bool role_covers(const Identity& identity, const Asset& asset) {
  return std::binary_search(identity.covered.begin(), identity.covered.end(), asset.index);
}

AccessVerdict judge_access(const Inventory& inventory, std::string_view account,
                           const Asset& asset) {
  AccessVerdict verdict;
  const IdentityLookup lookup = inventory.identity(account);
  switch (lookup.status) {
    case IdentityLookup::Status::kUnknown:
      verdict.access = Access::kUnknownAccount;
      return verdict;
    case IdentityLookup::Status::kAmbiguous:
      verdict.access = Access::kAmbiguousAccount;
      return verdict;
    case IdentityLookup::Status::kKnown:
      break;
  }
  verdict.identity = lookup.identity;
  verdict.access = role_covers(*lookup.identity, asset) ? Access::kWithinRole
                                                        : Access::kOutsideRole;
  return verdict;
}

std::vector<AssetAccess> judge_location(const Inventory& inventory, std::string_view account,
                                        std::string_view location, LocationKind kind) {
  std::vector<AssetAccess> out;
  const std::vector<const Asset*> assets = inventory.assets_at(location, kind);
  if (assets.empty()) return out;
  const IdentityLookup lookup = inventory.identity(account);
  out.reserve(assets.size());
  for (const Asset* asset : assets) {
    AssetAccess entry;
    entry.asset = asset;
    if (lookup.status == IdentityLookup::Status::kKnown) {
      entry.verdict.identity = lookup.identity;
      entry.verdict.access = role_covers(*lookup.identity, *asset) ? Access::kWithinRole
                                                                   : Access::kOutsideRole;
    } else {
      entry.verdict.access = lookup.status == IdentityLookup::Status::kAmbiguous
                                 ? Access::kAmbiguousAccount
                                 : Access::kUnknownAccount;
    }
    out.push_back(entry);
  }
  return out;
}

}  // namespace vigil::assess
