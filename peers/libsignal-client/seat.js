#!/usr/bin/env node
// One seat of a conversation, played by Signal's own libsignal (the Rust library behind the npm
// package @signalapp/libsignal-client, pinned in package.json). The process holds exactly one
// party and answers a line protocol on stdin/stdout: one JSON request per line in, one JSON
// answer per line out, in request order. Bytes are lowercase hex. The protocol is specified in
// docs/libsignal-client-peer.md; keep the two in step.
//
// Nothing here decides protocol behaviour: every check is libsignal's. The seat only supplies
// what an application supplies — keys it is given, in-memory stores, and the application's
// policy for used Kyber prekeys (a one-time one is deleted, a last-resort one is kept).
'use strict';

const crypto = require('node:crypto');
const readline = require('node:readline');
const signal = require('@signalapp/libsignal-client');

const LIBRARY_VERSION = require('@signalapp/libsignal-client/package.json').version;
const LINE_PROTOCOL_VERSION = 1;

// No SPQR (the Sparse Post-Quantum Ratchet): our v4 profile is PQXDH plus the classic Double
// Ratchet. 0.79.0 makes the caller choose (processPreKeyBundle and signalDecryptPreKey take a
// UsePQRatchet); the release after it switched SPQR on by default.
const USE_PQ_RATCHET = signal.UsePQRatchet.No;

// ---------------------------------------------------------------------------------------------
// Small helpers for the wire format of the line protocol.

class RequestError extends Error {
  // An error in the request itself (missing field, bad hex, wrong order of commands), as opposed
  // to a rejection by libsignal. Its `name` is what the answer reports.
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

function bytesFromHex(value, field) {
  if (typeof value !== 'string' || value.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(value)) {
    throw new RequestError('BadRequest', `${field} must be a string of hex digit pairs`);
  }
  return Uint8Array.from(Buffer.from(value, 'hex'));
}

function hexFromBytes(bytes) {
  return Buffer.from(bytes).toString('hex');
}

function requireField(object, field, where) {
  if (object === undefined || object === null || object[field] === undefined) {
    throw new RequestError('BadRequest', `${where} needs the field "${field}"`);
  }
  return object[field];
}

function requireUint32(object, field, where) {
  const value = requireField(object, field, where);
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RequestError('BadRequest', `${where}.${field} must be an integer in 0..2^32-1`);
  }
  return value;
}

// The EC key pair of a request: the 32-byte private key, and optionally the 33-byte public key
// (0x05 || X25519 u-coordinate). libsignal derives the public key from the private one; a given
// public key that differs is refused rather than silently replaced, since the caller then has a
// different key in mind than the one libsignal would use.
function ecKeyPairFromRequest(object, where) {
  const privateKey = signal.PrivateKey.deserialize(
    bytesFromHex(requireField(object, 'private', where), `${where}.private`));
  const publicKey = privateKey.getPublicKey();
  if (object.public !== undefined) {
    const givenPublic = bytesFromHex(object.public, `${where}.public`);
    if (hexFromBytes(givenPublic) !== hexFromBytes(publicKey.serialize())) {
      throw new RequestError('KeyMismatch', `${where}.public is not the public key of ${where}.private`);
    }
  }
  return { privateKey, publicKey };
}

// ---------------------------------------------------------------------------------------------
// A Kyber prekey record from given key bytes. The package offers no constructor of a KEM key
// pair from bytes (only KEMKeyPair.generate()), but KyberPreKeyRecord.deserialize reads libsignal's
// storage form, the protobuf SignedPreKeyRecordStructure of storage.proto:
//   uint32 id = 1; bytes public_key = 2; bytes private_key = 3; bytes signature = 4; fixed64 timestamp = 5;
// So the seat writes that message. selftest.js checks that a record written here serializes back
// to the same bytes as one made by KyberPreKeyRecord.new, so a change of the storage form shows.

function protobufVarint(value) {
  const bytes = [];
  let remaining = BigInt(value);
  do {
    let byte = Number(remaining & 0x7fn);
    remaining >>= 7n;
    if (remaining !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (remaining !== 0n);
  return Buffer.from(bytes);
}

function protobufField(fieldNumber, wireType, payload) {
  return Buffer.concat([protobufVarint((fieldNumber << 3) | wireType), payload]);
}

function protobufBytesField(fieldNumber, bytes) {
  return protobufField(fieldNumber, 2, Buffer.concat([protobufVarint(bytes.length), Buffer.from(bytes)]));
}

function kyberPreKeyRecordFromBytes(id, timestampMilliseconds, publicKey, secretKey, signature) {
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64LE(BigInt(timestampMilliseconds));
  const storageForm = Buffer.concat([
    protobufField(1, 0, protobufVarint(id)),
    protobufBytesField(2, publicKey),
    protobufBytesField(3, secretKey),
    protobufBytesField(4, signature),
    protobufField(5, 1, timestamp),
  ]);
  return signal.KyberPreKeyRecord.deserialize(storageForm);
}

// A minimal protobuf reader, for the state probe only: it lists the top-level fields of a message
// as {fieldNumber -> [values]}, where a length-delimited value is its bytes and a varint a BigInt.
function protobufFields(bytes) {
  const fields = new Map();
  let offset = 0;
  const readVarint = () => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (offset >= bytes.length) throw new Error('truncated varint');
      const byte = bytes[offset++];
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  while (offset < bytes.length) {
    const key = Number(readVarint());
    const fieldNumber = key >>> 3;
    let value;
    switch (key & 7) {
      case 0: value = readVarint(); break;
      case 1: value = bytes.subarray(offset, offset + 8); offset += 8; break;
      case 2: {
        const length = Number(readVarint());
        value = bytes.subarray(offset, offset + length);
        offset += length;
        break;
      }
      case 5: value = bytes.subarray(offset, offset + 4); offset += 4; break;
      default: throw new Error(`unsupported wire type ${key & 7}`);
    }
    if (!fields.has(fieldNumber)) fields.set(fieldNumber, []);
    fields.get(fieldNumber).push(value);
  }
  return fields;
}

// ---------------------------------------------------------------------------------------------
// In-memory stores: the abstract classes of the package, backed by Maps. Records are kept in their
// serialized form and deserialized on every load, as a database would: what libsignal gets back
// is never an object it changed in place earlier.

class InMemorySessionStore extends signal.SessionStore {
  constructor() {
    super();
    this.serializedSessions = new Map();
  }
  async saveSession(address, record) {
    this.serializedSessions.set(address.toString(), record.serialize());
  }
  async getSession(address) {
    const serialized = this.serializedSessions.get(address.toString());
    return serialized === undefined ? null : signal.SessionRecord.deserialize(serialized);
  }
  async getExistingSessions(addresses) {
    const records = [];
    for (const address of addresses) {
      const record = await this.getSession(address);
      if (record === null) throw new Error(`no session for ${address.toString()}`);
      records.push(record);
    }
    return records;
  }
}

// Trust on first use: an identity is trusted when none is stored for the address yet, or when it
// is the stored one. libsignal itself stores the identity after a successful handshake. This is
// the usual application policy and the one our own Party applies without a pinned identity
// (docs/decisions.md D5).
class InMemoryIdentityKeyStore extends signal.IdentityKeyStore {
  constructor(identityPrivateKey, registrationId) {
    super();
    this.identityPrivateKey = identityPrivateKey;
    this.registrationId = registrationId;
    this.serializedIdentities = new Map();
  }
  async getIdentityKey() { return this.identityPrivateKey; }
  async getLocalRegistrationId() { return this.registrationId; }
  async saveIdentity(address, key) {
    const name = address.toString();
    const previous = this.serializedIdentities.get(name);
    const serialized = hexFromBytes(key.serialize());
    this.serializedIdentities.set(name, serialized);
    return previous !== undefined && previous !== serialized
      ? signal.IdentityChange.ReplacedExisting
      : signal.IdentityChange.NewOrUnchanged;
  }
  async isTrustedIdentity(address, key, _direction) {
    const stored = this.serializedIdentities.get(address.toString());
    return stored === undefined || stored === hexFromBytes(key.serialize());
  }
  async getIdentity(address) {
    const stored = this.serializedIdentities.get(address.toString());
    return stored === undefined ? null : signal.PublicKey.deserialize(Buffer.from(stored, 'hex'));
  }
}

// A missing id is reported with an error whose name says which kind of prekey was missing;
// libsignal passes the store's exception through to the caller of decrypt.
function missingKeyError(name, id) {
  const error = new Error(`no ${name} with id ${id}`);
  error.name = name === 'one-time prekey' ? 'InvalidPreKeyId'
    : name === 'signed prekey' ? 'InvalidSignedPreKeyId' : 'InvalidKyberPreKeyId';
  return error;
}

class InMemoryPreKeyStore extends signal.PreKeyStore {
  constructor() {
    super();
    this.serializedPreKeys = new Map();
  }
  async savePreKey(id, record) { this.serializedPreKeys.set(id, record.serialize()); }
  async getPreKey(id) {
    const serialized = this.serializedPreKeys.get(id);
    if (serialized === undefined) throw missingKeyError('one-time prekey', id);
    return signal.PreKeyRecord.deserialize(serialized);
  }
  async removePreKey(id) { this.serializedPreKeys.delete(id); }
}

class InMemorySignedPreKeyStore extends signal.SignedPreKeyStore {
  constructor() {
    super();
    this.serializedSignedPreKeys = new Map();
  }
  async saveSignedPreKey(id, record) { this.serializedSignedPreKeys.set(id, record.serialize()); }
  async getSignedPreKey(id) {
    const serialized = this.serializedSignedPreKeys.get(id);
    if (serialized === undefined) throw missingKeyError('signed prekey', id);
    return signal.SignedPreKeyRecord.deserialize(serialized);
  }
}

// libsignal only reports that a Kyber prekey was used (markKyberPreKeyUsed); whether it goes is
// the application's policy. Signal's apps delete a one-time Kyber prekey and keep the last-resort
// one, which is what the PQXDH specification asks for; so does this store.
class InMemoryKyberPreKeyStore extends signal.KyberPreKeyStore {
  constructor() {
    super();
    this.serializedKyberPreKeys = new Map();
    this.lastResortIds = new Set();
    this.useCounts = new Map();
  }
  async saveKyberPreKey(id, record) { this.serializedKyberPreKeys.set(id, record.serialize()); }
  async getKyberPreKey(id) {
    const serialized = this.serializedKyberPreKeys.get(id);
    if (serialized === undefined) throw missingKeyError('Kyber prekey', id);
    return signal.KyberPreKeyRecord.deserialize(serialized);
  }
  async markKyberPreKeyUsed(id) {
    this.useCounts.set(id, (this.useCounts.get(id) ?? 0) + 1);
    if (!this.lastResortIds.has(id)) this.serializedKyberPreKeys.delete(id);
  }
}

function createStores(identityPrivateKey, registrationId) {
  return {
    sessionStore: new InMemorySessionStore(),
    identityStore: new InMemoryIdentityKeyStore(identityPrivateKey, registrationId),
    preKeyStore: new InMemoryPreKeyStore(),
    signedPreKeyStore: new InMemorySignedPreKeyStore(),
    kyberPreKeyStore: new InMemoryKyberPreKeyStore(),
  };
}

// ---------------------------------------------------------------------------------------------
// Errors as the protocol reports them: {name, code, message}.
//
// `code` is the package's ErrorCode name (its only typed classification: DuplicatedMessage,
// UntrustedIdentity, InvalidSession, VerificationFailed, ...; most protocol rejections are
// `Generic`). `name` refines a Generic error into the Rust SignalProtocolError variant, read from
// the start of the message text: each pattern below is the Display text of one variant in
// libsignal's rust/protocol/src/error.rs. An error the seat does not recognise keeps
// `name` = `code` ("Generic"), so nothing is silently misclassified as something else.
const MESSAGE_PATTERNS = [
  [/^invalid argument: /, 'InvalidArgument'],
  [/^invalid state for call to /, 'InvalidState'],
  [/^protobuf encoding was invalid/, 'InvalidProtobufEncoding'],
  [/^ciphertext serialized bytes were too short/, 'CiphertextMessageTooShort'],
  [/^ciphertext version was too old/, 'LegacyCiphertextVersion'],
  [/^ciphertext version was unrecognized/, 'UnrecognizedCiphertextVersion'],
  [/^unrecognized message version/, 'UnrecognizedMessageVersion'],
  [/^no key type identifier/, 'NoKeyTypeIdentifier'],
  [/^bad key type /, 'BadKeyType'],
  [/^bad key length /, 'BadKeyLength'],
  [/^invalid signature detected/, 'SignatureValidationFailed'],
  [/^untrusted identity for address /, 'UntrustedIdentity'],
  [/^invalid prekey identifier/, 'InvalidPreKeyId'],
  [/^invalid signed prekey identifier/, 'InvalidSignedPreKeyId'],
  [/^invalid Kyber prekey identifier/, 'InvalidKyberPreKeyId'],
  [/^invalid MAC key length /, 'InvalidMacKeyLength'],
  [/^session with .* not found/, 'SessionNotFound'],
  [/^invalid session: /, 'InvalidSessionStructure'],
  [/^message with old counter /, 'DuplicatedMessage'],
  [/^invalid (PreKey|Whisper|SenderKey|Plaintext) message: /, 'InvalidMessage'],
  [/^bad KEM key type /, 'BadKEMKeyType'],
  [/^unexpected KEM key type /, 'WrongKEMKeyType'],
  [/^bad KEM key length /, 'BadKEMKeyLength'],
  [/^bad KEM ciphertext length /, 'BadKEMCiphertextLength'],
];

function errorReport(error) {
  if (error instanceof RequestError) {
    return { name: error.name, code: 'Request', message: error.message };
  }
  if (error instanceof signal.LibSignalErrorBase) {
    const code = signal.ErrorCode[error.code] ?? 'Generic';
    let name = code;
    // An exception thrown by one of our stores comes back wrapped, as "error in method call
    // 'getKyberPreKey': callback error InvalidKyberPreKeyId: no Kyber prekey with id 41"; the
    // store's error name is the type.
    const fromStore = /callback error (\w+): /.exec(error.message);
    if (code === 'Generic' && fromStore !== null) {
      name = fromStore[1];
    } else if (code === 'Generic') {
      for (const [pattern, variant] of MESSAGE_PATTERNS) {
        if (pattern.test(error.message)) { name = variant; break; }
      }
    }
    return { name, code, message: error.message };
  }
  // Any other exception (a JavaScript error on input the checks above let through, such as a
  // non-integer timestamp): reported as it is, never taken for a protocol rejection.
  const name = error && typeof error.name === 'string' ? error.name : 'Unexpected';
  return { name, code: 'Other', message: String(error && error.message !== undefined ? error.message : error) };
}

// ---------------------------------------------------------------------------------------------
// The party of this seat, and the commands.

let party = null;

// decryptMessage is the decrypt command's libsignal part, with the one planted fault that changes
// an accepted plaintext (`plant`).
async function decryptMessage(self, request) {
  const address = peerAddress(request);
  const type = requireField(request, 'type', 'decrypt');
  const bytes = bytesFromHex(requireField(request, 'message', 'decrypt'), 'message');
  let plaintext;
  if (type === signal.CiphertextMessageType.PreKey) {
    plaintext = await signal.signalDecryptPreKey(signal.PreKeySignalMessage.deserialize(bytes), address,
      self.sessionStore, self.identityStore, self.preKeyStore, self.signedPreKeyStore,
      self.kyberPreKeyStore, USE_PQ_RATCHET);
  } else if (type === signal.CiphertextMessageType.Whisper) {
    plaintext = await signal.signalDecrypt(signal.SignalMessage.deserialize(bytes), address,
      self.sessionStore, self.identityStore);
  } else {
    throw new RequestError('BadRequest', 'decrypt.type must be 2 (Whisper) or 3 (PreKey)');
  }
  self.decryptedCount = (self.decryptedCount ?? 0) + 1;
  if (self.fault === 'wrong_plaintext' && self.decryptedCount === 3 && plaintext.length > 0) {
    plaintext = Buffer.from(plaintext);
    plaintext[plaintext.length - 1] ^= 0x01;
  }
  self.lastPlaintext = Buffer.from(plaintext);
  return { plaintext: hexFromBytes(plaintext) };
}

function requireParty() {
  if (party === null) throw new RequestError('NoParty', 'send "create" first');
  return party;
}

function peerAddress(request) {
  const peer = requireField(request, 'peer', request.cmd);
  return signal.ProtocolAddress.new(requireField(peer, 'name', 'peer'), requireUint32(peer, 'device_id', 'peer'));
}

const commands = {
  hello() {
    return { library: '@signalapp/libsignal-client', library_version: LIBRARY_VERSION,
      node_version: process.versions.node, protocol_version: LINE_PROTOCOL_VERSION };
  },

  async create(request) {
    if (party !== null) throw new RequestError('AlreadyCreated', 'this seat already has a party');
    const name = requireField(request, 'name', 'create');
    const deviceId = requireUint32(request, 'device_id', 'create');
    const registrationId = requireUint32(request, 'registration_id', 'create');
    const identity = ecKeyPairFromRequest(requireField(request, 'identity', 'create'), 'identity');
    // Timestamps are fixed rather than the clock's so that a seat built twice from the same request
    // holds the same records; libsignal uses them only for the application's own rotation.
    const timestamp = request.timestamp ?? 0;
    // A signature given by the caller is used as it is (so a test can hand in a wrong one); without
    // one, the seat signs with the identity key, as an application does when it makes its prekeys.
    // XEdDSA signing draws a random nonce, so those signatures differ from run to run.
    const signWithIdentity = (bytes) => identity.privateKey.sign(bytes);

    const stores = createStores(identity.privateKey, registrationId);
    const { preKeyStore, signedPreKeyStore, kyberPreKeyStore } = stores;

    const signedPreKeyRequest = requireField(request, 'signed_prekey', 'create');
    const signedPreKeyId = requireUint32(signedPreKeyRequest, 'id', 'signed_prekey');
    const signedPreKey = ecKeyPairFromRequest(signedPreKeyRequest, 'signed_prekey');
    const signedPreKeySignature = signedPreKeyRequest.signature !== undefined
      ? bytesFromHex(signedPreKeyRequest.signature, 'signed_prekey.signature')
      : signWithIdentity(signedPreKey.publicKey.serialize());
    await signedPreKeyStore.saveSignedPreKey(signedPreKeyId, signal.SignedPreKeyRecord.new(
      signedPreKeyId, timestamp, signedPreKey.publicKey, signedPreKey.privateKey, signedPreKeySignature));

    for (const [index, preKeyRequest] of (request.prekeys ?? []).entries()) {
      const where = `prekeys[${index}]`;
      const id = requireUint32(preKeyRequest, 'id', where);
      const keyPair = ecKeyPairFromRequest(preKeyRequest, where);
      await preKeyStore.savePreKey(id, signal.PreKeyRecord.new(id, keyPair.publicKey, keyPair.privateKey));
    }

    const kyberPreKeyRequests = requireField(request, 'kyber_prekeys', 'create');
    if (!Array.isArray(kyberPreKeyRequests) || kyberPreKeyRequests.length === 0) {
      // A bundle cannot be made without one: PreKeyBundle.new takes the Kyber prekey as required.
      throw new RequestError('BadRequest', 'create.kyber_prekeys must list at least one Kyber prekey');
    }
    for (const [index, kyberRequest] of kyberPreKeyRequests.entries()) {
      const where = `kyber_prekeys[${index}]`;
      const id = requireUint32(kyberRequest, 'id', where);
      const publicKey = bytesFromHex(requireField(kyberRequest, 'public', where), `${where}.public`);
      const secretKey = bytesFromHex(requireField(kyberRequest, 'secret', where), `${where}.secret`);
      // Deserializing both keys checks the type byte and lengths before anything is stored.
      signal.KEMPublicKey.deserialize(publicKey);
      signal.KEMSecretKey.deserialize(secretKey);
      const signature = kyberRequest.signature !== undefined
        ? bytesFromHex(kyberRequest.signature, `${where}.signature`)
        : signWithIdentity(publicKey);
      await kyberPreKeyStore.saveKyberPreKey(id,
        kyberPreKeyRecordFromBytes(id, timestamp, publicKey, secretKey, signature));
      if (kyberRequest.last_resort === true) kyberPreKeyStore.lastResortIds.add(id);
    }

    party = { name, deviceId, registrationId, identity, signedPreKeyId, ...stores };
    return { identity_public: hexFromBytes(identity.publicKey.serialize()) };
  },

  // Pins a peer's identity key before any session, as the op traces do (docs/op-trace.md): from
  // then on libsignal's trust check accepts that key only, and any other is UntrustedIdentity.
  async trust(request) {
    const self = requireParty();
    const identityKey = signal.PublicKey.deserialize(
      bytesFromHex(requireField(request, 'identity_key', 'trust'), 'identity_key'));
    await self.identityStore.saveIdentity(peerAddress(request), identityKey);
    return {};
  },

  // This party's bundle, as a server would hand it out. Which one-time prekey and which Kyber
  // prekey go in is the caller's choice; by default the lowest-numbered one-time EC prekey (none
  // if there is none left) and the lowest-numbered one-time Kyber prekey, else a last-resort one.
  async bundle(request) {
    const self = requireParty();
    const signedPreKey = await self.signedPreKeyStore.getSignedPreKey(self.signedPreKeyId);

    const availablePreKeyIds = [...self.preKeyStore.serializedPreKeys.keys()].sort((a, b) => a - b);
    const preKeyId = request.prekey_id !== undefined ? request.prekey_id : (availablePreKeyIds[0] ?? null);
    const preKey = preKeyId === null ? null : await self.preKeyStore.getPreKey(preKeyId);

    const kyberIds = [...self.kyberPreKeyStore.serializedKyberPreKeys.keys()].sort((a, b) => a - b);
    const oneTimeKyberIds = kyberIds.filter((id) => !self.kyberPreKeyStore.lastResortIds.has(id));
    const kyberPreKeyId = request.kyber_prekey_id ?? oneTimeKyberIds[0] ?? kyberIds[0];
    if (kyberPreKeyId === undefined) throw new RequestError('NoKyberPreKey', 'no Kyber prekey left');
    const kyberPreKey = await self.kyberPreKeyStore.getKyberPreKey(kyberPreKeyId);

    return {
      bundle: {
        registration_id: self.registrationId,
        device_id: self.deviceId,
        identity_key: hexFromBytes(self.identity.publicKey.serialize()),
        signed_prekey_id: self.signedPreKeyId,
        signed_prekey: hexFromBytes(signedPreKey.publicKey().serialize()),
        signed_prekey_signature: hexFromBytes(signedPreKey.signature()),
        prekey_id: preKeyId,
        prekey: preKey === null ? null : hexFromBytes(preKey.publicKey().serialize()),
        kyber_prekey_id: kyberPreKeyId,
        kyber_prekey: hexFromBytes(kyberPreKey.publicKey().serialize()),
        kyber_prekey_signature: hexFromBytes(kyberPreKey.signature()),
      },
    };
  },

  // Starts a session with a peer from its bundle: libsignal checks trust and both signatures,
  // draws the base key, encapsulates to the Kyber prekey, and stores the new session.
  async process_bundle(request) {
    const self = requireParty();
    const address = peerAddress(request);
    const fields = requireField(request, 'bundle', 'process_bundle');
    const publicKeyField = (field) => signal.PublicKey.deserialize(
      bytesFromHex(requireField(fields, field, 'bundle'), `bundle.${field}`));
    const hasPreKey = fields.prekey !== undefined && fields.prekey !== null;
    const bundle = signal.PreKeyBundle.new(
      requireUint32(fields, 'registration_id', 'bundle'),
      requireUint32(fields, 'device_id', 'bundle'),
      hasPreKey ? requireUint32(fields, 'prekey_id', 'bundle') : null,
      hasPreKey ? publicKeyField('prekey') : null,
      requireUint32(fields, 'signed_prekey_id', 'bundle'),
      publicKeyField('signed_prekey'),
      bytesFromHex(requireField(fields, 'signed_prekey_signature', 'bundle'), 'bundle.signed_prekey_signature'),
      publicKeyField('identity_key'),
      requireUint32(fields, 'kyber_prekey_id', 'bundle'),
      signal.KEMPublicKey.deserialize(bytesFromHex(requireField(fields, 'kyber_prekey', 'bundle'), 'bundle.kyber_prekey')),
      bytesFromHex(requireField(fields, 'kyber_prekey_signature', 'bundle'), 'bundle.kyber_prekey_signature'));
    await signal.processPreKeyBundle(bundle, address, self.sessionStore, self.identityStore, USE_PQ_RATCHET);
    return {};
  },

  async encrypt(request) {
    const self = requireParty();
    const plaintext = bytesFromHex(requireField(request, 'plaintext', 'encrypt'), 'plaintext');
    const message = await signal.signalEncrypt(plaintext, peerAddress(request), self.sessionStore, self.identityStore);
    return { type: message.type(), type_name: signal.CiphertextMessageType[message.type()],
      message: hexFromBytes(message.serialize()) };
  },

  // type 3 (PreKey) may start a new session; type 2 (Whisper) decrypts on an existing one.
  async decrypt(request) {
    const self = requireParty();
    if (self.fault === 'accept_tamper' || self.fault === 'change_state_on_rejection') {
      try {
        return await decryptMessage(self, request);
      } catch (error) {
        const report = errorReport(error);
        if (self.fault === 'accept_tamper' && report.name === 'InvalidMessage' && self.lastPlaintext !== undefined) {
          return { plaintext: hexFromBytes(self.lastPlaintext) };
        }
        if (self.fault === 'change_state_on_rejection') {
          const ids = [...self.kyberPreKeyStore.serializedKyberPreKeys.keys()].sort((a, b) => a - b);
          if (ids.length > 0) self.kyberPreKeyStore.useCounts.set(ids[0], (self.kyberPreKeyStore.useCounts.get(ids[0]) ?? 0) + 1);
        }
        throw error;
      }
    }
    return decryptMessage(self, request);
  },

  // What can be seen of the state. From the API: whether a session record exists, whether its
  // current session can send (hasCurrentState), and both registration ids. Decoded from the
  // record's serialized form (storage.proto RecordStructure / SessionStructure; not an API, so
  // reported under `record`): the session version, the number of archived sessions, the number
  // of receiving chains, the sending chain's next counter, and whether a PreKey message (EC and
  // Kyber parts) is still unacknowledged. And the prekeys still in this party's stores.
  async probe(request) {
    const self = requireParty();
    const stores = {
      prekey_ids: [...self.preKeyStore.serializedPreKeys.keys()].sort((a, b) => a - b),
      signed_prekey_ids: [...self.signedPreKeyStore.serializedSignedPreKeys.keys()].sort((a, b) => a - b),
      kyber_prekey_ids: [...self.kyberPreKeyStore.serializedKyberPreKeys.keys()].sort((a, b) => a - b),
      last_resort_kyber_prekey_ids: [...self.kyberPreKeyStore.lastResortIds].sort((a, b) => a - b),
      kyber_prekey_use_counts: Object.fromEntries(self.kyberPreKeyStore.useCounts),
    };
    if (request.peer === undefined) return { stores };
    const record = await self.sessionStore.getSession(peerAddress(request));
    if (record === null) return { has_session: false, stores };
    const hasCurrentState = record.hasCurrentState();
    const answer = { has_session: true, has_current_state: hasCurrentState, stores };
    if (hasCurrentState) {
      answer.local_registration_id = record.localRegistrationId();
      answer.remote_registration_id = record.remoteRegistrationId();
    }
    answer.record = describeSessionRecord(record.serialize());
    return answer;
  },

  // A SHA-256 digest of every byte of state a message can change: the serialized session record
  // for the peer (when given), every stored prekey record, the pinned identities, the last-resort
  // marks and the Kyber use counts. Equal digests before and after a rejected message mean it
  // changed nothing (the harness endpoint's snapshot). The record holds secrets; only the digest
  // leaves the seat.
  async digest(request) {
    const self = requireParty();
    const hash = crypto.createHash('sha256');
    const add = (label, bytes) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      hash.update(label).update(length).update(bytes);
    };
    const record = request.peer === undefined ? null : await self.sessionStore.getSession(peerAddress(request));
    add('session', record === null ? Buffer.alloc(0) : record.serialize());
    const addMap = (label, map) => {
      for (const key of [...map.keys()].sort()) add(`${label}:${key}`, Buffer.from(map.get(key)));
    };
    addMap('prekey', self.preKeyStore.serializedPreKeys);
    addMap('signed', self.signedPreKeyStore.serializedSignedPreKeys);
    addMap('kyber', self.kyberPreKeyStore.serializedKyberPreKeys);
    addMap('identity', self.identityStore.serializedIdentities);
    add('last-resort', Buffer.from(JSON.stringify([...self.kyberPreKeyStore.lastResortIds].sort())));
    add('kyber-uses', Buffer.from(JSON.stringify([...self.kyberPreKeyStore.useCounts.entries()].sort())));
    return { digest: hash.digest('hex') };
  },

  // Saves the session record for the peer (SessionRecord.serialize) and loads it back in place of
  // the stored one (SessionRecord.deserialize), as an application does across a restart. Answers
  // whether there was a record and whether the loaded one serializes to the same bytes. The
  // stores keep their serialized records anyway (every load deserializes).
  async save_restore(request) {
    const self = requireParty();
    const address = peerAddress(request);
    const record = await self.sessionStore.getSession(address);
    if (record === null) return { had_session: false, same_bytes: true };
    const saved = record.serialize();
    const loaded = signal.SessionRecord.deserialize(saved);
    const same = Buffer.compare(Buffer.from(loaded.serialize()), Buffer.from(saved)) === 0;
    await self.sessionStore.saveSession(address, loaded);
    return { had_session: true, same_bytes: same };
  },

  // Test only: plants one fault in this seat until `reset`, so that a caller's checks can be seen
  // to catch it (docs/libsignal-client-peer.md, "Planted faults"). `wrong_plaintext`: the third
  // plaintext decrypted comes back with its last byte flipped. `accept_tamper`: a Whisper or
  // PreKey message libsignal rejects as InvalidMessage is answered with the last plaintext this
  // seat decrypted, as if accepted. `change_state_on_rejection`: every rejected decrypt also marks
  // the lowest stored Kyber prekey as used once more (a store change).
  plant(request) {
    requireParty();
    const fault = requireField(request, 'fault', 'plant');
    if (!['wrong_plaintext', 'accept_tamper', 'change_state_on_rejection'].includes(fault)) {
      throw new RequestError('BadRequest', 'plant.fault must be wrong_plaintext, accept_tamper or change_state_on_rejection');
    }
    party.fault = fault;
    return {};
  },

  // Forgets the party, its sessions and its stores, so that `create` can start a new one. Starting
  // Node and loading libsignal takes about a quarter of a second, far more than a `create`; a
  // caller that runs many short sessions (one per op trace) reuses the process instead.
  reset() {
    party = null;
    return {};
  },

  quit() {
    return {};
  },
};

// storage.proto: RecordStructure { SessionStructure current_session = 1; repeated bytes
// previous_sessions = 2; } and, in SessionStructure, session_version = 1, previous_counter = 5,
// sender_chain = 6 (Chain: chain_key = 3, ChainKey: index = 1), receiver_chains = 7,
// pending_pre_key = 9, pending_kyber_pre_key = 14.
function describeSessionRecord(serialized) {
  const record = protobufFields(serialized);
  const description = { archived_session_count: (record.get(2) ?? []).length };
  const current = record.get(1);
  if (current === undefined) return { ...description, current_session: null };
  const session = protobufFields(current[current.length - 1]);
  const firstNumber = (fields, number) => Number((fields.get(number) ?? [0n])[0]);
  let sendingCounter = null;
  if (session.has(6)) {
    const chain = protobufFields(session.get(6)[0]);
    sendingCounter = chain.has(3) ? firstNumber(protobufFields(chain.get(3)[0]), 1) : 0;
  }
  let sendingRatchetKey = null;
  if (session.has(6)) {
    const chain = protobufFields(session.get(6)[0]);
    if (chain.has(1)) sendingRatchetKey = hexFromBytes(chain.get(1)[0]);
  }
  const aliceBaseKey = session.has(13) ? hexFromBytes(session.get(13)[0]) : null;
  return {
    ...description,
    current_session: {
      session_version: firstNumber(session, 1),
      sending_ratchet_key: sendingRatchetKey,
      alice_base_key: aliceBaseKey,
      previous_counter: firstNumber(session, 5),
      sending_chain_next_counter: sendingCounter,
      receiving_chain_count: (session.get(7) ?? []).length,
      unacknowledged_prekey_message: session.has(9),
      unacknowledged_kyber_prekey: session.has(14),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The loop: requests are handled one at a time, in order, so answers come back in request order.
// Every answer has "ok"; a request's "id", when given, is echoed so a caller can match them up.

async function answer(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (error) {
    return { ok: false, error: { name: 'BadRequest', code: 'Request', message: `not JSON: ${error.message}` } };
  }
  const echo = request !== null && typeof request === 'object' && request.id !== undefined ? { id: request.id } : {};
  const command = request !== null && typeof request === 'object' ? commands[request.cmd] : undefined;
  if (command === undefined || !Object.hasOwn(commands, request.cmd)) {
    return { ...echo, ok: false, error: { name: 'BadRequest', code: 'Request', message: 'unknown or missing "cmd"' } };
  }
  try {
    return { ...echo, ok: true, ...(await command(request)) };
  } catch (error) {
    return { ...echo, ok: false, error: errorReport(error) };
  }
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const reply = await answer(line);
    process.stdout.write(`${JSON.stringify(reply)}\n`);
    if (reply.ok && JSON.parse(line).cmd === 'quit') break;
  }
  lines.close();
}

if (require.main === module) {
  // An exception that escapes despite the per-command catch (a bug in the seat, not a rejection)
  // is still answered on stdout before the process ends, so the caller never waits for nothing.
  const answerAndExit = (error) => {
    process.stdout.write(`${JSON.stringify({ ok: false, error: { name: 'SeatCrashed', code: 'Seat', message: String(error && error.stack) } })}\n`);
    process.exit(70);
  };
  process.on('uncaughtException', answerAndExit);
  process.on('unhandledRejection', answerAndExit);
  main();
} else {
  // Loaded by selftest.js, which checks the hand-written storage form against libsignal's own,
  // and by measure.js, which runs libsignal in-process on the same stores for comparison.
  module.exports = { kyberPreKeyRecordFromBytes, describeSessionRecord, createStores, protobufFields };
}
