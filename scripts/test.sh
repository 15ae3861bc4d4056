#!/usr/bin/env bash
# Set up (idempotent), run the quality gates, then the whole test suite: the fast tier and the
# tier that loads the real embedded model (marked `model`). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src strategies tasks tests benchmarks
.venv/bin/ruff format --check src strategies tasks tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
