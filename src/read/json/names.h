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
  static constexpr uint32_t kRoot = 0xFFFFFFFFu;   // a top-level key: the key itself
  static constexpr uint32_t kJoined = 0x80000000u;  // ORed into an id: "parent_key"

  explicit NameCache(FieldNames& names);

  // The id of `key` below `parent`: kRoot gives the key itself, a field id
  // gives "parent.key", a field id | kJoined gives "parent_key" (EVTX's
  // Element_Attribute). kNoField when the name is new and either longer than
  // kJsonMaxFieldNameBytes or past this parser's kJsonMaxNewFieldNames new
  // names (the caller drops the field).
  FieldId id(uint32_t parent, std::string_view key) {
    // Objects of one file mostly have the same keys in the same order: the
    // entry found at this position of the last object is tried first.
    const uint32_t position = position_++;
    if (position < kGuesses) {
      const uint32_t guess = guesses_[position];
      if (guess != kNoGuess) {
        const Entry& e = entries_[guess];
        if (e.parent == parent && e.key_size == key.size() &&
            std::memcmp(keys_.data() + e.key_offset, key.data(), key.size()) == 0) {
          return e.id;
        }
      }
    }
    const uint64_t hash = hash_of(parent, key);
    size_t slot = hash & mask_;
    for (;;) {
      const Entry& e = entries_[slot];
      if (e.id == kNoField) break;
      if (e.hash == hash && e.parent == parent && e.key_size == key.size() &&
          std::memcmp(keys_.data() + e.key_offset, key.data(), key.size()) == 0) {
        if (position < kGuesses) guesses_[position] = static_cast<uint32_t>(slot);
        return e.id;
      }
      slot = (slot + 1) & mask_;
    }
    return miss(parent, key, hash);
  }

  // The next lookups are for a new object (positions count from 0 again).
  void begin_object() { position_ = 0; }

  FieldNames& names() const { return names_; }

 private:
  struct Entry {
    uint64_t hash = 0;
    uint32_t parent = 0;
    FieldId id = kNoField;
    uint32_t key_offset = 0;
    uint32_t key_size = 0;
  };

  static uint64_t hash_of(uint32_t parent, std::string_view key);
  FieldId miss(uint32_t parent, std::string_view key, uint64_t hash);
  void insert(const Entry& entry);

  static constexpr size_t kGuesses = 256;
  static constexpr uint32_t kNoGuess = UINT32_MAX;

  FieldNames& names_;
  std::vector<Entry> entries_;
  uint32_t position_ = 0;
  std::vector<uint32_t> guesses_ = std::vector<uint32_t>(kGuesses, kNoGuess);
  size_t mask_ = 0;
  size_t used_ = 0;
  std::string keys_;  // the keys of the entries, back to back
  std::string scratch_;
};

}  // namespace vigil::read::json
