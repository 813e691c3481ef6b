"""Beam wiring for the corpus job: composite transforms around the plain stages of `pipelines.stages`."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from compliance.mmdb import DEMO_DATABASE_TYPE
from pipelines.readers import GZIP_FILE, GZIP_WRITE_LEVEL, ReaderConfig, read_stream
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


def read_file_items(path: str, source: str, cfg: ReaderConfig) -> Iterator[Doc | ErrorRecord]:
    """Every record of one file, in file order: Docs (dropped ones with `drop`) and ErrorRecords.

    A file that cannot be opened or read further becomes one error record with the path as locator.
    """
    try:
        # Raw bytes: the reader decompresses by name, so a truncated .gz becomes an error record.
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as raw:
            yield from read_stream(raw, path, source, cfg)
    except OSError as exc:
        yield ErrorRecord(
            locator=path, stage="read", reason="unreadable_file", detail=f"{type(exc).__name__}: {exc}",
            source=source,
        )


class ReadFiles(beam.DoFn):
    """(path, source) → Docs; malformed records and unreadable files go to the `errors` output."""

    def __init__(self, cfg: ReaderConfig) -> None:
        self.cfg = cfg
        self.files = Metrics.counter("read", "files")
        self.records = Metrics.counter("read", "records")

    def process(self, element: tuple[str, str]) -> Iterator[Any]:
        path, source = element
        self.files.inc()
        for item in read_file_items(path, source, self.cfg):
            self.records.inc()
            if isinstance(item, ErrorRecord):
                yield beam.pvalue.TaggedOutput(ERRORS, item)
            elif item.drop:
                yield beam.pvalue.TaggedOutput(DROPPED, item)
            else:
                yield item


class ReadRecords(ReadFiles):
    """(path, source) → Docs (dropped ones with `drop`) and ErrorRecords on one output.

    For jobs that must run on Beam's DaskRunner, which hands every tagged output to every consumer:
    callers split the result by type and `drop` (`is_kept_doc`, `is_dropped_doc`, `is_error`).
    """

    def process(self, element: tuple[str, str]) -> Iterator[Any]:
        for item in super().process(element):
            yield item.value if isinstance(item, beam.pvalue.TaggedOutput) else item


def is_kept_doc(item: Any) -> bool:
    return isinstance(item, Doc) and not item.drop


def is_dropped_doc(item: Any) -> bool:
    return isinstance(item, Doc) and bool(item.drop)


def is_error(item: Any) -> bool:
    return isinstance(item, ErrorRecord)


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
    # Columns from every row, not just the first (optional fields such as `duplicate_of` vary).
    names = list(dict.fromkeys(name for row in rows for name in row))
    table = pa.Table.from_pydict({name: [row.get(name) for row in rows] for name in names})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
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
        writer = ShardWriter(self.directory, shard, self.num_shards, self.fmt)
        for _, line in sorted(items):
            writer.write(line)
        return writer.close()


class ShardWriter:
    """DIR/part-NNNNN-of-MMMMM.{jsonl.gz,parquet} written line by line: gzip JSONL is streamed out in
    ~4 MB blocks (byte-stable: no timestamp, no name), Parquet is built at `close`."""

    FLUSH_CHARS = 4 << 20

    def __init__(self, directory: str, shard: int, num_shards: int, fmt: str = "jsonl") -> None:
        self.fmt = fmt
        self.path = shard_path(directory, shard, num_shards, ".parquet" if fmt == "parquet" else ".jsonl.gz")
        self.lines: list[str] = []
        self.count = 0
        self._chars = 0
        self._raw: Any = None
        self._gz: Any = None
        if fmt != "parquet":
            self._raw = FileSystems.create(self.path, compression_type=CompressionTypes.UNCOMPRESSED)
            self._gz = GZIP_FILE(
                filename="", fileobj=self._raw, mode="wb", compresslevel=GZIP_WRITE_LEVEL, mtime=0
            )

    def write(self, line: str) -> None:
        self.lines.append(line)
        self.count += 1
        self._chars += len(line)
        if self._gz is not None and self._chars >= self.FLUSH_CHARS:
            self._flush()

    def _flush(self) -> None:
        assert self._gz is not None
        if self.lines:
            self._gz.write(("\n".join(self.lines) + "\n").encode("utf-8"))
        self.lines, self._chars = [], 0

    def close(self) -> str:
        """Finish the file; returns its path."""
        if self._gz is None:
            with FileSystems.create(self.path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
                f.write(_parquet_bytes(self.lines))
            self.lines = []
            return self.path
        self._flush()
        self._gz.close()
        self._raw.close()
        return self.path


def doc_line(doc: Doc) -> tuple[str, str]:
    """Sort key and JSON line of a doc: ordered by id, then locator for equal ids."""
    return f"{doc.id}\0{doc.locator}", doc.to_json()


def error_line(err: ErrorRecord) -> tuple[str, str]:
    return f"{err.locator}\0{err.stage}\0{err.reason}", err.to_json()


def outcome_key(kind: str, item: Any) -> tuple[str, str]:
    """The stats.json key an item counts under: ("read", source), ("kept", "source/lang"),
    ("dropped", "stage:reason") or ("errors", "stage:reason") (`build_stats` reads them)."""
    if kind == "read":
        return "read", item.source or "unknown"
    if kind == "kept":
        return "kept", f"{item.source}/{item.lang}"
    if kind == "dropped":
        return "dropped", item.drop
    return "errors", f"{item.stage}:{item.reason}"


class CountOutcomes(beam.PTransform):
    """Read items, kept docs, dropped docs and errors → one stats dict (Beam combiners, any size).

    Always one element, gathered by a GroupByKey on one key with a seed element rather than a
    global combine, whose empty-input default needs a side input (not dependable on DaskRunner).
    """

    def expand(self, parts: dict[str, beam.PCollection]) -> beam.PCollection:
        keyed = [
            pcoll | f"Key[{kind}]" >> beam.Map(lambda item, kind=kind: outcome_key(kind, item))
            for kind, pcoll in sorted(parts.items())
        ]
        counts = keyed | "FlattenKeys" >> beam.Flatten() | "CountKeys" >> beam.combiners.Count.PerElement()
        return counts | "ToStats" >> CountsToStats()


class CountsToStats(beam.PTransform):
    """((kind, detail), n) pairs → one stats dict (`build_stats`); always one element, even for no input."""

    def expand(self, counts: beam.PCollection) -> beam.PCollection:
        summed = (
            counts
            | "SumCounts" >> beam.CombinePerKey(sum)
            | "OneKey" >> beam.Map(lambda count: (None, count))
        )
        seed = counts.pipeline | "Seed" >> beam.Create([(None, None)])
        return (
            (summed, seed)
            | "WithSeed" >> beam.Flatten()
            | "AllCounts" >> beam.GroupByKey()
            | "BuildStats" >> beam.MapTuple(lambda _, cs: build_stats([c for c in cs if c is not None]))
        )


class MergeStats(beam.PTransform):
    """(stats dict, section dict) one-element PCollections → the stats dict with `section_name` added."""

    def __init__(self, section_name: str = "dedup") -> None:
        super().__init__()
        self.section_name = section_name

    def expand(self, parts: tuple[beam.PCollection, beam.PCollection]) -> beam.PCollection:
        stats, section = parts
        name = self.section_name
        return (
            (stats | "TagStats" >> beam.Map(lambda s: (None, (0, s))),
             section | "TagSection" >> beam.Map(lambda s: (None, (1, s))))
            | "Both" >> beam.Flatten()
            | "Pair" >> beam.GroupByKey()
            | "Merge" >> beam.MapTuple(lambda _, items: _merge(sorted(items, key=lambda i: i[0]), name))
        )


def _merge(items: list[tuple[int, dict[str, Any]]], name: str) -> dict[str, Any]:
    (_, stats), (_, section) = items
    return {**stats, name: section}


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


def read_json(path: str) -> Any:
    """A JSON file from any Beam filesystem."""
    with FileSystems.open(path) as f:
        return json.loads(f.read().decode("utf-8"))


def write_json(path: str, obj: Any) -> str:
    """Write `obj` as indented JSON to any Beam filesystem path."""
    data = (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        f.write(data)
    return path


# --- compliance report: where the kept data came from -------------------------------------------------

TOP_DOMAINS = 5  # domains listed per country in the report
PII_DENSITY = "pii_per_1k"  # the one pii_ signal that is not a count


def compliance_items(doc: Doc) -> list[tuple[tuple[str, str], int]]:
    """Report counts one kept doc adds: ICP pages, PII redactions, sensitive hits, tags, licences."""
    items: list[tuple[tuple[str, str], int]] = []
    if doc.country is not None:  # a web page: it has a host or an IP
        items.append((("web_pages", f"{doc.lang}/{doc.country}"), 1))
        if doc.meta.get("icp"):
            items.append((("icp_pages", str(doc.lang)), 1))
    pii = {k[4:].upper(): int(v) for k, v in doc.signals.items() if k.startswith("pii_") and k != PII_DENSITY}
    items += [(("pii", kind), n) for kind, n in pii.items()]
    if pii:
        items.append((("pii_docs", ""), 1))
    for category, n in (doc.meta.get("sensitive_hits") or {}).items():
        items += [(("sensitive", category), int(n)), (("sensitive_docs", category), 1)]
    items += [(("tags", tag), 1) for tag in doc.meta.get("compliance_tags") or ()]
    items.append((("licenses", f"{doc.source}/{doc.license or 'none'}"), 1))
    return items


def _site_key(doc: Doc) -> list[tuple[tuple[str, str], tuple[int, int]]]:
    if doc.country is None:
        return []
    return [((doc.country, doc.domain or "unknown"), (1, 1 if doc.meta.get("icp") else 0))]


def _sum_pairs(values: Iterable[tuple[int, int]]) -> tuple[int, int]:
    pages = icp = 0
    for p, i in values:
        pages, icp = pages + p, icp + i
    return pages, icp


def _site_items(key: tuple[str, str], value: tuple[int, int]) -> list[tuple[tuple[str, str], int]]:
    country, (pages, icp) = key[0], value
    return [(("sites", country), 1), (("site_pages", country), pages), (("icp_sites", ""), 1 if icp else 0)]


class ComplianceReport(beam.PTransform):
    """Kept Docs → one dict: the per-country table (sites, pages, share, top domains) as in the Aquila
    deck, ICP coverage, PII redactions per kind, sensitive hits per category, tags and licences.

    Pages and sites are web documents (those with a `country`); a site is a host name. One element,
    gathered like `CountOutcomes`'s.
    """

    def __init__(self, top_n: int = TOP_DOMAINS, country_database: str = "none") -> None:
        super().__init__()
        self.top_n = top_n
        self.country_database = country_database  # written into the report: which database said so

    def expand(self, kept: beam.PCollection) -> beam.PCollection:
        counts = kept | "ReportItems" >> beam.FlatMap(compliance_items) | "Sum" >> beam.CombinePerKey(sum)
        sites = kept | "SiteKeys" >> beam.FlatMap(_site_key) | "PerSite" >> beam.CombinePerKey(_sum_pairs)
        site_counts = (
            sites | "SiteItems" >> beam.FlatMapTuple(_site_items) | "SumSites" >> beam.CombinePerKey(sum)
        )
        top = (
            sites
            | "ByCountry" >> beam.MapTuple(lambda key, value: (key[0], (value[0], key[1])))
            # most pages first, then the domain name: reverse=True keeps the n smallest keys
            | "TopDomains" >> beam.combiners.Top.PerKey(self.top_n, key=lambda v: (-v[0], v[1]), reverse=True)
            | "TopItems" >> beam.MapTuple(lambda c, best: (("top_domains", c), [[d, n] for n, d in best]))
        )
        items = (counts, site_counts, top) | "AllItems" >> beam.Flatten()
        seed = kept.pipeline | "ReportSeed" >> beam.Create([(None, None)])
        db = self.country_database
        return (
            (items | "ItemsOneKey" >> beam.Map(lambda kv: (None, kv)), seed)
            | "WithSeed" >> beam.Flatten()
            | "Gather" >> beam.GroupByKey()
            | "Build" >> beam.MapTuple(lambda _, got: build_compliance_report([i for i in got if i], db))
        )


def build_compliance_report(
    items: list[tuple[tuple[str, str], Any]], country_database: str = "none"
) -> dict[str, Any]:
    """The `compliance` section of stats.json from the summed report items."""
    table: dict[str, dict[str, Any]] = {}
    for (kind, key), value in items:
        table.setdefault(kind, {})[key] = value
    pages_by = table.get("web_pages", {})
    country_pages: dict[str, int] = {}
    zh_pages: dict[str, int] = {}
    for lang_country, n in pages_by.items():
        lang, _, country = lang_country.partition("/")
        country_pages[country] = country_pages.get(country, 0) + n
        if lang == "zh":
            zh_pages[country] = zh_pages.get(country, 0) + n
    total = sum(country_pages.values())
    zh_total = sum(zh_pages.values())
    order = sorted(country_pages, key=lambda c: (c == "unknown", -country_pages[c], c))
    countries = {
        c: {
            "sites": table.get("sites", {}).get(c, 0),
            "pages": country_pages[c],
            "share": round(country_pages[c] / total, 4) if total else 0.0,
            "zh_pages": zh_pages.get(c, 0),
            "top_domains": table.get("top_domains", {}).get(c, []),
        }
        for c in order
    }
    icp_pages = table.get("icp_pages", {})
    sites_total = sum(table.get("sites", {}).values())
    icp_sites = sum(table.get("icp_sites", {}).values())
    return {
        "country_database": country_database,
        "web_pages": total,
        "web_sites": sites_total,
        "countries": countries,
        "zh_web_pages": zh_total,
        "zh_web_domestic_share": round(zh_pages.get("CN", 0) / zh_total, 4) if zh_total else None,
        "icp": {
            "pages_with_icp": sum(icp_pages.values()),
            "coverage": round(sum(icp_pages.values()) / total, 4) if total else None,
            "zh_pages_with_icp": icp_pages.get("zh", 0),
            "zh_coverage": round(icp_pages.get("zh", 0) / zh_total, 4) if zh_total else None,
            "sites_with_icp": icp_sites,
        },
        "pii_redactions": dict(sorted(table.get("pii", {}).items())),
        "docs_with_pii": table.get("pii_docs", {}).get("", 0),
        "sensitive_hits": dict(sorted(table.get("sensitive", {}).items())),
        "docs_with_sensitive_hits": dict(sorted(table.get("sensitive_docs", {}).items())),
        "tags": dict(sorted(table.get("tags", {}).items())),
        "licenses": dict(sorted(table.get("licenses", {}).items())),
    }


def compliance_lines(report: dict[str, Any]) -> list[str]:
    """The compliance section of the job summary: the country table, ICP coverage, PII and lexicon hits."""
    lines = [f"  hosting country of web pages (database {report['country_database']})"]
    if report["country_database"].startswith(DEMO_DATABASE_TYPE):
        lines.append("  DEMO database, made-up ranges: set geo.mmdb in configs/compliance.yaml to a real one")
    lines.append(f"  {'country':<9}{'sites':>6}{'pages':>7}{'share':>8}  top domains")
    for country, row in report["countries"].items():
        top = ", ".join(f"{d} {n}" for d, n in row["top_domains"][:3])  # stats.json has TOP_DOMAINS
        lines.append(f"  {country:<9}{row['sites']:>6}{row['pages']:>7}{row['share']:>8.1%}  {top}")
    icp = report["icp"]
    if report["zh_web_pages"]:
        lines.append(
            f"  zh web pages: {report['zh_web_pages']}, hosted in CN {report['zh_web_domestic_share']:.1%}, "
            f"with an ICP number {icp['zh_pages_with_icp']} ({icp['zh_coverage']:.1%})"
        )
    pii = ", ".join(f"{k} {n}" for k, n in report["pii_redactions"].items()) or "none"
    lines.append(f"  PII redacted: {pii} (in {report['docs_with_pii']} documents)")
    hits = ", ".join(f"{k} {n}" for k, n in report["sensitive_hits"].items()) or "none"
    lines.append(f"  sensitive hits: {hits}")
    if report["tags"]:
        lines.append("  compliance tags: " + ", ".join(f"{k} {n}" for k, n in report["tags"].items()))
    return lines
