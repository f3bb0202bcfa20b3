# Regenerates docs/invariants.md from the catalogue (ratchetcheck prove --write-catalogue) into
# OUTPUT and fails when it differs from DOC: the document is never edited by hand.
execute_process(COMMAND ${RATCHETCHECK} prove --write-catalogue ${OUTPUT} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "ratchetcheck prove --write-catalogue failed (${status})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${DOC} ${OUTPUT} RESULT_VARIABLE differs)
if(differs)
  message(FATAL_ERROR "${DOC} is stale; regenerate it with: ${RATCHETCHECK} prove --write-catalogue ${DOC}")
endif()
