"""Beam aggregation of a corpus for reports: sums, log-binned histograms and top-k domains.

    docs | "Count" >> CountTokens(path) | "Aggregate" >> AggregateDocs(top_k=20)  → one dict

Everything is computed with combiners (`SumFn`, `HistogramFn`, `TopKFn` under `CombinePerKey`), so
the size of the corpus never matters: only the small aggregate reaches one worker. The result is
gathered like `CountOutcomes`'s (one key and a seed element, always one element, no side input).
Kept documents are those without `drop`; "tokens" are counts of the project's tokenizer
(`training.tokenizer`), loaded once per worker in `setup()`.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam

from pipelines.readers import ReaderConfig
from pipelines.records import Doc, ErrorRecord
from pipelines.transforms import MatchInputs, ReadRecords


def one_two_five(limit: int) -> list[int]:
    """0, then 1, 2, 5, 10, 20, 50, ... up to `limit`: log-spaced bin edges with readable labels."""
    edges, decade = [0], 1
    while decade <= limit:
        edges += [m * decade for m in (1, 2, 5) if m * decade <= limit]
        decade *= 10
    return edges


def powers_of_two(limit: int) -> list[int]:
    """1, 2, 3, 5, 9, 17, ...: bins {1}, {2}, 3–4, 5–8, 9–16, ... for duplicate-cluster sizes."""
    edges, width = [1, 2], 1
    while edges[-1] + width <= limit:
        edges.append(edges[-1] + width)
        width *= 2
    return edges


CHAR_EDGES = one_two_five(10_000_000)  # characters per document
TOKEN_EDGES = one_two_five(10_000_000)  # tokens per document
CLUSTER_EDGES = powers_of_two(1 << 20)  # input documents per duplicate cluster
TOP_K = 20  # domains listed in a report
PII_DENSITY = "pii_per_1k"  # the one `pii_` signal that is not a count
VEC = ("docs", "chars", "tokens")  # what a size vector holds


# ---------------------------------------------------------------------------------------------
# combiners


class SumFn(beam.CombineFn):
    """Element-wise sum of equal-length integer tuples (the first input fixes the length)."""

    def create_accumulator(self) -> list[int]:
        return []

    def add_input(self, acc: list[int], value: tuple[int, ...]) -> list[int]:
        if not acc:
            return list(value)
        for i, v in enumerate(value):
            acc[i] += v
        return acc

    def merge_accumulators(self, accs: Iterable[list[int]]) -> list[int]:
        out: list[int] = []
        for acc in accs:
            out = self.add_input(out, tuple(acc)) if acc else out
        return out

    def extract_output(self, acc: list[int]) -> tuple[int, ...]:
        return tuple(acc)


class HistogramFn(beam.CombineFn):
    """Numbers → counts per bin, bin i holding edges[i] <= x < edges[i+1] (the last bin is open)."""

    def __init__(self, edges: list[int]) -> None:
        super().__init__()
        if sorted(edges) != list(edges) or len(set(edges)) != len(edges):
            raise ValueError("histogram edges must be strictly increasing")
        self.edges = list(edges)

    def bin_of(self, x: float) -> int:
        return max(0, bisect.bisect_right(self.edges, x) - 1)

    def create_accumulator(self) -> list[int]:
        return [0] * len(self.edges)

    def add_input(self, acc: list[int], x: float) -> list[int]:
        acc[self.bin_of(x)] += 1
        return acc

    def merge_accumulators(self, accs: Iterable[list[int]]) -> list[int]:
        out = self.create_accumulator()
        for acc in accs:
            for i, n in enumerate(acc):
                out[i] += n
        return out

    def extract_output(self, acc: list[int]) -> list[int]:
        return list(acc)


def _rank(item: tuple[str, tuple[int, ...]]) -> tuple[Any, ...]:
    key, vec = item
    return (-vec[0], -vec[-1], key)  # largest first (docs, then tokens), ties by key: runner-independent


class TopKFn(beam.CombineFn):
    """(key, size vector) → the k largest by the first element, then the last, ties by key."""

    def __init__(self, k: int) -> None:
        super().__init__()
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        self.k = k

    def create_accumulator(self) -> list[tuple[str, tuple[int, ...]]]:
        return []

    def _trim(self, acc: list[tuple[str, tuple[int, ...]]]) -> list[tuple[str, tuple[int, ...]]]:
        return sorted(acc, key=_rank)[: self.k]

    def add_input(self, acc: list[Any], item: tuple[str, tuple[int, ...]]) -> list[Any]:
        acc.append((item[0], tuple(item[1])))
        return self._trim(acc) if len(acc) >= 2 * self.k else acc  # amortised: sort once per k inputs

    def merge_accumulators(self, accs: Iterable[list[Any]]) -> list[Any]:
        return self._trim([item for acc in accs for item in acc])

    def extract_output(self, acc: list[Any]) -> list[tuple[str, tuple[int, ...]]]:
        return self._trim(acc)


# ---------------------------------------------------------------------------------------------
# reading a finished run back

_RESTORED = ("source", "locator", "drop", "cluster_id", "duplicate_of")


def restore_doc(item: Any) -> Any:
    """A corpus record read back with `pipelines.readers`: its own fields return from `meta`.

    The reader keeps unknown top-level keys in `meta`; for a record this project wrote, `source`,
    `locator`, `drop` and the dedup fields are Doc fields. Parquet shards hold `signals` as JSON
    text. ErrorRecords pass unchanged.
    """
    if not isinstance(item, Doc) or not item.meta:
        return item
    meta = dict(item.meta)
    changes: dict[str, Any] = {}
    for name in _RESTORED:
        value = meta.pop(name, None)
        if isinstance(value, str) and value:
            changes[name] = value
    size = meta.pop("cluster_size", None)
    if isinstance(size, int | float) and not isinstance(size, bool):
        changes["cluster_size"] = int(size)
    signals = meta.get("signals")
    if isinstance(signals, str) and signals.startswith("{"):
        parsed = json.loads(signals)
        changes["signals"] = {k: float(v) for k, v in parsed.items() if isinstance(v, int | float)}
        del meta["signals"]
    return dataclasses.replace(item, meta=meta, **changes)


class ReadCorpus(beam.PTransform):
    """File patterns of corpus shards (JSONL/JSONL.gz/Parquet) → Docs and ErrorRecords, fields restored.

    One output (no tagged outputs), so it runs on any runner; split it with `is_kept_doc` & co.
    """

    def __init__(self, patterns: list[str], cfg: ReaderConfig | None = None) -> None:
        super().__init__()
        self.patterns = list(patterns)
        self.cfg = cfg or ReaderConfig()

    def expand(self, p: beam.PBegin) -> beam.PCollection:
        return (
            p
            | "Patterns" >> beam.Create([(pattern, "web") for pattern in self.patterns])
            | "MatchShards" >> beam.ParDo(MatchInputs())
            | "SpreadShards" >> beam.Reshuffle()
            | "ReadShards" >> beam.ParDo(ReadRecords(self.cfg))
            | "RestoreFields" >> beam.Map(restore_doc)
        )


# ---------------------------------------------------------------------------------------------
# token counts


def tokenizer_info(path: str | None) -> dict[str, Any]:
    """Name and vocabulary size of the tokenizer (loaded here, so a bad path fails before the job)."""
    from training.tokenizer import DEFAULT_DIR, load_tokenizer

    tok = load_tokenizer(path)
    where = (
        str(path)
        if path
        else f"{DEFAULT_DIR.parent.parent.name}/{DEFAULT_DIR.parent.name}/{DEFAULT_DIR.name}"
    )
    return {"path": where, "default": path is None, "vocab_size": tok.get_vocab_size()}


class CountTokens(beam.PTransform):
    """Docs → (Doc, token count) with the project's tokenizer (None: the one shipped in `training/`)."""

    def __init__(self, tokenizer_path: str | None = None, max_batch: int = 256) -> None:
        super().__init__()
        self.tokenizer_path = tokenizer_path
        self.max_batch = max_batch

    def expand(self, docs: beam.PCollection) -> beam.PCollection:
        return (
            docs
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=self.max_batch)
            | "Tokenize" >> beam.ParDo(_TokenizeBatch(self.tokenizer_path))
        )


class _TokenizeBatch(beam.DoFn):
    def __init__(self, tokenizer_path: str | None) -> None:
        self.tokenizer_path = tokenizer_path
        self.tokenizer: Any = None

    def setup(self) -> None:
        from training.tokenizer import load_tokenizer

        self.tokenizer = load_tokenizer(self.tokenizer_path)

    def process(self, batch: list[Doc]) -> Iterator[tuple[Doc, int]]:
        from training.tokenizer import count_tokens

        yield from zip(batch, count_tokens([d.text for d in batch], self.tokenizer), strict=True)


# ---------------------------------------------------------------------------------------------
# per-document facts


def doc_facts(pair: tuple[Any, int]) -> Iterator[tuple[str, Any, Any]]:
    """What one (Doc, tokens) adds to the aggregate, as (family, key, value) triples.

    Families: `sum` (key → integer vector), `chars`/`tokens`/`cluster` (language → a number for
    the histograms), `domain` ((outcome, domain) → size vector), `site` ((lang, country, domain)).
    ErrorRecords (unreadable shards) count under ("unreadable", reason).
    """
    item, tokens = pair
    if isinstance(item, ErrorRecord):
        yield "sum", ("unreadable", item.reason), (1,)
        return
    doc: Doc = item
    n = len(doc.text)
    vec = (1, n, tokens)
    outcome = "dropped" if doc.drop else "kept"
    yield "sum", ("total", outcome), vec
    if doc.domain:
        yield "domain", (outcome, doc.domain), vec
    if doc.drop:
        stage, _, reason = doc.drop.partition(":")
        yield "sum", ("drop", stage, reason or "unspecified"), vec
        return
    lang, source = doc.lang or "unknown", doc.source or "unknown"
    yield "sum", ("lang", lang), vec
    yield "sum", ("source", source), vec
    yield "sum", ("source_lang", source, lang), vec
    yield "chars", lang, n
    yield "tokens", lang, tokens
    if doc.cluster_size is not None:
        yield "cluster", lang, doc.cluster_size
        yield "sum", ("clustered", lang), (1, doc.cluster_size, 1 if doc.cluster_size > 1 else 0)
    if doc.country is not None:  # a web page the compliance stage located (host or IP)
        for key in (lang, "*"):
            yield "sum", ("country", key, doc.country), vec
            yield "site", (key, doc.country, doc.domain or "unknown"), None
        if doc.meta.get("icp") or doc.signals.get("icp"):
            yield "sum", ("icp", lang), (1,)
    pii = {k[4:].upper(): int(v) for k, v in doc.signals.items() if k.startswith("pii_") and k != PII_DENSITY}
    for kind, count in sorted(pii.items()):
        yield "sum", ("pii", kind), (1, count)
    for category, hits in sorted((doc.meta.get("sensitive_hits") or {}).items()):
        yield "sum", ("sensitive", category), (1, int(hits))


def _pick(fact: tuple[str, Any, Any], family: str) -> list[tuple[Any, Any]]:
    return [(fact[1], fact[2])] if fact[0] == family else []


class AggregateDocs(beam.PTransform):
    """(Doc or ErrorRecord, tokens) pairs → one aggregate dict (`build_aggregate`)."""

    def __init__(self, top_k: int = TOP_K) -> None:
        super().__init__()
        self.top_k = top_k

    def expand(self, pairs: beam.PCollection) -> beam.PCollection:
        facts = pairs | "Facts" >> beam.FlatMap(doc_facts)
        parts = []
        for family, edges in (("chars", CHAR_EDGES), ("tokens", TOKEN_EDGES), ("cluster", CLUSTER_EDGES)):
            parts.append(
                facts
                | f"Pick[{family}]" >> beam.FlatMap(_pick, family)
                | f"Histogram[{family}]" >> beam.CombinePerKey(HistogramFn(edges))
                | f"Tag[{family}]"
                >> beam.MapTuple(lambda lang, counts, f=family: ("hist", (f, lang), counts))
            )
        domains = (
            facts
            | "PickDomains" >> beam.FlatMap(_pick, "domain")
            | "SumPerDomain" >> beam.CombinePerKey(SumFn())
        )
        parts.append(
            domains
            | "ByOutcome" >> beam.MapTuple(lambda key, vec: (key[0], (key[1], vec)))
            | "TopDomains" >> beam.CombinePerKey(TopKFn(self.top_k))
            | "TagTop" >> beam.MapTuple(lambda outcome, top: ("top", outcome, top))
        )
        distinct_domains = domains | "DomainKeys" >> beam.MapTuple(lambda key, _: (("domains", key[0]), (1,)))
        sites = (
            facts
            | "PickSites" >> beam.FlatMap(_pick, "site")
            | "DistinctSites" >> beam.Distinct()
            | "SiteKeys" >> beam.MapTuple(lambda key, _: (("sites", key[0], key[1]), (1,)))
        )
        sums = facts | "PickSums" >> beam.FlatMap(_pick, "sum")
        parts.append(
            (sums, distinct_domains, sites)
            | "AllSums" >> beam.Flatten()
            | "Sum" >> beam.CombinePerKey(SumFn())
            | "TagSums" >> beam.MapTuple(lambda key, vec: ("sum", key, vec))
        )
        seed = pairs.pipeline | "Seed" >> beam.Create([(None, None)])
        return (
            (parts | "AllParts" >> beam.Flatten() | "OneKey" >> beam.Map(lambda item: (None, item)), seed)
            | "WithSeed" >> beam.Flatten()
            | "Gather" >> beam.GroupByKey()
            | "Build" >> beam.MapTuple(lambda _, items: build_aggregate([i for i in items if i is not None]))
        )


def _size(vec: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(VEC, vec, strict=False))


def _sorted_dict(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _sorted_dict(v) if isinstance(v, dict) else v for k, v in sorted(d.items())}


def build_aggregate(items: list[tuple[str, Any, Any]]) -> dict[str, Any]:
    """The aggregate dict from the combiners' outputs; every mapping sorted by key (stable JSON)."""
    agg: dict[str, Any] = {
        "total": {},
        "by_lang": {},
        "by_source": {},
        "by_source_lang": {},
        "drops": {},
        "countries": {},
        "sites": {},
        "icp_pages": {},
        "top_domains": {},
        "distinct_domains": {},
        "clusters": {},
        "pii": {},
        "sensitive": {},
        "unreadable": {},
        "histograms": {
            "chars": {"edges": CHAR_EDGES, "counts": {}},
            "tokens": {"edges": TOKEN_EDGES, "counts": {}},
            "cluster": {"edges": CLUSTER_EDGES, "counts": {}},
        },
    }
    for kind, key, value in items:
        if kind == "hist":
            agg["histograms"][key[0]]["counts"][key[1]] = list(value)
        elif kind == "top":
            agg["top_domains"][key] = [{"domain": d, **_size(vec)} for d, vec in value]
        else:
            _add_sum(agg, key, tuple(value))
    for name in agg["histograms"].values():
        name["counts"] = dict(sorted(name["counts"].items()))
    for section in (
        "total",
        "by_lang",
        "by_source",
        "by_source_lang",
        "drops",
        "countries",
        "sites",
        "icp_pages",
        "distinct_domains",
        "clusters",
        "pii",
        "sensitive",
        "unreadable",
    ):
        agg[section] = _sorted_dict(agg[section])
    agg["top_domains"] = dict(sorted(agg["top_domains"].items()))
    return agg


def _add_sum(agg: dict[str, Any], key: tuple[str, ...], vec: tuple[int, ...]) -> None:
    head, rest = key[0], key[1:]
    if head == "total":
        agg["total"][rest[0]] = _size(vec)
    elif head in ("lang", "source"):
        agg[f"by_{head}"][rest[0]] = _size(vec)
    elif head == "source_lang":
        agg["by_source_lang"][f"{rest[0]}/{rest[1]}"] = _size(vec)
    elif head == "drop":
        agg["drops"].setdefault(rest[0], {})[rest[1]] = _size(vec)
    elif head == "country":
        row = dict(zip(("pages", "chars", "tokens"), vec, strict=True))
        agg["countries"].setdefault(rest[0], {})[rest[1]] = row
    elif head == "sites":
        agg["sites"].setdefault(rest[0], {})[rest[1]] = vec[0]
    elif head == "domains":
        agg["distinct_domains"][rest[0]] = vec[0]
    elif head == "icp":
        agg["icp_pages"][rest[0]] = vec[0]
    elif head == "clustered":
        agg["clusters"][rest[0]] = dict(zip(("docs", "represented", "from_duplicates"), vec, strict=True))
    elif head == "pii":
        agg["pii"][rest[0]] = {"docs": vec[0], "matches": vec[1]}
    elif head == "sensitive":
        agg["sensitive"][rest[0]] = {"docs": vec[0], "hits": vec[1]}
    elif head == "unreadable":
        agg["unreadable"][rest[0]] = vec[0]
    else:
        raise ValueError(f"unknown aggregate key {key!r}")
