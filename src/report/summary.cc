#include "vigil/report/summary.h"

#include <algorithm>

#include "vigil/core/limits.h"

namespace vigil::report {

void HuntSummary::add(uint32_t rule, detect::Level level, std::string_view computer) {
  ++total_;
  ++by_level_[static_cast<size_t>(level)];
  ++by_rule_[rule];
  auto host = by_host_.find(computer);
  if (host != by_host_.end()) {
    ++host->second;
  } else if (by_host_.size() < limits::kReportMaxSummaryHosts) {
    by_host_.emplace(std::string(computer), 1);
  } else {
    ++other_hosts_;
  }
}

void HuntSummary::add_alert(uint32_t correlation, detect::Level level) {
  ++alerts_;
  ++alerts_by_level_[static_cast<size_t>(level)];
  ++by_correlation_[correlation];
}

namespace {
std::vector<std::pair<uint32_t, uint64_t>> most_first(const std::map<uint32_t, uint64_t>& counts,
                                                      size_t n) {
  std::vector<std::pair<uint32_t, uint64_t>> items(counts.begin(), counts.end());
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (items.size() > n) items.resize(n);
  return items;
}
}  // namespace

std::vector<std::pair<uint32_t, uint64_t>> HuntSummary::top_rules(size_t n) const {
  return most_first(by_rule_, n);
}

std::vector<std::pair<uint32_t, uint64_t>> HuntSummary::top_correlations(size_t n) const {
  return most_first(by_correlation_, n);
}

std::vector<std::pair<std::string, uint64_t>> HuntSummary::top_hosts(size_t n) const {
  std::vector<std::pair<std::string, uint64_t>> hosts(by_host_.begin(), by_host_.end());
  std::stable_sort(hosts.begin(), hosts.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (hosts.size() > n) hosts.resize(n);
  return hosts;
}

}  // namespace vigil::report
