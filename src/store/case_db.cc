#include "vigil/store/case_db.h"

#include <sqlite3.h>

#include <cmath>
#include <memory>
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

// Version 1. Lists that only describe one row (a step's accounts, a group's
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

  Result<void> open() {
    const int code =
        sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (code != SQLITE_OK) return error("open");
    sqlite3_extended_result_codes(db_, 1);
    return {};
  }

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
  return {};
}

Result<void> write_database(Database& db, const Findings& findings) {
  VIGIL_TRY(db.open());
  // Fixed page size and no memory of earlier files: the same findings give
  // the same bytes.
  VIGIL_TRY(db.exec("PRAGMA page_size = 4096; PRAGMA foreign_keys = ON;", "settings"));
  VIGIL_TRY(db.exec("BEGIN", "begin"));
  VIGIL_TRY(db.exec(("PRAGMA user_version = " + std::to_string(kCaseDbSchemaVersion)).c_str(),
                    "user_version"));
  VIGIL_TRY(db.exec(kSchema, "schema"));
  VIGIL_TRY(write_rows(db, findings));
  db.finish();
  VIGIL_TRY(db.exec("COMMIT", "commit"));
  return {};
}

#undef VIGIL_PREPARE
#undef VIGIL_TRY

}  // namespace

Result<void> write_case_db(const Findings& findings, const std::filesystem::path& path) {
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  std::error_code ignored;
  std::filesystem::remove(temporary, ignored);
  Result<void> written;
  {
    Database db(temporary.string());
    written = write_database(db, findings);
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

}  // namespace vigil::store
