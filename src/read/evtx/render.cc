// JSON (evtx_dump shape) and XML rendering of expanded records.

#include <cmath>
#include <cstring>

#include "vigil/core/utf.h"
#include "vigil/read/evtx/evtx.h"

namespace vigil::evtx {

namespace {

bool is_value_node(NodeKind k) {
  return k == NodeKind::kText || k == NodeKind::kCData || k == NodeKind::kCharRef ||
         k == NodeKind::kEntityRef;
}

void append_entity(std::string& out, std::string_view entity) {
  if (entity == "amp") {
    out.push_back('&');
  } else if (entity == "lt") {
    out.push_back('<');
  } else if (entity == "gt") {
    out.push_back('>');
  } else if (entity == "quot") {
    out.push_back('"');
  } else if (entity == "apos") {
    out.push_back('\'');
  } else {
    out.push_back('&');
    out.append(entity);
    out.push_back(';');
  }
}

uint16_t char_ref(const Value& v) {
  uint16_t u;
  std::memcpy(&u, v.data, 2);
  return u;
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

// Items of an array value (MS-EVEN6 3.1.4.7.5): NUL-terminated strings, SIDs
// sized by their sub-authority count, or fixed-size scalars. Arrays of other
// types are not defined by the format and yield no items.
void split_array(const Value& v, std::vector<Value>& items) {
  items.clear();
  const ValueType type = v.type();
  const auto scalar = static_cast<uint8_t>(type);
  if (type == ValueType::kUtf16 || type == ValueType::kAnsi) {
    const uint32_t unit = type == ValueType::kUtf16 ? 2 : 1;
    const uint32_t units = v.size / unit;
    auto is_nul = [&](uint32_t k) {
      return unit == 2 ? (v.data[2 * k] | v.data[2 * k + 1]) == 0 : v.data[k] == 0;
    };
    for (uint32_t i = 0; i < units;) {
      uint32_t end = i;
      while (end < units && !is_nul(end)) ++end;
      items.emplace_back(v.data + unit * i, unit * (end - i), scalar);
      i = end + 1;
    }
    return;
  }
  if (type == ValueType::kSid) {
    for (uint32_t pos = 0; pos + 8 <= v.size;) {
      const uint32_t len = 8 + 4u * v.data[pos + 1];
      if (pos + len > v.size) break;
      items.emplace_back(v.data + pos, len, scalar);
      pos += len;
    }
    return;
  }
  uint32_t width = fixed_size(type);
  if (type == ValueType::kSizeT) width = 8;  // as append_text: arrays come from 64-bit logs
  if (width == 0) return;
  for (uint32_t pos = 0; pos + width <= v.size; pos += width) {
    items.emplace_back(v.data + pos, width, scalar);
  }
}

constexpr uint32_t kNoNode = UINT32_MAX;

}  // namespace

void Renderer::index(std::span<const Node> nodes) {
  nodes_ = nodes;
  end_of_.assign(nodes.size(), 0);
  // Expansion guarantees balance; a stack of open starts pairs them.
  thread_local std::vector<uint32_t> stack;
  stack.clear();
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].kind == NodeKind::kStart) {
      stack.push_back(i);
    } else if (nodes[i].kind == NodeKind::kEnd && !stack.empty()) {
      end_of_[stack.back()] = i;
      stack.pop_back();
    }
  }
  for (uint32_t open : stack) end_of_[open] = static_cast<uint32_t>(nodes.size());
}

void Renderer::text_of(std::string& out, uint32_t begin, uint32_t end, const ChunkNames& names,
                       TextStyle style) {
  for (uint32_t i = begin; i < end; ++i) {
    const Node& n = nodes_[i];
    switch (n.kind) {
      case NodeKind::kText:
      case NodeKind::kCData: append_text(out, n.value, style); break;
      case NodeKind::kCharRef: append_code_point(out, char_ref(n.value)); break;
      case NodeKind::kEntityRef: append_entity(out, names.text(n.name)); break;
      default: break;
    }
  }
}

// ---------------------------------------------------------------- JSON

namespace {

struct ElementParts {
  uint32_t attrs_begin;    // first kAttr
  uint32_t attrs_end;      // the kStartClose
  uint32_t content_begin;  // after kStartClose
  uint32_t content_end;    // the kEnd
};

ElementParts parts_of(std::span<const Node> nodes, uint32_t start, uint32_t end) {
  ElementParts p{start + 1, start + 1, start + 1, end};
  uint32_t i = start + 1;
  while (i < end && nodes[i].kind != NodeKind::kStartClose && nodes[i].kind != NodeKind::kStart) ++i;
  p.attrs_end = i;
  p.content_begin = (i < end && nodes[i].kind == NodeKind::kStartClose) ? i + 1 : i;
  return p;
}

void json_key(std::string& out, std::string_view name, uint16_t suffix) {
  out.push_back('"');
  append_json_escaped(out, name);
  if (suffix > 0) {
    out.push_back('_');
    out += std::to_string(suffix);
  }
  out += "\":";
}

}  // namespace

void Renderer::json_attributes(std::string& out, uint32_t begin, uint32_t end,
                               const ChunkNames& names) {
  out += "\"#attributes\":{";
  bool first = true;
  for (uint32_t i = begin; i < end;) {
    if (nodes_[i].kind != NodeKind::kAttr) {
      ++i;
      continue;
    }
    uint32_t v = i + 1;
    while (v < end && is_value_node(nodes_[v].kind)) ++v;
    if (!first) out.push_back(',');
    first = false;
    json_key(out, names.text(nodes_[i].name), 0);
    json_content_value(out, i + 1, v, true);
    i = v;
  }
  out.push_back('}');
}

// The JSON value of a run of value nodes: a number for one numeric value,
// otherwise the concatenated text as a string.
void Renderer::json_content_value(std::string& out, uint32_t begin, uint32_t end,
                                  bool empty_as_string) {
  uint32_t count = 0;
  uint32_t only = begin;
  for (uint32_t i = begin; i < end; ++i) {
    if (is_value_node(nodes_[i].kind)) {
      ++count;
      only = i;
    }
  }
  if (count == 0) {
    out += empty_as_string ? "\"\"" : "null";
    return;
  }
  if (count == 1 && nodes_[only].kind == NodeKind::kText && json_number(nodes_[only].value)) {
    append_text(out, nodes_[only].value, TextStyle::kEvtxDump);
    return;
  }
  text_.clear();
  for (uint32_t i = begin; i < end; ++i) {
    const Node& n = nodes_[i];
    if (n.kind == NodeKind::kText || n.kind == NodeKind::kCData) {
      append_text(text_, n.value, TextStyle::kEvtxDump);
    } else if (n.kind == NodeKind::kCharRef) {
      append_code_point(text_, char_ref(n.value));
    }
    // Entity references need the name table; json_element resolves them.
  }
  out.push_back('"');
  append_json_escaped(out, text_);
  out.push_back('"');
}

void Renderer::json_element(std::string& out, uint32_t start, const ChunkNames& names) {
  const uint32_t end = end_of_[start];
  const ElementParts p = parts_of(nodes_, start, end);
  const bool has_attrs = p.attrs_end > p.attrs_begin;

  // Split content into child elements and text.
  bool has_children = false;
  bool has_text = false;
  bool has_entity = false;
  for (uint32_t i = p.content_begin; i < p.content_end;) {
    const NodeKind k = nodes_[i].kind;
    if (k == NodeKind::kStart) {
      has_children = true;
      i = end_of_[i] + 1;
      continue;
    }
    if (is_value_node(k)) has_text = true;
    if (k == NodeKind::kEntityRef) has_entity = true;
    ++i;
  }

  auto write_text = [&](void) {
    if (has_entity) {
      text_.clear();
      for (uint32_t i = p.content_begin; i < p.content_end;) {
        if (nodes_[i].kind == NodeKind::kStart) {
          i = end_of_[i] + 1;
          continue;
        }
        text_of(text_, i, i + 1, names, TextStyle::kEvtxDump);
        ++i;
      }
      out.push_back('"');
      append_json_escaped(out, text_);
      out.push_back('"');
      return;
    }
    // Text pieces only (child elements skipped).
    uint32_t count = 0;
    for (uint32_t i = p.content_begin; i < p.content_end;) {
      if (nodes_[i].kind == NodeKind::kStart) {
        i = end_of_[i] + 1;
        continue;
      }
      if (is_value_node(nodes_[i].kind)) ++count;
      ++i;
    }
    if (!has_children) {
      json_content_value(out, p.content_begin, p.content_end, false);
      return;
    }
    text_.clear();
    for (uint32_t i = p.content_begin; i < p.content_end;) {
      if (nodes_[i].kind == NodeKind::kStart) {
        i = end_of_[i] + 1;
        continue;
      }
      text_of(text_, i, i + 1, names, TextStyle::kEvtxDump);
      ++i;
    }
    (void)count;
    out.push_back('"');
    append_json_escaped(out, text_);
    out.push_back('"');
  };

  if (!has_children) {
    if (!has_attrs) {
      if (has_text) {
        write_text();
      } else {
        out += "null";
      }
      return;
    }
    out.push_back('{');
    json_attributes(out, p.attrs_begin, p.attrs_end, names);
    if (has_text) {
      out += ",\"#text\":";
      write_text();
    }
    out.push_back('}');
    return;
  }

  // An element with children becomes an object of members.
  out.push_back('{');
  bool first = true;
  if (has_attrs) {
    json_attributes(out, p.attrs_begin, p.attrs_end, names);
    first = false;
  }

  // EventData-style containers: Data children keyed by their Name attribute,
  // or gathered under "Data":{"#text":...} when none has a name.
  bool data_named = false;
  uint32_t positional_data = 0;
  for (uint32_t i = p.content_begin; i < p.content_end;) {
    if (nodes_[i].kind != NodeKind::kStart) {
      ++i;
      continue;
    }
    if (names.text(nodes_[i].name) == "Data") {
      const ElementParts cp = parts_of(nodes_, i, end_of_[i]);
      for (uint32_t a = cp.attrs_begin; a < cp.attrs_end; ++a) {
        if (nodes_[a].kind == NodeKind::kAttr && names.text(nodes_[a].name) == "Name") {
          text_.clear();
          uint32_t v = a + 1;
          while (v < cp.attrs_end && is_value_node(nodes_[v].kind)) ++v;
          text_of(text_, a + 1, v, names, TextStyle::kEvtxDump);
          if (!text_.empty()) data_named = true;
        }
      }
      ++positional_data;
    }
    i = end_of_[i] + 1;
  }

  thread_local std::vector<std::pair<std::string, uint16_t>> seen;
  const size_t seen_base = seen.size();
  auto suffix_for = [&](std::string_view key) -> uint16_t {
    for (size_t s = seen_base; s < seen.size(); ++s) {
      if (seen[s].first == key) return ++seen[s].second;
    }
    seen.emplace_back(std::string(key), 0);
    return 0;
  };

  bool positional_done = false;
  for (uint32_t i = p.content_begin; i < p.content_end;) {
    if (nodes_[i].kind != NodeKind::kStart) {
      ++i;
      continue;
    }
    const uint32_t child_end = end_of_[i];
    const std::string_view child_name = names.text(nodes_[i].name);
    if (child_name == "Data" && positional_data > 0) {
      const ElementParts cp = parts_of(nodes_, i, child_end);
      if (data_named) {
        std::string key;
        for (uint32_t a = cp.attrs_begin; a < cp.attrs_end; ++a) {
          if (nodes_[a].kind == NodeKind::kAttr && names.text(nodes_[a].name) == "Name") {
            uint32_t v = a + 1;
            while (v < cp.attrs_end && is_value_node(nodes_[v].kind)) ++v;
            text_of(key, a + 1, v, names, TextStyle::kEvtxDump);
          }
        }
        if (!key.empty()) {
          if (!first) out.push_back(',');
          first = false;
          json_key(out, key, suffix_for(key));
          json_content_value(out, cp.content_begin, cp.content_end, true);
        }
      } else if (!positional_done) {
        positional_done = true;
        if (!first) out.push_back(',');
        first = false;
        json_key(out, "Data", suffix_for("Data"));
        out += "{\"#text\":";
        if (positional_data > 1) out.push_back('[');
        bool first_item = true;
        for (uint32_t d = i; d < p.content_end;) {
          if (nodes_[d].kind != NodeKind::kStart) {
            ++d;
            continue;
          }
          if (names.text(nodes_[d].name) == "Data") {
            if (!first_item) out.push_back(',');
            first_item = false;
            const ElementParts dp = parts_of(nodes_, d, end_of_[d]);
            json_content_value(out, dp.content_begin, dp.content_end, true);
          }
          d = end_of_[d] + 1;
        }
        if (positional_data > 1) out.push_back(']');
        out.push_back('}');
      }
      i = child_end + 1;
      continue;
    }
    if (!first) out.push_back(',');
    first = false;
    json_key(out, child_name, suffix_for(child_name));
    json_element(out, i, names);
    i = child_end + 1;
  }
  seen.resize(seen_base);
  if (has_text) {
    if (!first) out.push_back(',');
    out += "\"#text\":";
    write_text();
  }
  out.push_back('}');
}

void Renderer::json(std::string& out, const Record& record, const ChunkNames& names) {
  index(record.nodes);
  out.push_back('{');
  bool first = true;
  for (uint32_t i = 0; i < nodes_.size();) {
    if (nodes_[i].kind != NodeKind::kStart) {
      ++i;
      continue;
    }
    if (!first) out.push_back(',');
    first = false;
    json_key(out, names.text(nodes_[i].name), 0);
    json_element(out, i, names);
    i = end_of_[i] + 1;
  }
  out.push_back('}');
}

// ---------------------------------------------------------------- XML

void Renderer::xml(std::string& out, const Record& record, const ChunkNames& names) {
  index(record.nodes);
  const auto& nodes = nodes_;
  // Element names of open elements, for end tags.
  thread_local std::vector<uint32_t> open;
  thread_local std::vector<Value> items;
  open.clear();
  bool in_attr = false;

  // An array value stands for one copy of its enclosing element per item
  // (MS-EVEN6 3.1.4.7.5), as libevtx and the Rust evtx crate render it.
  // Only leaf elements are repeated, so the output stays linear in the input:
  // repeating an element around other repeated elements would multiply.
  auto leaf_array = [&](uint32_t start) -> uint32_t {
    const uint32_t end = end_of_[start];
    if (end >= nodes.size()) return kNoNode;
    uint32_t found = kNoNode;
    for (uint32_t k = start + 1; k < end; ++k) {
      if (nodes[k].kind == NodeKind::kStart) return kNoNode;
      if (found == kNoNode && nodes[k].kind == NodeKind::kText && nodes[k].value.array()) {
        split_array(nodes[k].value, items);
        if (items.size() > 1) found = k;
      }
    }
    if (found != kNoNode) split_array(nodes[found].value, items);
    return found;
  };

  auto emit = [&](uint32_t& i, uint32_t replaced, const Value& item) {
    const Node& n = nodes[i];
    switch (n.kind) {
      case NodeKind::kStart:
        out.push_back('<');
        out.append(names.text(n.name));
        open.push_back(n.name);
        break;
      case NodeKind::kAttr:
        if (in_attr) out.push_back('\'');
        out.push_back(' ');
        out.append(names.text(n.name));
        out += "='";
        in_attr = true;
        break;
      case NodeKind::kStartClose: {
        if (in_attr) out.push_back('\'');
        in_attr = false;
        // Self-close when the element has no content at all.
        if (i + 1 < nodes.size() && nodes[i + 1].kind == NodeKind::kEnd) {
          out += "/>";
          ++i;
          if (!open.empty()) open.pop_back();
        } else {
          out.push_back('>');
        }
        break;
      }
      case NodeKind::kEnd:
        if (in_attr) {
          out += "'/>";
          in_attr = false;
          if (!open.empty()) open.pop_back();
          break;
        }
        out += "</";
        if (!open.empty()) {
          out.append(names.text(open.back()));
          open.pop_back();
        }
        out.push_back('>');
        break;
      case NodeKind::kText:
        text_.clear();
        append_text(text_, i == replaced ? item : n.value, TextStyle::kWindows);
        append_xml_escaped(out, text_, in_attr);
        break;
      case NodeKind::kCData:
        out += "<![CDATA[";
        append_text(out, n.value, TextStyle::kWindows);
        out += "]]>";
        break;
      case NodeKind::kCharRef:
        out += "&#";
        out += std::to_string(char_ref(n.value));
        out.push_back(';');
        break;
      case NodeKind::kEntityRef:
        out.push_back('&');
        out.append(names.text(n.name));
        out.push_back(';');
        break;
      case NodeKind::kPITarget:
        out += "<?";
        out.append(names.text(n.name));
        if (i + 1 < nodes.size() && nodes[i + 1].kind == NodeKind::kPIData) {
          out.push_back(' ');
          append_text(out, nodes[++i].value, TextStyle::kWindows);
        }
        out += "?>";
        break;
      case NodeKind::kPIData:
      case NodeKind::kSubstitution: break;
    }
  };

  for (uint32_t i = 0; i < nodes.size(); ++i) {
    const uint32_t replaced = nodes[i].kind == NodeKind::kStart ? leaf_array(i) : kNoNode;
    if (replaced == kNoNode) {
      emit(i, kNoNode, Value{});
      continue;
    }
    const uint32_t end = end_of_[i];
    for (const Value& item : items) {
      for (uint32_t k = i; k <= end; ++k) emit(k, replaced, item);
    }
    i = end;
  }
}

}  // namespace vigil::evtx
