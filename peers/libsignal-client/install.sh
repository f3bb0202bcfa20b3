#!/usr/bin/env bash
# Installs the libsignal-client peer's npm packages exactly as package-lock.json pins them
# (`npm ci`), then checks that the package's prebuilt native module loads under this Node.js.
# Idempotent and fast when already installed: npm ci runs only when node_modules is missing or was
# installed from a different package-lock.json. Run by ci/bootstrap.sh; CMake refuses to configure
# the peers without it (peers/libsignal-client/CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "libsignal-client peer: $tool is not installed (Node.js 20 with npm is needed)" >&2
    exit 1
  fi
done

# node_modules/.installed-from holds the SHA-256 of the package-lock.json it was installed from.
wanted_lock="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp=node_modules/.installed-from
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted_lock" ]; then
  echo "libsignal-client peer: node_modules already installed from this package-lock.json"
else
  echo "libsignal-client peer: npm ci"
  # --ignore-scripts: the package's only install script prints a hint about building from source;
  # the native module comes prebuilt inside the package (prebuilds/linux-x64).
  npm ci --ignore-scripts --no-audit --no-fund
  echo "$wanted_lock" > "$stamp"
fi

version="$(node -e "require('@signalapp/libsignal-client'); process.stdout.write(require('@signalapp/libsignal-client/package.json').version)")"
echo "libsignal-client peer: @signalapp/libsignal-client $version loads under Node.js $(node --version)"
