"""Readers: exact outcomes on realistic and broken inputs, and on the shared real-data sets."""

from __future__ import annotations

import glob
import gzip
import io
import json
import os
import re
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.readers import (
    ReaderConfig,
    decode_html,
    input_format,
    read_path,
    read_stream,
    split_chapters,
    strip_gutenberg,
)
from pipelines.records import Doc, ErrorRecord, stable_id

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
MB = 1_000_000

ZH = "国务院总理今天在北京会见了来访的外国代表团，双方就经济合作和人民生活问题深入交换了意见。"
# Cantonese: 哋 and 喺 are only in Big5-HKSCS, not plain Big5.
ZH_TRAD = "我哋今日喺香港開會，討論經濟發展同埋社會問題，大家都覺得呢個會議好有意義。"


def _page(text: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>news</title></head><body><p>{text}</p></body></html>"


def _split(items: list[Doc | ErrorRecord]) -> tuple[list[Doc], list[ErrorRecord]]:
    return [i for i in items if isinstance(i, Doc)], [i for i in items if isinstance(i, ErrorRecord)]


def _outcome(item: Doc | ErrorRecord) -> tuple[str, str]:
    """(locator, what it became): an error reason, a drop reason, "html" or "text"."""
    if isinstance(item, ErrorRecord):
        return item.locator, item.reason
    return item.locator, item.drop or ("html" if item.html is not None else "text")


def _write_warc(path: Path, records: list[tuple], gz: bool = True) -> list[int]:
    """Write records (kind, url, status, content_type, body[, ip]); returns every record's offset."""
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "corpusloop-test"}))
        for kind, url, status, ctype, body, *ip in records:
            warc_headers = {"WARC-IP-Address": ip[0]} if ip else None
            if kind == "request":
                http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.com")], is_http_request=True)
            elif kind == "conversion":
                http = None
                warc_headers = {"Content-Type": "text/plain", **(warc_headers or {})}
            else:
                headers = [("Content-Type", ctype)] if ctype else []
                http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, kind, payload=io.BytesIO(body), http_headers=http, warc_headers_dict=warc_headers))
    with open(path, "rb") as f:
        it = ArchiveIterator(f)
        return [it.get_record_offset() for _ in it]


# ------------------------------------------------------------------------------------------------
# formats


@pytest.mark.parametrize(("name", "fmt"), [
    ("a.warc", "warc"), ("a.warc.gz", "warc"), ("A.ARC", "warc"), ("a.arc.gz", "warc"),
    ("CC-MAIN-1.warc.wet.gz", "wet"), ("a.wet", "wet"), ("a.jsonl", "jsonl"), ("a.jsonl.gz", "jsonl"),
    ("c4-train.00000-of-01024.json.gz", "jsonl"), ("a.parquet", "parquet"), ("book.txt", "txt"),
    ("book.txt.gz", "txt"), ("page.html", "html"), ("page.htm", "html"),
])
def test_input_format(name: str, fmt: str) -> None:
    assert input_format(f"/data/{name}") == fmt


def test_unknown_format_raises_naming_suffixes_and_read_reports_it() -> None:
    with pytest.raises(ValueError, match=r"\.warc\.gz.*\.parquet"):
        input_format("x.warc.wat.gz")
    items = list(read_stream(io.BytesIO(b"x"), "x.pdf", "web", ReaderConfig()))
    assert [(e.locator, e.reason, e.stage) for e in items] == [("x.pdf", "unsupported_format", "read")]


def test_missing_file_is_an_error() -> None:
    (err,) = read_path("/nonexistent/a.jsonl", "web")
    assert (err.locator, err.reason, err.source) == ("/nonexistent/a.jsonl", "io_error", "web")
    assert "FileNotFoundError" in err.detail


# ------------------------------------------------------------------------------------------------
# charset decoding


@pytest.mark.parametrize(("body", "http", "encoding", "source"), [
    (b"\xef\xbb\xbf" + _page(ZH).encode(), "gbk", "utf-8", "bom"),
    (_page("朱镕基" + ZH).encode("gbk"), "GB2312", "gb18030", "http"),  # 镕 is GBK, not GB2312
    (_page(ZH, '<meta charset="gbk">').encode("gbk"), None, "gb18030", "meta"),
    (_page(ZH, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gbk"),
     None, "gb18030", "meta"),
    (_page(ZH).encode("gbk"), None, "gb18030", "detected"),
    (_page(ZH_TRAD).encode("big5hkscs"), "big5", "big5hkscs", "http"),
    (_page(ZH_TRAD).encode("big5hkscs"), None, "big5hkscs", "detected"),
    (_page("café naïve").encode("cp1252"), "ISO-8859-1", "cp1252", "http"),
    (_page(ZH, '<meta charset="utf-8">').encode(), "iso-8859-1", "utf-8", "meta"),  # server default yields
    (_page(ZH, '<meta charset="gb2312">').encode(), None, "utf-8", "detected"),  # stale meta on UTF-8 bytes
    (_page(ZH).encode("gbk"), "utf-8", "gb18030", "detected"),  # wrong declaration fails strictly
    (_page(ZH).encode(), "no-such-charset", "utf-8", "detected"),
    (_page("hello").encode(), None, "utf-8", "detected"),
])
def test_decode_html(body: bytes, http: str | None, encoding: str, source: str) -> None:
    text, enc, src = decode_html(body, http)
    assert (enc, src) == (encoding, source)
    assert "\ufffd" not in text


def test_decode_html_never_raises_on_corrupt_bytes() -> None:
    gbk = (ZH * 10).encode("gbk")
    body = _page("").encode()[:-18] + gbk[:101] + b"\x81\x20" + gbk[101:] + b"</p></body></html>"
    for http in (None, "gbk"):
        text, enc, src = decode_html(body, http)
        assert (enc, src) == ("gb18030", "fallback")
        assert text.count("\ufffd") == 1 and ZH[:10] in text


def test_big5hkscs_characters_need_the_superset() -> None:
    with pytest.raises(UnicodeEncodeError):
        ZH_TRAD.encode("big5")  # so the Big5 fixtures really exercise the big5 -> big5hkscs mapping


# ------------------------------------------------------------------------------------------------
# WARC / WET

RESPONSES = [
    ("response", "http://news.example.cn/gbk-http", "200 OK", "text/html; charset=GBK",
     _page(ZH).encode("gbk"), "202.108.22.5"),
    ("request", "http://news.example.cn/gbk-http", None, None, b""),
    ("response", "http://www.News.Example.CN:8080/meta-gb2312", "200 OK", "text/html",
     _page("朱镕基" + ZH, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
     .encode("gbk"), "202.108.22.6"),
    ("response", "https://bbs.example.cn/undeclared", "200 OK", "text/html", _page(ZH).encode("gbk")),
    ("response", "https://hk.example.com/big5", "200 OK", "text/html; charset=big5",
     _page(ZH_TRAD).encode("big5hkscs")),
    ("response", "https://example.com/missing", "404 Not Found", "text/html", b"<html>gone</html>"),
    ("response", "https://example.com/a.pdf", "200 OK", "application/pdf", b"%PDF-1.4"),
    ("response", "https://example.com/utf8", "200 OK", "text/html; charset=iso-8859-1",
     _page(ZH, '<meta charset="utf-8">').encode()),
    ("metadata", "https://example.com/utf8", None, None, b"fetchTimeMs: 12"),
]


def test_warc_responses_decoded_dropped_and_located(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    offsets = _write_warc(path, RESPONSES)
    items = list(read_path(str(path), "web"))
    p = str(path)
    response_offsets = [o for o, r in zip(offsets[1:], RESPONSES, strict=True) if r[0] == "response"]
    assert [_outcome(i) for i in items] == [
        (f"{p}#{o}", what) for o, what in zip(response_offsets, [
            "html", "html", "html", "html", "read:http_status_404", "read:not_html", "html"], strict=True)]
    gbk, gb2312, undeclared, big5, missing, pdf, utf8 = items
    decoded = (gbk, gb2312, undeclared, big5, utf8)
    assert [(d.meta["encoding"], d.meta["encoding_source"]) for d in decoded] == [
        ("gb18030", "http"), ("gb18030", "meta"), ("gb18030", "detected"), ("big5hkscs", "http"),
        ("utf-8", "meta")]
    assert ZH in gbk.html and "朱镕基" in gb2312.html and ZH in undeclared.html and ZH_TRAD in big5.html
    assert (gbk.url, gbk.domain, gbk.ip, gbk.text) == ("http://news.example.cn/gbk-http", "news.example.cn",
                                                       "202.108.22.5", "")
    assert (gb2312.domain, gb2312.ip, undeclared.ip) == ("news.example.cn", "202.108.22.6", None)
    assert gbk.id == stable_id("web", gbk.locator) and gbk.source == "web"
    assert set(gbk.meta) == {"warc_date", "warc_record_id", "encoding", "encoding_source"}
    assert gbk.meta["warc_record_id"].startswith("<urn:uuid:")
    assert (missing.html, missing.text, missing.meta["http_status"]) == (None, "", 404)
    assert (pdf.drop, pdf.meta["content_type"]) == ("read:not_html", "application/pdf")
    assert "html" not in json.loads(gbk.to_json())


def test_truncated_warc_gz_yields_records_before_the_cut_then_one_error(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc.gz"
    offsets = _write_warc(whole, RESPONSES)
    data = whole.read_bytes()
    cut = len(data) // 2
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(data[:cut])
    broken_at = max(o for o in offsets if o < cut)
    kinds = ["warcinfo"] + [r[0] for r in RESPONSES]
    before = [o for o, k in zip(offsets, kinds, strict=True) if k == "response" and o < broken_at]
    items = list(read_path(str(path), "web"))
    assert [_outcome(i) for i in items] == [(f"{path}#{o}", "html") for o in before] + [
        (f"{path}#{broken_at}", "truncated_gzip")]
    assert len(items) == len(before) + 1 and before  # records held up to the break, plus the break


def test_truncated_uncompressed_warc(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc"
    offsets = _write_warc(whole, RESPONSES[:3], gz=False)
    path = tmp_path / "cut.warc"
    path.write_bytes(whole.read_bytes()[:offsets[3] + 40])  # inside the third record's header block
    items = list(read_path(str(path), "web"))
    assert [_outcome(i) for i in items] == [(f"{path}#{offsets[1]}", "html"), (f"{path}#{offsets[3]}",
                                                                               "truncated_file")]


def test_wet_conversion_records(tmp_path: Path) -> None:
    path = tmp_path / "CC-MAIN-test.warc.wet.gz"
    offsets = _write_warc(path, [
        ("conversion", "https://news.example.cn/1", None, None, ZH.encode()),
        ("conversion", "https://news.example.cn/2", None, None, b"bad \xff\xfe bytes"),
        ("conversion", "https://example.com/3", None, None, b"Plain English text."),
    ])
    items = list(read_path(str(path), "web"))
    assert [_outcome(i) for i in items] == [(f"{path}#{offsets[1]}", "text"), (f"{path}#{offsets[2]}",
                                            "invalid_utf8"), (f"{path}#{offsets[3]}", "text")]
    assert (items[0].text, items[0].url, items[0].domain, items[0].html) == (
        ZH, "https://news.example.cn/1", "news.example.cn", None)
    assert "0xff" in items[1].detail


# ------------------------------------------------------------------------------------------------
# oversized records: written once per module


@pytest.fixture(scope="module")
def big_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[int]]]:
    root = tmp_path_factory.mktemp("big")
    big_html = b"<html><body>" + b"<p>lorem ipsum dolor sit amet</p>\n" * (50 * MB // 34) + b"</body></html>"
    warc = root / "big.warc"
    offsets = _write_warc(warc, [
        ("response", "https://example.com/small", "200 OK", "text/html", _page("small").encode()),
        ("response", "https://example.com/huge", "200 OK", "text/html", big_html),
        ("response", "https://example.com/after", "200 OK", "text/html", _page("after").encode()),
    ], gz=False)
    jsonl = root / "big.jsonl"
    with open(jsonl, "wb") as f:
        f.write(b'{"id": "huge", "text": "' + b"x" * (50 * MB) + b'"}\n{"id": "after", "text": "ok"}\n')
    return {"warc": (warc, offsets), "jsonl": (jsonl, [])}


def _peak_mb(fn) -> tuple[list, float]:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


def test_50mb_warc_response_is_too_large_and_never_loaded(big_files) -> None:  # type: ignore[no-untyped-def]
    path, offsets = big_files["warc"]
    items, peak = _peak_mb(lambda: list(read_path(str(path), "web")))
    assert [_outcome(i) for i in items] == [(f"{path}#{offsets[1]}", "html"), (f"{path}#{offsets[2]}",
                                            "too_large"), (f"{path}#{offsets[3]}", "html")]
    assert items[1].detail.endswith("bytes > max_doc_bytes=10000000")
    assert peak < 5, f"peak {peak:.1f} MB: the 50 MB payload was read into memory"


def test_50mb_jsonl_line_is_too_large_and_not_materialised(big_files) -> None:  # type: ignore[no-untyped-def]
    path, _ = big_files["jsonl"]
    items, peak = _peak_mb(lambda: list(read_path(str(path), "web")))
    assert [_outcome(i) for i in items] == [(f"{path}:1", "too_large"), (f"{path}:2", "text")]
    assert items[0].detail == "50000026 bytes > max_doc_bytes=10000000"
    assert items[1].id == "after"
    assert peak < 25, f"peak {peak:.1f} MB: the 50 MB line was materialised"


# ------------------------------------------------------------------------------------------------
# JSONL


def test_jsonl_bad_lines_each_become_one_error(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": 7, "text": ZH, "url": "https://www.Example.cn/a", "lang": "zh", "lang_score": 1,
                    "title": "新闻", "meta": {"crawl": "2024-22"}, "signals": {"len": 3}},
                   ensure_ascii=False).encode(),
        b"   ",
        b'{"text": "unterminated',
        b'{"text": "caf\xe9"}',
        b'{"body": "no text field"}',
        b'{"text": 42}',
        b'["a", "list"]',
        b'{"text": "second good one", "license": "cc-by"}',
    ]
    path = tmp_path / "lit.jsonl"
    path.write_bytes(b"\n".join(lines))  # no final newline
    items = list(read_path(str(path), "literature"))
    p = str(path)
    assert [_outcome(i) for i in items] == [
        (f"{p}:1", "text"), (f"{p}:3", "not_json"), (f"{p}:4", "invalid_utf8"), (f"{p}:5", "missing_text"),
        (f"{p}:6", "missing_text"), (f"{p}:7", "not_object"), (f"{p}:8", "text")]
    assert len(items) == 7  # eight lines, one blank
    first, last = items[0], items[-1]
    assert (first.id, first.text, first.url, first.domain, first.lang, first.lang_score) == (
        "7", ZH, "https://www.Example.cn/a", "example.cn", "zh", 1.0)
    assert (first.meta, first.signals) == ({"crawl": "2024-22", "title": "新闻"}, {"len": 3.0})
    assert (last.id, last.license, last.meta) == (stable_id("literature", f"{p}:8"), "cc-by", {})
    assert all(e.stage == "read" and e.source == "literature" and e.detail for e in items[1:-1])
    assert "JSONDecodeError" in items[1].detail and "0xe9" in items[2].detail


def test_jsonl_custom_fields(tmp_path: Path) -> None:
    path = tmp_path / "c4.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"content": "hello", "doc_id": "c4-1", "link": "http://a.org/x"}) + "\n")
    cfg = ReaderConfig(text_field="content", id_field="doc_id", url_field="link")
    (doc,) = read_path(str(path), "web", cfg)
    assert (doc.id, doc.text, doc.url, doc.domain, doc.meta) == (
        "c4-1", "hello", "http://a.org/x", "a.org", {})


def test_truncated_jsonl_gz_yields_lines_before_the_cut_then_one_error(tmp_path: Path) -> None:
    texts = [f"第{i}条：{ZH}" for i in range(1, 401)]
    raw = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts).encode()
    data = gzip.compress(raw)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[:len(data) // 2])
    items = list(read_path(str(path), "web"))
    docs, errors = _split(items)
    assert docs and items[-1] is errors[0] and len(errors) == 1
    assert [d.locator for d in docs] == [f"{path}:{n}" for n in range(1, len(docs) + 1)]
    assert [d.text for d in docs] == texts[:len(docs)]
    assert (errors[0].locator, errors[0].reason) == (f"{path}:{len(docs) + 1}", "truncated_gzip")
    assert "EOFError" in errors[0].detail


def test_io_error_mid_file_stops_with_the_line(tmp_path: Path) -> None:
    class Flaky(io.BytesIO):
        def readline(self, size: int | None = -1) -> bytes:
            if self.tell() > 20:
                raise OSError("connection reset")
            return super().readline(size)

    items = list(read_stream(Flaky(b'{"text": "one"}\n{"text": "two"}\n{"text": "3"}\n'), "x.jsonl", "web",
                             ReaderConfig()))
    assert [_outcome(i) for i in items] == [("x.jsonl:1", "text"), ("x.jsonl:2", "text"), ("x.jsonl:3",
                                                                                            "io_error")]
    assert items[-1].detail == "OSError: connection reset"


# ------------------------------------------------------------------------------------------------
# empty files


@pytest.mark.parametrize("name", ["e.warc.gz", "e.warc", "e.wet.gz", "e.jsonl", "e.jsonl.gz", "e.parquet",
                                  "e.txt", "e.html"])
def test_empty_file_is_one_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert [_outcome(i) for i in read_path(str(path), "web")] == [(str(path), "empty_file")]


def test_gzip_of_nothing_and_blank_lines_are_empty(tmp_path: Path) -> None:
    (tmp_path / "z.jsonl.gz").write_bytes(gzip.compress(b""))
    (tmp_path / "b.jsonl").write_bytes(b"\n  \n\n")
    for name in ("z.jsonl.gz", "b.jsonl"):
        path = str(tmp_path / name)
        assert [_outcome(i) for i in read_path(path, "web")] == [(path, "empty_file")]


# ------------------------------------------------------------------------------------------------
# Parquet


def _parquet_table() -> pa.Table:
    return pa.table({
        "id": ["p0", None, "p2", "p3", "p4"],
        "text": [ZH, "second", None, "fourth", "fifth"],
        "url": ["https://www.sina.com.cn/a", None, None, "http://a.org", None],
        "lang": ["zh", "en", None, "en", "en"],
        "stars": [5, 4, 3, 2, 1],
        "fetched": pa.array([0, 1, 2, 3, 4], pa.timestamp("s")),
        "blob": [b"\x00\xff", b"ok", None, None, None],
    })


def test_parquet_rows(tmp_path: Path) -> None:
    path = tmp_path / "web.parquet"
    pq.write_table(_parquet_table(), path, row_group_size=2)
    items = list(read_path(str(path), "web", ReaderConfig(parquet_batch_rows=2)))
    p = str(path)
    assert [_outcome(i) for i in items] == [
        (f"{p}#row=0", "text"), (f"{p}#row=1", "text"), (f"{p}#row=2", "missing_text"),
        (f"{p}#row=3", "text"), (f"{p}#row=4", "text")]
    first, second = items[0], items[1]
    assert (first.id, first.text, first.domain, first.lang) == ("p0", ZH, "sina.com.cn", "zh")
    assert first.meta == {"stars": 5, "fetched": "1970-01-01T00:00:00", "blob": "base64:AP8="}
    assert (second.id, second.meta["blob"]) == (stable_id("web", f"{p}#row=1"), "ok")
    json.loads(first.to_json())  # meta is JSON-ready


def test_parquet_from_unseekable_stream_and_corrupt_file(tmp_path: Path) -> None:
    buf = io.BytesIO()
    pq.write_table(_parquet_table(), buf)

    class Unseekable(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
            chunk = self.inner.read(len(b))
            b[:len(chunk)] = chunk
            return len(chunk)

    items = list(read_stream(Unseekable(buf.getvalue()), "s.parquet", "web", ReaderConfig()))
    assert [i.locator for i in items] == [f"s.parquet#row={n}" for n in range(5)]
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    ((locator, reason),) = [_outcome(i) for i in read_path(str(cut), "web")]
    assert (locator, reason) == (str(cut), "bad_parquet")


# ------------------------------------------------------------------------------------------------
# books and HTML files

FILLER = ("Alice was beginning to get very tired of sitting by her sister on the bank, and of having "
          "nothing to do: once or twice she had peeped into the book her sister was reading. ")
GUTENBERG_BOOK = f"""\ufeffThe Project Gutenberg EBook of A Test Book, by Ann Author\r
\r
This eBook is for the use of anyone anywhere at no cost.\r
\r
Title: A Test Book\r
\r
Author: Ann Author\r
\r
Language: English\r
\r
*** START OF THIS PROJECT GUTENBERG EBOOK A TEST BOOK ***\r
\r
Produced by Volunteers\r
\r
A TEST BOOK\r
\r
Contents\r
CHAPTER I. The Bank\r
CHAPTER II. The Hole\r
CHAPTER III. The Hall\r
\r
CHAPTER I. The Bank\r
\r
{FILLER * 3}\r
\r
CHAPTER II. The Hole\r
\r
{FILLER * 2}\r
\r
CHAPTER III. The Hall\r
\r
{FILLER}THE END\r
\r
End of the Project Gutenberg EBook of A Test Book, by Ann Author\r
\r
*** END OF THIS PROJECT GUTENBERG EBOOK A TEST BOOK ***\r
\r
Section 5. General Information About Project Gutenberg-tm electronic works.\r
"""
ZH_BOOK = ("红楼梦\n曹雪芹 著\n\n"
           + "此开卷第一回也．作者自云：因曾历过一番梦幻之后故将真事隐去。" * 8 + "\n\n"
           + "第一章 甄士隐梦幻识通灵\n\n" + ZH * 4 + "\n\n"
           + "第十二回　王熙凤毒设相思局\n\n" + ZH * 3 + "\n\n"
           + "第3章\n\n" + ZH * 3 + "\n")


def test_gutenberg_book_split_into_chapters(tmp_path: Path) -> None:
    path = tmp_path / "test-book.txt"
    path.write_bytes(GUTENBERG_BOOK.encode())
    items = list(read_path(str(path), "book"))
    assert [_outcome(i) for i in items] == [(f"{path}#chapter={n}", "text") for n in (1, 2, 3)]
    assert [d.meta["chapter_title"] for d in items] == ["CHAPTER I. The Bank", "CHAPTER II. The Hole",
                                                        "CHAPTER III. The Hall"]
    assert [d.text.count(FILLER.strip()) for d in items] == [3, 2, 1]
    assert items[2].text.endswith("THE END")
    for doc in items:
        assert doc.license == "gutenberg" and "Gutenberg" not in doc.text and "Produced by" not in doc.text
        assert doc.id == stable_id("book", doc.locator)
    assert {k: items[0].meta[k] for k in ("title", "author", "language", "encoding", "encoding_source",
                                          "front_matter_chars")} == {
        "title": "A Test Book", "author": "Ann Author", "language": "English", "encoding": "utf-8",
        "encoding_source": "bom", "front_matter_chars": len("A TEST BOOK\n\nContents\nCHAPTER I. The Bank\n"
                                                            "CHAPTER II. The Hole\nCHAPTER III. The Hall")}


def test_chinese_book_gb18030_with_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "hlm.txt"
    path.write_bytes(ZH_BOOK.encode("gb18030"))
    items = list(read_path(str(path), "book"))
    assert [_outcome(i) for i in items] == [(f"{path}#chapter={n}", "text") for n in range(4)]
    assert [d.meta.get("chapter_title") for d in items] == [None, "第一章 甄士隐梦幻识通灵",
                                                           "第十二回　王熙凤毒设相思局", "第3章"]
    assert items[0].text.startswith("红楼梦") and items[3].text == "第3章\n\n" + ZH * 3
    assert (items[0].meta["encoding"], items[0].meta["encoding_source"], items[0].license) == (
        "gb18030", "detected", None)


def test_book_variants(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_bytes(GUTENBERG_BOOK.encode())
    (whole,) = read_path(str(path), "book", ReaderConfig(chapter_split=False))
    assert whole.locator == str(path) and whole.text.startswith("A TEST BOOK")
    assert "START OF" not in whole.text and "END OF" not in whole.text
    (lit,) = read_path(str(path), "literature")
    assert lit.locator == str(path) and lit.text == whole.text
    (raw,) = read_path(str(path), "literature", ReaderConfig(strip_licence=False))
    assert raw.text.startswith("The Project Gutenberg EBook") and raw.license == "gutenberg"
    plain = tmp_path / "essay.txt"
    plain.write_text("An essay with no chapters at all.\n", encoding="utf-8")
    (essay,) = read_path(str(plain), "book")
    assert (essay.locator, essay.text, essay.license) == (
        f"{plain}#chapter=0", "An essay with no chapters at all.", None)
    only_licence = tmp_path / "licence.txt"
    only_licence.write_text("*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\n*** END OF THE PROJECT "
                            "GUTENBERG EBOOK X ***\nlicence\n", encoding="utf-8")
    items = list(read_path(str(only_licence), "book"))
    assert [_outcome(i) for i in items] == [(str(only_licence), "missing_text")]


@pytest.mark.parametrize("marker", [
    "*** START OF THE PROJECT GUTENBERG EBOOK PRIDE AND PREJUDICE ***",
    "***START OF THE PROJECT GUTENBERG EBOOK NEWS FROM NOWHERE***",
    "*** START OF THIS PROJECT GUTENBERG EBOOK ALICE ***",
    "*** START OF THE FADED PAGE EBOOK THE WIND ***",
    "*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*",
])
def test_strip_gutenberg_markers(marker: str) -> None:
    end = "*** END OF THE PROJECT GUTENBERG EBOOK T ***"
    text = f"Title: T\nAuthor: A\n\n{marker}\n\nBody text.\n\n{end}\nfooter"
    assert strip_gutenberg(text) == ("Body text.", {"title": "T", "author": "A"}, "gutenberg")


def test_split_chapters_ignores_prose_and_contents_lines() -> None:
    body = "x" * 120
    text = f"Chapter and verse were quoted.\nCHAPTER I. One\n\n{body}\nchapter 2 is lowercase prose\n"
    assert [h for h, _ in split_chapters(text)] == ["", "CHAPTER I. One"]
    contents = f"第一章 目录\n第二章 目录\n第一章 开始\n{'字' * 120}"
    assert [h for h, _ in split_chapters(contents)] == ["", "第一章 开始"]


def test_html_file(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_bytes(_page(ZH).encode("gbk"))
    (doc,) = read_path(str(path), "web")
    assert (doc.locator, doc.url, doc.domain, doc.text, doc.meta) == (
        str(path), None, None, "", {"encoding": "gb18030", "encoding_source": "detected"})
    assert doc.html == _page(ZH) and doc.id == stable_id("web", str(path))


# ------------------------------------------------------------------------------------------------
# shared real data (../shared/data), skipped when absent


def _shared(sub: str) -> Path:
    path = SHARED / sub
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


WARCIO_OUTCOMES = {  # file -> [(locator suffix, outcome)]; see warcio_testdata/SOURCE.md
    "bad.arc": [("#0", "bad_warc_record")],  # Content-Length -1 / abc in the ARC headers
    "example-bad-non-chunked.warc.gz": [("#0", "bad_warc_record")],  # one gzip member for all records
    "example-bad.warc.gz.bad": [("", "unsupported_format")],
    "example-digest.warc": [],  # request records only
    "example-iana.org-chunked.warc": [("#405", "html")],  # chunked transfer encoding, decoded
    "example-resource.warc.gz": [],  # resource records are not responses
    "example-space-in-target-uri.warc.gz": [],
    "example-space-in-url.arc": [("#151", "truncated_file")],  # the record is 12 bytes short of its length
    "example-trunc.warc": [("#1197", "bad_warc_record")],  # Content-Length 2 bytes short; warcio resyncs
    "example-wget-bad-target-uri.warc.gz": [("#824", "html")],
    "example-wrong-chunks.warc.gz": [("#0", "bad_warc_record")],  # gzip member ends inside the record
    "example.arc": [("#151", "html")],
    "example.arc.gz": [("#171", "html")],
    "example.warc": [("#1197", "html")],
    "example.warc.gz": [("#784", "html")],
    "post-test.warc.gz": [("#0", "read:not_html"), ("#1196", "read:not_html"), ("#2395", "read:not_html")],
}


@pytest.mark.shared
def test_warcio_fixtures() -> None:
    root = _shared("web/warcio_testdata/test/data")
    assert sorted(os.listdir(root)) == sorted(WARCIO_OUTCOMES)
    for name, expected in WARCIO_OUTCOMES.items():
        path = str(root / name)
        items = list(read_path(path, "web"))
        assert [_outcome(i) for i in items] == [(path + loc, what) for loc, what in expected], name
        for doc in _split(items)[0]:
            assert doc.url and doc.url.startswith("http") and doc.ip and doc.domain
            if doc.html is not None:
                assert "Example Domain" in doc.html or "Internet Assigned Numbers" in doc.html
    bad = str(root / "example-bad.warc.gz.bad")
    forced = list(read_path(bad, "web", ReaderConfig(force_format="warc")))
    assert [_outcome(i) for i in forced] == [(bad + "#0", "bad_warc_record")]
    arc = str(root / "example.arc")
    assert [d.to_json() for d in read_path(arc, "web")] == [d.to_json() for d in read_path(arc, "web")]


@pytest.mark.shared
def test_common_crawl_whirlwind_warc_and_wet() -> None:
    root = _shared("web/cc_whirlwind")
    (page,) = read_path(str(root / "whirlwind.warc.gz"), "web")
    assert (page.locator.rsplit("#", 1)[1], page.url, page.domain, page.ip) == (
        "1023", "https://an.wikipedia.org/wiki/Escopete", "an.wikipedia.org", "208.80.154.224")
    assert (page.meta["encoding"], page.meta["encoding_source"], page.meta["warc_date"]) == (
        "utf-8", "http", "2024-05-18T01:58:10Z")
    assert "Escopete" in page.html
    (text,) = read_path(str(root / "whirlwind.warc.wet.gz"), "web")
    assert (text.url, text.domain, text.meta["content_languages"], text.html) == (
        "https://an.wikipedia.org/wiki/Escopete", "an.wikipedia.org", "spa", None)
    assert "Escopete" in text.text and "<" not in text.text[:200]


def _visible(html: str) -> str:
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>|<[^>]+>", "", html)
    return re.sub(r"\s", "", html)


@pytest.mark.shared
def test_gne_chinese_news_pages_decode_cleanly() -> None:
    root = _shared("web/gne_zh_news_html")
    files = sorted(glob.glob(str(root / "**" / "*.html"), recursive=True))
    assert len(files) == 66
    gb_declared = 0
    for f in files:
        body = Path(f).read_bytes()
        gb_declared += bool(re.search(rb"""(?i)charset\s*=\s*["']?\s*(gbk|gb2312)""", body))
        text, enc, _ = decode_html(body, None)
        assert enc == "utf-8", f  # stored as UTF-8; a stale gb2312 <meta> does not win over valid UTF-8
        assert text.count("\ufffd") == body.count("\ufffd".encode()), f  # only the page's own U+FFFD
        visible = _visible(text)
        assert len(re.findall(r"[\u4e00-\u9fff]", visible)) / len(visible) > 0.25, f
        # The same page as the GBK bytes its gb2312 declaration promises, declared and undeclared.
        legacy = re.sub(rb"(?i)<meta[^>]*charset[^>]*>", b"", text.encode("gb18030"))
        assert decode_html(legacy, "gb2312") == (legacy.decode("gb18030"), "gb18030", "http"), f
        assert decode_html(legacy, None) == (legacy.decode("gb18030"), "gb18030", "detected"), f
    assert gb_declared >= 26  # SOURCE.md: 26 of the 66 declare GBK/GB2312 (in <meta> or <script charset>)


@pytest.mark.shared
def test_gutenberg_books() -> None:
    root = _shared("books/gutenberg_en")
    alice = list(read_path(str(root / "11-0.txt"), "book"))
    assert [d.meta["chapter_title"].split(".")[0] for d in alice] == [
        f"CHAPTER {n}" for n in ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")]
    assert alice[0].text.startswith("CHAPTER I. Down the Rabbit-Hole\n\nAlice was beginning")
    assert alice[-1].text.endswith("THE END")
    assert all("Gutenberg" not in d.text and "\r" not in d.text for d in alice)
    assert (alice[0].meta["title"], alice[0].meta["author"], alice[0].license) == (
        "Alice’s Adventures in Wonderland", "Lewis Carroll", "gutenberg")
    pride = list(read_path(str(root / "1342.txt"), "book"))
    assert [d.meta["chapter_title"] for d in pride] == [f"Chapter {n}" for n in range(1, 62)]
    nowhere = list(read_path(str(root / "3261.txt"), "book"))
    assert len(nowhere) == 33 and nowhere[0].locator.endswith("#chapter=0")  # title page + 32 chapters
    assert nowhere[0].text.startswith("NEWS FROM NOWHERE") and "Transcribed" not in nowhere[0].text
