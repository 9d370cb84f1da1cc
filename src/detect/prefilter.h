#pragma once
// The literal prefilter of a compiled rule set (see compiled.h).

#include <string>

#include "compiled.h"

namespace vigil::detect {

// Fills the prefilter members of `set` once its gates, instances and tests
// exist. False (prefilter off, `error` says why) when a literal database
// cannot be built; matching is then complete, only slower.
bool build_prefilter(RuleSet::Impl& set, std::string& error);

}  // namespace vigil::detect
