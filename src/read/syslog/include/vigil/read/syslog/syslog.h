#pragma once
// Linux syslog files (auth.log, secure, messages, syslog): RFC 3164 lines,
// with or without <PRI>, with classic or RFC 3339 timestamps, and RFC 5424
// lines. Besides the header fields, the messages of sshd, sudo, su, pkexec,
// PAM, the shadow account tools and cron are split into fields
// (docs/formats.md, section "syslog").

#include "vigil/read/text/format.h"

namespace vigil::read {

const Format& syslog_format();

}  // namespace vigil::read
