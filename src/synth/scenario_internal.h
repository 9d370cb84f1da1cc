#pragma once
// What the scenario's files share: the organisation (hosts, people, cases,
// subjects), the attack plan, the intrusion's timeline, and the tallies each
// file's generator reports so that ground_truth.json is computed from what
// was written. Private to src/synth.

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/timestamp.h"

namespace vigil::synth::scenario {

inline constexpr int kDays = 28;
inline constexpr int64_t kSecond = Timestamp::kTicksPerSecond;
inline constexpr int64_t kMinute = 60 * kSecond;
inline constexpr int64_t kHour = 60 * kMinute;
inline constexpr int64_t kDay = 24 * kHour;
inline constexpr const char* kFirstDay = "2026-10-01";

// xoshiro256** seeded through splitmix64: the same numbers on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  uint32_t below(uint32_t n);  // uniform in [0, n), n > 0
  uint32_t between(uint32_t lo, uint32_t hi) { return lo + below(hi - lo + 1); }
  bool percent(uint32_t p) { return below(100) < p; }
  template <class C>
  const auto& pick(const C& items) {
    return items[below(static_cast<uint32_t>(std::size(items)))];
  }

 private:
  uint64_t s_[4];
};

// A seed for one part of the scenario, from the run's seed and a name.
uint64_t derive_seed(uint64_t seed, std::string_view name);

Timestamp day_start(int day);
int day_of(Timestamp t);  // index from the first day (may fall outside 0..kDays-1)
bool is_weekend(int day);
std::string date_text(int day);  // 2026-10-01

void add_dec(std::string& out, uint64_t v);
void add_padded(std::string& out, uint64_t v, int width);
void add_hex(std::string& out, uint64_t v, int width, bool upper);

enum class Role : uint8_t {
  kJudge,
  kLegalOfficer,
  kRegistry,
  kWitnessProtection,
  kItAdmin,
  kTrainee,
  kPress,
};
const char* role_name(Role role);

struct Host {
  std::string name;  // WS-0412
  std::string fqdn;  // WS-0412.court.local
  std::string ip;
};

struct Person {
  std::string account;  // m.keller (sAMAccountName, CMS actor)
  std::string display;  // Martina Keller
  Role role = Role::kRegistry;
  int workstation = -1;    // index into World::workstations
  std::vector<int> cases;  // cases the person works on
  bool remote = false;     // also works through RDS01 from home
  std::string home_ip;     // when remote
  std::string sid;
};

// What an asset of a case holds: filings (submissions, decisions), the
// witnesses' files, the victims' files.
enum class Folder : uint8_t { kFilings, kWitnesses, kVictims };
const char* folder_name(Folder folder);
// The (case index, folder) pairs a person's role may read: what the
// background reads and what the inventory's identities are allowed.
std::vector<std::pair<int, Folder>> folders_of(const Person& p, size_t cases);

struct Document {
  std::string name;  // W-0001_statement_en.pdf
  int subject = -1;  // the subject the document is about (-1: none)
  uint32_t bytes = 0;
};

struct Case {
  std::string id;  // 2024-017
  std::string title;
  int state = -1;  // the partner state concerned (subject index)
  std::vector<int> witnesses;
  std::vector<int> victims;
  std::array<std::vector<Document>, 3> documents;  // by Folder
};

struct Subject {
  std::string id;  // W-0001, V-0001, S-0001, ST-01
  std::string name;
  std::string kind;      // individual, organisation, state
  std::string category;  // protected_witness, witness, victim, staff, partner_state
  std::string channel;   // email, phone, post, diplomatic
  std::string address;
  std::string language;  // en, fr
  bool safety_review = false;
};

// One Internet attack attempt campaign on one day, rendered by the file it
// lands in (auth.log, Security on RDS01, the access log, Zeek's conn log).
enum class AttackKind : uint8_t {
  kSshBruteForce,
  kSshSpray,
  kRdpBruteForce,
  kRdpSpray,
  kWebScanner,
  kWeb404Sweep,
  kWebExploit,
  kPortSweep,
  kDenialOfService,
};

struct Attack {
  AttackKind kind;
  int day = 0;
  Timestamp start;
  std::string source;
  uint32_t count = 0;  // attempts / requests / probes
  uint64_t seed = 0;
};

// The intrusion's fixed facts (times vary with the seed).
struct Intrusion {
  Timestamp phish;                 // m.keller opens the document on WS-0412
  Timestamp discovery;             // whoami, net, nltest
  Timestamp dump;                  // LSASS (day 2, night)
  Timestamp lateral;               // network logons to FS01 and DC01, PsExec services
  Timestamp collection;            // reading witness files on \\fs01\cases
  Timestamp staging;               // the 7-Zip archive
  Timestamp exfiltration;          // curl upload through the proxy
  Timestamp clearing;              // wevtutil cl on FS01, DC01, WS-0412
  Timestamp c2_end;                // the implant's last call home
  std::vector<Timestamp> beacons;  // the implant's calls home (Sysmon 3, proxy, Zeek)
  std::string c2_host = "telemetry.officeupdate-cdn.example.net";
  std::string c2_ip = "203.0.113.66";
  std::string exfil_host = "share.lexdrop.example.org";
  std::string exfil_ip = "203.0.113.77";
  uint64_t archive_bytes = 0;
  std::string archive_password;
  // Witness documents read by the intruder: [0] archived and sent,
  // [1] opened but not sent.
  std::vector<std::pair<int, int>> exfiltrated_docs;  // (case, document index)
  std::vector<std::pair<int, int>> accessed_docs;
};

struct TraineeRead {
  Timestamp time;
  int case_index = 0;
  Folder folder = Folder::kFilings;
  int document = 0;
  bool through_share = false;  // else through the case-management application
};

struct World {
  uint64_t seed = 1;
  uint32_t scale = 1;
  std::string domain = "court.local";
  std::string netbios = "COURT";
  std::string domain_sid;
  std::string public_site = "www.court.example";
  Host dc, fs, rds, web, sftp, cms, proxy;
  std::string web_public_ip = "198.51.100.10";
  std::string sftp_public_ip = "198.51.100.20";
  std::string rds_public_ip = "198.51.100.30";
  std::string proxy_public_ip = "198.51.100.40";
  std::vector<Host> workstations;
  std::vector<Person> people;
  int victim = -1;   // m.keller
  int admin = -1;    // adm.schmidt, whose credentials are stolen
  int trainee = -1;  // t.novak
  std::vector<Case> cases;
  std::vector<Subject> subjects;
  std::vector<Attack> attacks;
  Intrusion intrusion;
  std::vector<TraineeRead> trainee_reads;
  std::vector<std::string> partner_sftp_accounts;
};

World build_world(uint64_t seed, uint32_t scale);

// --- What a file's generator reports --------------------------------------------

// Attempts counted by a file that sees every event of its categories (the
// access log, Zeek's conn log): (day, category) -> source -> count.
using CategoryCounts = std::map<std::pair<int, std::string>, std::map<std::string, uint64_t>>;
// Failed authentications, which Security logs and auth.logs share:
// (day, source) -> account -> failures.
using FailureCounts = std::map<std::pair<int, std::string>, std::map<std::string, uint64_t>>;

struct FileResult {
  std::string path;  // relative to the output folder
  uint64_t files = 1;
  uint64_t bytes = 0;
  uint64_t records = 0;
  CategoryCounts categories;
  FailureCounts failures;
  std::string error;  // empty on success
};

struct FileJob {
  std::string path;  // relative
  int kind = 0;      // which generator
  int index = 0;     // its argument (a host)
};

// EVTX files (scenario_windows.cc) and text logs (scenario_text.cc).
void windows_jobs(const World& world, std::vector<FileJob>& jobs);
void text_jobs(const World& world, std::vector<FileJob>& jobs);
FileResult run_windows_job(const World& world, const FileJob& job, const std::string& out_dir);
FileResult run_text_job(const World& world, const FileJob& job, const std::string& out_dir);
inline constexpr int kWindowsJobKinds = 100;  // text job kinds start here

// ground_truth.json and inventory.yaml (scenario_truth.cc).
std::string ground_truth_json(const World& world, const CategoryCounts& attempts);
std::string inventory_yaml(const World& world);

// Attempts: the exploit-payload test of docs/investigate.md, on a request's
// URI (percent-decoded here) and user agent.
bool has_exploit_payload(std::string_view uri, std::string_view user_agent);
bool is_scanner_agent(std::string_view user_agent);

}  // namespace vigil::synth::scenario
