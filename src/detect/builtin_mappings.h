#pragma once
// The default logsource mappings, compiled in: defined in the source that
// src/detect/mappings/mappings.cmake generates from src/detect/mappings/*.yml,
// so the defaults need no file at run time.

#include <cstddef>
#include <string_view>

namespace vigil::detect::builtin_mappings {
size_t count();
std::string_view name(size_t index);
std::string_view text(size_t index);
}  // namespace vigil::detect::builtin_mappings
