"""Train, evaluate and apply the model-based quality classifier (classifiers.quality) on project data.

    corpusloop quality train --run out/run1 [--labels labels.jsonl] --output models/quality
    corpusloop quality eval  --model models/quality --run out/run2 [--labels held_out.jsonl]
    corpusloop quality score --model models/quality --input 'docs/*.jsonl' --output scored.jsonl

Training data comes from finished corpus runs and from user labels. From a run (`corpusloop corpus
run` output: kept/ and dropped/ shards): positives are kept documents of the sources marked high
quality (`--positive-source`, default book and literature) or from reference domains
(`--positive-domain`, e.g. an encyclopedia); negatives are documents the rules dropped
(`--negative-stage`, default `quality`, the rule stage: language, compliance and duplicate drops are
not quality judgements) and kept web pages that an earlier model scored below `--negative-below`.
Labels are JSONL with `text` and `label` (1/0, true/false, "hq"/"lq") and optionally `lang`.

Long documents are cut into passages of about `--chunk-chars` characters (at most
`--max-chunks-per-doc`, spread over the document), and the held-out split goes by source document
(`group`: a book, a page, a label line), never by passage, so no document is on both sides.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from classifiers.langid import LanguageIdentifier
from classifiers.quality import LANGS, QualityModel, QualityModelParams
from pipelines.aggregate import restore_doc
from pipelines.jobs import job_main
from pipelines.readers import ReaderConfig, read_stream
from pipelines.records import Doc

log = logging.getLogger("corpusloop.quality")

POSITIVE_LABELS = ("1", "true", "hq", "high", "pos", "positive")
NEGATIVE_LABELS = ("0", "false", "lq", "low", "neg", "negative")


@dataclass(frozen=True)
class Example:
    """One training or evaluation passage."""

    text: str
    label: int  # 1 high quality, 0 low
    lang: str  # "zh" or "en"
    group: str  # the source document; the held-out split keeps a group on one side
    origin: str  # where it came from: "kept:book", "dropped:quality:c4", "labels", ...


@dataclass(frozen=True)
class AssemblyConfig:
    """Which run outputs become examples, and how documents are cut into passages."""

    positive_sources: tuple[str, ...] = ("book", "literature")  # kept docs of these sources: positives
    positive_domains: tuple[str, ...] = ()  # kept web docs from these domains (or subdomains): positives
    negative_stages: tuple[str, ...] = ("quality",)  # drops by these stages: negatives (the rules)
    negative_below: float | None = None  # kept web docs with signals.quality below this: negatives
    chunk_chars: int = 2000  # passage length; about a web page's main text
    max_chunks_per_doc: int = 20  # so one long book does not outweigh everything else
    min_chars: int = 20  # shorter passages carry too little signal to learn from


# --- reading --------------------------------------------------------------------------------------


def read_run(run_dir: str) -> Iterator[tuple[str, Doc]]:
    """("kept" | "dropped", Doc) for every record in a corpus run's kept/ and dropped/ shards."""
    found = False
    for part in ("kept", "dropped"):
        pattern = FileSystems.join(run_dir.rstrip("/"), part, "part-*")
        paths = sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
        found = found or bool(paths)
        for path in paths:
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as raw:
                for item in read_stream(raw, path, "web", ReaderConfig()):
                    if not isinstance(item, Doc):
                        raise ValueError(f"{item.locator}: unreadable record ({item.reason}: {item.detail})")
                    yield part, restore_doc(item)
    if not found:
        raise FileNotFoundError(f"{run_dir}: no kept/ or dropped/ shards (not a corpus run output?)")


def parse_label(value: Any, where: str) -> int:
    """1 or 0 from a label: 1/0, true/false, or one of the words in POSITIVE/NEGATIVE_LABELS."""
    if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
        return int(value)
    if isinstance(value, str) and value.strip().lower() in POSITIVE_LABELS:
        return 1
    if isinstance(value, str) and value.strip().lower() in NEGATIVE_LABELS:
        return 0
    raise ValueError(f"{where}: label {value!r} is not one of 1/0, true/false, hq/lq")


def read_labels(path: str, lang_of: LanguageIdentifier | None = None) -> Iterator[Example]:
    """Examples from a JSONL file of {"text", "label", ["lang"]}; a missing lang is identified.

    Lines in other languages than zh/en are skipped (logged); a malformed line raises ValueError.
    """
    identifier = lang_of or LanguageIdentifier()
    opener = gzip.open if path.endswith(".gz") else open
    skipped = 0
    with opener(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: not JSON ({exc})") from exc
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or "label" not in obj:
                raise ValueError(f"{where}: expected an object with a string `text` and a `label`")
            label = parse_label(obj["label"], where)
            lang = obj.get("lang") or identifier.predict(obj["text"]).lang
            if lang not in LANGS:
                skipped += 1
                continue
            yield Example(obj["text"], label, lang, f"{path}:{n}", "labels")
    if skipped:
        log.warning("%s: %d line(s) in other languages than %s skipped", path, skipped, "/".join(LANGS))


# --- assembly -------------------------------------------------------------------------------------


def chunks(text: str, chunk_chars: int, max_chunks: int) -> list[str]:
    """`text` cut at line ends into passages of about `chunk_chars`; at most `max_chunks`, evenly spread."""
    text = text.strip()
    if len(text) <= chunk_chars:
        return [text] if text else []
    out: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        while len(line) > chunk_chars:  # one very long line (no breaks): cut it
            head, line = line[:chunk_chars], line[chunk_chars:]
            if current:
                out.append("\n".join(current))
                current, size = [], 0
            out.append(head)
        if size + len(line) > chunk_chars and current:
            out.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        out.append("\n".join(current))
    out = [c.strip() for c in out if c.strip()]
    if len(out) > max_chunks:
        step = len(out) / max_chunks
        out = [out[int(i * step)] for i in range(max_chunks)]
    return out


def _domain_matches(domain: str | None, domains: Sequence[str]) -> bool:
    return bool(domain) and any(domain == d or domain.endswith("." + d) for d in domains)


def run_label(part: str, doc: Doc, cfg: AssemblyConfig) -> tuple[int, str] | None:
    """(label, origin) of a run record under `cfg`, or None when it is not training data."""
    if doc.lang not in LANGS:
        return None
    if part == "dropped":
        stage = (doc.drop or "").split(":", 1)[0]
        if stage in cfg.negative_stages:
            return 0, f"dropped:{doc.drop.rsplit(':', 1)[0] if doc.drop else stage}"
        return None
    if doc.source in cfg.positive_sources:
        return 1, f"kept:{doc.source}"
    if doc.source == "web" and _domain_matches(doc.domain, cfg.positive_domains):
        return 1, "kept:reference_domain"
    score = doc.signals.get("quality")
    below = cfg.negative_below
    if below is not None and doc.source == "web" and score is not None and score < below:
        return 0, "kept:low_score"
    return None


def examples_from_run(run_dir: str, cfg: AssemblyConfig) -> Iterator[Example]:
    """Passages of the run's positives and negatives (see `run_label`), grouped by document id."""
    for part, doc in read_run(run_dir):
        labelled = run_label(part, doc, cfg)
        if labelled is None:
            continue
        label, origin = labelled
        assert doc.lang is not None
        for piece in chunks(doc.text, cfg.chunk_chars, cfg.max_chunks_per_doc):
            if len(piece) >= cfg.min_chars:
                yield Example(piece, label, doc.lang, f"{run_dir}#{doc.id}", origin)


def chunk_examples(examples: Iterable[Example], cfg: AssemblyConfig) -> Iterator[Example]:
    """Long examples cut into passages that keep their document's group."""
    for ex in examples:
        for piece in chunks(ex.text, cfg.chunk_chars, cfg.max_chunks_per_doc):
            if len(piece) >= cfg.min_chars:
                yield Example(piece, ex.label, ex.lang, ex.group, ex.origin)


def _unit(key: str, seed: int) -> float:
    digest = hashlib.blake2b(f"{seed}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def split_by_group(
    examples: Sequence[Example], holdout: float, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """(train, held out): a group (source document) goes wholly to one side, by a seeded hash."""
    train, test = [], []
    for ex in examples:
        (test if _unit(ex.group, seed) < holdout else train).append(ex)
    return train, test


def balance(examples: Sequence[Example], seed: int = 0) -> list[Example]:
    """Per language, the larger class cut to the smaller's size (a seeded, stable choice)."""
    by: dict[tuple[str, int], list[Example]] = {}
    for ex in examples:
        by.setdefault((ex.lang, ex.label), []).append(ex)
    out: list[Example] = []
    for lang in sorted({lang for lang, _ in by}):
        pos, neg = by.get((lang, 1), []), by.get((lang, 0), [])
        n = min(len(pos), len(neg)) or max(len(pos), len(neg))
        for group in (pos, neg):
            ranked = sorted(group, key=lambda e: (_unit(f"{e.group}\0{e.text[:64]}", seed), e.text))
            out.extend(ranked[:n])
    return out


def counts(examples: Iterable[Example]) -> dict[str, dict[str, int]]:
    """Examples per language and label, and per origin: {"zh": {"hq": n, "lq": n}, ..., "origins": {...}}."""
    table: dict[str, dict[str, int]] = {}
    origins: Counter[str] = Counter()
    for ex in examples:
        row = table.setdefault(ex.lang, {"hq": 0, "lq": 0})
        row["hq" if ex.label else "lq"] += 1
        origins[f"{ex.lang}/{ex.origin}"] += 1
    return {**dict(sorted(table.items())), "origins": dict(sorted(origins.items()))}


# --- evaluation -----------------------------------------------------------------------------------


def roc_auc(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    """Area under the ROC curve (Mann-Whitney, ties count half); None with a single class."""
    pos = sum(1 for y in labels if y)
    neg = len(labels) - pos
    if not pos or not neg:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    rank_sum = 0.0
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        avg_rank = (i + j) / 2 + 1
        rank_sum += avg_rank * sum(1 for k in range(i, j + 1) if labels[order[k]])
        i = j + 1
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def metrics(scores: Sequence[float], labels: Sequence[int], threshold: float) -> dict[str, Any]:
    """n, positives, AUC, and precision/recall/F1 of the high-quality class at `threshold`."""
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if y and s >= threshold)
    fp = sum(1 for s, y in zip(scores, labels, strict=True) if not y and s >= threshold)
    fn = sum(1 for s, y in zip(scores, labels, strict=True) if y and s < threshold)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    auc = roc_auc(scores, labels)
    return {
        "n": len(labels), "hq": sum(labels), "threshold": threshold,
        "auc": round(auc, 4) if auc is not None else None,
        "precision": round(precision, 4), "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
    }


def evaluate(
    model: QualityModel, examples: Sequence[Example], thresholds: dict[str, float] | None = None
) -> dict[str, dict[str, Any]]:
    """Per-language metrics of `model` on `examples` (threshold 0.5 unless given for the language)."""
    scores = model.predict_proba([e.text for e in examples], [e.lang for e in examples])
    out: dict[str, dict[str, Any]] = {}
    for lang in sorted({e.lang for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.lang == lang]
        out[lang] = metrics([scores[i] for i in idx], [examples[i].label for i in idx],
                            (thresholds or {}).get(lang, 0.5))
    return out


# --- command line ---------------------------------------------------------------------------------


def _add_data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", action="append", default=[], metavar="DIR", help="corpus run output; repeatable")
    p.add_argument("--labels", action="append", default=[], metavar="JSONL",
                   help="user labels: {text, label[, lang]} a line; repeatable")
    p.add_argument("--positive-source", action="append", metavar="KIND",
                   help="kept docs of this source are positives (default: book, literature)")
    p.add_argument("--positive-domain", action="append", default=[], metavar="DOMAIN",
                   help="kept web docs from this domain (or its subdomains) are positives; repeatable")
    p.add_argument("--negative-stage", action="append", metavar="STAGE",
                   help="docs dropped by this stage are negatives (default: quality, the rules)")
    p.add_argument("--negative-below", type=float, metavar="SCORE",
                   help="kept web docs with signals.quality below SCORE are negatives")
    p.add_argument("--chunk-chars", type=int, default=AssemblyConfig.chunk_chars, metavar="N")
    p.add_argument("--max-chunks-per-doc", type=int, default=AssemblyConfig.max_chunks_per_doc, metavar="N")


def assembly_config(args: argparse.Namespace) -> AssemblyConfig:
    defaults = AssemblyConfig()
    return AssemblyConfig(
        positive_sources=tuple(args.positive_source or defaults.positive_sources),
        positive_domains=tuple(d.lower().lstrip(".") for d in args.positive_domain),
        negative_stages=tuple(args.negative_stage or defaults.negative_stages),
        negative_below=args.negative_below,
        chunk_chars=args.chunk_chars,
        max_chunks_per_doc=args.max_chunks_per_doc,
    )


def gather(args: argparse.Namespace) -> list[Example]:
    """Examples from every --run and --labels of the command line."""
    if not args.run and not args.labels:
        raise ValueError("give training data: --run DIR and/or --labels FILE")
    cfg = assembly_config(args)
    examples: list[Example] = []
    for run_dir in args.run:
        examples.extend(examples_from_run(run_dir, cfg))
    if args.labels:
        lid = LanguageIdentifier()
        for path in args.labels:
            if not Path(path).is_file():
                raise FileNotFoundError(f"--labels {path!r}: no such file")
            examples.extend(chunk_examples(read_labels(path, lid), cfg))
    if not examples:
        raise ValueError("no examples: nothing in the inputs matched the positive/negative rules")
    return examples


def parse_thresholds(text: str | None) -> dict[str, float]:
    """"zh=0.5,en=0.6" → {"zh": 0.5, "en": 0.6}."""
    out: dict[str, float] = {}
    for part in (text or "").split(","):
        if part.strip():
            lang, sep, value = part.partition("=")
            if not sep or lang.strip() not in LANGS:
                raise ValueError(f"--threshold: expected LANG=SCORE,... with LANG in {LANGS}, got {part!r}")
            out[lang.strip()] = float(value)
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="corpusloop quality", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="assemble data, train, evaluate on held-out documents, save")
    _add_data_args(train)
    train.add_argument("--output", required=True, metavar="DIR", help="model folder to write")
    train.add_argument("--holdout", type=float, default=0.1, help="share of documents held out (default 0.1)")
    train.add_argument("--no-balance", action="store_true", help="keep class sizes as they are")
    train.add_argument("--bilingual", action="store_true", help="one model for both languages")
    train.add_argument("--zh-features", choices=("chars", "words"), default=QualityModelParams.zh_features)
    train.add_argument("--en-features", choices=("words", "subwords"), default=QualityModelParams.en_features)
    for name in ("dim", "epoch", "word_ngrams", "min_count", "bucket", "max_chars", "seed"):
        train.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(QualityModelParams, name))
    train.add_argument("--lr", type=float, default=QualityModelParams.lr)
    train.add_argument("--threads", type=int, default=1, help="training threads (>1: not reproducible)")
    train.add_argument("--quantize", action="store_true", help="product-quantize: small files, slow to save")
    ev = sub.add_parser("eval", help="precision, recall and AUC per language on labelled data")
    _add_data_args(ev)
    ev.add_argument("--model", required=True, metavar="DIR")
    ev.add_argument("--threshold", metavar="LANG=SCORE,...", help="decision thresholds (default 0.5)")
    ev.add_argument("--output", metavar="JSON", help="also write the metrics here")
    sc = sub.add_parser("score", help="add signals.quality to JSONL records")
    sc.add_argument("--model", required=True, metavar="DIR")
    sc.add_argument("--input", action="append", required=True, metavar="GLOB",
                    help="JSONL(.gz) files with `text` (and `lang`, else identified); repeatable")
    sc.add_argument("--output", required=True, metavar="JSONL", help="scored records (.gz: compressed)")
    sc.add_argument("--text-field", default="text")
    return parser.parse_args(argv)


def train(args: argparse.Namespace) -> dict[str, Any]:
    examples = gather(args)
    train_set, held_out = split_by_group(examples, args.holdout, args.seed)
    if not args.no_balance:
        train_set = balance(train_set, args.seed)
    params = QualityModelParams(
        per_language=not args.bilingual, zh_features=args.zh_features, en_features=args.en_features,
        dim=args.dim, epoch=args.epoch, lr=args.lr, word_ngrams=args.word_ngrams, min_count=args.min_count,
        bucket=args.bucket, quantize=args.quantize, max_chars=args.max_chars, seed=args.seed,
        thread=args.threads,
    )
    model = QualityModel(params).fit([e.text for e in train_set], [e.label for e in train_set],
                                     [e.lang for e in train_set])
    out = model.save(args.output)
    report: dict[str, Any] = {
        "train": counts(train_set),
        "held_out": counts(held_out),
        "split": f"by source document, {args.holdout:.0%} of documents held out (seed {args.seed})",
        "metrics": evaluate(model, held_out) if held_out else {},
        "assembly": asdict(assembly_config(args)),
    }
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    (out / "training.json").write_text(text, encoding="utf-8")
    print(f"corpusloop quality train → {out}: " + _summary(report["train"], report["metrics"]), flush=True)
    return report


def _summary(table: dict[str, Any], scores: dict[str, dict[str, Any]]) -> str:
    parts = []
    for lang in LANGS:
        if lang in table:
            row = table[lang]
            m = scores.get(lang)
            held = f", held-out AUC {m['auc']}" if m and m["auc"] is not None else ""
            parts.append(f"{lang} {row['hq']} hq / {row['lq']} lq{held}")
    return "; ".join(parts)


def evaluate_cmd(args: argparse.Namespace) -> dict[str, Any]:
    model = QualityModel.load(args.model)
    examples = [e for e in gather(args) if e.lang in model.languages]
    thresholds = parse_thresholds(args.threshold)
    result = {"data": counts(examples), "metrics": evaluate(model, examples, thresholds)}
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    print(text, flush=True)
    return result


def score_cmd(args: argparse.Namespace) -> dict[str, Any]:
    """Copy JSONL records adding `signals.quality`; records in a language the model lacks pass unscored."""
    model = QualityModel.load(args.model)
    lid = LanguageIdentifier()
    paths = []
    for pattern in args.input:
        matched = sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
        if not matched:
            raise FileNotFoundError(f"--input {pattern!r} matches no file")
        paths.extend(matched)
    n = scored = 0
    opener = gzip.open if args.output.endswith(".gz") else open
    with opener(args.output, "wt", encoding="utf-8") as out:
        for path in paths:
            with FileSystems.open(path) as f:  # .gz decompressed by name
                for i, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    record = json.loads(line)
                    text = record.get(args.text_field) if isinstance(record, dict) else None
                    if not isinstance(text, str):
                        raise ValueError(f"{path}:{i}: no string field {args.text_field!r}")
                    lang = record.get("lang") or lid.predict(text).lang
                    n += 1
                    if lang in model.languages:
                        signals = record.get("signals") if isinstance(record.get("signals"), dict) else {}
                        record["signals"] = {**signals, "quality": model.score(text, lang)}
                        scored += 1
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"corpusloop quality score → {args.output}: {scored} of {n} records scored", flush=True)
    return {"records": n, "scored": scored}


def run(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    return {"train": train, "eval": evaluate_cmd, "score": score_cmd}[args.command](args)


def main(argv: list[str] | None = None) -> int:
    return job_main(run, argv, log)


if __name__ == "__main__":
    sys.exit(main())
