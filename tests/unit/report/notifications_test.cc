#include "vigil/report/notifications.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "notifications_fixture.h"
#include "vigil/core/limits.h"

namespace vigil::report {
namespace {

namespace fs = std::filesystem;
using assess::Regime;
using notify_test::expect_golden;
using notify_test::organisation;
using notify_test::sample_findings;
using notify_test::scratch_dir;

std::map<std::string, std::string> render_map(const assess::Findings& findings,
                                              const assess::Organisation& org,
                                              const NotifyOptions& options = {}) {
  auto rendered = render_notifications(findings, org, options);
  EXPECT_TRUE(rendered.ok()) << (rendered.ok() ? "" : rendered.error().to_string());
  std::map<std::string, std::string> files;
  if (!rendered.ok()) return files;
  for (const auto& [path, content] : rendered->files) {
    EXPECT_TRUE(files.emplace(path, content).second) << "twice: " << path;
  }
  return files;
}

// The golden folder of one case holds exactly the files rendered, and each
// matches byte for byte.
void expect_golden_case(const std::string& name, const std::map<std::string, std::string>& files) {
  for (const auto& [path, content] : files) expect_golden(name + "/" + path, content);
  if (notify_test::updating_golden()) return;
  std::set<std::string> stored;
  for (const auto& entry : fs::recursive_directory_iterator(notify_test::golden_dir() / name)) {
    if (entry.is_regular_file()) {
      stored.insert(fs::relative(entry.path(), notify_test::golden_dir() / name).generic_string());
    }
  }
  std::set<std::string> rendered;
  for (const auto& [path, content] : files) rendered.insert(path);
  EXPECT_EQ(stored, rendered) << "golden files of " << name << " and rendered files differ";
}

// A copy of the bundled templates, to change in a test.
fs::path copy_templates(const std::string& name) {
  const fs::path dir = scratch_dir(name);
  fs::copy(fs::path(VIGIL_SOURCE_DIR) / "templates/notify", dir, fs::copy_options::recursive);
  return dir;
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Whether `c` occurs without the backslash that makes it literal Markdown.
bool has_unescaped(const std::string& text, char c) {
  for (size_t i = text.find(c); i != std::string::npos; i = text.find(c, i + 1)) {
    if (i == 0 || text[i - 1] != '\\') return true;
  }
  return false;
}

// ---- golden files -------------------------------------------------------------

TEST(NotificationsGolden, GdprEveryFile) {
  // Both languages, the safety-review route, a fallback, awareness assumed,
  // nothing filled in: every "to be completed" marker shows.
  const auto files = render_map(sample_findings(), organisation(Regime::Kind::kGdpr));
  ASSERT_FALSE(files.empty());
  expect_golden_case("gdpr", files);
}

TEST(NotificationsGolden, RegimeNone) {
  const auto files = render_map(sample_findings(), organisation(Regime::Kind::kNone));
  ASSERT_TRUE(files.contains("authority_report.md"));
  expect_golden("none/authority_report.md", files.at("authority_report.md"));
  expect_golden("none/authority_report.html", files.at("authority_report.html"));
  // Without a DPO the letters name the organisation as the contact.
  expect_golden("none/letters/V-0001.en.md", files.at("letters/V-0001.en.md"));
}

TEST(NotificationsGolden, OwnDeadlineWithAwarenessMeasuresAndDelay) {
  NotifyOptions options;
  options.aware = parse_rfc3339("2026-10-09T12:00:00Z");
  options.measures =
      "Accounts of the attacker disabled and passwords reset.\n\n"
      "File server fs01 rebuilt from a clean image.\n";
  options.delay_reason = "The breach was confirmed only after the forensic review.";
  const auto files = render_map(sample_findings(), organisation(Regime::Kind::kDeadline), options);
  ASSERT_TRUE(files.contains("authority_report.md"));
  expect_golden("deadline_hours/authority_report.md", files.at("authority_report.md"));
  expect_golden("deadline_hours/authority_report.html", files.at("authority_report.html"));
  expect_golden("deadline_hours/letters/ST-0007.en.md", files.at("letters/ST-0007.en.md"));
  expect_golden("deadline_hours/letters/PS-VANTORIA.fr.md", files.at("letters/PS-VANTORIA.fr.md"));
}

// ---- what is written, and where ----------------------------------------------

TEST(Notifications, RoutesLanguagesAndLayout) {
  const auto files = render_map(sample_findings(), organisation(Regime::Kind::kGdpr));
  std::vector<std::string> paths;
  for (const auto& [path, content] : files) paths.push_back(path);
  const std::vector<std::string> expected = {
      "authority_report.html",  "authority_report.md",        "index.md",
      "letters/ASSOC-01.en.md", "letters/PS-VANTORIA.fr.md",  "letters/ST-0007.en.md",
      "letters/V-0001.en.md",   "safety_review/W-0001.fr.md", "safety_review/queue.md"};
  EXPECT_EQ(paths, expected);

  const std::string& draft = files.at("safety_review/W-0001.fr.md");
  EXPECT_TRUE(contains(draft, "PROJET : NE PAS ENVOYER"));
  EXPECT_TRUE(contains(draft, "Votre sécurité pourrait être menacée"));
  EXPECT_TRUE(contains(files.at("safety_review/queue.md"), "| W-0001 | protected\\_witness |"));
  EXPECT_FALSE(contains(files.at("safety_review/queue.md"), "V-0001"));

  const std::string& index = files.at("index.md");
  EXPECT_TRUE(contains(index, "| W-0001 | safety\\_review | fr | in\\_person | exfiltrated |"));
  EXPECT_TRUE(contains(index, "| V-0001 | letter | en | post | accessed |"));
  EXPECT_TRUE(contains(index,
                       "ASSOC-01: asked for `de`, no template in that language; written "
                       "in en."));

  // Addressed to the state party, delivered through it.
  const std::string& state = files.at("letters/PS-VANTORIA.fr.md");
  EXPECT_TRUE(contains(state,
                       "**Destinataire :** Embassy of Vantoria, The Hague, à l'intention "
                       "de Republic of Vantoria"));
  EXPECT_TRUE(contains(state, "par l'intermédiaire de l'État partie"));
  // An entity is not "Dear".
  EXPECT_TRUE(contains(files.at("letters/ASSOC-01.en.md"), "To Families of the Missing,"));
  EXPECT_TRUE(contains(files.at("letters/V-0001.en.md"), "Dear Jana Horvat,"));
  // At risk with a gap: said honestly and in plain words; the technical gap
  // is for the authority report, not the letter.
  const std::string& staff = files.at("letters/ST-0007.en.md");
  EXPECT_TRUE(contains(staff, "we cannot prove that it was not read"));
  EXPECT_TRUE(contains(staff, "our records do not cover the time of the incident"));
  EXPECT_FALSE(contains(staff, "fs02"));
  // An insider is not "the attacker".
  EXPECT_TRUE(contains(files.at("letters/V-0001.en.md"), "this person opened this data"));
}

TEST(Notifications, GdprDeadlineCountsFromFirstDetection) {
  const auto files = render_map(sample_findings(), organisation(Regime::Kind::kGdpr));
  const std::string& report = files.at("authority_report.md");
  EXPECT_TRUE(contains(report, "**Became aware of the breach:** 2026-10-02T08:15:02Z (assumed)"));
  EXPECT_TRUE(contains(report, "**Deadline:** 2026-10-05T08:15:02Z"));
  EXPECT_TRUE(contains(report, "first detection of INC-001"));
  // The deadline falls before the last event: the report says it is late.
  EXPECT_TRUE(contains(report, "this report is late"));
  EXPECT_TRUE(contains(report, "**TO BE COMPLETED** if this report is sent after"));
}

TEST(Notifications, RegimeNoneHasNoDeadline) {
  const auto files = render_map(sample_findings(), organisation(Regime::Kind::kNone));
  const std::string& report = files.at("authority_report.md");
  EXPECT_TRUE(contains(report, "No legal deadline applies"));
  EXPECT_FALSE(contains(report, "Deadline"));
  EXPECT_FALSE(contains(report, "Reasons for the delay"));
}

TEST(Notifications, NothingExposedWritesOnlyTheIndex) {
  assess::Findings findings = sample_findings();
  findings.impact.subjects.clear();
  const auto files = render_map(findings, organisation(Regime::Kind::kGdpr));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(contains(files.at("index.md"), "No subject is exposed"));
}

TEST(Notifications, SameBytesEveryTime) {
  const auto a = render_map(sample_findings(), organisation(Regime::Kind::kGdpr));
  const auto b = render_map(sample_findings(), organisation(Regime::Kind::kGdpr));
  EXPECT_EQ(a, b);
}

// ---- the organisation's templates ----------------------------------------------

TEST(NotificationTemplates, FolderReplacesTheBundledOnes) {
  const fs::path dir = copy_templates("override");
  write(dir / "en/letter.md.mustache", "Custom letter for {{subject.name}} ({{exposure_level}})\n");
  // A language the bundled set lacks, matched by primary tag.
  write(dir / "de/letter.md.mustache", "Brief an {{subject.name}}\n");
  NotifyOptions options;
  options.templates = dir;
  const auto files = render_map(sample_findings(), organisation(Regime::Kind::kGdpr), options);
  EXPECT_EQ(files.at("letters/V-0001.en.md"), "Custom letter for Jana Horvat (accessed)\n");
  EXPECT_EQ(files.at("letters/ASSOC-01.de.md"), "Brief an Families of the Missing\n");
  EXPECT_FALSE(contains(files.at("index.md"), "ASSOC-01: asked for"));
  fs::remove_all(dir);
}

TEST(NotificationTemplates, BundledAreTheSourceFolder) {
  // The compiled-in copies are today's templates/notify, and a folder given
  // as an option renders exactly as the bundled set does.
  NotifyOptions options;
  options.templates = fs::path(VIGIL_SOURCE_DIR) / "templates/notify";
  const auto from_folder =
      render_map(sample_findings(), organisation(Regime::Kind::kGdpr), options);
  const auto bundled = render_map(sample_findings(), organisation(Regime::Kind::kGdpr));
  EXPECT_EQ(from_folder, bundled);
  const std::string& html = bundled.at("authority_report.html");
  EXPECT_TRUE(contains(html,
                       "content=\"default-src 'none'; style-src 'unsafe-inline'; "
                       "img-src data:\""));
  EXPECT_FALSE(contains(html, "<script"));
}

TEST(NotificationTemplates, LanguageWithoutTemplateFallsBackToEnglish) {
  const fs::path dir = copy_templates("fallback");
  fs::remove_all(dir / "fr");
  NotifyOptions options;
  options.templates = dir;
  const auto files = render_map(sample_findings(), organisation(Regime::Kind::kGdpr), options);
  EXPECT_TRUE(files.contains("letters/PS-VANTORIA.en.md"));
  EXPECT_TRUE(files.contains("safety_review/W-0001.en.md"));
  EXPECT_TRUE(contains(files.at("index.md"), "PS-VANTORIA: asked for `fr`"));
  fs::remove_all(dir);
}

TEST(NotificationTemplates, RegionalTagUsesItsLanguage) {
  assess::Findings findings = sample_findings();
  findings.impact.subjects[0].language = "fr-BE";
  const auto files = render_map(findings, organisation(Regime::Kind::kGdpr));
  EXPECT_TRUE(files.contains("letters/ASSOC-01.fr.md"));
  EXPECT_TRUE(contains(files.at("index.md"), "ASSOC-01: asked for `fr-BE`"));
}

TEST(NotificationTemplates, MissingRequiredFileIsNamed) {
  const fs::path dir = copy_templates("missing");
  fs::remove(dir / "authority_report.html.mustache");
  NotifyOptions options;
  options.templates = dir;
  auto rendered =
      render_notifications(sample_findings(), organisation(Regime::Kind::kGdpr), options);
  ASSERT_FALSE(rendered.ok());
  EXPECT_EQ(rendered.error().code, Errc::kNotFound);
  EXPECT_EQ(rendered.error().source, (dir / "authority_report.html.mustache").string());

  // A language folder without its letter is an error too.
  write(dir / "authority_report.html.mustache", "x\n");
  fs::create_directories(dir / "it");
  rendered = render_notifications(sample_findings(), organisation(Regime::Kind::kGdpr), options);
  ASSERT_FALSE(rendered.ok());
  EXPECT_EQ(rendered.error().source, (dir / "it/letter.md.mustache").string());
  fs::remove_all(dir);
}

TEST(NotificationTemplates, NotAFolder) {
  NotifyOptions options;
  options.templates = "/nonexistent/vigil-templates";
  auto rendered =
      render_notifications(sample_findings(), organisation(Regime::Kind::kGdpr), options);
  ASSERT_FALSE(rendered.ok());
  EXPECT_EQ(rendered.error().source, "/nonexistent/vigil-templates");
}

struct BrokenCase {
  const char* text;
  const char* message;
};

TEST(NotificationTemplates, BrokenTemplateNamesFileAndPlace) {
  const BrokenCase cases[] = {
      {"Dear {{subject.name}},\n{{#exposure.accessed}}\nread\n", "Unclosed section"},
      {"Dear {{subject.name}\n", "Unclosed tag at line 1, column 6"},
      {"ok\n{{/assets}}\n", "Unopened section"},
      {"Dear {{subjet.name}},\n", "unknown variable \"subjet.name\" at line 1, column 6"},
      {"x\n  {{{subject.name}}}\n", "unescaped; write {{name}}"},
      {"{{& subject.name}}\n", "unescaped"},
      {"{{> header}}\n", "partials"},
      {"{{=<% %>=}}\n", "delimiters"},
      {"{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}"
       "{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}"
       "{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}"
       "{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}"
       "{{#data.a}}\n",
       "nested deeper than 32"},
  };
  for (const BrokenCase& c : cases) {
    const fs::path dir = copy_templates("broken");
    write(dir / "fr/letter.md.mustache", c.text);
    NotifyOptions options;
    options.templates = dir;
    auto rendered =
        render_notifications(sample_findings(), organisation(Regime::Kind::kGdpr), options);
    ASSERT_FALSE(rendered.ok()) << c.text;
    EXPECT_EQ(rendered.error().source, (dir / "fr/letter.md.mustache").string()) << c.text;
    EXPECT_TRUE(contains(rendered.error().message, c.message))
        << c.text << " -> " << rendered.error().message;
    fs::remove_all(dir);
  }
}

// ---- templates given as text ----------------------------------------------------

TEST(NotificationTemplates, TextRendersAsTheFileDoes) {
  const assess::Findings findings = sample_findings();
  const assess::Organisation org = organisation(Regime::Kind::kGdpr);
  const std::map<std::string, std::string> files = render_map(findings, org);
  const fs::path source = fs::path(VIGIL_SOURCE_DIR) / "templates/notify";
  // By subject id: ASSOC-01, PS-VANTORIA, ST-0007, V-0001, W-0001.
  auto letter = render_template_text(notify_test::read_text(source / "en/letter.md.mustache"),
                                     TemplateRole::kLetter, findings, org, {}, 3);
  ASSERT_TRUE(letter.ok()) << letter.error().to_string();
  EXPECT_EQ(letter.value(), files.at("letters/V-0001.en.md"));
  auto html =
      render_template_text(notify_test::read_text(source / "authority_report.html.mustache"),
                           TemplateRole::kAuthorityHtml, findings, org, {});
  ASSERT_TRUE(html.ok()) << html.error().to_string();
  EXPECT_EQ(html.value(), files.at("authority_report.html"));

  auto beyond = render_template_text("x", TemplateRole::kLetter, findings, org, {}, 5);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().code, Errc::kNotFound);
  auto typo = render_template_text("{{subjet.name}}", TemplateRole::kLetter, findings, org, {}, 0,
                                   "mine.mustache");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().source, "mine.mustache");
  const std::string huge(limits::kMaxTemplateBytes + 1, 'x');
  auto large = render_template_text(huge, TemplateRole::kLetter, findings, org, {});
  ASSERT_FALSE(large.ok());
  EXPECT_EQ(large.error().code, Errc::kLimitExceeded);
}

// Each level walks the one inside once per item: 3^32 walks unless stopped.
TEST(NotificationTemplates, SectionsNestedOverListsStopAtTheRenderBudget) {
  std::string text;
  for (int i = 0; i < 32; ++i) text += "{{#by_exposure}}";
  text += "{{count}} {{organisation.name}}\n";
  for (int i = 0; i < 32; ++i) text += "{{/by_exposure}}";
  auto rendered = render_template_text(text, TemplateRole::kAuthorityMarkdown, sample_findings(),
                                       organisation(Regime::Kind::kGdpr), {}, 0, "nested");
  ASSERT_FALSE(rendered.ok());
  EXPECT_EQ(rendered.error().code, Errc::kLimitExceeded);
  EXPECT_EQ(rendered.error().source, "nested");
  EXPECT_TRUE(contains(rendered.error().message, "sections nested over lists"));
}

// ---- hostile values -------------------------------------------------------------

TEST(Notifications, HostileValuesAreEscaped) {
  assess::Findings findings = sample_findings();
  const std::string hostile =
      "# Heading\n[link](https://evil.example) `code` |pipe| *b* _i_ <script>alert(1)</script> "
      "&amp; \x01\x1b[31m bad\xff \xe2\x80\xae";
  findings.impact.subjects[3].name = hostile;       // V-0001
  findings.impact.assets[1].description = hostile;  // the victims' files
  findings.incidents[1].hosts = {"<img src=x onerror=alert(1)>"};
  findings.impact.coverage.locations[1].gap = hostile;
  const auto files = render_map(findings, organisation(Regime::Kind::kGdpr));

  for (const char* path : {"letters/V-0001.en.md", "authority_report.md", "index.md"}) {
    const std::string& text = files.at(path);
    EXPECT_FALSE(contains(text, "\n# Heading")) << path;
    EXPECT_FALSE(contains(text, "[link](")) << path;
    EXPECT_FALSE(has_unescaped(text, '<')) << path;
    EXPECT_FALSE(contains(text, "\x1b")) << path;
    EXPECT_FALSE(contains(text, "\xe2\x80\xae")) << path;
  }
  const std::string& letter = files.at("letters/V-0001.en.md");
  EXPECT_TRUE(contains(letter,
                       "Dear \\# Heading \\[link\\](https://evil.example) \\`code\\` "
                       "\\|pipe\\| \\*b\\* \\_i\\_ \\<script\\>alert(1)\\</script\\> "
                       "\\&amp; \xEF\xBF\xBD\xEF\xBF\xBD\\[31m bad\xEF\xBF\xBD "
                       "\xEF\xBF\xBD,"));
  // A table row stays one row: the pipe and the line break cannot split it.
  const std::string& report = files.at("authority_report.md");
  EXPECT_TRUE(contains(report, "| case-2024-017-victims | \\# Heading \\[link\\]"));

  const std::string& html = files.at("authority_report.html");
  EXPECT_FALSE(contains(html, "<script"));
  EXPECT_FALSE(contains(html, "<img"));
  EXPECT_TRUE(contains(html, "&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_TRUE(contains(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp;"));
}

TEST(MarkdownText, Escapes) {
  auto md = [](std::string_view text) {
    std::string out;
    append_markdown_text(out, text);
    return out;
  };
  EXPECT_EQ(md("plain text, 2024-017"), "plain text, 2024-017");
  EXPECT_EQ(md("C:\\Windows\\System32\\net.exe"), "C:\\Windows\\System32\\net.exe");
  EXPECT_EQ(md("\\\\fs01\\cases\\*"), "\\\\\\fs01\\cases\\\\\\*");
  EXPECT_EQ(md("ends in \\"), "ends in \\\\");
  EXPECT_EQ(md("- item"), "\\- item");
  EXPECT_EQ(md("+ 1"), "\\+ 1");
  EXPECT_EQ(md("+31 70 555 0100"), "+31 70 555 0100");
  EXPECT_EQ(md("-x"), "-x");
  EXPECT_EQ(md("-\nx"), "\\- x");
  EXPECT_EQ(md("---"), "\\---");
  EXPECT_EQ(md("=== x"), "\\=== x");
  EXPECT_EQ(md("12. point"), "12\\. point");
  EXPECT_EQ(md("3) point"), "3\\) point");
  EXPECT_EQ(md("3)"), "3\\)");
  EXPECT_EQ(md("12.5 MB"), "12.5 MB");
  EXPECT_EQ(md("2024-017"), "2024-017");
  EXPECT_EQ(md("a-b + c"), "a-b + c");
  EXPECT_EQ(md("Smith & Co &copy; &#60;"), "Smith & Co \\&copy; \\&\\#60;");
  EXPECT_EQ(md("a\tb\r\nc"), "a b  c");
  EXPECT_EQ(md("~~gone~~"), "\\~\\~gone\\~\\~");
  EXPECT_EQ(md("\xc2\x85"), "\xEF\xBF\xBD");        // NEL, a C1 control
  EXPECT_EQ(md("\xe2\x81\xa6x"), "\xEF\xBF\xBDx");  // U+2066, bidi isolate
  EXPECT_EQ(md("é café 中文"), "é café 中文");
  EXPECT_EQ(md("\xc3"), "\xEF\xBF\xBD");
}

// ---- writing -------------------------------------------------------------------

TEST(Notifications, WritesEveryFileUnderNotifications) {
  auto rendered = render_notifications(sample_findings(), organisation(Regime::Kind::kGdpr), {});
  ASSERT_TRUE(rendered.ok());
  const fs::path dir = scratch_dir("write");
  auto written = write_notifications(rendered.value(), dir);
  ASSERT_TRUE(written.ok()) << written.error().to_string();
  ASSERT_EQ(written->size(), rendered->files.size());
  for (size_t i = 0; i < written->size(); ++i) {
    const fs::path expected = dir / "notifications" / rendered->files[i].first;
    EXPECT_EQ((*written)[i], expected.string());
    EXPECT_EQ(notify_test::read_text(expected), rendered->files[i].second);
    EXPECT_FALSE(fs::exists(fs::path(expected.string() + ".tmp")));
  }
  fs::remove_all(dir);
}

TEST(Notifications, WriteRefusesPathsOutsideTheFolder) {
  const fs::path dir = scratch_dir("escape");
  for (const char* path : {"../x.md", "/tmp/x.md", "letters/../../x.md", ""}) {
    Notifications n;
    n.files.emplace_back(path, "x");
    auto written = write_notifications(n, dir);
    EXPECT_FALSE(written.ok()) << path;
  }
  EXPECT_FALSE(fs::exists(dir / "x.md"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vigil::report
