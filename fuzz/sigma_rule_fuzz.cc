// libFuzzer target: the input is a Sigma rule file (any number of YAML
// documents). It is loaded and compiled with the built-in logsource mapping
// and a small placeholder table, then matched against a fixed set of events.
//
// Checks beyond "no crash, no sanitizer report, no hang": every document is
// either loaded or rejected by exactly one error; diagnostics say something;
// match results are ascending rule indices; a second load, compile and
// match of the same input gives the same diagnostics and matches; and the
// set compiled with a rule selection matches as the whole set does, less the
// rules left out, with the same selected rules and correlations silenced by
// the correlations that take them.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "vigil/core/event.h"
#include "vigil/core/field_names.h"
#include "vigil/detect/correlation.h"
#include "vigil/detect/loader.h"
#include "vigil/detect/logsource.h"
#include "vigil/detect/matcher.h"
#include "vigil/detect/placeholders.h"
#include "vigil/detect/ruleset.h"

namespace {

using namespace vigil;
using namespace vigil::detect;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "vigil fuzz: %s\n%s\n", what, detail.c_str());
  std::abort();
}

struct Outcome {
  std::string transcript;
};

// A few events shaped like what the EVTX reader produces: Sysmon and
// Security process creation, a Defender event with spaced names, typed values.
void add_events(FieldNames& names, std::vector<Event>& events, std::vector<std::string>& storage) {
  storage.reserve(64);
  auto text = [&](Event& e, const char* name, std::string value) {
    storage.push_back(std::move(value));
    e.add(names.intern(name), Value::utf8(storage.back()));
  };
  auto raw = [&](Event& e, const char* name, ValueType type, std::string bytes) {
    storage.push_back(std::move(bytes));
    const std::string& b = storage.back();
    e.add(names.intern(name), Value(reinterpret_cast<const uint8_t*>(b.data()),
                                    static_cast<uint32_t>(b.size()), static_cast<uint8_t>(type)));
  };
  events.resize(3);
  Event& sysmon = events[0];
  text(sysmon, "Channel", "Microsoft-Windows-Sysmon/Operational");
  raw(sysmon, "EventID", ValueType::kUInt16, std::string("\x01\x00", 2));
  text(sysmon, "Image", "C:\\Windows\\System32\\cmd.exe");
  text(sysmon, "CommandLine", "cmd.exe /c whoami -all \xE2\x80\x94x aHR0cDovL3g=");
  text(sysmon, "User", "CORP\\Admin");
  text(sysmon, "UtcTime", "2024-03-10 23:45:12.000");
  text(sysmon, "DestinationIp", "fe80::1");
  raw(sysmon, "Data", ValueType::kNull, "");
  text(sysmon, "Data", "second");
  Event& security = events[1];
  text(security, "Channel", "Security");
  raw(security, "EventID", ValueType::kUInt16, std::string("\x50\x12", 2));
  std::string utf16;
  for (char c : std::string("C:\\Temp\\x.exe")) {
    utf16.push_back(c);
    utf16.push_back('\0');
  }
  raw(security, "NewProcessName", ValueType::kUtf16, utf16);
  raw(security, "Size", ValueType::kUInt64, std::string("\xE8\x03\0\0\0\0\0\0", 8));
  text(security, "IpAddress", "10.1.2.3");
  Event& defender = events[2];
  text(defender, "Channel", "Microsoft-Windows-Windows Defender/Operational");
  text(defender, "Source Name", "Real-Time Protection");
  text(defender, "Threat Name", "Virus:DOS/EICAR_Test_File");
}

Outcome run(std::string_view input) {
  Outcome out;
  RuleCollection collection;
  parse_rules(input, "fuzz.yml", collection);
  const size_t documents = collection.documents;

  Placeholders placeholders;
  placeholders.set("p", {"a*", "b?c", "\\%x"});
  placeholders.set("Admins", {"root", "adm_*"});
  FieldNames names;
  CompileOptions options;
  options.placeholders = &placeholders;
  options.resolver = mapping_resolver(LogsourceMapping::builtin());
  std::vector<Diagnostic> diagnostics;
  auto set = RuleSet::compile(std::move(collection), names, options, diagnostics);

  size_t rejected = 0;
  for (const Diagnostic& d : diagnostics) {
    if (d.message.empty()) fail("a diagnostic without a message", format_diagnostic(d));
    if (d.rejects_rule) {
      if (d.severity != Severity::kError) fail("a warning rejected a rule", format_diagnostic(d));
      ++rejected;
    }
    out.transcript += format_diagnostic(d);
    out.transcript += '\n';
  }
  const size_t loaded = set->size() + set->correlations().size() + set->filters().size();
  if (loaded + rejected != documents) {
    fail("documents neither loaded nor rejected",
         std::to_string(documents) + " documents, " + std::to_string(loaded) + " loaded, " +
             std::to_string(rejected) + " rejected\n" + out.transcript);
  }

  std::vector<Event> events;
  std::vector<std::string> storage;
  add_events(names, events, storage);
  // Twice through one matcher: its reused scratch must not change results.
  Matcher matcher(*set);
  std::string rounds[2];
  for (std::string& round : rounds) {
    for (const Event& e : events) {
      const auto hits = matcher.match(e);
      for (size_t i = 0; i < hits.size(); ++i) {
        if (hits[i] >= set->size() || (i > 0 && hits[i] <= hits[i - 1])) {
          fail("match results are not ascending rule indices", out.transcript);
        }
        round += std::to_string(hits[i]);
        round += ' ';
      }
      round += '\n';
    }
  }
  if (rounds[0] != rounds[1]) {
    fail("a reused matcher gave different results", rounds[0] + "\n---\n" + rounds[1]);
  }
  out.transcript += rounds[0];

  // A selection (--min-level high) leaves rules out and changes nothing for
  // the rules it keeps: each event's matches are those of the whole set that
  // are still there, and every selected rule that matched is among them.
  RuleCollection again;
  parse_rules(input, "fuzz.yml", again);
  CompileOptions selective = options;
  selective.selection.min_level = Level::kHigh;
  std::vector<Diagnostic> selective_diagnostics;
  auto part = RuleSet::compile(std::move(again), names, selective, selective_diagnostics);
  Matcher part_matcher(*part);
  auto lines_of = [](const RuleSet& rules, std::span<const uint32_t> hits) {
    std::set<uint32_t> lines;
    for (uint32_t h : hits) lines.insert(rules.rule(h).info.line);
    return lines;
  };
  for (const Event& e : events) {
    const std::set<uint32_t> whole = lines_of(*set, matcher.match(e));
    const std::set<uint32_t> selected = lines_of(*part, part_matcher.match(e));
    for (uint32_t line : selected) {
      if (!whole.contains(line))
        fail("a selected set matched a rule the whole set did not", out.transcript);
    }
    for (uint32_t h : matcher.match(e)) {
      const RuleInfo& info = set->rule(h).info;
      if (selective.selection.selects(info) && !selected.contains(info.line)) {
        fail("a selected rule that matched was missing from the selected set", out.transcript);
      }
    }
  }
  // And what is shown of the selected rules and correlations is the same:
  // a rule or correlation another one takes without `generate` is silenced
  // by it, whether that one is selected or not.
  const CorrelationEngine whole_engine(*set);
  const CorrelationEngine part_engine(*part);
  std::map<uint32_t, bool> whole_rules;
  std::map<uint32_t, bool> whole_correlations;
  for (uint32_t r = 0; r < set->size(); ++r) {
    whole_rules[set->rule(r).info.line] = whole_engine.reports_on_its_own(r);
  }
  for (uint32_t c = 0; c < set->correlations().size(); ++c) {
    whole_correlations[set->correlations()[c].info.line] =
        whole_engine.correlation_reports_on_its_own(c);
  }
  for (uint32_t r = 0; r < part->size(); ++r) {
    const RuleInfo& info = part->rule(r).info;
    auto it = whole_rules.find(info.line);
    if (selective.selection.selects(info) && it != whole_rules.end() &&
        it->second != part_engine.reports_on_its_own(r)) {
      fail("a selected rule reports on its own in one set and not the other", out.transcript);
    }
  }
  for (uint32_t c = 0; c < part->correlations().size(); ++c) {
    const RuleInfo& info = part->correlations()[c].info;
    auto it = whole_correlations.find(info.line);
    if (selective.selection.selects(info) && it != whole_correlations.end() &&
        it->second != part_engine.correlation_reports_on_its_own(c)) {
      fail("a selected correlation reports on its own in one set and not the other",
           out.transcript);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return -1;  // rule files are small; keep the corpus small
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Outcome first = run(input);
  const Outcome second = run(input);
  if (first.transcript != second.transcript) {
    fail("loading the same rules twice gave different results",
         first.transcript + "\n---\n" + second.transcript);
  }
  return 0;
}
