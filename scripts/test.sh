#!/usr/bin/env bash
# The project's test command (README): installs everything the tests need, then lint, types and pytest.
# Usage: bash scripts/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
bash scripts/setup-test-deps.sh
# The reference engine, old and new (tests/tools/test_simtest_*.py; docs/engine.md).
bash scripts/build-engine.sh

echo "== ruff"
.venv/bin/ruff check idlgen tests benchmarks programs
echo "== mypy --strict idlgen/"
.venv/bin/mypy idlgen
.venv/bin/mypy --strict programs
echo "== pytest"
.venv/bin/pytest "$@"
