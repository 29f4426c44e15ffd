# Writes the build-provenance header at every build (not only at configure time), so a binary built after a commit
# or an edit stores the revision it was built from. Rewrites the header only when its content changes.
# Usage: cmake -DSOURCE_DIR=... -DTEMPLATE=version.h.in -DOUTPUT=version.h -DPROJECT_VERSION=x.y.z -P git_revision.cmake
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE JOULEBENCH_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE _jb_dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT JOULEBENCH_GIT_REVISION)
  set(JOULEBENCH_GIT_REVISION "unknown")
elseif(_jb_dirty)
  string(APPEND JOULEBENCH_GIT_REVISION "-dirty")
endif()
configure_file(${TEMPLATE} ${OUTPUT}.new @ONLY)
file(READ ${OUTPUT}.new _new)
set(_old "")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} _old)
endif()
if(NOT _new STREQUAL _old)
  file(WRITE ${OUTPUT} "${_new}")
endif()
file(REMOVE ${OUTPUT}.new)
