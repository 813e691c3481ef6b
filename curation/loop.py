"""The SFT data-iteration loop: per-category eval gaps → weights, labeling demand, retraining trigger.

    corpusloop loop step --run out/loop --eval out/train/eval.json --data sft.jsonl \
        [--simulate heldback.jsonl] [--train --eval-data test.jsonl]
    corpusloop loop report --run out/loop

One `loop step`:

1. merges what annotators returned since the last step (`label pull` batches under `--pulled`,
   default RUN/labeling) into the SFT data: classified (the instruction classifier; an annotator's
   category wins), deduplicated against the data (`curation.sft.dedup`); instructions that came
   back without an answer wait in RUN/pending.jsonl for write_answer tasks;
2. reads the latest eval.json and the previous iteration's (the ledger, or `--prev-eval`) and
   computes per category a score (`LoopConfig.metric`), the gap to its target and the trend;
3. updates the category weights, DoReMi-style (`update_weights`), and rebalances the SFT data to
   them (`curation.sft.rebalance`): RUN/iter_NNN/train.jsonl;
4. routes labeling demand by cause (`route`): too little data → write_instruction / write_answer;
   enough data but poor results → judge_answer / revise_answer / rank_answers on the model's own
   answers (the evaluated checkpoint answers prompts of that category from `--prompts`, default the
   SFT data; or `--outputs` gives them), at most `max_items` items a step. Task files go to
   RUN/iter_NNN/tasks/; they are pushed to Label Studio when a server is configured
   (LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY or `--server-config`);
5. writes a retraining trigger (`maybe_trigger`) and, with `--train`, trains at once;
6. appends the iteration to RUN/ledger.jsonl.

eval.json accepted (training/evaluate.py writes it): `{"step": N, "checkpoint": DIR?, "categories":
{category: {"score"?, "loss"?, "ppl"?, "exact_match"?, "rouge_l"?, ...}}}`; a category without the
configured number is reported with cause `no_score` and gets no push from the weight update.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curation.sft.distribution import MixTarget, apportion, category_of
from curation.sft.formats import read_sft, write_sft
from curation.sft.records import SFTError, SFTRecord, answer_text, first_user_index
from pipelines.config import configs_dir, dump_yaml, from_mapping, load_yaml

LEDGER = "ledger.jsonl"
PENDING = "pending.jsonl"
CAUSES = ("ok", "too_little_data", "poor_results", "no_score")
DATA_KINDS = ("write_instruction", "write_answer")
REVIEW_KINDS = ("judge_answer", "revise_answer", "rank_answers")


class LoopError(ValueError):
    """A loop input that cannot be used (eval file, config, ledger)."""


@dataclass(frozen=True)
class LoopConfig:
    """configs/loop.yaml; see that file for what each key does."""

    metric: str = "score"
    gap: str = "relative"  # relative: (target - score) / target; log: ln(target / score) (excess loss)
    default_target: float = 0.5
    targets: dict[str, float] = field(default_factory=dict)
    step_size: float = 1.0
    cap: float = 0.3
    smoothing: float = 0.1
    trend_coef: float = 0.5
    initial: str = "stratified"
    gap_threshold: float = 0.1
    min_items: int = 20
    max_items: int = 40
    max_new_tokens: int = 64
    max_repeat: int = 2
    seed: int = 0
    trigger_gap: float = 0.1
    min_new_records: int = 20
    trigger_dir: str | None = None
    train_config: str = "configs/train/demo.yaml"

    def __post_init__(self) -> None:
        if not 0.0 < self.cap <= 1.0:
            raise LoopError("loop.cap must be in (0, 1]")
        if not 0.0 <= self.smoothing <= 1.0:
            raise LoopError("loop.smoothing must be in [0, 1]")
        if self.step_size < 0:
            raise LoopError("loop.step_size must be >= 0")
        if self.gap not in ("relative", "log"):
            raise LoopError("loop.gap must be relative or log")
        if self.initial not in ("stratified", "uniform"):
            raise LoopError("loop.initial must be stratified or uniform")
        if self.default_target <= 0 or any(v <= 0 for v in self.targets.values()):
            raise LoopError("loop targets must be > 0")

    def target_of(self, category: str) -> float:
        return float(self.targets.get(category, self.default_target))


def load_loop_config(path: str | Path | None = None) -> LoopConfig:
    """configs/loop.yaml (or `path`); unknown keys raise."""
    path = Path(path) if path else configs_dir() / "loop.yaml"
    return from_mapping(LoopConfig, load_yaml(path) if path.is_file() else {}, str(path))


# ---- scores, gaps, trends -------------------------------------------------------------------------


def read_eval(path: str | Path) -> dict[str, Any]:
    """An eval.json (the latest evaluation) or the last line of an eval.jsonl history."""
    path = Path(path)
    if path.is_dir():
        path = path / "eval.json"
    text = path.read_text(encoding="utf-8")
    data = json.loads(text.strip().splitlines()[-1]) if path.suffix == ".jsonl" else json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise LoopError(f"{path}: expected {{'categories': {{category: {{metric: value}}}}}}")
    return data


def category_score(entry: Mapping[str, Any], metric: str) -> float | None:
    """The configured score of one category's eval entry, or None when it has none."""
    if metric == "inv_ppl":
        loss = entry.get("loss")
        value = math.exp(-float(loss)) if isinstance(loss, int | float) else None
    else:
        raw = entry.get(metric)
        value = float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    return value if value is not None and math.isfinite(value) else None


def scores_of(evaluation: Mapping[str, Any], metric: str) -> dict[str, float | None]:
    """category → score (None where the configured number is missing)."""
    return {c: category_score(e, metric) for c, e in sorted(evaluation["categories"].items())}


@dataclass
class CategoryState:
    """Where one category stands in this iteration."""

    category: str
    score: float | None
    target: float
    gap: float  # relative shortfall to the target, in [0, 1] (0 at or above the target)
    trend: float | None  # score - previous score
    signal: float  # what the weight update sees
    count: int = 0  # items in the SFT data
    prev_weight: float = 0.0
    weight: float = 0.0
    target_count: int = 0  # items asked for by the new weights
    deficit: int = 0  # of those, what the data cannot give even with repeats
    cause: str = "ok"
    items: int = 0  # annotated items asked for this step

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items()}
        for k in ("score", "gap", "trend", "signal", "prev_weight", "weight"):
            if isinstance(d[k], float):
                d[k] = round(d[k], 6)
        return d


def gaps_and_trends(
    scores: Mapping[str, float | None], previous: Mapping[str, float | None] | None, cfg: LoopConfig
) -> dict[str, CategoryState]:
    """Per category: the gap to the target, trend = score - previous score, and the update's signal.

    relative gap: max(0, target - score) / target, in [0, 1]; log gap: max(0, ln(target / score)),
    which for `metric: inv_ppl` is the loss in excess of the target's (DoReMi's excess loss). The
    signal adds `trend_coef` times the fall since the previous evaluation, on the gap's scale.
    """
    out = {}
    for c, s in scores.items():
        target = cfg.target_of(c)
        prev = (previous or {}).get(c)
        if s is None:
            out[c] = CategoryState(c, None, target, 0.0, None, 0.0, cause="no_score")
            continue
        trend = None if prev is None else s - prev
        if cfg.gap == "log":
            gap = max(0.0, math.log(target / max(s, 1e-12)))
            fall = max(0.0, math.log(max(prev, 1e-12) / max(s, 1e-12))) if prev is not None else 0.0
        else:
            gap = min(1.0, max(0.0, (target - s) / target))
            fall = max(0.0, -trend) / target if trend is not None else 0.0
        signal = gap + cfg.trend_coef * fall
        out[c] = CategoryState(c, s, target, gap, trend, signal)
    return out


# ---- weights ----------------------------------------------------------------------------------------


def uniform_weights(categories: Iterable[str]) -> dict[str, float]:
    cats = sorted(set(categories))
    return {c: 1.0 / len(cats) for c in cats}


def stratified_weights(counts: Mapping[str, int]) -> dict[str, float]:
    """The baseline: each category in proportion to its items (an empty one counts as 1, so it can grow)."""
    total = sum(max(n, 1) for n in counts.values())
    return {c: max(n, 1) / total for c, n in sorted(counts.items())}


def cap_weights(weights: Mapping[str, float], cap: float) -> dict[str, float]:
    """Weights summing to one with none above `cap`; the excess goes to the others in proportion."""
    w = dict(weights)
    if cap * len(w) < 1.0 - 1e-12:
        raise LoopError(f"cap {cap} is below 1/{len(w)}: {len(w)} categories cannot sum to one")
    fixed: set[str] = set()
    while True:
        over = [c for c in w if c not in fixed and w[c] > cap + 1e-12]
        if not over:
            return w
        for c in over:
            w[c] = cap
            fixed.add(c)
        free = [c for c in w if c not in fixed]
        left = 1.0 - cap * len(fixed)
        mass = sum(w[c] for c in free)
        for c in free:
            w[c] = left * w[c] / mass if mass > 0 else left / len(free)


def update_weights(
    previous: Mapping[str, float], signal: Mapping[str, float], cfg: LoopConfig
) -> dict[str, float]:
    """DoReMi's exponentiated-gradient step: w ∝ w_prev · exp(η · signal), capped, then smoothed.

    Categories new to `previous` start at the mean weight. Every result lies in
    [smoothing / k, max(cap, 1/k)] and the weights sum to one.
    """
    cats = sorted(set(previous) | set(signal))
    if not cats:
        return {}
    known = [previous[c] for c in cats if c in previous and previous[c] > 0]
    fill = sum(known) / len(known) if known else 1.0
    logits = {
        c: math.log(previous[c] if previous.get(c, 0) > 0 else fill) + cfg.step_size * signal.get(c, 0.0)
        for c in cats
    }
    top = max(logits.values())
    raw = {c: math.exp(v - top) for c, v in logits.items()}
    total = sum(raw.values())
    alpha = cap_weights({c: v / total for c, v in raw.items()}, max(cfg.cap, 1.0 / len(cats)))
    k = len(cats)
    return {c: (1.0 - cfg.smoothing) * alpha[c] + cfg.smoothing / k for c in cats}


# ---- routing -------------------------------------------------------------------------------------


def assign_causes(states: Mapping[str, CategoryState], cfg: LoopConfig) -> None:
    """Cause per category (ok | too_little_data | poor_results) and the annotated items asked of it."""
    weak = []
    for st in states.values():
        if st.cause == "no_score":
            continue
        if st.gap <= cfg.gap_threshold:
            st.cause = "ok"
            continue
        st.cause = "too_little_data" if st.count < cfg.min_items or st.deficit > 0 else "poor_results"
        weak.append(st)
    share = apportion({st.category: st.signal for st in weak}, cfg.max_items) if weak else {}
    for st in weak:
        st.items = share.get(st.category, 0)


def route(
    states: Mapping[str, CategoryState],
    outputs: Sequence[Mapping[str, Any]] = (),
    pending: Sequence[SFTRecord] = (),
    langs: Mapping[str, str | None] | None = None,
) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Task items per labeling kind, and notes on what could not be asked.

    too_little_data → one write_instruction demand row of `items` (`curation.labeling.tasks` format),
    plus write_answer for the category's `pending` instructions; poor_results → judge_answer,
    revise_answer and (with a reference answer) rank_answers on `outputs`, the model's answers
    ({id, messages, answer, category, lang, reference?}), at most `items` of them.
    """
    kinds: dict[str, list[dict[str, Any]]] = {k: [] for k in (*DATA_KINDS, *REVIEW_KINDS)}
    notes: list[str] = []
    by_cat: dict[str, list[Mapping[str, Any]]] = {}
    for o in outputs:
        by_cat.setdefault(str(o.get("category")), []).append(o)
    for st in sorted(states.values(), key=lambda s: s.category):
        if st.cause == "too_little_data" and st.items > 0:
            kinds["write_instruction"].append(
                {
                    "category": st.category,
                    "lang": (langs or {}).get(st.category),
                    "count_needed": st.items,
                    "cause": st.cause,
                    "gap": round(st.gap, 6),
                }
            )
        if st.cause in ("too_little_data", "poor_results"):
            for rec in pending:
                if rec.category == st.category:
                    kinds["write_answer"].append(rec.to_dict())
        if st.cause == "poor_results" and st.items > 0:
            mine = by_cat.get(st.category, [])[: st.items]
            if not mine:
                notes.append(
                    f"{st.category}: poor results but no model answers to review "
                    "(give --checkpoint or --outputs)"
                )
            for o in mine:
                item = {
                    "id": o["id"],
                    "messages": o["messages"],
                    "answer": o["answer"],
                    "category": st.category,
                    "lang": o.get("lang"),
                    "source": "loop",
                }
                kinds["judge_answer"].append(item)
                kinds["revise_answer"].append(item)
                if o.get("reference"):
                    kinds["rank_answers"].append(
                        {
                            **{k: v for k, v in item.items() if k != "answer"},
                            "answers": [
                                {"model": "model", "content": o["answer"]},
                                {"model": "reference", "content": o["reference"]},
                            ],
                        }
                    )
    return {k: v for k, v in kinds.items() if v}, notes


def model_outputs(
    checkpoint: str | Path, prompts: Sequence[SFTRecord], max_new_tokens: int
) -> list[dict[str, Any]]:
    """The checkpoint's greedy answers to the prompts (the dialogue up to the last user turn)."""
    import torch

    from training.checkpoint import load_model
    from training.data import ChatFormat
    from training.model import generate
    from training.tokenizer import load_tokenizer

    model = load_model(checkpoint)
    model.eval()
    fmt = ChatFormat(load_tokenizer(checkpoint))
    out = []
    with torch.no_grad():
        for rec in prompts:
            msgs = [{"role": m["role"], "content": str(m.get("content") or "")} for m in rec.messages]
            last_user = max(i for i, m in enumerate(msgs) if m["role"] == "user")
            prompt = msgs[: last_user + 1]
            ids = generate(model, fmt.prompt(prompt), max_new_tokens, (fmt.im_end, fmt.eos))
            reference = msgs[last_user + 1]["content"] if last_user + 1 < len(msgs) else None
            out.append(
                {
                    "id": rec.id,
                    "messages": prompt,
                    "answer": fmt.tokenizer.decode(ids, skip_special_tokens=True),
                    "category": rec.category,
                    "lang": rec.lang,
                    "reference": reference,
                }
            )
    return out


def evaluated_checkpoint(eval_path: str | Path, step: Any) -> str | None:
    """The checkpoint of the training run an eval.json sits in: the one of its step, else the latest."""
    from training.checkpoint import latest_checkpoint

    run = Path(eval_path)
    run = run if run.is_dir() else run.parent
    if isinstance(step, int) and (run / "checkpoints" / f"step_{step:06d}" / "config.json").is_file():
        return str(run / "checkpoints" / f"step_{step:06d}")
    found = latest_checkpoint(run)
    return str(found) if found else None


def review_prompts(
    pool: Sequence[SFTRecord], states: Mapping[str, CategoryState], seed: int, exclude: set[str] = frozenset()
) -> list[SFTRecord]:
    """Up to `items` prompts per poor-results category from `pool`, in a seeded order, skipping `exclude`."""
    out = []
    for st in states.values():
        if st.cause != "poor_results" or st.items <= 0:
            continue
        cands = [
            r
            for r in pool
            if r.category == st.category and r.id not in exclude and first_user_index(r) is not None
        ]
        cands.sort(key=lambda r: hashlib.sha1(f"{seed}\0{r.id}".encode()).hexdigest())
        out += cands[: st.items]
    return out


# ---- merge ---------------------------------------------------------------------------------------


def prompt_key(messages: Sequence[Mapping[str, Any]]) -> str:
    """The dialogue up to and including its last user turn, as a lookup key."""
    msgs = [(str(m.get("role")), str(m.get("content") or "").strip()) for m in messages]
    last = max((i for i, (role, _) in enumerate(msgs) if role == "user"), default=-1)
    return json.dumps(msgs[: last + 1], ensure_ascii=False)


def read_records(paths: Iterable[str | Path]) -> list[SFTRecord]:
    """SFT records of files in any supported format; a malformed item raises with its place."""
    out = []
    for p in paths:
        for item in read_sft(p):
            if isinstance(item, SFTError):
                raise LoopError(f"{item.locator}: {item.reason} {item.detail}")
            out.append(item)
    return out


def _quality():
    from curation.sft.filters import Scorer, quality_score

    scorer: list[Scorer] = []

    def q(rec: SFTRecord) -> float:
        if "answer_chars" not in rec.signals:
            if not scorer:
                scorer.append(Scorer())
            scorer[0].score(rec)
        return quality_score(rec)

    return q


def classify(records: Sequence[SFTRecord], classifier: Any) -> None:
    """Category of each record from the instruction classifier; an annotator's category is kept.

    The classifier's answer goes to `meta["classifier"]` ({category, score, uncertain}); records with
    no category get it as their category (with `category_score` and `meta["uncertain"]`).
    """
    from curation.sft.records import instruction_text

    if not records or classifier is None:
        return
    preds = classifier.predict([instruction_text(r) for r in records])
    for r, p in zip(records, preds, strict=True):
        r.meta["classifier"] = {"category": p.category, "score": p.score, "uncertain": p.uncertain}
        if not r.category:
            r.category, r.category_score = p.category, p.score
            r.meta["uncertain"] = p.uncertain


def merge(
    data: Sequence[SFTRecord], new: Sequence[SFTRecord], classifier: Any = None
) -> tuple[list[SFTRecord], list[SFTRecord], dict[str, Any]]:
    """(merged data, pending instructions, report): new records classified, deduplicated against the data.

    Records without an assistant answer are pending (they need write_answer), not data. Of a
    duplicate cluster the best-scored answer stays (`curation.sft.dedup`), old or new.
    """
    from curation.sft.dedup import deduplicate

    answered = [r for r in new if answer_text(r).strip()]
    pending = [r for r in new if not answer_text(r).strip() and first_user_index(r) is not None]
    classify(answered + pending, classifier)
    new_ids = {id(r) for r in answered}
    kept, dropped, stats = deduplicate(list(data) + answered, _quality())
    added = [r for r in kept if id(r) in new_ids]
    replaced = [r for r in dropped if id(r) not in new_ids]
    report = {
        "new": len(new),
        "answered": len(answered),
        "pending": len(pending),
        "added": len(added),
        "duplicates": len(answered) - len(added),
        "replaced": len(replaced),
        "added_by_category": dict(sorted(Counter(category_of(r) for r in added).items())),
        "dedup": stats,
    }
    return kept, pending, report


def load_classifier() -> tuple[Any, str]:
    """The shipped instruction classifier, or None with the reason it is unavailable."""
    try:
        from classifiers.instruction import load_default
    except ImportError as exc:
        return None, f"classifiers.instruction not importable: {exc}"
    try:
        return load_default(), "classifiers.instruction default model"
    except FileNotFoundError as exc:
        return None, str(exc)


# ---- data version, trigger, ledger ---------------------------------------------------------------


def data_version(records: Iterable[SFTRecord]) -> str:
    """A 16-hex-digit hash of the training set: the sorted content ids, repeats included."""
    ids = sorted(r.id for r in records)
    return hashlib.sha1("\n".join(ids).encode()).hexdigest()[:16]


def maybe_trigger(
    trigger_dir: str | Path,
    version: str,
    states: Mapping[str, CategoryState],
    weights: Mapping[str, float],
    new_records: int,
    cfg: LoopConfig,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write `trigger_dir/<version>.json` when a gap is above trigger_gap or enough new data came in.

    Never twice for one data version: an existing manifest means no new trigger.
    """
    path = Path(trigger_dir) / f"{version}.json"
    gaps = {c: round(st.gap, 6) for c, st in states.items() if st.cause != "no_score"}
    above = {c: g for c, g in sorted(gaps.items()) if g > cfg.trigger_gap}
    reasons = []
    if above:
        worst = max(above, key=lambda c: above[c])
        reasons.append(
            f"gap above {cfg.trigger_gap} in {len(above)} categories (largest: {worst} {above[worst]:.3f})"
        )
    if new_records >= cfg.min_new_records:
        reasons.append(f"new data: {new_records} records >= {cfg.min_new_records}")
    if path.is_file():
        return {
            "fired": False,
            "reason": f"already triggered for data version {version}",
            "manifest": str(path),
        }
    if not reasons:
        return {"fired": False, "reason": "no gap above threshold and too little new data", "manifest": None}
    manifest = {
        "data_version": version,
        "time": _now(),
        "reason": reasons,
        "gaps_above_threshold": above,
        "weights": {c: round(w, 6) for c, w in sorted(weights.items())},
        "gaps": gaps,
        "new_records": new_records,
        **(extra or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return {"fired": True, "reason": "; ".join(reasons), "manifest": str(path)}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Ledger:
    """RUN/ledger.jsonl: one JSON object per loop iteration, appended."""

    def __init__(self, run_dir: str | Path) -> None:
        self.path = Path(run_dir) / LEDGER

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        return [
            json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]

    def last(self) -> dict[str, Any] | None:
        entries = self.entries()
        return entries[-1] if entries else None

    def append(self, entry: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False, sort_keys=False) + "\n")


# ---- labeling ------------------------------------------------------------------------------------


def write_tasks(task_dir: Path, kinds: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, str]:
    """One JSONL file per kind (the input `corpusloop label push KIND --from FILE` reads)."""
    task_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for kind, items in kinds.items():
        path = task_dir / f"{kind}.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for item in items:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
        files[kind] = str(path)
    return files


def server_configured(server_config: str | None) -> bool:
    return bool(os.environ.get("LABEL_STUDIO_URL") or server_config)


def push_tasks(files: Mapping[str, str], server_config: str | None) -> dict[str, Any]:
    """Create the projects (idempotent) and push each task file; {project kind: imported count}."""
    from curation.labeling.client import ServerSettings
    from curation.labeling.service import Labeling, LabelingConfig

    lab = Labeling(ServerSettings.load(server_config), LabelingConfig.load())
    lab.init()
    pushed: dict[str, Any] = {"imported": {}, "already_there": {}, "skipped": []}
    for kind, path in files.items():
        res = lab.push(kind, path)
        for k, n in res.imported.items():
            pushed["imported"][k] = pushed["imported"].get(k, 0) + n
        for k, n in res.already_there.items():
            pushed["already_there"][k] = pushed["already_there"].get(k, 0) + n
        pushed["skipped"] += res.skipped
    return pushed


def pull_batches(paths: Iterable[str | Path], merged: set[str]) -> list[Path]:
    """SFT files of pull batches not merged before: a pull-NNNN/ folder, a folder of them, or a file."""
    out = []
    for p in map(Path, paths):
        if p.is_file():
            files = [p]
        elif (p / "sft.jsonl").is_file():
            files = [p / "sft.jsonl"]
        else:
            files = sorted(p.glob("pull-*/sft.jsonl"))
        out += [f for f in files if str(f.resolve()) not in merged]
    return out


# ---- one step ------------------------------------------------------------------------------------


def step(args: argparse.Namespace) -> dict[str, Any]:
    """Run one loop iteration (see the module doc); returns its ledger entry."""
    cfg = load_loop_config(args.config)
    run = Path(args.run)
    ledger = Ledger(run)
    last = ledger.last()
    iteration = 1 + (last["iteration"] if last else 0)
    it_dir = run / f"iter_{iteration:03d}"
    it_dir.mkdir(parents=True, exist_ok=True)
    (it_dir / "loop_config.yaml").write_text(dump_yaml(cfg), encoding="utf-8")
    notes: list[str] = []

    # 1. data and merge
    data_files = args.data or ([last["data_file"]] if last else [])
    if not data_files:
        raise LoopError("no SFT data: give --data (first iteration) or run from a ledger")
    data = read_records(data_files)
    merged_before = {m for e in ledger.entries() for m in e.get("merged_files", [])}
    pulled_paths = (
        args.pulled
        if args.pulled is not None
        else ([run / "labeling"] if (run / "labeling").is_dir() else [])
    )
    batch_files = pull_batches(pulled_paths, merged_before)
    pending = read_records([run / PENDING]) if (run / PENDING).is_file() else []
    merge_report: dict[str, Any] = {"new": 0, "added": 0}
    if batch_files:
        new = read_records(batch_files)
        classifier, how = load_classifier()
        if classifier is None:
            notes.append(f"merge: not classified ({how}); the annotators' categories are used")
        data, more_pending, merge_report = merge(data, new, classifier)
        merge_report["classifier"] = how
        pending_ids = {r.id for r in pending}
        pending += [r for r in more_pending if r.id not in pending_ids]
    # pending instructions leave the queue once the data holds an answer to them
    answered = {prompt_key(r.messages) for r in data}
    still = [r for r in pending if prompt_key(r.messages) not in answered]
    if len(still) != len(pending) or batch_files:
        write_sft(still, run / PENDING)
    pending = still
    data_file = it_dir / "data.jsonl"
    write_sft(data, data_file)

    # 2. scores, gaps, trends
    eval_path = args.eval or (last or {}).get("next_eval")
    if not eval_path:
        raise LoopError("no evaluation: give --eval (eval.json of the latest model)")
    evaluation = read_eval(eval_path)
    scores = scores_of(evaluation, cfg.metric)
    eval_key = {
        "file": str(Path(eval_path).resolve()),
        "step": evaluation.get("step"),
        "checkpoint": evaluation.get("checkpoint"),
    }
    # one weight update and one round of tasks per evaluation: a step on the same eval (new data
    # pulled, the model not retrained yet) merges and rebalances with the weights already set
    same = last is not None and last.get("eval_key") == eval_key
    if args.prev_eval:
        previous = scores_of(read_eval(args.prev_eval), cfg.metric)
    else:
        previous = (last or {}).get("prev_scores" if same else "scores")
    states = gaps_and_trends(scores, previous, cfg)
    counts = Counter(category_of(r) for r in data)
    for c, st in states.items():
        st.count = counts.get(c, 0)

    # 3. weights and rebalancing
    scored = [c for c, st in states.items() if st.cause != "no_score"]
    prev_weights = (last or {}).get("weights") or (
        stratified_weights({c: counts.get(c, 0) for c in states})
        if cfg.initial == "stratified"
        else uniform_weights(states)
    )
    if same:
        prev_weights = last["prev_weights"]
        weights = {c: float(last["weights"].get(c, 0.0)) for c in states}
    else:
        weights = update_weights(
            {c: prev_weights.get(c, 0.0) for c in states}, {c: states[c].signal for c in scored}, cfg
        )
    for c, st in states.items():
        st.prev_weight, st.weight = prev_weights.get(c, 0.0), weights[c]
    train_set, demand, rb_report = rebalance_to(data, weights, cfg)
    for row in demand:
        if row["category"] in states:
            states[row["category"]].deficit = row["count_needed"]
    for c, n in rb_report["targets"].items():
        if c in states:
            states[c].target_count = n
    train_file = it_dir / "train.jsonl"
    write_sft(train_set, train_file)
    version = data_version(train_set)
    _write_json(
        it_dir / "sft_stats.json",
        {
            "name": f"loop iteration {iteration}",
            "before": dict(sorted(Counter(category_of(r) for r in data).items())),
            "after": dict(sorted(Counter(category_of(r) for r in train_set).items())),
            "target": {c: round(w, 6) for c, w in weights.items()},
        },
    )

    # 4. routing and labeling
    assign_causes(states, cfg)
    if same:
        for st in states.values():
            st.items = 0
        notes.append(f"same evaluation as iteration {last['iteration']}: weights kept, no new tasks")
    langs = {c: args.lang for c in states} if args.lang else None
    outputs: list[dict[str, Any]] = []
    if any(st.cause == "poor_results" and st.items for st in states.values()):
        if args.outputs:
            outputs = [
                json.loads(line)
                for line in Path(args.outputs).read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
        else:
            checkpoint = (
                args.checkpoint
                or evaluation.get("checkpoint")
                or evaluated_checkpoint(eval_path, evaluation.get("step"))
            )
            if checkpoint and Path(checkpoint, "config.json").is_file():
                pool = read_records([args.prompts]) if args.prompts else data
                used = {i for e in ledger.entries() for i in e.get("reviewed_ids", [])}
                prompts = review_prompts(pool, states, cfg.seed + iteration, used)
                outputs = model_outputs(checkpoint, prompts, cfg.max_new_tokens)
                _write_jsonl(it_dir / "model_outputs.jsonl", outputs)
            else:
                notes.append(
                    "review tasks skipped: no checkpoint with config.json (eval.json `checkpoint` "
                    "or --checkpoint) and no --outputs"
                )
    kinds, route_notes = route(states, outputs, pending, langs)
    notes += route_notes
    task_files = write_tasks(it_dir / "tasks", kinds)
    pushed: dict[str, Any] | None = None
    if task_files and not args.no_push and server_configured(args.server_config):
        pushed = push_tasks(task_files, args.server_config)
    elif task_files:
        notes.append(
            "no Label Studio server configured (LABEL_STUDIO_URL): tasks written to files only"
            if not args.no_push
            else "--no-push: tasks written to files only"
        )
    simulated = None
    if args.simulate:
        from curation.simulate import HeldBack

        pool = HeldBack.from_files([args.simulate], state=run / "simulate_state.json")
        batch = pool.fulfil(task_files, run / "labeling")
        simulated = {"batch": str(batch), **json.loads((batch / "summary.json").read_text())}

    # 5. trigger (and training)
    trigger_dir = Path(args.trigger_dir or cfg.trigger_dir or run / "triggers")
    trigger = maybe_trigger(
        trigger_dir,
        version,
        states,
        weights,
        merge_report.get("added", 0),
        cfg,
        {"iteration": iteration, "train_file": str(train_file), "data_file": str(data_file)},
    )
    trained = None
    if args.train and trigger["fired"]:
        trained = run_training(args, cfg, train_file, it_dir / "train")
    elif args.train:
        notes.append(f"--train: not started ({trigger['reason']})")

    entry = {
        "iteration": iteration,
        "time": _now(),
        "eval_key": eval_key,
        "prev_scores": previous,
        "eval": {
            "file": str(eval_path),
            "step": evaluation.get("step"),
            "checkpoint": evaluation.get("checkpoint"),
            "overall": evaluation.get("overall"),
        },
        "metric": cfg.metric,
        "scores": scores,
        "categories": {c: st.to_dict() for c, st in states.items()},
        "prev_weights": {c: round(v, 6) for c, v in prev_weights.items()},
        "weights": {c: round(v, 6) for c, v in weights.items()},
        "data_file": str(data_file),
        "train_file": str(train_file),
        "data_version": version,
        "data_size": len(data),
        "train_size": len(train_set),
        "merged_files": [str(f.resolve()) for f in batch_files],
        "merge": merge_report,
        "pending": len(pending),
        "tasks_written": {k: len(v) for k, v in kinds.items()},
        "task_files": task_files,
        "tasks_pushed": pushed,
        "simulated": simulated,
        "reviewed_ids": [o["id"] for o in outputs],
        "trigger": trigger,
        "checkpoint": trained["checkpoint"] if trained else None,
        "next_eval": trained["eval"] if trained else None,
        "notes": notes,
    }
    ledger.append(entry)
    return entry


def rebalance_to(
    data: Sequence[SFTRecord], weights: Mapping[str, float], cfg: LoopConfig
) -> tuple[list[SFTRecord], list[dict[str, Any]], dict[str, Any]]:
    """The data rebalanced to `weights` (same size as the weighted categories now have), with demand rows."""
    from curation.sft.rebalance import RebalanceConfig, cell_targets, rebalance

    target = MixTarget(shares={c: w for c, w in weights.items() if w > 0})
    rcfg = RebalanceConfig(seed=cfg.seed, max_repeat=cfg.max_repeat)
    out, _dropped, demand, report = rebalance(list(data), target, _quality(), rcfg)
    report["targets"] = {c: n for (c, _lang), n in cell_targets(list(data), target).items()}
    return out, demand, report


def run_training(args: argparse.Namespace, cfg: LoopConfig, train_file: Path, out: Path) -> dict[str, Any]:
    """`corpusloop train` on the rebalanced set; returns the checkpoint and eval.json paths."""
    from training import train as trainer

    if not args.eval_data:
        raise LoopError("--train needs --eval-data (the SFT test set to evaluate on)")
    argv = [
        "--config",
        args.train_config or cfg.train_config,
        "--train",
        str(train_file),
        "--eval",
        args.eval_data,
        "--out",
        str(out),
        "--no-progress",
    ]
    for item in args.train_set or []:
        argv += ["--set", item]
    code = trainer.main(argv)
    if code != 0:
        raise LoopError(f"corpusloop train exited with {code}")
    from training.checkpoint import latest_checkpoint

    ckpt = latest_checkpoint(out)
    return {
        "checkpoint": str(ckpt) if ckpt else None,
        "eval": str(out / "eval.json") if (out / "eval.json").is_file() else None,
    }


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def step_summary(entry: Mapping[str, Any]) -> str:
    """Plain-text table of one iteration: score, gap, trend, weight before → after, cause, items asked."""
    lines = [
        f"loop iteration {entry['iteration']} (metric {entry['metric']}, "
        f"data version {entry['data_version']})",
        f"{'category':<16}{'score':>8}{'gap':>7}{'trend':>8}{'weight':>16}{'items':>7}  cause",
    ]
    for c, st in entry["categories"].items():
        score = "-" if st["score"] is None else f"{st['score']:.4f}"
        trend = "-" if st["trend"] is None else f"{st['trend']:+.4f}"
        lines.append(
            f"{c:<16}{score:>8}{st['gap']:>7.3f}{trend:>8}"
            f"{st['prev_weight']:>8.3f}→{st['weight']:<7.3f}{st['items']:>7}  {st['cause']}"
        )
    m = entry["merge"]
    lines.append(
        f"merged: {m.get('added', 0)} new records of {m.get('new', 0)} pulled; data {entry['data_size']}, "
        f"train set {entry['train_size']}; pending instructions {entry['pending']}"
    )
    lines.append(
        f"tasks: {json.dumps(entry['tasks_written'])}"
        + (f"; pushed {json.dumps(entry['tasks_pushed']['imported'])}" if entry["tasks_pushed"] else "")
    )
    t = entry["trigger"]
    lines.append(
        f"trigger: {'FIRED' if t['fired'] else 'not fired'}: {t['reason']}"
        + (f" → {t['manifest']}" if t["manifest"] else "")
    )
    for n in entry["notes"]:
        lines.append(f"note: {n}")
    return "\n".join(lines)


# ---- report ----------------------------------------------------------------------------------------


def report(run_dir: str | Path, out_dir: str | Path) -> dict[str, Any]:
    """Per-category scores and weights over the iterations: loop_report.{json,md} and loop_scores.png."""
    entries = Ledger(run_dir).entries()
    if not entries:
        raise LoopError(f"{run_dir}: no ledger ({LEDGER}); run `corpusloop loop step` first")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cats = sorted({c for e in entries for c in e["scores"]})
    table = {
        "run": str(run_dir),
        "metric": entries[-1]["metric"],
        "iterations": [e["iteration"] for e in entries],
        "scores": {c: [e["scores"].get(c) for e in entries] for c in cats},
        "weights": {c: [e["weights"].get(c) for e in entries] for c in cats},
        "causes": {c: [e["categories"].get(c, {}).get("cause") for e in entries] for c in cats},
        "data_versions": [e["data_version"] for e in entries],
        "triggers": [e["trigger"]["fired"] for e in entries],
        "merged": [e["merge"].get("added", 0) for e in entries],
        "tasks": [e["tasks_written"] for e in entries],
    }
    _write_json(out / "loop_report.json", table)
    md = [
        f"# Data-iteration loop: {run_dir}",
        "",
        f"Per-category score ({table['metric']}) at the start of each iteration, and the weight it set.",
        "",
        "| category | " + " | ".join(f"it {i} score / weight" for i in table["iterations"]) + " |",
        "| --- |" + " --- |" * len(entries),
    ]
    for c in cats:
        cells = [
            ("-" if s is None else f"{s:.4f}") + f" / {w:.3f}" if w is not None else "-"
            for s, w in zip(table["scores"][c], table["weights"][c], strict=True)
        ]
        md.append(f"| {c} | " + " | ".join(cells) + " |")
    md += ["", "| iteration | data version | merged | tasks | trigger |", "| --- | --- | --- | --- | --- |"]
    for e in entries:
        md.append(
            f"| {e['iteration']} | `{e['data_version']}` | {e['merge'].get('added', 0)} | "
            f"{sum(e['tasks_written'].values())} | {e['trigger']['reason']} |"
        )
    (out / "loop_report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    plot(table, out / "loop_scores.png")
    return table


def plot(table: Mapping[str, Any], path: str | Path) -> None:
    """Scores (left) and weights (right) per category over the iterations, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    its = table["iterations"]
    fig, (ax_s, ax_w) = plt.subplots(1, 2, figsize=(12.5, 4.2))
    nan = float("nan")
    colors = plt.get_cmap("tab20").colors
    for i, c in enumerate(table["scores"]):
        style = {"marker": "o", "label": c, "color": colors[i % len(colors)]}
        ax_s.plot(its, [nan if v is None else v for v in table["scores"][c]], **style)
        ax_w.plot(its, [nan if v is None else v for v in table["weights"][c]], **style)
    values = [v for vs in table["scores"].values() for v in vs if v]
    if values and min(values) > 0 and max(values) / min(values) > 20:  # e.g. 1/ppl: orders of magnitude apart
        ax_s.set_yscale("log")
    ax_s.set(title=f"score per category ({table['metric']})", xlabel="iteration", ylabel="score")
    ax_w.set(title="category weight set by the loop", xlabel="iteration", ylabel="weight")
    for ax in (ax_s, ax_w):
        ax.grid(alpha=0.3)
        ax.set_xticks(its)
    ax_w.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# ---- command line ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="corpusloop loop", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("step", help="one iteration: merge, gaps → weights, rebalanced set, tasks, trigger")
    s.add_argument("--run", required=True, metavar="DIR", help="loop folder (ledger, iterations, triggers)")
    s.add_argument("--eval", metavar="FILE", help="eval.json of the latest model (default: the last --train)")
    s.add_argument("--prev-eval", metavar="FILE", help="previous eval.json (default: the ledger's scores)")
    s.add_argument("--data", nargs="+", metavar="FILE", help="SFT data (default: the ledger's last data)")
    s.add_argument(
        "--pulled",
        nargs="*",
        metavar="PATH",
        help="label pull output: pull-NNNN/ folders, their parent, or SFT files (default RUN/labeling)",
    )
    s.add_argument("--config", metavar="YAML", help="loop config (default configs/loop.yaml)")
    s.add_argument(
        "--checkpoint", metavar="DIR", help="model whose answers review tasks show (default: eval's)"
    )
    s.add_argument("--prompts", metavar="FILE", help="prompts for review tasks (default: the SFT data)")
    s.add_argument("--outputs", metavar="JSONL", help="model answers to review instead of generating them")
    s.add_argument("--lang", help="language asked for in write_instruction demand (default any)")
    s.add_argument("--server-config", metavar="YAML", help="Label Studio url/api_key (the environment wins)")
    s.add_argument("--no-push", action="store_true", help="write task files only, even with a server")
    s.add_argument(
        "--simulate",
        metavar="FILE",
        help="simulated annotators: fulfil the tasks from this held-back SFT data (demo, experiment)",
    )
    s.add_argument("--trigger-dir", metavar="DIR", help="where trigger manifests go (default RUN/triggers)")
    s.add_argument("--train", action="store_true", help="start training at once when the trigger fires")
    s.add_argument(
        "--train-config", metavar="YAML", help="trainer config (default: loop config's train_config)"
    )
    s.add_argument("--eval-data", metavar="JSONL", help="SFT test set the training run evaluates on")
    s.add_argument("--train-set", action="append", metavar="KEY=VALUE", help="trainer override; repeatable")
    r = sub.add_parser("report", help="per-category scores and weights over iterations (PNG, JSON, Markdown)")
    r.add_argument("--run", required=True, metavar="DIR")
    r.add_argument("--output", metavar="DIR", help="default RUN/report")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `corpusloop loop`."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "step":
            print(step_summary(step(args)), flush=True)
        else:
            table = report(args.run, args.output or Path(args.run) / "report")
            print(
                f"loop report: {len(table['iterations'])} iterations → "
                f"{args.output or Path(args.run) / 'report'}/loop_report.md, loop_scores.png"
            )
    except (LoopError, FileNotFoundError, json.JSONDecodeError) as exc:
        print(f"corpusloop loop {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = [
    "CategoryState",
    "Ledger",
    "LoopConfig",
    "assign_causes",
    "cap_weights",
    "category_score",
    "data_version",
    "gaps_and_trends",
    "load_loop_config",
    "main",
    "maybe_trigger",
    "merge",
    "read_eval",
    "route",
    "stratified_weights",
    "update_weights",
]
