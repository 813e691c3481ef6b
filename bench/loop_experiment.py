"""The data-iteration loop against a stratified-sampling baseline: does the weakest category gain more?

    python bench/loop_experiment.py [--out out/loop_experiment] [--steps0 50] [--steps 25] [--items 40]

Data: BELLE's 1000 Chinese instructions with their 10 classes (../shared/data/sft/belle_eval; skips
when absent), split per category in a seeded order into a test set (`--test-per-cat`), a held-back
pool that the simulated annotators answer from (`--pool-frac` of the rest) and the initial SFT data
(the rest; it keeps BELLE's skew: open QA 285 items, extraction 37).

Iteration 0: the demo trainer (configs/train/demo.yaml, `--batch-size` rows a step) trains M0 on
the initial data for `--steps0` steps; per-category evaluation on the test set (training/evaluate.py,
loss only). Then two iterations of each arm, each continuing from its own last checkpoint for
`--steps` steps (the same token budget: same steps, same packed rows):

- loop: `corpusloop loop step` on M0's eval (DoReMi weights, demand routed by cause, review tasks
  on the model's own answers to pool prompts, simulated annotators answer from the pool), then a
  second step on the same eval that merges the answers and rebalances to the weights; train on
  the rebalanced set;
- baseline: the same number of annotated items, drawn from the pool stratified (in proportion to
  the categories' shares of the data), merged the same way; train on the data as it is (natural,
  i.e. stratified, category shares).

Score per category: 1/perplexity = exp(-loss) on the test set's assistant tokens (the loop's
`metric: inv_ppl`; a model this small gets no generation metric off zero). Loop targets: M0's best
category score for every category (`--gap relative`: gap = 1 - score / best; `--gap log`: the loss
in excess of the best category's), DoReMi step size `--step-size`. Last line:
`weakest_gain_loop=… weakest_gain_baseline=… mean_delta_loop=… mean_delta_baseline=…` (gains of the
category weakest under M0, and of the mean over categories, iteration 2 minus iteration 0).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curation.loop import (  # noqa: E402
    Ledger,
    merge,
    parse_args,
    read_records,
    scores_of,
    stratified_weights,
)
from curation.loop import step as loop_step  # noqa: E402
from curation.sft.distribution import apportion, category_of  # noqa: E402
from curation.sft.formats import write_sft  # noqa: E402
from curation.sft.records import SFTRecord  # noqa: E402
from curation.simulate import HeldBack  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
BELLE = SHARED / "sft" / "belle_eval" / "eval_set.jsonl"
BELLE_CLASSES = {
    "open qa": "open_qa",
    "closed qa": "closed_qa",
    "brainstorming": "brainstorming",
    "rewrite": "rewrite",
    "generation": "generation",
    "math": "math",
    "classification": "classification",
    "summarization": "summarization",
    "code": "code",
    "extract": "extract",
}


def load_belle(path: Path) -> list[SFTRecord]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        cls = BELLE_CLASSES[" ".join(row["class"].replace("\u00a0", " ").split())]
        msgs = [
            {"role": "user", "content": row["question"]},
            {"role": "assistant", "content": row["std_answer"]},
        ]
        out.append(SFTRecord.new(msgs, source="belle_eval", lang="zh", category=cls))
    return out


def split(records: list[SFTRecord], test_per_cat: int, pool_frac: float, seed: int):
    """(initial data, held-back pool, test) per category in a seeded order."""
    by_cat: dict[str, list[SFTRecord]] = {}
    for r in records:
        by_cat.setdefault(r.category or "", []).append(r)
    data, pool, test = [], [], []
    for _c, items in sorted(by_cat.items()):
        items.sort(key=lambda r: hashlib.sha1(f"{seed}\0{r.id}".encode()).hexdigest())
        test += items[:test_per_cat]
        rest = items[test_per_cat:]
        n_pool = round(len(rest) * pool_frac)
        pool += rest[:n_pool]
        data += rest[n_pool:]
    return data, pool, test


def train_cfg(out: Path, train_file: Path, max_steps: int, batch_size: int):
    from training.train import load_config

    return load_config(
        ROOT / "configs" / "train" / "demo.yaml",
        [
            f"out_dir={json.dumps(str(out))}",
            f"train={json.dumps([str(train_file)])}",
            "eval=null",
            f"max_steps={max_steps}",
            "eval_every=0",
            f"save_every={max_steps}",
            f"batch_size={batch_size}",
        ],
    )


def train_from(prev_run: Path | None, run: Path, train_file: Path, steps: int, batch_size: int) -> Path:
    """Train `steps` steps on `train_file`, continuing from prev_run's latest checkpoint when given."""
    from training.checkpoint import LATEST, latest_checkpoint, load_training_state
    from training.train import train

    start = 0
    if prev_run is not None:
        ckpt = latest_checkpoint(prev_run)
        start = load_training_state(ckpt)["step"]
        (run / "checkpoints").mkdir(parents=True, exist_ok=True)
        shutil.copytree(ckpt, run / "checkpoints" / ckpt.name)
        (run / "checkpoints" / LATEST).write_text(ckpt.name + "\n")
    result = train(
        train_cfg(run, train_file, start + steps, batch_size), resume=prev_run is not None, progress=False
    )
    return Path(result["checkpoint"])


def evaluate(ckpt: Path, test_file: Path, out: Path) -> dict:
    """Loss per category (no generation) → out/eval.json."""
    from training.checkpoint import load_model, load_training_state
    from training.data import ChatFormat
    from training.evaluate import TAXONOMY, EvalConfig, evaluate_model
    from training.tokenizer import load_tokenizer

    model = load_model(ckpt)
    fmt = ChatFormat(load_tokenizer(ckpt))
    loss_only = {c: (a, t, None) for c, (a, t, _m) in TAXONOMY.items()}
    step = load_training_state(ckpt)["step"]
    return evaluate_model(
        model, fmt, test_file, out, step, EvalConfig(taxonomy=loss_only), checkpoint=str(ckpt)
    )


def baseline_draw(pool: HeldBack, data: list[SFTRecord], n: int) -> list[SFTRecord]:
    """`n` pool items, stratified: in proportion to the categories' shares of the data."""
    counts = Counter(category_of(r) for r in data)
    want = apportion(stratified_weights(counts), n)
    got = []
    for c, k in want.items():
        got += pool.draw(c, k)
    short = n - len(got)
    for c in sorted(counts, key=lambda c: -counts[c]):  # a category that ran dry: fill from the largest
        if short <= 0:
            break
        more = pool.draw(c, short)
        got += more
        short -= len(more)
    return [
        SFTRecord.new(
            r.messages,
            source="simulated:baseline",
            lang=r.lang,
            category=r.category,
            meta={"labeling": {"kind": "baseline", "simulated": True, "held_back_id": r.id}},
        )
        for r in got
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="out/loop_experiment")
    ap.add_argument("--steps0", type=int, default=50, help="training steps of M0")
    ap.add_argument("--steps", type=int, default=25, help="training steps of each iteration (both arms)")
    ap.add_argument("--batch-size", type=int, default=4, help="packed rows of 256 tokens a step")
    ap.add_argument("--items", type=int, default=40, help="annotated items asked per iteration")
    ap.add_argument("--test-per-cat", type=int, default=15)
    ap.add_argument("--pool-frac", type=float, default=0.4)
    ap.add_argument("--step-size", type=float, default=2.0, help="DoReMi step size of the loop")
    ap.add_argument("--gap", default="relative", choices=("relative", "log"), help="the loop's gap rule")
    ap.add_argument(
        "--initial", default="stratified", choices=("stratified", "uniform"), help="the loop's first weights"
    )
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if not BELLE.is_file():
        print(f"skip: {BELLE} not found (../shared/data is absent)")
        return 0
    t0 = time.perf_counter()
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    data0, pool_recs, test = split(load_belle(BELLE), args.test_per_cat, args.pool_frac, args.seed)
    for name, recs in (("data0", data0), ("pool", pool_recs), ("test", test)):
        write_sft(recs, out / f"{name}.jsonl")
    print(f"data {len(data0)} {dict(sorted(Counter(category_of(r) for r in data0).items()))}", flush=True)
    print(f"pool {len(pool_recs)}, test {len(test)}", flush=True)

    # iteration 0
    m0 = out / "m0"
    ckpt0 = train_from(None, m0, out / "data0.jsonl", args.steps0, args.batch_size)
    ev0 = evaluate(ckpt0, out / "test.jsonl", m0)
    s0 = scores_of(ev0, "inv_ppl")
    best = max(v for v in s0.values() if v is not None)
    cfg_path = out / "loop.yaml"
    cfg_path.write_text(
        f"metric: inv_ppl\ngap: {args.gap}\ninitial: {args.initial}\ndefault_target: {best:.6f}\n"
        f"step_size: {args.step_size}\nmax_items: {args.items}\nmin_items: 20\nmax_new_tokens: 32\n"
        f"min_new_records: 10\nseed: {args.seed}\n",
        encoding="utf-8",
    )
    print(f"M0 trained and evaluated ({time.perf_counter() - t0:.0f} s)", flush=True)

    # loop arm
    run = out / "loop"
    prev_run, ev = m0, ev0
    evals_loop = [ev0]
    annotated: list[int] = []
    for k in (1, 2):
        common = [
            "--run",
            str(run),
            "--eval",
            str(prev_run / "eval.json"),
            "--config",
            str(cfg_path),
            "--no-push",
            "--pulled",
            str(run / "labeling"),
        ]
        first = ["--data", str(out / "data0.jsonl")] if k == 1 else []
        e1 = loop_step(
            parse_args(
                [
                    "step",
                    *common,
                    *first,
                    "--prompts",
                    str(out / "pool.jsonl"),
                    "--simulate",
                    str(out / "pool.jsonl"),
                ]
            )
        )
        e2 = loop_step(parse_args(["step", *common]))
        annotated.append(e2["merge"]["answered"])
        print(
            f"loop {k}: weights {json.dumps(e1['weights'])}; tasks {json.dumps(e1['tasks_written'])}; "
            f"merged {e2['merge']['added']} new; trigger {e2['trigger']['fired']}",
            flush=True,
        )
        it_run = out / f"loop_m{k}"
        ckpt = train_from(prev_run, it_run, Path(e2["train_file"]), args.steps, args.batch_size)
        ev = evaluate(ckpt, out / "test.jsonl", it_run)
        evals_loop.append(ev)
        prev_run = it_run
    # baseline arm: the same number of annotated items per iteration, stratified
    held = HeldBack(read_records([out / "pool.jsonl"]), seed=args.seed)
    data = read_records([out / "data0.jsonl"])
    prev_run = m0
    evals_base = [ev0]
    for k, n in zip((1, 2), annotated, strict=True):
        data, _pending, rep = merge(data, baseline_draw(held, data, n))
        train_file = out / f"base_train{k}.jsonl"
        write_sft(data, train_file)
        print(f"baseline {k}: {n} items drawn, {rep['added']} merged", flush=True)
        it_run = out / f"base_m{k}"
        ckpt = train_from(prev_run, it_run, train_file, args.steps, args.batch_size)
        evals_base.append(evaluate(ckpt, out / "test.jsonl", it_run))
        prev_run = it_run

    cats = sorted(c for c, v in s0.items() if v is not None)
    sl = [scores_of(e, "inv_ppl") for e in evals_loop]
    sb = [scores_of(e, "inv_ppl") for e in evals_base]
    weakest = min(cats, key=lambda c: s0[c])
    print("\n| category | it0 | loop it1 | loop it2 | base it1 | base it2 | loop gain | base gain |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for c in cats:
        mark = " (weakest)" if c == weakest else ""
        print(
            f"| {c}{mark} | {s0[c]:.5f} | {sl[1][c]:.5f} | {sl[2][c]:.5f} | {sb[1][c]:.5f} | {sb[2][c]:.5f} "
            f"| {sl[2][c] - s0[c]:+.5f} | {sb[2][c] - s0[c]:+.5f} |"
        )

    def mean(s: dict) -> float:
        return sum(s[c] for c in cats) / len(cats)

    print(
        f"| mean | {mean(s0):.5f} | {mean(sl[1]):.5f} | {mean(sl[2]):.5f} | {mean(sb[1]):.5f} | "
        f"{mean(sb[2]):.5f} | {mean(sl[2]) - mean(s0):+.5f} | {mean(sb[2]) - mean(s0):+.5f} |"
    )
    weights = [e["weights"] for e in Ledger(run).entries()]
    base_w = stratified_weights(Counter(category_of(r) for r in read_records([out / "data0.jsonl"])))
    print("\n| category | loss it0 | loss loop it2 | loss base it2 | weight base | loop weight it1 | it2 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for c in cats:
        print(
            f"| {c} | {-math.log(s0[c]):.3f} | {-math.log(sl[2][c]):.3f} | {-math.log(sb[2][c]):.3f} "
            f"| {base_w.get(c, 0):.3f} | {weights[0][c]:.3f} | {weights[2][c]:.3f} |"
        )
    summary = {
        "weakest": weakest,
        "scores_loop": sl,
        "scores_baseline": sb,
        "loop_weights": weights,
        "annotated_per_iteration": annotated,
        "seconds": round(time.perf_counter() - t0, 1),
        "args": vars(args),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(f"annotated items per iteration (both arms): {annotated}; {summary['seconds']} s")
    print(
        f"weakest_gain_loop={sl[2][weakest] - s0[weakest]:.5f} "
        f"weakest_gain_baseline={sb[2][weakest] - s0[weakest]:.5f} "
        f"mean_delta_loop={mean(sl[2]) - mean(s0):.5f} mean_delta_baseline={mean(sb[2]) - mean(s0):.5f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
