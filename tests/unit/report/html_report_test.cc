// report.html: the golden page, its stable hooks (ids, classes, one bar group
// per day), escaping of hostile values, and that it asks for nothing outside
// itself.

#include "vigil/report/html_report.h"

#include <random>
#include <regex>

#include <gtest/gtest.h>

#include "findings_fixture.h"
#include "vigil/core/utf.h"

namespace vigil::report {
namespace {

using findings_test::sample_findings;

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(HtmlReport, MatchesGolden) {
  findings_test::expect_golden("report.html", html_report(sample_findings()));
}

TEST(HtmlReport, SameFindingsSameBytes) {
  EXPECT_EQ(html_report(sample_findings()), html_report(sample_findings()));
}

TEST(HtmlReport, Sections) {
  const std::string page = html_report(sample_findings());
  for (const char* id : {"summary", "timeline", "incidents", "attempts", "need-to-know",
                         "incident-INC-001", "incident-INC-002", "attempts-chart", "attempts-table",
                         "incident-timeline", "need-to-know-table"}) {
    EXPECT_EQ(count(page, std::string("id=\"") + id + "\""), 1u) << id;
  }
  EXPECT_NE(page.find("<article class=\"incident class-espionage\" id=\"incident-INC-001\">"),
            std::string::npos);
}

TEST(HtmlReport, WhoWasHit) {
  const std::string page = html_report(sample_findings());
  for (const char* id : {"impact", "exposed-subjects-table", "assets-reached-table",
                         "coverage-table", "footprints-table", "notifications",
                         "notifications-table", "subject-S-0001", "not-exposed"}) {
    EXPECT_EQ(count(page, std::string("id=\"") + id + "\""), 1u) << id;
  }
  EXPECT_NE(page.find("<h2>Who was hit</h2>"), std::string::npos);
  EXPECT_NE(page.find("<dd id=\"figure-exfiltrated\">1</dd>"), std::string::npos);
  EXPECT_NE(page.find("<dd id=\"figure-accessed\">1</dd>"), std::string::npos);
  EXPECT_NE(page.find("<dd id=\"figure-at_risk\">1</dd>"), std::string::npos);
  EXPECT_NE(page.find("<dd id=\"figure-not-exposed\">2</dd>"), std::string::npos);
  EXPECT_NE(page.find("<dd id=\"figure-coverage-gaps\">2</dd>"), std::string::npos);
  EXPECT_EQ(count(page, "<tr id=\"subject-"), 3u);
  EXPECT_NE(page.find("<tr id=\"subject-ST-FR\" class=\"exposure-at_risk\">"),
            std::string::npos);
  // Gaps stand out; a covered location does not.
  EXPECT_EQ(count(page, "<tr class=\"coverage-none gap\">"), 1u);
  EXPECT_EQ(count(page, "<tr class=\"coverage-partial gap\">"), 1u);
  EXPECT_EQ(count(page, "<tr class=\"coverage-covered\">"), 1u);
  EXPECT_NE(page.find("no log source during the window"), std::string::npos);
  // Evidence of assets and subjects, folded.
  EXPECT_EQ(count(page, "<details class=\"asset-evidence\""), 1u);
  EXPECT_EQ(count(page, "<details class=\"subject-evidence\""), 2u);
  EXPECT_NE(page.find("record 20,931"), std::string::npos);
  // Names and contact addresses stay in the inventory and the notifications.
  EXPECT_EQ(page.find("SECRET-"), std::string::npos);
  EXPECT_EQ(page.find("Witness W-17"), std::string::npos);
  // Hostile reasons stay text.
  EXPECT_NE(page.find("&lt;b&gt;read&lt;/b&gt; by m.keller@court.local &amp; copied\xEF\xBF\xBD"),
            std::string::npos);
}

TEST(HtmlReport, NotificationsBetweenMarkers) {
  const std::string page = html_report(sample_findings());
  EXPECT_EQ(count(page, kNotificationsBegin), 1u);
  EXPECT_EQ(count(page, kNotificationsEnd), 1u);
  const size_t begin = page.find(kNotificationsBegin);
  const size_t end = page.find(kNotificationsEnd);
  ASSERT_LT(begin, end);
  const std::string region = page.substr(begin, end + std::string(kNotificationsEnd).size() - begin);
  EXPECT_EQ(region, notifications_section(sample_findings().impact.notifications));
  EXPECT_EQ(count(region, "<tr class=\"status-"), 2u);
  EXPECT_NE(region.find("<tr class=\"status-reviewed route-safety_review\">"), std::string::npos);
  EXPECT_NE(region.find("0 drafted, 1 reviewed, 1 sent, 0 acknowledged."), std::string::npos);
  // A note that tries to end the region early is text.
  EXPECT_NE(region.find("--&gt; &lt;!-- vigil:notifications:end --&gt; &amp; &#39;posted&#39;"),
            std::string::npos);
  EXPECT_NE(region.find("&lt;i&gt;clerk&lt;/i&gt;"), std::string::npos);
  // Alone on its lines.
  EXPECT_EQ(page[begin - 1], '\n');
  EXPECT_EQ(page[end + std::string(kNotificationsEnd).size()], '\n');
}

TEST(HtmlReport, NotificationsRegionIsReplaced) {
  assess::Findings findings = sample_findings();
  std::string page = html_report(findings);
  findings.impact.notifications[0].status = "sent";
  findings.impact.notifications[0].at = "2026-10-07T08:00:00Z";
  findings.impact.notifications.push_back(
      {"ST-FR", "letter", "drafted", "", "", ""});
  ASSERT_TRUE(replace_notifications_section(page, findings.impact.notifications).ok());
  EXPECT_EQ(page, html_report(findings));
  findings.impact.notifications.clear();
  ASSERT_TRUE(replace_notifications_section(page, findings.impact.notifications).ok());
  EXPECT_EQ(page, html_report(findings));
  EXPECT_NE(page.find("No notifications."), std::string::npos);

  std::string other = "<html><body>no region</body></html>";
  const auto missing = replace_notifications_section(other, findings.impact.notifications);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
  EXPECT_EQ(other, "<html><body>no region</body></html>");
}

TEST(HtmlReport, NotificationsRegionOfAFile) {
  const auto dir = findings_test::scratch_dir("html-notify");
  const auto path = dir / "report.html";
  assess::Findings findings = sample_findings();
  ASSERT_TRUE(write_html_report(findings, path).ok());
  findings.impact.notifications[1].status = "acknowledged";
  ASSERT_TRUE(rewrite_notifications_section(path, findings.impact.notifications).ok());
  EXPECT_EQ(findings_test::read_text(path), html_report(findings));
  EXPECT_FALSE(std::filesystem::exists(dir / "report.html.tmp"));
  const auto missing = rewrite_notifications_section(dir / "none.html", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kIoError);
  std::filesystem::remove_all(dir);
}

TEST(HtmlReport, ChainInKillChainOrder) {
  const std::string page = html_report(sample_findings());
  const size_t discovery = page.find("data-tactic=\"discovery\"");
  const size_t credential = page.find("data-tactic=\"credential-access\"");
  const size_t lateral = page.find("data-tactic=\"lateral-movement\"");
  // Grouped by tactic in the incident's kill-chain order, not by time (the
  // discovery step came first).
  ASSERT_NE(credential, std::string::npos);
  EXPECT_LT(credential, discovery);
  EXPECT_LT(discovery, lateral);
  EXPECT_NE(page.find("<h5>Credential Access</h5>"), std::string::npos);
  // INC-002's step has no tactic.
  EXPECT_NE(page.find("data-tactic=\"none\""), std::string::npos);
  EXPECT_NE(page.find("evidence, not attribution"), std::string::npos);

  // A tactic named twice still gets one group.
  assess::Findings twice = sample_findings();
  twice.incidents[0].tactics.push_back("discovery");
  EXPECT_EQ(count(html_report(twice), "data-tactic=\"discovery\""), 1u);
}

TEST(HtmlReport, OneBarGroupPerDayGapsIncluded) {
  const std::string page = html_report(sample_findings());
  // 2026-10-01 to 2026-10-04: four days, 10-03 without attempts.
  EXPECT_EQ(count(page, "<g class=\"day\""), 4u);
  EXPECT_NE(page.find("<g class=\"day\" data-date=\"2026-10-03\"><text"), std::string::npos);
  EXPECT_EQ(count(page, "<rect class=\"bar bar-"), 5u);
  EXPECT_EQ(count(page, "<g class=\"legend-item\""), 5u);
  EXPECT_NE(page.find("data-count=\"412\""), std::string::npos);
  EXPECT_NE(page.find("attempts per day</text>"), std::string::npos);
  EXPECT_NE(page.find("day (UTC)</text>"), std::string::npos);
}

TEST(HtmlReport, FarApartDatesAreNotFilled) {
  assess::Findings findings = sample_findings();
  findings.attempts[0].date = "1601-01-01";
  const std::string page = html_report(findings);
  EXPECT_EQ(count(page, "<g class=\"day\""), 4u);  // the four dates that have counts
}

TEST(HtmlReport, HostileValuesAreEscaped) {
  assess::Findings findings = sample_findings();
  findings.incidents[0].hosts = {"<img src=x onerror=alert(1)>"};
  findings.incidents[0].id = "INC-001\" onmouseover=\"x";
  findings.need_to_know[0].sensitivity = "critical\"><script>";
  const std::string page = html_report(findings);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("onmouseover=\""), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"),
            std::string::npos);
  EXPECT_NE(page.find("id=\"incident-INC-001__onmouseover__x\""), std::string::npos);
  // Control characters and invalid UTF-8 become U+FFFD.
  EXPECT_NE(page.find("bad\xEF\xBF\xBD"
                      "bytes\xEF\xBF\xBD"
                      "end"),
            std::string::npos);
}

TEST(HtmlReport, SelfContained) {
  const std::string page = html_report(sample_findings());
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page.find("@import"), std::string::npos);
  EXPECT_EQ(page.find("url("), std::string::npos);
  EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_NE(page.find("Content-Security-Policy"), std::string::npos);
}

TEST(HtmlReport, NothingFound) {
  assess::Findings findings;
  const std::string page = html_report(findings);
  EXPECT_NE(page.find("No incidents."), std::string::npos);
  EXPECT_NE(page.find("No attack attempts counted."), std::string::npos);
  EXPECT_NE(page.find("No inventory was given"), std::string::npos);
  EXPECT_NE(page.find("was not assessed"), std::string::npos);
  EXPECT_EQ(page.find("id=\"exposed-subjects-table\""), std::string::npos);
  // The region is there for `vigil notify mark` even when empty.
  EXPECT_NE(page.find(kNotificationsBegin), std::string::npos);
  EXPECT_NE(page.find("No notifications."), std::string::npos);
  EXPECT_EQ(page.find("id=\"attempts-chart\""), std::string::npos);
  findings.inventory_given = true;
  EXPECT_NE(html_report(findings).find("No account read an asset"), std::string::npos);
  EXPECT_NE(html_report(findings).find("No asset of the inventory was reached."),
            std::string::npos);
}

TEST(HtmlReport, AppendHtmlText) {
  std::string out;
  append_html_text(out, "a&b<c>d\"e'f\tg\x7fh\xc2\x85i\xe2\x82\xac");
  EXPECT_EQ(out, "a&amp;b&lt;c&gt;d&quot;e&#39;f\tg\xEF\xBF\xBDh\xEF\xBF\xBDi\xe2\x82\xac");
  // Bidirectional overrides and isolates go; other punctuation of that block stays.
  out.clear();
  append_html_text(out, "a\xe2\x80\xae" "exe.txt\xe2\x81\xa6" "b\xe2\x80\x94" "c");
  EXPECT_EQ(out, "a\xEF\xBF\xBD" "exe.txt\xEF\xBF\xBD" "b\xe2\x80\x94" "c");
}

TEST(HtmlReport, WritesTheFile) {
  const auto dir = findings_test::scratch_dir("html");
  ASSERT_TRUE(write_html_report(sample_findings(), dir / "report.html").ok());
  EXPECT_EQ(findings_test::read_text(dir / "report.html"), html_report(sample_findings()));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil::report

namespace vigil::report {
namespace {

// Random bytes in every text field: the page keeps exactly the markup it has
// with harmless text (same number of '<'), so no value opened an element.
TEST(HtmlReport, RandomBytesNeverBecomeMarkup) {
  // Distinct harmless values, as random ones are: the page's structure
  // depends on which values are equal (tactics, classes) and empty.
  assess::Findings plain = sample_findings();
  int serial = 0;
  findings_test::for_each_text(plain, [&](std::string& text) { text = std::to_string(++serial); });
  const size_t tags = count(html_report(plain), "<");
  std::mt19937 random(20261129);
  for (int round = 0; round < 200; ++round) {
    assess::Findings hostile = sample_findings();
    findings_test::for_each_text(hostile, [&](std::string& text) {
      text.assign(1 + random() % 40, '\0');
      for (char& c : text) {
        // Markup characters often, any byte at all otherwise.
        const uint32_t pick = random() % 8;
        c = pick == 0 ? '<' : pick == 1 ? '"' : pick == 2 ? '&' : static_cast<char>(random());
      }
    });
    const std::string page = html_report(hostile);
    ASSERT_EQ(count(page, "<"), tags) << "round " << round;
    ASSERT_TRUE(is_valid_utf8(page)) << "round " << round;
  }
}

}  // namespace
}  // namespace vigil::report
