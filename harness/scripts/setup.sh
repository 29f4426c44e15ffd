#!/usr/bin/env bash
# Installs the Debian 12 packages joulebench builds, tests and runs with. Idempotent: prints nothing and changes
# nothing when every package is already installed. Uses sudo when not run as root.
# Usage: setup.sh [--test]   (--test adds what only the tests need: Chromium, for the HTML report test)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libgtest-dev libgmock-dev libbenchmark-dev
  ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo libclblast-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  libsqlite3-dev sqlite3 nlohmann-json3-dev libsensors-dev
  libcli11-dev libfmt-dev
)
[ "${1:-}" = "--test" ] && packages+=(chromium)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 3; }
  sudo=sudo
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
