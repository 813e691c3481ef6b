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
    # Big5 traditional page comes out simplified
    taipei = kept["https://www.taibei-shuwu.tw/articles/2023/05/old-bookshop.html"]
    assert "旧书店" in taipei["text"] and "舊書店" not in taipei["text"]
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
