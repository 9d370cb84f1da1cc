# Writes OUTPUT, a C++ source holding every *.mustache file under ROOT as a
# byte array, so that the notification templates ship inside the binary and
# vigil needs no files beside it. Run at build time (cmake -P), so an edited
# template is picked up by the next build.
#
#   cmake -DROOT=templates/notify -DOUTPUT=notify_templates.cc -P embed_templates.cmake

file(GLOB_RECURSE files RELATIVE "${ROOT}" "${ROOT}/*.mustache")
# Sorted, so the generated file (and the table the library walks) does not
# depend on the order the file system lists them in.
list(SORT files)

set(arrays "")
set(table "")
set(index 0)
foreach(file IN LISTS files)
  file(READ "${ROOT}/${file}" bytes HEX)
  string(LENGTH "${bytes}" hex_length)
  math(EXPR size "${hex_length} / 2")
  # Bytes as a list of numbers: no string literal, so no compiler limit on
  # the length of one applies, whatever the template's size.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," numbers "${bytes}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)"
         "\\1\n    " numbers "${numbers}")
  if(size EQUAL 0)
    set(numbers "0")
  endif()
  string(APPEND arrays "const unsigned char kFile${index}[] = {\n    ${numbers}};\n")
  string(APPEND table "    {\"${file}\", kFile${index}, ${size}},\n")
  math(EXPR index "${index} + 1")
endforeach()

set(content "// Generated from templates/notify by src/report/embed_templates.cmake: do not edit.
#include \"bundled_templates.h\"

namespace vigil::report::bundled {

namespace {

${arrays}
const BundledFile kFiles[] = {
${table}};

}  // namespace

std::span<const BundledFile> files() { return kFiles; }

}  // namespace vigil::report::bundled
")

# Rewritten only when it changes, so an unchanged template set compiles nothing.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" previous)
else()
  set(previous "")
endif()
if(NOT previous STREQUAL content)
  file(WRITE "${OUTPUT}" "${content}")
endif()
