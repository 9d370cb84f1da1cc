#pragma once
// CSV with a header row (exported audit trails, SIEM exports): RFC 4180
// quoting (quoted separators, quotes and line breaks), ',' ';' or tab as
// separator, header names as field names, the time column found by name or
// given (ReadOptions::time_field). Details: docs/formats.md, "CSV".

#include "vigil/read/text/format.h"

namespace vigil::read {

const Format& csv_format();

}  // namespace vigil::read
