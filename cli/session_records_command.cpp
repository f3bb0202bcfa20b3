#include "session_records_command.hpp"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ratchetcheck/key_source.hpp"
#include "ratchetcheck/party.hpp"

namespace ratchetcheck::cli {
namespace {

// bundles: how many fresh prekey bundles Bob publishes, so Alice can start that many sessions.
constexpr std::size_t bundles = 3;

// Sent is a message on the network: its sender, its bytes, and the base key of the session that
// sent it (the session a receiver must hold to decrypt it).
struct Sent {
    bool from_alice = true;
    OutgoingMessage message;
    BasePublicKey session;
    bool delivered = false;
};

// Node is one explored state: both parties serialized (Party is move-only; a state is copied by
// serialize and deserialize), the network, and the bundles used.
struct Node {
    SecureBytes alice;
    SecureBytes bob;
    std::vector<Sent> network;
    std::size_t bundles_used = 1;
    std::string ops;
};

std::string phase_of(const StateView& view) {
    std::string phase = !view.current                  ? "no session"
                        : view.current->pending_prekey ? "current session unacknowledged"
                                                       : "current session established";
    if (!view.archived.empty())
        phase += "\n+ archived sessions";
    return phase;
}

// message_event names a message by what the receiver holds of its session: none (a new session
// from a PreKeySignalMessage), its current session, or an archived one.
std::string message_event(const StateView& receiver, const Sent& sent) {
    const std::string type =
        sent.message.type == MessageType::prekey_message ? "PreKeySignalMessage" : "SignalMessage";
    if (receiver.current && receiver.current->base_key == sent.session)
        return type + " of the current session";
    for (const SessionView& archived : receiver.archived) {
        if (archived.base_key == sent.session)
            return type + " of an archived session";
    }
    return type + " of a new session";
}

std::string then(const std::string& ops, const std::string& op) {
    return ops.empty() ? op : ops + "; " + op;
}

}  // namespace

int run_session_records(std::size_t max_ops) {
    SodiumKeySource keys;
    auto alice_identity = generate_identity_key_pair(keys);
    auto bob_identity = generate_identity_key_pair(keys);
    if (!alice_identity.ok() || !bob_identity.ok())
        return 2;
    auto signed_prekey = generate_signed_prekey(bob_identity.value(), 1, keys);
    if (!signed_prekey.ok())
        return 2;
    const IdentityPublicKey alice_public = alice_identity.value().public_key;
    const IdentityPublicKey bob_public = bob_identity.value().public_key;
    Party alice(std::move(alice_identity).value(), 1, bob_public, keys);
    Party bob(std::move(bob_identity).value(), 2, alice_public, keys);
    std::vector<PreKeyBundle> published;
    for (std::uint32_t id = 1; id <= bundles; ++id) {
        auto one_time = generate_one_time_prekey(id, keys);
        if (!one_time.ok())
            return 2;
        published.push_back(
            make_prekey_bundle(2, 1, bob_public, signed_prekey.value(), &one_time.value()));
        bob.add_one_time_prekey(std::move(one_time).value());
    }
    bob.add_signed_prekey(std::move(signed_prekey).value());
    const StateView alice_before = alice.view();
    if (!alice.initiate_session(published[0]).ok())
        return 2;

    // table: (from, event, outcome, to) → (times seen, shortest example), in first-seen order.
    std::vector<std::tuple<std::string, std::string, std::string, std::string>> order;
    std::map<std::tuple<std::string, std::string, std::string, std::string>,
             std::pair<std::size_t, std::string>>
        table;
    const auto record = [&](const std::string& from, const std::string& event,
                            const std::string& outcome, const std::string& to,
                            const std::string& example) {
        const auto key = std::make_tuple(from, event, outcome, to);
        auto [entry, inserted] = table.try_emplace(key, 0, example);
        if (inserted)
            order.push_back(key);
        ++entry->second.first;
    };
    record(phase_of(alice_before), "process a prekey bundle (X3DH)", "ok", phase_of(alice.view()),
           "(session start)");

    std::size_t sequences = 0;
    std::vector<Node> level{Node{alice.serialize(), bob.serialize(), {}, 1, ""}};
    for (std::size_t depth = 0; depth < max_ops; ++depth) {
        std::vector<Node> next_level;
        for (const Node& node : level) {
            const auto load = [&](const SecureBytes& bytes) {
                return Party::deserialize(bytes, keys);
            };
            // Alice starts another session on a fresh bundle: the current one is archived.
            if (node.bundles_used < bundles) {
                auto a = load(node.alice);
                if (!a.ok())
                    return 2;
                const std::string from = phase_of(a.value().view());
                const auto result = a.value().initiate_session(published[node.bundles_used]);
                const std::string op = "alice processes a new bundle";
                record(from, "process a prekey bundle (X3DH)",
                       result.ok() ? "ok" : std::string(error_name(result.error())),
                       phase_of(a.value().view()), then(node.ops, op));
                next_level.push_back(Node{a.value().serialize(), node.bob, node.network,
                                          node.bundles_used + 1, then(node.ops, op)});
                ++sequences;
            }
            for (const bool from_alice : {true, false}) {
                auto a = load(node.alice);
                auto b = load(node.bob);
                if (!a.ok() || !b.ok())
                    return 2;
                Party& sender = from_alice ? a.value() : b.value();
                const StateView before = sender.view();
                const std::string op = fmt::format("send {}", from_alice ? "alice" : "bob");
                auto sent = sender.encrypt(Bytes{'x'});
                record(phase_of(before), "send",
                       sent.ok() ? "ok" : std::string(error_name(sent.error())),
                       phase_of(sender.view()), then(node.ops, op));
                ++sequences;
                if (!sent.ok())
                    continue;
                Node next{a.value().serialize(), b.value().serialize(), node.network,
                          node.bundles_used, ""};
                next.network.push_back(
                    Sent{from_alice, std::move(sent).value(), before.current->base_key, false});
                next.ops = then(node.ops, fmt::format("{} (m{})", op, next.network.size() - 1));
                next_level.push_back(std::move(next));
            }
            for (std::size_t message = 0; message < node.network.size(); ++message) {
                if (node.network[message].delivered)
                    continue;
                const Sent& sent = node.network[message];
                auto a = load(node.alice);
                auto b = load(node.bob);
                if (!a.ok() || !b.ok())
                    return 2;
                Party& receiver = sent.from_alice ? b.value() : a.value();
                const StateView before = receiver.view();
                const auto result = receiver.decrypt(sent.message.type, sent.message.bytes);
                const std::string op = fmt::format("deliver m{}", message);
                const StateView after = receiver.view();
                // What became of the message's session, read from the state after: made current
                // (an archived one promoted, or a new one replacing the current), or not.
                std::string event = message_event(before, sent);
                const bool now_current = after.current && after.current->base_key == sent.session;
                if (result.ok() && event.ends_with("of an archived session"))
                    event += now_current ? ": promoted to current" : ": left in the archive";
                else if (result.ok() && event.ends_with("of a new session") && before.current)
                    event += now_current ? ": replaces the current" : ": not kept";
                record(phase_of(before), event,
                       result.ok() ? "ok" : std::string(error_name(result.error())),
                       phase_of(after), then(node.ops, op));
                ++sequences;
                Node next{a.value().serialize(), b.value().serialize(), node.network,
                          node.bundles_used, then(node.ops, op)};
                next.network[message].delivered = true;
                next_level.push_back(std::move(next));
            }
        }
        level = std::move(next_level);
    }

    nlohmann::json edges = nlohmann::json::array();
    for (const auto& key : order) {
        const auto& [from, event, outcome, to] = key;
        edges.push_back({{"from", from},
                         {"event", event},
                         {"outcome", outcome},
                         {"to", to},
                         {"seen", table[key].first},
                         {"example", table[key].second}});
    }
    const nlohmann::json document = {
        {"format", "ratchetcheck-session-records/1"},
        {"derived_from",
         "protocol/src/party.cpp (Party::initiate_session, encrypt, decrypt: install_session, "
         "decrypt_with_sessions) run on this build"},
        {"max_ops", max_ops},
        {"sequences", sequences},
        {"edges", edges}};
    fmt::print("{}\n", document.dump(2));
    return 0;
}

}  // namespace ratchetcheck::cli
