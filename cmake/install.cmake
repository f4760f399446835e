# Install and export rules for the hakit INTERFACE target (included when HAKIT_INSTALL is ON).
# Consumers then write: find_package(hakit 0.1 CONFIG REQUIRED) + target_link_libraries(app hakit::hakit).
include(CMakePackageConfigHelpers)

# Header-only and arch independent: everything goes under share/, like nlohmann_json.
set(HAKIT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_DATADIR}/cmake/hakit CACHE STRING
    "Where hakitConfig.cmake is installed, relative to the prefix")

install(TARGETS hakit EXPORT hakitTargets)
install(DIRECTORY ${HAKIT_INCLUDE_DIR}/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/hakitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/hakitConfig.cmake
  INSTALL_DESTINATION ${HAKIT_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/hakitConfigVersion.cmake
  COMPATIBILITY SameMajorVersion
  ARCH_INDEPENDENT)

install(FILES ${PROJECT_BINARY_DIR}/hakitConfig.cmake ${PROJECT_BINARY_DIR}/hakitConfigVersion.cmake
        DESTINATION ${HAKIT_INSTALL_CMAKEDIR})
install(EXPORT hakitTargets
        NAMESPACE hakit::
        DESTINATION ${HAKIT_INSTALL_CMAKEDIR})

# The build tree is a package too: -Dhakit_DIR=<build dir> finds it without installing.
export(TARGETS hakit NAMESPACE hakit:: FILE ${PROJECT_BINARY_DIR}/hakitTargets.cmake)
