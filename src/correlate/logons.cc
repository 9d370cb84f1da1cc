#include "vigil/correlate/logons.h"

#include <algorithm>

#include "vigil/core/timestamp.h"

namespace vigil::correlate {

namespace {

constexpr int64_t kTicksPerHour = 3600LL * Timestamp::kTicksPerSecond;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Windows writes "-" (and loopback addresses) where there is no remote side.
std::string remote_or_empty(std::string_view text) {
  if (text == "-" || text == "::1" || text == "127.0.0.1" || text == "localhost") return {};
  return lower(text);
}

std::string account_of(std::string_view user, std::string_view domain) {
  if (user.empty() || user == "-") return {};
  if (domain.empty() || domain == "-") return lower(user);
  return lower(domain) + "\\" + lower(user);
}

}  // namespace

LogonCollector::LogonCollector(FieldNames& names) {
  f_.logon_type = names.intern("LogonType");
  f_.workstation = names.intern("WorkstationName");
  f_.ip_address = names.intern("IpAddress");
  f_.target_user = names.intern("TargetUserName");
  f_.target_domain = names.intern("TargetDomainName");
  f_.target_server = names.intern("TargetServerName");
  f_.initiated = names.intern("Initiated");
  f_.source_ip = names.intern("SourceIp");
}

void LogonCollector::add(const Event& event) {
  if (event.find(field::kSourceFormat) != nullptr || !event.timestamp.is_set()) return;
  const Value* id_value = event.find(field::kEventID);
  if (id_value == nullptr) return;
  const auto id = to_int(*id_value);
  // Most events are none of these: decide before decoding any text.
  if (!id || (*id != 4624 && *id != 4648 && *id != 3)) return;
  const std::string_view channel = event.text(field::kChannel, a_);
  const std::string computer = lower(event.text(field::kComputer, b_));
  if (computer.empty()) return;
  const int64_t hour = event.timestamp.ticks / kTicksPerHour;
  auto keep = [&](std::string to, std::string from_host, std::string from_address,
                  std::string account) {
    if (to.empty() || (from_host.empty() && from_address.empty() && account.empty())) return;
    auto [it, inserted] = links_.try_emplace(
        LinkKey{hour, std::move(to), std::move(from_host), std::move(from_address), std::move(account)},
        event.timestamp.ticks);
    if (!inserted) it->second = std::min(it->second, event.timestamp.ticks);
  };
  if (channel == "Security" && *id == 4624) {
    const Value* type = event.find(f_.logon_type);
    const auto logon_type = type != nullptr ? to_int(*type) : std::nullopt;
    if (logon_type != 3 && logon_type != 10) return;
    std::string from_host = remote_or_empty(event.text(f_.workstation, c_));
    std::string from_address = remote_or_empty(event.text(f_.ip_address, d_));
    std::string account = account_of(event.text(f_.target_user, c_), event.text(f_.target_domain, e_));
    if (account.ends_with('$') || account.ends_with("anonymous logon")) return;
    keep(computer, std::move(from_host), std::move(from_address), std::move(account));
  } else if (channel == "Security" && *id == 4648) {
    std::string target = remote_or_empty(event.text(f_.target_server, c_));
    if (target.empty() || target == computer) return;
    keep(std::move(target), computer, {},
         account_of(event.text(f_.target_user, d_), event.text(f_.target_domain, e_)));
  } else if (*id == 3 && channel == "Microsoft-Windows-Sysmon/Operational") {
    if (lower(event.text(f_.initiated, c_)) != "true") return;
    std::string address = remote_or_empty(event.text(f_.source_ip, d_));
    if (address.empty()) return;
    auto [it, inserted] = addresses_.try_emplace(std::move(address), computer);
    if (!inserted && computer < it->second) it->second = computer;
  }
}

void LogonCollector::merge(LogonCollector&& other) {
  for (auto& [key, ticks] : other.links_) {
    auto [it, inserted] = links_.try_emplace(key, ticks);
    if (!inserted) it->second = std::min(it->second, ticks);
  }
  for (auto& [address, host] : other.addresses_) {
    auto [it, inserted] = addresses_.try_emplace(address, host);
    if (!inserted && host < it->second) it->second = host;
  }
  other.links_.clear();
  other.addresses_.clear();
}

std::vector<LogonLink> LogonCollector::links() const {
  std::vector<LogonLink> out;
  for (const auto& [key, ticks] : links_) {
    const auto& [hour, to, from_host, from_address, account] = key;
    out.push_back({Timestamp{ticks}, to, from_host, from_address, account});
  }
  std::stable_sort(out.begin(), out.end(), [](const LogonLink& a, const LogonLink& b) {
    return a.timestamp.ticks < b.timestamp.ticks;
  });
  return out;
}

std::vector<HostAddress> LogonCollector::addresses() const {
  std::vector<HostAddress> out;
  for (const auto& [address, host] : addresses_) out.push_back({address, host});
  return out;
}

}  // namespace vigil::correlate
