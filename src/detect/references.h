#pragma once
// What an id or a name in a correlation's or a filter's `rules` refers to.
// The compiler (filters), the correlation plan and the rule selection
// resolve references alike; this is that rule, in one place.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace vigil::detect {

// Reference -> indices of the items (rules, or correlations) it names.
using ReferenceIndex = std::unordered_map<std::string, std::vector<uint32_t>>;

// Every item is named by its id and by its name (when it has one other than
// its id); several items may share one.
template <class Items>
ReferenceIndex reference_index(const Items& items) {
  ReferenceIndex index;
  for (uint32_t i = 0; i < items.size(); ++i) {
    const auto& info = items[i].info;
    if (!info.id.empty()) index[info.id].push_back(i);
    if (!info.name.empty() && info.name != info.id) index[info.name].push_back(i);
  }
  return index;
}

}  // namespace vigil::detect
