// The derived state machine (evidence/src/state_machine.hpp): the picture is the table the
// model's exploration yields, so it changes when the model's transitions do (issue 22, part 6).
#include "state_machine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <tuple>

namespace ratchetcheck::evidence {
namespace {

bool has_edge(const StateMachine& machine, const std::string& from, const std::string& event,
              const std::string& outcome, const std::string& to) {
    return std::any_of(machine.edges.begin(), machine.edges.end(), [&](const auto& edge) {
        return edge.from == from && edge.event == event && edge.outcome == outcome && edge.to == to;
    });
}

const std::string no_session = "no session";
const std::string unacknowledged = "session, unacknowledged\n(sends PreKeySignalMessages)";
const std::string established = "session established";

// The specified model's phases and the transitions a reader looks for: session start on both
// sides, the reply that acknowledges the initiator's session with a DH step, the PreKey fallback
// of an altered base key, and the rejections that change nothing.
TEST(DerivedStateMachine, HasTheSessionPhasesAndTheirTransitions) {
    const StateMachine machine = derive_state_machine();
    EXPECT_EQ(machine.phases.size(), 3u);
    EXPECT_TRUE(has_edge(machine, no_session, "process the peer's prekey bundle (X3DH)", "ok",
                         unacknowledged));
    EXPECT_TRUE(
        has_edge(machine, no_session, "PreKeySignalMessage: X3DH, new session", "ok", established));
    EXPECT_TRUE(has_edge(machine, unacknowledged, "SignalMessage, new ratchet key:\nDH step", "ok",
                         established));
    EXPECT_TRUE(has_edge(machine, established,
                         "PreKeySignalMessage, base key altered:\nfallback to the current session",
                         "ok", established));
    EXPECT_TRUE(has_edge(machine, established, "tampered SignalMessage, known chain", "rejected",
                         established));
    EXPECT_TRUE(has_edge(machine, established, "replayed SignalMessage, known chain", "duplicate",
                         established));
    EXPECT_TRUE(has_edge(machine, no_session, "send", "no_session", no_session));
    EXPECT_TRUE(
        has_edge(machine, established, "SignalMessage, known chain", "too_far_ahead", established));
}

// The dot is the table: every table row is drawn, each drawn edge comes from the table, and the
// label says where it comes from.
TEST(DerivedStateMachine, DotDrawsExactlyTheTable) {
    const StateMachine machine = derive_state_machine();
    const std::string dot = state_machine_dot(machine, "source commit test");
    EXPECT_NE(dot.find("derive_state_machine"), std::string::npos);
    EXPECT_NE(dot.find("model/src/system.cpp"), std::string::npos);
    EXPECT_NE(dot.find("source commit test"), std::string::npos);
    std::size_t drawn = 0;
    for (std::size_t at = dot.find(" -> "); at != std::string::npos; at = dot.find(" -> ", at + 1))
        ++drawn;
    // An arrow per (from, event, to) between phases, one loop per phase that has any, and each
    // loop line names its event.
    std::set<std::tuple<std::string, std::string, std::string>> arrows;
    std::set<std::string> phases_with_loops;
    for (const StateMachineEdge& edge : machine.edges) {
        if (edge.from != edge.to) {
            arrows.emplace(edge.from, edge.event, edge.to);
            continue;
        }
        phases_with_loops.insert(edge.from);
        std::string flat = edge.event;
        std::replace(flat.begin(), flat.end(), '\n', ' ');
        EXPECT_NE(dot.find(flat + " → "), std::string::npos) << flat;
    }
    EXPECT_EQ(drawn, arrows.size() + phases_with_loops.size());
}

// Removing a transition from the table removes it from the picture, by name.
TEST(DerivedStateMachine, DotChangesWhenATransitionIsRemoved) {
    StateMachine machine = derive_state_machine();
    const std::string before = state_machine_dot(machine, "");
    const auto removed = std::find_if(
        machine.edges.begin(), machine.edges.end(),
        [](const auto& e) { return e.event.find("base key altered") != std::string::npos; });
    ASSERT_NE(removed, machine.edges.end());
    const std::size_t all_of_them = std::count_if(
        machine.edges.begin(), machine.edges.end(),
        [](const auto& e) { return e.event.find("base key altered") != std::string::npos; });
    machine.edges.erase(
        std::remove_if(
            machine.edges.begin(), machine.edges.end(),
            [](const auto& e) { return e.event.find("base key altered") != std::string::npos; }),
        machine.edges.end());
    EXPECT_GT(all_of_them, 0u);
    const std::string after = state_machine_dot(machine, "");
    EXPECT_NE(before, after);
    EXPECT_NE(before.find("base key altered"), std::string::npos);
    EXPECT_EQ(after.find("base key altered"), std::string::npos);
}

// A changed model transition changes the derived machine: with authentication switched off
// (the model variant check_authentication = false), a tampered message is accepted, and the
// picture says so.
TEST(DerivedStateMachine, ChangesWhenTheModelDoes) {
    // 4 ops reach a tampered copy of the initiator's second message; without authentication the
    // state space grows fast, so both sides explore to the same smaller bound.
    const StateMachine specified = derive_state_machine({}, 5);
    model::Variant broken;
    broken.check_authentication = false;
    const StateMachine unauthenticated = derive_state_machine(broken, 5);
    const std::string tampered = "tampered PreKeySignalMessage of the current session";
    EXPECT_TRUE(has_edge(specified, established, tampered, "rejected", established));
    EXPECT_FALSE(has_edge(specified, established, tampered, "ok", established));
    EXPECT_TRUE(has_edge(unauthenticated, established, tampered, "ok", established));
    EXPECT_NE(state_machine_dot(specified, ""), state_machine_dot(unauthenticated, ""));
}

}  // namespace
}  // namespace ratchetcheck::evidence
