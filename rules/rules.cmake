# vigil's built-in rule pack (rules/**/*.yml), compiled into the binary so that
# `vigil hunt` works without any rule download. Included from the top-level
# CMakeLists.txt; provides the library vigil_builtin_rules and the header
# "vigil/builtin_rules.h". Editing, adding or removing a rule file
# regenerates the source on the next build.

file(GLOB_RECURSE vigil_builtin_rule_files CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.yml)
list(SORT vigil_builtin_rule_files)
set(vigil_builtin_rules_dir ${CMAKE_BINARY_DIR}/generated/builtin_rules)
set(vigil_builtin_rules_source ${vigil_builtin_rules_dir}/builtin_rules.cc)

file(WRITE ${vigil_builtin_rules_dir}/include/vigil/builtin_rules.h.in
"#pragma once
// The built-in Sigma rule pack (rules/ in the source tree), embedded at build
// time. Files are in sorted path order; paths are relative to rules/.

#include <cstddef>
#include <string_view>

namespace vigil::builtin_rules {
size_t count();
std::string_view path(size_t index);  // e.g. \"windows/process_creation/x.yml\"
std::string_view text(size_t index);  // the file's YAML text
}  // namespace vigil::builtin_rules
")
configure_file(${vigil_builtin_rules_dir}/include/vigil/builtin_rules.h.in
               ${vigil_builtin_rules_dir}/include/vigil/builtin_rules.h COPYONLY)

add_custom_command(
  OUTPUT ${vigil_builtin_rules_source}
  COMMAND ${CMAKE_COMMAND} -DOUTPUT=${vigil_builtin_rules_source}
          -DROOT=${CMAKE_CURRENT_LIST_DIR} "-DINPUTS=${vigil_builtin_rule_files}"
          -P ${CMAKE_CURRENT_LIST_DIR}/embed.cmake
  DEPENDS ${vigil_builtin_rule_files} ${CMAKE_CURRENT_LIST_DIR}/embed.cmake
  COMMENT "Embedding the built-in rule pack"
  VERBATIM)

add_library(vigil_builtin_rules STATIC ${vigil_builtin_rules_source})
target_include_directories(vigil_builtin_rules PUBLIC ${vigil_builtin_rules_dir}/include)
target_link_libraries(vigil_builtin_rules PRIVATE vigil_warnings)
