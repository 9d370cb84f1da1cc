#pragma once
// The notifications of a breach (docs/notifications.md): a letter to every
// exposed subject (GDPR Art. 34 content) in their language where a template
// exists, drafts held for a safety review for subjects the inventory marks so,
// and the report to the supervisory authority (Art. 33 content) in Markdown
// and HTML. Text comes from Mustache templates the organisation may replace
// (templates/notify/README.md lists every variable); values are escaped for
// the output they land in. The bytes depend only on the arguments: no clock,
// no host name.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/assess/findings.h"
#include "vigil/assess/inventory.h"
#include "vigil/core/result.h"
#include "vigil/core/timestamp.h"

namespace vigil::report {

struct NotifyOptions {
  // A folder with the organisation's own templates, laid out as
  // templates/notify; empty: the templates compiled into vigil.
  std::filesystem::path templates;
  // When the organisation became aware of the breach; the deadline counts
  // from it. Unset: the first detection of the earliest incident behind an
  // exposure (the authority report says so).
  Timestamp aware;
  // Why the authority is told late; empty: a field to fill in.
  std::string delay_reason;
  // The measures taken or proposed; empty: a marked line to complete.
  std::string measures;
};

struct Notifications {
  // Path relative to the output folder's notifications/ -> content, sorted by
  // path: letters/W-0002.en.md, safety_review/queue.md, index.md, ...
  std::vector<std::pair<std::string, std::string>> files;
};

// Renders every notification. Errors: a template folder that cannot be read,
// a required template missing from it, a template that does not parse or uses
// an unknown variable (the message names the file, line and column).
Result<Notifications> render_notifications(const assess::Findings& findings,
                                           const assess::Organisation& organisation,
                                           const NotifyOptions& options);

// The templates a folder of templates holds, by what they write.
enum class TemplateRole : uint8_t {
  kLetter,             // <lang>/letter.md.mustache
  kAuthorityMarkdown,  // en/authority_report.md.mustache
  kAuthorityHtml,      // authority_report.html.mustache
};

// Renders one template given as text, with the checks and the rendering
// render_notifications applies to a file of that role, and reads no file
// (the fuzz target and tests use it). A letter is written to the exposed
// subject at `subject_index` in the order render_notifications writes them
// (by subject id); `name` is how errors name the template. Errors: those of
// a template file, a template larger than limits::kMaxTemplateBytes, no
// exposed subject at that index.
Result<std::string> render_template_text(std::string_view text, TemplateRole role,
                                         const assess::Findings& findings,
                                         const assess::Organisation& organisation,
                                         const NotifyOptions& options, size_t subject_index = 0,
                                         std::string_view name = "template");

// Writes the files under `dir`/notifications/, each through a temporary file
// and a rename. Returns the paths written, in the order of `files`. Files of
// an earlier run that this one does not write are left alone: index.md lists
// the current set.
Result<std::vector<std::string>> write_notifications(const Notifications& notifications,
                                                     const std::filesystem::path& dir);

// Appends text for a Markdown document, inline: characters that would start
// markup (` * _ [ ] < > | # ~, an entity's &, a leading list or heading
// marker) are escaped with a backslash, line breaks and tabs become spaces,
// control characters, invalid UTF-8 and bidirectional overrides become
// U+FFFD. Exposed for tests.
void append_markdown_text(std::string& out, std::string_view text);

}  // namespace vigil::report
