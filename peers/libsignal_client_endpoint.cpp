// The libsignal-client seat behind the Endpoint interface (libsignal_client_endpoint.hpp).
#include "libsignal_client_endpoint.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>
#include <variant>
#include <vector>

#include "ratchetcheck/crypto/xeddsa.hpp"
#include "ratchetcheck/harness/hex.hpp"

#ifndef RATCHETCHECK_NODE_EXECUTABLE
#define RATCHETCHECK_NODE_EXECUTABLE "node"
#endif
#ifndef RATCHETCHECK_LIBSIGNAL_CLIENT_SEAT
#define RATCHETCHECK_LIBSIGNAL_CLIENT_SEAT "peers/libsignal-client/seat.js"
#endif
#ifndef RATCHETCHECK_LIBSIGNAL_CLIENT_VERSION
#define RATCHETCHECK_LIBSIGNAL_CLIENT_VERSION "unknown"
#endif

namespace ratchetcheck::peers {
namespace {

using Json = nlohmann::json;

// A seat that does not answer within this time is taken for hung (a request takes milliseconds;
// the first one after a start waits for Node to load libsignal, about a third of a second).
constexpr int answer_timeout_ms = 60000;

std::atomic<std::size_t> seats_started{0};

// Seat is one running `node seat.js` process and its two pipes.
class Seat {
  public:
    static std::variant<std::unique_ptr<Seat>, std::string> start() {
        // A write to a seat that died must come back as EPIPE, not end this process.
        static const bool sigpipe_ignored = [] {
            std::signal(SIGPIPE, SIG_IGN);
            return true;
        }();
        (void)sigpipe_ignored;
        int to_child[2] = {-1, -1};
        int from_child[2] = {-1, -1};
        // Close-on-exec, so that no seat inherits another seat's pipe ends (which would keep its
        // standard input open after we close ours).
        if (pipe2(to_child, O_CLOEXEC) != 0)
            return fmt::format("pipe: errno {}", errno);
        if (pipe2(from_child, O_CLOEXEC) != 0) {
            close(to_child[0]);
            close(to_child[1]);
            return fmt::format("pipe: errno {}", errno);
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
        std::string node = RATCHETCHECK_NODE_EXECUTABLE;
        std::string script = RATCHETCHECK_LIBSIGNAL_CLIENT_SEAT;
        char* arguments[] = {node.data(), script.data(), nullptr};
        pid_t pid = 0;
        const int spawned = posix_spawn(&pid, node.c_str(), &actions, nullptr, arguments, environ);
        posix_spawn_file_actions_destroy(&actions);
        close(to_child[0]);
        close(from_child[1]);
        if (spawned != 0) {
            close(to_child[1]);
            close(from_child[0]);
            return fmt::format("could not start {} {}: errno {}", node, script, spawned);
        }
        ++seats_started;
        auto seat = std::unique_ptr<Seat>(new Seat(pid, to_child[1], from_child[0]));
        auto hello = seat->request(Json{{"cmd", "hello"}});
        if (const auto* problem = std::get_if<std::string>(&hello))
            return "the seat did not start: " + *problem;
        return seat;
    }

    ~Seat() {
        // A goodbye that cannot even be written (out of memory building it) leaves a process
        // that no longer answers: it is killed below like a broken one.
        try {
            if (!broken_)
                (void)request(Json{{"cmd", "quit"}});
        } catch (...) {
            broken_ = true;
        }
        close(to_child_);
        close(from_child_);
        int status = 0;
        if (broken_)
            kill(pid_, SIGKILL);  // the process is ours and no longer answers
        waitpid(pid_, &status, 0);
    }
    Seat(const Seat&) = delete;
    Seat& operator=(const Seat&) = delete;

    // request sends one request line and reads its answer: the answer object (with "ok" true or
    // false), or what went wrong with the process (it then counts as broken).
    std::variant<Json, std::string> request(const Json& message) {
        if (broken_)
            return std::string("the seat failed earlier");
        const std::string line = message.dump() + "\n";
        std::size_t written = 0;
        while (written < line.size()) {
            const ssize_t result = write(to_child_, line.data() + written, line.size() - written);
            if (result < 0 && errno == EINTR)
                continue;
            if (result <= 0)
                return fail(fmt::format("write failed (errno {})", errno));
            written += static_cast<std::size_t>(result);
        }
        std::string answer;
        std::string problem;
        if (!read_line(answer, problem))
            return fail(problem);
        Json parsed = Json::parse(answer, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("ok"))
            return fail("the seat answered something other than a JSON object with \"ok\"");
        if (!parsed["ok"].get<bool>() && parsed["error"].value("name", "") == "SeatCrashed")
            return fail("the seat crashed: " + parsed["error"].value("message", ""));
        return parsed;
    }

    bool broken() const { return broken_; }

  private:
    Seat(pid_t pid, int to_child, int from_child)
        : pid_(pid), to_child_(to_child), from_child_(from_child) {}

    std::string fail(std::string problem) {
        broken_ = true;
        return problem;
    }

    // read_line reads the next line into `line`, or says what went wrong in `problem`.
    bool read_line(std::string& line, std::string& problem) {
        for (;;) {
            const std::size_t end = buffer_.find('\n');
            if (end != std::string::npos) {
                line = buffer_.substr(0, end);
                buffer_.erase(0, end + 1);
                return true;
            }
            pollfd ready{.fd = from_child_, .events = POLLIN, .revents = 0};
            const int polled = poll(&ready, 1, answer_timeout_ms);
            if (polled < 0 && errno == EINTR)
                continue;
            if (polled == 0) {
                problem = fmt::format("no answer within {} s", answer_timeout_ms / 1000);
                return false;
            }
            if (polled < 0) {
                problem = fmt::format("poll failed (errno {})", errno);
                return false;
            }
            char chunk[65536];
            const ssize_t got = read(from_child_, chunk, sizeof chunk);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                problem = "the seat closed its output (it exited)";
                return false;
            }
            buffer_.append(chunk, static_cast<std::size_t>(got));
        }
    }

    pid_t pid_;
    int to_child_;
    int from_child_;
    std::string buffer_;
    bool broken_ = false;
};

// SeatPool keeps idle seats for reuse: an endpoint takes one (or starts one) and gives it back,
// reset, when it is destroyed.
class SeatPool {
  public:
    std::variant<std::unique_ptr<Seat>, std::string> acquire() {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            if (!idle_.empty()) {
                std::unique_ptr<Seat> seat = std::move(idle_.back());
                idle_.pop_back();
                return seat;
            }
        }
        return Seat::start();
    }
    void release(std::unique_ptr<Seat> seat) {
        if (!seat || seat->broken())
            return;
        auto reset = seat->request(Json{{"cmd", "reset"}});
        if (!std::holds_alternative<Json>(reset) || !std::get<Json>(reset).value("ok", false))
            return;
        const std::lock_guard<std::mutex> lock(mutex_);
        idle_.push_back(std::move(seat));
    }

  private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<Seat>> idle_;
};

SeatPool& seat_pool() {
    static SeatPool pool;
    return pool;
}

std::string hex_of(ByteView bytes) {
    return harness::to_hex(bytes);
}

template <typename Role>
std::string hex_of(const PublicKey<Role>& key) {
    const SerializedPublicKey serialized = key.serialize();
    return harness::to_hex(serialized);
}

Json address_of(model::PartyId party) {
    return Json{{"name", model::party_name(party)}, {"device_id", 1}};
}

// A failure that is not a protocol rejection: the seat process failed (exited, hung, answered
// something unreadable), a request was refused as ill-formed (a harness bug), the seat threw an
// exception of its own, or libsignal's text was not recognised (`Generic`). No model verdict names
// corrupt_state, so the runner reports such a failure instead of counting it as a rejection.
constexpr Error not_a_rejection = Error::corrupt_state;

// map_error gives a libsignal-client rejection our closest Error (docs/libsignal-client-peer.md
// "Errors" lists the names). InvalidMessage covers both a failed MAC and a counter beyond the
// forward-jump limit, as SG_ERR_INVALID_MESSAGE does in libsignal-protocol-c
// (reports_too_far_ahead is false).
Error map_error(const std::string& name, const std::string& code) {
    if (code == "Request")
        return name == "NoParty" ? Error::no_session : not_a_rejection;
    if (code == "Other" || code == "Seat" || name == "Generic")
        return not_a_rejection;
    if (name == "DuplicatedMessage")
        return Error::duplicate;
    if (name == "SessionNotFound" || name == "InvalidSession" || name == "NoParty")
        return Error::no_session;
    if (name == "UntrustedIdentity")
        return Error::untrusted_identity;
    if (name == "InvalidPreKeyId" || name == "InvalidSignedPreKeyId" ||
        name == "InvalidKyberPreKeyId")
        return Error::unknown_prekey_id;
    if (name == "LegacyCiphertextVersion" || name == "UnrecognizedCiphertextVersion" ||
        name == "UnrecognizedMessageVersion")
        return Error::bad_version;
    if (name == "InvalidProtobufEncoding" || name == "CiphertextMessageTooShort" ||
        name == "BadKEMCiphertextLength")
        return Error::malformed;
    if (name == "SignatureValidationFailed" || name == "BadKeyType" || name == "BadKeyLength" ||
        name == "NoKeyTypeIdentifier" || name == "BadKEMKeyType" || name == "WrongKEMKeyType" ||
        name == "BadKEMKeyLength" || name == "InvalidArgument")
        return Error::invalid_key;
    return Error::authentication_failed;
}

std::optional<crypto::X25519Public> public_key_from_hex(const Json& field) {
    if (!field.is_string())
        return std::nullopt;
    const auto bytes = harness::from_hex(field.get<std::string>());
    if (!bytes || (bytes->size() != 33 && bytes->size() != 32))
        return std::nullopt;
    if (bytes->size() == 33 && (*bytes)[0] != djb_key_type)
        return std::nullopt;
    crypto::X25519Public key{};
    std::copy(bytes->end() - 32, bytes->end(), key.begin());
    return key;
}

const char* fault_name(LibsignalClientFault fault) {
    switch (fault) {
        case LibsignalClientFault::wrong_plaintext:
            return "wrong_plaintext";
        case LibsignalClientFault::accept_tamper:
            return "accept_tamper";
        case LibsignalClientFault::change_state_on_rejection:
            return "change_state_on_rejection";
        case LibsignalClientFault::none:
            break;
    }
    return "";
}

class LibsignalClientEndpoint final : public harness::Endpoint {
  public:
    LibsignalClientEndpoint(std::unique_ptr<Seat> seat, IdentityKeyPair identity,
                            const harness::EndpointContext& context, LibsignalClientFault fault)
        : seat_(std::move(seat)),
          identity_(std::move(identity)),
          seat_name_(context.seat),
          registration_id_(context.registration_id),
          key_seed_(context.setup->key_seed),
          one_time_kyber_prekey_(context.setup->one_time_kyber_prekey),
          keys_(context.keys),
          fault_(fault) {}

    ~LibsignalClientEndpoint() override {
        // Back to the pool for the next run; if the pool cannot take it (out of memory), the
        // seat is dropped here and its destructor ends the process.
        try {
            seat_pool().release(std::move(seat_));
        } catch (...) {
            seat_.reset();
        }
    }
    LibsignalClientEndpoint(const LibsignalClientEndpoint&) = delete;
    LibsignalClientEndpoint& operator=(const LibsignalClientEndpoint&) = delete;

    std::string_view implementation() const override { return "libsignal-client"; }
    IdentityPublicKey identity_public_key() const override { return identity_.public_key; }

    Result<void> trust_peer(const IdentityPublicKey& peer) override {
        if (!created_) {
            // Alice publishes nothing, but a seat's party is made with a signed prekey and a
            // Kyber prekey: hers come from a key source of their own, so that the run's shared
            // one hands out what it would with ours in this seat.
            harness::SeededKeySource spare(key_seed_, "libsignal-client-spare");
            auto signed_private = spare.next_private_key(KeyRole::signed_prekey);
            if (!signed_private.ok())
                return fail_locally(signed_private.error(), "spare key source");
            auto kyber =
                generate_kyber_prekey(identity_, last_resort_kyber_id_for_spare, true, spare);
            if (!kyber.ok())
                return fail_locally(kyber.error(), "spare key source");
            std::vector<KyberPreKeyRecord> kyber_prekeys;
            kyber_prekeys.push_back(std::move(kyber).value());
            if (auto created = create(1, std::move(signed_private).value(), nullptr, kyber_prekeys);
                !created.ok())
                return created.error();
        }
        changed();
        auto answer = call(Json{{"cmd", "trust"},
                                {"peer", address_of(model::peer_of(seat_name_))},
                                {"identity_key", hex_of(peer)}});
        if (!answer.ok())
            return answer.error();
        return {};
    }

    Result<PreKeyBundle> publish_prekeys(std::uint32_t signed_prekey_id,
                                         std::optional<std::uint32_t> one_time_prekey_id) override {
        if (created_)
            return fail_locally(Error::no_session, "publish_prekeys after the party was made");
        // The order of our own endpoint (harness/src/endpoint.cpp): the signed prekey, the
        // one-time prekey, then the Kyber prekeys (one-time, last-resort).
        auto signed_private = keys_->next_private_key(KeyRole::signed_prekey);
        if (!signed_private.ok())
            return fail_locally(signed_private.error(), "key source");
        std::optional<OneTimePreKeyRecord> one_time_prekey;
        if (one_time_prekey_id) {
            auto generated = generate_one_time_prekey(*one_time_prekey_id, *keys_);
            if (!generated.ok())
                return fail_locally(generated.error(), "key source");
            one_time_prekey = std::move(generated).value();
        }
        std::vector<KyberPreKeyRecord> kyber_prekeys;
        std::vector<std::pair<std::uint32_t, bool>> wanted;
        if (one_time_kyber_prekey_)
            wanted.emplace_back(harness::one_time_kyber_prekey_id, false);
        wanted.emplace_back(harness::last_resort_kyber_prekey_id, true);
        for (const auto& [id, last_resort] : wanted) {
            auto generated = generate_kyber_prekey(identity_, id, last_resort, *keys_);
            if (!generated.ok())
                return fail_locally(generated.error(), "key source");
            kyber_prekeys.push_back(std::move(generated).value());
        }
        if (auto created = create(signed_prekey_id, std::move(signed_private).value(),
                                  one_time_prekey ? &*one_time_prekey : nullptr, kyber_prekeys);
            !created.ok())
            return created.error();
        // The bundle as the seat hands it out: its own one-time EC prekey (or none), and the
        // one-time Kyber prekey when there is one, else the last-resort one.
        Json request{{"cmd", "bundle"},
                     {"kyber_prekey_id", kyber_prekeys.front().id},
                     {"prekey_id", one_time_prekey ? Json(one_time_prekey->id) : Json(nullptr)}};
        auto answer = call(request);
        if (!answer.ok())
            return answer.error();
        auto bundle = bundle_from_json(answer.value()["bundle"]);
        if (!bundle)
            return fail_locally(Error::malformed, "the seat's bundle does not parse");
        return *bundle;
    }

    Result<void> initiate_session(const PreKeyBundle& bundle) override {
        if (!bundle.kyber_prekey)
            return fail_locally(Error::post_quantum_required,
                                "libsignal-client 0.79.0 needs a Kyber prekey in every bundle");
        changed();
        Json fields{{"registration_id", bundle.registration_id},
                    {"device_id", bundle.device_id},
                    {"identity_key", hex_of(bundle.identity_key)},
                    {"signed_prekey_id", bundle.signed_prekey_id},
                    {"signed_prekey", hex_of(bundle.signed_prekey)},
                    {"signed_prekey_signature", hex_of(bundle.signed_prekey_signature)},
                    {"prekey_id",
                     bundle.one_time_prekey ? Json(bundle.one_time_prekey->id) : Json(nullptr)},
                    {"prekey", bundle.one_time_prekey ? Json(hex_of(bundle.one_time_prekey->key))
                                                      : Json(nullptr)},
                    {"kyber_prekey_id", bundle.kyber_prekey->id},
                    {"kyber_prekey", hex_of(serialize_kyber_public_key(bundle.kyber_prekey->key))},
                    {"kyber_prekey_signature", hex_of(bundle.kyber_prekey->signature)}};
        auto answer = call(Json{{"cmd", "process_bundle"},
                                {"peer", address_of(model::peer_of(seat_name_))},
                                {"bundle", std::move(fields)}});
        if (!answer.ok())
            return answer.error();
        return {};
    }

    Result<OutgoingMessage> encrypt(ByteView plaintext) override {
        changed();
        auto answer = call(Json{{"cmd", "encrypt"},
                                {"peer", address_of(model::peer_of(seat_name_))},
                                {"plaintext", hex_of(plaintext)}});
        if (!answer.ok()) {
            // libsignal names a missing session by the address; with a record that cannot send,
            // say what it means. native_error() keeps libsignal's name.
            if (!has_current_state())
                return Error::no_session;
            return answer.error();
        }
        const Json& value = answer.value();
        const auto bytes = harness::from_hex(value.value("message", ""));
        const int type = value.value("type", 0);
        if (!bytes || (type != 2 && type != 3))
            return fail_locally(Error::malformed, "the seat's encrypt answer does not parse");
        return OutgoingMessage{static_cast<MessageType>(type), *bytes};
    }

    Result<SecureBytes> decrypt(MessageType type, ByteView message) override {
        changed();
        auto answer = call(Json{{"cmd", "decrypt"},
                                {"peer", address_of(model::peer_of(seat_name_))},
                                {"type", static_cast<int>(type)},
                                {"message", hex_of(message)}});
        if (!answer.ok())
            return answer.error();
        const auto bytes = harness::from_hex(answer.value().value("plaintext", ""));
        if (!bytes)
            return fail_locally(Error::malformed, "the seat's decrypt answer does not parse");
        return SecureBytes(bytes->begin(), bytes->end());
    }

    std::string native_error() const override { return native_error_; }
    bool reports_too_far_ahead() const override { return false; }

    // The digest of the serialized session record and stores (seat.js `digest`): the record
    // holds secrets, so only its hash crosses the pipe.
    SecureBytes snapshot() const override {
        if (!created_)
            return SecureBytes{};
        auto answer =
            call(Json{{"cmd", "digest"}, {"peer", address_of(model::peer_of(seat_name_))}});
        if (!answer.ok())
            return SecureBytes{};
        const auto bytes = harness::from_hex(answer.value().value("digest", ""));
        return bytes ? SecureBytes(bytes->begin(), bytes->end()) : SecureBytes{};
    }

    // The session record saved and loaded back (seat.js `save_restore`); the stores keep
    // serialized records anyway.
    std::optional<std::string> save_restore() override {
        if (!created_)
            return std::nullopt;
        changed();
        auto answer =
            call(Json{{"cmd", "save_restore"}, {"peer", address_of(model::peer_of(seat_name_))}});
        if (!answer.ok())
            return fmt::format("the seat could not save and restore: {}", native_error_);
        if (!answer.value().value("same_bytes", false))
            return std::string("the reloaded session record serializes to other bytes");
        return std::nullopt;
    }

    std::optional<crypto::X25519Public> sending_ratchet_key() const override {
        const Json* session = current_session();
        if (session == nullptr || !session->contains("sending_ratchet_key"))
            return std::nullopt;
        return public_key_from_hex((*session)["sending_ratchet_key"]);
    }
    std::optional<crypto::X25519Public> session_base_key() const override {
        const Json* session = current_session();
        if (session == nullptr || !session->contains("alice_base_key"))
            return std::nullopt;
        return public_key_from_hex((*session)["alice_base_key"]);
    }

  private:
    // The id of the Kyber prekey Alice's seat is made with (never published).
    static constexpr std::uint32_t last_resort_kyber_id_for_spare = 99;

    // call sends a request and returns its answer, or the Error its failure maps to (recording
    // the seat's own name for it).
    Result<Json> call(const Json& request) const {
        auto answer = seat_->request(request);
        if (const auto* problem = std::get_if<std::string>(&answer)) {
            native_error_ = "seat failure: " + *problem;
            return not_a_rejection;
        }
        Json& value = std::get<Json>(answer);
        if (value.value("ok", false))
            return std::move(value);
        const Json& error = value["error"];
        const std::string name = error.value("name", "Unknown");
        native_error_ = fmt::format("{} ({})", name, error.value("message", ""));
        return map_error(name, error.value("code", ""));
    }

    Error fail_locally(Error error, std::string_view what) const {
        native_error_ = fmt::format("{} ({})", error_name(error), what);
        return error;
    }

    // create makes the seat's party from the keys this endpoint drew.
    Result<void> create(std::uint32_t signed_prekey_id, crypto::X25519Private signed_private,
                        const OneTimePreKeyRecord* one_time_prekey,
                        const std::vector<KyberPreKeyRecord>& kyber_prekeys) {
        const auto signed_prekey =
            KeyPair<role::SignedPreKey>::from_private(std::move(signed_private));
        // The signature's randomness from the seed, as our endpoint does (X3DH §3.2).
        std::array<std::uint8_t, crypto::xeddsa_nonce_bytes> randomness{};
        harness::seeded_bytes(key_seed_, "signature", 0, randomness);
        const auto signature = crypto::xeddsa_sign(
            identity_.private_key, signed_prekey.public_key.serialize(), randomness);
        Json kyber = Json::array();
        for (const KyberPreKeyRecord& record : kyber_prekeys) {
            Bytes secret{kyber1024_key_type};
            secret.insert(secret.end(), record.secret_key.view().begin(),
                          record.secret_key.view().end());
            // The signature over 0x08 || key with randomness from the seed, as our endpoint signs.
            harness::seeded_bytes(key_seed_, "kyber-signature", record.id, randomness);
            const auto kyber_signature = crypto::xeddsa_sign(
                identity_.private_key, serialize_kyber_public_key(record.public_key), randomness);
            kyber.push_back(Json{{"id", record.id},
                                 {"public", hex_of(serialize_kyber_public_key(record.public_key))},
                                 {"secret", hex_of(secret)},
                                 {"signature", hex_of(kyber_signature)},
                                 {"last_resort", record.last_resort}});
            std::fill(secret.begin(), secret.end(), std::uint8_t{0});
        }
        Json prekeys = Json::array();
        if (one_time_prekey != nullptr) {
            prekeys.push_back(
                Json{{"id", one_time_prekey->id},
                     {"private", hex_of(one_time_prekey->key_pair.private_key.view())},
                     {"public", hex_of(one_time_prekey->key_pair.public_key)}});
        }
        Json request{{"cmd", "create"},
                     {"name", model::party_name(seat_name_)},
                     {"device_id", 1},
                     {"registration_id", registration_id_},
                     {"identity",
                      {{"private", hex_of(identity_.private_key.view())},
                       {"public", hex_of(identity_.public_key)}}},
                     {"signed_prekey",
                      {{"id", signed_prekey_id},
                       {"private", hex_of(signed_prekey.private_key.view())},
                       {"public", hex_of(signed_prekey.public_key)},
                       {"signature", hex_of(signature)}}},
                     {"prekeys", std::move(prekeys)},
                     {"kyber_prekeys", std::move(kyber)}};
        auto answer = call(request);
        if (!answer.ok())
            return answer.error();
        created_ = true;
        if (fault_ != LibsignalClientFault::none) {
            auto planted = call(Json{{"cmd", "plant"}, {"fault", fault_name(fault_)}});
            if (!planted.ok())
                return planted.error();
        }
        return {};
    }

    std::optional<PreKeyBundle> bundle_from_json(const Json& fields) {
        if (!fields.is_object())
            return std::nullopt;
        const auto bytes_of = [&fields](const char* name) -> std::optional<Bytes> {
            if (!fields.contains(name) || !fields[name].is_string())
                return std::nullopt;
            return harness::from_hex(fields[name].get<std::string>());
        };
        PreKeyBundle bundle;
        bundle.registration_id = fields.value("registration_id", 0u);
        bundle.device_id = fields.value("device_id", 0u);
        bundle.signed_prekey_id = fields.value("signed_prekey_id", 0u);
        const auto identity = bytes_of("identity_key");
        const auto signed_prekey = bytes_of("signed_prekey");
        const auto signed_signature = bytes_of("signed_prekey_signature");
        const auto kyber_key = bytes_of("kyber_prekey");
        const auto kyber_signature = bytes_of("kyber_prekey_signature");
        if (!identity || !signed_prekey || !signed_signature || !kyber_key || !kyber_signature ||
            signed_signature->size() != 64 || kyber_signature->size() != 64 ||
            kyber_key->size() != serialized_kyber_public_key_bytes ||
            (*kyber_key)[0] != kyber1024_key_type)
            return std::nullopt;
        auto identity_key = IdentityPublicKey::decode(*identity);
        auto signed_key = PublicKey<role::SignedPreKey>::decode(*signed_prekey);
        auto kyber_public = crypto::KyberPublicKey::from_bytes(ByteView(*kyber_key).subspan(1));
        if (!identity_key.ok() || !signed_key.ok() || !kyber_public.ok())
            return std::nullopt;
        bundle.identity_key = identity_key.value();
        bundle.signed_prekey = signed_key.value();
        std::copy(signed_signature->begin(), signed_signature->end(),
                  bundle.signed_prekey_signature.begin());
        PreKeyBundle::KyberPreKey kyber{
            fields.value("kyber_prekey_id", 0u), kyber_public.value(), {}};
        std::copy(kyber_signature->begin(), kyber_signature->end(), kyber.signature.begin());
        bundle.kyber_prekey = kyber;
        if (fields.contains("prekey") && fields["prekey"].is_string()) {
            const auto one_time = bytes_of("prekey");
            auto one_time_key = one_time ? PublicKey<role::OneTimePreKey>::decode(*one_time)
                                         : Result<PublicKey<role::OneTimePreKey>>(Error::malformed);
            if (!one_time_key.ok())
                return std::nullopt;
            bundle.one_time_prekey =
                PreKeyBundle::OneTimePreKey{fields.value("prekey_id", 0u), one_time_key.value()};
        }
        return bundle;
    }

    // The probe's current session (null without one), asked once per change of the state.
    const Json* current_session() const {
        if (!probe_known_) {
            probe_ = Json();
            if (created_) {
                auto answer =
                    call(Json{{"cmd", "probe"}, {"peer", address_of(model::peer_of(seat_name_))}});
                if (answer.ok())
                    probe_ = std::move(answer).value();
            }
            probe_known_ = true;
        }
        if (!probe_.is_object() || !probe_.value("has_current_state", false) ||
            !probe_.contains("record") || !probe_["record"]["current_session"].is_object())
            return nullptr;
        return &probe_["record"]["current_session"];
    }
    bool has_current_state() const { return current_session() != nullptr; }
    void changed() { probe_known_ = false; }

    std::unique_ptr<Seat> seat_;
    IdentityKeyPair identity_;
    model::PartyId seat_name_;
    std::uint32_t registration_id_;
    std::uint64_t key_seed_;
    bool one_time_kyber_prekey_;
    harness::SeededKeySource* keys_;
    LibsignalClientFault fault_;
    bool created_ = false;
    mutable std::string native_error_;  // the seat's name for the last failure
    mutable bool probe_known_ = false;
    mutable Json probe_;
};

harness::EndpointOrProblem make_endpoint(const harness::EndpointContext& context,
                                         LibsignalClientFault fault) {
    if (context.setup->profile != harness::TraceProfile::signal_v4_pqxdh) {
        return std::string(
            "libsignal-client 0.79.0 runs signal-v4-pqxdh only (it refuses X3DH); this trace is "
            "signal-v3 (use --peer libsignal)");
    }
    if (context.setup->limits != model::Limits{}) {
        return std::string(
            "libsignal has fixed limits (forward jump 2000, 2000 skipped keys per chain, 5 "
            "receiving chains); this trace sets others");
    }
    // The identity first, as make_party_endpoint draws it.
    auto identity = generate_identity_key_pair(*context.keys);
    if (!identity.ok()) {
        return fmt::format("{}: the key source failed ({})", model::party_name(context.seat),
                           error_name(identity.error()));
    }
    auto seat = seat_pool().acquire();
    if (const auto* problem = std::get_if<std::string>(&seat))
        return fmt::format("libsignal-client ({}): {}", model::party_name(context.seat), *problem);
    return std::make_unique<LibsignalClientEndpoint>(std::move(std::get<0>(seat)),
                                                     std::move(identity).value(), context, fault);
}

}  // namespace

harness::EndpointOrProblem make_libsignal_client_endpoint(const harness::EndpointContext& context) {
    return make_endpoint(context, LibsignalClientFault::none);
}

harness::EndpointFactory libsignal_client_endpoint_factory(LibsignalClientFault fault) {
    return
        [fault](const harness::EndpointContext& context) { return make_endpoint(context, fault); };
}

struct LibsignalClientSeat::Process {
    std::unique_ptr<Seat> seat;
};

LibsignalClientSeat::LibsignalClientSeat(std::unique_ptr<Process> process)
    : process_(std::move(process)) {}

LibsignalClientSeat::~LibsignalClientSeat() = default;

std::variant<std::unique_ptr<LibsignalClientSeat>, std::string> LibsignalClientSeat::start() {
    auto started = Seat::start();
    if (auto* problem = std::get_if<std::string>(&started))
        return std::move(*problem);
    auto process = std::make_unique<Process>();
    process->seat = std::move(std::get<std::unique_ptr<Seat>>(started));
    return std::unique_ptr<LibsignalClientSeat>(new LibsignalClientSeat(std::move(process)));
}

std::variant<nlohmann::json, std::string> LibsignalClientSeat::request(
    const nlohmann::json& message) {
    return process_->seat->request(message);
}

std::string libsignal_client_version() {
    return "libsignal-client " RATCHETCHECK_LIBSIGNAL_CLIENT_VERSION " (Node.js seat)";
}

std::size_t libsignal_client_seats_started() {
    return seats_started.load();
}

}  // namespace ratchetcheck::peers
