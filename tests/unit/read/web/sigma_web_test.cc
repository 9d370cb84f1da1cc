// SigmaHQ acceptance: rules of category webserver and proxy fire on
// fixtures read by the web and Squid readers, through the built-in
// logsource mapping.

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "reader_harness.h"
#include "vigil/read/web/web.h"

namespace vigil::read {
namespace {

using testing::fixture;
using testing::shared_dir;
using testing::slurp;

std::string sigma_rules(const std::string& relative) {
  return shared_dir() + "/corpus/sigma/rules/" + relative;
}

TEST(WebSigma, WebserverRulesFire) {
  const std::string generic = sigma_rules("web/webserver_generic");
  if (!std::filesystem::exists(generic)) GTEST_SKIP() << "no SigmaHQ rules under " << generic;
  FieldNames names;
  testing::SigmaRules rules({generic, sigma_rules("web/product")}, names);
  ASSERT_GT(rules.rules(), 10u);
  auto sink = testing::fire(rules, web_format(), slurp(fixture("web/attacks.log")), names);
  ASSERT_TRUE(sink.issues.empty()) << testing::issues_text(sink.issues);
  ASSERT_EQ(sink.fired.size(), 6u);
  const auto has = [&](size_t event, const char* id) { return sink.fired[event].count(id) == 1; };
  // web_path_traversal_exploitation_attempt: cs-uri-query contains ../../../etc/
  EXPECT_TRUE(has(0, "7745c2ea-24a5-4290-b680-04359cb84b35"));
  // web_sql_injection_in_access_logs: cs-method GET, UNION%20SELECT, status not 404
  EXPECT_TRUE(has(1, "5513deaf-f49a-46c2-a6c8-3f111b5cb453"));
  // web_susp_useragents: cs-user-agent contains sqlmap/
  EXPECT_TRUE(has(2, "19aa4f58-94ca-45ff-bc34-92e533c0994a"));
  // web_jndi_exploit: keyword /Basic/Command/Base64/
  EXPECT_TRUE(has(3, "412d55bc-7737-4d25-9542-5b396867ce55"));
  // web_win_webshells_in_access_logs: GET with =whoami
  EXPECT_TRUE(has(4, "7ff9db12-1b94-4a79-ba68-a2402c5d6729"));
  // An ordinary request fires nothing.
  EXPECT_TRUE(sink.fired[5].empty());
}

TEST(WebSigma, ProxyRulesFireOnSquid) {
  const std::string generic = sigma_rules("web/proxy_generic");
  if (!std::filesystem::exists(generic)) GTEST_SKIP() << "no SigmaHQ rules under " << generic;
  FieldNames names;
  testing::SigmaRules rules({generic}, names);
  ASSERT_GT(rules.rules(), 10u);
  auto sink = testing::fire(rules, squid_format(), slurp(fixture("web/squid_attacks.log")), names);
  ASSERT_TRUE(sink.issues.empty()) << testing::issues_text(sink.issues);
  ASSERT_EQ(sink.fired.size(), 4u);
  const auto has = [&](size_t event, const char* id) { return sink.fired[event].count(id) == 1; };
  // proxy_download_susp_tlds_blacklist and _whitelist: .exe from a .win host
  EXPECT_TRUE(has(0, "00d0b5ab-1f55-4120-8e83-487c0a7baf19"));
  EXPECT_TRUE(has(0, "b5de2919-b74a-4805-91a7-5049accbaefe"));
  // proxy_raw_paste_service_access: c-uri contains .pastebin.com/raw/
  EXPECT_TRUE(has(1, "5468045b-4fcc-4d1a-973c-c9c9578edacb"));
  // proxy_telegram_api: cs-host api.telegram.org (no user agent to filter)
  EXPECT_TRUE(has(2, "b494b165-6634-483d-8c47-2026a6c52372"));
  EXPECT_TRUE(sink.fired[3].empty());
  // The native log has no user agent: the empty-agent rule never fires.
  for (const auto& fired : sink.fired) EXPECT_EQ(fired.count("21e44d78-95e7-421b-a464-ffd8395659c4"), 0u);
}

}  // namespace
}  // namespace vigil::read
