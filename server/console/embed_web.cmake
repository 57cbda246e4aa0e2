# Writes OUT: a C++ file with every file below WEB_DIR as bytes, plus the
# table telltale::server::console::embedded_web_files() that
# static_assets.cpp serves from. Run at build time (see CMakeLists.txt), so
# the collector binary carries its UI and needs no files beside it.
# Hex bytes rather than raw strings (as detect/embed_file.cmake does): no
# delimiter can clash with a file's content; unsigned char because the UI
# is UTF-8 (bytes above 0x7f would be narrowing conversions to char).
file(GLOB_RECURSE files RELATIVE "${WEB_DIR}" "${WEB_DIR}/*")
list(SORT files)
set(arrays "")
set(table "")
set(i 0)
foreach(rel ${files})
  file(READ "${WEB_DIR}/${rel}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(LENGTH "${hex}" hex_len)
  math(EXPR len "${hex_len} / 2")
  string(APPEND arrays "const unsigned char kFile${i}[] = {${bytes} 0};\n")
  string(APPEND table "    {\"${rel}\", std::string_view(reinterpret_cast<const char*>(kFile${i}), ${len})},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE "${OUT}.tmp"
"// Generated from ${WEB_DIR}; do not edit.\n#include <string_view>\n#include <utility>\n#include <vector>\n\nnamespace telltale::server::console {\nnamespace {\n${arrays}}  // namespace\n\nconst std::vector<std::pair<std::string_view, std::string_view>>& embedded_web_files() {\n  static const std::vector<std::pair<std::string_view, std::string_view>> files = {\n${table}  };\n  return files;\n}\n}  // namespace telltale::server::console\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
