// echo-bench: a load generator that measures any RFC 862 echo server and checks
// every byte it echoes. See docs/benchmarking.md, or try:
//   echo-server --listen 127.0.0.1:7878 &
//   echo-bench 127.0.0.1:7878 --connections 50 --duration 5s
#include "bench/app.hpp"

int main(int argc, char** argv) {
  return echo::bench::bench_main(argc, argv);
}
