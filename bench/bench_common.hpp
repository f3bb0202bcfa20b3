// Shared definitions of ratchet_bench: the workloads, their sizes, and the registration functions
// of each implementation's file. docs/benchmarks.md describes the method.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::bench {

// The workload every implementation runs (issue 3). Benchmark names are "<workload>/<impl>",
// impl one of ours, libsignal, olm, floor; bench/compare relies on this form.
inline constexpr std::size_t message_bytes = 100;          // plaintext of every message
inline constexpr std::size_t out_of_order_messages = 500;  // delivered in reverse order
inline constexpr int state_traffic_messages = 10;          // ping-pong before a state is saved

// One iteration is:
//   setup            Alice processes Bob's bundle and encrypts one message, Bob decrypts it.
//   one_way          one message encrypted and decrypted on a chain that does not change.
//   ping_pong        one message in the direction opposite the previous one: a DH ratchet step.
//   out_of_order     500 messages decrypted in reverse order of sending (encryption untimed).
//   state_round_trip the session state serialized and deserialized.

inline Bytes message_plaintext() {
    return Bytes(message_bytes, 0x5a);
}

// name builds "<workload>/<implementation>".
inline std::string name(const char* workload, const char* implementation) {
    return std::string(workload) + "/" + implementation;
}

// add registers `function` as "<workload>/<implementation>", reported in microseconds.
inline void add(const char* workload, const char* implementation,
                void (*function)(benchmark::State&)) {
    benchmark::RegisterBenchmark(name(workload, implementation).c_str(), function)
        ->Unit(benchmark::kMicrosecond);
}

// OlmReceiver is an established libolm pair for hostile_bench.cpp: Bob has decrypted
// `delivered` (base64, of olm message type `delivered_type`), and `decrypt` gives him another
// message (true when accepted); Bob has answered since. olm keeps one session per pair and no
// archive.
struct OlmReceiver {
    std::function<bool(std::size_t type, const std::string& base64)> decrypt;
    std::string delivered;
    std::size_t delivered_type = 0;
    std::shared_ptr<void> keep_alive;
};
std::optional<OlmReceiver> olm_receiver();

// Each file registers its benchmarks with Google Benchmark.
void register_ours();
void register_libsignal();
void register_olm();
void register_floor();
// register_pqxdh: the PQXDH setup, its floor and the v4/v3 message paths (pqxdh_benchmark.cpp).
void register_pqxdh();

}  // namespace ratchetcheck::bench
