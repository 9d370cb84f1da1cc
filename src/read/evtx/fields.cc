// Flattening records into Events for the detector.

#include "vigil/core/utf.h"
#include "vigil/read/evtx/evtx.h"

namespace vigil::evtx {

namespace {
bool is_value_node(NodeKind k) {
  return k == NodeKind::kText || k == NodeKind::kCData || k == NodeKind::kCharRef ||
         k == NodeKind::kEntityRef;
}
}  // namespace

EventBuilder::EventBuilder(FieldNames& names)
    : names_(names), data_field_(names.intern("Data")), binary_field_(names.intern("Binary")) {}

EventBuilder::Role EventBuilder::role(uint32_t name, const ChunkNames& chunk_names) {
  if (name >= roles_.size()) roles_.resize(name + 1, Role::kUnknown);
  Role& r = roles_[name];
  if (r == Role::kUnknown) {
    const std::string_view t = chunk_names.text(name);
    r = t == "System"        ? Role::kSystem
        : t == "EventData"   ? Role::kEventData
        : t == "UserData"    ? Role::kUserData
        : t == "Data"        ? Role::kData
        : t == "Name"        ? Role::kName
        : t == "TimeCreated" ? Role::kTimeCreated
        : t == "SystemTime"  ? Role::kSystemTime
        : t == "xmlns"       ? Role::kXmlns
                             : Role::kOther;
  }
  return r;
}

FieldId EventBuilder::name_of_value(const Value& value) {
  auto it = name_cache_.find(value.data);
  if (it != name_cache_.end()) return it->second;
  scratch_.clear();
  append_text(scratch_, value);
  const FieldId id = names_.intern(scratch_);
  name_cache_.emplace(value.data, id);
  return id;
}

FieldId EventBuilder::joined_name(uint32_t element, uint32_t attribute,
                                  const ChunkNames& chunk_names) {
  const uint64_t key = (static_cast<uint64_t>(element) << 32) | attribute;
  auto it = joined_cache_.find(key);
  if (it != joined_cache_.end()) return it->second;
  scratch_.assign(chunk_names.text(element));
  scratch_.push_back('_');
  scratch_.append(chunk_names.text(attribute));
  const FieldId id = names_.intern(scratch_);
  joined_cache_.emplace(key, id);
  return id;
}

// The value of a run of value nodes: the node itself when there is one (no
// copy), their joined text in the event's storage otherwise.
Value EventBuilder::content_value(std::span<const Node> nodes, uint32_t begin, uint32_t end,
                                  const ChunkNames& chunk_names, Event& event) {
  uint32_t count = 0;
  uint32_t only = begin;
  for (uint32_t i = begin; i < end; ++i) {
    if (is_value_node(nodes[i].kind)) {
      ++count;
      only = i;
    }
  }
  if (count == 0) return Value::utf8({});
  if (count == 1 && nodes[only].kind == NodeKind::kText) return nodes[only].value;
  scratch_.clear();
  for (uint32_t i = begin; i < end; ++i) {
    const Node& n = nodes[i];
    if (n.kind == NodeKind::kText || n.kind == NodeKind::kCData) {
      append_text(scratch_, n.value);
    } else if (n.kind == NodeKind::kCharRef) {
      append_code_point(scratch_, static_cast<uint32_t>(n.value.data[0] | (n.value.data[1] << 8)));
    } else if (n.kind == NodeKind::kEntityRef) {
      const std::string_view e = chunk_names.text(n.name);
      scratch_ += e == "amp" ? "&" : e == "lt" ? "<" : e == "gt" ? ">" : e == "quot" ? "\"" : e == "apos" ? "'" : "";
    }
  }
  return Value::utf8(event.store(scratch_));
}

void EventBuilder::build(const Record& record, const ChunkNames& chunk_names, uint32_t source_id,
                         Event& event) {
  if (cached_names_ != &chunk_names || cached_generation_ != chunk_names.generation()) {
    cached_names_ = &chunk_names;
    cached_generation_ = chunk_names.generation();
    name_cache_.clear();
    joined_cache_.clear();
    roles_.clear();
  }
  event.clear();
  event.source = {source_id, record.record_id, record.file_offset, record.recovered};
  event.timestamp = record.written;

  const std::span<const Node> nodes = record.nodes;
  const auto n = static_cast<uint32_t>(nodes.size());
  // Element path: depth 1 is Event, depth 2 a section (System, EventData, ...).
  uint32_t depth = 0;
  Role section = Role::kOther;
  uint32_t element_name[8] = {};
  // Start of the current element's content, for leaves.
  uint32_t content_begin = 0;
  bool element_has_children[8] = {};
  FieldId data_name = kNoField;  // Name of the current Data element

  for (uint32_t i = 0; i < n; ++i) {
    const Node& node = nodes[i];
    switch (node.kind) {
      case NodeKind::kStart: {
        if (depth > 0 && depth <= 8) element_has_children[depth - 1] = true;
        ++depth;
        if (depth <= 8) {
          element_name[depth - 1] = node.name;
          element_has_children[depth - 1] = false;
        }
        if (depth == 2) section = role(node.name, chunk_names);
        data_name = kNoField;
        // Attributes.
        uint32_t a = i + 1;
        while (a < n && nodes[a].kind == NodeKind::kAttr) {
          uint32_t v = a + 1;
          while (v < n && is_value_node(nodes[v].kind)) ++v;
          const Role attr_role = role(nodes[a].name, chunk_names);
          if (depth >= 3 && attr_role != Role::kXmlns) {
            const Role elem_role = role(node.name, chunk_names);
            if (section == Role::kEventData && elem_role == Role::kData && attr_role == Role::kName) {
              const Value name_value = content_value(nodes, a + 1, v, chunk_names, event);
              data_name = name_value.size == 0 ? kNoField : name_of_value(name_value);
            } else if (section == Role::kSystem && elem_role == Role::kTimeCreated &&
                       attr_role == Role::kSystemTime) {
              const Value t = content_value(nodes, a + 1, v, chunk_names, event);
              event.add(field::kTimeCreated, t);
              if (auto ts = to_timestamp(t)) event.timestamp = *ts;
            } else if (section != Role::kEventData || elem_role != Role::kData) {
              event.add(joined_name(node.name, nodes[a].name, chunk_names),
                        content_value(nodes, a + 1, v, chunk_names, event));
            }
          }
          a = v;
        }
        i = a - 1;
        if (a < n && nodes[a].kind == NodeKind::kStartClose) i = a;
        content_begin = i + 1;
        break;
      }
      case NodeKind::kEnd: {
        if (depth >= 3 && depth <= 8 && !element_has_children[depth - 1]) {
          // A leaf: its text is a field.
          const uint32_t name = element_name[depth - 1];
          const Role elem_role = role(name, chunk_names);
          FieldId id = kNoField;
          if (section == Role::kEventData && elem_role == Role::kData) {
            id = data_name != kNoField ? data_name : data_field_;
          } else if (section == Role::kSystem) {
            if (elem_role != Role::kTimeCreated && depth == 3) id = chunk_names.field(name, names_);
          } else if (section == Role::kEventData || section == Role::kUserData) {
            id = chunk_names.field(name, names_);
          } else if (depth >= 3) {
            id = joined_name(element_name[1], name, chunk_names);
          }
          if (id != kNoField) {
            const Value v = content_value(nodes, content_begin, i, chunk_names, event);
            // Empty System elements (<Security/>, <Correlation/>) carry no value.
            if (!(section == Role::kSystem && v.size == 0)) event.add(id, v);
          }
        }
        if (depth > 0) --depth;
        break;
      }
      default: break;
    }
  }
  (void)binary_field_;
}

}  // namespace vigil::evtx
