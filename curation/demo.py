"""The SFT half of `make demo`: curation → classify → rebalance → train → eval → loop step → trigger.

    python -m curation.demo --output out/demo [--train-steps 60] [--no-retrain]

Runs on the bundled data (samples/sft/) after the corpus job, with the `corpusloop` commands of
each module, in-process:

1. `sft filter` and `sft dedup` on samples/sft/alpaca.json + sharegpt.jsonl → OUT/sft/{filter,dedup}/
2. `classify predict` (the shipped instruction classifier) → OUT/sft/classified.jsonl
3. `sft rebalance` to configs/sft_mix.yaml → OUT/sft/rebalance/ (before/after table, demand.jsonl)
4. samples/sft/heldout.jsonl split per category: half the test set (OUT/sft/test.jsonl), half the
   held-back answers of the simulated annotators (OUT/sft/heldback.jsonl)
5. `train` the demo decoder (configs/train/demo.yaml, `--train-steps` steps) on the rebalanced set;
   it evaluates per category at the end → OUT/train/eval.json
6. `loop step` on that evaluation: weights, rebalanced set, labeling tasks (files, or Label Studio
   when LABEL_STUDIO_URL is set), simulated annotators answer them, retraining trigger
7. `loop step` again on the same evaluation: merges the answers (new data version, trigger on new
   data) and, as the trigger fired, trains on the new set at once (`--train`; not with `--no-retrain`)
8. `loop step` on the retrained model's evaluation (trends, new weights, tasks); `loop report` →
   OUT/loop/report/ (per-category scores and weights over the iterations)

A step whose module is missing or fails is reported as SKIPPED with the reason, and the steps that
need its output are skipped too; the exit status is 1 when anything was skipped.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "sft"


class Demo:
    """Runs named steps, each a `corpusloop` command; remembers what was skipped and why."""

    def __init__(self) -> None:
        self.skipped: dict[str, str] = {}
        self.t0 = time.perf_counter()

    def run(self, name: str, module: str, argv: list[str], needs: tuple[str, ...] = ()) -> bool:
        missing = [n for n in needs if n in self.skipped]
        if missing:
            return self._skip(name, f"needs {', '.join(missing)}, which was skipped")
        try:
            main: Callable[[list[str]], int] = importlib.import_module(module).main
        except ImportError as exc:
            return self._skip(name, f"module {module} is not available ({exc})")
        print(f"\n=== {name}: corpusloop {module} {' '.join(argv)}", flush=True)
        code = main(argv)
        if code != 0:
            return self._skip(name, f"{module} exited with status {code}")
        print(f"--- {name} done ({time.perf_counter() - self.t0:.0f} s)", flush=True)
        return True

    def _skip(self, name: str, why: str) -> bool:
        self.skipped[name] = why
        print(f"\n=== SKIPPED {name}: {why}", flush=True)
        return False


def split_heldout(src: Path, test: Path, heldback: Path) -> tuple[int, int]:
    """Alternate the items of each category between the test set and the held-back pool."""
    seen: dict[str, int] = {}
    n_test = n_held = 0
    with (
        src.open(encoding="utf-8") as f,
        test.open("w", encoding="utf-8") as ft,
        heldback.open("w", encoding="utf-8") as fh,
    ):
        for line in f:
            if not line.strip():
                continue
            cat = str(json.loads(line).get("category"))
            k = seen.get(cat, 0)
            seen[cat] = k + 1
            if k % 2 == 0:
                ft.write(line if line.endswith("\n") else line + "\n")
                n_test += 1
            else:
                fh.write(line if line.endswith("\n") else line + "\n")
                n_held += 1
    return n_test, n_held


def write_loop_config(eval_json: Path, path: Path) -> None:
    """configs/loop.yaml with the demo's choices: 1/perplexity per category (a model this small gets no
    generation metric off zero), log gaps (excess loss), and every category's target the best one's score."""
    from curation.loop import scores_of
    from pipelines.config import load_yaml

    scores = scores_of(json.loads(eval_json.read_text(encoding="utf-8")), "inv_ppl")
    best = max(v for v in scores.values() if v is not None)
    cfg = load_yaml(ROOT / "configs" / "loop.yaml")
    cfg.update(metric="inv_ppl", gap="log", default_target=round(best, 6), min_new_records=10)
    import yaml

    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m curation.demo", description=__doc__.split("\n\n")[0])
    ap.add_argument("--output", default="out/demo", help="demo folder (the corpus job's output may be there)")
    ap.add_argument(
        "--train-steps", type=int, default=60, help="demo training steps (configs/train/demo.yaml)"
    )
    ap.add_argument(
        "--no-retrain",
        dest="retrain",
        action="store_false",
        help="do not train again when the second loop step triggers (nor run the third step)",
    )
    args = ap.parse_args(argv)
    out = Path(args.output)
    sft = out / "sft"
    sft.mkdir(parents=True, exist_ok=True)
    demo = Demo()
    inputs = [str(SAMPLES / "alpaca.json"), str(SAMPLES / "sharegpt.jsonl")]

    demo.run(
        "sft filter", "curation.sft.cli", ["filter", "--input", *inputs, "--output", str(sft / "filter")]
    )
    demo.run(
        "sft dedup",
        "curation.sft.cli",
        ["dedup", "--input", str(sft / "filter" / "kept.jsonl"), "--output", str(sft / "dedup")],
        needs=("sft filter",),
    )
    demo.run(
        "classify",
        "curation.classify",
        [
            "predict",
            "--input",
            str(sft / "dedup" / "kept.jsonl"),
            "--output",
            str(sft / "classified.jsonl"),
            "--output-format",
            "record",
        ],
        needs=("sft dedup",),
    )
    demo.run(
        "rebalance",
        "curation.sft.cli",
        ["rebalance", "--input", str(sft / "classified.jsonl"), "--output", str(sft / "rebalance")],
        needs=("classify",),
    )
    n_test, n_held = split_heldout(SAMPLES / "heldout.jsonl", sft / "test.jsonl", sft / "heldback.jsonl")
    print(
        f"\nheld-out data: {n_test} test items ({sft / 'test.jsonl'}), "
        f"{n_held} held back for the simulated annotators ({sft / 'heldback.jsonl'})",
        flush=True,
    )
    overrides = [
        f"max_steps={args.train_steps}",
        "eval_every=0",
        f"save_every={args.train_steps}",
        "eval_max_examples=3",
        "eval_max_new_tokens=32",
    ]  # a short run; generations on 3 items
    train_over = [x for o in overrides for x in ("--set", o)]
    demo.run(
        "train + eval",
        "training.train",
        [
            "--config",
            str(ROOT / "configs" / "train" / "demo.yaml"),
            "--train",
            str(sft / "rebalance" / "kept.jsonl"),
            "--eval",
            str(sft / "test.jsonl"),
            "--out",
            str(out / "train"),
            "--no-progress",
            *train_over,
        ],
        needs=("rebalance",),
    )
    loop_run = out / "loop"
    loop_cfg = out / "loop.yaml"
    if (out / "train" / "eval.json").is_file():
        write_loop_config(out / "train" / "eval.json", loop_cfg)
    common = [
        "step",
        "--run",
        str(loop_run),
        "--eval",
        str(out / "train" / "eval.json"),
        "--config",
        str(loop_cfg),
    ]
    demo.run(
        "loop step 1 (gaps → weights, tasks, simulated annotators, trigger)",
        "curation.loop",
        [
            *common,
            "--data",
            str(sft / "classified.jsonl"),
            "--prompts",
            str(sft / "heldback.jsonl"),
            "--simulate",
            str(sft / "heldback.jsonl"),
        ],
        needs=("train + eval", "classify"),
    )
    retrain = [
        "--train",
        "--eval-data",
        str(sft / "test.jsonl"),
        *[x for o in overrides for x in ("--train-set", o)],
    ]
    demo.run(
        "loop step 2 (merge the answers → new data version → trigger)",
        "curation.loop",
        [*common, *(retrain if args.retrain else [])],
        needs=("loop step 1 (gaps → weights, tasks, simulated annotators, trigger)",),
    )
    if args.retrain:
        demo.run(
            "loop step 3 (the retrained model's eval → trends, new weights, tasks)",
            "curation.loop",
            [
                "step",
                "--run",
                str(loop_run),
                "--config",
                str(loop_cfg),
                "--prompts",
                str(sft / "heldback.jsonl"),
                "--simulate",
                str(sft / "heldback.jsonl"),
            ],
            needs=("loop step 2 (merge the answers → new data version → trigger)",),
        )
    demo.run(
        "loop report",
        "curation.loop",
        ["report", "--run", str(loop_run)],
        needs=("loop step 2 (merge the answers → new data version → trigger)",),
    )
    print(f"\ndemo SFT loop finished in {time.perf_counter() - demo.t0:.0f} s; outputs under {out}")
    for name, why in demo.skipped.items():
        print(f"SKIPPED {name}: {why}")
    return 1 if demo.skipped else 0


if __name__ == "__main__":
    sys.exit(main())
