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

# cpp (tests/cpp, benchmarks/run_cpp.sh): the generated headers are compiled with g++ and clang++;
# the benchmark builds protobuf C++ beside them (protoc + libprotobuf above).
apt_install g++ clang

# conformance (tests/conformance): the official Anchor TypeScript coder, pinned by tests/reference/package-lock.json.
# `npm ci` runs only when node_modules is missing or was installed from another lock file (a hash stamp).
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
ref=tests/reference
lock_sha=$(sha256sum "$ref/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$ref/node_modules/.idlgen-lock.sha256" 2>/dev/null)" != "$lock_sha" ]; then
    (cd "$ref" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_sha" > "$ref/node_modules/.idlgen-lock.sha256"
fi

# tools (tests/tools/test_light_program.py): Light Protocol's compiled account_compression program, fetched
# once with `npm pack` into the git-ignored .cache/light/ and sha256-verified; a cached, verified copy
# makes this a hash of 763 kB. Without the registry it prints why and the tests skip saying the same.
"${PYTHON:-.venv/bin/python}" -m tests.tools.light

# programs (tests/programs, benchmarks/bench_programs.py): the reference settlement program is C built with
# Debian's clang-14 for the BPF target, linked by programs/tools/sbf_link.py, then built for every stage.
apt_install clang-14
bash scripts/build-programs.sh
