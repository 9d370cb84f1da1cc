#pragma once
// A small map from 32-bit keys (typically offsets inside a 64 KiB chunk) to
// non-zero 32-bit values, cleared in time proportional to its entries.
//
// Why not a flat table indexed by offset: a 64 Ki-entry table costs 256 KiB of
// freshly touched pages per parser, which on a small file costs more than all
// the lookups it saves. Why not std::unordered_map: one node allocation per
// entry and a clear() that walks every bucket.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vigil {

class OffsetMap {
 public:
  // The value stored for `key`, 0 when there is none.
  uint32_t find(uint32_t key) const {
    if (slots_.empty()) return 0;
    for (uint32_t i = home(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.value == 0) return 0;
      if (s.key == key) return s.value;
    }
  }

  // Sets `key` to `value` (non-zero), replacing any earlier value.
  void insert(uint32_t key, uint32_t value) {
    if ((used_.size() + 1) * 2 > slots_.size()) grow();
    for (uint32_t i = home(key);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.value == 0) {
        s = {key, value};
        used_.push_back(i);
        return;
      }
      if (s.key == key) {
        s.value = value;
        return;
      }
    }
  }

  void clear() {
    for (const uint32_t i : used_) slots_[i] = {};
    used_.clear();
  }

  size_t size() const { return used_.size(); }

 private:
  struct Slot {
    uint32_t key = 0;
    uint32_t value = 0;  // 0: empty
  };

  uint32_t home(uint32_t key) const { return (key * 0x9E3779B1u) >> shift_ & mask_; }

  void grow() {
    const size_t capacity = slots_.empty() ? 256 : slots_.size() * 2;
    std::vector<Slot> old;
    old.swap(slots_);
    std::vector<uint32_t> old_used;
    old_used.swap(used_);
    slots_.assign(capacity, Slot{});
    mask_ = static_cast<uint32_t>(capacity - 1);
    shift_ = 32;
    for (size_t c = capacity; c > 1; c >>= 1) --shift_;
    used_.reserve(capacity / 2);
    for (const uint32_t i : old_used) insert(old[i].key, old[i].value);
  }

  std::vector<Slot> slots_;
  std::vector<uint32_t> used_;  // occupied slot indices, for clear()
  uint32_t mask_ = 0;
  uint32_t shift_ = 32;
};

}  // namespace vigil
