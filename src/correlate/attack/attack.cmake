# The ATT&CK table (the *.tsv files here, written by scripts/attack_table.py) is
# compiled into vigil_correlate as string literals, so nothing is read from disk
# at run time. Included from src/correlate/CMakeLists.txt once the target exists.

file(GLOB vigil_attack_tables CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.tsv)
list(SORT vigil_attack_tables)
set(vigil_attack_source ${CMAKE_CURRENT_BINARY_DIR}/generated/attack_tables.cc)

add_custom_command(
  OUTPUT ${vigil_attack_source}
  COMMAND ${CMAKE_COMMAND} -DOUTPUT=${vigil_attack_source} "-DINPUTS=${vigil_attack_tables}"
          -P ${CMAKE_CURRENT_LIST_DIR}/embed.cmake
  DEPENDS ${vigil_attack_tables} ${CMAKE_CURRENT_LIST_DIR}/embed.cmake
  COMMENT "Embedding the ATT&CK table"
  VERBATIM)

target_sources(vigil_correlate PRIVATE ${vigil_attack_source})
# The table is one literal per file, larger than the 65,536 characters the
# standard promises every compiler reads; g++ and clang read it, and clang's
# -Wpedantic would otherwise refuse it under -Werror.
set_source_files_properties(${vigil_attack_source} PROPERTIES COMPILE_OPTIONS -Wno-overlength-strings)
