#pragma once
// Test helpers for text readers (shared by the web, Zeek and CSV tests):
// parse text with one format and keep every event as (name, text) pairs,
// read files the way a run does (plan_text_input + scan_text), and match
// events against SigmaHQ rules through the built-in logsource mapping.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/utf.h"
#include "vigil/detect/loader.h"
#include "vigil/detect/logsource.h"
#include "vigil/detect/matcher.h"
#include "vigil/detect/ruleset.h"
#include "vigil/read/formats.h"
#include "vigil/read/text/format.h"
#include "vigil/read/text/scan.h"

namespace vigil::read::testing {

// An event as plain strings, for comparisons.
struct SeenEvent {
  Timestamp timestamp;
  SourceRef source;
  std::vector<std::pair<std::string, std::string>> fields;

  // The first value of `name`, or "<absent>".
  std::string get(const std::string& name) const {
    for (const auto& [n, v] : fields) {
      if (n == name) return v;
    }
    return "<absent>";
  }
  bool has(const std::string& name) const { return get(name) != "<absent>"; }
  size_t count(const std::string& name) const {
    size_t n = 0;
    for (const auto& f : fields) n += f.first == name;
    return n;
  }
  std::string time() const { return timestamp.is_set() ? to_rfc3339(timestamp, 3) : "unset"; }
};

struct Parsed {
  std::vector<SeenEvent> events;
  std::vector<LineIssue> issues;
  std::string open_error;  // when the format would not open the text
};

class CollectingSink final : public EventSink {
 public:
  CollectingSink(Parsed& out, const FieldNames& names) : out_(out), names_(names) {}
  void on_event(Event& event) override {
    SeenEvent seen;
    seen.timestamp = event.timestamp;
    seen.source = event.source;
    for (const Field& f : event.fields()) {
      const std::string text = to_text(f.value);
      EXPECT_TRUE(is_valid_utf8(text)) << names_.name(f.name);
      seen.fields.emplace_back(std::string(names_.name(f.name)), text);
    }
    out_.events.push_back(std::move(seen));
  }
  void on_issue(LineIssue issue) override { out_.issues.push_back(std::move(issue)); }

 private:
  Parsed& out_;
  const FieldNames& names_;
};

// The whole text as one block: head = the text, context from it.
inline Parsed parse_text(const Format& format, std::string_view text, FieldNames& names,
                         const ReadOptions& options = {}, std::string path = "test.log") {
  Parsed out;
  FileFacts facts;
  facts.path = std::move(path);
  auto context = format.open(text.substr(0, limits::kTextHeadBytes), facts, options, names);
  if (!context.ok()) {
    out.open_error = context.error().message;
    return out;
  }
  auto parser = format.parser(context.value(), names);
  CollectingSink sink(out, names);
  parser->parse(text, 0, 0, sink);
  return out;
}

inline Parsed parse_text(const Format& format, std::string_view text,
                         const ReadOptions& options = {}, std::string path = "test.log") {
  static FieldNames names;  // outlives the returned strings' sources
  return parse_text(format, text, names, options, std::move(path));
}

// A file read as a run reads it: recognition among every compiled-in
// format (unless `forced`), blocks, the parallel scan. Line numbers and
// issues are absolute.
struct ReadResult {
  std::string error;  // planning failed
  const Format* format = nullptr;
  std::vector<SeenEvent> events;
  std::vector<LineIssue> issues;
};

inline ReadResult read_file(const std::string& path, FieldNames& names,
                            const Format* forced = nullptr, ReadOptions options = {},
                            unsigned threads = 2) {
  ReadResult result;
  PlanOptions plan;
  plan.formats = formats();
  plan.format = forced;
  plan.read = std::move(options);
  auto input = plan_text_input(path, plan, names);
  if (!input.ok()) {
    result.error = input.error().message;
    return result;
  }
  result.format = input.value().format;
  std::vector<TextInput> inputs;
  inputs.push_back(std::move(input.value()));
  scan_text<std::vector<SeenEvent>>(
      inputs, threads, names,
      [&](Event& event, uint32_t, unsigned, std::vector<SeenEvent>& out) {
        SeenEvent seen;
        seen.timestamp = event.timestamp;
        seen.source = event.source;
        for (const Field& f : event.fields()) {
          seen.fields.emplace_back(std::string(names.name(f.name)), to_text(f.value));
        }
        out.push_back(std::move(seen));
      },
      [](std::vector<SeenEvent>& out) { out.clear(); },
      [&](TextSlot<std::vector<SeenEvent>>& slot) {
        for (auto& e : slot.out) result.events.push_back(std::move(e));
        for (auto& i : slot.issues) result.issues.push_back(std::move(i));
      });
  return result;
}

inline std::string issues_text(const std::vector<LineIssue>& issues, size_t max = 10) {
  std::string out;
  for (size_t i = 0; i < issues.size() && i < max; ++i) {
    out += "line " + std::to_string(issues[i].line) + ": " + issues[i].reason + "\n";
  }
  return out;
}

inline std::string shared_dir() { return VIGIL_SHARED_DIR; }
inline std::string fixture(const std::string& relative) {
  return std::string(VIGIL_SOURCE_DIR) + "/tests/data/logs/" + relative;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// SigmaHQ rules from `paths` compiled with the built-in logsource mapping;
// match() gives the ids of the rules an event fires.
class SigmaRules {
 public:
  SigmaRules(const std::vector<std::string>& paths, FieldNames& names) {
    detect::RuleCollection collection = detect::load_rules(paths);
    files_ = collection.files;
    detect::CompileOptions options;
    options.resolver = detect::mapping_resolver(detect::LogsourceMapping::builtin());
    set_ = detect::RuleSet::compile(std::move(collection), names, options, diagnostics_);
    matcher_ = std::make_unique<detect::Matcher>(*set_);
  }
  size_t files() const { return files_; }
  size_t rules() const { return set_->size(); }
  std::set<std::string> match(const Event& event) {
    std::set<std::string> ids;
    for (uint32_t index : matcher_->match(event)) ids.insert(set_->rule(index).info.id);
    return ids;
  }

 private:
  size_t files_ = 0;
  std::vector<detect::Diagnostic> diagnostics_;
  std::shared_ptr<const detect::RuleSet> set_;
  std::unique_ptr<detect::Matcher> matcher_;
};

// Rule ids fired by the events of `text` read with `format`, per event.
class FiringSink final : public EventSink {
 public:
  explicit FiringSink(SigmaRules& rules) : rules_(rules) {}
  void on_event(Event& event) override { fired.push_back(rules_.match(event)); }
  void on_issue(LineIssue issue) override { issues.push_back(std::move(issue)); }
  std::vector<std::set<std::string>> fired;
  std::vector<LineIssue> issues;

 private:
  SigmaRules& rules_;
};

inline FiringSink fire(SigmaRules& rules, const Format& format, std::string_view text,
                       FieldNames& names, const ReadOptions& options = {},
                       const std::string& path = "test.log") {
  FiringSink sink(rules);
  FileFacts facts;
  facts.path = path;
  auto context = format.open(text.substr(0, limits::kTextHeadBytes), facts, options, names);
  EXPECT_TRUE(context.ok());
  if (!context.ok()) return sink;
  auto parser = format.parser(context.value(), names);
  parser->parse(text, 0, 0, sink);
  return sink;
}

}  // namespace vigil::read::testing
