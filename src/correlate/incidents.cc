#include "vigil/correlate/incidents.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <string_view>

namespace vigil::correlate {

namespace {

// Union-find over detection positions.
class Components {
 public:
  explicit Components(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t find(size_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  // The smaller position stays the root, so roots do not depend on call order.
  void join(size_t a, size_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return;
    if (b < a) std::swap(a, b);
    parent_[b] = a;
  }

 private:
  std::vector<size_t> parent_;
};

// Tactics whose presence together makes an intrusion after data.
constexpr std::string_view kEspionageTactics[] = {"credential-access", "discovery",
                                                 "lateral-movement",  "collection",
                                                 "exfiltration",      "defense-evasion"};
// Techniques whose purpose is damage: destruction, encryption, stopping
// services, removing recovery, denial of service, shutdown.
constexpr std::string_view kImpactTechniques[] = {"T1485", "T1486", "T1489", "T1490",
                                                 "T1498", "T1499", "T1529"};

bool is_impact(const Technique& t) {
  const Technique& base = t.parent != nullptr ? *t.parent : t;
  return std::find(std::begin(kImpactTechniques), std::end(kImpactTechniques), base.id) !=
         std::end(kImpactTechniques);
}

std::string tactic_words(const std::string& shortname) {
  std::string out = shortname;
  std::replace(out.begin(), out.end(), '-', ' ');
  if (out == "defense evasion") out = "defence evasion";
  return out;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += (i + 1 == words.size()) ? " and " : ", ";
    out += words[i];
  }
  return out;
}

std::string days_between(Timestamp first, Timestamp last) {
  const double days =
      static_cast<double>(last.ticks - first.ticks) / (86400.0 * Timestamp::kTicksPerSecond);
  char buffer[64];
  if (days < 1) {
    std::snprintf(buffer, sizeof buffer, "%.0f hours",
                  std::max(1.0, std::round(days * 24)));
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f days", days);
  }
  return buffer;
}

template <class T>
void sort_unique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

const char* incident_class_name(IncidentClass c) {
  switch (c) {
    case IncidentClass::kEspionage: return "espionage";
    case IncidentClass::kDisruption: return "disruption";
    case IncidentClass::kInsider: return "insider";
    case IncidentClass::kCommodity: return "commodity";
  }
  return "commodity";
}

std::string short_host_name(std::string_view host) {
  std::string out(host.substr(0, host.find('.')));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void classify_incident(IncidentGroup& group, std::span<const IncidentDetection> members) {
  std::vector<std::string> espionage_tactics;
  for (const Tactic* t : group.tactics) {
    if (std::find(std::begin(kEspionageTactics), std::end(kEspionageTactics), t->shortname) !=
        std::end(kEspionageTactics)) {
      espionage_tactics.push_back(t->shortname);
    }
  }
  std::vector<std::string> impact;
  for (const Technique* t : group.techniques) {
    if (is_impact(*t)) impact.push_back(t->id + " " + t->name);
  }
  const auto has_tactic = [&](std::string_view name) {
    return std::any_of(group.tactics.begin(), group.tactics.end(),
                       [&](const Tactic* t) { return t->shortname == name; });
  };
  // Progression: the first detection is at an earlier kill-chain stage than
  // the last one, and at least three tactics were seen.
  bool progression = false;
  if (members.size() >= 2 && group.tactics.size() >= 3) {
    const auto first_stage = [](const IncidentDetection& d) {
      uint32_t order = UINT32_MAX;
      for (const Tactic* t : d.tactics) order = std::min(order, t->order);
      return order;
    };
    const auto last_stage = [](const IncidentDetection& d) {
      uint32_t order = 0;
      for (const Tactic* t : d.tactics) order = std::max(order, t->order);
      return order;
    };
    uint32_t earliest = UINT32_MAX, latest = 0;
    const Timestamp first = members.front().timestamp, last = members.back().timestamp;
    for (const IncidentDetection& d : members) {
      if (d.timestamp.ticks == first.ticks) earliest = std::min(earliest, first_stage(d));
      if (d.timestamp.ticks == last.ticks) latest = std::max(latest, last_stage(d));
    }
    progression = earliest < latest && first.ticks < last.ticks;
  }
  std::vector<std::string> tactic_names;
  for (const std::string& t : espionage_tactics) tactic_names.push_back(tactic_words(t));
  const bool after_data = has_tactic("collection") || has_tactic("exfiltration");

  group.reasons.clear();
  if (espionage_tactics.size() >= 3 && progression && (impact.empty() || after_data)) {
    group.classification = IncidentClass::kEspionage;
    double confidence = 0.55 + 0.08 * static_cast<double>(espionage_tactics.size() - 3);
    if (group.hosts.size() >= 2) confidence += 0.1;
    if (has_tactic("exfiltration")) confidence += 0.05;
    group.confidence = std::min(confidence, 0.95);
    std::string tactics_reason = join_words(tactic_names);
    tactics_reason[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(tactics_reason[0])));
    group.reasons.push_back(tactics_reason + ": the steps of a targeted intrusion after data.");
    group.reasons.push_back("It progressed over " + days_between(group.first, group.last) +
                            " across " + std::to_string(group.hosts.size()) + " host" +
                            (group.hosts.size() == 1 ? "" : "s") + " (" + join_words(group.hosts) +
                            "), from " + tactic_words(group.tactics.front()->shortname) + " to " +
                            tactic_words(group.tactics.back()->shortname) + ".");
    if (has_tactic("exfiltration")) {
      group.reasons.push_back("Data left the network: exfiltration was detected.");
    } else if (has_tactic("collection")) {
      group.reasons.push_back("Data was gathered (collection); no exfiltration was detected.");
    }
    if (!impact.empty()) {
      group.reasons.push_back("Impact techniques were also seen: " + join_words(impact) + ".");
    }
    return;
  }
  if (!impact.empty()) {
    group.classification = IncidentClass::kDisruption;
    group.confidence = std::min(0.6 + 0.1 * static_cast<double>(impact.size() - 1), 0.9);
    group.reasons.push_back("Techniques meant to damage or deny service: " + join_words(impact) +
                            ".");
    return;
  }
  const bool only_data_tactics =
      !group.tactics.empty() &&
      std::all_of(group.tactics.begin(), group.tactics.end(), [](const Tactic* t) {
        return t->shortname == "collection" || t->shortname == "exfiltration";
      });
  if (only_data_tactics && group.accounts.size() == 1) {
    group.classification = IncidentClass::kInsider;
    group.confidence = 0.5;
    group.reasons.push_back("One account (" + group.accounts.front() +
                            ") gathered or moved data with no intrusion technique.");
    return;
  }
  group.classification = IncidentClass::kCommodity;
  group.confidence = group.tactics.size() <= 1 ? 0.7 : 0.5;
  if (group.tactics.empty()) {
    group.reasons.push_back("Detections without an ATT&CK tactic; no progression.");
  } else {
    std::vector<std::string> names;
    for (const Tactic* t : group.tactics) names.push_back(tactic_words(t->shortname));
    group.reasons.push_back("Only " + join_words(names) +
                            (progression ? "" : ", with no progression") +
                            ": not the pattern of a targeted intrusion.");
  }
}

std::vector<IncidentGroup> build_incidents(std::span<const IncidentDetection> detections,
                                           std::span<const LogonLink> logons,
                                           std::span<const HostAddress> addresses,
                                           const IncidentOptions& options) {
  std::vector<const IncidentDetection*> sorted;
  for (const IncidentDetection& d : detections) {
    if (!d.attempt_only && d.timestamp.is_set()) sorted.push_back(&d);
  }
  std::sort(sorted.begin(), sorted.end(), [](const IncidentDetection* a, const IncidentDetection* b) {
    if (a->timestamp.ticks != b->timestamp.ticks) return a->timestamp.ticks < b->timestamp.ticks;
    return a->id < b->id;
  });
  Components components(sorted.size());
  const int64_t gap = options.gap_ticks;

  // Same host, or same account, within the gap.
  std::map<std::string, std::vector<size_t>> by_host, by_short_host, by_account;
  for (size_t i = 0; i < sorted.size(); ++i) {
    by_host[sorted[i]->host].push_back(i);
    by_short_host[short_host_name(sorted[i]->host)].push_back(i);
    for (const std::string& a : sorted[i]->accounts) by_account[a].push_back(i);
  }
  for (const auto* index : {&by_host, &by_account}) {
    for (const auto& [key, positions] : *index) {
      for (size_t k = 1; k < positions.size(); ++k) {
        if (sorted[positions[k]]->timestamp.ticks - sorted[positions[k - 1]]->timestamp.ticks <=
            gap) {
          components.join(positions[k - 1], positions[k]);
        }
      }
    }
  }

  // Logons join the detections on the target after it with those of the
  // machine, address or account it came from before it.
  std::map<std::string, std::string> host_of_address;
  for (const HostAddress& ha : addresses) host_of_address.emplace(ha.address, ha.host);
  const auto first_after = [&](const std::vector<size_t>& positions, int64_t t) -> std::optional<size_t> {
    auto it = std::lower_bound(positions.begin(), positions.end(), t,
                               [&](size_t p, int64_t v) { return sorted[p]->timestamp.ticks < v; });
    if (it == positions.end() || sorted[*it]->timestamp.ticks - t > gap) return std::nullopt;
    return *it;
  };
  const auto last_before = [&](const std::vector<size_t>& positions, int64_t t) -> std::optional<size_t> {
    auto it = std::upper_bound(positions.begin(), positions.end(), t,
                               [&](int64_t v, size_t p) { return v < sorted[p]->timestamp.ticks; });
    if (it == positions.begin()) return std::nullopt;
    --it;
    if (t - sorted[*it]->timestamp.ticks > gap) return std::nullopt;
    return *it;
  };
  std::map<size_t, std::set<std::string>> link_accounts;  // root position -> accounts used
  for (const LogonLink& link : logons) {
    const int64_t t = link.timestamp.ticks;
    auto target = by_short_host.find(short_host_name(link.to_host));
    if (target == by_short_host.end()) continue;
    const auto at_target = first_after(target->second, t);
    if (!at_target) continue;
    std::string from = link.from_host;
    if (from.empty()) {
      if (auto it = host_of_address.find(link.from_address); it != host_of_address.end()) from = it->second;
    }
    std::optional<size_t> at_source;
    if (!from.empty() && short_host_name(from) != short_host_name(link.to_host)) {
      if (auto it = by_short_host.find(short_host_name(from)); it != by_short_host.end()) {
        at_source = last_before(it->second, t);
      }
    }
    if (!at_source && !link.account.empty()) {
      if (auto it = by_account.find(link.account); it != by_account.end()) {
        at_source = last_before(it->second, t);
        // The account's own detections on the target are not a link.
        if (at_source && short_host_name(sorted[*at_source]->host) == short_host_name(link.to_host)) {
          at_source.reset();
        }
      }
    }
    if (!at_source) continue;
    components.join(*at_source, *at_target);
    if (!link.account.empty()) link_accounts[*at_target].insert(link.account);
  }

  std::map<size_t, std::vector<size_t>> members;
  for (size_t i = 0; i < sorted.size(); ++i) members[components.find(i)].push_back(i);
  std::map<size_t, std::set<std::string>> accounts_by_root;
  for (const auto& [position, accounts] : link_accounts) {
    accounts_by_root[components.find(position)].insert(accounts.begin(), accounts.end());
  }

  std::vector<IncidentGroup> out;
  for (const auto& [root, positions] : members) {  // roots ascend with first detection
    IncidentGroup g;
    std::vector<IncidentDetection> ordered;
    for (size_t p : positions) {
      const IncidentDetection& d = *sorted[p];
      g.detections.push_back(d.id);
      g.hosts.push_back(d.host);
      g.accounts.insert(g.accounts.end(), d.accounts.begin(), d.accounts.end());
      if (!d.address.empty()) g.addresses.push_back(d.address);
      g.techniques.insert(g.techniques.end(), d.techniques.begin(), d.techniques.end());
      g.tactics.insert(g.tactics.end(), d.tactics.begin(), d.tactics.end());
      ordered.push_back(d);
    }
    if (auto it = accounts_by_root.find(root); it != accounts_by_root.end()) {
      g.accounts.insert(g.accounts.end(), it->second.begin(), it->second.end());
    }
    g.first = sorted[positions.front()]->timestamp;
    g.last = sorted[positions.back()]->timestamp;
    sort_unique(g.hosts);
    sort_unique(g.accounts);
    sort_unique(g.addresses);
    std::sort(g.techniques.begin(), g.techniques.end(),
              [](const Technique* a, const Technique* b) { return a->id < b->id; });
    g.techniques.erase(std::unique(g.techniques.begin(), g.techniques.end()), g.techniques.end());
    std::sort(g.tactics.begin(), g.tactics.end(),
              [](const Tactic* a, const Tactic* b) { return a->order < b->order; });
    g.tactics.erase(std::unique(g.tactics.begin(), g.tactics.end()), g.tactics.end());
    classify_incident(g, ordered);
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace vigil::correlate
