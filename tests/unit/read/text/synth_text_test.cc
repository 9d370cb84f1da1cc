// `vigil synth-logs` (src/synth/text.cc), the input of the text-log
// benchmark (bench/formats.sh): each generated format is recognised as its
// own reader's, read with no rejected line and into as many events as the
// generator says; the same seed gives the same bytes. The generator is
// driven through the vigil binary (this test binary links the readers, not
// the generator).

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/read/formats.h"
#include "vigil/read/text/scan.h"

namespace vigil::read {
namespace {

namespace fs = std::filesystem;

const char* const kFormats[] = {"json", "audit-trail", "syslog", "auditd",
                                "web",  "squid",       "zeek",   "csv"};

struct Output {
  int status = -1;
  std::string text;  // standard output and error
};

Output run(const std::string& command) {
  Output out;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.text.append(buf, n);
  const int status = ::pclose(pipe);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The number before `word` in a summary line ("... 123 records, ...").
uint64_t figure_before(const std::string& text, const std::string& word) {
  const size_t at = text.find(" " + word);
  if (at == std::string::npos) return UINT64_MAX;
  size_t begin = at;
  while (begin > 0 && text[begin - 1] >= '0' && text[begin - 1] <= '9') --begin;
  return begin == at ? UINT64_MAX : std::stoull(text.substr(begin, at - begin));
}

class SynthLogs : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(VIGIL_BINARY, X_OK) != 0) GTEST_SKIP() << VIGIL_BINARY << " not built";
    dir_ = fs::temp_directory_path() /
           ("vigil-synth-text-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // Writes FORMAT with SEED into a file of at least BYTES; returns the
  // generator's summary line.
  Output synth(const std::string& format, uint64_t seed, const std::string& bytes,
               const fs::path& path) {
    return run(std::string(VIGIL_BINARY) + " synth-logs --format " + format + " --bytes " + bytes +
               " --seed " + std::to_string(seed) + " -o " + path.string());
  }

  fs::path dir_;
};

TEST_F(SynthLogs, EveryFormatReadsCleanlyAsItself) {
  for (const std::string format : kFormats) {
    SCOPED_TRACE(format);
    const fs::path path = dir_ / (format + ".log");
    const Output made = synth(format, 3, "2M", path);
    ASSERT_EQ(made.status, 0) << made.text;
    const uint64_t records = figure_before(made.text, "records,");
    ASSERT_NE(records, UINT64_MAX) << made.text;
    EXPECT_GE(fs::file_size(path), 2u << 20);
    EXPECT_EQ(figure_before(made.text, "bytes"), fs::file_size(path)) << made.text;

    FieldNames names;
    PlanOptions options;
    options.formats = formats();
    auto input = plan_text_input(path.string(), options, names);
    ASSERT_TRUE(input.ok()) << input.error().to_string();
    ASSERT_NE(input->format, nullptr);
    EXPECT_EQ(input->format->name(), format) << "recognised as another format";

    std::vector<TextInput> inputs;
    inputs.push_back(std::move(*input));
    const FieldId source_format = names.intern("_source_format");
    uint64_t events = 0;
    std::atomic<uint64_t> without_time{0}, without_format{0};
    std::vector<LineIssue> issues;
    scan_text<uint64_t>(
        inputs, 2, names,
        [&](Event& event, uint32_t, unsigned, uint64_t& count) {
          ++count;
          if (!event.timestamp.is_set()) ++without_time;
          if (event.find(source_format) == nullptr) ++without_format;
        },
        [](uint64_t& count) { count = 0; },
        [&](const TextSlot<uint64_t>& slot) {
          events += slot.out;
          issues.insert(issues.end(), slot.issues.begin(), slot.issues.end());
        });
    EXPECT_EQ(events, records);
    EXPECT_EQ(without_time.load(), 0u);
    EXPECT_EQ(without_format.load(), 0u);
    EXPECT_TRUE(issues.empty()) << issues.size() << " issues, the first at line "
                                << issues.front().line << ": " << issues.front().reason;
  }
}

TEST_F(SynthLogs, SameSeedSameBytesOtherSeedOtherBytes) {
  for (const std::string format : kFormats) {
    SCOPED_TRACE(format);
    const fs::path a = dir_ / (format + "-a"), b = dir_ / (format + "-b"),
                   c = dir_ / (format + "-c");
    ASSERT_EQ(synth(format, 11, "256K", a).status, 0);
    ASSERT_EQ(synth(format, 11, "256K", b).status, 0);
    ASSERT_EQ(synth(format, 12, "256K", c).status, 0);
    const std::string first = slurp(a);
    EXPECT_EQ(first, slurp(b));
    EXPECT_NE(first, slurp(c));
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(first.back(), '\n');
  }
}

// Variety: the benchmark must not measure one line repeated.
TEST_F(SynthLogs, LinesVary) {
  for (const std::string format : kFormats) {
    SCOPED_TRACE(format);
    const fs::path path = dir_ / format;
    ASSERT_EQ(synth(format, 5, "512K", path).status, 0);
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_GT(lines.size(), 100u);
    std::sort(lines.begin(), lines.end());
    const size_t distinct =
        static_cast<size_t>(std::unique(lines.begin(), lines.end()) - lines.begin());
    // auditd's EOE records repeat only by serial; everything else is unique.
    EXPECT_GT(distinct * 100, lines.size() * 95) << distinct << " of " << lines.size();
  }
}

TEST_F(SynthLogs, RejectsUnknownFormatAndBadSize) {
  EXPECT_EQ(synth("evtx", 1, "1M", dir_ / "x").status, 2);
  EXPECT_EQ(synth("json", 1, "lots", dir_ / "x").status, 2);
  EXPECT_EQ(synth("json", 1, "0", dir_ / "x").status, 2);
  const Output missing = synth("json", 1, "1K", dir_ / "no" / "such" / "dir" / "x");
  EXPECT_EQ(missing.status, 3) << missing.text;
}

}  // namespace
}  // namespace vigil::read
