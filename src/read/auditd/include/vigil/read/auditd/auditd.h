#pragma once
// Linux auditd raw logs (/var/log/audit/audit.log, raw and enriched formats):
// `[node=HOST ]type=TYPE msg=audit(SECONDS.MILLIS:SERIAL): key=value ...`.
// The records of one event (same node and audit(time:serial)) become one
// Event; docs/formats.md ("auditd") lists the fields.

#include "vigil/read/text/format.h"

namespace vigil::read {

const Format& auditd_format();

}  // namespace vigil::read
