#!/usr/bin/env bash
# Installs the Debian packages riskscan builds with (nothing is downloaded at build time).
# The CUDA toolkit is optional: without nvcc the build is CPU-only.
set -euo pipefail
packages=(cmake ninja-build g++ clang-format libgtest-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev
          libfast-float-dev libfmt-dev librandom123-dev libtomlplusplus-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
