// Events built from compiled template plans must equal events built by
// walking the expanded nodes, on every record of the shared corpus.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "vigil/read/evtx/evtx.h"
#include "vigil/read/evtx/scan.h"

namespace vigil::evtx {
namespace {

namespace fs = std::filesystem;

class CollectingSink : public RecordSink {
 public:
  CollectingSink(FieldNames& names, bool lazy) : builder_(names), names_(names), lazy_(lazy) {}
  bool lazy() const override { return lazy_; }
  void on_record(const Record& record, const ChunkNames& chunk_names) override {
    if (!builder_.build(record, chunk_names, 0, event_)) return;
    std::string line = std::to_string(record.record_id) + " " +
                       to_rfc3339(event_.timestamp, 7) + " ";
    event_.append_json(line, names_);
    lines.push_back(std::move(line));
  }
  void on_damage(Damage) override {}
  std::vector<std::string> lines;

 private:
  EventBuilder builder_;
  FieldNames& names_;
  Event event_;
  bool lazy_;
};

std::vector<fs::path> corpus_files() {
  std::vector<fs::path> files;
  for (const char* sub : {"corpus/evtx", "corpus/sigma/regression_data"}) {
    const fs::path dir = fs::path(VIGIL_SHARED_DIR) / sub;
    if (!fs::exists(dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ".evtx") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Parses every chunk of `path` into both sinks (each with its own parser) and
// checks that they collected the same lines; returns how many.
template <class Sink>
size_t compare_sinks(const fs::path& path, Sink& a, Sink& b) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  ChunkParser parser_a, parser_b;
  for (uint64_t off = 4096; off < bytes.size(); off += 65536) {
    const auto size = std::min<uint64_t>(65536, bytes.size() - off);
    const std::span<const uint8_t> chunk(bytes.data() + off, size);
    parser_a.parse(chunk, off, a);
    parser_b.parse(chunk, off, b);
  }
  EXPECT_EQ(a.lines.size(), b.lines.size()) << path;
  for (size_t i = 0; i < a.lines.size() && i < b.lines.size(); ++i) {
    if (a.lines[i] != b.lines[i]) {
      ADD_FAILURE() << path << " record #" << i << "\n" << a.lines[i] << "\n" << b.lines[i];
      break;
    }
  }
  return a.lines.size();
}

TEST(EventBuilder, PlansMatchExpandedWalkOnCorpus) {
  const auto files = corpus_files();
  if (files.empty()) GTEST_SKIP() << "shared corpus not found at " << VIGIL_SHARED_DIR;
  size_t records = 0;
  for (const fs::path& path : files) {
    FieldNames names;
    CollectingSink planned(names, true), walked(names, false);
    records += compare_sinks(path, planned, walked);
    ASSERT_FALSE(HasFailure());
  }
  EXPECT_GT(records, 20000u);
}

class JsonSink : public RecordSink {
 public:
  explicit JsonSink(bool lazy) : lazy_(lazy) {}
  bool lazy() const override { return lazy_; }
  void on_record(const Record& record, const ChunkNames& names) override {
    std::string line;
    if (renderer_.json(line, record, names)) lines.push_back(std::move(line));
  }
  void on_damage(Damage) override {}
  std::vector<std::string> lines;

 private:
  Renderer renderer_;
  bool lazy_;
};

// Compiled JSON programs (lazy records) must print exactly what the tree
// walk over expanded nodes prints.
TEST(Renderer, CompiledJsonMatchesTreeWalkOnCorpus) {
  const auto files = corpus_files();
  if (files.empty()) GTEST_SKIP() << "shared corpus not found at " << VIGIL_SHARED_DIR;
  size_t records = 0;
  for (const fs::path& path : files) {
    JsonSink compiled(true), walked(false);
    records += compare_sinks(path, compiled, walked);
    ASSERT_FALSE(HasFailure());
  }
  EXPECT_GT(records, 20000u);
}

}  // namespace
}  // namespace vigil::evtx
