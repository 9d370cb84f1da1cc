#pragma once
// vigil's documented exit codes (README "Exit codes").

namespace vigil::cli {
inline constexpr int kExitOk = 0;         // every input read cleanly
inline constexpr int kExitDamaged = 1;    // done; damaged places were reported and stepped over
inline constexpr int kExitUsage = 2;      // bad command line
inline constexpr int kExitInput = 3;      // an input could not be read at all (missing, not EVTX, I/O)
inline constexpr int kExitInternal = 4;   // a bug: please report it
}  // namespace vigil::cli
