// Coverage over SigmaHQ's rule folders in ../shared: at least 99.5% of the
// rules load and compile (placeholder rules with tests/data/sigma's
// placeholder values). Every rejected rule is printed with its reason.

#include <cstdio>
#include <filesystem>
#include <map>

#include "sigma_fixture.h"
#include "vigil/detect/placeholders.h"

namespace vigil::detect {
namespace {

TEST(SigmaCorpus, SigmaHqRulesLoadAndCompile) {
  const std::string root = std::string(VIGIL_SHARED_DIR) + "/corpus/sigma";
  if (!std::filesystem::exists(root + "/rules")) GTEST_SKIP() << root << "/rules is absent";
  std::vector<std::string> paths;
  for (const char* folder : {"rules", "rules-emerging-threats", "rules-threat-hunting",
                             "rules-compliance", "rules-placeholder"}) {
    paths.push_back(root + "/" + folder);
  }
  auto placeholders =
      Placeholders::load(std::string(VIGIL_SOURCE_DIR) + "/tests/data/sigma/placeholders.yml");
  ASSERT_TRUE(placeholders.ok()) << placeholders.error().to_string();

  RuleCollection collection = load_rules(paths);
  const size_t documents = collection.documents;
  FieldNames names;
  CompileOptions options;
  options.placeholders = &placeholders.value();
  std::vector<Diagnostic> diagnostics;
  auto set = RuleSet::compile(std::move(collection), names, options, diagnostics);

  std::map<std::string, size_t> by_reason;
  size_t rejected = 0;
  for (const Diagnostic& d : diagnostics) {
    if (!d.rejects_rule) continue;
    ++rejected;
    ++by_reason[diag_code_name(d.code)];
    std::printf("rejected: %s\n", format_diagnostic(d).c_str());
  }
  const size_t loaded = set->size() + set->correlations().size() + set->filters().size();
  EXPECT_EQ(loaded + rejected, documents);
  const double coverage = documents == 0 ? 0 : 100.0 * static_cast<double>(loaded) /
                                                   static_cast<double>(documents);
  std::printf("sigma corpus: %zu documents, %zu loaded and compiled, %zu rejected: %.2f%%\n",
              documents, loaded, rejected, coverage);
  for (const auto& [reason, count] : by_reason) std::printf("  %s: %zu\n", reason.c_str(), count);
  EXPECT_GE(documents, 3780u);
  EXPECT_GE(coverage, 99.5);
}

}  // namespace
}  // namespace vigil::detect
