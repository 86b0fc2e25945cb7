# Every dependency comes from a Debian package (see .ci/run); nothing is downloaded at build time.
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(Threads REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(fmt REQUIRED)
find_package(tomlplusplus REQUIRED)

find_path(RS_FAST_FLOAT_INCLUDE fast_float/fast_float.h REQUIRED)
add_library(riskscan_fast_float INTERFACE)
target_include_directories(riskscan_fast_float SYSTEM INTERFACE ${RS_FAST_FLOAT_INCLUDE})

find_path(RS_RANDOM123_INCLUDE Random123/philox.h REQUIRED)
add_library(riskscan_random123 INTERFACE)
target_include_directories(riskscan_random123 SYSTEM INTERFACE ${RS_RANDOM123_INCLUDE})

if(RS_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(RS_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
