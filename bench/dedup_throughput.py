"""Dedup throughput and peak memory: our Beam job, datatrove's MinHash, a datasketch baseline (issue 3).

    .venv/bin/python bench/dedup_throughput.py [--docs 50000] [--seed 7] [--dup-share 0.2] [JOB OPTIONS...]
    .venv/bin/python bench/dedup_throughput.py --docs 200000          # the peak-RSS figure

Input: the `bench/dedup_data.py` throughput corpus (mostly unique zh/en documents made of windows of
real sentences, a known share of planted exact / normalisation-equal / near copies), built once under
.bench/dedup/ as 4 JSONL.gz files; all three sides read those files, with 5-gram shingles (zh characters,
en words) and 14 bands x 8 rows (112 permutations):
  ours        `python -m pipelines.dedup --input GLOB --output DIR --num-perm 112 --bands 14 --rows 8
              --direct_running_mode=multi_processing --direct_num_workers=2 [JOB OPTIONS]` (also does
              exact dedup and the per-domain boilerplate-line pass, which the others do not)
  datatrove   bench/peer_datatrove_dedup.py in .venv-datatrove (made by bench/peer_env.sh when missing):
              signatures → buckets (14 tasks) → cluster (1 task) → filter, LocalPipelineExecutor with 2
              workers, the chars+words tokenizer (character 5-grams when a document is mostly CJK, word
              5-grams otherwise; `--datatrove-tokenizer eng|cmn` for one of its own)
  datasketch  one process: MinHash(num_perm=112).update_batch(shingles) per document,
              MinHashLSH(params=(14, 8)), insert all, query each, union-find; a second pass writes
              kept/dropped like the others (shingles: pipelines.text.minhash.shingles, as ours)
Each side runs in a fresh process (sides in turn, `--runs` rounds, best time kept); seconds are the wall
time of the whole process (interpreter start, imports, pipeline, output written); docs/s = input docs /
seconds; `other` is the CPU that processes outside the side's tree used meanwhile, in cores (this machine
has 2: rerun when it is not ~0). Peak memory: the process tree (the side's process and every descendant,
e.g. Beam's SDK workers and datatrove's pool) is polled every 0.1 s from /proc; peak RSS is the largest
sum of VmRSS (shared pages counted once per process), peak PSS the largest sum of Pss (shared pages split
between sharers); the RSS of each process at the peak is printed too.
Each side's output is scored against the truth (pairwise precision/recall, as bench/dedup_quality.py).
Last line: `ratio=<ours/datatrove> ours_docs_per_s=… datatrove_docs_per_s=… datasketch_docs_per_s=… …`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dedup_data as dd
import dedup_quality as dq

ROOT = dd.ROOT
PEER_VENV = ROOT / ".venv-datatrove"
PEER_PY = PEER_VENV / "bin" / "python"
NUM_PERM, BANDS, ROWS = 112, 14, 8
SIDES = ("ours", "datatrove", "datasketch")


# ------------------------------------------------------------------------------------------------ memory
def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def _tree(pid: int) -> list[int]:
    kids = _children()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def _kb(path: str, key: bytes) -> int:
    try:
        with open(path, "rb") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cmd(pid: int) -> str:
    """A short name for a process: its script or module (`sdk_worker_main`, `peer_datatrove_dedup.py`)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return "?"
    for i, a in enumerate(args[1:], 1):
        if a == "-m" and i + 1 < len(args):
            return args[i + 1].rsplit(".", 1)[-1]
        if a.endswith(".py") or (a == "-c"):
            return Path(a).name
    return Path(args[0]).name if args else "?"


def _busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class TreeMemory(threading.Thread):
    """Polls a process tree's summed RSS and PSS until stopped; keeps the peaks (MiB), the process
    count, and at the RSS peak each process's RSS by short name."""

    def __init__(self, pid: int, every: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak_rss = self.peak_pss = 0.0
        self.max_procs = 0
        self.at_peak: list[tuple[str, float]] = []
        self.cpu: dict[int, float] = {}  # pid → last seen utime + stime (s)
        self._stop_evt = threading.Event()

    def run(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        while not self._stop_evt.is_set():
            pids = _tree(self.pid)
            for p in pids:
                try:
                    with open(f"/proc/{p}/stat", "rb") as f:
                        st = f.read()
                    fields = st[st.rindex(b")") + 2 :].split()
                    self.cpu[p] = (int(fields[11]) + int(fields[12])) / tick
                except (OSError, ValueError, IndexError):
                    pass
            each = [(p, _kb(f"/proc/{p}/status", b"VmRSS:") / 1024) for p in pids]
            rss = sum(r for _, r in each)
            pss = sum(_kb(f"/proc/{p}/smaps_rollup", b"Pss:") for p in pids) / 1024
            if rss > self.peak_rss:
                self.peak_rss = rss
                self.at_peak = sorted(((_cmd(p), round(r)) for p, r in each if r > 0), key=lambda x: -x[1])
            self.peak_pss = max(self.peak_pss, pss)
            self.max_procs = max(self.max_procs, len(pids))
            self._stop_evt.wait(self.every)

    def stop(self) -> None:
        self._stop_evt.set()
        self.join()


def measured(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> dict:
    """Run `cmd` (cwd=ROOT), output to `log`; wall seconds, peak tree RSS/PSS, exit code, last stdout
    line, its CPU seconds, and `other_cores`: the CPU other processes used meanwhile, in cores (the
    machine has 2: a value well above 0 means the timing was disturbed)."""
    with open(log, "w") as lf:
        busy0 = _busy_seconds()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=lf, text=True, env=env)
        mem = TreeMemory(proc.pid)
        mem.start()
        stdout, _ = proc.communicate()
        seconds = time.perf_counter() - t0
        busy = _busy_seconds() - busy0
        mem.stop()
        lf.write("\n--- stdout ---\n" + stdout)
    cpu = sum(mem.cpu.values())  # as last polled: a process's final < 0.1 s may be missed
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    return {
        "rc": proc.returncode,
        "seconds": seconds,
        "cpu_seconds": round(cpu, 1),
        "other_cores": round(max(0.0, busy - cpu) / seconds, 2),
        "peak_rss_mb": round(mem.peak_rss, 1),
        "peak_pss_mb": round(mem.peak_pss, 1),
        "max_procs": mem.max_procs,
        "rss_at_peak_mb": mem.at_peak[:8],
        "last": lines[-1] if lines else "",
        "log": str(log),
    }


# ---------------------------------------------------------------------------------------------- datasketch
def _shingler() -> tuple[Callable[[str, str], set[str]], str]:
    """Our job's shingles when pipelines.text.minhash offers them, else bench/dedup_data.shingles."""
    try:
        sys.path.insert(0, str(ROOT))
        from pipelines.text import minhash as jm

        fn = getattr(jm, "shingles", None)
        if callable(fn):
            return (lambda text, lang: {str(s) for s in fn(text, lang)}), "pipelines.text.minhash.shingles"
    except ImportError:
        pass
    return dd.shingles, "bench.dedup_data.shingles"


def datasketch_worker(corpus: Path, out: Path) -> None:
    """Single process: signatures, LSH insert all, query each, union-find, write kept/dropped."""
    from datasketch import MinHash, MinHashLSH

    shingle, which = _shingler()
    files = sorted((corpus / "corpus").glob("*.jsonl.gz"))
    lsh = MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))
    sigs: list[tuple[str, MinHash]] = []
    for rec in dd.read_jsonl(files):
        s = shingle(rec["text"], rec.get("lang") or "en")
        if not s:
            continue
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([x.encode("utf-8") for x in s])
        lsh.insert(rec["id"], m, check_duplication=False)
        sigs.append((rec["id"], m))
    uf = dq.UnionFind()
    for did, m in sigs:
        for other in lsh.query(m):
            if other != did:
                uf.union(did, other)
    del sigs, lsh
    size: dict[str, int] = {}
    for k in list(uf.parent):
        r = uf.find(k)
        size[r] = size.get(r, 0) + 1
    shutil.rmtree(out, ignore_errors=True)
    kept = dropped = 0
    for sub in ("kept", "dropped"):
        (out / sub).mkdir(parents=True)
    for n, f in enumerate(files):
        with (
            gzip.open(out / "kept" / f"part-{n:05d}.jsonl.gz", "wt", encoding="utf-8") as fk,
            gzip.open(out / "dropped" / f"part-{n:05d}.jsonl.gz", "wt", encoding="utf-8") as fd,
        ):
            for rec in dd.read_jsonl([f]):
                did = rec["id"]
                root = uf.find(did) if did in uf.parent else did
                rec["cluster_id"], rec["cluster_size"] = root, size.get(root, 1)
                if root == did:
                    fk.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    kept += 1
                else:
                    rec["drop"], rec["duplicate_of"] = "dedup:near", root
                    fd.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    dropped += 1
    print(json.dumps({"kept": kept, "dropped": dropped, "shingles": which}))


# ------------------------------------------------------------------------------------------------- sides
def ensure_peer_env() -> None:
    if PEER_PY.exists() and (PEER_VENV / ".peer-installed").exists():
        return
    print("building the datatrove peer venv (bench/peer_env.sh) ...", file=sys.stderr)
    subprocess.run(["bash", str(ROOT / "bench" / "peer_env.sh"), str(PEER_VENV)], check=True)


def side_command(
    side: str, corpus: Path, out: Path, args: argparse.Namespace, job_args: list[str]
) -> tuple[list[str], dict[str, str] | None]:
    if side == "ours":
        cmd = [
            sys.executable,
            "-m",
            "pipelines.dedup",
            "--input",
            str(corpus / "corpus" / "*.jsonl.gz"),
            "--output",
            str(out),
            "--num-perm",
            str(NUM_PERM),
            "--bands",
            str(BANDS),
            "--rows",
            str(ROWS),
            "--direct_running_mode=multi_processing",
            f"--direct_num_workers={args.workers}",
            *job_args,
        ]
        return cmd, None
    if side == "datatrove":
        cmd = [
            str(PEER_PY),
            str(ROOT / "bench" / "peer_datatrove_dedup.py"),
            "--input",
            str(corpus / "corpus"),
            "--output",
            str(out),
            "--workers",
            str(args.workers),
            "--tokenizer",
            args.datatrove_tokenizer,
        ]
        return cmd, {**os.environ, "DATATROVE_COLORIZE_LOGS": "0", "PYTHONHASHSEED": "0"}
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--_datasketch-worker",
        str(corpus),
        str(out),
    ], None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=50_000, help="documents in the input (default 50000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dup-share", type=float, default=0.2, help="share of planted copies (default 0.2)")
    ap.add_argument("--workers", type=int, default=2, help="processes for ours and datatrove (default 2)")
    ap.add_argument("--runs", type=int, default=1, help="rounds; the best time per side is kept (default 1)")
    ap.add_argument("--sides", default=",".join(SIDES), help="comma list of sides to run (default all)")
    ap.add_argument(
        "--datatrove-tokenizer", default="chars+words", help="chars+words (default) or a datatrove code"
    )
    ap.add_argument("--no-score", action="store_true", help="skip scoring the outputs against the truth")
    ap.add_argument("--keep-output", action="store_true", help="keep the three output folders")
    ap.add_argument("--json", type=Path, help="also write every number to this file")
    ap.add_argument("--_datasketch-worker", dest="ds_worker", nargs=2, help=argparse.SUPPRESS)
    args, job_args = ap.parse_known_args(argv)
    if args.ds_worker:
        datasketch_worker(Path(args.ds_worker[0]), Path(args.ds_worker[1]))
        return 0
    if not dd.DATA.is_dir():
        print(f"no shared data at {dd.DATA}\nskipped=1")
        return 0
    sides = [s for s in args.sides.split(",") if s]
    t0 = time.perf_counter()
    corpus, manifest = dd.ensure("throughput", args.docs, args.seed, dup_share=args.dup_share)
    docs = manifest["docs"]
    print(
        f"input: {corpus.relative_to(ROOT)} docs={docs} planted_copies={manifest['planted_copies']} "
        f"roles={manifest['roles']} chars={manifest['chars']} (ready in {time.perf_counter() - t0:.1f} s)"
    )
    if "datatrove" in sides:
        ensure_peer_env()
    work = corpus.parent / f"{corpus.name}.runs"
    work.mkdir(exist_ok=True)
    results: dict[str, list[dict]] = {s: [] for s in sides}
    for r in range(args.runs):
        for side in sides:
            out = work / side
            shutil.rmtree(out, ignore_errors=True)
            cmd, env = side_command(side, corpus, out, args, job_args)
            res = measured(cmd, work / f"{side}.log", env)
            if res["rc"] != 0:
                tail = Path(res["log"]).read_text()[-3000:]
                raise SystemExit(f"{side} failed (exit {res['rc']}), log {res['log']}:\n{tail}")
            print(
                f"round {r + 1}: {side:<10} {res['seconds']:8.1f} s  peak RSS {res['peak_rss_mb']:8.0f} MiB  "
                f"PSS {res['peak_pss_mb']:8.0f} MiB  procs {res['max_procs']}  "
                f"cpu {res['cpu_seconds']:.0f} s  other load {res['other_cores']:.2f} cores",
                file=sys.stderr,
            )
            if not args.no_score and r == args.runs - 1:
                res["scores"], extra = dq.score(corpus, out)
                res["output_counts"] = extra["output_counts"]
            res["detail"] = res.pop("last")
            results[side].append(res)
    best = {s: min(v, key=lambda x: x["seconds"]) for s, v in results.items()}
    for s in sides:  # the scores come from the last round
        best[s] = {
            **best[s],
            **{k: results[s][-1][k] for k in ("scores", "output_counts") if k in results[s][-1]},
        }
    rate = {s: docs / best[s]["seconds"] if s in best else float("nan") for s in SIDES}
    print(
        f"{'side':<11}{'seconds':>8}{'docs/s':>8}{'cpu s':>7}{'other':>6}{'RSS MiB':>9}{'PSS MiB':>9}"
        f"{'procs':>6}{'kept':>7}{'P':>8}{'R':>8}{'F1':>8}"
    )
    for s in sides:
        b = best[s]
        sc = b.get("scores", {}).get("all")
        kept = b.get("output_counts", {}).get("kept", {}).get("records", "-")
        q = f"{sc['precision']:>8.4f}{sc['recall']:>8.4f}{sc['f1']:>8.4f}" if sc else f"{'-':>8}" * 3
        print(
            f"{s:<11}{b['seconds']:>8.1f}{rate[s]:>8.1f}{b['cpu_seconds']:>7.0f}{b['other_cores']:>6.2f}"
            f"{b['peak_rss_mb']:>9.0f}{b['peak_pss_mb']:>9.0f}{b['max_procs']:>6}{kept:>7}{q}"
        )
    print("(other = CPU used by processes outside the side's tree during its run, in cores of 2)")
    for s in sides:
        print(f"{s} RSS at its peak by process (MiB): {best[s]['rss_at_peak_mb']}")
        print(f"{s} detail: {best[s]['detail'][:600]}")
    if "datatrove" in sides:
        print(
            f"datatrove settings: tokenizer={args.datatrove_tokenizer}, MinhashConfig(n_grams=5, "
            f"num_buckets=14, hashes_per_bucket=8, xxhash64), tasks signatures/filter={manifest['shards']}, "
            f"buckets=14, cluster=1, workers={args.workers}"
        )

    def ratio(a: str, b: str) -> float:
        return rate[a] / rate[b] if rate[b] == rate[b] and rate[b] > 0 else float("nan")

    print(
        f"ratios: ours/datatrove={ratio('ours', 'datatrove'):.3f} "
        f"ours/datasketch={ratio('ours', 'datasketch'):.3f} "
        f"datatrove/datasketch={ratio('datatrove', 'datasketch'):.3f}"
    )
    if args.json:
        blob = {"manifest": manifest, "runs": results, "best": best, "docs_per_s": rate, "job_args": job_args}
        args.json.write_text(json.dumps(blob, indent=1, ensure_ascii=False, default=str))
    if not args.keep_output:
        for s in sides:
            shutil.rmtree(work / s, ignore_errors=True)
    rss = " ".join(
        f"{s}_peak_rss_mb={best[s]['peak_rss_mb']:.0f}" if s in best else f"{s}_peak_rss_mb=nan"
        for s in SIDES
    )
    print(
        f"ratio={ratio('ours', 'datatrove'):.3f} ours_docs_per_s={rate['ours']:.1f} "
        f"datatrove_docs_per_s={rate['datatrove']:.1f} datasketch_docs_per_s={rate['datasketch']:.1f} "
        f"{rss} docs={docs}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
