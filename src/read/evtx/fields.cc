// Flattening records into Events for the detector.
//
// One walk over a node stream decides which fields an event has. It runs
// either over a record's expanded nodes (the general path) or once per
// template over the template's own nodes, producing a Plan that later
// records of the chunk apply directly to their substitution values.

#include "vigil/core/limits.h"
#include "vigil/core/utf.h"
#include "vigil/read/evtx/evtx.h"

namespace vigil::evtx {

namespace {

bool is_value_node(NodeKind k) {
  return k == NodeKind::kText || k == NodeKind::kCData || k == NodeKind::kCharRef ||
         k == NodeKind::kEntityRef || k == NodeKind::kSubstitution;
}

enum StepFlags : uint8_t {
  kSkipEmpty = 1,     // System elements: an empty value is no field
  kTimeCreated = 2,   // also sets the event's timestamp
  kDropIfAbsent = 4,  // an attribute: disappears when its optional value is absent
  kOptional = 8,      // the value is an optional substitution
  kLeaf = 16,         // an element's text (not an attribute)
};


}  // namespace

EventBuilder::EventBuilder(FieldNames& names) : names_(names), data_field_(names.intern("Data")) {}

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
  const FieldId id = scratch_.empty() ? kNoField : names_.intern(scratch_);
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
      scratch_ += e == "amp"    ? "&"
                  : e == "lt"   ? "<"
                  : e == "gt"   ? ">"
                  : e == "quot" ? "\""
                  : e == "apos" ? "'"
                                : "";
    }
  }
  return Value::utf8(event.store(scratch_));
}

// Calls emit(id, begin, end, flags) for every field, where [begin, end) is
// the run of value nodes holding its value; data_name(begin, end) names a
// Data element from its Name attribute's run; content_sub(index, state) is
// told of substitutions in element content (only template nodes have them).
template <class Emit, class Name, class Content>
void EventBuilder::walk(std::span<const Node> nodes, const ChunkNames& chunk_names,
                        WalkState st, Emit&& emit, Name&& data_name, Content&& content_sub) {
  const auto n = static_cast<uint32_t>(nodes.size());
  uint32_t content_begin = 0;
  FieldId current_data_name = kNoField;

  for (uint32_t i = 0; i < n; ++i) {
    const Node& node = nodes[i];
    if (node.kind == NodeKind::kStart) {
      if (st.depth > 0 && st.depth <= kMaxDepth) st.has_children[st.depth - 1] = true;
      ++st.depth;
      if (st.depth <= kMaxDepth) {
        st.element_name[st.depth - 1] = node.name;
        st.has_children[st.depth - 1] = false;
      }
      if (st.depth == 2) st.section = role(node.name, chunk_names);
      current_data_name = kNoField;
      uint32_t a = i + 1;
      while (a < n && nodes[a].kind == NodeKind::kAttr) {
        uint32_t v = a + 1;
        while (v < n && is_value_node(nodes[v].kind)) ++v;
        const Role attr_role = role(nodes[a].name, chunk_names);
        if (st.depth >= 3 && attr_role != Role::kXmlns) {
          const Role elem_role = role(node.name, chunk_names);
          if (st.section == Role::kEventData && elem_role == Role::kData) {
            if (attr_role == Role::kName) current_data_name = data_name(a + 1, v);
          } else if (st.section == Role::kSystem && elem_role == Role::kTimeCreated &&
                     attr_role == Role::kSystemTime) {
            emit(field::kTimeCreated, a + 1, v, kTimeCreated | kDropIfAbsent);
          } else {
            emit(joined_name(node.name, nodes[a].name, chunk_names), a + 1, v, kDropIfAbsent);
          }
        }
        a = v;
      }
      i = (a < n && nodes[a].kind == NodeKind::kStartClose) ? a : a - 1;
      content_begin = i + 1;
    } else if (node.kind == NodeKind::kSubstitution) {
      content_sub(i, st);
    } else if (node.kind == NodeKind::kEnd) {
      if (st.depth >= 3 && st.depth <= kMaxDepth && !st.has_children[st.depth - 1]) {
        const uint32_t name = st.element_name[st.depth - 1];
        const Role elem_role = role(name, chunk_names);
        if (st.section == Role::kEventData && elem_role == Role::kData) {
          emit(current_data_name != kNoField ? current_data_name : data_field_, content_begin, i,
               kLeaf);
        } else if (st.section == Role::kSystem) {
          if (elem_role != Role::kTimeCreated && st.depth == 3) {
            emit(chunk_names.field(name, names_), content_begin, i, kSkipEmpty | kLeaf);
          }
        } else if (st.section == Role::kEventData || st.section == Role::kUserData) {
          emit(chunk_names.field(name, names_), content_begin, i, kLeaf);
        } else {
          emit(joined_name(st.element_name[1], name, chunk_names), content_begin, i, kLeaf);
        }
      }
      if (st.depth > 0) --st.depth;
    }
  }
}

// Inlined into the plan loop: it runs once per field of every event.
[[gnu::always_inline]] inline void EventBuilder::apply(uint8_t flags, FieldId id,
                                                       const Value& value, Event& event) {
  if ((flags & kSkipEmpty) != 0 && value.size == 0) return;
  event.add(id, value);
  if ((flags & kTimeCreated) != 0) {
    if (auto ts = to_timestamp(value)) event.timestamp = *ts;
  }
}

void EventBuilder::reset_chunk_caches(const ChunkNames& chunk_names) {
  if (cached_names_ == &chunk_names && cached_generation_ == chunk_names.generation()) return;
  cached_names_ = &chunk_names;
  cached_generation_ = chunk_names.generation();
  name_cache_.clear();
  joined_cache_.clear();
  roles_.clear();
  // Plans and template ids survive chunks; a bound keeps hostile input with
  // endless distinct templates from growing them without limit.
  if (identity_.size() > limits::kMaxCompiledTemplates) {
    identity_.clear();
    plans_.clear();
  }
}

std::unique_ptr<EventBuilder::Plan> EventBuilder::compile(const TemplateDef& tmpl,
                                                          const WalkState& state,
                                                          const ChunkNames& chunk_names) {
  auto plan = std::make_unique<Plan>();
  plan->usable = true;
  const std::span<const Node> nodes = tmpl.nodes;
  // A run compiles when it is empty, one literal text, or one substitution.
  auto single = [&](uint32_t begin, uint32_t end, Step& step) {
    if (begin == end) {
      step.constant = Value::utf8({});
      return true;
    }
    if (end - begin != 1) return false;
    const Node& only = nodes[begin];
    if (only.kind == NodeKind::kSubstitution) {
      step.kind = StepKind::kValue;
      step.sub = only.sub_index;
      if (only.optional) step.flags |= kOptional;
      return true;
    }
    if (only.kind == NodeKind::kText) {
      const std::string& copy = plan->literals.emplace_back(
          reinterpret_cast<const char*>(only.value.data), only.value.size);
      step.constant = Value(reinterpret_cast<const uint8_t*>(copy.data()), only.value.size,
                            only.value.raw_type);
      return true;
    }
    return false;
  };
  // Where each step comes from in the template, to guard the steps of
  // elements that a NULL dependency removes.
  std::vector<uint32_t> origins;
  walk(
      nodes, chunk_names, state,
      [&](FieldId id, uint32_t begin, uint32_t end, uint8_t flags) {
        Step step;
        step.id = id;
        step.flags = flags;
        if (!single(begin, end, step)) {
          plan->usable = false;
          return;
        }
        plan->steps.push_back(std::move(step));
        origins.push_back(begin);
      },
      [&](uint32_t begin, uint32_t end) -> FieldId {
        Step step;
        if (!single(begin, end, step) || step.kind == StepKind::kValue) {
          plan->usable = false;  // a Name from a substitution differs per record
          return kNoField;
        }
        return name_of_value(step.constant);
      },
      [&](uint32_t index, const WalkState& at) {
        Step step;
        step.kind = StepKind::kNested;
        step.sub = nodes[index].sub_index;
        step.nested = std::make_unique<Nested>();
        step.nested->state = at;
        plan->steps.push_back(std::move(step));
        origins.push_back(index);
      });
  if (!plan->usable) return plan;
  // A leaf whose content is one substitution gets a nested step (for when
  // the value is binary XML) right before its value step (for any other
  // value): one step does both, halving the steps of a typical record.
  {
    std::vector<Step> merged;
    std::vector<uint32_t> merged_origins;
    merged.reserve(plan->steps.size());
    merged_origins.reserve(plan->steps.size());
    for (size_t k = 0; k < plan->steps.size(); ++k) {
      Step& step = plan->steps[k];
      if (step.kind == StepKind::kNested && k + 1 < plan->steps.size()) {
        Step& next = plan->steps[k + 1];
        if (next.kind == StepKind::kValue && next.sub == step.sub && (next.flags & kLeaf) != 0) {
          next.nested = std::move(step.nested);
          merged.push_back(std::move(next));
          merged_origins.push_back(origins[k + 1]);
          ++k;
          continue;
        }
      }
      merged.push_back(std::move(step));
      merged_origins.push_back(origins[k]);
    }
    plan->steps = std::move(merged);
    origins = std::move(merged_origins);
  }
  add_guards(*plan, origins, nodes, state.depth);
  for (const Step& step : plan->steps) {
    if (step.kind == StepKind::kValue || step.kind == StepKind::kConstant) ++plan->max_fields;
  }
  return plan;
}

// Puts a guard before the steps of each element that has a dependency
// (MS-EVEN6 2.2.12): when that substitution is NULL at run time the element
// is not rendered, so its steps are skipped.
void EventBuilder::add_guards(Plan& plan, const std::vector<uint32_t>& origins,
                              std::span<const Node> nodes, uint32_t base_depth) {
  struct Guard {
    uint32_t start, end;
    uint16_t sub;
  };
  std::vector<Guard> guards;
  uint32_t depth = base_depth;
  for (uint32_t k = 0; k < nodes.size(); ++k) {
    if (nodes[k].kind == NodeKind::kStart) {
      ++depth;
      if (nodes[k].optional && nodes[k].slot > k) {
        // Removing an element may leave its parent without children, making
        // it a leaf with a field of its own: the general path handles that.
        if (depth >= 4) {
          plan.usable = false;
          return;
        }
        guards.push_back({k, nodes[k].slot, nodes[k].sub_index});
      }
    } else if (nodes[k].kind == NodeKind::kEnd) {
      --depth;
    }
  }
  if (guards.empty()) return;
  std::vector<Step> steps;
  steps.reserve(plan.steps.size() + guards.size());
  std::vector<std::pair<size_t, uint32_t>> open;  // guard step index, element end
  size_t next_guard = 0;
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const uint32_t origin = origins[i];
    while (!open.empty() && origin > open.back().second) {
      steps[open.back().first].skip = static_cast<uint32_t>(steps.size() - open.back().first - 1);
      open.pop_back();
    }
    while (next_guard < guards.size() && guards[next_guard].start < origin) {
      const Guard& g = guards[next_guard++];
      if (origin > g.end) continue;  // no steps inside
      Step guard;
      guard.kind = StepKind::kGuard;
      guard.sub = g.sub;
      open.emplace_back(steps.size(), g.end);
      steps.push_back(std::move(guard));
    }
    steps.push_back(std::move(plan.steps[i]));
  }
  while (!open.empty()) {
    steps[open.back().first].skip = static_cast<uint32_t>(steps.size() - open.back().first - 1);
    open.pop_back();
  }
  plan.steps = std::move(steps);
}

// Applies a plan to an instance's values. False when the record needs the
// general path (nested XML of a shape the plans do not cover).
// The plan of the template instance inside BinXml value `sv`, run where
// the step's element lands in the tree.
bool EventBuilder::run_nested(const Step& step, const Value& sv, const Record& record,
                              const ChunkNames& chunk_names, uint32_t level, Event& event) {
  if (level + 1 >= limits::kBinXmlMaxDepth || record.parser == nullptr) return false;
  if (nested_values_.size() <= level) nested_values_.resize(level + 1);
  auto inst = record.parser->nested_instance(sv, nested_values_[level]);
  if (!inst.ok()) return false;
  auto& slot = step.nested->plans[identity_.id(*inst->tmpl, chunk_names)];
  if (!slot) slot = compile(*inst->tmpl, step.nested->state, chunk_names);
  if (!slot->usable) return false;
  return run_plan(*slot, inst->values, record, chunk_names, level + 1, event);
}

bool EventBuilder::run_plan(const Plan& plan, std::span<const Value> values, const Record& record,
                            const ChunkNames& chunk_names, uint32_t level, Event& event) {
  constexpr auto kBinXml = static_cast<uint8_t>(ValueType::kBinXml);
  constexpr auto kNullType = static_cast<uint8_t>(ValueType::kNull);
  const Step* const steps = plan.steps.data();
  const size_t step_count = plan.steps.size();
  const Value* const vals = values.data();
  const size_t value_count = values.size();
  event.reserve_more(plan.max_fields);
  for (size_t i = 0; i < step_count; ++i) {
    const Step& step = steps[i];
    switch (step.kind) {
      case StepKind::kValue: {
        // Mirrors expansion: a missing, null or absent optional value leaves
        // no text, an attribute whose optional value is absent vanishes, and
        // a non-empty BinXml value makes the element a parent, not a leaf.
        Value v = Value::utf8({});
        if (step.sub < value_count) {
          const Value& sv = vals[step.sub];
          if (sv.raw_type == kBinXml) {
            if (sv.size != 0) {
              if ((step.flags & kLeaf) == 0) return false;  // XML inside an attribute
              if (step.nested != nullptr &&
                  !run_nested(step, sv, record, chunk_names, level, event)) {
                return false;
              }
              continue;
            }
          } else if (sv.raw_type != kNullType && (sv.size != 0 || (step.flags & kOptional) == 0)) {
            v = sv;
          } else if ((step.flags & (kDropIfAbsent | kOptional)) == (kDropIfAbsent | kOptional)) {
            continue;
          }
        }
        apply(step.flags, step.id, v, event);
        continue;
      }
      case StepKind::kConstant:
        apply(step.flags, step.id, step.constant, event);
        continue;
      case StepKind::kGuard:
        if (step.sub < value_count && vals[step.sub].raw_type == kNullType) i += step.skip;
        continue;
      case StepKind::kNested: {
        if (step.sub >= value_count) continue;
        const Value& sv = vals[step.sub];
        if (sv.raw_type != kBinXml || sv.size == 0) continue;
        if (!run_nested(step, sv, record, chunk_names, level, event)) return false;
        continue;
      }
    }
  }
  return true;
}

bool EventBuilder::build(const Record& record, const ChunkNames& chunk_names, uint32_t source_id,
                         Event& event) {
  reset_chunk_caches(chunk_names);
  event.clear();
  event.source = {source_id, record.record_id, record.file_offset, record.recovered};
  event.timestamp = record.written;

  if (record.tmpl != nullptr && record.nodes.empty()) {
    const uint32_t identity = identity_.id(*record.tmpl, chunk_names);
    if (identity >= plans_.size()) plans_.resize(identity + 1);
    auto& plan = plans_[identity];
    if (!plan) plan = compile(*record.tmpl, WalkState{}, chunk_names);
    if (plan->usable && run_plan(*plan, record.values, record, chunk_names, 0, event)) return true;
    event.clear();
    event.source = {source_id, record.record_id, record.file_offset, record.recovered};
    event.timestamp = record.written;
  }

  const std::span<const Node> nodes = record.expand();
  if (nodes.empty()) return false;  // the parser reports the damage
  walk(
      nodes, chunk_names, WalkState{},
      [&](FieldId id, uint32_t begin, uint32_t end, uint8_t flags) {
        apply(flags, id, content_value(nodes, begin, end, chunk_names, event), event);
      },
      [&](uint32_t begin, uint32_t end) -> FieldId {
        const Value v = content_value(nodes, begin, end, chunk_names, event);
        return v.size == 0 ? kNoField : name_of_value(v);
      },
      [](uint32_t, const WalkState&) {});
  return true;
}

}  // namespace vigil::evtx
