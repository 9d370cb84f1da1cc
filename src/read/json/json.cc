// The `json` format: which shape an object has (an EVTX dump, a Winlogbeat /
// ECS export, or anything else) and how each shape becomes an event.

#include "vigil/read/json/json.h"

#include <array>
#include <cstring>

#include "reader.h"

namespace vigil::read {

namespace json {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Keys a generic object's time is taken from, first present (and readable)
// first; docs/formats.md lists them.
constexpr std::array<std::string_view, 16> kTimeKeys = {
    "@timestamp", "timestamp",     "time",        "ts",        "eventTime",
    "EventTime",  "TimeGenerated", "TimeCreated", "published", "requestReceivedTimestamp",
    "created_at", "utc_time",      "date",        "datetime",  "Date",
    "DateTime"};

// Where a generic object names its host (copied to Computer).
constexpr std::array<std::string_view, 2> kHostKeys = {"host.name", "hostname"};

// Winlogbeat / ECS names of EVTX System fields; a lower rank wins when an
// object has several sources of one field (winlog.computer_name is the
// event's own Computer, host.name the shipper's).
struct EcsSource {
  std::string_view name;
  FieldId target;
  uint8_t rank;
};
constexpr EcsSource kEcsSources[] = {
    {"winlog.event_id", field::kEventID, 0},
    {"event.code", field::kEventID, 1},
    {"winlog.channel", field::kChannel, 0},
    {"winlog.computer_name", field::kComputer, 0},
    {"host.name", field::kComputer, 1},
    {"host.hostname", field::kComputer, 2},
    {"winlog.provider_name", field::kProviderName, 0},
    {"event.provider", field::kProviderName, 1},
    {"winlog.provider_guid", field::kProviderGuid, 0},
    {"winlog.record_id", field::kEventRecordID, 0},
    {"winlog.process.pid", field::kExecutionProcessID, 0},
    {"winlog.process.thread.id", field::kExecutionThreadID, 0},
    {"winlog.user.identifier", field::kSecurityUserID, 0},
    {"winlog.version", field::kVersion, 0},
    {"winlog.activity_id", field::kCorrelationActivityID, 0},
    {"winlog.related_activity_id", field::kCorrelationRelatedActivityID, 0},
};
constexpr std::string_view kEventDataPrefix = "winlog.event_data.";
constexpr std::string_view kUserDataPrefix = "winlog.user_data.";

// The EVTX reader looks at elements down to this depth (docs/evtx.md).
constexpr uint32_t kEvtxMaxDepth = 8;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper_hex(char c) { return is_digit(c) || (c >= 'A' && c <= 'F'); }

// evtx_dump writes GUID values without braces (upper case); the EVTX
// reader's text has them. Text that merely holds a GUID is usually lower
// case, or braced, and stays as it is.
bool bare_guid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_upper_hex(s[i])) return false;
  }
  return true;
}

// evtx_dump writes times with 6 fractional digits, the EVTX reader with 7.
bool six_digit_time(std::string_view s) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  if (s.size() != kShape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (kShape[i] == 'd' ? !is_digit(s[i]) : s[i] != kShape[i]) return false;
  }
  return true;
}

enum class Section : uint8_t { kSystem, kEventData, kUserData, kOther };

class JsonContext final : public FileContext {
 public:
  explicit JsonContext(std::string key) : time_field(std::move(key)) {}
  std::string time_field;  // --time-field: the only time key when set
};

class JsonParser final : public JsonBlockParser {
 public:
  JsonParser(std::shared_ptr<const JsonContext> context, FieldNames& names)
      : JsonBlockParser(names),
        context_(std::move(context)),
        source_format_(names.intern("_source_format")) {}

 protected:
  void on_object(element object) override {
    Event& event = begin_event();
    element root = object;
    Shape shape = shape_of(root);
    if (shape.has_source && shape.search_hit) {
      // An Elasticsearch search hit: the document is its _source.
      root = shape.source;
      shape = shape_of(root);
    }
    if (shape.has_event && shape.event_object.at_key("System").is_object()) {
      dump(shape.event_object, event);
      // Members beside "Event" (a converter's own, such as the file the
      // record came from) are kept as generic fields.
      for (const simdjson::dom::key_value_pair member : as_object(root)) {
        if (member.key == "Event") continue;
        const FieldId id = names_.id(NameCache::kRoot, member.key);
        if (id == kNoField) {
          names_dropped_ = true;
          continue;
        }
        flatten(member.value, id, event);
      }
      // Only TimeCreated gives a dump's time: EventData names that look like
      // time keys are the event's own data.
      finish(event, "evtx", false, false);
      return;
    }
    flatten(root, NameCache::kRoot, event);
    if (shape.ecs) {
      map_ecs();
      finish(event, "evtx", false, true);
    } else {
      finish(event, "json", true, true);
    }
  }

 private:
  struct Shape {
    element event_object;  // "Event": {...}
    element source;        // "_source": {...}
    bool has_event = false;
    bool has_source = false;
    bool search_hit = false;  // "_index" or "_id" beside _source
    bool ecs = false;         // "winlog": {...} or "winlog.*" keys
  };

  static Shape shape_of(element object) {
    Shape shape;
    for (const simdjson::dom::key_value_pair member : as_object(object)) {
      const std::string_view key = member.key;
      if (key.empty()) continue;
      switch (key[0]) {
        case 'E':
          if (key == "Event" && member.value.is_object()) {
            shape.event_object = member.value;
            shape.has_event = true;
          }
          break;
        case 'w':
          if (key.starts_with("winlog") &&
              (key.size() == 6 ? member.value.is_object() : key[6] == '.')) {
            shape.ecs = true;
          }
          break;
        case '_':
          if (key == "_source" && member.value.is_object()) {
            shape.source = member.value;
            shape.has_source = true;
          } else if (key == "_index" || key == "_id") {
            shape.search_hit = true;
          }
          break;
        default: break;
      }
    }
    return shape;
  }

  // What a flattened field name means here, worked out once per name.
  struct Role {
    bool known = false;
    uint8_t time_rank = 0;       // 1 + index in the time keys (or 1 for --time-field); 0: none
    uint8_t host_rank = 0;       // 1 + index in kHostKeys; 0: none
    bool event_data = false;     // winlog.event_data.* / winlog.user_data.*: renamed
    int8_t ecs_source = -1;      // index into kEcsSources
    FieldId renamed = kNoField;  // the EventData / UserData name
  };

  // By value: learning a new role may move the others.
  Role role(FieldId id) {
    if (id < roles_.size() && roles_[id].known) return roles_[id];
    return learn_role(id);
  }

  [[gnu::noinline]] Role learn_role(FieldId id) {
    if (id >= roles_.size()) roles_.resize(std::max<size_t>(id + 1, 2 * roles_.size()));
    Role& r = roles_[id];
    r.known = true;
    const std::string_view name = names_.names().name(id);
    if (!context_->time_field.empty()) {
      if (name == context_->time_field) r.time_rank = 1;
    } else {
      for (size_t i = 0; i < kTimeKeys.size(); ++i) {
        if (name == kTimeKeys[i]) r.time_rank = static_cast<uint8_t>(i + 1);
      }
    }
    for (size_t i = 0; i < kHostKeys.size(); ++i) {
      if (name == kHostKeys[i]) r.host_rank = static_cast<uint8_t>(i + 1);
    }
    for (size_t i = 0; i < std::size(kEcsSources); ++i) {
      if (name == kEcsSources[i].name) r.ecs_source = static_cast<int8_t>(i);
    }
    std::string_view data;
    if (name.starts_with(kEventDataPrefix)) {
      data = name.substr(kEventDataPrefix.size());
    } else if (name.starts_with(kUserDataPrefix)) {
      // UserData leaves are named by their element, at any depth.
      data = name.substr(kUserDataPrefix.size());
      if (const size_t dot = data.rfind('.'); dot != std::string_view::npos) {
        data = data.substr(dot + 1);
      }
    }
    if (!data.empty()) {
      r.event_data = true;
      r.renamed = names_.names().intern(data);
    }
    return r;
  }

  // Winlogbeat's names to the EVTX reader's: EventData and UserData by
  // their own names, each System field from its best source (the others
  // keep their ECS names).
  void map_ecs() {
    constexpr size_t kNone = SIZE_MAX;
    std::array<size_t, std::size(kEcsSources)> best_of_target{};
    best_of_target.fill(kNone);
    // Sources of one target share the target; index targets by the first
    // source that names them.
    auto target_slot = [](int source) {
      for (size_t i = 0; i < std::size(kEcsSources); ++i) {
        if (kEcsSources[i].target == kEcsSources[static_cast<size_t>(source)].target) return i;
      }
      return size_t{0};
    };
    for (size_t i = 0; i < fields_.size(); ++i) {
      const Role r = role(fields_[i].name);
      if (r.ecs_source < 0) continue;
      size_t& best = best_of_target[target_slot(r.ecs_source)];
      if (best == kNone ||
          kEcsSources[static_cast<size_t>(role(fields_[best].name).ecs_source)].rank >
              kEcsSources[static_cast<size_t>(r.ecs_source)].rank) {
        best = i;
      }
    }
    for (size_t i = 0; i < fields_.size(); ++i) {
      const Role r = role(fields_[i].name);
      if (r.event_data) fields_[i].name = r.renamed;
    }
    for (size_t best : best_of_target) {
      if (best == kNone) continue;
      fields_[best].name =
          kEcsSources[static_cast<size_t>(role(fields_[best].name).ecs_source)].target;
    }
  }

  void finish(Event& event, std::string_view format, bool generic, bool time_keys) {
    event.reserve_more(fields_.size() + 2);
    event.add(source_format_, Value::utf8(format));
    const Value* host = nullptr;
    uint8_t host_rank = UINT8_MAX;
    bool has_computer = false;
    // The first value of each time key, by rank: the best-ranked that reads is the time.
    std::array<const Value*, kTimeKeys.size()> times{};
    bool any_time = false;
    const bool want_time = time_keys && !event.timestamp.is_set();
    for (const Field& f : fields_) {
      event.add(f.name, f.value);
      if (!want_time && !generic) continue;
      const Role r = role(f.name);
      if (r.time_rank != 0 && times[r.time_rank - 1] == nullptr) {
        times[r.time_rank - 1] = &f.value;
        any_time = true;
      }
      if (!generic) continue;
      has_computer |= f.name == field::kComputer;
      if (r.host_rank != 0 && r.host_rank < host_rank && f.value.size != 0) {
        host = &f.value;
        host_rank = r.host_rank;
      }
    }
    if (generic && host != nullptr && !has_computer) event.add(field::kComputer, *host);
    if (want_time && any_time) {
      for (const Value* v : times) {
        if (v == nullptr) continue;
        if (auto text = v->utf8_view()) {
          event.timestamp = parse_time(*text);
          if (event.timestamp.is_set()) break;
        }
      }
    }
    deliver(event);
  }

  // --- The EVTX dump shape -------------------------------------------------
  // Mirrors the EVTX reader's flattening (docs/evtx.md) over evtx_dump's JSON
  // rendering of the same XML: "#attributes" (or xmltodict's "@name" members)
  // are attributes, "#text" an element's text, other members child elements,
  // arrays repeated elements; a member name evtx_dump suffixed to keep it
  // unique (Name_1, Name_2) is the repeated name again.

  void dump(element event_object, Event& event) {
    seen_.clear();
    for (const simdjson::dom::key_value_pair member : as_object(event_object)) {
      const std::string_view key = member.key;
      if (key.empty() || key[0] == '@' || key[0] == '#') continue;
      simdjson::dom::object section_object;
      if (member.value.get(section_object) != simdjson::SUCCESS) continue;
      const Section section = key == "System"      ? Section::kSystem
                              : key == "EventData" ? Section::kEventData
                              : key == "UserData"  ? Section::kUserData
                                                   : Section::kOther;
      FieldId section_id = kNoField;
      if (section == Section::kOther) {
        section_id = names_.id(NameCache::kRoot, key);
        if (section_id == kNoField) {
          names_dropped_ = true;
          continue;
        }
      }
      children(section_object, section, section_id, 3, event);
    }
  }

  // Members of an element that are not its attributes or text.
  void children(simdjson::dom::object object, Section section, FieldId section_id, uint32_t depth,
                Event& event) {
    const size_t mark = seen_.size();
    for (const simdjson::dom::key_value_pair member : object) {
      const std::string_view key = member.key;
      if (key == "#attributes" || key == "#text" || (!key.empty() && key[0] == '@')) continue;
      const std::string_view name = unsuffixed(key, mark);
      seen_.push_back(name);
      dump_element(member.value, name, section, section_id, depth, event);
    }
    seen_.resize(mark);
  }

  std::string_view unsuffixed(std::string_view key, size_t mark) const {
    if (key.empty() || !is_digit(key.back())) return key;
    const size_t underscore = key.rfind('_');
    if (underscore == std::string_view::npos || underscore == 0) return key;
    for (size_t i = underscore + 1; i < key.size(); ++i) {
      if (!is_digit(key[i])) return key;
    }
    const std::string_view base = key.substr(0, underscore);
    for (size_t i = mark; i < seen_.size(); ++i) {
      if (seen_[i] == base) return base;
    }
    return key;
  }

  void dump_element(element value, std::string_view name, Section section, FieldId section_id,
                    uint32_t depth, Event& event) {
    switch (value.type()) {
      case element_type::ARRAY:
        for (const element item : as_array(value)) {
          dump_element(item, name, section, section_id, depth, event);
        }
        return;
      case element_type::OBJECT: break;
      default: leaf(name, {}, &value, section, section_id, depth, event); return;
    }
    bool has_children = false;
    element text;
    bool has_text = false;
    std::string_view data_name;
    for (const simdjson::dom::key_value_pair member : as_object(value)) {
      const std::string_view key = member.key;
      if (key == "#attributes") {
        simdjson::dom::object attributes;
        if (member.value.get(attributes) != simdjson::SUCCESS) continue;
        for (const simdjson::dom::key_value_pair a : attributes) {
          attribute(name, a.key, a.value, section, data_name, event);
        }
      } else if (!key.empty() && key[0] == '@') {
        attribute(name, key.substr(1), member.value, section, data_name, event);
      } else if (key == "#text") {
        text = member.value;
        has_text = true;
      } else {
        has_children = true;
      }
    }
    if (has_children) {
      children(as_object(value), section, section_id, depth + 1, event);
      return;
    }
    if (has_text && text.is_array()) {
      for (const element item : as_array(text)) {
        leaf(name, data_name, &item, section, section_id, depth, event);
      }
      return;
    }
    leaf(name, data_name, has_text ? &text : nullptr, section, section_id, depth, event);
  }

  void attribute(std::string_view element_name, std::string_view name, element value,
                 Section section, std::string_view& data_name, Event& event) {
    if (name == "xmlns") return;
    if (section == Section::kEventData && element_name == "Data") {
      // Only Name counts: it names the Data element's field.
      if (name == "Name") data_name = dump_text(value, event).utf8_view().value_or("");
      return;
    }
    const Value text = dump_text(value, event);
    if (section == Section::kSystem && element_name == "TimeCreated" && name == "SystemTime") {
      add_field(field::kTimeCreated, text);
      if (auto view = text.utf8_view()) event.timestamp = parse_rfc3339(*view);
      return;
    }
    const FieldId element_id = names_.id(NameCache::kRoot, element_name);
    const FieldId id =
        element_id == kNoField ? kNoField : names_.id(element_id | NameCache::kJoined, name);
    if (id == kNoField) {
      names_dropped_ = true;
      return;
    }
    add_field(id, text);
  }

  void leaf(std::string_view name, std::string_view data_name, const element* value,
            Section section, FieldId section_id, uint32_t depth, Event& event) {
    if (depth > kEvtxMaxDepth) return;
    const Value text = value != nullptr ? dump_text(*value, event) : Value::utf8({});
    FieldId id = kNoField;
    switch (section) {
      case Section::kSystem:
        // Only direct children of System, and no empty ones (<Correlation/>).
        if (depth != 3 || name == "TimeCreated" || text.size == 0) return;
        id = names_.id(NameCache::kRoot, name);
        break;
      case Section::kEventData:
        id = names_.id(NameCache::kRoot, name == "Data" && !data_name.empty() ? data_name : name);
        break;
      case Section::kUserData: id = names_.id(NameCache::kRoot, name); break;
      case Section::kOther: id = names_.id(section_id | NameCache::kJoined, name); break;
    }
    if (id == kNoField) {
      names_dropped_ = true;
      return;
    }
    add_field(id, text);
  }

  // A dump value as the EVTX reader spells it: GUIDs in braces, times with 7
  // fractional digits (evtx_dump's 6 plus a 0: the seventh is lost in the
  // dump), null and empty as empty text.
  Value dump_text(element value, Event& event) {
    if (value.type() == element_type::NULL_VALUE) return Value::utf8({});
    const Value v = scalar(value, event);
    if (value.type() != element_type::STRING) return v;
    const std::string_view s = *v.utf8_view();
    if (bare_guid(s)) {
      char buf[38];
      buf[0] = '{';
      std::memcpy(buf + 1, s.data(), 36);
      buf[37] = '}';
      return Value::utf8(event.store(std::string_view(buf, 38)));
    }
    if (six_digit_time(s)) {
      char buf[28];
      std::memcpy(buf, s.data(), 26);
      buf[26] = '0';
      buf[27] = 'Z';
      return Value::utf8(event.store(std::string_view(buf, 28)));
    }
    return v;
  }

  std::shared_ptr<const JsonContext> context_;
  FieldId source_format_;
  std::vector<Role> roles_;
  std::vector<std::string_view> seen_;  // member names per open dump object, for suffixes
};

class JsonFormat final : public Format {
 public:
  std::string_view name() const override { return "json"; }
  int sniff(std::string_view head, std::string_view) const override { return sniff_json(head); }
  Result<std::shared_ptr<const FileContext>> open(std::string_view, const FileFacts&,
                                                  const ReadOptions& options,
                                                  FieldNames&) const override {
    return std::shared_ptr<const FileContext>(std::make_shared<JsonContext>(options.time_field));
  }
  std::unique_ptr<CutRule> cut_rule() const override { return std::make_unique<JsonCutRule>(); }
  std::unique_ptr<BlockParser> parser(std::shared_ptr<const FileContext> context,
                                      FieldNames& names) const override {
    return std::make_unique<JsonParser>(std::static_pointer_cast<const JsonContext>(context),
                                        names);
  }
};

}  // namespace
}  // namespace json

const Format& json_format() {
  static const json::JsonFormat kFormat;
  return kFormat;
}

}  // namespace vigil::read
