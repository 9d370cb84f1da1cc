#pragma once
// Field ids for JSON keys, interned once per parser. A JSON event names its
// fields by key paths (`winlog.event_data.CommandLine`), so the same few
// hundred names come back on every line: a flat hash table keyed by (parent,
// key) answers them without building the full name or taking FieldNames' lock.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/field_names.h"

namespace vigil::read::json {

class NameCache {
 public:
  // What a parent id stands for besides a field id.
  static constexpr uint32_t kRoot = 0xFFFFFFFFu;    // a top-level key: the key itself
  static constexpr uint32_t kJoined = 0x80000000u;  // ORed into an id: "parent_key"

  explicit NameCache(FieldNames& names);

  // The next lookups are for a new block: names are counted per block.
  void begin_block();
  // The next lookup is the first key of a new object.
  void begin_object() { previous_ = kNoGuess; }

  // The id of `key` below `parent`: kRoot gives the key itself, a field id
  // gives "parent.key", a field id | kJoined gives "parent_key" (EVTX's
  // Element_Attribute). kNoField (the caller drops the field) for a name
  // longer than kJsonMaxFieldNameBytes, and for the names of a block past its
  // first kJsonMaxFieldNamesPerBlock distinct ones.
  FieldId id(uint32_t parent, std::string_view key) {
    // Objects of one file mostly have their keys in the same order: the key
    // that followed the previous one last time is tried first.
    const uint32_t guess = previous_ == kNoGuess ? first_ : entries_[previous_].next;
    if (guess != kNoGuess) {
      Entry& e = entries_[guess];
      if (e.parent == parent && e.key_size == key.size() &&
          std::memcmp(keys_.data() + e.key_offset, key.data(), key.size()) == 0) {
        if (e.block != block_ && !count(e)) return kNoField;
        previous_ = guess;
        return e.id;
      }
    }
    const uint64_t hash = hash_of(parent, key);
    size_t slot = hash & mask_;
    for (;;) {
      Entry& e = entries_[slot];
      if (e.id == kNoField) break;
      if (e.hash == hash && e.parent == parent && e.key_size == key.size() &&
          std::memcmp(keys_.data() + e.key_offset, key.data(), key.size()) == 0) {
        if (e.block != block_ && !count(e)) return kNoField;
        follows(static_cast<uint32_t>(slot));
        return e.id;
      }
      slot = (slot + 1) & mask_;
    }
    return miss(parent, key, hash);
  }

  FieldNames& names() const { return names_; }

 private:
  static constexpr uint32_t kNoGuess = UINT32_MAX;

  struct Entry {
    uint64_t hash = 0;
    uint32_t parent = 0;
    FieldId id = kNoField;
    uint32_t key_offset = 0;
    uint32_t key_size = 0;
    uint32_t next = kNoGuess;  // the entry looked up after this one last time
    uint32_t block = 0;        // the last block that used it
  };

  // The first use of an entry in this block: counted, unless the block has
  // had its share of names.
  bool count(Entry& e) {
    if (block_names_ >= kMaxBlockNames) return false;
    ++block_names_;
    e.block = block_;
    return true;
  }
  // Records that `slot` was looked up after the previous lookup.
  void follows(uint32_t slot) {
    (previous_ == kNoGuess ? first_ : entries_[previous_].next) = slot;
    previous_ = slot;
  }

  static uint64_t hash_of(uint32_t parent, std::string_view key);
  FieldId miss(uint32_t parent, std::string_view key, uint64_t hash);
  size_t insert(const Entry& entry);
  void clear(size_t capacity);

  static const size_t kMaxBlockNames;

  FieldNames& names_;
  std::vector<Entry> entries_;
  size_t mask_ = 0;
  size_t used_ = 0;
  uint32_t previous_ = kNoGuess;  // slot of the previous lookup of this object
  uint32_t first_ = kNoGuess;     // slot of the first key of the last object
  uint32_t block_ = 1;
  size_t block_names_ = 0;  // distinct names used in this block
  std::string keys_;        // the keys of the entries, back to back
  std::string scratch_;
};

}  // namespace vigil::read::json
