"""Beam stages of deduplication: exact copies, boilerplate lines, MinHash LSH, connected components.

Every stage is a keyed shuffle, so no worker holds the corpus, the LSH index or the duplicate graph:

    Docs ─ ExactAndBoilerplate: lines per (domain, line hash) → GroupByKey → lines on >= N texts;
           CoGroupByKey of documents and flagged lines on the content hash (xxh3-128 of the
           normalized text) ─► one survivor per exact-copy group, boilerplate lines removed
         ─ CandidateEdges (signatures → (band, band hash) → GroupByKey → stars from each bucket's
           smallest key, huge buckets as chained stars → optional signature-Jaccard check → Distinct)
         ─ ConnectedComponents (large-star / small-star, unrolled `max_rounds` times)
         ─ ClusterVerdicts (GroupByKey on component label: one survivor per cluster)
         ─ ApplyVerdicts (CoGroupByKey on doc key) ─► kept (cluster_id, cluster_size) / dropped

No tagged outputs: Beam's DaskRunner hands every tagged output of a DoFn to every consumer, so a
step with several kinds of result emits `(kind, key, value)` tuples and `_select` splits them.
Grouped values are iterated twice where a stage needs a minimum first (re-iterable on Beam's
runners; an iterator is materialized).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
import xxhash
from apache_beam.metrics import Metrics

from pipelines.records import Doc
from pipelines.text.minhash import (
    DedupConfig,
    band_keys,
    content_hash,
    doc_signature,
    line_hashes,
    lsh_threshold,
    signature_bytes,
    signature_from_bytes,
    signature_jaccard,
    strip_lines,
    survivor_rank,
)

STAGE = "dedup"
EXACT = f"{STAGE}:exact"
NEAR = f"{STAGE}:near"
BOILERPLATE = f"{STAGE}:boilerplate"  # a page left with no text once its boilerplate lines are gone
NODE, DUP, EDGE, STAT, DOMAIN = "node", "dup", "edge", "stat", "domain"
UNCONVERGED = "components:unconverged_nodes"
SEEN_LIMIT = 100_000  # neighbours remembered per node to skip repeated edges; beyond it repeats pass


@dataclass(frozen=True)
class Node:
    """An exact-dedup survivor on its way through the stages."""

    doc: Doc
    weight: int = 1  # input documents it stands for: itself and its exact copies
    min_id: str = ""  # smallest id among them
    emptied: bool = False  # every line was boilerplate: dropped at the end

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return Node, (self.doc, self.weight, self.min_id, self.emptied)  # compact pickle, as Doc's


def node_key(doc: Doc) -> bytes:
    """Graph key of a document: xxh3-128 of id and locator (ids may repeat across inputs).

    16 bytes whatever the locator's length: the key travels in every band bucket, edge and round.
    """
    return xxhash.xxh3_128_digest(f"{doc.id}\x00{doc.locator}".encode("utf-8", "surrogatepass"))


def _reiterable(values: Iterable[Any]) -> Iterable[Any]:
    return list(values) if iter(values) is values else values


def _select(item: tuple[Any, ...], kind: str) -> list[tuple[Any, ...]]:
    """(kind, key, value) → [(key, value)] when it is of `kind`."""
    return [item[1:]] if item[0] == kind else []


def _is(item: tuple[Any, ...], kind: str) -> bool:
    return item[0] == kind


def _counter(name: str) -> Any:
    return Metrics.counter(STAGE, name)


# ---------------------------------------------------------------------------------------------
# exact copies and boilerplate lines: one shuffle of the documents, keyed by content hash


def _domain_lines(
    element: tuple[str, tuple[bytes, Doc]], cfg: DedupConfig
) -> Iterator[tuple[tuple[str, int], tuple[tuple[Any, ...], str]]]:
    """(content key, (key, Doc)) → ((domain, line hash), (rank, content key)) per distinct line."""
    content, (_, doc) = element
    if doc.domain:
        rank = survivor_rank(doc, cfg)[:3]  # source, quality, id: the locator is not needed to break ties
        for h in line_hashes(doc.text):
            yield (doc.domain, h), (rank, content)


class FlagBoilerplate(beam.DoFn):
    """((domain, line hash), [(rank, content key)]) → (content key, line hash) to strip.

    A line on >= min_pages distinct texts of a domain is boilerplate. It is stripped from every text
    but the best-ranked one (C4 keeps one copy of a repeated span too): a template line stays on one
    page of the site, and an article posted at several URLs of one site keeps its whole text in its
    best copy instead of losing it everywhere.
    """

    def __init__(self, min_pages: int) -> None:
        self.min_pages = min_pages
        self.lines = _counter("boilerplate_lines")

    def process(
        self, element: tuple[tuple[str, int], Iterable[tuple[tuple[Any, ...], str]]]
    ) -> Iterator[tuple[str, int]]:
        (_, h), members = element
        members = _reiterable(members)
        best: tuple[tuple[Any, ...], str] | None = None
        contents: set[str] = set()
        for rank, c in members:
            contents.add(c)
            if best is None or (rank, c) < best:
                best = (rank, c)
        if len(contents) < self.min_pages or best is None:
            return
        self.lines.inc()
        for c in contents:
            if c != best[1]:
                yield c, h


class PickSurvivorAndStrip(beam.DoFn):
    """(content key, {docs: [(key, Doc)], lines: [line hash]}) → the exact-copy survivor, stripped.

    Emits (NODE, key, Node) for the survivor (best `survivor_rank`) with its boilerplate lines
    removed (`emptied` when nothing is left), (DUP, survivor key, Doc) for each exact copy, and
    (STAT, name, n) / (DOMAIN, domain, lines removed). With `exact` off, the content key is the
    document key and every document is its own survivor.
    """

    def __init__(self, cfg: DedupConfig) -> None:
        self.cfg = cfg
        self.copies = _counter(f"filtered:{EXACT.split(':')[1]}")

    def process(self, element: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[tuple[Any, ...]]:
        _, joined = element
        members = _reiterable(joined["docs"])
        flagged = set(joined.get("lines", ()))
        if not self.cfg.exact:
            for key, doc in members:
                yield from self._strip(key, Node(doc, 1, doc.id), flagged)
            return
        best_i, best_rank, best, n, min_id = -1, None, None, 0, None
        for i, (key, doc) in enumerate(members):
            rank = survivor_rank(doc, self.cfg)
            if best_rank is None or rank < best_rank:
                best_i, best_rank, best = i, rank, (key, doc)
            min_id = doc.id if min_id is None or doc.id < min_id else min_id
            n += 1
        assert best is not None and min_id is not None
        yield from self._strip(best[0], Node(best[1], n, min_id), flagged)
        if n > 1:
            yield STAT, "exact:groups", 1
            for i, (_, doc) in enumerate(members):
                if i != best_i:
                    self.copies.inc()
                    yield DUP, best[0], dataclasses.replace(doc, drop=EXACT)

    def _strip(self, key: bytes, node: Node, flagged: set[int]) -> Iterator[tuple[Any, ...]]:
        text, removed = strip_lines(node.doc.text, flagged) if flagged else (node.doc.text, 0)
        if not removed:
            yield NODE, key, node
            return
        yield STAT, "boilerplate:lines_removed", removed
        yield STAT, "boilerplate:docs_changed", 1
        yield DOMAIN, node.doc.domain or "", removed
        if not text.strip():
            yield STAT, "boilerplate:docs_emptied", 1
            yield NODE, key, dataclasses.replace(node, emptied=True)
            return
        meta = {**node.doc.meta, "boilerplate_lines_removed": removed}
        yield NODE, key, dataclasses.replace(node, doc=dataclasses.replace(node.doc, text=text, meta=meta))


class ExactAndBoilerplate(beam.PTransform):
    """(key, Doc) → (NODE, key, Node) survivors without boilerplate, (DUP, survivor key, Doc), STAT, DOMAIN.

    Exact copies share a content key (xxh3-128 of the normalized text). Boilerplate: a line (per
    domain, normalized) on >= `boilerplate_min_pages` distinct texts of that domain; the flagged
    lines come back to their texts by the same content key, so one CoGroupByKey serves both steps.
    A text shared by pages of several domains loses the lines flagged in any of them.
    """

    def __init__(self, cfg: DedupConfig) -> None:
        super().__init__()
        self.cfg = cfg

    def expand(self, keyed: beam.PCollection) -> beam.PCollection:
        cfg = self.cfg
        if cfg.exact:
            by_content = keyed | "KeyByContent" >> beam.Map(lambda kd: (content_hash(kd[1].text), kd))
        else:
            by_content = keyed | "KeyByDoc" >> beam.Map(lambda kd: (kd[0], kd))
        parts = {"docs": by_content}
        if cfg.boilerplate:
            parts["lines"] = (
                by_content
                | "DomainLines" >> beam.FlatMap(_domain_lines, cfg)
                | "GroupLines" >> beam.GroupByKey()
                | "FlagBoilerplate" >> beam.ParDo(FlagBoilerplate(cfg.boilerplate_min_pages))
            )
        return (
            parts
            | "JoinByContent" >> beam.CoGroupByKey()
            | "PickSurvivorAndStrip" >> beam.ParDo(PickSurvivorAndStrip(cfg))
        )


# ---------------------------------------------------------------------------------------------
# MinHash LSH candidate edges


class BandKeys(beam.DoFn):
    """(key, Node) → (band key, key), or (band key, (key, signature bytes)) when verifying."""

    def __init__(self, cfg: DedupConfig) -> None:
        self.cfg = cfg
        self.bands, self.rows = cfg.bands_rows()
        self.signed = _counter("signatures")

    def process(self, element: tuple[bytes, Node]) -> Iterator[tuple[bytes, Any]]:
        key, node = element
        sig = doc_signature(node.doc.text, node.doc.lang, self.cfg)
        if sig is None:  # no shingles: nothing to compare
            return
        self.signed.inc()
        value = (key, signature_bytes(sig)) if self.cfg.verify else key
        for band in band_keys(sig, self.bands, self.rows):
            yield band, value


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

    def process(self, element: tuple[bytes, Iterable[Any]]) -> Iterator[tuple[Any, ...]]:
        members = _reiterable(element[1])
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


class CandidateEdges(beam.PTransform):
    """(key, Node) → (distinct candidate edges (a, b) with a < b, STAT tuples)."""

    def __init__(self, cfg: DedupConfig) -> None:
        super().__init__()
        self.cfg = cfg

    def expand(self, nodes: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        verify = self.cfg.verify_threshold if self.cfg.verify else None
        out = (
            nodes
            | "BandKeys" >> beam.ParDo(BandKeys(self.cfg))
            | "GroupBuckets" >> beam.GroupByKey()
            | "BucketEdges" >> beam.ParDo(BucketEdges(self.cfg.max_bucket_size, verify))
        )
        edges = out | "Edges" >> beam.FlatMap(_select, EDGE) | "DistinctEdges" >> beam.Distinct()
        return edges, out | "EdgeStats" >> beam.Filter(lambda t: t[0] == STAT)


# ---------------------------------------------------------------------------------------------
# connected components


def _both_ways(edge: tuple[Any, Any]) -> list[tuple[Any, Any]]:
    a, b = edge
    return [(a, b), (b, a)]


class LargeStar(beam.DoFn):
    """(u, neighbours) → (m, v) for every neighbour v > u, m = min(u, neighbours)."""

    def process(self, element: tuple[Any, Iterable[Any]]) -> Iterator[tuple[Any, Any]]:
        u, nbrs = element
        nbrs = _reiterable(nbrs)
        m = min(u, min(nbrs))
        seen: set[Any] = set()
        for v in nbrs:
            if v > u and v not in seen:
                if len(seen) < SEEN_LIMIT:
                    seen.add(v)
                yield m, v


class SmallStar(beam.DoFn):
    """(u, smaller neighbours) → (m, v) for v in them and u, v != m, m = the smallest."""

    def process(self, element: tuple[Any, Iterable[Any]]) -> Iterator[tuple[Any, Any]]:
        u, smaller = element
        smaller = _reiterable(smaller)
        m = min(smaller)
        seen: set[Any] = set()
        for v in smaller:
            if v != m and v not in seen:
                if len(seen) < SEEN_LIMIT:
                    seen.add(v)
                yield m, v
        yield m, u


class LabelNodes(beam.DoFn):
    """(u, neighbours) → (u, min(u, neighbours)); counts u as unconverged unless the graph is stars.

    After convergence every component is a star around its smallest node: a node with a smaller
    neighbour has exactly one neighbour. The check is local to each node.
    """

    def __init__(self, unconverged_only: bool = False) -> None:
        self.unconverged_only = unconverged_only
        self.unconverged = _counter("components_unconverged_nodes")

    def process(self, element: tuple[Any, Iterable[Any]]) -> Iterator[Any]:
        u, nbrs = element
        m, smaller, larger = u, set(), False
        for v in nbrs:
            m = min(m, v)
            if v > u:
                larger = True
            elif len(smaller) < 2:
                smaller.add(v)
        bad = bool(smaller) and (len(smaller) > 1 or larger)
        if not self.unconverged_only:
            yield u, m
        elif bad:
            self.unconverged.inc()
            yield u


class ConnectedComponents(beam.PTransform):
    """Edges (a, b) → ((node, smallest node of its component), unconverged nodes).

    Alternates large-star and small-star (Kiveris et al., "Connected Components in MapReduce and
    Beyond", 2014), unrolled `max_rounds` times in the pipeline graph: O(log n) rounds in practice
    (a sorted path of 40 nodes needs 6). If the graph is not a set of stars after the last round,
    the second output holds the nodes that show it; their labels may then split a component.
    """

    def __init__(self, max_rounds: int) -> None:
        super().__init__()
        self.max_rounds = max_rounds

    def expand(self, edges: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        for r in range(1, self.max_rounds + 1):
            edges = (
                edges
                | f"Round{r}BothWays" >> beam.FlatMap(_both_ways)
                | f"Round{r}GroupNeighbours" >> beam.GroupByKey()
                | f"Round{r}LargeStar" >> beam.ParDo(LargeStar())
                | f"Round{r}KeyByLarger" >> beam.Map(lambda e: (e[1], e[0]))
                | f"Round{r}GroupSmaller" >> beam.GroupByKey()
                | f"Round{r}SmallStar" >> beam.ParDo(SmallStar())
            )
        grouped = edges | "FinalBothWays" >> beam.FlatMap(_both_ways) | "FinalGroup" >> beam.GroupByKey()
        labels = grouped | "Label" >> beam.ParDo(LabelNodes())
        unconverged = grouped | "Unconverged" >> beam.ParDo(LabelNodes(unconverged_only=True))
        return labels, unconverged


# ---------------------------------------------------------------------------------------------
# one survivor per cluster


def _node_info(kn: tuple[bytes, Node], cfg: DedupConfig) -> tuple[bytes, tuple[Any, ...]]:
    key, node = kn
    return key, (survivor_rank(node.doc, cfg), node.weight, node.min_id, node.doc.id)


def _labelled(element: tuple[bytes, dict[str, Iterable[Any]]]) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    key, joined = element
    labels, infos = list(joined["label"]), list(joined["info"])
    if labels and infos:
        yield labels[0], (key, *infos[0])


class PickClusterSurvivor(beam.DoFn):
    """(label, [(key, rank, weight, min_id, id)]) → (key, verdict) for each member.

    verdict = ("keep", cluster_id, cluster_size) or ("near", survivor id). cluster_id is the smallest
    id of all input documents in the cluster, cluster_size their number (exact copies included).
    """

    def __init__(self) -> None:
        self.dropped = _counter(f"filtered:{NEAR.split(':')[1]}")

    def process(self, element: tuple[Any, Iterable[tuple[Any, ...]]]) -> Iterator[tuple[Any, ...]]:
        members = _reiterable(element[1])
        best = None
        size, cluster_id = 0, None
        for key, rank, weight, min_id, doc_id in members:
            if best is None or rank < best[1]:
                best = (key, rank, doc_id)
            size += weight
            cluster_id = min_id if cluster_id is None or min_id < cluster_id else cluster_id
        assert best is not None
        yield STAT, "near:clusters", 1
        for key, *_ in members:
            if key == best[0]:
                yield NODE, key, ("keep", cluster_id, size)
            else:
                self.dropped.inc()
                yield NODE, key, ("near", best[2])


class ClusterVerdicts(beam.PTransform):
    """{"nodes": (key, Node), "labels": (key, label)} → (NODE, key, verdict) and STAT tuples."""

    def __init__(self, cfg: DedupConfig) -> None:
        super().__init__()
        self.cfg = cfg

    def expand(self, parts: dict[str, beam.PCollection]) -> beam.PCollection:
        info = parts["nodes"] | "NodeInfo" >> beam.Map(_node_info, self.cfg)
        return (
            {"label": parts["labels"], "info": info}
            | "JoinLabels" >> beam.CoGroupByKey()
            | "ByCluster" >> beam.FlatMap(_labelled)
            | "GroupClusters" >> beam.GroupByKey()
            | "PickSurvivor" >> beam.ParDo(PickClusterSurvivor())
        )


class ApplyVerdicts(beam.DoFn):
    """(key, {node, dup, verdict}) → Docs: kept with cluster_id/cluster_size, dropped with duplicate_of."""

    def process(self, element: tuple[bytes, dict[str, Iterable[Any]]]) -> Iterator[Doc]:
        _, joined = element
        verdicts = list(joined["verdict"])
        for node in joined["node"]:
            doc = node.doc
            if node.emptied:
                survivor = doc.id
                yield dataclasses.replace(doc, drop=BOILERPLATE)
            elif verdicts and verdicts[0][0] == "near":
                survivor = verdicts[0][1]
                yield dataclasses.replace(doc, drop=NEAR, duplicate_of=survivor)
            else:
                survivor = doc.id
                cluster_id, size = verdicts[0][1:] if verdicts else (node.min_id, node.weight)
                yield dataclasses.replace(doc, cluster_id=cluster_id, cluster_size=size)
            for copy in joined["dup"]:
                yield dataclasses.replace(copy, duplicate_of=survivor)


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


class Deduplicate(beam.PTransform):
    """Docs → (kept Docs with `cluster_id`/`cluster_size`, dropped Docs with `drop` and `duplicate_of`).

    Exact copies ("dedup:exact"), then per-domain boilerplate lines (removed from the text; a page
    left empty is dropped as "dedup:boilerplate"), then MinHash LSH near duplicates ("dedup:near"),
    across all sources. The survivor of a cluster is the best by `survivor_rank`; every dropped
    document names it in `duplicate_of`. After expansion `self.stats` is a one-element PCollection
    with the stage's stats dict (`build_dedup_stats`).
    """

    def __init__(self, cfg: DedupConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.stats: beam.PCollection | None = None

    def expand(self, docs: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        cfg = self.cfg
        keyed = docs | "KeyDocs" >> beam.Map(lambda d: (node_key(d), d))
        first = keyed | "ExactAndBoilerplate" >> ExactAndBoilerplate(cfg)
        nodes = first | "Survivors" >> beam.FlatMap(_select, NODE)
        dups = first | "ExactCopies" >> beam.FlatMap(_select, DUP)
        stats = [first | "FirstStats" >> beam.Filter(_is, STAT)]
        domains = first | "Domains" >> beam.Filter(_is, DOMAIN)
        if cfg.near:
            live = nodes | "NotEmptied" >> beam.Filter(lambda kn: not kn[1].emptied)
            edges, edge_stats = live | "Candidates" >> CandidateEdges(cfg)
            labels, unconverged = edges | "Components" >> ConnectedComponents(cfg.max_rounds)
            verdicts = {"nodes": live, "labels": labels} | "Clusters" >> ClusterVerdicts(cfg)
            stats += [
                edge_stats,
                edges | "CountEdges" >> beam.Map(lambda _: (STAT, "near:candidate_edges", 1)),
                unconverged | "CountUnconverged" >> beam.Map(lambda _: (STAT, UNCONVERGED, 1)),
                verdicts | "ClusterStats" >> beam.Filter(_is, STAT),
            ]
            verdicts = verdicts | "Verdicts" >> beam.FlatMap(_select, NODE)
        else:
            verdicts = keyed | "NoVerdicts" >> beam.FlatMap(lambda _: [])
        out = (
            {"node": nodes, "dup": dups, "verdict": verdicts}
            | "JoinVerdicts" >> beam.CoGroupByKey()
            | "ApplyVerdicts" >> beam.ParDo(ApplyVerdicts())
        )
        kept = out | "Kept" >> beam.Filter(lambda d: d.drop is None)
        dropped = out | "Dropped" >> beam.Filter(lambda d: d.drop is not None)
        all_stats = stats | "AllStats" >> beam.Flatten()
        self.stats = {"stats": all_stats, "domains": domains} | "Stats" >> DedupStats(cfg)
        return kept, dropped
