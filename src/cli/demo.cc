// `vigil demo`: writes the demo scenario (src/synth/scenario.h): four weeks of
// a court's logs with attack attempts, one intrusion and one out-of-role
// reader, plus ground_truth.json and inventory.yaml. docs/scenario.md.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "exit_codes.h"
#include "vigil/synth/scenario.h"

namespace vigil::cli {

namespace {

struct DemoOptions {
  uint64_t seed = 1;
  uint32_t scale = 1;
  unsigned threads = 0;
  std::string out;
};

int run_demo(const DemoOptions& opt) {
  synth::ScenarioOptions options;
  options.seed = opt.seed;
  options.scale = opt.scale;
  options.threads = opt.threads;
  options.out_dir = opt.out;
  const auto started = std::chrono::steady_clock::now();
  auto stats = synth::write_scenario(options);
  if (!stats.ok()) {
    std::fprintf(stderr, "vigil: demo: %s\n", stats.error().to_string().c_str());
    return kExitInput;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr,
               "demo: seed %llu scale %u: %llu files, %llu records, %.1f MB to %s in %.2f s\n",
               static_cast<unsigned long long>(opt.seed), opt.scale,
               static_cast<unsigned long long>(stats->files),
               static_cast<unsigned long long>(stats->records),
               static_cast<double>(stats->bytes) / 1e6, opt.out.c_str(), seconds);
  return kExitOk;
}

}  // namespace

void register_demo(CLI::App& app, int& rc) {
  auto opt = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Write the demo scenario: a court's logs over four weeks, ground_truth.json, inventory.yaml");
  cmd->add_option("--seed", opt->seed, "Seed: the same seed and scale give the same files");
  cmd->add_option("--scale", opt->scale, "Multiply the ordinary background (1: tens of MB)")
      ->check(CLI::Range(1u, 100000u));
  cmd->add_option("-t,--threads", opt->threads, "Worker threads (0: every core)");
  cmd->add_option("--out", opt->out, "Folder to write (created if missing)")->required();
  cmd->callback([opt, &rc] { rc = run_demo(*opt); });
}

}  // namespace vigil::cli
