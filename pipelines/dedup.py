"""The dedup job: exact copies, per-domain boilerplate lines and MinHash LSH near duplicates.

    python -m pipelines.dedup --input 'out/run1/kept/*.jsonl.gz' --output out/dedup1 \
        [--input more.parquet] [--threshold T] [--num-perm N] [--bands B --rows R] \
        [--config FILE] [--source web] [any Beam option]

Reads corpus records (JSONL, JSONL.gz or Parquet with `id` and `text`; a record's `source` and
`locator` are kept, other fields too) and writes DIR/kept/ (survivors with `cluster_id` and
`cluster_size`), DIR/dropped/ (`drop` = dedup:exact | dedup:near | dedup:boilerplate, and
`duplicate_of`), DIR/errors/, DIR/stats.json (read = kept + dropped + errors, and a `dedup`
section) and DIR/config.yaml. Runs on any Beam runner, DaskRunner included (no tagged outputs,
no side inputs; the graph ends in one step that depends on every write).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from pipelines.aggregate import restore_doc
from pipelines.config import load_config
from pipelines.corpus import beam_options, prepare_output, read_stats, summary
from pipelines.dedup_transforms import Deduplicate
from pipelines.jobs import check_accounting, job_main
from pipelines.readers import ReaderConfig
from pipelines.records import Doc
from pipelines.stages import SOURCES, OutputConfig
from pipelines.text.minhash import DedupConfig
from pipelines.transforms import (
    CountOutcomes,
    MergeStats,
    ReadRecords,
    WriteSortedShards,
    doc_line,
    error_line,
    is_dropped_doc,
    is_error,
    is_kept_doc,
    write_json,
)

__all__ = ["DedupJobConfig", "Deduplicate", "build_pipeline", "load_dedup_job_config", "main", "run"]

log = logging.getLogger("corpusloop.dedup")
STALE_FIELDS = ("cluster_id", "cluster_size", "duplicate_of")  # from an earlier dedup run: recomputed


@dataclass(frozen=True)
class DedupJobConfig:
    reader: ReaderConfig = field(default_factory=ReaderConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)


def load_dedup_job_config(path: str | Path | None = None) -> DedupJobConfig:
    """The job config: `configs/dedup.yaml` by default."""
    return load_config(DedupJobConfig, path, "dedup.yaml")


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.dedup",
        description=__doc__.split("\n\n")[0],
        epilog="Unrecognised options go to Beam (--runner, --project, --dask_client_address, ...).",
    )
    parser.add_argument("--input", action="append", required=True, metavar="GLOB",
                        help="corpus records (.jsonl, .jsonl.gz, .parquet); repeatable")
    parser.add_argument("--output", required=True, metavar="DIR", help="output folder (local or remote)")
    parser.add_argument("--config", metavar="FILE", help="job config YAML (default: configs/dedup.yaml)")
    parser.add_argument("--source", default="web", choices=SOURCES,
                        help="source of records that carry no `source` field (default: web)")
    parser.add_argument("--threshold", type=float, metavar="T",
                        help="Jaccard threshold; without --bands/--rows it picks them (datasketch's optimum)")
    parser.add_argument("--num-perm", type=int, metavar="N", help="MinHash permutations")
    parser.add_argument("--bands", type=int, metavar="B", help="LSH bands (with --rows)")
    parser.add_argument("--rows", type=int, metavar="R", help="LSH rows per band (with --bands)")
    args, beam_args = parser.parse_known_args(argv)
    if (args.bands is None) != (args.rows is None):
        parser.error("give --bands and --rows together")
    return args, beam_args


def job_config(args: argparse.Namespace) -> DedupJobConfig:
    """The config file with the command line's MinHash/LSH overrides applied.

    --threshold or --num-perm without --bands/--rows re-derive bands × rows from the threshold;
    --bands/--rows without --num-perm set num_perm = bands × rows.
    """
    cfg = load_dedup_job_config(args.config)
    changes: dict[str, Any] = {}
    if args.threshold is not None:
        changes["threshold"] = args.threshold
    if args.num_perm is not None:
        changes["num_perm"] = args.num_perm
    if args.bands is not None:
        changes.update(bands=args.bands, rows=args.rows)
        changes.setdefault("num_perm", args.bands * args.rows)
    elif changes:
        changes.update(bands=None, rows=None)
    return dataclasses.replace(cfg, dedup=dataclasses.replace(cfg.dedup, **changes)) if changes else cfg


def input_files(patterns: list[str]) -> list[str]:
    """Every file the patterns match, sorted, each once; a pattern that matches nothing is an error."""
    files: set[str] = set()
    for pattern in patterns:
        matched = FileSystems.match([pattern])[0].metadata_list
        if not matched:
            raise FileNotFoundError(f"--input {pattern!r} matches no file")
        files.update(m.path for m in matched)
    return sorted(files)


def restore_record_fields(item: Any) -> Any:
    """A corpus record read back (`pipelines.aggregate.restore_doc`), without an earlier run's dedup fields.

    A record that carries `drop` (from a dropped/ folder) stays dropped and is counted as such.
    """
    item = restore_doc(item)
    if not isinstance(item, Doc):
        return item
    return dataclasses.replace(item, **dict.fromkeys(STALE_FIELDS))


def build_pipeline(p: beam.Pipeline, files: list[str], source: str, cfg: DedupJobConfig, output: str) -> None:
    """Wire the job into `p`. Ends in one step ("Done") that depends on every write."""
    n, fmt = cfg.output.num_shards, cfg.output.format
    read = (
        p
        | "Files" >> beam.Create([(path, source) for path in files])
        | "ReadFiles" >> beam.ParDo(ReadRecords(cfg.reader))
        | "RestoreFields" >> beam.Map(restore_record_fields)
    )
    docs = read | "Docs" >> beam.Filter(is_kept_doc)
    read_dropped = read | "ReadDropped" >> beam.Filter(is_dropped_doc)
    errors = read | "Errors" >> beam.Filter(is_error)
    dedup = Deduplicate(cfg.dedup)
    kept, dropped = docs | "Dedup" >> dedup
    dropped = (read_dropped, dropped) | "AllDropped" >> beam.Flatten()

    writes = [
        kept | "KeptLines" >> beam.Map(doc_line)
        | "WriteKept" >> WriteSortedShards(FileSystems.join(output, "kept"), n, fmt),
        errors | "ErrorLines" >> beam.Map(error_line)
        | "WriteErrors" >> WriteSortedShards(FileSystems.join(output, "errors"), 1, "jsonl"),
    ]
    if cfg.output.write_dropped:
        writes.append(
            dropped | "DroppedLines" >> beam.Map(doc_line)
            | "WriteDropped" >> WriteSortedShards(FileSystems.join(output, "dropped"), n, fmt)
        )
    stats_path = FileSystems.join(output, "stats.json")
    stats = {"read": read, "kept": kept, "dropped": dropped, "errors": errors} | "Stats" >> CountOutcomes()
    writes.append(
        (stats, dedup.stats)
        | "AddDedupStats" >> MergeStats("dedup")
        | "WriteStats" >> beam.Map(lambda s: write_json(stats_path, s))
    )
    # DaskRunner computes only the last step's ancestors: make it depend on every output.
    _ = writes | "AllWrites" >> beam.Flatten() | "Done" >> beam.Map(lambda path: path)


def run(argv: list[str] | None = None, save_main_session: bool = True) -> dict[str, Any]:
    """Run the job; returns the stats dict. Raises AccountingError if any record went missing."""
    args, beam_args = parse_args(argv)
    cfg = job_config(args)
    files = input_files(args.input)
    output = args.output.rstrip("/")
    prepare_output(output, cfg)
    log.info("dedup job: %d file(s) → %s", len(files), output)
    with beam.Pipeline(options=beam_options(beam_args, save_main_session)) as p:
        build_pipeline(p, files, args.source, cfg, output)
    stats = read_stats(output)
    print(summary(stats, output, "dedup"), flush=True)
    check_accounting(stats)
    return stats


def main(argv: list[str] | None = None) -> int:
    return job_main(run, argv, log)


if __name__ == "__main__":
    sys.exit(main())
