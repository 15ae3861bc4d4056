#!/usr/bin/env bash
# Serve the embedded SmolLM2-135M-Instruct over an OpenAI-compatible API on loopback, then use
# it with the model spec printed below. Usage: scripts/serve_openai.sh [PORT]
#
# `transformers serve` cannot read the embedded GGUF directly, so a float32 copy is made once
# (~20 s, ~520 MB, under $REASONER_CACHE or ~/.cache/reasoner). OMP_NUM_THREADS=1 because the
# server runs every request in its own thread: with torch's default thread count, concurrent
# requests oversubscribe the cores and 16 of them take ~10x longer on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${1:-8000}
MODEL_DIR=$(.venv/bin/python -m reasoner.models.dequantize | tail -n 1)
echo "serve_openai: model spec  openai:http://127.0.0.1:$PORT/v1#$MODEL_DIR" >&2
export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
exec .venv/bin/transformers serve "$MODEL_DIR" --host 127.0.0.1 --port "$PORT"
