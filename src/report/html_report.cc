#include "vigil/report/html_report.h"


#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "text.h"
#include "vigil/core/limits.h"
#include "vigil/correlate/attempts.h"
#include "vigil/report/findings_json.h"

namespace vigil::report {

namespace {

using assess::Findings;
using assess::Incident;
using assess::IncidentStep;
using correlate::AttemptCategory;
using correlate::AttemptDay;

using limits::kReportMaxFilledChartDays;

// Okabe-Ito colours (told apart with the common colour-vision
// deficiencies), in the order of AttemptCategory.
constexpr std::array<const char*, correlate::kAttemptCategories> kCategoryColours = {
    "#0072b2", "#d55e00", "#cc79a7", "#e69f00", "#009e73"};

constexpr const char* kClassifications[] = {"espionage", "disruption", "insider", "commodity"};

constexpr const char* kStyle = R"css(
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de;
  --panel: #f6f8fa; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: var(--ink); background: #fff; }
header, section, footer { max-width: 1180px; margin: 0 auto; padding: 12px 24px; }
header { border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 8px 0; }
h2 { font-size: 18px; margin: 24px 0 8px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 16px 0 6px; }
h4 { font-size: 14px; margin: 14px 0 4px; }
h5 { font-size: 13px; margin: 8px 0 4px; color: var(--accent); }
nav a { margin-right: 14px; color: var(--accent); }
.muted, .note { color: var(--muted); }
.note { border-left: 3px solid var(--line); padding: 2px 10px; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left;
  vertical-align: top; }
th { background: var(--panel); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px;
  overflow-wrap: anywhere; }
dl.figures { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 8px 0; }
dl.figures div { min-width: 120px; }
dl.figures dt { color: var(--muted); }
dl.figures dd { margin: 0; font-size: 20px; font-weight: 600; }
article.incident, article.violation { border: 1px solid var(--line); border-radius: 6px;
  padding: 4px 16px 12px; margin: 14px 0; }
.class-espionage { border-left: 6px solid #8250df !important; }
.class-disruption { border-left: 6px solid #cf222e !important; }
.class-insider { border-left: 6px solid #bf8700 !important; }
.class-commodity { border-left: 6px solid #57606a !important; }
ol.chain { list-style: none; padding: 0; margin: 0; }
ol.chain > li { border-left: 3px solid var(--accent); padding-left: 10px; margin: 6px 0; }
.level-critical, .level-high { font-weight: 600; color: #cf222e; }
.sensitivity-critical, .sensitivity-high { color: #cf222e; font-weight: 600; }
.chart { overflow-x: auto; }
svg text { font: 11px system-ui, sans-serif; fill: var(--ink); }
svg .axis line, svg .axis path { stroke: var(--muted); }
svg .axis line.grid { stroke: #eaeef2; }
time { white-space: nowrap; }
table.steps { width: 100%; table-layout: fixed; }
table.steps th:nth-child(1) { width: 12%; }
table.steps th:nth-child(2) { width: 12%; }
table.steps th:nth-child(3) { width: 13%; }
table.steps th:nth-child(4) { width: 22%; }
table.steps th:nth-child(5) { width: 9%; }
table.steps td { overflow-wrap: anywhere; }
details > summary { cursor: pointer; color: var(--accent); margin: 4px 0; }
svg .span { fill: var(--accent); }
svg .axis-title { font-weight: 600; }
.exposure-exfiltrated .exposure, .exposure-accessed .exposure { color: #cf222e;
  font-weight: 600; }
.exposure-at_risk .exposure { color: #9a6700; font-weight: 600; }
tr.gap td { background: #fff8c5; }
tr.gap td:nth-child(3) { font-weight: 600; color: #9a6700; }
ul.lines { margin: 0; padding-left: 16px; }
)css";

// ---- text -----------------------------------------------------------------

void html(std::string& out, std::string_view text) { append_html_text(out, text); }

// An id or class made from data: letters, digits, '-', '_' and '.' kept,
// anything else '_', so it can neither leave the attribute nor select
// something else.
void append_token(std::string& out, std::string_view text) {
  for (const char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.';
    out.push_back(keep ? c : '_');
  }
}

// 1234567 -> "1,234,567".
void append_count(std::string& out, uint64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  const size_t n = static_cast<size_t>(end - digits);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
}

void append_number(std::string& out, int64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

// Coordinates with one decimal: enough for a screen, same bytes every run.
void append_coordinate(std::string& out, double value) { append_fixed(out, value, 1); }

void append_time(std::string& out, Timestamp t) {
  if (!t.is_set()) {
    out += "unknown";
    return;
  }
  append_rfc3339(out, t, 0);
}

void append_time_element(std::string& out, Timestamp t) {
  if (!t.is_set()) {
    out += "<span class=\"muted\">unknown</span>";
    return;
  }
  out += "<time datetime=\"";
  append_rfc3339(out, t, 7);
  out += "\">";
  append_rfc3339(out, t, 0);
  out += "</time>";
}

// "command-and-control" -> "Command and Control".
void append_tactic_name(std::string& out, std::string_view shortname) {
  std::string name;
  size_t word_begin = 0;
  while (word_begin <= shortname.size()) {
    size_t word_end = shortname.find('-', word_begin);
    if (word_end == std::string_view::npos) word_end = shortname.size();
    const std::string_view word = shortname.substr(word_begin, word_end - word_begin);
    if (!name.empty()) name.push_back(' ');
    const bool small = word == "and" || word == "or" || word == "of";
    for (size_t i = 0; i < word.size(); ++i) {
      const char c = word[i];
      const bool upper = i == 0 && !small && c >= 'a' && c <= 'z';
      name.push_back(upper ? static_cast<char>(c - 'a' + 'A') : c);
    }
    word_begin = word_end + 1;
  }
  html(out, name);
}

void append_list(std::string& out, const std::vector<std::string>& values,
                 std::string_view empty = "none") {
  if (values.empty()) {
    out += "<span class=\"muted\">";
    html(out, empty);
    out += "</span>";
    return;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    html(out, values[i]);
  }
}

void append_level(std::string& out, std::string_view level) {
  out += "<span class=\"level-";
  append_token(out, level);
  out += "\">";
  html(out, level.empty() ? std::string_view("none") : level);
  out += "</span>";
}

void append_evidence(std::string& out, const assess::Evidence& evidence) {
  out += "<span class=\"mono\">";
  html(out, evidence.source);
  out += "</span> record ";
  append_count(out, evidence.record);
  out += ", offset ";
  append_count(out, evidence.offset);
  if (!evidence.action.empty() || !evidence.object.empty()) {
    out += "<br>";
    html(out, evidence.action);
    if (!evidence.object.empty()) {
      out += ": <span class=\"mono\">";
      html(out, evidence.object);
      out += "</span>";
    }
  }
}

void write_evidence_table(std::string& out, const std::vector<assess::Evidence>& records) {
  out +=
      "<table class=\"evidence\">\n<tr><th>Time</th><th>Host</th><th>Account</th>"
      "<th>Evidence</th></tr>\n";
  for (const assess::Evidence& evidence : records) {
    out += "<tr><td>";
    append_time_element(out, evidence.timestamp);
    out += "</td><td>";
    html(out, evidence.host);
    out += "</td><td>";
    html(out, evidence.account);
    out += "</td><td>";
    append_evidence(out, evidence);
    out += "</td></tr>\n";
  }
  out += "</table>\n";
}

// ---- summary --------------------------------------------------------------

void figure(std::string& out, std::string_view label, uint64_t value, std::string_view id) {
  out += "<div><dt>";
  html(out, label);
  out += "</dt><dd id=\"";
  out += id;
  out += "\">";
  append_count(out, value);
  out += "</dd></div>";
}

void write_summary(std::string& out, const Findings& findings) {
  uint64_t attempts = 0;
  for (const AttemptDay& day : findings.attempts) attempts += day.count;
  out += "<section id=\"summary\">\n<h2>Summary</h2>\n<p>Evidence from ";
  append_time_element(out, findings.first_event);
  out += " to ";
  append_time_element(out, findings.last_event);
  out += " (UTC).</p>\n<dl class=\"figures\">";
  figure(out, "Inputs", findings.inputs.size(), "figure-inputs");
  figure(out, "Events", findings.events, "figure-events");
  figure(out, "Detections", findings.detections, "figure-detections");
  figure(out, "Incidents", findings.incidents.size(), "figure-incidents");
  figure(out, "Attack attempts", attempts, "figure-attempts");
  figure(out, "Need-to-know alerts", findings.need_to_know.size(), "figure-need-to-know");
  out += "</dl>\n";

  // The four classes always, in the order of docs/investigate.md, then any
  // other name the findings use.
  std::map<std::string, uint64_t> by_class;
  for (const Incident& incident : findings.incidents) ++by_class[incident.classification];
  out +=
      "<h3>Incidents by class</h3>\n<table id=\"incidents-by-class\">\n"
      "<tr><th>Class</th><th class=\"num\">Incidents</th></tr>\n";
  auto row = [&](std::string_view name, uint64_t count) {
    out += "<tr class=\"class-";
    append_token(out, name);
    out += "\"><td>";
    html(out, name);
    out += "</td><td class=\"num\">";
    append_count(out, count);
    out += "</td></tr>\n";
  };
  for (const char* name : kClassifications) {
    const auto it = by_class.find(name);
    row(name, it == by_class.end() ? 0 : it->second);
    if (it != by_class.end()) by_class.erase(it);
  }
  for (const auto& [name, count] : by_class) row(name, count);
  out += "</table>\n";

  // Inputs by format first: a case may have hundreds of files.
  struct FormatTotals {
    uint64_t files = 0, records = 0, damaged = 0;
  };
  std::map<std::string, FormatTotals> by_format;
  for (const assess::InputSummary& input : findings.inputs) {
    FormatTotals& totals = by_format[input.format];
    ++totals.files;
    totals.records += input.records;
    totals.damaged += input.damaged;
  }
  out +=
      "<h3>Inputs</h3>\n<table id=\"inputs-by-format\">\n<tr><th>Format</th>"
      "<th class=\"num\">Files</th><th class=\"num\">Records</th>"
      "<th class=\"num\">Damaged</th></tr>\n";
  for (const auto& [format, totals] : by_format) {
    out += "<tr><td>";
    html(out, format);
    out += "</td><td class=\"num\">";
    append_count(out, totals.files);
    out += "</td><td class=\"num\">";
    append_count(out, totals.records);
    out += "</td><td class=\"num\">";
    append_count(out, totals.damaged);
    out += "</td></tr>\n";
  }
  out += "</table>\n<details><summary>Every input (";
  append_count(out, findings.inputs.size());
  out +=
      ")</summary>\n<table id=\"inputs\">\n<tr><th>Path</th><th>Format</th>"
      "<th class=\"num\">Records</th><th class=\"num\">Damaged</th></tr>\n";
  for (const assess::InputSummary& input : findings.inputs) {
    out += "<tr><td class=\"mono\">";
    html(out, input.path);
    out += "</td><td>";
    html(out, input.format);
    out += "</td><td class=\"num\">";
    append_count(out, input.records);
    out += "</td><td class=\"num\">";
    append_count(out, input.damaged);
    out += "</td></tr>\n";
  }
  out += "</table>\n</details>\n";

  out +=
      "<h3>Detections by rule</h3>\n<table id=\"rules\">\n<tr><th>Rule</th><th>Level</th>"
      "<th>Id</th><th class=\"num\">Detections</th></tr>\n";
  for (const assess::RuleCount& rule : findings.rules) {
    out += "<tr><td>";
    html(out, rule.title);
    out += "</td><td>";
    append_level(out, rule.level);
    out += "</td><td class=\"mono\">";
    html(out, rule.rule_id);
    out += "</td><td class=\"num\">";
    append_count(out, rule.count);
    out += "</td></tr>\n";
  }
  out += "</table>\n</section>\n";
}

// ---- incident timeline ----------------------------------------------------

void write_timeline(std::string& out, const Findings& findings) {
  out += "<section id=\"timeline\">\n<h2>Incident timeline</h2>\n";
  if (findings.incidents.empty()) {
    out += "<p class=\"muted\">No incidents.</p>\n</section>\n";
    return;
  }
  // The axis spans the evidence, so an incident shows where in the weeks
  // read it happened; incidents outside that window widen it.
  std::optional<Timestamp> begin, end;
  std::vector<Timestamp> times = {findings.first_event, findings.last_event};
  for (const Incident& incident : findings.incidents) {
    times.push_back(incident.first_seen);
    times.push_back(incident.last_seen);
  }
  for (const Timestamp t : times) {
    if (!t.is_set()) continue;
    if (!begin || t < *begin) begin = t;
    if (!end || *end < t) end = t;
  }
  constexpr double kLabelWidth = 150, kPlotWidth = 720, kRow = 24, kTop = 8, kAxis = 34;
  const double height = kTop + kRow * static_cast<double>(findings.incidents.size()) + kAxis;
  const double span =
      begin && end && *begin < *end ? static_cast<double>(end->ticks - begin->ticks) : 0;
  auto x_of = [&](Timestamp t) {
    if (!t.is_set() || span == 0) return kLabelWidth;
    return kLabelWidth + kPlotWidth * static_cast<double>(t.ticks - begin->ticks) / span;
  };

  out += "<div class=\"chart\"><svg id=\"incident-timeline\" xmlns=\"http://www.w3.org/2000/svg\" ";
  out += "width=\"";
  append_coordinate(out, kLabelWidth + kPlotWidth + 20);
  out += "\" height=\"";
  append_coordinate(out, height);
  out += "\" role=\"img\" aria-labelledby=\"incident-timeline-title\">";
  out +=
      "<title id=\"incident-timeline-title\">Incidents from first to last detection, over the "
      "time the evidence covers (UTC)</title>\n";
  for (size_t i = 0; i < findings.incidents.size(); ++i) {
    const Incident& incident = findings.incidents[i];
    const double y = kTop + kRow * static_cast<double>(i);
    const double x0 = x_of(incident.first_seen);
    const double width = std::max(3.0, x_of(incident.last_seen) - x0);
    out += "<g class=\"incident-span class-";
    append_token(out, incident.classification);
    out += "\" data-incident=\"";
    html(out, incident.id);
    out += "\"><a href=\"#incident-";
    append_token(out, incident.id);
    out += "\"><text x=\"4\" y=\"";
    append_coordinate(out, y + 15);
    out += "\">";
    html(out, incident.id);
    out += " ";
    html(out, incident.classification);
    out += "</text><rect class=\"span\" x=\"";
    append_coordinate(out, x0);
    out += "\" y=\"";
    append_coordinate(out, y + 4);
    out += "\" width=\"";
    append_coordinate(out, width);
    out += "\" height=\"14\" rx=\"2\"><title>";
    html(out, incident.id);
    out += ": ";
    append_time(out, incident.first_seen);
    out += " to ";
    append_time(out, incident.last_seen);
    out += "</title></rect></a></g>\n";
  }
  const double axis_y = kTop + kRow * static_cast<double>(findings.incidents.size()) + 4;
  out += "<g class=\"axis\"><line x1=\"";
  append_coordinate(out, kLabelWidth);
  out += "\" x2=\"";
  append_coordinate(out, kLabelWidth + kPlotWidth);
  out += "\" y1=\"";
  append_coordinate(out, axis_y);
  out += "\" y2=\"";
  append_coordinate(out, axis_y);
  out += "\"/>";
  if (begin) {
    // Start and end of the span, and three ticks between them.
    const int ticks = span == 0 ? 0 : 4;
    for (int k = 0; k <= ticks; ++k) {
      const Timestamp t{begin->ticks + static_cast<int64_t>(span * k / 4)};
      const double x = x_of(t);
      out += "<line x1=\"";
      append_coordinate(out, x);
      out += "\" x2=\"";
      append_coordinate(out, x);
      out += "\" y1=\"";
      append_coordinate(out, axis_y);
      out += "\" y2=\"";
      append_coordinate(out, axis_y + 5);
      out += "\"/><text x=\"";
      append_coordinate(out, x);
      out += "\" y=\"";
      append_coordinate(out, axis_y + 18);
      out += k == 0       ? "\" text-anchor=\"start\">"
             : k == ticks ? "\" text-anchor=\"end\">"
                          : "\" text-anchor=\"middle\">";
      std::string when = to_rfc3339(t, 0);
      if (when.size() >= 16) when = when.substr(0, 10) + " " + when.substr(11, 5);
      html(out, when);
      out += "</text>";
    }
  }
  out += "</g></svg></div>\n";

  out +=
      "<table id=\"incident-list\">\n<tr><th>Incident</th><th>Class</th>"
      "<th class=\"num\">Confidence</th><th>First seen</th><th>Last seen</th><th>Hosts</th>"
      "<th class=\"num\">Steps</th></tr>\n";
  for (const Incident& incident : findings.incidents) {
    out += "<tr><td><a href=\"#incident-";
    append_token(out, incident.id);
    out += "\">";
    html(out, incident.id);
    out += "</a></td><td>";
    html(out, incident.classification);
    out += "</td><td class=\"num\">";
    append_fixed(out, incident.confidence, 3);
    out += "</td><td>";
    append_time_element(out, incident.first_seen);
    out += "</td><td>";
    append_time_element(out, incident.last_seen);
    out += "</td><td>";
    append_list(out, incident.hosts);
    out += "</td><td class=\"num\">";
    append_count(out, incident.steps.size());
    out += "</td></tr>\n";
  }
  out += "</table>\n</section>\n";
}

// ---- incidents ------------------------------------------------------------

void write_step_row(std::string& out, const IncidentStep& step) {
  out += "<tr class=\"step\"><td>";
  append_time_element(out, step.timestamp);
  out += "</td><td>";
  html(out, step.host);
  out += "</td><td>";
  append_list(out, step.accounts);
  out += "</td><td>";
  html(out, step.rule_title);
  out += " <span class=\"muted\">(";
  append_level(out, step.level);
  if (!step.author.empty()) {
    out += ", by ";
    html(out, step.author);
  }
  out += ")</span></td><td class=\"mono\">";
  append_list(out, step.techniques);
  out += "</td><td>";
  append_evidence(out, step.evidence);
  out += "</td></tr>\n";
}

void write_chain(std::string& out, const Incident& incident) {
  // Tactics in the incident's kill-chain order (each once); a step stands
  // under its first tactic. Tactics the incident does not list come after, in the
  // order steps name them, and steps without any tactic last.
  std::vector<std::string> order;
  for (const std::string& tactic : incident.tactics) {
    if (std::find(order.begin(), order.end(), tactic) == order.end()) order.push_back(tactic);
  }
  for (const IncidentStep& step : incident.steps) {
    if (!step.tactics.empty() &&
        std::find(order.begin(), order.end(), step.tactics.front()) == order.end()) {
      order.push_back(step.tactics.front());
    }
  }
  const bool unmapped = std::any_of(incident.steps.begin(), incident.steps.end(),
                                    [](const IncidentStep& s) { return s.tactics.empty(); });
  out += "<h4>Attack chain</h4>\n<ol class=\"chain\">\n";
  auto group = [&](std::string_view tactic, bool none) {
    out += "<li class=\"tactic\" data-tactic=\"";
    append_token(out, none ? std::string_view("none") : tactic);
    out += "\"><h5>";
    if (none) {
      out += "Not mapped to a tactic";
    } else {
      append_tactic_name(out, tactic);
    }
    out +=
        "</h5>\n<table class=\"steps\">\n<tr><th>Time</th><th>Host</th><th>Accounts</th>"
        "<th>Rule</th><th>Techniques</th><th>Evidence</th></tr>\n";
    for (const IncidentStep& step : incident.steps) {
      const bool here =
          none ? step.tactics.empty() : !step.tactics.empty() && step.tactics.front() == tactic;
      if (here) write_step_row(out, step);
    }
    out += "</table></li>\n";
  };
  for (const std::string& tactic : order) {
    const bool used = std::any_of(
        incident.steps.begin(), incident.steps.end(),
        [&](const IncidentStep& s) { return !s.tactics.empty() && s.tactics.front() == tactic; });
    if (used) group(tactic, false);
  }
  if (unmapped) group({}, true);
  out += "</ol>\n";
}

void write_incident(std::string& out, const Incident& incident) {
  out += "<article class=\"incident class-";
  append_token(out, incident.classification);
  out += "\" id=\"incident-";
  append_token(out, incident.id);
  out += "\">\n<h3>";
  html(out, incident.id);
  out += ": ";
  html(out, incident.classification);
  out += " <span class=\"muted\">(confidence <span class=\"confidence\">";
  append_fixed(out, incident.confidence, 3);
  out += "</span>)</span></h3>\n<p>From ";
  append_time_element(out, incident.first_seen);
  out += " to ";
  append_time_element(out, incident.last_seen);
  out += ", ";
  append_count(out, incident.steps.size());
  out += incident.steps.size() == 1 ? " detection.</p>\n" : " detections.</p>\n";

  out += "<h4>Why this classification</h4>\n<ul class=\"reasons\">\n";
  for (const std::string& reason : incident.reasons) {
    out += "<li>";
    html(out, reason);
    out += "</li>\n";
  }
  out += "</ul>\n<table class=\"scope\">\n<tr><th>Hosts</th><td>";
  append_list(out, incident.hosts);
  out += "</td></tr>\n<tr><th>Accounts</th><td>";
  append_list(out, incident.accounts);
  out += "</td></tr>\n<tr><th>Addresses</th><td>";
  append_list(out, incident.addresses);
  out += "</td></tr>\n<tr><th>Tactics</th><td>";
  if (incident.tactics.empty()) out += "<span class=\"muted\">none</span>";
  for (size_t i = 0; i < incident.tactics.size(); ++i) {
    if (i > 0) out += " &rarr; ";
    append_tactic_name(out, incident.tactics[i]);
  }
  out += "</td></tr>\n</table>\n";

  write_chain(out, incident);

  out += "<h4>Techniques</h4>\n";
  if (incident.techniques.empty()) {
    out += "<p class=\"muted\">No ATT&amp;CK technique mapped.</p>\n";
  } else {
    out += "<table class=\"techniques\">\n<tr><th>Id</th><th>Name</th><th>Tactic</th></tr>\n";
  }
  for (const assess::TechniqueRef& technique : incident.techniques) {
    out += "<tr><td class=\"mono\">";
    html(out, technique.id);
    out += "</td><td>";
    html(out, technique.name);
    out += "</td><td>";
    append_tactic_name(out, technique.tactic);
    out += "</td></tr>\n";
  }
  if (!incident.techniques.empty()) out += "</table>\n";

  out += "<h4>Similar ATT&amp;CK groups: evidence, not attribution</h4>\n<p class=\"note\">";
  html(out, kSimilarGroupsNote);
  out += "</p>\n";
  if (incident.similar_groups.empty()) {
    out += "<p class=\"muted\">No group shares a technique with this incident.</p>\n";
  } else {
    out +=
        "<table class=\"similar-groups\">\n<tr><th>Group</th><th>Name</th>"
        "<th class=\"num\">Similarity</th><th>Shared techniques</th></tr>\n";
    for (const assess::GroupSimilarity& group : incident.similar_groups) {
      out += "<tr><td class=\"mono\">";
      html(out, group.id);
      out += "</td><td>";
      html(out, group.name);
      out += "</td><td class=\"num\">";
      append_fixed(out, group.score, 3);
      out += "</td><td class=\"mono\">";
      append_list(out, group.shared_techniques);
      out += "</td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "</article>\n";
}

void write_incidents(std::string& out, const Findings& findings) {
  out += "<section id=\"incidents\">\n<h2>Incidents</h2>\n";
  if (findings.incidents.empty()) out += "<p class=\"muted\">No incidents.</p>\n";
  for (const Incident& incident : findings.incidents) write_incident(out, incident);
  out += "</section>\n";
}

// ---- attempts -------------------------------------------------------------

std::optional<int64_t> day_number(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  auto part = [&](size_t at, size_t n) -> std::optional<unsigned> {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(date.data() + at, date.data() + at + n, value);
    if (error != std::errc() || end != date.data() + at + n) return std::nullopt;
    return value;
  };
  const auto year = part(0, 4), month = part(5, 2), day = part(8, 2);
  if (!year || !month || !day || *month < 1 || *month > 12 || *day < 1 || *day > 31) {
    return std::nullopt;
  }
  return days_from_civil(*year, *month, *day);
}

std::string date_of_day(int64_t day) {
  std::string text = to_rfc3339(Timestamp{day * 86400 * Timestamp::kTicksPerSecond}, 0);
  return text.substr(0, 10);
}

using DayCounts = std::array<uint64_t, correlate::kAttemptCategories>;

// The chart's days in order: every day from the first to the last when they
// are dates and close enough, else the days that have counts.
std::vector<std::pair<std::string, DayCounts>> chart_days(const std::vector<AttemptDay>& days) {
  std::map<std::string, DayCounts> counts;
  for (const AttemptDay& day : days) {
    const auto category = static_cast<size_t>(day.category);
    if (category < correlate::kAttemptCategories) counts[day.date][category] += day.count;
  }
  std::vector<std::pair<std::string, DayCounts>> result;
  std::optional<int64_t> first, last;
  bool all_dates = true;
  for (const auto& [date, unused] : counts) {
    const auto number = day_number(date);
    if (!number || date_of_day(*number) != date) {
      all_dates = false;
      break;
    }
    if (!first) first = number;
    last = number;
  }
  if (all_dates && first && *last - *first < kReportMaxFilledChartDays) {
    for (int64_t day = *first; day <= *last; ++day) {
      const std::string date = date_of_day(day);
      const auto it = counts.find(date);
      result.emplace_back(date, it == counts.end() ? DayCounts{} : it->second);
    }
    return result;
  }
  result.assign(counts.begin(), counts.end());
  return result;
}

// The smallest 1, 2 or 5 times a power of ten that is at least `value`.
uint64_t nice_step(uint64_t value) {
  uint64_t magnitude = 1;
  while (true) {
    for (const uint64_t factor : {1, 2, 5}) {
      if (factor * magnitude >= value) return factor * magnitude;
    }
    if (magnitude > UINT64_MAX / 100) return value;
    magnitude *= 10;
  }
}

void write_attempts_chart(std::string& out,
                          const std::vector<std::pair<std::string, DayCounts>>& days,
                          const DayCounts& totals) {
  constexpr double kLeft = 64, kRight = 16, kTop = 16, kPlot = 220, kSlot = 22, kBar = 16;
  constexpr double kDateBand = 78, kLegendGap = 20, kLegendWidth = 150, kLegendRow = 20;
  uint64_t highest = 0;
  for (const auto& [date, counts] : days) {
    uint64_t sum = 0;
    for (const uint64_t c : counts) sum += c;
    highest = std::max(highest, sum);
  }
  constexpr uint64_t kTicks = 5;
  const uint64_t step = nice_step(std::max<uint64_t>(1, (highest + kTicks - 1) / kTicks));
  const uint64_t top = std::max<uint64_t>(step, (highest + step - 1) / step * step);
  const double plot_width = kSlot * static_cast<double>(days.size());
  // The legend stands right of the plot, one category a row.
  const double legend_x = kLeft + plot_width + kLegendGap;
  const double width = legend_x + kLegendWidth + kRight;
  const double height = kTop + kPlot + kDateBand;
  const double base = kTop + kPlot;
  auto y_of = [&](uint64_t value) {
    return base - kPlot * static_cast<double>(value) / static_cast<double>(top);
  };
  // Labels for every day up to a month's worth; past that, every n-th.
  const size_t label_every = std::max<size_t>(1, (days.size() + 30) / 31);

  out += "<div class=\"chart\"><svg id=\"attempts-chart\" xmlns=\"http://www.w3.org/2000/svg\" ";
  out += "width=\"";
  append_coordinate(out, width);
  out += "\" height=\"";
  append_coordinate(out, height);
  out += "\" role=\"img\" aria-labelledby=\"attempts-chart-title\">";
  out += "<title id=\"attempts-chart-title\">Attack attempts per UTC day, by category</title>\n";

  // Y axis: grid lines, ticks and their values, and its title.
  out += "<g class=\"axis axis-y\">";
  for (uint64_t value = 0; value <= top; value += step) {
    const double y = y_of(value);
    out += "<line class=\"grid\" x1=\"";
    append_coordinate(out, kLeft);
    out += "\" x2=\"";
    append_coordinate(out, kLeft + plot_width);
    out += "\" y1=\"";
    append_coordinate(out, y);
    out += "\" y2=\"";
    append_coordinate(out, y);
    out += "\"/><text x=\"";
    append_coordinate(out, kLeft - 6);
    out += "\" y=\"";
    append_coordinate(out, y + 4);
    out += "\" text-anchor=\"end\">";
    append_count(out, value);
    out += "</text>";
    if (top - value < step) break;
  }
  out += "<line x1=\"";
  append_coordinate(out, kLeft);
  out += "\" x2=\"";
  append_coordinate(out, kLeft);
  out += "\" y1=\"";
  append_coordinate(out, kTop);
  out += "\" y2=\"";
  append_coordinate(out, base);
  out += "\"/><text class=\"axis-title\" transform=\"translate(14 ";
  append_coordinate(out, kTop + kPlot / 2);
  out += ") rotate(-90)\" text-anchor=\"middle\">attempts per day</text></g>\n";

  // One group per day: its stacked bars, bottom up in category order, and
  // its date.
  for (size_t i = 0; i < days.size(); ++i) {
    const auto& [date, counts] = days[i];
    const double x = kLeft + kSlot * static_cast<double>(i) + (kSlot - kBar) / 2;
    out += "<g class=\"day\" data-date=\"";
    html(out, date);
    out += "\">";
    uint64_t below = 0;
    for (size_t c = 0; c < counts.size(); ++c) {
      if (counts[c] == 0) continue;
      const uint64_t above = below + counts[c];
      const char* name = correlate::attempt_category_name(static_cast<AttemptCategory>(c));
      out += "<rect class=\"bar bar-";
      out += name;
      out += "\" x=\"";
      append_coordinate(out, x);
      out += "\" y=\"";
      append_coordinate(out, y_of(above));
      out += "\" width=\"";
      append_coordinate(out, kBar);
      out += "\" height=\"";
      append_coordinate(out, y_of(below) - y_of(above));
      out += "\" fill=\"";
      out += kCategoryColours[c];
      out += "\" data-count=\"";
      append_number(out, static_cast<int64_t>(counts[c]));
      out += "\"><title>";
      html(out, date);
      out += " ";
      out += name;
      out += ": ";
      append_count(out, counts[c]);
      out += "</title></rect>";
      below = above;
    }
    if (i % label_every == 0) {
      const double label_x = x + kBar / 2 + 4;
      out += "<text class=\"day-label\" x=\"";
      append_coordinate(out, label_x);
      out += "\" y=\"";
      append_coordinate(out, base + 8);
      out += "\" transform=\"rotate(-60 ";
      append_coordinate(out, label_x);
      out += " ";
      append_coordinate(out, base + 8);
      out += ")\" text-anchor=\"end\">";
      html(out, date);
      out += "</text>";
    }
    out += "</g>\n";
  }

  // X axis and its title.
  out += "<g class=\"axis axis-x\"><line x1=\"";
  append_coordinate(out, kLeft);
  out += "\" x2=\"";
  append_coordinate(out, kLeft + plot_width);
  out += "\" y1=\"";
  append_coordinate(out, base);
  out += "\" y2=\"";
  append_coordinate(out, base);
  out += "\"/><text class=\"axis-title\" x=\"";
  append_coordinate(out, kLeft + plot_width / 2);
  out += "\" y=\"";
  append_coordinate(out, height - 6);
  out += "\" text-anchor=\"middle\">day (UTC)</text></g>\n";

  // Legend: the categories that occur, in category order.
  out += "<g class=\"legend\">";
  double legend_y = kTop;
  for (size_t c = 0; c < totals.size(); ++c) {
    if (totals[c] == 0) continue;
    const char* name = correlate::attempt_category_name(static_cast<AttemptCategory>(c));
    out += "<g class=\"legend-item\" data-category=\"";
    out += name;
    out += "\"><rect x=\"";
    append_coordinate(out, legend_x);
    out += "\" y=\"";
    append_coordinate(out, legend_y + 4);
    out += "\" width=\"12\" height=\"12\" fill=\"";
    out += kCategoryColours[c];
    out += "\"/><text x=\"";
    append_coordinate(out, legend_x + 16);
    out += "\" y=\"";
    append_coordinate(out, legend_y + 14);
    out += "\">";
    out += name;
    out += "</text></g>";
    legend_y += kLegendRow;
  }
  out += "</g></svg></div>\n";
}

void write_attempts(std::string& out, const Findings& findings) {
  out += "<section id=\"attempts\">\n<h2>Attack attempts per day</h2>\n";
  if (findings.attempts.empty()) {
    out += "<p class=\"muted\">No attack attempts counted.</p>\n</section>\n";
    return;
  }
  out +=
      "<p class=\"muted\">Counted from events as docs/investigate.md defines them: exploit "
      "payloads, floods and scans against web servers, port and host sweeps, brute force and "
      "password spraying. Each event counts once.</p>\n";
  const auto days = chart_days(findings.attempts);
  DayCounts totals{};
  for (const auto& [date, counts] : days) {
    for (size_t c = 0; c < counts.size(); ++c) totals[c] += counts[c];
  }
  write_attempts_chart(out, days, totals);

  out += "<table id=\"attempts-table\">\n<tr><th>Day</th>";
  for (size_t c = 0; c < totals.size(); ++c) {
    if (totals[c] == 0) continue;
    out += "<th class=\"num\">";
    out += correlate::attempt_category_name(static_cast<AttemptCategory>(c));
    out += "</th>";
  }
  out += "<th class=\"num\">total</th></tr>\n";
  for (const auto& [date, counts] : days) {
    out += "<tr><td>";
    html(out, date);
    out += "</td>";
    uint64_t sum = 0;
    for (size_t c = 0; c < counts.size(); ++c) {
      if (totals[c] == 0) continue;
      out += "<td class=\"num\">";
      append_count(out, counts[c]);
      out += "</td>";
      sum += counts[c];
    }
    out += "<td class=\"num\">";
    append_count(out, sum);
    out += "</td></tr>\n";
  }
  out += "<tr class=\"total\"><th>total</th>";
  uint64_t all = 0;
  for (size_t c = 0; c < totals.size(); ++c) {
    if (totals[c] == 0) continue;
    out += "<th class=\"num\">";
    append_count(out, totals[c]);
    out += "</th>";
    all += totals[c];
  }
  out += "<th class=\"num\">";
  append_count(out, all);
  out += "</th></tr>\n</table>\n";

  out +=
      "<details><summary>Top sources per day and category</summary>\n"
      "<table id=\"attempt-sources\">\n<tr><th>Day</th><th>Category</th><th>Source</th>"
      "<th class=\"num\">Attempts</th></tr>\n";
  for (const AttemptDay& day : findings.attempts) {
    for (const correlate::AttemptSource& source : day.top_sources) {
      out += "<tr><td>";
      html(out, day.date);
      out += "</td><td>";
      out += correlate::attempt_category_name(day.category);
      out += "</td><td class=\"mono\">";
      html(out, source.address);
      out += "</td><td class=\"num\">";
      append_count(out, source.count);
      out += "</td></tr>\n";
    }
  }
  out += "</table>\n</details>\n</section>\n";
}

// ---- need to know ---------------------------------------------------------

void write_need_to_know(std::string& out, const Findings& findings) {
  out += "<section id=\"need-to-know\">\n<h2>Need-to-know alerts</h2>\n";
  if (!findings.inventory_given) {
    out +=
        "<p class=\"note\">No inventory was given (<code>--inventory</code>), so reading "
        "outside one's role was not checked.</p>\n</section>\n";
    return;
  }
  if (findings.need_to_know.empty()) {
    out += "<p class=\"muted\">No account read an asset its role does not cover.</p>\n";
    out += "</section>\n";
    return;
  }
  out +=
      "<table id=\"need-to-know-table\">\n<tr><th>Account</th><th>Role</th><th>Asset</th>"
      "<th>Sensitivity</th><th>First seen</th><th>Last seen</th>"
      "<th class=\"num\">Accesses</th></tr>\n";
  for (size_t i = 0; i < findings.need_to_know.size(); ++i) {
    const assess::NeedToKnowViolation& violation = findings.need_to_know[i];
    out += "<tr><td><a href=\"#need-to-know-";
    append_count(out, i + 1);
    out += "\">";
    html(out, violation.account);
    out += "</a></td><td>";
    html(out, violation.role);
    out += "</td><td>";
    html(out, violation.asset);
    out += "</td><td class=\"sensitivity-";
    append_token(out, violation.sensitivity);
    out += "\">";
    html(out, violation.sensitivity);
    out += "</td><td>";
    append_time_element(out, violation.first_seen);
    out += "</td><td>";
    append_time_element(out, violation.last_seen);
    out += "</td><td class=\"num\">";
    append_count(out, violation.accesses);
    out += "</td></tr>\n";
  }
  out += "</table>\n";
  for (size_t i = 0; i < findings.need_to_know.size(); ++i) {
    const assess::NeedToKnowViolation& violation = findings.need_to_know[i];
    out += "<article class=\"violation\" id=\"need-to-know-";
    append_count(out, i + 1);
    out += "\">\n<h3>";
    html(out, violation.account);
    out += " (";
    html(out, violation.role);
    out += ") read ";
    html(out, violation.asset);
    out += "</h3>\n<p>";
    html(out, violation.asset_description);
    out += " <span class=\"sensitivity-";
    append_token(out, violation.sensitivity);
    out += "\">";
    html(out, violation.sensitivity);
    out += "</span>. ";
    append_count(out, violation.accesses);
    out += violation.accesses == 1 ? " access" : " accesses";
    out += " from ";
    append_time_element(out, violation.first_seen);
    out += " to ";
    append_time_element(out, violation.last_seen);
    out += ".</p>\n";
    if (!violation.evidence.empty()) {
      out += violation.accesses > violation.evidence.size() ? "<h4>First accesses</h4>\n"
                                                            : "<h4>Accesses</h4>\n";
      write_evidence_table(out, violation.evidence);
    }
    out += "</article>\n";
  }
  out += "</section>\n";
}

// ---- who was hit ------------------------------------------------------------

// One line per sentence: reasons and gaps read as a list, not as one phrase.
void append_lines(std::string& out, const std::vector<std::string>& lines) {
  if (lines.empty()) {
    out += "<span class=\"muted\">none</span>";
    return;
  }
  out += "<ul class=\"lines\">";
  for (const std::string& line : lines) {
    out += "<li>";
    html(out, line);
    out += "</li>";
  }
  out += "</ul>";
}

void write_exposed_subjects(std::string& out, const assess::Impact& impact) {
  out += "<h3>Exposed subjects</h3>\n";
  if (impact.subjects.empty()) {
    out += "<p class=\"muted\">No subject&#39;s data was reached or held where the attacker was.</p>\n";
  } else {
    out +=
        "<table id=\"exposed-subjects-table\">\n<tr><th>Subject</th><th>Kind</th>"
        "<th>Category</th><th>Exposure</th><th class=\"num\">Confidence</th><th>Assets</th>"
        "<th>Incident</th><th>Reasons</th><th>Coverage gaps</th></tr>\n";
    for (const assess::ExposedSubject& subject : impact.subjects) {
      out += "<tr id=\"subject-";
      append_token(out, subject.subject_id);
      out += "\" class=\"exposure-";
      append_token(out, subject.exposure);
      out += "\"><td class=\"mono\">";
      html(out, subject.subject_id);
      out += "</td><td>";
      html(out, subject.kind);
      out += "</td><td>";
      html(out, subject.category);
      out += "</td><td class=\"exposure\">";
      html(out, subject.exposure);
      out += "</td><td class=\"num\">";
      append_fixed(out, subject.confidence, 3);
      out += "</td><td>";
      append_list(out, subject.assets);
      out += "</td><td><a href=\"#incident-";
      append_token(out, subject.incident);
      out += "\">";
      html(out, subject.incident);
      out += "</a></td><td>";
      append_lines(out, subject.reasons);
      out += "</td><td>";
      append_lines(out, subject.coverage_gaps);
      out += "</td></tr>\n";
    }
    out += "</table>\n";
    for (const assess::ExposedSubject& subject : impact.subjects) {
      if (subject.evidence.empty()) continue;
      out += "<details class=\"subject-evidence\" id=\"subject-evidence-";
      append_token(out, subject.subject_id);
      out += "\"><summary>Evidence for ";
      html(out, subject.subject_id);
      out += " (";
      append_count(out, subject.evidence.size());
      out += subject.evidence.size() == 1 ? " record" : " records";
      out += ", first exposed ";
      append_time(out, subject.first_exposed);
      out += ")</summary>\n";
      write_evidence_table(out, subject.evidence);
      out += "</details>\n";
    }
  }
  out += "<p id=\"not-exposed\">Not exposed: ";
  append_list(out, impact.not_exposed);
  out += "</p>\n";
}

void write_assets_reached(std::string& out, const assess::Impact& impact) {
  out += "<h3>Assets reached</h3>\n";
  if (impact.assets.empty()) {
    out += "<p class=\"muted\">No asset of the inventory was reached.</p>\n";
    return;
  }
  out +=
      "<table id=\"assets-reached-table\">\n<tr><th>Asset</th><th>Description</th>"
      "<th>Sensitivity</th><th>Data categories</th><th>Actions</th><th>Incidents</th>"
      "<th>Subjects</th><th class=\"num\">Evidence</th></tr>\n";
  for (const assess::AssetImpact& asset : impact.assets) {
    out += "<tr><td class=\"mono\">";
    html(out, asset.asset);
    out += "</td><td>";
    html(out, asset.description);
    out += "</td><td class=\"sensitivity-";
    append_token(out, asset.sensitivity);
    out += "\">";
    html(out, asset.sensitivity);
    out += "</td><td>";
    append_list(out, asset.data_categories);
    out += "</td><td class=\"actions\">";
    append_list(out, asset.actions);
    out += "</td><td>";
    append_list(out, asset.incidents);
    out += "</td><td>";
    append_list(out, asset.subjects);
    out += "</td><td class=\"num\">";
    append_count(out, asset.evidence.size());
    out += "</td></tr>\n";
  }
  out += "</table>\n";
  for (const assess::AssetImpact& asset : impact.assets) {
    if (asset.evidence.empty()) continue;
    out += "<details class=\"asset-evidence\" id=\"asset-evidence-";
    append_token(out, asset.asset);
    out += "\"><summary>What happened to ";
    html(out, asset.asset);
    out += ": ";
    append_list(out, asset.actions);
    out += "</summary>\n";
    write_evidence_table(out, asset.evidence);
    out += "</details>\n";
  }
}

void write_coverage(std::string& out, const assess::Coverage& coverage) {
  out += "<h3>Log coverage</h3>\n<p>Whether the logs could see accesses at each location, from ";
  append_time_element(out, coverage.window_first);
  out += " to ";
  append_time_element(out, coverage.window_last);
  out +=
      " (the incidents&#39; window). A location without coverage is a gap: what happened "
      "there is unknown, not safe.</p>\n";
  if (coverage.locations.empty()) {
    out += "<p class=\"muted\">No location to judge.</p>\n";
    return;
  }
  out +=
      "<table id=\"coverage-table\">\n<tr><th>Asset</th><th>Location</th><th>Status</th>"
      "<th>Sources</th><th>Gap</th></tr>\n";
  for (const assess::CoverageEntry& entry : coverage.locations) {
    out += "<tr class=\"coverage-";
    append_token(out, entry.status);
    if (entry.status != "covered") out += " gap";
    out += "\"><td class=\"mono\">";
    html(out, entry.asset);
    out += "</td><td class=\"mono\">";
    html(out, entry.location);
    out += "</td><td>";
    html(out, entry.status);
    out += "</td><td class=\"mono\">";
    append_list(out, entry.sources);
    out += "</td><td>";
    html(out, entry.gap);
    out += "</td></tr>\n";
  }
  out += "</table>\n";
}

void write_footprints(std::string& out, const assess::Impact& impact) {
  out += "<h3>Attacker footprint</h3>\n";
  if (impact.footprints.empty()) {
    out += "<p class=\"muted\">No incident reached an asset of the inventory.</p>\n";
    return;
  }
  out +=
      "<table id=\"footprints-table\">\n<tr><th>Incident</th><th>Class</th><th>Accounts</th>"
      "<th>Hosts</th><th>Processes</th><th>Addresses</th><th>From</th><th>To</th></tr>\n";
  for (const assess::Footprint& footprint : impact.footprints) {
    out += "<tr><td><a href=\"#incident-";
    append_token(out, footprint.incident);
    out += "\">";
    html(out, footprint.incident);
    out += "</a></td><td>";
    html(out, footprint.classification);
    out += "</td><td>";
    append_list(out, footprint.accounts);
    out += "</td><td>";
    append_list(out, footprint.hosts);
    out += "</td><td class=\"mono\">";
    append_list(out, footprint.processes);
    out += "</td><td>";
    append_list(out, footprint.addresses);
    out += "</td><td>";
    append_time_element(out, footprint.first);
    out += "</td><td>";
    append_time_element(out, footprint.last);
    out += "</td></tr>\n";
  }
  out += "</table>\n";
}

void write_impact(std::string& out, const Findings& findings) {
  out += "<section id=\"impact\">\n<h2>Who was hit</h2>\n";
  if (!findings.inventory_given) {
    out +=
        "<p class=\"note\">No inventory was given (<code>--inventory</code>), so whose data the "
        "incidents reached was not assessed.</p>\n</section>\n";
    return;
  }
  const assess::Impact& impact = findings.impact;
  // The exposures of docs/findings.md always, then any other the findings use.
  std::map<std::string, uint64_t> by_exposure;
  for (const assess::ExposedSubject& subject : impact.subjects) ++by_exposure[subject.exposure];
  uint64_t gaps = 0;
  for (const assess::CoverageEntry& entry : impact.coverage.locations) {
    if (entry.status != "covered") ++gaps;
  }
  out +=
      "<p class=\"muted\">Subjects of the inventory whose data the incidents reached, on which "
      "evidence and how sure. Names and contact addresses are not in this report: they stay in "
      "the inventory and the notifications.</p>\n<dl class=\"figures\" id=\"exposure-counts\">";
  constexpr std::pair<const char*, const char*> kExposures[] = {
      {"exfiltrated", "Exfiltrated"}, {"accessed", "Accessed"}, {"at_risk", "At risk"}};
  for (const auto& [name, label] : kExposures) {
    const auto it = by_exposure.find(name);
    std::string id = "figure-";
    append_token(id, name);
    figure(out, label, it == by_exposure.end() ? 0 : it->second, id);
    if (it != by_exposure.end()) by_exposure.erase(it);
  }
  for (const auto& [name, count] : by_exposure) {
    std::string id = "figure-";
    append_token(id, name);
    figure(out, name, count, id);
  }
  figure(out, "Not exposed", impact.not_exposed.size(), "figure-not-exposed");
  figure(out, "Coverage gaps", gaps, "figure-coverage-gaps");
  out += "</dl>\n";
  write_exposed_subjects(out, impact);
  write_assets_reached(out, impact);
  write_coverage(out, impact.coverage);
  write_footprints(out, impact);
  out += "</section>\n";
}

}  // namespace

std::string notifications_section(std::span<const assess::NotificationStatus> notifications) {
  std::string out = kNotificationsBegin;
  out += "\n<section id=\"notifications\">\n<h2>Notifications</h2>\n";
  out +=
      "<p class=\"muted\">As case.db records them (<code>vigil notify list</code>, "
      "<code>vigil notify mark</code>): drafted, reviewed, sent, acknowledged. Subjects on the "
      "safety review route are reviewed before anyone contacts them.</p>\n";
  if (notifications.empty()) {
    out += "<p class=\"muted\">No notifications.</p>\n</section>\n";
    out += kNotificationsEnd;
    return out;
  }
  std::map<std::string, uint64_t> by_status;
  for (const assess::NotificationStatus& n : notifications) ++by_status[n.status];
  out += "<p id=\"notification-counts\">";
  bool first = true;
  for (const char* status : {"drafted", "reviewed", "sent", "acknowledged"}) {
    const auto it = by_status.find(status);
    if (!first) out += ", ";
    first = false;
    append_count(out, it == by_status.end() ? 0 : it->second);
    out += " ";
    out += status;
  }
  out += ".</p>\n";
  out +=
      "<table id=\"notifications-table\">\n<tr><th>Subject</th><th>Route</th><th>Status</th>"
      "<th>By</th><th>At</th><th>Note</th></tr>\n";
  for (const assess::NotificationStatus& n : notifications) {
    out += "<tr class=\"status-";
    append_token(out, n.status);
    out += " route-";
    append_token(out, n.route);
    out += "\"><td class=\"mono\">";
    html(out, n.subject_id);
    out += "</td><td>";
    html(out, n.route);
    out += "</td><td>";
    html(out, n.status);
    out += "</td><td>";
    if (n.by.empty()) {
      out += "<span class=\"muted\">vigil</span>";
    } else {
      html(out, n.by);
    }
    out += "</td><td>";
    html(out, n.at);
    out += "</td><td>";
    html(out, n.note);
    out += "</td></tr>\n";
  }
  out += "</table>\n</section>\n";
  out += kNotificationsEnd;
  return out;
}

Result<void> replace_notifications_section(
    std::string& page, std::span<const assess::NotificationStatus> notifications) {
  const size_t begin = page.find(kNotificationsBegin);
  const size_t end = begin == std::string::npos ? begin : page.find(kNotificationsEnd, begin);
  if (end == std::string::npos) {
    return make_error(Errc::kNotFound,
                      "the page has no notifications region (not a report.html of this vigil)");
  }
  const size_t end_marker = end + std::string_view(kNotificationsEnd).size();
  page.replace(begin, end_marker - begin, notifications_section(notifications));
  return {};
}

Result<void> rewrite_notifications_section(
    const std::filesystem::path& path, std::span<const assess::NotificationStatus> notifications) {
  std::string page;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      Error error = make_error(Errc::kIoError, "cannot open the file");
      error.source = path.string();
      return error;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
      Error error = make_error(Errc::kIoError, "cannot read the file");
      error.source = path.string();
      return error;
    }
    page = std::move(text).str();
  }
  if (auto replaced = replace_notifications_section(page, notifications); !replaced.ok()) {
    Error error = replaced.error();
    error.source = path.string();
    return error;
  }
  return write_file_atomically(path, page);
}

void append_html_text(std::string& out, std::string_view text) {
  while (!text.empty()) {
    const char c = text.front();
    const auto byte = static_cast<uint8_t>(c);
    if (byte < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        case '\t':
        case '\n':
        case '\r': out.push_back(c); break;
        default:
          if (byte < 0x20 || byte == 0x7f) {
            out += "\xEF\xBF\xBD";
          } else {
            out.push_back(c);
          }
      }
      text.remove_prefix(1);
      continue;
    }
    const size_t n = text::utf8_sequence(text);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      text.remove_prefix(1);
      continue;
    }
    // C1 controls (U+0080..U+009F) are as unwelcome as C0 ones, and so are
    // the bidirectional embeddings, overrides and isolates (U+202A..U+202E,
    // U+2066..U+2069): a file name from the evidence could otherwise show
    // reversed ("exe.txt" read as "txt.exe").
    const bool c1 = n == 2 && byte == 0xc2 && static_cast<uint8_t>(text[1]) < 0xa0;
    const bool bidi = n == 3 && byte == 0xe2 &&
                      ((static_cast<uint8_t>(text[1]) == 0x80 &&
                        static_cast<uint8_t>(text[2]) >= 0xaa && static_cast<uint8_t>(text[2]) <= 0xae) ||
                       (static_cast<uint8_t>(text[1]) == 0x81 &&
                        static_cast<uint8_t>(text[2]) >= 0xa6 && static_cast<uint8_t>(text[2]) <= 0xa9));
    if (c1 || bidi) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(text.substr(0, n));
    }
    text.remove_prefix(n);
  }
}

std::string html_report(const Findings& findings) {
  std::string out;
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"generator\" content=\"vigil ";
  html(out, findings.vigil_version);
  out += "\">\n<title>vigil: investigation findings</title>\n<style>";
  out += kStyle;
  out +=
      "</style>\n</head>\n<body>\n<header>\n<h1>Investigation findings</h1>\n<p class=\"muted\">";
  out += "Written by vigil ";
  html(out, findings.vigil_version);
  out +=
      ". Times are UTC. Every figure comes from the evidence listed under Inputs; "
      "findings.json holds the same findings for programs.</p>\n"
      "<nav><a href=\"#summary\">Summary</a><a href=\"#timeline\">Timeline</a>"
      "<a href=\"#incidents\">Incidents</a><a href=\"#attempts\">Attempts</a>"
      "<a href=\"#need-to-know\">Need to know</a><a href=\"#impact\">Who was hit</a>"
      "<a href=\"#notifications\">Notifications</a></nav>\n</header>\n";
  write_summary(out, findings);
  write_timeline(out, findings);
  write_incidents(out, findings);
  write_attempts(out, findings);
  write_need_to_know(out, findings);
  write_impact(out, findings);
  out += notifications_section(findings.impact.notifications);
  out += "\n<footer class=\"muted\">End of report.</footer>\n</body>\n</html>\n";
  return out;
}

Result<void> write_html_report(const Findings& findings, const std::filesystem::path& path) {
  return write_file_atomically(path, html_report(findings));
}

}  // namespace vigil::report
