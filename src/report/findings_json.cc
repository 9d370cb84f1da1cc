#include "vigil/report/findings_json.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <string_view>
#include <system_error>
#include <vector>

#include "vigil/correlate/attempts.h"
#include "vigil/report/writer.h"

namespace vigil::report {

namespace {

// Pretty-printed JSON, two spaces a level, lists of plain values on one line:
// easy to diff, and the same bytes for the same calls.
class JsonOut {
 public:
  explicit JsonOut(std::string& out) : out_(out) {}

  void begin_object() { open('{', false); }
  void end_object() { close('}'); }
  void begin_array() { open('[', true); }
  void end_array() { close(']'); }

  void key(std::string_view name) {
    next_item();
    append_json_string(out_, name);
    out_ += ": ";
  }

  void string(std::string_view value) {
    value_prefix();
    append_json_string(out_, value);
  }
  void number(uint64_t value) {
    value_prefix();
    char buffer[24];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    out_.append(buffer, end);
  }
  void boolean(bool value) {
    value_prefix();
    out_ += value ? "true" : "false";
  }
  void fixed(double value, int decimals) {
    value_prefix();
    if (!std::isfinite(value)) {
      out_ += "null";
      return;
    }
    append_fixed(out_, value, decimals);
  }
  void timestamp(Timestamp t) {
    value_prefix();
    if (!t.is_set()) {
      out_ += "null";
      return;
    }
    out_.push_back('"');
    append_rfc3339(out_, t, 7);
    out_.push_back('"');
  }
  void strings(const std::vector<std::string>& values) {
    value_prefix();
    out_.push_back('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out_ += ", ";
      append_json_string(out_, values[i]);
    }
    out_.push_back(']');
  }

  // Shorthands for a key and its value.
  void field(std::string_view name, std::string_view value) {
    key(name);
    string(value);
  }
  void field(std::string_view name, const char* value) {
    key(name);
    string(value);
  }
  void field(std::string_view name, uint64_t value) {
    key(name);
    number(value);
  }
  void field(std::string_view name, bool value) {
    key(name);
    boolean(value);
  }
  void field(std::string_view name, Timestamp value) {
    key(name);
    timestamp(value);
  }
  void field(std::string_view name, const std::vector<std::string>& values) {
    key(name);
    strings(values);
  }

 private:
  struct Level {
    size_t items = 0;
    bool array = false;
  };

  void indent() { out_.append(2 * levels_.size(), ' '); }
  void next_item() {
    if (levels_.back().items++ > 0) out_.push_back(',');
    out_.push_back('\n');
    indent();
  }
  // A value in an array starts its own line; after a key it follows it.
  void value_prefix() {
    if (!levels_.empty() && levels_.back().array) next_item();
  }
  void open(char bracket, bool array) {
    value_prefix();
    out_.push_back(bracket);
    levels_.push_back({0, array});
  }
  void close(char bracket) {
    const size_t items = levels_.back().items;
    levels_.pop_back();
    if (items > 0) {
      out_.push_back('\n');
      indent();
    }
    out_.push_back(bracket);
  }

  std::string& out_;
  std::vector<Level> levels_;
};

constexpr int kScoreDecimals = 3;

void write_evidence(JsonOut& json, const assess::Evidence& evidence) {
  json.begin_object();
  json.field("source", evidence.source);
  json.field("record", evidence.record);
  json.field("offset", evidence.offset);
  json.field("timestamp", evidence.timestamp);
  json.field("host", evidence.host);
  json.field("account", evidence.account);
  json.field("action", evidence.action);
  json.field("object", evidence.object);
  json.end_object();
}

// `"evidence": [...]`, each piece as write_evidence writes it.
void write_evidence_list(JsonOut& json, const std::vector<assess::Evidence>& list) {
  json.key("evidence");
  json.begin_array();
  for (const assess::Evidence& evidence : list) write_evidence(json, evidence);
  json.end_array();
}

void write_step(JsonOut& json, const assess::IncidentStep& step) {
  json.begin_object();
  json.field("timestamp", step.timestamp);
  json.field("host", step.host);
  json.field("accounts", step.accounts);
  json.field("rule_id", step.rule_id);
  json.field("rule_title", step.rule_title);
  json.field("level", step.level);
  json.field("author", step.author);
  json.field("techniques", step.techniques);
  json.field("tactics", step.tactics);
  json.key("evidence");
  write_evidence(json, step.evidence);
  json.end_object();
}

void write_incident(JsonOut& json, const assess::Incident& incident) {
  json.begin_object();
  json.field("id", incident.id);
  json.field("classification", incident.classification);
  json.key("confidence");
  json.fixed(incident.confidence, kScoreDecimals);
  json.field("reasons", incident.reasons);
  json.field("first_seen", incident.first_seen);
  json.field("last_seen", incident.last_seen);
  json.field("hosts", incident.hosts);
  json.field("accounts", incident.accounts);
  json.field("addresses", incident.addresses);
  json.field("tactics", incident.tactics);
  json.key("techniques");
  json.begin_array();
  for (const assess::TechniqueRef& technique : incident.techniques) {
    json.begin_object();
    json.field("id", technique.id);
    json.field("name", technique.name);
    json.field("tactic", technique.tactic);
    json.end_object();
  }
  json.end_array();
  json.key("steps");
  json.begin_array();
  for (const assess::IncidentStep& step : incident.steps) write_step(json, step);
  json.end_array();
  json.field("similar_groups_note", kSimilarGroupsNote);
  json.key("similar_groups");
  json.begin_array();
  for (const assess::GroupSimilarity& group : incident.similar_groups) {
    json.begin_object();
    json.field("id", group.id);
    json.field("name", group.name);
    json.key("score");
    json.fixed(group.score, kScoreDecimals);
    json.field("shared_techniques", group.shared_techniques);
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

void write_need_to_know(JsonOut& json, const assess::NeedToKnowViolation& violation) {
  json.begin_object();
  json.field("account", violation.account);
  json.field("role", violation.role);
  json.field("asset", violation.asset);
  json.field("asset_description", violation.asset_description);
  json.field("sensitivity", violation.sensitivity);
  json.field("first_seen", violation.first_seen);
  json.field("last_seen", violation.last_seen);
  json.field("accesses", violation.accesses);
  write_evidence_list(json, violation.evidence);
  json.end_object();
}

void write_footprint(JsonOut& json, const assess::Footprint& footprint) {
  json.begin_object();
  json.field("incident", footprint.incident);
  json.field("classification", footprint.classification);
  json.field("accounts", footprint.accounts);
  json.field("hosts", footprint.hosts);
  json.field("processes", footprint.processes);
  json.field("addresses", footprint.addresses);
  json.field("first", footprint.first);
  json.field("last", footprint.last);
  json.end_object();
}

void write_asset_impact(JsonOut& json, const assess::AssetImpact& asset) {
  json.begin_object();
  json.field("asset", asset.asset);
  json.field("description", asset.description);
  json.field("sensitivity", asset.sensitivity);
  json.field("data_categories", asset.data_categories);
  json.field("actions", asset.actions);
  json.field("incidents", asset.incidents);
  json.field("subjects", asset.subjects);
  write_evidence_list(json, asset.evidence);
  json.end_object();
}

// The subject's name and contact address are left out on purpose:
// findings.json goes round among analysts, while names and addresses stay in
// the inventory and the notifications (docs/findings.md).
void write_exposed_subject(JsonOut& json, const assess::ExposedSubject& subject) {
  json.begin_object();
  json.field("subject_id", subject.subject_id);
  json.field("kind", subject.kind);
  json.field("category", subject.category);
  json.field("exposure", subject.exposure);
  json.key("confidence");
  json.fixed(subject.confidence, kScoreDecimals);
  json.field("assets", subject.assets);
  json.field("data_categories", subject.data_categories);
  json.field("incident", subject.incident);
  json.field("reasons", subject.reasons);
  json.field("coverage_gaps", subject.coverage_gaps);
  json.field("first_exposed", subject.first_exposed);
  json.field("safety_review", subject.safety_review);
  json.field("language", subject.language);
  json.field("channel", subject.channel);
  write_evidence_list(json, subject.evidence);
  json.end_object();
}

void write_coverage(JsonOut& json, const assess::Coverage& coverage) {
  json.begin_object();
  json.key("window");
  json.begin_object();
  json.field("first", coverage.window_first);
  json.field("last", coverage.window_last);
  json.end_object();
  json.key("locations");
  json.begin_array();
  for (const assess::CoverageEntry& entry : coverage.locations) {
    json.begin_object();
    json.field("asset", entry.asset);
    json.field("location", entry.location);
    json.field("status", entry.status);
    json.field("sources", entry.sources);
    json.field("gap", entry.gap);
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

}  // namespace

void append_fixed(std::string& out, double value, int decimals) {
  if (!std::isfinite(value)) return;
  // -0.000 and 0.000 are the same figure.
  if (value == 0) value = 0;
  char buffer[64];
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  if (error != std::errc()) return;
  std::string_view text(buffer, static_cast<size_t>(end - buffer));
  if (text.starts_with('-') && text.find_first_not_of("-0.") == std::string_view::npos) {
    text.remove_prefix(1);
  }
  out.append(text);
}

std::string findings_json(const assess::Findings& findings) {
  std::string out;
  JsonOut json(out);
  json.begin_object();
  json.field("schema_version", static_cast<uint64_t>(kFindingsSchemaVersion));
  json.field("vigil_version", findings.vigil_version);
  json.key("window");
  json.begin_object();
  json.field("first", findings.first_event);
  json.field("last", findings.last_event);
  json.end_object();
  json.field("events", findings.events);
  json.field("detections", findings.detections);

  json.key("inputs");
  json.begin_array();
  for (const assess::InputSummary& input : findings.inputs) {
    json.begin_object();
    json.field("path", input.path);
    json.field("format", input.format);
    json.field("records", input.records);
    json.field("damaged", input.damaged);
    json.end_object();
  }
  json.end_array();

  json.key("rules");
  json.begin_array();
  for (const assess::RuleCount& rule : findings.rules) {
    json.begin_object();
    json.field("rule_id", rule.rule_id);
    json.field("title", rule.title);
    json.field("level", rule.level);
    json.field("count", rule.count);
    json.end_object();
  }
  json.end_array();

  json.key("incidents");
  json.begin_array();
  for (const assess::Incident& incident : findings.incidents) write_incident(json, incident);
  json.end_array();

  json.key("attempts");
  json.begin_array();
  for (const correlate::AttemptDay& day : findings.attempts) {
    json.begin_object();
    json.field("date", day.date);
    json.field("category", correlate::attempt_category_name(day.category));
    json.field("count", day.count);
    json.key("top_sources");
    json.begin_array();
    for (const correlate::AttemptSource& source : day.top_sources) {
      json.begin_object();
      json.field("address", source.address);
      json.field("count", source.count);
      json.end_object();
    }
    json.end_array();
    json.end_object();
  }
  json.end_array();

  json.key("need_to_know");
  json.begin_array();
  for (const assess::NeedToKnowViolation& violation : findings.need_to_know) {
    write_need_to_know(json, violation);
  }
  json.end_array();

  const assess::Impact& impact = findings.impact;
  json.key("footprints");
  json.begin_array();
  for (const assess::Footprint& footprint : impact.footprints) write_footprint(json, footprint);
  json.end_array();
  json.key("assets_reached");
  json.begin_array();
  for (const assess::AssetImpact& asset : impact.assets) write_asset_impact(json, asset);
  json.end_array();
  json.key("exposed_subjects");
  json.begin_array();
  for (const assess::ExposedSubject& subject : impact.subjects) {
    write_exposed_subject(json, subject);
  }
  json.end_array();
  json.field("not_exposed", impact.not_exposed);
  json.key("coverage");
  write_coverage(json, impact.coverage);
  json.field("inventory_given", findings.inventory_given);
  json.end_object();
  out.push_back('\n');
  return out;
}

Result<void> write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) {
      Error error = make_error(Errc::kIoError, "cannot create the file");
      error.source = temporary.string();
      return error;
    }
    file.write(content.data(), static_cast<std::streamsize>(content.size()));
    file.close();
    if (!file) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      Error error = make_error(Errc::kIoError, "cannot write the file");
      error.source = temporary.string();
      return error;
    }
  }
  std::error_code code;
  std::filesystem::rename(temporary, path, code);
  if (code) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    Error error = make_error(Errc::kIoError, "cannot rename into place: " + code.message());
    error.source = path.string();
    return error;
  }
  return {};
}

Result<void> write_findings_json(const assess::Findings& findings,
                                 const std::filesystem::path& path) {
  return write_file_atomically(path, findings_json(findings));
}

}  // namespace vigil::report
