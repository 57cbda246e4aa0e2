# The Windows build (MinGW-w64 cross-compile, tests under Wine), included from
# the top-level CMakeLists.txt in place of the Linux dependency lookup.
# Configure with cmake/mingw-w64.cmake as the toolchain (it explains the flags).
#
# Libraries come from the prefix .ci/windows-deps builds (static, MinGW);
# header-only ones (Boost.Asio/JSON, spdlog+fmt, toml++) and gRPC's public
# headers come from Debian's native packages of the very same versions,
# through a directory that exposes only them: -I/usr/include would drag in
# glibc's C headers.
if(NOT TELLTALE_MINGW_DEPS OR NOT EXISTS "${TELLTALE_MINGW_DEPS}/lib/libprotobuf.a")
  message(FATAL_ERROR "TELLTALE_MINGW_DEPS='${TELLTALE_MINGW_DEPS}' holds no MinGW libraries: run bash .ci/windows-deps and pass the prefix it prints")
endif()
if(TELLTALE_SANITIZE OR TELLTALE_FUZZ)
  message(FATAL_ERROR "TELLTALE_SANITIZE/TELLTALE_FUZZ: MinGW has no ASan/UBSan runtime; the sanitized suite is the Linux one")
endif()
set(_deps "${TELLTALE_MINGW_DEPS}")
set(_debian "${CMAKE_BINARY_DIR}/debian-headers")
file(MAKE_DIRECTORY "${_debian}")
foreach(dir boost spdlog fmt toml++ grpc grpcpp grpc++)
  if(NOT EXISTS "/usr/include/${dir}")
    message(FATAL_ERROR "/usr/include/${dir} missing: install the Debian packages in .ci/deps")
  endif()
  file(CREATE_LINK "/usr/include/${dir}" "${_debian}/${dir}" SYMBOLIC)
endforeach()

add_compile_definitions(_WIN32_WINNT=0x0A00 WINVER=0x0A00 NOMINMAX UNICODE _UNICODE)
# One self-contained .exe: no libstdc++/libwinpthread DLLs to ship or find.
add_link_options(-static -static-libgcc -static-libstdc++)

find_package(Threads REQUIRED)

# protobuf: the library from the prefix, protoc (same 3.21.12) from Debian.
set(Protobuf_PROTOC_EXECUTABLE /usr/bin/protoc CACHE FILEPATH "")
set(Protobuf_USE_STATIC_LIBS ON)
find_package(Protobuf 3.21 REQUIRED MODULE)

# OpenSSL 3.0, static; Windows' crypto and socket libraries under it.
set(OPENSSL_ROOT_DIR "${_deps}")
set(OPENSSL_USE_STATIC_LIBS ON)
find_package(OpenSSL 3 REQUIRED)
set_property(TARGET OpenSSL::Crypto APPEND PROPERTY INTERFACE_LINK_LIBRARIES ws2_32 crypt32 bcrypt advapi32 user32)

find_package(SQLite3 REQUIRED)

# gRPC: grpc++ and everything under it (grpc, gpr, upb, address_sorting,
# abseil, c-ares, re2, zlib) linked as one group, so the order of ~80 static
# archives never matters. The codegen plugin runs natively from Debian.
file(GLOB _grpc_archives "${_deps}/lib/libgrpc*.a" "${_deps}/lib/libgpr.a" "${_deps}/lib/libupb*.a"
     "${_deps}/lib/libaddress_sorting.a" "${_deps}/lib/libabsl_*.a" "${_deps}/lib/libcares*.a"
     "${_deps}/lib/libre2.a" "${_deps}/lib/libz.a")
add_library(gRPC::grpc++ INTERFACE IMPORTED)
set_target_properties(gRPC::grpc++ PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${_debian};${_deps}/include"
  INTERFACE_LINK_LIBRARIES "-Wl,--start-group;${_grpc_archives};-Wl,--end-group;protobuf::libprotobuf;OpenSSL::SSL;OpenSSL::Crypto;ws2_32;iphlpapi;crypt32;bcrypt;dbghelp;advapi32")
add_executable(gRPC::grpc_cpp_plugin IMPORTED)
set_target_properties(gRPC::grpc_cpp_plugin PROPERTIES IMPORTED_LOCATION /usr/bin/grpc_cpp_plugin)

# Boost: program_options compiled by .ci/windows-deps; JSON header-only, its
# implementation compiled once here.
add_library(Boost::headers INTERFACE IMPORTED)
set_target_properties(Boost::headers PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_debian}"
  INTERFACE_COMPILE_DEFINITIONS "BOOST_ALL_NO_LIB;BOOST_PROGRAM_OPTIONS_STATIC_LINK")
add_library(Boost::program_options STATIC IMPORTED)
set_target_properties(Boost::program_options PROPERTIES IMPORTED_LOCATION "${_deps}/lib/libboost_program_options.a"
  INTERFACE_LINK_LIBRARIES Boost::headers)
file(WRITE "${CMAKE_BINARY_DIR}/generated/boost_json_src.cpp" "// Boost.JSON's implementation, header-only mode.\n#include <boost/json/src.hpp>\n")
add_library(telltale_boost_json STATIC "${CMAKE_BINARY_DIR}/generated/boost_json_src.cpp")
target_link_libraries(telltale_boost_json PUBLIC Boost::headers)
add_library(Boost::json ALIAS telltale_boost_json)

# spdlog over external fmt, both header-only; toml++ header-only.
add_library(spdlog::spdlog INTERFACE IMPORTED)
set_target_properties(spdlog::spdlog PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_debian}"
  INTERFACE_COMPILE_DEFINITIONS "SPDLOG_FMT_EXTERNAL;FMT_HEADER_ONLY")
add_library(PkgConfig::TOMLPP INTERFACE IMPORTED)
set_target_properties(PkgConfig::TOMLPP PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_debian}"
  INTERFACE_COMPILE_DEFINITIONS "TOML_HEADER_ONLY=1")

set(TELLTALE_VERSION_STRING "${PROJECT_VERSION}")
add_compile_definitions(TELLTALE_VERSION="${TELLTALE_VERSION_STRING}")

# Version resources (cmake/version_resource.cmake) are compiled by windres.
enable_language(RC)
add_subdirectory(proto)
add_subdirectory(platform)
# telltale-agent.exe: the same agent sources as Linux (agent/CMakeLists.txt).
add_subdirectory(agent)
# The MSI packs telltale-agent.exe, so it comes after agent/.
add_subdirectory(installer/windows)

if(TELLTALE_BUILD_TESTS)
  enable_testing()
  # GoogleTest from Debian's sources (/usr/src/googletest), built for MinGW.
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(gtest_disable_pthreads OFF CACHE BOOL "" FORCE)
  add_subdirectory(/usr/src/googletest "${CMAKE_BINARY_DIR}/googletest" EXCLUDE_FROM_ALL)
  foreach(lib gtest gmock gtest_main)
    if(NOT TARGET GTest::${lib})
      add_library(GTest::${lib} ALIAS ${lib})
    endif()
  endforeach()
  add_subdirectory(tests/windows)
  add_subdirectory(tests/windows/service)
endif()
