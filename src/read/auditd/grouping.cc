#include "grouping.h"

namespace vigil::read::auditd {

namespace {

// The latest time a record may carry (9999-12-31T23:59:59Z): later times do
// not fit vigil's timestamps, and no real log has them.
constexpr uint64_t kMaxSeconds = 253'402'300'799;

// Decimal digits at the start of `s`, at most `max_digits`; the count read
// goes to `used` (0: none, or too many).
uint64_t leading_number(std::string_view s, size_t max_digits, size_t& used) {
  uint64_t v = 0;
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (i == max_digits) {
      used = 0;
      return 0;
    }
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    ++i;
  }
  used = i;
  return v;
}

}  // namespace

HeaderStatus parse_header(std::string_view line, RecordHeader& out) {
  std::string_view s = line;
  out.node = {};
  if (s.starts_with("node=")) {
    const size_t space = s.find(' ', 5);
    if (space == std::string_view::npos) return HeaderStatus::kNotARecord;
    out.node = s.substr(5, space - 5);
    s.remove_prefix(space + 1);
  }
  if (!s.starts_with("type=")) return HeaderStatus::kNotARecord;
  const size_t space = s.find(' ', 5);
  if (space == std::string_view::npos || space == 5) return HeaderStatus::kNotARecord;
  out.type = s.substr(5, space - 5);
  s.remove_prefix(space + 1);
  if (!s.starts_with("msg=audit(")) return HeaderStatus::kNotARecord;
  s.remove_prefix(10);
  size_t used = 0;
  // Seconds fit in 19 digits without overflow; the range is checked below.
  out.seconds = leading_number(s, 19, used);
  if (used == 0 || used >= s.size() || s[used] != '.') return HeaderStatus::kNotARecord;
  s.remove_prefix(used + 1);
  const uint64_t fraction = leading_number(s, 9, used);
  if (used == 0 || used >= s.size() || s[used] != ':') return HeaderStatus::kNotARecord;
  uint32_t nanos = static_cast<uint32_t>(fraction);
  for (size_t i = used; i < 9; ++i) nanos *= 10;
  out.nanos = nanos;
  s.remove_prefix(used + 1);
  out.serial = leading_number(s, 19, used);
  if (used == 0 || used + 1 >= s.size() || s[used] != ')' || s[used + 1] != ':') {
    return HeaderStatus::kNotARecord;
  }
  s.remove_prefix(used + 2);
  if (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  out.body = s;
  if (out.seconds > kMaxSeconds) return HeaderStatus::kTimeOutOfRange;
  return HeaderStatus::kOk;
}

bool expects_more_records(std::string_view type) {
  // Kernel records written in a system call's context ahead of its end
  // (audit_log_exit writes SYSCALL, then these auxiliary records, then
  // PROCTITLE and EOE), and the records that hooks write during the call
  // before its SYSCALL record. Dispatched on the first letter: this runs for
  // every line, twice (cut rule and parser).
  if (type.empty()) return false;
  switch (type[0]) {
    case 'A':
      return type == "AVC" || type == "ANOM_LINK" || type == "ANOM_CREAT" ||
             type == "ANOM_PROMISCUOUS";
    case 'B': return type == "BPF" || type == "BPRM_FCAPS";
    case 'C': return type == "CWD" || type == "CAPSET" || type == "CONFIG_CHANGE";
    case 'D': return type == "DM_CTRL";
    case 'E': return type == "EXECVE";
    case 'F': return type == "FD_PAIR" || type == "FANOTIFY";
    case 'I': return type == "IPC" || type == "IPC_SET_PERM";
    case 'K': return type == "KERN_MODULE";
    case 'M':
      return type == "MMAP" || type == "MQ_OPEN" || type == "MQ_NOTIFY" || type == "MQ_SENDRECV" ||
             type == "MQ_GETSETATTR" || type == "MAC_STATUS" || type == "MAC_POLICY_LOAD" ||
             type == "MAC_CONFIG_CHANGE";
    case 'N': return type == "NETFILTER_CFG";
    case 'O': return type == "OBJ_PID" || type == "OPENAT2";
    case 'P': return type == "PATH";
    case 'S':
      return type == "SYSCALL" || type == "SOCKADDR" || type == "SOCKETCALL" ||
             type == "SELINUX_ERR";
    case 'T': return type == "TIME_ADJNTPVAL" || type == "TIME_INJOFFSET";
    case 'U': return type == "URINGOP";
    default: return false;
  }
}

}  // namespace vigil::read::auditd
