# Configures SOURCE_DIR into WORK_DIR with -DBUILD_TESTING=OFF and a shared-data directory that
# does not exist, builds the CLI (and with it the protocol, model and harness libraries), and
# fails if either step fails or if the cache shows that a test or benchmark dependency was looked
# up. Run with cmake -P; arguments: SOURCE_DIR, WORK_DIR, GENERATOR, BUILD_TYPE, C_COMPILER,
# CXX_COMPILER, SANITIZE.
#
# The objects of an earlier run are kept, so a rerun only rebuilds what changed; the cache is not,
# so every run is a fresh configure.
file(REMOVE "${WORK_DIR}/CMakeCache.txt")
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}" -G "${GENERATOR}"
                        -DBUILD_TESTING=OFF -DRATCHETCHECK_SHARED_DIR=/nonexistent
                        "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}" "-DCMAKE_C_COMPILER=${C_COMPILER}"
                        "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DRATCHETCHECK_SANITIZE=${SANITIZE}"
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "configure with -DBUILD_TESTING=OFF failed: ${result}")
endif()

execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}" --target ratchetcheck -j2
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "build of the library and the CLI with -DBUILD_TESTING=OFF failed: ${result}")
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
message(STATUS "standalone configure and build ok; no test or benchmark dependency looked up")
