#!/usr/bin/env bash
# Builds and runs the C++ benchmark: idlgen's Borsh headers beside protobuf C++ on the same batch.
#   benchmarks/run_cpp.sh            (CXX=clang++ benchmarks/run_cpp.sh to use clang)
# Needs g++ (or $CXX), protoc and libprotobuf-dev: scripts/setup-test-deps.sh installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
CXX="${CXX:-g++}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Generate both targets from the bundled configuration into a scratch folder (generated/ is untouched).
.venv/bin/idlgen build --target cpp --target proto --out "$work/gen" >/dev/null
proto_rel="godark/settlement/v1/godark_settlement.proto"
mkdir -p "$work/pb"
protoc --cpp_out="$work/pb" -I "$work/gen/proto" "$work/gen/proto/$proto_rel"

"$CXX" -std=c++17 -O2 -DNDEBUG -I "$work/gen/cpp" -I "$work/pb" \
    benchmarks/cpp/bench_batch.cpp "$work/pb/${proto_rel%.proto}.pb.cc" \
    $(pkg-config --cflags --libs protobuf) -o "$work/bench_batch"
echo "compiler: $("$CXX" --version | head -1); protobuf $(pkg-config --modversion protobuf)"
"$work/bench_batch"
