# Cross-compiling the Windows agent and its tests on Debian with MinGW-w64
# (posix threads: std::thread and std::mutex need them) and running the tests
# under Wine. Use with the dependency prefix .ci/windows-deps prints:
#   cmake -S . -B build-windows -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake \
#         -DTELLTALE_MINGW_DEPS=$(bash .ci/windows-deps | tail -n1)
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)

set(TELLTALE_MINGW_DEPS "" CACHE PATH "MinGW-w64 dependency prefix printed by .ci/windows-deps")
# try_compile() projects see the toolchain again; pass the prefix on.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES TELLTALE_MINGW_DEPS)

# Libraries and headers only from MinGW's sysroot and the dependency prefix
# (never the build machine's /usr/include or /usr/lib); programs (protoc,
# grpc_cpp_plugin) from the build machine.
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 ${TELLTALE_MINGW_DEPS})
set(CMAKE_PREFIX_PATH ${TELLTALE_MINGW_DEPS})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest runs the .exe tests under Wine through tests/windows/wine-run, which
# keeps one Wine prefix per build directory (WINEPREFIX=<build>/wine-prefix,
# WINEDEBUG=-all) and calls wine64 directly (the "wine" wrapper wants 32-bit Wine).
set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CURRENT_LIST_DIR}/../tests/windows/wine-run)
