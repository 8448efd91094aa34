# `cmake --install` puts Kiln in place like any C++ library: the headers of
# the C++ API (include/kiln), its static libraries (lib/kiln), the tools
# (kilnc, kiln, kiln-opt), a CMake package (find_package(Kiln) ->
# Kiln::kiln), a pkg-config file (kiln.pc), and Debian packages through
# CPack (cpack -G DEB in the build folder: kiln and python3-kiln).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
# Two packages: `kiln` (this file's installs) and `python3-kiln` (the Python
# module, component `python`, installed by python/CMakeLists.txt).
set(CMAKE_INSTALL_DEFAULT_COMPONENT_NAME kiln)

set(KILN_LIBRARIES KilnFrontend KilnFormats KilnGraphviz KilnPictures KilnJit KilnRegistration
  KilnPipelines KilnAot KilnConversion KilnAutodiff KilnTransforms
  KilnCodegen KilnDialect KilnDist KilnGpuRuntime KilnRuntime)

# Kiln::kiln (the target `kiln` is the command-line tool).
add_library(KilnAPI INTERFACE)
add_library(Kiln::kiln ALIAS KilnAPI)
set_target_properties(KilnAPI PROPERTIES EXPORT_NAME kiln)
target_link_libraries(KilnAPI INTERFACE KilnFrontend)
target_include_directories(KilnAPI INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/kiln>)
target_compile_features(KilnAPI INTERFACE cxx_std_20)
if(KILN_SANITIZE)
  # The libraries are instrumented: a program that links them needs the
  # sanitizer runtimes.
  target_link_options(KilnAPI INTERFACE -fsanitize=address,undefined)
endif()

install(TARGETS KilnAPI ${KILN_LIBRARIES} EXPORT KilnTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}/kiln)
install(EXPORT KilnTargets NAMESPACE Kiln::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Kiln)
configure_package_config_file(cmake/KilnConfig.cmake.in
  ${PROJECT_BINARY_DIR}/KilnConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Kiln)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/KilnConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/KilnConfig.cmake
  ${PROJECT_BINARY_DIR}/KilnConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Kiln)

# The C++ API's headers (LLVM-free) and those they include.
install(DIRECTORY frontend/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kiln/frontend
  FILES_MATCHING PATTERN "*.h"
  PATTERN "ModelImpl.h" EXCLUDE PATTERN "Emitter.h" EXCLUDE
  PATTERN "OpsContext.h" EXCLUDE PATTERN "saving" EXCLUDE
  PATTERN "layers" EXCLUDE)
install(DIRECTORY runtime/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kiln/runtime
  FILES_MATCHING PATTERN "*.h" PATTERN "aot" EXCLUDE)
install(FILES compiler/JIT/CompileTimings.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kiln/compiler/JIT)

install(TARGETS kilnc kiln kiln-opt RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES examples/aot/classify.c examples/aot/CMakeLists.txt
  DESTINATION ${CMAKE_INSTALL_DATADIR}/kiln/examples/aot)
install(FILES examples/cmake-user/main.cpp examples/cmake-user/CMakeLists.txt
  DESTINATION ${CMAKE_INSTALL_DATADIR}/kiln/examples/cmake-user)

# pkg-config (relocatable: the prefix is where kiln.pc lies): the
# libraries in link order, then what they need.
set(KILN_PC_LIBS "")
foreach(lib ${KILN_LIBRARIES})
  string(APPEND KILN_PC_LIBS " -l${lib}")
endforeach()
find_package(HDF5 REQUIRED COMPONENTS C)
list(GET HDF5_C_LIBRARIES 0 KILN_PC_HDF5)
set(KILN_PC_MPI "")
if(KILN_HAVE_MPI)
  set(KILN_PC_MPI "mpi-c")
endif()
configure_file(cmake/kiln.pc.in ${PROJECT_BINARY_DIR}/kiln.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/kiln.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

set(CPACK_PACKAGE_NAME kiln)
set(CPACK_PACKAGE_VENDOR "Kiln")
set(CPACK_PACKAGE_CONTACT "Kiln developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Keras-style model compiler: C++ API, kilnc and kiln")
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL kiln)
if(TARGET _kiln)
  list(APPEND CPACK_COMPONENTS_ALL python)
endif()
set(CPACK_DEBIAN_KILN_PACKAGE_NAME kiln)
set(CPACK_DEBIAN_KILN_PACKAGE_DEPENDS
  "libmlir-22-dev, llvm-22-dev, libomp-22-dev, libhdf5-dev, libzip-dev, nlohmann-json3-dev, zlib1g-dev, libgraphviz-dev, libcairo2-dev, build-essential")
if(KILN_HAVE_MPI)
  # libKilnDist.a calls libmpi; mpirun starts data-parallel training.
  string(APPEND CPACK_DEBIAN_KILN_PACKAGE_DEPENDS ", libopenmpi-dev, openmpi-bin")
endif()
set(CPACK_COMPONENT_KILN_DESCRIPTION
  "Keras-style model compiler: C++ API, kilnc and kiln")
# The extension is built for one Python (its ABI tag names it); the shared
# libraries it needs (HDF5, Graphviz, cairo, ...) come from dpkg-shlibdeps,
# and libomp, which the runtime loads itself, is named, as are libLLVM and
# libMLIR (dpkg-shlibdeps maps their /usr/lib/llvm-22/lib paths to
# llvm-22-dev or to nothing, depending on the search order).
set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-kiln)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS
  "python3 (>= ${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}), python3 (<< ${Python3_VERSION_MAJOR}.${KILN_PYTHON_NEXT_MINOR}), python3-numpy, libomp5-22, libllvm22, libmlir-22")
set(CPACK_COMPONENT_PYTHON_DESCRIPTION
  "Kiln from Python: `from kiln import keras` on Kiln's compiled steps")
include(CPack)
