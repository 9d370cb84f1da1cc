// case.db schema 2: the impact tables, and the notification workflow (drafts
// for every exposed subject, forward-only marks, the safety review route, the
// history carried over when `vigil investigate` writes the case again, files
// that are not a vigil case.db left alone, schema 1 files upgraded).

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../report/findings_fixture.h"
#include "vigil/store/case_db.h"

namespace vigil::store {
namespace {

using findings_test::read_text;
using findings_test::sample_findings;

// Runs SQL on a database file (creating it) and gives the rows of the last
// statement, columns joined by '|' (NULL as "NULL").
std::vector<std::string> sql(const std::filesystem::path& path, const std::string& text) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::vector<std::string> rows;
  const char* rest = text.c_str();
  while (rest != nullptr && *rest != '\0') {
    sqlite3_stmt* statement = nullptr;
    const char* next = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, rest, -1, &statement, &next), SQLITE_OK)
        << rest << ": " << sqlite3_errmsg(db);
    if (statement == nullptr) break;
    rows.clear();
    while (sqlite3_step(statement) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        if (i > 0) row += '|';
        const auto* value = sqlite3_column_text(statement, i);
        row += value ? reinterpret_cast<const char*>(value) : "NULL";
      }
      rows.push_back(row);
    }
    sqlite3_finalize(statement);
    rest = next;
  }
  sqlite3_close(db);
  return rows;
}

class Notifications : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = findings_test::scratch_dir(
        std::string("notify-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    path_ = dir_ / "case.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const assess::Findings& findings) {
    const auto written = write_case_db(findings, path_);
    ASSERT_TRUE(written.ok()) << written.error().to_string();
  }
  void mark(const char* subject, const char* status, const char* at = "2026-10-06T09:00:00Z",
            const char* note = "") {
    const auto marked = mark_notification(path_, subject, status, "a.berger", at, note);
    ASSERT_TRUE(marked.ok()) << marked.error().to_string();
  }
  std::string status_of(const std::string& subject) {
    const auto rows =
        sql(path_, "SELECT status FROM notification_status WHERE subject_id = '" + subject + "'");
    return rows.size() == 1 ? rows.front() : std::string("<none>");
  }

  std::filesystem::path dir_, path_;
};

TEST_F(Notifications, ImpactTables) {
  write(sample_findings());
  EXPECT_EQ(sql(path_,
                "SELECT incident_id, position, classification, accounts, first, last "
                "FROM footprints"),
            (std::vector<std::string>{
                "INC-001|1|espionage|[\"adm.schmidt@court.local\",\"m.keller@court.local\"]|"
                "2026-10-02T08:15:02.1234567Z|2026-10-02T10:20:00.0000000Z"}));
  EXPECT_EQ(
      sql(path_, "SELECT asset, actions, subjects FROM assets_reached ORDER BY position"),
      (std::vector<std::string>{"case-2024-017-witnesses|[\"exfiltrated\",\"staged\",\"read\"]|"
                                "[\"S-0001\",\"S-0002\"]",
                                "partner-state-correspondence|[\"held\"]|[\"ST-FR\"]"}));
  EXPECT_EQ(sql(path_,
                "SELECT a.asset, a.position, e.record, e.action FROM asset_evidence a "
                "JOIN evidence e ON e.id = a.evidence_id ORDER BY a.asset, a.position"),
            (std::vector<std::string>{"case-2024-017-witnesses|1|88120|read",
                                      "case-2024-017-witnesses|2|4410|staged",
                                      "case-2024-017-witnesses|3|20931|exfiltrated"}));
  EXPECT_EQ(sql(path_,
                "SELECT subject_id, kind, category, exposure, round(confidence, 3), incident_id, "
                "safety_review, language, channel, first_exposed FROM exposures ORDER BY position"),
            (std::vector<std::string>{
                "S-0001|individual|protected_witness|exfiltrated|0.925|INC-001|1|fr|in_person|"
                "2026-10-02T09:55:00.0000000Z",
                "S-0002|individual|defendant|accessed|0.75|INC-001|0|en|email|"
                "2026-10-02T09:40:00.0000000Z",
                "ST-FR|state|partner_state|at_risk|0.4|INC-001|0|fr|via_state_party|"
                "2026-10-02T08:15:02.1234567Z"}));
  EXPECT_EQ(sql(path_, "SELECT count(*) FROM exposures s, json_each(s.coverage_gaps) g"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(sql(path_,
                "SELECT x.subject_id, x.position, e.record FROM exposure_evidence x "
                "JOIN evidence e ON e.id = x.evidence_id ORDER BY 1, 2"),
            (std::vector<std::string>{"S-0001|1|4410", "S-0001|2|20931", "S-0002|1|88120"}));
  EXPECT_EQ(sql(path_, "SELECT subject_id FROM not_exposed ORDER BY 1"),
            (std::vector<std::string>{"S-0003", "S-0004"}));
  EXPECT_EQ(sql(path_, "SELECT position, status, sources, gap <> '' FROM coverage ORDER BY 1"),
            (std::vector<std::string>{
                "1|covered|[\"logs/SRV-FS01/Security.evtx\",\"logs/WS-0412/Sysmon.evtx\"]|0",
                "2|partial|[\"logs/web/access.log.gz\"]|1", "3|none|[]|1"}));
  EXPECT_EQ(sql(path_, "PRAGMA foreign_key_check"), std::vector<std::string>{});
  // Who the subjects are and how to reach them is not the case store's.
  const std::string bytes = read_text(path_);
  EXPECT_EQ(bytes.find("SECRET-"), std::string::npos);
  EXPECT_EQ(bytes.find("Witness W-17"), std::string::npos);
}

TEST_F(Notifications, EveryExposedSubjectGetsADraft) {
  write(sample_findings());
  EXPECT_EQ(sql(path_,
                "SELECT subject_id, route, language, channel, exposure, incident_id "
                "FROM notifications ORDER BY subject_id"),
            (std::vector<std::string>{"S-0001|safety_review|fr|in_person|exfiltrated|INC-001",
                                      "S-0002|letter|en|email|accessed|INC-001",
                                      "ST-FR|letter|fr|via_state_party|at_risk|INC-001"}));
  EXPECT_EQ(sql(path_,
                "SELECT subject_id, seq, status, actor, at, note FROM notification_events "
                "ORDER BY 1, 2"),
            (std::vector<std::string>{"S-0001|1|drafted||NULL|", "S-0002|1|drafted||NULL|",
                                      "ST-FR|1|drafted||NULL|"}));
  auto statuses = read_notification_status(path_);
  ASSERT_TRUE(statuses.ok()) << statuses.error().to_string();
  ASSERT_EQ(statuses->size(), 3u);
  EXPECT_EQ((*statuses)[0].subject_id, "S-0001");
  EXPECT_EQ((*statuses)[0].route, "safety_review");
  EXPECT_EQ((*statuses)[0].status, "drafted");
  EXPECT_EQ((*statuses)[0].by, "");
  EXPECT_EQ((*statuses)[0].at, "");
  EXPECT_EQ((*statuses)[2].route, "letter");

  auto entries = list_notifications(path_);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ((*entries)[2].exposure, "at_risk");
  EXPECT_EQ((*entries)[2].channel, "via_state_party");
  EXPECT_EQ((*entries)[2].language, "fr");
  EXPECT_EQ((*entries)[2].incident, "INC-001");

  // No case.db yet: no notifications, not an error.
  const auto none = read_notification_status(dir_ / "missing.db");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(Notifications, NoInventoryNoNotifications) {
  write(assess::Findings{});
  EXPECT_EQ(sql(path_, "SELECT count(*) FROM notifications"), std::vector<std::string>{"0"});
  EXPECT_EQ(sql(path_, "SELECT value FROM meta WHERE key = 'coverage_first'"),
            std::vector<std::string>{"NULL"});
}

TEST_F(Notifications, MarksMoveForwardOnly) {
  write(sample_findings());
  mark("S-0002", "reviewed", "2026-10-06T09:00:00Z", "checked by the clerk");
  EXPECT_EQ(status_of("S-0002"), "reviewed");
  for (const char* back : {"drafted", "reviewed"}) {
    const auto rejected =
        mark_notification(path_, "S-0002", back, "a.berger", "2026-10-06T10:00:00Z", "");
    ASSERT_FALSE(rejected.ok()) << back;
    EXPECT_EQ(rejected.error().code, Errc::kInvalidArgument);
    EXPECT_NE(rejected.error().message.find("already 'reviewed'"), std::string::npos)
        << rejected.error().message;
  }
  // Skipping is allowed on the letter route.
  mark("ST-FR", "sent");
  EXPECT_EQ(status_of("ST-FR"), "sent");
  mark("S-0002", "acknowledged");
  EXPECT_EQ(status_of("S-0002"), "acknowledged");
  auto history = notification_history(path_, "S-0002");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].status, "drafted");
  EXPECT_EQ((*history)[1].status, "reviewed");
  EXPECT_EQ((*history)[1].seq, 2u);
  EXPECT_EQ((*history)[1].actor, "a.berger");
  EXPECT_EQ((*history)[1].at, "2026-10-06T09:00:00Z");
  EXPECT_EQ((*history)[1].note, "checked by the clerk");
  EXPECT_EQ((*history)[2].status, "acknowledged");
}

TEST_F(Notifications, SafetyReviewBeforeContact) {
  write(sample_findings());
  for (const char* status : {"sent", "acknowledged"}) {
    const auto rejected =
        mark_notification(path_, "S-0001", status, "a.berger", "2026-10-06T09:00:00Z", "");
    ASSERT_FALSE(rejected.ok()) << status;
    EXPECT_NE(rejected.error().message.find("safety review"), std::string::npos);
  }
  EXPECT_EQ(status_of("S-0001"), "drafted");
  mark("S-0001", "reviewed");
  mark("S-0001", "sent");
  EXPECT_EQ(status_of("S-0001"), "sent");
}

TEST_F(Notifications, BadMarksAreRejected) {
  write(sample_findings());
  const std::string before = read_text(path_);
  struct Case {
    const char* subject;
    const char* status;
    const char* actor;
    const char* at;
    Errc code;
    const char* says;
  };
  for (const Case& c : {
           Case{"S-0002", "posted", "a.berger", "2026-10-06T09:00:00Z", Errc::kInvalidArgument,
                "unknown status"},
           Case{"S-0002", "sent", "", "2026-10-06T09:00:00Z", Errc::kInvalidArgument, "named"},
           Case{"S-0002", "sent", "  ", "2026-10-06T09:00:00Z", Errc::kInvalidArgument, "named"},
           Case{"S-0002", "sent", "a.berger", "yesterday", Errc::kInvalidArgument, "RFC 3339"},
           Case{"S-0002", "sent", "a.berger", "", Errc::kInvalidArgument, "RFC 3339"},
           Case{"S-0003", "sent", "a.berger", "2026-10-06T09:00:00Z", Errc::kNotFound,
                "no notification"},
       }) {
    const auto result = mark_notification(path_, c.subject, c.status, c.actor, c.at, "");
    ASSERT_FALSE(result.ok()) << c.subject << " " << c.status;
    EXPECT_EQ(result.error().code, c.code) << result.error().to_string();
    EXPECT_NE(result.error().message.find(c.says), std::string::npos) << result.error().message;
    EXPECT_EQ(result.error().source, path_.string());
  }
  // All or nothing: S-0002 is not marked when S-0003 is refused.
  const std::vector<std::string> both = {"S-0002", "S-0003"};
  EXPECT_FALSE(
      mark_notifications(path_, both, "sent", "a.berger", "2026-10-06T09:00:00Z", "").ok());
  EXPECT_EQ(status_of("S-0002"), "drafted");
  EXPECT_EQ(sql(path_, "SELECT count(*) FROM notification_events"), std::vector<std::string>{"3"});
  // No case.db at all.
  const auto missing =
      mark_notification(dir_ / "missing.db", "S-0002", "sent", "a", "2026-10-06T09:00:00Z", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "missing.db"));
}

TEST_F(Notifications, SeveralSubjectsInOneMark) {
  write(sample_findings());
  const std::vector<std::string> subjects = {"ST-FR", "S-0002", "ST-FR"};
  auto marked =
      mark_notifications(path_, subjects, "sent", "a.berger", "2026-10-06T09:00:00+02:00", "post");
  ASSERT_TRUE(marked.ok()) << marked.error().to_string();
  ASSERT_EQ(marked->size(), 2u);  // named twice, marked once
  EXPECT_EQ((*marked)[0].subject_id, "ST-FR");
  EXPECT_EQ((*marked)[1].subject_id, "S-0002");
  EXPECT_EQ((*marked)[1].at, "2026-10-06T09:00:00+02:00");
  EXPECT_EQ(status_of("ST-FR"), "sent");
  EXPECT_EQ(status_of("S-0002"), "sent");
}

TEST_F(Notifications, HistoryIsCarriedAcrossARewrite) {
  write(sample_findings());
  mark("S-0001", "reviewed", "2026-10-06T09:00:00Z", "<script>x</script>\x01 note");
  mark("S-0002", "sent");
  const auto before = sql(path_, "SELECT * FROM notification_events ORDER BY subject_id, seq");

  // The same findings again: nothing lost, nothing added.
  write(sample_findings());
  EXPECT_EQ(sql(path_, "SELECT * FROM notification_events ORDER BY subject_id, seq"), before);
  EXPECT_EQ(status_of("S-0001"), "reviewed");

  // Later findings: S-0002 no longer exposed, S-0009 newly exposed.
  assess::Findings later = sample_findings();
  later.impact.subjects.erase(later.impact.subjects.begin() + 1);
  assess::ExposedSubject added = later.impact.subjects.back();
  added.subject_id = "S-0009";
  added.safety_review = true;
  later.impact.subjects.push_back(added);
  write(later);
  EXPECT_EQ(sql(path_,
                "SELECT subject_id, route, exposure, incident_id, status FROM notification_status "
                "ORDER BY subject_id"),
            (std::vector<std::string>{"S-0001|safety_review|exfiltrated|INC-001|reviewed",
                                      "S-0002|letter|no_longer_exposed|NULL|sent",
                                      "S-0009|safety_review|at_risk|INC-001|drafted",
                                      "ST-FR|letter|at_risk|INC-001|drafted"}));
  EXPECT_EQ(sql(path_, "SELECT count(*) FROM notification_events WHERE subject_id = 'S-0002'"),
            std::vector<std::string>{"2"});
  EXPECT_EQ(sql(path_, "SELECT note FROM notification_events WHERE status = 'reviewed'"),
            std::vector<std::string>{"<script>x</script>\x01 note"});
  // Still markable: the letter went out before the subject dropped out.
  mark("S-0002", "acknowledged");
  EXPECT_EQ(status_of("S-0002"), "acknowledged");
}

TEST_F(Notifications, SameFindingsSameHistorySameBytes) {
  auto run = [&](const std::filesystem::path& path) {
    EXPECT_TRUE(write_case_db(sample_findings(), path).ok());
    EXPECT_TRUE(
        mark_notification(path, "S-0002", "sent", "a.berger", "2026-10-06T09:00:00Z", "").ok());
    EXPECT_TRUE(write_case_db(sample_findings(), path).ok());
    return read_text(path);
  };
  const std::string first = run(dir_ / "one.db");
  const std::string second = run(dir_ / "two.db");
  EXPECT_EQ(first, second);
  ASSERT_TRUE(write_case_db(sample_findings(), dir_ / "one.db").ok());
  EXPECT_EQ(read_text(dir_ / "one.db"), first);
}

TEST_F(Notifications, AFileThatIsNotACaseDbIsNotOverwritten) {
  { std::ofstream(path_, std::ios::binary) << "Minutes of the hearing, not a database.\n"; }
  const std::string text = read_text(path_);
  auto result = write_case_db(sample_findings(), path_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kBadSignature);
  EXPECT_NE(result.error().message.find("not a vigil case.db"), std::string::npos)
      << result.error().message;
  EXPECT_EQ(result.error().source, path_.string());
  EXPECT_EQ(read_text(path_), text);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "case.db.tmp"));
  EXPECT_FALSE(read_notification_status(path_).ok());

  // Another application's SQLite database.
  const auto other = dir_ / "other.db";
  sql(other,
      "CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount REAL); "
      "INSERT INTO ledger VALUES (1, 2.5);");
  const std::string ledger = read_text(other);
  result = write_case_db(sample_findings(), other);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kBadSignature);
  EXPECT_EQ(read_text(other), ledger);

  // A case.db from a later vigil.
  std::filesystem::remove(path_);
  write(sample_findings());
  sql(path_, "PRAGMA user_version = 3; UPDATE meta SET value = '3' WHERE key = 'schema_version';");
  const std::string later = read_text(path_);
  result = write_case_db(sample_findings(), path_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kUnsupported);
  EXPECT_EQ(read_text(path_), later);
}

TEST_F(Notifications, SchemaOneIsUpgraded) {
  // What vigil wrote before schema 2 (its meta table is what identifies it).
  sql(path_,
      "PRAGMA user_version = 1; CREATE TABLE meta (key TEXT PRIMARY KEY, value); "
      "INSERT INTO meta VALUES ('schema_version', '1'), ('vigil_version', '0.1.0');");
  const auto statuses = read_notification_status(path_);
  ASSERT_TRUE(statuses.ok());
  EXPECT_TRUE(statuses->empty());
  const auto refused =
      mark_notification(path_, "S-0002", "sent", "a.berger", "2026-10-06T09:00:00Z", "");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kUnsupported);

  write(sample_findings());
  EXPECT_EQ(sql(path_, "PRAGMA user_version"), std::vector<std::string>{"2"});
  EXPECT_EQ(sql(path_, "SELECT count(*) FROM notification_status WHERE status = 'drafted'"),
            std::vector<std::string>{"3"});
}

TEST_F(Notifications, HistoryOfAnUnknownSubject) {
  write(sample_findings());
  const auto history = notification_history(path_, "S-0003");
  ASSERT_FALSE(history.ok());
  EXPECT_EQ(history.error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace vigil::store
