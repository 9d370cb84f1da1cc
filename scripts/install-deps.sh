#!/usr/bin/env bash
# The one place that lists vigil's Debian 12 dependencies. `make demo`, `make test`,
# `make bench`, `make fuzz` and CI all call this; it installs only what is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  clang libclang-rt-14-dev
  libsimdjson-dev libyaml-cpp-dev libvectorscan-dev libre2-dev libsqlite3-dev
  libcpp-httplib-dev libcli11-dev libfmt-dev nlohmann-json3-dev
  libssl-dev zlib1g-dev libzstd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # Notification templates (Mustache, header-only).
  libkainjow-mustache-dev
  # Test-time oracles for the EVTX reader, and the benchmark's comparison tool.
  libevtx-utils python3-evtx python3
  hyperfine time
  # Compressed inputs in the whole-program tests.
  zstd gzip
  # Opens report.html headless in the e2e test (the DOM a browser builds from it).
  chromium
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
