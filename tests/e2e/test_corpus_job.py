"""End-to-end runs of `pipelines.corpus.run` on the bundled samples and on broken inputs."""

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.corpus import run

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
SAMPLE_ARGS = [
    "--input",
    str(SAMPLES / "web" / "*.warc.gz"),
    "--source",
    "web",
    "--input",
    str(SAMPLES / "web" / "pages.jsonl"),
    "--source",
    "web",
    "--input",
    str(SAMPLES / "books" / "*.txt"),
    "--source",
    "book",
    "--input",
    str(SAMPLES / "literature" / "*.jsonl"),
    "--source",
    "literature",
]
IN_MEMORY = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]


def read_lines(folder: Path) -> list[dict]:
    out = []
    for f in sorted(folder.glob("part-*.jsonl.gz")):
        out += [json.loads(line) for line in gzip.decompress(f.read_bytes()).decode().splitlines()]
    return out


def output_bytes(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[Path, dict]:
    """The demo's job: DirectRunner in multi-process mode, the default."""
    out = tmp_path_factory.mktemp("demo")
    stats = run([*SAMPLE_ARGS, "--output", str(out)], save_main_session=False)
    return out, stats


def by_url(docs: list[dict]) -> dict[str, dict]:
    return {d["url"]: d for d in docs if d.get("url")}


def test_every_record_is_accounted_for(demo_run) -> None:
    out, stats = demo_run
    kept, dropped, errors = read_lines(out / "kept"), read_lines(out / "dropped"), read_lines(out / "errors")
    assert stats["read"] == stats["kept"] + stats["dropped"] + stats["errors"]
    assert (len(kept), len(dropped), len(errors)) == (stats["kept"], stats["dropped"], stats["errors"])
    # 20 WARC responses, 5 JSONL pages, 9 book chapters, 15 literature records
    assert stats["read_by_source"] == {"book": 9, "literature": 15, "web": 25}
    assert json.loads((out / "stats.json").read_text()) == stats
    assert "langid:" in (out / "config.yaml").read_text()


def test_web_pages_meet_their_expected_fates(demo_run) -> None:
    out, _ = demo_run
    kept, dropped = by_url(read_lines(out / "kept")), by_url(read_lines(out / "dropped"))
    assert (
        dropped["https://www.sakura-tayori.jp/blog/2023/10/autumn-riverside-walk.html"]["drop"]
        == "langid:other_language"
    )
    assert dropped["https://news.qinghe-daily.com.cn/static/img/logo.png"]["drop"] == "read:not_html"
    assert (
        dropped["https://www.riverside-naturalists.org/field-notes/2019/old-page.html"]["drop"]
        == "read:http_status_404"
    )
    assert dropped["http://www.mianfei-xiazai-zhan.cn/soft/index.html"]["drop"].startswith("quality:")
    assert dropped["http://best-cheap-deals-online-now.com/cheap-watches-best-price.html"]["drop"].startswith(
        "quality:"
    )
    assert dropped["https://account.qinghe-daily.com.cn/login"]["drop"] == "quality:chinesewebtext:short_text"
    # GBK declared in HTTP only, gb2312 declared but GBK-only characters, and undeclared GBK
    forum = kept["http://bbs.zhongyuan-luntan.cn/thread-88231-1-1.html"]
    assert forum["meta"]["encoding"] == "gb18030" and "李喆" in forum["text"]
    assert kept["http://www.jiangnan-wenhua.com.cn/show/2023/0620/canal-town.html"]["text"].startswith(
        "从高速公路下来"
    )
    assert (
        kept["http://www.xibei-nongye.cn/zixun/2023/1018/apple-harvest.html"]["meta"]["encoding_source"]
        == "detected"
    )
    # Big5 traditional page comes out simplified; hosted in Taiwan with no ICP number, the
    # domestic-hosting rule of configs/compliance.yaml drops it
    taipei = dropped["https://www.taibei-shuwu.tw/articles/2023/05/old-bookshop.html"]
    assert "旧书店" in taipei["text"] and "舊書店" not in taipei["text"]
    assert (taipei["drop"], taipei["country"]) == ("compliance:not_domestic", "TW")
    # mojibake and full-width letters fixed
    kettle = kept["https://www.thekettlejournal.com/people/2023/08/cafe-and-the-road-works"]
    assert "café" in kettle["text"] and "Ã" not in kettle["text"]
    battery = kept["https://www.huaxia-keji.com.cn/news/2023/0912/battery-recycling.html"]
    assert "CEO" in battery["text"] and "ＣＥＯ" not in battery["text"] and "，" in battery["text"]
    # the crawl's facts travel with the record
    news = kept["http://news.qinghe-daily.com.cn/2023/0815/city-library-night-hours.html"]
    assert news["ip"] and news["domain"] == "news.qinghe-daily.com.cn" and news["meta"]["warc_date"]
    assert news["lang"] == "zh" and news["lang_score"] >= 0.5
    assert {"han_share", "dup_line_frac"} <= set(news["signals"])


def test_compliance_fates_and_report(demo_run) -> None:
    out, stats = demo_run
    kept, dropped = read_lines(out / "kept"), read_lines(out / "dropped")
    assert stats["dropped_by_stage"]["compliance"] == {"license_not_allowed": 1, "not_domestic": 1}
    essay = next(d for d in dropped if d["locator"].endswith("essays.jsonl:5"))
    assert essay["drop"] == "compliance:license_not_allowed"
    assert essay["license"] == "LicenseRef-All-Rights-Reserved"
    # the ICP footer is read from the raw HTML before extraction drops it
    community = by_url(kept)["https://www.beifang-shenghuo.cn/article/10234.html"]
    assert community["meta"]["icp"] == ["京ICP备17042365号-1", "京公网安备11010502038721号"]
    assert community["signals"]["icp"] == 1.0 and community["country"] == "CN"
    assert {d["country"] for d in kept if d["source"] == "web"} == {"CN", "US", "GB"}
    assert {d["license"] for d in kept if d["source"] == "book"} == {"LicenseRef-Gutenberg"}
    report = stats["compliance"]
    assert report["country_database"].startswith("corpusloop-demo-country")
    assert list(report["countries"]) == ["CN", "US", "GB"]  # most pages first
    assert report["countries"]["CN"] == {
        "sites": 8,
        "pages": 8,
        "share": 0.7273,
        "zh_pages": 8,
        "top_domains": [
            ["bbs.zhongyuan-luntan.cn", 1],
            ["beifang-shenghuo.cn", 1],
            ["blog.lanshan.cn", 1],
            ["huaxia-keji.com.cn", 1],
            ["jiangnan-wenhua.com.cn", 1],
        ],
    }
    assert (report["zh_web_domestic_share"], report["icp"]["zh_pages_with_icp"]) == (1.0, 1)
    assert report["licenses"]["literature/CC0-1.0"] == 10
    # contact details in the forum post and the ferry article are redacted to typed placeholders
    forum = by_url(kept)["http://bbs.zhongyuan-luntan.cn/thread-88231-1-1.html"]
    assert "139 1234 5678" not in forum["text"] and "lizhe.pingpong@example.com" not in forum["text"]
    assert "<PHONE>" in forum["text"] and "<EMAIL>" in forum["text"] and "<QQ>" in forum["text"]
    ferry = by_url(kept)["https://www.harbourlane-gazette.co.uk/news/local/ferry-timetable-change"]
    assert "<EMAIL>" in ferry["text"] and "<PHONE>" in ferry["text"]
    assert report["pii_redactions"] == {"EMAIL": 2, "PHONE": 2, "QQ": 1}
    assert report["docs_with_pii"] == 2


def test_books_and_poems(demo_run) -> None:
    out, _ = demo_run
    kept = read_lines(out / "kept")
    chapters = [d for d in kept if d["source"] == "book"]
    assert len(chapters) == 9
    assert not any("START OF THE" in d["text"] or "END OF THE" in d["text"] for d in chapters)
    poems = [d for d in kept if d["locator"].endswith(tuple(f"poems.jsonl:{i}" for i in range(1, 11)))]
    # short classical lines are literature, not spam, and not Japanese
    assert any(d["signals"].get("lang_script_fix") == 1.0 and d["lang"] == "zh" for d in poems)
    assert len(poems) >= 8


def test_same_input_gives_byte_identical_output(demo_run, tmp_path) -> None:
    out, _ = demo_run
    again = tmp_path / "again"
    run([*SAMPLE_ARGS, "--output", str(again), *IN_MEMORY], save_main_session=False)
    first, second = output_bytes(out), output_bytes(again)
    assert sorted(first) == sorted(second)
    assert first == second


def test_broken_inputs_are_errors_with_locators(tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    good_text = json.loads((SAMPLES / "literature" / "essays.jsonl").read_text().splitlines()[0])["text"]
    (src / "mixed.jsonl").write_bytes(
        json.dumps({"id": "ok-1", "text": good_text}, ensure_ascii=False).encode()
        + b"\n"
        + b"{this is not json\n"
        + b'{"id": "bad-utf8", "text": "caf\xe9 au lait"}\n'
        + b'{"id": "no-text", "body": "x"}\n'
    )
    full = gzip.compress(
        (
            "\n".join(json.dumps({"id": f"z{i}", "text": good_text}, ensure_ascii=False) for i in range(200))
            + "\n"
        ).encode()
    )
    (src / "truncated.jsonl.gz").write_bytes(full[: len(full) // 2])
    (src / "empty.jsonl").write_bytes(b"")
    (src / "huge.jsonl").write_bytes(b'{"id": "huge", "text": "' + b"a" * 50_000_000 + b'"}\n')
    out = tmp_path / "out"
    stats = run(
        ["--input", str(src / "*"), "--source", "web", "--output", str(out), *IN_MEMORY],
        save_main_session=False,
    )
    errors = {(e["locator"].replace(str(src) + "/", ""), e["reason"]) for e in read_lines(out / "errors")}
    assert ("mixed.jsonl:2", "not_json") in errors
    assert ("mixed.jsonl:3", "invalid_utf8") in errors
    assert ("mixed.jsonl:4", "missing_text") in errors
    assert ("empty.jsonl", "empty_file") in errors
    assert ("huge.jsonl:1", "too_large") in errors
    assert any(loc.startswith("truncated.jsonl.gz") and reason == "truncated_gzip" for loc, reason in errors)
    assert stats["errors"] == len(errors) == 6
    assert stats["read"] == stats["kept"] + stats["dropped"] + stats["errors"]
    assert stats["kept"] >= 2  # the good line and the lines before the truncation


def test_parquet_output(tmp_path) -> None:
    out = tmp_path / "pq"
    config = tmp_path / "c.yaml"
    config.write_text(
        f"output:\n  format: parquet\n  num_shards: 2\nquality: {ROOT / 'configs' / 'quality.yaml'}\n"
    )
    stats = run(
        [
            "--input",
            str(SAMPLES / "literature" / "*.jsonl"),
            "--source",
            "literature",
            "--output",
            str(out),
            "--config",
            str(config),
            *IN_MEMORY,
        ],
        save_main_session=False,
    )
    rows = [r for f in sorted((out / "kept").glob("*.parquet")) for r in pq.read_table(f).to_pylist()]
    assert len(rows) == stats["kept"] > 0
    assert json.loads(rows[0]["signals"])["han_share"] >= 0.0


def test_command_line(tmp_path) -> None:
    cli = Path(sys.executable).with_name("corpusloop")
    done = subprocess.run(
        [
            str(cli),
            "corpus",
            "run",
            "--input",
            str(tmp_path / "nothing-*.warc.gz"),
            "--source",
            "web",
            "--output",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "matches no file" in done.stderr
    helped = subprocess.run([str(cli), "--help"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "corpus run" in helped.stdout
