"""MinHash signature speed: the numba kernel against the numpy path of `doc_signature` (same signatures).

    .venv/bin/python bench/minhash_kernel.py [--docs 10000] [--runs 3]

Input: the first `--docs` documents of the dedup throughput corpus
(.bench/dedup/throughput-50000-s7-dup0.2/corpus/*.jsonl.gz, made by `bench/dedup_throughput.py`; the run
is skipped with a message and `skipped=1` when it is missing). Both sides call
`pipelines.text.minhash.doc_signature(text, lang, DedupConfig())` (112 permutations, seed 1, xxh32,
affine32, 5-gram shingles) in this process, one document at a time; the numpy side is the same function
with the kernel getter patched to None (the path taken without numba). Every signature is asserted equal.
Times are the best of `--runs` passes after one warm-up document (the kernel is compiled or loaded from
its cache first). JIT start-up is measured in fresh interpreters with a fresh NUMBA_CACHE_DIR, from after
`import pipelines.text.minhash` to the end of the first zh and en signatures (numba import, kernel, word
table): the first interpreter compiles (`compile_s`), a second one loads the cache (`cache_load_s`).
Last line: `ratio=<kernel/numpy> kernel_docs_per_s=… numpy_docs_per_s=… docs=… compile_s=… cache_load_s=…`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.text import minhash as jm  # noqa: E402

CORPUS = ROOT / ".bench" / "dedup" / "throughput-50000-s7-dup0.2" / "corpus"
_STARTUP = """
import time
from pipelines.text.minhash import DedupConfig, MinHasher, doc_signature
t0 = time.perf_counter()
assert MinHasher(hashfunc="xxh32").kernel() is not None, "numba kernel did not load"
doc_signature("今天天气很好，我们去公园散步吧。" + " the quick brown fox jumps over it", "en", DedupConfig())
doc_signature("今天天气很好，我们去公园散步吧。", "zh", DedupConfig())
print(time.perf_counter() - t0)
"""


def read_docs(limit: int) -> list[tuple[str, str | None]]:
    docs: list[tuple[str, str | None]] = []
    for path in sorted(CORPUS.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                docs.append((rec["text"], rec.get("lang")))
                if len(docs) >= limit:
                    return docs
    return docs


def timed(fn: Callable[[], list], runs: int) -> tuple[float, list]:
    best, out = float("inf"), []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def startup_seconds(cache_dir: str) -> float:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _STARTUP], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if not any(CORPUS.glob("*.jsonl.gz")):
        print(f"no corpus under {CORPUS}: run bench/dedup_throughput.py once to build it", file=sys.stderr)
        print("skipped=1")
        return 0
    if jm.MinHasher(hashfunc="xxh32").kernel() is None:
        print("numba kernel unavailable (is numba installed?)", file=sys.stderr)
        print("skipped=1")
        return 0
    docs = read_docs(args.docs)
    chars = sum(len(t) for t, _ in docs)
    print(f"{len(docs)} docs, {chars / len(docs):,.0f} chars on average, from {CORPUS}", file=sys.stderr)
    cfg = jm.DedupConfig()
    jm.doc_signature(*docs[0], cfg)  # compile or load the kernel outside the timing

    def run() -> list:
        return [jm.doc_signature(text, lang, cfg) for text, lang in docs]

    kernel_s, kernel_sigs = timed(run, args.runs)
    with mock.patch.object(jm, "_kernel", lambda: None):
        numpy_s, numpy_sigs = timed(run, args.runs)
    for i, (k, n) in enumerate(zip(kernel_sigs, numpy_sigs, strict=True)):
        same = (k is None and n is None) or (k is not None and n is not None and k.tolist() == n.tolist())
        assert same, f"signatures differ on doc {i}"
    kernel_rate, numpy_rate = len(docs) / kernel_s, len(docs) / numpy_s
    print(f"kernel: {kernel_rate:,.0f} docs/s ({kernel_s:.2f} s)", file=sys.stderr)
    print(f"numpy:  {numpy_rate:,.0f} docs/s ({numpy_s:.2f} s)", file=sys.stderr)
    print(f"all {len(docs)} signatures equal", file=sys.stderr)
    with tempfile.TemporaryDirectory() as cache_dir:
        compile_s = startup_seconds(cache_dir)
        cache_load_s = startup_seconds(cache_dir)
    print(f"start-up: {compile_s:.2f} s compiling, {cache_load_s:.2f} s from the cache", file=sys.stderr)
    print(
        f"ratio={kernel_rate / numpy_rate:.2f} kernel_docs_per_s={kernel_rate:.0f} "
        f"numpy_docs_per_s={numpy_rate:.0f} docs={len(docs)} "
        f"compile_s={compile_s:.2f} cache_load_s={cache_load_s:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
