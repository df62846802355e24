#!/usr/bin/env bash
# Installs what the test suite needs beyond pip: Debian packages and npm packages.
# Idempotent and quick when everything is already there. Each section belongs to one test area.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
    # apt_install PKG... : install the Debian packages that are missing (root, or sudo when available).
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# proto (tests/proto): protoc compiles the generated .proto to C++, which is built against libprotobuf.
apt_install protobuf-compiler libprotobuf-dev pkg-config
