#include "vigil/detect/correlation.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <variant>

#include "correlation_plan.h"
#include "vigil/core/text_map.h"

namespace vigil::detect {
namespace {

using correlation_plan::Bound;
using correlation_plan::Kind;
using correlation_plan::Op;
using correlation_plan::Route;

constexpr int64_t kMinTicks = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxTicks = std::numeric_limits<int64_t>::max();
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

// Window ends can pass the largest time (unset or far-future timestamps).
int64_t add_saturated(int64_t ticks, int64_t span) {
  return ticks > kMaxTicks - span ? kMaxTicks : ticks + span;
}

// Group keys and value tuples: length-prefixed parts, so no value can make two
// different tuples spell the same key. They never leave the process, so the
// length is in host order.
void append_part(std::string& key, std::string_view part) {
  const uint32_t size = static_cast<uint32_t>(std::min<size_t>(part.size(), UINT32_MAX));
  char prefix[sizeof size];
  std::memcpy(prefix, &size, sizeof size);
  key.append(prefix, sizeof prefix);
  key.append(part.substr(0, size));
}

std::vector<std::string> split_parts(std::string_view key) {
  std::vector<std::string> parts;
  while (key.size() >= sizeof(uint32_t)) {
    uint32_t size = 0;
    std::memcpy(&size, key.data(), sizeof size);
    key.remove_prefix(sizeof size);
    size = static_cast<uint32_t>(std::min<size_t>(size, key.size()));
    parts.emplace_back(key.substr(0, size));
    key.remove_prefix(size);
  }
  return parts;
}

bool equal_without_spaces(std::string_view spaced, std::string_view plain) {
  size_t j = 0;
  for (char c : spaced) {
    if (c == ' ') continue;
    if (j == plain.size() || plain[j] != c) return false;
    ++j;
  }
  return j == plain.size();
}

// As the matcher reads fields: exact name first; an event name with spaces
// (Defender's `Source Name`) also answers to the name without them.
const std::string* find_field(const Detection& detection, std::string_view name) {
  for (const DetectionField& f : detection.fields) {
    if (f.name == name) return &f.value;
  }
  for (const DetectionField& f : detection.fields) {
    if (f.name.find(' ') != std::string::npos && equal_without_spaces(f.name, name)) {
      return &f.value;
    }
  }
  return nullptr;
}

// Decimal or 0x-hex integers (as EVTX renders them) and decimal fractions.
std::optional<double> parse_number(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  bool negative = false;
  std::string_view digits = text;
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    uint64_t value = 0;
    const char* end = digits.data() + digits.size();
    auto [ptr, ec] = std::from_chars(digits.data() + 2, end, value, 16);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    const double d = static_cast<double>(value);
    return negative ? -d : d;
  }
  if (digits.empty() || !(std::isdigit(static_cast<unsigned char>(digits.front())) ||
                          digits.front() == '.')) {
    return std::nullopt;  // from_chars would take "inf" and "nan"
  }
  double value = 0;
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return negative ? -value : value;
}

// A detection an alert may carry, packed into one buffer: windows keep many
// of them and most are never part of an alert.
struct KeptEvent {
  uint32_t rule = 0;
  Timestamp timestamp;
  SourceRef source;
  std::string fields;  // name and value parts, alternating
};

KeptEvent pack(const Detection& d) {
  KeptEvent k;
  k.rule = d.rule;
  k.timestamp = d.timestamp;
  k.source = d.source;
  size_t size = 0;
  for (const DetectionField& f : d.fields) size += 2 * sizeof(uint32_t) + f.name.size() + f.value.size();
  k.fields.reserve(size);
  for (const DetectionField& f : d.fields) {
    append_part(k.fields, f.name);
    append_part(k.fields, f.value);
  }
  return k;
}

Detection unpack(const KeptEvent& k) {
  Detection d;
  d.rule = k.rule;
  d.timestamp = k.timestamp;
  d.source = k.source;
  std::vector<std::string> parts = split_parts(k.fields);
  d.fields.reserve(parts.size() / 2);
  for (size_t i = 0; i + 1 < parts.size(); i += 2) {
    d.fields.push_back({std::move(parts[i]), std::move(parts[i + 1])});
  }
  return d;
}

size_t kept_bytes(const KeptEvent& k) { return sizeof(KeptEvent) + k.fields.capacity(); }

size_t detection_bytes(const Detection& d) {
  size_t bytes = sizeof(Detection) + d.fields.size() * sizeof(DetectionField);
  for (const DetectionField& f : d.fields) bytes += f.name.size() + f.value.size();
  return bytes;
}

size_t alert_bytes(const CorrelationAlert& a) {
  size_t bytes = sizeof(CorrelationAlert);
  for (const auto& [name, value] : a.group) bytes += sizeof(a.group[0]) + name.size() + value.size();
  for (const Detection& d : a.events) bytes += detection_bytes(d);
  return bytes;
}

bool holds(const std::vector<Bound>& bounds, double value) {
  for (const Bound& b : bounds) {
    bool ok = false;
    switch (b.op) {
      case Op::kGt: ok = value > b.value; break;
      case Op::kGte: ok = value >= b.value; break;
      case Op::kLt: ok = value < b.value; break;
      case Op::kLte: ok = value <= b.value; break;
      case Op::kEq: ok = value == b.value; break;
      case Op::kNeq: ok = value != b.value; break;
    }
    if (!ok) return false;
  }
  return true;
}

struct ValueStat {
  uint32_t count = 0;  // window events with this value
  uint32_t kept = 0;   // of which detections are kept (value_percentile keeps per value)
};
using ValueMap = TextMap<ValueStat>;

// One event in a group's window.
struct Entry {
  int64_t ticks = 0;
  uint32_t slot = 0;  // position of its rule in the correlation's `rules`
  uint32_t kept = 0;  // detections it added to the group's kept list
  size_t kept_bytes = 0;
  uint64_t events = 1;  // detections it stands for (an inner alert: all of its)
  double number = 0;    // value_sum / value_avg
  ValueMap::value_type* value = nullptr;  // value_count / value_percentile
};

struct Group {
  uint32_t correlation = 0;
  std::string key;
  uint32_t generation = 0;  // changes when the slot is freed (stale window marks)
  std::deque<Entry> entries;   // time order
  std::deque<KeptEvent> kept;  // the kept detections of the entries, in entry order
  ValueMap distinct;
  std::vector<uint32_t> slot_counts;  // temporal: window events per rule
  double sum = 0;
  uint64_t events = 0;
  size_t bytes = 0;  // held bytes charged to the group
  uint32_t lru_prev = kNone;
  uint32_t lru_next = kNone;
};

struct WindowMark {
  int64_t start = 0;
  uint32_t group = 0;
  uint32_t generation = 0;
};
struct WindowAfter {  // min-heap on (start, group)
  bool operator()(const WindowMark& a, const WindowMark& b) const {
    return std::tie(a.start, a.group) > std::tie(b.start, b.group);
  }
};

// A chained correlation's input waiting until no earlier input can come.
struct Pending {
  int64_t ticks = 0;
  uint64_t seq = 0;
  uint32_t slot = 0;
  size_t bytes = 0;
  std::variant<Detection, CorrelationAlert> item;
};
struct PendingAfter {  // min-heap on (time, arrival)
  bool operator()(const Pending& a, const Pending& b) const {
    return std::tie(a.ticks, a.seq) > std::tie(b.ticks, b.seq);
  }
};

// An input as a window sees it: a detection, or an inner correlation's alert
// whose fields are its group values.
struct Input {
  int64_t ticks = 0;
  uint32_t slot = 0;
  const Detection* detection = nullptr;
  const CorrelationAlert* alert = nullptr;

  const std::string* field(std::string_view name) const {
    if (detection != nullptr) return find_field(*detection, name);
    for (const auto& [n, v] : alert->group) {
      if (n == name) return &v;
    }
    return nullptr;
  }
  uint64_t events() const { return detection != nullptr ? 1 : alert->events_total; }
};

struct CorrState {
  const correlation_plan::Planned* plan = nullptr;
  TextMap<uint32_t> groups;
  // Open windows by start (heap); a mark is stale once its group's first event
  // or generation changed, and is dropped when it comes to the top.
  std::vector<WindowMark> windows;
  std::vector<Pending> queue;  // heap, for correlations with inners
  int64_t frontier = kMinTicks;  // inputs older than this are late
  int64_t bound = kMinTicks;     // no future alert of this one ends before this
};

struct OutAlert {
  CorrelationAlert alert;
  uint64_t seq = 0;
};
struct OutAfter {  // min-heap in output order
  bool operator()(const OutAlert& a, const OutAlert& b) const {
    if (correlation_alert_before(a.alert, b.alert)) return false;
    if (correlation_alert_before(b.alert, a.alert)) return true;
    return a.seq > b.seq;
  }
};

bool is_value_kind(Kind k) {
  return k == Kind::kValueCount || k == Kind::kValueSum || k == Kind::kValueAvg ||
         k == Kind::kValuePercentile;
}
bool is_numeric_kind(Kind k) { return k == Kind::kValueSum || k == Kind::kValueAvg; }

}  // namespace

bool correlation_alert_before(const CorrelationAlert& a, const CorrelationAlert& b) {
  return std::tie(a.last.ticks, a.correlation, a.group, a.first.ticks, a.value, a.events_total) <
         std::tie(b.last.ticks, b.correlation, b.group, b.first.ticks, b.value, b.events_total);
}

struct CorrelationEngine::Impl {
  correlation_plan::Plan plan;
  CorrelationLimits limits;
  std::vector<CorrState> corrs;

  std::deque<Group> groups;  // deque: references stay valid while groups are added
  std::vector<uint32_t> free_groups;
  uint32_t lru_head = kNone;  // least recently updated
  uint32_t lru_tail = kNone;
  size_t live_groups = 0;
  size_t entries = 0;
  size_t held_bytes = 0;

  int64_t now = kMinTicks;
  uint64_t seq = 0;
  std::vector<OutAlert> output;  // heap
  CorrelationStats stats;

  std::string key_scratch;
  std::string value_scratch;
  std::vector<uint32_t> best_scratch;
  std::vector<char> present_scratch;
  std::vector<CorrelationAlert> alert_scratch;

  Impl(const RuleSet& rules, const CorrelationLimits& l)
      : plan(correlation_plan::make_plan(rules)), limits(l) {
    limits.max_groups = std::max<size_t>(limits.max_groups, 1);
    limits.max_entries = std::max<size_t>(limits.max_entries, 1);
    limits.max_window_entries = std::max<size_t>(limits.max_window_entries, 1);
    corrs.resize(plan.correlations.size());
    for (size_t i = 0; i < corrs.size(); ++i) corrs[i].plan = &plan.correlations[i];
  }

  // --- Groups ---------------------------------------------------------------

  void lru_unlink(uint32_t gid) {
    Group& g = groups[gid];
    if (g.lru_prev != kNone) groups[g.lru_prev].lru_next = g.lru_next; else lru_head = g.lru_next;
    if (g.lru_next != kNone) groups[g.lru_next].lru_prev = g.lru_prev; else lru_tail = g.lru_prev;
    g.lru_prev = g.lru_next = kNone;
  }
  void lru_append(uint32_t gid) {
    Group& g = groups[gid];
    g.lru_prev = lru_tail;
    g.lru_next = kNone;
    if (lru_tail != kNone) groups[lru_tail].lru_next = gid; else lru_head = gid;
    lru_tail = gid;
  }
  void touch(uint32_t gid) {
    if (lru_tail == gid) return;
    lru_unlink(gid);
    lru_append(gid);
  }

  void charge(Group& g, size_t bytes) {
    g.bytes += bytes;
    held_bytes += bytes;
    stats.peak_held_bytes = std::max(stats.peak_held_bytes, held_bytes);
  }
  void release_bytes(Group& g, size_t bytes) {
    g.bytes -= bytes;
    held_bytes -= bytes;
  }

  // The least recently updated group other than `keep`.
  uint32_t victim(uint32_t keep) const {
    if (lru_head != keep) return lru_head;
    return groups[lru_head].lru_next;
  }

  uint32_t find_or_create(uint32_t ci, std::string_view key) {
    CorrState& c = corrs[ci];
    if (auto it = c.groups.find(key); it != c.groups.end()) return it->second;
    while (live_groups >= limits.max_groups && lru_head != kNone) evict(lru_head);
    uint32_t gid;
    if (!free_groups.empty()) {
      gid = free_groups.back();
      free_groups.pop_back();
    } else {
      gid = static_cast<uint32_t>(groups.size());
      groups.emplace_back();
    }
    Group& g = groups[gid];
    g.correlation = ci;
    g.key.assign(key);
    if (c.plan->kind == Kind::kTemporal ||
        c.plan->kind == Kind::kTemporalOrdered) {
      g.slot_counts.assign(c.plan->slots, 0);
    }
    c.groups.emplace(g.key, gid);
    ++live_groups;
    stats.peak_groups = std::max(stats.peak_groups, live_groups);
    charge(g, sizeof(Group) + 2 * key.size() + 32);
    lru_append(gid);
    return gid;
  }

  void destroy(uint32_t gid) {
    Group& g = groups[gid];
    CorrState& c = corrs[g.correlation];
    c.groups.erase(c.groups.find(std::string_view(g.key)));
    lru_unlink(gid);
    held_bytes -= g.bytes;
    g.bytes = 0;
    g.key.clear();
    ++g.generation;
    g.entries.clear();
    g.kept.clear();
    g.distinct.clear();
    g.slot_counts.clear();
    g.sum = 0;
    g.events = 0;
    --live_groups;
    free_groups.push_back(gid);
  }

  void pop_front_entry(Group& g) {
    const Entry& e = g.entries.front();
    for (uint32_t k = 0; k < e.kept; ++k) g.kept.pop_front();
    release_bytes(g, e.kept_bytes);
    if (!g.slot_counts.empty()) --g.slot_counts[e.slot];
    if (e.value != nullptr) {
      e.value->second.kept -= e.kept;
      if (--e.value->second.count == 0) {
        release_bytes(g, e.value->first.size() + sizeof(ValueMap::value_type) + 16);
        g.distinct.erase(g.distinct.find(std::string_view(e.value->first)));
      }
    }
    g.sum -= e.number;
    g.events -= e.events;
    g.entries.pop_front();
    --entries;
    if (g.entries.empty()) g.sum = 0;  // no rounding left over for the next window
  }

  // --- Windows --------------------------------------------------------------

  // Longest run of the correlation's rules, in their listed order, among the
  // window's events; events at the same instant may count in either order.
  uint32_t ordered_run(const CorrState& c, const Group& g) {
    best_scratch.assign(c.plan->slots, 0);
    present_scratch.assign(c.plan->slots, 0);
    uint32_t longest = 0;
    for (size_t i = 0; i < g.entries.size();) {
      size_t j = i;
      for (; j < g.entries.size() && g.entries[j].ticks == g.entries[i].ticks; ++j) {
        present_scratch[g.entries[j].slot] = 1;
      }
      uint32_t before = 0;  // best run ending at an earlier slot
      for (uint32_t p = 0; p < c.plan->slots; ++p) {
        if (present_scratch[p]) {
          best_scratch[p] = std::max(best_scratch[p], before + 1);
          present_scratch[p] = 0;
        }
        before = std::max(before, best_scratch[p]);
      }
      longest = std::max(longest, before);
      i = j;
    }
    return longest;
  }

  CorrelationAlert base_alert(uint32_t ci, const Group& g) const {
    CorrelationAlert a;
    a.correlation = ci;
    const std::vector<std::string>& names = corrs[ci].plan->group_by;
    std::vector<std::string> values = split_parts(g.key);
    for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
      a.group.emplace_back(names[i], std::move(values[i]));
    }
    return a;
  }

  // Evaluates the group's oldest window (it starts at the oldest event and
  // takes everything up to start + timespan, which is all the group holds).
  // Met: alerts, and the window's events are used up. Not met: a sliding
  // correlation moves the window past its first instant; the others drop the
  // whole window, because trying later starts inside a busy period would
  // find a stretch with few events (or another average) that the condition
  // does not ask about. Alerts go to `made`.
  void close_once(uint32_t ci, uint32_t gid, std::vector<CorrelationAlert>& made) {
    CorrState& c = corrs[ci];
    Group& g = groups[gid];
    const Kind type = c.plan->kind;
    bool met = false;
    if (type == Kind::kValuePercentile) {
      const double total = static_cast<double>(g.entries.size());
      std::vector<ValueMap::value_type*> rare;
      for (auto& kv : g.distinct) {
        if (holds(c.plan->bounds, 100.0 * kv.second.count / total)) rare.push_back(&kv);
      }
      std::sort(rare.begin(), rare.end(), [](auto* a, auto* b) { return a->first < b->first; });
      for (ValueMap::value_type* v : rare) {
        CorrelationAlert a = base_alert(ci, g);
        const std::vector<std::string> parts = split_parts(v->first);
        for (size_t i = 0; i < parts.size() && i < c.plan->value_names.size(); ++i) {
          a.group.emplace_back(c.plan->value_names[i], parts[i]);
        }
        a.value = 100.0 * v->second.count / total;
        a.first.ticks = kMaxTicks;
        size_t k = 0;
        for (const Entry& e : g.entries) {
          if (e.value == v) {
            a.first.ticks = std::min(a.first.ticks, e.ticks);
            a.last.ticks = e.ticks;
            a.events_total += e.events;
            for (uint32_t i = 0; i < e.kept; ++i) a.events.push_back(unpack(g.kept[k + i]));
          }
          k += e.kept;
        }
        std::stable_sort(a.events.begin(), a.events.end(), detection_before);
        made.push_back(std::move(a));
      }
      met = !rare.empty();
    } else {
      double value = 0;
      switch (type) {
        case Kind::kEventCount: value = static_cast<double>(g.entries.size()); break;
        case Kind::kValueCount: value = static_cast<double>(g.distinct.size()); break;
        case Kind::kTemporal:
          value = static_cast<double>(
              std::count_if(g.slot_counts.begin(), g.slot_counts.end(), [](uint32_t n) {
                return n > 0;
              }));
          break;
        case Kind::kTemporalOrdered: value = ordered_run(c, g); break;
        case Kind::kValueSum: value = g.sum; break;
        case Kind::kValueAvg:
          value = g.sum / static_cast<double>(g.entries.size());
          break;
        case Kind::kValuePercentile: break;
      }
      met = holds(c.plan->bounds, value);
      if (met) {
        CorrelationAlert a = base_alert(ci, g);
        a.value = value;
        a.first.ticks = g.entries.front().ticks;
        a.last.ticks = g.entries.back().ticks;
        a.events_total = g.events;
        a.events.reserve(g.kept.size());
        for (const KeptEvent& k : g.kept) a.events.push_back(unpack(k));
        std::stable_sort(a.events.begin(), a.events.end(), detection_before);
        made.push_back(std::move(a));
      }
    }
    if (met || !c.plan->slides) {
      while (!g.entries.empty()) pop_front_entry(g);
    } else {
      const int64_t start = g.entries.front().ticks;
      while (!g.entries.empty() && g.entries.front().ticks == start) pop_front_entry(g);
    }
    if (g.entries.empty()) {
      destroy(gid);
    } else {
      mark_window(ci, gid);
    }
  }

  void close_and_emit(uint32_t ci, uint32_t gid) {
    alert_scratch.clear();
    close_once(ci, gid, alert_scratch);
    for (CorrelationAlert& a : alert_scratch) emit(ci, std::move(a));
    alert_scratch.clear();
  }

  void mark_window(uint32_t ci, uint32_t gid) {
    const Group& g = groups[gid];
    std::vector<WindowMark>& heap = corrs[ci].windows;
    heap.push_back({g.entries.front().ticks, gid, g.generation});
    std::push_heap(heap.begin(), heap.end(), WindowAfter{});
  }

  // The correlation's earliest open window, nullptr when none.
  const WindowMark* first_window(uint32_t ci) {
    std::vector<WindowMark>& heap = corrs[ci].windows;
    while (!heap.empty()) {
      const WindowMark& m = heap.front();
      const Group& g = groups[m.group];
      if (g.generation == m.generation && !g.entries.empty() &&
          g.entries.front().ticks == m.start) {
        return &m;
      }
      std::pop_heap(heap.begin(), heap.end(), WindowAfter{});
      heap.pop_back();
    }
    return nullptr;
  }

  uint32_t pop_first_window(uint32_t ci) {
    std::vector<WindowMark>& heap = corrs[ci].windows;
    const uint32_t gid = heap.front().group;
    std::pop_heap(heap.begin(), heap.end(), WindowAfter{});
    heap.pop_back();
    return gid;
  }

  // Windows whose end is before `limit` are complete: no input can join them.
  void close_before(uint32_t ci, int64_t limit) {
    const int64_t span = corrs[ci].plan->span;
    while (const WindowMark* m = first_window(ci)) {
      if (add_saturated(m->start, span) >= limit) break;
      close_and_emit(ci, pop_first_window(ci));
    }
  }

  void close_all(uint32_t ci) {
    while (first_window(ci) != nullptr) close_and_emit(ci, pop_first_window(ci));
  }

  // A group closed before its time: its windows are evaluated as they stand.
  void evict(uint32_t gid) {
    ++stats.groups_evicted;
    const uint32_t ci = groups[gid].correlation;
    while (groups[gid].bytes != 0 && !groups[gid].entries.empty()) close_and_emit(ci, gid);
  }

  void emit(uint32_t ci, CorrelationAlert&& alert) {
    ++stats.alerts;
    for (const Route& feed : corrs[ci].plan->feeds) {
      Pending p;
      p.ticks = alert.last.ticks;
      p.seq = seq++;
      p.slot = feed.slot;
      p.bytes = alert_bytes(alert);
      p.item = alert;
      push_pending(feed.correlation, std::move(p));
    }
    if (corrs[ci].plan->reports) {
      output.push_back({std::move(alert), seq++});
      std::push_heap(output.begin(), output.end(), OutAfter{});
    }
  }

  void push_pending(uint32_t ci, Pending&& p) {
    held_bytes += p.bytes;
    stats.peak_held_bytes = std::max(stats.peak_held_bytes, held_bytes);
    std::vector<Pending>& q = corrs[ci].queue;
    q.push_back(std::move(p));
    std::push_heap(q.begin(), q.end(), PendingAfter{});
  }

  void take_pending(uint32_t ci) {
    std::vector<Pending>& q = corrs[ci].queue;
    std::pop_heap(q.begin(), q.end(), PendingAfter{});
    Pending p = std::move(q.back());
    q.pop_back();
    held_bytes -= p.bytes;
    Input in;
    in.ticks = p.ticks;
    in.slot = p.slot;
    if (const Detection* d = std::get_if<Detection>(&p.item)) {
      in.detection = d;
    } else {
      in.alert = &std::get<CorrelationAlert>(p.item);
    }
    take(ci, in);
  }

  // One input into its group's window.
  void take(uint32_t ci, const Input& in) {
    CorrState& c = corrs[ci];
    if (in.ticks < c.frontier) {
      ++stats.late;
      return;
    }
    c.frontier = in.ticks;
    close_before(ci, in.ticks);

    key_scratch.clear();
    for (const std::string& name : c.plan->group_fields[in.slot]) {
      const std::string* v = in.field(name);
      if (v == nullptr) {
        ++stats.without_group;
        return;
      }
      append_part(key_scratch, *v);
    }
    const Kind type = c.plan->kind;
    double number = 0;
    value_scratch.clear();
    if (is_numeric_kind(type)) {
      const std::string* v = in.field(c.plan->value_fields[in.slot].front());
      const std::optional<double> parsed = v != nullptr ? parse_number(*v) : std::nullopt;
      if (!parsed) {
        ++stats.without_value;
        return;
      }
      number = *parsed;
    } else if (is_value_kind(type)) {
      for (const std::string& name : c.plan->value_fields[in.slot]) {
        const std::string* v = in.field(name);
        if (v == nullptr) {
          ++stats.without_value;
          return;
        }
        append_part(value_scratch, *v);
      }
    }

    // Room: a full window is evaluated early; over the total, other groups
    // are closed early (least recently updated first), then this one.
    uint32_t gid;
    for (;;) {
      gid = find_or_create(ci, key_scratch);
      if (groups[gid].entries.size() < limits.max_window_entries) {
        while (entries >= limits.max_entries && victim(gid) != kNone) evict(victim(gid));
        if (entries < limits.max_entries) break;
      }
      if (groups[gid].entries.empty()) break;  // nothing to cut
      ++stats.windows_cut;
      close_and_emit(ci, gid);
    }

    Group& g = groups[gid];
    Entry e;
    e.ticks = in.ticks;
    e.slot = in.slot;
    e.events = in.events();
    e.number = number;
    if (type == Kind::kValueCount || type == Kind::kValuePercentile) {
      auto it = g.distinct.find(std::string_view(value_scratch));
      if (it == g.distinct.end()) {
        it = g.distinct.emplace(value_scratch, ValueStat{}).first;
        charge(g, value_scratch.size() + sizeof(ValueMap::value_type) + 16);
      }
      ++it->second.count;
      e.value = &*it;
    }
    // Kept detections: the first ones of the window (of each value for
    // value_percentile, whose alerts are about one value).
    const size_t have = type == Kind::kValuePercentile ? e.value->second.kept
                                                                  : g.kept.size();
    size_t room = limits.alert_events > have ? limits.alert_events - have : 0;
    auto keep = [&](const Detection& d) {
      KeptEvent packed = pack(d);
      const size_t bytes = kept_bytes(packed);
      while (held_bytes + bytes > limits.max_held_bytes && victim(gid) != kNone) {
        evict(victim(gid));
      }
      if (held_bytes + bytes > limits.max_held_bytes) {
        ++stats.events_not_kept;
        return;
      }
      g.kept.push_back(std::move(packed));
      charge(g, bytes);
      ++e.kept;
      e.kept_bytes += bytes;
    };
    if (in.detection != nullptr) {
      if (room > 0) keep(*in.detection);
    } else {
      for (const Detection& d : in.alert->events) {
        if (room == 0) break;
        keep(d);
        --room;
      }
    }
    if (e.value != nullptr) e.value->second.kept += e.kept;
    if (!g.slot_counts.empty()) ++g.slot_counts[e.slot];
    g.sum += number;
    g.events += e.events;
    const bool opens = g.entries.empty();
    g.entries.push_back(e);
    ++entries;
    stats.peak_entries = std::max(stats.peak_entries, entries);
    ++stats.inputs;
    if (opens) mark_window(ci, gid);
    touch(gid);
  }

  // --- Driving ----------------------------------------------------------------

  // Brings every correlation up to `now`: chained inputs are taken once no
  // earlier one can come, complete windows are closed, and alerts that no
  // later alert can precede are released.
  void sweep(std::vector<CorrelationAlert>& out) {
    int64_t release_below = kMaxTicks;
    for (uint32_t ci : plan.order) {
      CorrState& c = corrs[ci];
      int64_t ready = now;
      for (uint32_t inner : c.plan->inners) ready = std::min(ready, corrs[inner].bound);
      while (!c.queue.empty()) {
        const bool forced = c.queue.size() > limits.max_queued;
        if (c.queue.front().ticks > ready && !forced) break;
        if (c.queue.front().ticks > ready) ++stats.queue_forced;
        take_pending(ci);
      }
      close_before(ci, ready);
      c.frontier = std::max(c.frontier, ready);
      const WindowMark* first = first_window(ci);
      c.bound = first == nullptr ? ready : std::min(ready, first->start);
      if (c.plan->reports) release_below = std::min(release_below, c.bound);
    }
    release(release_below, out);
  }

  void release(int64_t below, std::vector<CorrelationAlert>& out) {
    while (!output.empty() && output.front().alert.last.ticks < below) {
      std::pop_heap(output.begin(), output.end(), OutAfter{});
      out.push_back(std::move(output.back().alert));
      output.pop_back();
    }
  }

  void add(const Detection& d, std::vector<CorrelationAlert>& out) {
    if (corrs.empty()) return;
    now = std::max(now, d.timestamp.ticks);
    if (d.rule < plan.rule_routes.size()) {
      for (const Route& route : plan.rule_routes[d.rule]) {
        if (corrs[route.correlation].plan->inners.empty()) {
          Input in;
          in.ticks = d.timestamp.ticks;
          in.slot = route.slot;
          in.detection = &d;
          take(route.correlation, in);
        } else {
          Pending p;
          p.ticks = d.timestamp.ticks;
          p.seq = seq++;
          p.slot = route.slot;
          p.bytes = detection_bytes(d);
          p.item = d;
          push_pending(route.correlation, std::move(p));
        }
      }
    }
    sweep(out);
  }

  void finish(std::vector<CorrelationAlert>& out) {
    for (uint32_t ci : plan.order) {
      while (!corrs[ci].queue.empty()) take_pending(ci);
      close_all(ci);
    }
    while (!output.empty()) {
      std::pop_heap(output.begin(), output.end(), OutAfter{});
      out.push_back(std::move(output.back().alert));
      output.pop_back();
    }
    now = kMinTicks;
    for (CorrState& c : corrs) {
      c.frontier = kMinTicks;
      c.bound = kMinTicks;
    }
  }
};

CorrelationEngine::CorrelationEngine(const RuleSet& rules, const CorrelationLimits& limits)
    : impl_(std::make_unique<Impl>(rules, limits)) {}

CorrelationEngine::~CorrelationEngine() = default;

void CorrelationEngine::add(const Detection& detection, std::vector<CorrelationAlert>& alerts) {
  impl_->add(detection, alerts);
}

void CorrelationEngine::finish(std::vector<CorrelationAlert>& alerts) { impl_->finish(alerts); }

bool CorrelationEngine::reports_on_its_own(uint32_t rule) const {
  return rule >= impl_->plan.rule_reports.size() || impl_->plan.rule_reports[rule] != 0;
}

bool CorrelationEngine::correlation_reports_on_its_own(uint32_t correlation) const {
  return correlation >= impl_->corrs.size() || impl_->corrs[correlation].plan->reports;
}

bool CorrelationEngine::uses(uint32_t rule) const {
  return rule < impl_->plan.rule_routes.size() && !impl_->plan.rule_routes[rule].empty();
}

bool CorrelationEngine::empty() const { return impl_->corrs.empty(); }

CorrelationStats CorrelationEngine::stats() const { return impl_->stats; }

std::span<const Diagnostic> CorrelationEngine::diagnostics() const {
  return impl_->plan.diagnostics;
}

}  // namespace vigil::detect
