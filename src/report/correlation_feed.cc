#include "vigil/report/correlation_feed.h"

#include <cstring>

#include "vigil/detect/correlation.h"

namespace vigil::report {

namespace {

template <class T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void put_text(std::string& out, std::string_view text) {
  put<uint32_t>(out, static_cast<uint32_t>(text.size()));
  out.append(text);
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}
  template <class T>
  bool get(T& value) {
    if (rest_.size() < sizeof(T)) return false;
    std::memcpy(&value, rest_.data(), sizeof(T));
    rest_.remove_prefix(sizeof(T));
    return true;
  }
  bool get_text(std::string& text) {
    uint32_t size = 0;
    if (!get(size) || size > rest_.size()) return false;
    text.assign(rest_.substr(0, size));
    rest_.remove_prefix(size);
    return true;
  }
  size_t left() const { return rest_.size(); }

 private:
  std::string_view rest_;
};

class EngineFeed final : public CorrelationFeed {
 public:
  EngineFeed(const detect::RuleSet& rules, const FieldNames& names)
      : engine_(rules), names_(names) {}

  void add(const EventRecord& record, uint32_t rule, std::vector<FeedAlert>& alerts) override {
    detection_.rule = rule;
    detection_.timestamp = record.timestamp;
    detection_.source = record.source;
    detection_.fields.clear();
    // Rules no correlation takes still move time on; their fields are not read.
    if (engine_.uses(rule)) {
      for (const RecordField& f : record.fields) {
        detection_.fields.push_back({std::string(names_.name(f.name)), std::string(f.value)});
      }
    }
    engine_.add(detection_, pending_);
    take(alerts);
  }

  void finish(std::vector<FeedAlert>& alerts) override {
    engine_.finish(pending_);
    take(alerts);
  }

  bool reports_on_its_own(uint32_t rule) const override { return engine_.reports_on_its_own(rule); }
  bool uses(uint32_t rule) const override { return engine_.uses(rule); }

  CorrelationTotals totals() const override {
    const detect::CorrelationStats stats = engine_.stats();
    return {alerts_, stats.groups_evicted, stats.windows_cut, stats.late};
  }

  std::span<const detect::Diagnostic> diagnostics() const override {
    return engine_.diagnostics();
  }

  bool empty() const { return engine_.empty(); }

 private:
  void take(std::vector<FeedAlert>& alerts) {
    for (const detect::CorrelationAlert& a : pending_) {
      FeedAlert& out = alerts.emplace_back();
      out.correlation = a.correlation;
      out.first = a.first;
      out.last = a.last;
      out.group = a.group;
      out.value = a.value;
      out.events_total = a.events_total;
      for (const detect::Detection& d : a.events) {
        out.events.push_back({d.source.source_id, d.source.record_id, d.rule});
      }
      for (const auto& [name, value] : a.group) {
        if (name == "Computer") out.computer = value;
      }
      if (out.computer.empty() && !a.events.empty()) {
        if (const std::string* computer = a.events.back().field("Computer")) {
          out.computer = *computer;
        }
      }
      ++alerts_;
    }
    pending_.clear();
  }

  detect::CorrelationEngine engine_;
  const FieldNames& names_;
  detect::Detection detection_;
  std::vector<detect::CorrelationAlert> pending_;
  uint64_t alerts_ = 0;
};

}  // namespace

std::unique_ptr<CorrelationFeed> CorrelationFeed::create(const detect::RuleSet& rules,
                                                         const FieldNames& names) {
  auto feed = std::make_unique<EngineFeed>(rules, names);
  if (feed->empty()) return nullptr;
  return feed;
}

void encode_alert(const FeedAlert& alert, std::string& out) {
  put<uint32_t>(out, alert.correlation);
  put<int64_t>(out, alert.first.ticks);
  put<int64_t>(out, alert.last.ticks);
  put<double>(out, alert.value);
  put<uint64_t>(out, alert.events_total);
  put_text(out, alert.computer);
  put<uint32_t>(out, static_cast<uint32_t>(alert.group.size()));
  for (const auto& [name, value] : alert.group) {
    put_text(out, name);
    put_text(out, value);
  }
  put<uint32_t>(out, static_cast<uint32_t>(alert.events.size()));
  for (const FeedAlert::Event& e : alert.events) {
    put<uint32_t>(out, e.source);
    put<uint64_t>(out, e.record_id);
    put<uint32_t>(out, e.rule);
  }
}

bool decode_alert(std::string_view bytes, FeedAlert& out) {
  Reader in(bytes);
  uint32_t count = 0;
  if (!in.get(out.correlation) || !in.get(out.first.ticks) || !in.get(out.last.ticks) ||
      !in.get(out.value) || !in.get(out.events_total) || !in.get_text(out.computer) ||
      !in.get(count) || count > in.left()) {
    return false;
  }
  out.group.resize(count);
  for (auto& [name, value] : out.group) {
    if (!in.get_text(name) || !in.get_text(value)) return false;
  }
  if (!in.get(count) || count > in.left()) return false;
  out.events.resize(count);
  for (FeedAlert::Event& e : out.events) {
    if (!in.get(e.source) || !in.get(e.record_id) || !in.get(e.rule)) return false;
  }
  return in.left() == 0;
}

}  // namespace vigil::report
