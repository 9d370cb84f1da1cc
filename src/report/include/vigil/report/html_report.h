#pragma once
// report.html: the findings of `vigil investigate` for people, as one
// self-contained page (inline CSS and SVG, no script, no request to anywhere:
// its Content-Security-Policy forbids them). Every value from the evidence is
// escaped. The bytes depend only on the Findings.
//
// Stable hooks for tests and for anyone who post-processes the page:
//   section ids   summary, timeline, incidents, attempts, need-to-know
//   incident      <article class="incident" id="incident-INC-001">, its steps
//                 in <li class="tactic" data-tactic="credential-access">
//   charts        <svg id="incident-timeline">, <svg id="attempts-chart"> with
//                 one <g class="day" data-date="YYYY-MM-DD"> per day and one
//                 <rect class="bar bar-CATEGORY"> per non-zero count
//   tables        inputs, rules, incidents-by-class, attempts-table,
//                 attempt-sources, need-to-know-table, exposed-subjects-table,
//                 assets-reached-table, coverage-table (rows not covered have
//                 class "gap"), footprints-table, notifications-table
//   sections      impact ("Who was hit"), notifications (between the markers
//                 below, so `vigil notify mark` can redraw it alone)

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "vigil/assess/findings.h"
#include "vigil/core/result.h"

namespace vigil::report {

std::string html_report(const assess::Findings& findings);

// Writes html_report() to `path` through a temporary file beside it.
Result<void> write_html_report(const assess::Findings& findings, const std::filesystem::path& path);

// The notifications section sits between these two comments, alone on their
// lines. Values on the page are escaped, so no value can forge them.
inline constexpr const char* kNotificationsBegin = "<!-- vigil:notifications:begin -->";
inline constexpr const char* kNotificationsEnd = "<!-- vigil:notifications:end -->";

// The notifications section, markers included (no new line after the end
// marker): what html_report() holds for `notifications`.
std::string notifications_section(std::span<const assess::NotificationStatus> notifications);

// Replaces the region between the markers (inclusive) of `page` with
// notifications_section(); kNotFound when the page has no such region.
Result<void> replace_notifications_section(
    std::string& page, std::span<const assess::NotificationStatus> notifications);

// The same on a report.html file, written back through a temporary file and a
// rename: the rest of the page stays byte for byte as it was.
Result<void> rewrite_notifications_section(
    const std::filesystem::path& path, std::span<const assess::NotificationStatus> notifications);

// Appends text for HTML content or a quoted attribute: & < > " ' escaped,
// invalid UTF-8 and control characters (other than tab and line ends)
// replaced by U+FFFD. Exposed for tests.
void append_html_text(std::string& out, std::string_view text);

}  // namespace vigil::report
