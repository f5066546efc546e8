#!/usr/bin/env bash
# Set everything up, then run the whole test suite (slow tests included). Extra arguments go to
# pytest. Exits non-zero when a test fails or when no test ran at all.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
.venv/bin/ruff check .
# One pytest-xdist worker per core by default; SNAKETRAIN_TEST_WORKERS=N (0: one process).
exec .venv/bin/python -m pytest -n "${SNAKETRAIN_TEST_WORKERS:-auto}" "$@"
