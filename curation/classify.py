"""`corpusloop classify train | eval | predict`: the instruction-category classifier on SFT data.

    corpusloop classify train   --input FILE... --output DIR [--label-field category] [--label-map belle]
                                [--model-type sklearn|fasttext] [--no-seed]
    corpusloop classify eval    --input FILE... --model DIR --output DIR [--label-field ...] [--label-map ...]
    corpusloop classify predict --input FILE --output FILE [--model DIR] [--threshold T]
                                [--output-format same]

Inputs are SFT files in any supported format (`curation.sft.formats`: Alpaca with instruction/input,
ShareGPT, OpenAI messages, BELLE-style question/answer, the record format); the text classified is
the first user turn (Alpaca: instruction + "\\n" + input). Labels come from the item's `category`, or
from another top-level field (`--label-field class`) mapped through a label map of
configs/taxonomy.yaml (`--label-map belle`). `train` adds the bilingual seed set
(classifiers/data/instruction_seed.jsonl) unless `--no-seed`.

- train writes the model into DIR and DIR/train_stats.json.
- eval writes DIR/eval.json (macro-F1, per-class precision/recall/F1, confusion matrix, abstentions)
  and DIR/confusion.png. Model categories the labels never use are folded into their parent first
  (translation → rewrite when scoring on BELLE).
- predict writes every item, in its own format by default, with `category` (the best category even
  when abstaining), `category_score` and `uncertain` (score below the threshold: for annotators),
  using the shipped default model when --model is absent; FILE.errors.jsonl and FILE.stats.json beside.

Every job accounts for every item: read = used (trained / evaluated / written) + skipped + errors;
unreadable items, items without a user turn and unknown labels are errors with their locator.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from classifiers.instruction import (
    MODEL_TYPES,
    InstructionClassifier,
    InstructionParams,
    default_model_dir,
    seed_examples,
)
from classifiers.taxonomy import Taxonomy, TaxonomyError, load_taxonomy
from curation.sft.formats import FORMATS, FormatError, detect_format, read_sft, record_to_item, write_items
from curation.sft.records import SFTError, SFTRecord, instruction_text
from pipelines.jobs import AccountingError, job_main

BATCH = 2048  # texts per predict call


log = logging.getLogger("corpusloop.classify")


def _label(rec: SFTRecord, field: str) -> Any:
    if field == "category":
        return rec.category
    return (rec.meta.get("extra") or {}).get(field)


def labelled_examples(
    paths: list[str], taxonomy: Taxonomy, label_field: str = "category", label_map: str | None = None,
    fmt: str = "auto",
) -> tuple[list[str], list[str], list[str], list[SFTError], int]:
    """(texts, categories, locators, errors, skipped) of labelled SFT files.

    Skipped: labels the label map sends to no category (InstructionWild "Other"). Errors: unreadable
    items, items without a user turn, items without a label, labels that are not a category.
    """
    texts, labels, locs, errors = [], [], [], []
    skipped = 0
    for path in paths:
        if not Path(path).is_file():
            raise FileNotFoundError(f"no such input file: {path}")
        for item in read_sft(path, fmt):
            if isinstance(item, SFTError):
                errors.append(item)
                continue
            text = instruction_text(item)
            raw = _label(item, label_field)
            if not text.strip():
                errors.append(SFTError(item.locator, "no_instruction", "", stage="classify"))
                continue
            if raw is None or raw == "":
                errors.append(SFTError(item.locator, "no_label", f"field {label_field!r}", stage="classify"))
                continue
            cat: str | None = str(raw)
            if label_map:
                try:
                    cat = taxonomy.map_label(label_map, str(raw))
                except TaxonomyError as exc:
                    errors.append(SFTError(item.locator, "unknown_label", str(exc), stage="classify"))
                    continue
                if cat is None:
                    skipped += 1
                    continue
            if cat not in taxonomy.categories:
                errors.append(SFTError(item.locator, "unknown_category", str(raw), stage="classify"))
                continue
            texts.append(text)
            labels.append(cat)
            locs.append(item.locator)
    return texts, labels, locs, errors, skipped


def _check(read: int, used: int, skipped: int, errors: int) -> dict[str, Any]:
    stats = {"read": read, "used": used, "skipped": skipped, "errors": errors,
             "accounted": read == used + skipped + errors}
    if not stats["accounted"]:
        raise AccountingError(f"read={read} but used + skipped + errors = {used + skipped + errors}")
    return stats


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# train


def train(args: argparse.Namespace) -> dict[str, Any]:
    tax = load_taxonomy(args.taxonomy)
    texts, labels, _, errors, skipped = labelled_examples(
        args.input, tax, args.label_field, args.label_map, args.format)
    read = len(texts) + len(errors) + skipped
    stats = _check(read, len(texts), skipped, len(errors))
    seed_n = 0
    if not args.no_seed:
        s_texts, s_labels, _ = seed_examples()
        texts, labels, seed_n = texts + s_texts, labels + s_labels, len(s_texts)
    params = InstructionParams(model_type=args.model_type, threshold=args.threshold, seed=args.seed)
    clf = InstructionClassifier(params)
    clf.info["sources"] = {"inputs": list(args.input), "seed_items": seed_n, "label_field": args.label_field,
                           "label_map": args.label_map}
    clf.fit(texts, labels)
    out = Path(args.output)
    clf.save(out)
    write_items((e.to_dict() for e in errors), out / "errors.jsonl")
    stats = {"job": "classify train", **stats, "seed_items": seed_n, "trained": len(texts),
             "train_counts": clf.info["train_counts"], "errors_by_reason": _by_reason(errors)}
    _write_json(out / "train_stats.json", stats)
    print(f"corpusloop classify train → {out}: {len(texts)} items ({seed_n} seed), "
          f"{len(clf.classes_)} categories; read={read} used={len(texts) - seed_n} skipped={skipped} "
          f"errors={len(errors)}", flush=True)
    return stats


def _by_reason(errors: list[SFTError]) -> dict[str, int]:
    return dict(sorted(Counter(f"{e.stage}:{e.reason}" for e in errors).items()))


# ---------------------------------------------------------------------------------------------
# eval


def evaluate(truth: list[str], pred: list[str], uncertain: list[bool]) -> dict[str, Any]:
    """Macro-F1, per-class precision/recall/F1/support, confusion matrix, abstention numbers."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    classes = sorted(set(truth))
    labels = classes + sorted(set(pred) - set(classes))  # predicted categories the data never uses
    p, r, f, s = precision_recall_fscore_support(truth, pred, labels=classes, zero_division=0)
    matrix = confusion_matrix(truth, pred, labels=labels)
    n = len(truth)
    sure = [i for i in range(n) if not uncertain[i]]
    return {
        "items": n,
        "macro_f1": round(float(f.mean()), 4) if n else 0.0,
        "accuracy": round(sum(t == q for t, q in zip(truth, pred, strict=True)) / n, 4) if n else 0.0,
        "per_class": {c: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                          "f1": round(float(f[i]), 4), "support": int(s[i])} for i, c in enumerate(classes)},
        "confusion": {"labels": labels, "rows": "true", "columns": "predicted", "matrix": matrix.tolist()},
        "uncertain": sum(uncertain),
        "uncertain_share": round(sum(uncertain) / n, 4) if n else 0.0,
        "accuracy_when_certain": (
            round(sum(truth[i] == pred[i] for i in sure) / len(sure), 4) if sure else None
        ),
    }


def plot_confusion(result: dict[str, Any], path: Path, title: str) -> None:
    """A confusion-matrix heat map (PNG, matplotlib Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = result["confusion"]["labels"]
    matrix = result["confusion"]["matrix"]
    size = max(4.0, 0.55 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{title}  macro-F1 {result['macro_f1']:.3f}")
    top = max((v for row in matrix for v in row), default=0)
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            if v:
                ax.text(j, i, str(v), ha="center", va="center", fontsize=8,
                        color="white" if v > top / 2 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def run_eval(args: argparse.Namespace) -> dict[str, Any]:
    tax = load_taxonomy(args.taxonomy)
    clf = _load_model(args.model)
    texts, labels, _, errors, skipped = labelled_examples(
        args.input, tax, args.label_field, args.label_map, args.format)
    stats = _check(len(texts) + len(errors) + skipped, len(texts), skipped, len(errors))
    preds = _predict_all(clf, texts, args.threshold)
    used = set(labels)
    fold = {c: tax.coarse(c) for c in clf.classes_ if c not in used and tax.coarse(c) in used}
    pred = [fold.get(p.category, p.category) for p in preds]
    result = evaluate(labels, pred, [p.uncertain for p in preds])
    result["folded"] = fold
    result["threshold"] = clf.params.threshold if args.threshold is None else args.threshold
    result["model"] = str(args.model)
    result["accounting"] = {**stats, "errors_by_reason": _by_reason(errors)}
    out = Path(args.output)
    _write_json(out / "eval.json", result)
    write_items((e.to_dict() for e in errors), out / "errors.jsonl")
    more = f" + {len(args.input) - 1} more" if len(args.input) > 1 else ""
    plot_confusion(result, out / "confusion.png", Path(args.input[0]).name + more)
    print(f"corpusloop classify eval → {out}: macro_f1={result['macro_f1']:.3f} "
          f"accuracy={result['accuracy']:.3f} items={len(texts)} uncertain={result['uncertain']} "
          f"skipped={skipped} errors={len(errors)}", flush=True)
    for c, v in result["per_class"].items():
        print(f"  {c:<16} f1={v['f1']:.3f} support={v['support']}")
    return result


# ---------------------------------------------------------------------------------------------
# predict


def _load_model(model: str | None) -> InstructionClassifier:
    return InstructionClassifier.load(model if model else default_model_dir())


def _predict_all(clf: InstructionClassifier, texts: list[str], threshold: float | None) -> list[Any]:
    out = []
    for i in range(0, len(texts), BATCH):
        out.extend(clf.predict(texts[i : i + BATCH], threshold))
    return out


def _batches(items: Iterator[SFTRecord | SFTError], size: int) -> Iterator[list[SFTRecord | SFTError]]:
    batch: list[SFTRecord | SFTError] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_predict(args: argparse.Namespace) -> dict[str, Any]:
    if not Path(args.input).is_file():
        raise FileNotFoundError(f"no such input file: {args.input}")
    clf = _load_model(args.model)
    out = Path(args.output)
    base = out.name.removesuffix(".gz").removesuffix(".jsonl").removesuffix(".json")
    errors_path = out.with_name(base + ".errors.jsonl")
    stats_path = out.with_name(base + ".stats.json")
    errors: list[SFTError] = []
    counts: Counter[str] = Counter()
    n_read = n_uncertain = 0
    # "same": the input file's format (records in the record format keep the meta of the format they
    # were first read in, which must not decide how this file is written)
    out_fmt = args.output_format
    if out_fmt == "same":
        try:
            out_fmt = args.format if args.format != "auto" else detect_format(args.input)
        except FormatError:
            out_fmt = "record"  # no readable item: every item becomes an error below

    def items() -> Iterator[dict[str, Any]]:
        nonlocal n_read, n_uncertain
        for batch in _batches(read_sft(args.input, args.format), BATCH):
            n_read += len(batch)
            recs: list[SFTRecord] = []
            for item in batch:
                if isinstance(item, SFTError):
                    errors.append(item)
                elif not instruction_text(item).strip():
                    errors.append(SFTError(item.locator, "no_instruction", "", stage="classify"))
                else:
                    recs.append(item)
            preds = clf.predict([instruction_text(r) for r in recs], args.threshold) if recs else []
            for rec, p in zip(recs, preds, strict=True):
                rec = replace(rec, category=p.category, category_score=p.score,
                              meta={**rec.meta, "uncertain": p.uncertain})
                try:
                    item = record_to_item(rec, out_fmt)
                except FormatError as exc:
                    errors.append(SFTError(rec.locator or rec.id, "unwritable", str(exc), stage="write"))
                    continue
                counts[p.category] += 1
                n_uncertain += p.uncertain
                yield item

    written = write_items(items(), out)
    write_items((e.to_dict() for e in errors), errors_path)
    stats = {"job": "classify predict", "input": args.input, "output": str(out),
             "model": str(args.model or default_model_dir()),
             "threshold": clf.params.threshold if args.threshold is None else args.threshold,
             **_check(n_read, written, 0, len(errors)), "written": written, "uncertain": n_uncertain,
             "by_category": dict(sorted(counts.items())), "errors_by_reason": _by_reason(errors)}
    _write_json(stats_path, stats)
    print(f"corpusloop classify predict → {out}: read={n_read} written={written} uncertain={n_uncertain} "
          f"errors={len(errors)} (read = written + errors: ok)", flush=True)
    return stats


# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="corpusloop classify", description="instruction-category classifier")
    sub = ap.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--format", default="auto", choices=("auto", *FORMATS), help="input format")
    common.add_argument("--threshold", type=float, default=None,
                        help="abstain (uncertain) below this probability (default: the model's, 0.5)")
    labelled = argparse.ArgumentParser(add_help=False)
    labelled.add_argument("--input", nargs="+", required=True, help="labelled SFT files")
    labelled.add_argument("--label-field", default="category", help="top-level field holding the label")
    labelled.add_argument("--label-map", default=None, help="taxonomy label map for the labels (belle, ...)")
    labelled.add_argument("--taxonomy", default=None, help="taxonomy file (default configs/taxonomy.yaml)")
    labelled.add_argument("--output", required=True, help="output folder")

    t = sub.add_parser("train", parents=[common, labelled], help="train a model (plus the seed set)")
    t.add_argument("--model-type", default="sklearn", choices=MODEL_TYPES)
    t.add_argument("--no-seed", action="store_true", help="train without the bundled seed set")
    t.add_argument("--seed", type=int, default=0, help="random seed")

    e = sub.add_parser("eval", parents=[common, labelled], help="macro-F1, per-class F1, confusion matrix")
    e.add_argument("--model", required=True, help="model folder")

    p = sub.add_parser("predict", parents=[common], help="write category, category_score, uncertain")
    p.add_argument("--input", required=True, help="an SFT file")
    p.add_argument("--output", required=True, help="output file (.jsonl, or .json for an array)")
    p.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    p.add_argument("--output-format", default="same", choices=("same", *FORMATS),
                   help="format of the written items (default: the input's)")
    args = ap.parse_args(argv)
    if args.command == "train" and args.threshold is None:
        args.threshold = InstructionParams().threshold
    return args


def main(argv: list[str] | None = None) -> int:
    """Run `train`, `eval` or `predict`; bad input is one line on stderr and exit status 1."""
    return job_main(run, sys.argv[1:] if argv is None else argv, log)


def run(argv: list[str] | None) -> Any:
    """One sub-command; returns what it returns (stats or the fitted classifier's report)."""
    args = parse_args(argv)
    jobs = {"train": train, "eval": run_eval, "predict": run_predict}
    return jobs[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
