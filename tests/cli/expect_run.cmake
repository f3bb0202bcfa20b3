# Runs PROGRAM with the arguments ARGS (a ;-list, may be empty) and fails unless it exits with
# EXPECT_EXIT and its output (stdout and stderr together) matches every regex in EXPECT_OUTPUT
# (separated by "@@", as a ";" would not survive add_test). Run with cmake -P.
execute_process(COMMAND "${PROGRAM}" ${ARGS}
                RESULT_VARIABLE exit_status OUTPUT_VARIABLE output ERROR_VARIABLE output)
message("${output}")
if(NOT exit_status STREQUAL "${EXPECT_EXIT}")
  message(FATAL_ERROR "exit status ${exit_status}, expected ${EXPECT_EXIT}")
endif()
string(REPLACE "@@" ";" patterns "${EXPECT_OUTPUT}")
foreach(pattern IN LISTS patterns)
  if(NOT output MATCHES "${pattern}")
    message(FATAL_ERROR "output does not match '${pattern}'")
  endif()
endforeach()
