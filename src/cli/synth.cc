// `vigil synth-evtx`: synthetic Security / Sysmon EVTX files of a given
// size or record count, for tests and benchmarks; `vigil synth-logs`: the
// same for every text format vigil reads.

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_codes.h"
#include "vigil/synth/generator.h"
#include "vigil/synth/text.h"

namespace vigil::cli {

void register_synth_evtx(CLI::App& app, int& rc);

namespace {

struct SynthOptions {
  std::string kind = "security";
  std::string size;
  uint64_t records = 0;
  uint64_t seed = 1;
  std::string output;
};

// "1073741824", "512K", "64M", "1G" (binary multiples; a trailing "iB"/"B" is accepted).
std::optional<uint64_t> parse_size(std::string text) {
  if (text.size() >= 2 && (text.back() == 'B' || text.back() == 'b')) {
    text.pop_back();
    if (!text.empty() && (text.back() == 'i' || text.back() == 'I')) text.pop_back();
  }
  uint64_t multiplier = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'k':
      case 'K': multiplier = 1ULL << 10; break;
      case 'm':
      case 'M': multiplier = 1ULL << 20; break;
      case 'g':
      case 'G': multiplier = 1ULL << 30; break;
      default: break;
    }
    if (multiplier != 1) text.pop_back();
  }
  if (text.empty() || text.size() > 12 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoull(text) * multiplier;
}

int run_synth(const SynthOptions& opt) {
  synth::FileOptions options;
  options.kind = *synth::parse_kind(opt.kind);
  options.seed = opt.seed;
  options.records = opt.records;
  if (!opt.size.empty()) {
    auto size = parse_size(opt.size);
    if (!size || *size == 0) {
      std::fprintf(stderr, "vigil: synth-evtx: bad --size '%s' (bytes, or with K/M/G)\n",
                   opt.size.c_str());
      return kExitUsage;
    }
    options.min_bytes = *size;
  }
  if (options.records == 0 && options.min_bytes == 0) {
    std::fprintf(stderr, "vigil: synth-evtx: give --size or --records\n");
    return kExitUsage;
  }
  const auto started = std::chrono::steady_clock::now();
  auto stats = synth::write_file(opt.output, options);
  if (!stats.ok()) {
    std::fprintf(stderr, "vigil: %s\n", stats.error().to_string().c_str());
    return kExitInput;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(
      stderr,
      "synth-evtx: %s seed %llu: %llu records, %u chunks, %llu bytes to %s in %.2f s (%.0f MB/s)\n",
      synth::kind_name(options.kind), static_cast<unsigned long long>(opt.seed),
      static_cast<unsigned long long>(stats->records), stats->chunks,
      static_cast<unsigned long long>(stats->bytes), opt.output.c_str(), seconds,
      seconds > 0 ? static_cast<double>(stats->bytes) / 1e6 / seconds : 0.0);
  return kExitOk;
}

struct SynthLogsOptions {
  std::string format;
  std::string bytes;
  uint64_t seed = 1;
  std::string output;
};

int run_synth_logs(const SynthLogsOptions& opt) {
  const auto kind = synth::parse_text_kind(opt.format);
  auto bytes = parse_size(opt.bytes);
  if (!bytes || *bytes == 0) {
    std::fprintf(stderr, "vigil: synth-logs: bad --bytes '%s' (bytes, or with K/M/G)\n",
                 opt.bytes.c_str());
    return kExitUsage;
  }
  const auto started = std::chrono::steady_clock::now();
  auto stats = synth::write_text_log(opt.output, *kind, opt.seed, *bytes);
  if (!stats.ok()) {
    std::fprintf(stderr, "vigil: %s\n", stats.error().to_string().c_str());
    return kExitInput;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // bench/formats.sh reads the figure before "records,".
  std::fprintf(stderr,
               "synth-logs: %s seed %llu: %llu records, %llu lines, %llu bytes to %s in %.2f s "
               "(%.0f MB/s)\n",
               synth::text_kind_name(*kind), static_cast<unsigned long long>(opt.seed),
               static_cast<unsigned long long>(stats->records),
               static_cast<unsigned long long>(stats->lines),
               static_cast<unsigned long long>(stats->bytes), opt.output.c_str(), seconds,
               seconds > 0 ? static_cast<double>(stats->bytes) / 1e6 / seconds : 0.0);
  return kExitOk;
}

void register_synth_logs(CLI::App& app, int& rc) {
  auto opt = std::make_shared<SynthLogsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "synth-logs", "Write a synthetic text log of one format (for benchmarks and tests)");
  std::vector<std::string> names;
  for (synth::TextKind kind : synth::kTextKinds) names.emplace_back(synth::text_kind_name(kind));
  cmd->add_option("--format", opt->format,
                  "json, audit-trail, syslog, auditd, web, squid, apache-error, nginx-error, zeek or csv")
      ->required()
      ->check(CLI::IsMember(names));
  cmd->add_option("--bytes", opt->bytes,
                  "Stop once the file holds this many bytes (K/M/G suffixes)")
      ->required();
  cmd->add_option("--seed", opt->seed, "Seed: the same seed gives the same file");
  cmd->add_option("-o,--output", opt->output, "File to create")->required();
  cmd->callback([opt, &rc] { rc = run_synth_logs(*opt); });
}

}  // namespace

void register_synth_evtx(CLI::App& app, int& rc) {
  auto opt = std::make_shared<SynthOptions>();
  CLI::App* cmd = app.add_subcommand("synth-evtx", "Write a synthetic Security/Sysmon EVTX file");
  cmd->add_option("--kind", opt->kind, "security, sysmon or mixed")
      ->check(CLI::IsMember({"security", "sysmon", "mixed"}));
  cmd->add_option("--size", opt->size, "Stop once the file holds this many bytes (K/M/G suffixes)");
  cmd->add_option("--records", opt->records, "Stop after this many records");
  cmd->add_option("--seed", opt->seed, "Seed: the same seed gives the same file");
  cmd->add_option("-o,--output", opt->output, "EVTX file to create")->required();
  cmd->callback([opt, &rc] { rc = run_synth(*opt); });
  // Registered with synth-evtx, its sibling (main.cc lists the families).
  register_synth_logs(app, rc);
}

}  // namespace vigil::cli
