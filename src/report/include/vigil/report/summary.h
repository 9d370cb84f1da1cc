#pragma once
// Counts for the end-of-run summary of `vigil hunt`: detections by level, by
// rule and by host. Fed in output order, so ties are broken the same way on
// every run.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/detect/rule.h"

namespace vigil::report {

class HuntSummary {
 public:
  void add(uint32_t rule, detect::Level level, std::string_view computer);
  // A correlation alert (counted apart from detections).
  void add_alert(uint32_t correlation, detect::Level level);

  uint64_t total() const { return total_; }
  uint64_t by_level(detect::Level level) const { return by_level_[static_cast<size_t>(level)]; }
  // Most frequent first; equal counts by rule index / host name.
  std::vector<std::pair<uint32_t, uint64_t>> top_rules(size_t n) const;
  std::vector<std::pair<std::string, uint64_t>> top_hosts(size_t n) const;
  size_t distinct_rules() const { return by_rule_.size(); }
  uint64_t alerts() const { return alerts_; }
  size_t distinct_correlations() const { return by_correlation_.size(); }
  uint64_t alerts_by_level(detect::Level level) const {
    return alerts_by_level_[static_cast<size_t>(level)];
  }
  // Correlations by alert count, most first; equal counts by index.
  std::vector<std::pair<uint32_t, uint64_t>> top_correlations(size_t n) const;
  size_t distinct_hosts() const { return by_host_.size(); }
  // Detections on hosts past limits::kReportMaxSummaryHosts distinct ones.
  uint64_t other_hosts() const { return other_hosts_; }

 private:
  uint64_t total_ = 0;
  std::array<uint64_t, 6> by_level_{};
  std::map<uint32_t, uint64_t> by_rule_;
  std::map<std::string, uint64_t, std::less<>> by_host_;
  uint64_t other_hosts_ = 0;
  uint64_t alerts_ = 0;
  std::array<uint64_t, 6> alerts_by_level_{};
  std::map<uint32_t, uint64_t> by_correlation_;
};

}  // namespace vigil::report
