// Location patterns: forms, glob syntax, normalisation of texts (Windows case
// and separators, UNC servers, NT prefixes, URL decoding, dot segments) and
// the inventory's prefix index.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "vigil/assess/inventory.h"

namespace vigil::assess {
namespace {

using Form = LocationPattern::Form;

LocationPattern compile(std::string_view pattern) {
  auto p = LocationPattern::compile(pattern);
  EXPECT_TRUE(p.ok()) << pattern << ": " << (p.ok() ? "" : p.error().message);
  return p.ok() ? p.value() : LocationPattern();
}

bool path_matches(std::string_view pattern, std::string_view text) {
  return compile(pattern).matches(text, LocationKind::kPath);
}
bool url_matches(std::string_view pattern, std::string_view text) {
  return compile(pattern).matches(text, LocationKind::kUrl);
}
bool object_matches(std::string_view pattern, std::string_view text) {
  return compile(pattern).matches(text, LocationKind::kObject);
}

std::string normalised(std::string_view text, Form form) {
  std::string scratch;
  return std::string(normalise_location(text, form, scratch));
}

TEST(LocationPattern, RecognisesForms) {
  EXPECT_EQ(compile("D:\\Shares\\**").form(), Form::kWindows);
  EXPECT_EQ(compile("d:/shares/**").form(), Form::kWindows);
  EXPECT_EQ(compile("\\\\fs01\\cases\\*").form(), Form::kWindows);
  EXPECT_EQ(compile("/srv/cases/**").form(), Form::kLinux);
  EXPECT_EQ(compile("url:/cases/**").form(), Form::kUrl);
  EXPECT_EQ(compile("object:case/2024-017/*").form(), Form::kObject);
  EXPECT_EQ(compile("object:case/1").text(), "object:case/1");
}

TEST(LocationPattern, RejectsBadPatternsWithTheirOffset) {
  struct Case {
    const char* pattern;
    const char* message_part;
    uint64_t offset;
  };
  const Case cases[] = {
      {"", "empty", 0},
      {"D:\\cases\\[abc", "'[' is not closed", 9},
      {"/srv/[abc/x]", "'[' is not closed", 5},
      {"/srv/a**", "whole path segment", 6},
      {"/srv/**b", "whole path segment", 5},
      {"/srv/***", "whole path segment", 5},
      {"s3:bucket/**", "unknown location kind 's3:'", 0},
      {"https://www.court.example/**", "url: and its path", 0},
      {"cases/**", "not a location", 0},
      {"*.pdf", "not a location", 0},
      {"url:cases", "starts with '/'", 4},
      {"object:", "empty", 7},
      {"/srv/./x", "'.' and '..'", 5},
      {"url:/a/%2e%2e/b", "'.' and '..'", 7},
      {"D:\\a\\..\\b", "'.' and '..'", 5},
      {"\\\\?\\D:\\x", "prefix", 0},
      {"\\\\\\share", "names a server", 0},
      {"/x/[b-a]", "backwards", 4},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.pattern);
    auto p = LocationPattern::compile(c.pattern);
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find(c.message_part), std::string::npos) << p.error().message;
    EXPECT_EQ(p.error().offset, c.offset);
    EXPECT_EQ(p.error().code, Errc::kInvalidArgument);
  }
  EXPECT_FALSE(LocationPattern::compile("/" + std::string(5000, 'a')).ok());
  // `.` and `..` are ordinary names in object ids.
  EXPECT_TRUE(LocationPattern::compile("object:a/../b").ok());
}

TEST(LocationPattern, WindowsIsCaseInsensitiveWithEitherSeparator) {
  const char* p = "D:\\Shares\\cases\\2024-017\\**";
  EXPECT_TRUE(path_matches(p, "D:\\Shares\\cases\\2024-017\\witnesses\\W-0001.pdf"));
  EXPECT_TRUE(path_matches(p, "d:\\SHARES\\Cases\\2024-017\\a.txt"));
  EXPECT_TRUE(path_matches(p, "d:/shares/cases/2024-017/a/b/c"));
  EXPECT_TRUE(path_matches(p, "D:\\Shares\\cases\\2024-017"));   // ** matches no segment
  EXPECT_TRUE(path_matches(p, "D:\\Shares\\cases\\2024-017\\"));
  EXPECT_FALSE(path_matches(p, "D:\\Shares\\cases\\2024-0170\\a"));
  EXPECT_FALSE(path_matches(p, "C:\\Shares\\cases\\2024-017\\a"));
  EXPECT_FALSE(path_matches(p, "/Shares/cases/2024-017/a"));
  EXPECT_TRUE(path_matches("d:/shares/**", "D:\\Shares\\x"));
  // Letters beyond ASCII fold too.
  EXPECT_TRUE(path_matches("D:\\Akten\\Zeugenaussagen\\ÄRZTE\\*", "d:\\akten\\zeugenaussagen\\ärzte\\x"));
  EXPECT_TRUE(path_matches("D:\\ΑΡΧΕΙΑ\\*", "d:\\αρχεια\\x"));
  EXPECT_TRUE(path_matches("D:\\ДЕЛА\\*", "d:\\дела\\x"));
  EXPECT_TRUE(path_matches("D:\\ŁÓDŹ\\*", "d:\\łódź\\x"));
}

TEST(LocationPattern, UncPaths) {
  const char* p = "\\\\fs01\\cases\\2024-017\\witnesses\\*";
  EXPECT_TRUE(path_matches(p, "\\\\fs01\\cases\\2024-017\\witnesses\\W-0001.pdf"));
  EXPECT_TRUE(path_matches(p, "\\\\FS01\\Cases\\2024-017\\Witnesses\\w.pdf"));
  EXPECT_TRUE(path_matches(p, "\\\\fs01.court.local\\cases\\2024-017\\witnesses\\w.pdf"));
  EXPECT_TRUE(path_matches(p, "\\\\?\\UNC\\fs01\\cases\\2024-017\\witnesses\\w.pdf"));
  EXPECT_FALSE(path_matches(p, "//fs01/cases/2024-017/witnesses/w.pdf"));  // a Linux path
  EXPECT_FALSE(path_matches(p, "\\\\fs02\\cases\\2024-017\\witnesses\\w.pdf"));
  EXPECT_FALSE(path_matches(p, "\\\\fs01\\cases\\2024-017\\witnesses\\sub\\w.pdf"));
  EXPECT_FALSE(path_matches(p, "D:\\cases\\2024-017\\witnesses\\w.pdf"));
  // Addresses are not cut at their dots.
  EXPECT_TRUE(path_matches("\\\\10.0.0.5\\cases\\*", "\\\\10.0.0.5\\CASES\\x"));
  EXPECT_FALSE(path_matches("\\\\10.0.0.5\\cases\\*", "\\\\10.0.0.6\\cases\\x"));
  // A pattern may name the server by its full name too.
  EXPECT_TRUE(path_matches("\\\\fs01.court.local\\cases\\**", "\\\\FS01\\cases\\a"));
}

TEST(LocationPattern, NtPrefixesAndDotSegments) {
  const char* p = "C:\\Cases\\**";
  EXPECT_TRUE(path_matches(p, "\\??\\C:\\Cases\\a"));
  EXPECT_TRUE(path_matches(p, "\\\\?\\C:\\Cases\\a"));
  EXPECT_TRUE(path_matches(p, "\\\\.\\C:\\Cases\\a"));
  EXPECT_TRUE(path_matches(p, "C:\\Public\\..\\Cases\\a"));
  EXPECT_TRUE(path_matches(p, "C:\\.\\Cases\\\\a"));
  EXPECT_FALSE(path_matches(p, "C:\\Cases\\..\\Public\\a"));
  EXPECT_TRUE(path_matches(p, "C:\\..\\..\\Cases\\a"));  // `..` stops at the root
  EXPECT_FALSE(path_matches(p, "\\\\.\\pipe\\Cases"));
  EXPECT_FALSE(path_matches(p, "Cases\\a"));  // relative: no root to compare
  EXPECT_FALSE(path_matches(p, "C:Cases\\a"));
  EXPECT_TRUE(path_matches("/srv/cases/**", "/srv/public/../cases/x"));
  EXPECT_TRUE(path_matches("/srv/cases/*", "//srv///cases/./x/"));
}

TEST(LocationPattern, LinuxIsCaseSensitive) {
  EXPECT_TRUE(path_matches("/srv/cases/**", "/srv/cases/2024/a"));
  EXPECT_FALSE(path_matches("/srv/cases/**", "/srv/Cases/2024/a"));
  EXPECT_FALSE(path_matches("/srv/cases/**", "/srv/cases\\..\\x"));  // `\` is a name character
  EXPECT_TRUE(path_matches("/**", "/"));
  EXPECT_TRUE(path_matches("/", "/"));
  EXPECT_TRUE(path_matches("/srv", "/srv/"));
}

TEST(LocationPattern, GlobSyntax) {
  // * stays within a segment; ** crosses any number.
  EXPECT_TRUE(path_matches("/a/*/c", "/a/b/c"));
  EXPECT_FALSE(path_matches("/a/*/c", "/a/b/x/c"));
  EXPECT_FALSE(path_matches("/a/*/c", "/a/c"));
  EXPECT_TRUE(path_matches("/a/**/c", "/a/c"));
  EXPECT_TRUE(path_matches("/a/**/c", "/a/b/x/c"));
  EXPECT_FALSE(path_matches("/a/**/c", "/a/b/x/d"));
  EXPECT_TRUE(path_matches("/a/**/b/**/c", "/a/x/b/y/b/z/c"));
  EXPECT_TRUE(path_matches("/a/*.pdf", "/a/w.pdf"));
  EXPECT_TRUE(path_matches("/a/*.pdf", "/a/.pdf"));
  EXPECT_FALSE(path_matches("/a/*.pdf", "/a/w.pdf.txt"));
  EXPECT_TRUE(path_matches("/a/*-*-*", "/a/x-y-z-w"));
  EXPECT_TRUE(path_matches("/a/**", "/a"));
  EXPECT_TRUE(path_matches("/**/secret", "/x/y/secret"));
  // ? is one character, also when it takes several bytes.
  EXPECT_TRUE(path_matches("/a/W-000?", "/a/W-0001"));
  EXPECT_FALSE(path_matches("/a/W-000?", "/a/W-00012"));
  EXPECT_TRUE(path_matches("/a/?.txt", "/a/é.txt"));
  EXPECT_TRUE(path_matches("/a/?.txt", "/a/\xff.txt"));  // an invalid byte is one character
  // Classes.
  EXPECT_TRUE(path_matches("/a/[abc].txt", "/a/b.txt"));
  EXPECT_FALSE(path_matches("/a/[abc].txt", "/a/d.txt"));
  EXPECT_TRUE(path_matches("/a/[0-9][0-9]", "/a/42"));
  EXPECT_FALSE(path_matches("/a/[0-9][0-9]", "/a/4x"));
  EXPECT_TRUE(path_matches("/a/[!0-9]", "/a/x"));
  EXPECT_FALSE(path_matches("/a/[^0-9]", "/a/7"));
  EXPECT_TRUE(path_matches("/a/[]x]", "/a/]"));
  EXPECT_TRUE(path_matches("/a/[*?]", "/a/*"));
  EXPECT_FALSE(path_matches("/a/[*?]", "/a/x"));
  EXPECT_TRUE(path_matches("/a/[a-]", "/a/-"));
  EXPECT_TRUE(path_matches("/a/[éè]", "/a/è"));
  EXPECT_TRUE(path_matches("D:\\[A-C]\\x", "d:\\b\\x"));  // folded with the rest
  // Backtracking is linear, never exponential.
  std::string text = "/" + std::string(4000, 'a');
  EXPECT_FALSE(path_matches("/*a*a*a*a*a*a*a*a*b", text));
  std::string deep = "/";
  for (int i = 0; i < 2000; ++i) deep += "a/";
  EXPECT_FALSE(path_matches("/**/a/**/a/**/a/**/b", deep));
}

TEST(LocationPattern, UrlsAreDecodedAndLoseQuery) {
  const char* p = "url:/cases/2024-017/**";
  EXPECT_TRUE(url_matches(p, "/cases/2024-017/witnesses/list"));
  EXPECT_TRUE(url_matches(p, "/cases/2024%2D017/witnesses?id=1#top"));
  EXPECT_TRUE(url_matches(p, "/%63ases/2024-017"));
  EXPECT_TRUE(url_matches(p, "https://cms.court.local:8443/cases/2024-017/x?y"));
  EXPECT_TRUE(url_matches(p, "/public/%2e%2e/cases/2024-017/x"));
  EXPECT_TRUE(url_matches(p, "/public/..%2fcases/2024-017/x"));
  EXPECT_TRUE(url_matches(p, "/public/..\\cases/2024-017/x"));
  EXPECT_TRUE(url_matches(p, "/cases//2024-017/x"));
  EXPECT_FALSE(url_matches(p, "/Cases/2024-017/x"));  // paths are case-sensitive
  EXPECT_FALSE(url_matches(p, "/public?next=/cases/2024-017/x"));
  EXPECT_FALSE(url_matches(p, "cases/2024-017/x"));
  EXPECT_FALSE(url_matches(p, "*"));
  EXPECT_FALSE(url_matches(p, "cms.court.local:443"));
  EXPECT_TRUE(url_matches("url:/", "http://host"));
  EXPECT_TRUE(url_matches("url:/", "http://host?x=1"));
  // Escapes in patterns are literal characters.
  EXPECT_TRUE(url_matches("url:/a%20b/*", "/a b/x"));
  EXPECT_TRUE(url_matches("url:/a%2A", "/a*"));
  EXPECT_FALSE(url_matches("url:/a%2A", "/ab"));
  EXPECT_TRUE(url_matches("url:/caf%C3%A9/?", "/café/x"));
  EXPECT_TRUE(url_matches("url:/bad/%zz", "/bad/%zz"));
  // A URL pattern is no file pattern.
  EXPECT_FALSE(compile(p).matches("/cases/2024-017/x", LocationKind::kPath));
}

TEST(LocationPattern, ObjectsAreComparedAsWritten) {
  EXPECT_TRUE(object_matches("object:case/2024-017/*", "case/2024-017/witness-1"));
  EXPECT_FALSE(object_matches("object:case/2024-017/*", "case/2024-017/a/b"));
  EXPECT_FALSE(object_matches("object:case/2024-017/*", "Case/2024-017/a"));
  EXPECT_FALSE(object_matches("object:case/2024-017/*", "case/2024-017/../2024-018/a"));
  EXPECT_TRUE(object_matches("object:/cases/**", "/cases/2024/0042/report.pdf"));
  EXPECT_FALSE(object_matches("object:/cases/**", "cases/2024"));
  EXPECT_TRUE(object_matches("object:a//b", "a//b"));
  EXPECT_FALSE(object_matches("object:a//b", "a/b"));
  EXPECT_TRUE(object_matches("object:a/", "a/"));
  EXPECT_FALSE(object_matches("object:a/", "a"));
  EXPECT_TRUE(object_matches("object:**", "anything/at/all"));
  EXPECT_TRUE(object_matches("object:s3://bucket/cases/*", "s3://bucket/cases/x"));
  EXPECT_FALSE(object_matches("object:x", ""));
}

TEST(LocationPattern, LiteralPrefixes) {
  EXPECT_EQ(compile("D:\\Shares\\Cases\\**").literal_prefix(), "d:/shares/cases");
  EXPECT_EQ(compile("D:\\Shares\\Ca*\\x").literal_prefix(), "d:/shares/ca");
  EXPECT_EQ(compile("\\\\FS01.court.local\\Cases\\*").literal_prefix(), "//fs01/cases/");
  EXPECT_EQ(compile("/srv/a[bc]/x").literal_prefix(), "/srv/a");
  EXPECT_EQ(compile("/**").literal_prefix(), "/");
  EXPECT_EQ(compile("url:/a%20b/**").literal_prefix(), "/a b");
  EXPECT_EQ(compile("object:case/1").literal_prefix(), "case/1");
  EXPECT_EQ(compile("object:**").literal_prefix(), "");
}

TEST(LocationPattern, Normalisation) {
  EXPECT_EQ(normalised("D:\\Shares\\Cases\\X.PDF", Form::kWindows), "d:/shares/cases/x.pdf");
  EXPECT_EQ(normalised("\\\\FS01.Court.Local\\Share\\", Form::kWindows), "//fs01/share");
  EXPECT_EQ(normalised("\\\\?\\UNC\\fs01\\share\\a", Form::kWindows), "//fs01/share/a");
  EXPECT_EQ(normalised("\\\\fs01\\..\\..\\x", Form::kWindows), "//fs01/x");
  EXPECT_EQ(normalised("C:\\", Form::kWindows), "c:");
  EXPECT_EQ(normalised("relative\\x", Form::kWindows), "");
  EXPECT_EQ(normalised("/a/./b/../c//", Form::kLinux), "/a/c");
  EXPECT_EQ(normalised("/..", Form::kLinux), "/");
  EXPECT_EQ(normalised("http://h/a%2Fb/%41?q#f", Form::kUrl), "/a/b/A");
  EXPECT_EQ(normalised("/a%", Form::kUrl), "/a%");
  EXPECT_EQ(normalised("x/./y", Form::kObject), "x/./y");
  EXPECT_EQ(location_form("D:\\x", LocationKind::kPath), Form::kWindows);
  EXPECT_EQ(location_form("\\\\h\\s", LocationKind::kPath), Form::kWindows);
  EXPECT_EQ(location_form("/x", LocationKind::kPath), Form::kLinux);
  EXPECT_EQ(location_form("x", LocationKind::kPath), std::nullopt);
  EXPECT_EQ(location_form("", LocationKind::kObject), std::nullopt);
  EXPECT_EQ(location_form("ftp://h/x", LocationKind::kUrl), Form::kUrl);
}

const char* kIndexed = R"(organisation: {name: C, regime: none}
assets:
  - id: witnesses
    sensitivity: critical
    locations: ['D:\Cases\2024-017\witnesses\**', '\\fs01\cases\2024-017\witnesses\**',
                'url:/cms/2024-017/w/**', 'object:case/2024-017/w/*']
  - id: case-all
    sensitivity: high
    locations: ['D:\Cases\2024-017\**', /srv/cases/**, 'object:case/2024-017/**']
  - id: anything-pdf
    sensitivity: low
    locations: ['D:\**\*.pdf', 'object:**']
)";

std::vector<std::string> ids(const std::vector<const Asset*>& assets) {
  std::vector<std::string> out;
  for (const Asset* a : assets) out.push_back(a->id);
  return out;
}

TEST(InventoryLocations, AssetsAtReturnsEveryMatchInInventoryOrder) {
  const InventoryResult r = Inventory::parse(kIndexed, "idx");
  ASSERT_TRUE(r.ok()) << r.problems()[0].to_string();
  const Inventory& inv = *r;
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(inv.assets_at("d:\\cases\\2024-017\\Witnesses\\w1.pdf", LocationKind::kPath)),
            (V{"witnesses", "case-all", "anything-pdf"}));
  EXPECT_EQ(ids(inv.assets_at("D:\\Cases\\2024-017\\filings\\f.docx", LocationKind::kPath)),
            (V{"case-all"}));
  EXPECT_EQ(ids(inv.assets_at("D:\\Other\\x.PDF", LocationKind::kPath)), (V{"anything-pdf"}));
  EXPECT_EQ(ids(inv.assets_at("\\\\fs01.court.local\\cases\\2024-017\\witnesses",
                              LocationKind::kPath)),
            (V{"witnesses"}));
  EXPECT_EQ(ids(inv.assets_at("/srv/cases/x", LocationKind::kPath)), (V{"case-all"}));
  EXPECT_EQ(ids(inv.assets_at("/cms/2024-017/w/1?download=1", LocationKind::kUrl)),
            (V{"witnesses"}));
  EXPECT_EQ(ids(inv.assets_at("case/2024-017/w/1", LocationKind::kObject)),
            (V{"witnesses", "case-all", "anything-pdf"}));
  EXPECT_EQ(ids(inv.assets_at("x", LocationKind::kObject)), (V{"anything-pdf"}));
  EXPECT_TRUE(inv.assets_at("/var/log/syslog", LocationKind::kPath).empty());
  EXPECT_TRUE(inv.assets_at("/cases", LocationKind::kUrl).empty());
  EXPECT_TRUE(inv.assets_at("", LocationKind::kPath).empty());
  EXPECT_TRUE(inv.assets_at("E:\\x.txt", LocationKind::kPath).empty());
}

TEST(InventoryLocations, ManyTextsThatMatchNothingAreCheap) {
  const InventoryResult r = Inventory::parse(kIndexed, "idx");
  ASSERT_TRUE(r.ok());
  const std::string texts[] = {"C:\\Windows\\System32\\svchost.exe", "/usr/lib/systemd/systemd",
                               "D:\\Cases\\2023-001\\x.docx"};
  size_t hits = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 300000; ++i) {
    hits += r->assets_at(texts[i % 3], LocationKind::kPath).size();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(hits, 0u);
  // A figure for the report, not a bound: machines differ.
  std::printf("assets_at: %.0f ns per non-matching path\n", seconds * 1e9 / 300000);
}

}  // namespace
}  // namespace vigil::assess
