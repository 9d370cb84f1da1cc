#pragma once
// findings.json: what `vigil investigate` concludes, as one JSON document
// whose schema docs/findings.md describes key by key. The bytes depend only on
// the Findings: keys in a fixed order, lists in the order Findings keeps them,
// times as RFC 3339 UTC, scores with a fixed number of decimals.

#include <filesystem>
#include <string>

#include "vigil/assess/findings.h"
#include "vigil/core/result.h"

namespace vigil::report {

// Version of the findings.json schema (its `schema_version`); raised when a
// key changes meaning or goes away, not when one is added.
inline constexpr int kFindingsSchemaVersion = 1;

// What findings.json and report.html say beside every group ranking.
inline constexpr const char* kSimilarGroupsNote =
    "Similarity of technique sets with ATT&CK groups, weighted by rarity: evidence for "
    "analysts, not attribution. Many groups share techniques, and an intruder may use "
    "another group's tools.";

std::string findings_json(const assess::Findings& findings);

// Writes findings_json() to `path` through a temporary file beside it, so a
// failed write never leaves half a document under that name.
Result<void> write_findings_json(const assess::Findings& findings,
                                 const std::filesystem::path& path);

// Appends the value with `decimals` digits after the point ("0.850"), or
// null when it is not finite. Shared by the writers so both show the same
// figures.
void append_fixed(std::string& out, double value, int decimals);

// Writes `content` to `path` by way of `path` + ".tmp" and a rename.
Result<void> write_file_atomically(const std::filesystem::path& path, const std::string& content);

}  // namespace vigil::report
