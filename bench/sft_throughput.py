"""SFT throughput: the filters (score + decide) and, when it exists, the instruction classifier.

    .venv/bin/python bench/sft_throughput.py [--items 100000]

Input: every SFT item of ../shared/data/sft (LLaMA-Factory's Alpaca/DPO/identity demos, both ruozhiba
files, BELLE's eval set, Firefly's dummy set; about 10k records), cycled to `--items` records;
each cycle after the first appends " (variant k)" to the user turn, so prompts differ as in a
real set. One process, one thread; reading and building the records is not timed, the language-id
and lexicon models load inside the timed part.

- filter: `curation.sft.filters.Scorer.score` + `decide` on every record (language id of prompt
  and answer, repetition, refusal/boilerplate patterns, PII, sensitive lexicons).
- classify: `classifiers.instruction`'s shipped default model predicting every prompt in batches
  of 1,000, imported lazily; when the module (or a loader this script knows) is absent, it says so
  and prints nan.

Wall-clock rates depend on what else runs on the machine; the filter's rate per CPU second of this
process is printed too. Last line:
`filter_items_per_s=… classify_items_per_s=… items=… filter_items_per_cpu_s=…`.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curation.sft.filters import Scorer, decide  # noqa: E402
from curation.sft.formats import read_sft  # noqa: E402
from curation.sft.records import SFTRecord, instruction_text  # noqa: E402

SFT = Path(os.environ.get("CORPUSLOOP_SHARED", ROOT.parent / "shared")) / "data" / "sft"
FILES = (
    "llamafactory_demo/alpaca_en_demo.json",
    "llamafactory_demo/alpaca_zh_demo.json",
    "llamafactory_demo/dpo_en_demo.json",
    "llamafactory_demo/dpo_zh_demo.json",
    "llamafactory_demo/identity.json",
    "ruozhiba_zh_sft/ruozhiba_qa2449_gpt4o.json",
    "ruozhiba_zh_sft/ruozhiba_qa2449_gpt4t.json",
    "belle_eval/eval_set.jsonl",
    "firefly_dummy/dummy_data.jsonl",
)


def build(n: int) -> list[SFTRecord]:
    base = [r for f in FILES if (SFT / f).is_file() for r in read_sft(SFT / f) if isinstance(r, SFTRecord)]
    if not base:
        raise SystemExit(f"no SFT data under {SFT}")
    out = []
    for i in range(n):
        r = base[i % len(base)]
        k = i // len(base)
        if k:
            msgs = [dict(m) for m in r.messages]
            first = next(j for j, m in enumerate(msgs) if m["role"] == "user")
            msgs[first]["content"] = f"{msgs[first]['content']} (variant {k})"
            r = replace(r, messages=msgs, meta=dict(r.meta), signals={})
        else:
            r = replace(r, meta=dict(r.meta), signals={})
        out.append(r)
    return out


def bench_filter(records: list[SFTRecord]) -> tuple[float, float]:
    """(items per wall-clock second, items per CPU second of this process)."""
    t0, c0 = time.perf_counter(), time.process_time()
    scorer = Scorer()
    for r in records:
        scorer.score(r)
        r.drop = decide(r)
    return len(records) / (time.perf_counter() - t0), len(records) / (time.process_time() - c0)


def load_classifier():
    """The shipped default instruction classifier, or None (with the reason) when there is none."""
    try:
        mod = importlib.import_module("classifiers.instruction")
    except ImportError as exc:
        return None, f"classifiers.instruction absent ({exc})"
    for name in ("load_default", "default_classifier", "load_default_model"):
        if hasattr(mod, name):
            try:
                return getattr(mod, name)(), ""
            except FileNotFoundError as exc:  # the module is there, its shipped model not yet
                return None, f"no default model ({exc})"
            except (AttributeError, ImportError) as exc:  # a model pickled against other code
                return None, f"default model does not load ({type(exc).__name__}: {exc})"
    return None, "classifiers.instruction has no load_default/default_classifier/load_default_model"


def bench_classify(records: list[SFTRecord]) -> tuple[float, str]:
    texts = [instruction_text(r) for r in records]
    t0 = time.perf_counter()
    model, why = load_classifier()
    if model is None:
        return math.nan, why
    for i in range(0, len(texts), 1000):
        model.predict(texts[i : i + 1000])
    return len(texts) / (time.perf_counter() - t0), ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args(argv)
    records = build(args.items)
    print(f"{len(records)} records from {SFT}", file=sys.stderr)
    f, f_cpu = bench_filter(records)
    kept = sum(r.drop is None for r in records)
    print(f"filter: {f:,.0f} items/s ({f_cpu:,.0f} per CPU s), kept {kept}/{len(records)}", file=sys.stderr)
    c, why = bench_classify(records)
    print(f"classify: {why or f'{c:,.0f} items/s'}", file=sys.stderr)
    print(
        f"filter_items_per_s={f:.0f} classify_items_per_s={c:.0f} items={len(records)} "
        f"filter_items_per_cpu_s={f_cpu:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
