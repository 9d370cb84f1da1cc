#pragma once
// Which auditd records form one event, shared by the cut rule and the block
// parser. Both run the same EventGrouper over the same lines, so a place
// where the rule lets a block end is a place where the parser closes every
// open event anyway: a block parsed on its own yields exactly the events the
// whole file would (the fuzz target checks this).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "vigil/core/limits.h"

namespace vigil::read::auditd {

// `[node=HOST ]type=TYPE msg=audit(SECONDS.FRACTION:SERIAL): BODY`.
struct RecordHeader {
  std::string_view node;  // empty without a node= prefix
  std::string_view type;
  uint64_t seconds = 0;
  uint32_t nanos = 0;
  uint64_t serial = 0;
  std::string_view body;  // after "): ", to the end of the line
};

enum class HeaderStatus : uint8_t { kOk, kNotARecord, kTimeOutOfRange };

HeaderStatus parse_header(std::string_view line, RecordHeader& out);

// True for the record types the kernel writes ahead of others of the same
// event (SYSCALL and its auxiliary records, AVC before its SYSCALL): an event
// whose latest record is one of these has more to come. PROCTITLE (the last
// auxiliary record), EOE and the single-record user-space types end events.
bool expects_more_records(std::string_view type);

// Groups records into events: an event is open until its EOE record, until
// limits::kAuditdMaxOpenEvents other events have started after it, or until a
// boundary. A boundary comes before a record whose event is not open while
// every open event looks finished (see expects_more_records); failing that,
// after kAuditdForcedBoundaryBytes of lines, before a record of another event
// than the previous line's; after twice that, before any line. At a boundary
// every open event closes. The decision depends only on the lines since the
// last boundary, which is what makes blocks cut at boundaries independent.
class EventGrouper {
 public:
  static constexpr size_t kSlots = limits::kAuditdMaxOpenEvents;
  static constexpr size_t kNoSlot = SIZE_MAX;

  struct Step {
    bool boundary = false;  // every event open before this line was closed first
    size_t slot = kNoSlot;  // the event the record joined (kNoSlot: not a record)
  };

  // One line: `header` null for a line that is not a record. `bytes` is the
  // line's length (counted the same way by every caller). Calls
  // close(slot) for each event that ends, oldest first, and attach(slot)
  // for the record once its event is known (before that event can close).
  template <class Attach, class Close>
  Step line(const RecordHeader* header, size_t bytes, Attach&& attach, Close&& close) {
    Step step;
    if (header == nullptr) {
      if (bytes_ >= 2 * limits::kAuditdForcedBoundaryBytes) {
        step.boundary = true;
        close_all(close);
      }
      bytes_ += bytes;
      return step;
    }
    size_t slot = find_open(*header);
    bool all_finished = true;
    for (size_t i = 0; i < count_; ++i) {
      const Entry& e = entries_[order_[i]];
      all_finished = all_finished && (e.finished || e.closed);
    }
    const bool same_as_previous = has_previous_ && previous_.equals(*header);
    step.boundary = (slot == kNoSlot && all_finished) ||
                    bytes_ >= 2 * limits::kAuditdForcedBoundaryBytes ||
                    (bytes_ >= limits::kAuditdForcedBoundaryBytes && !same_as_previous);
    if (step.boundary) {
      close_all(close);
      slot = kNoSlot;
    }
    if (slot == kNoSlot) {
      if (count_ == kSlots) close_front(close);
      slot = open(*header);
    }
    Entry& entry = entries_[slot];
    const bool end_of_event = header->type == "EOE";
    entry.finished = end_of_event || !expects_more_records(header->type);
    entry.closed = end_of_event;
    attach(slot);
    while (count_ > 0 && entries_[order_[0]].closed) close_front(close);
    previous_.assign(*header);
    has_previous_ = true;
    bytes_ += bytes;
    step.slot = slot;
    return step;
  }

  // Closes every open event, oldest first, and forgets the lines seen: the
  // next line starts afresh, as at the start of a block.
  template <class Close>
  void close_all(Close&& close) {
    while (count_ > 0) close_front(close);
    has_previous_ = false;
    bytes_ = 0;
  }

 private:
  struct Key {
    uint64_t seconds = 0;
    uint64_t serial = 0;
    uint32_t nanos = 0;
    std::string node;
    bool equals(const RecordHeader& h) const {
      return serial == h.serial && seconds == h.seconds && nanos == h.nanos && node == h.node;
    }
    void assign(const RecordHeader& h) {
      seconds = h.seconds;
      serial = h.serial;
      nanos = h.nanos;
      node.assign(h.node);
    }
  };
  struct Entry {
    Key key;
    bool in_use = false;
    bool finished = false;  // the latest record does not announce more
    bool closed = false;    // EOE seen: waits only for older events to close
  };

  size_t find_open(const RecordHeader& h) const {
    for (size_t i = 0; i < count_; ++i) {
      const Entry& e = entries_[order_[i]];
      if (!e.closed && e.key.equals(h)) return order_[i];
    }
    return kNoSlot;
  }

  size_t open(const RecordHeader& h) {
    size_t slot = 0;
    while (entries_[slot].in_use) ++slot;  // a free one exists: count_ < kSlots
    entries_[slot].in_use = true;
    entries_[slot].key.assign(h);
    order_[count_++] = static_cast<uint8_t>(slot);
    return slot;
  }

  template <class Close>
  void close_front(Close& close) {
    const size_t slot = order_[0];
    for (size_t i = 1; i < count_; ++i) order_[i - 1] = order_[i];
    --count_;
    entries_[slot].in_use = false;
    close(slot);
  }

  std::array<Entry, kSlots> entries_{};
  std::array<uint8_t, kSlots> order_{};  // open events, oldest first
  size_t count_ = 0;
  Key previous_;
  bool has_previous_ = false;
  uint64_t bytes_ = 0;  // line bytes since the last boundary
};

static_assert(EventGrouper::kSlots > 0 && EventGrouper::kSlots <= 255);

}  // namespace vigil::read::auditd
