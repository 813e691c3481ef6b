"""The corpus-cleaning job: read → extract → normalize → language id → compliance → quality → write.

    python -m pipelines.corpus --input 'crawl/*.warc.gz' --source web --output out/run1 \
        [--input 'books/*.txt' --source book] [--config configs/corpus.yaml] [any Beam option]

One `--source` applies to every `--input`; or give one `--source` per `--input`, in order.
DIR gets kept/, dropped/, errors/, stats.json and config.yaml; the job prints and checks
read = kept + dropped + errors.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, SetupOptions

from compliance.geo import describe_database
from pipelines.config import dump_yaml
from pipelines.dedup_transforms import Deduplicate
from pipelines.jobs import AccountingError as AccountingError  # raised by run(); importable here too
from pipelines.jobs import check_accounting, job_main
from pipelines.stages import SOURCES, CorpusConfig, build_stages, load_corpus_config
from pipelines.transforms import (
    DROPPED,
    ERRORS,
    CleanCorpus,
    ComplianceReport,
    CountOutcomes,
    MatchInputs,
    MergeStats,
    ReadFiles,
    WriteSortedShards,
    compliance_lines,
    doc_line,
    error_line,
    read_json,
    write_json,
)

log = logging.getLogger("corpusloop.corpus")


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.corpus",
        description=__doc__.split("\n\n")[0],
        epilog="Unrecognised options go to Beam (--runner, --project, --flink_master, --setup_file ...).",
    )
    parser.add_argument(
        "--input",
        action="append",
        required=True,
        metavar="GLOB",
        help="file pattern; repeatable; local, gs:// or s3:// where Beam has the filesystem",
    )
    parser.add_argument(
        "--source",
        action="append",
        required=True,
        choices=SOURCES,
        help="source kind: once for all inputs, or once per --input in the same order",
    )
    parser.add_argument("--output", required=True, metavar="DIR", help="output folder (local or remote)")
    parser.add_argument("--config", metavar="FILE", help="job config YAML (default: configs/corpus.yaml)")
    args, beam_args = parser.parse_known_args(argv)
    if len(args.source) not in (1, len(args.input)):
        parser.error(f"give one --source, or one per --input ({len(args.input)}); got {len(args.source)}")
    return args, beam_args


def input_pairs(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(pattern, source) for every input; each pattern must match at least one file."""
    sources = args.source * len(args.input) if len(args.source) == 1 else args.source
    pairs = list(zip(args.input, sources, strict=True))
    for pattern, _ in pairs:
        if not FileSystems.match([pattern], limits=[1])[0].metadata_list:
            raise FileNotFoundError(f"--input {pattern!r} matches no file")
    return pairs


LOCAL_RUNNER = "apache_beam.runners.portability.fn_api_runner.fn_runner.FnApiRunner"


def beam_options(beam_args: list[str], save_main_session: bool) -> PipelineOptions:
    """Beam options; with no runner given, the DirectRunner's FnApiRunner in multi-process mode on every core.

    (The DirectRunner itself would first try to download and start the Prism runner.)
    """
    args = list(beam_args)
    runner = next((a.split("=", 1)[1] for a in args if a.startswith("--runner=")), None)
    if "--runner" in args:
        runner = args[args.index("--runner") + 1]
    if runner in (None, "DirectRunner"):
        if runner is None:  # the DirectRunner's engine itself: no attempt to fetch and start Prism first
            args.append(f"--runner={LOCAL_RUNNER}")
        if not any(a.startswith("--direct_running_mode") for a in args):
            args.append("--direct_running_mode=multi_processing")
        if not any(a.startswith("--direct_num_workers") for a in args):
            args.append(f"--direct_num_workers={os.cpu_count() or 1}")
    options = PipelineOptions(args)
    options.view_as(SetupOptions).save_main_session = save_main_session
    return options


def prepare_output(output: str, cfg: Any = None) -> None:
    """Create the output folder, or remove an earlier run's shards from it so no stale file mixes in;
    with `cfg`, save it there as config.yaml."""
    if not FileSystems.exists(output):
        FileSystems.mkdirs(output)
    else:
        clear_outputs(output)
    if cfg is not None:
        with FileSystems.create(FileSystems.join(output, "config.yaml")) as f:
            f.write(dump_yaml(cfg).encode("utf-8"))


def clear_outputs(output: str) -> None:
    """Remove shards of an earlier run in the same folder, so no stale file mixes in."""
    for sub in ("kept", "dropped", "errors"):
        matched = FileSystems.match([FileSystems.join(output, sub, "part-*")])[0].metadata_list
        if matched:
            FileSystems.delete([m.path for m in matched])


def build_pipeline(p: beam.Pipeline, pairs: list[tuple[str, str]], cfg: CorpusConfig, output: str) -> None:
    """Wire the job into `p`."""
    n = cfg.output.num_shards
    read = (
        p
        | "Inputs" >> beam.Create(pairs)
        | "MatchFiles" >> beam.ParDo(MatchInputs())
        | "SpreadFiles" >> beam.Reshuffle()
        | "ReadFiles" >> beam.ParDo(ReadFiles(cfg.reader)).with_outputs(DROPPED, ERRORS, main="docs")
    )
    docs = read.docs | "SpreadDocs" >> beam.Reshuffle()
    kept, dropped, errors = docs | "Clean" >> CleanCorpus(build_stages(cfg))
    dedup = Deduplicate(cfg.dedup) if cfg.dedup.enabled else None
    if dedup is not None:
        kept, dedup_dropped = kept | "Dedup" >> dedup
        dropped = (dropped, dedup_dropped) | "CleanAndDedupDropped" >> beam.Flatten()
    dropped = (read[DROPPED], dropped) | "AllDropped" >> beam.Flatten()
    errors = (read[ERRORS], errors) | "AllErrors" >> beam.Flatten()
    read_items = (read.docs, read[DROPPED], read[ERRORS]) | "AllRead" >> beam.Flatten()

    _ = (
        kept
        | "KeptLines" >> beam.Map(doc_line)
        | "WriteKept" >> WriteSortedShards(FileSystems.join(output, "kept"), n, cfg.output.format)
    )
    if cfg.output.write_dropped:
        _ = (
            dropped
            | "DroppedLines" >> beam.Map(doc_line)
            | "WriteDropped" >> WriteSortedShards(FileSystems.join(output, "dropped"), n, cfg.output.format)
        )
    _ = (
        errors
        | "ErrorLines" >> beam.Map(error_line)
        | "WriteErrors" >> WriteSortedShards(FileSystems.join(output, "errors"), 1, "jsonl")
    )
    stats_path = FileSystems.join(output, "stats.json")
    parts = {"read": read_items, "kept": kept, "dropped": dropped, "errors": errors}
    stats = parts | "Stats" >> CountOutcomes()
    if dedup is not None:
        stats = (stats, dedup.stats) | "AddDedupStats" >> MergeStats()
    country_database = describe_database(cfg.compliance.geo.mmdb)
    report = kept | "ComplianceReport" >> ComplianceReport(country_database=country_database)
    stats = (stats, report) | "AddComplianceStats" >> MergeStats("compliance")
    _ = stats | "WriteStats" >> beam.Map(lambda s: write_json(stats_path, s))


def read_stats(output: str) -> dict[str, Any]:
    return read_json(FileSystems.join(output, "stats.json"))


def summary(stats: dict[str, Any], output: str, job: str = "corpus") -> str:
    """A short human summary of a run, ending with the accounting line."""
    lines = [f"corpusloop {job} → {output}"]
    for title, key in (("dropped", "dropped_by_stage"), ("errors", "errors_by_stage")):
        for stage, reasons in stats[key].items():
            parts = ", ".join(f"{r} {n}" for r, n in reasons.items())
            lines.append(f"  {title:<8} {stage}: {parts}")
    kept = ", ".join(f"{k} {n}" for k, n in stats["kept_by_source_lang"].items())
    lines.append(f"  kept     {kept or 'none'}")
    if "compliance" in stats:
        lines += compliance_lines(stats["compliance"])
    ok = "ok" if stats["accounted"] else "MISMATCH"
    lines.append(
        f"read={stats['read']} kept={stats['kept']} dropped={stats['dropped']} errors={stats['errors']} "
        f"(read = kept + dropped + errors: {ok})"
    )
    return "\n".join(lines)


def run(argv: list[str] | None = None, save_main_session: bool = True) -> dict[str, Any]:
    """Run the job; returns the stats dict. Raises AccountingError if any record went missing."""
    args, beam_args = parse_args(argv)
    cfg = load_corpus_config(args.config)
    pairs = input_pairs(args)
    output = args.output.rstrip("/")
    prepare_output(output, cfg)
    log.info("corpus job: %d input pattern(s) → %s", len(pairs), output)
    with beam.Pipeline(options=beam_options(beam_args, save_main_session)) as p:
        build_pipeline(p, pairs, cfg, output)
    stats = read_stats(output)
    print(summary(stats, output), flush=True)
    check_accounting(stats)
    return stats


def main(argv: list[str] | None = None) -> int:
    return job_main(run, argv, log)


if __name__ == "__main__":
    sys.exit(main())
