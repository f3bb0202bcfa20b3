#!/usr/bin/env node
// Self-test of the libsignal-client peer: two seat processes (Alice and Bob) driven through the
// line protocol only, as the C++ harness will drive them. It checks the seat, and it pins down the
// facts of libsignal 0.79.0 the project relies on (PQXDH required, version byte 0x44, Kyber keys
// 0x08 || 1568 bytes, one-time Kyber prekeys removed and last-resort ones kept).
//
// Prints one line per check and ends with "N passed, M failed"; exit status 1 if any failed.
'use strict';

const signal = require('@signalapp/libsignal-client');
const { SeatProcess, freshPartyRequest } = require('./seat_client.js');
const { kyberPreKeyRecordFromBytes, protobufFields } = require('./seat.js');

let passed = 0;
let failed = 0;

function check(condition, description, detail) {
  if (condition) {
    passed += 1;
    console.log(`ok    ${description}`);
  } else {
    failed += 1;
    console.log(`FAIL  ${description}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
  }
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const textHex = (text) => Buffer.from(text, 'utf8').toString('hex');
const sameList = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// Flips bits of one byte of a hex message. Offset 0 is the version byte.
function tampered(messageHex, offset, mask) {
  const bytes = Buffer.from(messageHex, 'hex');
  bytes[offset] ^= mask;
  return bytes.toString('hex');
}

const ALICE = { name: 'alice', device_id: 1 };
const BOB = { name: 'bob', device_id: 1 };
const CAROL = { name: 'carol', device_id: 1 };

// Sends `text` from one seat to the other; returns the encrypt answer and the decrypt answer.
async function deliver(sender, senderAddress, receiver, receiverAddress, text) {
  const sent = await sender.call({ cmd: 'encrypt', peer: receiverAddress, plaintext: textHex(text) });
  if (!sent.ok) return { sent, received: null };
  const received = await receiver.call({ cmd: 'decrypt', peer: senderAddress, type: sent.type, message: sent.message });
  return { sent, received };
}

function checkStorageFormOfKyberRecords() {
  // The seat writes Kyber prekey records itself (the package has no KEM key pair from bytes);
  // the bytes it writes must be libsignal's own storage form.
  const identity = signal.PrivateKey.generate();
  const keyPair = signal.KEMKeyPair.generate();
  const publicKey = keyPair.getPublicKey().serialize();
  const signature = identity.sign(publicKey);
  const fromLibrary = signal.KyberPreKeyRecord.new(77, 1234567, keyPair, signature).serialize();
  const fromSeat = kyberPreKeyRecordFromBytes(77, 1234567, publicKey, keyPair.getSecretKey().serialize(), signature).serialize();
  check(hex(fromLibrary) === hex(fromSeat), 'a Kyber prekey record written from bytes equals KyberPreKeyRecord.new');
  check(publicKey.length === 1569 && publicKey[0] === 0x08, 'a Kyber-1024 public key is 0x08 || 1568 bytes', publicKey.length);
}

async function checkRequestErrorsDoNotEndTheSeat() {
  const seat = new SeatProcess('robustness');
  const garbage = await seat.sendRaw('this is not JSON');
  check(!garbage.ok && garbage.error.name === 'BadRequest', 'a line that is not JSON is answered with BadRequest', garbage);
  const unknown = await seat.call({ cmd: 'launch', id: 7 });
  check(!unknown.ok && unknown.id === 7 && unknown.error.name === 'BadRequest', 'an unknown command is answered and its id echoed', unknown);
  const early = await seat.call({ cmd: 'encrypt', peer: BOB, plaintext: '00' });
  check(!early.ok && early.error.name === 'NoParty', 'encrypt before create is refused with NoParty', early);
  const badHex = await seat.call({ ...freshPartyRequest({ name: 'x', registrationId: 1, kyberPreKeys: [{ id: 1, lastResort: true }] }),
    identity: { private: 'zz' } });
  check(!badHex.ok && badHex.error.name === 'BadRequest', 'bad hex is refused with BadRequest', badHex);
  const firstParty = await seat.call(freshPartyRequest({ name: 'x', registrationId: 1, kyberPreKeys: [{ id: 1, lastResort: true }] }));
  const secondCreate = await seat.call(freshPartyRequest({ name: 'y', registrationId: 2, kyberPreKeys: [{ id: 1, lastResort: true }] }));
  check(firstParty.ok && !secondCreate.ok && secondCreate.error.name === 'AlreadyCreated', 'a second create is refused (AlreadyCreated)', secondCreate);
  const reset = await seat.call({ cmd: 'reset' });
  const afterReset = await seat.call({ cmd: 'probe' });
  const recreated = await seat.call(freshPartyRequest({ name: 'y', registrationId: 2, kyberPreKeys: [{ id: 1, lastResort: true }] }));
  check(reset.ok && !afterReset.ok && afterReset.error.name === 'NoParty' && recreated.ok,
    'reset forgets the party, and create starts a new one', { afterReset, recreated });
  const hello = await seat.call({ cmd: 'hello' });
  check(hello.ok && hello.library_version === '0.79.0', 'the seat still answers and runs libsignal-client 0.79.0', hello);
  const { exitCode } = await seat.quit();
  check(exitCode === 0, 'quit ends the seat with status 0', exitCode);
}

async function main() {
  checkStorageFormOfKyberRecords();
  await checkRequestErrorsDoNotEndTheSeat();

  const alice = new SeatProcess('alice');
  const bob = new SeatProcess('bob');
  const carol = new SeatProcess('carol');
  const created = await Promise.all([
    alice.call(freshPartyRequest({ name: 'alice', registrationId: 1111, kyberPreKeys: [{ id: 1, lastResort: true }] })),
    bob.call(freshPartyRequest({ name: 'bob', registrationId: 2222, preKeyIds: [31],
      kyberPreKeys: [{ id: 41, lastResort: false }, { id: 42, lastResort: true }] })),
    carol.call(freshPartyRequest({ name: 'carol', registrationId: 3333, kyberPreKeys: [{ id: 1, lastResort: true }] })),
  ]);
  check(created.every((answer) => answer.ok), 'three parties are created from given key bytes', created);

  // --- The handshake: Bob's bundle holds his one-time EC prekey and his one-time Kyber prekey.
  const { bundle } = await bob.call({ cmd: 'bundle' });
  check(bundle.prekey_id === 31 && bundle.kyber_prekey_id === 41, 'the bundle offers the one-time EC and one-time Kyber prekeys', bundle);
  check(bundle.kyber_prekey.length === 2 * 1569 && bundle.kyber_prekey.startsWith('08'), 'the bundle\'s Kyber prekey is 0x08 || 1568 bytes');

  const badSignature = await alice.call({ cmd: 'process_bundle', peer: BOB,
    bundle: { ...bundle, kyber_prekey_signature: tampered(bundle.kyber_prekey_signature, 5, 0x01) } });
  check(!badSignature.ok && badSignature.error.name === 'SignatureValidationFailed',
    'a bundle whose Kyber prekey signature is wrong is refused (SignatureValidationFailed)', badSignature);

  const processed = await alice.call({ cmd: 'process_bundle', peer: BOB, bundle });
  check(processed.ok, 'Alice starts a session from Bob\'s bundle', processed);
  const aliceBeforeReply = await alice.call({ cmd: 'probe', peer: BOB });
  check(aliceBeforeReply.record?.current_session?.session_version === 4 &&
    aliceBeforeReply.record.current_session.unacknowledged_kyber_prekey === true,
  'Alice\'s new session is version 4 with an unacknowledged Kyber prekey', aliceBeforeReply);

  const first = await deliver(alice, ALICE, bob, BOB, 'hello Bob');
  check(first.sent.type === 3 && first.sent.message.startsWith('44'), 'Alice\'s first message is a PreKey message with version byte 0x44', first.sent);
  check(first.received.ok && first.received.plaintext === textHex('hello Bob'), 'Bob decrypts Alice\'s PreKey message', first.received);
  // wire.proto PreKeySignalMessage: field 7 kyber_pre_key_id, field 8 kyber_ciphertext.
  const preKeyFields = protobufFields(Buffer.from(first.sent.message, 'hex').subarray(1));
  const kyberCiphertext = preKeyFields.get(8)?.[0];
  check(Number(preKeyFields.get(7)?.[0]) === 41 && kyberCiphertext?.length === 1569 && kyberCiphertext[0] === 0x08,
    'the PreKey message names Kyber prekey 41 (field 7) and carries a 0x08 || 1568-byte ciphertext (field 8)',
    { id: String(preKeyFields.get(7)?.[0]), length: kyberCiphertext?.length });

  const bobStores = await bob.call({ cmd: 'probe', peer: ALICE });
  check(sameList(bobStores.stores.kyber_prekey_ids, [42]), 'the one-time Kyber prekey is gone after use, the last-resort one stays', bobStores.stores);
  check(sameList(bobStores.stores.prekey_ids, []), 'the one-time EC prekey is gone after use', bobStores.stores);
  check(bobStores.has_current_state && bobStores.remote_registration_id === 1111 &&
    bobStores.record.current_session.session_version === 4, 'Bob\'s probe: current state, Alice\'s registration id, version 4', bobStores);

  // --- Ping-pong, 20 rounds each way; in every round three messages are delivered out of order.
  let ordered = true;
  let everyReplyIsWhisper = true;
  for (let round = 0; round < 20; round += 1) {
    for (const [sender, senderAddress, receiver, receiverAddress] of [[bob, BOB, alice, ALICE], [alice, ALICE, bob, BOB]]) {
      const texts = [0, 1, 2].map((index) => `${senderAddress.name} round ${round} message ${index}`);
      const sent = [];
      for (const text of texts) sent.push(await sender.call({ cmd: 'encrypt', peer: receiverAddress, plaintext: textHex(text) }));
      for (const index of [2, 0, 1]) {
        everyReplyIsWhisper &&= sent[index].type === 2 && sent[index].message.startsWith('44');
        const received = await receiver.call({ cmd: 'decrypt', peer: senderAddress, type: sent[index].type, message: sent[index].message });
        if (!received.ok || received.plaintext !== textHex(texts[index])) {
          ordered = false;
          console.log(`      round ${round} message ${index}: ${JSON.stringify(received)}`);
        }
      }
    }
  }
  check(ordered, '120 messages, 20 rounds each way, delivered out of order within each round, all decrypt');
  // Without SPQR a SignalMessage carries no pq_ratchet field; with it every message would.
  const lastWhisper = await alice.call({ cmd: 'encrypt', peer: BOB, plaintext: textHex('no SPQR') });
  const pqRatchetBytes = signal.SignalMessage.deserialize(Buffer.from(lastWhisper.message, 'hex')).pqRatchet();
  check(pqRatchetBytes.length === 0, 'the messages carry no SPQR (pq_ratchet) data: the classic Double Ratchet', pqRatchetBytes.length);
  await bob.call({ cmd: 'decrypt', peer: ALICE, type: lastWhisper.type, message: lastWhisper.message });
  check(everyReplyIsWhisper, 'once Bob has answered, every message is a Whisper message (type 2) with version byte 0x44');
  const aliceAfter = await alice.call({ cmd: 'probe', peer: BOB });
  check(aliceAfter.record.current_session.unacknowledged_prekey_message === false,
    'Alice\'s session no longer has an unacknowledged PreKey message', aliceAfter.record);

  // --- Out of order across a DH ratchet step: two messages on Alice's old sending chain arrive
  // after one on her new chain, so Bob decrypts them from an older receiving chain.
  const oldChain = [];
  for (const text of ['old chain 1', 'old chain 2']) oldChain.push(await alice.call({ cmd: 'encrypt', peer: BOB, plaintext: textHex(text) }));
  await deliver(bob, BOB, alice, ALICE, 'Bob makes Alice ratchet');
  const newChain = await deliver(alice, ALICE, bob, BOB, 'new chain 1');
  const lateOnes = [];
  for (const sent of oldChain.reverse()) lateOnes.push(await bob.call({ cmd: 'decrypt', peer: ALICE, type: sent.type, message: sent.message }));
  check(newChain.received.ok && lateOnes.every((answer) => answer.ok) &&
    lateOnes[0].plaintext === textHex('old chain 2') && lateOnes[1].plaintext === textHex('old chain 1'),
  'messages from before a DH ratchet step still decrypt after one from after it', { newChain: newChain.received, lateOnes });

  // --- A tampered message is refused, with a typed error, and changes nothing.
  const genuine = await alice.call({ cmd: 'encrypt', peer: BOB, plaintext: textHex('genuine') });
  const lastByte = Buffer.from(genuine.message, 'hex').length - 1;
  const forged = await bob.call({ cmd: 'decrypt', peer: ALICE, type: genuine.type, message: tampered(genuine.message, lastByte - 12, 0x20) });
  check(!forged.ok && forged.error.name === 'InvalidMessage', 'a message with one flipped ciphertext bit is refused (InvalidMessage)', forged);
  const badVersion = await bob.call({ cmd: 'decrypt', peer: ALICE, type: genuine.type, message: tampered(genuine.message, 0, 0x10) });
  check(!badVersion.ok && badVersion.error.name === 'UnrecognizedCiphertextVersion',
    'a message with version byte 0x54 instead of 0x44 is refused (UnrecognizedCiphertextVersion)', badVersion);
  const afterForgery = await bob.call({ cmd: 'decrypt', peer: ALICE, type: genuine.type, message: genuine.message });
  check(afterForgery.ok && afterForgery.plaintext === textHex('genuine'), 'the genuine message still decrypts after the forgeries', afterForgery);
  const next = await deliver(alice, ALICE, bob, BOB, 'and the next one');
  check(next.received.ok, 'and so does the next one', next.received);

  // --- Any bytes at all: mutated copies of a genuine message (one to four flipped bytes, cut
  // short, or lengthened) and random bytes, as both types. Every one must be answered — refused
  // with a named error, or accepted only if it decrypts to the genuine plaintext — and the
  // genuine message must still decrypt afterwards. The names seen are printed for the runner.
  const pristine = await alice.call({ cmd: 'encrypt', peer: BOB, plaintext: textHex('pristine') });
  const pristineBytes = Buffer.from(pristine.message, 'hex');
  let seed = 20251207;
  const nextRandom = (limit) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % limit; };
  const namesSeen = new Map();
  let everyAnswerSound = true;
  for (let trial = 0; trial < 300; trial += 1) {
    let bytes;
    if (trial % 10 === 9) {
      bytes = Buffer.from(Array.from({ length: nextRandom(200) }, () => nextRandom(256)));
    } else if (trial % 10 === 8) {
      bytes = trial % 20 === 8 ? pristineBytes.subarray(0, nextRandom(pristineBytes.length)) : Buffer.concat([pristineBytes, Buffer.from([nextRandom(256)])]);
    } else {
      bytes = Buffer.from(pristineBytes);
      for (let flips = 1 + nextRandom(4); flips > 0; flips -= 1) bytes[nextRandom(bytes.length)] ^= 1 + nextRandom(255);
    }
    const answer = await bob.call({ cmd: 'decrypt', peer: ALICE, type: trial % 2 === 0 ? 2 : 3, message: hex(bytes) });
    // A name of `Generic` would mean an error text the seat does not know (see MESSAGE_PATTERNS).
    const sound = answer.ok ? answer.plaintext === textHex('pristine')
      : answer.error.code !== 'Other' && !['Generic', 'Unexpected'].includes(answer.error.name);
    if (!sound) { everyAnswerSound = false; console.log(`      trial ${trial}: ${JSON.stringify(answer)}`); }
    const key = answer.ok ? 'accepted' : answer.error.name;
    namesSeen.set(key, (namesSeen.get(key) ?? 0) + 1);
  }
  console.log(`      answers to 300 altered or random messages: ${JSON.stringify(Object.fromEntries(namesSeen))}`);
  check(everyAnswerSound, 'the seat answers 300 altered or random messages, each refused with a known error name');
  const pristineAnswer = await bob.call({ cmd: 'decrypt', peer: ALICE, type: pristine.type, message: pristine.message });
  check(pristineAnswer.ok && pristineAnswer.plaintext === textHex('pristine'), 'and the genuine message still decrypts after them', pristineAnswer);

  // --- A replay is refused as a duplicate.
  const replay = await bob.call({ cmd: 'decrypt', peer: ALICE, type: genuine.type, message: genuine.message });
  check(!replay.ok && replay.error.name === 'DuplicatedMessage' && replay.error.code === 'DuplicatedMessage',
    'a replayed message is refused (DuplicatedMessage)', replay);

  // --- A second initiator, Carol, gets the bundle left: no EC prekey, the last-resort Kyber prekey.
  const { bundle: secondBundle } = await bob.call({ cmd: 'bundle' });
  check(secondBundle.prekey_id === null && secondBundle.kyber_prekey_id === 42, 'the next bundle has no EC prekey and the last-resort Kyber prekey', secondBundle);
  await carol.call({ cmd: 'process_bundle', peer: BOB, bundle: secondBundle });
  const fromCarolSent = await carol.call({ cmd: 'encrypt', peer: BOB, plaintext: textHex('hello from Carol') });
  // A bit flipped inside the Kyber ciphertext (field 8): decapsulation gives another secret
  // (implicit rejection), so the session keys differ and the embedded message does not authenticate.
  const carolBytes = Buffer.from(fromCarolSent.message, 'hex');
  const carolCiphertext = protobufFields(carolBytes.subarray(1)).get(8)[0];
  const ciphertextOffset = carolCiphertext.byteOffset - carolBytes.byteOffset;
  const kemTampered = await bob.call({ cmd: 'decrypt', peer: CAROL, type: 3, message: tampered(fromCarolSent.message, ciphertextOffset + 700, 0x04) });
  check(!kemTampered.ok && kemTampered.error.name === 'InvalidMessage',
    'a PreKey message with one flipped bit in its Kyber ciphertext is refused (InvalidMessage)', kemTampered);
  const afterKemTamper = await bob.call({ cmd: 'probe', peer: CAROL });
  check(afterKemTamper.has_session === false && sameList(afterKemTamper.stores.kyber_prekey_ids, [42]),
    'and Bob keeps no session with Carol from it', afterKemTamper);
  const fromCarol = { received: await bob.call({ cmd: 'decrypt', peer: CAROL, type: 3, message: fromCarolSent.message }) };
  check(fromCarol.received.ok && fromCarol.received.plaintext === textHex('hello from Carol'), 'Bob accepts a session on his last-resort Kyber prekey', fromCarol.received);
  const afterCarol = await bob.call({ cmd: 'probe' });
  check(sameList(afterCarol.stores.kyber_prekey_ids, [42]) && afterCarol.stores.kyber_prekey_use_counts['42'] === 1,
    'the last-resort Kyber prekey is kept after use', afterCarol.stores);

  // --- A pinned identity: Erin trusts only a key that is not Bob's, so Bob's bundle is refused.
  const pinned = new SeatProcess('pinned');
  await pinned.call(freshPartyRequest({ name: 'erin', registrationId: 5555, kyberPreKeys: [{ id: 1, lastResort: true }] }));
  const someoneElse = hex(signal.PrivateKey.generate().getPublicKey().serialize());
  const pinnedAnswer = await pinned.call({ cmd: 'trust', peer: BOB, identity_key: someoneElse });
  const untrusted = await pinned.call({ cmd: 'process_bundle', peer: BOB, bundle: secondBundle });
  check(pinnedAnswer.ok && !untrusted.ok && untrusted.error.name === 'UntrustedIdentity' && untrusted.error.code === 'UntrustedIdentity',
    'a bundle whose identity is not the pinned one is refused (UntrustedIdentity)', untrusted);
  await pinned.quit();

  // --- Dave uses Bob's first bundle again: its one-time Kyber prekey is gone.
  const dave = new SeatProcess('dave');
  await dave.call(freshPartyRequest({ name: 'dave', registrationId: 4444, kyberPreKeys: [{ id: 1, lastResort: true }] }));
  await dave.call({ cmd: 'process_bundle', peer: BOB, bundle: { ...bundle, prekey_id: null, prekey: null } });
  const staleKyber = await deliver(dave, { name: 'dave', device_id: 1 }, bob, BOB, 'stale');
  check(!staleKyber.received.ok && staleKyber.received.error.name === 'InvalidKyberPreKeyId',
    'a PreKey message naming a used one-time Kyber prekey is refused (InvalidKyberPreKeyId)', staleKyber.received);

  // --- A v3 (X3DH) PreKey message, built with the package's own message constructors: refused.
  const legacy = legacyPreKeyMessage();
  const legacyAnswer = await bob.call({ cmd: 'decrypt', peer: { name: 'mallory', device_id: 1 }, type: 3, message: legacy });
  check(!legacyAnswer.ok && legacyAnswer.error.name === 'InvalidMessage' && /X3DH no longer supported/.test(legacyAnswer.error.message),
    'a v3 PreKey message is refused (InvalidMessage: X3DH no longer supported)', legacyAnswer);

  // --- A v4 PreKey message without the Kyber fields: refused when parsed, before any key lookup.
  const withoutKyber = await bob.call({ cmd: 'decrypt', peer: { name: 'mallory', device_id: 1 }, type: 3, message: preKeyMessageWithoutKyber() });
  check(!withoutKyber.ok && withoutKyber.error.name === 'InvalidMessage' &&
    /Kyber pre key must be present/.test(withoutKyber.error.message),
  'a v4 PreKey message without Kyber fields is refused (InvalidMessage: Kyber pre key must be present)', withoutKyber);

  const quits = await Promise.all([alice, bob, carol, dave].map((seat) => seat.quit()));
  check(quits.every(({ exitCode }) => exitCode === 0), 'every seat quits with status 0', quits);

  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

// A well-formed version-3 PreKeySignalMessage for Bob's signed prekey 1, with no Kyber fields.
function legacyPreKeyMessage() {
  const identity = signal.IdentityKeyPair.generate();
  const ratchetKey = signal.PrivateKey.generate().getPublicKey();
  const inner = signal.SignalMessage._new(3, new Uint8Array(32), ratchetKey, 0, 0, new Uint8Array(16),
    identity.publicKey, signal.PrivateKey.generate().getPublicKey(), new Uint8Array(0));
  const outer = signal.PreKeySignalMessage._new(3, 5555, null, 1, signal.PrivateKey.generate().getPublicKey(),
    identity.publicKey, inner);
  const bytes = outer.serialize();
  // The version byte is (message version << 4) | the sender's current version: 0x34 from 0.79.0.
  check(bytes[0] === 0x34, 'the package still builds a v3 PreKey message (version byte 0x34)', bytes[0]);
  return hex(bytes);
}

// A version-4 PreKeySignalMessage as 0.79.0's constructor builds it: it has no Kyber parameters,
// so the message lacks fields 7 and 8.
function preKeyMessageWithoutKyber() {
  const identity = signal.IdentityKeyPair.generate();
  const inner = signal.SignalMessage._new(4, new Uint8Array(32), signal.PrivateKey.generate().getPublicKey(), 0, 0,
    new Uint8Array(16), identity.publicKey, signal.PrivateKey.generate().getPublicKey(), new Uint8Array(0));
  const outer = signal.PreKeySignalMessage._new(4, 5555, null, 1, signal.PrivateKey.generate().getPublicKey(),
    identity.publicKey, inner);
  return hex(outer.serialize());
}

main().catch((error) => {
  console.log(`FAIL  the self-test stopped: ${error.stack}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exitCode = 1;
});
