"""Beam stages of deduplication: exact copies, boilerplate lines, MinHash LSH, connected components.

The documents are never shuffled one by one. They live in *units*: an input file (the dedup job)
or a chunk of documents (the corpus job's stage). A unit is read three times and each record is
named by `ref = unit << 32 | position`; everything between the reads is small keyed data moved as
batches, one element per (unit or partition, partition), so a shuffle carries a few thousand
elements whatever the corpus size, and each partition holds about 1/`partitions` of the keys:

    units ─ Scan: content key + rank per document, (domain, line hash) per distinct line
          ─ FlagLines  (GroupByKey on line partition): lines on >= N texts of a domain
          ─ Exact      (CoGroupByKey on content partition): one survivor per exact-copy group, the
                       boilerplate lines to strip from it ─► per unit
    units ─ Sign: strip, MinHash signature → (band, band hash) keys and node info ─► by partition
          ─ Buckets    (GroupByKey on band partition): stars from each bucket's smallest ref, huge
                       buckets as chained stars, optional signature-Jaccard check
          ─ Components (large-star / small-star, `max_rounds` rounds, each two batched shuffles)
          ─ Clusters   (labels joined to node info; one survivor per cluster) ─► per unit
    units ─ Apply: kept (cluster_id, cluster_size) / dropped (drop, duplicate_of), stripped text;
                   the job writes each unit's shards here, the stage emits Docs

No tagged outputs (Beam's DaskRunner hands every tagged output to every consumer) and nothing
emitted from finish_bundle (its DaskRunner drops those): a step with several kinds of result emits
`(kind, key, value)` tuples and `_select` splits them.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import math
import pickle
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
import xxhash
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from pipelines.aggregate import restore_doc
from pipelines.readers import ReaderConfig
from pipelines.records import Doc, ErrorRecord
from pipelines.text.minhash import (
    DedupConfig,
    band_keys,
    content_and_line_hashes,
    doc_signature,
    line_hashes,
    lsh_threshold,
    signature_bytes,
    signature_from_bytes,
    signature_jaccard,
    strip_lines,
    survivor_rank,
)
from pipelines.transforms import ShardWriter, outcome_key, read_file_items

STAGE = "dedup"
EXACT = f"{STAGE}:exact"
NEAR = f"{STAGE}:near"
BOILERPLATE = f"{STAGE}:boilerplate"  # a page left with no text once its boilerplate lines are gone
EDGE, STAT, DOMAIN = "edge", "stat", "domain"
UNCONVERGED = "components:unconverged_nodes"
STALE_FIELDS = ("cluster_id", "cluster_size", "duplicate_of")  # from an earlier dedup run: recomputed
_POSITION_BITS = 32
_FLUSH_ITEMS = 200_000  # batched items a step holds before it emits them
Batch = bytes | list[Any]  # a pickled list (`_Batches`) or a plain one


def node_key(doc: Doc) -> bytes:
    """Stable key of a document: xxh3-128 of id and locator (ids may repeat across inputs)."""
    return xxhash.xxh3_128_digest(f"{doc.id}\x00{doc.locator}".encode("utf-8", "surrogatepass"))


def ref_of(unit: int, position: int) -> int:
    """Graph key of the record at `position` of `unit`."""
    return (unit << _POSITION_BITS) | position


def split_ref(ref: int) -> tuple[int, int]:
    return ref >> _POSITION_BITS, ref & ((1 << _POSITION_BITS) - 1)


def _int_part(x: int, parts: int) -> int:
    return ((x * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF) % parts  # refs are dense: spread them


def _key_part(key: bytes, parts: int) -> int:
    return xxhash.xxh3_64_intdigest(key) % parts


def _select(item: tuple[Any, ...], kind: str) -> list[tuple[Any, ...]]:
    """(kind, key, value) → [(key, value)] when it is of `kind`."""
    return [item[1:]] if item[0] == kind else []


def _is(item: tuple[Any, ...], kind: str) -> bool:
    return item[0] == kind


def _counter(name: str) -> Any:
    return Metrics.counter(STAGE, name)


def _flat(batches: Iterable[Batch]) -> Iterator[Any]:
    """The items of batches made by `_Batches` (pickled) or plain lists."""
    for batch in batches:
        yield from pickle.loads(batch) if isinstance(batch, bytes) else batch


class _Batches:
    """Items gathered per key and emitted as (kind, key, pickled [items]) once `_FLUSH_ITEMS` are held.

    Pickled by hand: Beam's default coder decodes a list of small tuples ~8x slower than pickle.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.lists: dict[Any, list[Any]] = defaultdict(list)
        self.held = 0

    def add(self, key: Any, item: Any) -> list[tuple[str, Any, Batch]]:
        self.lists[key].append(item)
        self.held += 1
        return self.flush() if self.held >= _FLUSH_ITEMS else []

    def flush(self) -> list[tuple[str, Any, Batch]]:
        out = [(self.kind, key, pickle.dumps(items, protocol=5)) for key, items in self.lists.items()]
        self.lists, self.held = defaultdict(list), 0
        return out


# ---------------------------------------------------------------------------------------------
# units


def restore_record_fields(item: Any) -> Any:
    """A corpus record read back (`pipelines.aggregate.restore_doc`), without an earlier run's dedup fields.

    A record that carries `drop` (from a dropped/ folder) stays dropped and is counted as such.
    """
    item = restore_doc(item)
    if not isinstance(item, Doc) or all(getattr(item, name) is None for name in STALE_FIELDS):
        return item
    return dataclasses.replace(item, **dict.fromkeys(STALE_FIELDS))


def file_unit(path: str, source: str) -> tuple[str, str, str]:
    """A unit read from a corpus file (records restored, earlier dedup fields dropped)."""
    return ("file", path, source)


def unit_items(payload: tuple[Any, ...], reader: ReaderConfig) -> Iterator[Doc | ErrorRecord]:
    """The records of a unit, in the same order on every read."""
    if payload[0] == "file":
        for item in read_file_items(payload[1], payload[2], reader):
            yield restore_record_fields(item)
    else:
        yield from payload[1]


def _live_docs(unit: int, payload: tuple[Any, ...], reader: ReaderConfig) -> Iterator[tuple[int, Doc]]:
    for position, item in enumerate(unit_items(payload, reader)):
        if isinstance(item, Doc) and not item.drop:
            yield ref_of(unit, position), item


class _UnitStep(beam.DoFn):
    """A step that reads units: `cfg`, the reader config and the partition count."""

    def __init__(self, cfg: DedupConfig, reader: ReaderConfig) -> None:
        self.cfg = cfg
        self.reader = reader
        self.parts = cfg.partitions

    def setup(self) -> None:
        _quiet_gc()


def _quiet_gc() -> None:
    """Fewer, cheaper garbage collections in this worker process.

    A unit makes millions of short-lived tuples and strings; with the defaults, CPython's cyclic
    collector runs every 700 allocations and its older generations walk every live object of the
    worker (Beam's own included), which cost ~1/3 of the steps' time here. Objects alive now are
    frozen out of the walk, and young collections run 70x less often. Reference counting still
    frees nearly everything at once; only cycles wait longer.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


# ---------------------------------------------------------------------------------------------
# exact copies and boilerplate lines


class Scan(_UnitStep):
    """(unit, payload) → ("content", part, [(content key, ref, rank)]) and
    ("line", part, [(line hash ^ domain hash, line hash, rank, content key)]) per distinct line of a page
    with a domain."""

    def process(self, element: tuple[int, tuple[Any, ...]]) -> Iterator[tuple[str, Any, Batch]]:
        unit, payload = element
        cfg, parts = self.cfg, self.parts
        contents, lines = _Batches("content"), _Batches("line")
        for ref, doc in _live_docs(unit, payload, self.reader):
            with_lines = cfg.boilerplate and bool(doc.domain)
            if cfg.exact:
                key, hashes = content_and_line_hashes(doc.text, with_lines)
            else:
                key, hashes = ref.to_bytes(8, "big"), line_hashes(doc.text) if with_lines else set()
            rank = survivor_rank(doc, cfg)
            yield from contents.add(_key_part(key, parts), (key, ref, rank))
            if hashes:
                short = rank[:3]  # source, quality, id: the locator is not needed to break ties
                site = xxhash.xxh3_64_intdigest(doc.domain.encode("utf-8", "surrogatepass"))
                for h in hashes:
                    line = h ^ site  # the line on this domain
                    yield from lines.add(line % parts, (line, h, short, key))
        yield from contents.flush()
        yield from lines.flush()


class FlagLines(beam.DoFn):
    """(part, [line batches]) → ("flag", content part, [(content key, line hash)]) to strip.

    A line on >= min_pages distinct texts of a domain is boilerplate. It is stripped from every text
    but the best-ranked one (C4 keeps one copy of a repeated span too): a template line stays on one
    page of the site, and an article posted at several URLs of one site keeps its whole text in its
    best copy instead of losing it everywhere.
    """

    def __init__(self, min_pages: int, parts: int) -> None:
        self.min_pages = min_pages
        self.parts = parts
        self.lines = _counter("boilerplate_lines")

    def process(self, element: tuple[int, Iterable[Batch]]) -> Iterator[tuple[str, Any, Batch]]:
        by_line: dict[int, list[tuple[Any, bytes, int]]] = defaultdict(list)
        for line, h, rank, content in _flat(element[1]):
            by_line[line].append((rank, content, h))
        out = _Batches("flag")
        for members in by_line.values():
            if len(members) < self.min_pages:
                continue  # most lines: on fewer pages than that, however many copies
            contents = {content for _, content, _ in members}
            if len(contents) < self.min_pages:
                continue
            self.lines.inc()
            best, h = min(members)[1:]
            for c in contents:
                if c != best:
                    yield from out.add(_key_part(c, self.parts), (c, h))
        yield from out.flush()


class PickExactSurvivors(beam.DoFn):
    """(part, {content: batches, flag: batches}) → per unit ("exact", unit, [(position, info)]), STAT.

    info of a survivor with copies or boilerplate: ("node", weight, min_id, lines to strip, copy refs);
    of an exact copy: ("copy", survivor id). weight counts the input documents the survivor stands
    for (itself and its copies), min_id is their smallest id. Documents with neither get no info.
    """

    def __init__(self) -> None:
        self.copies = _counter(f"filtered:{EXACT.split(':')[1]}")

    def process(self, element: tuple[int, dict[str, Iterable[Batch]]]) -> Iterator[tuple[Any, ...]]:
        joined = element[1]
        flags: dict[bytes, set[int]] = defaultdict(set)
        for content, h in _flat(joined.get("flag", ())):
            flags[content].add(h)
        groups: dict[bytes, list[tuple[int, tuple[Any, ...]]]] = defaultdict(list)
        for content, ref, rank in _flat(joined["content"]):
            groups[content].append((ref, rank))
        out = _Batches("exact")
        groups_with_copies = 0
        for content, members in groups.items():
            strip = frozenset(flags[content]) if content in flags else None
            if len(members) == 1:
                if strip:
                    unit, pos = split_ref(members[0][0])
                    yield from out.add(unit, (pos, ("node", 1, members[0][1][2], strip, ())))
                continue
            groups_with_copies += 1
            best_ref, best_rank = min(members, key=lambda m: m[1])
            min_id = min(rank[2] for _, rank in members)
            copies = tuple(sorted(ref for ref, _ in members if ref != best_ref))
            unit, pos = split_ref(best_ref)
            yield from out.add(unit, (pos, ("node", len(members), min_id, strip, copies)))
            for ref in copies:
                self.copies.inc()
                unit, pos = split_ref(ref)
                yield from out.add(unit, (pos, ("copy", best_rank[2])))
        yield from out.flush()
        if groups_with_copies:
            yield STAT, "exact:groups", groups_with_copies


def _unit_info(batches: Iterable[Batch]) -> dict[int, Any]:
    return dict(_flat(batches))


def _unit_and_info(element: tuple[int, dict[str, Iterable[Any]]]) -> tuple[int, Any, dict, dict]:
    """(unit, {unit: [payload], exact: batches, near: batches}) → unit, payload, and the exact and
    near info by position."""
    unit, joined = element
    near = _unit_info(joined.get("near", ()))
    return unit, next(iter(joined["unit"])), _unit_info(joined["exact"]), near


def _survivor(info: Any, doc: Doc) -> tuple[int, str, frozenset[int] | None, tuple[int, ...]]:
    """(weight, min_id, lines to strip, copy refs) of a document that is no exact copy; `info` is
    None for a document without copies or boilerplate."""
    return (1, doc.id, None, ()) if info is None else info[1:]


# ---------------------------------------------------------------------------------------------
# MinHash LSH candidate edges


class Sign(_UnitStep):
    """(unit, {unit: [payload], exact: batches}) → ("band", part, [(band key, ref | (ref, sig))]) and
    ("info", part, [(ref, rank, weight, min_id, id, copy refs)]) for every live survivor."""

    def __init__(self, cfg: DedupConfig, reader: ReaderConfig) -> None:
        super().__init__(cfg, reader)
        self.bands, self.rows = cfg.bands_rows()
        self.signed = _counter("signatures")

    def process(self, element: tuple[int, dict[str, Iterable[Any]]]) -> Iterator[tuple[str, Any, Batch]]:
        unit, payload, info, _ = _unit_and_info(element)
        cfg, parts = self.cfg, self.parts
        bands, infos = _Batches("band"), _Batches("info")
        for ref, doc in _live_docs(unit, payload, self.reader):
            node = info.get(split_ref(ref)[1])
            if node is not None and node[0] == "copy":
                continue
            weight, min_id, strip, copies = _survivor(node, doc)
            text = strip_lines(doc.text, strip)[0] if strip else doc.text
            if not text.strip():  # emptied by boilerplate: dropped in Apply
                continue
            sig = doc_signature(text, doc.lang, cfg)
            if sig is None:  # no shingles: nothing to compare
                continue
            self.signed.inc()
            value = (ref, signature_bytes(sig)) if cfg.verify else ref
            for band in band_keys(sig, self.bands, self.rows):
                yield from bands.add(_key_part(band, parts), (band, value))
            rank = survivor_rank(doc, cfg)
            yield from infos.add(_int_part(ref, parts), (ref, rank, weight, min_id, doc.id, copies))
        yield from bands.flush()
        yield from infos.flush()


def _edge(a: Any, b: Any) -> tuple[Any, Any]:
    return (a, b) if a < b else (b, a)


class BucketEdges(beam.DoFn):
    """(band key, members) → (EDGE, a, b) star edges from the smallest key; STAT tuples.

    k members give k-1 edges, never k². A bucket over `max_bucket_size` is split by a hash of the
    key into ceil(k / max_bucket_size) stars whose centres are chained in key order, so no node
    gets more than about `max_bucket_size` + 2 edges. With `verify_threshold`, members are
    (key, signature bytes) and an edge is kept only when the two signatures agree that much.
    """

    def __init__(self, max_bucket_size: int, verify_threshold: float | None = None) -> None:
        self.cap = max_bucket_size
        self.verify_threshold = verify_threshold
        self.huge = _counter("huge_buckets")
        self.rejected = _counter("edges_rejected")

    def _key_sig(self, member: Any) -> tuple[Any, Any]:
        return member if self.verify_threshold is not None else (member, None)

    def _link(self, a: tuple[Any, Any], b: tuple[Any, Any]) -> Iterator[tuple[Any, ...]]:
        if self.verify_threshold is not None:
            sim = signature_jaccard(signature_from_bytes(a[1]), signature_from_bytes(b[1]))
            if sim < self.verify_threshold:
                self.rejected.inc()
                yield STAT, "near:edges_rejected", 1
                return
        yield (EDGE, *_edge(a[0], b[0]))

    def process(self, element: tuple[Any, Iterable[Any]]) -> Iterator[tuple[Any, ...]]:
        members = element[1]
        members = list(members) if iter(members) is members else members
        n, centre = 0, None
        for m in members:
            ks = self._key_sig(m)
            if centre is None or ks[0] < centre[0]:
                centre = ks
            n += 1
        if n < 2 or centre is None:
            return
        if n <= self.cap:
            for m in members:
                ks = self._key_sig(m)
                if ks[0] != centre[0]:
                    yield from self._link(centre, ks)
            return
        self.huge.inc()
        yield STAT, "near:huge_buckets", 1
        groups = math.ceil(n / self.cap)

        def group(k: Any) -> int:
            return xxhash.xxh3_64_intdigest(repr(k).encode("utf-8")) % groups

        centres: dict[int, tuple[Any, Any]] = {}
        for m in members:
            ks = self._key_sig(m)
            g = group(ks[0])
            if g not in centres or ks[0] < centres[g][0]:
                centres[g] = ks
        for m in members:
            ks = self._key_sig(m)
            c = centres[group(ks[0])]
            if ks[0] != c[0]:
                yield from self._link(c, ks)
        chain = sorted(centres.values(), key=lambda ks: ks[0])
        for a, b in itertools.pairwise(chain):
            yield from self._link(a, b)


class Buckets(beam.DoFn):
    """(band part, [(band key, member)] batches) → ("edge", part of a, [(a, b)]) and STAT tuples."""

    def __init__(self, cfg: DedupConfig) -> None:
        verify = cfg.verify_threshold if cfg.verify else None
        self.edges = BucketEdges(cfg.max_bucket_size, verify)
        self.parts = cfg.partitions

    def process(self, element: tuple[int, Iterable[Batch]]) -> Iterator[tuple[Any, ...]]:
        buckets: dict[bytes, list[Any]] = defaultdict(list)
        for band, member in _flat(element[1]):
            buckets[band].append(member)
        out = _Batches(EDGE)
        stats: Counter[str] = Counter()
        for band, members in buckets.items():
            if len(members) < 2:
                continue
            for item in self.edges.process((band, members)):
                if item[0] == EDGE:
                    yield from out.add(_int_part(item[1], self.parts), item[1:])
                else:
                    stats[item[1]] += item[2]
        yield from out.flush()
        for name, n in stats.items():
            yield STAT, name, n


# ---------------------------------------------------------------------------------------------
# connected components, on batches of edges keyed by partition


def _adjacency(batches: Iterable[Batch]) -> dict[Any, set[Any]]:
    nbrs: dict[Any, set[Any]] = defaultdict(set)
    for u, v in _flat(batches):
        nbrs[u].add(v)
    return nbrs


class DistinctEdges(beam.DoFn):
    """(part of a, [(a, b)] batches) → ("adj", part, [(u, v)]) both ways, each edge once; its count."""

    def __init__(self, parts: int) -> None:
        self.parts = parts

    def process(self, element: tuple[int, Iterable[Batch]]) -> Iterator[tuple[Any, ...]]:
        edges = set(_flat(element[1]))
        out = _Batches("adj")
        for a, b in edges:
            yield from out.add(_int_part(a, self.parts), (a, b))
            yield from out.add(_int_part(b, self.parts), (b, a))
        yield from out.flush()
        if edges:
            yield STAT, "near:candidate_edges", len(edges)


class LargeStar(beam.DoFn):
    """(part, [(u, v)] both ways) → ("smaller", part of v, [(v, m)]) for each neighbour v > u,
    m = min(u, neighbours of u): every larger neighbour is linked to the smallest node it can see."""

    def __init__(self, parts: int) -> None:
        self.parts = parts

    def process(self, element: tuple[int, Iterable[Batch]]) -> Iterator[tuple[Any, ...]]:
        out = _Batches("smaller")
        for u, nbrs in _adjacency(element[1]).items():
            m = min(u, min(nbrs))
            for v in nbrs:
                if v > u:
                    yield from out.add(_int_part(v, self.parts), (v, m))
        yield from out.flush()


class SmallStar(beam.DoFn):
    """(part, [(v, smaller node)]) → ("adj", part, [(a, b)]) both ways: v and its smaller neighbours
    all linked to the smallest of them."""

    def __init__(self, parts: int) -> None:
        self.parts = parts

    def process(self, element: tuple[int, Iterable[Batch]]) -> Iterator[tuple[Any, ...]]:
        out = _Batches("adj")
        for v, smaller in _adjacency(element[1]).items():
            m = min(smaller)
            for w in itertools.chain(smaller, (v,)):
                if w != m:
                    yield from out.add(_int_part(m, self.parts), (m, w))
                    yield from out.add(_int_part(w, self.parts), (w, m))
        yield from out.flush()


class LabelNodes(beam.DoFn):
    """(part, [(u, v)] both ways) → ("label", part, [(u, min(u, neighbours))]) and the unconverged count.

    After convergence every component is a star around its smallest node: a node with a smaller
    neighbour has exactly one neighbour. The check is local to each node.
    """

    def __init__(self) -> None:
        self.unconverged = _counter("components_unconverged_nodes")

    def process(self, element: tuple[int, Iterable[Batch]]) -> Iterator[tuple[Any, ...]]:
        labels, bad = [], 0
        for u, nbrs in _adjacency(element[1]).items():
            m = min(u, min(nbrs))
            labels.append((u, m))
            if m < u and len(nbrs) > 1:
                bad += 1
        yield "label", element[0], labels
        if bad:
            self.unconverged.inc(bad)
            yield STAT, UNCONVERGED, bad


def _keyed(kind: str) -> Any:
    return beam.FlatMap(_select, kind)


class BatchedComponents(beam.PTransform):
    """("adj" batches keyed by partition, both ways) → (label batches by partition of the node, STAT).

    Alternates large-star and small-star (Kiveris et al., "Connected Components in MapReduce and
    Beyond", 2014), unrolled `max_rounds` times in the pipeline graph: O(log n) rounds in practice
    (a sorted path of 40 nodes needs 6). If the graph is not a set of stars after the last round,
    the stats count the nodes that show it; their labels may then split a component.
    """

    def __init__(self, max_rounds: int, parts: int) -> None:
        super().__init__()
        self.max_rounds = max_rounds
        self.parts = parts

    def expand(self, adj: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        for r in range(1, self.max_rounds + 1):
            adj = (
                adj
                | f"Round{r}Group" >> beam.GroupByKey()
                | f"Round{r}LargeStar" >> beam.ParDo(LargeStar(self.parts))
                | f"Round{r}Smaller" >> _keyed("smaller")
                | f"Round{r}GroupSmaller" >> beam.GroupByKey()
                | f"Round{r}SmallStar" >> beam.ParDo(SmallStar(self.parts))
                | f"Round{r}Adj" >> _keyed("adj")
            )
        out = adj | "FinalGroup" >> beam.GroupByKey() | "Label" >> beam.ParDo(LabelNodes())
        return out | "Labels" >> _keyed("label"), out | "Unconverged" >> beam.Filter(_is, STAT)


class ConnectedComponents(beam.PTransform):
    """Integer edges (a, b) → ((node, smallest node of its component), unconverged node count):
    `BatchedComponents` for a PCollection of single edges."""

    def __init__(self, max_rounds: int, parts: int = 16) -> None:
        super().__init__()
        self.max_rounds = max_rounds
        self.parts = parts

    def expand(self, edges: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        parts = self.parts

        def both_ways(e: tuple[int, int]) -> list[tuple[int, list[tuple[int, int]]]]:
            a, b = e
            return [(_int_part(a, parts), [(a, b)]), (_int_part(b, parts), [(b, a)])]

        adj = edges | "BothWays" >> beam.FlatMap(both_ways)
        labels, stats = adj | "Batched" >> BatchedComponents(self.max_rounds, parts)
        return (
            labels | "Unbatch" >> beam.FlatMap(lambda kv: kv[1]),
            stats | "UnconvergedCount" >> beam.Map(lambda t: t[2]),
        )


# ---------------------------------------------------------------------------------------------
# one survivor per cluster


class JoinLabels(beam.DoFn):
    """(part, {label: batches, info: batches}) → ("member", part of label, [(label, node info)])."""

    def __init__(self, parts: int) -> None:
        self.parts = parts

    def process(self, element: tuple[int, dict[str, Iterable[Batch]]]) -> Iterator[tuple[Any, ...]]:
        joined = element[1]
        labels = dict(_flat(joined["label"]))
        if not labels:
            return
        out = _Batches("member")
        for info in _flat(joined["info"]):
            label = labels.get(info[0])
            if label is not None:
                yield from out.add(_int_part(label, self.parts), (label, info))
        yield from out.flush()


class PickClusterSurvivors(beam.DoFn):
    """(part, [(label, (ref, rank, weight, min_id, id, copies))]) → ("near", unit, [(position, verdict)]).

    verdict = ("keep", cluster_id, cluster_size), ("near", survivor id) or, for an exact copy of a
    dropped member, ("copy", survivor id). cluster_id is the smallest id of all input documents in
    the cluster, cluster_size their number (exact copies included).
    """

    def __init__(self) -> None:
        self.dropped = _counter(f"filtered:{NEAR.split(':')[1]}")

    def process(self, element: tuple[int, Iterable[Batch]]) -> Iterator[tuple[Any, ...]]:
        clusters: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for label, info in _flat(element[1]):
            clusters[label].append(info)
        out = _Batches("near")
        for members in clusters.values():
            best = min(members, key=lambda m: m[1])
            size = sum(m[2] for m in members)
            cluster_id = min(m[3] for m in members)
            for ref, _, _, _, _, copies in members:
                unit, pos = split_ref(ref)
                if ref == best[0]:
                    yield from out.add(unit, (pos, ("keep", cluster_id, size)))
                    continue
                self.dropped.inc()
                yield from out.add(unit, (pos, ("near", best[4])))
                for copy in copies:
                    unit, pos = split_ref(copy)
                    yield from out.add(unit, (pos, ("copy", best[4])))
        yield from out.flush()
        if clusters:
            yield STAT, "near:clusters", len(clusters)


# ---------------------------------------------------------------------------------------------
# verdicts applied to each unit


def _verdict_docs(
    unit: int, payload: tuple[Any, ...], exact: dict[int, Any], near: dict[int, Any], reader: ReaderConfig
) -> Iterator[tuple[Any, ...]]:
    """The unit's records with their verdicts: ("doc", Doc) kept or dropped, ("error", ErrorRecord),
    ("read", record); STAT / DOMAIN tuples for the boilerplate lines removed."""
    for pos, item in enumerate(unit_items(payload, reader)):
        yield "read", item
        if isinstance(item, ErrorRecord):
            yield "error", item
            continue
        if item.drop:
            yield "doc", item
            continue
        first, later = exact.get(pos), near.get(pos)
        if first is not None and first[0] == "copy":
            survivor = later[1] if later is not None else first[1]  # its survivor's own survivor
            yield "doc", dataclasses.replace(item, drop=EXACT, duplicate_of=survivor)
            continue
        weight, min_id, strip, _ = _survivor(first, item)
        doc = item
        if strip:
            text, removed = strip_lines(item.text, strip)
            if removed:
                yield STAT, "boilerplate:lines_removed", removed
                yield STAT, "boilerplate:docs_changed", 1
                yield DOMAIN, item.domain or "", removed
                if not text.strip():
                    yield STAT, "boilerplate:docs_emptied", 1
                    yield "doc", dataclasses.replace(item, drop=BOILERPLATE)
                    continue
                meta = {**item.meta, "boilerplate_lines_removed": removed}
                doc = dataclasses.replace(item, text=text, meta=meta)
        if later is not None and later[0] == "near":
            yield "doc", dataclasses.replace(doc, drop=NEAR, duplicate_of=later[1])
        else:
            cluster_id, size = later[1:] if later is not None else (min_id, weight)
            yield "doc", dataclasses.replace(doc, cluster_id=cluster_id, cluster_size=size)


class Apply(_UnitStep):
    """(unit, {unit, exact, near}) → ("doc", unit, Doc) for every record of the unit, STAT, DOMAIN."""

    def process(self, element: tuple[int, dict[str, Iterable[Any]]]) -> Iterator[tuple[Any, ...]]:
        unit, payload, exact, near = _unit_and_info(element)
        stats: Counter[tuple[str, str]] = Counter()
        for item in _verdict_docs(unit, payload, exact, near, self.reader):
            if item[0] == "doc":
                yield "doc", unit, item[1]
            elif item[0] in (STAT, DOMAIN):
                stats[item[:2]] += item[2]
        for (kind, name), n in stats.items():
            yield kind, name, n


@dataclass(frozen=True)
class ShardOutput:
    """Where the job writes each unit: DIR/kept and DIR/dropped, part-<unit>-of-<units>, in `fmt`."""

    directory: str
    units: int
    fmt: str = "jsonl"
    write_dropped: bool = True


class ApplyAndWrite(_UnitStep):
    """Apply, writing the unit's kept and dropped records straight to its shards (the job: no shuffle
    of documents). Emits ("count", (kind, detail), n) for stats.json, ("error", ErrorRecord), STAT, DOMAIN."""

    def __init__(self, cfg: DedupConfig, reader: ReaderConfig, output: ShardOutput) -> None:
        super().__init__(cfg, reader)
        self.output = output

    def process(self, element: tuple[int, dict[str, Iterable[Any]]]) -> Iterator[tuple[Any, ...]]:
        unit, payload, exact, near = _unit_and_info(element)
        o = self.output
        kept = ShardWriter(FileSystems.join(o.directory, "kept"), unit, o.units, o.fmt)
        dropped = None
        if o.write_dropped:
            dropped = ShardWriter(FileSystems.join(o.directory, "dropped"), unit, o.units, o.fmt)
        outcomes: Counter[tuple[str, str]] = Counter()
        stats: Counter[tuple[str, str]] = Counter()
        for item in _verdict_docs(unit, payload, exact, near, self.reader):
            kind = item[0]
            if kind == "doc":
                doc = item[1]
                outcomes[outcome_key("dropped" if doc.drop else "kept", doc)] += 1
                if not doc.drop:
                    kept.write(doc.to_json())
                elif dropped is not None:
                    dropped.write(doc.to_json())
            elif kind == "read":
                outcomes[outcome_key("read", item[1])] += 1
            elif kind == "error":
                outcomes[outcome_key("errors", item[1])] += 1
                yield "error", None, item[1]
            else:
                stats[item[:2]] += item[2]
        kept.close()
        if dropped is not None:
            dropped.close()
        for key, n in outcomes.items():
            yield "count", key, n
        for (kind, name), n in stats.items():
            yield kind, name, n


# ---------------------------------------------------------------------------------------------
# stats


def build_dedup_stats(items: Iterable[tuple[str, Any]], cfg: DedupConfig) -> dict[str, Any]:
    """The `dedup` section of stats.json from (("count", (name, n)) | ("domains", [(domain, n)])) items."""
    counts: dict[str, int] = {}
    domains: list[tuple[str, int]] = []
    for kind, value in items:
        if kind == "count":
            counts[value[0]] = value[1]
        elif kind == "domains":
            domains = list(value)
    bands, rows = cfg.bands_rows()

    def section(prefix: str, names: tuple[str, ...]) -> dict[str, int]:
        return {name: counts.get(f"{prefix}:{name}", 0) for name in names}

    unconverged = counts.get(UNCONVERGED, 0)
    return {
        "minhash": {
            "num_perm": cfg.num_perm, "seed": cfg.seed, "scheme": cfg.scheme, "hashfunc": cfg.hashfunc,
            "bands": bands, "rows": rows,
            "lsh_threshold": round(lsh_threshold(bands, rows), 4), "ngram_zh": cfg.ngram_zh,
            "ngram_en": cfg.ngram_en, "verify": cfg.verify,
        },
        "exact": section("exact", ("groups",)),
        "boilerplate": {
            "min_pages": cfg.boilerplate_min_pages,
            **section("boilerplate", ("lines_removed", "docs_changed", "docs_emptied")),
            "top_domains": {d: n for d, n in sorted(domains, key=lambda dn: (-dn[1], dn[0]))},
        },
        "near": section("near", ("candidate_edges", "edges_rejected", "huge_buckets", "clusters")),
        "components": {
            "max_rounds": cfg.max_rounds, "converged": unconverged == 0, "unconverged_nodes": unconverged,
        },
    }


class DedupStats(beam.PTransform):
    """{"stats": (STAT, name, n), "domains": (DOMAIN, domain, n)} → one dict (always one element).

    Gathered by a GroupByKey on one key with a seed element: no global combine, no side input.
    """

    def __init__(self, cfg: DedupConfig) -> None:
        super().__init__()
        self.cfg = cfg

    def expand(self, parts: dict[str, beam.PCollection]) -> beam.PCollection:
        counts = (
            parts["stats"]
            | "Counts" >> beam.Map(lambda t: t[1:])
            | "SumCounts" >> beam.CombinePerKey(sum)
            | "KeyCounts" >> beam.Map(lambda kv: (None, ("count", kv)))
        )
        top = self.cfg.stats_top_domains
        domains = (
            parts["domains"]
            | "DomainCounts" >> beam.Map(lambda t: t[1:])
            | "SumDomains" >> beam.CombinePerKey(sum)
            | "KeyDomains" >> beam.Map(lambda kv: (None, kv))
            | "TopDomains" >> beam.combiners.Top.PerKey(top, key=lambda dn: (dn[1], dn[0]))
            | "TagDomains" >> beam.Map(lambda kv: (None, ("domains", kv[1])))
        )
        seed = counts.pipeline | "Seed" >> beam.Create([(None, ("seed", None))])
        cfg = self.cfg
        return (
            (counts, domains, seed)
            | "Gather" >> beam.Flatten()
            | "OneGroup" >> beam.GroupByKey()
            | "Build" >> beam.MapTuple(lambda _, items: build_dedup_stats(items, cfg))
        )


# ---------------------------------------------------------------------------------------------
# the whole stage


class DedupUnits(beam.PTransform):
    """(unit id, payload) → the Apply step's output (`Apply`, or `ApplyAndWrite` with `output`).

    After expansion `self.stats` is a one-element PCollection with the stage's stats dict
    (`build_dedup_stats`).
    """

    def __init__(
        self, cfg: DedupConfig, reader: ReaderConfig | None = None, output: ShardOutput | None = None
    ) -> None:
        super().__init__()
        self.cfg = cfg
        self.reader = reader or ReaderConfig()
        self.output = output
        self.stats: beam.PCollection | None = None

    def expand(self, units: beam.PCollection) -> beam.PCollection:
        cfg, reader, parts = self.cfg, self.reader, self.cfg.partitions
        scanned = units | "Scan" >> beam.ParDo(Scan(cfg, reader))
        first = {"content": scanned | "Contents" >> _keyed("content")}
        if cfg.boilerplate:
            first["flag"] = (
                scanned
                | "Lines" >> _keyed("line")
                | "GroupLines" >> beam.GroupByKey()
                | "FlagLines" >> beam.ParDo(FlagLines(cfg.boilerplate_min_pages, parts))
                | "Flags" >> _keyed("flag")
            )
        exact_out = first | "JoinContents" >> beam.CoGroupByKey()
        exact_out = exact_out | "Exact" >> beam.ParDo(PickExactSurvivors())
        exact = exact_out | "ExactInfo" >> _keyed("exact")
        stats = [exact_out | "ExactStats" >> beam.Filter(_is, STAT)]
        apply_in = {"unit": units, "exact": exact}
        if cfg.near:
            signed = (
                {"unit": units, "exact": exact}
                | "JoinForSign" >> beam.CoGroupByKey()
                | "Sign" >> beam.ParDo(Sign(cfg, reader))
            )
            bucketed = (
                signed
                | "Bands" >> _keyed("band")
                | "GroupBands" >> beam.GroupByKey()
                | "Buckets" >> beam.ParDo(Buckets(cfg))
            )
            distinct = (
                bucketed
                | "Edges" >> _keyed(EDGE)
                | "GroupEdges" >> beam.GroupByKey()
                | "DistinctEdges" >> beam.ParDo(DistinctEdges(parts))
            )
            adj = distinct | "Adjacency" >> _keyed("adj")
            labels, unconverged = adj | "Components" >> BatchedComponents(cfg.max_rounds, parts)
            clusters = (
                {"label": labels, "info": signed | "Infos" >> _keyed("info")}
                | "JoinLabels" >> beam.CoGroupByKey()
                | "Members" >> beam.ParDo(JoinLabels(parts))
                | "ByCluster" >> _keyed("member")
                | "GroupClusters" >> beam.GroupByKey()
                | "PickSurvivors" >> beam.ParDo(PickClusterSurvivors())
            )
            apply_in["near"] = clusters | "NearVerdicts" >> _keyed("near")
            stats += [
                bucketed | "BucketStats" >> beam.Filter(_is, STAT),
                distinct | "EdgeStats" >> beam.Filter(_is, STAT),
                unconverged,
                clusters | "ClusterStats" >> beam.Filter(_is, STAT),
            ]
        step = Apply(cfg, reader) if self.output is None else ApplyAndWrite(cfg, reader, self.output)
        out = apply_in | "JoinVerdicts" >> beam.CoGroupByKey() | "Apply" >> beam.ParDo(step)
        stats.append(out | "ApplyStats" >> beam.Filter(_is, STAT))
        domains = out | "Domains" >> beam.Filter(_is, DOMAIN)
        all_stats = stats | "AllStats" >> beam.Flatten()
        self.stats = {"stats": all_stats, "domains": domains} | "Stats" >> DedupStats(cfg)
        return out


def _chunk_of(doc: Doc, chunks: int) -> tuple[int, Doc]:
    return xxhash.xxh3_64_intdigest(node_key(doc)) % chunks, doc


def _doc_unit(chunk: int, docs: Iterable[Doc]) -> tuple[int, tuple[str, list[Doc]]]:
    return chunk, ("docs", sorted(docs, key=node_key))


class Deduplicate(beam.PTransform):
    """Docs → (kept Docs with `cluster_id`/`cluster_size`, dropped Docs with `drop` and `duplicate_of`).

    Exact copies ("dedup:exact"), then per-domain boilerplate lines (removed from the text; a page
    left empty is dropped as "dedup:boilerplate"), then MinHash LSH near duplicates ("dedup:near"),
    across all sources. The survivor of a cluster is the best by `survivor_rank`; every dropped
    document names it in `duplicate_of`. The documents travel as `doc_chunks` units (one shuffle);
    after expansion `self.stats` is a one-element PCollection with the stage's stats dict.
    """

    def __init__(self, cfg: DedupConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.stats: beam.PCollection | None = None

    def expand(self, docs: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        chunks = self.cfg.doc_chunks
        units = (
            docs
            | "Chunk" >> beam.Map(_chunk_of, chunks)
            | "GroupChunks" >> beam.GroupByKey()
            | "Units" >> beam.MapTuple(_doc_unit)
        )
        stage = DedupUnits(self.cfg)
        out = units | "Dedup" >> stage
        self.stats = stage.stats
        docs_out = out | "Docs" >> beam.FlatMap(lambda t: [t[2]] if t[0] == "doc" else [])
        kept = docs_out | "Kept" >> beam.Filter(lambda d: d.drop is None)
        dropped = docs_out | "Dropped" >> beam.Filter(lambda d: d.drop is not None)
        return kept, dropped
