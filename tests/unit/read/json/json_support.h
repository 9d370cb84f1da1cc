#pragma once
// Shared helpers of the JSON reader tests: run a format's parser over text
// (as one block, or through the whole planning and scanning driver) and see
// the events as (name, text) pairs.

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/core/event.h"
#include "vigil/read/formats.h"
#include "vigil/read/json/json.h"
#include "vigil/read/text/scan.h"

namespace vigil::read::testing {

struct SeenEvent {
  uint64_t line = 0;
  uint64_t offset = 0;
  Timestamp timestamp;
  std::vector<std::pair<std::string, std::string>> fields;

  // Text of the first field with that name, or "<absent>".
  std::string get(std::string_view name) const {
    for (const auto& [n, t] : fields) {
      if (n == name) return t;
    }
    return "<absent>";
  }
  std::vector<std::string> all(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [n, t] : fields) {
      if (n == name) out.push_back(t);
    }
    return out;
  }
  bool has(std::string_view name) const { return get(name) != "<absent>"; }
};

struct Parsed {
  std::vector<SeenEvent> events;
  std::vector<LineIssue> issues;
  std::string issue_text() const {
    std::string out;
    for (const LineIssue& i : issues) {
      out += std::to_string(i.line) + "@" + std::to_string(i.offset) + ": " + i.reason + "\n";
    }
    return out;
  }
};

class CollectSink final : public EventSink {
 public:
  CollectSink(Parsed& out, const FieldNames& names) : out_(out), names_(names) {}
  void on_event(Event& event) override {
    SeenEvent e;
    e.line = event.source.record_id;
    e.offset = event.source.offset;
    e.timestamp = event.timestamp;
    for (const Field& f : event.fields()) {
      e.fields.emplace_back(std::string(names_.name(f.name)), to_text(f.value));
    }
    out_.events.push_back(std::move(e));
  }
  void on_issue(LineIssue issue) override { out_.issues.push_back(std::move(issue)); }

 private:
  Parsed& out_;
  const FieldNames& names_;
};

// The format's parser over `text` as one block at offset 0.
inline Parsed parse_block(const Format& format, std::string_view text, FieldNames& names,
                          const ReadOptions& options = {}) {
  FileFacts facts;
  facts.path = "test.json";
  auto context = format.open(text, facts, options, names);
  EXPECT_TRUE(context.ok());
  Parsed out;
  if (!context.ok()) return out;
  auto parser = format.parser(context.value(), names);
  CollectSink sink(out, names);
  parser->parse(text, 0, 0, sink);
  return out;
}

// A file through plan_text_input and scan_text with every registered format.
struct ReadResult {
  std::string format;
  Parsed parsed;
  std::string error;
};
inline ReadResult read_path(const std::string& path, FieldNames& names,
                            const Format* forced = nullptr, unsigned threads = 2,
                            const ReadOptions& read = {}) {
  ReadResult result;
  PlanOptions options;
  options.formats = formats();
  options.format = forced;
  options.read = read;
  auto input = plan_text_input(path, options, names);
  if (!input.ok()) {
    result.error = input.error().message;
    return result;
  }
  result.format = std::string(input->format->name());
  std::vector<TextInput> inputs;
  inputs.push_back(std::move(input.value()));
  struct Out {
    std::vector<SeenEvent> events;
  };
  scan_text<Out>(
      inputs, threads, names,
      [&](Event& event, uint32_t, unsigned, Out& out) {
        Parsed p;
        CollectSink sink(p, names);
        sink.on_event(event);
        out.events.push_back(std::move(p.events.front()));
      },
      [](Out& out) { out.events.clear(); },
      [&](TextSlot<Out>& slot) {
        for (auto& e : slot.out.events) result.parsed.events.push_back(std::move(e));
        for (auto& i : slot.issues) result.parsed.issues.push_back(std::move(i));
      });
  return result;
}

inline std::string fixture(const std::string& name) {
  return std::string(VIGIL_SOURCE_DIR) + "/tests/data/logs/json/" + name;
}

inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace vigil::read::testing
