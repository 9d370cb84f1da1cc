#include "names.h"

#include <cstring>

#include "vigil/core/limits.h"

namespace vigil::read::json {

const size_t NameCache::kMaxBlockNames = limits::kJsonMaxFieldNamesPerBlock;

namespace {
// Past this many entries the cache starts over (at a block start, so the
// names a block may use never depend on what earlier blocks left in it).
constexpr size_t kMaxEntries = 4 * limits::kJsonMaxFieldNamesPerBlock;
constexpr size_t kInitialSlots = 256;
}  // namespace

NameCache::NameCache(FieldNames& names) : names_(names) { clear(kInitialSlots); }

void NameCache::clear(size_t capacity) {
  entries_.assign(capacity, Entry{});
  mask_ = capacity - 1;
  used_ = 0;
  keys_.clear();
  previous_ = kNoGuess;
  first_ = kNoGuess;
}

void NameCache::begin_block() {
  if (used_ > kMaxEntries) clear(kInitialSlots);
  ++block_;
  block_names_ = 0;
}

// Keys are short: eight bytes a step with one multiply each.
uint64_t NameCache::hash_of(uint32_t parent, std::string_view key) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = (key.size() + (static_cast<uint64_t>(parent) << 32)) * kMul;
  size_t i = 0;
  for (; i + 8 <= key.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, key.data() + i, 8);
    h = (h ^ word) * kMul;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  if (i < key.size()) std::memcpy(&tail, key.data() + i, key.size() - i);
  h = (h ^ tail) * kMul;
  return h ^ (h >> 32);
}

size_t NameCache::insert(const Entry& entry) {
  size_t slot = entry.hash & mask_;
  while (entries_[slot].id != kNoField) slot = (slot + 1) & mask_;
  entries_[slot] = entry;
  entries_[slot].next = kNoGuess;
  ++used_;
  return slot;
}

FieldId NameCache::miss(uint32_t parent, std::string_view key, uint64_t hash) {
  if (block_names_ >= kMaxBlockNames) return kNoField;
  scratch_.clear();
  if (parent != kRoot) {
    scratch_.append(names_.name(parent & ~kJoined));
    scratch_.push_back((parent & kJoined) != 0 ? '_' : '.');
  }
  scratch_.append(key);
  if (scratch_.size() > limits::kJsonMaxFieldNameBytes) return kNoField;
  const FieldId id = names_.intern(scratch_);
  if (2 * (used_ + 1) > entries_.size()) {
    std::vector<Entry> old(entries_.size() * 2);
    old.swap(entries_);
    mask_ = entries_.size() - 1;
    used_ = 0;
    // Slots move: the guesses start over.
    previous_ = kNoGuess;
    first_ = kNoGuess;
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
  e.block = block_;
  ++block_names_;
  keys_.append(key);
  follows(static_cast<uint32_t>(insert(e)));
  return id;
}

}  // namespace vigil::read::json
