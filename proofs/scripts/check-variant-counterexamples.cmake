# The researcher's loop: `ratchetcheck prove --variant NAME` names the invariants the change breaks
# (exit 1, "failing under NAME: ..." exactly as EXPECTED_FAILING), and every counterexample it
# writes is an op trace that `ratchetcheck replay` runs on the implementation in agreement with the
# specified model.
#
#   cmake -DRATCHETCHECK=ratchetcheck -DVARIANT=NAME -DEXPECTED_FAILING="a, b" -DOUTPUT_DIR=DIR
#         -DEXPECTED_TRACES=N -P check-variant-counterexamples.cmake
file(REMOVE_RECURSE ${OUTPUT_DIR})
set(command ${RATCHETCHECK} prove --variant ${VARIANT} --witness-dir ${OUTPUT_DIR})
string(REPLACE ";" " " rerun "${command}")
message(STATUS "re-run: ${rerun}")
execute_process(COMMAND ${command} RESULT_VARIABLE status OUTPUT_VARIABLE output)
message("${output}")
if(NOT status EQUAL 1)
  message(FATAL_ERROR "exit status ${status}, expected 1 (invariants fail under ${VARIANT})")
endif()
string(REGEX MATCH "\nfailing under ${VARIANT}: ([^\n]*)\n" line "${output}")
if(NOT CMAKE_MATCH_1 STREQUAL EXPECTED_FAILING)
  message(FATAL_ERROR "failing under ${VARIANT}: '${CMAKE_MATCH_1}', expected '${EXPECTED_FAILING}'")
endif()
file(GLOB traces ${OUTPUT_DIR}/counterexample-*.json)
list(LENGTH traces count)
if(NOT count EQUAL EXPECTED_TRACES)
  message(FATAL_ERROR "${count} counterexample traces in ${OUTPUT_DIR}, expected ${EXPECTED_TRACES}")
endif()
foreach(trace ${traces})
  execute_process(COMMAND ${RATCHETCHECK} replay ${trace} RESULT_VARIABLE replayed
                  OUTPUT_VARIABLE replay_output)
  if(NOT replayed EQUAL 0 OR NOT replay_output MATCHES "agreed on all")
    message(FATAL_ERROR "${RATCHETCHECK} replay ${trace}: exit ${replayed}\n${replay_output}")
  endif()
endforeach()
