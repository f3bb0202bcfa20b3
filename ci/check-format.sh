#!/usr/bin/env bash
# Checks every tracked C/C++ source (*.cpp, *.hpp, *.h) against the pinned .clang-format with
# clang-format 14 (Debian's clang-format, installed by ci/bootstrap.sh). Lists the files that are
# not formatted and exits 1 if there are any; fix them with `clang-format -i FILE...`.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -d '' files < <(git ls-files -z -- '*.cpp' '*.hpp' '*.h')
if [ ${#files[@]} -eq 0 ]; then
  echo "check-format: no tracked C++ files found" >&2
  exit 1
fi

unformatted=()
for file in "${files[@]}"; do
  if ! clang-format --dry-run -Werror "$file" >/dev/null 2>&1; then
    unformatted+=("$file")
  fi
done

if [ ${#unformatted[@]} -ne 0 ]; then
  echo "check-format: ${#unformatted[@]} of ${#files[@]} files are not clang-formatted:" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "check-format: all ${#files[@]} files formatted"
