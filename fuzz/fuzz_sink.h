#pragma once
// What both fuzz targets do with every record and damage report: render it
// every way vigil can (JSON, XML, Event, each value as text, number and
// time) and keep a transcript, so that parses can be compared byte for byte
// (vigil promises deterministic output) and sanitizers see every path.
//
// A sink is eager (records arrive expanded, as `vigil dump -f xml` gets
// them) or lazy (records arrive as template + values and are expanded only
// on demand, as `vigil dump` JSON and `vigil parse` get them).
//
// Besides crashes and sanitizer reports, the targets abort on output that is
// wrong but not unsafe: "json" for rendered JSON that does not parse,
// "offsets" for a damage or record offset outside the bytes that were parsed,
// "lazy" for lazy and eager parsing disagreeing on a record's JSON, "views"
// for a sink making both JSON and Events from one lazy record. All are on;
// VIGIL_FUZZ_STRICT narrows them to a comma-separated list, or "0" for none
// (to keep a session finding crashes past a known output bug).

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "vigil/core/event.h"
#include "vigil/core/field_names.h"
#include "vigil/core/value.h"
#include "vigil/read/evtx/evtx.h"

namespace vigil::fuzz {

inline bool strict_about(std::string_view check) {
  static const std::string strict = [] {
    const char* v = std::getenv("VIGIL_FUZZ_STRICT");
    return std::string(v != nullptr && v[0] != '\0' ? v : "1");
  }();
  return strict == "1" || (strict != "0" && strict.find(check) != std::string::npos);
}

[[noreturn]] inline void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "vigil fuzz: %s\n%s\n", what, detail.substr(0, 4000).c_str());
  std::fflush(stderr);
  std::abort();
}

inline void exercise_value(std::string& scratch, const Value& v) {
  scratch.clear();
  append_text(scratch, v, TextStyle::kWindows);
  append_text(scratch, v, TextStyle::kEvtxDump);
  if (auto n = to_int(v)) scratch += std::to_string(*n);
  if (auto t = to_timestamp(v)) scratch += std::to_string(t->ticks);
}

// What a lazy sink makes of its records (an eager one makes everything).
enum class Use : uint8_t { kJson, kEvent };

class TranscriptSink final : public evtx::RecordSink {
 public:
  // [begin, end) is the file range handed to the parser; reports must point into it.
  TranscriptSink(FieldNames& names, bool lazy, Use use, uint64_t begin, uint64_t end)
      : builder_(names), names_(names), lazy_(lazy), use_(use), begin_(begin), end_(end) {}

  bool lazy() const override { return lazy_; }

  void on_record(const evtx::Record& record, const evtx::ChunkNames& chunk_names) override {
    ++records;
    if (strict_about("offsets") && (record.file_offset < begin_ || record.file_offset >= end_)) {
      fail("record offset outside the parsed range", std::to_string(record.file_offset));
    }
    transcript += "record " + std::to_string(record.record_id) + " @" +
                  std::to_string(record.file_offset) + (record.recovered ? " recovered" : "") +
                  " t=" + std::to_string(record.written.ticks) + "\n";
    // Record::values once dangled after expansion (regression inputs
    // fuzz/regressions/evtx_chunk/uaf-record-values*.chunk): with "views" on,
    // a lazy sink makes JSON and then Events from the same record; without,
    // either one, as `vigil dump` and `vigil parse` do.
    const bool both = !lazy_ || strict_about("views");
    if (both || use_ == Use::kJson) render_json(record, chunk_names);
    if (strict_about("views") || (lazy_ && use_ == Use::kEvent)) {
      for (const Value& v : record.values) exercise_value(scratch_, v);
    }
    if (both || use_ == Use::kEvent) {
      if (builder_.build(record, chunk_names, 0, event_)) {
        event_.append_json(transcript, names_);
        for (const Field& f : event_.fields()) exercise_value(scratch_, f.value);
      } else {
        transcript += "(no event)";
      }
      transcript.push_back('\n');
    }

    // XML needs the node stream, which a lazy record builds on demand.
    evtx::Record expanded = record;
    expanded.nodes = record.expand();
    renderer_.xml(transcript, expanded, chunk_names);
    transcript.push_back('\n');
    for (const evtx::Node& n : expanded.nodes) {
      if (n.kind == evtx::NodeKind::kStart || n.kind == evtx::NodeKind::kAttr ||
          n.kind == evtx::NodeKind::kEntityRef || n.kind == evtx::NodeKind::kPITarget) {
        transcript += chunk_names.text(n.name);
        (void)chunk_names.field(n.name, names_);
      } else {
        exercise_value(scratch_, n.value);
      }
    }
    transcript.push_back('\n');
  }

  // From the record as delivered: for a lazy record that is the
  // compiled-program path.
  void render_json(const evtx::Record& record, const evtx::ChunkNames& chunk_names) {
    json_.clear();
    const bool rendered = renderer_.json(json_, record, chunk_names);
    if (rendered) {
      if (strict_about("json") && !nlohmann::json::accept(json_)) {
        fail("rendered JSON does not parse", json_);
      }
      json_by_offset[record.file_offset] = json_;
      transcript += json_;
    } else {
      transcript += "(not rendered)";
    }
    transcript.push_back('\n');
  }

  void on_damage(evtx::Damage damage) override {
    ++damages;
    if (strict_about("offsets") && (damage.offset < begin_ || damage.offset > end_)) {
      fail("damage offset outside the parsed range",
           std::to_string(damage.offset) + " not in [" + std::to_string(begin_) + ", " +
               std::to_string(end_) + "]: " + damage.message);
    }
    transcript += "damage @" + std::to_string(damage.offset) + " " +
                  std::to_string(static_cast<int>(damage.code)) + " " + damage.message + "\n";
  }

  std::string transcript;
  std::map<uint64_t, std::string> json_by_offset;  // records that rendered to JSON
  size_t records = 0;
  size_t damages = 0;

 private:
  evtx::Renderer renderer_;
  evtx::EventBuilder builder_;
  FieldNames& names_;
  Event event_;
  std::string json_;
  std::string scratch_;
  bool lazy_;
  Use use_;
  uint64_t begin_;
  uint64_t end_;
};

// Lazy and eager parsing must agree on which records render and on their JSON.
inline void compare_lazy_with_eager(const TranscriptSink& eager, const TranscriptSink& lazy) {
  if (!strict_about("lazy")) return;
  for (const auto& [offset, json] : eager.json_by_offset) {
    auto it = lazy.json_by_offset.find(offset);
    if (it == lazy.json_by_offset.end()) {
      fail("a record rendered from the eager parse is missing from the lazy one",
           std::to_string(offset) + "\n" + json);
    }
    if (it->second != json) {
      fail("lazy and eager JSON differ",
           std::to_string(offset) + "\neager: " + json + "\nlazy:  " + it->second);
    }
  }
  for (const auto& [offset, json] : lazy.json_by_offset) {
    if (!eager.json_by_offset.contains(offset)) {
      fail("the lazy parse rendered a record the eager parse did not deliver",
           std::to_string(offset) + "\n" + json + "\n--- eager transcript:\n" +
               eager.transcript.substr(0, 2000));
    }
  }
}

}  // namespace vigil::fuzz
