// Party::serialize / Party::deserialize (party.hpp, docs/state-format.md): byte-identical round
// trips, restored parties that keep talking, and corrupt_state for every truncation and every
// documented violation. The byte offsets that the corruptions target are found by a walker
// written from docs/state-format.md, not by the implementation's reader.
#include <gtest/gtest.h>

#include <algorithm>

#include "ratchetcheck/crypto/primitives.hpp"
#include "ratchetcheck/wire/byte_reader.hpp"
#include "unit_fixture.hpp"

namespace ratchetcheck::unit {
namespace {

// --- a walker for docs/state-format.md
// ------------------------------------------------------------

constexpr std::size_t public_key_bytes = 32;
constexpr std::size_t key_pair_bytes = 64;  // pub, priv
constexpr std::size_t signature_bytes = 64;
constexpr std::size_t message_keys_bytes = 32 + 32 + 16;

struct ChainLayout {
    std::size_t next_index_offset = 0;
    std::uint32_t next_index = 0;
    std::size_t skipped_count_offset = 0;
    std::vector<std::size_t> skipped_counter_offsets;
    std::vector<std::uint32_t> skipped_counters;
};

struct SessionLayout {
    std::size_t sending_index_offset = 0;
    std::size_t pending_flag_offset = 0;
    std::size_t chain_count_offset = 0;
    std::vector<ChainLayout> chains;
};

struct StateLayout {
    std::size_t version_offset = 0;
    std::size_t name_length_offset = 0;
    std::size_t trusted_flag_offset = 0;
    std::size_t signed_count_offset = 0;
    std::vector<std::size_t> signed_id_offsets;
    std::vector<std::uint32_t> signed_ids;
    std::size_t one_time_count_offset = 0;
    std::vector<std::size_t> one_time_id_offsets;
    std::vector<std::uint32_t> one_time_ids;
    std::size_t current_flag_offset = 0;
    std::optional<SessionLayout> current;
    std::size_t archived_count_offset = 0;
    std::vector<SessionLayout> archived;
    std::size_t end = 0;
};

class LayoutWalker {
  public:
    explicit LayoutWalker(ByteView state) : reader_(state) {}
    bool failed = false;

    std::size_t position() const { return reader_.position(); }
    void skip(std::size_t count) {
        if (!reader_.read_bytes(count))
            failed = true;
    }
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

    SessionLayout session() {
        SessionLayout layout;
        skip(2 * public_key_bytes + 8 + 32 + key_pair_bytes + 32);  // ids, reg ids, RK, DHs, CKs
        layout.sending_index_offset = position();
        u32();
        u32();  // previous_counter
        layout.pending_flag_offset = position();
        if (byte() == 1)
            skip(1 + 4 + 4 + public_key_bytes);
        skip(public_key_bytes);  // base_key
        layout.chain_count_offset = position();
        const std::uint32_t chains = u32();
        for (std::uint32_t chain_index = 0; chain_index < chains && !failed; ++chain_index) {
            ChainLayout chain;
            skip(public_key_bytes + 32);
            chain.next_index_offset = position();
            chain.next_index = u32();
            chain.skipped_count_offset = position();
            const std::uint32_t skipped = u32();
            for (std::uint32_t key_index = 0; key_index < skipped && !failed; ++key_index) {
                chain.skipped_counter_offsets.push_back(position());
                chain.skipped_counters.push_back(u32());
                skip(message_keys_bytes);
            }
            layout.chains.push_back(std::move(chain));
        }
        return layout;
    }

  private:
    wire::ByteReader reader_;
};

std::optional<StateLayout> walk(ByteView state) {
    LayoutWalker walker(state);
    StateLayout layout;
    walker.skip(4);  // "RCST"
    layout.version_offset = walker.position();
    walker.byte();
    layout.name_length_offset = walker.position();
    walker.skip(walker.byte());
    walker.skip(4 + key_pair_bytes);  // registration id, identity
    layout.trusted_flag_offset = walker.position();
    if (walker.byte() == 1)
        walker.skip(public_key_bytes);
    layout.signed_count_offset = walker.position();
    const std::uint32_t signed_count = walker.u32();
    for (std::uint32_t index = 0; index < signed_count && !walker.failed; ++index) {
        layout.signed_id_offsets.push_back(walker.position());
        layout.signed_ids.push_back(walker.u32());
        walker.skip(key_pair_bytes + signature_bytes);
    }
    layout.one_time_count_offset = walker.position();
    const std::uint32_t one_time_count = walker.u32();
    for (std::uint32_t index = 0; index < one_time_count && !walker.failed; ++index) {
        layout.one_time_id_offsets.push_back(walker.position());
        layout.one_time_ids.push_back(walker.u32());
        walker.skip(key_pair_bytes);
    }
    layout.current_flag_offset = walker.position();
    if (walker.byte() == 1)
        layout.current = walker.session();
    layout.archived_count_offset = walker.position();
    const std::uint32_t archived = walker.u32();
    for (std::uint32_t index = 0; index < archived && !walker.failed; ++index) {
        layout.archived.push_back(walker.session());
    }
    layout.end = walker.position();
    if (walker.failed)
        return std::nullopt;
    return layout;
}

Bytes copy_of(const SecureBytes& state) {
    return Bytes(state.begin(), state.end());
}

void put_u32(Bytes& state, std::size_t offset, std::uint32_t value) {
    for (int shift = 24, index = 0; shift >= 0; shift -= 8, ++index) {
        state[offset + static_cast<std::size_t>(index)] = static_cast<std::uint8_t>(value >> shift);
    }
}

std::uint32_t get_u32(const Bytes& state, std::size_t offset) {
    std::uint32_t value = 0;
    for (std::size_t index = 0; index < 4; ++index)
        value = (value << 8) | state[offset + index];
    return value;
}

// --- states to work on --------------------------------------------------------------------------

// RichStates are parties in every shape the format has: no session and no pinned identity;
// a pending initiator; a responder with skipped keys on several chains and an archived session.
struct RichStates {
    Conversation conversation;
    Party lonely;  // trust on first use, no session, several prekeys
    std::vector<OutgoingMessage> in_flight_to_bob;
    std::vector<OutgoingMessage> in_flight_to_alice;
};

RichStates make_rich_states() {
    RichStates states{make_conversation(),
                      Party(generate_identity_key_pair(SodiumKeySource::instance()).value(), 5,
                            std::nullopt, SodiumKeySource::instance()),
                      {},
                      {}};
    Party& alice = states.conversation.alice;
    Party& bob = states.conversation.bob;
    for (std::uint32_t id : {3u, 1u, 2u}) {
        auto one_time = generate_one_time_prekey(id, SodiumKeySource::instance());
        states.lonely.add_one_time_prekey(std::move(one_time).value());
    }
    auto lonely_signed =
        generate_signed_prekey(generate_identity_key_pair(SodiumKeySource::instance()).value(), 9,
                               SodiumKeySource::instance());
    states.lonely.add_signed_prekey(std::move(lonely_signed).value());

    // An archived session on Bob's side: Alice's first session, then a second one.
    EXPECT_EQ(decrypt_text(bob, encrypt_text(alice, "session one")), "session one");
    EXPECT_TRUE(alice.initiate_session(bob_bundle_with(states.conversation, nullptr)).ok());
    // Several chains with skipped keys, left in flight.
    for (int round = 0; round < 3; ++round) {
        std::vector<OutgoingMessage> from_alice;
        for (int index = 0; index < 3; ++index)
            from_alice.push_back(
                encrypt_text(alice, std::string("a").append(std::to_string(round * 3 + index))));
        EXPECT_EQ(decrypt_text(bob, from_alice[2]),
                  std::string("a").append(std::to_string(round * 3 + 2)));
        states.in_flight_to_bob.push_back(std::move(from_alice[0]));
        std::vector<OutgoingMessage> from_bob;
        for (int index = 0; index < 2; ++index)
            from_bob.push_back(
                encrypt_text(bob, std::string("b").append(std::to_string(round * 2 + index))));
        EXPECT_EQ(decrypt_text(alice, from_bob[1]),
                  std::string("b").append(std::to_string(round * 2 + 1)));
        states.in_flight_to_alice.push_back(std::move(from_bob[0]));
    }
    return states;
}

class StateCodec : public ::testing::Test {
  protected:
    RichStates states = make_rich_states();
    Party& alice = states.conversation.alice;
    Party& bob = states.conversation.bob;

    std::vector<std::pair<std::string, const Party*>> all_parties() const {
        return {{"alice", &states.conversation.alice},
                {"bob", &states.conversation.bob},
                {"lonely", &states.lonely}};
    }

    static Result<Party> load(ByteView state, const Profile& profile = Profile::signal_v3()) {
        return Party::deserialize(state, SodiumKeySource::instance(), profile);
    }

    static ::testing::AssertionResult is_corrupt(ByteView state,
                                                 const Profile& profile = Profile::signal_v3()) {
        auto loaded = load(state, profile);
        if (loaded.ok())
            return ::testing::AssertionFailure() << "state was accepted";
        if (loaded.error() != Error::corrupt_state) {
            return ::testing::AssertionFailure() << "rejected with " << error_name(loaded.error());
        }
        return ::testing::AssertionSuccess();
    }

    StateLayout layout_of(const Party& party) const {
        auto layout = walk(party.serialize());
        EXPECT_TRUE(layout.has_value());
        return layout.value_or(StateLayout{});
    }
};

// --- layout and round trip
// ------------------------------------------------------------------------

// @evidence check=test:StateCodec.* functions=SF.INPUT_VALIDATION clauses=DR-3.2
TEST_F(StateCodec, SerializedStateFollowsTheDocumentedLayout) {
    for (const auto& [name, party] : all_parties()) {
        const SecureBytes state = party->serialize();
        ASSERT_GE(state.size(), 5u);
        EXPECT_EQ(as_text(ByteView(state).first(4)), "RCST") << name;
        EXPECT_EQ(state[4], 1) << name;
        const auto layout = walk(state);
        ASSERT_TRUE(layout.has_value()) << name;
        EXPECT_EQ(layout->end, state.size())
            << name << ": the documented fields do not cover the state";
        // What the walker found agrees with the party's view.
        const StateView view = party->view();
        EXPECT_EQ(layout->one_time_ids, view.one_time_prekey_ids) << name;
        EXPECT_EQ(layout->signed_ids, view.signed_prekey_ids) << name;
        EXPECT_EQ(layout->current.has_value(), view.current.has_value()) << name;
        EXPECT_EQ(layout->archived.size(), view.archived.size()) << name;
        if (layout->current && view.current) {
            ASSERT_EQ(layout->current->chains.size(), view.current->receiving_chains.size());
            for (std::size_t index = 0; index < layout->current->chains.size(); ++index) {
                EXPECT_EQ(layout->current->chains[index].skipped_counters,
                          view.current->receiving_chains[index].skipped);
                EXPECT_EQ(layout->current->chains[index].next_index,
                          view.current->receiving_chains[index].next_index);
            }
        }
    }
    // The rich states really are rich.
    const StateView bob_view = bob.view();
    EXPECT_EQ(bob_view.archived.size(), 1u);
    EXPECT_GE(bob_view.current->receiving_chains.size(), 3u);
    EXPECT_GE(total_skipped(*bob_view.current), 3u);
    EXPECT_EQ(states.lonely.view().one_time_prekey_ids, (std::vector<std::uint32_t>{1, 2, 3}));
}

TEST_F(StateCodec, SerializeDeserializeSerializeIsByteIdentical) {
    for (const auto& [name, party] : all_parties()) {
        const SecureBytes state = party->serialize();
        auto restored = load(state);
        ASSERT_TRUE(restored.ok()) << name << ": " << error_name(restored.error());
        EXPECT_TRUE(same_state(state, restored.value().serialize())) << name;
        EXPECT_EQ(restored.value().view(), party->view()) << name;
        EXPECT_EQ(restored.value().identity_public_key(), party->identity_public_key());
        EXPECT_EQ(restored.value().registration_id(), party->registration_id());
    }
}

TEST_F(StateCodec, RestoredPartiesContinueTheConversation) {
    auto restored_alice = load(alice.serialize());
    auto restored_bob = load(bob.serialize());
    ASSERT_TRUE(restored_alice.ok() && restored_bob.ok());
    Party& new_alice = restored_alice.value();
    Party& new_bob = restored_bob.value();
    // Messages sent before the save, held as skipped keys, decrypt after the restore.
    for (std::size_t index = 0; index < states.in_flight_to_bob.size(); ++index) {
        EXPECT_EQ(decrypt_text(new_bob, states.in_flight_to_bob[index]),
                  std::string("a").append(std::to_string(index * 3)));
    }
    for (std::size_t index = 0; index < states.in_flight_to_alice.size(); ++index) {
        EXPECT_EQ(decrypt_text(new_alice, states.in_flight_to_alice[index]),
                  std::string("b").append(std::to_string(index * 2)));
    }
    // Both directions, with ratchet steps, including with the original (unrestored) peer.
    EXPECT_EQ(decrypt_text(new_bob, encrypt_text(new_alice, "after restore 1")), "after restore 1");
    EXPECT_EQ(decrypt_text(new_alice, encrypt_text(new_bob, "after restore 2")), "after restore 2");
    EXPECT_EQ(decrypt_text(bob, encrypt_text(alice, "original pair")), "original pair");
    // A restored responder still answers a brand new initiator from its stored prekeys.
    auto restored_lonely = load(states.lonely.serialize());
    ASSERT_TRUE(restored_lonely.ok());
    EXPECT_EQ(restored_lonely.value().view().one_time_prekey_ids,
              (std::vector<std::uint32_t>{1, 2, 3}));
}

TEST_F(StateCodec, RestoredDuplicatesAreStillDuplicates) {
    // The consumed-key bookkeeping survives the round trip.
    auto restored_bob = load(bob.serialize());
    ASSERT_TRUE(restored_bob.ok());
    EXPECT_EQ(decrypt_text(restored_bob.value(), states.in_flight_to_bob[2]), "a6");
    auto restored_again = load(restored_bob.value().serialize());
    ASSERT_TRUE(restored_again.ok());
    EXPECT_TRUE(
        rejects_unchanged(restored_again.value(), states.in_flight_to_bob[2], Error::duplicate));
}

// --- corrupt states -----------------------------------------------------------------------------

TEST_F(StateCodec, EveryTruncationIsCorruptState) {
    for (const auto& [name, party] : all_parties()) {
        const SecureBytes state = party->serialize();
        std::size_t accepted = 0;
        for (std::size_t length = 0; length < state.size(); ++length) {
            if (!is_corrupt(ByteView(state).first(length))) {
                ++accepted;
                ADD_FAILURE() << name << ": prefix of " << length << " of " << state.size()
                              << " bytes";
            }
        }
        EXPECT_EQ(accepted, 0u) << name;
    }
}

TEST_F(StateCodec, BadMagicIsCorruptState) {
    const Bytes state = copy_of(bob.serialize());
    for (std::size_t index = 0; index < 4; ++index) {
        Bytes corrupted = state;
        corrupted[index] ^= 0x20;  // "rCST", "RcST", ...
        EXPECT_TRUE(is_corrupt(corrupted)) << index;
    }
}

TEST_F(StateCodec, OtherFormatVersionIsCorruptState) {
    const Bytes state = copy_of(bob.serialize());
    const std::size_t version = layout_of(bob).version_offset;
    for (std::uint8_t other : {0, 2, 0x11, 0xff}) {
        Bytes corrupted = state;
        corrupted[version] = other;
        EXPECT_TRUE(is_corrupt(corrupted)) << int(other);
    }
}

TEST_F(StateCodec, StateOfAnotherProfileIsCorruptState) {
    const SecureBytes state = bob.serialize();
    for (std::string_view other_name : {"signal-v4", "signal-v", "signal-v33", "", "SIGNAL-V3"}) {
        Profile other = Profile::signal_v3();
        other.name = other_name;
        EXPECT_TRUE(is_corrupt(state, other)) << other_name;
    }
    // The name inside the state altered, with its length unchanged or changed.
    const std::size_t name_length = layout_of(bob).name_length_offset;
    Bytes renamed = copy_of(state);
    renamed[name_length + 1] = 'S';
    EXPECT_TRUE(is_corrupt(renamed));
    Bytes shorter = copy_of(state);
    shorter[name_length] -= 1;
    EXPECT_TRUE(is_corrupt(shorter));
}

// The format stores the profile name's length in one byte (docs/state-format.md): a name of 255
// bytes saves and loads; a longer one is refused when the Party is made (an invalid profile is a
// programming error, as a tag length outside 1..32 is), since its state could never load again.
TEST_F(StateCodec, ProfileNameOfTheLongestStorableLengthRoundTrips) {
    const std::string name(Profile::max_name_bytes, 'n');
    Profile long_named = Profile::signal_v3();
    long_named.name = name;
    const Party party(generate_identity_key_pair(SodiumKeySource::instance()).value(), 3,
                      std::nullopt, SodiumKeySource::instance(), long_named);
    const SecureBytes state = party.serialize();
    auto loaded = load(state, long_named);
    ASSERT_TRUE(loaded.ok()) << error_name(loaded.error());
    EXPECT_TRUE(same_state(state, loaded.value().serialize()));
}

TEST(StateCodecDeathTest, ProfileNameLongerThanTheFormatStoresIsRefused) {
    const std::string name(Profile::max_name_bytes + 1, 'n');
    Profile too_long = Profile::signal_v3();
    too_long.name = name;
    EXPECT_DEATH(Party(generate_identity_key_pair(SodiumKeySource::instance()).value(), 3,
                       std::nullopt, SodiumKeySource::instance(), too_long),
                 "");
    // No saved state can name it, so loading under it is corrupt_state, never an abort.
    const Party party(generate_identity_key_pair(SodiumKeySource::instance()).value(), 3,
                      std::nullopt, SodiumKeySource::instance());
    auto loaded = Party::deserialize(party.serialize(), SodiumKeySource::instance(), too_long);
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error(), Error::corrupt_state);
}

TEST_F(StateCodec, TrailingBytesAreCorruptState) {
    for (const auto& [name, party] : all_parties()) {
        Bytes state = copy_of(party->serialize());
        state.push_back(0x00);
        EXPECT_TRUE(is_corrupt(state)) << name;
        // Not a lambda: clang 14 cannot capture a structured binding (C++20, docs/decisions.md E9).
        Bytes twice = copy_of(party->serialize());
        const SecureBytes again = party->serialize();
        twice.insert(twice.end(), again.begin(), again.end());
        EXPECT_TRUE(is_corrupt(twice)) << name;
    }
}

TEST_F(StateCodec, CountsAboveTheProfileBoundsAreCorruptState) {
    const SecureBytes state = bob.serialize();
    const StateView view = bob.view();
    std::size_t most_chains = 0;
    std::size_t most_skipped_on_a_chain = 0;
    std::size_t most_skipped_in_a_session = 0;
    std::vector<SessionView> sessions = view.archived;
    sessions.push_back(*view.current);
    for (const SessionView& session : sessions) {
        most_chains = std::max(most_chains, session.receiving_chains.size());
        most_skipped_in_a_session = std::max(most_skipped_in_a_session, total_skipped(session));
        for (const ReceivingChainView& chain : session.receiving_chains) {
            most_skipped_on_a_chain = std::max(most_skipped_on_a_chain, chain.skipped.size());
        }
    }
    ASSERT_GE(most_chains, 2u);
    ASSERT_GE(most_skipped_on_a_chain, 1u);
    ASSERT_GE(most_skipped_in_a_session, 2u);

    // Bounds exactly at what the state holds load (control); one below does not.
    Profile exact = Profile::signal_v3();
    exact.max_receiving_chains = most_chains;
    exact.max_skipped_keys_per_chain = most_skipped_on_a_chain;
    exact.max_skipped_keys_total = most_skipped_in_a_session;
    exact.max_archived_sessions = view.archived.size();
    EXPECT_TRUE(load(state, exact).ok());

    Profile fewer_chains = exact;
    fewer_chains.max_receiving_chains -= 1;
    EXPECT_TRUE(is_corrupt(state, fewer_chains));
    Profile fewer_skipped_per_chain = exact;
    fewer_skipped_per_chain.max_skipped_keys_per_chain -= 1;
    EXPECT_TRUE(is_corrupt(state, fewer_skipped_per_chain));
    Profile fewer_skipped_total = exact;
    fewer_skipped_total.max_skipped_keys_total -= 1;
    EXPECT_TRUE(is_corrupt(state, fewer_skipped_total));
    Profile fewer_archived = exact;
    fewer_archived.max_archived_sessions -= 1;
    EXPECT_TRUE(is_corrupt(state, fewer_archived));
}

TEST_F(StateCodec, CountsAboveWhatTheInputCouldHoldAreCorruptState) {
    const Bytes state = copy_of(bob.serialize());
    const StateLayout layout = layout_of(bob);
    ASSERT_TRUE(layout.current.has_value());
    ASSERT_FALSE(layout.current->chains.empty());
    const std::vector<std::size_t> count_offsets = {
        layout.signed_count_offset, layout.one_time_count_offset, layout.archived_count_offset,
        layout.current->chain_count_offset, layout.current->chains.back().skipped_count_offset};
    for (std::size_t offset : count_offsets) {
        for (std::uint32_t count : {0xffffffffu, 0x10000000u}) {
            Bytes corrupted = state;
            put_u32(corrupted, offset, count);
            EXPECT_TRUE(is_corrupt(corrupted)) << "count at " << offset << " set to " << count;
        }
    }
    // The archived sessions come last: one more than present runs into the end of the input.
    Bytes one_more_archived = state;
    put_u32(one_more_archived, layout.archived_count_offset,
            get_u32(state, layout.archived_count_offset) + 1);
    EXPECT_TRUE(is_corrupt(one_more_archived));
}

TEST_F(StateCodec, SkippedCountersNotAscendingAreCorruptState) {
    const Bytes state = copy_of(bob.serialize());
    const StateLayout layout = layout_of(bob);
    ASSERT_TRUE(layout.current.has_value());
    const ChainLayout* chain = nullptr;
    for (const ChainLayout& candidate : layout.current->chains) {
        if (candidate.skipped_counters.size() >= 2)
            chain = &candidate;
    }
    ASSERT_NE(chain, nullptr) << "no chain with two skipped keys";
    const std::size_t first = chain->skipped_counter_offsets[0];
    const std::size_t second = chain->skipped_counter_offsets[1];

    Bytes swapped = state;
    put_u32(swapped, first, chain->skipped_counters[1]);
    put_u32(swapped, second, chain->skipped_counters[0]);
    EXPECT_TRUE(is_corrupt(swapped));

    Bytes equal = state;
    put_u32(equal, second, chain->skipped_counters[0]);
    EXPECT_TRUE(is_corrupt(equal));

    // A skipped counter must also lie below the chain's next index.
    Bytes beyond = state;
    put_u32(beyond, chain->skipped_counter_offsets.back(), chain->next_index);
    EXPECT_TRUE(is_corrupt(beyond));
    Bytes index_lowered = state;
    put_u32(index_lowered, chain->next_index_offset, chain->skipped_counters.back());
    EXPECT_TRUE(is_corrupt(index_lowered));

    // Control: a next index moved up keeps every counter ascending and below it, and loads.
    Bytes index_raised = state;
    put_u32(index_raised, chain->next_index_offset, chain->next_index + 1);
    EXPECT_TRUE(load(index_raised).ok());
}

TEST_F(StateCodec, FlagsOtherThanZeroOrOneAreCorruptState) {
    const Bytes state = copy_of(bob.serialize());
    const StateLayout layout = layout_of(bob);
    ASSERT_TRUE(layout.current.has_value());
    for (std::size_t offset : {layout.trusted_flag_offset, layout.current_flag_offset,
                               layout.current->pending_flag_offset}) {
        for (std::uint8_t value : {2, 0x80, 0xff}) {
            Bytes corrupted = state;
            corrupted[offset] = value;
            EXPECT_TRUE(is_corrupt(corrupted)) << "flag at " << offset << " = " << int(value);
        }
    }
}

TEST_F(StateCodec, PendingPreKeyFlagsOtherThanZeroOrOneAreCorruptState) {
    // A fresh initiator is still pending (SCHEMA.md §6.5), with a one-time prekey id.
    Conversation fresh = make_conversation();
    const Bytes state = copy_of(fresh.alice.serialize());
    const auto layout = walk(state);
    ASSERT_TRUE(layout.has_value() && layout->current.has_value());
    const std::size_t pending = layout->current->pending_flag_offset;
    ASSERT_EQ(state[pending], 1);
    ASSERT_EQ(state[pending + 1], 1);  // has_one_time
    ASSERT_EQ(get_u32(state, pending + 2), bob_one_time_prekey_id);
    ASSERT_EQ(get_u32(state, pending + 6), bob_signed_prekey_id);
    for (std::size_t offset : {pending, pending + 1}) {
        Bytes corrupted = state;
        corrupted[offset] = 2;
        EXPECT_TRUE(is_corrupt(corrupted)) << offset;
    }
    EXPECT_TRUE(load(state).ok());

    // Regression (fuzz target session_state): without its flag the one-time prekey id is written
    // as 0; any other value loaded, so one state had many serializations.
    Bytes without_one_time = state;
    without_one_time[pending + 1] = 0;
    put_u32(without_one_time, pending + 2, 0);
    EXPECT_TRUE(load(without_one_time).ok());
    put_u32(without_one_time, pending + 2, bob_one_time_prekey_id);
    EXPECT_TRUE(is_corrupt(without_one_time));
}

TEST_F(StateCodec, DuplicatePreKeyIdsAreCorruptState) {
    const Bytes state = copy_of(states.lonely.serialize());
    const StateLayout layout = layout_of(states.lonely);
    ASSERT_EQ(layout.one_time_ids.size(), 3u);
    Bytes corrupted = state;
    put_u32(corrupted, layout.one_time_id_offsets[1], layout.one_time_ids[0]);
    EXPECT_TRUE(is_corrupt(corrupted));
}

// Regression (fuzz target session_state, corpus/session_state/crash input): prekeys in another
// order than serialize() writes them loaded, so one state had several serializations. Swapping
// two whole records keeps every id distinct; only the order is wrong.
TEST_F(StateCodec, PreKeyIdsNotAscendingAreCorruptState) {
    const Bytes state = copy_of(states.lonely.serialize());
    const StateLayout layout = layout_of(states.lonely);
    ASSERT_EQ(layout.one_time_ids, (std::vector<std::uint32_t>{1, 2, 3}));
    constexpr std::size_t one_time_record_bytes = 4 + key_pair_bytes;
    Bytes swapped = state;
    const auto first = static_cast<std::ptrdiff_t>(layout.one_time_id_offsets[0]);
    const auto second = static_cast<std::ptrdiff_t>(layout.one_time_id_offsets[1]);
    std::swap_ranges(swapped.begin() + first, swapped.begin() + first + one_time_record_bytes,
                     swapped.begin() + second);
    EXPECT_TRUE(is_corrupt(swapped));

    // Signed prekeys: Bob's signed prekey with a second one of a lower id written after it.
    ASSERT_EQ(layout.signed_ids.size(), 1u);
    constexpr std::size_t signed_record_bytes = 4 + key_pair_bytes + signature_bytes;
    const std::size_t record = layout.signed_id_offsets[0];
    Bytes two_signed(state.begin(), state.begin() + static_cast<std::ptrdiff_t>(record));
    two_signed.insert(two_signed.end(), state.begin() + static_cast<std::ptrdiff_t>(record),
                      state.begin() + static_cast<std::ptrdiff_t>(record + signed_record_bytes));
    two_signed.insert(two_signed.end(), state.begin() + static_cast<std::ptrdiff_t>(record),
                      state.end());
    put_u32(two_signed, layout.signed_count_offset, 2);
    put_u32(two_signed, record + signed_record_bytes, layout.signed_ids[0] - 1);
    EXPECT_TRUE(is_corrupt(two_signed));
    // Control: the same two records in ascending order load.
    put_u32(two_signed, record, layout.signed_ids[0] - 1);
    put_u32(two_signed, record + signed_record_bytes, layout.signed_ids[0]);
    EXPECT_TRUE(load(two_signed).ok());
}

TEST_F(StateCodec, ArchivedSessionsWithoutACurrentOneAreCorruptState) {
    // Take Bob's state and clear the "has current" flag while keeping the archived count: the
    // bytes of the current session then have to be read as something else, so build it by hand:
    // a state with no current session and an archived count of one, followed by Bob's current
    // session bytes as the archived one.
    const Bytes state = copy_of(bob.serialize());
    const StateLayout layout = layout_of(bob);
    Bytes corrupted(state.begin(),
                    state.begin() + static_cast<std::ptrdiff_t>(layout.current_flag_offset));
    corrupted.push_back(0);  // no current session
    corrupted.insert(corrupted.end(), {0, 0, 0, 1});
    corrupted.insert(corrupted.end(),
                     state.begin() + static_cast<std::ptrdiff_t>(layout.current_flag_offset + 1),
                     state.begin() + static_cast<std::ptrdiff_t>(layout.archived_count_offset));
    ASSERT_TRUE(walk(corrupted).has_value());
    EXPECT_EQ(walk(corrupted)->end, corrupted.size());
    EXPECT_TRUE(is_corrupt(corrupted));
}

TEST_F(StateCodec, ArbitraryByteFlipsNeverCrash) {
    // Every single-bit flip of a real state either loads (secret bytes carry no structure) or
    // is corrupt_state; never another error. The asan preset runs this too.
    const Bytes state = copy_of(alice.serialize());
    std::size_t rejected = 0;
    for (std::size_t index = 0; index < state.size(); ++index) {
        Bytes corrupted = state;
        corrupted[index] ^= static_cast<std::uint8_t>(1u << (index % 8));
        auto loaded = load(corrupted);
        if (!loaded.ok()) {
            EXPECT_EQ(loaded.error(), Error::corrupt_state) << index;
            ++rejected;
        }
    }
    EXPECT_GT(rejected, 0u);
}

// --- a counter that must not wrap (docs/decisions.md D4)
// ---------------------------------------------

TEST_F(StateCodec, EncryptRefusesToWrapTheSendingCounter) {
    Bytes state = copy_of(alice.serialize());
    const StateLayout layout = layout_of(alice);
    ASSERT_TRUE(layout.current.has_value());
    put_u32(state, layout.current->sending_index_offset, 0xfffffffe);
    auto loaded = load(state);
    ASSERT_TRUE(loaded.ok());
    Party& near_the_end = loaded.value();
    EXPECT_EQ(near_the_end.view().current->sending_index, 0xfffffffeu);
    ASSERT_TRUE(near_the_end.encrypt(text_bytes("last")).ok());
    const SecureBytes before = near_the_end.serialize();
    auto refused = near_the_end.encrypt(text_bytes("one too many"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error(), Error::too_far_ahead);
    EXPECT_TRUE(same_state(before, near_the_end.serialize()));
}

// message_on_chain is a SignalMessage from `sender` that the receiving chain `chain` of the
// serialized `state` authenticates, with a counter at or above `next_index` (the chain's next
// index in `state`): what a peer holding the chain key can send, including the counter 2^32 - 1
// that no Party sends (D4). Built from the state bytes (docs/state-format.md: the sender's ratchet
// key and the chain key precede next_index) with libsignal's KDF chain and message keys (DR §2.2,
// chain_key.c's seeds 0x01 and 0x02) and MAC (SCHEMA.md §6.4), not by double_ratchet.cpp.
Bytes message_on_chain(const Bytes& state, const ChainLayout& chain, std::uint32_t next_index,
                       std::uint32_t counter, const Party& sender, const Party& receiver,
                       std::string_view text) {
    const std::uint8_t message_key_seed = 0x01;
    const std::uint8_t chain_key_seed = 0x02;
    const ByteView sender_ratchet_key(state.data() + chain.next_index_offset - 64, 32);
    crypto::Sha256Digest chain_key{};
    std::copy_n(state.begin() + static_cast<std::ptrdiff_t>(chain.next_index_offset - 32), 32,
                chain_key.begin());
    for (std::uint32_t index = next_index; index != counter; ++index)
        chain_key = crypto::HmacSha256(chain_key).mac(ByteView(&chain_key_seed, 1));
    const crypto::Sha256Digest seed =
        crypto::HmacSha256(chain_key).mac(ByteView(&message_key_seed, 1));
    std::array<std::uint8_t, 80> keys{};  // cipher key (32) || MAC key (32) || IV (16)
    EXPECT_TRUE(crypto::hkdf_sha256_zero_salt(seed, text_bytes("WhisperMessageKeys"), keys).ok());

    SignalMessageParts parts;
    parts.version_byte = wire::version_byte(Profile::signal_v3());
    parts.ratchet_key = djb_key(sender_ratchet_key);
    parts.counter = counter;
    parts.previous_counter = 0;
    parts.ciphertext = crypto::aes256_cbc_encrypt(
        std::span<const std::uint8_t, crypto::aes256_key_bytes>(keys.data(), 32),
        std::span<const std::uint8_t, crypto::aes_block_bytes>(keys.data() + 64, 16),
        text_bytes(text));
    Bytes authenticated = serialized(sender.identity_public_key());
    const Bytes receiver_identity = serialized(receiver.identity_public_key());
    authenticated.insert(authenticated.end(), receiver_identity.begin(), receiver_identity.end());
    const Bytes body = wire::encode_signal_message_fields(parts);
    authenticated.insert(authenticated.end(), body.begin(), body.end());
    const crypto::Sha256Digest tag =
        crypto::HmacSha256(ByteView(keys.data() + 32, 32)).mac(authenticated);
    parts.mac.assign(tag.begin(), tag.begin() + 8);
    return encode_signal_message(parts);
}

// Bob's newest receiving chain moved up to `next_index` (it holds skipped keys 0 and 1, which stay
// below it), Bob loaded from that state, and the chain's layout.
struct ChainNearTheTop {
    Bytes state;
    ChainLayout chain;
    Party bob;
};

ChainNearTheTop bob_with_chain_at(const Party& bob, std::uint32_t next_index) {
    Bytes state = copy_of(bob.serialize());
    const auto layout = walk(state);
    EXPECT_TRUE(layout && layout->current && !layout->current->chains.empty());
    const ChainLayout chain = layout->current->chains.back();
    EXPECT_FALSE(chain.skipped_counters.empty());
    put_u32(state, chain.next_index_offset, next_index);
    auto loaded = Party::deserialize(state, SodiumKeySource::instance());
    EXPECT_TRUE(loaded.ok());
    return {std::move(state), chain, std::move(loaded).value()};
}

// Control for the test below: the largest counter a sender uses, 2^32 - 2, is accepted two
// messages ahead of the chain; the chain's next index becomes 2^32 - 1, the state saves and loads,
// and the same message again is a duplicate.
TEST_F(StateCodec, ReceiveAcceptsTheLastCounterASenderUses) {
    ChainNearTheTop top = bob_with_chain_at(bob, 0xfffffffc);
    const Bytes message = message_on_chain(top.state, top.chain, 0xfffffffc, 0xfffffffe, alice,
                                           top.bob, "last counter");
    EXPECT_EQ(decrypt_text(top.bob, MessageType::signal_message, message), "last counter");
    const ReceivingChainView chain = top.bob.view().current->receiving_chains.back();
    EXPECT_EQ(chain.next_index, 0xffffffffu);
    EXPECT_EQ(chain.skipped.back(), 0xfffffffdu);
    auto reloaded = load(top.bob.serialize());
    ASSERT_TRUE(reloaded.ok()) << error_name(reloaded.error());
    EXPECT_TRUE(rejects_unchanged(reloaded.value(), MessageType::signal_message, message,
                                  Error::duplicate));
}

// An authenticated message with counter 2^32 - 1 would move the chain's next index to 2^32, which
// a 32-bit index wraps to 0: the skipped keys would lie at or above it, the saved state would not
// load, and a replay would be too_far_ahead instead of duplicate. It is refused as the sender
// refuses to use that counter (D4), and the refusal changes nothing.
TEST_F(StateCodec, ReceiveRefusesToWrapTheReceivingCounter) {
    for (const std::uint32_t next_index : {0xfffffffdu, 0xffffffffu}) {
        SCOPED_TRACE(next_index);
        ChainNearTheTop top = bob_with_chain_at(bob, next_index);
        const Bytes message = message_on_chain(top.state, top.chain, next_index, 0xffffffff, alice,
                                               top.bob, "one too many");
        EXPECT_TRUE(
            rejects_unchanged(top.bob, MessageType::signal_message, message, Error::too_far_ahead));
        auto reloaded = load(top.bob.serialize());
        ASSERT_TRUE(reloaded.ok()) << error_name(reloaded.error());
        EXPECT_EQ(reloaded.value().view().current->receiving_chains.back().next_index, next_index);
    }
}

}  // namespace
}  // namespace ratchetcheck::unit
