// vigil command line: a thin front end that wires the libraries together.

#include <cstdio>
#include <exception>

#include "commands.h"
#include "exit_codes.h"
#include "malloc_policy.h"

int main(int argc, char** argv) {
  vigil::cli::set_malloc_policy();
  CLI::App app{"vigil: forensic and incident-response engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "vigil 0.1.0");
  int rc = vigil::cli::kExitOk;
  vigil::cli::register_dump(app, rc);
  vigil::cli::register_parse(app, rc);
  vigil::cli::register_evtx_write(app, rc);
  vigil::cli::register_rules(app, rc);
  vigil::cli::register_hunt(app, rc);
  vigil::cli::register_timeline(app, rc);
  vigil::cli::register_investigate(app, rc);
  vigil::cli::register_demo(app, rc);
  vigil::cli::register_notify(app, rc);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? vigil::cli::kExitOk : vigil::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vigil: internal error: %s\n", e.what());
    return vigil::cli::kExitInternal;
  }
  return rc;
}
