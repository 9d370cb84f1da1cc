#pragma once
// Fields from the messages of the programs that write auth.log / secure:
// sshd, sudo, su, pkexec, PAM modules, the shadow account tools and cron.
// The names are a contract with the investigation stage and with
// docs/formats.md: change neither without the other.

#include <string_view>

#include "vigil/core/event.h"
#include "vigil/core/field_names.h"

namespace vigil::read::syslog_detail {

// Every field name the syslog reader writes, interned once per parser.
struct FieldIds {
  explicit FieldIds(FieldNames& names);

  // Header.
  FieldId source_format, computer, program, pid, message, facility, severity, msgid,
      structured_data, repeat_count;
  // What happened, to whom, from where.
  FieldId action, outcome, reason, user, src_user, src_ip, src_port, src_host, auth_method,
      invalid_user, preauth, ssh_key_type, ssh_key_fingerprint, failure_count;
  // PAM.
  FieldId pam_module, pam_service, pam_type, logname, uid, euid, tty, ruser, rhost;
  // Accounts and groups.
  FieldId gid, home, shell, group, new_name;
  // sudo's and pkexec's own KEY=value names.
  FieldId sudo_tty, sudo_pwd, sudo_user, sudo_group, sudo_env, sudo_command, pkexec_cwd;
  // cron.
  FieldId cron_cmd, cron_action;
};

// Adds the fields found in `message` of `program` to `event`. `tag_pam_module`
// is the module an old-style tag named ("sshd(pam_unix)"), already added.
// Views in the added values point into `message`.
void extract_message(const FieldIds& ids, std::string_view program,
                     std::string_view tag_pam_module, std::string_view message, Event& event);

// Whether `text` is an IPv4 or IPv6 address (shape only).
bool looks_like_ip(std::string_view text);

}  // namespace vigil::read::syslog_detail
