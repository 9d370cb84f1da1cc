#pragma once
// The literal prefilter of a compiled rule set (see compiled.h).

#include <span>
#include <string>
#include <string_view>

#include "compiled.h"

namespace vigil::detect {

// Fills the prefilter members of `set` once its gates, instances and tests
// exist. False (prefilter off, `error` says why) when a literal database
// cannot be built; matching is then complete, only slower.
bool build_prefilter(RuleSet::Impl& set, std::string& error);

// One Vectorscan block-mode database of `literals` (each reported once, with
// the id beside it): the prefilter's per-field scans and the matcher's
// keyword scans. Null with `error` set when it cannot be built.
HsDatabase compile_literals(std::span<const std::string_view> literals,
                            std::span<const unsigned> ids, std::string& error);

}  // namespace vigil::detect
