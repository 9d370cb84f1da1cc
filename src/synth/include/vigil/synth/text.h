#pragma once
// Synthetic text logs for the readers' benchmark and tests: one generator per
// text format vigil reads (Winlogbeat JSON lines, the application audit
// trail, auth.log, auditd, Apache combined, Squid, Zeek conn.log, a SIEM CSV
// export). Lines are drawn from vocabularies (users, hosts, addresses,
// command lines, URLs, agents) so that a reader is measured on varied input,
// not on one repeated line, and every line is one its reader accepts.
// Deterministic: the same kind and seed give the same bytes everywhere (our
// own splitmix64, integer arithmetic only, no locale).

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vigil/core/result.h"

namespace vigil::synth {

enum class TextKind : uint8_t {
  kJson,
  kAuditTrail,
  kSyslog,
  kAuditd,
  kWeb,
  kSquid,
  kZeek,
  kCsv,
  kApacheError,
  kNginxError
};

inline constexpr std::array<TextKind, 10> kTextKinds = {
    TextKind::kJson, TextKind::kAuditTrail, TextKind::kSyslog, TextKind::kAuditd,
    TextKind::kWeb,  TextKind::kSquid,      TextKind::kZeek,   TextKind::kCsv,
    TextKind::kApacheError, TextKind::kNginxError};

// The kind's name is the name of the reader that recognises its output
// ("json", "audit-trail", "syslog", "auditd", "web", "squid", "zeek", "csv",
// "apache-error", "nginx-error").
std::optional<TextKind> parse_text_kind(std::string_view name);
const char* text_kind_name(TextKind kind);
// A file name its logs usually have ("auth.log", "conn.log", ...).
const char* text_kind_file_name(TextKind kind);

class TextGenerator {
 public:
  TextGenerator(TextKind kind, uint64_t seed);
  TextGenerator(TextGenerator&&) noexcept;
  TextGenerator& operator=(TextGenerator&&) noexcept;
  ~TextGenerator();

  // Lines before the first record (Zeek's header, the CSV header row).
  void header(std::string& out);
  // Appends the next record's lines (several for an auditd event) and
  // returns how many events its reader makes of them.
  uint32_t next(std::string& out);
  // Lines after the last record (Zeek's #close).
  void footer(std::string& out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

struct TextStats {
  uint64_t records = 0;  // events the format's reader makes of the file
  uint64_t lines = 0;
  uint64_t bytes = 0;
};

// Writes whole records until the file holds at least `min_bytes` bytes.
Result<TextStats> write_text_log(const std::string& path, TextKind kind, uint64_t seed,
                                 uint64_t min_bytes);

}  // namespace vigil::synth
