#!/usr/bin/env node
// The PQXDH setup of libsignal-client, timed per operation for bench/compare_pqxdh, which divides
// ratchet_bench's pqxdh_* times by these (docs/benchmarks.md, "PQXDH").
//
// One setup is the work of pqxdh_setup/ours: Alice processes Bob's bundle (processPreKeyBundle:
// trust, both signatures, base key, four DH, the Kyber-1024 encapsulation), encrypts the first
// message (signalEncrypt, a PreKeySignalMessage, serialized), and Bob decrypts it
// (PreKeySignalMessage.deserialize and signalDecryptPreKey: four DH, the decapsulation, the first
// DH ratchet step, the one-time prekeys removed). The bundle carries a one-time EC prekey and a
// one-time Kyber prekey, as in ratchet_bench. Every setup is between parties that have never met:
// Alice talks to a new address each time, and each Bob is new, with his own identity and stores.
// Making the keys and the stores is not timed; the Kyber prekey is made when Bob publishes it.
//
// Two ways:
//   in_process     libsignal called here, on the seat's in-memory stores (seat.js createStores:
//                  records stored serialized, as a database would), so the time is what a Node
//                  application pays, bridge and store callbacks included. Each operation is timed
//                  over a batch of --iterations setups (all bundles, then all encrypts, then all
//                  decrypts) with no timer call inside the batch.
//   through_seats  the same three operations as requests to two seat processes (seat.js), one
//                  at a time, as the side-by-side runner sends them; and the round trip of
//                  `hello`, a request that does no work, which is the line protocol's own cost.
//
// Before every timed batch the script collects garbage; a warm-up round comes first and is not
// counted. Each way runs --rounds times; every figure is the median over the rounds, in microseconds per
// operation: wall time (process.hrtime) and CPU time: this process's, and through the seats that
// of the seat processes too (see startTimer). On a loaded machine wall time counts the time a
// process waits for a core, CPU time does not; compare CPU times.
//
//   node bench_setup.js [--iterations N] [--seat-iterations N] [--round-trips N] [--rounds R]
//
// Prints one JSON object on standard output. Not a test: nothing here passes or fails, except
// that any failed operation ends the script with status 1.
'use strict';

const fs = require('node:fs');
const signal = require('@signalapp/libsignal-client');
const { SeatProcess, freshPartyRequest } = require('./seat_client.js');
const { createStores } = require('./seat.js');

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} needs a positive integer`);
    process.exit(2);
  }
  return value;
}
const ITERATIONS = option('iterations', 200);
const SEAT_ITERATIONS = option('seat-iterations', 100);
const ROUND_TRIPS = option('round-trips', 1000);
const ROUNDS = option('rounds', 5);

const PLAINTEXT = Buffer.alloc(100, 0x5a); // ratchet_bench's message_plaintext()
const USE_PQ_RATCHET = signal.UsePQRatchet.No; // as the seat: PQXDH and the classic ratchet

// A full garbage collection before each timed batch, so that a batch does not pay for the garbage
// its untimed preparation left (the 200 new Bobs' keys); the garbage a batch makes itself is its
// own cost and stays in. The flag is set at run time so that the script runs with plain `node`.
require('node:v8').setFlagsFromString('--expose-gc');
const collectGarbage = require('node:vm').runInNewContext('gc');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// The CPU time, in microseconds, of a process and all its threads so far, from the scheduler's
// own count (/proc/PID/task/TID/schedstat, nanoseconds on the CPU): precise where the tick-based
// utime of /proc/PID/stat would round to 10 ms. Linux only, like the project.
function processCpuMicroseconds(pid) {
  let nanoseconds = 0;
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      nanoseconds += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that ended between the listing and the read: its time is lost, a few µs at most
    }
  }
  return nanoseconds / 1e3;
}

// A timer over a batch: wall and CPU microseconds per operation. The CPU time is this process's
// (process.cpuUsage: all its threads, as Google Benchmark's CPU time counts them) plus that of the
// seat processes given, so that a seat's figure holds all the work a request costs: encoding and
// parsing on both ends, the pipe, and libsignal.
function startTimer(seats = []) {
  collectGarbage();
  return { wall: process.hrtime.bigint(), cpu: process.cpuUsage(), seats,
    seatsCpu: seats.map((seat) => processCpuMicroseconds(seat.child.pid)) };
}
function perOperation(timer, operations) {
  const wall = Number(process.hrtime.bigint() - timer.wall) / 1e3;
  const own = process.cpuUsage(timer.cpu);
  const seatsCpu = timer.seats.reduce((sum, seat, index) =>
    sum + processCpuMicroseconds(seat.child.pid) - timer.seatsCpu[index], 0);
  return { wall_us: wall / operations, cpu_us: (own.user + own.system + seatsCpu) / operations };
}

// A new Bob: identity, signed prekey, one one-time EC prekey and one one-time Kyber prekey in his
// stores, and the bundle a server would hand out for them.
async function newBob(index) {
  const identity = signal.IdentityKeyPair.generate();
  const registrationId = 2 + (index % 16000);
  const stores = createStores(identity.privateKey, registrationId);
  const signedPreKey = signal.PrivateKey.generate();
  const signedPublic = signedPreKey.getPublicKey();
  const signedSignature = identity.privateKey.sign(signedPublic.serialize());
  await stores.signedPreKeyStore.saveSignedPreKey(1,
    signal.SignedPreKeyRecord.new(1, 0, signedPublic, signedPreKey, signedSignature));
  const preKey = signal.PrivateKey.generate();
  await stores.preKeyStore.savePreKey(11, signal.PreKeyRecord.new(11, preKey.getPublicKey(), preKey));
  const kyber = signal.KEMKeyPair.generate();
  const kyberSignature = identity.privateKey.sign(kyber.getPublicKey().serialize());
  await stores.kyberPreKeyStore.saveKyberPreKey(13, signal.KyberPreKeyRecord.new(13, 0, kyber, kyberSignature));
  const bundle = signal.PreKeyBundle.new(registrationId, 1, 11, preKey.getPublicKey(), 1, signedPublic,
    signedSignature, identity.publicKey, 13, kyber.getPublicKey(), kyberSignature);
  return { stores, bundle, address: signal.ProtocolAddress.new(`bob-${index}`, 1) };
}

async function inProcessRound(iterations) {
  const aliceIdentity = signal.IdentityKeyPair.generate();
  const alice = createStores(aliceIdentity.privateKey, 1);
  const aliceAddress = signal.ProtocolAddress.new('alice', 1);
  const bobs = [];
  for (let index = 0; index < iterations; index += 1) bobs.push(await newBob(index));

  let timer = startTimer();
  for (const bob of bobs) {
    await signal.processPreKeyBundle(bob.bundle, bob.address, alice.sessionStore, alice.identityStore, USE_PQ_RATCHET);
  }
  const processBundle = perOperation(timer, iterations);

  const messages = [];
  timer = startTimer();
  for (const bob of bobs) {
    const message = await signal.signalEncrypt(PLAINTEXT, bob.address, alice.sessionStore, alice.identityStore);
    messages.push(message.serialize());
  }
  const encrypt = perOperation(timer, iterations);

  let decrypted = 0;
  timer = startTimer();
  for (let index = 0; index < iterations; index += 1) {
    const bob = bobs[index].stores;
    const plaintext = await signal.signalDecryptPreKey(signal.PreKeySignalMessage.deserialize(messages[index]),
      aliceAddress, bob.sessionStore, bob.identityStore, bob.preKeyStore, bob.signedPreKeyStore,
      bob.kyberPreKeyStore, USE_PQ_RATCHET);
    if (plaintext.length === PLAINTEXT.length) decrypted += 1;
  }
  const decrypt = perOperation(timer, iterations);
  if (decrypted !== iterations) throw new Error(`in process: ${iterations - decrypted} setups did not decrypt`);
  return { processBundle, encrypt, decrypt, prekeyMessageBytes: messages[0].length };
}

// One call through a seat; any failure ends the measurement.
async function call(seat, request) {
  const answer = await seat.call(request);
  if (!answer.ok) throw new Error(`${request.cmd}: ${JSON.stringify(answer.error)}`);
  return answer;
}

async function throughSeatsRound() {
  const alice = new SeatProcess('bench alice');
  const bob = new SeatProcess('bench bob');
  try {
    const ids = Array.from({ length: SEAT_ITERATIONS }, (_, index) => index + 1);
    await call(alice, freshPartyRequest({ name: 'alice', registrationId: 1, kyberPreKeys: [{ id: 1, lastResort: true }] }));
    await call(bob, freshPartyRequest({ name: 'bob', registrationId: 2, preKeyIds: ids,
      kyberPreKeys: ids.map((id) => ({ id, lastResort: false })) }));
    // Bundles fetched beforehand, one per one-time prekey pair: not part of the setup in process either.
    const bundles = [];
    for (const id of ids) bundles.push((await call(bob, { cmd: 'bundle', prekey_id: id, kyber_prekey_id: id })).bundle);

    let timer = startTimer([alice, bob]);
    for (const id of ids) await call(alice, { cmd: 'process_bundle', peer: { name: `bob-${id}`, device_id: 1 }, bundle: bundles[id - 1] });
    const processBundle = perOperation(timer, SEAT_ITERATIONS);

    const sent = [];
    timer = startTimer([alice, bob]);
    for (const id of ids) sent.push(await call(alice, { cmd: 'encrypt', peer: { name: `bob-${id}`, device_id: 1 }, plaintext: PLAINTEXT.toString('hex') }));
    const encrypt = perOperation(timer, SEAT_ITERATIONS);

    timer = startTimer([alice, bob]);
    for (const id of ids) {
      const message = sent[id - 1];
      await call(bob, { cmd: 'decrypt', peer: { name: `alice-${id}`, device_id: 1 }, type: message.type, message: message.message });
    }
    const decrypt = perOperation(timer, SEAT_ITERATIONS);

    timer = startTimer([alice, bob]);
    for (let index = 0; index < ROUND_TRIPS; index += 1) await call(alice, { cmd: 'hello' });
    const hello = perOperation(timer, ROUND_TRIPS);
    return { processBundle, encrypt, decrypt, hello };
  } finally {
    await Promise.all([alice.quit(), bob.quit()]);
  }
}

// The median over rounds of one field of one operation.
function medianOf(rounds, operation, field) {
  return median(rounds.map((round) => round[operation][field]));
}

async function main() {
  // A warm-up round, not counted: the first calls of every function run before V8 has compiled
  // them, and libsignal's first calls fill its caches.
  await inProcessRound(Math.min(ITERATIONS, 20));
  const inProcess = [];
  const seats = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    inProcess.push(await inProcessRound(ITERATIONS));
    seats.push(await throughSeatsRound());
    console.error(`bench_setup.js: round ${round + 1}/${ROUNDS} done`);
  }
  const operations = ['processBundle', 'encrypt', 'decrypt'];
  const names = { processBundle: 'process_bundle', encrypt: 'encrypt_first', decrypt: 'decrypt_prekey' };
  const summary = (rounds, fields) => {
    const result = {};
    for (const operation of operations) {
      result[names[operation]] = Object.fromEntries(fields.map((field) => [field, medianOf(rounds, operation, field)]));
    }
    // The whole setup: the sum of the medians of its three operations.
    for (const field of fields) {
      result.setup = result.setup ?? {};
      result.setup[field] = operations.reduce((sum, operation) => sum + result[names[operation]][field], 0);
    }
    return result;
  };
  const result = {
    library_version: require('@signalapp/libsignal-client/package.json').version,
    node_version: process.versions.node,
    rounds: ROUNDS,
    in_process: { iterations: ITERATIONS, prekey_message_bytes: inProcess[0].prekeyMessageBytes,
      ...summary(inProcess, ['wall_us', 'cpu_us']) },
    through_seats: { iterations: SEAT_ITERATIONS, ...summary(seats, ['wall_us', 'cpu_us']),
      hello_round_trip: { round_trips: ROUND_TRIPS, wall_us: medianOf(seats, 'hello', 'wall_us'),
        cpu_us: medianOf(seats, 'hello', 'cpu_us') } },
    command: `node ${process.argv.slice(1).join(' ')}`,
  };
  console.log(JSON.stringify(result, null, 2));
}

main().catch((error) => {
  console.error(`bench_setup.js: ${error.stack}`);
  process.exit(1);
});
