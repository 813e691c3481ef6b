"""datatrove's 4-stage MinHash deduplication as a benchmark peer, run in the peer venv (bench/peer_env.sh).

    .venv-datatrove/bin/python bench/peer_datatrove_dedup.py --input CORPUS_DIR --output OUT [--workers 2]

Input: the `part-*.jsonl.gz` files of a `bench/dedup_data.py` corpus (`id`, `text`, `lang`, ...); each
file is one task of the per-document stages (datatrove reads whole files per task).
Stages, each a LocalPipelineExecutor with `--workers` processes, run one after the other:
  1. JsonlReader → MinhashDedupSignature          tasks = input files
  2. MinhashDedupBuckets                          tasks = 14 (a multiple of the bucket count is required)
  3. MinhashDedupCluster(save_cluster_id/size)    tasks = 1 (datatrove requires one)
  4. JsonlReader → MinhashDedupFilter(load_cluster_ids/sizes, exclusion_writer=JsonlWriter(dropped/))
     → JsonlWriter(kept/)                         tasks = input files
MinhashConfig(n_grams=5, num_buckets=14, hashes_per_bucket=8, seed=1, HashConfig(precision=64,
hash_fc="xxhash")), datatrove's default text normalisation (lower case, punctuation removed, digits → 0,
whitespace collapsed).
Shingles, `--tokenizer` (the `language` argument of MinhashDedupSignature, which also accepts a
WordTokenizer instance):
  chars+words (default)  a WordTokenizer that returns one token per non-space character when >= 30% of
                         a document's non-space characters are CJK, else whitespace words: with
                         n_grams=5 this is character 5-grams for Chinese and word 5-grams for English,
                         as in our job (datatrove has one tokenizer per step, not one per document).
  any datatrove code     e.g. "eng" (spaCy English for every document) or "cmn" (jieba for every document).
Prints one JSON line: seconds (total and per stage), docs in/kept/dropped, the settings.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.hashing import HashConfig
from datatrove.utils.word_tokenizers import WordTokenizer

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class CharsOrWords(WordTokenizer):
    """Characters for mostly-CJK text, whitespace words otherwise (matches our job's zh/en shingles)."""

    def __init__(self, cjk_share: float = 0.3):
        super().__init__("chars+words")
        self.cjk_share = cjk_share

    def word_tokenize(self, text: str) -> list[str]:
        compact = text.replace(" ", "")
        if compact and len(_CJK.findall(compact)) >= self.cjk_share * len(compact):
            return list(compact)
        return text.split()

    def sent_tokenize(self, text: str) -> list[str]:
        return [text]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        return [(0, len(text))]


def settings(tokenizer: str, files: int, workers: int) -> dict:
    return {
        "datatrove": version("datatrove"),
        "minhash": {"n_grams": 5, "num_buckets": 14, "hashes_per_bucket": 8, "seed": 1, "hash": "xxhash64"},
        "normalisation": "datatrove default TextNormConfig: lower case, no punctuation, digits->0, spaces",
        "tokenizer": tokenizer,
        "tasks": {"signatures": files, "buckets": 14, "cluster": 1, "filter": files},
        "workers": workers,
        "executor": "LocalPipelineExecutor(start_method='forkserver')",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, help="corpus folder holding part-*.jsonl.gz")
    ap.add_argument("--output", type=Path, help="writes kept/ and dropped/ here (default: temporary)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tokenizer", default="chars+words", help="chars+words, or a datatrove language code")
    ap.add_argument("--settings", action="store_true", help="print the settings as JSON and exit")
    args = ap.parse_args(argv)
    if args.settings:
        print(json.dumps(settings(args.tokenizer, 0, args.workers)))
        return 0
    if not args.input:
        ap.error("--input is required")
    files = sorted(p.name for p in args.input.glob("part-*.jsonl.gz"))
    if not files:
        ap.error(f"no part-*.jsonl.gz in {args.input}")
    tasks = len(files)
    language: str | WordTokenizer = CharsOrWords() if args.tokenizer == "chars+words" else args.tokenizer
    cfg = MinhashConfig(
        n_grams=5,
        num_buckets=14,
        hashes_per_bucket=8,
        seed=1,
        hash_config=HashConfig(precision=64, hash_fc="xxhash"),
    )
    tmp = Path(tempfile.mkdtemp(prefix="peer-dt-dedup-"))
    out = args.output or tmp / "out"
    for sub in ("kept", "dropped"):
        shutil.rmtree(out / sub, ignore_errors=True)
    work = tmp / "work"

    def reader() -> JsonlReader:
        return JsonlReader(str(args.input), glob_pattern="part-*.jsonl.gz", id_key="id", text_key="text")

    stages = {
        "signatures": (
            [
                reader(),
                MinhashDedupSignature(output_folder=str(work / "sigs"), config=cfg, language=language),
            ],
            tasks,
        ),
        "buckets": (
            [
                MinhashDedupBuckets(
                    input_folder=str(work / "sigs"), output_folder=str(work / "buckets"), config=cfg
                )
            ],
            cfg.num_buckets,
        ),
        "cluster": (
            [
                MinhashDedupCluster(
                    input_folder=str(work / "buckets"),
                    output_folder=str(work / "remove"),
                    config=cfg,
                    save_cluster_id=True,
                    save_cluster_size=True,
                )
            ],
            1,
        ),
        "filter": (
            [
                reader(),
                MinhashDedupFilter(
                    input_folder=str(work / "remove"),
                    load_cluster_ids=True,
                    load_cluster_sizes=True,
                    exclusion_writer=JsonlWriter(str(out / "dropped")),
                ),
                JsonlWriter(str(out / "kept")),
            ],
            tasks,
        ),
    }
    seconds: dict[str, float] = {}
    stats = {}
    t_all = time.perf_counter()
    try:
        for name, (pipeline, n) in stages.items():
            ex = LocalPipelineExecutor(
                pipeline=pipeline,
                tasks=n,
                workers=min(args.workers, n),
                logging_dir=str(tmp / "logs" / name),
                skip_completed=False,
            )
            t0 = time.perf_counter()
            st = ex.run()
            seconds[name] = round(time.perf_counter() - t0, 3)
            stats[name] = {
                s.name: {k: (v.total if hasattr(v, "total") else v) for k, v in s.stats.items()}
                for s in st.stats
            }
        total = time.perf_counter() - t_all
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.output:
            shutil.rmtree(tmp, ignore_errors=True)
    filt = stats["filter"]
    docs_in = int(next(iter(filt.values())).get("documents", 0))
    dedup = next(v for k, v in filt.items() if "stage 4" in k)
    res = {
        "docs_in": docs_in,
        "docs_kept": int(dedup.get("forwarded", 0)),
        "docs_dropped": int(dedup.get("dropped", 0)),
        "seconds": round(total, 3),
        "stage_seconds": seconds,
        "output": str(out) if args.output else None,
        "settings": settings(args.tokenizer, tasks, args.workers),
    }
    print(json.dumps(res))
    if not args.output:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DATATROVE_COLORIZE_LOGS", "0")
    sys.exit(main())
