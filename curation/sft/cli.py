"""`corpusloop sft convert | filter | dedup | analyze | rebalance`: the SFT curation jobs.

    corpusloop sft convert   --input FILE... --output DIR --to sharegpt
    corpusloop sft filter    --input FILE... --output DIR [--config configs/sft.yaml]
    corpusloop sft dedup     --input FILE... --output DIR
    corpusloop sft analyze   --input FILE... --output DIR [--target configs/sft_mix.yaml]
    corpusloop sft rebalance --input FILE... --output DIR [--target configs/sft_mix.yaml] [--seed N]

Inputs are SFT files in any supported format (`curation.sft.formats`, detected per file unless
`--format`). Every job writes DIR/kept.jsonl (in `--output-format`, default the record format;
`convert` writes `--to`), DIR/dropped.jsonl (record format, with `drop` = "<stage>:<reason>"),
DIR/errors.jsonl (locator, reason), DIR/stats.json and DIR/config.yaml, prints a summary, and
checks read = kept + dropped + errors. `analyze` also writes distribution.json; `rebalance`
writes rebalance_report.json, sft_stats.json (for `corpusloop report --sft-stats`) and
demand.jsonl (labeling demand, see `curation.sft.rebalance`); its kept.jsonl holds the repeats too.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from curation.sft.config import SFTConfig, load_sft_config
from curation.sft.distribution import category_of, distribution, distribution_table, lang_of, load_mix_target
from curation.sft.formats import FORMATS, FormatError, read_sft, record_to_item, write_items
from curation.sft.records import SFTError, SFTRecord, answer_text, instruction_text
from pipelines.config import dump_yaml, to_mapping
from pipelines.jobs import check_accounting, job_main

COMMANDS = {
    "convert": "write SFT data in another format (items it cannot express go to errors)",
    "filter": "drop empty/short/long turns, repetition, refusals, boilerplate, wrong language, PII",
    "dedup": "exact and MinHash near-duplicate prompts; the best-scored answer survives",
    "analyze": "counts and shares per category and language against the target mix",
    "rebalance": "down/upsample categories to the target mix; write labeling demand",
}


log = logging.getLogger("corpusloop.sft")


def _progress(items: Iterable[Any], desc: str, total: int | None = None) -> Iterable[Any]:
    from tqdm import tqdm

    return tqdm(items, desc=desc, total=total, file=sys.stderr, disable=None, mininterval=1.0, leave=False)


def read_inputs(paths: list[str], fmt: str, source: str | None) -> tuple[list[SFTRecord], list[SFTError]]:
    """All records and errors of the input files, in input order."""
    records: list[SFTRecord] = []
    errors: list[SFTError] = []
    for path in paths:
        if not Path(path).is_file():
            raise FileNotFoundError(f"no such input file: {path}")
        for item in _progress(read_sft(path, fmt, source), f"read {Path(path).name}"):
            (errors if isinstance(item, SFTError) else records).append(item)
    return records, errors


def write_records(records: Iterable[SFTRecord], path: Path, fmt: str) -> tuple[int, list[SFTError]]:
    """Write records in `fmt` ("same": each in its own); unwritable ones come back as errors."""
    errors: list[SFTError] = []

    def items() -> Iterable[dict[str, Any]]:
        for r in records:
            name = (r.meta.get("format") or {}).get("name", "record") if fmt == "same" else fmt
            try:
                yield record_to_item(r, name if name in FORMATS else "record")
            except FormatError as exc:
                errors.append(SFTError(r.locator or r.id, "unwritable", str(exc), stage="write"))

    return write_items(items(), path), errors


def _fill_lang(records: list[SFTRecord]) -> None:
    """Language of the instruction for records that have none (the filter job sets it already)."""
    todo = [r for r in records if not r.lang]
    if not todo:
        return
    from curation.sft.filters import Scorer

    scorer = Scorer()
    for r in _progress(todo, "language id"):
        lang, score = scorer.lang_of(instruction_text(r))
        if score < scorer.cfg.lang_min_score:  # unsure on a short prompt: the whole conversation
            lang, _ = scorer.lang_of(instruction_text(r) + "\n" + answer_text(r))
        r.lang = None if lang == "unknown" else lang


def _quality(cfg: SFTConfig):
    """quality_score, scoring records that have no filter signals yet."""
    from curation.sft.filters import Scorer, quality_score

    scorer: list[Scorer] = []

    def q(rec: SFTRecord) -> float:
        if "answer_chars" not in rec.signals:
            if not scorer:
                scorer.append(Scorer(cfg.filter))
            scorer[0].score(rec)
        return quality_score(rec, cfg.filter)

    return q


def build_stats(
    job: str,
    inputs: list[str],
    read: int,
    kept: list[SFTRecord],
    dropped: list[SFTRecord],
    errors: list[SFTError],
) -> dict[str, Any]:
    """stats.json: totals, the accounting flag, drops and errors by reason, kept by category and language."""
    drops = Counter(r.drop or "unknown" for r in dropped)
    errs = Counter(f"{e.stage}:{e.reason}" for e in errors)
    return {
        "job": f"sft {job}",
        "inputs": inputs,
        "read": read,
        "kept": len(kept),
        "dropped": len(dropped),
        "errors": len(errors),
        "accounted": read == len(kept) + len(dropped) + len(errors),
        "dropped_by_reason": dict(sorted(drops.items())),
        "errors_by_reason": dict(sorted(errs.items())),
        "kept_by_category": dict(sorted(Counter(category_of(r) for r in kept).items())),
        "kept_by_lang": dict(sorted(Counter(lang_of(r) for r in kept).items())),
    }


def summary(stats: dict[str, Any], output: str) -> str:
    lines = [f"corpusloop {stats['job']} → {output}"]
    for title, key in (("dropped", "dropped_by_reason"), ("errors", "errors_by_reason")):
        if stats[key]:
            lines.append(f"  {title:<8} " + ", ".join(f"{r} {n}" for r, n in stats[key].items()))
    for key in ("tagged", "written", "repeats"):
        if stats.get(key):
            value = stats[key]
            text = ", ".join(f"{k} {n}" for k, n in value.items()) if isinstance(value, dict) else str(value)
            lines.append(f"  {key:<8} {text}")
    lines.append("  kept     " + (", ".join(f"{k} {n}" for k, n in stats["kept_by_lang"].items()) or "none"))
    ok = "ok" if stats["accounted"] else "MISMATCH"
    lines.append(
        f"read={stats['read']} kept={stats['kept']} dropped={stats['dropped']} errors={stats['errors']} "
        f"(read = kept + dropped + errors: {ok})"
    )
    return "\n".join(lines)


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="corpusloop sft", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, what in COMMANDS.items():
        p = sub.add_parser(name, help=what, description=what)
        p.add_argument("--input", required=True, nargs="+", action="extend", metavar="FILE")
        p.add_argument("--output", required=True, metavar="DIR")
        p.add_argument(
            "--format", default="auto", choices=("auto", *FORMATS), help="input format (default auto)"
        )
        p.add_argument("--source", help="source name on the records (default: the file name)")
        p.add_argument("--config", metavar="YAML", help="SFT config (default configs/sft.yaml)")
        if name == "convert":
            p.add_argument("--to", required=True, choices=("same", *FORMATS), help="output format")
        else:
            p.add_argument(
                "--output-format",
                default="record",
                choices=("same", *FORMATS),
                help="format of kept.jsonl (default record; same: as read)",
            )
        if name in ("analyze", "rebalance"):
            p.add_argument("--target", metavar="YAML", help="target mix (default configs/sft_mix.yaml)")
        if name == "rebalance":
            p.add_argument("--seed", type=int, help="overrides rebalance.seed")
            p.add_argument("--name", default="sft", help="name of the set in sft_stats.json / the report")
    return parser.parse_args(argv)


def run(argv: list[str] | None = None) -> dict[str, Any]:
    """Run one job; returns its stats. Raises AccountingError when a record went missing."""
    args = parse_args(argv)
    cfg = load_sft_config(args.config)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.yaml").write_text(dump_yaml(cfg), encoding="utf-8")
    records, errors = read_inputs(args.input, args.format, args.source)
    read = len(records) + len(errors)
    kept: list[SFTRecord] = records
    dropped: list[SFTRecord] = []
    extra: dict[str, Any] = {}
    written: list[SFTRecord] | None = None
    if args.command == "filter":
        from curation.sft.filters import Scorer, decide

        scorer = Scorer(cfg.filter)
        kept = []
        tagged: Counter[str] = Counter()
        for r in _progress(records, "filter"):
            scorer.score(r)
            reason = decide(r, cfg.filter)
            for c in r.meta.get("sensitive", ()):
                tagged[f"sensitive:{c}"] += 1
            if reason is None:
                kept.append(r)
            else:
                r.drop = f"filter:{reason}"
                dropped.append(r)
        extra["tagged"] = dict(sorted(tagged.items()))
    elif args.command == "dedup":
        from curation.sft.dedup import deduplicate

        kept, dropped, extra["dedup"] = deduplicate(records, _quality(cfg), cfg.dedup)
    elif args.command in ("analyze", "rebalance"):
        _fill_lang(records)
        target = load_mix_target(args.target)
        if args.command == "analyze":
            dist = distribution(records, target)
            _write_json(out / "distribution.json", dist)
            print(distribution_table(dist))
        else:
            from dataclasses import replace

            from curation.sft.rebalance import before_after_table, rebalance, report_stats

            rcfg = cfg.rebalance if args.seed is None else replace(cfg.rebalance, seed=args.seed)
            written, dropped, demand, report = rebalance(records, target, _quality(cfg), rcfg)
            kept = [r for r in written if "repeat_of" not in r.meta]
            _write_json(out / "rebalance_report.json", report)
            _write_json(out / "sft_stats.json", report_stats(report, args.name))
            with open(out / "demand.jsonl", "w", encoding="utf-8") as f:
                for row in demand:
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
            print(before_after_table(report))
            extra["written"] = len(written)
            extra["repeats"] = len(written) - len(kept)
            extra["demand"] = sum(d["count_needed"] for d in demand)
    fmt = args.to if args.command == "convert" else args.output_format
    _, unwritable = write_records(written if written is not None else kept, out / "kept.jsonl", fmt)
    if unwritable:  # convert: items the target format cannot express are errors, not kept
        bad = {e.locator for e in unwritable}
        kept = [r for r in kept if (r.locator or r.id) not in bad]
        errors += unwritable
    write_items((r.to_dict() for r in dropped), out / "dropped.jsonl")
    write_items((e.to_dict() for e in errors), out / "errors.jsonl")
    stats = {**build_stats(args.command, args.input, read, kept, dropped, errors), **extra}
    stats["config"] = to_mapping(cfg)
    _write_json(out / "stats.json", stats)
    print(summary(stats, str(out)), flush=True)
    check_accounting(stats)
    return stats


def main(argv: list[str] | None = None) -> int:
    """Entry point of `corpusloop sft`: 0 on success, 1 on bad input or an accounting mismatch."""
    return job_main(run, argv, log)


if __name__ == "__main__":
    sys.exit(main())
