// The JSON form of op traces (docs/op-trace.md).
#include "ratchetcheck/harness/op_trace.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace ratchetcheck::harness {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view trace_format = "ratchetcheck-op-trace/1";

const char* choice_name(ForgeOp::Choice choice) {
    return choice == ForgeOp::Choice::genuine ? "genuine" : "other";
}

const char* one_time_prekey_name(ForgeOp::OneTimePreKey choice) {
    switch (choice) {
        case ForgeOp::OneTimePreKey::genuine:
            return "genuine";
        case ForgeOp::OneTimePreKey::absent:
            return "absent";
        case ForgeOp::OneTimePreKey::other:
            return "other";
    }
    return "genuine";
}

Json key_to_json(const ForgedKey& key) {
    switch (key.kind) {
        case ForgedKey::Kind::epoch:
            return Json{{"epoch", key.epoch}};
        case ForgedKey::Kind::fresh:
            return "fresh";
        case ForgedKey::Kind::invalid:
            return "invalid";
        case ForgedKey::Kind::low_order:
            return "low_order";
    }
    return "fresh";
}

Json op_json(const Op& op) {
    Json json;
    json["op"] = std::string(op_name(op));
    std::visit(
        [&json](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, SendOp>) {
                json["party"] = model::party_name(value.party);
                json["size"] = value.size;
            } else if constexpr (std::is_same_v<T, DeliverOp> || std::is_same_v<T, DuplicateOp> ||
                                 std::is_same_v<T, DropOp>) {
                json["message"] = value.message;
            } else if constexpr (std::is_same_v<T, TamperOp>) {
                json["message"] = value.message;
                json["byte"] = value.byte;
                json["mask"] = value.mask;
            } else if constexpr (std::is_same_v<T, TruncateOp>) {
                json["message"] = value.message;
                json["length"] = value.length;
            } else if constexpr (std::is_same_v<T, ForgeOp>) {
                json["party"] = model::party_name(value.party);
                json["type"] = value.prekey ? "prekey" : "signal";
                json["ratchet_key"] = key_to_json(value.ratchet_key);
                json["counter"] = value.counter;
                json["previous_counter"] = value.previous_counter;
                json["ciphertext_blocks"] = value.ciphertext_blocks;
                if (value.prekey) {
                    json["base_key"] = choice_name(value.base_key);
                    json["identity"] = choice_name(value.identity);
                    json["signed_prekey_id"] = choice_name(value.signed_prekey_id);
                    json["one_time_prekey_id"] = one_time_prekey_name(value.one_time_prekey_id);
                }
            } else if constexpr (std::is_same_v<T, SaveRestoreOp>) {
                json["party"] = model::party_name(value.party);
            }
        },
        op);
    return json;
}

// Reader extracts typed fields, remembering the first error with its path.
class Reader {
  public:
    std::optional<TraceParseError> error;

    void fail(const std::string& field, const std::string& problem) {
        if (!error)
            error = TraceParseError{field, problem};
    }
    const Json* member(const Json& object, const std::string& path, const char* key,
                       bool required = true) {
        if (!object.is_object() || !object.contains(key)) {
            if (required)
                fail(path + "." + key, "missing");
            return nullptr;
        }
        return &object.at(key);
    }
    std::uint64_t unsigned_value(const Json& object, const std::string& path, const char* key,
                                 std::uint64_t maximum,
                                 std::optional<std::uint64_t> fallback = std::nullopt) {
        const Json* value = member(object, path, key, !fallback.has_value());
        if (value == nullptr)
            return fallback.value_or(0);
        if (!value->is_number_unsigned() || value->get<std::uint64_t>() > maximum) {
            fail(path + "." + key, fmt::format("expected an integer from 0 to {}", maximum));
            return 0;
        }
        return value->get<std::uint64_t>();
    }
    std::string text(const Json& object, const std::string& path, const char* key,
                     const std::optional<std::string>& fallback = std::nullopt) {
        const Json* value = member(object, path, key, !fallback.has_value());
        if (value == nullptr)
            return fallback.value_or("");
        if (!value->is_string()) {
            fail(path + "." + key, "expected a string");
            return {};
        }
        return value->get<std::string>();
    }
    bool boolean(const Json& object, const std::string& path, const char* key) {
        const Json* value = member(object, path, key);
        if (value == nullptr)
            return false;
        if (!value->is_boolean()) {
            fail(path + "." + key, "expected true or false");
            return false;
        }
        return value->get<bool>();
    }
    model::PartyId party(const Json& object, const std::string& path) {
        const std::string name = text(object, path, "party");
        if (name == "alice")
            return model::PartyId::alice;
        if (name == "bob")
            return model::PartyId::bob;
        fail(path + ".party", "expected \"alice\" or \"bob\"");
        return model::PartyId::alice;
    }
    ForgeOp::Choice choice(const Json& object, const std::string& path, const char* key) {
        const std::string name = text(object, path, key, "genuine");
        if (name == "genuine")
            return ForgeOp::Choice::genuine;
        if (name == "other")
            return ForgeOp::Choice::other;
        fail(path + "." + key, "expected \"genuine\" or \"other\"");
        return ForgeOp::Choice::genuine;
    }
};

Op read_op(Reader& reader, const Json& json, const std::string& path) {
    const std::string name = reader.text(json, path, "op");
    const auto u32 = [&](const char* key) {
        return static_cast<std::uint32_t>(reader.unsigned_value(json, path, key, UINT32_MAX));
    };
    if (name == "send")
        return SendOp{reader.party(json, path), static_cast<std::uint32_t>(reader.unsigned_value(
                                                    json, path, "size", max_send_size))};
    if (name == "deliver")
        return DeliverOp{u32("message")};
    if (name == "duplicate")
        return DuplicateOp{u32("message")};
    if (name == "drop")
        return DropOp{u32("message")};
    if (name == "tamper") {
        return TamperOp{u32("message"), u32("byte"),
                        static_cast<std::uint8_t>(reader.unsigned_value(json, path, "mask", 255))};
    }
    if (name == "truncate")
        return TruncateOp{u32("message"), u32("length")};
    if (name == "save_restore")
        return SaveRestoreOp{reader.party(json, path)};
    if (name == "forge") {
        ForgeOp forge;
        forge.party = reader.party(json, path);
        const std::string type = reader.text(json, path, "type");
        if (type != "signal" && type != "prekey")
            reader.fail(path + ".type", "expected \"signal\" or \"prekey\"");
        forge.prekey = type == "prekey";
        const Json* key = reader.member(json, path, "ratchet_key");
        if (key != nullptr) {
            if (key->is_object()) {
                forge.ratchet_key.kind = ForgedKey::Kind::epoch;
                forge.ratchet_key.epoch = static_cast<std::uint32_t>(
                    reader.unsigned_value(*key, path + ".ratchet_key", "epoch", UINT32_MAX));
            } else if (*key == "fresh") {
                forge.ratchet_key.kind = ForgedKey::Kind::fresh;
            } else if (*key == "invalid") {
                forge.ratchet_key.kind = ForgedKey::Kind::invalid;
            } else if (*key == "low_order") {
                forge.ratchet_key.kind = ForgedKey::Kind::low_order;
            } else {
                reader.fail(path + ".ratchet_key",
                            "expected {\"epoch\": N}, \"fresh\", \"invalid\" or \"low_order\"");
            }
        }
        forge.counter = u32("counter");
        forge.previous_counter = u32("previous_counter");
        forge.ciphertext_blocks = static_cast<std::uint8_t>(
            reader.unsigned_value(json, path, "ciphertext_blocks", 255, 1));
        // The PreKeySignalMessage fields are read only for a prekey forgery: trace_to_json writes
        // them only there, so a signal forgery carrying them would not read back to itself (found
        // by the op_trace_json fuzz target; corpus/op_trace_json keeps the input).
        if (forge.prekey) {
            forge.base_key = reader.choice(json, path, "base_key");
            forge.identity = reader.choice(json, path, "identity");
            forge.signed_prekey_id = reader.choice(json, path, "signed_prekey_id");
            const std::string one_time = reader.text(json, path, "one_time_prekey_id", "genuine");
            if (one_time == "genuine") {
                forge.one_time_prekey_id = ForgeOp::OneTimePreKey::genuine;
            } else if (one_time == "absent") {
                forge.one_time_prekey_id = ForgeOp::OneTimePreKey::absent;
            } else if (one_time == "other") {
                forge.one_time_prekey_id = ForgeOp::OneTimePreKey::other;
            } else {
                reader.fail(path + ".one_time_prekey_id",
                            "expected \"genuine\", \"absent\" or \"other\"");
            }
        }
        return forge;
    }
    reader.fail(path + ".op",
                "expected send, deliver, duplicate, drop, tamper, truncate, forge or save_restore");
    return SendOp{};
}

}  // namespace

std::string_view op_name(const Op& op) {
    static constexpr std::string_view names[] = {"send",   "deliver", "duplicate",    "drop",
                                                 "tamper", "forge",   "save_restore", "truncate"};
    return names[op.index()];
}

std::string_view trace_profile_name(TraceProfile profile) {
    return profile == TraceProfile::signal_v4_pqxdh ? Profile::signal_v4_pqxdh().name
                                                    : Profile::signal_v3().name;
}

std::optional<std::string> validate_setup(const TraceSetup& setup) {
    if (setup.profile != TraceProfile::signal_v4_pqxdh && !setup.one_time_kyber_prekey)
        return std::string(
            "one_time_kyber_prekey is false, but only signal-v4-pqxdh has Kyber "
            "prekeys");
    const model::Limits& limits = setup.limits;
    if (limits.max_receiving_chains < 1 ||
        limits.max_receiving_chains > max_trace_receiving_chains) {
        return fmt::format("max_receiving_chains must be 1 to {}", max_trace_receiving_chains);
    }
    for (const std::int64_t value : {limits.max_forward_jump, limits.max_skipped_keys_per_chain,
                                     limits.max_skipped_keys_total}) {
        if (value < 0 || value > max_trace_limit) {
            return fmt::format(
                "max_forward_jump, max_skipped_keys_per_chain and "
                "max_skipped_keys_total must be 0 to {}",
                max_trace_limit);
        }
    }
    return std::nullopt;
}

Profile profile_for(const TraceSetup& setup) {
    Profile profile = setup.profile == TraceProfile::signal_v4_pqxdh ? Profile::signal_v4_pqxdh()
                                                                     : Profile::signal_v3();
    profile.max_forward_jump = static_cast<std::uint32_t>(setup.limits.max_forward_jump);
    profile.max_skipped_keys_per_chain =
        static_cast<std::size_t>(setup.limits.max_skipped_keys_per_chain);
    profile.max_skipped_keys_total = static_cast<std::size_t>(setup.limits.max_skipped_keys_total);
    profile.max_receiving_chains = setup.limits.max_receiving_chains;
    return profile;
}

model::ProfileRules model_rules_for(const Profile& profile) {
    return model::ProfileRules{.prekey_message_tries_every_session =
                                   profile.prekey_message_tries_every_session};
}

std::string op_to_json(const Op& op, const std::optional<std::string>& expectation) {
    Json json = op_json(op);
    if (expectation)
        json["expect"] = *expectation;
    return json.dump();
}

std::string trace_to_json(const OpTrace& trace) {
    Json setup;
    setup["key_seed"] = fmt::format("{:016x}", trace.setup.key_seed);
    setup["one_time_prekey"] = trace.setup.one_time_prekey;
    // A signal-v3 trace is written as before (no name, no Kyber field), so that the files of
    // corpus/traces stay byte-identical when rewritten.
    if (trace.setup.profile != TraceProfile::signal_v3)
        setup["one_time_kyber_prekey"] = trace.setup.one_time_kyber_prekey;
    setup["profile"] = Json::object();
    if (trace.setup.profile != TraceProfile::signal_v3)
        setup["profile"]["name"] = std::string(trace_profile_name(trace.setup.profile));
    setup["profile"].update(
        Json{{"max_forward_jump", trace.setup.limits.max_forward_jump},
             {"max_skipped_keys_per_chain", trace.setup.limits.max_skipped_keys_per_chain},
             {"max_skipped_keys_total", trace.setup.limits.max_skipped_keys_total},
             {"max_receiving_chains", trace.setup.limits.max_receiving_chains}});
    std::string out = "{\n";
    out += fmt::format("  \"format\": {},\n", Json(std::string(trace_format)).dump());
    if (!trace.note.empty())
        out += fmt::format("  \"note\": {},\n", Json(trace.note).dump());
    out += fmt::format("  \"setup\": {},\n", setup.dump());
    out += "  \"ops\": [";
    for (std::size_t index = 0; index < trace.ops.size(); ++index) {
        const std::optional<std::string> expectation =
            index < trace.expectations.size() ? trace.expectations[index] : std::nullopt;
        out += fmt::format("{}\n    {}", index == 0 ? "" : ",",
                           op_to_json(trace.ops[index], expectation));
    }
    out += trace.ops.empty() ? "]\n}\n" : "\n  ]\n}\n";
    return out;
}

std::string TraceParseError::message() const {
    return field.empty() ? problem : fmt::format("field '{}': {}", field, problem);
}

std::variant<OpTrace, TraceParseError> trace_from_json(std::string_view text) {
    const Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded())
        return TraceParseError{"", "not valid JSON"};
    Reader reader;
    OpTrace trace;
    if (reader.text(json, "", "format") != trace_format && !reader.error) {
        reader.fail(".format", fmt::format("expected \"{}\"", trace_format));
    }
    trace.note = reader.text(json, "", "note", "");
    const Json* setup = reader.member(json, "", "setup");
    if (setup != nullptr) {
        const std::string seed = reader.text(*setup, ".setup", "key_seed");
        if (seed.empty() || seed.size() > 16 ||
            seed.find_first_not_of("0123456789abcdef") != std::string::npos) {
            reader.fail(".setup.key_seed", "expected 1 to 16 lowercase hex digits");
        } else {
            trace.setup.key_seed = std::stoull(seed, nullptr, 16);
        }
        trace.setup.one_time_prekey = reader.boolean(*setup, ".setup", "one_time_prekey");
        if (setup->is_object() && setup->contains("one_time_kyber_prekey"))
            trace.setup.one_time_kyber_prekey =
                reader.boolean(*setup, ".setup", "one_time_kyber_prekey");
        const Json* profile = reader.member(*setup, ".setup", "profile");
        if (profile != nullptr) {
            const std::string path = ".setup.profile";
            // The profile's name is optional: every trace written before issue 23 is signal-v3.
            const std::string name =
                reader.text(*profile, path, "name", std::string(Profile::signal_v3().name));
            if (name == trace_profile_name(TraceProfile::signal_v4_pqxdh))
                trace.setup.profile = TraceProfile::signal_v4_pqxdh;
            else if (name != trace_profile_name(TraceProfile::signal_v3))
                reader.fail(path + ".name", "expected \"signal-v3\" or \"signal-v4-pqxdh\"");
            model::Limits& limits = trace.setup.limits;
            limits.max_forward_jump = static_cast<std::int64_t>(
                reader.unsigned_value(*profile, path, "max_forward_jump", max_trace_limit));
            limits.max_skipped_keys_per_chain = static_cast<std::int64_t>(reader.unsigned_value(
                *profile, path, "max_skipped_keys_per_chain", max_trace_limit));
            limits.max_skipped_keys_total = static_cast<std::int64_t>(
                reader.unsigned_value(*profile, path, "max_skipped_keys_total", max_trace_limit));
            limits.max_receiving_chains = static_cast<std::size_t>(reader.unsigned_value(
                *profile, path, "max_receiving_chains", max_trace_receiving_chains));
        }
        if (!reader.error) {
            if (auto problem = validate_setup(trace.setup))
                reader.fail(".setup.profile", *problem);
        }
    }
    const Json* ops = reader.member(json, "", "ops");
    if (ops != nullptr && !ops->is_array())
        reader.fail(".ops", "expected an array");
    if (ops != nullptr && ops->is_array()) {
        bool any_expectation = false;
        for (std::size_t index = 0; index < ops->size() && !reader.error; ++index) {
            const std::string path = fmt::format(".ops[{}]", index);
            const Json& entry = ops->at(index);
            if (!entry.is_object()) {
                reader.fail(path, "expected an object");
                break;
            }
            trace.ops.push_back(read_op(reader, entry, path));
            std::optional<std::string> expectation;
            if (entry.contains("expect")) {
                expectation = reader.text(entry, path, "expect");
                any_expectation = true;
            }
            trace.expectations.push_back(expectation);
        }
        if (!any_expectation)
            trace.expectations.clear();
    }
    if (reader.error)
        return *reader.error;
    return trace;
}

}  // namespace ratchetcheck::harness
