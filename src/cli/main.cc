// vigil command line: a thin front end that wires the libraries together.

#include <malloc.h>

#include <cstdio>
#include <exception>

#include "commands.h"
#include "exit_codes.h"

int main(int argc, char** argv) {
  // Hunts hand output batches of a megabyte or more to the sorter by the
  // thousand. glibc raises its mmap threshold to the size of each mapped
  // block freed, so such batches would soon come from the heap, where freed
  // ones stay resident and fragment it (peak RSS half as large again on a
  // 512 MB hunt). A fixed threshold keeps them mapped: freed, they go back.
  mallopt(M_MMAP_THRESHOLD, 512 * 1024);
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
