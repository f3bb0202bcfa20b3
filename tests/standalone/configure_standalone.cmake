# Configures SOURCE_DIR into WORK_DIR with -DBUILD_TESTING=OFF and a shared-data directory that
# does not exist, builds it, and fails if either step fails or if the cache shows that a test or
# benchmark dependency was looked up. Run with cmake -P; arguments: SOURCE_DIR, WORK_DIR,
# GENERATOR, BUILD_TYPE, C_COMPILER, CXX_COMPILER, SANITIZE, and
# - WARNINGS_AS_ERRORS: passed on as RATCHETCHECK_WARNINGS_AS_ERRORS (empty: not set at all, the
#   way a packager configures);
# - PACKAGER: when true, build every default target from clean (--clean-first) and fail when the
#   compiler printed any warning: a packager's build has no -Werror, so a warning would otherwise
#   pass unseen. Otherwise build only the CLI (and with it the protocol, model, proofs and harness
#   libraries), keeping the objects of an earlier run so that a rerun only rebuilds what changed.
#
# The cache is never kept, so every run is a fresh configure.
file(REMOVE "${WORK_DIR}/CMakeCache.txt")
set(configure_arguments -S "${SOURCE_DIR}" -B "${WORK_DIR}" -G "${GENERATOR}" -DBUILD_TESTING=OFF
                        -DRATCHETCHECK_SHARED_DIR=/nonexistent "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
                        "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
if(SANITIZE)
  list(APPEND configure_arguments "-DRATCHETCHECK_SANITIZE=${SANITIZE}")
endif()
if(NOT "${WARNINGS_AS_ERRORS}" STREQUAL "")
  list(APPEND configure_arguments "-DRATCHETCHECK_WARNINGS_AS_ERRORS=${WARNINGS_AS_ERRORS}")
endif()
list(JOIN configure_arguments " " configure_command_line)
message(STATUS "re-run: cmake ${configure_command_line} && cmake --build ${WORK_DIR}")
execute_process(COMMAND "${CMAKE_COMMAND}" ${configure_arguments} RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "configure with -DBUILD_TESTING=OFF failed: ${result}")
endif()

if(PACKAGER)
  execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}" --clean-first -j2
                  RESULT_VARIABLE result OUTPUT_VARIABLE build_output ERROR_VARIABLE build_output)
  message("${build_output}")
else()
  execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}" --target ratchetcheck -j2
                  RESULT_VARIABLE result)
endif()
if(NOT result EQUAL 0)
  message(FATAL_ERROR "build with -DBUILD_TESTING=OFF (${BUILD_TYPE}, ${CXX_COMPILER}) failed: "
                      "${result}")
endif()
if(PACKAGER)
  string(REGEX MATCHALL "[^\n]*warning: [^\n]*" warnings "${build_output}")
  list(LENGTH warnings warning_count)
  if(warning_count GREATER 0)
    list(JOIN warnings "\n" warnings)
    message(FATAL_ERROR "the ${BUILD_TYPE} build with ${CXX_COMPILER} printed ${warning_count} "
                        "warning(s); a consumer's build shows them, ours must have none:\n"
                        "${warnings}")
  endif()
endif()

# Anything the tests or the benchmarks would have looked for leaves a cache entry named after it
# (pkg_check_modules' internal variables, find_package's <Package>_DIR).
file(STRINGS "${WORK_DIR}/CMakeCache.txt" cache_lines)
set(looked_up "")
foreach(line IN LISTS cache_lines)
  if(line MATCHES "^([^#/][^:=]*)[:=]")
    set(name "${CMAKE_MATCH_1}")
    if(name MATCHES "libsignal|benchmark|Olm|GTest|gtest|rapidcheck")
      list(APPEND looked_up "${name}")
    endif()
  endif()
endforeach()
if(looked_up)
  list(JOIN looked_up ", " looked_up)
  message(FATAL_ERROR "configuring with -DBUILD_TESTING=OFF looked up test or benchmark "
                      "dependencies: ${looked_up}")
endif()
message(STATUS "standalone ${BUILD_TYPE} configure and build with ${CXX_COMPILER} ok; "
               "no test or benchmark dependency looked up")
