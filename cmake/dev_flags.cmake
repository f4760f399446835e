# Flags for hakit's own targets only (never imposed on consumers of hakit::hakit).
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

add_library(hakit_dev_flags INTERFACE)
target_compile_definitions(hakit_dev_flags INTERFACE BOOST_ASIO_NO_DEPRECATED)
target_compile_options(hakit_dev_flags INTERFACE -Wall -Wextra -Wpedantic $<$<BOOL:${HAKIT_WERROR}>:-Werror>)
if(HAKIT_SANITIZE)
  target_compile_options(hakit_dev_flags INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(hakit_dev_flags INTERFACE -fsanitize=address,undefined)
  # clang < 16: -fsanitize=function breaks coroutine codegen (llvm-project #49689); must come after.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
    target_compile_options(hakit_dev_flags INTERFACE -fno-sanitize=function)
  endif()
endif()

# Asio's non-template code compiled once for all of our test and benchmark programs.
add_library(hakit_asio_impl STATIC ${PROJECT_SOURCE_DIR}/tests/common/asio_impl.cpp)
target_compile_definitions(hakit_asio_impl PUBLIC BOOST_ASIO_SEPARATE_COMPILATION)
target_link_libraries(hakit_asio_impl PUBLIC hakit::hakit PRIVATE hakit_dev_flags)
