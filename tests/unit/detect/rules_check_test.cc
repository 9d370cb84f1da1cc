// `vigil rules check`: diagnostics in compiler form, totals, exit codes.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct CliRun {
  int status = -1;
  std::string out;
};

CliRun run(const std::string& args) {
  CliRun r;
  const std::string command = std::string(VIGIL_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class RulesCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(VIGIL_BINARY)) GTEST_SKIP() << VIGIL_BINARY << " is not built";
    dir_ = fs::temp_directory_path() / ("vigil_rules_check_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  fs::path dir_;
};

const char* kGood =
    "title: Good\n"
    "id: 11111111-1111-4111-8111-111111111111\n"
    "logsource: {category: process_creation, product: windows}\n"
    "detection:\n"
    "    selection:\n"
    "        Image|endswith: '\\whoami.exe'\n"
    "    condition: selection\n";

TEST_F(RulesCheck, AllLoaded) {
  write("good.yml", kGood);
  const CliRun r = run("rules check " + dir_.string());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("files: 1, documents: 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("loaded: 1 (detection rules 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rejected: 0"), std::string::npos) << r.out;
}

TEST_F(RulesCheck, RejectionsAreListedWithFileLineAndReason) {
  write("good.yml", kGood);
  const std::string bad = write(
      "bad.yml",
      "title: Bad\nid: 22222222-2222-4222-8222-222222222222\n"
      "logsource: {category: process_creation, product: windows}\n"
      "detection:\n    selection:\n        Image|containz: 'x'\n    condition: selection\n"
      "---\n"
      "title: Needs a placeholder\nid: 33333333-3333-4333-8333-333333333333\n"
      "logsource: {category: process_creation, product: windows}\n"
      "detection:\n    selection:\n        User|expand: '%Admins%'\n    condition: selection\n");
  const CliRun r = run("rules check " + dir_.string());
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find(bad +
                       ":6: error: [22222222-2222-4222-8222-222222222222] unknown modifier "
                       "'containz' in 'Image|containz'"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(bad + ":14: error: [33333333-3333-4333-8333-333333333333] placeholder "
                             "%Admins%"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("rejected: 2 (modifier 1, placeholder 1)"), std::string::npos) << r.out;

  // With the placeholder filled, only the modifier error remains.
  const std::string config = write("placeholders.yaml.cfg", "Admins: ['root']\n");
  const CliRun with_config = run("rules check " + dir_.string() + " --config " + config);
  EXPECT_EQ(with_config.status, 1) << with_config.out;
  EXPECT_NE(with_config.out.find("rejected: 1 (modifier 1)"), std::string::npos)
      << with_config.out;
}

TEST_F(RulesCheck, UsageAndInputErrors) {
  EXPECT_EQ(run("rules check").status, 2);
  EXPECT_EQ(run("rules").status, 2);
  EXPECT_EQ(run("rules check " + (dir_ / "missing").string()).status, 3);
  write("good.yml", kGood);
  EXPECT_EQ(run("rules check " + dir_.string() + " --config " + (dir_ / "none.yml").string())
                .status,
            3);
}

}  // namespace
