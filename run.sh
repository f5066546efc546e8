#!/usr/bin/env bash
# The main job: set everything up, then train config.yaml continuously (Ctrl+C stops; the same
# command resumes). Extra arguments go to `snaketrain train`, e.g. --max-iterations 10.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
exec .venv/bin/snaketrain train "$@"
