"""Readers: turn one input file (WARC/ARC, WET, JSONL, Parquet, plain-text book, HTML) into Docs.

Beam-free. The Beam code matches file patterns and calls `read_stream` once per file with the
file's raw bytes. Every record the file holds comes out as exactly one `Doc` (possibly with
`drop` set) or one `ErrorRecord(stage="read")`; a failure mid-file yields what was read so far,
one ErrorRecord with the locator where it broke, and stops. Nothing raises to the caller.

Locators: `path#<offset>` (WARC/WET record, warcio's record offset), `path:<line>` (JSONL,
1-based), `path#row=<n>` (Parquet, 0-based), `path#chapter=<n>` (books; 0 = front matter or a
book without headings), `path` (a whole HTML file, a literature .txt, file-level errors).
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import datetime
import decimal
import functools
import gzip
import json
import re
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, BinaryIO
from urllib.parse import urlsplit

from pipelines.records import Doc, ErrorRecord, stable_id

try:  # ISA-L's gzip: the same format, ~2.5x faster to read and ~5x faster to write than zlib's
    from isal import igzip as _igzip
    from isal import isal_zlib as _isal_zlib

    GZIP_FILE: Any = _igzip.IGzipFile
    GZIP_WRITE_LEVEL = 2  # of ISA-L's 0-3: ~4% larger than zlib's level 6
    _ZLIB_ERRORS: tuple[type[Exception], ...] = (zlib.error, _isal_zlib.error)
except ImportError:  # pragma: no cover - isal is a dependency; plain gzip still works
    GZIP_FILE = gzip.GzipFile
    GZIP_WRITE_LEVEL = 3
    _ZLIB_ERRORS = (zlib.error,)

STAGE = "read"

# Formats by file-name suffix, checked in order (".warc.wet.gz" must match "wet" before "warc").
_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("wet", (".wet", ".wet.gz")),
    ("warc", (".warc", ".warc.gz", ".arc", ".arc.gz")),
    ("jsonl", (".jsonl", ".jsonl.gz", ".json.gz")),
    ("parquet", (".parquet",)),
    ("txt", (".txt", ".txt.gz")),
    ("html", (".html", ".htm")),
)
FORMATS = tuple(name for name, _ in _SUFFIXES)

# Doc fields a JSONL/Parquet record may set directly, with the type they must have.
_DIRECT_FIELDS: dict[str, type | tuple[type, ...]] = {
    "url": str, "domain": str, "ip": str, "country": str, "lang": str,
    "lang_score": (int, float), "license": str,
}
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_SKIP_CHUNK = 1 << 20  # bytes read at a time when skipping the rest of an oversized line


@dataclass(frozen=True)
class ReaderConfig:
    """How files are read. Defaults suit Common Crawl WARC/WET, C4/Dolma-style JSONL, Gutenberg."""

    text_field: str = "text"  # JSONL/Parquet field with the text
    id_field: str = "id"  # JSONL/Parquet id field; kept when present, else stable_id(source, locator)
    url_field: str = "url"  # JSONL/Parquet field with the URL (domain is derived from it when absent)
    max_doc_bytes: int = 10_000_000  # larger records -> ErrorRecord(reason="too_large"), never loaded
    chapter_split: bool = True  # books: one Doc per chapter
    strip_licence: bool = True  # books: strip Project Gutenberg-style header/footer
    max_book_bytes: int = 100_000_000  # a .txt file larger than this is not loaded at all (too_large)
    min_front_matter_chars: int = 200  # text before the first chapter heading longer than this is chapter 0
    min_chapter_chars: int = 100  # heading followed by less text: a contents line, not a chapter
    meta_scan_bytes: int = 4096  # how far into a page to look for <meta charset> (WHATWG scans 1024)
    detect_sample_bytes: int = 65_536  # bytes of an undeclared page the charset detector looks at
    parquet_batch_rows: int = 1024  # Parquet rows decoded at a time
    force_format: str | None = None  # one of FORMATS to skip guessing by file name (e.g. "warc" for *.bad)


def input_format(path: str) -> str:
    """The reader for `path`, from its name: warc, wet, jsonl, parquet, txt or html."""
    name = path.lower()
    for fmt, suffixes in _SUFFIXES:
        if name.endswith(suffixes):
            return fmt
    known = ", ".join(s for _, suffixes in _SUFFIXES for s in suffixes)
    raise ValueError(f"{path}: unsupported input format; supported suffixes: {known}")


def read_path(path: str, source: str, cfg: ReaderConfig | None = None) -> Iterator[Doc | ErrorRecord]:
    """Open a local file and read it with `read_stream`; a file that cannot be opened is one error."""
    try:
        f = open(path, "rb")  # noqa: SIM115 -- closed below; opening is the part that may fail
    except OSError as exc:
        yield _error(path, "io_error", exc, source)
        return
    with f:
        yield from read_stream(f, path, source, cfg or ReaderConfig())


def read_stream(raw: BinaryIO, path: str, source: str, cfg: ReaderConfig) -> Iterator[Doc | ErrorRecord]:
    """Read one file's raw bytes (still compressed where the name says .gz) into Docs and errors."""
    try:
        fmt = cfg.force_format or input_format(path)
        reader = _READERS[fmt]
    except (ValueError, KeyError) as exc:
        yield _error(path, "unsupported_format", exc, source)
        return
    yield from reader(raw, path, source, cfg)


# ---------------------------------------------------------------------------------------------
# errors


def _error(locator: str, reason: str, exc: BaseException | str, source: str) -> ErrorRecord:
    detail = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}".strip()
    return ErrorRecord(locator=locator, stage=STAGE, reason=reason, detail=detail, source=source)


def _stream_reason(exc: BaseException, gz: bool) -> str:
    """Reason token for an exception that stopped reading a (gzip-compressed when `gz`) file."""
    if isinstance(exc, EOFError):
        return "truncated_gzip" if gz else "truncated_file"
    if isinstance(exc, (gzip.BadGzipFile, *_ZLIB_ERRORS)):
        return "bad_gzip"
    if isinstance(exc, OSError):
        return "io_error"
    return "read_failed"


def _too_large(locator: str, size: int | str, cfg: ReaderConfig, source: str) -> ErrorRecord:
    what = f"{size} bytes" if isinstance(size, int) else size
    return _error(locator, "too_large", f"{what} > max_doc_bytes={cfg.max_doc_bytes}", source)


def _is_gz(path: str) -> bool:
    return path.lower().endswith(".gz")


def _open_decompressed(raw: BinaryIO, path: str) -> IO[bytes]:
    """The file's content: gunzipped when the name ends in .gz (streaming), else `raw` itself."""
    return GZIP_FILE(fileobj=raw, mode="rb") if _is_gz(path) else raw


# ---------------------------------------------------------------------------------------------
# URLs


def domain_of(url: str | None) -> str | None:
    """Lower-cased host without a leading "www."; None when the URL has no parsable host."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:  # e.g. "http://[bad" -- no host to report, the URL itself is kept
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


# ---------------------------------------------------------------------------------------------
# charset decoding

_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# WHATWG labels Python does not know, and Python names replaced by their superset (WHATWG encoding
# standard: GBK/GB2312 decode as GB18030, Big5 as Big5-HKSCS, Latin-1/ASCII as windows-1252).
_LABELS = {
    "x-gbk": "gbk", "gb_2312": "gb2312", "csgb2312": "gb2312", "iso-ir-58": "gb2312", "chinese": "gb2312",
    "x-x-big5": "big5", "cn-big5": "big5", "csbig5": "big5", "x-sjis": "shift_jis",
    "x-euc-jp": "euc_jp", "x-mac-roman": "mac_roman", "unicode-1-1-utf-8": "utf-8",
}
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs",
    "latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252",
}
_NO_META = {"utf-7", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}


def normalize_charset(label: str | None, from_meta: bool = False) -> str | None:
    """Python codec for a declared charset label, superset-mapped; None for an unknown label.

    A <meta> cannot honestly declare UTF-16/32 (it was read as ASCII), so WHATWG reads it as UTF-8.
    """
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    key = _LABELS.get(key, key)
    try:
        name = codecs.lookup(key).name
        b"".decode(name)  # LookupError for codecs that are not text encodings (rot13, base64)
    except LookupError:
        return None  # an unknown label is no declaration
    if name == "utf-7":
        return None  # refused by browsers (WHATWG): a script-injection vector, never a real page
    if from_meta and name in _NO_META:
        return "utf-8"
    return _SUPERSETS.get(name, name)


def decode_html(
    body: bytes, http_charset: str | None, cfg: ReaderConfig | None = None
) -> tuple[str, str, str]:
    """Decode an HTML page: (text, encoding, source), source one of bom/http/meta/detected/fallback.

    Order: a byte-order mark; the HTTP charset; the first <meta> charset in the first
    `meta_scan_bytes`; detection. Two departures from a browser, both for corpus accuracy: an
    HTTP charset of ISO-8859-1/ASCII (the server default) yields to a differing <meta>, and a
    declared legacy charset yields to UTF-8 when the bytes are valid UTF-8 with non-ASCII in
    them (pages re-saved as UTF-8 keep their old gb2312 <meta>). A declared charset that fails
    strict decoding falls back to detection. Never raises.
    """
    cfg = cfg or ReaderConfig()
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(enc, errors="replace"), enc, "bom"
    http = normalize_charset(http_charset)
    match = _META_CHARSET.search(body, 0, cfg.meta_scan_bytes)
    meta = normalize_charset(match.group(1).decode("ascii"), from_meta=True) if match else None
    declared = [(enc, src) for enc, src in ((http, "http"), (meta, "meta")) if enc]
    if http == "cp1252" and meta and meta != http:
        declared.reverse()
    if declared and declared[0][0] != "utf-8" and not body.isascii():
        text = _try_decode(body, "utf-8")
        if text is not None:
            return text, "utf-8", "detected"
    for enc, src in declared:
        text = _try_decode(body, enc)
        if text is not None:
            return text, enc, src
    return _detect(body, cfg.detect_sample_bytes, [enc for enc, _ in declared])


def decode_text(data: bytes, cfg: ReaderConfig | None = None) -> tuple[str, str, str]:
    """Decode a plain-text file: BOM, else UTF-8, else detection (GB18030/Big5 first). Never raises."""
    cfg = cfg or ReaderConfig()
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc, "bom"
    return _detect(data, cfg.detect_sample_bytes, [])


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):  # not this encoding: the caller tries the next one
        return None


def _detect(body: bytes, sample_bytes: int, declared: list[str]) -> tuple[str, str, str]:
    """Undeclared (or wrongly declared) bytes: UTF-8, Chinese legacy codecs, charset-normalizer, fallback."""
    text = _try_decode(body, "utf-8")
    if text is not None:
        return text, "utf-8", "detected"
    sample = _detect_sample(body, sample_bytes)
    for enc in _guess_chinese(sample) + _guess_normalizer(sample):
        text = _try_decode(body, enc)
        if text is not None:
            return text, enc, "detected"
    # Last resort: the candidate that needs the fewest replacement characters, ties in order.
    candidates = list(dict.fromkeys([*declared, "utf-8", "gb18030", "big5hkscs", "cp1252"]))
    decoded = [(body.decode(enc, errors="replace"), enc) for enc in candidates]
    text, enc = min(decoded, key=lambda d: d[0].count("\ufffd"))
    return text, enc, "fallback"


def _detect_sample(body: bytes, size: int) -> bytes:
    """Up to `size` bytes starting just before the first non-ASCII byte, cut at line/tag ends.

    Pages often carry tens of KB of ASCII script before any text; "\\n" and ">" never occur
    inside a GBK, Big5 or Shift_JIS character, so cutting after them keeps characters whole.
    """
    first = re.search(rb"[\x80-\xff]", body)
    start = body.rfind(b"\n", 0, max(0, first.start() - 256)) + 1 if first else 0
    sample = body[start:start + size]
    if len(sample) == size:
        cut = max(sample.rfind(b"\n"), sample.rfind(b">"))
        if cut > 0:
            sample = sample[:cut + 1]
    return sample


@functools.cache
def _common_hanzi() -> frozenset[str]:
    """GB2312 level-1 (3755 most used simplified) plus Big5 frequent (5401 traditional) characters."""
    chars: set[str] = set()
    for codec, leads, trails in (
        ("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF)),
        ("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
    ):
        for lead in leads:
            for trail in trails:
                ch = _try_decode(bytes((lead, trail)), codec)
                if ch is not None:
                    chars.add(ch)
    return frozenset(chars)


_CJK = re.compile(r"[\u4e00-\u9fff]")
MIN_HANZI = 20  # fewer Chinese characters than this in a sample: leave it to charset-normalizer
MIN_COMMON_SHARE = 0.8  # share of common characters that correct Chinese text easily exceeds


def _guess_chinese(sample: bytes) -> list[str]:
    """GB18030 or Big5-HKSCS when the sample decodes to mostly common Chinese characters.

    Big5 bytes also decode as GBK (and vice versa) but to rare characters, so the share of the
    3755 + 5401 most common characters tells the two apart.
    """
    scored = []
    for enc in ("gb18030", "big5hkscs"):
        text = _try_decode(sample, enc)
        if text is None:
            continue
        hanzi = _CJK.findall(text)
        if len(hanzi) >= MIN_HANZI:
            common = _common_hanzi()
            share = sum(ch in common for ch in hanzi) / len(hanzi)
            if share >= MIN_COMMON_SHARE:
                scored.append((share, enc))
    return [enc for _, enc in sorted(scored, reverse=True)]


def _guess_normalizer(sample: bytes) -> list[str]:
    import charset_normalizer  # imported here: only undeclared non-UTF-8, non-Chinese pages need it

    best = charset_normalizer.from_bytes(sample, preemptive_behaviour=False).best()
    if best is None:
        return []
    enc = normalize_charset(best.encoding)
    return [enc] if enc else []


# ---------------------------------------------------------------------------------------------
# WARC / ARC / WET


def _read_warc(raw: BinaryIO, path: str, source: str, cfg: ReaderConfig) -> Iterator[Doc | ErrorRecord]:
    """`response` records (HTML) and `conversion` records (WET text); other record types are skipped.

    warcio hands out whatever a cut file still holds without complaint, so each record is
    checked: a WARC-Type and a numeric Content-Length, as many bytes as Content-Length says, and
    its gzip member closed after it. A record whose member is still open (a non-chunked gzip, or
    a cut file) is held back until the next record shows the file goes on.
    """
    from warcio.archiveiterator import ArchiveIterator  # imported here: only WARC/WET inputs need it

    gz = _is_gz(path)
    arc = path.lower().endswith((".arc", ".arc.gz"))
    it = ArchiveIterator(raw, arc2warc=True)
    offset, n_records = 0, 0
    held: Doc | ErrorRecord | None = None  # item whose gzip member was still open after it
    open_at: str | None = None  # locator of the record that left a gzip member open
    try:
        for record in it:
            if held is not None:
                yield held
            held = open_at = None
            offset, n_records = it.offset, n_records + 1  # it.offset == it.get_record_offset() here
            locator = f"{path}#{offset}"
            broken = _bad_header(record)
            item = None if broken else _warc_item(record, locator, source, cfg, arc)
            warnings = it.err_count
            it.read_to_end()
            missing = getattr(record.raw_stream, "limit", 0)
            if not broken and missing:
                broken = f"record ends {missing} bytes short of its Content-Length"
            if broken:
                yield _error(locator, _warc_reason(it, gz, None), broken, source)
                return
            if item is not None and it.err_count > warnings:  # warcio resynchronised; the next record is fine
                item = _error(locator, "bad_warc_record",
                              "Content-Length is wrong: the record is not followed by a blank line", source)
            decompressor = it.reader.decompressor
            if decompressor is not None and not decompressor.eof:
                held, open_at = item, locator
            elif item is not None:
                yield item
        consumed = it.fh.tell()
    except Exception as exc:  # warcio raises ArchiveLoadFailed, zlib/EOF/OS errors: all end the file here
        if held is not None:  # its record was whole; what failed is reading the next one
            yield held
        where = it.offset if it.offset >= 0 else offset
        yield _error(f"{path}#{where}", _warc_reason(it, gz, exc), exc, source)
        return
    if open_at is not None:
        yield _error(open_at, "truncated_gzip", "the file ends inside this record's gzip member", source)
    elif n_records == 0:
        yield _error(path, "empty_file" if consumed == 0 else "truncated_gzip" if gz else "bad_warc_record",
                     "no WARC/ARC records" + (f" in {consumed} bytes" if consumed else ""), source)
    elif consumed > it.offset >= 0:
        yield _error(f"{path}#{it.offset}", "truncated_gzip" if gz else "truncated_file",
                     f"{consumed - it.offset} bytes after the last complete record form no record", source)


def _warc_reason(it: Any, gz: bool, exc: Exception | None) -> str:
    """A broken record at the very end of the input was cut off; anywhere else it is corrupt."""
    from warcio.exceptions import ArchiveLoadFailed

    if it.reader is not None and it.reader.rem_length() == 0 and not it.fh.read(1):
        return "truncated_gzip" if gz else "truncated_file"
    if exc is None or isinstance(exc, ArchiveLoadFailed):
        return "bad_warc_record"
    return _stream_reason(exc, gz)


def _bad_header(record: Any) -> str | None:
    """Why a record's header block is unusable (cut or corrupt), or None when it is fine."""
    if not record.rec_type:
        return "record has no WARC-Type: its header block is cut or corrupt"
    length = record.rec_headers.get_header("Content-Length")
    if length is None or not length.strip().isdigit():
        return f"record has no valid Content-Length ({length!r}): its header block is cut or corrupt"
    return None


def _warc_item(
    record: Any, locator: str, source: str, cfg: ReaderConfig, arc: bool
) -> Doc | ErrorRecord | None:
    """The Doc/ErrorRecord for one WARC record, or None for a record type that is not a document.

    ARC records have no record id; warcio's arc2warc makes up a random one, which is left out.
    """
    if record.rec_type not in ("response", "conversion"):
        return None
    headers = record.rec_headers
    url = headers.get_header("WARC-Target-URI")
    meta: dict[str, Any] = {
        "warc_date": headers.get_header("WARC-Date"),
        "warc_record_id": None if arc else headers.get_header("WARC-Record-ID"),
    }

    def doc(text: str = "", html: str | None = None, drop: str | None = None) -> Doc:
        return Doc(id=stable_id(source, locator), text=text, source=source, locator=locator, url=url,
                   domain=domain_of(url), ip=headers.get_header("WARC-IP-Address"), html=html, drop=drop,
                   meta={k: v for k, v in meta.items() if v is not None})

    if record.rec_type == "conversion":  # WET: the text is already extracted, UTF-8
        meta["refers_to"] = headers.get_header("WARC-Refers-To")
        meta["content_languages"] = headers.get_header("WARC-Identified-Content-Language")
        body = _read_payload(record, locator, source, cfg)
        if isinstance(body, ErrorRecord):
            return body
        try:
            return doc(text=body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            return _error(locator, "invalid_utf8", exc, source)
    http = record.http_headers
    status = http.get_statuscode() if http is not None else None
    if not status or not status.isdigit():  # dns:, ARC records without an HTTP status line
        meta["content_type"] = headers.get_header("Content-Type")
        return doc(drop="read:not_http")
    content_type = http.get_header("Content-Type") or ""
    if status != "200":
        meta.update({"http_status": int(status), "content_type": content_type or None})
        return doc(drop=f"read:http_status_{status}")
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime and mime not in _HTML_TYPES:
        meta["content_type"] = content_type
        return doc(drop="read:not_html")
    body = _read_payload(record, locator, source, cfg)
    if isinstance(body, ErrorRecord):
        return body
    if not mime and not _LOOKS_HTML.match(body, 0, 1024):  # no Content-Type: sniff like a browser
        return doc(drop="read:not_html")
    charset = _HTTP_CHARSET.search(content_type)
    html, meta["encoding"], meta["encoding_source"] = decode_html(body, charset and charset.group(1), cfg)
    return doc(html=html)


_LOOKS_HTML = re.compile(rb"\s*(?:<!doctype html|<html|<head|<!--)", re.I)


def _read_payload(record: Any, locator: str, source: str, cfg: ReaderConfig) -> bytes | ErrorRecord:
    """A record's payload (de-chunked, content-decoded), or the error that stands for this record.

    After the HTTP headers, warcio's LimitReader `limit` is the payload length still to read, so
    an oversized record is refused before a byte of it is read.
    """
    declared = getattr(record.raw_stream, "limit", None)
    if declared is not None and declared > cfg.max_doc_bytes:
        return _too_large(locator, declared, cfg, source)
    try:
        data = record.content_stream().read(cfg.max_doc_bytes + 1)
    except Exception as exc:  # a broken Content-Encoding (brotli, deflate) spoils this record only
        return _error(locator, "bad_payload", exc, source)
    if len(data) > cfg.max_doc_bytes:
        return _too_large(locator, f"decoded payload over {cfg.max_doc_bytes}", cfg, source)
    return data


# ---------------------------------------------------------------------------------------------
# JSONL and Parquet


def _read_jsonl(raw: BinaryIO, path: str, source: str, cfg: ReaderConfig) -> Iterator[Doc | ErrorRecord]:
    """One Doc per non-blank line; a bad line is one ErrorRecord and reading goes on."""
    stream = _open_decompressed(raw, path)
    limit = cfg.max_doc_bytes + 1  # a line may hold max_doc_bytes plus its newline
    line_no, n_items = 0, 0
    try:
        while True:
            line = stream.readline(limit)
            if not line:
                break
            line_no += 1
            locator = f"{path}:{line_no}"
            if not line.endswith(b"\n") and len(line) == limit:  # longer than allowed: skip the rest
                size = len(line)
                while line and not line.endswith(b"\n"):
                    line = stream.readline(_SKIP_CHUNK)
                    size += len(line.rstrip(b"\n"))
                yield _too_large(locator, size, cfg, source)
                n_items += 1
                continue
            if line_no == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8):]
            if not line.strip():
                continue
            n_items += 1
            yield _jsonl_item(line, locator, source, cfg)
    except Exception as exc:  # gzip/OS errors end the file; the line being read is where it broke
        yield _error(f"{path}:{line_no + 1}", _stream_reason(exc, _is_gz(path)), exc, source)
        return
    if n_items == 0:
        yield _error(path, "empty_file", "no records", source)


def _jsonl_item(line: bytes, locator: str, source: str, cfg: ReaderConfig) -> Doc | ErrorRecord:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _error(locator, "invalid_utf8", exc, source)
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return _error(locator, "not_json", exc, source)
    if not isinstance(obj, dict):
        return _error(locator, "not_object", f"JSON {type(obj).__name__}, expected an object", source)
    return doc_from_mapping(obj, locator, source, cfg)


def doc_from_mapping(obj: dict[str, Any], locator: str, source: str, cfg: ReaderConfig) -> Doc | ErrorRecord:
    """A Doc from one JSON object / Parquet row: text, id, url and Doc fields set, the rest in `meta`."""
    text = obj.get(cfg.text_field)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _error(locator, "invalid_utf8", exc, source)
    if not isinstance(text, str):
        got = "no field" if cfg.text_field not in obj else f"a {type(text).__name__}"
        return _error(locator, "missing_text", f"{cfg.text_field!r}: {got}, expected a string", source)
    if len(text) > cfg.max_doc_bytes // 4 and len(text.encode("utf-8")) > cfg.max_doc_bytes:
        return _too_large(locator, len(text.encode("utf-8")), cfg, source)
    raw_id = obj.get(cfg.id_field)
    doc = Doc(id=str(raw_id) if raw_id not in (None, "") else stable_id(source, locator),
              text=text, source=source, locator=locator)
    url = obj.get(cfg.url_field)
    if isinstance(url, str) and url:
        doc.url = url
    nested = obj.get("meta")
    if isinstance(nested, str):  # Parquet shards hold `meta` as JSON text (transforms.PARQUET_JSON_FIELDS)
        nested = _json_object(nested)
    meta: dict[str, Any] = _jsonable(nested) if isinstance(nested, dict) else {}
    for key, value in obj.items():
        if key in (cfg.text_field, cfg.id_field) or (key == cfg.url_field and doc.url):
            continue
        if key == "meta" and isinstance(nested, dict):
            continue
        kind = _DIRECT_FIELDS.get(key)
        if kind is not None and isinstance(value, kind) and not isinstance(value, bool):
            setattr(doc, key, float(value) if key == "lang_score" else value)
        elif key == "signals" and isinstance(value, dict):
            doc.signals = {k: float(v) for k, v in value.items() if isinstance(v, int | float)}
        elif value is not None:
            meta[key] = _jsonable(value)
    if doc.domain is None:
        doc.domain = domain_of(doc.url)
    doc.meta = meta
    return doc


def _read_parquet(raw: BinaryIO, path: str, source: str, cfg: ReaderConfig) -> Iterator[Doc | ErrorRecord]:
    """One Doc per row, decoded `parquet_batch_rows` at a time."""
    import pyarrow.parquet as pq  # imported here: only Parquet inputs need it

    row = 0
    try:
        with _seekable(raw) as f:
            f.seek(0, 2)
            if f.tell() == 0:
                yield _error(path, "empty_file", "0 bytes", source)
                return
            f.seek(0)
            try:
                pf = pq.ParquetFile(f)
            except Exception as exc:  # pyarrow raises ArrowInvalid / OSError for a non-Parquet file
                yield _error(path, "bad_parquet", exc, source)
                return
            for batch in pf.iter_batches(batch_size=cfg.parquet_batch_rows):
                for rec in batch.to_pylist():
                    yield doc_from_mapping(rec, f"{path}#row={row}", source, cfg)
                    row += 1
    except Exception as exc:  # a corrupt row group / page: rows read so far stand
        yield _error(f"{path}#row={row}", "bad_parquet", exc, source)
        return
    if row == 0:
        yield _error(path, "empty_file", "no rows", source)


@contextlib.contextmanager
def _seekable(raw: BinaryIO) -> Iterator[IO[bytes]]:
    """`raw` when it can seek (local files, GCS/S3 handles), else a temporary on-disk copy of it."""
    if getattr(raw, "seekable", lambda: False)():
        yield raw
        return
    with tempfile.TemporaryFile() as tmp:
        shutil.copyfileobj(raw, tmp)
        tmp.seek(0)
        yield tmp


def _json_object(text: str) -> dict[str, Any] | str:
    """The dict a JSON-object text holds; any other text is returned as it is."""
    try:
        value = json.loads(text)
    except ValueError:  # not JSON: an ordinary string field, kept as text
        return text
    return value if isinstance(value, dict) else text


def _jsonable(value: Any) -> Any:
    """Parquet values as JSON-ready Python: dates to ISO strings, decimals to strings, bytes to text."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        text = _try_decode(value, "utf-8")
        return text if text is not None else "base64:" + base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


# ---------------------------------------------------------------------------------------------
# books (plain text) and HTML files

_PG_START = re.compile(
    r"^[ \t]*\*{3}[ \t]*START OF (?:THE|THIS)\b[^\n]*?\bE-?(?:BOOK|TEXT)\b[^\n]*?\*{3}[ \t]*$"
    r"|^[ \t]*\*END\*?[ \t]*THE SMALL PRINT![^\n]*$",
    re.M | re.I,
)
_PG_END = re.compile(
    r"^[ \t]*\*{3}[ \t]*END OF (?:THE|THIS)\b[^\n]*?\bE-?(?:BOOK|TEXT)\b[^\n]*$"
    r"|^[ \t]*End of (?:the )?Project Gutenberg\b[^\n]*$",
    re.M | re.I,
)
_PG_CREDIT = re.compile(  # a transcriber's credit paragraph right after the start marker
    r"\A\s*(?:Produced by|E-?text prepared by|Transcribed from|This e-?text was produced)\b"
    r".*?(?:\n[ \t]*\n|\Z)",
    re.I | re.S,
)
_PG_FIELDS = re.compile(r"^(Title|Author|Language):[ \t]*(\S[^\n]*?)[ \t]*$", re.M)
_ZH_NUM = "一二三四五六七八九十百千零〇两0-9０-９"
_HEADING = re.compile(
    r"^[ \t]*(?:CHAPTER|Chapter)[ \t]+(?:[IVXLCDM]+|\d+)\b[^\n]{0,80}$"
    rf"|^[ \t\u3000]*第[{_ZH_NUM}]+[章回](?:[ \t\u3000:：.、][^\n]{{0,40}})?$",
    re.M,
)


def strip_gutenberg(text: str) -> tuple[str, dict[str, str], str | None]:
    """(body, header fields, licence) of a book; body is `text` unchanged when it has no markers.

    Markers: `*** START OF THE/THIS PROJECT GUTENBERG EBOOK <TITLE> ***` and any
    `*** START OF THE <WORDS> EBOOK <TITLE> ***`, the old `*END*THE SMALL PRINT!...` line, and
    the matching `*** END OF ...` / `End of (the) Project Gutenberg...` lines. A leading
    "Produced by ..." credit paragraph goes with the header.
    """
    start = _PG_START.search(text)
    head = text[:start.start()] if start else text[:3000]
    fields = {k.lower(): v for k, v in reversed(_PG_FIELDS.findall(head))}
    licence = "gutenberg" if start or "project gutenberg" in head.lower() else None
    if not start:
        return text, fields, licence
    end = _PG_END.search(text, start.end())
    body = text[start.end():end.start() if end else len(text)]
    return _PG_CREDIT.sub("", body, count=1).strip("\n"), fields, licence


def split_chapters(text: str, min_chapter_chars: int = 100) -> list[tuple[str, str]]:
    """[(heading, chapter text)] in order; the first item is ("", text before the first heading).

    A heading followed by fewer than `min_chapter_chars` non-space characters (a table of
    contents line) is not a chapter start; its text stays with what precedes it.
    """
    found = list(_HEADING.finditer(text))
    starts = []
    for i, m in enumerate(found):
        nxt = found[i + 1].start() if i + 1 < len(found) else len(text)
        if len(re.sub(r"\s", "", text[m.end():nxt])) >= min_chapter_chars:
            starts.append(m)
    parts = [("", text[:starts[0].start()] if starts else text)]
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        parts.append((m.group(0).strip(), text[m.start():end]))
    return parts


def _read_book(raw: BinaryIO, path: str, source: str, cfg: ReaderConfig) -> Iterator[Doc | ErrorRecord]:
    """A plain-text book: one Doc per chapter (one per file for literature or chapter_split=False)."""
    try:
        data = _open_decompressed(raw, path).read(cfg.max_book_bytes + 1)
    except Exception as exc:  # truncated/bad gzip, I/O error: the whole file is one unit
        yield _error(path, _stream_reason(exc, _is_gz(path)), exc, source)
        return
    if len(data) > cfg.max_book_bytes:
        yield _error(path, "too_large", f"more than max_book_bytes={cfg.max_book_bytes}", source)
        return
    if not data.strip():
        yield _error(path, "empty_file", f"{len(data)} bytes, no text", source)
        return
    text, encoding, encoding_source = decode_text(data, cfg)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    body, fields, licence = strip_gutenberg(text)
    if not cfg.strip_licence:
        body = text
    meta: dict[str, Any] = {**fields, "encoding": encoding, "encoding_source": encoding_source}
    if not body.strip():
        yield _error(path, "missing_text", "no text left after stripping the licence header/footer", source)
        return
    if source == "literature" or not cfg.chapter_split:
        yield _book_doc(body.strip(), path, source, licence, meta, cfg)
        return
    (_, front), *chapters = split_chapters(body, cfg.min_chapter_chars)
    front = front.strip()
    if chapters and len(front) <= cfg.min_front_matter_chars:
        meta["front_matter_chars"] = len(front)
    elif front:
        yield _book_doc(front, f"{path}#chapter=0", source, licence, {**meta, "chapter": 0}, cfg)
    for n, (heading, chapter) in enumerate(chapters, start=1):
        chapter_meta = {**meta, "chapter": n, "chapter_title": heading}
        yield _book_doc(chapter.strip(), f"{path}#chapter={n}", source, licence, chapter_meta, cfg)


def _book_doc(text: str, locator: str, source: str, licence: str | None, meta: dict[str, Any],
              cfg: ReaderConfig) -> Doc | ErrorRecord:
    if len(text) > cfg.max_doc_bytes // 4 and len(text.encode("utf-8")) > cfg.max_doc_bytes:
        return _too_large(locator, len(text.encode("utf-8")), cfg, source)
    return Doc(id=stable_id(source, locator), text=text, source=source, locator=locator, license=licence,
               meta=meta)


def _read_html(raw: BinaryIO, path: str, source: str, cfg: ReaderConfig) -> Iterator[Doc | ErrorRecord]:
    """A whole HTML file: one Doc with `html` set and url None."""
    try:
        data = raw.read(cfg.max_doc_bytes + 1)
    except Exception as exc:  # I/O error: the whole file is one unit
        yield _error(path, _stream_reason(exc, _is_gz(path)), exc, source)
        return
    if len(data) > cfg.max_doc_bytes:
        yield _too_large(path, f"more than {cfg.max_doc_bytes}", cfg, source)
        return
    if not data.strip():
        yield _error(path, "empty_file", f"{len(data)} bytes, no text", source)
        return
    html, encoding, encoding_source = decode_html(data, None, cfg)
    yield Doc(id=stable_id(source, path), text="", source=source, locator=path, html=html,
              meta={"encoding": encoding, "encoding_source": encoding_source})


_READERS: dict[str, Callable[[BinaryIO, str, str, ReaderConfig], Iterator[Doc | ErrorRecord]]] = {
    "warc": _read_warc, "wet": _read_warc, "jsonl": _read_jsonl, "parquet": _read_parquet,
    "txt": _read_book, "html": _read_html,
}
