#pragma once
// case.db: the findings of `vigil investigate` as an SQLite database, for
// queries and for the tools that follow a case up (issue 6 adds notification
// tables beside these). docs/findings.md describes every table.
//
// The database is written whole, in one transaction, into a temporary file
// that replaces `path` only when everything is in: a failed run leaves any
// earlier case.db as it was. Rows go in the order Findings keeps them, so the
// same findings give the same file, byte for byte, with the same SQLite.

#include <filesystem>

#include "vigil/assess/findings.h"
#include "vigil/core/result.h"

namespace vigil::store {

// `meta.schema_version` and PRAGMA user_version. Raised when a table or
// column changes meaning or goes away; later versions may add tables.
inline constexpr int kCaseDbSchemaVersion = 1;

Result<void> write_case_db(const assess::Findings& findings, const std::filesystem::path& path);

}  // namespace vigil::store
