#pragma once
// Helpers for the whole-program tests of `vigil hunt` / `vigil timeline`:
// run the vigil binary in a work folder, make EVTX files from JSON lines,
// compare with golden files (VIGIL_UPDATE_GOLDEN=1 rewrites them).

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/golden.h"

namespace vigil::hunt_test {

namespace fs = std::filesystem;

inline std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A fresh folder for one test, inside the build folder (VIGIL_HUNT_WORK_DIR), so
// that test runs of several build folders at once do not share files.
inline fs::path work_dir(const std::string& name) {
#ifdef VIGIL_HUNT_WORK_DIR
  const fs::path dir = fs::path(VIGIL_HUNT_WORK_DIR) / name;
#else
  const fs::path dir = fs::path(::testing::TempDir()) / ("vigil-hunt-" + name);
#endif
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

struct RunResult {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs `vigil ARGS` in `dir` (so relative input paths stay relative in the
// output) with standard output and error captured.
inline RunResult vigil(const fs::path& dir, const std::string& args) {
  const std::string command = "cd " + quote(dir.string()) + " && " + quote(VIGIL_BINARY) + " " +
                              args + " > .stdout 2> .stderr";
  const int status = std::system(command.c_str());
  RunResult run;
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = read_file(dir / ".stdout");
  run.err = read_file(dir / ".stderr");
  return run;
}

inline fs::path source_dir() { return fs::path(VIGIL_SOURCE_DIR); }

// Writes `dir/NAME.evtx` from a JSON lines file of the test data.
inline void make_evtx(const fs::path& dir, const fs::path& jsonl, const std::string& name) {
  fs::create_directories(dir);
  const RunResult r = vigil(dir, "evtx-write " + quote(jsonl.string()) + " -o " + quote(name));
  ASSERT_EQ(r.code, 0) << r.err;
}

inline void expect_golden(const std::string& name, const std::string& actual) {
  golden::expect_file(source_dir() / "tests/golden/hunt" / name, name, actual);
}

}  // namespace vigil::hunt_test
