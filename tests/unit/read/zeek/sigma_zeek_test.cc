// SigmaHQ acceptance: rules of product zeek (and category webserver through
// the zeek-http variant) fire on Zeek fixtures, TSV and JSON, read by the
// Zeek reader through the built-in logsource mapping.

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "../web/reader_harness.h"
#include "vigil/read/zeek/zeek.h"

namespace vigil::read {
namespace {

using testing::fixture;
using testing::slurp;

class ZeekSigma : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string base = testing::shared_dir() + "/corpus/sigma/rules/";
    if (!std::filesystem::exists(base + "network/zeek")) {
      GTEST_SKIP() << "no SigmaHQ rules under " << base;
    }
    rules_ = std::make_unique<testing::SigmaRules>(
        std::vector<std::string>{base + "network/zeek", base + "web/webserver_generic"}, names_);
    ASSERT_GT(rules_->rules(), 30u);
  }

  // Rule ids fired per event of a fixture.
  std::vector<std::set<std::string>> fired(const std::string& name) {
    auto sink = testing::fire(*rules_, zeek_format(), slurp(fixture("zeek/" + name)), names_, {},
                              name);
    EXPECT_TRUE(sink.issues.empty()) << name << "\n" << testing::issues_text(sink.issues);
    return sink.fired;
  }

  FieldNames names_;
  std::unique_ptr<testing::SigmaRules> rules_;
};

TEST_F(ZeekSigma, DnsRules) {
  const auto f = fired("dns.log");
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0], std::set<std::string>{"bf74135c-18e8-4a72-a926-0e4f47888c19"});  // mining pool
  EXPECT_EQ(f[1], std::set<std::string>{"ede05abc-2c9e-4624-9944-9ff17fdc0bf5"});  // Z bit set
  EXPECT_TRUE(f[2].empty());
}

TEST_F(ZeekSigma, SmbRdpKerberosRules) {
  const auto smb = fired("smb_files.log");
  ASSERT_EQ(smb.size(), 1u);
  EXPECT_EQ(smb[0].count("f1b3a22a-45e6-4004-afb5-4291f9c21166"), 1u);  // renamed PsExec pipe
  const auto rdp = fired("rdp.log");
  ASSERT_EQ(rdp.size(), 2u);
  EXPECT_EQ(rdp[0].count("1fc0809e-06bf-4de3-ad52-25e5263b7623"), 1u);  // public client
  EXPECT_TRUE(rdp[1].empty());                                            // private client
  const auto kerberos = fired("kerberos.log");
  ASSERT_EQ(kerberos.size(), 1u);
  EXPECT_EQ(kerberos[0].count("503fe26e-b5f2-4944-a126-eab405cc06e5"), 1u);  // RC4 TGS
}

TEST_F(ZeekSigma, JsonRules) {
  const auto x509 = fired("x509.json");
  ASSERT_EQ(x509.size(), 1u);
  EXPECT_EQ(x509[0].count("7100f7e3-92ce-4584-b7b7-01b40d3d4118"), 1u);  // Cobalt Strike cert
  const auto rpc = fired("dce_rpc.json");
  ASSERT_EQ(rpc.size(), 1u);
  EXPECT_EQ(rpc[0].count("4096842a-8f9f-4d36-92b4-d0b2a62f9b2a"), 1u);  // PetitPotam
  const std::string http = slurp(fixture("zeek/http.json"));
  auto sink = testing::fire(*rules_, zeek_format(), http.substr(0, http.find('\n') + 1), names_,
                            {}, "http.json");
  ASSERT_EQ(sink.fired.size(), 1u);
  EXPECT_EQ(sink.fired[0].count("705072a5-bb6f-4ced-95b6-ecfa6602090b"), 1u);  // WebDAV PUT out
}

TEST_F(ZeekSigma, WebserverRulesThroughZeekHttp) {
  const auto f = fired("http.log");
  ASSERT_EQ(f.size(), 3u);
  // web_path_traversal_exploitation_attempt reads cs-uri-query as Zeek's uri.
  EXPECT_EQ(f[1].count("7745c2ea-24a5-4290-b680-04359cb84b35"), 1u);
  EXPECT_EQ(f[0].count("7745c2ea-24a5-4290-b680-04359cb84b35"), 0u);
}

}  // namespace
}  // namespace vigil::read
