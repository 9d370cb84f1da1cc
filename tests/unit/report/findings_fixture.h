#pragma once
// A small, complete Findings for the tests of its writers (findings.json,
// report.html, case.db): two incidents (one with steps across several
// tactics and similar groups, one without tactics), attempts over four days
// with a day between them that has none, a need-to-know violation, and
// values a hostile log could carry (markup, quotes, control characters,
// invalid UTF-8). Golden files compare with VIGIL_UPDATE_GOLDEN=1 to rewrite.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "support/golden.h"
#include "vigil/assess/findings.h"

namespace vigil::findings_test {

inline Timestamp at(const char* text) { return parse_rfc3339(text); }

inline assess::Evidence evidence(const char* source, uint64_t record, uint64_t offset,
                                 const char* when, const char* host, const char* account,
                                 const char* action, const char* object) {
  return {source, record, offset, at(when), host, account, action, object};
}

// Who INC-001 hit: a protected witness whose file left (safety review route),
// a defendant whose file was read, a partner state whose correspondence sat
// on a share no log source watched (a coverage gap), two subjects not
// exposed, and two notifications already under way. Names and addresses are
// set so tests can check they stay out of findings.json and report.html.
inline assess::Impact sample_impact() {
  assess::Impact impact;
  assess::Footprint footprint;
  footprint.incident = "INC-001";
  footprint.classification = "espionage";
  footprint.accounts = {"adm.schmidt@court.local", "m.keller@court.local"};
  footprint.hosts = {"srv-fs01.court.local", "ws-0412.court.local"};
  footprint.processes = {"C:\\Program Files\\7-Zip\\7z.exe", "C:\\Windows\\System32\\curl.exe"};
  footprint.addresses = {"10.1.4.12", "203.0.113.50"};
  footprint.first = at("2026-10-02T08:15:02.1234567Z");
  footprint.last = at("2026-10-02T10:20:00Z");
  impact.footprints.push_back(footprint);

  assess::AssetImpact witnesses;
  witnesses.asset = "case-2024-017-witnesses";
  witnesses.description = "Witness protection files of case 2024-017";
  witnesses.sensitivity = "critical";
  witnesses.data_categories = {"identity", "location"};
  witnesses.actions = {"exfiltrated", "staged", "read"};
  witnesses.incidents = {"INC-001"};
  witnesses.subjects = {"S-0001", "S-0002"};
  witnesses.evidence = {
      evidence("logs/SRV-FS01/Security.evtx", 88120, 1052672, "2026-10-02T09:40:00Z",
               "srv-fs01.court.local", "m.keller@court.local", "read",
               "\\\\srv-fs01\\cases\\2024-017\\witnesses.docx"),
      evidence("logs/WS-0412/Sysmon.evtx", 4410, 528384, "2026-10-02T09:55:00Z",
               "ws-0412.court.local", "m.keller@court.local", "staged",
               "C:\\Users\\m.keller\\AppData\\Local\\Temp\\w.7z"),
      evidence("logs/proxy/access.log", 20931, 3145728, "2026-10-02T10:05:00Z",
               "ws-0412.court.local", "m.keller@court.local", "exfiltrated",
               "POST http://203.0.113.50/u?<x>&y=\"1\"")};
  impact.assets.push_back(witnesses);

  assess::AssetImpact correspondence;
  correspondence.asset = "partner-state-correspondence";
  correspondence.description = "Correspondence with partner states";
  correspondence.sensitivity = "high";
  correspondence.data_categories = {"diplomatic"};
  correspondence.actions = {"held"};
  correspondence.incidents = {"INC-001"};
  correspondence.subjects = {"ST-FR"};
  impact.assets.push_back(correspondence);

  assess::ExposedSubject witness;
  witness.subject_id = "S-0001";
  witness.name = "Witness W-17 (pseudonym)";
  witness.kind = "individual";
  witness.category = "protected_witness";
  witness.exposure = "exfiltrated";
  witness.confidence = 0.9249999;
  witness.assets = {"case-2024-017-witnesses"};
  witness.data_categories = {"identity", "location"};
  witness.incident = "INC-001";
  witness.reasons = {"an archive of the witness files was uploaded to 203.0.113.50",
                     "the upload followed the staging by 10 minutes"};
  witness.evidence = {witnesses.evidence[1], witnesses.evidence[2]};
  witness.language = "fr";
  witness.channel = "in_person";
  witness.address = "SECRET-ADDRESS 12 rue des T\xc3\xa9moins, Lyon";
  witness.safety_review = true;
  witness.first_exposed = at("2026-10-02T09:55:00Z");
  impact.subjects.push_back(witness);

  assess::ExposedSubject defendant;
  defendant.subject_id = "S-0002";
  defendant.name = "SECRET-NAME Jane \"<b>Doe</b>\"";
  defendant.kind = "individual";
  defendant.category = "defendant";
  defendant.exposure = "accessed";
  defendant.confidence = 0.75;
  defendant.assets = {"case-2024-017-witnesses"};
  defendant.data_categories = {"identity"};
  defendant.incident = "INC-001";
  defendant.reasons = {"<b>read</b> by m.keller@court.local & copied\x01"};
  defendant.evidence = {witnesses.evidence[0]};
  defendant.language = "en";
  defendant.channel = "email";
  defendant.address = "SECRET-ADDRESS jane@example.org";
  defendant.first_exposed = at("2026-10-02T09:40:00Z");
  impact.subjects.push_back(defendant);

  assess::ExposedSubject state;
  state.subject_id = "ST-FR";
  state.name = "SECRET-NAME Partner state";
  state.kind = "state";
  state.category = "partner_state";
  state.exposure = "at_risk";
  state.confidence = 0.4;
  state.assets = {"partner-state-correspondence"};
  state.data_categories = {"diplomatic"};
  state.incident = "INC-001";
  state.reasons = {"held on srv-fs02.court.local, reachable with adm.schmidt@court.local"};
  state.coverage_gaps = {"\\\\srv-fs02\\diplomatic\\*: no log source during the window"};
  state.language = "fr";
  state.channel = "via_state_party";
  state.address = "SECRET-ADDRESS embassy";
  state.first_exposed = at("2026-10-02T08:15:02.1234567Z");
  impact.subjects.push_back(state);

  impact.not_exposed = {"S-0003", "S-0004"};

  impact.coverage.window_first = at("2026-10-02T08:15:02.1234567Z");
  impact.coverage.window_last = at("2026-10-02T10:20:00Z");
  impact.coverage.locations = {
      {"case-2024-017-witnesses",
       "\\\\srv-fs01\\cases\\2024-017\\**",
       "covered",
       {"logs/SRV-FS01/Security.evtx", "logs/WS-0412/Sysmon.evtx"},
       ""},
      {"case-2024-017-witnesses",
       "url:/cms/cases/2024-017/**",
       "partial",
       {"logs/web/access.log.gz"},
       "the web log starts at 2026-10-02T09:00:00Z, after the window opens"},
      {"partner-state-correspondence",
       "\\\\srv-fs02\\diplomatic\\*",
       "none",
       {},
       "no log source recorded accesses there during the window"}};

  impact.notifications = {
      {"S-0001", "safety_review", "reviewed", "a.berger", "2026-10-05T09:00:00Z",
       "checked with the witness protection unit"},
      {"S-0002", "letter", "sent", "<i>clerk</i>", "2026-10-05T10:00:00+02:00",
       "--> <!-- vigil:notifications:end --> & 'posted'"}};
  return impact;
}

inline assess::Findings sample_findings() {
  using correlate::AttemptCategory;
  assess::Findings f;
  f.vigil_version = "0.1.0";
  f.first_event = at("2026-10-01T00:00:03.5Z");
  f.last_event = at("2026-10-04T23:59:59Z");
  f.events = 1234567;
  f.detections = 42;
  f.inputs = {{"logs/WS-0412/Security.evtx", "evtx", 120000, 0},
              {"logs/web/access.log.gz", "web", 1114567, 3}};
  f.rules = {{"r-0001", "LSASS memory read by unusual process", "high", 20},
             {"r-0002", "Remote service created", "medium", 12},
             {"r-0003", "Security log cleared", "high", 10}};

  assess::Incident espionage;
  espionage.id = "INC-001";
  espionage.classification = "espionage";
  espionage.confidence = 0.8499999;
  espionage.reasons = {
      "4 tactics: credential access, lateral movement, defense evasion, "
      "discovery",
      "progression over 2 hours"};
  espionage.first_seen = at("2026-10-02T08:15:02.1234567Z");
  espionage.last_seen = at("2026-10-02T10:20:00Z");
  espionage.hosts = {"srv-fs01.court.local", "ws-0412.court.local"};
  espionage.accounts = {"m.keller@court.local"};
  espionage.addresses = {"10.1.4.12"};
  espionage.tactics = {"credential-access", "discovery", "lateral-movement"};
  espionage.techniques = {{"T1003.001", "LSASS Memory", "credential-access"},
                          {"T1021.002", "SMB/Windows Admin Shares", "lateral-movement"},
                          {"T1087", "Account Discovery", "discovery"}};
  espionage.steps = {
      {at("2026-10-02T08:15:02.1234567Z"),
       "ws-0412.court.local",
       {"m.keller@court.local"},
       "r-0004",
       "Account enumeration with net.exe",
       "low",
       "vigil",
       {"T1087"},
       {"discovery"},
       evidence("logs/WS-0412/Security.evtx", 9001, 69632, "2026-10-02T08:15:02.1234567Z",
                "ws-0412.court.local", "m.keller@court.local", "process created",
                "C:\\Windows\\System32\\net.exe user /domain")},
      {at("2026-10-02T09:00:00Z"),
       "ws-0412.court.local",
       {"m.keller@court.local"},
       "r-0001",
       "LSASS memory read by unusual process",
       "high",
       "vigil",
       {"T1003.001"},
       {"credential-access"},
       evidence("logs/WS-0412/Security.evtx", 9050, 73728, "2026-10-02T09:00:00Z",
                "ws-0412.court.local", "m.keller@court.local", "process access",
                "<script>alert('x')</script> & \"quoted\"")},
      {at("2026-10-02T10:20:00Z"),
       "srv-fs01.court.local",
       {"m.keller@court.local"},
       "r-0002",
       "Remote service created",
       "medium",
       "vigil",
       {"T1021.002"},
       {"lateral-movement"},
       evidence("logs/SRV-FS01/System.evtx", 77, 4096, "2026-10-02T10:20:00Z",
                "srv-fs01.court.local", "m.keller@court.local", "service installed",
                "bad\x01"
                "bytes\xff"
                "end")},
  };
  espionage.similar_groups = {{"G0016", "APT29", 0.4166666, {"T1003.001", "T1087"}},
                              {"G0007", "APT28", 0.25, {"T1003.001"}}};
  f.incidents.push_back(espionage);

  assess::Incident commodity;
  commodity.id = "INC-002";
  commodity.classification = "commodity";
  commodity.confidence = 0.5;
  commodity.reasons = {"one detection, no tactic progression"};
  commodity.first_seen = at("2026-10-03T12:00:00Z");
  commodity.last_seen = at("2026-10-03T12:00:00Z");
  commodity.hosts = {"web-01.court.local"};
  commodity.addresses = {"203.0.113.9"};
  commodity.steps = {
      {at("2026-10-03T12:00:00Z"),
       "web-01.court.local",
       {},
       "r-0009",
       "Web shell upload attempt",
       "medium",
       "",
       {},
       {},
       evidence("logs/web/access.log.gz", 5120, 811008, "2026-10-03T12:00:00Z",
                "web-01.court.local", "", "http request", "/upload.php?f=shell.php")}};
  f.incidents.push_back(commodity);

  f.attempts = {
      {"2026-10-01",
       AttemptCategory::kBruteForce,
       412,
       {{"198.51.100.7", 400}, {"198.51.100.8", 12}}},
      {"2026-10-01", AttemptCategory::kScanning, 35, {{"203.0.113.9", 35}}},
      {"2026-10-02", AttemptCategory::kExploitation, 7, {{"203.0.113.9", 7}}},
      {"2026-10-04", AttemptCategory::kDenialOfService, 900, {{"192.0.2.50", 900}}},
      {"2026-10-04", AttemptCategory::kPasswordSpraying, 30, {{"198.51.100.7", 30}}},
  };

  assess::NeedToKnowViolation violation;
  violation.account = "t.novak@court.local";
  violation.role = "trainee";
  violation.asset = "case-2024-017-witnesses";
  violation.asset_description = "Witness protection files of case 2024-017";
  violation.sensitivity = "critical";
  violation.first_seen = at("2026-10-03T14:00:00Z");
  violation.last_seen = at("2026-10-03T14:30:00Z");
  violation.accesses = 3;
  violation.evidence = {
      evidence("logs/FS/audit.jsonl", 10, 2048, "2026-10-03T14:00:00Z", "srv-fs01.court.local",
               "t.novak@court.local", "read", "\\\\srv-fs01\\cases\\2024-017\\witnesses.docx"),
      evidence("logs/FS/audit.jsonl", 11, 2300, "2026-10-03T14:30:00Z", "srv-fs01.court.local",
               "t.novak@court.local", "read", "\\\\srv-fs01\\cases\\2024-017\\addresses.xlsx")};
  f.need_to_know.push_back(violation);
  f.inventory_given = true;
  f.impact = sample_impact();
  return f;
}

// Calls `change` on every free-text value of the findings (not dates,
// categories or numbers), in a fixed order: for tests that fill them with
// hostile bytes.
template <class F>
void for_each_text(assess::Findings& f, F&& change) {
  auto evidence = [&](assess::Evidence& e) {
    for (std::string* text : {&e.source, &e.host, &e.account, &e.action, &e.object}) {
      change(*text);
    }
  };
  change(f.vigil_version);
  for (auto& input : f.inputs) change(input.path), change(input.format);
  for (auto& rule : f.rules) change(rule.rule_id), change(rule.title), change(rule.level);
  for (auto& incident : f.incidents) {
    for (std::string* text : {&incident.id, &incident.classification}) change(*text);
    for (auto* list : {&incident.reasons, &incident.hosts, &incident.accounts, &incident.addresses,
                       &incident.tactics}) {
      for (std::string& text : *list) change(text);
    }
    for (auto& technique : incident.techniques) {
      change(technique.id), change(technique.name), change(technique.tactic);
    }
    for (auto& step : incident.steps) {
      for (std::string* text :
           {&step.host, &step.rule_id, &step.rule_title, &step.level, &step.author}) {
        change(*text);
      }
      for (auto* list : {&step.accounts, &step.techniques, &step.tactics}) {
        for (std::string& text : *list) change(text);
      }
      evidence(step.evidence);
    }
    for (auto& group : incident.similar_groups) {
      change(group.id), change(group.name);
      for (std::string& text : group.shared_techniques) change(text);
    }
  }
  for (auto& day : f.attempts) {
    for (auto& source : day.top_sources) change(source.address);
  }
  for (auto& violation : f.need_to_know) {
    for (std::string* text : {&violation.account, &violation.role, &violation.asset,
                              &violation.asset_description, &violation.sensitivity}) {
      change(*text);
    }
    for (auto& e : violation.evidence) evidence(e);
  }
  assess::Impact& impact = f.impact;
  for (auto& footprint : impact.footprints) {
    change(footprint.incident), change(footprint.classification);
    for (auto* list :
         {&footprint.accounts, &footprint.hosts, &footprint.processes, &footprint.addresses}) {
      for (std::string& text : *list) change(text);
    }
  }
  for (auto& asset : impact.assets) {
    change(asset.asset), change(asset.description), change(asset.sensitivity);
    for (auto* list : {&asset.data_categories, &asset.actions, &asset.incidents, &asset.subjects}) {
      for (std::string& text : *list) change(text);
    }
    for (auto& e : asset.evidence) evidence(e);
  }
  for (auto& subject : impact.subjects) {
    for (std::string* text :
         {&subject.subject_id, &subject.name, &subject.kind, &subject.category, &subject.exposure,
          &subject.incident, &subject.language, &subject.channel, &subject.address}) {
      change(*text);
    }
    for (auto* list : {&subject.assets, &subject.data_categories, &subject.reasons,
                       &subject.coverage_gaps}) {
      for (std::string& text : *list) change(text);
    }
    for (auto& e : subject.evidence) evidence(e);
  }
  for (std::string& id : impact.not_exposed) change(id);
  for (auto& entry : impact.coverage.locations) {
    change(entry.asset), change(entry.location), change(entry.status), change(entry.gap);
    for (std::string& source : entry.sources) change(source);
  }
  for (auto& notification : impact.notifications) {
    for (std::string* text : {&notification.subject_id, &notification.route, &notification.status,
                              &notification.by, &notification.at, &notification.note}) {
      change(*text);
    }
  }
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Compares with tests/golden/findings/NAME; VIGIL_UPDATE_GOLDEN=1 rewrites it.
inline void expect_golden(const std::string& name, const std::string& actual) {
  golden::expect_file(std::filesystem::path(VIGIL_SOURCE_DIR) / "tests/golden/findings" / name,
                      name, actual);
}

// A fresh folder for one test's files.
inline std::filesystem::path scratch_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("vigil-findings-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace vigil::findings_test
