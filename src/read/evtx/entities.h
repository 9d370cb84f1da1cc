#pragma once
// Shared by the EVTX renderers (not part of the public API).

#include <string>
#include <string_view>

namespace vigil::evtx {

// Appends the text an XML entity reference stands for: the five predefined
// entities decoded, any other kept as "&name;".
void append_entity(std::string& out, std::string_view entity);

}  // namespace vigil::evtx
