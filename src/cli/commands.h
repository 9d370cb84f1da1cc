#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace vigil::cli {
// Each register_* adds a subcommand whose callback stores its exit code in `rc`.
void register_dump(CLI::App& app, int& rc);
void register_parse(CLI::App& app, int& rc);
void register_evtx_write(CLI::App& app, int& rc);
void register_rules(CLI::App& app, int& rc);
void register_hunt(CLI::App& app, int& rc);
void register_timeline(CLI::App& app, int& rc);
void register_investigate(CLI::App& app, int& rc);
void register_demo(CLI::App& app, int& rc);
void register_notify(CLI::App& app, int& rc);

// `-o, --output FILE` into `output`; "-", as in most command-line tools, is
// standard output, which the commands know as an empty path.
inline CLI::Option* add_output_option(CLI::App* cmd, std::string& output) {
  return cmd
      ->add_option("-o,--output", output,
                   "Write to FILE instead of standard output (\"-\": standard output)")
      ->transform([](const std::string& path) { return path == "-" ? std::string() : path; });
}
}  // namespace vigil::cli
