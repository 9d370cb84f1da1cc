// SigmaHQ acceptance: rules of the logsources the JSON reader feeds fire on
// fixtures written to trigger them, read through the whole driver
// (recognition, blocks, parser), with the built-in logsource mapping.
// Skips when ../shared (the SigmaHQ rules) is absent.

#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "json_support.h"
#include "vigil/detect/loader.h"
#include "vigil/detect/logsource.h"
#include "vigil/detect/matcher.h"
#include "vigil/detect/ruleset.h"

namespace vigil::read {
namespace {

namespace fs = std::filesystem;

class JsonSigma : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path root = fs::path(VIGIL_SHARED_DIR) / "corpus/sigma/rules";
    if (!fs::exists(root)) return;
    std::vector<std::string> paths;
    for (const char* sub : {"windows/process_creation", "linux/process_creation", "cloud/aws",
                            "application/kubernetes", "application/opencanary"}) {
      paths.push_back((root / sub).string());
    }
    names_ = new FieldNames();
    detect::CompileOptions options;
    options.resolver = detect::mapping_resolver(detect::LogsourceMapping::builtin());
    std::vector<detect::Diagnostic> diagnostics;
    set_ = new std::shared_ptr<const detect::RuleSet>(
        detect::RuleSet::compile(detect::load_rules(paths), *names_, options, diagnostics));
  }
  static void TearDownTestSuite() {
    delete set_;
    delete names_;
    set_ = nullptr;
    names_ = nullptr;
  }
  void SetUp() override {
    if (set_ == nullptr) GTEST_SKIP() << VIGIL_SHARED_DIR << "/corpus/sigma is absent";
  }

  // The ids of the rules each event of the file fires, in event order.
  static std::vector<std::set<std::string>> fired(const std::string& path) {
    std::vector<std::set<std::string>> out;
    PlanOptions options;
    options.formats = formats();
    auto input = plan_text_input(path, options, *names_);
    EXPECT_TRUE(input.ok()) << path;
    if (!input.ok()) return out;
    EXPECT_EQ(input->format->name(), "json");
    std::vector<TextInput> inputs;
    inputs.push_back(std::move(input.value()));
    detect::Matcher matcher(**set_);
    struct Out {
      std::vector<std::set<std::string>> hits;
    };
    scan_text<Out>(
        inputs, 1, *names_,
        [&](Event& event, uint32_t, unsigned, Out& slot) {
          std::set<std::string> ids;
          for (uint32_t r : matcher.match(event)) ids.insert((*set_)->rule(r).info.id);
          slot.hits.push_back(std::move(ids));
        },
        [](Out& slot) { slot.hits.clear(); },
        [&](TextSlot<Out>& slot) {
          EXPECT_TRUE(slot.issues.empty()) << path;
          for (auto& h : slot.out.hits) out.push_back(std::move(h));
        });
    return out;
  }

  static FieldNames* names_;
  static std::shared_ptr<const detect::RuleSet>* set_;
};

FieldNames* JsonSigma::names_ = nullptr;
std::shared_ptr<const detect::RuleSet>* JsonSigma::set_ = nullptr;

constexpr const char* kWhoamiAll = "c248c896-e412-4279-8c15-1c558067b6fa";
constexpr const char* kCertutilDownload = "19b08b1c-861d-4e75-a1ef-ea0c1baf202b";
constexpr const char* kShadowCopyDeletion = "c947b146-0abc-4c87-9c64-b17e9d7274a2";
constexpr const char* kLinuxBase64Decode = "e2072cab-8c9a-459b-b63c-40ae79e27031";
constexpr const char* kAwsConsoleLoginWithoutMfa = "77caf516-34e5-4df9-b4db-20744fea0a60";
constexpr const char* kAwsCloudTrailImportantChange = "4db60cc0-36fb-42b7-9b58-a5b53019fb74";
constexpr const char* kKubernetesEventsDeleted = "3132570d-cab2-4561-9ea6-1743644b2290";
constexpr const char* kOpenCanaryFtpLogin = "6991bc2b-ae2e-447f-bc55-3a1ba04c14e5";

TEST_F(JsonSigma, WinlogbeatSysmonProcessCreation) {
  const auto hits = fired(testing::fixture("winlogbeat_sysmon.jsonl"));
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_TRUE(hits[0].contains(kWhoamiAll));
  EXPECT_TRUE(hits[1].contains(kCertutilDownload));
  EXPECT_FALSE(hits[2].contains(kWhoamiAll));
  EXPECT_FALSE(hits[2].contains(kCertutilDownload));
}

TEST_F(JsonSigma, EvtxDumpSysmonProcessCreation) {
  for (const char* name : {"evtx_dump_sysmon.jsonl", "evtx_dump_sysmon_pretty.json"}) {
    const auto hits = fired(testing::fixture(name));
    ASSERT_EQ(hits.size(), 2u) << name;
    EXPECT_TRUE(hits[0].contains(kShadowCopyDeletion)) << name;
    EXPECT_FALSE(hits[1].contains(kShadowCopyDeletion)) << name;
  }
}

TEST_F(JsonSigma, SysmonForLinuxProcessCreation) {
  const auto hits = fired(testing::fixture("sysmon_linux.jsonl"));
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_TRUE(hits[0].contains(kLinuxBase64Decode));
  EXPECT_TRUE(hits[1].contains(kLinuxBase64Decode));
}

TEST_F(JsonSigma, CloudTrailRecords) {
  for (const char* name : {"cloudtrail.json", "cloudtrail_minified.json"}) {
    const auto hits = fired(testing::fixture(name));
    ASSERT_EQ(hits.size(), 3u) << name;
    EXPECT_TRUE(hits[0].contains(kAwsConsoleLoginWithoutMfa)) << name;
    EXPECT_TRUE(hits[1].contains(kAwsCloudTrailImportantChange)) << name;
    EXPECT_FALSE(hits[2].contains(kAwsCloudTrailImportantChange)) << name;
  }
}

// Other JSON exports the json mapping covers: a Kubernetes audit event and
// an OpenCanary alert (a number compared with the rule's number).
TEST_F(JsonSigma, KubernetesAuditAndOpenCanary) {
  const auto hits = fired(testing::fixture("applications.jsonl"));
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_TRUE(hits[0].contains(kKubernetesEventsDeleted));
  EXPECT_FALSE(hits[0].contains(kOpenCanaryFtpLogin));
  EXPECT_TRUE(hits[1].contains(kOpenCanaryFtpLogin));
  EXPECT_FALSE(hits[1].contains(kKubernetesEventsDeleted));
}

}  // namespace
}  // namespace vigil::read
