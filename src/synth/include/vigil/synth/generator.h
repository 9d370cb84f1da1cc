#pragma once
// Synthetic Windows events for tests and benchmarks: Security-auditing and
// Sysmon-like records with the field sets, value types, sizes and variety of
// real logs (logons, process creation with long command lines, network and
// file activity, registry changes, a log clear). Deterministic: the same
// kind and seed give the same events, byte for byte, on every platform.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vigil/core/result.h"
#include "vigil/read/evtx/writer.h"

namespace vigil::synth {

enum class Kind : uint8_t { kSecurity, kSysmon, kMixed };

std::optional<Kind> parse_kind(std::string_view text);
const char* kind_name(Kind kind);

class Generator {
 public:
  Generator(Kind kind, uint64_t seed);
  Generator(Generator&&) noexcept;
  Generator& operator=(Generator&&) noexcept;
  ~Generator();

  // Refills `event` with the next event; its storage is reused, so a caller
  // that keeps one EventSpec allocates nothing in steady state.
  void next(evtx::EventSpec& event);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

struct FileOptions {
  Kind kind = Kind::kSecurity;
  uint64_t seed = 1;
  uint64_t records = 0;    // stop after this many events (0: no count limit)
  uint64_t min_bytes = 0;  // or once the file holds this many bytes, in whole chunks
};

struct FileStats {
  uint64_t records = 0;
  uint32_t chunks = 0;
  uint64_t bytes = 0;
};

// Writes one EVTX file of generated events. At least one limit must be set.
Result<FileStats> write_file(const std::string& path, const FileOptions& options);

}  // namespace vigil::synth
