// A seat process seen from the caller's side: spawn `node seat.js`, send one JSON request per line,
// and get each answer back as a promise. Used by selftest.js and measure.js; the C++ harness
// endpoint speaks the same protocol (docs/libsignal-client-peer.md).
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');

const SEAT_SCRIPT = path.join(__dirname, 'seat.js');

class SeatProcess {
  constructor(label) {
    this.label = label;
    this.child = spawn(process.execPath, [SEAT_SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.waiting = []; // resolvers of requests sent and not yet answered, oldest first
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      const next = this.waiting.shift();
      if (next === undefined) {
        throw new Error(`${label}: an answer nobody asked for: ${line}`);
      }
      next.resolve(JSON.parse(line));
    });
    // If the seat dies, every request still waiting fails instead of hanging the caller.
    this.child.on('exit', (code, signal) => {
      for (const pending of this.waiting.splice(0)) {
        pending.reject(new Error(`${label}: seat exited (code ${code}, signal ${signal}) before answering`));
      }
    });
  }

  // Sends a request line as it is (for the tests of malformed input).
  sendRaw(line) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${line}\n`);
    });
  }

  call(request) {
    return this.sendRaw(JSON.stringify(request));
  }

  async quit() {
    const answer = await this.call({ cmd: 'quit' });
    this.child.stdin.end();
    return { answer, exitCode: await this.exited };
  }
}

// A `create` request with fresh keys, made with libsignal in this process: the seat is given bytes,
// as our own side will give it bytes. `kyberPreKeys` lists {id, lastResort}; signatures are left
// to the seat unless a test wants to hand in its own.
function freshPartyRequest({ name, registrationId, deviceId = 1, preKeyIds = [], kyberPreKeys }) {
  const signal = require('@signalapp/libsignal-client');
  const hex = (bytes) => Buffer.from(bytes).toString('hex');
  const privateKeyHex = () => hex(signal.PrivateKey.generate().serialize());
  return {
    cmd: 'create',
    name,
    device_id: deviceId,
    registration_id: registrationId,
    identity: { private: privateKeyHex() },
    signed_prekey: { id: 1, private: privateKeyHex() },
    prekeys: preKeyIds.map((id) => ({ id, private: privateKeyHex() })),
    kyber_prekeys: kyberPreKeys.map(({ id, lastResort }) => {
      const keyPair = signal.KEMKeyPair.generate();
      return { id, last_resort: lastResort, public: hex(keyPair.getPublicKey().serialize()),
        secret: hex(keyPair.getSecretKey().serialize()) };
    }),
  };
}

module.exports = { SeatProcess, freshPartyRequest };
