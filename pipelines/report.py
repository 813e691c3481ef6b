"""The data-mix report of a corpus run: one self-contained HTML page, report.json and report.md.

    python -m pipelines.report --run out/run1 --output out/run1/report \
        [--compare out/run0] [--sft-stats sft_stats.json ...] [--loop-report loop_report.json]
        [--tokenizer DIR] [any Beam option]

Reads RUN/kept/ and RUN/dropped/ (JSONL, JSONL.gz or Parquet shards) and RUN/stats.json, and
writes OUT/report.html (inline SVG charts, no network), OUT/report.json and OUT/report.md:
shares by language, source and hosting country, top domains, the drop waterfall (documents and
tokens lost per stage and reason), tokens per source and language with the project's tokenizer,
length and duplicate-cluster histograms, PII and sensitive-content counts, SFT category counts
before and after rebalancing (`--sft-stats`), the data loop's scores per category over its
iterations (`--loop-report`), and the changes against a second run (`--compare`).
The aggregation is a Beam job (`pipelines.aggregate`); the page is rendered from its small result.
"""

from __future__ import annotations

import argparse
import logging
import sys
import uuid
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from pipelines.aggregate import TOP_K, AggregateDocs, CountTokens, ReadCorpus, tokenizer_info
from pipelines.corpus import beam_options
from pipelines.jobs import job_main
from pipelines.records import Doc
from pipelines.render import render_html, render_markdown
from pipelines.transforms import is_error, read_json, write_json

log = logging.getLogger("corpusloop.report")

# Stages in the order the corpus job runs them (pipelines.stages.build_stages, then dedup);
# a stage not listed here goes last, in name order.
STAGE_ORDER = (
    "read", "extract", "normalize", "langid", "compliance", "signals", "quality", "quality_model", "dedup",
)
REPORT_FILES = ("report.html", "report.json", "report.md")


# ---------------------------------------------------------------------------------------------
# the Beam part


class AggregateRun(beam.PTransform):
    """A run folder → one aggregate dict of its kept and dropped shards (`pipelines.aggregate`)."""

    def __init__(self, run_dir: str, tokenizer: str | None = None, top_k: int = TOP_K) -> None:
        super().__init__()
        self.run_dir = run_dir
        self.tokenizer = tokenizer
        self.top_k = top_k

    def expand(self, p: beam.PBegin) -> beam.PCollection:
        patterns = [FileSystems.join(self.run_dir, sub, "part-*") for sub in ("kept", "dropped")]
        read = p | "Read" >> ReadCorpus(patterns)
        docs = read | "Docs" >> beam.Filter(lambda item: isinstance(item, Doc))
        unreadable = read | "Unreadable" >> beam.Filter(is_error) | "NoTokens" >> beam.Map(lambda e: (e, 0))
        return (
            (docs | "Tokens" >> CountTokens(self.tokenizer), unreadable)
            | "Pairs" >> beam.Flatten()
            | "Aggregate" >> AggregateDocs(self.top_k)
        )


def aggregate_runs(
    run_dirs: list[str],
    out_dir: str,
    tokenizer: str | None,
    top_k: int,
    beam_args: list[str],
    save_main_session: bool,
) -> list[dict[str, Any]]:
    """Aggregate each run in one Beam job; the small results travel through temporary JSON files."""
    tmp = [FileSystems.join(out_dir, f".aggregate-{i}-{uuid.uuid4().hex}.json") for i in range(len(run_dirs))]
    with beam.Pipeline(options=beam_options(beam_args, save_main_session)) as p:
        for i, (run_dir, path) in enumerate(zip(run_dirs, tmp, strict=True)):
            _ = (
                p
                | f"Run[{i}]" >> AggregateRun(run_dir, tokenizer, top_k)
                | f"Write[{i}]" >> beam.Map(lambda agg, path=path: write_json(path, agg))
            )
    out = [read_json(path) for path in tmp]
    FileSystems.delete(tmp)
    return out


def read_run_stats(run_dir: str) -> dict[str, Any] | None:
    """RUN/stats.json, or None when the folder has none (a mix output, a copied kept/ folder)."""
    path = FileSystems.join(run_dir, "stats.json")
    return read_json(path) if FileSystems.exists(path) else None


# ---------------------------------------------------------------------------------------------
# SFT category counts


def load_sft_stats(path: str) -> dict[str, Any]:
    """An SFT stats file: {"before": {category: n}, "after": {category: n}}, optionally "name" and
    "target": {category: share in [0, 1]} (as `corpusloop sft rebalance` writes in sft_stats.json)."""
    data = read_json(path)
    if not isinstance(data, dict) or not all(isinstance(data.get(k), dict) for k in ("before", "after")):
        raise ValueError(f'{path}: expected {{"before": {{category: n}}, "after": {{category: n}}}}')
    for side in ("before", "after"):
        for category, n in data[side].items():
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"{path}: {side}[{category!r}] must be a count >= 0, got {n!r}")
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise ValueError(f"{path}: name must be a string")
    target = data.get("target") or {}
    if not isinstance(target, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1 for v in target.values()
    ):
        raise ValueError(f"{path}: target must map categories to shares in [0, 1]")
    out = {"name": name or Path(path).stem, "before": data["before"], "after": data["after"]}
    if target:
        out["target"] = target
    return out


def _num_or_none(v: Any) -> bool:
    return v is None or (isinstance(v, int | float) and not isinstance(v, bool))


def load_loop_report(path: str) -> dict[str, Any]:
    """A loop report (`corpusloop loop report` → loop_report.json): "iterations": [n], "scores":
    {category: [score per iteration]}, and optionally "metric", "run", "weights" (same shape) and
    "causes" ({category: [cause per iteration]})."""
    data = read_json(path)
    its = data.get("iterations") if isinstance(data, dict) else None
    if not isinstance(its, list) or not its or not isinstance(data.get("scores"), dict):
        raise ValueError(f'{path}: expected {{"iterations": [...], "scores": {{category: [...]}}}}')
    for key in ("scores", "weights"):
        for category, values in (data.get(key) or {}).items():
            if not isinstance(values, list) or len(values) != len(its) or not all(map(_num_or_none, values)):
                raise ValueError(f"{path}: {key}[{category!r}] must be {len(its)} numbers (or null)")
    return data


def loop_section(data: dict[str, Any], run_name: str = "") -> dict[str, Any]:
    """Per category: scores over the iterations, first/last/change, weights first/last and the last cause;
    weakest (last score) first."""
    weights, causes = data.get("weights") or {}, data.get("causes") or {}
    rows = []
    for category, scores in data["scores"].items():
        present = [v for v in scores if v is not None]
        first, last = (present[0], present[-1]) if present else (None, None)
        ws = [w for w in weights.get(category, []) if w is not None]
        cs = [c for c in causes.get(category, []) if c]
        rows.append({
            "category": category, "scores": scores, "first": first, "last": last,
            "change": None if first is None else last - first,
            "weight_first": ws[0] if ws else None, "weight_last": ws[-1] if ws else None,
            "cause": cs[-1] if cs else None,
        })
    rows.sort(key=lambda r: (r["last"] is None, r["last"] if r["last"] is not None else 0.0, r["category"]))
    return {"run": data.get("run") or run_name, "metric": data.get("metric") or "score",
            "iterations": data["iterations"], "rows": rows}


def sft_section(stats: dict[str, Any]) -> dict[str, Any]:
    """Counts and shares per category, before and after rebalancing, biggest (after) first; with a
    target, each row also has `target_share` (None for a category the target does not list)."""
    before, after, target = stats["before"], stats["after"], stats.get("target")
    tb, ta = sum(before.values()), sum(after.values())
    cats = sorted(set(before) | set(after), key=lambda c: (-after.get(c, 0), -before.get(c, 0), c))
    rows = []
    for c in cats:
        b, a = before.get(c, 0), after.get(c, 0)
        bs, as_ = _share(b, tb), _share(a, ta)
        rows.append(
            {
                "category": c,
                "before": b,
                "after": a,
                "before_share": bs,
                "after_share": as_,
                "change_pp": round((as_ - bs) * 100, 2),
            }
        )
        if target:
            rows[-1]["target_share"] = target.get(c)
    return {"name": stats["name"], "total_before": tb, "total_after": ta, "rows": rows}


# ---------------------------------------------------------------------------------------------
# the report dict


def _share(n: float, total: float) -> float:
    return round(n / total, 6) if total else 0.0


def share_rows(table: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """{key: {docs, chars, tokens}} → rows with shares, most tokens first (ties by key)."""
    totals = {m: sum(v.get(m, 0) for v in table.values()) for m in ("docs", "chars", "tokens")}
    rows = []
    for key, v in sorted(table.items(), key=lambda kv: (-kv[1].get("tokens", 0), -kv[1]["docs"], kv[0])):
        row: dict[str, Any] = {"key": key, **v}
        for m in ("docs", "chars", "tokens"):
            row[f"{m}_share"] = _share(v.get(m, 0), totals[m])
        rows.append(row)
    return rows


def stage_rank(stage: str) -> tuple[int, str]:
    """Sort key: the corpus job's stage order, unknown stages after it by name."""
    return (STAGE_ORDER.index(stage), "") if stage in STAGE_ORDER else (len(STAGE_ORDER), stage)


def waterfall(agg: dict[str, Any], stats: dict[str, Any] | None) -> dict[str, Any]:
    """Documents and tokens from read to kept, stage by stage, with each stage's reasons.

    Document counts come from stats.json when present (it counts drops even when dropped/ was not
    written); tokens come from the dropped documents' text as it was when they were dropped (a
    page dropped at read time has no text yet). Errors carry no text: their tokens are 0.
    """
    drops = agg["drops"]
    stats_drops = (stats or {}).get("dropped_by_stage", {})
    errors = (stats or {}).get("errors_by_stage", {})
    reasons: dict[str, list[dict[str, Any]]] = {}
    for stage in set(drops) | set(stats_drops) | set(errors):
        rows = []
        for reason in sorted(set(drops.get(stage, {})) | set(stats_drops.get(stage, {}))):
            got = drops.get(stage, {}).get(reason)
            docs = stats_drops.get(stage, {}).get(reason, got["docs"] if got else 0)
            tokens = got["tokens"] if got and got["docs"] == docs else None  # None: not all were written
            rows.append({"reason": reason, "kind": "dropped", "docs": docs, "tokens": tokens})
        for reason, n in sorted(errors.get(stage, {}).items()):
            rows.append({"reason": reason, "kind": "error", "docs": n, "tokens": 0})
        reasons[stage] = sorted(rows, key=lambda r: (-r["docs"], r["kind"], r["reason"]))
    kept = agg["total"].get("kept", {"docs": 0, "chars": 0, "tokens": 0})
    lost_docs = sum(r["docs"] for rows in reasons.values() for r in rows)
    known = all(r["tokens"] is not None for rows in reasons.values() for r in rows)
    lost_tokens = sum(r["tokens"] or 0 for rows in reasons.values() for r in rows)
    start_docs = stats["read"] if stats else kept["docs"] + lost_docs
    left_docs, left_tokens = start_docs, kept["tokens"] + lost_tokens
    steps = []
    for stage in sorted(reasons, key=stage_rank):
        rows = reasons[stage]
        d = sum(r["docs"] for r in rows)
        t = sum(r["tokens"] or 0 for r in rows) if all(r["tokens"] is not None for r in rows) else None
        left_docs -= d
        left_tokens -= t or 0
        steps.append(
            {
                "stage": stage,
                "docs_lost": d,
                "tokens_lost": t,
                "docs_left": left_docs,
                "tokens_left": left_tokens if known else None,
                "reasons": rows,
            }
        )
    return {
        "start": {"docs": start_docs, "tokens": kept["tokens"] + lost_tokens if known else None},
        "end": {"docs": kept["docs"], "tokens": kept["tokens"]},
        "steps": steps,
        "tokens_complete": known,
    }


def histogram_section(hist: dict[str, Any]) -> dict[str, Any] | None:
    """Bins trimmed to the range any series uses, with labels ("100–199", "5–8", "1M+")."""
    edges, counts = hist["edges"], hist["counts"]
    used = [i for series in counts.values() for i, n in enumerate(series) if n]
    if not used:
        return None
    lo, hi = min(used), max(used)
    labels = []
    for i in range(lo, hi + 1):
        a = edges[i]
        b = edges[i + 1] - 1 if i + 1 < len(edges) else None
        labels.append(_num(a) + ("+" if b is None else "" if b == a else f"–{_num(b)}"))
    return {
        "labels": labels,
        "lower": edges[lo : hi + 1],
        "series": {k: v[lo : hi + 1] for k, v in counts.items()},
    }


def _num(n: int) -> str:
    return f"{n:,}"


def country_section(agg: dict[str, Any], stats: dict[str, Any] | None) -> dict[str, Any] | None:
    """The Aquila deck's table per language ("*" = all): country → sites, pages, share; ICP coverage."""
    if not agg["countries"]:
        return None
    tables = {}
    for lang, by_country in agg["countries"].items():
        pages = sum(r["pages"] for r in by_country.values())
        tokens = sum(r["tokens"] for r in by_country.values())
        order = sorted(by_country, key=lambda c: (c == "unknown", -by_country[c]["pages"], c))
        tables[lang] = [
            {
                "country": c,
                "sites": agg["sites"].get(lang, {}).get(c, 0),
                "pages": by_country[c]["pages"],
                "page_share": _share(by_country[c]["pages"], pages),
                "tokens": by_country[c]["tokens"],
                "token_share": _share(by_country[c]["tokens"], tokens),
            }
            for c in order
        ]
    icp = {}
    for lang, rows in tables.items():
        if lang != "*":
            pages = sum(r["pages"] for r in rows)
            with_icp = agg["icp_pages"].get(lang, 0)
            icp[lang] = {"pages": pages, "with_icp": with_icp, "coverage": _share(with_icp, pages)}
    compliance = (stats or {}).get("compliance") or {}
    return {
        "tables": dict(sorted(tables.items(), key=lambda kv: (kv[0] != "*", kv[0] != "zh", kv[0]))),
        "icp": icp,
        "country_database": compliance.get("country_database"),
    }


def build_report(
    agg: dict[str, Any],
    stats: dict[str, Any] | None,
    *,
    name: str,
    tokenizer: dict[str, Any],
    sft: list[dict[str, Any]] | None = None,
    baseline: dict[str, Any] | None = None,
    mix: dict[str, Any] | None = None,
    loop: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report dict (report.json) of one aggregate; `baseline`: another run's report, to compare with."""
    notes: list[str] = []
    kept = agg["total"].get("kept", {"docs": 0, "chars": 0, "tokens": 0})
    dropped = agg["total"].get("dropped", {"docs": 0, "chars": 0, "tokens": 0})
    summary: dict[str, Any] = {
        "read": stats["read"] if stats else None,
        "kept": kept["docs"],
        "dropped": stats["dropped"] if stats else dropped["docs"],
        "errors": stats["errors"] if stats else None,
        "accounted": stats.get("accounted") if stats else None,
        "kept_chars": kept["chars"],
        "kept_tokens": kept["tokens"],
        "dropped_tokens": dropped["tokens"],
        "token_share_by_lang": {k: _share(v["tokens"], kept["tokens"]) for k, v in agg["by_lang"].items()},
    }
    if stats is None and mix is None:
        notes.append(
            "no stats.json in the run folder: read/errors totals and the accounting check are left out"
        )
    if agg["unreadable"]:
        notes.append(f"unreadable shard records: {agg['unreadable']} (left out of every number)")
    report: dict[str, Any] = {
        "title": f"corpusloop {'mix' if mix else 'report'}: {name}",
        "run": name,
        "kind": "mix" if mix else "run",
        "tokenizer": tokenizer,
        "summary": summary,
        "shares": {
            "lang": share_rows(agg["by_lang"]),
            "source": share_rows(agg["by_source"]),
            "source_lang": share_rows(agg["by_source_lang"]),
        },
        "countries": country_section(agg, stats),
        "top_domains": {
            "kept": agg["top_domains"].get("kept", []),
            "dropped": agg["top_domains"].get("dropped", []),
            "distinct": agg["distinct_domains"],
        },
        "waterfall": None if mix else waterfall(agg, stats),
        "histograms": {k: histogram_section(agg["histograms"][k]) for k in ("chars", "tokens")},
        "clusters": None,
        "compliance": None,
        "sft": [sft_section(s) for s in sft or []],
        "loop": loop_section(loop) if loop else None,
        "compare": None,
        "mix": mix,
        "notes": notes,
    }
    if report["countries"] is None:
        notes.append("hosting country: no document has `country` (the compliance stage did not run)")
    cluster_hist = histogram_section(agg["histograms"]["cluster"])
    if cluster_hist or (stats or {}).get("dedup"):
        report["clusters"] = {
            "histogram": cluster_hist,
            "by_lang": agg["clusters"],
            "dedup_stats": (stats or {}).get("dedup"),
        }
    else:
        notes.append("duplicate clusters: no document has `cluster_size` (dedup did not run)")
    if agg["pii"] or agg["sensitive"] or (stats or {}).get("compliance"):
        report["compliance"] = {"pii": agg["pii"], "sensitive": agg["sensitive"], "docs": kept["docs"]}
    else:
        notes.append("PII and sensitive content: no counts on documents (the compliance stage did not run)")
    if baseline is not None:
        report["compare"] = compare_reports(baseline, report)
    return report


# ---------------------------------------------------------------------------------------------
# comparison of two runs


def _delta(a: float | None, b: float | None) -> dict[str, Any]:
    if a is None or b is None:
        return {"baseline": a, "run": b, "delta": None, "relative": None}
    return {
        "baseline": a,
        "run": b,
        "delta": round(b - a, 6),
        "relative": round((b - a) / a, 6) if a else None,
    }


def compare_reports(base: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    """What changed from `base` to `run`: totals, shares (percentage points), drops per reason."""
    totals = {
        k: _delta(base["summary"][k], run["summary"][k])
        for k in ("read", "kept", "dropped", "errors", "kept_chars", "kept_tokens")
    }
    shares = {}
    for dim in ("lang", "source"):
        a = {r["key"]: r for r in base["shares"][dim]}
        b = {r["key"]: r for r in run["shares"][dim]}
        shares[dim] = [
            {
                "key": k,
                "tokens": _delta(a.get(k, {}).get("tokens", 0), b.get(k, {}).get("tokens", 0)),
                "docs": _delta(a.get(k, {}).get("docs", 0), b.get(k, {}).get("docs", 0)),
                "token_share_pp": round(
                    (b.get(k, {}).get("tokens_share", 0) - a.get(k, {}).get("tokens_share", 0)) * 100, 2
                ),
            }
            for k in sorted(set(a) | set(b))
        ]

    def reasons(rep: dict[str, Any]) -> dict[str, int]:
        wf = rep.get("waterfall") or {"steps": []}
        return {f"{s['stage']}:{r['reason']}": r["docs"] for s in wf["steps"] for r in s["reasons"]}

    ra, rb = reasons(base), reasons(run)
    drops = [{"reason": k, **_delta(ra.get(k, 0), rb.get(k, 0))} for k in sorted(set(ra) | set(rb))]
    drops.sort(key=lambda d: (-abs(d["delta"]), d["reason"]))
    return {"baseline": base["run"], "run": run["run"], "totals": totals, "shares": shares, "drops": drops}


# ---------------------------------------------------------------------------------------------
# the job


def write_report(report: dict[str, Any], out_dir: str) -> list[str]:
    """OUT/report.json, report.md and report.html; returns their paths."""
    paths = [FileSystems.join(out_dir, name) for name in REPORT_FILES]
    write_json(paths[1], report)
    for path, text in ((paths[2], render_markdown(report)), (paths[0], render_html(report))):
        with FileSystems.create(path) as f:
            f.write(text.encode("utf-8"))
    return paths


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.report",
        description=__doc__.split("\n\n")[0],
        epilog="Unrecognised options go to Beam (--runner, --project, --flink_master, --setup_file ...).",
    )
    parser.add_argument("--run", required=True, metavar="DIR", help="a corpus, dedup or mix output folder")
    parser.add_argument("--compare", metavar="DIR", help="a second run to compare with (the baseline)")
    parser.add_argument(
        "--sft-stats",
        action="extend",
        nargs="+",
        default=[],
        metavar="FILE",
        help='SFT category counts: {"before": {category: n}, "after": {category: n}}',
    )
    parser.add_argument("--loop-report", metavar="FILE",
                        help="loop_report.json (`corpusloop loop report`): scores per category by iteration")
    parser.add_argument("--output", required=True, metavar="OUT", help="folder for report.{html,json,md}")
    parser.add_argument("--tokenizer", metavar="DIR", help="tokenizer folder (default: the project's)")
    parser.add_argument("--top-domains", type=int, default=TOP_K, metavar="N", help=f"default {TOP_K}")
    parser.add_argument("--title", metavar="TEXT", help="name shown in the report (default: the run folder)")
    return parser.parse_known_args(argv)


def run(argv: list[str] | None = None, save_main_session: bool = True) -> dict[str, Any]:
    """Run the job; returns the report dict."""
    args, beam_args = parse_args(argv)
    runs = [args.run.rstrip("/")] + ([args.compare.rstrip("/")] if args.compare else [])
    for run_dir in runs:
        if not FileSystems.exists(FileSystems.join(run_dir, "kept")):
            raise FileNotFoundError(f"{run_dir}: no kept/ folder; is it a corpus run?")
    sft = [load_sft_stats(path) for path in args.sft_stats]
    loop = load_loop_report(args.loop_report) if args.loop_report else None
    tokenizer = tokenizer_info(args.tokenizer)
    out = args.output.rstrip("/")
    if not FileSystems.exists(out):
        FileSystems.mkdirs(out)
    log.info("report: %s → %s", " vs ".join(runs), out)
    aggs = aggregate_runs(runs, out, args.tokenizer, args.top_domains, beam_args, save_main_session)
    baseline = None
    if args.compare:
        baseline = build_report(aggs[1], read_run_stats(runs[1]), name=runs[1], tokenizer=tokenizer)
    report = build_report(
        aggs[0],
        read_run_stats(runs[0]),
        name=args.title or runs[0],
        tokenizer=tokenizer,
        sft=sft,
        baseline=baseline,
        loop=loop,
    )
    paths = write_report(report, out)
    print(f"corpusloop report → {paths[0]} (+ report.json, report.md)", flush=True)
    return report


def main(argv: list[str] | None = None) -> int:
    return job_main(run, argv, log)


if __name__ == "__main__":
    sys.exit(main())
