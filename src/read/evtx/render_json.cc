// JSON rendering of records in the shape of the Rust evtx crate's evtx_dump.
//
// One writer, templated on its output, renders a record's node stream. Into
// a string it is the general path; into a Program it compiles the record:
// the JSON's fixed text plus slots for the substitution values. Records of
// the same shape (same templates, same value types and presence) render by
// replaying the program, which skips expansion and the tree walk entirely.

#include <cmath>
#include <cstring>

#include "vigil/core/limits.h"
#include "vigil/core/utf.h"
#include "vigil/read/evtx/evtx.h"

namespace vigil::evtx {

namespace {

bool is_value_node(NodeKind k) {
  return k == NodeKind::kText || k == NodeKind::kCData || k == NodeKind::kCharRef ||
         k == NodeKind::kEntityRef;
}

bool finite_number(const Value& v) {
  if (v.type() == ValueType::kReal32 && v.size >= 4) {
    float f;
    std::memcpy(&f, v.data, 4);
    return std::isfinite(f);
  }
  if (v.type() == ValueType::kReal64 && v.size >= 8) {
    double d;
    std::memcpy(&d, v.data, 8);
    return std::isfinite(d);
  }
  return true;
}

bool json_number(const Value& v) {
  return !v.array() && is_json_number(v.type()) && v.size >= fixed_size(v.type()) &&
         finite_number(v);
}

// The value's evtx_dump text, escaped for the inside of a JSON string.
void append_json_text(std::string& out, const Value& v, std::string& scratch) {
  switch (v.type()) {
    case ValueType::kUtf16:
      if (!v.array()) {
        append_utf16le_as_json(out, v.data, v.size / 2);
        return;
      }
      break;
    case ValueType::kUtf8:
      if (!v.array()) {
        append_utf8_as_json(out, *v.utf8_view());
        return;
      }
      break;
    case ValueType::kAnsi:
    case ValueType::kEvtHandle:
    case ValueType::kBinXml:
    case ValueType::kEvtXml: break;
    default:
      // Digits, hex, GUIDs, SIDs and times: nothing in them needs escaping.
      if (static_cast<uint8_t>(v.type()) < 0x20) {
        append_text(out, v, TextStyle::kEvtxDump);
        return;
      }
      break;
  }
  scratch.clear();
  append_text(scratch, v, TextStyle::kEvtxDump);
  append_utf8_as_json(out, scratch);
}

const char* entity_text(std::string_view entity) {
  if (entity == "amp") return "&";
  if (entity == "lt") return "<";
  if (entity == "gt") return ">";
  if (entity == "quot") return "\"";
  if (entity == "apos") return "'";
  return nullptr;
}

}  // namespace

// A compiled record shape: fixed text with value slots between.
struct JsonProgram {
  struct Slot {
    uint32_t text_end;  // fixed text before this slot ends here
    uint32_t value;     // index into the record's flat values
  };
  bool usable = true;
  std::string text;
  std::vector<Slot> slots;
};

namespace {

struct StringOut {
  std::string& s;
  std::string scratch;
  void lit(char c) { s.push_back(c); }
  void lit(std::string_view t) { s.append(t); }
  void lit_json(std::string_view t) { append_utf8_as_json(s, t); }
  void text(const Node& n) { append_json_text(s, n.value, scratch); }
  void dynamic_key() {}
};

struct ProgramOut {
  JsonProgram& p;
  uint32_t flat_count;
  std::string scratch;
  void lit(char c) { p.text.push_back(c); }
  void lit(std::string_view t) { p.text.append(t); }
  void lit_json(std::string_view t) { append_utf8_as_json(p.text, t); }
  void text(const Node& n) {
    if (n.slot == 0) {
      append_json_text(p.text, n.value, scratch);
    } else if (n.slot - 1 < flat_count) {
      p.slots.push_back({static_cast<uint32_t>(p.text.size()), n.slot - 1});
    } else {
      p.usable = false;
    }
  }
  // A member name that comes from a value cannot be fixed text.
  void dynamic_key() { p.usable = false; }
};

// The evtx_dump JSON rules over one record's node stream.
template <class Out>
class JsonWriter {
 public:
  JsonWriter(std::span<const Node> nodes, const std::vector<uint32_t>& end_of,
             const ChunkNames& names, Out& out)
      : nodes_(nodes), end_of_(end_of), names_(names), out_(out) {}

  void record() {
    out_.lit('{');
    bool first = true;
    for (uint32_t i = 0; i < nodes_.size();) {
      if (nodes_[i].kind != NodeKind::kStart) {
        ++i;
        continue;
      }
      if (!first) out_.lit(',');
      first = false;
      key(names_.text(nodes_[i].name), 0);
      element(i);
      i = end_of_[i] + 1;
    }
    out_.lit('}');
  }

 private:
  struct Parts {
    uint32_t attrs_begin, attrs_end, content_begin, content_end;
  };

  Parts parts(uint32_t start) const {
    const uint32_t end = end_of_[start];
    Parts p{start + 1, start + 1, start + 1, end};
    uint32_t i = start + 1;
    while (i < end && nodes_[i].kind != NodeKind::kStartClose && nodes_[i].kind != NodeKind::kStart) {
      ++i;
    }
    p.attrs_end = i;
    p.content_begin = (i < end && nodes_[i].kind == NodeKind::kStartClose) ? i + 1 : i;
    return p;
  }

  void key(std::string_view name, uint16_t suffix) {
    out_.lit('"');
    out_.lit_json(name);
    if (suffix > 0) {
      out_.lit('_');
      out_.lit(std::to_string(suffix));
    }
    out_.lit("\":");
  }

  // One text piece of a string, escaped.
  void piece(const Node& n) {
    switch (n.kind) {
      case NodeKind::kText:
      case NodeKind::kCData: out_.text(n); break;
      case NodeKind::kCharRef: {
        std::string cp;
        append_code_point(cp, static_cast<uint32_t>(n.value.data[0] | (n.value.data[1] << 8)));
        out_.lit_json(cp);
        break;
      }
      case NodeKind::kEntityRef: {
        const std::string_view entity = names_.text(n.name);
        if (const char* t = entity_text(entity)) {
          out_.lit_json(t);
        } else {
          std::string raw(1, '&');
          raw.append(entity).push_back(';');
          out_.lit_json(raw);
        }
        break;
      }
      default: break;
    }
  }

  // The JSON value of the value nodes in [begin, end), child elements
  // skipped: a number for one numeric value, otherwise a string.
  void value(uint32_t begin, uint32_t end, bool empty_as_string) {
    uint32_t count = 0;
    uint32_t only = begin;
    for (uint32_t i = begin; i < end;) {
      if (nodes_[i].kind == NodeKind::kStart) {
        i = end_of_[i] + 1;
        continue;
      }
      if (is_value_node(nodes_[i].kind)) {
        ++count;
        only = i;
      }
      ++i;
    }
    if (count == 0) {
      out_.lit(empty_as_string ? "\"\"" : "null");
      return;
    }
    if (count == 1 && nodes_[only].kind == NodeKind::kText && json_number(nodes_[only].value)) {
      out_.text(nodes_[only]);
      return;
    }
    out_.lit('"');
    for (uint32_t i = begin; i < end;) {
      if (nodes_[i].kind == NodeKind::kStart) {
        i = end_of_[i] + 1;
        continue;
      }
      piece(nodes_[i]);
      ++i;
    }
    out_.lit('"');
  }

  // Text of a run that names something (a Data element's Name): must not
  // depend on the record's values when compiling.
  std::string name_text(uint32_t begin, uint32_t end) {
    std::string text;
    for (uint32_t i = begin; i < end; ++i) {
      const Node& n = nodes_[i];
      if (n.slot != 0) out_.dynamic_key();
      if (n.kind == NodeKind::kText || n.kind == NodeKind::kCData) {
        append_text(text, n.value, TextStyle::kEvtxDump);
      } else if (n.kind == NodeKind::kCharRef) {
        append_code_point(text, static_cast<uint32_t>(n.value.data[0] | (n.value.data[1] << 8)));
      } else if (n.kind == NodeKind::kEntityRef) {
        const std::string_view entity = names_.text(n.name);
        if (const char* t = entity_text(entity)) {
          text += t;
        } else {
          text.push_back('&');
          text.append(entity).push_back(';');
        }
      }
    }
    return text;
  }

  uint32_t value_run_end(uint32_t begin, uint32_t limit) const {
    while (begin < limit && is_value_node(nodes_[begin].kind)) ++begin;
    return begin;
  }

  void attributes(const Parts& p) {
    out_.lit("\"#attributes\":{");
    bool first = true;
    for (uint32_t i = p.attrs_begin; i < p.attrs_end;) {
      if (nodes_[i].kind != NodeKind::kAttr) {
        ++i;
        continue;
      }
      const uint32_t v = value_run_end(i + 1, p.attrs_end);
      if (!first) out_.lit(',');
      first = false;
      key(names_.text(nodes_[i].name), 0);
      value(i + 1, v, true);
      i = v;
    }
    out_.lit('}');
  }

  std::string data_name(uint32_t data_start) {
    const Parts cp = parts(data_start);
    std::string name;
    for (uint32_t a = cp.attrs_begin; a < cp.attrs_end; ++a) {
      if (nodes_[a].kind == NodeKind::kAttr && names_.text(nodes_[a].name) == "Name") {
        name += name_text(a + 1, value_run_end(a + 1, cp.attrs_end));
      }
    }
    return name;
  }

  void element(uint32_t start) {
    const Parts p = parts(start);
    const bool has_attrs = p.attrs_end > p.attrs_begin;
    bool has_children = false;
    bool has_text = false;
    for (uint32_t i = p.content_begin; i < p.content_end;) {
      if (nodes_[i].kind == NodeKind::kStart) {
        has_children = true;
        i = end_of_[i] + 1;
        continue;
      }
      has_text |= is_value_node(nodes_[i].kind);
      ++i;
    }

    if (!has_children) {
      if (!has_attrs) {
        if (has_text) {
          value(p.content_begin, p.content_end, false);
        } else {
          out_.lit("null");
        }
        return;
      }
      out_.lit('{');
      attributes(p);
      if (has_text) {
        out_.lit(",\"#text\":");
        value(p.content_begin, p.content_end, false);
      }
      out_.lit('}');
      return;
    }

    out_.lit('{');
    bool first = true;
    if (has_attrs) {
      attributes(p);
      first = false;
    }

    // EventData-style containers: Data children keyed by their Name, or
    // gathered under "Data":{"#text":...} when none has a name.
    bool data_named = false;
    uint32_t data_count = 0;
    for (uint32_t i = p.content_begin; i < p.content_end;) {
      if (nodes_[i].kind != NodeKind::kStart) {
        ++i;
        continue;
      }
      if (names_.text(nodes_[i].name) == "Data") {
        if (!data_name(i).empty()) data_named = true;
        ++data_count;
      }
      i = end_of_[i] + 1;
    }

    std::vector<std::pair<std::string, uint16_t>> seen;
    auto suffix_for = [&](std::string_view name) -> uint16_t {
      for (auto& [n, count] : seen) {
        if (n == name) return ++count;
      }
      seen.emplace_back(std::string(name), 0);
      return 0;
    };

    bool positional_done = false;
    for (uint32_t i = p.content_begin; i < p.content_end;) {
      if (nodes_[i].kind != NodeKind::kStart) {
        ++i;
        continue;
      }
      const uint32_t child_end = end_of_[i];
      const std::string_view child = names_.text(nodes_[i].name);
      if (child == "Data" && data_count > 0) {
        if (data_named) {
          const std::string name = data_name(i);
          if (!name.empty()) {
            if (!first) out_.lit(',');
            first = false;
            key(name, suffix_for(name));
            const Parts cp = parts(i);
            value(cp.content_begin, cp.content_end, true);
          }
        } else if (!positional_done) {
          positional_done = true;
          if (!first) out_.lit(',');
          first = false;
          key("Data", suffix_for("Data"));
          out_.lit("{\"#text\":");
          if (data_count > 1) out_.lit('[');
          bool first_item = true;
          for (uint32_t d = i; d < p.content_end;) {
            if (nodes_[d].kind != NodeKind::kStart) {
              ++d;
              continue;
            }
            if (names_.text(nodes_[d].name) == "Data") {
              if (!first_item) out_.lit(',');
              first_item = false;
              const Parts dp = parts(d);
              value(dp.content_begin, dp.content_end, true);
            }
            d = end_of_[d] + 1;
          }
          if (data_count > 1) out_.lit(']');
          out_.lit('}');
        }
        i = child_end + 1;
        continue;
      }
      if (!first) out_.lit(',');
      first = false;
      key(child, suffix_for(child));
      element(i);
      i = child_end + 1;
    }
    if (has_text) {
      if (!first) out_.lit(',');
      out_.lit("\"#text\":\"");
      for (uint32_t i = p.content_begin; i < p.content_end;) {
        if (nodes_[i].kind == NodeKind::kStart) {
          i = end_of_[i] + 1;
          continue;
        }
        piece(nodes_[i]);
        ++i;
      }
      out_.lit('"');
    }
    out_.lit('}');
  }

  std::span<const Node> nodes_;
  const std::vector<uint32_t>& end_of_;
  const ChunkNames& names_;
  Out& out_;
};

}  // namespace

struct Renderer::JsonCache {
  const ChunkNames* names = nullptr;
  uint64_t generation = 0;
  std::unordered_map<std::string, std::unique_ptr<JsonProgram>> programs;
  std::vector<Value> flat;                  // the record's values in flat order
  std::vector<std::vector<Value>> nested;   // per nesting level, for nested_instance
  std::string key;
  std::string scratch;
};

Renderer::Renderer() = default;
Renderer::~Renderer() = default;
Renderer::Renderer(Renderer&&) noexcept = default;
Renderer& Renderer::operator=(Renderer&&) noexcept = default;

namespace {

// Appends an instance's values to the flat list and their shape to the key,
// then visits its nested instances in document order, as expansion does.
bool shape_of(ChunkParser& parser, const TemplateDef* tmpl, std::span<const Value> values,
              uint32_t level, std::vector<Value>& flat, std::vector<std::vector<Value>>& nested,
              std::string& key) {
  if (level >= limits::kBinXmlMaxDepth) return false;
  const auto base = static_cast<uint32_t>(flat.size());
  key.append(reinterpret_cast<const char*>(&tmpl), sizeof tmpl);
  const auto count = static_cast<uint32_t>(values.size());
  key.append(reinterpret_cast<const char*>(&count), sizeof count);
  for (const Value& v : values) {
    flat.push_back(v);
    const uint32_t width = fixed_size(v.type());
    const char flags = static_cast<char>((v.size == 0 ? 1 : 0) | (v.size >= width ? 2 : 0) |
                                         (finite_number(v) ? 4 : 0));
    key.push_back(static_cast<char>(v.raw_type));
    key.push_back(flags);
  }
  for (const uint16_t sub : tmpl->substitutions) {
    if (sub >= count) continue;
    const Value v = flat[base + sub];
    if (v.raw_type != static_cast<uint8_t>(ValueType::kBinXml) || v.size == 0) continue;
    if (nested.size() <= level) nested.resize(level + 1);
    auto inst = parser.nested_instance(v, nested[level]);
    if (!inst.ok()) return false;
    if (!shape_of(parser, inst->tmpl, inst->values, level + 1, flat, nested, key)) return false;
  }
  return true;
}

}  // namespace

bool Renderer::json(std::string& out, const Record& record, const ChunkNames& names) {
  // Lazy records only: an expanded record has paid for expansion already,
  // and this keeps the general path reachable (tests compare the two).
  if (record.tmpl != nullptr && record.parser != nullptr && record.nodes.empty()) {
    if (!json_cache_) json_cache_ = std::make_unique<JsonCache>();
    JsonCache& cache = *json_cache_;
    if (cache.names != &names || cache.generation != names.generation()) {
      cache.names = &names;
      cache.generation = names.generation();
      cache.programs.clear();
    }
    cache.flat.clear();
    cache.key.clear();
    if (shape_of(*record.parser, record.tmpl, record.values, 0, cache.flat, cache.nested,
                 cache.key)) {
      auto& program = cache.programs[cache.key];
      if (!program) {
        program = std::make_unique<JsonProgram>();
        const std::span<const Node> nodes = record.expand();
        if (nodes.empty()) {
          program.reset();
          return false;
        }
        index(nodes);
        ProgramOut pout{*program, static_cast<uint32_t>(cache.flat.size()), {}};
        JsonWriter<ProgramOut>(nodes, end_of_, names, pout).record();
      }
      if (program->usable) {
        uint32_t pos = 0;
        for (const JsonProgram::Slot& slot : program->slots) {
          out.append(program->text, pos, slot.text_end - pos);
          append_json_text(out, cache.flat[slot.value], cache.scratch);
          pos = slot.text_end;
        }
        out.append(program->text, pos, std::string::npos);
        return true;
      }
    }
  }
  const std::span<const Node> nodes = record.expand();
  if (nodes.empty()) return false;
  index(nodes);
  StringOut sout{out, {}};
  JsonWriter<StringOut>(nodes, end_of_, names, sout).record();
  return true;
}

}  // namespace vigil::evtx
