# cmake -DBUILD_DIR=... -DPREFIX=... [-DSINGLE_INCLUDE=ON] -P install_and_check.cmake
# Installs hakit from BUILD_DIR into an emptied PREFIX and checks what landed there.
foreach(var BUILD_DIR PREFIX)
  if(NOT ${var})
    message(FATAL_ERROR "${var} is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()

set(expected
    share/cmake/hakit/hakitConfig.cmake
    share/cmake/hakit/hakitConfigVersion.cmake
    share/cmake/hakit/hakitTargets.cmake
    include/hakit/hakit.hpp)
if(NOT SINGLE_INCLUDE)
  list(APPEND expected include/hakit/error.hpp include/hakit/detail/config.hpp)
endif()
foreach(file IN LISTS expected)
  if(NOT EXISTS ${PREFIX}/${file})
    message(FATAL_ERROR "not installed: ${PREFIX}/${file}")
  endif()
endforeach()

# Header-only: nothing architecture-dependent (no lib*/ directory) may be installed.
file(GLOB arch_dirs LIST_DIRECTORIES true ${PREFIX}/lib*)
if(arch_dirs)
  message(FATAL_ERROR "a header-only package installed architecture-dependent files: ${arch_dirs}")
endif()
file(GLOB_RECURSE non_headers RELATIVE ${PREFIX}/include ${PREFIX}/include/*)
list(FILTER non_headers EXCLUDE REGEX "\\.hpp$")
if(non_headers)
  message(FATAL_ERROR "installed non-header files under include/: ${non_headers}")
endif()
message(STATUS "hakit installed into ${PREFIX}")
