#include "vigil/store/case_db.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "vigil/core/utf.h"
#include "vigil/correlate/attempts.h"

namespace vigil::store {

namespace {

using assess::Evidence;
using assess::Findings;
using assess::Incident;

// Version 1, kept as it was in version 2. Lists that only describe one row (a step's accounts, a group's
// shared techniques) are JSON arrays in a TEXT column (query them with
// json_each); sets an analyst joins on (hosts, accounts, techniques) have
// their own tables. Times are RFC 3339 UTC text with seven decimals, which
// sorts as time does; NULL when unknown.
constexpr const char* kSchema = R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value
);
CREATE TABLE inputs (
  position INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  format TEXT NOT NULL,
  records INTEGER NOT NULL,
  damaged INTEGER NOT NULL
);
CREATE TABLE detections_by_rule (
  position INTEGER PRIMARY KEY,
  rule_id TEXT NOT NULL,
  title TEXT NOT NULL,
  level TEXT NOT NULL,
  count INTEGER NOT NULL
);
CREATE TABLE evidence (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  record INTEGER NOT NULL,
  file_offset INTEGER NOT NULL,
  timestamp TEXT,
  host TEXT NOT NULL,
  account TEXT NOT NULL,
  action TEXT NOT NULL,
  object TEXT NOT NULL
);
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  position INTEGER NOT NULL UNIQUE,
  classification TEXT NOT NULL,
  confidence REAL,
  first_seen TEXT,
  last_seen TEXT,
  step_count INTEGER NOT NULL
);
CREATE TABLE incident_reasons (
  incident_id TEXT NOT NULL REFERENCES incidents(id),
  position INTEGER NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (incident_id, position)
);
CREATE TABLE incident_hosts (
  incident_id TEXT NOT NULL REFERENCES incidents(id),
  host TEXT NOT NULL,
  PRIMARY KEY (incident_id, host)
);
CREATE TABLE incident_accounts (
  incident_id TEXT NOT NULL REFERENCES incidents(id),
  account TEXT NOT NULL,
  PRIMARY KEY (incident_id, account)
);
CREATE TABLE incident_addresses (
  incident_id TEXT NOT NULL REFERENCES incidents(id),
  address TEXT NOT NULL,
  PRIMARY KEY (incident_id, address)
);
CREATE TABLE incident_tactics (
  incident_id TEXT NOT NULL REFERENCES incidents(id),
  position INTEGER NOT NULL,
  tactic TEXT NOT NULL,
  PRIMARY KEY (incident_id, position)
);
CREATE TABLE incident_techniques (
  incident_id TEXT NOT NULL REFERENCES incidents(id),
  technique_id TEXT NOT NULL,
  name TEXT NOT NULL,
  tactic TEXT NOT NULL,
  PRIMARY KEY (incident_id, technique_id)
);
CREATE TABLE steps (
  incident_id TEXT NOT NULL REFERENCES incidents(id),
  position INTEGER NOT NULL,
  timestamp TEXT,
  host TEXT NOT NULL,
  accounts TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  rule_title TEXT NOT NULL,
  level TEXT NOT NULL,
  author TEXT NOT NULL,
  techniques TEXT NOT NULL,
  tactics TEXT NOT NULL,
  evidence_id INTEGER NOT NULL REFERENCES evidence(id),
  PRIMARY KEY (incident_id, position)
);
CREATE TABLE similar_groups (
  incident_id TEXT NOT NULL REFERENCES incidents(id),
  rank INTEGER NOT NULL,
  group_id TEXT NOT NULL,
  name TEXT NOT NULL,
  score REAL,
  shared_techniques TEXT NOT NULL,
  PRIMARY KEY (incident_id, rank)
);
CREATE TABLE attempts (
  date TEXT NOT NULL,
  category TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (date, category)
);
CREATE TABLE attempt_sources (
  date TEXT NOT NULL,
  category TEXT NOT NULL,
  rank INTEGER NOT NULL,
  address TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (date, category, rank),
  FOREIGN KEY (date, category) REFERENCES attempts(date, category)
);
CREATE TABLE need_to_know (
  id INTEGER PRIMARY KEY,
  account TEXT NOT NULL,
  role TEXT NOT NULL,
  asset TEXT NOT NULL,
  asset_description TEXT NOT NULL,
  sensitivity TEXT NOT NULL,
  first_seen TEXT,
  last_seen TEXT,
  accesses INTEGER NOT NULL
);
CREATE TABLE need_to_know_evidence (
  violation_id INTEGER NOT NULL REFERENCES need_to_know(id),
  position INTEGER NOT NULL,
  evidence_id INTEGER NOT NULL REFERENCES evidence(id),
  PRIMARY KEY (violation_id, position)
);
CREATE VIEW step_evidence AS
  SELECT s.incident_id, s.position, s.timestamp, s.rule_id, s.rule_title, s.level,
         e.source, e.record, e.file_offset, e.host, e.account, e.action, e.object
  FROM steps s JOIN evidence e ON e.id = s.evidence_id;
)sql";

// Version 2: who was hit (Findings::impact) and the notification workflow.
// The subjects' names and contact addresses are not stored: they stay in the
// inventory and the notifications. notification_events is append-only; a
// notification's status is its last event.
constexpr const char* kImpactSchema = R"sql(
CREATE TABLE footprints (
  incident_id TEXT PRIMARY KEY REFERENCES incidents(id),
  position INTEGER NOT NULL UNIQUE,
  classification TEXT NOT NULL,
  accounts TEXT NOT NULL,
  hosts TEXT NOT NULL,
  processes TEXT NOT NULL,
  addresses TEXT NOT NULL,
  first TEXT,
  last TEXT
);
CREATE TABLE assets_reached (
  asset TEXT PRIMARY KEY,
  position INTEGER NOT NULL UNIQUE,
  description TEXT NOT NULL,
  sensitivity TEXT NOT NULL,
  data_categories TEXT NOT NULL,
  actions TEXT NOT NULL,
  incidents TEXT NOT NULL,
  subjects TEXT NOT NULL
);
CREATE TABLE asset_evidence (
  asset TEXT NOT NULL REFERENCES assets_reached(asset),
  position INTEGER NOT NULL,
  evidence_id INTEGER NOT NULL REFERENCES evidence(id),
  PRIMARY KEY (asset, position)
);
CREATE TABLE exposures (
  subject_id TEXT PRIMARY KEY,
  position INTEGER NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  category TEXT NOT NULL,
  exposure TEXT NOT NULL,
  confidence REAL,
  assets TEXT NOT NULL,
  data_categories TEXT NOT NULL,
  incident_id TEXT REFERENCES incidents(id),
  reasons TEXT NOT NULL,
  coverage_gaps TEXT NOT NULL,
  first_exposed TEXT,
  safety_review INTEGER NOT NULL,
  language TEXT NOT NULL,
  channel TEXT NOT NULL
);
CREATE TABLE exposure_evidence (
  subject_id TEXT NOT NULL REFERENCES exposures(subject_id),
  position INTEGER NOT NULL,
  evidence_id INTEGER NOT NULL REFERENCES evidence(id),
  PRIMARY KEY (subject_id, position)
);
CREATE TABLE not_exposed (
  subject_id TEXT PRIMARY KEY
);
CREATE TABLE coverage (
  position INTEGER PRIMARY KEY,
  asset TEXT NOT NULL,
  location TEXT NOT NULL,
  status TEXT NOT NULL,
  sources TEXT NOT NULL,
  gap TEXT NOT NULL
);
CREATE TABLE notifications (
  subject_id TEXT PRIMARY KEY,
  route TEXT NOT NULL,
  language TEXT NOT NULL,
  channel TEXT NOT NULL,
  exposure TEXT NOT NULL,
  incident_id TEXT
);
CREATE TABLE notification_events (
  subject_id TEXT NOT NULL REFERENCES notifications(subject_id),
  seq INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('drafted', 'reviewed', 'sent', 'acknowledged')),
  actor TEXT NOT NULL,
  at TEXT,
  note TEXT NOT NULL,
  PRIMARY KEY (subject_id, seq)
);
CREATE VIEW notification_status AS
  SELECT n.subject_id, n.route, n.exposure, n.language, n.channel, n.incident_id,
         e.seq, e.status, e.actor, e.at, e.note
  FROM notifications n JOIN notification_events e ON e.subject_id = n.subject_id
  WHERE e.seq = (SELECT max(seq) FROM notification_events WHERE subject_id = n.subject_id);
)sql";

// Text as SQLite should keep it: valid UTF-8, each byte that is not part of
// a valid sequence replaced by U+FFFD (as findings.json does).
std::string valid_utf8(std::string_view text) {
  if (is_ascii(text) || is_valid_utf8(text)) return std::string(text);
  std::string out;
  while (!text.empty()) {
    const auto lead = static_cast<uint8_t>(text[0]);
    const size_t n = lead < 0x80                   ? 1
                     : lead >= 0xc2 && lead < 0xe0 ? 2
                     : lead >= 0xe0 && lead < 0xf0 ? 3
                     : lead >= 0xf0 && lead < 0xf5 ? 4
                                                   : 0;
    if (n == 0 || n > text.size() || !is_valid_utf8(text.substr(0, n))) {
      out += "\xEF\xBF\xBD";
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, n));
      text.remove_prefix(n);
    }
  }
  return out;
}

std::string json_array(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    append_utf8_as_json(out, valid_utf8(values[i]));
    out.push_back('"');
  }
  out.push_back(']');
  return out;
}

class Database;

// A prepared statement: bind in column order with add(), then run().
class Statement {
 public:
  Statement(Database& db, sqlite3_stmt* statement, std::string_view what)
      : db_(db), statement_(statement), what_(what) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(statement_); }

  Statement& add(std::string_view text) {
    std::string valid = valid_utf8(text);
    sqlite3_bind_text(statement_, ++column_, valid.data(), static_cast<int>(valid.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& add(const char* text) { return add(std::string_view(text)); }
  Statement& add(const std::string& text) { return add(std::string_view(text)); }
  // SQLite integers are signed 64-bit; counts and offsets beyond that are
  // not real, so they are kept at the largest value rather than wrapped.
  Statement& add(uint64_t value) {
    const auto clamped =
        static_cast<sqlite3_int64>(value > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : value);
    sqlite3_bind_int64(statement_, ++column_, clamped);
    return *this;
  }
  Statement& add(int value) {
    sqlite3_bind_int64(statement_, ++column_, value);
    return *this;
  }
  Statement& add(double value) {
    if (std::isnan(value)) {
      sqlite3_bind_null(statement_, ++column_);
    } else {
      sqlite3_bind_double(statement_, ++column_, value);
    }
    return *this;
  }
  Statement& add(bool value) { return add(value ? 1 : 0); }
  Statement& add(const std::optional<std::string>& text) {
    if (!text) {
      sqlite3_bind_null(statement_, ++column_);
      return *this;
    }
    return add(*text);
  }
  Statement& add(Timestamp t) {
    if (!t.is_set()) {
      sqlite3_bind_null(statement_, ++column_);
      return *this;
    }
    return add(to_rfc3339(t, 7));
  }

  Result<void> run();

 private:
  Database& db_;
  sqlite3_stmt* statement_;
  std::string what_;
  int column_ = 0;
};

class Database {
 public:
  explicit Database(std::string path) : path_(std::move(path)) {}
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database() {
    // Statements first: a connection with live statements does not close.
    statements_.clear();
    sqlite3_close(db_);
  }

  Result<void> open(int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) {
    const int code = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
    if (code != SQLITE_OK) return error("open");
    sqlite3_extended_result_codes(db_, 1);
    // Another vigil may hold the file for a moment (notify mark).
    sqlite3_busy_timeout(db_, 5000);
    return {};
  }

  // Every row of a read, text bound in order; a NULL column is nullopt.
  using Row = std::vector<std::optional<std::string>>;
  Result<std::vector<Row>> rows(const char* sql, std::initializer_list<std::string_view> binds,
                                std::string_view what) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) {
      sqlite3_finalize(statement);
      return error(what);
    }
    int column = 0;
    for (const std::string_view bind : binds) {
      const std::string valid = valid_utf8(bind);
      sqlite3_bind_text(statement, ++column, valid.data(), static_cast<int>(valid.size()),
                        SQLITE_TRANSIENT);
    }
    std::vector<Row> result;
    int code;
    while ((code = sqlite3_step(statement)) == SQLITE_ROW) {
      Row& row = result.emplace_back();
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        const auto* text = sqlite3_column_text(statement, i);
        if (text == nullptr) {
          row.emplace_back();
        } else {
          row.emplace_back(std::string(reinterpret_cast<const char*>(text),
                                       static_cast<size_t>(sqlite3_column_bytes(statement, i))));
        }
      }
    }
    sqlite3_finalize(statement);
    if (code != SQLITE_DONE) return error(what);
    return result;
  }

  int last_error() const { return db_ ? sqlite3_extended_errcode(db_) : SQLITE_NOMEM; }

  Result<void> exec(const char* sql, std::string_view what) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return error(what);
    return {};
  }

  // One statement per table, prepared once and reused for every row.
  Result<Statement*> prepare(const char* sql, std::string_view what) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) {
      sqlite3_finalize(statement);
      return error(what);
    }
    statements_.push_back(std::make_unique<Statement>(*this, statement, what));
    return statements_.back().get();
  }

  sqlite3_int64 last_row() const { return sqlite3_last_insert_rowid(db_); }

  Error error(std::string_view what) const {
    Error e = make_error(Errc::kIoError,
                         std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
    e.source = path_;
    return e;
  }

  // Statements must go before the connection does.
  void finish() { statements_.clear(); }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  std::vector<std::unique_ptr<Statement>> statements_;
};

Result<void> Statement::run() {
  const int code = sqlite3_step(statement_);
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  column_ = 0;
  if (code != SQLITE_DONE) return db_.error(what_);
  return {};
}

#define VIGIL_TRY(expression)                                            \
  do {                                                                   \
    if (auto result = (expression); !result.ok()) return result.error(); \
  } while (false)

#define VIGIL_PREPARE(name, sql, what)                       \
  auto name##_prepared = db.prepare(sql, what);              \
  if (!name##_prepared.ok()) return name##_prepared.error(); \
  Statement& name = *name##_prepared.value()

// An optional reference: NULL rather than a text no row has.
std::optional<std::string> unless_empty(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

template <class AddEvidence>
Result<void> write_impact_rows(Database& db, const assess::Impact& impact,
                               AddEvidence& add_evidence) {
  VIGIL_PREPARE(footprint, "INSERT INTO footprints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "footprints");
  VIGIL_PREPARE(asset, "INSERT INTO assets_reached VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "assets_reached");
  VIGIL_PREPARE(asset_evidence, "INSERT INTO asset_evidence VALUES (?, ?, ?)", "asset_evidence");
  VIGIL_PREPARE(exposure,
                "INSERT INTO exposures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "exposures");
  VIGIL_PREPARE(exposure_evidence, "INSERT INTO exposure_evidence VALUES (?, ?, ?)",
                "exposure_evidence");
  VIGIL_PREPARE(not_exposed, "INSERT OR IGNORE INTO not_exposed VALUES (?)", "not_exposed");
  VIGIL_PREPARE(coverage, "INSERT INTO coverage VALUES (?, ?, ?, ?, ?, ?)", "coverage");

  for (size_t i = 0; i < impact.footprints.size(); ++i) {
    const assess::Footprint& f = impact.footprints[i];
    VIGIL_TRY(footprint.add(f.incident)
                  .add(uint64_t{i + 1})
                  .add(f.classification)
                  .add(json_array(f.accounts))
                  .add(json_array(f.hosts))
                  .add(json_array(f.processes))
                  .add(json_array(f.addresses))
                  .add(f.first)
                  .add(f.last)
                  .run());
  }
  for (size_t i = 0; i < impact.assets.size(); ++i) {
    const assess::AssetImpact& a = impact.assets[i];
    VIGIL_TRY(asset.add(a.asset)
                  .add(uint64_t{i + 1})
                  .add(a.description)
                  .add(a.sensitivity)
                  .add(json_array(a.data_categories))
                  .add(json_array(a.actions))
                  .add(json_array(a.incidents))
                  .add(json_array(a.subjects))
                  .run());
    for (size_t k = 0; k < a.evidence.size(); ++k) {
      auto evidence_id = add_evidence(a.evidence[k]);
      if (!evidence_id.ok()) return evidence_id.error();
      VIGIL_TRY(asset_evidence.add(a.asset)
                    .add(uint64_t{k + 1})
                    .add(static_cast<uint64_t>(evidence_id.value()))
                    .run());
    }
  }
  for (size_t i = 0; i < impact.subjects.size(); ++i) {
    const assess::ExposedSubject& x = impact.subjects[i];
    VIGIL_TRY(exposure.add(x.subject_id)
                  .add(uint64_t{i + 1})
                  .add(x.kind)
                  .add(x.category)
                  .add(x.exposure)
                  .add(x.confidence)
                  .add(json_array(x.assets))
                  .add(json_array(x.data_categories))
                  .add(unless_empty(x.incident))
                  .add(json_array(x.reasons))
                  .add(json_array(x.coverage_gaps))
                  .add(x.first_exposed)
                  .add(x.safety_review)
                  .add(x.language)
                  .add(x.channel)
                  .run());
    for (size_t k = 0; k < x.evidence.size(); ++k) {
      auto evidence_id = add_evidence(x.evidence[k]);
      if (!evidence_id.ok()) return evidence_id.error();
      VIGIL_TRY(exposure_evidence.add(x.subject_id)
                    .add(uint64_t{k + 1})
                    .add(static_cast<uint64_t>(evidence_id.value()))
                    .run());
    }
  }
  for (const std::string& id : impact.not_exposed) VIGIL_TRY(not_exposed.add(id).run());
  for (size_t i = 0; i < impact.coverage.locations.size(); ++i) {
    const assess::CoverageEntry& c = impact.coverage.locations[i];
    VIGIL_TRY(coverage.add(uint64_t{i + 1})
                  .add(c.asset)
                  .add(c.location)
                  .add(c.status)
                  .add(json_array(c.sources))
                  .add(c.gap)
                  .run());
  }
  return {};
}

Result<void> write_rows(Database& db, const Findings& findings) {
  VIGIL_PREPARE(meta, "INSERT INTO meta VALUES (?, ?)", "meta");
  VIGIL_PREPARE(input, "INSERT INTO inputs VALUES (?, ?, ?, ?, ?)", "inputs");
  VIGIL_PREPARE(rule, "INSERT INTO detections_by_rule VALUES (?, ?, ?, ?, ?)",
                "detections_by_rule");
  VIGIL_PREPARE(evidence,
                "INSERT INTO evidence (source, record, file_offset, timestamp, host, account, "
                "action, object) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "evidence");
  VIGIL_PREPARE(incident, "INSERT INTO incidents VALUES (?, ?, ?, ?, ?, ?, ?)", "incidents");
  VIGIL_PREPARE(reason, "INSERT INTO incident_reasons VALUES (?, ?, ?)", "incident_reasons");
  // Sets: a repeated member is the same fact, kept once.
  VIGIL_PREPARE(host, "INSERT OR IGNORE INTO incident_hosts VALUES (?, ?)", "incident_hosts");
  VIGIL_PREPARE(account, "INSERT OR IGNORE INTO incident_accounts VALUES (?, ?)",
                "incident_accounts");
  VIGIL_PREPARE(address, "INSERT OR IGNORE INTO incident_addresses VALUES (?, ?)",
                "incident_addresses");
  VIGIL_PREPARE(tactic, "INSERT INTO incident_tactics VALUES (?, ?, ?)", "incident_tactics");
  VIGIL_PREPARE(technique, "INSERT OR IGNORE INTO incident_techniques VALUES (?, ?, ?, ?)",
                "incident_techniques");
  VIGIL_PREPARE(step, "INSERT INTO steps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "steps");
  VIGIL_PREPARE(group, "INSERT INTO similar_groups VALUES (?, ?, ?, ?, ?, ?)", "similar_groups");
  VIGIL_PREPARE(attempt, "INSERT INTO attempts VALUES (?, ?, ?)", "attempts");
  VIGIL_PREPARE(source, "INSERT INTO attempt_sources VALUES (?, ?, ?, ?, ?)", "attempt_sources");
  VIGIL_PREPARE(violation, "INSERT INTO need_to_know VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "need_to_know");
  VIGIL_PREPARE(access, "INSERT INTO need_to_know_evidence VALUES (?, ?, ?)",
                "need_to_know_evidence");

  auto add_evidence = [&](const Evidence& e) -> Result<sqlite3_int64> {
    VIGIL_TRY(evidence.add(e.source)
                  .add(e.record)
                  .add(e.offset)
                  .add(e.timestamp)
                  .add(e.host)
                  .add(e.account)
                  .add(e.action)
                  .add(e.object)
                  .run());
    return db.last_row();
  };

  const std::pair<const char*, std::string> metas[] = {
      {"schema_version", std::to_string(kCaseDbSchemaVersion)},
      {"vigil_version", findings.vigil_version},
  };
  for (const auto& [key, value] : metas) VIGIL_TRY(meta.add(key).add(value).run());
  VIGIL_TRY(meta.add("first_event").add(findings.first_event).run());
  VIGIL_TRY(meta.add("last_event").add(findings.last_event).run());
  VIGIL_TRY(meta.add("events").add(findings.events).run());
  VIGIL_TRY(meta.add("detections").add(findings.detections).run());
  VIGIL_TRY(meta.add("inventory_given").add(findings.inventory_given).run());
  VIGIL_TRY(meta.add("coverage_first").add(findings.impact.coverage.window_first).run());
  VIGIL_TRY(meta.add("coverage_last").add(findings.impact.coverage.window_last).run());

  for (size_t i = 0; i < findings.inputs.size(); ++i) {
    const assess::InputSummary& in = findings.inputs[i];
    VIGIL_TRY(input.add(uint64_t{i + 1})
                  .add(in.path)
                  .add(in.format)
                  .add(in.records)
                  .add(in.damaged)
                  .run());
  }
  for (size_t i = 0; i < findings.rules.size(); ++i) {
    const assess::RuleCount& r = findings.rules[i];
    VIGIL_TRY(
        rule.add(uint64_t{i + 1}).add(r.rule_id).add(r.title).add(r.level).add(r.count).run());
  }

  for (size_t i = 0; i < findings.incidents.size(); ++i) {
    const Incident& inc = findings.incidents[i];
    VIGIL_TRY(incident.add(inc.id)
                  .add(uint64_t{i + 1})
                  .add(inc.classification)
                  .add(inc.confidence)
                  .add(inc.first_seen)
                  .add(inc.last_seen)
                  .add(uint64_t{inc.steps.size()})
                  .run());
    for (size_t k = 0; k < inc.reasons.size(); ++k) {
      VIGIL_TRY(reason.add(inc.id).add(uint64_t{k + 1}).add(inc.reasons[k]).run());
    }
    for (const std::string& h : inc.hosts) VIGIL_TRY(host.add(inc.id).add(h).run());
    for (const std::string& a : inc.accounts) VIGIL_TRY(account.add(inc.id).add(a).run());
    for (const std::string& a : inc.addresses) VIGIL_TRY(address.add(inc.id).add(a).run());
    for (size_t k = 0; k < inc.tactics.size(); ++k) {
      VIGIL_TRY(tactic.add(inc.id).add(uint64_t{k + 1}).add(inc.tactics[k]).run());
    }
    for (const assess::TechniqueRef& t : inc.techniques) {
      VIGIL_TRY(technique.add(inc.id).add(t.id).add(t.name).add(t.tactic).run());
    }
    for (size_t k = 0; k < inc.steps.size(); ++k) {
      const assess::IncidentStep& s = inc.steps[k];
      auto evidence_id = add_evidence(s.evidence);
      if (!evidence_id.ok()) return evidence_id.error();
      VIGIL_TRY(step.add(inc.id)
                    .add(uint64_t{k + 1})
                    .add(s.timestamp)
                    .add(s.host)
                    .add(json_array(s.accounts))
                    .add(s.rule_id)
                    .add(s.rule_title)
                    .add(s.level)
                    .add(s.author)
                    .add(json_array(s.techniques))
                    .add(json_array(s.tactics))
                    .add(static_cast<uint64_t>(evidence_id.value()))
                    .run());
    }
    for (size_t k = 0; k < inc.similar_groups.size(); ++k) {
      const assess::GroupSimilarity& g = inc.similar_groups[k];
      VIGIL_TRY(group.add(inc.id)
                    .add(uint64_t{k + 1})
                    .add(g.id)
                    .add(g.name)
                    .add(g.score)
                    .add(json_array(g.shared_techniques))
                    .run());
    }
  }

  for (const correlate::AttemptDay& day : findings.attempts) {
    const char* category = correlate::attempt_category_name(day.category);
    VIGIL_TRY(attempt.add(day.date).add(category).add(day.count).run());
    for (size_t k = 0; k < day.top_sources.size(); ++k) {
      VIGIL_TRY(source.add(day.date)
                    .add(category)
                    .add(uint64_t{k + 1})
                    .add(day.top_sources[k].address)
                    .add(day.top_sources[k].count)
                    .run());
    }
  }

  for (size_t i = 0; i < findings.need_to_know.size(); ++i) {
    const assess::NeedToKnowViolation& v = findings.need_to_know[i];
    VIGIL_TRY(violation.add(uint64_t{i + 1})
                  .add(v.account)
                  .add(v.role)
                  .add(v.asset)
                  .add(v.asset_description)
                  .add(v.sensitivity)
                  .add(v.first_seen)
                  .add(v.last_seen)
                  .add(v.accesses)
                  .run());
    for (size_t k = 0; k < v.evidence.size(); ++k) {
      auto evidence_id = add_evidence(v.evidence[k]);
      if (!evidence_id.ok()) return evidence_id.error();
      VIGIL_TRY(access.add(uint64_t{i + 1})
                    .add(uint64_t{k + 1})
                    .add(static_cast<uint64_t>(evidence_id.value()))
                    .run());
    }
  }
  return write_impact_rows(db, findings.impact, add_evidence);
}

// ---- the notification workflow -----------------------------------------------

struct PriorNotification {
  std::string route, language, channel;
  std::vector<NotificationEvent> events;
};

// What an earlier case.db holds of the workflow, by subject id.
using History = std::map<std::string, PriorNotification>;

int status_rank(std::string_view status) {
  for (size_t i = 0; i < std::size(kNotificationStatuses); ++i) {
    if (status == kNotificationStatuses[i]) return static_cast<int>(i);
  }
  return -1;
}

std::string text_of(const std::optional<std::string>& value) { return value.value_or(""); }

Error not_a_case_db(const Database& db, std::string_view why) {
  Error e = db.error("");
  e.code = Errc::kBadSignature;
  e.message = "not a vigil case.db (" + std::string(why) + "); left as it is";
  return e;
}

// The schema version of an open case.db, 1 or 2; otherwise an error that
// says why the file is not one this vigil reads.
Result<int> case_db_version(Database& db) {
  auto version = db.rows("PRAGMA user_version", {}, "user_version");
  if (!version.ok()) {
    const int code = db.last_error() & 0xff;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
      return not_a_case_db(db, "not an SQLite database");
    }
    return version.error();
  }
  auto meta = db.rows(
      "SELECT value FROM meta WHERE key = 'schema_version' AND EXISTS "
      "(SELECT 1 FROM meta WHERE key = 'vigil_version')",
      {}, "meta");
  if (!meta.ok() || meta->size() != 1 || !meta->front().front()) {
    return not_a_case_db(db, "no vigil meta table");
  }
  const std::string& stored = *meta->front().front();
  const std::string pragma =
      version->empty() ? std::string() : text_of(version->front().front());
  if (stored != pragma) return not_a_case_db(db, "its schema versions disagree");
  if (stored == "1") return 1;
  if (stored == "2") return 2;
  Error e = db.error("");
  e.code = Errc::kUnsupported;
  e.message = "case.db schema " + stored + " is not one this vigil knows (1, 2); left as it is";
  return e;
}

// Opens an existing case.db and says its schema version.
Result<int> open_case_db(Database& db, const std::filesystem::path& path, bool write) {
  std::error_code code;
  if (!std::filesystem::is_regular_file(path, code)) {
    Error e = make_error(Errc::kNotFound, "no case.db here");
    e.source = path.string();
    return e;
  }
  const int flags = write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
  if (auto opened = db.open(flags); !opened.ok()) return opened.error();
  return case_db_version(db);
}

Result<History> read_history(Database& db) {
  History history;
  auto notifications =
      db.rows("SELECT subject_id, route, language, channel FROM notifications ORDER BY subject_id",
              {}, "notifications");
  if (!notifications.ok()) return notifications.error();
  for (const Database::Row& row : *notifications) {
    PriorNotification& prior = history[text_of(row[0])];
    prior.route = text_of(row[1]);
    prior.language = text_of(row[2]);
    prior.channel = text_of(row[3]);
  }
  auto events = db.rows(
      "SELECT subject_id, seq, status, actor, at, note FROM notification_events "
      "ORDER BY subject_id, seq",
      {}, "notification_events");
  if (!events.ok()) return events.error();
  for (const Database::Row& row : *events) {
    NotificationEvent event;
    event.subject_id = text_of(row[0]);
    event.seq = std::strtoull(text_of(row[1]).c_str(), nullptr, 10);
    event.status = text_of(row[2]);
    event.actor = text_of(row[3]);
    event.at = text_of(row[4]);
    event.note = text_of(row[5]);
    history[event.subject_id].events.push_back(std::move(event));
  }
  return history;
}

// The history in the case.db at `path`: empty when there is none or it has
// schema 1; an error when the file is not a case.db this vigil reads.
Result<History> prior_history(const std::filesystem::path& path) {
  std::error_code code;
  if (!std::filesystem::exists(path, code)) return History{};
  Database db(path.string());
  auto version = open_case_db(db, path, false);
  if (!version.ok()) return version.error();
  if (version.value() < 2) return History{};
  return read_history(db);
}

Result<void> write_notifications(Database& db, const assess::Impact& impact,
                                 const History& history) {
  VIGIL_PREPARE(notification, "INSERT INTO notifications VALUES (?, ?, ?, ?, ?, ?)",
                "notifications");
  VIGIL_PREPARE(event, "INSERT INTO notification_events VALUES (?, ?, ?, ?, ?, ?)",
                "notification_events");
  // Subjects exposed now and subjects with history, by id: the order does not
  // depend on which run found whom first.
  std::map<std::string, const assess::ExposedSubject*> subjects;
  for (const auto& [id, prior] : history) subjects.emplace(id, nullptr);
  for (const assess::ExposedSubject& subject : impact.subjects) {
    subjects[subject.subject_id] = &subject;
  }
  for (const auto& [id, subject] : subjects) {
    const auto prior = history.find(id);
    if (subject != nullptr) {
      VIGIL_TRY(notification.add(id)
                    .add(subject->safety_review ? "safety_review" : "letter")
                    .add(subject->language)
                    .add(subject->channel)
                    .add(subject->exposure)
                    .add(unless_empty(subject->incident))
                    .run());
    } else {
      // Each run numbers its incidents afresh: an old id could name another
      // incident now, so none is kept.
      VIGIL_TRY(notification.add(id)
                    .add(prior->second.route)
                    .add(prior->second.language)
                    .add(prior->second.channel)
                    .add(kNoLongerExposed)
                    .add(std::optional<std::string>())
                    .run());
    }
    if (prior == history.end() || prior->second.events.empty()) {
      VIGIL_TRY(event.add(id)
                    .add(uint64_t{1})
                    .add(kNotificationStatuses[0])
                    .add("")
                    .add(std::optional<std::string>())
                    .add("")
                    .run());
      continue;
    }
    for (const NotificationEvent& e : prior->second.events) {
      VIGIL_TRY(event.add(id)
                    .add(e.seq)
                    .add(e.status)
                    .add(e.actor)
                    .add(unless_empty(e.at))
                    .add(e.note)
                    .run());
    }
  }
  return {};
}

Result<void> write_database(Database& db, const Findings& findings, const History& history) {
  VIGIL_TRY(db.open());
  // Fixed page size and no memory of earlier files: the same findings give
  // the same bytes.
  VIGIL_TRY(db.exec("PRAGMA page_size = 4096; PRAGMA foreign_keys = ON;", "settings"));
  VIGIL_TRY(db.exec("BEGIN", "begin"));
  VIGIL_TRY(db.exec(("PRAGMA user_version = " + std::to_string(kCaseDbSchemaVersion)).c_str(),
                    "user_version"));
  VIGIL_TRY(db.exec(kSchema, "schema"));
  VIGIL_TRY(db.exec(kImpactSchema, "schema"));
  VIGIL_TRY(write_rows(db, findings));
  VIGIL_TRY(write_notifications(db, findings.impact, history));
  db.finish();
  VIGIL_TRY(db.exec("COMMIT", "commit"));
  return {};
}

Result<std::vector<NotificationEntry>> read_entries(Database& db) {
  auto rows = db.rows(
      "SELECT subject_id, route, status, actor, at, note, exposure, language, channel, "
      "incident_id FROM notification_status ORDER BY subject_id",
      {}, "notification_status");
  if (!rows.ok()) return rows.error();
  std::vector<NotificationEntry> entries;
  entries.reserve(rows->size());
  for (const Database::Row& row : *rows) {
    NotificationEntry& entry = entries.emplace_back();
    entry.current = {text_of(row[0]), text_of(row[1]), text_of(row[2]),
                     text_of(row[3]), text_of(row[4]), text_of(row[5])};
    entry.exposure = text_of(row[6]);
    entry.language = text_of(row[7]);
    entry.channel = text_of(row[8]);
    entry.incident = text_of(row[9]);
  }
  return entries;
}

Error invalid(const std::filesystem::path& path, Errc code, std::string message) {
  Error e = make_error(code, std::move(message));
  e.source = path.string();
  return e;
}

bool blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// One subject's move to `status`, inside the caller's transaction.
Result<assess::NotificationStatus> mark_one(Database& db, const std::filesystem::path& path,
                                            const std::string& subject_id,
                                            std::string_view status, std::string_view actor,
                                            std::string_view at, std::string_view note) {
  auto route = db.rows("SELECT route FROM notifications WHERE subject_id = ?", {subject_id},
                       "notifications");
  if (!route.ok()) return route.error();
  if (route->empty()) {
    return invalid(path, Errc::kNotFound,
                   "subject '" + subject_id + "' has no notification in this case");
  }
  auto events =
      db.rows("SELECT seq, status FROM notification_events WHERE subject_id = ? ORDER BY seq",
              {subject_id}, "notification_events");
  if (!events.ok()) return events.error();
  uint64_t last_seq = 0;
  int current = -1;
  bool reviewed = false;
  for (const Database::Row& row : *events) {
    last_seq = std::max<uint64_t>(last_seq, std::strtoull(text_of(row[0]).c_str(), nullptr, 10));
    current = status_rank(text_of(row[1]));
    reviewed = reviewed || text_of(row[1]) == "reviewed";
  }
  const int wanted = status_rank(status);
  if (wanted <= current) {
    return invalid(path, Errc::kInvalidArgument,
                   subject_id + " is already '" + std::string(kNotificationStatuses[current]) +
                       "': a notification only moves forward (drafted, reviewed, sent, "
                       "acknowledged)");
  }
  const std::string route_name = text_of(route->front().front());
  if (route_name == "safety_review" && wanted > status_rank("reviewed") && !reviewed) {
    return invalid(path, Errc::kInvalidArgument,
                   subject_id + " is on the safety review route: mark it reviewed before '" +
                       std::string(status) + "'");
  }
  auto inserted = db.rows("INSERT INTO notification_events VALUES (?, ?, ?, ?, ?, ?)",
                          {subject_id, std::to_string(last_seq + 1), status, actor, at, note},
                          "notification_events");
  if (!inserted.ok()) return inserted.error();
  return assess::NotificationStatus{subject_id,         route_name,      std::string(status),
                                    std::string(actor), std::string(at), std::string(note)};
}

#undef VIGIL_PREPARE
#undef VIGIL_TRY

}  // namespace

Result<void> write_case_db(const Findings& findings, const std::filesystem::path& path) {
  auto history = prior_history(path);
  if (!history.ok()) {
    Error error = history.error();
    error.source = path.string();
    return error;
  }
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  std::error_code ignored;
  std::filesystem::remove(temporary, ignored);
  Result<void> written;
  {
    Database db(temporary.string());
    written = write_database(db, findings, history.value());
  }
  if (!written.ok()) {
    std::filesystem::remove(temporary, ignored);
    Error error = written.error();
    error.source = path.string();
    return error;
  }
  std::error_code code;
  std::filesystem::rename(temporary, path, code);
  if (code) {
    std::filesystem::remove(temporary, ignored);
    Error error = make_error(Errc::kIoError, "cannot rename into place: " + code.message());
    error.source = path.string();
    return error;
  }
  return {};
}

Result<std::vector<NotificationEntry>> list_notifications(const std::filesystem::path& path) {
  std::error_code code;
  if (!std::filesystem::exists(path, code)) return std::vector<NotificationEntry>{};
  Database db(path.string());
  auto version = open_case_db(db, path, false);
  if (!version.ok()) return version.error();
  if (version.value() < 2) return std::vector<NotificationEntry>{};
  return read_entries(db);
}

Result<std::vector<assess::NotificationStatus>> read_notification_status(
    const std::filesystem::path& path) {
  auto entries = list_notifications(path);
  if (!entries.ok()) return entries.error();
  std::vector<assess::NotificationStatus> statuses;
  statuses.reserve(entries->size());
  for (NotificationEntry& entry : entries.value()) statuses.push_back(std::move(entry.current));
  return statuses;
}

Result<std::vector<assess::NotificationStatus>> mark_notifications(
    const std::filesystem::path& path, std::span<const std::string> subject_ids,
    std::string_view status, std::string_view actor, std::string_view at, std::string_view note) {
  if (status_rank(status) < 0) {
    return invalid(path, Errc::kInvalidArgument,
                   "unknown status '" + std::string(status) +
                       "' (drafted, reviewed, sent, acknowledged)");
  }
  if (blank(actor)) {
    return invalid(path, Errc::kInvalidArgument, "who set the status must be named");
  }
  if (!parse_rfc3339(at).is_set()) {
    return invalid(path, Errc::kInvalidArgument,
                   "'" + std::string(at) + "' is not an RFC 3339 time");
  }
  if (subject_ids.empty()) return invalid(path, Errc::kInvalidArgument, "no subject named");
  Database db(path.string());
  auto version = open_case_db(db, path, true);
  if (!version.ok()) return version.error();
  if (version.value() < 2) {
    return invalid(path, Errc::kUnsupported,
                   "case.db has schema 1, which holds no notifications: run vigil investigate "
                   "again with --inventory");
  }
  if (auto begun = db.exec("PRAGMA foreign_keys = ON; BEGIN IMMEDIATE", "begin"); !begun.ok()) {
    return begun.error();
  }
  std::vector<assess::NotificationStatus> marked;
  std::set<std::string> seen;
  for (const std::string& id : subject_ids) {
    if (!seen.insert(id).second) continue;
    auto one = mark_one(db, path, id, status, actor, at, note);
    if (!one.ok()) {
      (void)db.exec("ROLLBACK", "rollback");
      return one.error();
    }
    marked.push_back(std::move(one.value()));
  }
  if (auto committed = db.exec("COMMIT", "commit"); !committed.ok()) {
    (void)db.exec("ROLLBACK", "rollback");
    return committed.error();
  }
  return marked;
}

Result<assess::NotificationStatus> mark_notification(const std::filesystem::path& path,
                                                     std::string_view subject_id,
                                                     std::string_view status,
                                                     std::string_view actor, std::string_view at,
                                                     std::string_view note) {
  const std::string ids[] = {std::string(subject_id)};
  auto marked = mark_notifications(path, ids, status, actor, at, note);
  if (!marked.ok()) return marked.error();
  return std::move(marked.value().front());
}

Result<std::vector<NotificationEvent>> notification_history(const std::filesystem::path& path,
                                                            std::string_view subject_id) {
  Database db(path.string());
  auto version = open_case_db(db, path, false);
  if (!version.ok()) return version.error();
  if (version.value() >= 2) {
    auto history = read_history(db);
    if (!history.ok()) return history.error();
    const auto it = history->find(std::string(subject_id));
    if (it != history->end()) return std::move(it->second.events);
  }
  return invalid(path, Errc::kNotFound,
                 "subject '" + std::string(subject_id) + "' has no notification in this case");
}

}  // namespace vigil::store
