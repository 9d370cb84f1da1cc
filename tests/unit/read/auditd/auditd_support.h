#pragma once
// Helpers of the auditd reader tests: run the parser over text as one block
// (or as blocks cut where the cut rule allows) and keep what it delivered in
// a form that compares exactly.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/core/event.h"
#include "vigil/core/field_names.h"
#include "vigil/read/auditd/auditd.h"
#include "vigil/read/text/format.h"

namespace vigil::read::testing {

struct SeenEvent {
  uint64_t line = 0;
  uint64_t offset = 0;
  Timestamp time;
  std::vector<std::pair<std::string, std::string>> fields;

  // Every value of `name`, in order.
  std::vector<std::string> all(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : fields) {
      if (n == name) out.push_back(v);
    }
    return out;
  }
  // The only value of `name` ("<absent>" or "<repeated>" otherwise).
  std::string one(std::string_view name) const {
    const auto values = all(name);
    if (values.empty()) return "<absent>";
    if (values.size() > 1) return "<repeated>";
    return values.front();
  }
  std::string text() const {
    std::string out = std::to_string(line) + "@" + std::to_string(offset) + "#" +
                      std::to_string(time.ticks) + ":";
    for (const auto& [n, v] : fields) out += " " + n + "=" + v;
    return out;
  }
};

struct Parsed {
  std::vector<SeenEvent> events;
  std::vector<LineIssue> issues;
};

class CollectingSink final : public EventSink {
 public:
  CollectingSink(const FieldNames& names, Parsed& out, uint64_t line_base)
      : names_(names), out_(out), line_base_(line_base) {}
  void on_event(Event& event) override {
    SeenEvent seen;
    seen.line = event.source.record_id + line_base_;
    seen.offset = event.source.offset;
    seen.time = event.timestamp;
    for (const Field& f : event.fields()) {
      seen.fields.emplace_back(std::string(names_.name(f.name)), to_text(f.value));
    }
    out_.events.push_back(std::move(seen));
  }
  void on_issue(LineIssue issue) override {
    issue.line += line_base_;
    out_.issues.push_back(std::move(issue));
  }

 private:
  const FieldNames& names_;
  Parsed& out_;
  uint64_t line_base_;
};

inline std::shared_ptr<const FileContext> open_auditd(std::string_view head, FieldNames& names) {
  auto context = auditd_format().open(head, FileFacts{"test.log", 0}, ReadOptions{}, names);
  EXPECT_TRUE(context.ok());
  return context.ok() ? context.value() : nullptr;
}

// The whole text as one block.
inline Parsed parse_auditd(std::string_view text, FieldNames& names) {
  Parsed out;
  auto parser = auditd_format().parser(open_auditd(text, names), names);
  CollectingSink sink(names, out, 0);
  parser->parse(text, 0, 0, sink);
  return out;
}

// Line starts (byte offsets, with the line number) where the cut rule lets a
// block end, running the rule over every line as the planner does.
inline std::vector<std::pair<size_t, uint64_t>> allowed_cuts(std::string_view text) {
  std::vector<std::pair<size_t, uint64_t>> cuts;
  auto rule = auditd_format().cut_rule();
  size_t pos = 0;
  uint64_t line = 0;
  while (pos < text.size()) {
    ++line;
    size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view content = text.substr(pos, end - pos);
    if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
    if (rule->cut_before(content) && pos > 0) cuts.emplace_back(pos, line);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return cuts;
}

// The text cut into blocks at the given line starts, each block parsed by one
// parser in turn (as one worker thread would).
inline Parsed parse_auditd_blocks(std::string_view text,
                                  const std::vector<std::pair<size_t, uint64_t>>& cuts,
                                  FieldNames& names) {
  Parsed out;
  auto parser = auditd_format().parser(open_auditd(text, names), names);
  size_t begin = 0;
  uint64_t first_line = 1;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    const size_t end = i < cuts.size() ? cuts[i].first : text.size();
    CollectingSink sink(names, out, first_line - 1);
    parser->parse(text.substr(begin, end - begin), begin, 0, sink);
    if (i < cuts.size()) {
      begin = end;
      first_line = cuts[i].second;
    }
  }
  return out;
}

inline std::vector<std::string> texts(const Parsed& parsed) {
  std::vector<std::string> out;
  for (const SeenEvent& e : parsed.events) out.push_back(e.text());
  return out;
}

inline std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace vigil::read::testing
