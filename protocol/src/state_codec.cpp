// The versioned binary form of a Party's state (docs/state-format.md). Every count is checked
// against the profile's bounds and against the bytes that remain, so a corrupt or hostile state
// gives Error::corrupt_state and never a large allocation or an out-of-bounds read.
#include <algorithm>
#include <cstring>

#include "ratchetcheck/wire/byte_reader.hpp"
#include "session_state.hpp"

namespace ratchetcheck {
namespace {

constexpr std::array<std::uint8_t, 4> magic = {'R', 'C', 'S', 'T'};
constexpr std::uint8_t format_version = 1;

// Sizes of the smallest encodings, used to bound counts by the remaining input.
constexpr std::size_t key_pair_bytes = 64;
constexpr std::size_t message_keys_bytes = 4 + 32 + 32 + 16;
constexpr std::size_t minimum_chain_bytes = 32 + 32 + 4 + 4;
constexpr std::size_t minimum_session_bytes =
    32 * 2 + 8 + 32 + key_pair_bytes + 36 + 4 + 1 + 32 + 4;
constexpr std::size_t kyber_prekey_bytes =
    4 + 1 + crypto::kyber1024_public_key_bytes + crypto::kyber1024_secret_key_bytes + 64;

using Writer = wire::SecureByteWriter;

void write_public(Writer& writer, const auto& public_key) {
    writer.write_bytes(public_key.u);
}
template <std::size_t N>
void write_secret(Writer& writer, const SecretArray<N>& secret) {
    writer.write_bytes(secret.view());
}
void write_key_pair(Writer& writer, const auto& key_pair) {
    write_public(writer, key_pair.public_key);
    write_secret(writer, key_pair.private_key);
}
void write_chain_key(Writer& writer, const ChainKey& chain) {
    write_secret(writer, chain.key);
    writer.write_u32_be(chain.index);
}

void write_session(Writer& writer, const SessionState& session) {
    write_public(writer, session.local_identity);
    write_public(writer, session.remote_identity);
    writer.write_u32_be(session.local_registration_id);
    writer.write_u32_be(session.remote_registration_id);
    write_secret(writer, session.root_key.key);
    write_key_pair(writer, session.sending_ratchet_key);
    write_chain_key(writer, session.sending_chain);
    writer.write_u32_be(session.previous_counter);
    writer.write_byte(session.pending_prekey ? 1 : 0);
    if (session.pending_prekey) {
        const PendingPreKey& pending = *session.pending_prekey;
        writer.write_byte(pending.one_time_prekey_id ? 1 : 0);
        writer.write_u32_be(pending.one_time_prekey_id.value_or(0));
        writer.write_u32_be(pending.signed_prekey_id);
        write_public(writer, pending.base_key);
        // PQXDH profiles only: the Kyber prekey id and ciphertext every repeat carries (a PQXDH
        // session always has them; a signal-v3 state has no such bytes at all).
        if (pending.kyber) {
            writer.write_u32_be(pending.kyber->id);
            writer.write_bytes(pending.kyber->ciphertext.view());
        }
    }
    write_public(writer, session.base_key);
    writer.write_u32_be(static_cast<std::uint32_t>(session.receiving_chains.size()));
    for (const ReceivingChain& chain : session.receiving_chains) {
        write_public(writer, chain.sender_ratchet_key);
        write_chain_key(writer, chain.chain_key);
        writer.write_u32_be(static_cast<std::uint32_t>(chain.skipped.size()));
        for (const MessageKeys& keys : chain.skipped) {
            writer.write_u32_be(keys.counter);
            write_secret(writer, keys.cipher_key);
            write_secret(writer, keys.mac_key);
            write_secret(writer, keys.iv);
        }
    }
}

// Reader wraps ByteReader so that each field read is one line and a short input sets `failed`.
class Reader {
  public:
    explicit Reader(ByteView input) : reader_(input) {}
    bool failed = false;

    std::uint8_t byte() {
        const auto value = reader_.read_byte();
        if (!value)
            failed = true;
        return value.value_or(0);
    }
    std::uint32_t u32() {
        const auto value = reader_.read_u32_be();
        if (!value)
            failed = true;
        return value.value_or(0);
    }
    bool flag() {
        const std::uint8_t value = byte();
        if (value > 1)
            failed = true;
        return value == 1;
    }
    template <std::size_t N>
    void fixed(std::array<std::uint8_t, N>& output) {
        if (!reader_.read_fixed(output))
            failed = true;
    }
    template <std::size_t N>
    void secret(SecretArray<N>& output) {
        if (!reader_.read_fixed(output.mutable_view()))
            failed = true;
    }
    template <typename Role>
    void public_key(PublicKey<Role>& key) {
        fixed(key.u);
    }
    template <typename Role>
    void key_pair(KeyPair<Role>& pair) {
        public_key(pair.public_key);
        secret(pair.private_key);
    }
    void chain_key(ChainKey& chain) {
        secret(chain.key);
        chain.index = u32();
    }
    // count reads a 32-bit count and fails unless it is at most `limit` and `count` entries of at
    // least `entry_bytes` each could still fit in the input.
    std::size_t count(std::size_t limit, std::size_t entry_bytes) {
        const std::uint32_t value = u32();
        if (value > limit || value > reader_.remaining() / entry_bytes)
            failed = true;
        return failed ? 0 : value;
    }
    bool at_end() const { return reader_.empty(); }
    ByteView rest(std::size_t count) {
        const auto bytes = reader_.read_bytes(count);
        if (!bytes)
            failed = true;
        return bytes.value_or(ByteView{});
    }

  private:
    wire::ByteReader reader_;
};

bool read_session(Reader& reader, const Profile& profile, SessionState& session) {
    reader.public_key(session.local_identity);
    reader.public_key(session.remote_identity);
    session.local_registration_id = reader.u32();
    session.remote_registration_id = reader.u32();
    reader.secret(session.root_key.key);
    reader.key_pair(session.sending_ratchet_key);
    reader.chain_key(session.sending_chain);
    session.previous_counter = reader.u32();
    if (reader.flag()) {
        PendingPreKey pending;
        const bool has_one_time = reader.flag();
        const std::uint32_t one_time_id = reader.u32();
        if (has_one_time)
            pending.one_time_prekey_id = one_time_id;
        else if (one_time_id != 0)
            reader.failed = true;  // written as 0: one byte string per state (session_state fuzz)
        pending.signed_prekey_id = reader.u32();
        reader.public_key(pending.base_key);
        if (profile.key_agreement == KeyAgreement::pqxdh) {
            const std::uint32_t kyber_id = reader.u32();
            std::array<std::uint8_t, crypto::kyber1024_ciphertext_bytes> ciphertext{};
            reader.fixed(ciphertext);
            pending.kyber = PendingPreKey::Kyber{kyber_id, crypto::KyberCiphertext(ciphertext)};
        }
        session.pending_prekey = pending;
    }
    reader.public_key(session.base_key);
    const std::size_t chains = reader.count(profile.max_receiving_chains, minimum_chain_bytes);
    std::size_t total_skipped = 0;
    for (std::size_t index = 0; index < chains && !reader.failed; ++index) {
        ReceivingChain chain;
        reader.public_key(chain.sender_ratchet_key);
        reader.chain_key(chain.chain_key);
        const std::size_t skipped =
            reader.count(profile.max_skipped_keys_per_chain, message_keys_bytes);
        total_skipped += skipped;
        for (std::size_t key_index = 0; key_index < skipped && !reader.failed; ++key_index) {
            MessageKeys keys;
            keys.counter = reader.u32();
            reader.secret(keys.cipher_key);
            reader.secret(keys.mac_key);
            reader.secret(keys.iv);
            // Skipped counters are strictly ascending and below the chain's next index.
            const bool ordered =
                chain.skipped.empty() || chain.skipped.back().counter < keys.counter;
            if (!ordered || keys.counter >= chain.chain_key.index)
                reader.failed = true;
            chain.skipped.push_back(std::move(keys));
        }
        session.receiving_chains.push_back(std::move(chain));
    }
    if (total_skipped > profile.max_skipped_keys_total)
        reader.failed = true;
    return !reader.failed;
}

// The Kyber prekeys of a PQXDH state: ids strictly ascending, as serialize() writes them.
void read_kyber_prekeys(Reader& reader, PartyState& state) {
    const std::size_t count = reader.count(SIZE_MAX, kyber_prekey_bytes);
    for (std::size_t index = 0; index < count && !reader.failed; ++index) {
        const std::uint32_t id = reader.u32();
        const bool last_resort = reader.flag();
        std::array<std::uint8_t, crypto::kyber1024_public_key_bytes> public_key{};
        reader.fixed(public_key);
        SecretArray<crypto::kyber1024_secret_key_bytes> secret_key;
        reader.secret(secret_key);
        std::array<std::uint8_t, 64> signature{};
        reader.fixed(signature);
        if (reader.failed ||
            (!state.kyber_prekeys.empty() && id <= state.kyber_prekeys.rbegin()->first)) {
            reader.failed = true;
            break;
        }
        state.kyber_prekeys.emplace_hint(
            state.kyber_prekeys.end(), id,
            KyberPreKeyRecord{id, crypto::KyberPublicKey(public_key),
                              crypto::KyberSecretKey(std::move(secret_key)), signature,
                              last_resort});
    }
}

}  // namespace

namespace {

// An upper estimate of the serialized size, so the wiping buffer is allocated once (growing it
// re-allocates and wipes each time, which dominated the cost of a save).
std::size_t estimated_size(const PartyState& party) {
    auto session_size = [](const SessionState& session) {
        std::size_t size = minimum_session_bytes + 64 + 4 + crypto::kyber1024_ciphertext_bytes;
        for (const ReceivingChain& chain : session.receiving_chains) {
            size += minimum_chain_bytes + chain.skipped.size() * message_keys_bytes;
        }
        return size;
    };
    std::size_t size = 64 + party.profile.name.size() + key_pair_bytes + 32 +
                       party.signed_prekeys.size() * (4 + key_pair_bytes + 64) +
                       party.one_time_prekeys.size() * (4 + key_pair_bytes) +
                       party.kyber_prekeys.size() * kyber_prekey_bytes;
    if (party.current)
        size += session_size(*party.current);
    for (const SessionState& session : party.archived)
        size += session_size(session);
    return size;
}

}  // namespace

SecureBytes Party::serialize() const {
    const PartyState& party = *state_;
    Writer writer;
    writer.reserve(estimated_size(party));
    writer.write_bytes(magic);
    writer.write_byte(format_version);
    // Fits: Party refuses a profile whose name is longer than Profile::max_name_bytes.
    writer.write_byte(static_cast<std::uint8_t>(party.profile.name.size()));
    writer.write_bytes({reinterpret_cast<const std::uint8_t*>(party.profile.name.data()),
                        party.profile.name.size()});
    writer.write_u32_be(party.registration_id);
    write_key_pair(writer, party.identity);
    writer.write_byte(party.trusted_peer_identity ? 1 : 0);
    if (party.trusted_peer_identity)
        write_public(writer, *party.trusted_peer_identity);
    writer.write_u32_be(static_cast<std::uint32_t>(party.signed_prekeys.size()));
    for (const auto& [id, record] : party.signed_prekeys) {
        writer.write_u32_be(id);
        write_key_pair(writer, record.key_pair);
        writer.write_bytes(record.signature);
    }
    writer.write_u32_be(static_cast<std::uint32_t>(party.one_time_prekeys.size()));
    for (const auto& [id, record] : party.one_time_prekeys) {
        writer.write_u32_be(id);
        write_key_pair(writer, record.key_pair);
    }
    // PQXDH profiles only (a signal-v3 state keeps its format byte for byte): the Kyber prekeys.
    if (party.profile.key_agreement == KeyAgreement::pqxdh) {
        writer.write_u32_be(static_cast<std::uint32_t>(party.kyber_prekeys.size()));
        for (const auto& [id, record] : party.kyber_prekeys) {
            writer.write_u32_be(id);
            writer.write_byte(record.last_resort ? 1 : 0);
            writer.write_bytes(record.public_key.view());
            writer.write_bytes(record.secret_key.view());
            writer.write_bytes(record.signature);
        }
    }
    writer.write_byte(party.current ? 1 : 0);
    if (party.current)
        write_session(writer, *party.current);
    writer.write_u32_be(static_cast<std::uint32_t>(party.archived.size()));
    for (const SessionState& session : party.archived)
        write_session(writer, session);
    return writer.take();
}

Result<Party> Party::deserialize(ByteView serialized, KeySource& key_source, Profile profile) {
    Reader reader(serialized);
    std::array<std::uint8_t, 4> found_magic{};
    reader.fixed(found_magic);
    if (reader.failed || found_magic != magic || reader.byte() != format_version) {
        return Error::corrupt_state;
    }
    const std::uint8_t name_length = reader.byte();
    const ByteView name = reader.rest(name_length);
    if (reader.failed ||
        !std::equal(name.begin(), name.end(), profile.name.begin(), profile.name.end())) {
        return Error::corrupt_state;
    }

    auto state = std::make_unique<PartyState>();
    state->profile = profile;
    state->key_source = &key_source;
    state->registration_id = reader.u32();
    reader.key_pair(state->identity);
    if (reader.flag()) {
        IdentityPublicKey trusted;
        reader.public_key(trusted);
        state->trusted_peer_identity = trusted;
    }
    const std::size_t signed_count = reader.count(SIZE_MAX, 4 + key_pair_bytes + 64);
    for (std::size_t index = 0; index < signed_count && !reader.failed; ++index) {
        SignedPreKeyRecord record;
        record.id = reader.u32();
        reader.key_pair(record.key_pair);
        reader.fixed(record.signature);
        // Ids strictly ascending, the order serialize() writes: one byte string per state (the
        // session_state fuzz target found the same prekeys in another order loading).
        if (!state->signed_prekeys.empty() && record.id <= state->signed_prekeys.rbegin()->first) {
            reader.failed = true;
            break;
        }
        state->signed_prekeys.emplace_hint(state->signed_prekeys.end(), record.id,
                                           std::move(record));
    }
    const std::size_t one_time_count = reader.count(SIZE_MAX, 4 + key_pair_bytes);
    for (std::size_t index = 0; index < one_time_count && !reader.failed; ++index) {
        OneTimePreKeyRecord record;
        record.id = reader.u32();
        reader.key_pair(record.key_pair);
        if (!state->one_time_prekeys.empty() &&
            record.id <= state->one_time_prekeys.rbegin()->first) {
            reader.failed = true;
            break;
        }
        state->one_time_prekeys.emplace_hint(state->one_time_prekeys.end(), record.id,
                                             std::move(record));
    }
    if (profile.key_agreement == KeyAgreement::pqxdh)
        read_kyber_prekeys(reader, *state);
    if (reader.flag()) {
        SessionState session;
        if (read_session(reader, profile, session))
            state->current = std::move(session);
    }
    const std::size_t archived = reader.count(profile.max_archived_sessions, minimum_session_bytes);
    if (archived > 0 && !state->current)
        reader.failed = true;
    for (std::size_t index = 0; index < archived && !reader.failed; ++index) {
        SessionState session;
        if (read_session(reader, profile, session))
            state->archived.push_back(std::move(session));
    }
    if (reader.failed || !reader.at_end())
        return Error::corrupt_state;
    return Party(std::move(state));
}

}  // namespace ratchetcheck
