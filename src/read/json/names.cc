#include "names.h"

#include <algorithm>
#include <functional>

#include "vigil/core/limits.h"

namespace vigil::read::json {

NameCache::NameCache(FieldNames& names) : names_(names), entries_(256), mask_(255) {}

uint64_t NameCache::hash_of(uint32_t parent, std::string_view key) {
  const uint64_t h = std::hash<std::string_view>{}(key);
  return h ^ ((parent + 1ull) * 0x9E3779B97F4A7C15ull);
}

void NameCache::insert(const Entry& entry) {
  size_t slot = entry.hash & mask_;
  while (entries_[slot].id != kNoField) slot = (slot + 1) & mask_;
  entries_[slot] = entry;
  ++used_;
}

FieldId NameCache::miss(uint32_t parent, std::string_view key, uint64_t hash) {
  scratch_.clear();
  if (parent != kRoot) {
    scratch_.append(names_.name(parent & ~kJoined));
    scratch_.push_back((parent & kJoined) != 0 ? '_' : '.');
  }
  scratch_.append(key);
  if (used_ >= limits::kJsonMaxNewFieldNames || scratch_.size() > limits::kJsonMaxFieldNameBytes) {
    // Full: names the run already knows still resolve (slowly), new ones not.
    return names_.find(scratch_).value_or(kNoField);
  }
  const FieldId id = names_.intern(scratch_);
  if (2 * (used_ + 1) > entries_.size()) {
    std::vector<Entry> old(entries_.size() * 2);
    old.swap(entries_);
    mask_ = entries_.size() - 1;
    std::fill(guesses_.begin(), guesses_.end(), kNoGuess);
    used_ = 0;
    for (const Entry& e : old) {
      if (e.id != kNoField) insert(e);
    }
  }
  Entry e;
  e.hash = hash;
  e.parent = parent;
  e.id = id;
  e.key_offset = static_cast<uint32_t>(keys_.size());
  e.key_size = static_cast<uint32_t>(key.size());
  keys_.append(key);
  insert(e);
  return id;
}

}  // namespace vigil::read::json
