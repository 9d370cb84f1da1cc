// ground_truth.json (the answers an investigation of the scenario should
// give, in docs/investigate.md's shape) and inventory.yaml (what the
// organisation holds, about whom, where, and who may read it).

#include <algorithm>
#include <map>
#include <set>

#include "scenario_internal.h"

namespace vigil::synth::scenario {

namespace {

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += "\\u00";
      add_hex(out, static_cast<uint8_t>(c), 2, false);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string time_text(Timestamp t) {
  std::string out;
  append_rfc3339(out, t, 3);
  return out;
}

std::string asset_id(const Case& c, Folder f) { return "case-" + c.id + "-" + folder_name(f); }

struct Step {
  Timestamp time;
  std::string host;
  std::string rule;
  std::vector<const char*> techniques;
  const char* what;
};

std::vector<Step> intrusion_steps(const World& w) {
  const Intrusion& in = w.intrusion;
  const std::string ws =
      w.workstations[static_cast<size_t>(w.people[static_cast<size_t>(w.victim)].workstation)].fqdn;
  auto plus = [](Timestamp t, int64_t ticks) { return Timestamp{t.ticks + ticks}; };
  std::vector<Step> steps = {
      {plus(in.phish, 38 * kSecond),
       ws,
       "Office Application Starting a Shell or Script Host",
       {"T1566.001", "T1204.002"},
       "the spear-phishing document opened in Word starts cmd.exe"},
      {plus(in.phish, 39 * kSecond),
       ws,
       "PowerShell Run With an Encoded Command",
       {"T1059.001", "T1027"},
       "an encoded PowerShell stager downloads the implant"},
      {in.discovery, ws, "Whoami Listing Privileges or Groups", {"T1033"}, "whoami /all"},
      {plus(in.discovery, 70 * kSecond),
       ws,
       "Domain Accounts or Groups Listed With Net",
       {"T1087.002", "T1069.002"},
       "net group \"Domain Admins\" /domain, net user /domain"},
      {plus(in.discovery, 210 * kSecond),
       ws,
       "Domain Trusts or Controllers Listed With Nltest",
       {"T1482", "T1018"},
       "nltest /dclist, /domain_trusts"},
      {in.dump,
       ws,
       "LSASS Memory Opened for Reading by an Unexpected Process",
       {"T1003.001"},
       "the implant opens LSASS"},
      {plus(in.dump, 95 * kSecond),
       ws,
       "LSASS Memory Dumped Through comsvcs.dll",
       {"T1003.001"},
       "rundll32 comsvcs.dll MiniDump of LSASS"},
      {plus(in.dump, 95 * kSecond),
       ws,
       "Rundll32 Loading a DLL From a User-Writable Folder",
       {"T1218.011"},
       "the same rundll32 command writes its dump under C:\\ProgramData"},
  };
  for (const Host* h : {&w.fs, &w.dc}) {
    const Timestamp t = plus(in.lateral, (h == &w.fs ? 5 : 245) * kSecond);
    steps.push_back({plus(t, 4 * kSecond),
                     h->fqdn,
                     "New Service Installed",
                     {"T1543.003"},
                     "PsExec's service installed with the stolen administrator account"});
    steps.push_back({plus(t, 6 * kSecond),
                     h->fqdn,
                     "Command Run Through the PsExec Service",
                     {"T1569.002", "T1021.002"},
                     "a shell started by PSEXESVC"});
  }
  steps.push_back({in.staging,
                   ws,
                   "Archive Created With a Password or From a Network Share",
                   {"T1560.001", "T1039"},
                   "7-Zip archives the witness folder of case 2024-017 with a password"});
  steps.push_back({plus(in.staging, 2 * kSecond),
                   w.fs.fqdn,
                   "Many Files Read From a Network Share by One Account",
                   {"T1039"},
                   "the witness files read one after another over the share"});
  steps.push_back({in.exfiltration,
                   ws,
                   "File Uploaded With a Command-Line HTTP Client",
                   {"T1048"},
                   "curl uploads the archive through the proxy to an external host"});
  for (const Host* h : {&w.fs, &w.dc}) {
    const Timestamp t = plus(in.clearing, (h == &w.fs ? 0 : 120) * kSecond);
    steps.push_back({plus(t, kSecond),
                     h->fqdn,
                     "Event Log Cleared From the Command Line",
                     {"T1070.001"},
                     "wevtutil cl System / Security"});
    steps.push_back({plus(t, 5 * kSecond),
                     h->fqdn,
                     "Security Audit Log Cleared",
                     {"T1070.001"},
                     "the Security log cleared (1102)"});
  }
  steps.push_back({plus(in.clearing, 6 * kMinute + kSecond),
                   ws,
                   "Security Audit Log Cleared",
                   {"T1070.001"},
                   "the workstation's Security log cleared (1102)"});
  std::stable_sort(steps.begin(), steps.end(),
                   [](const Step& a, const Step& b) { return a.time < b.time; });
  return steps;
}

std::string lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

std::vector<int> folder_subjects(const Case& c, Folder f) {
  std::set<int> out;
  for (const Document& d : c.documents[static_cast<int>(f)]) {
    if (d.subject >= 0) out.insert(d.subject);
  }
  return {out.begin(), out.end()};
}

}  // namespace

std::string ground_truth_json(const World& w, const CategoryCounts& attempts) {
  std::string out = "{\n  \"seed\": " + std::to_string(w.seed) +
                    ",\n  \"scale\": " + std::to_string(w.scale) + ",\n";
  out += "  \"window\": {\"start\": \"" + to_rfc3339(day_start(0), 0) + "\", \"end\": \"" +
         to_rfc3339(day_start(kDays), 0) + "\"},\n";

  // The incident.
  const std::vector<Step> steps = intrusion_steps(w);
  std::set<std::string> hosts, techniques;
  for (const Step& s : steps) {
    hosts.insert(s.host);
    for (const char* t : s.techniques) techniques.insert(t);
  }
  const Person& victim = w.people[static_cast<size_t>(w.victim)];
  const Person& admin = w.people[static_cast<size_t>(w.admin)];
  out += "  \"incidents\": [\n    {\"classification\": \"espionage\",\n     \"hosts\": [";
  bool first = true;
  for (const std::string& h : hosts) {
    out += (first ? "" : ", ") + json_string(h);
    first = false;
  }
  out += "],\n     \"accounts\": [" + json_string(admin.account + "@" + w.domain) + ", " +
         json_string(victim.account + "@" + w.domain) + "],\n     \"techniques\": [";
  first = true;
  for (const std::string& t : techniques) {
    out += (first ? "" : ", ") + json_string(t);
    first = false;
  }
  const Intrusion& in = w.intrusion;
  out += "],\n     \"first\": \"" + time_text(steps.front().time) + "\", \"last\": \"" +
         time_text(steps.back().time) + "\",\n";
  out += "     \"external_hosts\": [{\"name\": " + json_string(in.c2_host) +
         ", \"address\": " + json_string(in.c2_ip) +
         ", \"role\": \"command_and_control\"}, {\"name\": " + json_string(in.exfil_host) +
         ", \"address\": " + json_string(in.exfil_ip) +
         ", \"role\": \"exfiltration\", \"bytes\": " + std::to_string(in.archive_bytes) + "}],\n";
  out += "     \"steps\": [\n";
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    out += "       {\"time\": \"" + time_text(s.time) + "\", \"host\": " + json_string(s.host) +
           ", \"rule\": " + json_string(s.rule) + ", \"techniques\": [";
    for (size_t k = 0; k < s.techniques.size(); ++k)
      out += (k ? ", " : "") + json_string(s.techniques[k]);
    out += "], \"what\": " + json_string(s.what) + "}" + (i + 1 < steps.size() ? ",\n" : "\n");
  }
  out += "     ]}\n  ],\n";

  // Attempts per day and category.
  out += "  \"attempts\": [\n";
  first = true;
  for (const auto& [key, sources] : attempts) {
    uint64_t total = 0;
    std::vector<std::pair<std::string, uint64_t>> top(sources.begin(), sources.end());
    for (const auto& [source, n] : sources) total += n;
    if (total == 0) continue;
    std::stable_sort(top.begin(), top.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (top.size() > 5) top.resize(5);
    out += first ? "" : ",\n";
    first = false;
    out += "    {\"date\": \"" + date_text(key.first) + "\", \"category\": \"" + key.second +
           "\", \"count\": " + std::to_string(total) +
           ", \"sources\": " + std::to_string(sources.size()) + ", \"top_sources\": [";
    for (size_t i = 0; i < top.size(); ++i) {
      out += (i ? ", " : "") + std::string("{\"address\": ") + json_string(top[i].first) +
             ", \"count\": " + std::to_string(top[i].second) + "}";
    }
    out += "]}";
  }
  out += "\n  ],\n";

  // The trainee.
  const Person& trainee = w.people[static_cast<size_t>(w.trainee)];
  std::set<std::string> read_assets;
  for (const TraineeRead& r : w.trainee_reads) {
    read_assets.insert(asset_id(w.cases[static_cast<size_t>(r.case_index)], r.folder));
  }
  out +=
      "  \"out_of_role_readers\": [{\"account\": " + json_string(trainee.account + "@" + w.domain) +
      ", \"role\": \"trainee\", \"reads\": " + std::to_string(w.trainee_reads.size()) +
      ", \"assets\": [";
  first = true;
  for (const std::string& a : read_assets) {
    out += (first ? "" : ", ") + json_string(a);
    first = false;
  }
  out += "]}],\n";

  // Exposure (docs/impact.md): exfiltrated, else accessed (by the intruder
  // or outside the reader's role), else at risk: every subject whose data is
  // on FS01 (the intruder held it: case shares and personnel files), and
  // every subject of an asset with a location no log of the scenario records
  // (the application's store /srv/cms/store, the SFTP folder /srv/sftp).
  std::map<int, std::pair<int, std::set<std::string>>> exposure;  // subject -> (level, assets)
  const auto raise = [&](int subject, int level, const std::string& asset) {
    auto& e = exposure[subject];
    if (e.first > level) return;
    if (e.first < level) e.second.clear();
    e.first = level;
    e.second.insert(asset);
  };
  for (const auto& [c, d] : in.exfiltrated_docs) {
    const Case& kase = w.cases[static_cast<size_t>(c)];
    const Document& doc =
        kase.documents[static_cast<int>(Folder::kWitnesses)][static_cast<size_t>(d)];
    if (doc.subject >= 0) raise(doc.subject, 3, asset_id(kase, Folder::kWitnesses));
  }
  for (const auto& [c, d] : in.accessed_docs) {
    const Case& kase = w.cases[static_cast<size_t>(c)];
    const Document& doc =
        kase.documents[static_cast<int>(Folder::kWitnesses)][static_cast<size_t>(d)];
    if (doc.subject >= 0) raise(doc.subject, 2, asset_id(kase, Folder::kWitnesses));
  }
  for (const TraineeRead& r : w.trainee_reads) {
    const Case& kase = w.cases[static_cast<size_t>(r.case_index)];
    const Document& doc = kase.documents[static_cast<int>(r.folder)][static_cast<size_t>(r.document)];
    if (doc.subject >= 0) {
      raise(doc.subject, 2, asset_id(kase, r.folder));
    } else {
      for (int s : folder_subjects(kase, r.folder)) raise(s, 2, asset_id(kase, r.folder));
    }
  }
  for (const Case& kase : w.cases) {
    for (Folder f : {Folder::kFilings, Folder::kWitnesses, Folder::kVictims}) {
      for (int s : folder_subjects(kase, f)) raise(s, 1, asset_id(kase, f));
    }
  }
  for (size_t s = 0; s < w.subjects.size(); ++s) {
    const int index = static_cast<int>(s);
    if (w.subjects[s].category == "staff") raise(index, 1, "hr-personnel-files");
    if (w.subjects[s].category == "partner_state") raise(index, 1, "partner-exchange");
  }
  std::vector<std::pair<std::string, int>> order;
  for (const auto& [s, e] : exposure) order.emplace_back(w.subjects[static_cast<size_t>(s)].id, s);
  std::sort(order.begin(), order.end());
  out += "  \"exposed_subjects\": [\n";
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& e = exposure[order[i].second];
    const char* level = e.first == 3 ? "exfiltrated" : e.first == 2 ? "accessed" : "at_risk";
    out += "    {\"subject_id\": " + json_string(order[i].first) + ", \"exposure\": \"" + level +
           "\", \"assets\": [";
    bool f = true;
    for (const std::string& a : e.second) {
      out += (f ? "" : ", ") + json_string(a);
      f = false;
    }
    out += std::string("]}") + (i + 1 < order.size() ? ",\n" : "\n");
  }
  out += "  ]\n}\n";
  return out;
}

namespace {

std::string yaml_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string inventory_yaml(const World& w) {
  std::string out =
      "# The organisation's inventory: who the data is about, where it is, who may read it.\n"
      "# Written by `vigil demo` (seed " +
      std::to_string(w.seed) +
      "); the format is docs/inventory.md's.\n"
      "organisation:\n"
      "  name: International Court (demo)\n"
      "  dpo:\n"
      "    name: Claire Fontaine\n"
      "    email: dpo@court.example\n"
      "    phone: '+00 555 0100'\n"
      "    address: 'Registry, International Court (demo), court.example'\n"
      "  regime: gdpr\n"
      "subjects:\n";
  for (const Subject& s : w.subjects) {
    out += "  - id: " + s.id + "\n    name: " + yaml_quote(s.name) + "\n    kind: " + s.kind +
           "\n    category: " + s.category + "\n    contact:\n      channel: " + s.channel +
           (s.address.empty() ? std::string() : "\n      address: " + yaml_quote(s.address)) +
           "\n    language: " + s.language +
           "\n    safety_review: " + (s.safety_review ? "true" : "false") + "\n";
  }
  out += "assets:\n";
  for (const Case& c : w.cases) {
    for (Folder f : {Folder::kFilings, Folder::kWitnesses, Folder::kVictims}) {
      const std::string folder = folder_name(f);
      out += "  - id: " + asset_id(c, f) + "\n    description: " +
             yaml_quote(std::string(f == Folder::kFilings     ? "Filings and decisions"
                                    : f == Folder::kWitnesses ? "Witness files"
                                                              : "Victims' files") +
                        " of case " + c.id + " (" + c.title + ")") +
             "\n    sensitivity: " +
             (f == Folder::kFilings     ? "medium"
              : f == Folder::kWitnesses ? "critical"
                                        : "high") +
             "\n    data_categories: [";
      out += f == Folder::kFilings ? "legal_proceedings"
             : f == Folder::kWitnesses
                 ? "identity, contact, statements, health, location, criminal_offences"
                 : "identity, contact, health, criminal_offences";
      out += "]\n    locations:\n";
      out += "      - " + yaml_quote("\\\\fs01\\cases\\" + c.id + "\\" + folder + "\\**") + "\n";
      out += "      - " + yaml_quote("D:\\Shares\\cases\\" + c.id + "\\" + folder + "\\**") + "\n";
      out += "      - " + yaml_quote("/srv/cms/store/cases/" + c.id + "/" + folder + "/**") + "\n";
      out += "      - " + yaml_quote("object:/cases/" + c.id + "/" + folder + "/**") + "\n";
      out += "    subjects: [";
      bool first = true;
      for (int s : folder_subjects(c, f)) {
        out += (first ? "" : ", ") + w.subjects[static_cast<size_t>(s)].id;
        first = false;
      }
      out += "]\n";
      // Witness and victim files are named after their subject (W-0001_statement_fr.pdf).
      if (f != Folder::kFilings) out += "    subject_files: '{id}_*'\n";
    }
  }
  out +=
      "  - id: hr-personnel-files\n    description: 'Personnel files of the staff'\n    "
      "sensitivity: high\n"
      "    data_categories: [identity, contact, employment, health]\n    locations:\n"
      "      - '\\\\fs01\\hr\\personnel\\**'\n    subjects: [";
  bool first = true;
  for (const Subject& s : w.subjects) {
    if (s.category != "staff") continue;
    out += (first ? "" : ", ") + s.id;
    first = false;
  }
  out += "]\n";
  out +=
      "  - id: public-website\n    description: 'The public web site: case pages, judgments, "
      "news'\n"
      "    sensitivity: low\n    data_categories: [legal_proceedings]\n    locations:\n"
      "      - 'url:/en/**'\n      - 'url:/fr/**'\n      - '/var/www/court/**'\n";
  out +=
      "  - id: partner-exchange\n    description: 'Files exchanged with partner states over SFTP'\n"
      "    sensitivity: high\n    data_categories: [legal_proceedings, identity]\n    locations:\n"
      "      - '/srv/sftp/**'\n    subjects: [";
  first = true;
  for (const Subject& s : w.subjects) {
    if (s.category != "partner_state") continue;
    out += (first ? "" : ", ") + s.id;
    first = false;
  }
  out += "]\n";
  out += "identities:\n";
  for (const Person& p : w.people) {
    out += "  - account: " + lower(p.account) + "@" + w.domain + "\n    aliases: [" +
           yaml_quote(w.netbios + "\\" + p.account) + ", " + p.account +
           "]\n    role: " + role_name(p.role) + "\n    assets: [";
    std::vector<std::string> assets;
    for (const auto& [c, f] : folders_of(p, w.cases.size()))
      assets.push_back(asset_id(w.cases[static_cast<size_t>(c)], f));
    if (p.role == Role::kPress) assets.push_back("public-website");
    if (p.role == Role::kItAdmin) {
      assets.push_back("public-website");
      assets.push_back("partner-exchange");
    }
    std::sort(assets.begin(), assets.end());
    for (size_t i = 0; i < assets.size(); ++i) out += (i ? ", " : "") + assets[i];
    out += "]\n";
  }
  return out;
}

}  // namespace vigil::synth::scenario
