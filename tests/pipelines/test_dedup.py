"""Dedup Beam stages: components, bucket edges, boilerplate, the whole Deduplicate stage, the job."""

import dataclasses
import gzip
import itertools
import json
import pickle
import random
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipelines.corpus import run as corpus_run
from pipelines.dedup import run
from pipelines.dedup_transforms import (
    BOILERPLATE,
    EDGE,
    STAT,
    BucketEdges,
    ConnectedComponents,
    Deduplicate,
)
from pipelines.readers import read_path
from pipelines.records import Doc
from pipelines.text.minhash import DedupConfig, signature_bytes

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
IN_MEMORY = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]


def make_pipeline() -> TestPipeline:
    return TestPipeline(options=PipelineOptions(IN_MEMORY))


def collect(named: dict[str, beam.PCollection], folder: Path) -> None:
    """Write each PCollection's elements (pickled list) to folder/NAME.pkl for `collected`."""
    for name, pcoll in named.items():
        path = str(folder / f"{name}.pkl")
        _ = (
            pcoll
            | f"List[{name}]" >> beam.combiners.ToList()
            | f"Save[{name}]" >> beam.Map(lambda items, p=path: Path(p).write_bytes(pickle.dumps(items)))
        )


def collected(folder: Path, *names: str) -> list[list]:
    return [pickle.loads((folder / f"{name}.pkl").read_bytes()) for name in names]


# -- connected components --------------------------------------------------------------------------


def components(edges: list[tuple[int, int]], folder: Path, max_rounds: int = 12) -> tuple[list, list]:
    """Run ConnectedComponents in a TestPipeline; return (sorted labels, sorted unconverged nodes)."""
    with make_pipeline() as p:
        labels, unconverged = p | beam.Create(edges) | ConnectedComponents(max_rounds)
        collect({"labels": labels, "unconverged": unconverged}, folder)
    labels, unconverged = collected(folder, "labels", "unconverged")
    return sorted(labels), sorted(unconverged)


def test_components_of_a_long_path_a_star_and_two_separate_graphs(tmp_path) -> None:
    path = [(i, i + 1) for i in range(1, 40)]  # 1-2-...-40, ids in order: the slowest case
    star = [(100, 100 + k) for k in range(1, 30)] + [(105, 200)]  # a star, one leaf with a leaf
    shuffled = random.Random(0).sample(range(300, 340), 40)
    other_path = list(itertools.pairwise(shuffled))
    labels, unconverged = components(path + star + [(b, a) for a, b in other_path], tmp_path)
    expected = (
        [(i, 1) for i in range(1, 41)]
        + [(n, 100) for n in [100, *range(101, 130), 200]]
        + [(n, 300) for n in range(300, 340)]
    )
    assert labels == sorted(expected)
    assert unconverged == []


def test_components_report_when_rounds_run_out(tmp_path) -> None:
    labels, unconverged = components([(i, i + 1) for i in range(1, 40)], tmp_path, max_rounds=2)
    assert unconverged  # a 40-node path needs 6 rounds
    assert len(labels) == 40 and {label for _, label in labels} != {1}


def test_bucket_of_k_docs_gives_a_star_of_k_minus_1_edges() -> None:
    fn = BucketEdges(max_bucket_size=10)
    out = list(fn.process((b"band", ["d3", "d1", "d2", "d1x"])))
    assert sorted(out) == [(EDGE, "d1", "d1x"), (EDGE, "d1", "d2"), (EDGE, "d1", "d3")]
    assert list(fn.process((b"band", ["only"]))) == []


def test_huge_bucket_is_capped_and_chained() -> None:
    members = [f"doc{i:05d}" for i in range(2500)]
    out = list(BucketEdges(max_bucket_size=100).process((b"band", iter(members))))  # an iterator, too
    edges = [t[1:] for t in out if t[0] == EDGE]
    assert (STAT, "near:huge_buckets", 1) in out
    assert len(edges) == len(members) - 1  # a spanning tree: connected, no k² pairs
    degree: dict[str, int] = {}
    for a, b in edges:
        degree[a] = degree.get(a, 0) + 1
        degree[b] = degree.get(b, 0) + 1
    assert max(degree.values()) < 100 * 2  # no hot node
    parent = {m: m for m in members}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    assert len({find(m) for m in members}) == 1


def test_verification_drops_edges_below_the_signature_threshold() -> None:
    import numpy as np

    base = np.arange(10, dtype=np.uint32)
    near, far = base.copy(), base + 100
    near[0] = 99
    fn = BucketEdges(max_bucket_size=10, verify_threshold=0.8)
    members = [("a", signature_bytes(base)), ("b", signature_bytes(near)), ("c", signature_bytes(far))]
    out = list(fn.process((b"band", members)))
    assert [t for t in out if t[0] == EDGE] == [(EDGE, "a", "b")]
    assert (STAT, "near:edges_rejected", 1) in out


# -- the whole stage on realistic documents --------------------------------------------------------


def chapters(name: str) -> list[str]:
    docs = read_path(str(SAMPLES / "books" / name), "book")
    return [d.text for d in docs if d.locator.endswith(("=1", "=2", "=3"))]


def essays() -> dict[str, str]:
    lines = (SAMPLES / "literature" / "essays.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["id"]: r["text"] for r in map(json.loads, lines)}


def mutate(text: str, share: float, seed: int) -> str:
    """Replace `share` of the non-space characters with common characters of the same script."""
    rng = random.Random(seed)
    chars = list(text)
    spots = [i for i, c in enumerate(chars) if not c.isspace()]
    for i in rng.sample(spots, int(len(spots) * share)):
        chars[i] = rng.choice("的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后")
    return "".join(chars)


NAV = ["首页 | 新闻 | 图书 | 关于我们", "当前位置：首页 > 读书", "版权所有 © 2024 清河读书网 保留所有权利"]


def corpus() -> list[Doc]:
    """Books, literature and web copies with known fates (ids sort in the order the checks need)."""
    zh = chapters("zh_shancheng_yuji.txt")
    en1, en2 = chapters("en_ledger_of_gull_rock.txt"), chapters("en_ledger_of_gull_rock_2nd_ed.txt")
    es = essays()

    def d(id_: str, text: str, source: str, lang: str, domain: str | None = None, q: float | None = None):
        signals = {} if q is None else {"quality": q}
        return Doc(id_, text, source, f"t:{id_}", lang=lang, domain=domain, signals=signals)

    docs = [d(f"b-zh-{i}", t, "book", "zh") for i, t in enumerate(zh, 1)]
    docs += [d(f"b-en1-{i}", t, "book", "en") for i, t in enumerate(en1, 1)]
    docs += [d(f"b-en2-{i}", t, "book", "en") for i, t in enumerate(en2, 1)]  # 2nd edition: near copies
    docs += [
        # an exact copy of chapter 1 once whitespace and punctuation width are normalized
        d("w-exact-zh1", zh[0].replace("\n\n", "\n").replace("，", ","), "web", "zh", "a.example.cn"),
        # a near copy of chapter 2: 1% of characters changed and a header added
        d("w-near-zh2", "小说频道 › 山城雨季\n" + mutate(zh[1], 0.01, 1), "web", "zh", "b.example.cn"),
        # a web copy of the English chapter 3, with its site's header and footer
        d("w-copy-en3", f"Home | Books | Contact\n\n{en1[2]}\n\nShare this page", "web", "en", "c.example"),
        # two exact copies of a web page holding the 2nd edition's chapter 2 (near the 1st edition's)
        d("w-e2-2a", en2[1] + "\n\nMore stories on our site.", "web", "en", "d.example", q=0.5),
        d("w-e2-2b", en2[1] + "\n\nMore stories on our site.", "web", "en", "e.example", q=0.9),
        # a literature essay and two web copies with higher quality: literature still wins
        d("lit-001", es["essay-001"], "literature", "zh"),
        d("a-web-001", es["essay-001"], "web", "zh", "f.example.cn", q=0.99),
    ]
    # three pages of one site: shared navigation, different bodies; one page is navigation only
    bodies = [es["essay-002"], es["essay-003"], "\n".join(es["essay-004"].split(". ")[:6])]
    site = "read.qinghe.cn"
    for i, body in enumerate(bodies, 1):
        docs.append(d(f"n-page-{i}", "\n".join([NAV[0], NAV[1], body, NAV[2]]), "web", "zh", site))
    docs.append(d("n-page-4", "\n".join(NAV), "web", "zh", site))
    # two pages of another site share a line: under boilerplate_min_pages (3), nothing is removed
    notice, other = "本站公告：欢迎投稿\n", "other.example"
    docs.append(d("o-page-1", notice + es["essay-005"], "web", "en", other))
    docs.append(d("o-page-2", notice + mutate(es["essay-003"][:200], 0.5, 2), "web", "zh", other))
    return docs


@pytest.fixture(scope="module")
def deduped(tmp_path_factory) -> dict:
    docs, folder = corpus(), tmp_path_factory.mktemp("deduped")
    with make_pipeline() as p:
        dedup = Deduplicate(DedupConfig())
        kept, dropped = p | beam.Create(docs) | dedup
        collect({"kept": kept, "dropped": dropped, "stats": dedup.stats}, folder)
    kept, dropped, stats = collected(folder, "kept", "dropped", "stats")
    return {
        "kept": {d.id: d for d in kept},
        "dropped": {d.id: d for d in dropped},
        "stats": stats[0],
        "input": {d.id: d for d in docs},
    }


def test_every_document_is_kept_or_dropped_once(deduped) -> None:
    assert not set(deduped["kept"]) & set(deduped["dropped"])
    assert set(deduped["kept"]) | set(deduped["dropped"]) == set(deduped["input"])


def test_duplicates_are_dropped_with_their_survivor(deduped) -> None:
    fates = {i: (d.drop, d.duplicate_of) for i, d in deduped["dropped"].items()}
    assert fates == {
        "w-exact-zh1": ("dedup:exact", "b-zh-1"),
        "w-near-zh2": ("dedup:near", "b-zh-2"),
        "b-en2-1": ("dedup:near", "b-en1-1"),
        "b-en2-2": ("dedup:near", "b-en1-2"),
        "b-en2-3": ("dedup:near", "b-en1-3"),
        "w-copy-en3": ("dedup:near", "b-en1-3"),  # a web copy of a book chapter, across sources
        "w-e2-2b": ("dedup:near", "b-en1-2"),  # the exact-copy survivor (higher quality) ...
        "w-e2-2a": ("dedup:exact", "b-en1-2"),  # ... and its copy both name the final survivor
        "a-web-001": ("dedup:exact", "lit-001"),  # literature beats web whatever the quality
        "n-page-4": (BOILERPLATE, None),  # navigation only
    }


def test_consecutive_chapters_stay_apart_and_clusters_are_sized(deduped) -> None:
    clusters = {i: (d.cluster_id, d.cluster_size) for i, d in deduped["kept"].items()}
    assert clusters["b-zh-1"] == ("b-zh-1", 2)
    assert clusters["b-zh-2"] == ("b-zh-2", 2)
    assert clusters["b-zh-3"] == ("b-zh-3", 1)
    assert clusters["b-en1-1"] == ("b-en1-1", 2)
    assert clusters["b-en1-2"] == ("b-en1-2", 4)  # 2nd edition + two exact web copies
    assert clusters["b-en1-3"] == ("b-en1-3", 3)
    assert clusters["lit-001"] == ("a-web-001", 2)  # the smallest id in the cluster, dropped or not
    assert all(d.drop is None and d.duplicate_of is None for d in deduped["kept"].values())


def test_boilerplate_lines_are_removed_per_domain(deduped) -> None:
    kept, stats = deduped["kept"], deduped["stats"]
    # the best-ranked page of the site (smallest id among equals) keeps the template lines once
    assert kept["n-page-1"].text == deduped["input"]["n-page-1"].text
    for i in (2, 3):
        page = kept[f"n-page-{i}"]
        assert not any(line in page.text for line in NAV)
        assert page.text == deduped["input"][f"n-page-{i}"].text.split("\n", 2)[2].rsplit("\n", 1)[0]
        assert page.meta["boilerplate_lines_removed"] == 3
    assert kept["o-page-1"].text.startswith("本站公告")  # only 2 pages of other.example share it
    assert stats["boilerplate"] == {
        "min_pages": 3, "lines_removed": 9, "docs_changed": 3, "docs_emptied": 1,
        "top_domains": {"read.qinghe.cn": 9},
    }


def test_an_article_posted_three_times_on_one_site_keeps_its_text_in_its_best_copy(tmp_path) -> None:
    """Lines repeated on >= 3 pages of a site are stripped from all pages but the best-ranked one."""
    es = essays()
    paras = [p.strip() + "。" for p in es["essay-001"].replace("\n", "").split("。") if p.strip()][:8]
    assert len(paras) >= 6
    site, nav = "news.example.cn", ["首页 | 新闻 | 财经 | 体育", "© 2024 河畔新闻网 版权所有"]
    docs = []
    for i in range(3):  # the same article at three URLs, each with one paragraph edited
        body = [mutate(p, 0.3, 10 + i) if j == i else p for j, p in enumerate(paras)]
        text = "\n".join([nav[0], *body, nav[1]])
        docs.append(Doc(f"a-copy-{i}", text, "web", f"t:{i}", lang="zh", domain=site, signals={"quality": i}))
    for i, name in enumerate(("essay-002", "essay-003", "essay-005")):  # other articles, same frame
        text = "\n".join([nav[0], es[name], nav[1]])
        docs.append(Doc(f"b-page-{i}", text, "web", f"t:b{i}", lang="zh", domain=site))
    with make_pipeline() as p:
        dedup = Deduplicate(DedupConfig())
        kept, dropped = p | beam.Create(docs) | dedup
        collect({"kept": kept, "dropped": dropped}, tmp_path)
    kept, dropped = collected(tmp_path, "kept", "dropped")
    by_id = {d.id: d for d in kept + dropped}
    best = by_id["a-copy-2"]  # highest quality: its text stays whole, template included
    assert best.drop is None and best.text == docs[2].text
    for i in (0, 1):  # the other copies keep the lines on fewer than 3 pages: paragraphs 0-2 (edited)
        assert by_id[f"a-copy-{i}"].text == "\n".join(docs[i].text.split("\n")[1:4])
    for i, name in enumerate(("essay-002", "essay-003", "essay-005")):  # other pages lose the template
        assert by_id[f"b-page-{i}"].text == es[name].strip("\n")


def test_stage_stats(deduped) -> None:
    stats = deduped["stats"]
    assert stats["minhash"]["bands"] == 14 and stats["minhash"]["rows"] == 8
    assert stats["exact"] == {"groups": 3}
    near = stats["near"]
    assert (near["clusters"], near["edges_rejected"], near["huge_buckets"]) == (4, 0, 0)
    assert near["candidate_edges"] >= 5  # at least a spanning tree of the 5 near copies' clusters
    assert stats["components"] == {"max_rounds": 12, "converged": True, "unconverged_nodes": 0}


def test_stage_can_run_without_exact_or_boilerplate_steps() -> None:
    docs = [d for d in corpus() if d.id.startswith(("b-zh", "w-exact", "w-near"))]
    cfg = DedupConfig(exact=False, boilerplate=False, verify=True)
    with make_pipeline() as p:
        kept, dropped = p | beam.Create(docs) | Deduplicate(cfg)
        kept_sizes = kept | "KeptSizes" >> beam.Map(lambda d: (d.id, d.cluster_size))
        fates = dropped | "Fates" >> beam.Map(lambda d: (d.id, d.drop, d.duplicate_of))
        assert_that(kept_sizes, equal_to([("b-zh-1", 2), ("b-zh-2", 2), ("b-zh-3", 1)]), label="Kept")
        expected = [("w-exact-zh1", "dedup:near", "b-zh-1"), ("w-near-zh2", "dedup:near", "b-zh-2")]
        assert_that(fates, equal_to(expected), label="Dropped")


# -- the job ---------------------------------------------------------------------------------------


def write_jsonl(path: Path, docs: list[Doc]) -> None:
    rows = []
    for d in docs:
        row = {"id": d.id, "text": d.text, "source": d.source, "lang": d.lang, "meta": {"kind": "test"}}
        if d.domain:
            row["url"] = f"https://{d.domain}/{d.id}.html"
        if d.signals:
            row["signals"] = d.signals
        rows.append(json.dumps(row, ensure_ascii=False))
    data = ("\n".join(rows) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def job_inputs(tmp: Path) -> list[str]:
    docs = corpus()
    write_jsonl(tmp / "books.jsonl", [d for d in docs if d.source == "book"])
    write_jsonl(tmp / "web.jsonl.gz", [d for d in docs if d.source != "book"])
    (tmp / "broken.jsonl").write_text('{"id": "x", "text": "fine"}\nnot json\n', encoding="utf-8")
    return ["--input", str(tmp / "*.jsonl"), "--input", str(tmp / "*.jsonl.gz")]


def read_docs(folder: Path) -> list[dict]:
    out = []
    for f in sorted(folder.glob("part-*.jsonl.gz")):
        out += [json.loads(line) for line in gzip.decompress(f.read_bytes()).decode().splitlines()]
    return out


def output_bytes(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_dedup_job_accounts_for_every_record_and_reruns_byte_identical(tmp_path) -> None:
    (tmp_path / "in").mkdir()
    inputs = job_inputs(tmp_path / "in")
    first, second = tmp_path / "out1", tmp_path / "out2"
    stats = run([*inputs, "--output", str(first), *IN_MEMORY], save_main_session=False)
    assert stats["accounted"] and stats["read"] == len(corpus()) + 2  # + "fine" and one bad line
    assert (stats["kept"], stats["dropped"], stats["errors"]) == (len(corpus()) + 1 - 10, 10, 1)
    assert stats["dropped_by_stage"] == {"dedup": {"boilerplate": 1, "exact": 3, "near": 6}}
    assert stats["errors_by_stage"] == {"read": {"not_json": 1}}
    assert stats["read_by_source"] == {"book": 9, "literature": 1, "web": 14}
    assert stats["dedup"]["components"]["converged"] is True
    kept = {d["id"]: d for d in read_docs(first / "kept")}
    dropped = {d["id"]: d for d in read_docs(first / "dropped")}
    assert kept["b-en1-2"]["cluster_size"] == 4 and kept["b-en1-2"]["cluster_id"] == "b-en1-2"
    assert kept["b-en1-2"]["source"] == "book" and kept["b-en1-2"]["meta"] == {"kind": "test"}
    assert kept["b-en1-2"]["locator"].endswith("books.jsonl:5")
    assert (dropped["w-copy-en3"]["drop"], dropped["w-copy-en3"]["duplicate_of"]) == ("dedup:near", "b-en1-3")
    assert "duplicate_of" not in kept["b-en1-2"] and "cluster_id" not in dropped["w-copy-en3"]
    # the same input through the multi-process DirectRunner: the same bytes
    run([*inputs, "--output", str(second)], save_main_session=False)
    assert output_bytes(first) == output_bytes(second)


@pytest.mark.slow
def test_dedup_job_command_line_overrides_and_parquet(tmp_path) -> None:
    inputs = job_inputs(tmp_path)
    cfg = tmp_path / "dedup.yaml"
    cfg.write_text("output:\n  format: parquet\n", encoding="utf-8")
    out = tmp_path / "out"
    overrides = ["--config", str(cfg), "--threshold", "0.8", "--num-perm", "128"]
    stats = run([*inputs, "--output", str(out), *overrides, *IN_MEMORY], save_main_session=False)
    minhash = stats["dedup"]["minhash"]
    assert (minhash["num_perm"], minhash["bands"], minhash["rows"]) == (128, 9, 13)  # datasketch's for 0.8
    shards = sorted((out / "dropped").glob("*.parquet"))  # one per input file, named by its place
    assert [p.name for p in shards] == [f"part-0000{i}-of-00003.parquet" for i in range(3)]
    dropped = [row for shard in shards for row in pq.read_table(shard).to_pylist()]
    assert {r["id"]: r["duplicate_of"] for r in dropped}["n-page-4"] is None
    assert {r["id"]: r["duplicate_of"] for r in dropped}["w-exact-zh1"] == "b-zh-1"
    assert stats["accounted"]


@pytest.mark.slow
def test_corpus_job_runs_dedup_when_enabled(tmp_path) -> None:
    """The 2nd edition of the sample book is a near copy of the 1st: one of each chapter pair goes."""
    config = tmp_path / "corpus.yaml"
    config.write_text("dedup:\n  enabled: true\n", encoding="utf-8")
    out = tmp_path / "out"
    books = ["--input", str(SAMPLES / "books" / "en_*.txt"), "--source", "book"]
    args = [*books, "--output", str(out), "--config", str(config), *IN_MEMORY]
    stats = corpus_run(args, save_main_session=False)
    assert stats["accounted"] and stats["dropped_by_stage"]["dedup"] == {"near": 3}
    assert stats["dedup"]["near"]["clusters"] == 3
    kept, dropped = read_docs(out / "kept"), read_docs(out / "dropped")
    by_id = {d["id"]: d for d in kept}
    for d in dropped:
        survivor = by_id[d["duplicate_of"]]
        assert survivor["locator"].split("#")[1] == d["locator"].split("#")[1]  # the same chapter
        assert survivor["cluster_size"] == 2 and survivor["cluster_id"] == min(d["id"], survivor["id"])


@pytest.mark.slow
def test_dedup_job_on_a_dask_cluster_writes_what_the_direct_runner_writes(tmp_path) -> None:
    """A real multi-worker engine: a dask.distributed scheduler and two worker processes on 127.0.0.1."""
    import distributed  # a dev dependency: the engine test must run, not skip
    inputs = job_inputs(tmp_path)
    direct, on_dask = tmp_path / "direct", tmp_path / "dask"
    run([*inputs, "--output", str(direct), *IN_MEMORY], save_main_session=False)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        observer = distributed.Client(cluster)  # watches the task stream
        try:
            with distributed.get_task_stream(observer) as tasks:
                stats = run(
                    [*inputs, "--output", str(on_dask), "--dask_npartitions=1",
                     "--runner=apache_beam.runners.dask.dask_runner.DaskRunner",
                     f"--dask_client_address={cluster.scheduler_address}"],
                    save_main_session=False,
                )
            distributed.default_client().close()  # the runner's own client, the latest default
        finally:
            observer.close()
    assert len({t["worker"] for t in tasks.data}) == 2  # both worker processes ran tasks
    assert stats["accounted"] and stats["dropped"] == 10
    assert output_bytes(on_dask) == output_bytes(direct)


def test_dedup_fields_are_written_only_when_set() -> None:
    doc = Doc(id="a", text="t", source="web", locator="l")
    assert set(doc.to_dict()) >= {"id", "text"} and not {"cluster_id", "duplicate_of"} & set(doc.to_dict())
    kept = dataclasses.replace(doc, cluster_id="a", cluster_size=3)
    assert (kept.to_dict()["cluster_id"], kept.to_dict()["cluster_size"]) == ("a", 3)
    assert Doc.from_dict(kept.to_dict()) == kept


def test_records_read_back_get_their_fields_and_lose_stale_dedup_ones() -> None:
    from pipelines.dedup import restore_record_fields
    from pipelines.readers import ReaderConfig, doc_from_mapping

    row = {
        "id": "p1", "text": "a page", "source": "book", "locator": "b.txt#chapter=2",
        "signals": '{"quality": 0.8}', "cluster_id": "p0", "cluster_size": 3, "duplicate_of": "p0",
    }
    doc = restore_record_fields(doc_from_mapping(row, "x.parquet#row=0", "web", ReaderConfig()))
    assert (doc.source, doc.locator, doc.signals) == ("book", "b.txt#chapter=2", {"quality": 0.8})
    assert (doc.cluster_id, doc.cluster_size, doc.duplicate_of, doc.drop) == (None, None, None, None)
    assert not {"signals", "cluster_id", "cluster_size", "duplicate_of"} & set(doc.meta)
    read = doc_from_mapping({**row, "drop": "quality:short"}, "x:1", "web", ReaderConfig())
    dropped = restore_record_fields(read)
    assert dropped.drop == "quality:short"  # an input record that was dropped stays dropped
