#pragma once
// Helpers of the syslog reader tests: run text through the format (its
// context and block parser, as the driver would) or a file through the
// driver, and keep every event as (name, text) pairs.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "vigil/core/timestamp.h"
#include "vigil/read/syslog/syslog.h"
#include "vigil/read/text/scan.h"

namespace vigil::read::testing {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Parsed {
  Fields fields;
  std::string time;  // RFC 3339 with microseconds, "" when unset
  uint64_t line = 0;
  uint64_t offset = 0;
};

struct ParseResult {
  std::vector<Parsed> events;
  std::vector<LineIssue> issues;
  std::string error;  // from open()
};

inline Parsed to_parsed(const Event& e, const FieldNames& names) {
  Parsed p;
  for (const Field& f : e.fields()) {
    p.fields.emplace_back(std::string(names.name(f.name)), to_text(f.value));
  }
  p.time = e.timestamp.is_set() ? to_rfc3339(e.timestamp, 6) : "";
  p.line = e.source.record_id;
  p.offset = e.source.offset;
  return p;
}

class CollectingSink final : public EventSink {
 public:
  CollectingSink(ParseResult& out, const FieldNames& names) : out_(out), names_(names) {}
  void on_event(Event& event) override { out_.events.push_back(to_parsed(event, names_)); }
  void on_issue(LineIssue issue) override { out_.issues.push_back(std::move(issue)); }

 private:
  ParseResult& out_;
  const FieldNames& names_;
};

inline ReadOptions year(int y) {
  ReadOptions o;
  o.year = y;
  return o;
}

// The text as one block of a file with modification time `mtime`.
inline ParseResult parse_text(std::string_view text, const ReadOptions& options = year(2024),
                              int64_t mtime = 0) {
  ParseResult r;
  FieldNames names;
  FileFacts facts;
  facts.path = "test.log";
  facts.mtime_seconds = mtime;
  auto context = syslog_format().open(text, facts, options, names);
  if (!context.ok()) {
    r.error = context.error().message;
    return r;
  }
  auto parser = syslog_format().parser(context.value(), names);
  CollectingSink sink(r, names);
  parser->parse(text, 0, 0, sink);
  return r;
}

// The only event of a one-line text (fails the test otherwise).
inline Parsed one_event(std::string_view line, const ReadOptions& options = year(2024)) {
  ParseResult r = parse_text(line, options);
  EXPECT_EQ(r.events.size(), 1u) << line;
  for (const LineIssue& i : r.issues) ADD_FAILURE() << line << ": issue " << i.reason;
  return r.events.empty() ? Parsed{} : r.events[0];
}

// First value of a field, or "(absent)".
inline std::string get(const Parsed& p, const std::string& name) {
  for (const auto& [n, v] : p.fields) {
    if (n == name) return v;
  }
  return "(absent)";
}

// The fields after the header ones (_source_format, Computer, program, pid,
// message), for checking what extraction added, in order.
inline Fields extracted(const Parsed& p) {
  Fields out;
  for (const auto& f : p.fields) {
    if (f.first == "_source_format" || f.first == "Computer" || f.first == "program" ||
        f.first == "pid" || f.first == "message") {
      continue;
    }
    out.push_back(f);
  }
  return out;
}

// A file through the driver (planning, recognition among `formats`, blocks).
inline ParseResult read_file(const std::string& path, const ReadOptions& options = year(2024),
                             unsigned threads = 1) {
  ParseResult r;
  FieldNames names;
  const Format* list[] = {&syslog_format()};
  PlanOptions plan;
  plan.formats = list;
  plan.read = options;
  auto input = plan_text_input(path, plan, names);
  if (!input.ok()) {
    r.error = input.error().to_string();
    return r;
  }
  std::vector<TextInput> inputs;
  inputs.push_back(std::move(input.value()));
  scan_text<std::vector<Parsed>>(
      inputs, threads, names,
      [&](Event& e, uint32_t, unsigned, std::vector<Parsed>& out) {
        out.push_back(to_parsed(e, names));
      },
      [](std::vector<Parsed>& out) { out.clear(); },
      [&](const TextSlot<std::vector<Parsed>>& slot) {
        r.events.insert(r.events.end(), slot.out.begin(), slot.out.end());
        r.issues.insert(r.issues.end(), slot.issues.begin(), slot.issues.end());
      });
  return r;
}

inline std::string fixture(const std::string& name) {
  return std::string(VIGIL_SOURCE_DIR) + "/tests/data/logs/syslog/" + name;
}

}  // namespace vigil::read::testing
