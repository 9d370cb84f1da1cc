// case.db: what the tables hold, checked by queries; the same findings give
// the same file; a failed write leaves the earlier database alone.

#include "vigil/store/case_db.h"

#include <sqlite3.h>

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../report/findings_fixture.h"
#include "vigil/core/utf.h"

namespace vigil::store {
namespace {

using findings_test::sample_findings;

// Rows of a query, each as its columns' text joined by '|' (NULL as "NULL").
class Query {
 public:
  explicit Query(const std::filesystem::path& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  }
  ~Query() { sqlite3_close(db_); }

  std::vector<std::string> rows(const std::string& sql) {
    std::vector<std::string> result;
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
    while (statement != nullptr && sqlite3_step(statement) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        if (i > 0) row += '|';
        const auto* text = sqlite3_column_text(statement, i);
        row += text ? reinterpret_cast<const char*>(text) : "NULL";
      }
      result.push_back(row);
    }
    sqlite3_finalize(statement);
    return result;
  }
  std::string one(const std::string& sql) {
    const auto all = rows(sql);
    EXPECT_EQ(all.size(), 1u) << sql;
    return all.empty() ? std::string() : all.front();
  }

 private:
  sqlite3* db_ = nullptr;
};

class CaseDb : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = findings_test::scratch_dir(
        std::string("store-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    path_ = dir_ / "case.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_, path_;
};

TEST_F(CaseDb, Meta) {
  ASSERT_TRUE(write_case_db(sample_findings(), path_).ok());
  Query q(path_);
  EXPECT_EQ(q.rows("SELECT key, value FROM meta ORDER BY rowid"),
            (std::vector<std::string>{"schema_version|2", "vigil_version|0.1.0",
                                      "first_event|2026-10-01T00:00:03.5000000Z",
                                      "last_event|2026-10-04T23:59:59.0000000Z", "events|1234567",
                                      "detections|42", "inventory_given|1",
                                      "coverage_first|2026-10-02T08:15:02.1234567Z",
                                      "coverage_last|2026-10-02T10:20:00.0000000Z"}));
  EXPECT_EQ(q.one("PRAGMA user_version"), "2");
  EXPECT_EQ(q.one("SELECT typeof(value) FROM meta WHERE key = 'events'"), "integer");
}

TEST_F(CaseDb, Incidents) {
  ASSERT_TRUE(write_case_db(sample_findings(), path_).ok());
  Query q(path_);
  EXPECT_EQ(q.rows("SELECT id, position, classification, round(confidence, 3), first_seen, "
                   "last_seen, step_count FROM incidents ORDER BY position"),
            (std::vector<std::string>{"INC-001|1|espionage|0.85|2026-10-02T08:15:02.1234567Z|"
                                      "2026-10-02T10:20:00.0000000Z|3",
                                      "INC-002|2|commodity|0.5|2026-10-03T12:00:00.0000000Z|"
                                      "2026-10-03T12:00:00.0000000Z|1"}));
  EXPECT_EQ(q.rows("SELECT incident_id, host FROM incident_hosts ORDER BY 1, 2"),
            (std::vector<std::string>{"INC-001|srv-fs01.court.local", "INC-001|ws-0412.court.local",
                                      "INC-002|web-01.court.local"}));
  EXPECT_EQ(q.rows("SELECT incident_id, account FROM incident_accounts"),
            (std::vector<std::string>{"INC-001|m.keller@court.local"}));
  EXPECT_EQ(q.rows("SELECT tactic FROM incident_tactics WHERE incident_id = 'INC-001' "
                   "ORDER BY position"),
            (std::vector<std::string>{"credential-access", "discovery", "lateral-movement"}));
  EXPECT_EQ(q.one("SELECT count(*) FROM incident_reasons"), "3");
  EXPECT_EQ(q.one("SELECT name FROM incident_techniques WHERE technique_id = 'T1021.002'"),
            "SMB/Windows Admin Shares");
}

TEST_F(CaseDb, StepsWithTheirEvidence) {
  ASSERT_TRUE(write_case_db(sample_findings(), path_).ok());
  Query q(path_);
  EXPECT_EQ(q.rows("SELECT incident_id, position, rule_id, source, record, file_offset "
                   "FROM step_evidence ORDER BY incident_id, position"),
            (std::vector<std::string>{"INC-001|1|r-0004|logs/WS-0412/Security.evtx|9001|69632",
                                      "INC-001|2|r-0001|logs/WS-0412/Security.evtx|9050|73728",
                                      "INC-001|3|r-0002|logs/SRV-FS01/System.evtx|77|4096",
                                      "INC-002|1|r-0009|logs/web/access.log.gz|5120|811008"}));
  // Lists of one step are JSON arrays that json_each can open.
  EXPECT_EQ(q.rows("SELECT s.position, j.value FROM steps s, json_each(s.techniques) j "
                   "WHERE s.incident_id = 'INC-001' ORDER BY 1"),
            (std::vector<std::string>{"1|T1087", "2|T1003.001", "3|T1021.002"}));
  EXPECT_EQ(q.one("SELECT accounts FROM steps WHERE incident_id = 'INC-002'"), "[]");
  // Hostile text is kept as text; invalid UTF-8 becomes U+FFFD.
  EXPECT_EQ(q.one("SELECT object FROM step_evidence WHERE rule_id = 'r-0001'"),
            "<script>alert('x')</script> & \"quoted\"");
  EXPECT_EQ(q.one("SELECT object FROM step_evidence WHERE rule_id = 'r-0002'"),
            "bad\x01"
            "bytes\xEF\xBF\xBD"
            "end");
}

TEST_F(CaseDb, SimilarGroupsDetectionsInputs) {
  ASSERT_TRUE(write_case_db(sample_findings(), path_).ok());
  Query q(path_);
  EXPECT_EQ(q.rows("SELECT rank, group_id, name, round(score, 3), shared_techniques "
                   "FROM similar_groups ORDER BY incident_id, rank"),
            (std::vector<std::string>{"1|G0016|APT29|0.417|[\"T1003.001\",\"T1087\"]",
                                      "2|G0007|APT28|0.25|[\"T1003.001\"]"}));
  EXPECT_EQ(q.rows("SELECT position, rule_id, count FROM detections_by_rule ORDER BY 1"),
            (std::vector<std::string>{"1|r-0001|20", "2|r-0002|12", "3|r-0003|10"}));
  EXPECT_EQ(q.rows("SELECT path, format, records, damaged FROM inputs ORDER BY position"),
            (std::vector<std::string>{"logs/WS-0412/Security.evtx|evtx|120000|0",
                                      "logs/web/access.log.gz|web|1114567|3"}));
}

TEST_F(CaseDb, Attempts) {
  ASSERT_TRUE(write_case_db(sample_findings(), path_).ok());
  Query q(path_);
  EXPECT_EQ(q.rows("SELECT date, category, count FROM attempts ORDER BY date, category"),
            (std::vector<std::string>{
                "2026-10-01|brute_force|412", "2026-10-01|scanning|35", "2026-10-02|exploitation|7",
                "2026-10-04|denial_of_service|900", "2026-10-04|password_spraying|30"}));
  EXPECT_EQ(q.rows("SELECT rank, address, count FROM attempt_sources "
                   "WHERE date = '2026-10-01' AND category = 'brute_force' ORDER BY rank"),
            (std::vector<std::string>{"1|198.51.100.7|400", "2|198.51.100.8|12"}));
  EXPECT_EQ(q.one("SELECT sum(count) FROM attempts"), "1384");
}

TEST_F(CaseDb, NeedToKnow) {
  ASSERT_TRUE(write_case_db(sample_findings(), path_).ok());
  Query q(path_);
  EXPECT_EQ(q.one("SELECT id, account, role, asset, sensitivity, accesses, first_seen "
                  "FROM need_to_know"),
            "1|t.novak@court.local|trainee|case-2024-017-witnesses|critical|3|"
            "2026-10-03T14:00:00.0000000Z");
  EXPECT_EQ(q.rows("SELECT n.position, e.record, e.file_offset, e.action FROM "
                   "need_to_know_evidence n JOIN evidence e ON e.id = n.evidence_id "
                   "ORDER BY n.position"),
            (std::vector<std::string>{"1|10|2048|read", "2|11|2300|read"}));
  // Four step records, two accesses, three records of assets, three of subjects.
  EXPECT_EQ(q.one("SELECT count(*) FROM evidence"), "12");
  EXPECT_EQ(q.rows("PRAGMA foreign_key_check"), std::vector<std::string>{});
}

TEST_F(CaseDb, SameFindingsSameBytes) {
  ASSERT_TRUE(write_case_db(sample_findings(), path_).ok());
  const std::string first = findings_test::read_text(path_);
  // Written again over the first: replaced, not added to.
  ASSERT_TRUE(write_case_db(sample_findings(), path_).ok());
  EXPECT_EQ(findings_test::read_text(path_), first);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "case.db.tmp"));
  Query q(path_);
  EXPECT_EQ(q.one("SELECT count(*) FROM incidents"), "2");
}

TEST_F(CaseDb, EmptyFindings) {
  ASSERT_TRUE(write_case_db(assess::Findings{}, path_).ok());
  Query q(path_);
  EXPECT_EQ(q.one("SELECT value FROM meta WHERE key = 'first_event'"), "NULL");
  EXPECT_EQ(q.one("SELECT count(*) FROM incidents"), "0");
  EXPECT_EQ(q.one("SELECT value FROM meta WHERE key = 'inventory_given'"), "0");
}

TEST_F(CaseDb, FailureLeavesTheEarlierDatabase) {
  ASSERT_TRUE(write_case_db(sample_findings(), path_).ok());
  const std::string before = findings_test::read_text(path_);
  // Two incidents with one id break the primary key half way through.
  assess::Findings broken = sample_findings();
  broken.incidents[1].id = broken.incidents[0].id;
  const auto result = write_case_db(broken, path_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kIoError);
  EXPECT_NE(result.error().message.find("incidents"), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().source, path_.string());
  EXPECT_EQ(findings_test::read_text(path_), before);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "case.db.tmp"));
}

TEST_F(CaseDb, UnwritableFolder) {
  const auto result = write_case_db(sample_findings(), dir_ / "missing" / "case.db");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kIoError);
}

TEST_F(CaseDb, RandomBytesAreStoredAsValidText) {
  std::mt19937 random(20261129);
  for (int round = 0; round < 20; ++round) {
    assess::Findings hostile = sample_findings();
    findings_test::for_each_text(hostile, [&](std::string& text) {
      text.assign(random() % 40, '\0');
      for (char& c : text) c = static_cast<char>(random());
    });
    // Set members and keys must stay distinct for the keys to hold, and
    // references must name what they reference.
    hostile.incidents[1].id = hostile.incidents[0].id + "2";
    hostile.impact.footprints[0].incident = hostile.incidents[0].id;
    for (size_t i = 0; i < hostile.impact.subjects.size(); ++i) {
      hostile.impact.subjects[i].subject_id += std::to_string(i);
      hostile.impact.subjects[i].incident = hostile.incidents[i % 2].id;
    }
    hostile.impact.assets[1].asset = hostile.impact.assets[0].asset + "2";
    // A fresh file: the notifications of earlier rounds would be carried over.
    std::filesystem::remove(path_);
    const auto result = write_case_db(hostile, path_);
    ASSERT_TRUE(result.ok()) << "round " << round << ": " << result.error().to_string();
    Query q(path_);
    EXPECT_EQ(q.one("SELECT count(*) FROM step_evidence"), "4");
    EXPECT_EQ(q.one("SELECT count(*) FROM notification_status"), "3");
    for (const std::string& object : q.rows("SELECT object FROM evidence")) {
      EXPECT_TRUE(is_valid_utf8(object));
    }
  }
}

}  // namespace
}  // namespace vigil::store
