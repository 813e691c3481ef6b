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

from pipelines.config import load_config
from pipelines.corpus import beam_options, prepare_output, read_stats, summary
from pipelines.dedup_transforms import (
    STALE_FIELDS,
    Deduplicate,
    DedupUnits,
    ShardOutput,
    file_unit,
    restore_record_fields,
)
from pipelines.jobs import check_accounting, job_main
from pipelines.readers import ReaderConfig
from pipelines.stages import SOURCES, OutputConfig
from pipelines.text.minhash import DedupConfig
from pipelines.transforms import CountsToStats, MergeStats, WriteSortedShards, error_line, write_json

__all__ = [
    "STALE_FIELDS", "DedupJobConfig", "Deduplicate", "build_pipeline", "load_dedup_job_config", "main",
    "restore_record_fields", "run",
]

log = logging.getLogger("corpusloop.dedup")


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


def build_pipeline(p: beam.Pipeline, files: list[str], source: str, cfg: DedupJobConfig, output: str) -> None:
    """Wire the job into `p`: each input file is a unit, read three times and written to its own
    kept/dropped shard (part-<file>-of-<files>, in input order). Ends in one step ("Done") that
    depends on every write."""
    shards = ShardOutput(output, len(files), cfg.output.format, cfg.output.write_dropped)
    units = (
        p
        | "Files" >> beam.Create([(i, file_unit(path, source)) for i, path in enumerate(files)])
        | "SpreadFiles" >> beam.Reshuffle()  # else one worker reads every file in the first step
    )
    dedup = DedupUnits(cfg.dedup, cfg.reader, shards)
    out = units | "Dedup" >> dedup
    errors = out | "Errors" >> beam.FlatMap(lambda t: [t[2]] if t[0] == "error" else [])
    counts = out | "Counts" >> beam.FlatMap(lambda t: [t[1:]] if t[0] == "count" else [])
    stats_path = FileSystems.join(output, "stats.json")
    writes = [
        errors | "ErrorLines" >> beam.Map(error_line)
        | "WriteErrors" >> WriteSortedShards(FileSystems.join(output, "errors"), 1, "jsonl"),
        (counts | "Stats" >> CountsToStats(), dedup.stats)
        | "AddDedupStats" >> MergeStats("dedup")
        | "WriteStats" >> beam.Map(lambda s: write_json(stats_path, s)),
    ]
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
