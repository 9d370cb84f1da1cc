// JSON (evtx_dump shape) and XML rendering of expanded records.

#include <cmath>
#include <cstring>

#include "vigil/core/utf.h"
#include "entities.h"
#include "vigil/read/evtx/evtx.h"

namespace vigil::evtx {

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

namespace {

uint16_t char_ref(const Value& v) {
  uint16_t u;
  std::memcpy(&u, v.data, 2);
  return u;
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
    return found;  // items still holds its split: no array after it was split
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
