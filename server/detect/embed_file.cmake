# Writes OUT: a C++ file defining telltale::detect::${FUNCTION}() returning
# the bytes of IN. Hex bytes rather than a raw string so no delimiter can clash
# with the file's content.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(LENGTH "${hex}" hex_len)
math(EXPR len "${hex_len} / 2")
file(WRITE "${OUT}.tmp"
"// Generated from ${IN}; do not edit.\n#include <string_view>\n\nnamespace telltale::detect {\nnamespace {\nconst char kBytes[] = {${bytes} 0};\n}\nstd::string_view ${FUNCTION}() { return std::string_view(kBytes, ${len}); }\n}  // namespace telltale::detect\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
