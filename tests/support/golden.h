#pragma once
// Golden files, for every test that compares an output with an expected file
// under tests/golden/: VIGIL_UPDATE_GOLDEN=1 rewrites them instead; a
// difference is reported at its first line.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace vigil::golden {

inline bool updating() {
  const char* update = std::getenv("VIGIL_UPDATE_GOLDEN");
  return update != nullptr && *update == '1';
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Compares `actual` (the output called `name` in messages) with `path`.
inline void expect_file(const std::filesystem::path& path, const std::string& name,
                        const std::string& actual) {
  if (updating()) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing (VIGIL_UPDATE_GOLDEN=1 writes it)";
  const std::string expected = read_bytes(path);
  if (expected == actual) return;
  std::istringstream e(expected), a(actual);
  std::string el, al;
  for (int line = 1;; ++line) {
    const bool more_e = static_cast<bool>(std::getline(e, el));
    const bool more_a = static_cast<bool>(std::getline(a, al));
    if (!more_e && !more_a) break;
    if (el != al || more_e != more_a) {
      ADD_FAILURE() << name << " differs from " << path << " at line " << line
                    << "\nexpected: " << (more_e ? el : "<end>")
                    << "\nactual:   " << (more_a ? al : "<end>");
      return;
    }
  }
  ADD_FAILURE() << name << " differs from " << path;
}

}  // namespace vigil::golden
