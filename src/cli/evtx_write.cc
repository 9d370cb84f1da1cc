// `vigil evtx-write`: EVTX from JSON lines in the shape `vigil dump` prints
// ({"Event":{"System":{...},"EventData":{...}}}), so tests and users can
// make event logs from text. Values get EVTX types from their spelling.

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "exit_codes.h"
#include "vigil/core/timestamp.h"
#include "vigil/read/evtx/writer.h"

namespace vigil::cli {

// Defined in synth.cc; registered with evtx-write, its sibling writer command.
void register_synth_evtx(CLI::App& app, int& rc);

namespace {

using Json = nlohmann::ordered_json;  // keeps EventData items in their order

bool is_hex_text(const std::string& s) {
  if (s.size() < 3 || s.size() > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  for (size_t i = 2; i < s.size(); ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool looks_like_sid(const std::string& s) {
  if (s.size() < 5 || s.compare(0, 4, "S-1-") != 0) return false;
  for (size_t i = 4; i < s.size(); ++i) {
    const char c = s[i];
    if (!(c >= '0' && c <= '9') && !(c == '-' && s[i - 1] != '-')) return false;
  }
  return s.back() != '-';
}

void type_value(const Json& v, evtx::TypedValue& out) {
  switch (v.type()) {
    case Json::value_t::null: out.set_null(); return;
    case Json::value_t::boolean: out.set_bool(v.get<bool>()); return;
    case Json::value_t::number_unsigned: {
      const auto u = v.get<uint64_t>();
      if (u <= UINT32_MAX) {
        out.set_uint32(static_cast<uint32_t>(u));
      } else {
        out.set_uint64(u);
      }
      return;
    }
    case Json::value_t::number_integer: {
      const auto i = v.get<int64_t>();
      if (i >= INT32_MIN && i <= INT32_MAX) {
        out.set_int32(static_cast<int32_t>(i));
      } else {
        out.set_int64(i);
      }
      return;
    }
    case Json::value_t::number_float: out.set_real64(v.get<double>()); return;
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (is_hex_text(s)) {
        out.set_hex64(std::stoull(s.substr(2), nullptr, 16));
        return;
      }
      if (s.size() == 36 || s.size() == 38) {
        if (auto g = evtx::Guid::parse(s)) {
          out.set_guid(*g);
          return;
        }
      }
      if (looks_like_sid(s)) {
        if (auto sid = evtx::Sid::parse(s)) {
          out.set_sid(*sid);
          return;
        }
      }
      out.set_string(s);
      return;
    }
    case Json::value_t::array: {
      bool strings = true, unsigned_ints = true;
      for (const Json& item : v) {
        strings = strings && item.is_string();
        unsigned_ints = unsigned_ints && item.is_number_unsigned();
      }
      if (strings && !v.empty()) {
        std::vector<std::string> items;
        for (const Json& item : v) items.push_back(item.get<std::string>());
        out.set_string_array(items);
      } else if (unsigned_ints && !v.empty()) {
        std::vector<uint64_t> items;
        for (const Json& item : v) items.push_back(item.get<uint64_t>());
        out.set_uint64_array(items);
      } else {
        out.set_string(v.dump());
      }
      return;
    }
    case Json::value_t::object:
      if (v.contains("#text")) {
        type_value(v["#text"], out);
      } else {
        out.set_string(v.dump());
      }
      return;
    default: out.set_string(v.dump()); return;
  }
}

// <Binary> content as `vigil dump` prints it: hex digits (else kept as text).
void binary_value(const Json& v, evtx::TypedValue& out) {
  const std::string text = v.is_string() ? v.get<std::string>() : std::string();
  std::vector<uint8_t> bytes;
  bool hex = text.size() % 2 == 0;
  for (size_t i = 0; hex && i < text.size(); i += 2) {
    const auto hi = static_cast<unsigned char>(text[i]);
    const auto lo = static_cast<unsigned char>(text[i + 1]);
    hex = std::isxdigit(hi) && std::isxdigit(lo);
    if (hex) bytes.push_back(static_cast<uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
  }
  if (v.is_null() || hex) {
    out.set_binary(bytes);
  } else {
    type_value(v, out);
  }
}

const Json* member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const Json* attribute(const Json& element, const char* name) {
  const Json* attrs = member(element, "#attributes");
  return attrs != nullptr ? member(*attrs, name) : nullptr;
}

// A number given as a JSON number or as decimal / 0x-hex text.
std::optional<uint64_t> number(const Json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_number_unsigned()) return v->get<uint64_t>();
  if (v->is_number_integer() && v->get<int64_t>() >= 0)
    return static_cast<uint64_t>(v->get<int64_t>());
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    size_t used = 0;
    try {
      const bool hex = is_hex_text(s);
      const uint64_t n = std::stoull(hex ? s.substr(2) : s, &used, hex ? 16 : 10);
      if (used == (hex ? s.size() - 2 : s.size())) return n;
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

std::string text_of(const Json* v) {
  if (v == nullptr || v->is_null()) return {};
  if (v->is_string()) return v->get<std::string>();
  if (v->is_object() && v->contains("#text")) return text_of(&(*v)["#text"]);
  return v->dump();
}

// Fills `e` from one record in `vigil dump` JSON; false with a reason when
// the line is not an event.
bool to_event(const Json& line, evtx::EventSpec& e, std::string& why) {
  const Json* event = member(line, "Event");
  if (event == nullptr) event = &line;
  const Json* system = member(*event, "System");
  if (system == nullptr || !system->is_object()) {
    why = "no Event.System object";
    return false;
  }
  e = evtx::EventSpec{};
  if (const Json* provider = member(*system, "Provider")) {
    e.provider_name = text_of(attribute(*provider, "Name"));
    if (auto g = evtx::Guid::parse(text_of(attribute(*provider, "Guid")))) e.provider_guid = *g;
    e.event_source_name = text_of(attribute(*provider, "EventSourceName"));
  }
  const Json* event_id = member(*system, "EventID");
  auto id =
      number(event_id != nullptr && event_id->is_object() ? member(*event_id, "#text") : event_id);
  if (!id || *id > 0xFFFF) {
    why = "no valid System.EventID";
    return false;
  }
  e.event_id = static_cast<uint16_t>(*id);
  if (event_id->is_object()) {
    if (auto q = number(attribute(*event_id, "Qualifiers")); q && *q <= 0xFFFF) {
      e.qualifiers = static_cast<uint16_t>(*q);
    }
  }
  e.version = static_cast<uint8_t>(number(member(*system, "Version")).value_or(0));
  e.level = static_cast<uint8_t>(number(member(*system, "Level")).value_or(0));
  e.task = static_cast<uint16_t>(number(member(*system, "Task")).value_or(0));
  e.opcode = static_cast<uint8_t>(number(member(*system, "Opcode")).value_or(0));
  e.keywords = number(member(*system, "Keywords")).value_or(0);
  if (const Json* created = member(*system, "TimeCreated")) {
    const Timestamp t = parse_rfc3339(text_of(attribute(*created, "SystemTime")));
    if (t.is_set()) e.time_created = t;
  }
  e.record_id = number(member(*system, "EventRecordID")).value_or(0);
  if (const Json* correlation = member(*system, "Correlation")) {
    if (auto g = evtx::Guid::parse(text_of(attribute(*correlation, "ActivityID"))))
      e.activity_id = *g;
    if (auto g = evtx::Guid::parse(text_of(attribute(*correlation, "RelatedActivityID")))) {
      e.related_activity_id = *g;
    }
  }
  if (const Json* execution = member(*system, "Execution")) {
    if (auto pid = number(attribute(*execution, "ProcessID")); pid && *pid <= UINT32_MAX) {
      e.process_id = static_cast<uint32_t>(*pid);
    }
    if (auto tid = number(attribute(*execution, "ThreadID")); tid && *tid <= UINT32_MAX) {
      e.thread_id = static_cast<uint32_t>(*tid);
    }
  }
  e.classic_system = member(*system, "Version") == nullptr &&
                     member(*system, "Opcode") == nullptr &&
                     member(*system, "Execution") == nullptr;
  e.channel = text_of(member(*system, "Channel"));
  e.computer = text_of(member(*system, "Computer"));
  if (const Json* security = member(*system, "Security")) {
    if (auto sid = evtx::Sid::parse(text_of(attribute(*security, "UserID")))) e.user_id = *sid;
  }

  auto add_item = [&e](std::string name, const Json& value) {
    evtx::DataItem item;
    item.name = std::move(name);
    type_value(value, item.value);
    e.data.push_back(std::move(item));
  };
  if (const Json* data = member(*event, "EventData")) {
    e.body = evtx::EventBody::kEventData;
    if (data->is_object()) {
      for (const auto& [key, value] : data->items()) {
        if (key == "#attributes") continue;
        if (key == "Binary") {
          e.binary.emplace();
          binary_value(value, *e.binary);
          continue;
        }
        // Unnamed <Data> items, as `vigil dump` groups them.
        if (key == "Data" && value.is_object() && value.contains("#text")) {
          const Json& items = value["#text"];
          if (items.is_array()) {
            for (const Json& item : items) add_item("", item);
          } else {
            add_item("", items);
          }
          continue;
        }
        add_item(key, value);
      }
    } else if (!data->is_null()) {
      add_item("", *data);
    }
  } else if (const Json* user_data = member(*event, "UserData")) {
    e.body = evtx::EventBody::kUserData;
    if (!user_data->is_object() || user_data->empty()) {
      why = "UserData without an element";
      return false;
    }
    const auto first = user_data->begin();
    e.user_data_element = first.key();
    const Json& content = first.value();
    if (const Json* attrs = member(content, "#attributes");
        attrs != nullptr && attrs->is_object()) {
      for (const auto& [name, value] : attrs->items())
        e.user_data_attributes.emplace_back(name, text_of(&value));
    }
    if (content.is_object()) {
      for (const auto& [key, value] : content.items()) {
        if (key != "#attributes") add_item(key, value);
      }
    }
  } else {
    e.body = evtx::EventBody::kNone;
  }
  return true;
}

struct EvtxWriteOptions {
  std::string input = "-";
  std::string output;
};

int run_evtx_write(const EvtxWriteOptions& opt) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (!opt.input.empty() && opt.input != "-") {
    file.open(opt.input, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "vigil: cannot read %s\n", opt.input.c_str());
      return kExitInput;
    }
    in = &file;
  }
  const std::string input_name = in == &std::cin ? "<stdin>" : opt.input;
  auto writer = evtx::EvtxWriter::create(opt.output);
  if (!writer.ok()) {
    std::fprintf(stderr, "vigil: %s\n", writer.error().to_string().c_str());
    return kExitInput;
  }
  evtx::EventSpec event;
  std::string line;
  uint64_t line_number = 0, skipped = 0;
  while (std::getline(*in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const Json json = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    std::string why;
    if (json.is_discarded()) {
      why = "not JSON";
    } else if (to_event(json, event, why)) {
      auto r = writer->add(event);
      if (r.ok()) continue;
      why = r.error().message;
    }
    std::fprintf(stderr, "vigil: %s:%llu: skipped: %s\n", input_name.c_str(),
                 static_cast<unsigned long long>(line_number), why.c_str());
    ++skipped;
  }
  if (in->bad()) {
    std::fprintf(stderr, "vigil: reading %s failed\n", input_name.c_str());
    return kExitInput;
  }
  const uint64_t records = writer->records();
  const uint32_t chunks = writer->chunks();
  if (auto r = writer->finish(); !r.ok()) {
    std::fprintf(stderr, "vigil: %s: %s\n", opt.output.c_str(), r.error().to_string().c_str());
    return kExitInput;
  }
  std::fprintf(stderr, "evtx-write: %llu records in %u chunks to %s (%llu lines skipped)\n",
               static_cast<unsigned long long>(records), chunks, opt.output.c_str(),
               static_cast<unsigned long long>(skipped));
  return skipped > 0 ? kExitDamaged : kExitOk;
}

}  // namespace

void register_evtx_write(CLI::App& app, int& rc) {
  auto opt = std::make_shared<EvtxWriteOptions>();
  CLI::App* cmd = app.add_subcommand(
      "evtx-write", "Write an EVTX file from JSON lines shaped like `vigil dump` output");
  cmd->add_option("input", opt->input, "JSON lines file (default: standard input)");
  cmd->add_option("-o,--output", opt->output, "EVTX file to create")->required();
  cmd->callback([opt, &rc] { rc = run_evtx_write(*opt); });
  register_synth_evtx(app, rc);
}

}  // namespace vigil::cli
