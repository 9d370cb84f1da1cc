// report.html as a browser reads it: headless Chromium loads the page written
// from the sample findings and dumps the DOM it built. Checks that the parse
// kept the structure the writer meant (incident sections, the attempts chart
// with one bar group per day, need-to-know alerts) and that hostile text
// stayed text. Label e2e; skips when chromium is not installed.

#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "findings_fixture.h"
#include "vigil/report/html_report.h"

namespace vigil::report {
namespace {

namespace fs = std::filesystem;

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

bool have_chromium() { return std::system("command -v chromium >/dev/null 2>&1") == 0; }

TEST(HtmlReportBrowser, ChromiumBuildsTheExpectedDom) {
  if (!have_chromium()) {
    GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it); "
                    "report.html not checked in a browser";
  }
  const fs::path dir = findings_test::scratch_dir("browser");
  const fs::path page = dir / "report.html";
  ASSERT_TRUE(write_html_report(findings_test::sample_findings(), page).ok());

  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  const std::string command =
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run "
      "--user-data-dir='" +
      (dir / "profile").string() + "' --dump-dom 'file://" + page.string() + "' > '" +
      (dir / "dom.html").string() + "' 2> '" + (dir / "chromium.log").string() + "'";
  const int status = std::system(command.c_str());
  ASSERT_EQ(status, 0) << command << "\n" << findings_test::read_text(dir / "chromium.log");
  const std::string dom = findings_test::read_text(dir / "dom.html");
  ASSERT_FALSE(dom.empty()) << findings_test::read_text(dir / "chromium.log");

  // Incident sections, their chains in kill-chain order.
  EXPECT_EQ(count(dom, "id=\"incident-INC-001\""), 1u);
  EXPECT_EQ(count(dom, "id=\"incident-INC-002\""), 1u);
  EXPECT_EQ(count(dom, "<article class=\"incident "), 2u);
  const size_t credential = dom.find("data-tactic=\"credential-access\"");
  const size_t lateral = dom.find("data-tactic=\"lateral-movement\"");
  ASSERT_NE(credential, std::string::npos);
  EXPECT_LT(credential, lateral);

  // The chart: one bar group per day from 2026-10-01 to 2026-10-04, in order,
  // inside the SVG element (the parser did not move them out).
  const size_t chart = dom.find("<svg id=\"attempts-chart\"");
  const size_t chart_end = dom.find("</svg>", chart);
  ASSERT_NE(chart, std::string::npos);
  ASSERT_NE(chart_end, std::string::npos);
  const std::string svg = dom.substr(chart, chart_end - chart);
  std::vector<std::string> days;
  const std::regex day(R"re(<g class="day" data-date="([0-9-]+)")re");
  for (std::sregex_iterator it(svg.begin(), svg.end(), day), end; it != end; ++it) {
    days.push_back((*it)[1]);
  }
  EXPECT_EQ(days,
            (std::vector<std::string>{"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"}));
  EXPECT_EQ(count(svg, "<rect class=\"bar bar-"), 5u);
  EXPECT_EQ(count(svg, "class=\"legend-item\""), 5u);
  EXPECT_NE(svg.find("attempts per day"), std::string::npos);

  // Need-to-know alerts.
  EXPECT_NE(dom.find("id=\"need-to-know-table\""), std::string::npos);
  EXPECT_NE(dom.find("t.novak@court.local"), std::string::npos);

  // Who was hit: one row per exposed subject, gaps marked, and the
  // notifications region still whole (its markers are comments the parser
  // keeps, and a note that imitates the end marker stayed text).
  const size_t subjects = dom.find("<table id=\"exposed-subjects-table\">");
  ASSERT_NE(subjects, std::string::npos);
  const std::string subject_table = dom.substr(subjects, dom.find("</table>", subjects) - subjects);
  EXPECT_EQ(count(subject_table, "<tr id=\"subject-"), 3u);
  EXPECT_EQ(count(dom, "class=\"coverage-none gap\""), 1u);
  EXPECT_NE(dom.find("id=\"assets-reached-table\""), std::string::npos);
  EXPECT_NE(dom.find("id=\"footprints-table\""), std::string::npos);
  EXPECT_EQ(dom.find("SECRET-"), std::string::npos);
  EXPECT_EQ(count(dom, "<!-- vigil:notifications:begin -->"), 1u);
  EXPECT_EQ(count(dom, "<!-- vigil:notifications:end -->"), 1u);
  const size_t notifications = dom.find("<table id=\"notifications-table\">");
  ASSERT_NE(notifications, std::string::npos);
  EXPECT_LT(notifications, dom.find("<!-- vigil:notifications:end -->"));
  EXPECT_EQ(count(dom, "<tr class=\"status-"), 2u);

  // The evidence's markup is text in the DOM, not elements.
  EXPECT_EQ(dom.find("<script"), std::string::npos);
  EXPECT_NE(dom.find("&lt;script&gt;alert('x')&lt;/script&gt;"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vigil::report
