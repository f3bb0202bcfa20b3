// ratchet_bench: this implementation, libsignal-protocol-c and libolm side by side in one
// process, and the floor (bench_floor.cpp). Run bench/compare for the ratio table.
#include "bench_common.hpp"

int main(int argc, char** argv) {
    ratchetcheck::bench::register_ours();
    ratchetcheck::bench::register_libsignal();
    ratchetcheck::bench::register_olm();
    ratchetcheck::bench::register_floor();
    ratchetcheck::bench::register_pqxdh();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
