// One libFuzzer target per text-log format, all from this file: the build
// names the format (VIGIL_TEXT_FORMAT) and the target drives everything a
// run does with a file of it: recognition, the per-file context from the
// head, the cut rule over every line, and the block parser, once over the
// whole input and once over two blocks cut where the rule allows.
//
// Besides crashes and sanitizer reports it aborts on wrong output: an event
// or issue whose line or offset lies outside the input, text fields that are
// not valid UTF-8 (readers promise repaired text), or the two-block parse
// disagreeing with the one-block parse.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/utf.h"
#include "vigil/read/formats.h"

#ifndef VIGIL_TEXT_FORMAT
#error "VIGIL_TEXT_FORMAT names the format to fuzz"
#endif

namespace {

using vigil::Event;
using vigil::FieldNames;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "vigil fuzz: %s\n", what.c_str());
  std::abort();
}

class CheckingSink final : public vigil::read::EventSink {
 public:
  CheckingSink(const FieldNames& names, uint64_t base_offset, uint64_t size, uint64_t lines)
      : names_(names), base_(base_offset), size_(size), lines_(lines) {}
  void on_event(Event& event) override {
    if (event.source.offset < base_ || event.source.offset >= base_ + size_ + 1) {
      fail("event offset " + std::to_string(event.source.offset) + " outside the block");
    }
    if (event.source.record_id == 0 || event.source.record_id > lines_) {
      fail("event line " + std::to_string(event.source.record_id) + " outside the block");
    }
    std::string line = std::to_string(event.source.offset) + "|" +
                       std::to_string(event.timestamp.ticks) + "|";
    for (const vigil::Field& f : event.fields()) {
      const std::string text = vigil::to_text(f.value);
      if (auto view = f.value.utf8_view(); view && !vigil::is_valid_utf8(*view)) {
        fail("field " + std::string(names_.name(f.name)) + " is not valid UTF-8");
      }
      line += names_.name(f.name);
      line += '=';
      line += text;
      line += '\x1f';
    }
    transcript.push_back(std::move(line));
  }
  void on_issue(vigil::read::LineIssue issue) override {
    if (issue.offset < base_ || issue.offset > base_ + size_) fail("issue offset outside the block");
    if (issue.line == 0 || issue.line > lines_ + 1) fail("issue line outside the block");
    if (issue.reason.empty()) fail("issue without a reason");
  }
  std::vector<std::string> transcript;

 private:
  const FieldNames& names_;
  uint64_t base_, size_, lines_;
};

uint64_t count_lines(std::string_view text) {
  uint64_t n = 0;
  for (char c : text) n += c == '\n';
  return n + (text.empty() || text.back() == '\n' ? 0 : 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const vigil::read::Format* format = vigil::read::find_format(VIGIL_TEXT_FORMAT);
  if (format == nullptr) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)format->sniff(input, "fuzz.log");
  FieldNames names;
  vigil::read::FileFacts facts;
  facts.path = "fuzz.log";
  facts.mtime_seconds = 1'700'000'000;
  auto context = format->open(input, facts, vigil::read::ReadOptions{}, names);
  if (!context.ok()) return 0;

  // Where the cut rule allows a second block: the middle-most allowed line start.
  size_t cut = 0;
  {
    auto rule = format->cut_rule();
    size_t pos = 0;
    while (pos < input.size()) {
      size_t nl = input.find('\n', pos);
      const size_t end = nl == std::string_view::npos ? input.size() : nl;
      std::string_view line = input.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      const bool allowed = rule == nullptr || rule->cut_before(line);
      if (allowed && pos > 0 && (cut == 0 || pos <= input.size() / 2)) cut = pos;
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
    }
  }

  auto whole = format->parser(context.value(), names);
  CheckingSink one(names, 0, size, count_lines(input));
  whole->parse(input, 0, 0, one);

  if (cut > 0) {
    auto parser = format->parser(context.value(), names);
    const std::string_view first = input.substr(0, cut), second = input.substr(cut);
    CheckingSink a(names, 0, first.size(), count_lines(first));
    parser->parse(first, 0, 0, a);
    CheckingSink b(names, cut, second.size(), count_lines(second));
    parser->parse(second, cut, 0, b);
    std::vector<std::string> joined = a.transcript;
    joined.insert(joined.end(), b.transcript.begin(), b.transcript.end());
    if (joined != one.transcript) fail("two blocks cut where the cut rule allows parse differently from one");
  }
  return 0;
}
