# Warnings and floating-point rules shared by every riskscan target.
#
# -ffp-contract=off keeps a*b+c as two rounded operations on every compiler, so the
# CPU backends and the CUDA kernels (built with --fmad=false) produce the same bits.
# -fno-trapping-math lets the vectoriser turn `c ? x : 0.0` into a blend: it changes no computed
# value, only the promise that FP exception flags are raised exactly as written (we never read them).
add_library(riskscan_options INTERFACE)
target_compile_options(riskscan_options INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -ffp-contract=off -fno-trapping-math>)
if(RS_NATIVE)
  target_compile_options(riskscan_options INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-march=native>)
endif()
if(RS_SANITIZE)
  target_compile_options(riskscan_options INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all>)
  target_link_options(riskscan_options INTERFACE -fsanitize=address,undefined)
endif()
