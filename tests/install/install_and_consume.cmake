# Installs the build tree into a scratch prefix, checks that exactly the public headers were
# installed and that none of them includes <sodium.h> or an internal (wire/, crypto/) header, then
# configures, builds and runs a separate project that finds it with find_package(ratchetcheck),
# whose link must include the installed Kyber crate (libratchetcheck_kem.a).
# Run with cmake -P; arguments: BUILD_DIR, SOURCE_DIR (of the consumer), WORK_DIR.
file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix"
                RESULT_VARIABLE result OUTPUT_QUIET)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "install failed: ${result}")
endif()

# The public API (README, docs/decisions.md): these headers and nothing else.
set(expected_headers
  ratchetcheck/kem_keys.hpp
  ratchetcheck/key_bytes.hpp
  ratchetcheck/key_source.hpp
  ratchetcheck/keys.hpp
  ratchetcheck/party.hpp
  ratchetcheck/profile.hpp
  ratchetcheck/result.hpp
  ratchetcheck/secret.hpp
  ratchetcheck/state_view.hpp
)
set(include_dir "${WORK_DIR}/prefix/include")
file(GLOB_RECURSE installed_headers RELATIVE "${include_dir}" "${include_dir}/*")
list(SORT installed_headers)
if(NOT installed_headers STREQUAL expected_headers)
  set(unexpected ${installed_headers})
  list(REMOVE_ITEM unexpected ${expected_headers})
  set(missing ${expected_headers})
  list(REMOVE_ITEM missing ${installed_headers})
  message(FATAL_ERROR "installed headers differ from the public API; "
                      "not public: [${unexpected}]; missing: [${missing}]")
endif()
foreach(header IN LISTS installed_headers)
  file(STRINGS "${include_dir}/${header}" includes REGEX "^[ \t]*#[ \t]*include")
  foreach(line IN LISTS includes)
    if(line MATCHES "sodium\\.h|ratchetcheck/(wire|crypto)/")
      message(FATAL_ERROR "installed ${header} includes what consumers do not get: ${line}")
    endif()
  endforeach()
endforeach()
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/build" -G Ninja
                        "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix"
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "consumer configure failed: ${result}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}/build" RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "consumer build failed: ${result}")
endif()
# The protocol's private static dependency on the Kyber crate (a Rust static library) must reach
# the consumer's link: installed beside the protocol library and named by the exported target.
# The consumer's code does not call the KEM yet, so the link line is what shows it.
file(GLOB installed_kem_archive "${WORK_DIR}/prefix/lib*/libratchetcheck_kem.a")
if(NOT installed_kem_archive)
  message(FATAL_ERROR "libratchetcheck_kem.a (the Kyber crate) was not installed")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}/build" -- -t commands consumer
                OUTPUT_VARIABLE consumer_commands RESULT_VARIABLE result)
if(NOT result EQUAL 0 OR NOT consumer_commands MATCHES "libratchetcheck_kem\\.a")
  message(FATAL_ERROR "the consumer's link does not name libratchetcheck_kem.a: "
                      "${consumer_commands}")
endif()
execute_process(COMMAND "${WORK_DIR}/build/consumer" RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "consumer run failed: ${result}")
endif()
