#!/usr/bin/env bash
# Builds the reference settlement program (programs/settlement/settlement.c) for the three stages of the
# rollout story into build/programs/godark_settlement-{v1_only,current,v3_hardfork}.so.
# Deterministic: the same source gives the same bytes (clang output has no timestamps or paths, and the
# project's linker, programs/tools/sbf_link.py, writes nothing but the program).
# Usage: bash scripts/build-programs.sh [OUT_DIR] [SOURCE]   (defaults: build/programs, the settlement source)
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-build/programs}
src=${2:-programs/settlement/settlement.c}
py=${PYTHON:-.venv/bin/python}
cc=${SBF_CC:-clang-14}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

flags=(-target bpf -mcpu=v1 -O2 -ffreestanding -fno-builtin -nostdlib -fno-jump-tables -fno-strict-aliasing
       -Wall -Wextra -Werror -c)
for stage in v1_only current v3_hardfork; do
    case $stage in
        v1_only) def=(-DSTAGE_V1_ONLY) ;;
        current) def=() ;;
        v3_hardfork) def=(-DSTAGE_V3_HARDFORK) ;;
    esac
    "$cc" "${flags[@]}" ${def[@]+"${def[@]}"} "$src" -o "$tmp/$stage.o"
    "$py" -m programs.tools.sbf_link "$tmp/$stage.o" "$tmp/$stage.so"
    # The loader only panics on a bad ELF: check the loader's rules before anything loads it.
    "$py" -m programs.tools.sbf_check "$tmp/$stage.so" >/dev/null
    mv "$tmp/$stage.so" "$out/godark_settlement-$stage.so"
done
