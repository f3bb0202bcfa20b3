// Party: the per-participant layer above the Double Ratchet — trust, prekey stores, the current
// and archived sessions — in the shape of libsignal's SessionBuilder/SessionCipher/SessionRecord.
#include "ratchetcheck/party.hpp"

#include "ratchetcheck/crypto/kyber.hpp"
#include "ratchetcheck/crypto/xeddsa.hpp"
#include "session_state.hpp"

namespace ratchetcheck {

std::size_t SessionState::skipped_key_count() const {
    std::size_t total = 0;
    for (const ReceivingChain& chain : receiving_chains)
        total += chain.skipped.size();
    return total;
}

SessionView SessionState::view() const {
    SessionView view;
    view.sending_ratchet_key = sending_ratchet_key.public_key;
    view.sending_index = sending_chain.index;
    view.previous_counter = previous_counter;
    view.pending_prekey = pending_prekey.has_value();
    if (pending_prekey && pending_prekey->kyber)
        view.pending_kyber_prekey_id = pending_prekey->kyber->id;
    view.base_key = base_key;
    for (const ReceivingChain& chain : receiving_chains) {
        ReceivingChainView chain_view{chain.sender_ratchet_key, chain.chain_key.index, {}};
        for (const MessageKeys& keys : chain.skipped)
            chain_view.skipped.push_back(keys.counter);
        view.receiving_chains.push_back(std::move(chain_view));
    }
    return view;
}

namespace {
// A profile whose tag length is outside 1..32 bytes (a SHA-256 output), or whose name is longer
// than the state format's one-byte length can say (its state would never load), is a programming
// error.
void require_valid_profile(const Profile& profile) {
    if (profile.mac_bytes == 0 || profile.mac_bytes > crypto::sha256_bytes ||
        profile.name.size() > Profile::max_name_bytes)
        std::abort();
}
}  // namespace

Party::Party(IdentityKeyPair identity, std::uint32_t registration_id,
             std::optional<IdentityPublicKey> trusted_peer_identity, KeySource& key_source,
             Profile profile)
    : state_(std::make_unique<PartyState>()) {
    require_valid_profile(profile);
    state_->profile = profile;
    state_->key_source = &key_source;
    state_->identity = std::move(identity);
    state_->registration_id = registration_id;
    state_->trusted_peer_identity = trusted_peer_identity;
}

Party::Party(std::unique_ptr<PartyState> state) : state_(std::move(state)) {
    require_valid_profile(state_->profile);
}
Party::~Party() = default;
Party::Party(Party&&) noexcept = default;
Party& Party::operator=(Party&&) noexcept = default;

void Party::add_signed_prekey(SignedPreKeyRecord record) {
    const std::uint32_t id = record.id;
    state_->signed_prekeys.insert_or_assign(id, std::move(record));
}

void Party::add_one_time_prekey(OneTimePreKeyRecord record) {
    const std::uint32_t id = record.id;
    state_->one_time_prekeys.insert_or_assign(id, std::move(record));
}

void Party::add_kyber_prekey(KyberPreKeyRecord record) {
    const std::uint32_t id = record.id;
    state_->kyber_prekeys.insert_or_assign(id, std::move(record));
}

const Profile* Profile::by_name(std::string_view profile_name) {
    static constexpr Profile v3 = Profile::signal_v3();
    static constexpr Profile v4 = Profile::signal_v4_pqxdh();
    if (profile_name == v3.name)
        return &v3;
    if (profile_name == v4.name)
        return &v4;
    return nullptr;
}

namespace {

bool is_trusted(const PartyState& party, const IdentityPublicKey& peer) {
    // Trust on first use when no identity was pinned at creation.
    return !party.trusted_peer_identity || *party.trusted_peer_identity == peer;
}

// Makes `session` current, archiving the previous current session (newest first, bounded).
void install_session(PartyState& party, SessionState session) {
    if (party.current) {
        party.archived.insert(party.archived.begin(), std::move(*party.current));
        if (party.archived.size() > party.profile.max_archived_sessions) {
            party.archived.resize(party.profile.max_archived_sessions);
        }
    }
    party.current = std::move(session);
}

// Errors that libsignal treats as "this session cannot decrypt it, try the next one"
// (SG_ERR_INVALID_MESSAGE); any other error ends the search at once.
bool try_next_session_after(Error error) {
    return error == Error::authentication_failed || error == Error::too_far_ahead ||
           error == Error::bad_version;
}

// Decrypts with the current session, then each archived one (libsignal
// decrypt_from_record_and_signal_message); an archived session that succeeds becomes current.
// With `only_base_key`, sessions of any other base key are not tried (libsignal 0.75+ decrypts a
// PreKeySignalMessage under the session it names only; docs/decisions.md E79).
Result<SecureBytes> decrypt_with_sessions(PartyState& party, const wire::SignalMessage& message,
                                          const BasePublicKey* only_base_key = nullptr) {
    if (!party.current)
        return Error::no_session;
    std::optional<Error> first_error;
    const std::size_t candidates = 1 + party.archived.size();
    for (std::size_t candidate = 0; candidate < candidates; ++candidate) {
        SessionState& session = candidate == 0 ? *party.current : party.archived[candidate - 1];
        if (only_base_key != nullptr && !(session.base_key == *only_base_key))
            continue;
        auto staged = stage_decrypt(session, party.profile, message);
        if (!staged.ok()) {
            if (!first_error)
                first_error = staged.error();
            if (!try_next_session_after(staged.error()))
                return *first_error;
            continue;
        }
        auto plaintext =
            commit_decrypt(session, party.profile, *party.key_source, std::move(staged).value());
        if (!plaintext.ok())
            return plaintext.error();
        if (candidate > 0) {
            SessionState promoted = std::move(party.archived[candidate - 1]);
            party.archived.erase(party.archived.begin() +
                                 static_cast<std::ptrdiff_t>(candidate - 1));
            install_session(party, std::move(promoted));
        }
        return plaintext;
    }
    // No candidate at all is only possible with an `only_base_key` no session has.
    return first_error.value_or(Error::no_session);
}

// After a PreKeySignalMessage started a session: X3DH §3.4 deletes the one-time prekey it named,
// PQXDH §3.4 the one-time Kyber prekey (a last-resort one is kept, as libsignal's application
// keeps it), and a trust-on-first-use identity is pinned.
void finish_prekey_message(PartyState& party, const wire::PreKeySignalMessage& message) {
    if (message.one_time_prekey_id)
        party.one_time_prekeys.erase(*message.one_time_prekey_id);
    if (message.kyber_prekey_id) {
        const auto found = party.kyber_prekeys.find(*message.kyber_prekey_id);
        if (found != party.kyber_prekeys.end() && !found->second.last_resort)
            party.kyber_prekeys.erase(found);
    }
    party.trusted_peer_identity = message.identity_key;
}

bool has_session_with_base_key(const PartyState& party, const BasePublicKey& base_key) {
    if (party.current && party.current->base_key == base_key)
        return true;
    for (const SessionState& session : party.archived) {
        if (session.base_key == base_key)
            return true;
    }
    return false;
}

}  // namespace

Result<void> Party::initiate_session(const PreKeyBundle& bundle) {
    if (!is_trusted(*state_, bundle.identity_key))
        return Error::untrusted_identity;
    auto session = x3dh_initiate(*state_, bundle);
    if (!session.ok())
        return session.error();
    install_session(*state_, std::move(session).value());
    state_->trusted_peer_identity = bundle.identity_key;
    return {};
}

Result<OutgoingMessage> Party::encrypt(ByteView plaintext) {
    if (!state_->current)
        return Error::no_session;
    return encrypt_with_session(*state_->current, state_->profile, plaintext);
}

Result<SecureBytes> Party::decrypt(MessageType type, ByteView message) {
    const std::uint8_t version = state_->profile.message_version;
    if (type == MessageType::signal_message) {
        auto parsed = wire::parse_signal_message(message, version, state_->profile.mac_bytes);
        if (!parsed.ok())
            return parsed.error();
        return decrypt_with_sessions(*state_, parsed.value());
    }
    if (type != MessageType::prekey_message)
        return Error::malformed;

    auto parsed = wire::parse_prekey_signal_message(message, version, state_->profile.mac_bytes,
                                                    state_->profile.key_agreement);
    if (!parsed.ok())
        return parsed.error();
    const wire::PreKeySignalMessage& prekey_message = parsed.value();
    if (!is_trusted(*state_, prekey_message.identity_key))
        return Error::untrusted_identity;

    // SCHEMA.md §6.5: a PreKeySignalMessage from a base key we already have a session for is just
    // a message of that session (a repeat or a replay).
    if (has_session_with_base_key(*state_, prekey_message.base_key)) {
        return decrypt_with_sessions(*state_, prekey_message.message,
                                     state_->profile.prekey_message_tries_every_session
                                         ? nullptr
                                         : &prekey_message.base_key);
    }

    // X3DH §3.4 on a new session; kept only if the embedded message authenticates under it.
    auto session = x3dh_respond(*state_, prekey_message);
    if (!session.ok())
        return session.error();
    auto staged = stage_decrypt(session.value(), state_->profile, prekey_message.message);
    if (!staged.ok()) {
        // The PreKeySignalMessage's outer fields are not authenticated: a message of an existing
        // session whose base key was altered in transit lands here. libsignal then tries its
        // existing sessions and accepts the message; so do we, so that no valid message is lost
        // to an alteration of unauthenticated bytes. Unlike libsignal we do not keep the
        // throwaway session in the archive (docs/decisions.md D6). libsignal 0.75+ (signal-v4)
        // tries no other session: the altered message is refused, the genuine one still decrypts
        // (E79).
        if (!state_->profile.prekey_message_tries_every_session ||
            !try_next_session_after(staged.error()) || !state_->current)
            return staged.error();
        // The one-time prekey id is as unauthenticated as the base key: the session that
        // decrypted the message has no claim on it, so nothing else changes (decisions D6).
        return decrypt_with_sessions(*state_, prekey_message.message);
    }
    auto plaintext = commit_decrypt(session.value(), state_->profile, *state_->key_source,
                                    std::move(staged).value());
    if (!plaintext.ok())
        return plaintext.error();

    // Success: the new session becomes current.
    install_session(*state_, std::move(session).value());
    finish_prekey_message(*state_, prekey_message);
    return plaintext;
}

StateView Party::view() const {
    StateView view;
    if (state_->current)
        view.current = state_->current->view();
    for (const SessionState& session : state_->archived)
        view.archived.push_back(session.view());
    for (const auto& entry : state_->one_time_prekeys)
        view.one_time_prekey_ids.push_back(entry.first);
    for (const auto& entry : state_->signed_prekeys)
        view.signed_prekey_ids.push_back(entry.first);
    for (const auto& [id, record] : state_->kyber_prekeys) {
        view.kyber_prekey_ids.push_back(id);
        if (record.last_resort)
            view.last_resort_kyber_prekey_ids.push_back(id);
    }
    return view;
}

IdentityPublicKey Party::identity_public_key() const {
    return state_->identity.public_key;
}
std::uint32_t Party::registration_id() const {
    return state_->registration_id;
}
const Profile& Party::profile() const {
    return state_->profile;
}

Result<IdentityKeyPair> generate_identity_key_pair(KeySource& key_source) {
    return new_key_pair<role::Identity>(key_source, KeyRole::identity);
}

Result<SignedPreKeyRecord> generate_signed_prekey(const IdentityKeyPair& identity, std::uint32_t id,
                                                  KeySource& key_source) {
    auto key_pair = new_key_pair<role::SignedPreKey>(key_source, KeyRole::signed_prekey);
    if (!key_pair.ok())
        return key_pair.error();
    SignedPreKeyRecord record{id, std::move(key_pair).value(), {}};
    // X3DH §3.2: Sig(IK_B, Encode(SPK_B)), with libsignal's 33-byte encoding.
    record.signature =
        crypto::xeddsa_sign(identity.private_key, record.key_pair.public_key.serialize());
    return record;
}

Result<OneTimePreKeyRecord> generate_one_time_prekey(std::uint32_t id, KeySource& key_source) {
    auto key_pair = new_key_pair<role::OneTimePreKey>(key_source, KeyRole::one_time_prekey);
    if (!key_pair.ok())
        return key_pair.error();
    return OneTimePreKeyRecord{id, std::move(key_pair).value()};
}

Result<KyberPreKeyRecord> generate_kyber_prekey(const IdentityKeyPair& identity, std::uint32_t id,
                                                bool last_resort, KeySource& key_source) {
    SecretArray<crypto::kyber1024_key_pair_randomness_bytes> randomness;
    RATCHETCHECK_TRY(
        key_source.fill_secret_random(RandomPurpose::kyber_key_pair, randomness.mutable_view()));
    auto key_pair = crypto::kyber1024_generate_key_pair(randomness.view());
    if (!key_pair.ok())
        return key_pair.error();
    KyberPreKeyRecord record{
        id, key_pair.value().public_key, std::move(key_pair.value().secret_key), {}, last_resort};
    // PQXDH §3.2: Sig(IK_B, EncodeKEM(PQPK_B)), with libsignal's 0x08 || key encoding.
    record.signature =
        crypto::xeddsa_sign(identity.private_key, serialize_kyber_public_key(record.public_key));
    return record;
}

PreKeyBundle make_prekey_bundle(std::uint32_t registration_id, std::uint32_t device_id,
                                const IdentityPublicKey& identity,
                                const SignedPreKeyRecord& signed_prekey,
                                const OneTimePreKeyRecord* one_time_prekey,
                                const KyberPreKeyRecord* kyber_prekey) {
    PreKeyBundle bundle;
    bundle.registration_id = registration_id;
    bundle.device_id = device_id;
    bundle.identity_key = identity;
    bundle.signed_prekey_id = signed_prekey.id;
    bundle.signed_prekey = signed_prekey.key_pair.public_key;
    bundle.signed_prekey_signature = signed_prekey.signature;
    if (one_time_prekey != nullptr) {
        bundle.one_time_prekey =
            PreKeyBundle::OneTimePreKey{one_time_prekey->id, one_time_prekey->key_pair.public_key};
    }
    if (kyber_prekey != nullptr) {
        bundle.kyber_prekey = PreKeyBundle::KyberPreKey{kyber_prekey->id, kyber_prekey->public_key,
                                                        kyber_prekey->signature};
    }
    return bundle;
}

}  // namespace ratchetcheck
