#pragma once
// Every text-log format compiled into vigil, in recognition priority order
// (ties in `Format::sniff` go to the earlier one). The `vigil_read` library
// links every reader; front ends ask it instead of naming readers.

#include <span>
#include <string_view>

#include "vigil/read/text/format.h"

namespace vigil::read {

std::span<const Format* const> formats();
// The format named `name` (`Format::name()`), or nullptr.
const Format* find_format(std::string_view name);

}  // namespace vigil::read
