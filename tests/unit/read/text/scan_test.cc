// The common text-reader machinery, driven by a minimal format written here
// (one event per line, the line kept as a field), so that these tests see
// the driver alone: planning, blocks, line numbers, decompression, limits.

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "vigil/read/text/lines.h"
#include "vigil/read/text/scan.h"

namespace vigil::read {
namespace {

class LineContext final : public FileContext {};

class LineParser final : public BlockParser {
 public:
  explicit LineParser(FieldNames& names) : text_(names.intern("text")) {}
  void parse(std::string_view block, uint64_t block_offset, uint32_t input,
             EventSink& sink) override {
    for_each_line(block, block_offset, sink, [&](std::string_view line, uint64_t no, uint64_t off) {
      if (line == "BAD") {
        sink.on_issue({no, off, "bad line"});
        return;
      }
      event_.clear();
      event_.source = {input, no, off, false};
      add_text(event_, text_, line);
      sink.on_event(event_);
    });
  }

 private:
  FieldId text_;
  Event event_;
};

// Blocks may only be cut before a line starting with '#'.
class HashCut final : public CutRule {
 public:
  bool cut_before(std::string_view line) override { return !line.empty() && line[0] == '#'; }
};

class LineFormat final : public Format {
 public:
  explicit LineFormat(bool hash_cuts = false) : hash_cuts_(hash_cuts) {}
  std::string_view name() const override { return "lines"; }
  int sniff(std::string_view head, std::string_view) const override { return head.empty() ? 0 : 1; }
  Result<std::shared_ptr<const FileContext>> open(std::string_view, const FileFacts&,
                                                  const ReadOptions&, FieldNames&) const override {
    return std::shared_ptr<const FileContext>(std::make_shared<LineContext>());
  }
  std::unique_ptr<CutRule> cut_rule() const override {
    return hash_cuts_ ? std::make_unique<HashCut>() : nullptr;
  }
  std::unique_ptr<BlockParser> parser(std::shared_ptr<const FileContext>,
                                      FieldNames& names) const override {
    return std::make_unique<LineParser>(names);
  }

 private:
  bool hash_cuts_;
};

struct Seen {
  std::string text;
  uint64_t line;
  uint64_t offset;
};

struct Collected {
  std::vector<Seen> events;
  std::vector<LineIssue> issues;
  std::vector<TextBlock> blocks;
  std::string error;
};

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("vigil_text_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

Collected read_all(const std::string& path, const Format& format, unsigned threads = 2) {
  Collected c;
  FieldNames names;
  const Format* list[] = {&format};
  PlanOptions options;
  options.formats = list;
  auto input = plan_text_input(path, options, names);
  if (!input.ok()) {
    c.error = input.error().to_string();
    return c;
  }
  c.blocks = input->blocks;
  std::vector<TextInput> inputs;
  inputs.push_back(std::move(input.value()));
  const FieldId text = names.intern("text");
  scan_text<std::vector<Seen>>(
      inputs, threads, names,
      [&](Event& e, uint32_t, unsigned, std::vector<Seen>& out) {
        std::string buffer;
        out.push_back({std::string(e.text(text, buffer)), e.source.record_id, e.source.offset});
      },
      [](std::vector<Seen>& out) { out.clear(); },
      [&](const TextSlot<std::vector<Seen>>& slot) {
        c.events.insert(c.events.end(), slot.out.begin(), slot.out.end());
        c.issues.insert(c.issues.end(), slot.issues.begin(), slot.issues.end());
      });
  if (!inputs[0].damage.empty()) c.issues.push_back({0, inputs[0].damage_offset, inputs[0].damage});
  return c;
}

std::string numbered_lines(size_t count, size_t width) {
  std::string out;
  for (size_t i = 1; i <= count; ++i) {
    std::string line = "line " + std::to_string(i) + " ";
    line.resize(width, 'x');
    out += line;
    out += '\n';
  }
  return out;
}

std::string gzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

TEST(TextScan, LinesNumbersAndOffsetsAcrossBlocks) {
  // ~10 MiB: three blocks at least; line numbers and offsets must run on.
  const std::string data = numbered_lines(100'000, 100);
  const std::string path = temp_path("blocks.log");
  write_file(path, data);
  LineFormat format;
  for (unsigned threads : {1u, 2u}) {
    const Collected c = read_all(path, format, threads);
    ASSERT_TRUE(c.error.empty()) << c.error;
    EXPECT_GE(c.blocks.size(), 3u);
    ASSERT_EQ(c.events.size(), 100'000u);
    for (size_t i = 0; i < c.events.size(); i += 997) {
      EXPECT_EQ(c.events[i].line, i + 1);
      EXPECT_EQ(c.events[i].offset, i * 101);
      EXPECT_EQ(c.events[i].text.substr(0, c.events[i].text.find(' ', 5)),
                "line " + std::to_string(i + 1));
    }
    EXPECT_TRUE(c.issues.empty());
  }
  std::remove(path.c_str());
}

TEST(TextScan, CrlfLastLineWithoutEndAndIssues) {
  const std::string path = temp_path("crlf.log");
  write_file(path, "a\r\nBAD\r\n\r\nlast");
  LineFormat format;
  const Collected c = read_all(path, format);
  ASSERT_TRUE(c.error.empty()) << c.error;
  ASSERT_EQ(c.events.size(), 3u);
  EXPECT_EQ(c.events[0].text, "a");
  EXPECT_EQ(c.events[1].text, "");
  EXPECT_EQ(c.events[1].line, 3u);
  EXPECT_EQ(c.events[2].text, "last");
  EXPECT_EQ(c.events[2].line, 4u);
  EXPECT_EQ(c.events[2].offset, 10u);
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_EQ(c.issues[0].line, 2u);
  EXPECT_EQ(c.issues[0].offset, 3u);
  std::remove(path.c_str());
}

TEST(TextScan, OverlongLineIsReportedAndSkipped) {
  std::string data = "first\n";
  data += std::string(3 * 1024 * 1024, 'A');  // longer than kTextMaxLineBytes
  data += "\nafter\n";
  const std::string path = temp_path("long.log");
  write_file(path, data);
  LineFormat format;
  const Collected c = read_all(path, format);
  ASSERT_TRUE(c.error.empty()) << c.error;
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[1].text, "after");
  EXPECT_EQ(c.events[1].line, 3u);
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_EQ(c.issues[0].line, 2u);
  EXPECT_EQ(c.issues[0].offset, 6u);
  EXPECT_NE(c.issues[0].reason.find("longer than the limit"), std::string::npos);
  std::remove(path.c_str());
}

TEST(TextScan, GzipAndZstdReadLikeThePlainFile) {
  const std::string data = numbered_lines(60'000, 120);
  const std::string plain = temp_path("p.log"), gz = temp_path("p.log.gz"),
                    zs = temp_path("p.zst");
  write_file(plain, data);
  write_file(gz, gzip(data.substr(0, data.size() / 2)) + gzip(data.substr(data.size() / 2)));
  write_file(zs, zstd(data));
  LineFormat format;
  const Collected a = read_all(plain, format), b = read_all(gz, format), c = read_all(zs, format);
  ASSERT_TRUE(b.error.empty()) << b.error;
  ASSERT_TRUE(c.error.empty()) << c.error;
  ASSERT_EQ(a.events.size(), 60'000u);
  ASSERT_EQ(b.events.size(), a.events.size());
  ASSERT_EQ(c.events.size(), a.events.size());
  for (size_t i = 0; i < a.events.size(); i += 1001) {
    EXPECT_EQ(b.events[i].text, a.events[i].text);
    EXPECT_EQ(b.events[i].offset, a.events[i].offset);
    EXPECT_EQ(c.events[i].line, a.events[i].line);
  }
  for (const auto& p : {plain, gz, zs}) std::remove(p.c_str());
}

TEST(TextScan, TruncatedGzipKeepsWhatCameBeforeAndSaysWhere) {
  const std::string data = numbered_lines(50'000, 80);
  std::string packed = gzip(data);
  packed.resize(packed.size() / 2);
  const std::string path = temp_path("cut.gz");
  write_file(path, packed);
  LineFormat format;
  const Collected c = read_all(path, format);
  ASSERT_TRUE(c.error.empty()) << c.error;
  EXPECT_GT(c.events.size(), 1000u);
  EXPECT_LT(c.events.size(), 50'000u);
  ASSERT_FALSE(c.issues.empty());
  EXPECT_NE(c.issues.back().reason.find("truncated"), std::string::npos) << c.issues.back().reason;
  std::remove(path.c_str());
}

TEST(TextScan, CutRuleDecidesWhereBlocksEnd) {
  // Records of 50 lines, each starting with '#': blocks must start at one.
  std::string data;
  for (int r = 0; r < 3000; ++r) {
    data += "#record " + std::to_string(r) + "\n";
    for (int l = 0; l < 49; ++l) data += std::string(60, 'y') + "\n";
  }
  const std::string path = temp_path("cut.log");
  write_file(path, data);
  LineFormat format(/*hash_cuts=*/true);
  const Collected c = read_all(path, format);
  ASSERT_TRUE(c.error.empty()) << c.error;
  ASSERT_GE(c.blocks.size(), 2u);
  for (const TextBlock& b : c.blocks) {
    EXPECT_EQ(data[b.begin], '#') << b.begin;
    EXPECT_EQ((b.first_line - 1) % 50, 0u);
  }
  EXPECT_EQ(c.events.size(), 150'000u);
  std::remove(path.c_str());
}

TEST(TextScan, NotAFileIsAnErrorNamingIt) {
  LineFormat format;
  const Collected c = read_all("/nonexistent/vigil.log", format);
  EXPECT_NE(c.error.find("/nonexistent/vigil.log"), std::string::npos) << c.error;
}

TEST(TextLines, RepairsInvalidUtf8) {
  Event event;
  bool repaired = false;
  EXPECT_EQ(valid_utf8_or_repaired("ok \xC3\xA9", event, repaired), "ok \xC3\xA9");
  EXPECT_FALSE(repaired);
  EXPECT_EQ(valid_utf8_or_repaired("a\xFF" "b\xC3", event, repaired),
            "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_TRUE(repaired);
}

}  // namespace
}  // namespace vigil::read
