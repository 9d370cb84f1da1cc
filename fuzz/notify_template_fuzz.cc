// libFuzzer target: the input is a notification template (an organisation's
// own, given with --templates; templates/notify/README.md). It is rendered as
// a letter to each of two exposed subjects and as the authority report in
// Markdown and HTML, through render_template_text: the checks and the
// rendering render_notifications applies to a template file.
//
// Checks beyond "no crash, no sanitizer report, no hang": rendering the same
// template twice gives the same bytes; a refused template has a message that
// names it, and the same refusal whatever it renders, unless only the render
// budget stopped it; values never reach the output unescaped (the subjects'
// values carry markup, a control character, the renderer's own line marker
// and, for Markdown, a bidirectional override, none of which the output may
// hold unless the template wrote it; where a template may have spelled one
// out in pieces, a twin fixture whose values carry other marks tells whose
// it is); no output exceeds the render budget.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "vigil/assess/findings.h"
#include "vigil/assess/inventory.h"
#include "vigil/core/limits.h"
#include "vigil/core/timestamp.h"
#include "vigil/report/notifications.h"

namespace {

using namespace vigil;
using report::TemplateRole;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "vigil fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// Every value that carries this mark carries it right after "<i>": the raw
// pair in an output means a value went out unescaped.
constexpr std::string_view kMarkup = "<i>Z7Q";
constexpr std::string_view kMarkupMark = "Z7Q";
constexpr std::string_view kControl = "\x1b";
constexpr std::string_view kBidiOverride = "\xE2\x80\xAE";
constexpr std::string_view kLineMarker = "\x01";

// The twin fixture's values carry other marks of the same length in the same
// places (below: a template can spell a mark out itself, in pieces).
constexpr std::string_view kTwinMarkupMark = "Y8R";
constexpr std::string_view kTwinBidiOverride = "\xE2\x80\xAD";

bool twin_marks = false;  // set while the twin fixture is built

std::string hostile(std::string_view plain) {
  const std::string_view mark = twin_marks ? kTwinMarkupMark : kMarkupMark;
  const std::string_view bidi = twin_marks ? kTwinBidiOverride : kBidiOverride;
  return std::string(plain) + " <i>" + std::string(mark) +
         "</i> *bold* [link](javascript:x) {{subject.name}} &amp;" + "\x1b[31m " +
         std::string(bidi) + "evil\x01\n# heading\r\n| a | b |\xff\xfe";
}

assess::ExposedSubject subject(const char* id, const char* exposure, const char* language,
                               bool safety_review) {
  assess::ExposedSubject s;
  s.subject_id = id;
  s.name = hostile("Name");
  s.kind = "individual";
  s.category = safety_review ? "protected_witness" : "victim";
  s.exposure = exposure;
  s.confidence = safety_review ? 0.9 : 1e300;
  s.assets = {"asset-a", "asset-b"};
  s.data_categories = {"identity", "health", "address.x"};
  s.incident = safety_review ? "INC-001" : "INC-MISSING";
  s.reasons = {hostile("- read"), "1. staged"};
  s.coverage_gaps = {hostile("gap")};
  s.language = language;
  s.channel = safety_review ? "in_person" : "email";
  s.address = hostile("Address");
  s.safety_review = safety_review;
  s.first_exposed = parse_rfc3339("2026-10-05T09:12:00Z");
  s.evidence = {
      {"logs/a.evtx", 7, 3584, s.first_exposed, "host", "acct", "read", hostile("object")}};
  return s;
}

assess::Findings findings() {
  assess::Findings f;
  f.vigil_version = "0.1.0";
  f.first_event = parse_rfc3339("2026-10-01T00:00:00Z");
  f.last_event = parse_rfc3339("2026-10-10T06:00:00Z");
  assess::Incident incident;
  incident.id = "INC-001";
  incident.classification = hostile("espionage");
  incident.confidence = 0.94;
  incident.first_seen = parse_rfc3339("2026-10-02T08:15:02.5Z");
  incident.last_seen = parse_rfc3339("2026-10-06T17:40:00Z");
  incident.hosts = {hostile("dc01"), "fs01"};
  incident.accounts = {"adm"};
  f.incidents.push_back(incident);

  assess::AssetImpact a;
  a.asset = "asset-a";
  a.description = hostile("Statements");
  a.sensitivity = "critical";
  a.data_categories = {"identity", hostile("category")};
  a.actions = {"exfiltrated", "read"};
  a.subjects = {"S-1", "S-2"};
  assess::AssetImpact b;
  b.asset = "asset-b";
  b.sensitivity = hostile("high");
  b.actions = {"held"};
  f.impact.assets = {a, b};
  f.impact.subjects = {subject("S-1", "exfiltrated", "fr-BE", true),
                       subject("S-2", "at_risk", "", false)};
  f.impact.not_exposed = {"S-3"};
  f.impact.coverage.locations = {{"asset-b", hostile("\\\\fs02\\hr"), "none", {}, hostile("gap")}};
  return f;
}

assess::Organisation organisation() {
  assess::Organisation o;
  o.name = hostile("Tribunal");
  o.regime.kind = assess::Regime::Kind::kGdpr;
  o.regime.deadline_hours = 72;
  o.dpo = assess::Dpo{hostile("DPO"), "dpo@example.org", "", hostile("Address")};
  return o;
}

struct Fixture {
  assess::Findings findings = ::findings();
  assess::Organisation organisation = ::organisation();
  report::NotifyOptions options;
  Fixture() {
    options.measures = hostile("Passwords reset") + "\n\n" + hostile("Share closed");
    options.delay_reason = hostile("Late");
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

const Fixture& twin_fixture() {
  static const Fixture f = [] {
    twin_marks = true;
    Fixture twin;
    twin_marks = false;
    return twin;
  }();
  return f;
}

vigil::Result<std::string> render_with(const Fixture& f, std::string_view text, TemplateRole role,
                                       size_t subject) {
  return report::render_template_text(text, role, f.findings, f.organisation, f.options, subject,
                                      "fuzz.mustache");
}

vigil::Result<std::string> render(std::string_view text, TemplateRole role, size_t subject) {
  return render_with(fixture(), text, role, subject);
}

size_t occurrences(std::string_view haystack, std::string_view needle) {
  size_t count = 0;
  for (size_t at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

void check_output(std::string_view text, TemplateRole role, size_t subject,
                  const std::string& out) {
  if (out.size() > limits::kMaxTemplateRenderBytes) fail("output over the render budget", text);
  const auto leaks = [&](std::string_view needle, std::string_view unless) {
    return text.find(unless) == std::string_view::npos && out.find(needle) != std::string::npos;
  };
  // A mark in the output may still be the template's own, spelled in pieces
  // around tags that render nothing ("<i>Z{{x}}7Q") or repeated by a section.
  // The twin fixture's values carry another mark: the template's own marks
  // come out of both renderings alike, a value's only out of this one.
  const auto from_a_value = [&](std::string_view needle) {
    auto twin = render_with(twin_fixture(), text, role, subject);
    return !twin.ok() || occurrences(out, needle) > occurrences(twin.value(), needle);
  };
  if (leaks(kMarkup, kMarkupMark) && from_a_value(kMarkup)) {
    fail("a value's markup reached the output", out);
  }
  if (leaks(kControl, kControl)) fail("a value's control character reached the output", out);
  // The HTML escape keeps them: in HTML they are text, not markup.
  if (role != TemplateRole::kAuthorityHtml && leaks(kBidiOverride, kBidiOverride) &&
      from_a_value(kBidiOverride)) {
    fail("a value's bidi override reached the output", out);
  }
  if (leaks(kLineMarker, kLineMarker)) fail("the line marker reached the output", out);
}

// The refusal to compare between roles, empty when the template rendered or
// only the budget stopped it (a budget depends on the data rendered).
std::string refusal(std::string_view text, TemplateRole role, size_t subject,
                    const vigil::Result<std::string>& result) {
  if (result.ok()) {
    check_output(text, role, subject, result.value());
    return {};
  }
  const vigil::Error& error = result.error();
  if (error.message.empty()) fail("a refusal without a message", text);
  if (error.source != "fuzz.mustache") fail("a refusal that does not name the template", text);
  if (error.code == vigil::Errc::kLimitExceeded) return {};
  return error.to_string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > limits::kMaxTemplateBytes) return -1;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto first = render(text, TemplateRole::kLetter, 0);
  const auto again = render(text, TemplateRole::kLetter, 0);
  if (first.ok() != again.ok() ||
      (first.ok() ? first.value() != again.value()
                  : first.error().to_string() != again.error().to_string())) {
    fail("rendering the same template twice gave different results", text);
  }
  const std::string refused = refusal(text, TemplateRole::kLetter, 0, first);
  for (const auto& [role, subject] : {std::pair{TemplateRole::kLetter, size_t{1}},
                                      std::pair{TemplateRole::kAuthorityMarkdown, size_t{0}},
                                      std::pair{TemplateRole::kAuthorityHtml, size_t{0}}}) {
    const auto result = render(text, role, subject);
    const std::string other = refusal(text, role, subject, result);
    const bool budget = (!first.ok() && first.error().code == vigil::Errc::kLimitExceeded) ||
                        (!result.ok() && result.error().code == vigil::Errc::kLimitExceeded);
    if (!budget && other != refused) fail("a template refused for one role only", other + refused);
  }
  return 0;
}
