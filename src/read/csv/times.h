#pragma once
// The time layouts CSV exports write, to UTC.

#include <string_view>

#include "vigil/core/timestamp.h"

namespace vigil::read::csv {

// ISO 8601 / RFC 3339 (with 'T' or a space, a fraction, Z or an offset; no
// offset: UTC), "yyyy/mm/dd hh:mm:ss", US "m/d/yyyy h:mm[:ss] [AM|PM]"
// (Windows Event Viewer), ctime "Sun Dec 04 04:47:44 2005", the access-log
// "10/Oct/2000:13:55:36 -0700", and Unix time (seconds with an optional
// fraction, 13-digit milliseconds, auditd's "seconds.millis:serial").
// Unset when the text is none of these.
Timestamp parse_csv_time(std::string_view text);

}  // namespace vigil::read::csv
