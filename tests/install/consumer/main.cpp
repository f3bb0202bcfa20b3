// Two parties set up a session through the installed public API and exchange one message.
#include <ratchetcheck/party.hpp>

#include <cstdio>
#include <string_view>

int main() {
    using namespace ratchetcheck;
    KeySource& keys = SodiumKeySource::instance();
    auto alice_identity = generate_identity_key_pair(keys);
    auto bob_identity = generate_identity_key_pair(keys);
    if (!alice_identity.ok() || !bob_identity.ok())
        return 1;
    auto signed_prekey = generate_signed_prekey(bob_identity.value(), 1, keys);
    if (!signed_prekey.ok())
        return 1;

    const PreKeyBundle bundle =
        make_prekey_bundle(2, 1, bob_identity.value().public_key, signed_prekey.value());

    Party alice(alice_identity.value().clone(), 1, bundle.identity_key, keys);
    Party bob(std::move(bob_identity).value(), 2, alice_identity.value().public_key, keys);
    bob.add_signed_prekey(std::move(signed_prekey).value());
    if (!alice.initiate_session(bundle).ok())
        return 1;

    constexpr std::string_view text = "hello from an installed ratchetcheck";
    auto message = alice.encrypt({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
    if (!message.ok())
        return 1;
    auto plaintext = bob.decrypt(message.value().type, message.value().bytes);
    if (!plaintext.ok() || std::string_view(reinterpret_cast<const char*>(plaintext.value().data()),
                                            plaintext.value().size()) != text) {
        std::puts("consumer: round trip failed");
        return 1;
    }
    std::puts("consumer: round trip ok");
    return 0;
}
