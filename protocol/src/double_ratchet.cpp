// The Double Ratchet (Signal specification, Revision 1, §3) in libsignal's v3 instantiation:
// chain step HMAC(CK, 0x01)/HMAC(CK, 0x02), message keys from HKDF "WhisperMessageKeys",
// AES-256-CBC, 8-byte truncated HMAC-SHA256 over both identities and the message.
#include <algorithm>
#include <cstring>

#include "ratchetcheck/crypto/constant_time.hpp"
#include "ratchetcheck/crypto/primitives.hpp"
#include "session_state.hpp"

namespace ratchetcheck {
namespace {

constexpr std::uint8_t message_key_seed_input = 0x01;  // libsignal chain_key.c MESSAGE_KEY_SEED
constexpr std::uint8_t chain_key_seed_input = 0x02;    // libsignal chain_key.c CHAIN_KEY_SEED
constexpr std::string_view message_keys_info = "WhisperMessageKeys";
constexpr std::string_view root_info = "WhisperRatchet";

ByteView as_bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

ChainStep step_chain(const ChainKey& chain) {
    // The chain key's HMAC state is computed once for both outputs.
    const crypto::HmacSha256 chain_mac(chain.key.view());
    ChainStep step;
    SecretArray<32> seed;
    chain_mac.mac_into(seed.mutable_view(), {ByteView(&message_key_seed_input, 1)});
    chain_mac.mac_into(step.next.key.mutable_view(), {ByteView(&chain_key_seed_input, 1)});
    step.next.index = chain.index + 1;

    // libsignal message_keys: HKDF(seed, salt = 32 zero bytes, "WhisperMessageKeys", 80)
    //   = cipher key (32) || MAC key (32) || IV (16).
    SecretArray<80> expanded;
    if (!crypto::hkdf_sha256_zero_salt(seed.view(), as_bytes(message_keys_info),
                                       expanded.mutable_view())
             .ok()) {
        std::abort();  // 80 bytes is always within HKDF's limit
    }
    std::memcpy(step.message_keys.cipher_key.data(), expanded.data(), 32);
    std::memcpy(step.message_keys.mac_key.data(), expanded.data() + 32, 32);
    std::memcpy(step.message_keys.iv.data(), expanded.data() + 64, 16);
    step.message_keys.counter = chain.index;
    return step;
}

namespace {

// The 8-byte MAC of libsignal's SignalMessage: HMAC(mac key, sender identity || receiver
// identity || version || protobuf), truncated (SCHEMA.md §6.4).
crypto::Sha256Digest message_mac(const MessageKeys& keys, const IdentityPublicKey& sender,
                                 const IdentityPublicKey& receiver, ByteView body) {
    const SerializedPublicKey sender_bytes = sender.serialize();
    const SerializedPublicKey receiver_bytes = receiver.serialize();
    crypto::Sha256Digest tag;
    crypto::HmacSha256(keys.mac_key.view()).mac_into(tag, {sender_bytes, receiver_bytes, body});
    return tag;
}

}  // namespace

void kdf_root(const RootKey& root_key, const SecretArray<32>& dh_output, RootKey& next_root,
              ChainKey& next_chain) {
    SecretArray<64> expanded;
    if (!crypto::hkdf_sha256(dh_output.view(), root_key.key.view(), as_bytes(root_info),
                             expanded.mutable_view())
             .ok()) {
        std::abort();  // 64 bytes is always within HKDF's limit
    }
    std::memcpy(next_root.key.data(), expanded.data(), 32);
    std::memcpy(next_chain.key.data(), expanded.data() + 32, 32);
    next_chain.index = 0;
}

Result<OutgoingMessage> encrypt_with_session(SessionState& session, const Profile& profile,
                                             ByteView plaintext) {
    // Ns is a 32-bit protobuf field: refuse to wrap it rather than reuse a counter.
    if (session.sending_chain.index == UINT32_MAX)
        return Error::too_far_ahead;
    // AES-256-CBC through OpenSSL takes int lengths (crypto/primitives.hpp).
    if (plaintext.size() > crypto::aes256_cbc_max_plaintext_bytes)
        return Error::plaintext_too_large;
    // DR §3.4 RatchetEncrypt: CKs, mk = KDF_CK(CKs); header(DHs, PN, Ns); Ns += 1.
    ChainStep step = step_chain(session.sending_chain);
    const Bytes ciphertext = crypto::aes256_cbc_encrypt(step.message_keys.cipher_key.view(),
                                                        step.message_keys.iv.view(), plaintext);
    Bytes message = wire::serialize_signal_message_body(
        wire::version_byte(profile), session.sending_ratchet_key.public_key,
        session.sending_chain.index, session.previous_counter, ciphertext);
    const crypto::Sha256Digest tag =
        message_mac(step.message_keys, session.local_identity, session.remote_identity, message);
    message.insert(message.end(), tag.begin(),
                   tag.begin() + static_cast<std::ptrdiff_t>(profile.mac_bytes));
    constant_time::declassify_sent_mac(ByteView(message).last(profile.mac_bytes));

    OutgoingMessage outgoing;
    if (session.pending_prekey) {
        // X3DH §3.3: the initial message carries IK_A, EK_A and the prekey ids; libsignal repeats
        // it on every message until the responder has answered.
        const PendingPreKey& pending = *session.pending_prekey;
        outgoing.type = MessageType::prekey_message;
        std::optional<wire::KyberPreKeyReference> kyber;
        if (pending.kyber)  // PQXDH §3.3: the Kyber prekey id and ciphertext, on every repeat
            kyber = wire::KyberPreKeyReference{pending.kyber->id, &pending.kyber->ciphertext};
        outgoing.bytes = wire::serialize_prekey_signal_message(
            wire::version_byte(profile), pending.one_time_prekey_id, pending.signed_prekey_id,
            pending.base_key, session.local_identity, session.local_registration_id, message,
            kyber);
    } else {
        outgoing.type = MessageType::signal_message;
        outgoing.bytes = std::move(message);
    }
    session.sending_chain = std::move(step.next);
    return outgoing;
}

struct StagedDecrypt {
    SecureBytes plaintext;
    // Where the message key came from: an existing receiving chain (by position), or a new one
    // made by a DH ratchet step (DR §3.5 DHRatchet).
    std::optional<std::size_t> chain_position;
    std::optional<std::uint32_t> consumed_skipped_counter;  // a stored skipped key was used
    std::optional<ChainKey> advanced_chain_key;             // the chain moved forward
    std::vector<MessageKeys> newly_skipped;                 // keys of messages jumped over
    // DH step only:
    RatchetPublicKey new_sender_ratchet_key;
    RootKey root_after_receive;  // RK after the receiving half of the step
};

DecryptOutcome::DecryptOutcome() = default;
DecryptOutcome::DecryptOutcome(DecryptOutcome&&) noexcept = default;
DecryptOutcome& DecryptOutcome::operator=(DecryptOutcome&&) noexcept = default;
DecryptOutcome::~DecryptOutcome() = default;
DecryptOutcome::DecryptOutcome(std::unique_ptr<StagedDecrypt> staged)
    : staged_(std::move(staged)) {}

Result<DecryptOutcome> stage_decrypt(const SessionState& session, const Profile& profile,
                                     const wire::SignalMessage& message) {
    auto staged = std::make_unique<StagedDecrypt>();

    // Find the receiving chain of the sender's ratchet key, newest first.
    const ReceivingChain* chain = nullptr;
    for (std::size_t position = session.receiving_chains.size(); position-- > 0;) {
        if (session.receiving_chains[position].sender_ratchet_key == message.ratchet_key) {
            chain = &session.receiving_chains[position];
            staged->chain_position = position;
            break;
        }
    }

    ChainKey start;
    if (chain != nullptr) {
        start = chain->chain_key.clone();
    } else {
        // DR §3.5 DHRatchet, receiving half: RK, CKr = KDF_RK(RK, DH(DHs, DHr)). The sending
        // half (new DHs) waits until the message has authenticated, so a forgery costs no key.
        auto shared = agree(session.sending_ratchet_key, message.ratchet_key);
        if (!shared.ok())
            return shared.error();
        kdf_root(session.root_key, shared.value(), staged->root_after_receive, start);
        staged->new_sender_ratchet_key = message.ratchet_key;
    }

    MessageKeys keys;
    if (message.counter < start.index) {
        // DR §3.5 TrySkippedMessageKeys: a key below the chain index exists only if stored.
        if (chain == nullptr)
            return Error::duplicate;  // unreachable: a new chain starts at 0
        const auto stored =
            std::lower_bound(chain->skipped.begin(), chain->skipped.end(), message.counter,
                             [](const MessageKeys& entry, std::uint32_t counter) {
                                 return entry.counter < counter;
                             });
        if (stored == chain->skipped.end() || stored->counter != message.counter) {
            return Error::duplicate;
        }
        keys = stored->clone();
        staged->consumed_skipped_counter = message.counter;
    } else {
        // DR §3.5 SkipMessageKeys: refuse jumps beyond MAX_SKIP before deriving anything.
        if (message.counter - start.index > profile.max_forward_jump)
            return Error::too_far_ahead;
        ChainKey current = std::move(start);
        staged->newly_skipped.reserve(message.counter - current.index);
        while (current.index < message.counter) {
            ChainStep step = step_chain(current);
            staged->newly_skipped.push_back(std::move(step.message_keys));
            current = std::move(step.next);
        }
        ChainStep step = step_chain(current);
        keys = std::move(step.message_keys);
        staged->advanced_chain_key = std::move(step.next);
    }

    // Authenticate before anything else is believed (DR §3.5: state changes only on success):
    // decryption takes only the AuthenticatedCiphertext that verify_mac returns.
    const SerializedPublicKey sender_bytes = session.remote_identity.serialize();
    const SerializedPublicKey receiver_bytes = session.local_identity.serialize();
    auto authenticated = crypto::verify_mac(
        keys.mac_key.view(), {sender_bytes, receiver_bytes, message.authenticated_bytes},
        message.mac, message.ciphertext);
    if (!authenticated.ok())
        return authenticated.error();
    // The chain's next index would be counter + 1: for counter 2^32 - 1 that wraps to 0, below
    // the skipped keys it keeps. Refused as encrypt_with_session refuses to send with that
    // counter (docs/decisions.md D4), so no Party ever sends it. After the MAC check: only the
    // holder of the chain key gets here, and a forgery stays authentication_failed, the opaque
    // rejection the model predicts (no sent message has that counter).
    if (message.counter == UINT32_MAX)
        return Error::too_far_ahead;
    auto plaintext =
        crypto::aes256_cbc_decrypt(keys.cipher_key.view(), keys.iv.view(), authenticated.value());
    if (!plaintext.ok())
        return plaintext.error();
    staged->plaintext = std::move(plaintext).value();
    constant_time::declassify_authenticated_plaintext(staged->plaintext);
    return DecryptOutcome(std::move(staged));
}

namespace {

// Enforces the skipped-key bounds: per chain, then in total, dropping the oldest keys first
// (libsignal drops the head of a chain's list beyond MAX_MESSAGE_KEYS).
void enforce_skipped_bounds(SessionState& session, const Profile& profile) {
    for (ReceivingChain& chain : session.receiving_chains) {
        if (chain.skipped.size() > profile.max_skipped_keys_per_chain) {
            const std::size_t excess = chain.skipped.size() - profile.max_skipped_keys_per_chain;
            chain.skipped.erase(chain.skipped.begin(),
                                chain.skipped.begin() + static_cast<std::ptrdiff_t>(excess));
        }
    }
    std::size_t total = session.skipped_key_count();
    for (ReceivingChain& chain : session.receiving_chains) {
        if (total <= profile.max_skipped_keys_total)
            break;
        const std::size_t drop =
            std::min(chain.skipped.size(), total - profile.max_skipped_keys_total);
        chain.skipped.erase(chain.skipped.begin(),
                            chain.skipped.begin() + static_cast<std::ptrdiff_t>(drop));
        total -= drop;
    }
}

void append_skipped(ReceivingChain& chain, std::vector<MessageKeys>& keys) {
    chain.skipped.insert(chain.skipped.end(), std::make_move_iterator(keys.begin()),
                         std::make_move_iterator(keys.end()));
}

}  // namespace

Result<SecureBytes> commit_decrypt(SessionState& session, const Profile& profile,
                                   KeySource& key_source, DecryptOutcome outcome) {
    StagedDecrypt& staged = outcome.staged();
    if (!staged.chain_position) {
        // DR §3.5 DHRatchet, sending half: DHs = GENERATE_DH(); RK, CKs = KDF_RK(RK, DH(DHs, DHr)).
        // Everything that can fail happens before the session is touched.
        auto next_ratchet = new_key_pair<role::Ratchet>(key_source, KeyRole::ratchet);
        if (!next_ratchet.ok())
            return next_ratchet.error();
        auto shared = agree(next_ratchet.value(), staged.new_sender_ratchet_key);
        if (!shared.ok())
            return shared.error();
        RootKey next_root;
        ChainKey next_sending;
        kdf_root(staged.root_after_receive, shared.value(), next_root, next_sending);

        // libsignal: PN = max(Ns - 1, 0) of the chain being replaced (SCHEMA.md §6.3).
        session.previous_counter =
            session.sending_chain.index == 0 ? 0 : session.sending_chain.index - 1;
        session.root_key = std::move(next_root);
        session.sending_ratchet_key = std::move(next_ratchet).value();
        session.sending_chain = std::move(next_sending);

        ReceivingChain chain;
        chain.sender_ratchet_key = staged.new_sender_ratchet_key;
        chain.chain_key = std::move(*staged.advanced_chain_key);
        append_skipped(chain, staged.newly_skipped);
        session.receiving_chains.push_back(std::move(chain));
        if (session.receiving_chains.size() > profile.max_receiving_chains) {
            const std::size_t excess =
                session.receiving_chains.size() - profile.max_receiving_chains;
            session.receiving_chains.erase(
                session.receiving_chains.begin(),
                session.receiving_chains.begin() + static_cast<std::ptrdiff_t>(excess));
        }
    } else {
        ReceivingChain& chain = session.receiving_chains[*staged.chain_position];
        if (staged.consumed_skipped_counter) {
            // DR §3.5: a stored key is deleted once used.
            const auto used = std::lower_bound(chain.skipped.begin(), chain.skipped.end(),
                                               *staged.consumed_skipped_counter,
                                               [](const MessageKeys& entry, std::uint32_t counter) {
                                                   return entry.counter < counter;
                                               });
            chain.skipped.erase(used);
        } else {
            chain.chain_key = std::move(*staged.advanced_chain_key);
            append_skipped(chain, staged.newly_skipped);
        }
    }
    enforce_skipped_bounds(session, profile);
    // The peer has answered: stop wrapping messages in PreKeySignalMessages.
    session.pending_prekey.reset();
    return std::move(staged.plaintext);
}

}  // namespace ratchetcheck
