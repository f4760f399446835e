# Flags for hakit's own targets only (never imposed on consumers of hakit::hakit).
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

# Warnings, sanitizers and macros: what every target of ours is compiled with.
add_library(hakit_dev_warnings INTERFACE)
target_compile_definitions(hakit_dev_warnings INTERFACE BOOST_ASIO_NO_DEPRECATED)
target_compile_options(hakit_dev_warnings INTERFACE -Wall -Wextra -Wpedantic $<$<BOOL:${HAKIT_WERROR}>:-Werror>)
# GCC 12 false positives that -Werror would turn into broken builds (both fixed in GCC 13):
# - -Wrestrict inside libstdc++'s std::string for `"prefix " + std::move(s)` at -O2/-O3 (PR105651);
# - -Wmismatched-new-delete when a coroutine frame allocated by Asio's awaitable operator new is
#   freed in inlined code (PR109224; also co_composed at -O0). ASan's alloc-dealloc-mismatch check
#   in the gcc-asan build still catches a real mismatch at run time.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(hakit_dev_warnings INTERFACE -Wno-restrict -Wno-mismatched-new-delete)
endif()
if(HAKIT_SANITIZE)
  target_compile_options(hakit_dev_warnings INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(hakit_dev_warnings INTERFACE -fsanitize=address,undefined)
  # clang < 16: -fsanitize=function breaks coroutine codegen (llvm-project #49689); must come after.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
    target_compile_options(hakit_dev_warnings INTERFACE -fno-sanitize=function)
  endif()
endif()

# What tests, benchmarks and examples link: the flags above, plus, with HAKIT_USE_SINGLE_INCLUDE,
# the single header force-included ahead of everything. Our tests include individual headers
# (<hakit/job_id.hpp>); include/ stays on the path only so those lines resolve, and as every
# header's guard is already defined by the single header they add nothing: all code comes from
# single_include/hakit/hakit.hpp.
add_library(hakit_dev_flags INTERFACE)
target_link_libraries(hakit_dev_flags INTERFACE hakit_dev_warnings)
if(HAKIT_USE_SINGLE_INCLUDE)
  target_compile_options(hakit_dev_flags INTERFACE
    "SHELL:-include ${PROJECT_SOURCE_DIR}/single_include/hakit/hakit.hpp")
  target_include_directories(hakit_dev_flags AFTER INTERFACE ${PROJECT_SOURCE_DIR}/include)
endif()

# Asio's non-template code compiled once for all of our test and benchmark programs.
add_library(hakit_asio_impl STATIC ${PROJECT_SOURCE_DIR}/tests/common/asio_impl.cpp)
target_compile_definitions(hakit_asio_impl PUBLIC BOOST_ASIO_SEPARATE_COMPILATION)
target_link_libraries(hakit_asio_impl PUBLIC hakit::hakit PRIVATE hakit_dev_warnings)
