# The logsource mapping (src/detect/logsource.cc) and its default data.
# Included from src/detect/CMakeLists.txt once the vigil_detect target exists:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/mappings/mappings.cmake)
# The *.yml files here are embedded into the library as string literals at
# build time, so vigil never looks for mapping files at run time; editing one
# regenerates the source on the next build.

if(NOT TARGET yaml-cpp)
  find_package(yaml-cpp CONFIG REQUIRED)
endif()

file(GLOB vigil_mapping_files CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.yml)
list(SORT vigil_mapping_files)
set(vigil_mapping_source ${CMAKE_CURRENT_BINARY_DIR}/generated/builtin_mappings.cc)

add_custom_command(
  OUTPUT ${vigil_mapping_source}
  COMMAND ${CMAKE_COMMAND} -DOUTPUT=${vigil_mapping_source} "-DINPUTS=${vigil_mapping_files}"
          -P ${CMAKE_CURRENT_LIST_DIR}/embed.cmake
  DEPENDS ${vigil_mapping_files} ${CMAKE_CURRENT_LIST_DIR}/embed.cmake
  COMMENT "Embedding logsource mappings"
  VERBATIM)

target_sources(vigil_detect PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../logsource.cc
                                    ${vigil_mapping_source})
target_link_libraries(vigil_detect PRIVATE yaml-cpp)
