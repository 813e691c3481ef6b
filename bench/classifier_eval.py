"""Instruction-category classifier: cross-validated macro-F1 on BELLE and InstructionWild, and cross-dataset.

    python bench/classifier_eval.py [--shared ../shared/data] [--ablation] [--folds 5]

- BELLE (sft/belle_eval/eval_set.jsonl, 1000 zh, 10 classes): 5-fold stratified CV, both models, trained
  on the BELLE folds alone and on the folds plus the bilingual seed set (classifiers/data/), the recipe
  of the shipped default model; seed items are folded into their parent category (translation →
  rewrite) and those of categories BELLE lacks (chat) left out. Macro-F1 is over BELLE's 10 classes.
- InstructionWild (zh_en_labelled_429.jsonl, mapped through configs/taxonomy.yaml, "Other" left out):
  both languages of each item, 5-fold stratified *group* CV (an item's zh and en texts stay in one fold),
  the seed items of its 8 categories added to every training fold (InstructionWild has 2 classification
  and 3 summarization items: too few for a fold, and for the sklearn model's 3-fold calibration).
- Cross-dataset: the default recipe (BELLE + the whole seed set, 12 categories, translation folded into
  rewrite at scoring) tested on InstructionWild; a prediction of a category it lacks (code, math, ...)
  counts against the true class. Macro-F1 is over the categories of the test set.
- `--ablation`: the sklearn feature/balance variants on BELLE (the table in the classifier's docs).
- Throughput: predictions per second of the sklearn model on BELLE texts (one process).

Last line: macro_f1=<BELLE CV, best model> macro_f1_sklearn=... macro_f1_fasttext=...
cross_dataset_macro_f1=... (one line)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifiers.instruction import (  # noqa: E402
    InstructionClassifier,
    InstructionParams,
    read_belle,
    read_instructionwild,
    seed_examples,
)
from classifiers.taxonomy import Taxonomy, load_taxonomy  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
BELLE = Path("sft/belle_eval/eval_set.jsonl")
IWILD = Path("sft/instructionwild/zh_en_labelled_429.jsonl")

# (name, params changes from the default): each row adds or removes one thing
ABLATION: list[tuple[str, dict]] = [
    ("char 1-3 TF-IDF only, unbalanced",
     dict(edge_chars=0, clause_chars=0, structure_weight=0, class_weight=None)),
    ("+ balanced class weights", dict(edge_chars=0, clause_chars=0, structure_weight=0)),
    ("+ head/tail 20-char views", dict(clause_chars=0, structure_weight=0)),
    ("+ first/last clause views (w 0.5)", dict(structure_weight=0)),
    ("+ structure features (w 0.3) = default", {}),
    ("default, C=0.25", dict(C=0.25)),
    ("default, C=1.0", dict(C=1.0)),
    ("default, char 1-4", dict(ngram_max=4)),
    ("default, head/tail 40 chars", dict(edge_chars=40)),
    ("default, structure w 1.0", dict(structure_weight=1.0)),
    ("default without the whole-text view", dict(full_text=False)),
    ("default + jieba word view (w 1.0)", dict(word_weight=1.0)),
    ("default + jieba word view (w 0.5)", dict(word_weight=0.5)),
    ("default, min_df=1 (n-grams of one text kept)", dict(min_df=1)),
    ("default, 3 calibrated SVMs (ensemble=True)", dict(calibration_ensemble=True)),
]


def cv_predict(
    texts: list[str], labels: list[str], params: InstructionParams, folds: int,
    extra: tuple[list[str], list[str]] | None = None, groups: list[int] | None = None,
    fold_label=None, scores_out: list[float] | None = None,
) -> list[str]:
    """Out-of-fold predictions; `extra` is added to every training fold; `fold_label` maps predictions.

    `scores_out`, when given, receives each prediction's probability (for the abstention numbers).
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    x = np.array(texts, dtype=object)
    y = np.array(labels, dtype=object)
    if groups is None:
        splits = StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y)
    else:
        splits = StratifiedGroupKFold(folds, shuffle=True, random_state=0).split(x, y, groups)
    pred = np.empty(len(y), dtype=object)
    score = np.zeros(len(y))
    for train, test in splits:
        tx, ty = list(x[train]), list(y[train])
        if extra:
            tx, ty = tx + extra[0], ty + extra[1]
        clf = InstructionClassifier(params).fit(tx, ty)
        out = clf.predict(list(x[test]))
        pred[test] = [fold_label(p.category) if fold_label else p.category for p in out]
        score[test] = [p.score for p in out]
    if scores_out is not None:
        scores_out.extend(score.tolist())
    return list(pred)


def seed_for(
    texts: list[str], labels: list[str], categories: set[str], tax: Taxonomy
) -> tuple[list[str], list[str]]:
    """The seed items whose category, folded into its parent, is one of `categories`, folded."""
    keep = [(t, tax.coarse(c)) for t, c in zip(texts, labels, strict=True) if tax.coarse(c) in categories]
    return [t for t, _ in keep], [c for _, c in keep]


def scores(truth: list[str], pred: list[str]) -> tuple[float, dict[str, float]]:
    """Macro-F1 over the categories present in `truth`, and F1 per category."""
    from sklearn.metrics import f1_score

    labels = sorted(set(truth))
    per = f1_score(truth, pred, labels=labels, average=None, zero_division=0)
    return float(np.mean(per)), {c: float(v) for c, v in zip(labels, per, strict=True)}


def show(name: str, truth: list[str], pred: list[str]) -> float:
    macro, per = scores(truth, pred)
    print(f"{name:52s} macro_f1={macro:.3f}  " + " ".join(f"{c}={v:.2f}" for c, v in per.items()), flush=True)
    return macro


def abstention(truth: list[str], pred: list[str], score: list[float], threshold: float) -> None:
    """Share of uncertain predictions and the accuracy of the certain and the uncertain ones."""
    ok = [t == p for t, p in zip(truth, pred, strict=True)]
    sure = [o for o, s in zip(ok, score, strict=True) if s >= threshold]
    unsure = [o for o, s in zip(ok, score, strict=True) if s < threshold]
    acc_sure = float(np.mean(sure)) if sure else float("nan")
    acc_unsure = float(np.mean(unsure)) if unsure else float("nan")
    print(f"{'':52s} threshold {threshold}: uncertain {len(unsure) / len(ok):.1%}, "
          f"accuracy certain {acc_sure:.3f}, uncertain {acc_unsure:.3f}")


def run_ablation(texts: list[str], labels: list[str], folds: int) -> None:
    print("\n## sklearn ablation on BELLE (5-fold CV, BELLE only)")
    print("| variant | macro-F1 | closed_qa | extract | summarization | brainstorming |")
    print("| --- | --- | --- | --- | --- | --- |")
    base = InstructionParams()
    for name, change in ABLATION:
        pred = cv_predict(texts, labels, dataclasses.replace(base, **change), folds)
        macro, per = scores(labels, pred)
        print(f"| {name} | {macro:.3f} | {per['closed_qa']:.2f} | {per['extract']:.2f} | "
              f"{per['summarization']:.2f} | {per['brainstorming']:.2f} |", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(SHARED), help="the shared data folder (../shared/data)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--ablation", action="store_true", help="also run the sklearn ablation table")
    args = ap.parse_args(argv)
    # StratifiedGroupKFold warns about classes with fewer items than folds
    warnings.filterwarnings("ignore", category=UserWarning)
    shared = Path(args.shared)
    if not (shared / BELLE).is_file() or not (shared / IWILD).is_file():
        print(f"shared data not found under {shared}: need {BELLE} and {IWILD}", file=sys.stderr)
        return 1
    tax: Taxonomy = load_taxonomy()
    t0 = time.perf_counter()
    b_texts, b_labels = read_belle(shared / BELLE, tax)
    s_texts, s_labels, _ = seed_examples()
    iw_texts, iw_labels, iw_langs, iw_ids = read_instructionwild(shared / IWILD, tax)
    print(f"BELLE {len(b_texts)} items, seed {len(s_texts)}, InstructionWild {len(iw_texts)} texts "
          f"({len(set(iw_ids))} items × zh/en)")
    models = {m: InstructionParams(model_type=m) for m in ("sklearn", "fasttext")}
    seed_belle = seed_for(s_texts, s_labels, set(b_labels), tax)
    seed_iw = seed_for(s_texts, s_labels, set(iw_labels), tax)

    print("\n## BELLE, 5-fold stratified CV")
    belle: dict[str, float] = {}
    for m, params in models.items():
        show(f"{m}: BELLE folds", b_labels, cv_predict(b_texts, b_labels, params, args.folds))
        sc: list[float] = []
        pred = cv_predict(b_texts, b_labels, params, args.folds, extra=seed_belle, scores_out=sc)
        belle[m] = show(f"{m}: BELLE folds + seed set", b_labels, pred)
        abstention(b_labels, pred, sc, params.threshold)

    print("\n## InstructionWild (zh + en), 5-fold stratified group CV, + seed items of its categories")
    for m, params in models.items():
        pred = cv_predict(iw_texts, iw_labels, params, args.folds, extra=seed_iw, groups=iw_ids)
        show(f"{m}: InstructionWild folds + seed set", iw_labels, pred)
        for lang in ("zh", "en"):
            idx = [i for i, x in enumerate(iw_langs) if x == lang]
            show(f"{m}:   {lang} texts", [iw_labels[i] for i in idx], [pred[i] for i in idx])

    print("\n## cross-dataset: train BELLE (translation refined) + seed, test InstructionWild")
    rb_texts, rb_labels = read_belle(shared / BELLE, tax, refine=True)
    cross: dict[str, float] = {}
    for m, params in models.items():
        clf = InstructionClassifier(params).fit(rb_texts + s_texts, rb_labels + s_labels)
        pred = [tax.coarse(p) for p in clf.labels(iw_texts)]
        cross[m] = show(f"{m}: BELLE + seed → InstructionWild", iw_labels, pred)
        if m == "sklearn":
            reps = 5
            start = time.perf_counter()
            for _ in range(reps):
                clf.predict(b_texts)
            rate = reps * len(b_texts) / (time.perf_counter() - start)

    if args.ablation:
        run_ablation(b_texts, b_labels, args.folds)

    best = max(belle, key=lambda k: belle[k])
    print(f"\n(best model on BELLE: {best}; total {time.perf_counter() - t0:.0f} s)")
    print(
        f"macro_f1={belle[best]:.3f} macro_f1_sklearn={belle['sklearn']:.3f} "
        f"macro_f1_fasttext={belle['fasttext']:.3f} cross_dataset_macro_f1={cross[best]:.3f} "
        f"cross_dataset_macro_f1_fasttext={cross['fasttext']:.3f} predict_items_per_s={rate:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
