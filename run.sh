#!/usr/bin/env bash
# The main job: set everything up, then run it. Extra arguments go to `snaketrain play`.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
exec .venv/bin/snaketrain play "$@"
