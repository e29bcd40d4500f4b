#!/usr/bin/env bash
# Installs the Debian packages glmgate needs to build, run and test (and, with the argument
# `bench`, to benchmark), and nothing when all are present. Safe to run repeatedly; used by every
# Makefile target.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git openssl ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev sqlite3 zlib1g-dev libpq-dev libhiredis-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev libgoogle-perftools-dev
  libgtest-dev libgmock-dev libsodium-dev
  clang-14 libclang-rt-14-dev clang-format
)
# `install_deps.sh test` adds the servers the store and cluster suites start on their own (in
# temporary folders, on free ports): PostgreSQL and Redis; Prometheus's promtool, which checks
# GET /metrics (its server is not started); and the Chromium the console test drives (headless;
# playwright-core never downloads a browser of its own).
if [ "${1:-}" = "test" ]; then
  packages+=(postgresql redis-server prometheus chromium fonts-dejavu-core)
fi
# `install_deps.sh bench` adds what `make bench` needs: the load generator, the reverse-proxy
# baseline, and Debian's python3 for the report. (Not python3-matplotlib: on Debian 12 it pulls
# libboost-dev 1.74 through python3-fonttools, which conflicts with the libboost1.81-dev the build
# needs; the report plots latest.png when matplotlib happens to be there.)
if [ "${1:-}" = "bench" ]; then
  packages+=(wrk nginx-light python3 procps)
fi
# node and npm drive the SDK and integration tests; a machine may already carry a newer build.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "install_deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
