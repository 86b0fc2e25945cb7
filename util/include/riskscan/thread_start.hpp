#pragma once
// Starts the OpenMP threads of a run before any work, where a failure can still be reported.
// libgomp ends the process itself (exit 1, "libgomp: Thread creation failed") when a parallel
// region cannot start a thread, which no handler can catch: under a tight memory or process limit
// a run would die that way half-way. start_threads(n) first starts n - 1 plain threads at once (a
// failure throws riskscan::error, exit 70, saying so), then runs a trivial region on n threads so
// libgomp keeps them for the regions that follow: every region of a run uses the same count.
// The probe's threads have the default stack size; an OMP_STACKSIZE above it is not probed.
namespace riskscan {

// n as --threads gives it: 0 means all cores.
void start_threads(int n);

}  // namespace riskscan
