#!/usr/bin/env bash
# Installs every Debian package the build, the tests, the fuzzers and the benchmarks need.
# Idempotent: safe to run again; needs root (or sudo) on Debian 12.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git python3
  clang libclang-rt-14-dev clang-format clang-tidy
  # crypto: libsodium (X25519, randomness, Ed25519 arithmetic, SHA-512),
  # OpenSSL libcrypto (AES-256-CBC, SHA-256/HMAC, BN for XEdDSA verification)
  libsodium-dev libssl-dev
  # JSON, CLI parsing, formatting
  nlohmann-json3-dev libcli11-dev libfmt-dev
  # tests, properties, benchmarks, proofs
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev libz3-dev z3 cvc5
  # constant-time checks (ctest label ct): memcheck and its client-request header memcheck.h
  valgrind
  # peers for interop and benchmarks
  libsignal-protocol-c-dev libolm-dev
  # the evidence pack (ratchetcheck evidence): dot draws the state machine into report.html;
  # headless chromium renders report.html in the ctest label evidence and prints report.pdf;
  # pdftotext (poppler-utils) reads the PDF back in the evidence tests
  graphviz chromium poppler-utils
)

# The Kyber-1024 crate (protocol/kem) is built by cargo, which does not come from Debian here:
# Debian 12's rustc (1.63) is older than its dependencies need (rand 0.10: 1.85), and the
# project's machines have a current one from rustup in ~/.cargo/bin. Say so now rather than when
# CMake configures.
if ! command -v cargo >/dev/null 2>&1 && [ ! -x "${HOME:-/root}/.cargo/bin/cargo" ]; then
  echo "bootstrap: cargo not found on PATH or in ~/.cargo/bin; the Kyber-1024 crate" \
       "(protocol/kem) needs it: install Rust with rustup" >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#packages[@]} packages already installed"
else
  sudo_prefix=()
  if [ "$(id -u)" -ne 0 ]; then sudo_prefix=(sudo); fi
  echo "bootstrap: installing ${missing[*]}"
  "${sudo_prefix[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The libsignal-client peer's npm packages (pinned by its package-lock.json), with the machine's
# Node.js 20 and npm, which are not Debian's (bookworm has Node.js 18). Skips npm when already
# installed from the same lock file, so a second bootstrap stays fast.
bash "$(dirname "$0")/../peers/libsignal-client/install.sh"
