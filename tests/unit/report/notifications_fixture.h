#pragma once
// Findings with an impact for the notification tests: a protected witness
// whose data left (held for a safety review, French), a victim whose data was
// read (English), a partner state at risk reached through its embassy
// (French), a staff member at risk where the logs have a gap, and an
// association that asks for German (no template: English). Organisations for
// each regime. Golden files compare with VIGIL_UPDATE_GOLDEN=1 to rewrite.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "support/golden.h"
#include "vigil/assess/findings.h"
#include "vigil/assess/inventory.h"

namespace vigil::notify_test {

inline Timestamp at(const char* text) { return parse_rfc3339(text); }

inline assess::Evidence evidence(const char* source, uint64_t record, const char* when,
                                 const char* host, const char* account, const char* action,
                                 const char* object) {
  return {source, record, record * 512, at(when), host, account, action, object};
}

inline assess::ExposedSubject subject(const char* id, const char* name, const char* kind,
                                      const char* category, const char* exposure,
                                      const char* language, const char* channel,
                                      const char* address) {
  assess::ExposedSubject s;
  s.subject_id = id;
  s.name = name;
  s.kind = kind;
  s.category = category;
  s.exposure = exposure;
  s.language = language;
  s.channel = channel;
  s.address = address;
  return s;
}

inline assess::Findings sample_findings() {
  assess::Findings f;
  f.vigil_version = "0.1.0";
  f.first_event = at("2026-10-01T00:00:00Z");
  f.last_event = at("2026-10-10T06:00:00Z");
  f.events = 250000;
  f.detections = 40;
  f.inventory_given = true;

  assess::Incident espionage;
  espionage.id = "INC-001";
  espionage.classification = "espionage";
  espionage.confidence = 0.94;
  espionage.first_seen = at("2026-10-02T08:15:02.5Z");
  espionage.last_seen = at("2026-10-06T17:40:00Z");
  espionage.hosts = {"dc01.court.local", "fs01.court.local", "ws-0412.court.local"};
  espionage.accounts = {"adm.schmidt@court.local", "m.keller@court.local"};
  espionage.techniques = {{"T1003.001", "LSASS Memory", "credential-access"},
                          {"T1039", "Data from Network Shared Drive", "collection"},
                          {"T1048", "Exfiltration Over Alternative Protocol", "exfiltration"}};
  f.incidents.push_back(espionage);

  assess::Incident insider;
  insider.id = "INC-002";
  insider.classification = "insider";
  insider.confidence = 0.7;
  insider.first_seen = at("2026-10-04T14:00:00Z");
  insider.last_seen = at("2026-10-04T14:30:00Z");
  insider.hosts = {"fs01.court.local"};
  insider.accounts = {"t.novak@court.local"};
  f.incidents.push_back(insider);

  assess::Impact& impact = f.impact;
  impact.footprints = {{"INC-001",
                        "espionage",
                        espionage.accounts,
                        espionage.hosts,
                        {"C:\\Windows\\System32\\rundll32.exe", "C:\\Windows\\Temp\\7z.exe"},
                        {"203.0.113.50"},
                        espionage.first_seen,
                        espionage.last_seen},
                       {"INC-002",
                        "insider",
                        insider.accounts,
                        insider.hosts,
                        {},
                        {},
                        insider.first_seen,
                        insider.last_seen}};

  assess::AssetImpact witnesses;
  witnesses.asset = "case-2024-017-witnesses";
  witnesses.description = "Identities and statements of the witnesses in case 2024-017";
  witnesses.sensitivity = "critical";
  witnesses.data_categories = {"identity", "address", "statement", "protection_measures"};
  witnesses.actions = {"exfiltrated", "staged", "read"};
  witnesses.incidents = {"INC-001"};
  witnesses.subjects = {"W-0001"};
  witnesses.evidence = {
      evidence("logs/FS01/Security.evtx", 88120, "2026-10-05T09:12:00Z", "fs01.court.local",
               "m.keller@court.local", "read", "D:\\Shares\\cases\\2024-017\\witnesses\\a.docx"),
      evidence("logs/proxy/access.log", 5521, "2026-10-05T09:40:00Z", "ws-0412.court.local",
               "m.keller@court.local", "uploaded", "https://files.example.net/upload")};
  assess::AssetImpact victims;
  victims.asset = "case-2024-017-victims";
  victims.description = "Victims' files of case 2024-017";
  victims.sensitivity = "high";
  victims.data_categories = {"identity", "contact", "health"};
  victims.actions = {"read"};
  victims.incidents = {"INC-001", "INC-002"};
  victims.subjects = {"ASSOC-01", "V-0001"};
  victims.evidence = {evidence("logs/FS01/Security.evtx", 90001, "2026-10-04T14:05:00Z",
                               "fs01.court.local", "t.novak@court.local", "read",
                               "D:\\Shares\\cases\\2024-017\\victims\\v1.pdf")};
  assess::AssetImpact filings;
  filings.asset = "case-2024-017-filings";
  filings.description = "Filings and correspondence of case 2024-017";
  filings.sensitivity = "medium";
  filings.data_categories = {"diplomatic", "filing"};
  filings.actions = {"held"};
  filings.incidents = {"INC-001"};
  filings.subjects = {"PS-VANTORIA"};
  assess::AssetImpact hr;
  hr.asset = "hr-records";
  hr.description = "Personnel files";
  hr.sensitivity = "high";
  hr.data_categories = {"identity", "salary", "health"};
  hr.actions = {"held"};
  hr.incidents = {"INC-001"};
  hr.subjects = {"ST-0007"};
  impact.assets = {witnesses, victims, filings, hr};

  assess::ExposedSubject witness =
      subject("W-0001", "Witness A (pseudonym)", "individual", "protected_witness", "exfiltrated",
              "fr", "in_person", "");
  witness.confidence = 0.9;
  witness.assets = {"case-2024-017-witnesses"};
  witness.data_categories = witnesses.data_categories;
  witness.incident = "INC-001";
  witness.reasons = {"the witness files were read, staged and uploaded"};
  witness.evidence = witnesses.evidence;
  witness.safety_review = true;
  witness.first_exposed = at("2026-10-05T09:12:00Z");

  assess::ExposedSubject victim =
      subject("V-0001", "Jana Horvat", "individual", "victim", "accessed", "en", "post",
              "c/o Victims' Counsel, Postbus 19519, 2500 CM The Hague");
  victim.confidence = 0.8;
  victim.assets = {"case-2024-017-victims"};
  victim.data_categories = victims.data_categories;
  victim.incident = "INC-002";
  victim.reasons = {"t.novak@court.local read the victims' files"};
  victim.evidence = victims.evidence;
  victim.first_exposed = at("2026-10-04T14:05:00Z");

  assess::ExposedSubject state =
      subject("PS-VANTORIA", "Republic of Vantoria", "state", "partner_state", "at_risk", "fr",
              "via_state_party", "Embassy of Vantoria, The Hague");
  state.confidence = 0.5;
  state.assets = {"case-2024-017-filings"};
  state.data_categories = filings.data_categories;
  state.incident = "INC-001";
  state.reasons = {"fs01.court.local was compromised while it held the filings"};
  state.first_exposed = espionage.first_seen;

  assess::ExposedSubject staff = subject("ST-0007", "Lena Brandt", "individual", "staff", "at_risk",
                                         "en", "email", "l.brandt@court.example");
  staff.confidence = 0.4;
  staff.assets = {"hr-records"};
  staff.data_categories = hr.data_categories;
  staff.incident = "INC-001";
  staff.reasons = {"the HR share lies on a host the attacker controlled"};
  staff.coverage_gaps = {"No log recorded file access on \\\\fs02\\hr during the incident."};
  staff.first_exposed = espionage.first_seen;

  assess::ExposedSubject association =
      subject("ASSOC-01", "Families of the Missing", "organisation", "victim_association",
              "accessed", "de", "email", "contact@families-missing.example");
  association.confidence = 0.8;
  association.assets = {"case-2024-017-victims"};
  association.data_categories = victims.data_categories;
  association.incident = "INC-002";
  association.first_exposed = at("2026-10-04T14:05:00Z");

  // By subject id, as the impact keeps them.
  impact.subjects = {association, state, staff, victim, witness};
  impact.not_exposed = {"J-0001", "ST-0001", "ST-0002"};
  impact.coverage.window_first = espionage.first_seen;
  impact.coverage.window_last = espionage.last_seen;
  impact.coverage.locations = {
      {"case-2024-017-witnesses",
       "\\\\fs01\\cases\\2024-017\\witnesses\\**",
       "covered",
       {"logs/FS01/Security.evtx"},
       ""},
      {"hr-records",
       "\\\\fs02\\hr\\**",
       "none",
       {},
       "No log recorded file access on \\\\fs02\\hr during the incident."}};
  return f;
}

inline assess::Organisation organisation(assess::Regime::Kind kind) {
  assess::Organisation o;
  o.name = "Special Tribunal for the Northern Region";
  o.regime.kind = kind;
  if (kind == assess::Regime::Kind::kGdpr) {
    o.regime.deadline_hours = 72;
    o.dpo = assess::Dpo{"Dr. Amira Haddad", "dpo@court.example", "+31 70 555 0100",
                        "Churchillplein 1, 2517 JW The Hague"};
  } else if (kind == assess::Regime::Kind::kDeadline) {
    o.regime.deadline_hours = 24;
    o.dpo = assess::Dpo{"", "privacy@court.example", "", ""};
  }
  return o;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline bool updating_golden() { return golden::updating(); }

inline std::filesystem::path golden_dir() {
  return std::filesystem::path(VIGIL_SOURCE_DIR) / "tests/golden/notifications";
}

// Compares with tests/golden/notifications/NAME; VIGIL_UPDATE_GOLDEN=1 rewrites it.
inline void expect_golden(const std::string& name, const std::string& actual) {
  golden::expect_file(golden_dir() / name, name, actual);
}

// A fresh folder for one test's files.
inline std::filesystem::path scratch_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("vigil-notify-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace vigil::notify_test
