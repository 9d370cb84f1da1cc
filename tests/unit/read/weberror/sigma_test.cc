// SigmaHQ acceptance: the rules of service apache and service nginx (under
// rules/web/product) fire on fixtures read by the error log readers,
// through the built-in logsource mapping. Skips when ../shared is absent.

#include <filesystem>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "../web/reader_harness.h"
#include "vigil/read/weberror/weberror.h"

namespace vigil::read {
namespace {

using testing::fixture;
using testing::slurp;

constexpr const char* kApacheSegfault = "1da8ce0b-855d-4004-8860-7d64d42063b1";
constexpr const char* kApacheThreading = "e9a2b582-3f6a-48ac-b4a1-6849cdc50b3c";
constexpr const char* kNginxCoreDump = "59ec40bb-322e-40ab-808d-84fa690d7e56";

std::string product_rules() { return testing::shared_dir() + "/corpus/sigma/rules/web/product"; }

// Per event of `path`, the rules it fired.
std::vector<std::set<std::string>> fire(testing::SigmaRules& rules, const Format& format,
                                        const std::string& path, FieldNames& names) {
  auto sink = testing::fire(rules, format, slurp(path), names);
  EXPECT_TRUE(sink.issues.empty()) << testing::issues_text(sink.issues);
  return sink.fired;
}

TEST(WebErrorSigma, ApacheRulesFire) {
  if (!std::filesystem::exists(product_rules() + "/apache")) {
    GTEST_SKIP() << product_rules() << "/apache is absent";
  }
  FieldNames names;
  testing::SigmaRules rules({product_rules()}, names);
  ASSERT_GE(rules.rules(), 3u);

  auto fired = fire(rules, apache_error_format(), fixture("weberror/apache_crash.log"), names);
  ASSERT_EQ(fired.size(), 5u);
  EXPECT_TRUE(fired[0].empty());
  // glibc's assertion, written to stderr without a header.
  EXPECT_EQ(fired[1], (std::set<std::string>{kApacheThreading}));
  EXPECT_TRUE(fired[2].empty());  // "exit signal Aborted"
  EXPECT_EQ(fired[3], (std::set<std::string>{kApacheSegfault}));
  EXPECT_TRUE(fired[4].empty());

  fired = fire(rules, apache_error_format(), fixture("weberror/apache22_error.log"), names);
  ASSERT_EQ(fired.size(), 8u);
  EXPECT_EQ(fired[5], (std::set<std::string>{kApacheSegfault}));
  fired = fire(rules, apache_error_format(), fixture("weberror/apache24_error.log"), names);
  ASSERT_EQ(fired.size(), 12u);
  EXPECT_EQ(fired[10], (std::set<std::string>{kApacheSegfault}));

  // The Nginx rule stays off Apache's log and the other way round.
  for (const auto& ids : fired) EXPECT_FALSE(ids.contains(kNginxCoreDump));
  const std::string nginx_crash =
      "2024/05/01 10:00:07 [alert] 1#1: worker process 1234 exited "
      "on signal 11 exit signal Segmentation Fault\n";
  auto sink = testing::fire(rules, nginx_error_format(), nginx_crash, names);
  ASSERT_EQ(sink.fired.size(), 1u);
  EXPECT_TRUE(sink.fired[0].empty());
}

TEST(WebErrorSigma, NginxRuleFires) {
  if (!std::filesystem::exists(product_rules() + "/nginx")) {
    GTEST_SKIP() << product_rules() << "/nginx is absent";
  }
  FieldNames names;
  testing::SigmaRules rules({product_rules()}, names);
  auto fired = fire(rules, nginx_error_format(), fixture("weberror/nginx_error.log"), names);
  ASSERT_EQ(fired.size(), 11u);
  for (size_t i = 0; i < fired.size(); ++i) {
    if (i == 9) {
      EXPECT_EQ(fired[i], (std::set<std::string>{kNginxCoreDump}));
    } else {
      EXPECT_TRUE(fired[i].empty()) << "event " << i;
    }
  }
  // Apache's log saying the same words does not fire it.
  const std::string apache =
      "[Sun Dec 04 04:47:44 2005] [notice] child exited on signal 6 (core dumped)\n";
  auto sink = testing::fire(rules, apache_error_format(), apache, names);
  ASSERT_EQ(sink.fired.size(), 1u);
  EXPECT_TRUE(sink.fired[0].empty());
}

}  // namespace
}  // namespace vigil::read
