//! Kyber-1024 (round 3 of the NIST PQC process, the variant libsignal's PQXDH uses for key type
//! 0x08) behind a C ABI, from libcrux-ml-kem's formally verified implementation.
//!
//! The C declarations are in `protocol/internal/ratchetcheck/crypto/kyber_abi.h`; the C++
//! wrapper with strong, zeroizing types is `ratchetcheck/crypto/kyber.hpp`. Every function:
//! - is deterministic: the caller supplies all randomness (keys are drawn from the protocol's
//!   KeySource, so runs stay replayable);
//! - checks every pointer for null and every length against the exact size before it reads or
//!   writes anything, and returns a status code (`RC_KYBER_*`), never panics: there is no
//!   indexing or arithmetic here that can fail once the lengths match, and the crate is built with
//!   `panic = "abort"` so that even a panic inside libcrux could never unwind into C++;
//! - writes its outputs only on success;
//! - overwrites (volatile writes) the copies of secret bytes it made itself: the randomness, the
//!   secret key and the shared secret. Temporaries inside libcrux's own stack frames are not
//!   wiped (as with libsodium's and OpenSSL's).

#![forbid(unsafe_op_in_unsafe_fn)]

use libcrux_ml_kem::kyber1024;
use libcrux_ml_kem::mlkem1024::{MlKem1024Ciphertext, MlKem1024PrivateKey, MlKem1024PublicKey};

/// Bytes of a Kyber-1024 public key (round 3, Table 1 of the specification: k = 4).
pub const KYBER1024_PUBLIC_KEY_BYTES: usize = 1568;
/// Bytes of a Kyber-1024 secret key: the IND-CPA secret key, the public key, H(pk) and z.
pub const KYBER1024_SECRET_KEY_BYTES: usize = 3168;
/// Bytes of a Kyber-1024 ciphertext.
pub const KYBER1024_CIPHERTEXT_BYTES: usize = 1568;
/// Bytes of the shared secret.
pub const KYBER1024_SHARED_SECRET_BYTES: usize = 32;
/// Randomness of key generation: 32 bytes for the IND-CPA key seed, then 32 bytes of z, the
/// implicit-rejection value.
pub const KYBER1024_KEYPAIR_RANDOMNESS_BYTES: usize = 64;
/// Randomness of encapsulation: the 32-byte message m (hashed before use, as round 3 does).
pub const KYBER1024_ENCAPSULATE_RANDOMNESS_BYTES: usize = 32;

/// Success.
pub const RC_KYBER_OK: i32 = 0;
/// A pointer argument was null.
pub const RC_KYBER_NULL_POINTER: i32 = 1;
/// The randomness was not exactly the size the operation draws.
pub const RC_KYBER_BAD_RANDOMNESS_LENGTH: i32 = 2;
/// A public-key buffer was not exactly KYBER1024_PUBLIC_KEY_BYTES.
pub const RC_KYBER_BAD_PUBLIC_KEY_LENGTH: i32 = 3;
/// A secret-key buffer was not exactly KYBER1024_SECRET_KEY_BYTES.
pub const RC_KYBER_BAD_SECRET_KEY_LENGTH: i32 = 4;
/// A ciphertext buffer was not exactly KYBER1024_CIPHERTEXT_BYTES.
pub const RC_KYBER_BAD_CIPHERTEXT_LENGTH: i32 = 5;
/// A shared-secret buffer was not exactly KYBER1024_SHARED_SECRET_BYTES.
pub const RC_KYBER_BAD_SHARED_SECRET_LENGTH: i32 = 6;

/// Overwrites `bytes` with zeros in a way the optimizer may not remove: volatile stores, then a
/// compiler fence so later code is not moved above them.
fn wipe(bytes: &mut [u8]) {
    for byte in bytes.iter_mut() {
        // SAFETY: `byte` is a valid, aligned, exclusive reference.
        unsafe { core::ptr::write_volatile(byte, 0) };
    }
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
}

/// The `length` bytes at `pointer` as a fixed-size array reference, or `error` when the pointer
/// is null or the length is not N.
///
/// # Safety
/// A non-null `pointer` must be valid for reads of `length` bytes for the returned lifetime.
unsafe fn input<'a, const N: usize>(
    pointer: *const u8,
    length: usize,
    error: i32,
) -> Result<&'a [u8; N], i32> {
    if pointer.is_null() {
        return Err(RC_KYBER_NULL_POINTER);
    }
    if length != N {
        return Err(error);
    }
    // SAFETY: non-null and, by the caller's contract, valid for `length` == N bytes.
    let slice = unsafe { core::slice::from_raw_parts(pointer, N) };
    slice.try_into().map_err(|_| error)
}

/// The `length` bytes at `pointer` as a writable fixed-size array, or `error` when the pointer is
/// null or the length is not N.
///
/// # Safety
/// A non-null `pointer` must be valid for writes of `length` bytes, and not aliased, for the
/// returned lifetime.
unsafe fn output<'a, const N: usize>(
    pointer: *mut u8,
    length: usize,
    error: i32,
) -> Result<&'a mut [u8; N], i32> {
    if pointer.is_null() {
        return Err(RC_KYBER_NULL_POINTER);
    }
    if length != N {
        return Err(error);
    }
    // SAFETY: non-null and, by the caller's contract, valid and exclusive for N bytes.
    let slice = unsafe { core::slice::from_raw_parts_mut(pointer, N) };
    slice.try_into().map_err(|_| error)
}

/// Generates a Kyber-1024 key pair from 64 bytes of caller-supplied randomness: the first 32 are
/// the IND-CPA key-generation seed d, the last 32 the implicit-rejection value z (the order in
/// which the round-3 reference implementation's `crypto_kem_keypair` draws them). Writes the
/// public key (1568 bytes) and the secret key (3168 bytes) on success.
///
/// Returns RC_KYBER_OK, or RC_KYBER_NULL_POINTER / RC_KYBER_BAD_*_LENGTH without writing anything.
///
/// # Safety
/// Each pointer, when non-null, must be valid for its length (reads for the randomness, writes
/// for the outputs); the outputs must not overlap each other or the randomness.
#[no_mangle]
pub unsafe extern "C" fn ratchetcheck_kyber1024_keypair(
    randomness: *const u8,
    randomness_length: usize,
    public_key_out: *mut u8,
    public_key_length: usize,
    secret_key_out: *mut u8,
    secret_key_length: usize,
) -> i32 {
    // SAFETY: forwarded caller contract.
    let result = unsafe {
        keypair(
            randomness,
            randomness_length,
            public_key_out,
            public_key_length,
            secret_key_out,
            secret_key_length,
        )
    };
    result.err().unwrap_or(RC_KYBER_OK)
}

unsafe fn keypair(
    randomness: *const u8,
    randomness_length: usize,
    public_key_out: *mut u8,
    public_key_length: usize,
    secret_key_out: *mut u8,
    secret_key_length: usize,
) -> Result<(), i32> {
    // SAFETY (all three): forwarded caller contract.
    let randomness = unsafe {
        input::<KYBER1024_KEYPAIR_RANDOMNESS_BYTES>(
            randomness,
            randomness_length,
            RC_KYBER_BAD_RANDOMNESS_LENGTH,
        )
    }?;
    let public_key_out = unsafe {
        output::<KYBER1024_PUBLIC_KEY_BYTES>(
            public_key_out,
            public_key_length,
            RC_KYBER_BAD_PUBLIC_KEY_LENGTH,
        )
    }?;
    let secret_key_out = unsafe {
        output::<KYBER1024_SECRET_KEY_BYTES>(
            secret_key_out,
            secret_key_length,
            RC_KYBER_BAD_SECRET_KEY_LENGTH,
        )
    }?;

    let mut seed = *randomness;
    let key_pair = kyber1024::generate_key_pair(seed);
    wipe(&mut seed);
    let (mut secret_key, public_key) = key_pair.into_parts();
    public_key_out.copy_from_slice(public_key.as_slice());
    secret_key_out.copy_from_slice(secret_key.as_slice());
    wipe(&mut secret_key[0..]);
    Ok(())
}

/// Encapsulates to a Kyber-1024 public key with 32 bytes of caller-supplied randomness (the
/// message m, which round 3 hashes with H before use). Writes the ciphertext (1568 bytes) and the
/// shared secret (32 bytes) on success.
///
/// The public key is not checked for a canonical encoding (FIPS 203's modulus check): round-3
/// Kyber has no such check, and its known answers are computed without one.
///
/// Returns RC_KYBER_OK, or RC_KYBER_NULL_POINTER / RC_KYBER_BAD_*_LENGTH without writing anything.
///
/// # Safety
/// As for ratchetcheck_kyber1024_keypair.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ratchetcheck_kyber1024_encapsulate(
    public_key: *const u8,
    public_key_length: usize,
    randomness: *const u8,
    randomness_length: usize,
    ciphertext_out: *mut u8,
    ciphertext_length: usize,
    shared_secret_out: *mut u8,
    shared_secret_length: usize,
) -> i32 {
    // SAFETY: forwarded caller contract.
    let result = unsafe {
        encapsulate(
            public_key,
            public_key_length,
            randomness,
            randomness_length,
            ciphertext_out,
            ciphertext_length,
            shared_secret_out,
            shared_secret_length,
        )
    };
    result.err().unwrap_or(RC_KYBER_OK)
}

#[allow(clippy::too_many_arguments)]
unsafe fn encapsulate(
    public_key: *const u8,
    public_key_length: usize,
    randomness: *const u8,
    randomness_length: usize,
    ciphertext_out: *mut u8,
    ciphertext_length: usize,
    shared_secret_out: *mut u8,
    shared_secret_length: usize,
) -> Result<(), i32> {
    // SAFETY (all four): forwarded caller contract.
    let public_key = unsafe {
        input::<KYBER1024_PUBLIC_KEY_BYTES>(
            public_key,
            public_key_length,
            RC_KYBER_BAD_PUBLIC_KEY_LENGTH,
        )
    }?;
    let randomness = unsafe {
        input::<KYBER1024_ENCAPSULATE_RANDOMNESS_BYTES>(
            randomness,
            randomness_length,
            RC_KYBER_BAD_RANDOMNESS_LENGTH,
        )
    }?;
    let ciphertext_out = unsafe {
        output::<KYBER1024_CIPHERTEXT_BYTES>(
            ciphertext_out,
            ciphertext_length,
            RC_KYBER_BAD_CIPHERTEXT_LENGTH,
        )
    }?;
    let shared_secret_out = unsafe {
        output::<KYBER1024_SHARED_SECRET_BYTES>(
            shared_secret_out,
            shared_secret_length,
            RC_KYBER_BAD_SHARED_SECRET_LENGTH,
        )
    }?;

    let public_key = MlKem1024PublicKey::from(public_key);
    let mut message = *randomness;
    let (ciphertext, mut shared_secret) = kyber1024::encapsulate(&public_key, message);
    wipe(&mut message);
    ciphertext_out.copy_from_slice(ciphertext.as_slice());
    shared_secret_out.copy_from_slice(&shared_secret);
    wipe(&mut shared_secret);
    Ok(())
}

/// Decapsulates a Kyber-1024 ciphertext with a secret key and writes the 32-byte shared secret.
///
/// Any ciphertext of the right length gives a shared secret: one that does not re-encrypt to
/// itself gives the implicit-rejection secret KDF(z || H(c)) instead of an error (round 3's
/// Fujisaki-Okamoto transform), chosen in constant time. So the only failures are bad pointers and
/// lengths.
///
/// Returns RC_KYBER_OK, or RC_KYBER_NULL_POINTER / RC_KYBER_BAD_*_LENGTH without writing anything.
///
/// # Safety
/// As for ratchetcheck_kyber1024_keypair.
#[no_mangle]
pub unsafe extern "C" fn ratchetcheck_kyber1024_decapsulate(
    secret_key: *const u8,
    secret_key_length: usize,
    ciphertext: *const u8,
    ciphertext_length: usize,
    shared_secret_out: *mut u8,
    shared_secret_length: usize,
) -> i32 {
    // SAFETY: forwarded caller contract.
    let result = unsafe {
        decapsulate(
            secret_key,
            secret_key_length,
            ciphertext,
            ciphertext_length,
            shared_secret_out,
            shared_secret_length,
        )
    };
    result.err().unwrap_or(RC_KYBER_OK)
}

unsafe fn decapsulate(
    secret_key: *const u8,
    secret_key_length: usize,
    ciphertext: *const u8,
    ciphertext_length: usize,
    shared_secret_out: *mut u8,
    shared_secret_length: usize,
) -> Result<(), i32> {
    // SAFETY (all three): forwarded caller contract.
    let secret_key = unsafe {
        input::<KYBER1024_SECRET_KEY_BYTES>(
            secret_key,
            secret_key_length,
            RC_KYBER_BAD_SECRET_KEY_LENGTH,
        )
    }?;
    let ciphertext = unsafe {
        input::<KYBER1024_CIPHERTEXT_BYTES>(
            ciphertext,
            ciphertext_length,
            RC_KYBER_BAD_CIPHERTEXT_LENGTH,
        )
    }?;
    let shared_secret_out = unsafe {
        output::<KYBER1024_SHARED_SECRET_BYTES>(
            shared_secret_out,
            shared_secret_length,
            RC_KYBER_BAD_SHARED_SECRET_LENGTH,
        )
    }?;

    let mut secret_key = MlKem1024PrivateKey::from(secret_key);
    let ciphertext = MlKem1024Ciphertext::from(ciphertext);
    let mut shared_secret = kyber1024::decapsulate(&secret_key, &ciphertext);
    wipe(&mut secret_key[0..]);
    shared_secret_out.copy_from_slice(&shared_secret);
    wipe(&mut shared_secret);
    Ok(())
}
