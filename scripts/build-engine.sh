#!/usr/bin/env bash
# Builds the reference matching engine (examples/engine/, docs/engine.md) twice, each from one IDL's
# generated C++ header only:
#   build/engine/engine-current   generated/cpp/ (idl/godark_settlement.json): emits BatchV2, the "new" engine
#   build/engine/engine-v1_only   the cpp target of tests/fixtures/settlement/v1_only.json: BatchV1, the "old" one
# Deterministic: no timestamps or paths reach the binaries, so the same tree gives the same bytes.
# Usage: bash scripts/build-engine.sh [OUT_DIR]   (CXX overrides the compiler; default g++)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/engine}
cxx=${CXX:-g++}
idlgen=${IDLGEN:-.venv/bin/idlgen}
mkdir -p "$out/v1_only"

# The old engine's header: the v1_only IDL rendered with the bundled program's namespace and family
# settings (the engine source names godark::settlement and families::Batch).
cat > "$out/v1_only/idlgen.toml" <<TOML
out = "gen"
targets = ["cpp"]
[[programs]]
idl = "$PWD/tests/fixtures/settlement/v1_only.json"
cpp_namespace = "godark::settlement"
[[programs.families]]
stem = "Batch"
carrier = "settle_batch.data"
gate = "GlobalConfig.allowed_batch_versions"
TOML
"$idlgen" build --config "$out/v1_only/idlgen.toml" >/dev/null

flags=(-std=c++17 -O2 -Wall -Wextra -Werror -ffile-prefix-map="$PWD"=. -Iexamples/engine)
"$cxx" "${flags[@]}" -Igenerated/cpp examples/engine/engine.cpp -o "$out/engine-current.tmp"
"$cxx" "${flags[@]}" -I"$out/v1_only/gen/cpp" examples/engine/engine.cpp -o "$out/engine-v1_only.tmp"
mv "$out/engine-current.tmp" "$out/engine-current"
mv "$out/engine-v1_only.tmp" "$out/engine-v1_only"
echo "engine: $out/engine-current ($("$out/engine-current" --describe))"
echo "engine: $out/engine-v1_only ($("$out/engine-v1_only" --describe))"
