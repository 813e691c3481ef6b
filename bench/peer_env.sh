#!/usr/bin/env bash
# Builds the benchmark peer's own virtualenv, .venv-datatrove/ (gitignored via `.venv-*/`).
# datatrove's [processing] extra pins trafilatura<1.12 and xxhash<4, so it stays out of .venv.
# Idempotent: a finished venv (stamp file present, same requirements) is left as it is.
# Usage: bash bench/peer_env.sh [VENV_DIR]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$ROOT/.venv-datatrove}"
PY="${PYTHON:-python3}"
# What the peer needs offline (STACK.md, "Running datatrove as a benchmark peer, offline"):
# aiohttp (imported by datatrove's IO layer), spacy + jieba (its word tokenizers: "cmn" → jieba),
# warcio + faust-cchardet + python-magic (its WarcReader; python-magic uses the system libmagic1),
# orjson (its JsonlWriter).
# fasttext comes with the [processing] extra (fasttext-numpy2-wheel); no torch is pulled.
REQS=("datatrove[processing]==0.10.*" "aiohttp" "spacy" "jieba" "warcio" "faust-cchardet" "python-magic" "orjson")
STAMP="$VENV/.peer-installed"
WANT="$(printf '%s\n' "${REQS[@]}")"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" && -x "$VENV/bin/python" ]]; then
  echo "peer venv ready: $VENV"
  exit 0
fi

start=$(date +%s)
test -x "$VENV/bin/python" || "$PY" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
# this machine's pip config lists index folders that may be absent: drop that one warning
pip_() { "${PIP[@]}" "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
pip_ install -U pip
# If anything in the chain pulls torch, pip must take the local CPU build (the machine's constraint
# file caps torch; without a pin it would look for CUDA wheels). Install it only when asked for.
if "${PIP[@]}" install --dry-run --report - "${REQS[@]}" 2>/dev/null | grep -q '"name": "torch"'; then
  pip_ install torch==2.13.0
fi
pip_ install "${REQS[@]}"
"$VENV/bin/python" -c "import datatrove, trafilatura, fasttext, spacy, jieba, magic, cchardet, warcio, orjson"
echo "$WANT" >"$STAMP"
echo "peer venv built in $(( $(date +%s) - start )) s, size $(du -sh "$VENV" | cut -f1): $VENV"
