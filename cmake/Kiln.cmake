# Helpers that keep every Kiln target on libMLIR.so / libLLVM.so. MLIR's own
# add_mlir_library would link the static component archives next to the
# dylib, registering LLVM's command-line options twice at start-up.

# kiln_add_library(name SOURCES... [DEPENDS tgt...] [LINK kiln-libs...])
function(kiln_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK} MLIR LLVM)
endfunction()

# kiln_add_tool(name SOURCES... [LINK kiln-libs...])
function(kiln_add_tool name)
  cmake_parse_arguments(ARG "" "" "LINK" ${ARGN})
  add_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${ARG_LINK} MLIR LLVM)
endfunction()

# Kiln's version: the commit it is built from (the compile cache's key, and
# what an ahead-of-time artifact reports).
find_package(Git QUIET)
set(KILN_VERSION "unknown")
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    OUTPUT_VARIABLE KILN_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
