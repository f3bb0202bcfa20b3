// fuzz_seed_corpus: writes the seed corpus of every fuzz target (corpus/<target>/, files named by
// the SHA-1 of their content, as libFuzzer names its inputs) from what the project already has:
// the op traces the test suites keep (corpus/traces/*.json), the independent transcripts
// (../shared/vectors/signal-v3), and the fixed worlds of the message-level targets.
//
//   fuzz_seed_corpus CORPUS_DIR SHARED_DIR           # write missing seeds
//   fuzz_seed_corpus --check CORPUS_DIR SHARED_DIR   # exit 1 if a seed is missing
//
// Deterministic: keys come from seeds, so the same sources give the same files. Inputs found by
// fuzzing (ci/fuzz.sh merges them) live next to the seeds and are left alone.
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fuzz_driver.hpp"
#include "fuzz_world.hpp"
#include "ratchetcheck/harness/abstraction.hpp"
#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/harness/op_trace_codec.hpp"
#include "ratchetcheck/harness/side_by_side.hpp"
#include "ratchetcheck/harness/transcript.hpp"

namespace ratchetcheck::fuzz {

// The fixed worlds report a failure through the driver's fail(), which names the target.
const FuzzTarget fuzz_target{"seed_corpus", 0};
void fuzz_one_input(ByteView /*input*/) {}

namespace {

namespace fs = std::filesystem;

std::string sha1_hex(ByteView bytes) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha1(), nullptr) != 1)
        fail("SHA-1 failed");
    return hex(ByteView(digest.data(), length));
}

Bytes read_file(const fs::path& file) {
    std::ifstream stream(file, std::ios::binary);
    if (!stream)
        fail("cannot read " + file.string());
    return Bytes{std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> files_in(const fs::path& directory, const std::string& extension) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(directory)) {
        if (entry.is_regular_file() && entry.path().extension() == extension)
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

// Seeds collects the seeds of every target, deduplicated by content.
class Seeds {
  public:
    void add(const std::string& target, ByteView bytes) {
        seeds_[target].insert(Bytes(bytes.begin(), bytes.end()));
    }
    void add_message(MessageType type, ByteView bytes) {
        add(type == MessageType::prekey_message ? "prekey_signal_message" : "signal_message",
            bytes);
        if (type == MessageType::prekey_message) {
            if (auto embedded = harness::signal_message_bytes(type, bytes))
                add("signal_message", *embedded);
        }
    }
    const std::map<std::string, std::set<Bytes>>& all() const { return seeds_; }

  private:
    std::map<std::string, std::set<Bytes>> seeds_;
};

// From the fixed worlds: states, messages in flight, decrypt inputs, bundle variations. The
// signal-v4-pqxdh worlds seed the _v4 targets the same way.
void add_world_seeds(Seeds& seeds, WorldProfile profile) {
    const bool pqxdh = profile == WorldProfile::signal_v4_pqxdh;
    const std::string suffix = pqxdh ? "_v4" : "";
    for (std::size_t index = 0; index < chain_state_count; ++index) {
        const WorldSnapshot& world = world_snapshot(static_cast<ChainState>(index), profile);
        for (const SecureBytes& state : world.states)
            seeds.add("session_state" + suffix, state);
        for (const PendingMessage& message : world.pending) {
            if (pqxdh) {
                if (message.type == MessageType::prekey_message)
                    seeds.add("prekey_signal_message_v4", message.bytes);
            } else {
                seeds.add_message(message.type, message.bytes);
            }
            Bytes input{static_cast<std::uint8_t>(
                index | (message.receiver == Seat::bob ? 0x04 : 0) |
                (message.type == MessageType::prekey_message ? 0x08 : 0))};
            input.insert(input.end(), message.bytes.begin(), message.bytes.end());
            seeds.add("decrypt" + suffix, input);
            // The same message with its last MAC byte flipped: authentication fails after the
            // header was accepted, the rejection path that must leave the state unchanged.
            input.back() ^= 0x01;
            seeds.add("decrypt" + suffix, input);
        }
    }
    const BundleMaterial& material = bundle_material(profile);
    seeds.add("session_state" + suffix, material.bob_state);
    // prekey_bundle: the genuine bundle with and without a one-time prekey, pinned and trusted on
    // first use, and one with every field taken from the input (holding the genuine values). The
    // v4 target's second flags byte: with the Kyber prekey (1), without it (0), and every Kyber
    // field from the input (0x0f).
    const std::vector<std::uint8_t> kyber_flag_choices =
        pqxdh ? std::vector<std::uint8_t>{0x01, 0x00} : std::vector<std::uint8_t>{};
    for (const std::uint8_t flags : {0x00, 0x01, 0x02, 0x03}) {
        if (!pqxdh)
            seeds.add("prekey_bundle", Bytes{flags});
        for (const std::uint8_t kyber_flags : kyber_flag_choices)
            seeds.add("prekey_bundle_v4", Bytes{flags, kyber_flags});
    }
    Bytes every_field{0x7e};
    if (pqxdh)
        every_field.push_back(0x0f);
    const auto put_u32 = [&every_field](std::uint32_t value) {
        for (int shift = 0; shift < 32; shift += 8)
            every_field.push_back(static_cast<std::uint8_t>(value >> shift));
    };
    put_u32(material.bundle.registration_id);
    put_u32(material.bundle.signed_prekey_id);
    put_u32(material.bundle.one_time_prekey->id);
    const auto put = [&every_field](auto bytes) {
        every_field.insert(every_field.end(), bytes.begin(), bytes.end());
    };
    put(material.bundle.identity_key.u);
    put(material.bundle.signed_prekey.u);
    put(material.bundle.signed_prekey_signature);
    put(material.bundle.one_time_prekey->key.u);
    if (pqxdh) {
        put_u32(material.bundle.kyber_prekey->id);
        put(material.bundle.kyber_prekey->key.view());
        put(material.bundle.kyber_prekey->signature);
    }
    seeds.add("prekey_bundle" + suffix, every_field);
}

// From the op traces the test suites keep: JSON text, byte form, and what a run of each produces
// (genuine messages, both parties' final states).
void add_trace_seeds(Seeds& seeds, const fs::path& traces) {
    for (const fs::path& file : files_in(traces, ".json")) {
        const Bytes text = read_file(file);
        seeds.add("op_trace_json", text);
        auto parsed = harness::trace_from_json(
            std::string_view(reinterpret_cast<const char*>(text.data()), text.size()));
        if (const auto* error = std::get_if<harness::TraceParseError>(&parsed))
            fail(file.string() + ": " + error->message());
        harness::OpTrace trace = std::get<harness::OpTrace>(std::move(parsed));
        trace.expectations.clear();
        for (auto& op : trace.ops)
            op = harness::normalize_op(op);
        const Bytes encoded = harness::encode_trace(trace);
        seeds.add("interaction", encoded);
        seeds.add("differential_model", encoded);
        for (const std::uint8_t seat : {0x00, 0x01}) {
            Bytes input{seat};
            input.insert(input.end(), encoded.begin(), encoded.end());
            seeds.add("differential_libsignal", input);
        }
        // differential_libsignal_client: libsignal-client in Bob's or Alice's seat, Bob's bundle
        // with a one-time or only a last-resort Kyber prekey (byte 0 bits 0 and 1).
        for (const std::uint8_t choice : {0x00, 0x01, 0x02, 0x03}) {
            Bytes input{choice};
            input.insert(input.end(), encoded.begin(), encoded.end());
            seeds.add("differential_libsignal_client", input);
        }
        auto created = harness::SideBySideRunner::create(trace.setup, {});
        if (std::holds_alternative<std::string>(created))
            fail(file.string() + ": " + std::get<std::string>(created));
        auto& runner = *std::get<std::unique_ptr<harness::SideBySideRunner>>(created);
        for (const auto& op : trace.ops)
            (void)runner.step(op);
        for (const auto& message : runner.genuine_messages())
            seeds.add_message(message.type, message.bytes);
        for (const model::PartyId party : {model::PartyId::alice, model::PartyId::bob})
            seeds.add("session_state", runner.implementation(party).serialize());
    }
}

// From the independent transcripts: the JSON and every message they carry.
void add_transcript_seeds(Seeds& seeds, const fs::path& vectors) {
    for (const fs::path& file : files_in(vectors, ".json")) {
        seeds.add("transcript_json", read_file(file));
        auto loaded = harness::load_transcript(file);
        if (const auto* error = std::get_if<harness::TranscriptError>(&loaded))
            fail(error->message());
        for (const auto& event : std::get<harness::Transcript>(loaded).events) {
            if (event.type && !event.ciphertext.empty())
                seeds.add_message(*event.type, event.ciphertext);
        }
    }
}

}  // namespace
}  // namespace ratchetcheck::fuzz

namespace {

int generate(std::vector<std::string> arguments, const char* program) {
    namespace fs = std::filesystem;
    using namespace ratchetcheck::fuzz;
    const bool check = !arguments.empty() && arguments.front() == "--check";
    if (check)
        arguments.erase(arguments.begin());
    if (arguments.size() != 2) {
        std::fprintf(stderr, "usage: %s [--check] CORPUS_DIR SHARED_DIR\n", program);
        return 2;
    }
    const fs::path corpus = arguments[0];
    const fs::path shared = arguments[1];
    Seeds seeds;
    add_world_seeds(seeds, WorldProfile::signal_v3);
    add_world_seeds(seeds, WorldProfile::signal_v4_pqxdh);
    add_trace_seeds(seeds, corpus / "traces");
    add_transcript_seeds(seeds, shared / "vectors" / "signal-v3");

    std::size_t written = 0;
    std::size_t missing = 0;
    std::size_t total = 0;
    for (const auto& [target, inputs] : seeds.all()) {
        const fs::path directory = corpus / target;
        fs::create_directories(directory);
        for (const ratchetcheck::Bytes& input : inputs) {
            ++total;
            const fs::path file = directory / sha1_hex(input);
            if (fs::exists(file))
                continue;
            if (check) {
                std::fprintf(stderr, "missing seed %s\n", file.c_str());
                ++missing;
                continue;
            }
            std::ofstream stream(file, std::ios::binary);
            stream.write(reinterpret_cast<const char*>(input.data()),
                         static_cast<std::streamsize>(input.size()));
            ++written;
        }
    }
    if (check) {
        if (missing != 0) {
            std::fprintf(stderr,
                         "fuzz_seed_corpus: %zu of %zu seeds missing; regenerate: "
                         "build/default/bin/fuzz_seed_corpus %s %s\n",
                         missing, total, corpus.c_str(), shared.c_str());
            return 1;
        }
        std::printf("fuzz_seed_corpus: all %zu seeds present\n", total);
        return 0;
    }
    std::printf("fuzz_seed_corpus: %zu seeds, %zu written\n", total, written);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // Filesystem errors (an unwritable corpus directory) throw; report them as a failed run.
    try {
        return generate(std::vector<std::string>(argv + 1, argv + argc), argv[0]);
    } catch (const std::exception& exception) {
        std::fprintf(stderr, "fuzz_seed_corpus: %s\n", exception.what());
        return 2;
    }
}
