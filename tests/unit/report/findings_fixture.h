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

#include "vigil/assess/findings.h"

namespace vigil::findings_test {

inline Timestamp at(const char* text) { return parse_rfc3339(text); }

inline assess::Evidence evidence(const char* source, uint64_t record, uint64_t offset,
                                 const char* when, const char* host, const char* account,
                                 const char* action, const char* object) {
  return {source, record, offset, at(when), host, account, action, object};
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
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Compares with tests/golden/findings/NAME; VIGIL_UPDATE_GOLDEN=1 rewrites it.
inline void expect_golden(const std::string& name, const std::string& actual) {
  const std::filesystem::path path =
      std::filesystem::path(VIGIL_SOURCE_DIR) / "tests/golden/findings" / name;
  if (const char* update = std::getenv("VIGIL_UPDATE_GOLDEN"); update && *update == '1') {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing (VIGIL_UPDATE_GOLDEN=1)";
  const std::string expected = read_text(path);
  if (expected == actual) return;
  std::istringstream e(expected), a(actual);
  std::string el, al;
  for (int line = 1;; ++line) {
    const bool more_e = static_cast<bool>(std::getline(e, el));
    const bool more_a = static_cast<bool>(std::getline(a, al));
    if (!more_e && !more_a) break;
    if (el != al || more_e != more_a) {
      ADD_FAILURE() << name << " differs from " << path << " at line " << line
                    << "\nexpected: " << (more_e ? el : "<end>")
                    << "\nactual:   " << (more_a ? al : "<end>");
      return;
    }
  }
  ADD_FAILURE() << name << " differs from " << path;
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
