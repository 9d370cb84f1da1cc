#include "vigil/correlate/attempts.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>

#include "vigil/core/timestamp.h"

namespace vigil::correlate {

namespace {

constexpr int64_t kTicksPerMinute = 60 * Timestamp::kTicksPerSecond;
constexpr int64_t kTicksPerDay = 24 * 60 * kTicksPerMinute;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Lower-cased, percent-decoded twice (payloads are often encoded twice), `+`
// read as a space: the form the payload words below are written in.
std::string normalise_uri(std::string_view uri) {
  std::string text(uri);
  for (int round = 0; round < 2; ++round) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size()) {
        const int hi = hex_digit(text[i + 1]), lo = hex_digit(text[i + 2]);
        if (hi >= 0 && lo >= 0) {
          out.push_back(static_cast<char>(hi * 16 + lo));
          i += 2;
          continue;
        }
      }
      out.push_back(text[i] == '+' ? ' ' : text[i]);
    }
    text.swap(out);
  }
  for (char& c : text) c = lower(c);
  return text;
}

template <size_t N>
bool contains_any(std::string_view text, const std::string_view (&needles)[N]) {
  for (std::string_view n : needles) {
    if (text.find(n) != std::string_view::npos) return true;
  }
  return false;
}

constexpr std::string_view kUriPayloads[] = {
    "../", "..\\", "/etc/passwd", "union select", "' or '1'='1", "' or 1=1", "\" or \"1\"=\"1",
    "sleep(", "${jndi:", ";wget ", ";curl ", "|sh", "| sh", "<script"};
constexpr std::string_view kScanners[] = {
    "nikto", "sqlmap", "nmap", "masscan", "zgrab", "gobuster", "dirbuster", "wpscan", "nuclei",
    "acunetix", "nessus"};
constexpr std::string_view kFailedStates[] = {"S0", "REJ", "RSTO",
                                                                  "RSTOS0", "RSTR", "SH", "OTH"};

// A source address worth counting: not the placeholders Windows writes for
// local logons.
bool usable_address(std::string_view address) {
  return !address.empty() && address != "-" && address != "::1" && address != "127.0.0.1";
}

std::string lower_copy(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

std::string date_of_day(int64_t day) {
  const CivilTime c = to_civil(Timestamp{day * kTicksPerDay});
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(c.year),
                static_cast<unsigned>(c.month), static_cast<unsigned>(c.day));
  return buffer;
}

}  // namespace

const char* attempt_category_name(AttemptCategory category) {
  switch (category) {
    case AttemptCategory::kBruteForce: return "brute_force";
    case AttemptCategory::kDenialOfService: return "denial_of_service";
    case AttemptCategory::kExploitation: return "exploitation";
    case AttemptCategory::kPasswordSpraying: return "password_spraying";
    case AttemptCategory::kScanning: return "scanning";
  }
  return "unknown";
}

namespace {

// Every payload word holds one of these characters or sequences, before or
// after decoding (`%` and `+` decode to them): a URI with none of them is
// read without decoding, which most requests are.
bool may_hold_payload(std::string_view uri) {
  static constexpr auto kMarks = [] {
    std::array<bool, 256> marks{};
    for (unsigned char c : std::string_view("%+ '\"($;|<")) marks[c] = true;
    return marks;
  }();
  for (const char c : uri) {
    if (kMarks[static_cast<unsigned char>(c)]) return true;
  }
  return uri.find("..") != std::string_view::npos || uri.find("/etc/") != std::string_view::npos;
}

}  // namespace

WebRequestSignal classify_web_request(std::string_view uri, std::string_view user_agent,
                                      std::string_view status) {
  WebRequestSignal s;
  if (may_hold_payload(uri)) {
    s.exploit = lower_copy(uri).find("%2e%2e") != std::string::npos ||
                contains_any(normalise_uri(uri), kUriPayloads);
  }
  if (!user_agent.empty()) {
    const std::string agent = lower_copy(user_agent);
    s.exploit = s.exploit || agent.find("${jndi:") != std::string::npos;
    s.scanner = contains_any(agent, kScanners);
  }
  s.not_found = status == "404";
  return s;
}

AttemptCounter::AttemptCounter(FieldNames& names, AttemptThresholds thresholds)
    : thresholds_(thresholds) {
  f_.channel = field::kChannel;
  f_.event_id = field::kEventID;
  f_.ip_address = names.intern("IpAddress");
  f_.target_user = names.intern("TargetUserName");
  f_.c_ip = names.intern("c-ip");
  f_.uri = names.intern("cs-uri");
  f_.uri_stem = names.intern("cs-uri-stem");
  f_.uri_query = names.intern("cs-uri-query");
  f_.status = names.intern("sc-status");
  f_.user_agent = names.intern("cs-user-agent");
  f_.zeek_path = names.intern("_path");
  f_.orig_h = names.intern("id.orig_h");
  f_.resp_h = names.intern("id.resp_h");
  f_.resp_p = names.intern("id.resp_p");
  f_.conn_state = names.intern("conn_state");
  f_.program = names.intern("program");
  f_.action = names.intern("action");
  f_.outcome = names.intern("outcome");
  f_.src_ip = names.intern("src_ip");
  f_.user = names.intern("user");
  f_.repeat_count = names.intern("repeat_count");
}

void AttemptCounter::add(const Event& event) {
  if (!event.timestamp.is_set()) return;
  const int64_t day = floor_div(event.timestamp.ticks, kTicksPerDay);
  const Value* format = event.find(field::kSourceFormat);
  if (format == nullptr) {
    // EVTX: failed logons in the Security log.
    const Value* id = event.find(f_.event_id);
    if (id == nullptr || to_int(*id) != 4625) return;
    if (event.text(f_.channel, a_) != "Security") return;
    const std::string_view source = event.text(f_.ip_address, b_);
    if (!usable_address(source)) return;
    add_auth_failure(day, source, lower_copy(event.text(f_.target_user, c_)), 1);
    return;
  }
  const std::string_view kind = event.text(field::kSourceFormat, a_);
  if (kind == "webserver" || kind == "web") {
    add_web(event, a_);
  } else if (kind == "zeek") {
    if (event.text(f_.zeek_path, b_) == "conn") add_conn(event, b_);
  } else if (kind == "syslog") {
    const std::string_view program = event.text(f_.program, b_);
    if (program != "sshd" && program != "sshd-session") return;
    if (event.text(f_.action, c_) != "login" || event.text(f_.outcome, d_) != "failure") return;
    uint64_t count = 1;
    if (const Value* repeat = event.find(f_.repeat_count)) {
      if (auto n = to_int(*repeat); n && *n > 0) count += static_cast<uint64_t>(*n);
    }
    const std::string source(event.text(f_.src_ip, b_));
    if (!usable_address(source)) return;
    add_auth_failure(day, source, lower_copy(event.text(f_.user, c_)), count);
  }
}

void AttemptCounter::add_web(const Event& event, std::string& buffer) {
  const std::string_view source = event.text(f_.c_ip, buffer);
  if (!usable_address(source)) return;
  std::string_view uri = event.text(f_.uri, b_);
  std::string joined;
  if (uri.empty()) {
    joined = event.text(f_.uri_stem, b_);
    if (event.find(f_.uri_query) != nullptr) {
      joined.push_back('?');
      joined.append(event.text(f_.uri_query, c_));
    }
    uri = joined;
  }
  // The agent's verdict is remembered; the URI's is worked out each time.
  const std::string_view agent = event.text(f_.user_agent, c_);
  WebRequestSignal s = classify_web_request(uri, {}, event.text(f_.status, d_));
  if (agent != last_agent_) {
    auto known = scanner_agents_.find(agent);
    if (known == scanner_agents_.end()) {
      if (scanner_agents_.size() >= 4096) scanner_agents_.clear();
      known = scanner_agents_.emplace(std::string(agent), classify_web_request({}, agent, {}).scanner)
                  .first;
    }
    last_agent_ = agent;
    last_agent_scanner_ = known->second;
  }
  if (!s.exploit && agent.find("${") != std::string_view::npos) {
    s.exploit = classify_web_request({}, agent, {}).exploit;
  }
  s.scanner = last_agent_scanner_;
  if (last_minutes_ == nullptr || source != last_source_) {
    last_minutes_ = &of_source(minutes_, source);
    last_source_ = source;
  }
  std::vector<MinuteCount>& per_minute = *last_minutes_;
  const int64_t minute = floor_div(event.timestamp.ticks, kTicksPerMinute);
  if (per_minute.empty() || per_minute.back().minute != minute) per_minute.push_back({minute, {}});
  Minute& m = per_minute.back().counts;
  ++m.total;
  if (s.not_found) ++m.not_found_all;
  if (s.exploit) {
    ++m.exploit;
  } else if (s.scanner) {
    ++m.scanner;
  } else if (s.not_found) {
    ++m.not_found;
  }
}

void AttemptCounter::add_conn(const Event& event, std::string& buffer) {
  const std::string_view state = event.text(f_.conn_state, buffer);
  if (std::find(std::begin(kFailedStates), std::end(kFailedStates), state) == std::end(kFailedStates)) return;
  const std::string_view source = event.text(f_.orig_h, b_);
  if (!usable_address(source)) return;
  SourceDay& d = of_source(days_, source)[floor_div(event.timestamp.ticks, kTicksPerDay)];
  ++d.failed_connections;
  if (d.ports.size() < thresholds_.sweep_ports_or_hosts_per_day) {
    d.ports.emplace(event.text(f_.resp_p, c_));
  }
  if (d.hosts.size() < thresholds_.sweep_ports_or_hosts_per_day) {
    d.hosts.emplace(event.text(f_.resp_h, c_));
  }
}

void AttemptCounter::add_auth_failure(int64_t day, std::string_view source,
                                      std::string_view account, uint64_t count) {
  SourceDay& d = of_source(days_, source)[day];
  d.auth_failures += count;
  d.accounts[std::string(account)] += count;
}

void AttemptCounter::merge(AttemptCounter&& other) {
  for (auto& [source, theirs] : other.minutes_) {
    std::vector<MinuteCount>& mine = of_source(minutes_, source);
    mine.insert(mine.end(), theirs.begin(), theirs.end());
  }
  for (auto& [source, theirs] : other.days_) {
    auto& mine_by_day = of_source(days_, source);
    for (auto& [day, d] : theirs) {
      SourceDay& mine = mine_by_day[day];
      mine.failed_connections += d.failed_connections;
      for (const std::string& p : d.ports) {
        if (mine.ports.size() >= thresholds_.sweep_ports_or_hosts_per_day) break;
        mine.ports.insert(p);
      }
      for (const std::string& h : d.hosts) {
        if (mine.hosts.size() >= thresholds_.sweep_ports_or_hosts_per_day) break;
        mine.hosts.insert(h);
      }
      mine.auth_failures += d.auth_failures;
      for (const auto& [account, n] : d.accounts) mine.accounts[account] += n;
    }
  }
  other.minutes_.clear();
  other.days_.clear();
  other.last_minutes_ = nullptr;
}

std::vector<AttemptDay> AttemptCounter::finish(size_t top_sources) const {
  // (day, category) -> source -> count
  std::map<std::pair<int64_t, AttemptCategory>, std::map<std::string, uint64_t>> counts;
  auto add = [&](int64_t day, AttemptCategory c, const std::string& source, uint64_t n) {
    if (n > 0) counts[{day, c}][source] += n;
  };
  struct Totals {
    int64_t minute = 0;
    uint64_t total = 0, exploit = 0, scanner = 0, not_found = 0, not_found_all = 0;
  };
  std::vector<MinuteCount> sorted;
  std::vector<Totals> by_minute;
  for (const auto& [source, entries] : minutes_) {
    sorted = entries;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const MinuteCount& a, const MinuteCount& b) { return a.minute < b.minute; });
    by_minute.clear();
    for (const MinuteCount& e : sorted) {
      if (by_minute.empty() || by_minute.back().minute != e.minute) by_minute.push_back({e.minute});
      Totals& t = by_minute.back();
      t.total += e.counts.total;
      t.exploit += e.counts.exploit;
      t.scanner += e.counts.scanner;
      t.not_found += e.counts.not_found;
      t.not_found_all += e.counts.not_found_all;
    }
    // 404 answers per day, for the scanning threshold.
    std::map<int64_t, uint64_t> not_found_per_day;
    for (const Totals& m : by_minute) not_found_per_day[floor_div(m.minute, 24 * 60)] += m.not_found_all;
    for (const Totals& m : by_minute) {
      const int64_t day = floor_div(m.minute, 24 * 60);
      add(day, AttemptCategory::kExploitation, source, m.exploit);
      if (m.total >= thresholds_.flood_requests_per_minute) {
        add(day, AttemptCategory::kDenialOfService, source, m.total - m.exploit);
        continue;
      }
      add(day, AttemptCategory::kScanning, source, m.scanner);
      if (not_found_per_day[day] >= thresholds_.scan_not_found_per_day) {
        add(day, AttemptCategory::kScanning, source, m.not_found);
      }
    }
  }
  for (const auto& [source, by_day] : days_) {
    for (const auto& [day, d] : by_day) {
      if (d.ports.size() >= thresholds_.sweep_ports_or_hosts_per_day ||
          d.hosts.size() >= thresholds_.sweep_ports_or_hosts_per_day) {
        add(day, AttemptCategory::kScanning, source, d.failed_connections);
      }
      if (d.auth_failures == 0) continue;
      uint64_t most = 0;
      for (const auto& [account, n] : d.accounts) most = std::max(most, n);
      if (d.accounts.size() >= thresholds_.spraying_accounts &&
          most <= thresholds_.spraying_max_per_account) {
        add(day, AttemptCategory::kPasswordSpraying, source, d.auth_failures);
      } else if (d.auth_failures >= thresholds_.brute_force_failures) {
        add(day, AttemptCategory::kBruteForce, source, d.auth_failures);
      }
    }
  }
  std::vector<AttemptDay> out;
  for (const auto& [key, sources] : counts) {
    AttemptDay entry;
    entry.date = date_of_day(key.first);
    entry.category = key.second;
    std::vector<AttemptSource> ranked;
    for (const auto& [address, n] : sources) {
      entry.count += n;
      ranked.push_back({address, n});
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const AttemptSource& a, const AttemptSource& b) { return a.count > b.count; });
    if (ranked.size() > top_sources) ranked.resize(top_sources);
    entry.top_sources = std::move(ranked);
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace vigil::correlate
