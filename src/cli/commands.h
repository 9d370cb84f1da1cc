#pragma once

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
}  // namespace vigil::cli
