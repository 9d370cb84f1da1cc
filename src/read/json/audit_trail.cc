// vigil's application audit trail: JSON lines, one object per access, written
// by other systems to a documented contract (docs/formats.md, "vigil's
// application audit trail"). Required keys are checked; the rest is kept.

#include <array>

#include "reader.h"
#include "vigil/read/json/json.h"

namespace vigil::read {

namespace json {
namespace {

// The contract's keys, in the order the checks name them.
enum Key : uint8_t { kTimestamp, kActor, kAction, kObject, kBytes, kOutcome, kHost, kKeyCount };
constexpr std::array<std::string_view, kKeyCount> kKeyNames = {
    "timestamp", "actor", "action", "object", "bytes", "outcome", "host"};

class AuditTrailContext final : public FileContext {};

class AuditTrailParser final : public JsonBlockParser {
 public:
  explicit AuditTrailParser(FieldNames& names)
      : JsonBlockParser(names), source_format_(names.intern("_source_format")) {
    for (size_t i = 0; i < kKeyCount; ++i) ids_[i] = names.intern(kKeyNames[i]);
  }

 protected:
  void on_object(simdjson::dom::element object) override {
    Event& event = begin_event();
    flatten(object, NameCache::kRoot, event);
    std::array<const Value*, kKeyCount> found{};
    for (const Field& f : fields_) {
      for (size_t i = 0; i < kKeyCount; ++i) {
        if (f.name == ids_[i] && found[i] == nullptr) found[i] = &f.value;
      }
    }
    auto text = [&](Key key) -> std::string_view {
      return found[key] ? found[key]->utf8_view().value_or("") : std::string_view();
    };
    for (Key key : {kTimestamp, kActor, kAction}) {
      if (text(key).empty()) {
        reject("audit trail entry without \"" + std::string(kKeyNames[key]) + "\"; skipped");
        return;
      }
    }
    event.timestamp = parse_rfc3339(text(kTimestamp));
    if (!event.timestamp.is_set()) {
      reject("audit trail timestamp \"" + std::string(text(kTimestamp).substr(0, 64)) +
             "\" is not RFC 3339; skipped");
      return;
    }
    std::string problems;
    if (found[kBytes] != nullptr && !parse_u64(text(kBytes))) {
      problems = "\"bytes\" is not a non-negative integer";
    }
    if (found[kOutcome] != nullptr && text(kOutcome) != "success" && text(kOutcome) != "failure") {
      if (!problems.empty()) problems += "; ";
      problems += "\"outcome\" is neither \"success\" nor \"failure\"";
    }
    event.reserve_more(fields_.size() + 2);
    event.add(source_format_, Value::utf8("audit-trail"));
    for (const Field& f : fields_) event.add(f.name, f.value);
    if (found[kHost] != nullptr && found[kHost]->size != 0) {
      event.add(field::kComputer, *found[kHost]);
    }
    deliver(event);
    if (!problems.empty()) reject(problems + " (entry kept as written)");
  }

 private:
  FieldId source_format_;
  std::array<FieldId, kKeyCount> ids_{};
};

// An object has the keys that make it an audit trail entry; `telling` is set
// when it also names an object or is a login or logout (generic JSON seldom
// has timestamp, actor and action, and hardly ever with these).
bool entry_keys(simdjson::dom::object object, bool& telling) {
  bool timestamp = false, actor = false, action = false;
  for (const simdjson::dom::key_value_pair member : object) {
    timestamp |= member.key == "timestamp";
    actor |= member.key == "actor";
    if (member.key == "action") {
      action = true;
      std::string_view value;
      if (member.value.get(value) == simdjson::SUCCESS && (value == "login" || value == "logout")) {
        telling = true;
      }
    }
    telling |= member.key == "object";
  }
  return timestamp && actor && action;
}

class AuditTrailFormat final : public Format {
 public:
  std::string_view name() const override { return "audit-trail"; }
  // Above the json format's score when the head's JSON lines are mostly
  // entries (timestamp, actor, action) and at least one names an object or
  // is a login or logout.
  int sniff(std::string_view head, std::string_view) const override {
    simdjson::dom::parser parser;
    int entries = 0, others = 0;
    bool telling = false;
    size_t pos = 0;
    while (pos < head.size() && entries + others < 32) {
      const size_t nl = head.find('\n', pos);
      const size_t end = nl == std::string_view::npos ? head.size() : nl;
      const std::string_view line = trim_leading(head.substr(pos, end - pos));
      pos = nl == std::string_view::npos ? head.size() : nl + 1;
      if (line.empty() || line == "\r") continue;
      simdjson::dom::object object;
      const simdjson::padded_string copy(line);
      if (parser.parse(copy).get(object) == simdjson::SUCCESS && entry_keys(object, telling)) {
        ++entries;
      } else {
        ++others;
      }
    }
    return entries > others && telling ? 90 : 0;
  }
  Result<std::shared_ptr<const FileContext>> open(std::string_view, const FileFacts&,
                                                  const ReadOptions&, FieldNames&) const override {
    return std::shared_ptr<const FileContext>(std::make_shared<AuditTrailContext>());
  }
  std::unique_ptr<CutRule> cut_rule() const override { return std::make_unique<JsonCutRule>(); }
  std::unique_ptr<BlockParser> parser(std::shared_ptr<const FileContext>,
                                      FieldNames& names) const override {
    return std::make_unique<AuditTrailParser>(names);
  }
};

}  // namespace
}  // namespace json

const Format& audit_trail_format() {
  static const json::AuditTrailFormat kFormat;
  return kFormat;
}

}  // namespace vigil::read
