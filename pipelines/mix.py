"""The mixer: sample a kept corpus to target shares by language and source kind under a token budget.

    python -m pipelines.mix --input 'out/run1/kept/*.jsonl.gz' --output out/mix1 \
        --target zh=0.4,en=0.6 [--target-source web=0.6,book=0.3,literature=0.1] \
        --token-budget 2B [--max-upsample 4] [--cluster-cap 5] [--seed 0] [any Beam option]

Three passes, as a Beam job. Pass 1 sums tokens (the project's tokenizer) per cell = (language,
source, cluster weight). `plan_mix` turns those totals into one factor per (language, source):
the cell's share of the budget comes from the targets (iterative proportional fitting when both
language and source targets are given, starting from the corpus's own mix), and the factor is
solved so that the cell's expected tokens hit that share. Pass 2 is a per-document Map with the
plan as a side input: a document's expected number of copies is

    e = min(factor × w, max_upsample),   w = min(cluster_size, cluster_cap)

(FineWeb-2's "rehydration": a document that stood for a bigger duplicate cluster is repeated
more, up to a cap). It is written floor(e) times, plus once more when a hash of (seed, id) is
below e − floor(e). Pass 3 corrects that rounding per cell: a second hash draw flips the rounding
of just enough of the cell's documents to bring its tokens back to their expected value, which
keeps the shares within a fraction of a percent of the targets even on a few thousand documents.
Same input and seed, same mix, byte for byte. When a cell cannot reach its share within the
upsampling cap, the whole budget is lowered so the shares still hold.

DIR gets kept/ (the mix, sorted shards; each copy carries `meta.mix = {copy, copies}`),
mix_plan.json, and report.html / report.json / report.md (targets against what was achieved).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import logging
import math
import re
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from pipelines.aggregate import AggregateDocs, CountTokens, ReadCorpus, SumFn, tokenizer_info
from pipelines.corpus import beam_options, prepare_output
from pipelines.jobs import job_main
from pipelines.records import Doc
from pipelines.report import build_report, write_report
from pipelines.transforms import WriteSortedShards, is_kept_doc, read_json, write_json

log = logging.getLogger("corpusloop.mix")

IPF_MAX_ROUNDS = 1000  # iterative proportional fitting converges in a few rounds on real tables
IPF_TOLERANCE = 1e-12
TARGET_SUM_TOLERANCE = 1e-3  # targets must add up to 1 within this (then they are normalized)


@dataclass(frozen=True)
class MixConfig:
    """What the mix aims at. Shares are of tokens."""

    target_lang: dict[str, float]  # language → share, adding up to 1
    token_budget: int  # tokens in the mix (an upper bound: lowered when a cell cannot reach its share)
    target_source: dict[str, float] | None = None  # source kind → share; None: each language's own mix
    max_upsample: float = 4.0  # most copies of one document (expected value)
    cluster_cap: int = 5  # duplicate-cluster weight min(cluster_size, cap); 1 turns the weighting off
    seed: int = 0

    def __post_init__(self) -> None:
        if self.token_budget <= 0:
            raise ValueError(f"token budget must be > 0, got {self.token_budget}")
        if self.max_upsample < 1:
            raise ValueError(f"max_upsample must be >= 1, got {self.max_upsample}")
        if self.cluster_cap < 1:
            raise ValueError(f"cluster_cap must be >= 1, got {self.cluster_cap}")


# ---------------------------------------------------------------------------------------------
# arguments


def parse_shares(text: str, what: str = "target") -> dict[str, float]:
    """ "zh=0.4,en=0.6" → {"zh": 0.4, "en": 0.6}; the shares must add up to 1 (then normalized)."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        try:
            share = float(value)
        except ValueError:
            share = -1.0
        if not sep or not key.strip() or share < 0 or not math.isfinite(share):
            raise ValueError(f"{what}: expected KEY=SHARE pairs such as zh=0.4,en=0.6, got {part!r}")
        if key.strip() in out:
            raise ValueError(f"{what}: {key.strip()!r} given twice")
        out[key.strip()] = share
    total = sum(out.values())
    if not out or abs(total - 1) > TARGET_SUM_TOLERANCE:
        raise ValueError(f"{what}: shares must add up to 1, got {total:g} from {text!r}")
    return {k: v / total for k, v in sorted(out.items())}


_COUNT = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([kmbt]?)\s*$", re.I)


def parse_count(text: str) -> int:
    """ "2000000", "2e6", "2M", "1.5B" → an integer."""
    m = _COUNT.match(text)
    if not m:
        raise ValueError(f"expected a count such as 2000000, 2e6, 500M or 2B, got {text!r}")
    scale = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}[m.group(2).lower()]
    return int(float(m.group(1)) * scale)


# ---------------------------------------------------------------------------------------------
# the plan (pure functions of the pass-1 totals)


def cluster_weight(doc: Doc, cap: int) -> int:
    """A document's weight: its duplicate-cluster size (1 without dedup), at most `cap`."""
    return max(1, min(doc.cluster_size or 1, cap))


def fit_shares(
    weighted: dict[tuple[str, str], float], lang: dict[str, float], source: dict[str, float] | None
) -> dict[tuple[str, str], float]:
    """Share of the budget per (language, source) cell.

    Language targets only: each language's share is split by its sources' (cluster-weighted)
    tokens. With source targets too: iterative proportional fitting from the weighted token table,
    i.e. the table closest to the corpus's own mix whose row sums are the language targets and
    column sums the source targets. Raises ValueError when the targets cannot be met.
    """
    cells = {k: w for k, w in sorted(weighted.items()) if k[0] in lang and w > 0}
    if source is not None:
        cells = {k: w for k, w in cells.items() if k[1] in source}
    for name, targets, pos in (("language", lang, 0), ("source", source or {}, 1)):
        for key, share in targets.items():
            if share > 0 and not any(k[pos] == key for k in cells):
                raise ValueError(f"target {name} {key}={share:g} but the input has no tokens for it")
    row = {lg: sum(w for k, w in cells.items() if k[0] == lg) for lg in lang}
    x = {k: lang[k[0]] * w / row[k[0]] for k, w in cells.items()}
    if source is None:
        return x
    for _ in range(IPF_MAX_ROUNDS):
        col = {s: sum(v for k, v in x.items() if k[1] == s) for s in source}
        x = {k: v * source[k[1]] / col[k[1]] if col[k[1]] else 0.0 for k, v in x.items()}
        row = {lg: sum(v for k, v in x.items() if k[0] == lg) for lg in lang}
        x = {k: v * lang[k[0]] / row[k[0]] if row[k[0]] else 0.0 for k, v in x.items()}
        col = {s: sum(v for k, v in x.items() if k[1] == s) for s in source}
        if max(abs(col[s] - source[s]) for s in source) < IPF_TOLERANCE:
            return x
    worst = max(source, key=lambda s: abs(col[s] - source[s]))
    raise ValueError(
        f"the language and source targets cannot both be met with this input: source {worst} gets "
        f"{col[worst]:.3f} at best, not {source[worst]:.3f} (which languages have which sources limits it)"
    )


def solve_factor(parts: list[tuple[int, int]], cap: float, target: float) -> float:
    """The factor f with Σ min(f·w, cap)·tokens = target over (weight w, tokens) parts of one cell.

    The left side grows piecewise linearly in f; parts with a bigger weight reach the cap first.
    """
    capped, free = 0.0, float(sum(w * t for w, t in parts))
    for w, t in sorted(parts, reverse=True):
        bound = cap / w
        if cap * capped + bound * free >= target:
            return (target - cap * capped) / free
        capped += t
        free -= w * t
    return cap / min(w for w, _ in parts)


def plan_mix(totals: list[tuple[str, str, int, int, int]], cfg: MixConfig) -> dict[str, Any]:
    """The mix plan from pass-1 totals: (lang, source, weight, docs, tokens) rows → factors per cell."""
    by_cell: dict[tuple[str, str], list[tuple[int, int]]] = {}
    docs: dict[tuple[str, str], int] = {}
    for lang, source, w, n, tokens in sorted(totals):
        by_cell.setdefault((lang, source), []).append((w, tokens))
        docs[(lang, source)] = docs.get((lang, source), 0) + n
    weighted = {k: float(sum(w * t for w, t in parts)) for k, parts in by_cell.items()}
    shares = fit_shares(weighted, cfg.target_lang, cfg.target_source)
    raw = {k: sum(t for _, t in parts) for k, parts in by_cell.items()}
    budget, note = float(cfg.token_budget), ""
    limits = {k: cfg.max_upsample * raw[k] / s for k, s in shares.items() if s > 0}
    if limits and min(limits.values()) < budget:
        tight = min(limits, key=lambda k: (limits[k], k))
        budget = limits[tight]
        note = (
            f"budget lowered from {cfg.token_budget:,} to {math.floor(budget):,} tokens: "
            f"{tight[1]}/{tight[0]} cannot give more than {cfg.max_upsample:g}× its "
            f"{raw[tight]:,} tokens, and the shares come first"
        )
    cells = {}
    for key in sorted(by_cell):
        share = shares.get(key, 0.0)
        target = budget * share
        factor = solve_factor(by_cell[key], cfg.max_upsample, target) if share > 0 else 0.0
        cells[f"{key[1]}/{key[0]}"] = {
            "lang": key[0],
            "source": key[1],
            "docs": docs[key],
            "tokens": raw[key],
            "weighted_tokens": int(weighted[key]),
            "target_share": round(share, 9),
            "target_tokens": round(target),
            "factor": round(factor, 12),
        }
    return {
        "targets": {"lang": cfg.target_lang, "source": cfg.target_source},
        "budget": cfg.token_budget,
        "budget_planned": round(budget),
        "max_upsample": cfg.max_upsample,
        "cluster_cap": cfg.cluster_cap,
        "seed": cfg.seed,
        "cells": cells,
        "note": note,
    }


def unit_hash(doc_id: str, seed: int, draw: int = 0) -> float:
    """A number in [0, 1) fixed by (seed, id, draw): the same decision on every runner and every run."""
    digest = hashlib.blake2b(f"{seed}\0{draw}\0{doc_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def expected_copies(doc: Doc, plan: dict[str, Any]) -> float:
    """e = min(factor × cluster weight, max_upsample); 0 for a cell outside the targets."""
    cell = plan["cells"].get(f"{doc.source}/{doc.lang}")
    if cell is None or not cell["factor"]:
        return 0.0
    return min(cell["factor"] * cluster_weight(doc, plan["cluster_cap"]), plan["max_upsample"])


def first_copies(doc: Doc, plan: dict[str, Any]) -> tuple[float, int]:
    """(e, floor(e) + [hash(seed, id, 0) < frac(e)]): the first, independent rounding."""
    e = expected_copies(doc, plan)
    whole = math.floor(e)
    return e, whole + (1 if unit_hash(doc.id, plan["seed"]) < e - whole else 0)


def rounding_fix(rows: list[tuple[str, tuple[int, ...]]]) -> dict[str, dict[str, Any]]:
    """Per cell, how to pull the first rounding's tokens back to their expected value.

    Rows: (cell, (expected micro-tokens, tokens after the first rounding, tokens of documents
    rounded up, tokens of documents rounded down)). A cell that came out short rounds up a share
    `q` of its rounded-down documents; one that came out long rounds down a share of its
    rounded-up ones. Each document still gets floor(e) or ceil(e) copies, and only the few
    flipped documents add noise, so the shares land much closer to the targets on small inputs.
    """
    out = {}
    for cell, (expected_micro, got, up, down) in sorted(rows):
        delta = expected_micro / 1e6 - got
        if delta > 0:
            out[cell] = {"mode": "up", "q": round(min(1.0, delta / down), 12) if down else 0.0}
        else:
            out[cell] = {"mode": "down", "q": round(min(1.0, -delta / up), 12) if up else 0.0}
    return out


def final_copies(doc: Doc, e: float, first: int, fix: dict[str, dict[str, Any]], seed: int) -> int:
    """The first rounding, flipped for a share of the cell's documents by a second hash draw."""
    if e == math.floor(e):
        return first
    cell = fix.get(f"{doc.source}/{doc.lang}")
    if cell is None or unit_hash(doc.id, seed, 1) >= cell["q"]:
        return first
    rounded_up = first > math.floor(e)
    if cell["mode"] == "up" and not rounded_up:
        return first + 1
    if cell["mode"] == "down" and rounded_up:
        return first - 1
    return first


def copies_of(doc: Doc, plan: dict[str, Any], fix: dict[str, dict[str, Any]]) -> int:
    """How many times `doc` goes into the mix (both roundings; the Beam job computes them in passes)."""
    e, first = first_copies(doc, plan)
    return final_copies(doc, e, first, fix, plan["seed"])


# ---------------------------------------------------------------------------------------------
# Beam


def _cell_totals(pair: tuple[Doc, int], cluster_cap: int) -> tuple[tuple[str, str, int], tuple[int, int]]:
    doc, tokens = pair
    return (str(doc.lang), str(doc.source), cluster_weight(doc, cluster_cap)), (1, tokens)


def _decide(pair: tuple[Doc, int], plan: dict[str, Any]) -> tuple[Doc, int, float, int]:
    doc, tokens = pair
    return (doc, tokens, *first_copies(doc, plan))


def _rounding_row(decided: tuple[Doc, int, float, int]) -> tuple[str, tuple[int, int, int, int]]:
    doc, tokens, e, first = decided
    whole = math.floor(e)
    up = tokens if first > whole else 0
    down = tokens if first == whole and e > whole else 0
    return f"{doc.source}/{doc.lang}", (round(e * tokens * 1e6), first * tokens, up, down)


def _copies(
    decided: tuple[Doc, int, float, int], fix: dict[str, Any], seed: int
) -> Iterator[tuple[Doc, int]]:
    doc, tokens, e, first = decided
    n = final_copies(doc, e, first, fix, seed)
    for k in range(n):
        yield dataclasses.replace(doc, meta={**doc.meta, "mix": {"copy": k, "copies": n}}), tokens


def _copy_line(pair: tuple[Doc, int]) -> tuple[str, str]:
    doc = pair[0]
    return f"{doc.id}\0{doc.meta['mix']['copy']:06d}\0{doc.locator}", doc.to_json()


def _gather(items: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"copies": {}}
    for kind, value in items:
        if kind == "copies":
            out["copies"][str(value[0])] = value[1]
        else:
            out[kind] = value
    out["copies"] = dict(sorted(out["copies"].items(), key=lambda kv: int(kv[0])))
    return out


class OneElement(beam.PTransform):
    """(key, value) pairs → one element: `build([(key, value), ...])`, also for an empty input."""

    def __init__(self, build: Any) -> None:
        super().__init__()
        self.build = build

    def expand(self, pairs: beam.PCollection) -> beam.PCollection:
        build = self.build
        seed = pairs.pipeline | "Seed" >> beam.Create([(None, None)])
        return (
            (pairs | "OneKey" >> beam.Map(lambda kv: (None, kv)), seed)
            | "WithSeed" >> beam.Flatten()
            | "Gather" >> beam.GroupByKey()
            | "Build" >> beam.MapTuple(lambda _, items: build([i for i in items if i is not None]))
        )


def build_pipeline(
    p: beam.Pipeline,
    patterns: list[str],
    cfg: MixConfig,
    output: str,
    tmp: str,
    tokenizer: str | None = None,
    num_shards: int = 4,
    fmt: str = "jsonl",
) -> None:
    """Wire the job into `p`.

    Pass 1: tokens per cell → the plan. Pass 2: each document's first rounding (plan as a side
    input) → per-cell rounding fix. Pass 3: final copies (fix as a side input) → the mix's
    shards, its aggregate and the copies-per-document counts, gathered into `tmp`.
    """
    read = p | "Read" >> ReadCorpus(patterns)
    pairs = read | "KeptDocs" >> beam.Filter(is_kept_doc) | "Tokens" >> CountTokens(tokenizer)
    plan = (
        pairs
        | "CellKeys" >> beam.Map(_cell_totals, cfg.cluster_cap)
        | "SumCells" >> beam.CombinePerKey(SumFn())
        | "Plan" >> OneElement(lambda rows: plan_mix([(*k, *v) for k, v in rows], cfg))
    )
    decided = pairs | "FirstRounding" >> beam.Map(_decide, beam.pvalue.AsSingleton(plan))
    fix = (
        decided
        | "RoundingRows" >> beam.Map(_rounding_row)
        | "SumRounding" >> beam.CombinePerKey(SumFn())
        | "RoundingFix" >> OneElement(rounding_fix)
    )
    copies = decided | "Copies" >> beam.FlatMap(_copies, beam.pvalue.AsSingleton(fix), cfg.seed)
    _ = (
        copies
        | "CopyLines" >> beam.Map(_copy_line)
        | "WriteMix" >> WriteSortedShards(FileSystems.join(output, "kept"), num_shards, fmt)
    )
    per_doc = (
        decided
        | "CopiesPerDoc"
        >> beam.Map(lambda d, fx: final_copies(d[0], d[2], d[3], fx, cfg.seed), beam.pvalue.AsSingleton(fix))
        | "CountCopies" >> beam.combiners.Count.PerElement()
        | "TagCopies" >> beam.Map(lambda kv: ("copies", kv))
    )
    agg = copies | "Aggregate" >> AggregateDocs() | "TagAggregate" >> beam.Map(lambda a: ("aggregate", a))
    _ = (
        (
            agg,
            plan | "TagPlan" >> beam.Map(lambda pl: ("plan", pl)),
            fix | "TagFix" >> beam.Map(lambda fx: ("rounding", fx)),
            per_doc,
        )
        | "Results" >> beam.Flatten()
        | "Gather" >> OneElement(_gather)
        | "WriteResults" >> beam.Map(lambda res: write_json(tmp, res))
    )


def mix_section(result: dict[str, Any], cfg: MixConfig) -> dict[str, Any]:
    """The report's mix section: targets against achieved shares, tokens and factors per cell."""
    plan, agg = result["plan"], result["aggregate"]
    total = agg["total"].get("kept", {"docs": 0, "tokens": 0})
    achieved: dict[str, dict[str, Any]] = {}
    for dim, targets, table in (
        ("lang", cfg.target_lang, agg["by_lang"]),
        ("source", cfg.target_source, agg["by_source"]),
    ):
        if targets is None:
            continue
        achieved[dim] = {
            k: {
                "target": round(share, 6),
                "achieved": round(table.get(k, {}).get("tokens", 0) / total["tokens"], 6)
                if total["tokens"]
                else 0.0,
                "tokens": table.get(k, {}).get("tokens", 0),
            }
            for k, share in targets.items()
        }
    for key, cell in plan["cells"].items():
        cell["achieved_tokens"] = agg["by_source_lang"].get(key, {}).get("tokens", 0)
    input_docs = sum(result["copies"].values())
    return {
        "seed": cfg.seed,
        "tokens": total["tokens"],
        "docs": total["docs"],
        "plan": plan,
        "achieved": achieved,
        "input_docs": input_docs,
        "copies_per_doc": result["copies"],
    }


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.mix",
        description=__doc__.split("\n\n")[0],
        epilog="Unrecognised options go to Beam (--runner, --project, --flink_master, --setup_file ...).",
    )
    parser.add_argument(
        "--input",
        action="append",
        required=True,
        metavar="GLOB",
        help="kept shards of a corpus or dedup run (.jsonl, .jsonl.gz, .parquet); repeatable",
    )
    parser.add_argument("--output", required=True, metavar="DIR", help="output folder (local or remote)")
    parser.add_argument("--target", required=True, metavar="LANG=SHARE,...", help="token shares by language")
    parser.add_argument("--target-source", metavar="SOURCE=SHARE,...", help="token shares by source kind")
    parser.add_argument(
        "--token-budget", required=True, metavar="N", help="tokens in the mix: 2000000, 2e6, 2M"
    )
    parser.add_argument("--max-upsample", type=float, default=4.0, metavar="X", help="copies cap (default 4)")
    parser.add_argument(
        "--cluster-cap",
        type=int,
        default=5,
        metavar="N",
        help="cluster-size weight cap (default 5; 1: no cluster weighting)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tokenizer", metavar="DIR", help="tokenizer folder (default: the project's)")
    parser.add_argument("--num-shards", type=int, default=4, metavar="N")
    parser.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl")
    return parser.parse_known_args(argv)


def run(argv: list[str] | None = None, save_main_session: bool = True) -> dict[str, Any]:
    """Run the job; returns the report dict (its `mix` section holds the plan and the achieved shares)."""
    args, beam_args = parse_args(argv)
    cfg = MixConfig(
        target_lang=parse_shares(args.target, "--target"),
        target_source=parse_shares(args.target_source, "--target-source") if args.target_source else None,
        token_budget=parse_count(args.token_budget),
        max_upsample=args.max_upsample,
        cluster_cap=args.cluster_cap,
        seed=args.seed,
    )
    for pattern in args.input:
        if not FileSystems.match([pattern], limits=[1])[0].metadata_list:
            raise FileNotFoundError(f"--input {pattern!r} matches no file")
    tokenizer = tokenizer_info(args.tokenizer)
    output = args.output.rstrip("/")
    prepare_output(output)
    tmp = FileSystems.join(output, f".mix-{uuid.uuid4().hex}.json")
    log.info("mix: %s → %s", ", ".join(args.input), output)
    with beam.Pipeline(options=beam_options(beam_args, save_main_session)) as p:
        build_pipeline(p, args.input, cfg, output, tmp, args.tokenizer, args.num_shards, args.format)
    result = read_json(tmp)
    FileSystems.delete([tmp])
    write_json(FileSystems.join(output, "mix_plan.json"), {**result["plan"], "rounding": result["rounding"]})
    mix = mix_section(result, cfg)
    report = build_report(result["aggregate"], None, name=output, tokenizer=tokenizer, mix=mix)
    write_report(report, output)
    shares = "; ".join(
        f"{k} {v['achieved']:.1%} (target {v['target']:.1%})"
        for t in mix["achieved"].values()
        for k, v in t.items()
    )
    print(
        f"corpusloop mix → {output}: {mix['tokens']:,} tokens in {mix['docs']:,} documents; {shares}",
        flush=True,
    )
    return report


def main(argv: list[str] | None = None) -> int:
    return job_main(run, argv, log)


if __name__ == "__main__":
    sys.exit(main())
