#!/usr/bin/env bash
# Builds another commit's glmgate into build/baseline/glmgate, for `make bench BASELINE=<commit>`:
# the benchmark then measures that binary beside this tree's in the same rounds, so a change's
# cost is read off one run on one machine, not off two runs at different hours.
# The commit's sources are exported with `git archive` (no worktree, nothing checked out).
set -euo pipefail
cd "$(dirname "$0")/.."
ref="${1:?usage: build_baseline.sh <commit>}"
commit="$(git rev-parse --verify "${ref}^{commit}")"
src=build/baseline-src
if [[ "$(cat "$src/.commit" 2>/dev/null)" != "$commit" ]]; then
  rm -rf "$src" build/baseline
  mkdir -p "$src"
  git archive "$commit" | tar -x -C "$src"
  echo "$commit" > "$src/.commit"
fi
cmake -S "$src" -B build/baseline -G Ninja -DCMAKE_BUILD_TYPE=Release -DGLMGATE_SDK_TESTS=OFF >/dev/null
cmake --build build/baseline --target glmgate -j"${JOBS:-2}"
echo "baseline: $(git log -1 --format='%h %s' "$commit")"
