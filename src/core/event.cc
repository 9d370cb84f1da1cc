#include "vigil/core/event.h"

#include <cstring>

namespace vigil {

std::string_view Event::text(FieldId name, std::string& buffer) const {
  const Value* v = find(name);
  if (v == nullptr) return {};
  if (auto view = v->utf8_view()) return *view;
  buffer.clear();
  append_text(buffer, *v);
  return buffer;
}

void Event::append_json(std::string& out, const FieldNames& names) const {
  out.push_back('{');
  bool first = true;
  for (const Field& f : fields_) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    append_json_escaped(out, names.name(f.name));
    out += "\":\"";
    if (auto view = f.value.utf8_view()) {
      append_json_escaped(out, *view);
    } else {
      std::string text;
      append_text(text, f.value);
      append_json_escaped(out, text);
    }
    out.push_back('"');
  }
  out.push_back('}');
}

std::string_view Event::store(std::string_view bytes) {
  constexpr size_t kBlock = 16 * 1024;
  // An empty view may carry a null pointer, which memcpy must never see.
  if (bytes.empty()) return {};
  while (arena_block_ < arena_.size()) {
    std::string& block = arena_[arena_block_];
    if (block.size() - arena_used_ >= bytes.size()) {
      char* dst = block.data() + arena_used_;
      std::memcpy(dst, bytes.data(), bytes.size());
      arena_used_ += bytes.size();
      return {dst, bytes.size()};
    }
    ++arena_block_;
    arena_used_ = 0;
  }
  arena_.emplace_back(std::max(kBlock, bytes.size()), '\0');
  arena_block_ = arena_.size() - 1;
  std::memcpy(arena_.back().data(), bytes.data(), bytes.size());
  arena_used_ = bytes.size();
  return {arena_.back().data(), bytes.size()};
}

}  // namespace vigil
