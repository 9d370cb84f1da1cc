#include "vigil/assess/access.h"

#include <algorithm>
#include <cctype>

#include "vigil/assess/need_to_know.h"
#include "vigil/core/limits.h"

namespace vigil::assess {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string qualified(std::string_view user, std::string_view domain) {
  if (domain.empty() || domain == "-") return std::string(user);
  std::string out(domain);
  out.push_back('\\');
  out.append(user);
  return out;
}

// Actions of the application audit trail that show the data to the actor.
bool reads_data(std::string_view action) {
  for (std::string_view word : {"read", "download", "export", "view", "open", "print", "copy"}) {
    if (action.find(word) != std::string_view::npos) return true;
  }
  return false;
}

bool access_before(const LoggedAccess& a, const LoggedAccess& b) {
  return std::tie(a.timestamp.ticks, a.source, a.offset, a.record, a.asset) <
         std::tie(b.timestamp.ticks, b.source, b.offset, b.record, b.asset);
}

bool transfer_before(const LoggedTransfer& a, const LoggedTransfer& b) {
  return std::tie(a.timestamp.ticks, a.source, a.offset, a.record) <
         std::tie(b.timestamp.ticks, b.source, b.offset, b.record);
}

// Keeps the first `limit` records by `before`; true when some were dropped.
// Every worker keeps its own earliest by the output order, so the earliest
// of all survive whichever worker saw them.
template <typename Record, typename Less>
bool keep_earliest(std::vector<Record>& records, Less before, size_t limit) {
  std::sort(records.begin(), records.end(), before);
  if (records.size() <= limit) return false;
  records.resize(limit);
  return true;
}

bool before(const OutOfRole::Access& a, const OutOfRole::Access& b) {
  return std::tie(a.timestamp.ticks, a.source, a.offset, a.record) <
         std::tie(b.timestamp.ticks, b.source, b.offset, b.record);
}

}  // namespace

AccessCollector::AccessCollector(FieldNames& names, const Inventory& inventory)
    : inventory_(&inventory) {
  f_.subject_user = names.intern("SubjectUserName");
  f_.subject_domain = names.intern("SubjectDomainName");
  f_.share_name = names.intern("ShareName");
  f_.relative_target = names.intern("RelativeTargetName");
  f_.object_name = names.intern("ObjectName");
  f_.target_filename = names.intern("TargetFilename");
  f_.user = names.intern("User");
  f_.actor = names.intern("actor");
  f_.object = names.intern("object");
  f_.action = names.intern("action");
  f_.cs_username = names.intern("cs-username");
  f_.uri_stem = names.intern("cs-uri-stem");
  f_.host = names.intern("host");
  f_.name = names.intern("name");
  f_.cwd = names.intern("cwd");
  f_.auid = names.intern("auid");
  f_.auid_name = names.intern("AUID");
  f_.syscall_name = names.intern("SYSCALL");
  f_.sc_bytes = names.intern("sc-bytes");
  f_.cs_host = names.intern("cs-host");
  f_.dst_ip = names.intern("dst_ip");
  f_.cs_method = names.intern("cs-method");
  f_.src_ip = names.intern("src_ip");
  f_.zeek_path = names.intern("_path");
  f_.resp_h = names.intern("id.resp_h");
  f_.orig_h = names.intern("id.orig_h");
  f_.orig_bytes = names.intern("orig_bytes");
  for (const Asset& asset : inventory.assets()) {
    for (const LocationPattern& pattern : inventory.locations_of(asset)) {
      pattern_roots_.insert({pattern.form(), location_root(pattern.literal_prefix(), pattern.form())});
    }
  }
}

void AccessCollector::note_root(uint32_t source, std::string_view location, LocationKind kind,
                                std::string_view host) {
  const auto form = location_form(location, kind);
  if (!form) return;
  const std::string_view normalised = normalise_location(location, *form, scratch_);
  if (normalised.empty()) return;
  std::string root = location_root(normalised, *form);
  if (!pattern_roots_.contains({*form, root})) return;
  roots_.insert({source, *form, std::move(root), std::string(host)});
}

void AccessCollector::add(const Event& event) {
  if (event.timestamp.is_set()) {
    const uint32_t source = event.source.source_id;
    if (spans_.size() <= source) spans_.resize(source + 1);
    SourceSpan& span = spans_[source];
    if (!span.first.is_set() || event.timestamp < span.first) span.first = event.timestamp;
    if (!span.last.is_set() || span.last < event.timestamp) span.last = event.timestamp;
  }
  const Value* format = event.find(field::kSourceFormat);
  if (format == nullptr) {
    const Value* id_value = event.find(field::kEventID);
    if (id_value == nullptr) return;
    const auto id = to_int(*id_value);
    if (!id || (*id != 5145 && *id != 4663 && *id != 4656 && *id != 11 && *id != 23 && *id != 26)) {
      return;
    }
    const std::string host = lower(event.text(field::kComputer, a_));
    if (*id == 11 || *id == 23 || *id == 26) {
      if (event.text(field::kChannel, b_) != "Microsoft-Windows-Sysmon/Operational") return;
      const std::string account(event.text(f_.user, b_));
      judge(event, account, host, event.text(f_.target_filename, c_), LocationKind::kPath,
            *id == 11 ? "file written" : "file deleted");
      return;
    }
    if (event.text(field::kChannel, b_) != "Security") return;
    const std::string account =
        qualified(event.text(f_.subject_user, b_), event.text(f_.subject_domain, c_));
    if (account.ends_with('$')) return;
    if (*id == 4663 || *id == 4656) {
      judge(event, account, host, event.text(f_.object_name, c_), LocationKind::kPath,
            *id == 4663 ? "object accessed" : "object handle requested");
      return;
    }
    // \\*\cases + witnesses\a.pdf -> \\fs01\cases\witnesses\a.pdf
    const std::string_view share_name = event.text(f_.share_name, c_);
    std::string share;
    if (share_name.starts_with("\\\\*\\")) {
      share.append("\\\\").append(host.substr(0, host.find('.'))).append(share_name.substr(3));
    } else {
      share.append(share_name);
    }
    const std::string_view relative = event.text(f_.relative_target, d_);
    if (!relative.empty()) share.append("\\").append(relative);
    judge(event, account, host, share, LocationKind::kPath, "share file read");
    return;
  }
  const std::string_view kind = event.text(field::kSourceFormat, a_);
  if (kind == "auditd") {
    add_auditd(event);
    return;
  }
  if (kind == "proxy" || kind == "zeek") {
    add_transfer(event, kind == "proxy");
    return;
  }
  if (kind == "audit-trail") {
    const std::string account(event.text(f_.actor, b_));
    const std::string action(event.text(f_.action, c_));
    const std::string host = lower(event.text(f_.host, d_));
    judge(event, account, host, event.text(f_.object, d_), LocationKind::kObject, action);
  } else if (kind == "webserver" || kind == "web") {
    const std::string account(event.text(f_.cs_username, b_));
    const std::string_view stem = event.text(f_.uri_stem, c_);
    if (account.empty() || account == "-") {
      note_root(event.source.source_id, stem, LocationKind::kUrl, {});
      return;
    }
    judge(event, account, {}, stem, LocationKind::kUrl, "web request");
  }
}

// A system call's PATH records name the files it touched (relative to its
// CWD record's folder); AUID is who logged in, whatever sudo made of it.
void AccessCollector::add_auditd(const Event& event) {
  bool has_path = false;
  for (const Field& f : event.fields()) {
    if (f.name == f_.name) {
      has_path = true;
      break;
    }
  }
  if (!has_path) return;
  std::string account(event.text(f_.auid_name, b_));
  if (account.empty() || account == "unset") account = event.text(f_.auid, b_);
  if (account == "4294967295" || account == "-1") account.clear();
  const std::string host = lower(event.text(field::kComputer, c_));
  const std::string cwd(event.text(f_.cwd, d_));
  std::string syscall(event.text(f_.syscall_name, d_));
  if (syscall.empty()) syscall = "system call";
  const std::string action = syscall + " (auditd)";
  std::string text, path;
  for (const Field& f : event.fields()) {
    if (f.name != f_.name) continue;
    text.clear();
    append_text(text, f.value);
    if (text.empty() || text == "(null)") continue;
    path = text.front() == '/' || cwd.empty() ? text : cwd + "/" + text;
    judge(event, account, host, path, LocationKind::kPath, action);
  }
}

void AccessCollector::add_transfer(const Event& event, bool proxy) {
  const Value* bytes_value = event.find(proxy ? f_.sc_bytes : f_.orig_bytes);
  if (bytes_value == nullptr) return;
  const auto bytes = to_int(*bytes_value);
  if (!bytes || *bytes < 0 || static_cast<uint64_t>(*bytes) < limits::kImpactMinTransferBytes) return;
  LoggedTransfer t;
  t.timestamp = event.timestamp;
  t.source = event.source.source_id;
  t.record = event.source.record_id;
  t.offset = event.source.offset;
  t.bytes = static_cast<uint64_t>(*bytes);
  if (proxy) {
    // Bytes to the client are what a download brings in; only a tunnel or
    // an upload can carry data out.
    const std::string_view method = event.text(f_.cs_method, b_);
    if (method != "CONNECT" && method != "POST" && method != "PUT") return;
    t.host = lower(event.text(f_.cs_host, b_));
    t.address = event.text(f_.dst_ip, b_);
    t.client = event.text(f_.cs_username, b_);
    if (t.client.empty() || t.client == "-") t.client = event.text(f_.src_ip, b_);
    t.seen_by = "proxy";
  } else {
    if (event.text(f_.zeek_path, b_) != "conn") return;
    t.address = event.text(f_.resp_h, b_);
    t.client = event.text(f_.orig_h, b_);
    t.seen_by = "zeek";
  }
  transfers_.push_back(std::move(t));
  if (transfers_.size() >= 2 * limits::kImpactMaxTransfers) {
    keep_earliest(transfers_, transfer_before, limits::kImpactMaxTransfers);
  }
}

std::vector<LoggedTransfer> AccessCollector::take_transfers() {
  keep_earliest(transfers_, transfer_before, limits::kImpactMaxTransfers);
  return std::move(transfers_);
}

void AccessCollector::judge(const Event& event, std::string_view account, std::string_view host,
                            std::string_view location, LocationKind kind,
                            std::string_view action) {
  if (location.empty()) return;
  note_root(event.source.source_id, location, kind, host);
  if (account.empty()) return;
  for (const AssetAccess& a : judge_location(*inventory_, account, location, kind)) {
    const bool reads = kind == LocationKind::kObject
                           ? reads_data(action)
                           : action != "file written" && action != "file deleted";
    accesses_.push_back({event.timestamp, event.source.source_id, event.source.record_id,
                         event.source.offset, a.asset->index, kind, a.verdict.access, reads,
                         std::string(account), std::string(host), std::string(action),
                         std::string(location)});
    if (accesses_.size() >= 2 * limits::kImpactMaxAccesses) keep_earliest_accesses();
    if (a.verdict.access != Access::kOutsideRole) continue;
    OutOfRole& o = found_[{std::string(account), a.asset->index}];
    if (o.count == 0) {
      o.account = account;
      o.asset = a.asset->index;
      o.host = host;
      o.first = o.last = event.timestamp;
    }
    ++o.count;
    if (event.timestamp < o.first) o.first = event.timestamp;
    if (o.last < event.timestamp) o.last = event.timestamp;
    OutOfRole::Access access{event.timestamp, event.source.source_id, event.source.record_id,
                             event.source.offset, std::string(host), std::string(action),
                             std::string(location)};
    // Keep the earliest accesses, whatever order the workers saw them in.
    auto at = std::upper_bound(o.evidence.begin(), o.evidence.end(), access, before);
    if (o.evidence.size() < limits::kEvidencePerFinding) {
      o.evidence.insert(at, std::move(access));
    } else if (at != o.evidence.end()) {
      o.evidence.insert(at, std::move(access));
      o.evidence.pop_back();
    }
  }
}

void AccessCollector::merge(AccessCollector&& other) {
  for (auto& [key, theirs] : other.found_) {
    auto [it, inserted] = found_.try_emplace(key, theirs);
    if (inserted) continue;
    OutOfRole& mine = it->second;
    mine.count += theirs.count;
    if (theirs.first < mine.first) {
      mine.first = theirs.first;
      mine.host = theirs.host;
    }
    if (mine.last < theirs.last) mine.last = theirs.last;
    for (OutOfRole::Access& a : theirs.evidence) {
      mine.evidence.insert(std::upper_bound(mine.evidence.begin(), mine.evidence.end(), a, before),
                           std::move(a));
    }
    if (mine.evidence.size() > limits::kEvidencePerFinding) {
      mine.evidence.resize(limits::kEvidencePerFinding);
    }
  }
  other.found_.clear();
  for (LoggedAccess& a : other.accesses_) accesses_.push_back(std::move(a));
  truncated_ = truncated_ || other.truncated_;
  if (accesses_.size() >= 2 * limits::kImpactMaxAccesses) keep_earliest_accesses();
  other.accesses_.clear();
  for (LoggedTransfer& t : other.transfers_) transfers_.push_back(std::move(t));
  other.transfers_.clear();
  if (transfers_.size() >= 2 * limits::kImpactMaxTransfers) {
    keep_earliest(transfers_, transfer_before, limits::kImpactMaxTransfers);
  }
  roots_.merge(other.roots_);
  if (spans_.size() < other.spans_.size()) spans_.resize(other.spans_.size());
  for (size_t i = 0; i < other.spans_.size(); ++i) {
    const SourceSpan& theirs = other.spans_[i];
    if (!theirs.first.is_set()) continue;
    SourceSpan& mine = spans_[i];
    if (!mine.first.is_set() || theirs.first < mine.first) mine.first = theirs.first;
    if (!mine.last.is_set() || mine.last < theirs.last) mine.last = theirs.last;
  }
}

void AccessCollector::keep_earliest_accesses() {
  if (keep_earliest(accesses_, access_before, limits::kImpactMaxAccesses)) truncated_ = true;
}

std::vector<LoggedAccess> AccessCollector::take_accesses(bool& truncated) {
  keep_earliest_accesses();
  truncated = truncated_;
  return std::move(accesses_);
}

std::vector<OutOfRole> AccessCollector::out_of_role() const {
  std::vector<OutOfRole> out;
  for (const auto& [key, o] : found_) out.push_back(o);
  return out;
}

}  // namespace vigil::assess
