#pragma once
// What every EVTX-reading command does with its paths and with the damage
// the reader reports: gather the inputs, print problems to stderr.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "vigil/read/evtx/scan.h"

namespace vigil::cli {

struct EvtxInputs {
  std::vector<evtx::EvtxInput> files;
  std::vector<std::string> paths;  // files[i].path, by source id, for outputs that name them
  uint64_t bytes = 0;              // total size of the files
  bool error = false;              // some path could not be read, or a named file is not EVTX
};

// Files named on the command line must be EVTX; files found in folders are
// taken when their content is EVTX and skipped otherwise. Problems are
// printed to stderr as they are met.
EvtxInputs gather_evtx_inputs(const std::vector<std::string>& paths);

// Prints damaged places and notices ("vigil: FILE: offset 0x..: ...") and
// counts the damaged places (notices are not damage).
struct DamagePrinter {
  uint64_t places = 0;
  // `before_each` runs before every line (e.g. to clear a progress line).
  void report(const std::string& path, const std::vector<evtx::Damage>& damage,
              const std::function<void()>& before_each = {});
};

}  // namespace vigil::cli
