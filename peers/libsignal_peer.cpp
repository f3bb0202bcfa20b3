// LibsignalParty over libsignal-protocol-c's C API: the crypto provider, the in-memory stores and
// the conversions between libsignal's objects and our public types.
#include "libsignal_peer.hpp"

#include <openssl/evp.h>
#include <signal/curve.h>
#include <signal/key_helper.h>
#include <signal/protocol.h>
#include <signal/ratchet.h>
#include <signal/session_builder.h>
#include <signal/session_cipher.h>
#include <signal/session_pre_key.h>
#include <signal/session_record.h>
#include <signal/session_state.h>
#include <signal/signal_protocol.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace ratchetcheck::peers {

std::string_view signal_status_name(int status) {
    if (status >= 0)
        return "SG_SUCCESS";
    switch (status) {
        case SG_ERR_NOMEM:
            return "SG_ERR_NOMEM";
        case SG_ERR_INVAL:
            return "SG_ERR_INVAL";
        case SG_ERR_UNKNOWN:
            return "SG_ERR_UNKNOWN";
        case SG_ERR_DUPLICATE_MESSAGE:
            return "SG_ERR_DUPLICATE_MESSAGE";
        case SG_ERR_INVALID_KEY:
            return "SG_ERR_INVALID_KEY";
        case SG_ERR_INVALID_KEY_ID:
            return "SG_ERR_INVALID_KEY_ID";
        case SG_ERR_INVALID_MAC:
            return "SG_ERR_INVALID_MAC";
        case SG_ERR_INVALID_MESSAGE:
            return "SG_ERR_INVALID_MESSAGE";
        case SG_ERR_INVALID_VERSION:
            return "SG_ERR_INVALID_VERSION";
        case SG_ERR_LEGACY_MESSAGE:
            return "SG_ERR_LEGACY_MESSAGE";
        case SG_ERR_NO_SESSION:
            return "SG_ERR_NO_SESSION";
        case SG_ERR_STALE_KEY_EXCHANGE:
            return "SG_ERR_STALE_KEY_EXCHANGE";
        case SG_ERR_UNTRUSTED_IDENTITY:
            return "SG_ERR_UNTRUSTED_IDENTITY";
        case SG_ERR_VRF_SIG_VERIF_FAILED:
            return "SG_ERR_VRF_SIG_VERIF_FAILED";
        case SG_ERR_INVALID_PROTO_BUF:
            return "SG_ERR_INVALID_PROTO_BUF";
        default:
            return "SG_ERR_(other)";
    }
}

namespace {

// --- ownership of libsignal objects -------------------------------------------------------------

// Every libsignal object starts with a signal_type_base and is released by signal_type_unref.
template <typename T>
struct SignalUnref {
    void operator()(T* object) const {
        if (object != nullptr)
            signal_type_unref(reinterpret_cast<signal_type_base*>(object));
    }
};
template <typename T>
using SignalPointer = std::unique_ptr<T, SignalUnref<T>>;

// Buffers may hold keys or plaintext: wipe them when freed.
struct BufferFree {
    void operator()(signal_buffer* buffer) const { signal_buffer_bzero_free(buffer); }
};
using BufferPointer = std::unique_ptr<signal_buffer, BufferFree>;

Bytes to_bytes(const signal_buffer* buffer) {
    const std::uint8_t* data = signal_buffer_const_data(buffer);
    return Bytes(data, data + signal_buffer_len(buffer));
}

signal_buffer* new_buffer(ByteView bytes) {
    return signal_buffer_create(bytes.data(), bytes.size());
}

// The single remote peer every LibsignalParty talks to (libsignal keys sessions by address).
constexpr char peer_name[] = "peer";
constexpr std::int32_t peer_device_id = 1;

}  // namespace

// LibsignalState owns the C objects of one party and the contents of its stores. It is the
// user_data of the crypto provider and of every store callback.
struct LibsignalState {
    RandomFill random;
    signal_context* context = nullptr;
    signal_protocol_store_context* store = nullptr;
    session_cipher* cipher = nullptr;
    signal_protocol_address address{peer_name, sizeof(peer_name) - 1, peer_device_id};

    std::uint32_t registration_id = 0;
    SignalPointer<ratchet_identity_key_pair> identity;
    Bytes identity_public_serialized;  // 33 bytes, 0x05 || u
    SecureBytes identity_private_serialized;
    std::optional<Bytes> trusted_peer;  // pinned peer identity, serialized

    std::map<std::pair<std::string, std::int32_t>, Bytes> sessions;  // serialized records
    std::map<std::uint32_t, Bytes> prekeys;                          // serialized session_pre_key
    std::map<std::uint32_t, Bytes> published_prekeys;                // what was handed out
    std::map<std::uint32_t, Bytes> signed_prekeys;

    ~LibsignalState() {
        if (cipher != nullptr)
            session_cipher_free(cipher);
        if (store != nullptr)
            signal_protocol_store_context_destroy(store);
        identity.reset();
        if (context != nullptr)
            signal_context_destroy(context);
    }
};

namespace {

LibsignalState& state_of(void* user_data) {
    return *static_cast<LibsignalState*>(user_data);
}

// --- the crypto provider ------------------------------------------------------------------------

int provider_random(std::uint8_t* data, std::size_t length, void* user_data) {
    LibsignalState& state = state_of(user_data);
    if (state.random) {
        state.random(std::span<std::uint8_t>(data, length));
    } else {
        randombytes_buf(data, length);
    }
    return SG_SUCCESS;
}

int provider_hmac_init(void** context, const std::uint8_t* key, std::size_t key_length, void*) {
    auto* hmac = new crypto_auth_hmacsha256_state;
    crypto_auth_hmacsha256_init(hmac, key, key_length);
    *context = hmac;
    return SG_SUCCESS;
}

int provider_hmac_update(void* context, const std::uint8_t* data, std::size_t length, void*) {
    crypto_auth_hmacsha256_update(static_cast<crypto_auth_hmacsha256_state*>(context), data,
                                  length);
    return SG_SUCCESS;
}

int provider_hmac_final(void* context, signal_buffer** output, void*) {
    std::uint8_t tag[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(static_cast<crypto_auth_hmacsha256_state*>(context), tag);
    *output = signal_buffer_create(tag, sizeof tag);
    sodium_memzero(tag, sizeof tag);
    return *output != nullptr ? SG_SUCCESS : SG_ERR_NOMEM;
}

void provider_hmac_cleanup(void* context, void*) {
    auto* hmac = static_cast<crypto_auth_hmacsha256_state*>(context);
    if (hmac == nullptr)
        return;
    sodium_memzero(hmac, sizeof *hmac);
    delete hmac;
}

int provider_sha512_init(void** context, void*) {
    auto* digest = new crypto_hash_sha512_state;
    crypto_hash_sha512_init(digest);
    *context = digest;
    return SG_SUCCESS;
}

int provider_sha512_update(void* context, const std::uint8_t* data, std::size_t length, void*) {
    crypto_hash_sha512_update(static_cast<crypto_hash_sha512_state*>(context), data, length);
    return SG_SUCCESS;
}

int provider_sha512_final(void* context, signal_buffer** output, void*) {
    auto* digest = static_cast<crypto_hash_sha512_state*>(context);
    std::uint8_t hash[crypto_hash_sha512_BYTES];
    crypto_hash_sha512_final(digest, hash);
    crypto_hash_sha512_init(digest);  // the provider contract: ready for reuse after final
    *output = signal_buffer_create(hash, sizeof hash);
    sodium_memzero(hash, sizeof hash);
    return *output != nullptr ? SG_SUCCESS : SG_ERR_NOMEM;
}

void provider_sha512_cleanup(void* context, void*) {
    auto* digest = static_cast<crypto_hash_sha512_state*>(context);
    if (digest == nullptr)
        return;
    sodium_memzero(digest, sizeof *digest);
    delete digest;
}

const EVP_CIPHER* aes_cipher(int mode, std::size_t key_length) {
    const bool cbc = mode == SG_CIPHER_AES_CBC_PKCS5;
    if (!cbc && mode != SG_CIPHER_AES_CTR_NOPADDING)
        return nullptr;
    switch (key_length) {
        case 16:
            return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ctr();
        case 24:
            return cbc ? EVP_aes_192_cbc() : EVP_aes_192_ctr();
        case 32:
            return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ctr();
        default:
            return nullptr;
    }
}

struct CipherContextFree {
    void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};

// One AES pass (CBC with PKCS#7 padding, or CTR) in either direction; libsignal v3 uses CBC only.
int provider_aes(bool encrypt, signal_buffer** output, int mode, const std::uint8_t* key,
                 std::size_t key_length, const std::uint8_t* iv, std::size_t iv_length,
                 const std::uint8_t* input, std::size_t input_length) {
    const EVP_CIPHER* cipher = aes_cipher(mode, key_length);
    if (cipher == nullptr || iv_length != 16)
        return SG_ERR_UNKNOWN;
    std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree> context(EVP_CIPHER_CTX_new());
    if (!context)
        return SG_ERR_NOMEM;
    SecureBytes out(input_length + 16);
    int written = 0;
    int final_written = 0;
    const int init = encrypt ? EVP_EncryptInit_ex(context.get(), cipher, nullptr, key, iv)
                             : EVP_DecryptInit_ex(context.get(), cipher, nullptr, key, iv);
    if (init != 1)
        return SG_ERR_UNKNOWN;
    const int length = static_cast<int>(input_length);
    const int update = encrypt
                           ? EVP_EncryptUpdate(context.get(), out.data(), &written, input, length)
                           : EVP_DecryptUpdate(context.get(), out.data(), &written, input, length);
    if (update != 1)
        return SG_ERR_UNKNOWN;
    const int final =
        encrypt ? EVP_EncryptFinal_ex(context.get(), out.data() + written, &final_written)
                : EVP_DecryptFinal_ex(context.get(), out.data() + written, &final_written);
    if (final != 1)
        return SG_ERR_UNKNOWN;  // bad padding on decrypt
    *output = signal_buffer_create(
        out.data(), static_cast<std::size_t>(written) + static_cast<std::size_t>(final_written));
    return *output != nullptr ? SG_SUCCESS : SG_ERR_NOMEM;
}

int provider_encrypt(signal_buffer** output, int mode, const std::uint8_t* key,
                     std::size_t key_length, const std::uint8_t* iv, std::size_t iv_length,
                     const std::uint8_t* plaintext, std::size_t plaintext_length, void*) {
    return provider_aes(true, output, mode, key, key_length, iv, iv_length, plaintext,
                        plaintext_length);
}

int provider_decrypt(signal_buffer** output, int mode, const std::uint8_t* key,
                     std::size_t key_length, const std::uint8_t* iv, std::size_t iv_length,
                     const std::uint8_t* ciphertext, std::size_t ciphertext_length, void*) {
    return provider_aes(false, output, mode, key, key_length, iv, iv_length, ciphertext,
                        ciphertext_length);
}

// --- the stores ---------------------------------------------------------------------------------

std::pair<std::string, std::int32_t> address_key(const signal_protocol_address* address) {
    return {std::string(address->name, address->name_len), address->device_id};
}

int load_session(signal_buffer** record, signal_buffer** user_record,
                 const signal_protocol_address* address, void* user_data) {
    *user_record = nullptr;
    const auto& sessions = state_of(user_data).sessions;
    const auto found = sessions.find(address_key(address));
    if (found == sessions.end())
        return 0;
    *record = new_buffer(found->second);
    return *record != nullptr ? 1 : SG_ERR_NOMEM;
}

int get_sub_device_sessions(signal_int_list** list, const char* name, std::size_t name_length,
                            void* user_data) {
    signal_int_list* devices = signal_int_list_alloc();
    if (devices == nullptr)
        return SG_ERR_NOMEM;
    const std::string wanted(name, name_length);
    for (const auto& entry : state_of(user_data).sessions) {
        if (entry.first.first == wanted)
            signal_int_list_push_back(devices, entry.first.second);
    }
    *list = devices;
    return static_cast<int>(signal_int_list_size(devices));
}

int store_session(const signal_protocol_address* address, std::uint8_t* record,
                  std::size_t record_length, std::uint8_t*, std::size_t, void* user_data) {
    state_of(user_data).sessions[address_key(address)] = Bytes(record, record + record_length);
    return SG_SUCCESS;
}

int contains_session(const signal_protocol_address* address, void* user_data) {
    return state_of(user_data).sessions.contains(address_key(address)) ? 1 : 0;
}

int delete_session(const signal_protocol_address* address, void* user_data) {
    return state_of(user_data).sessions.erase(address_key(address)) != 0 ? 1 : 0;
}

int delete_all_sessions(const char* name, std::size_t name_length, void* user_data) {
    auto& sessions = state_of(user_data).sessions;
    const std::string wanted(name, name_length);
    int deleted = 0;
    for (auto entry = sessions.begin(); entry != sessions.end();) {
        if (entry->first.first == wanted) {
            entry = sessions.erase(entry);
            ++deleted;
        } else {
            ++entry;
        }
    }
    return deleted;
}

// Shared shape of the two prekey stores: SG_ERR_INVALID_KEY_ID for an unknown id, as the store
// contract in signal_protocol.h requires (libsignal turns it into the decrypt error).
int load_from(const std::map<std::uint32_t, Bytes>& keys, signal_buffer** record,
              std::uint32_t id) {
    const auto found = keys.find(id);
    if (found == keys.end())
        return SG_ERR_INVALID_KEY_ID;
    *record = new_buffer(found->second);
    return *record != nullptr ? SG_SUCCESS : SG_ERR_NOMEM;
}

int load_prekey(signal_buffer** record, std::uint32_t id, void* user_data) {
    return load_from(state_of(user_data).prekeys, record, id);
}
int store_prekey(std::uint32_t id, std::uint8_t* record, std::size_t length, void* user_data) {
    state_of(user_data).prekeys[id] = Bytes(record, record + length);
    return SG_SUCCESS;
}
int contains_prekey(std::uint32_t id, void* user_data) {
    return state_of(user_data).prekeys.contains(id) ? 1 : 0;
}
int remove_prekey(std::uint32_t id, void* user_data) {
    state_of(user_data).prekeys.erase(id);
    return SG_SUCCESS;
}

int load_signed_prekey(signal_buffer** record, std::uint32_t id, void* user_data) {
    return load_from(state_of(user_data).signed_prekeys, record, id);
}
int store_signed_prekey(std::uint32_t id, std::uint8_t* record, std::size_t length,
                        void* user_data) {
    state_of(user_data).signed_prekeys[id] = Bytes(record, record + length);
    return SG_SUCCESS;
}
int contains_signed_prekey(std::uint32_t id, void* user_data) {
    return state_of(user_data).signed_prekeys.contains(id) ? 1 : 0;
}
int remove_signed_prekey(std::uint32_t id, void* user_data) {
    state_of(user_data).signed_prekeys.erase(id);
    return SG_SUCCESS;
}

int get_identity_key_pair(signal_buffer** public_data, signal_buffer** private_data,
                          void* user_data) {
    const LibsignalState& state = state_of(user_data);
    *public_data = new_buffer(state.identity_public_serialized);
    *private_data = new_buffer(state.identity_private_serialized);
    return (*public_data != nullptr && *private_data != nullptr) ? SG_SUCCESS : SG_ERR_NOMEM;
}

int get_local_registration_id(void* user_data, std::uint32_t* registration_id) {
    *registration_id = state_of(user_data).registration_id;
    return SG_SUCCESS;
}

// The peer is pinned (trust_peer): libsignal may report the identity it saw, but cannot replace
// the pin, and its "forget the identity" call after a failed PreKeySignalMessage
// (save_identity with null key data) does not unpin it. Without a pin, the first identity seen
// is pinned (trust on first use, as ours does).
int save_identity(const signal_protocol_address*, std::uint8_t* key_data, std::size_t key_length,
                  void* user_data) {
    LibsignalState& state = state_of(user_data);
    if (key_data != nullptr && !state.trusted_peer) {
        state.trusted_peer = Bytes(key_data, key_data + key_length);
    }
    return SG_SUCCESS;
}

int is_trusted_identity(const signal_protocol_address*, std::uint8_t* key_data,
                        std::size_t key_length, void* user_data) {
    const LibsignalState& state = state_of(user_data);
    if (!state.trusted_peer)
        return 1;
    return std::equal(state.trusted_peer->begin(), state.trusted_peer->end(), key_data,
                      key_data + key_length)
               ? 1
               : 0;
}

// --- conversions
// ----------------------------------------------------------------------------------

template <typename Role>
SignalResult<PublicKey<Role>> public_key_of(const ec_public_key* key) {
    signal_buffer* raw = nullptr;
    const int status = ec_public_key_serialize(&raw, key);
    if (status < 0)
        return {status, {}};
    BufferPointer serialized(raw);
    auto decoded = PublicKey<Role>::decode(
        ByteView(signal_buffer_const_data(serialized.get()), signal_buffer_len(serialized.get())));
    if (!decoded.ok())
        return {SG_ERR_INVALID_KEY, {}};
    return {SG_SUCCESS, decoded.value()};
}

template <typename Role>
SignalResult<SignalPointer<ec_public_key>> decode_point(const PublicKey<Role>& key,
                                                        signal_context* context) {
    const SerializedPublicKey serialized = key.serialize();
    ec_public_key* decoded = nullptr;
    const int status = curve_decode_point(&decoded, serialized.data(), serialized.size(), context);
    return {status, SignalPointer<ec_public_key>(decoded)};
}

}  // namespace

// --- LibsignalParty
// -------------------------------------------------------------------------------

LibsignalParty::LibsignalParty(std::unique_ptr<LibsignalState> state) : state_(std::move(state)) {}
LibsignalParty::~LibsignalParty() = default;

SignalResult<std::unique_ptr<LibsignalParty>> LibsignalParty::create(std::uint32_t registration_id,
                                                                     RandomFill random) {
    if (sodium_init() < 0)
        return {SG_ERR_UNKNOWN, nullptr};
    auto state = std::make_unique<LibsignalState>();
    state->random = std::move(random);
    state->registration_id = registration_id;
    void* user_data = state.get();

    int status = signal_context_create(&state->context, user_data);
    if (status < 0)
        return {status, nullptr};
    const signal_crypto_provider provider = {
        provider_random,        provider_hmac_init,    provider_hmac_update,
        provider_hmac_final,    provider_hmac_cleanup, provider_sha512_init,
        provider_sha512_update, provider_sha512_final, provider_sha512_cleanup,
        provider_encrypt,       provider_decrypt,      user_data,
    };
    if ((status = signal_context_set_crypto_provider(state->context, &provider)) < 0) {
        return {status, nullptr};
    }

    if ((status = signal_protocol_store_context_create(&state->store, state->context)) < 0) {
        return {status, nullptr};
    }
    const signal_protocol_session_store session_store = {
        load_session,   get_sub_device_sessions, store_session, contains_session,
        delete_session, delete_all_sessions,     nullptr,       user_data,
    };
    const signal_protocol_pre_key_store prekey_store = {
        load_prekey, store_prekey, contains_prekey, remove_prekey, nullptr, user_data,
    };
    const signal_protocol_signed_pre_key_store signed_prekey_store = {
        load_signed_prekey,
        store_signed_prekey,
        contains_signed_prekey,
        remove_signed_prekey,
        nullptr,
        user_data,
    };
    const signal_protocol_identity_key_store identity_store = {
        get_identity_key_pair,
        get_local_registration_id,
        save_identity,
        is_trusted_identity,
        nullptr,
        user_data,
    };
    if ((status = signal_protocol_store_context_set_session_store(state->store, &session_store)) <
            0 ||
        (status = signal_protocol_store_context_set_pre_key_store(state->store, &prekey_store)) <
            0 ||
        (status = signal_protocol_store_context_set_signed_pre_key_store(
             state->store, &signed_prekey_store)) < 0 ||
        (status = signal_protocol_store_context_set_identity_key_store(state->store,
                                                                       &identity_store)) < 0) {
        return {status, nullptr};
    }

    ratchet_identity_key_pair* identity = nullptr;
    status = signal_protocol_key_helper_generate_identity_key_pair(&identity, state->context);
    if (status < 0)
        return {status, nullptr};
    state->identity.reset(identity);
    signal_buffer* raw = nullptr;
    if ((status = ec_public_key_serialize(
             &raw, ratchet_identity_key_pair_get_public(state->identity.get()))) < 0) {
        return {status, nullptr};
    }
    BufferPointer public_serialized(raw);
    state->identity_public_serialized = to_bytes(public_serialized.get());
    if ((status = ec_private_key_serialize(
             &raw, ratchet_identity_key_pair_get_private(state->identity.get()))) < 0) {
        return {status, nullptr};
    }
    BufferPointer private_serialized(raw);
    const Bytes private_bytes = to_bytes(private_serialized.get());
    state->identity_private_serialized.assign(private_bytes.begin(), private_bytes.end());

    if ((status = session_cipher_create(&state->cipher, state->store, &state->address,
                                        state->context)) < 0) {
        return {status, nullptr};
    }
    return {SG_SUCCESS, std::unique_ptr<LibsignalParty>(new LibsignalParty(std::move(state)))};
}

IdentityPublicKey LibsignalParty::identity_public_key() const {
    return IdentityPublicKey::decode(state_->identity_public_serialized).value();
}

std::uint32_t LibsignalParty::registration_id() const {
    return state_->registration_id;
}

SignalResult<PreKeyBundle> LibsignalParty::publish_prekeys(
    std::uint32_t signed_prekey_id, std::optional<std::uint32_t> one_time_prekey_id) {
    LibsignalState& state = *state_;
    PreKeyBundle bundle;
    bundle.registration_id = state.registration_id;
    bundle.device_id = peer_device_id;
    bundle.identity_key = identity_public_key();
    bundle.signed_prekey_id = signed_prekey_id;

    session_signed_pre_key* raw_signed = nullptr;
    int status = signal_protocol_key_helper_generate_signed_pre_key(
        &raw_signed, state.identity.get(), signed_prekey_id, 0, state.context);
    if (status < 0)
        return {status, {}};
    SignalPointer<session_signed_pre_key> signed_prekey(raw_signed);
    auto signed_public = public_key_of<role::SignedPreKey>(
        ec_key_pair_get_public(session_signed_pre_key_get_key_pair(signed_prekey.get())));
    if (!signed_public.ok())
        return {signed_public.status, {}};
    bundle.signed_prekey = signed_public.value;
    if (session_signed_pre_key_get_signature_len(signed_prekey.get()) !=
        bundle.signed_prekey_signature.size()) {
        return {SG_ERR_INVALID_KEY, {}};
    }
    std::memcpy(bundle.signed_prekey_signature.data(),
                session_signed_pre_key_get_signature(signed_prekey.get()),
                bundle.signed_prekey_signature.size());
    if ((status = signal_protocol_signed_pre_key_store_key(state.store, signed_prekey.get())) < 0) {
        return {status, {}};
    }

    if (one_time_prekey_id) {
        ec_key_pair* raw_pair = nullptr;
        if ((status = curve_generate_key_pair(state.context, &raw_pair)) < 0)
            return {status, {}};
        SignalPointer<ec_key_pair> key_pair(raw_pair);
        session_pre_key* raw_prekey = nullptr;
        if ((status = session_pre_key_create(&raw_prekey, *one_time_prekey_id, key_pair.get())) <
            0) {
            return {status, {}};
        }
        SignalPointer<session_pre_key> prekey(raw_prekey);
        if ((status = signal_protocol_pre_key_store_key(state.store, prekey.get())) < 0) {
            return {status, {}};
        }
        state.published_prekeys[*one_time_prekey_id] = state.prekeys.at(*one_time_prekey_id);
        auto one_time_public =
            public_key_of<role::OneTimePreKey>(ec_key_pair_get_public(key_pair.get()));
        if (!one_time_public.ok())
            return {one_time_public.status, {}};
        bundle.one_time_prekey =
            PreKeyBundle::OneTimePreKey{*one_time_prekey_id, one_time_public.value};
    }
    return {SG_SUCCESS, bundle};
}

void LibsignalParty::trust_peer(const IdentityPublicKey& peer) {
    const SerializedPublicKey serialized = peer.serialize();
    state_->trusted_peer = Bytes(serialized.begin(), serialized.end());
}

int LibsignalParty::initiate_session(const PreKeyBundle& bundle) {
    signal_context* context = state_->context;
    auto identity = decode_point(bundle.identity_key, context);
    if (!identity.ok())
        return identity.status;
    auto signed_prekey = decode_point(bundle.signed_prekey, context);
    if (!signed_prekey.ok())
        return signed_prekey.status;
    SignalPointer<ec_public_key> one_time_prekey;
    std::uint32_t one_time_prekey_id = 0;
    if (bundle.one_time_prekey) {
        auto decoded = decode_point(bundle.one_time_prekey->key, context);
        if (!decoded.ok())
            return decoded.status;
        one_time_prekey = std::move(decoded.value);
        one_time_prekey_id = bundle.one_time_prekey->id;
    }
    session_pre_key_bundle* raw_bundle = nullptr;
    int status = session_pre_key_bundle_create(
        &raw_bundle, bundle.registration_id, static_cast<int>(bundle.device_id), one_time_prekey_id,
        one_time_prekey.get(), bundle.signed_prekey_id, signed_prekey.value.get(),
        bundle.signed_prekey_signature.data(), bundle.signed_prekey_signature.size(),
        identity.value.get());
    if (status < 0)
        return status;
    SignalPointer<session_pre_key_bundle> signal_bundle(raw_bundle);
    session_builder* builder = nullptr;
    if ((status = session_builder_create(&builder, state_->store, &state_->address, context)) < 0) {
        return status;
    }
    status = session_builder_process_pre_key_bundle(builder, signal_bundle.get());
    session_builder_free(builder);
    return status;
}

SignalResult<OutgoingMessage> LibsignalParty::encrypt(ByteView plaintext) {
    ciphertext_message* raw = nullptr;
    const int status =
        session_cipher_encrypt(state_->cipher, plaintext.data(), plaintext.size(), &raw);
    if (status < 0)
        return {status, {}};
    SignalPointer<ciphertext_message> message(raw);
    OutgoingMessage outgoing;
    const int type = ciphertext_message_get_type(message.get());
    if (type == CIPHERTEXT_PREKEY_TYPE) {
        outgoing.type = MessageType::prekey_message;
    } else if (type == CIPHERTEXT_SIGNAL_TYPE) {
        outgoing.type = MessageType::signal_message;
    } else {
        return {SG_ERR_UNKNOWN, {}};
    }
    outgoing.bytes = to_bytes(ciphertext_message_get_serialized(message.get()));
    return {SG_SUCCESS, std::move(outgoing)};
}

SignalResult<Bytes> LibsignalParty::decrypt(MessageType type, ByteView message) {
    signal_buffer* raw_plaintext = nullptr;
    int status = SG_SUCCESS;
    if (type == MessageType::signal_message) {
        signal_message* raw = nullptr;
        status = signal_message_deserialize(&raw, message.data(), message.size(), state_->context);
        if (status < 0)
            return {status, {}};
        SignalPointer<signal_message> parsed(raw);
        status = session_cipher_decrypt_signal_message(state_->cipher, parsed.get(), nullptr,
                                                       &raw_plaintext);
    } else if (type == MessageType::prekey_message) {
        pre_key_signal_message* raw = nullptr;
        status = pre_key_signal_message_deserialize(&raw, message.data(), message.size(),
                                                    state_->context);
        if (status < 0)
            return {status, {}};
        SignalPointer<pre_key_signal_message> parsed(raw);
        status = session_cipher_decrypt_pre_key_signal_message(state_->cipher, parsed.get(),
                                                               nullptr, &raw_plaintext);
    } else {
        return {SG_ERR_INVAL, {}};
    }
    if (status < 0)
        return {status, {}};
    BufferPointer plaintext(raw_plaintext);
    return {SG_SUCCESS, to_bytes(plaintext.get())};
}

ByteView LibsignalParty::stored_session_record() const {
    const auto found = state_->sessions.find(address_key(&state_->address));
    if (found == state_->sessions.end())
        return {};
    return found->second;
}

SignalResult<Bytes> LibsignalParty::round_trip_session_record() const {
    const ByteView stored = stored_session_record();
    ::session_record* raw = nullptr;
    int status = session_record_deserialize(&raw, stored.data(), stored.size(), state_->context);
    if (status < 0)
        return {status, {}};
    SignalPointer<::session_record> record(raw);
    signal_buffer* raw_serialized = nullptr;
    if ((status = session_record_serialize(&raw_serialized, record.get())) < 0)
        return {status, {}};
    BufferPointer serialized(raw_serialized);
    return {SG_SUCCESS, to_bytes(serialized.get())};
}

std::optional<LibsignalParty::SessionPublicKeys> LibsignalParty::current_session_keys() const {
    const ByteView stored = stored_session_record();
    if (stored.empty())
        return std::nullopt;
    ::session_record* raw = nullptr;
    if (session_record_deserialize(&raw, stored.data(), stored.size(), state_->context) < 0)
        return std::nullopt;
    SignalPointer<::session_record> record(raw);
    const session_state* state = session_record_get_state(record.get());
    if (state == nullptr || session_state_has_sender_chain(state) == 0)
        return std::nullopt;
    auto sending = public_key_of<role::Ratchet>(session_state_get_sender_ratchet_key(state));
    auto base = public_key_of<role::Base>(session_state_get_alice_base_key(state));
    if (!sending.ok() || !base.ok())
        return std::nullopt;
    return SessionPublicKeys{sending.value.u, base.value.u};
}

Bytes LibsignalParty::snapshot() const {
    // Length-prefixed parts, so that moving bytes between parts changes the snapshot.
    Bytes out;
    const auto append = [&out](ByteView part) {
        for (int shift = 24; shift >= 0; shift -= 8)
            out.push_back(static_cast<std::uint8_t>(part.size() >> shift));
        out.insert(out.end(), part.begin(), part.end());
    };
    append(stored_session_record());
    for (const auto& [id, record] : state_->prekeys) {
        const std::array<std::uint8_t, 4> id_bytes = {
            static_cast<std::uint8_t>(id >> 24), static_cast<std::uint8_t>(id >> 16),
            static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
        append(id_bytes);
        append(record);
    }
    return out;
}

int LibsignalParty::replace_session_record(ByteView record) {
    ::session_record* raw = nullptr;
    const int status =
        session_record_deserialize(&raw, record.data(), record.size(), state_->context);
    if (status < 0)
        return status;
    SignalPointer<::session_record> parsed(raw);
    state_->sessions[address_key(&state_->address)] = Bytes(record.begin(), record.end());
    return SG_SUCCESS;
}

void LibsignalParty::forget_sessions() {
    state_->sessions.clear();
}

void LibsignalParty::republish_one_time_prekeys() {
    for (const auto& entry : state_->published_prekeys)
        state_->prekeys[entry.first] = entry.second;
}

}  // namespace ratchetcheck::peers
