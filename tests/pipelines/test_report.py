"""The report job: exact aggregates on a hand-countable run, comparison, SFT stats, the page in Chromium."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipelines.aggregate import (
    CHAR_EDGES,
    CLUSTER_EDGES,
    HistogramFn,
    SumFn,
    TopKFn,
    build_aggregate,
    restore_doc,
)
from pipelines.readers import ReaderConfig, doc_from_mapping
from pipelines.records import Doc
from pipelines.render import render_html, render_markdown
from pipelines.report import build_report, load_loop_report, load_sft_stats, loop_section, run, sft_section
from pipelines.transforms import PARQUET_JSON_FIELDS
from tests.chromium import Chromium
from training.tokenizer import count_tokens

IN_MEMORY = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]


def zh(n: int) -> str:
    return ("这是一个关于小镇的故事，河边的老屋和青石板路。" * 200)[:n]


def en(n: int) -> str:
    return ("The keeper wrote the weather in the ledger every night. " * 100)[:n]


# Kept documents: 4 zh (web 3, literature 1), 2 en (web 1, book 1); sizes chosen for known bins.
KEPT = [
    Doc(
        id="k1",
        text=zh(150),
        source="web",
        locator="a#1",
        url="http://a.cn/1",
        domain="a.cn",
        country="CN",
        lang="zh",
        cluster_id="k1",
        cluster_size=3,
        signals={"pii_email": 2.0, "pii_per_1k": 13.3, "icp": 1.0},
        meta={"icp": ["京ICP备12345678号"], "sensitive_hits": {"crime": 1}},
    ),
    Doc(
        id="k2",
        text=zh(30),
        source="web",
        locator="b#1",
        domain="b.cn",
        country="CN",
        lang="zh",
        cluster_size=1,
    ),
    Doc(
        id="k3",
        text=zh(700),
        source="web",
        locator="b#2",
        domain="b.cn",
        country="CN",
        lang="zh",
        cluster_size=1,
    ),
    Doc(
        id="k4",
        text=en(1200),
        source="web",
        locator="c#1",
        domain="c.com",
        country="US",
        lang="en",
        cluster_size=2,
        signals={"pii_phone": 1.0},
    ),
    Doc(id="k5", text=en(2500), source="book", locator="book.txt#chapter=1", lang="en", cluster_size=1),
    Doc(id="k6", text=zh(8), source="literature", locator="poems.jsonl:1", lang="zh", cluster_size=1),
]
DROPPED = [
    Doc(
        id="d1",
        text=zh(20),
        source="web",
        locator="d#1",
        domain="d.cn",
        lang="zh",
        drop="quality:chinesewebtext:short_text",
    ),
    Doc(
        id="d2",
        text="これは日本語のページです。" * 20,
        source="web",
        locator="e#1",
        domain="e.jp",
        lang="ja",
        drop="langid:other_language",
    ),
    Doc(id="d3", text="", source="web", locator="d#2", domain="d.cn", drop="read:http_status_404"),
    Doc(
        id="d4",
        text=en(2400),
        source="book",
        locator="book2.txt#chapter=1",
        lang="en",
        drop="dedup:near",
        duplicate_of="k5",
    ),
]
STATS = {
    "read": 11,
    "kept": 6,
    "dropped": 4,
    "errors": 1,
    "accounted": True,
    "dropped_by_stage": {
        "dedup": {"near": 1},
        "langid": {"other_language": 1},
        "quality": {"chinesewebtext:short_text": 1},
        "read": {"http_status_404": 1},
    },
    "errors_by_stage": {"extract": {"parse_error": 1}},
    "read_by_source": {"book": 2, "literature": 1, "web": 8},
    "kept_by_source_lang": {"book/en": 1, "literature/zh": 1, "web/en": 1, "web/zh": 3},
    "compliance": {"country_database": "test-db"},
}
SFT = {"name": "sft-test", "before": {"code": 10, "math": 30}, "after": {"code": 20, "math": 20}}


def write_jsonl(folder: Path, docs: list[Doc]) -> None:
    folder.mkdir(parents=True)
    lines = "".join(d.to_json() + "\n" for d in docs)
    (folder / "part-00000-of-00001.jsonl.gz").write_bytes(gzip.compress(lines.encode()))


def write_parquet(folder: Path, docs: list[Doc]) -> None:
    """As the corpus job writes Parquet: `meta` and `signals` as JSON text."""
    folder.mkdir(parents=True)
    rows = []
    for d in docs:
        row = d.to_dict()
        for name in PARQUET_JSON_FIELDS:
            row[name] = json.dumps(row[name], ensure_ascii=False, sort_keys=True)
        rows.append(row)
    names = list(dict.fromkeys(k for r in rows for k in r))
    pq.write_table(
        pa.Table.from_pydict({n: [r.get(n) for r in rows] for n in names}),
        folder / "part-00000-of-00001.parquet",
    )


@pytest.fixture(scope="module")
def report_run(tmp_path_factory) -> tuple[Path, dict]:
    """The run above, compared with a baseline (Parquet shards) where k2 was dropped as too short."""
    root = tmp_path_factory.mktemp("report")
    run_dir, base_dir = root / "run", root / "base"
    write_jsonl(run_dir / "kept", KEPT)
    write_jsonl(run_dir / "dropped", DROPPED)
    (run_dir / "stats.json").write_text(json.dumps(STATS))
    k2_dropped = Doc(**{**KEPT[1].__dict__, "drop": "quality:chinesewebtext:short_text"})
    write_parquet(base_dir / "kept", [d for d in KEPT if d.id != "k2"])
    write_parquet(base_dir / "dropped", [*DROPPED, k2_dropped])
    base_stats = json.loads(json.dumps(STATS))
    base_stats.update(kept=5, dropped=5)
    base_stats["dropped_by_stage"]["quality"]["chinesewebtext:short_text"] = 2
    (base_dir / "stats.json").write_text(json.dumps(base_stats))
    sft = root / "sft.json"
    sft.write_text(json.dumps(SFT))
    out = root / "out"
    report = run(
        [
            "--run",
            str(run_dir),
            "--compare",
            str(base_dir),
            "--sft-stats",
            str(sft),
            "--output",
            str(out),
            *IN_MEMORY,
        ],
        save_main_session=False,
    )
    return out, report


def tokens(docs: list[Doc]) -> int:
    return sum(count_tokens([d.text for d in docs]))


# ---------------------------------------------------------------------------------------------
# combiners


def test_combiners_merge_exactly() -> None:
    h = HistogramFn([0, 1, 2, 5, 10])
    accs = [h.add_input(h.create_accumulator(), x) for x in (0, 1, 4, 5, 9, 10, 10_000)]
    assert h.extract_output(h.merge_accumulators(accs)) == [1, 1, 1, 2, 2]
    top = TopKFn(2)
    a = top.add_input(top.add_input(top.create_accumulator(), ("b.cn", (2, 5))), ("a.cn", (1, 9)))
    b = top.add_input(top.create_accumulator(), ("c.com", (1, 9)))
    assert top.extract_output(top.merge_accumulators([a, b])) == [("b.cn", (2, 5)), ("a.cn", (1, 9))]
    s = SumFn()
    assert s.extract_output(s.merge_accumulators([s.add_input([], (1, 2, 3)), [], [4, 5, 6]])) == (5, 7, 9)
    with pytest.raises(ValueError, match="increasing"):
        HistogramFn([0, 2, 1])


def test_combiners_in_a_pipeline() -> None:
    with TestPipeline() as p:
        out = (
            p
            | beam.Create([("zh", 3), ("zh", 150), ("en", 1200), ("zh", 160)])
            | beam.CombinePerKey(HistogramFn(CHAR_EDGES))
            | beam.MapTuple(lambda k, counts: (k, {CHAR_EDGES[i]: n for i, n in enumerate(counts) if n}))
        )
        assert_that(out, equal_to([("zh", {2: 1, 100: 2}), ("en", {1000: 1})]))


def test_restore_doc_brings_back_the_written_fields() -> None:
    doc = KEPT[0]
    row = doc.to_dict()
    row["signals"] = json.dumps(row["signals"])
    row["meta"] = json.dumps(row["meta"], ensure_ascii=False)
    read = restore_doc(doc_from_mapping(row, "x.parquet#row=0", "web", ReaderConfig()))
    assert (read.source, read.locator, read.cluster_size, read.cluster_id) == ("web", "a#1", 3, "k1")
    assert read.signals == doc.signals and read.meta == doc.meta and read.drop is None
    dropped = restore_doc(doc_from_mapping(DROPPED[3].to_dict(), "x:1", "web", ReaderConfig()))
    assert (dropped.source, dropped.drop, dropped.duplicate_of) == ("book", "dedup:near", "k5")


def test_an_empty_run_still_renders() -> None:
    r = build_report(build_aggregate([]), None, name="empty", tokenizer={"default": True, "vocab_size": 1})
    assert r["summary"]["kept"] == 0 and r["waterfall"]["steps"] == []
    assert "<svg" in render_html(r) and "# corpusloop report: empty" in render_markdown(r)
    assert any("stats.json" in n for n in r["notes"])


# ---------------------------------------------------------------------------------------------
# the report's numbers


def test_shares_are_exact(report_run) -> None:
    _, r = report_run
    lang = {row["key"]: row for row in r["shares"]["lang"]}
    assert (lang["zh"]["docs"], lang["zh"]["chars"]) == (4, 888)
    assert (lang["en"]["docs"], lang["en"]["chars"]) == (2, 3700)
    assert lang["zh"]["tokens"] == tokens([KEPT[i] for i in (0, 1, 2, 5)])
    assert lang["en"]["tokens"] == tokens([KEPT[3], KEPT[4]])
    assert lang["zh"]["docs_share"] == round(4 / 6, 6)
    src = {row["key"]: (row["docs"], row["chars"]) for row in r["shares"]["source"]}
    assert src == {"web": (4, 2080), "book": (1, 2500), "literature": (1, 8)}
    sl = {row["key"]: row["docs"] for row in r["shares"]["source_lang"]}
    assert sl == {"web/zh": 3, "web/en": 1, "book/en": 1, "literature/zh": 1}
    s = r["summary"]
    assert (s["read"], s["kept"], s["dropped"], s["errors"], s["accounted"]) == (11, 6, 4, 1, True)
    assert s["kept_tokens"] == tokens(KEPT)


def test_country_table_and_domains(report_run) -> None:
    _, r = report_run
    c = r["countries"]
    assert [(x["country"], x["sites"], x["pages"], x["page_share"]) for x in c["tables"]["*"]] == [
        ("CN", 2, 3, 0.75),
        ("US", 1, 1, 0.25),
    ]
    assert [(x["country"], x["sites"], x["pages"]) for x in c["tables"]["zh"]] == [("CN", 2, 3)]
    assert c["icp"]["zh"] == {"pages": 3, "with_icp": 1, "coverage": round(1 / 3, 6)}
    assert c["country_database"] == "test-db"
    kept = r["top_domains"]["kept"]
    assert kept[0]["domain"] == "b.cn" and kept[0]["docs"] == 2
    assert {d["domain"] for d in kept} == {"a.cn", "b.cn", "c.com"}
    assert [d["domain"] for d in r["top_domains"]["dropped"]] == ["d.cn", "e.jp"]
    assert r["top_domains"]["distinct"] == {"dropped": 2, "kept": 3}


def test_waterfall_counts_documents_and_tokens_per_stage(report_run) -> None:
    _, r = report_run
    wf = r["waterfall"]
    steps = [(s["stage"], s["docs_lost"], s["docs_left"]) for s in wf["steps"]]
    assert steps == [("read", 1, 10), ("extract", 1, 9), ("langid", 1, 8), ("quality", 1, 7), ("dedup", 1, 6)]
    by_stage = {s["stage"]: s for s in wf["steps"]}
    assert by_stage["extract"]["reasons"] == [
        {"reason": "parse_error", "kind": "error", "docs": 1, "tokens": 0}
    ]
    assert by_stage["read"]["tokens_lost"] == 0
    assert by_stage["dedup"]["tokens_lost"] == tokens([DROPPED[3]])
    assert wf["start"] == {"docs": 11, "tokens": tokens(KEPT) + tokens(DROPPED)}
    assert wf["end"] == {"docs": 6, "tokens": tokens(KEPT)}


def test_histograms_clusters_pii_and_sensitive(report_run) -> None:
    _, r = report_run
    h = r["histograms"]["chars"]
    bins = {
        lang: {h["lower"][i]: n for i, n in enumerate(counts) if n} for lang, counts in h["series"].items()
    }
    assert bins == {"zh": {5: 1, 20: 1, 100: 1, 500: 1}, "en": {1000: 1, 2000: 1}}
    assert h["labels"][0] == "5–9" and h["labels"][-1] == "2,000–4,999"
    c = r["clusters"]
    cbins = {
        lang: {c["histogram"]["labels"][i]: n for i, n in enumerate(v) if n}
        for lang, v in c["histogram"]["series"].items()
    }
    assert cbins == {"zh": {"1": 3, "3–4": 1}, "en": {"1": 1, "2": 1}}
    assert CLUSTER_EDGES[:5] == [1, 2, 3, 5, 9]
    assert c["by_lang"] == {
        "en": {"docs": 2, "from_duplicates": 1, "represented": 3},
        "zh": {"docs": 4, "from_duplicates": 1, "represented": 6},
    }
    assert r["compliance"]["pii"] == {"EMAIL": {"docs": 1, "matches": 2}, "PHONE": {"docs": 1, "matches": 1}}
    assert r["compliance"]["sensitive"] == {"crime": {"docs": 1, "hits": 1}}


def test_comparison_with_a_parquet_baseline(report_run) -> None:
    _, r = report_run
    c = r["compare"]
    assert c["totals"]["kept"] == {"baseline": 5, "run": 6, "delta": 1, "relative": 0.2}
    assert c["totals"]["kept_tokens"]["delta"] == tokens([KEPT[1]])
    drops = {d["reason"]: d["delta"] for d in c["drops"]}
    assert drops["quality:chinesewebtext:short_text"] == -1 and drops["dedup:near"] == 0
    zh_share = next(row for row in c["shares"]["lang"] if row["key"] == "zh")
    assert zh_share["docs"]["delta"] == 1 and zh_share["token_share_pp"] > 0


def test_sft_section(report_run, tmp_path) -> None:
    _, r = report_run
    (s,) = r["sft"]
    assert (s["name"], s["total_before"], s["total_after"]) == ("sft-test", 40, 40)
    assert [(x["category"], x["before_share"], x["after_share"], x["change_pp"]) for x in s["rows"]] == [
        ("math", 0.75, 0.5, -25.0),
        ("code", 0.25, 0.5, 25.0),
    ]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"before": {"code": -1}, "after": {}}))
    with pytest.raises(ValueError, match="count >= 0"):
        load_sft_stats(str(bad))
    bad.write_text(json.dumps({"before": {"code": 1}}))
    with pytest.raises(ValueError, match="expected"):
        load_sft_stats(str(bad))
    bad.write_text(json.dumps({**SFT, "target": {"code": 1.5}}))
    with pytest.raises(ValueError, match="shares in"):
        load_sft_stats(str(bad))


def test_sft_section_with_target(tmp_path) -> None:
    """`corpusloop sft rebalance` writes a target beside before/after: shares vs target in every output."""
    path = tmp_path / "sft_stats.json"
    path.write_text(json.dumps({**SFT, "target": {"code": 0.6, "math": 0.4}}))
    stats = load_sft_stats(str(path))
    s = sft_section(stats)
    assert [(x["category"], x["after_share"], x["target_share"]) for x in s["rows"]] == [
        ("math", 0.5, 0.4),
        ("code", 0.5, 0.6),
    ]
    empty = {"default": True, "vocab_size": 1}
    r = build_report(build_aggregate([]), None, name="sft", tokenizer=empty, sft=[stats])
    assert r["sft"] == [s]
    assert "| math | 30 | 75.0% | 20 | 50.0% | 40.0% |" in render_markdown(r)
    html = render_html(r)
    assert html.count("· target share:") == 2 and "<th class=n>target</th>" in html


def test_loop_scores_over_iterations_in_every_output(tmp_path) -> None:
    """`corpusloop loop report` → loop_report.json → a line chart and a table, weakest category first."""
    path = tmp_path / "loop_report.json"
    path.write_text(json.dumps({
        "run": "out/loop", "metric": "inv_ppl", "iterations": [1, 2],
        "scores": {"math": [0.2, 0.5], "code": [0.3, None]},
        "weights": {"math": [0.5, 0.7], "code": [0.5, 0.3]},
        "causes": {"math": ["poor_results", "too_little_data"], "code": ["poor_results", None]},
    }))
    loop = loop_section(load_loop_report(str(path)))
    assert [(r["category"], r["first"], r["last"], r["weight_last"], r["cause"]) for r in loop["rows"]] == [
        ("code", 0.3, 0.3, 0.3, "poor_results"), ("math", 0.2, 0.5, 0.7, "too_little_data"),
    ]
    assert loop["rows"][1]["change"] == pytest.approx(0.3)
    empty = {"default": True, "vocab_size": 1}
    data = load_loop_report(str(path))
    r = build_report(build_aggregate([]), None, name="loop", tokenizer=empty, loop=data)
    assert r["loop"] == loop
    html = render_html(r)
    assert 'data-chart="loop-scores"' in html and html.count("<polyline") == 1  # code has one point
    assert "| math | 0.2 | 0.5 | 70.0% | too_little_data |" in render_markdown(r)
    path.write_text(json.dumps({"iterations": [1, 2], "scores": {"math": [0.1]}}))
    with pytest.raises(ValueError, match=r"scores\['math'\] must be 2 numbers"):
        load_loop_report(str(path))


def test_outputs_and_markdown(report_run) -> None:
    out, r = report_run
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
    assert json.loads((out / "report.json").read_text()) == r
    md = (out / "report.md").read_text()
    assert "| zh | 4 | 66.7% |" in md and "## Compared with" in md and "## SFT categories: sft-test" in md
    assert render_html(r) == (out / "report.html").read_text() and render_markdown(r) == md
    page = render_html(r)
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "<script" not in page
    assert "Noto Sans CJK SC" in page and "WenQuanYi" in page


def test_the_page_in_headless_chromium(report_run, chromium_binary, tmp_path) -> None:
    out, _ = report_run
    html = (out / "report.html").read_text()
    with Chromium(chromium_binary) as browser:
        page = browser.check_page(out / "report.html")
    assert page.console_errors == []
    assert all(u.startswith(("file://", "data:")) for u in page.requests), page.requests
    assert page.title.startswith("corpusloop report")
    names = {c["name"] for c in page.charts}
    assert len(page.charts) == html.count('<svg class="chart"')
    assert names >= {
        "share-lang",
        "share-source",
        "tokens-source-lang",
        "countries-all",
        "countries-zh",
        "domains-kept",
        "domains-dropped",
        "waterfall-docs",
        "waterfall-tokens",
        "hist-chars",
        "hist-tokens",
        "hist-cluster",
        "pii",
        "sensitive",
        "sft-sft-test",
        "compare-shares",
        "compare-drops",
    }
    for chart in page.charts:
        assert chart["elements"] >= 4 and chart["width"] > 100 and chart["height"] > 20, chart
    shot = tmp_path / "report.png"
    shot.write_bytes(page.screenshot)
    png = page.screenshot
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # the IHDR chunk
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and width == 1280 and height > 2000
