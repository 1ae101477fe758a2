// echo-bench as a function: parse the command line, check the descriptor limit,
// run, report. main.cpp only calls this; tests may too.
#pragma once

namespace echo::bench {

// Returns the process exit status: 0 ok, 1 errors detected, 2 usage, 3 could not connect.
int bench_main(int argc, const char* const* argv);

}  // namespace echo::bench
