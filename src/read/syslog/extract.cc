#include "extract.h"

#include "vigil/read/text/lines.h"

namespace vigil::read::syslog_detail {

FieldIds::FieldIds(FieldNames& names)
    : source_format(names.intern("_source_format")),
      computer(field::kComputer),
      program(names.intern("program")),
      pid(names.intern("pid")),
      message(names.intern("message")),
      facility(names.intern("facility")),
      severity(names.intern("severity")),
      msgid(names.intern("msgid")),
      structured_data(names.intern("structured_data")),
      repeat_count(names.intern("repeat_count")),
      action(names.intern("action")),
      outcome(names.intern("outcome")),
      reason(names.intern("reason")),
      user(names.intern("user")),
      src_user(names.intern("src_user")),
      src_ip(names.intern("src_ip")),
      src_port(names.intern("src_port")),
      src_host(names.intern("src_host")),
      auth_method(names.intern("auth_method")),
      invalid_user(names.intern("invalid_user")),
      preauth(names.intern("preauth")),
      ssh_key_type(names.intern("ssh_key_type")),
      ssh_key_fingerprint(names.intern("ssh_key_fingerprint")),
      failure_count(names.intern("failure_count")),
      pam_module(names.intern("pam_module")),
      pam_service(names.intern("pam_service")),
      pam_type(names.intern("pam_type")),
      logname(names.intern("logname")),
      uid(names.intern("uid")),
      euid(names.intern("euid")),
      tty(names.intern("tty")),
      ruser(names.intern("ruser")),
      rhost(names.intern("rhost")),
      gid(names.intern("gid")),
      home(names.intern("home")),
      shell(names.intern("shell")),
      group(names.intern("group")),
      new_name(names.intern("new_name")),
      sudo_tty(names.intern("TTY")),
      sudo_pwd(names.intern("PWD")),
      sudo_user(names.intern("USER")),
      sudo_group(names.intern("GROUP")),
      sudo_env(names.intern("ENV")),
      sudo_command(names.intern("COMMAND")),
      pkexec_cwd(names.intern("CWD")),
      cron_cmd(names.intern("CMD")),
      cron_action(names.intern("cron_action")) {}

namespace {

constexpr std::string_view kTrue = "true";
constexpr std::string_view kSuccess = "success";
constexpr std::string_view kFailure = "failure";
constexpr size_t npos = std::string_view::npos;

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool consume(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

bool consume_suffix(std::string_view& s, std::string_view suffix) {
  if (!s.ends_with(suffix)) return false;
  s.remove_suffix(suffix.size());
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Text before `delimiter` (all of `s` when absent); `s` keeps what follows it.
std::string_view take_until(std::string_view& s, std::string_view delimiter) {
  const size_t at = s.find(delimiter);
  if (at == npos) {
    const std::string_view all = s;
    s = {};
    return all;
  }
  const std::string_view head = s.substr(0, at);
  s.remove_prefix(at + delimiter.size());
  return head;
}

std::string_view leading_digits(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && is_digit(s[n])) ++n;
  return s.substr(0, n);
}

bool equals_ignoring_case(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (c != lower[i]) return false;
  }
  return true;
}

class Adder {
 public:
  Adder(const FieldIds& field_ids, Event& event) : ids(field_ids), event_(event) {}
  const FieldIds& ids;

  void add(FieldId name, std::string_view text) {
    if (!text.empty()) add_text(event_, name, text);
  }
  // A remote end: an address goes to src_ip, a name to src_host.
  void peer_host(std::string_view host) {
    if (host.empty()) return;
    add(looks_like_ip(host) ? ids.src_ip : ids.src_host, host);
  }
  void port(std::string_view text) {
    if (!text.empty() && leading_digits(text).size() == text.size()) add(ids.src_port, text);
  }

 private:
  Event& event_;
};

// "IP port PORT" or "IP" (sshd's way of naming the client), with anything
// after the port ignored (" ssh2", ":11: reason").
void peer(Adder& out, std::string_view text) {
  const size_t at = text.find(" port ");
  if (at == npos) {
    out.peer_host(trim(text));
    return;
  }
  out.peer_host(text.substr(0, at));
  out.port(leading_digits(text.substr(at + 6)));
}

// "[invalid user |authenticating user |user ]NAME IP port PORT", "IP port PORT"
// or "IP". The name is what comes before the address, which is the last word
// but for the port: names of invalid users are the client's choice and may
// hold spaces.
void peer_with_user(Adder& out, std::string_view text) {
  bool named = true;
  if (consume(text, "invalid user ")) {
    out.add(out.ids.invalid_user, kTrue);
  } else if (!consume(text, "authenticating user ") && !consume(text, "user ")) {
    named = false;
  }
  std::string_view address = text;
  std::string_view port;
  if (const size_t at = text.rfind(" port "); at != npos) {
    address = text.substr(0, at);
    port = text.substr(at + 6);
  }
  if (named) {
    const size_t space = address.rfind(' ');
    // An empty name leaves two spaces: "invalid user  1.2.3.4 port 22".
    out.add(out.ids.user, space == npos ? std::string_view() : address.substr(0, space));
    address = space == npos ? address : address.substr(space + 1);
  }
  out.peer_host(address);
  out.port(port);
}

// "[invalid user ]NAME from IP port PORT ssh2[: KEYTYPE FINGERPRINT]" of
// Accepted/Failed lines (and of "maximum authentication attempts exceeded").
void user_from_peer(Adder& out, std::string_view text) {
  if (consume(text, "invalid user ")) out.add(out.ids.invalid_user, kTrue);
  const size_t from = text.rfind(" from ");
  if (from == npos) {
    out.add(out.ids.user, text);
    return;
  }
  out.add(out.ids.user, text.substr(0, from));
  std::string_view tail = text.substr(from + 6);
  peer(out, tail);
  if (const size_t key = tail.find(" ssh2: "); key != npos) {
    std::string_view rest = tail.substr(key + 7);
    out.add(out.ids.ssh_key_type, take_until(rest, " "));
    out.add(out.ids.ssh_key_fingerprint, take_until(rest, " "));
  }
}

// PAM's "key=value key=value" list (values end at a space; empty ones are left out).
void pam_pairs(Adder& out, std::string_view text) {
  while (!text.empty()) {
    std::string_view word = take_until(text, " ");
    const size_t eq = word.find('=');
    if (eq == npos) continue;
    const std::string_view key = word.substr(0, eq), value = word.substr(eq + 1);
    if (value.empty()) continue;
    const FieldIds& ids = out.ids;
    if (key == "user") {
      out.add(ids.user, value);
    } else if (key == "rhost") {
      out.add(ids.rhost, value);
      out.peer_host(value);
    } else if (key == "ruser") {
      out.add(ids.ruser, value);
    } else if (key == "logname") {
      out.add(ids.logname, value);
    } else if (key == "tty") {
      out.add(ids.tty, value);
    } else if (key == "uid") {
      out.add(ids.uid, value);
    } else if (key == "euid") {
      out.add(ids.euid, value);
    }
  }
}

// A user name followed by "(uid=N)" or a space.
std::string_view name_before_uid(std::string_view text) {
  size_t end = 0;
  while (end < text.size() && text[end] != '(' && text[end] != ' ') ++end;
  return text.substr(0, end);
}

// What a PAM module says (after "pam_unix(sshd:auth): ").
void pam_message(Adder& out, std::string_view text) {
  const FieldIds& ids = out.ids;
  if (consume(text, "authentication failure; ")) {
    out.add(ids.action, "pam_auth");
    out.add(ids.outcome, kFailure);
    pam_pairs(out, text);
  } else if (consume(text, "session opened for user ")) {
    out.add(ids.action, "session_open");
    out.add(ids.user, name_before_uid(text));
    if (const size_t by = text.find(" by "); by != npos) {
      out.add(ids.src_user, name_before_uid(text.substr(by + 4)));
    }
  } else if (consume(text, "session closed for user ")) {
    out.add(ids.action, "session_close");
    out.add(ids.user, name_before_uid(text));
  } else if (consume(text, "password changed for ")) {
    out.add(ids.action, "password_change");
    out.add(ids.user, trim(text));
  }
}

// "pam_unix(sshd:auth): rest": true with the module, service and type added
// and `text` left at the rest.
bool pam_prefix(Adder& out, std::string_view& text) {
  if (!text.starts_with("pam_")) return false;
  const size_t open = text.find('(');
  if (open == npos || text.substr(0, open).find(' ') != npos) return false;
  const size_t close = text.find("): ", open);
  if (close == npos) return false;
  std::string_view inside = text.substr(open + 1, close - open - 1);
  out.add(out.ids.pam_module, text.substr(0, open));
  out.add(out.ids.pam_service, take_until(inside, ":"));
  out.add(out.ids.pam_type, inside);
  text.remove_prefix(close + 3);
  return true;
}

void sshd_message(Adder& out, std::string_view text) {
  const FieldIds& ids = out.ids;
  if (consume_suffix(text, " [preauth]")) out.add(ids.preauth, kTrue);
  consume(text, "error: ");
  auto login = [&](std::string_view outcome) {
    if (!outcome.empty()) {
      out.add(ids.action, "login");
      out.add(ids.outcome, outcome);
    }
    out.add(ids.auth_method, take_until(text, " for "));
    user_from_peer(out, text);
  };
  if (consume(text, "Accepted ")) {
    login(kSuccess);
  } else if (consume(text, "Failed ")) {
    login(kFailure);
  } else if (consume(text, "Postponed ") || consume(text, "Partial ")) {
    login({});
  } else if (consume(text, "Invalid user ")) {
    out.add(ids.action, "invalid_user");
    out.add(ids.invalid_user, kTrue);
    user_from_peer(out, text);
  } else if (consume(text, "input_userauth_request: invalid user ")) {
    out.add(ids.invalid_user, kTrue);
    out.add(ids.user, text);
  } else if (consume(text, "Disconnected from ") || consume(text, "Connection closed by ") ||
             (consume(text, "Connection reset by ") && text != "peer")) {
    out.add(ids.action, "disconnect");
    peer_with_user(out, text);
  } else if (consume(text, "Received disconnect from ")) {
    out.add(ids.action, "disconnect");
    // "IP port PORT:11: reason" or, before OpenSSH 7.3, "IP: 11: reason".
    peer(out, text.find(" port ") != npos ? text : take_until(text, ": "));
  } else if (consume(text, "maximum authentication attempts exceeded for ")) {
    out.add(ids.action, "max_auth_attempts");
    user_from_peer(out, text);
  } else if (consume(text, "Disconnecting: Too many authentication failures")) {
    out.add(ids.action, "max_auth_attempts");
    if (consume(text, " for ")) {
      if (consume(text, "invalid user ")) out.add(ids.invalid_user, kTrue);
      out.add(ids.user, text);
    }
  } else if (consume(text, "Disconnecting ")) {
    const std::string_view who = take_until(text, ": ");
    out.add(ids.action, text.starts_with("Too many authentication failures")
                            ? std::string_view("max_auth_attempts")
                            : std::string_view("disconnect"));
    peer_with_user(out, who);
  } else if (consume(text, "PAM ")) {
    // "PAM 2 more authentication failures; logname= uid=0 ... rhost=X user=Y"
    const std::string_view count = leading_digits(text);
    if (!count.empty() && text.substr(count.size()).starts_with(" more authentication failure")) {
      out.add(ids.action, "pam_auth");
      out.add(ids.outcome, kFailure);
      out.add(ids.failure_count, count);
      take_until(text, "; ");
      pam_pairs(out, text);
    }
  } else if (consume(text, "reverse mapping checking getaddrinfo for ")) {
    // "HOST [IP] failed - POSSIBLE BREAK-IN ATTEMPT!"
    out.add(ids.src_host, take_until(text, " ["));
    out.peer_host(take_until(text, "]"));
  } else if (consume(text, "Did not receive identification string from ") ||
             consume(text, "Timeout before authentication for ") ||
             consume(text, "Connection from ")) {
    peer(out, text);
  } else if (consume(text, "Unable to negotiate with ")) {
    peer(out, take_until(text, ": "));
  } else if (consume(text, "Bad protocol version identification ")) {
    if (const size_t from = text.rfind(" from "); from != npos) peer(out, text.substr(from + 6));
  }
}

// sudo: "USER : [REASON ; ]TTY=... ; PWD=... ; USER=... ; COMMAND=..."
void sudo_message(Adder& out, std::string_view text) {
  const FieldIds& ids = out.ids;
  const size_t colon = text.find(" : ");
  if (colon == npos) return;
  out.add(ids.action, "sudo");
  out.add(ids.user, trim(text.substr(0, colon)));
  text.remove_prefix(colon + 3);
  bool first = true;
  bool failed = false;
  while (!text.empty()) {
    // COMMAND comes last and may itself hold " ; ".
    if (consume(text, "COMMAND=")) {
      out.add(ids.sudo_command, text);
      break;
    }
    std::string_view part = take_until(text, " ; ");
    const size_t eq = part.find('=');
    bool is_key = eq != npos && eq > 0;
    for (size_t i = 0; is_key && i < eq; ++i) is_key = part[i] >= 'A' && part[i] <= 'Z';
    if (!is_key) {
      if (first) {
        failed = true;
        out.add(ids.reason, part);
        const std::string_view count = leading_digits(part);
        if (!count.empty() && part.substr(count.size()).starts_with(" incorrect password")) {
          out.add(ids.failure_count, count);
        }
      }
    } else {
      const std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
      if (key == "TTY") {
        out.add(ids.sudo_tty, value);
      } else if (key == "PWD") {
        out.add(ids.sudo_pwd, value);
      } else if (key == "USER") {
        out.add(ids.sudo_user, value);
      } else if (key == "GROUP") {
        out.add(ids.sudo_group, value);
      } else if (key == "ENV") {
        out.add(ids.sudo_env, value);
      }
    }
    first = false;
  }
  out.add(ids.outcome, failed ? kFailure : kSuccess);
}

void su_message(Adder& out, std::string_view text) {
  const FieldIds& ids = out.ids;
  std::string_view outcome = kSuccess;
  // util-linux: "(to root) alice on pts/0", "FAILED SU (to root) alice on pts/0".
  if (consume(text, "FAILED SU ")) outcome = kFailure;
  if (consume(text, "(to ")) {
    out.add(ids.action, "su");
    out.add(ids.outcome, outcome);
    out.add(ids.user, take_until(text, ") "));
    out.add(ids.src_user, take_until(text, " on "));
    out.add(ids.tty, text);
    return;
  }
  // shadow-utils: "Successful su for root by alice", "FAILED su for root by alice".
  const bool shadow_success = consume(text, "Successful su for ");
  if (shadow_success || consume(text, "FAILED su for ")) {
    outcome = shadow_success ? kSuccess : kFailure;
    out.add(ids.action, "su");
    out.add(ids.outcome, outcome);
    out.add(ids.user, take_until(text, " by "));
    out.add(ids.src_user, text);
    return;
  }
  // Older su: "+ pts/0 alice:root" (success) and "- pts/0 alice:root".
  if (text.size() > 2 && (text[0] == '+' || text[0] == '-') && text[1] == ' ') {
    outcome = text[0] == '+' ? kSuccess : kFailure;
    text.remove_prefix(2);
    const std::string_view tty = take_until(text, " ");
    const size_t colon = text.rfind(':');
    if (colon == npos) return;
    out.add(ids.action, "su");
    out.add(ids.outcome, outcome);
    out.add(ids.tty, tty);
    out.add(ids.src_user, text.substr(0, colon));
    out.add(ids.user, text.substr(colon + 1));
    return;
  }
  // BSD and RFC 3164's example: "'su root' failed for alice on /dev/pts/8".
  if (consume(text, "'su ")) {
    const std::string_view target = take_until(text, "' ");
    if (!consume(text, "failed for ")) return;
    out.add(ids.action, "su");
    out.add(ids.outcome, kFailure);
    out.add(ids.user, target);
    out.add(ids.src_user, take_until(text, " on "));
    out.add(ids.tty, text);
  }
}

// pkexec: "alice: Executing command [USER=root] [TTY=/dev/pts/0] [CWD=/home] [COMMAND=/bin/id]"
void pkexec_message(Adder& out, std::string_view text) {
  const FieldIds& ids = out.ids;
  const size_t colon = text.find(": ");
  if (colon == npos || text.substr(0, colon).find(' ') != npos) return;
  out.add(ids.action, "pkexec");
  out.add(ids.user, text.substr(0, colon));
  text.remove_prefix(colon + 2);
  if (text.starts_with("Executing command")) {
    out.add(ids.outcome, kSuccess);
  } else if (text.starts_with("Error executing command") ||
             text.find("Not authorized") != npos) {
    out.add(ids.outcome, kFailure);
  }
  size_t at = text.find(" [");
  while (at != npos) {
    text.remove_prefix(at + 2);
    const size_t eq = text.find('=');
    if (eq == npos) return;
    const std::string_view key = text.substr(0, eq);
    text.remove_prefix(eq + 1);
    if (key == "COMMAND") {
      // The command may hold "] [": it runs to the final ']'.
      consume_suffix(text, "]");
      out.add(ids.sudo_command, text);
      return;
    }
    const size_t close = text.find(']');
    if (close == npos) return;
    const std::string_view value = text.substr(0, close);
    if (key == "USER") {
      out.add(ids.sudo_user, value);
    } else if (key == "TTY") {
      out.add(ids.sudo_tty, value);
    } else if (key == "CWD") {
      out.add(ids.pkexec_cwd, value);
    }
    text.remove_prefix(close);
    at = text.find(" [");
  }
}

// "name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash, from=/dev/pts/0"
void account_pairs(Adder& out, std::string_view text, bool name_is_group) {
  const FieldIds& ids = out.ids;
  while (!text.empty()) {
    std::string_view part = take_until(text, ", ");
    const size_t eq = part.find('=');
    if (eq == npos) continue;
    const std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "name") {
      out.add(name_is_group ? ids.group : ids.user, value);
    } else if (key == "UID") {
      out.add(ids.uid, value);
    } else if (key == "GID") {
      out.add(ids.gid, value);
    } else if (key == "home") {
      out.add(ids.home, value);
    } else if (key == "shell") {
      out.add(ids.shell, value);
    } else if (key == "from") {
      out.add(ids.tty, value);
    }
  }
}

// A quoted name: "'bob'..." -> bob, with `text` left after the closing quote.
std::string_view quoted(std::string_view& text) {
  if (!consume(text, "'")) return {};
  return take_until(text, "'");
}

// useradd, usermod, userdel, groupadd, groupdel, passwd, chpasswd, gpasswd.
void account_message(Adder& out, std::string_view text) {
  const FieldIds& ids = out.ids;
  if (consume(text, "new user: ")) {
    out.add(ids.action, "user_add");
    account_pairs(out, text, false);
  } else if (consume(text, "new group: ")) {
    out.add(ids.action, "group_add");
    account_pairs(out, text, true);
  } else if (consume(text, "group added to ")) {
    out.add(ids.action, "group_add");
    take_until(text, ": ");
    account_pairs(out, text, true);
  } else if (consume(text, "delete user ")) {
    out.add(ids.action, "user_delete");
    out.add(ids.user, quoted(text));
  } else if (const bool adding = consume(text, "add "); adding || consume(text, "delete ")) {
    // "add 'bob' to group 'sudo'", "delete 'bob' from shadow group 'sudo'"
    out.add(ids.action, adding ? "group_member_add" : "group_member_remove");
    out.add(ids.user, quoted(text));
    take_until(text, "group ");
    out.add(ids.group, quoted(text));
  } else if (consume(text, "removed group ") || consume(text, "removed shadow group ")) {
    out.add(ids.action, "group_delete");
    out.add(ids.group, quoted(text));
  } else if (consume(text, "group ")) {
    // groupdel: "group 'devs' removed", "group 'devs' removed from /etc/group"
    const std::string_view name = quoted(text);
    if (!text.starts_with(" removed")) return;
    out.add(ids.action, "group_delete");
    out.add(ids.group, name);
  } else if (consume(text, "change user name ")) {
    out.add(ids.action, "user_modify");
    out.add(ids.user, quoted(text));
    consume(text, " to ");
    out.add(ids.new_name, quoted(text));
  } else if (consume(text, "change user ") || consume(text, "lock user ") ||
             consume(text, "unlock user ")) {
    out.add(ids.action, "user_modify");
    out.add(ids.user, quoted(text));
  } else if (consume(text, "password for ")) {
    // passwd: "password for 'bob' changed by 'root'"
    out.add(ids.action, "password_change");
    out.add(ids.user, quoted(text));
    if (consume(text, " changed by ")) out.add(ids.src_user, quoted(text));
  }
}

// cron: "(root) CMD (command)", crontab: "(root) REPLACE (bob)", "(CRON) INFO (...)".
void cron_message(Adder& out, std::string_view text) {
  if (!consume(text, "(")) return;
  const std::string_view user = take_until(text, ") ");
  const std::string_view verb = take_until(text, " (");
  if (verb.empty()) return;
  if (user != "CRON") out.add(out.ids.user, user);
  out.add(out.ids.cron_action, verb);
  if (verb == "CMD") {
    consume_suffix(text, ")");
    out.add(out.ids.cron_cmd, text);
  }
}

enum class Program : uint8_t { kOther, kSshd, kSudo, kSu, kPkexec, kAccounts, kCron };

Program classify(std::string_view program) {
  switch (program.size()) {
    case 2:
      if (program == "su") return Program::kSu;
      break;
    case 4:
      if (program == "sshd") return Program::kSshd;
      if (program == "sudo") return Program::kSudo;
      if (equals_ignoring_case(program, "cron")) return Program::kCron;
      break;
    case 5:
      if (equals_ignoring_case(program, "crond")) return Program::kCron;
      break;
    case 6:
      if (program == "pkexec") return Program::kPkexec;
      if (program == "passwd") return Program::kAccounts;
      break;
    case 7:
      if (program == "useradd" || program == "usermod" || program == "userdel" ||
          program == "gpasswd") {
        return Program::kAccounts;
      }
      if (equals_ignoring_case(program, "crontab") || equals_ignoring_case(program, "anacron")) {
        return Program::kCron;
      }
      break;
    case 8:
      if (program == "groupadd" || program == "groupdel" || program == "groupmod" ||
          program == "chpasswd") {
        return Program::kAccounts;
      }
      break;
    case 12:
      if (program == "sshd-session") return Program::kSshd;
      break;
    default: break;
  }
  return Program::kOther;
}

}  // namespace

bool looks_like_ip(std::string_view text) {
  if (text.size() < 2 || text.size() > 64) return false;
  int dots = 0, colons = 0;
  for (char c : text) {
    if (c == '.') {
      ++dots;
    } else if (c == ':') {
      ++colons;
    } else if (c == '%') {
      break;  // an IPv6 zone ("fe80::1%eth0")
    } else if (!is_digit(c) && !((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  if (colons >= 2) return true;
  if (colons != 0 || dots != 3) return false;
  for (char c : text) {
    if (c != '.' && !is_digit(c)) return false;
  }
  return true;
}

void extract_message(const FieldIds& ids, std::string_view program,
                     std::string_view tag_pam_module, std::string_view message, Event& event) {
  Adder out(ids, event);
  std::string_view text = message;
  // rsyslog's reduction of repeats: "message repeated 3 times: [ TEXT]"
  // stands for three more occurrences of TEXT.
  if (consume(text, "message repeated ")) {
    const std::string_view count = leading_digits(text);
    text.remove_prefix(count.size());
    if (count.empty() || !consume(text, " times: [")) return;
    out.add(ids.repeat_count, count);
    consume(text, " ");
    consume_suffix(text, "]");
  }
  if (!tag_pam_module.empty()) {
    // "sshd(pam_unix)[1]: authentication failure; ...": the service is the program.
    out.add(ids.pam_service, program);
    pam_message(out, text);
    return;
  }
  if (pam_prefix(out, text)) {
    pam_message(out, text);
    return;
  }
  switch (classify(program)) {
    case Program::kSshd: sshd_message(out, text); break;
    case Program::kSudo: sudo_message(out, text); break;
    case Program::kSu: su_message(out, text); break;
    case Program::kPkexec: pkexec_message(out, text); break;
    case Program::kAccounts: account_message(out, text); break;
    case Program::kCron: cron_message(out, text); break;
    case Program::kOther: break;
  }
}

}  // namespace vigil::read::syslog_detail
