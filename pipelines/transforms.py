"""Beam wiring for the corpus job: composite transforms around the plain stages of `pipelines.stages`."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from pipelines.readers import ReaderConfig, read_stream
from pipelines.records import Doc, ErrorRecord
from pipelines.stages import Stage, stage_error

DROPPED = "dropped"
ERRORS = "errors"


class MatchInputs(beam.DoFn):
    """(file pattern, source) → (path, source) for every file the pattern matches, in sorted order."""

    def process(self, element: tuple[str, str]) -> Iterator[tuple[str, str]]:
        pattern, source = element
        for result in FileSystems.match([pattern]):
            for path in sorted(m.path for m in result.metadata_list):
                yield path, source


class ReadFiles(beam.DoFn):
    """(path, source) → Docs; malformed records and unreadable files go to the `errors` output."""

    def __init__(self, cfg: ReaderConfig) -> None:
        self.cfg = cfg
        self.files = Metrics.counter("read", "files")
        self.records = Metrics.counter("read", "records")

    def process(self, element: tuple[str, str]) -> Iterator[Any]:
        path, source = element
        self.files.inc()
        try:
            # Raw bytes: the reader decompresses by name, so a truncated .gz becomes an error record.
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as raw:
                for item in read_stream(raw, path, source, self.cfg):
                    self.records.inc()
                    if isinstance(item, ErrorRecord):
                        yield beam.pvalue.TaggedOutput(ERRORS, item)
                    elif item.drop:
                        yield beam.pvalue.TaggedOutput(DROPPED, item)
                    else:
                        yield item
        except OSError as exc:  # the file itself could not be opened or read: one error for the file
            self.records.inc()
            yield beam.pvalue.TaggedOutput(
                ERRORS,
                ErrorRecord(
                    locator=path,
                    stage="read",
                    reason="unreadable_file",
                    detail=f"{type(exc).__name__}: {exc}",
                    source=source,
                ),
            )


class ApplyStage(beam.DoFn):
    """One stage as a DoFn: kept docs on the main output, drops and errors on tagged outputs."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.passed = Metrics.counter(stage.name, "passed")
        self._filtered: dict[str, Any] = {}

    def setup(self) -> None:
        self.stage.setup()

    def process(self, doc: Doc) -> Iterator[Any]:
        try:
            out = self.stage.process(doc)
        except Exception as exc:  # dead letter: locator, stage and exception text are written out
            Metrics.counter(self.stage.name, "errors").inc()
            yield beam.pvalue.TaggedOutput(ERRORS, stage_error(doc, self.stage.name, exc))
            return
        if out.drop:
            reason = out.drop.split(":", 1)[1]
            counter = self._filtered.get(reason)
            if counter is None:
                counter = self._filtered[reason] = Metrics.counter(self.stage.name, f"filtered:{reason}")
            counter.inc()
            yield beam.pvalue.TaggedOutput(DROPPED, out)
        else:
            self.passed.inc()
            yield out


class CleanCorpus(beam.PTransform):
    """Docs → (kept Docs, dropped Docs with `drop`, ErrorRecords), running the stages in order."""

    def __init__(self, stages: list[Stage]) -> None:
        super().__init__()
        self.stages = stages

    def expand(self, docs: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection, beam.PCollection]:
        dropped, errors = [], []
        for stage in self.stages:
            out = docs | f"Stage[{stage.name}]" >> beam.ParDo(ApplyStage(stage)).with_outputs(
                DROPPED, ERRORS, main="kept"
            )
            docs = out.kept
            dropped.append(out[DROPPED])
            errors.append(out[ERRORS])
        return (
            docs,
            dropped | "FlattenDropped" >> beam.Flatten(),
            errors | "FlattenErrors" >> beam.Flatten(),
        )


def shard_of(key: str, num_shards: int) -> int:
    """Stable shard number of a record key (not Python's salted hash)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % num_shards


def shard_path(directory: str, shard: int, num_shards: int, suffix: str) -> str:
    return FileSystems.join(directory, f"part-{shard:05d}-of-{num_shards:05d}{suffix}")


def _gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as gz:  # no timestamp: byte-stable
        gz.write(data)
    return buf.getvalue()


PARQUET_JSON_FIELDS = ("meta", "signals")  # free-form dicts stored as JSON text in Parquet


def _parquet_bytes(lines: list[str]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    for line in lines:
        row = json.loads(line)
        for name in PARQUET_JSON_FIELDS:
            if name in row:
                row[name] = json.dumps(row[name], ensure_ascii=False, sort_keys=True)
        rows.append(row)
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buf, compression="zstd")
    return buf.getvalue()


class WriteSortedShards(beam.PTransform):
    """(sort key, JSON line) → DIR/part-NNNNN-of-MMMMM.{jsonl.gz,parquet}, each shard sorted by key.

    Sorting inside each shard makes the output byte-identical from run to run whatever the runner's
    order; a shard is held in one worker's memory while it is written, so raise `num_shards` with size.
    """

    def __init__(self, directory: str, num_shards: int, fmt: str = "jsonl") -> None:
        super().__init__()
        self.directory = directory
        self.num_shards = num_shards
        self.fmt = fmt

    def expand(self, keyed_lines: beam.PCollection) -> beam.PCollection:
        n = self.num_shards
        return (
            keyed_lines
            | "AssignShard" >> beam.Map(lambda kv: (shard_of(kv[0], n), kv))
            | "GroupByShard" >> beam.GroupByKey()
            | "WriteShard" >> beam.MapTuple(self._write)
        )

    def _write(self, shard: int, items: Iterable[tuple[str, str]]) -> str:
        lines = [line for _, line in sorted(items)]
        if self.fmt == "parquet":
            path, data = shard_path(self.directory, shard, self.num_shards, ".parquet"), _parquet_bytes(lines)
        else:
            path = shard_path(self.directory, shard, self.num_shards, ".jsonl.gz")
            data = _gzip_bytes(("\n".join(lines) + "\n").encode("utf-8"))
        with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            f.write(data)
        return path


def doc_line(doc: Doc) -> tuple[str, str]:
    """Sort key and JSON line of a doc: ordered by id, then locator for equal ids."""
    return f"{doc.id}\0{doc.locator}", doc.to_json()


def error_line(err: ErrorRecord) -> tuple[str, str]:
    return f"{err.locator}\0{err.stage}\0{err.reason}", err.to_json()


def _stats_keys(kind: str) -> Any:
    if kind == "read":
        return lambda item: ("read", item.source or "unknown")
    if kind == "kept":
        return lambda doc: ("kept", f"{doc.source}/{doc.lang}")
    if kind == "dropped":
        return lambda doc: ("dropped", doc.drop)
    return lambda err: ("errors", f"{err.stage}:{err.reason}")


class CountOutcomes(beam.PTransform):
    """Read items, kept docs, dropped docs and errors → one stats dict (Beam combiners, any size)."""

    def expand(self, parts: dict[str, beam.PCollection]) -> beam.PCollection:
        keyed = [
            pcoll | f"Key[{kind}]" >> beam.Map(_stats_keys(kind)) for kind, pcoll in sorted(parts.items())
        ]
        return (
            keyed
            | "FlattenKeys" >> beam.Flatten()
            | "CountKeys" >> beam.combiners.Count.PerElement()
            | "AllCounts" >> beam.combiners.ToList()
            | "BuildStats" >> beam.Map(build_stats)
        )


def build_stats(counts: list[tuple[tuple[str, str], int]]) -> dict[str, Any]:
    """The stats.json dict: top-level totals, then drops and errors by stage and reason, then breakdowns."""
    totals = {"read": 0, "kept": 0, "dropped": 0, "errors": 0}
    stages: dict[str, dict[str, int]] = {}
    errors: dict[str, dict[str, int]] = {}
    read_by_source: dict[str, int] = {}
    kept_by: dict[str, int] = {}
    for (kind, detail), n in counts:
        totals[kind] += n
        if kind == "read":
            read_by_source[detail] = read_by_source.get(detail, 0) + n
        elif kind == "kept":
            kept_by[detail] = kept_by.get(detail, 0) + n
        else:
            stage, _, reason = detail.partition(":")
            table = stages if kind == "dropped" else errors
            table.setdefault(stage, {})[reason] = table.get(stage, {}).get(reason, 0) + n
    return {
        **totals,
        "accounted": totals["read"] == totals["kept"] + totals["dropped"] + totals["errors"],
        "dropped_by_stage": _sorted_nested(stages),
        "errors_by_stage": _sorted_nested(errors),
        "read_by_source": dict(sorted(read_by_source.items())),
        "kept_by_source_lang": dict(sorted(kept_by.items())),
    }


def _sorted_nested(table: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {stage: dict(sorted(reasons.items())) for stage, reasons in sorted(table.items())}


def write_json(path: str, obj: Any) -> str:
    """Write `obj` as indented JSON to any Beam filesystem path."""
    data = (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        f.write(data)
    return path
