#include "vigil/assess/investigation.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include "vigil/assess/impact.h"
#include "vigil/core/limits.h"
#include "vigil/correlate/attack.h"
#include "vigil/correlate/attribution.h"

namespace vigil::assess {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool generic_account(std::string_view user) {
  static constexpr std::string_view kGeneric[] = {
      "-", "system", "local service", "network service", "anonymous logon", "localsystem",
      "nt authority\\system", "font driver host", "window manager"};
  if (user.empty() || user.ends_with('$')) return true;
  if (std::find(std::begin(kGeneric), std::end(kGeneric), user) != std::end(kGeneric)) return true;
  return user.starts_with("dwm-") || user.starts_with("umfd-") || user.starts_with("s-1-5-");
}

// Techniques that, alone, mark attempts against the organisation rather than
// an intrusion in it: brute force, active scanning, exploiting a public
// application.
bool attempt_technique(const correlate::Technique& t) {
  const correlate::Technique& base = t.parent != nullptr ? *t.parent : t;
  return base.id == "T1110" || base.id == "T1595" || base.id == "T1190";
}

const std::string* first_field(const detect::Detection& d,
                               std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    const std::string* value = d.field(name);
    if (value != nullptr && !value->empty() && *value != "-") return value;
  }
  return nullptr;
}

std::string host_of(const detect::Detection& d) {
  const std::string* host = first_field(d, {"Computer", "host", "hostname", "_host"});
  return host != nullptr ? lower(*host) : std::string();
}

std::vector<std::string> accounts_of(const detect::Detection& d, const AccountNormaliser& n,
                                     std::string_view host) {
  std::vector<std::string> out;
  auto add = [&](const std::string* user, const std::string* domain) {
    if (user == nullptr) return;
    std::string account = n.normalise(*user, domain != nullptr ? *domain : std::string_view(), host);
    if (!account.empty()) out.push_back(std::move(account));
  };
  add(d.field("SubjectUserName"), d.field("SubjectDomainName"));
  add(d.field("TargetUserName"), d.field("TargetDomainName"));
  add(d.field("User"), nullptr);
  add(d.field("SourceUser"), nullptr);
  add(d.field("user"), nullptr);
  add(d.field("actor"), nullptr);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string address_of(const detect::Detection& d) {
  const std::string* a =
      first_field(d, {"IpAddress", "DestinationIp", "src_ip", "c-ip", "id.orig_h", "source_ip"});
  if (a == nullptr || *a == "::1" || *a == "127.0.0.1") return {};
  return *a;
}

std::string object_of(const detect::Detection& d) {
  if (const std::string* share = d.field("ShareName")) {
    if (const std::string* relative = d.field("RelativeTargetName")) return *share + "\\" + *relative;
  }
  const std::string* o = first_field(
      d, {"CommandLine", "ObjectName", "TargetFilename", "ServiceFileName", "ServiceName",
          "TaskName", "TargetObject", "Image", "cs-uri", "object", "COMMAND", "DestinationIp"});
  return o != nullptr ? *o : std::string();
}

}  // namespace

AccountNormaliser::AccountNormaliser(std::span<const std::string> hosts) {
  std::set<std::string> domains;
  for (const std::string& host : hosts) {
    const size_t dot = host.find('.');
    if (dot != std::string::npos && dot + 1 < host.size()) domains.insert(lower(host.substr(dot + 1)));
  }
  dns_domains_.assign(domains.begin(), domains.end());
}

std::string AccountNormaliser::normalise(std::string_view user, std::string_view domain,
                                         std::string_view host) const {
  std::string u = lower(user);
  std::string dom = lower(domain);
  if (const size_t slash = u.find('\\'); slash != std::string::npos) {
    dom = u.substr(0, slash);
    u = u.substr(slash + 1);
  } else if (const size_t at = u.find('@'); at != std::string::npos) {
    dom = u.substr(at + 1);
    u = u.substr(0, at);
  }
  if (generic_account(u) || dom == "nt authority" || dom == "font driver host" ||
      dom == "window manager") {
    return {};
  }
  if (dom == "-") dom.clear();
  if (dom.empty()) {
    if (const size_t dot = host.find('.'); dot != std::string_view::npos && dot + 1 < host.size()) {
      dom = lower(host.substr(dot + 1));
    }
  }
  if (!dom.empty() && dom.find('.') == std::string::npos) {
    for (const std::string& dns : dns_domains_) {
      if (dns.substr(0, dns.find('.')) == dom) {
        dom = dns;
        break;
      }
    }
  }
  return dom.empty() ? u : u + "@" + dom;
}

namespace {

IncidentStep correlation_step(const InvestigationInput& input, const detect::RuleSet& rules,
                              const CorrelationHit& hit, const correlate::IncidentDetection& m) {
  const detect::RuleInfo& info = rules.correlations()[hit.correlation].info;
  IncidentStep step;
  step.timestamp = hit.last;
  step.host = m.host;
  step.accounts = m.accounts;
  step.rule_id = info.id;
  step.rule_title = info.title;
  step.level = detect::level_name(info.level);
  step.author = info.author;
  for (const correlate::Technique* t : m.techniques) step.techniques.push_back(t->id);
  for (const correlate::Tactic* t : m.tactics) step.tactics.push_back(t->shortname);
  Evidence& e = step.evidence;
  if (!hit.events.empty()) {
    const CorrelationHit::Event& first = hit.events.front();
    e.source = first.source < input.inputs.size() ? input.inputs[first.source].path : std::string();
    e.record = first.record;
  }
  e.timestamp = hit.first;
  e.host = m.host;
  e.account = m.accounts.empty() ? std::string() : m.accounts.front();
  e.action = info.title;
  e.object = std::to_string(hit.events_total) + " events";
  for (const auto& [field, value] : hit.group) e.object += ", " + field + "=" + value;
  return step;
}

// Need-to-know violations from the accesses outside role, and one `insider`
// incident per account that made them: a legitimate account reading what its
// role does not cover is the insider pattern, with or without detections.
void need_to_know(const InvestigationInput& input, const AccountNormaliser& accounts, Findings& f) {
  f.inventory_given = true;
  const Inventory& inventory = *input.inventory;
  // One account may be logged in several spellings (COURT\x, x): merged.
  std::map<std::pair<std::string, uint32_t>, OutOfRole> merged;
  for (const OutOfRole& o : input.out_of_role) {
    const std::string account = accounts.normalise(o.account, {}, o.host);
    if (account.empty()) continue;
    auto [it, inserted] = merged.try_emplace({account, o.asset}, o);
    if (inserted) continue;
    OutOfRole& m = it->second;
    m.count += o.count;
    m.first = std::min(m.first, o.first);
    m.last = std::max(m.last, o.last);
    m.evidence.insert(m.evidence.end(), o.evidence.begin(), o.evidence.end());
    std::sort(m.evidence.begin(), m.evidence.end(), [](const auto& a, const auto& b) {
      return std::tie(a.timestamp.ticks, a.source, a.offset, a.record) <
             std::tie(b.timestamp.ticks, b.source, b.offset, b.record);
    });
    if (m.evidence.size() > limits::kEvidencePerFinding) m.evidence.resize(limits::kEvidencePerFinding);
  }
  // An intruder reading with a stolen account is the intrusion's collection,
  // not that account's owner overstepping a role: accesses of an account an
  // intrusion used, during it (a day either side), are left to the incident.
  const auto intrusion_account = [&](const std::string& account, const OutOfRole& o) {
    const int64_t margin = 24LL * 3600 * Timestamp::kTicksPerSecond;
    for (const Incident& inc : f.incidents) {
      if (inc.classification == "commodity") continue;
      if (!std::binary_search(inc.accounts.begin(), inc.accounts.end(), account)) continue;
      if (o.first.ticks <= inc.last_seen.ticks + margin && inc.first_seen.ticks - margin <= o.last.ticks) {
        return true;
      }
    }
    return false;
  };
  std::map<std::string, std::vector<const OutOfRole*>> by_account;
  for (const auto& [key, o] : merged) {
    if (!intrusion_account(key.first, o)) by_account[key.first].push_back(&o);
  }
  for (const auto& [account, list] : by_account) {
    const IdentityLookup who = inventory.identity(list.front()->account);
    const std::string role = who.identity != nullptr ? who.identity->role : std::string();
    Incident inc;
    inc.classification = "insider";
    inc.confidence = 0.6;
    inc.accounts = {account};
    uint64_t reads = 0;
    std::vector<std::string> assets;
    for (const OutOfRole* o : list) {
      const Asset& asset = inventory.assets()[o->asset];
      NeedToKnowViolation v;
      v.account = account;
      v.role = role;
      v.asset = asset.id;
      v.asset_description = asset.description;
      v.sensitivity = sensitivity_name(asset.sensitivity);
      v.first_seen = o->first;
      v.last_seen = o->last;
      v.accesses = o->count;
      for (const OutOfRole::Access& a : o->evidence) {
        Evidence e;
        e.source = a.source < input.inputs.size() ? input.inputs[a.source].path : std::string();
        e.record = a.record;
        e.offset = a.offset;
        e.timestamp = a.timestamp;
        e.host = a.host;
        e.account = account;
        e.action = a.action;
        e.object = a.object;
        IncidentStep step;
        step.timestamp = a.timestamp;
        step.host = a.host;
        step.accounts = {account};
        step.rule_id = "need-to-know";
        step.rule_title = "Read outside the role: " + asset.id;
        step.level = "medium";
        step.author = "vigil";
        step.evidence = e;
        inc.steps.push_back(std::move(step));
        if (!a.host.empty()) inc.hosts.push_back(a.host);
        v.evidence.push_back(std::move(e));
      }
      reads += o->count;
      assets.push_back(asset.id);
      if (!inc.first_seen.is_set() || o->first < inc.first_seen) inc.first_seen = o->first;
      if (!inc.last_seen.is_set() || inc.last_seen < o->last) inc.last_seen = o->last;
      f.need_to_know.push_back(std::move(v));
    }
    std::sort(inc.steps.begin(), inc.steps.end(), [](const IncidentStep& a, const IncidentStep& b) {
      return a.timestamp.ticks < b.timestamp.ticks;
    });
    std::sort(inc.hosts.begin(), inc.hosts.end());
    inc.hosts.erase(std::unique(inc.hosts.begin(), inc.hosts.end()), inc.hosts.end());
    std::string asset_list;
    for (size_t i = 0; i < assets.size(); ++i) asset_list += (i > 0 ? ", " : "") + assets[i];
    inc.reasons.push_back(account + (role.empty() ? "" : " (role " + role + ")") + " read " +
                          std::to_string(reads) + " times " + std::to_string(assets.size()) +
                          " asset" + (assets.size() == 1 ? "" : "s") +
                          " the role does not cover: " + asset_list + ".");
    inc.reasons.push_back("A legitimate account using its access beyond its role; no intrusion "
                          "technique is needed for this pattern.");
    f.incidents.push_back(std::move(inc));
  }
  std::sort(f.need_to_know.begin(), f.need_to_know.end(),
            [](const NeedToKnowViolation& a, const NeedToKnowViolation& b) {
              return std::tie(a.account, a.asset) < std::tie(b.account, b.asset);
            });
  // Incidents by first time; ids follow that order.
  std::stable_sort(f.incidents.begin(), f.incidents.end(), [](const Incident& a, const Incident& b) {
    return a.first_seen.ticks < b.first_seen.ticks;
  });
  for (size_t i = 0; i < f.incidents.size(); ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "INC-%03zu", i + 1);
    f.incidents[i].id = id;
  }
}

}  // namespace

Findings build_findings(const InvestigationInput& input, const detect::RuleSet& rules,
                        std::string_view vigil_version) {
  const correlate::AttackTable& attack = correlate::AttackTable::builtin();
  Findings f;
  f.vigil_version = vigil_version;
  f.first_event = input.first;
  f.last_event = input.last;
  f.events = input.events;
  f.inputs = input.inputs;
  f.attempts = input.attempts;

  std::vector<std::string> hosts;
  for (const detect::Detection& d : input.detections) hosts.push_back(host_of(d));
  for (const correlate::LogonLink& l : input.logons) hosts.push_back(l.to_host);
  const AccountNormaliser accounts(hosts);

  // Per rule: its ATT&CK meaning, resolved once.
  std::vector<std::optional<correlate::TagAttack>> tags(rules.size());
  std::vector<std::optional<correlate::TagAttack>> correlation_tags(rules.correlations().size());
  const auto attempt_only = [](const correlate::TagAttack& t) {
    return !t.techniques.empty() &&
           std::all_of(t.techniques.begin(), t.techniques.end(),
                       [](const correlate::Technique* x) { return attempt_technique(*x); });
  };
  std::map<uint32_t, uint64_t> per_rule;
  std::vector<correlate::IncidentDetection> members;
  members.reserve(input.detections.size() + input.correlations.size());
  for (size_t i = 0; i < input.detections.size(); ++i) {
    const detect::Detection& d = input.detections[i];
    const bool reported = d.rule >= input.reported.size() || input.reported[d.rule] != 0;
    if (reported) ++per_rule[d.rule];
    auto& t = tags[d.rule];
    if (!t) t = attack.resolve_tags(rules.rule(d.rule).info.tags);
    correlate::IncidentDetection m;
    m.id = i;
    m.timestamp = d.timestamp;
    m.host = host_of(d);
    m.accounts = accounts_of(d, accounts, m.host);
    m.address = address_of(d);
    m.techniques = t->techniques;
    m.tactics = t->tactics;
    // Detections that only feed a correlation, and informational ones, are
    // context, not steps of an attack: they never make or join an incident.
    m.attempt_only = !reported || rules.rule(d.rule).info.level == detect::Level::kInformational ||
                     attempt_only(*t);
    members.push_back(std::move(m));
  }
  for (size_t k = 0; k < input.correlations.size(); ++k) {
    const CorrelationHit& hit = input.correlations[k];
    const detect::Correlation& c = rules.correlations()[hit.correlation];
    auto& t = correlation_tags[hit.correlation];
    if (!t) t = attack.resolve_tags(c.info.tags);
    correlate::IncidentDetection m;
    m.id = input.detections.size() + k;
    m.timestamp = hit.last;
    m.host = hit.host;
    for (const auto& [field, value] : hit.group) {
      if (field.ends_with("UserName") || field == "User" || field == "user" || field == "actor") {
        std::string domain;
        for (const auto& [other, other_value] : hit.group) {
          if (field.ends_with("UserName") &&
              other == field.substr(0, field.size() - 8) + "DomainName") {
            domain = other_value;
          }
        }
        std::string a = accounts.normalise(value, domain, hit.host);
        if (!a.empty()) m.accounts.push_back(std::move(a));
      } else if (field == "IpAddress" || field == "src_ip" || field == "c-ip") {
        m.address = value;
      }
    }
    m.techniques = t->techniques;
    m.tactics = t->tactics;
    m.attempt_only = c.info.level == detect::Level::kInformational || attempt_only(*t);
    members.push_back(std::move(m));
  }
  for (const auto& [rule, count] : per_rule) {
    const detect::RuleInfo& info = rules.rule(rule).info;
    f.rules.push_back({info.id, info.title, detect::level_name(info.level), count});
  }
  std::map<uint32_t, uint64_t> per_correlation;
  for (const CorrelationHit& hit : input.correlations) ++per_correlation[hit.correlation];
  for (const auto& [index, count] : per_correlation) {
    const detect::RuleInfo& info = rules.correlations()[index].info;
    f.rules.push_back({info.id, info.title, detect::level_name(info.level), count});
  }
  f.detections = 0;
  for (const RuleCount& r : f.rules) f.detections += r.count;
  std::stable_sort(f.rules.begin(), f.rules.end(), [](const RuleCount& a, const RuleCount& b) {
    return a.count != b.count ? a.count > b.count : a.rule_id < b.rule_id;
  });

  std::vector<correlate::LogonLink> logons = input.logons;
  for (correlate::LogonLink& l : logons) {
    if (!l.account.empty()) l.account = accounts.normalise(l.account);
  }
  const auto groups = correlate::build_incidents(members, logons, input.addresses);
  for (size_t g = 0; g < groups.size(); ++g) {
    const correlate::IncidentGroup& group = groups[g];
    Incident inc;
    char id[32];
    std::snprintf(id, sizeof id, "INC-%03zu", g + 1);
    inc.id = id;
    inc.classification = correlate::incident_class_name(group.classification);
    inc.confidence = group.confidence;
    inc.reasons = group.reasons;
    inc.first_seen = group.first;
    inc.last_seen = group.last;
    inc.hosts = group.hosts;
    inc.accounts = group.accounts;
    inc.addresses = group.addresses;
    std::vector<std::string> technique_ids;
    for (const correlate::Tactic* t : group.tactics) inc.tactics.push_back(t->shortname);
    for (const correlate::Technique* t : group.techniques) {
      inc.techniques.push_back(
          {t->id, t->name, t->tactics.empty() ? std::string() : t->tactics.front()->shortname});
      technique_ids.push_back(t->id);
    }
    for (const uint64_t index : group.detections) {
      const correlate::IncidentDetection& m = members[index];
      if (index >= input.detections.size()) {
        inc.steps.push_back(correlation_step(input, rules, input.correlations[index - input.detections.size()], m));
        continue;
      }
      const detect::Detection& d = input.detections[index];
      const detect::RuleInfo& info = rules.rule(d.rule).info;
      IncidentStep step;
      step.timestamp = d.timestamp;
      step.host = m.host;
      step.accounts = m.accounts;
      step.rule_id = info.id;
      step.rule_title = info.title;
      step.level = detect::level_name(info.level);
      step.author = info.author;
      for (const correlate::Technique* t : m.techniques) step.techniques.push_back(t->id);
      for (const correlate::Tactic* t : m.tactics) step.tactics.push_back(t->shortname);
      Evidence& e = step.evidence;
      e.source = d.source.source_id < input.inputs.size() ? input.inputs[d.source.source_id].path
                                                           : std::string();
      e.record = d.source.record_id;
      e.offset = d.source.offset;
      e.timestamp = d.timestamp;
      e.host = m.host;
      e.account = m.accounts.empty() ? std::string() : m.accounts.front();
      e.action = info.title;
      e.object = object_of(d);
      inc.steps.push_back(std::move(step));
    }
    for (const correlate::RankedGroup& r : correlate::rank_groups(attack, technique_ids, 5)) {
      inc.similar_groups.push_back({r.group_id, r.name, r.score, r.shared_techniques});
    }
    f.incidents.push_back(std::move(inc));
  }
  if (input.inventory != nullptr) need_to_know(input, accounts, f);
  if (input.inventory != nullptr) {
    ImpactInput impact;
    impact.inventory = input.inventory;
    impact.accesses = input.accesses;
    impact.accesses_truncated = input.accesses_truncated;
    impact.roots = input.roots;
    impact.transfers = input.transfers;
    impact.spans = input.spans;
    impact.inputs = input.inputs;
    f.impact = assess_impact(f, impact, accounts);
  }
  return f;
}

}  // namespace vigil::assess
