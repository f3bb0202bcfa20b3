#!/usr/bin/env node
// Measures the libsignal-client peer: how long a seat takes to start, and how many messages per
// second go through two seats (encrypt in one, decrypt in the other, one request at a time as the
// side-by-side runner sends them), next to the same work done by libsignal in this process with
// no pipe, so that the cost of the line protocol itself shows.
//
//   node measure.js [--messages N] [--starts N] [--handshakes N]
//
// Prints one JSON object. Not a test: nothing here passes or fails.
'use strict';

const signal = require('@signalapp/libsignal-client');
const { SeatProcess, freshPartyRequest } = require('./seat_client.js');

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}
const MESSAGES = option('messages', 2000);
const STARTS = option('starts', 10);
const HANDSHAKES = option('handshakes', 100);

const ALICE = { name: 'alice', device_id: 1 };
const BOB = { name: 'bob', device_id: 1 };
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measureStart() {
  const startTimes = [];
  for (let run = 0; run < STARTS; run += 1) {
    const start = process.hrtime.bigint();
    const seat = new SeatProcess(`start ${run}`);
    await seat.call({ cmd: 'hello' });
    startTimes.push(seconds(start) * 1000);
    await seat.quit();
  }
  return { runs: STARTS, median_ms: median(startTimes), min_ms: Math.min(...startTimes), max_ms: Math.max(...startTimes) };
}

// A party's `create` (Kyber record built from bytes, signatures made by the seat) then `reset`:
// the cost of a new party in a running seat.
async function measureCreate() {
  const seat = new SeatProcess('create');
  const requests = Array.from({ length: HANDSHAKES }, (_, index) => freshPartyRequest({ name: `p${index}`,
    registrationId: 1, preKeyIds: [1], kyberPreKeys: [{ id: 1, lastResort: false }, { id: 2, lastResort: true }] }));
  const start = process.hrtime.bigint();
  for (const request of requests) {
    const created = await seat.call(request);
    if (!created.ok) throw new Error(JSON.stringify(created));
    await seat.call({ cmd: 'reset' });
  }
  const elapsed = seconds(start);
  await seat.quit();
  return { parties: HANDSHAKES, seconds: elapsed, milliseconds_per_party: (elapsed * 1000) / HANDSHAKES };
}

async function connectedSeats() {
  const alice = new SeatProcess('alice');
  const bob = new SeatProcess('bob');
  await alice.call(freshPartyRequest({ name: 'alice', registrationId: 1, kyberPreKeys: [{ id: 1, lastResort: true }] }));
  await bob.call(freshPartyRequest({ name: 'bob', registrationId: 2, kyberPreKeys: [{ id: 1, lastResort: true }] }));
  const { bundle } = await bob.call({ cmd: 'bundle' });
  await alice.call({ cmd: 'process_bundle', peer: BOB, bundle });
  return { alice, bob };
}

// `alternate`: the direction changes with every message, so every message is a DH ratchet step;
// otherwise Alice sends them all (after Bob's one answer) and each is a symmetric chain step.
async function throughSeats(alternate) {
  const { alice, bob } = await connectedSeats();
  const plaintext = Buffer.from('a message of about the length of a chat line').toString('hex');
  const exchange = async (sender, receiverAddress, receiver, senderAddress) => {
    const sent = await sender.call({ cmd: 'encrypt', peer: receiverAddress, plaintext });
    const received = await receiver.call({ cmd: 'decrypt', peer: senderAddress, type: sent.type, message: sent.message });
    if (!received.ok) throw new Error(JSON.stringify(received));
  };
  await exchange(alice, BOB, bob, ALICE);
  await exchange(bob, ALICE, alice, BOB);
  const start = process.hrtime.bigint();
  for (let index = 0; index < MESSAGES; index += 1) {
    if (alternate && index % 2 === 1) await exchange(bob, ALICE, alice, BOB);
    else await exchange(alice, BOB, bob, ALICE);
  }
  const elapsed = seconds(start);
  await Promise.all([alice.quit(), bob.quit()]);
  return { messages: MESSAGES, seconds: elapsed, messages_per_second: MESSAGES / elapsed };
}

// Alice and Bob in this process, on the seat's stores, Bob with a last-resort Kyber prekey; and a
// function that sends one message from one to the other and decrypts it.
async function inProcessParties() {
  const seat = require('./seat.js');
  const makeParty = (registrationId) => {
    const identity = signal.IdentityKeyPair.generate();
    const stores = seat.createStores(identity.privateKey, registrationId);
    return { identity, stores };
  };
  const alice = makeParty(1);
  const bob = makeParty(2);
  const signedPreKey = signal.PrivateKey.generate();
  const kyber = signal.KEMKeyPair.generate();
  await bob.stores.signedPreKeyStore.saveSignedPreKey(1, signal.SignedPreKeyRecord.new(1, 0, signedPreKey.getPublicKey(),
    signedPreKey, bob.identity.privateKey.sign(signedPreKey.getPublicKey().serialize())));
  await bob.stores.kyberPreKeyStore.saveKyberPreKey(1, signal.KyberPreKeyRecord.new(1, 0, kyber,
    bob.identity.privateKey.sign(kyber.getPublicKey().serialize())));
  bob.stores.kyberPreKeyStore.lastResortIds.add(1);
  const bobRecord = await bob.stores.signedPreKeyStore.getSignedPreKey(1);
  const kyberRecord = await bob.stores.kyberPreKeyStore.getKyberPreKey(1);
  const bundle = signal.PreKeyBundle.new(2, 1, null, null, 1, bobRecord.publicKey(), bobRecord.signature(),
    bob.identity.publicKey, 1, kyberRecord.publicKey(), kyberRecord.signature());
  const aliceAddress = signal.ProtocolAddress.new('alice', 1);
  const bobAddress = signal.ProtocolAddress.new('bob', 1);
  const plaintext = Buffer.from('a message of about the length of a chat line');
  const exchange = async (sender, receiver, receiverAddress, senderAddress) => {
    const message = await signal.signalEncrypt(plaintext, receiverAddress, sender.stores.sessionStore, sender.stores.identityStore);
    if (message.type() === signal.CiphertextMessageType.PreKey) {
      await signal.signalDecryptPreKey(signal.PreKeySignalMessage.deserialize(message.serialize()), senderAddress,
        receiver.stores.sessionStore, receiver.stores.identityStore, receiver.stores.preKeyStore,
        receiver.stores.signedPreKeyStore, receiver.stores.kyberPreKeyStore, signal.UsePQRatchet.No);
    } else {
      await signal.signalDecrypt(signal.SignalMessage.deserialize(message.serialize()), senderAddress,
        receiver.stores.sessionStore, receiver.stores.identityStore);
    }
  };
  return { alice, bob, aliceAddress, bobAddress, bundle, exchange };
}

// The same exchange with libsignal called directly, through the same kind of in-memory stores.
async function inProcess(alternate) {
  const { alice, bob, aliceAddress, bobAddress, bundle, exchange } = await inProcessParties();
  await signal.processPreKeyBundle(bundle, bobAddress, alice.stores.sessionStore, alice.stores.identityStore, signal.UsePQRatchet.No);
  await exchange(alice, bob, bobAddress, aliceAddress);
  await exchange(bob, alice, aliceAddress, bobAddress);
  const start = process.hrtime.bigint();
  for (let index = 0; index < MESSAGES; index += 1) {
    if (alternate && index % 2 === 1) await exchange(bob, alice, aliceAddress, bobAddress);
    else await exchange(alice, bob, bobAddress, aliceAddress);
  }
  const elapsed = seconds(start);
  return { messages: MESSAGES, seconds: elapsed, messages_per_second: MESSAGES / elapsed };
}

// A whole PQXDH setup through the seats: Bob hands out a bundle, Alice processes it and sends a
// PreKey message, Bob decrypts it (decapsulation included). New seats are not started per setup;
// Alice's next setup replaces her session with Bob.
async function handshakesThroughSeats() {
  const { alice, bob } = await connectedSeats();
  const plaintext = '00';
  const start = process.hrtime.bigint();
  for (let index = 0; index < HANDSHAKES; index += 1) {
    const { bundle } = await bob.call({ cmd: 'bundle' });
    await alice.call({ cmd: 'process_bundle', peer: BOB, bundle });
    const sent = await alice.call({ cmd: 'encrypt', peer: BOB, plaintext });
    const received = await bob.call({ cmd: 'decrypt', peer: ALICE, type: sent.type, message: sent.message });
    if (!received.ok) throw new Error(JSON.stringify(received));
  }
  const elapsed = seconds(start);
  await Promise.all([alice.quit(), bob.quit()]);
  return { handshakes: HANDSHAKES, seconds: elapsed, handshakes_per_second: HANDSHAKES / elapsed };
}

async function handshakesInProcess() {
  const { alice, bob, aliceAddress, bobAddress, bundle, exchange } = await inProcessParties();
  const start = process.hrtime.bigint();
  for (let index = 0; index < HANDSHAKES; index += 1) {
    await signal.processPreKeyBundle(bundle, bobAddress, alice.stores.sessionStore, alice.stores.identityStore, signal.UsePQRatchet.No);
    await exchange(alice, bob, bobAddress, aliceAddress);
  }
  const elapsed = seconds(start);
  return { handshakes: HANDSHAKES, seconds: elapsed, handshakes_per_second: HANDSHAKES / elapsed };
}

async function main() {
  const result = {
    library_version: require('@signalapp/libsignal-client/package.json').version,
    node_version: process.versions.node,
    seat_start: await measureStart(),
    create_and_reset: await measureCreate(),
    one_direction: { through_seats: await throughSeats(false), in_process: await inProcess(false) },
    alternating: { through_seats: await throughSeats(true), in_process: await inProcess(true) },
    pqxdh_setup: { through_seats: await handshakesThroughSeats(), in_process: await handshakesInProcess() },
  };
  console.log(JSON.stringify(result, null, 2));
}

main();
