// vigil's application audit trail: fields, checks, recognition.

#include <gtest/gtest.h>

#include "json_support.h"

namespace vigil::read {
namespace {

using testing::parse_block;
using testing::Parsed;

std::string rfc(Timestamp t) { return t.is_set() ? to_rfc3339(t, 3) : "unset"; }

TEST(AuditTrail, FixtureEntriesAndChecks) {
  FieldNames names;
  const testing::ReadResult r = testing::read_path(testing::fixture("audit_trail.jsonl"), names);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.format, "audit-trail");
  const Parsed& p = r.parsed;
  ASSERT_EQ(p.events.size(), 7u) << p.issue_text();

  const auto& login = p.events[0];
  EXPECT_EQ(login.line, 1u);
  const std::vector<std::pair<std::string, std::string>> login_fields = {
      {"_source_format", "audit-trail"},
      {"timestamp", "2024-05-14T09:00:01Z"},
      {"actor", "m.dupont"},
      {"source_ip", "10.20.0.15"},
      {"host", "cms-01.corp.example.com"},
      {"action", "login"},
      {"outcome", "success"},
      {"session", "9f2c1e"},
      {"Computer", "cms-01.corp.example.com"},
  };
  EXPECT_EQ(login.fields, login_fields);
  EXPECT_EQ(rfc(login.timestamp), "2024-05-14T09:00:01.000Z");

  const auto& read = p.events[1];
  EXPECT_EQ(read.get("object"), "/cases/2024/0042/witness-statement.pdf");
  EXPECT_EQ(read.get("bytes"), "482113");
  EXPECT_EQ(read.get("case.classification"), "restricted");
  EXPECT_EQ(rfc(read.timestamp), "2024-05-14T09:01:12.250Z");

  // Non-ASCII actor, IPv6, escaped quotes, an offset in the time.
  const auto& exported = p.events[2];
  EXPECT_EQ(exported.get("actor"), "j\xC3\xB6rg.m\xC3\xBCller");
  EXPECT_EQ(exported.get("source_ip"), "2001:db8::1f");
  EXPECT_EQ(exported.get("object"), "/cases/2024/0042/\"final\" report.docx");
  EXPECT_EQ(exported.get("outcome"), "failure");
  EXPECT_EQ(rfc(exported.timestamp), "2024-05-14T09:01:13.000Z");

  // Kept though its bytes and outcome break the contract (both reported);
  // an action outside the documented list is kept without a report.
  EXPECT_EQ(p.events[3].get("bytes"), "about 3 MB");
  EXPECT_EQ(p.events[4].get("action"), "annotate");
  EXPECT_EQ(p.events[4].get("outcome"), "partial");
  // 64-bit byte counts.
  EXPECT_EQ(p.events[5].get("bytes"), "21474836480");
  EXPECT_EQ(p.events[5].line, 9u);
  // CRLF.
  EXPECT_EQ(p.events[6].get("action"), "logout");
  EXPECT_EQ(p.events[6].get("Computer"), "cms-01");

  ASSERT_EQ(p.issues.size(), 5u) << p.issue_text();
  EXPECT_EQ(p.issues[0].line, 4u);
  EXPECT_NE(p.issues[0].reason.find("\"bytes\""), std::string::npos);
  EXPECT_EQ(p.issues[1].line, 5u);
  EXPECT_NE(p.issues[1].reason.find("\"outcome\""), std::string::npos);
  EXPECT_EQ(p.issues[2].line, 6u);
  EXPECT_NE(p.issues[2].reason.find("without \"actor\""), std::string::npos);
  EXPECT_EQ(p.issues[3].line, 7u);
  EXPECT_NE(p.issues[3].reason.find("without \"timestamp\""), std::string::npos);
  EXPECT_EQ(p.issues[4].line, 8u);
  EXPECT_NE(p.issues[4].reason.find("not RFC 3339"), std::string::npos);
}

TEST(AuditTrail, EntriesMustBeObjectsWithTextValues) {
  FieldNames names;
  const Parsed p =
      parse_block(audit_trail_format(),
                  "{\"timestamp\":\"2024-01-01T00:00:00Z\",\"actor\":null,\"action\":\"read\"}\n"
                  "{\"timestamp\":\"2024-01-01T00:00:00Z\",\"actor\":\"a\",\"action\":\"\"}\n"
                  "[{\"timestamp\":\"2024-01-01T00:00:00Z\",\"actor\":\"a\",\"action\":\"read\"}]\n"
                  "not json\n",
                  names);
  ASSERT_EQ(p.events.size(), 1u) << p.issue_text();
  EXPECT_EQ(p.events[0].line, 3u);
  ASSERT_EQ(p.issues.size(), 3u) << p.issue_text();
}

TEST(AuditTrail, RecognisedAboveGenericJson) {
  const std::string head = testing::read_all(testing::fixture("audit_trail.jsonl"));
  EXPECT_GT(audit_trail_format().sniff(head, "x.log"), json_format().sniff(head, "x.log"));
  // Generic JSON, even with some of the keys, is not an audit trail.
  const std::string github =
      R"({"@timestamp":1715677200000,"actor":"octocat","action":"repo.create"})";
  EXPECT_EQ(audit_trail_format().sniff(github, "x.json"), 0);
  EXPECT_GT(json_format().sniff(github, "x.json"), 0);
  // Logins have no object; other actions without one are not enough.
  EXPECT_EQ(audit_trail_format().sniff(
                R"({"timestamp":"2024-01-01T00:00:00Z","actor":"a","action":"login"})", "x.log"),
            90);
  EXPECT_EQ(audit_trail_format().sniff(
                R"({"timestamp":"2024-01-01T00:00:00Z","actor":"a","action":"deploy"})", "x.log"),
            0);
}

}  // namespace
}  // namespace vigil::read
