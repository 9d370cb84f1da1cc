#include "vigil/assess/impact.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "vigil/assess/investigation.h"
#include "vigil/core/limits.h"

namespace vigil::assess {

namespace {

using Form = LocationPattern::Form;

// Exposure levels, weakest first.
enum Level : int { kNone = 0, kAtRisk = 1, kAccessed = 2, kExfiltrated = 3 };

const char* level_name(int level) {
  switch (level) {
    case kExfiltrated:
      return "exfiltrated";
    case kAccessed:
      return "accessed";
    case kAtRisk:
      return "at_risk";
    default:
      return "not_exposed";
  }
}

// What happened to an asset, strongest first.
constexpr const char* kActionOrder[] = {"exfiltrated", "staged", "copied", "read", "deleted",
                                        "held"};

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

std::string first_label(std::string_view host) {
  return ascii_lower(host.substr(0, host.find('.')));
}

std::string basename_lower(std::string_view path) {
  const size_t slash = path.find_last_of("\\/");
  return ascii_lower(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

bool is_archive_name(std::string_view name) {
  for (std::string_view ext : {".7z", ".zip", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".cab",
                               ".zst"}) {
    if (name.size() > ext.size() && name.ends_with(ext)) return true;
  }
  return false;
}

// Programs that pack files into one archive (staging) or copy them.
bool is_archiver(std::string_view image) {
  for (std::string_view name : {"7z.exe", "7za.exe", "7zr.exe", "7zg.exe", "rar.exe", "winrar.exe",
                                "zip.exe", "tar.exe", "makecab.exe", "7z", "tar", "zip", "rar"}) {
    if (image == name) return true;
  }
  return false;
}

bool is_copier(std::string_view image) {
  for (std::string_view name : {"robocopy.exe", "xcopy.exe", "rclone.exe", "pscp.exe", "scp.exe",
                                "scp", "rsync", "rclone", "cp"}) {
    if (image == name) return true;
  }
  return false;
}

bool looks_like_path(std::string_view word) {
  if (word.size() >= 3 && word[0] == '\\' && word[1] == '\\') return true;
  if (word.size() >= 3 && ((word[0] | 0x20) >= 'a' && (word[0] | 0x20) <= 'z') && word[1] == ':' &&
      (word[2] == '\\' || word[2] == '/')) {
    return true;
  }
  return word.size() >= 2 && word[0] == '/';
}

bool in_window(Timestamp t, Timestamp first, Timestamp last) {
  return !(t < first) && !(last < t);
}

std::string rfc3339_minutes(Timestamp t) {
  std::string text = to_rfc3339(t, 0);
  // 2026-10-14T02:31:05.1234567Z -> 2026-10-14 02:31 UTC: readable in reasons.
  if (text.size() >= 16) return text.substr(0, 10) + " " + text.substr(11, 5) + " UTC";
  return text;
}

struct Foot {
  const Incident* incident = nullptr;
  bool intrusion = false;  // the attacker held hosts (not an insider's reads)
  std::set<std::string> accounts;
  std::set<std::string> host_labels;
  Timestamp first;
  Timestamp last;
};

struct SubjectHit {
  int level = kNone;
  double confidence = 0;
  std::string incident;
  std::set<uint32_t> assets;
  std::vector<std::string> reasons;
  std::set<std::string> gaps;
  std::vector<Evidence> evidence;
};

struct AssetHit {
  std::set<std::string> actions;
  std::set<std::string> incidents;
  std::vector<Evidence> evidence;
};

bool evidence_before(const Evidence& a, const Evidence& b) {
  return std::tie(a.timestamp.ticks, a.source, a.offset, a.record, a.object) <
         std::tie(b.timestamp.ticks, b.source, b.offset, b.record, b.object);
}

void add_evidence(std::vector<Evidence>& list, const Evidence& e) {
  for (const Evidence& have : list) {
    if (have.source == e.source && have.record == e.record && have.offset == e.offset &&
        have.action == e.action && have.object == e.object) {
      return;
    }
  }
  list.push_back(e);
}

class Assessor {
 public:
  Assessor(const Findings& findings, const ImpactInput& input, const AccountNormaliser& accounts)
      : findings_(findings), input_(input), inv_(*input.inventory), accounts_(accounts) {}

  Impact run() {
    build_footprints();
    judge_coverage();
    judge_accesses();
    judge_staging();
    judge_holding();
    return finish();
  }

 private:
  void build_footprints() {
    for (const Incident& inc : findings_.incidents) {
      Foot f;
      f.incident = &inc;
      if (inc.classification == "insider") {
        f.intrusion = false;
      } else if (inc.classification == "espionage" || inc.classification == "disruption") {
        f.intrusion = true;
      } else {
        // Commodity detections (a service installed, a scan) do not show
        // that anyone held a machine, unless the incident went further.
        bool further = false;
        for (const std::string& t : inc.tactics) {
          further = further || t == "credential-access" || t == "lateral-movement" ||
                    t == "collection" || t == "exfiltration" || t == "command-and-control";
        }
        if (!further) continue;
        f.intrusion = true;
      }
      f.accounts.insert(inc.accounts.begin(), inc.accounts.end());
      for (const std::string& h : inc.hosts) f.host_labels.insert(first_label(h));
      f.first = inc.first_seen;
      f.last = inc.last_seen;
      feet_.push_back(std::move(f));

      Footprint out;
      out.incident = inc.id;
      out.classification = inc.classification;
      out.accounts = inc.accounts;
      out.hosts = inc.hosts;
      out.addresses = inc.addresses;
      std::set<std::string> processes;
      for (const IncidentStep& s : inc.steps) {
        const auto words = split_command_line(s.evidence.object);
        if (!words.empty() && ascii_lower(words[0]).ends_with(".exe")) processes.insert(words[0]);
      }
      out.processes.assign(processes.begin(), processes.end());
      out.first = inc.first_seen;
      out.last = inc.last_seen;
      impact_.footprints.push_back(std::move(out));
    }
    std::sort(impact_.footprints.begin(), impact_.footprints.end(),
              [](const Footprint& a, const Footprint& b) { return a.incident < b.incident; });
    for (const Foot& f : feet_) {
      if (!f.intrusion) continue;
      if (!window_first_.is_set() || f.first < window_first_) window_first_ = f.first;
      if (!window_last_.is_set() || window_last_ < f.last) window_last_ = f.last;
    }
  }

  // Which inputs logged accesses under each location's root, and whether
  // they span the intrusions' window.
  void judge_coverage() {
    impact_.coverage.window_first = window_first_;
    impact_.coverage.window_last = window_last_;
    gaps_.resize(inv_.assets().size());
    for (const Asset& asset : inv_.assets()) {
      for (const LocationPattern& pattern : inv_.locations_of(asset)) {
        const std::string root = location_root(pattern.literal_prefix(), pattern.form());
        CoverageEntry entry;
        entry.asset = asset.id;
        entry.location = pattern.text();
        std::set<uint32_t> sources;
        for (const LoggedRoot& r : input_.roots) {
          if (r.form == pattern.form() && r.root == root) sources.insert(r.source);
        }
        bool spans_window = false;
        std::string partial;
        for (uint32_t s : sources) {
          entry.sources.push_back(path_of(s));
          if (s >= input_.spans.size() || !input_.spans[s].first.is_set()) continue;
          const SourceSpan& span = input_.spans[s];
          if (!window_first_.is_set() ||
              (!(window_first_ < span.first) && !(span.last < window_last_))) {
            spans_window = true;
          } else if (partial.empty()) {
            partial = path_of(s) + " covers " + rfc3339_minutes(span.first) + " to " +
                      rfc3339_minutes(span.last) + " only";
          }
        }
        if (sources.empty()) {
          entry.status = "none";
          entry.gap = "no input logs accesses under " + display_root(root, pattern.form()) +
                      ": the logs cannot tell whether " + pattern.text() + " was reached";
        } else if (!spans_window) {
          entry.status = "partial";
          entry.gap = partial + "; the window runs " + rfc3339_minutes(window_first_) + " to " +
                      rfc3339_minutes(window_last_);
        } else {
          entry.status = "covered";
        }
        if (!entry.gap.empty()) gaps_[asset.index].push_back(entry.gap);
        locations_.push_back({asset.index, pattern, root, entry.status != "covered"});
        impact_.coverage.locations.push_back(std::move(entry));
      }
    }
  }

  static std::string display_root(const std::string& root, Form form) {
    switch (form) {
      case Form::kWindows:
        if (root.starts_with("//")) return "\\\\" + root.substr(2);
        return root + "\\";
      case Form::kUrl:
        return "the web site's paths";
      case Form::kObject:
        return "object:" + root;
      case Form::kLinux:
        return root;
    }
    return root;
  }

  std::string path_of(uint32_t source) const {
    return source < input_.inputs.size() ? input_.inputs[source].path : std::string();
  }

  const std::string& account_of(const LoggedAccess& a) {
    auto [it, inserted] = normalised_.try_emplace(a.account + '\n' + a.host);
    if (inserted) it->second = accounts_.normalise(a.account, {}, a.host);
    return it->second;
  }

  Evidence evidence_of(const LoggedAccess& a, const std::string& account) const {
    Evidence e;
    e.source = path_of(a.source);
    e.record = a.record;
    e.offset = a.offset;
    e.timestamp = a.timestamp;
    e.host = a.host;
    e.account = account;
    e.action = a.action;
    e.object = a.object;
    return e;
  }

  void raise(uint32_t subject, int level, double confidence, const std::string& incident,
             uint32_t asset, const std::string& reason, const Evidence* evidence) {
    SubjectHit& hit = subjects_[subject];
    if (level < hit.level) return;
    if (level > hit.level) {
      hit = SubjectHit{};
      hit.level = level;
      hit.incident = incident;
    }
    hit.confidence = std::max(hit.confidence, confidence);
    hit.assets.insert(asset);
    if (std::find(hit.reasons.begin(), hit.reasons.end(), reason) == hit.reasons.end()) {
      hit.reasons.push_back(reason);
    }
    if (evidence != nullptr) add_evidence(hit.evidence, *evidence);
  }

  void touch_asset(uint32_t asset, const char* action, const std::string& incident,
                   const Evidence* evidence) {
    AssetHit& hit = assets_[asset];
    hit.actions.insert(action);
    hit.incidents.insert(incident);
    if (evidence != nullptr) add_evidence(hit.evidence, *evidence);
  }

  // Reads of inventoried data by the accounts an incident holds, during it.
  void judge_accesses() {
    for (const LoggedAccess& a : input_.accesses) {
      const bool deleted = a.action == "file deleted";
      if (!a.reads && !deleted) continue;
      const Asset& asset = inv_.assets()[a.asset];
      for (const Foot& f : feet_) {
        if (!in_window(a.timestamp, f.first, f.last)) continue;
        const std::string& account = account_of(a);
        if (account.empty() || !f.accounts.contains(account)) continue;
        if (deleted) {
          // Destroyed, not disclosed: the data is gone, not known to be read.
          if (!f.intrusion) continue;
          const Evidence e = evidence_of(a, account);
          touch_asset(a.asset, "deleted", f.incident->id, &e);
          const std::string reason = "files deleted by " + account + " (" + f.incident->id + ")";
          for (uint32_t s : inv_.subjects_at(asset, a.object, a.kind).subjects) {
            raise(s, kAtRisk, 0.5, f.incident->id, a.asset, reason, &e);
          }
          continue;
        }
        if (!f.intrusion && a.verdict != Access::kOutsideRole) continue;
        const SubjectsAt whose = inv_.subjects_at(asset, a.object, a.kind);
        const Evidence e = evidence_of(a, account);
        const std::string& id = f.incident->id;
        if (whose.container) {
          touch_asset(a.asset, "read", id, &e);
          continue;
        }
        int level = kAccessed;
        double confidence = 0.8;
        std::string reason;
        if (!f.intrusion) {
          confidence = 0.7;
          reason = "read by " + account + " outside the role (" + id + ", need-to-know)";
        } else if (a.verdict == Access::kWithinRole) {
          // The owner of a stolen account reading their own files looks the
          // same as the intruder doing it: possible, not shown.
          level = kAtRisk;
          confidence = 0.5;
          reason = "read by " + account + ", an account " + id +
                   " compromised, within its role: its owner or the intruder";
        } else {
          reason = "read by " + account + ", an account " + id + " compromised, outside its role";
        }
        touch_asset(a.asset, "read", id, &e);
        for (uint32_t s : whose.subjects) raise(s, level, confidence, id, a.asset, reason, &e);
      }
    }
  }

  // Archivers and copy tools run by an incident on an asset's files, and the
  // uploads after them.
  void judge_staging() {
    for (const Foot& f : feet_) {
      if (!f.intrusion) continue;
      const Incident& inc = *f.incident;
      struct Staged {
        Timestamp at;
        std::string host;
        std::vector<std::string> archives;  // base names, lower case
        std::vector<std::pair<uint32_t, std::vector<uint32_t>>> held;  // asset, subjects
        Evidence evidence;
      };
      std::vector<Staged> staged;
      for (const IncidentStep& step : inc.steps) {
        const auto words = split_command_line(step.evidence.object);
        if (words.empty()) continue;
        const std::string image = basename_lower(words[0]);
        const bool archiver = is_archiver(image);
        const bool copier = is_copier(image);
        const bool exfiltration =
            std::find(step.tactics.begin(), step.tactics.end(), "exfiltration") != step.tactics.end();
        if (archiver || copier) {
          Staged s{step.timestamp, step.host, {}, {}, step.evidence};
          for (size_t i = 1; i < words.size(); ++i) {
            if (!looks_like_path(words[i])) continue;
            const auto at = inv_.assets_at(words[i], LocationKind::kPath);
            if (at.empty()) {
              if (is_archive_name(basename_lower(words[i]))) {
                s.archives.push_back(basename_lower(words[i]));
              }
              continue;
            }
            for (const Asset* asset : at) {
              SubjectsAt whose = inv_.subjects_at(*asset, words[i], LocationKind::kPath);
              if (whose.container || whose.subjects.empty()) {
                whose = inv_.subjects_at(*asset, words[i] + "\\*", LocationKind::kPath);
              }
              s.held.push_back({asset->index, whose.subjects});
            }
          }
          if (s.held.empty()) continue;
          const char* action = archiver ? "staged" : "copied";
          for (const auto& [asset, whose] : s.held) {
            touch_asset(asset, action, inc.id, &step.evidence);
            const std::string reason =
                std::string(archiver ? "packed into an archive" : "copied") + " by " + words[0] +
                " on " + step.host + " (" + inc.id + ")";
            for (uint32_t subject : whose) {
              raise(subject, kAccessed, 0.9, inc.id, asset, reason, &step.evidence);
            }
          }
          if (archiver) staged.push_back(std::move(s));
          continue;
        }
        if (!exfiltration) continue;
        const std::string object = ascii_lower(step.evidence.object);
        for (const Staged& s : staged) {
          if (step.timestamp < s.at) continue;
          bool named = false;
          for (const std::string& archive : s.archives) {
            named = named || object.find(archive) != std::string::npos;
          }
          if (!named && first_label(step.host) != first_label(s.host)) continue;
          double confidence = named ? 0.95 : 0.6;
          std::string reason =
              named ? "sent out by " + words[0] + " on " + step.host + " in the archive " +
                          s.archives.front() + " (" + inc.id + ")"
                    : "an upload from " + step.host + " followed the staging; it does not name "
                      "the archive (" + inc.id + ")";
          const std::vector<Evidence> seen = transfers_after(step.timestamp, words);
          if (!seen.empty()) {
            confidence = std::min(0.99, confidence + 0.03);
            reason += "; " + seen.front().action + " to " + seen.front().object;
          }
          for (const auto& [asset, whose] : s.held) {
            touch_asset(asset, "exfiltrated", inc.id, &step.evidence);
            for (uint32_t subject : whose) {
              raise(subject, kExfiltrated, confidence, inc.id, asset, reason, &step.evidence);
              add_evidence(subjects_[subject].evidence, s.evidence);
              for (const Evidence& e : seen) add_evidence(subjects_[subject].evidence, e);
            }
          }
        }
      }
    }
  }

  // The transfers out that carried an upload: the proxy's tunnel or upload
  // to the host the command line names, within a day after it, and Zeek's
  // connections to the address the proxy reached.
  std::vector<Evidence> transfers_after(Timestamp start, const std::vector<std::string>& words) {
    std::set<std::string> hosts;
    for (const std::string& w : words) {
      const size_t scheme = w.find("://");
      if (scheme == std::string::npos) continue;
      std::string host = w.substr(scheme + 3);
      host = host.substr(0, host.find_first_of("/?#"));
      if (const size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
      if (!host.starts_with('[')) host = host.substr(0, host.find(':'));
      hosts.insert(ascii_lower(host));
    }
    const Timestamp end{start.ticks + 24 * 3600 * Timestamp::kTicksPerSecond};
    std::vector<Evidence> out;
    std::set<std::string> addresses;
    for (const LoggedTransfer& t : input_.transfers) {
      if (t.seen_by != "proxy" || t.timestamp < start || end < t.timestamp) continue;
      if (!hosts.contains(t.host)) continue;
      if (!t.address.empty() && t.address != "-") addresses.insert(t.address);
      out.push_back(transfer_evidence(t, t.host));
    }
    const Timestamp early{start.ticks - 60 * Timestamp::kTicksPerSecond};
    for (const LoggedTransfer& t : input_.transfers) {
      if (t.seen_by != "zeek" || t.timestamp < early || end < t.timestamp) continue;
      if (addresses.contains(t.address)) out.push_back(transfer_evidence(t, t.address));
    }
    return out;
  }

  Evidence transfer_evidence(const LoggedTransfer& t, const std::string& to) const {
    Evidence e;
    e.source = path_of(t.source);
    e.record = t.record;
    e.offset = t.offset;
    e.timestamp = t.timestamp;
    e.account = t.seen_by == "proxy" ? t.client : std::string();
    char size[64];
    std::snprintf(size, sizeof size, "%.1f MB", static_cast<double>(t.bytes) / 1e6);
    e.action = std::string(size) + (t.seen_by == "proxy" ? " out through the proxy" : " sent (Zeek conn)");
    e.object = to;
    return e;
  }

  // Data held on a machine an intruder controlled, or where no log could
  // see an access during the intrusion.
  void judge_holding() {
    const Foot* first_intrusion = nullptr;
    for (const Foot& f : feet_) {
      if (f.intrusion && first_intrusion == nullptr) first_intrusion = &f;
    }
    if (first_intrusion == nullptr) return;
    for (const Location& loc : locations_) {
      const Asset& asset = inv_.assets()[loc.asset];
      for (const Foot& f : feet_) {
        if (!f.intrusion) continue;
        std::string host;
        if (loc.pattern.form() == Form::kWindows && loc.root.starts_with("//")) {
          if (f.host_labels.contains(loc.root.substr(2))) host = loc.root.substr(2);
        } else {
          for (const LoggedRoot& r : input_.roots) {
            if (r.form == loc.pattern.form() && r.root == loc.root &&
                f.host_labels.contains(first_label(r.host))) {
              host = first_label(r.host);
              break;
            }
          }
        }
        if (host.empty() && !loc.gap) continue;
        const std::string& id = f.incident->id;
        std::string reason;
        if (!host.empty()) {
          touch_asset(loc.asset, "held", id, nullptr);
          reason = "held on " + host + ", a machine " + id + "'s intruder controlled" +
                   (loc.gap ? "; its logs do not cover the window" : "; no access by the intruder seen");
        } else {
          reason = "no log covers " + loc.pattern.text() + " during " + id +
                   ": whether it was reached cannot be told";
        }
        for (const std::string& sid : asset.subjects) {
          const Subject* subject = inv_.subject(sid);
          if (subject == nullptr) continue;
          const auto index = static_cast<uint32_t>(subject - inv_.subjects().data());
          raise(index, kAtRisk, host.empty() ? 0.3 : 0.5, id, loc.asset, reason, nullptr);
        }
        break;  // the earliest intrusion that holds it speaks for it
      }
    }
    if (input_.accesses_truncated) {
      const std::string reason = "more than " + std::to_string(limits::kImpactMaxAccesses) +
                                 " accesses to inventoried data: the latest were not examined";
      for (const Asset& asset : inv_.assets()) {
        for (const std::string& sid : asset.subjects) {
          const Subject* subject = inv_.subject(sid);
          if (subject == nullptr) continue;
          const auto index = static_cast<uint32_t>(subject - inv_.subjects().data());
          raise(index, kAtRisk, 0.3, first_intrusion->incident->id, asset.index, reason, nullptr);
          subjects_[index].gaps.insert(reason);
        }
      }
    }
  }

  Impact finish() {
    for (const auto& [index, hit] : assets_) {
      const Asset& asset = inv_.assets()[index];
      AssetImpact out;
      out.asset = asset.id;
      out.description = asset.description;
      out.sensitivity = sensitivity_name(asset.sensitivity);
      out.data_categories = asset.data_categories;
      for (const char* action : kActionOrder) {
        if (hit.actions.contains(action)) out.actions.push_back(action);
      }
      out.incidents.assign(hit.incidents.begin(), hit.incidents.end());
      out.subjects = asset.subjects;
      std::sort(out.subjects.begin(), out.subjects.end());
      out.evidence = hit.evidence;
      std::sort(out.evidence.begin(), out.evidence.end(), evidence_before);
      if (out.evidence.size() > limits::kEvidencePerSubject) {
        out.evidence.resize(limits::kEvidencePerSubject);
      }
      impact_.assets.push_back(std::move(out));
    }
    std::vector<std::pair<std::string, uint32_t>> order;
    for (uint32_t i = 0; i < inv_.subjects().size(); ++i) order.push_back({inv_.subjects()[i].id, i});
    std::sort(order.begin(), order.end());
    for (const auto& [id, index] : order) {
      const auto it = subjects_.find(index);
      if (it == subjects_.end() || it->second.level == kNone) {
        impact_.not_exposed.push_back(id);
        continue;
      }
      const SubjectHit& hit = it->second;
      const Subject& subject = inv_.subjects()[index];
      ExposedSubject out;
      out.subject_id = subject.id;
      out.name = subject.name;
      out.kind = subject_kind_name(subject.kind);
      out.category = subject.category;
      out.exposure = level_name(hit.level);
      out.confidence = hit.confidence;
      std::set<std::string> categories;
      for (uint32_t a : hit.assets) {
        const Asset& asset = inv_.assets()[a];
        out.assets.push_back(asset.id);
        categories.insert(asset.data_categories.begin(), asset.data_categories.end());
      }
      std::sort(out.assets.begin(), out.assets.end());
      out.data_categories.assign(categories.begin(), categories.end());
      out.incident = hit.incident;
      out.reasons = hit.reasons;
      std::set<std::string> gaps = hit.gaps;
      for (uint32_t a : hit.assets) gaps.insert(gaps_[a].begin(), gaps_[a].end());
      out.coverage_gaps.assign(gaps.begin(), gaps.end());
      out.evidence = hit.evidence;
      std::sort(out.evidence.begin(), out.evidence.end(), evidence_before);
      if (out.evidence.size() > limits::kEvidencePerSubject) {
        out.evidence.resize(limits::kEvidencePerSubject);
      }
      out.language = subject.language;
      out.channel = contact_channel_name(subject.contact.channel);
      out.address = subject.contact.address;
      out.safety_review = subject.safety_review;
      if (!out.evidence.empty()) {
        out.first_exposed = out.evidence.front().timestamp;
      } else {
        for (const Incident& inc : findings_.incidents) {
          if (inc.id == hit.incident) out.first_exposed = inc.first_seen;
        }
      }
      impact_.subjects.push_back(std::move(out));
    }
    return std::move(impact_);
  }

  struct Location {
    uint32_t asset = 0;
    LocationPattern pattern;
    std::string root;
    bool gap = false;
  };

  const Findings& findings_;
  const ImpactInput& input_;
  const Inventory& inv_;
  const AccountNormaliser& accounts_;
  Impact impact_;
  std::vector<Foot> feet_;
  Timestamp window_first_;
  Timestamp window_last_;
  std::vector<Location> locations_;
  std::vector<std::vector<std::string>> gaps_;  // by asset
  std::map<uint32_t, SubjectHit> subjects_;
  std::map<uint32_t, AssetHit> assets_;
  std::map<std::string, std::string> normalised_;
};

}  // namespace

std::vector<std::string> split_command_line(std::string_view command_line) {
  std::vector<std::string> words;
  std::string word;
  bool quoted = false;
  bool in_word = false;
  for (size_t i = 0; i < command_line.size(); ++i) {
    const char c = command_line[i];
    if (c == '\\' && quoted && i + 1 < command_line.size() && command_line[i + 1] == '"') {
      word.push_back('"');
      ++i;
      continue;
    }
    if (c == '"') {
      quoted = !quoted;
      in_word = true;
      continue;
    }
    if (!quoted && (c == ' ' || c == '\t')) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    word.push_back(c);
    in_word = true;
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

Impact assess_impact(const Findings& findings, const ImpactInput& input,
                     const AccountNormaliser& accounts) {
  if (input.inventory == nullptr) return {};
  return Assessor(findings, input, accounts).run();
}

}  // namespace vigil::assess
