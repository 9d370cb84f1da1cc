#pragma once
// Zeek logs: TSV with their #separator/#fields/#types header, and JSON lines
// (one object per line with Zeek's keys). Fields keep Zeek's names
// (id.orig_h, query, uri, ...); `_path` is the log's path (conn, dns, http,
// ...). Every field is listed in docs/formats.md, "Zeek".

#include "vigil/read/text/format.h"

namespace vigil::read {

const Format& zeek_format();

}  // namespace vigil::read
