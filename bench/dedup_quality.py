"""Dedup quality: pairwise precision/recall/F1 on planted duplicates, and paraphrases merged (issue 3).

    .venv/bin/python bench/dedup_quality.py [--docs 4000] [--seed 7] [JOB OPTIONS...]

1. Builds (or reuses, under .bench/dedup/) the `bench/dedup_data.py` quality corpus: real zh/en books,
   literature, web pages and reviews with planted exact / normalisation-equal / near copies of known truth,
   plus hard negatives (consecutive chapters, sites whose pages share long header/footer blocks).
2. Runs `pipelines.dedup.run([--input, --output, JOB OPTIONS...], save_main_session=False)` in this
   process (DirectRunner) and reads DIR/kept and DIR/dropped. Predicted clusters: a dropped document
   joins its `duplicate_of`; documents sharing a `cluster_id` (with `cluster_size` > 1) are joined.
3. Pairwise scores: true pairs are the pairs inside a true cluster, predicted pairs those inside a
   predicted cluster; precision = |both| / |predicted|, recall = |both| / |true|. Per language, a
   predicted pair counts for each language it touches (a zh-en pair is a false positive for both).
   Also printed: recall per copy kind and edit, recall by the copy's shingle Jaccard to its original
   (bench shingles: NFKC, lower case; zh character 5-grams, en word 5-grams), false-positive pairs by kind.
4. Paraphrases: every AFQMC dev (zh) and MSRP train+test (en) pair becomes two documents (each pair on
   its own domain, so the per-domain boilerplate rule cannot touch them) in a second run; a pair is
   merged when both end in one predicted cluster. Positive-label paraphrases are included: they are
   still not duplicates. Pairs whose two sentences are equal after normalisation are counted apart.

`--score OUT_DIR` scores an existing output folder instead of running the job (our format, or
datatrove's: metadata.minhash_cluster_id), e.g. the peer's output from bench/peer_datatrove_dedup.py.
Last line: `f1=… f1_zh=… f1_en=… precision=… recall=… paraphrase_merged=…`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dedup_data as dd

ROOT = dd.ROOT


# ------------------------------------------------------------------------------------------ prediction
class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        p = self.parent.setdefault(x, x)
        while p != self.parent[p]:
            self.parent[p] = self.parent[self.parent[p]]
            p = self.parent[p]
        self.parent[x] = p
        return p

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def predicted_clusters(out: Path) -> tuple[dict[str, str], dict[str, Counter[str]]]:
    """id → predicted cluster root, from kept/ and dropped/ of our job or of datatrove's peer; also
    the counts of records per folder and of `drop` reasons."""
    uf = UnionFind()
    counts: dict[str, Counter[str]] = {"kept": Counter(), "dropped": Counter()}
    for sub in ("kept", "dropped"):
        files = sorted((out / sub).glob("*.jsonl*"))
        for rec in dd.read_jsonl(files):
            did = str(rec["id"])
            uf.find(did)
            meta = rec.get("metadata") or {}
            cid = rec.get("cluster_id", meta.get("minhash_cluster_id"))
            size = rec.get("cluster_size", meta.get("minhash_cluster_size"))
            if cid is not None and cid != -1 and (size is None or int(size) > 1):
                uf.union(did, f"cluster::{cid}")
            if rec.get("duplicate_of"):
                uf.union(did, str(rec["duplicate_of"]))
            counts[sub]["records"] += 1
            counts[sub][str(rec.get("drop", ""))] += 1
    return {k: uf.find(k) for k in list(uf.parent) if not k.startswith("cluster::")}, counts


# -------------------------------------------------------------------------------------------- scoring
def _c2(n: int) -> int:
    return n * (n - 1) // 2


def pair_scores(
    true: dict[str, object], pred: dict[str, str], lang: dict[str, str], only: str | None = None
) -> dict:
    """Pairwise precision/recall/F1 (see the module docstring) over the ids of `true`."""
    ids = list(true)
    inter: Counter[tuple[object, str]] = Counter()
    tsize: Counter[object] = Counter()
    psize: dict[str, Counter[bool]] = defaultdict(Counter)
    for i in ids:
        p = pred.get(i, f"missing::{i}")
        mine = only is None or lang[i] == only
        psize[p][mine] += 1
        if mine:
            inter[(true[i], p)] += 1
            tsize[true[i]] += 1
    tp = sum(_c2(n) for n in inter.values())
    t = sum(_c2(n) for n in tsize.values())
    pp = sum(_c2(c[True]) + (c[True] * c[False] if only else 0) for c in psize.values())
    prec = tp / pp if pp else 1.0
    rec = tp / t if t else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": prec, "recall": rec, "f1": f1, "true_pairs": t, "pred_pairs": pp, "tp": tp}


def breakdown(truth: dict[str, dict], pred: dict[str, str], docs: dict[str, dict]) -> dict:
    """Recall per copy (found = same predicted cluster as its cluster's original), by kind, edit and
    Jaccard band; false-positive pairs by kind."""
    orig = {t["cluster"]: i for i, t in truth.items() if t["role"] == "original"}
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_jac: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    cache: dict[str, set[str]] = {}

    def sh(i: str) -> set[str]:
        if i not in cache:
            cache[i] = dd.shingles(docs[i]["text"], docs[i]["lang"])
        return cache[i]

    for i, t in truth.items():
        o = orig.get(t["cluster"])
        if o is None or o == i:
            continue
        found = pred.get(i) is not None and pred.get(i) == pred.get(o)
        edits = [e.split(":")[0] for e in t["edits"] if e != "copy_of_copy"]
        kinds = [f"{t['lang']} {t['role']}"] + [f"{t['lang']} near+{e}" for e in edits if t["role"] == "near"]
        if "copy_of_copy" in t["edits"]:
            kinds.append(f"{t['lang']} copy_of_copy")
        for k in kinds:
            by_kind[k][0] += found
            by_kind[k][1] += 1
        j = dd.jaccard(sh(i), sh(o))
        band = (
            "<0.5"
            if j < 0.5
            else "0.5-0.6"
            if j < 0.6
            else "0.6-0.72"
            if j < 0.72
            else "0.72-0.8"
            if j < 0.8
            else "0.8-0.9"
            if j < 0.9
            else ">=0.9"
        )
        by_jac[f"{t['lang']} J{band}"][0] += found
        by_jac[f"{t['lang']} J{band}"][1] += 1
    # false positives: predicted pairs across true clusters, by the kinds of the two documents
    members: dict[str, list[str]] = defaultdict(list)
    for i in truth:
        if i in pred:
            members[pred[i]].append(i)
    fp: Counter[str] = Counter()
    examples: list[tuple[str, str]] = []
    for ids in members.values():
        if len(ids) < 2:
            continue
        for a_i, a in enumerate(ids):
            for b in ids[a_i + 1 :]:
                ta, tb = truth[a], truth[b]
                if ta["cluster"] == tb["cluster"]:
                    continue
                if ta["role"] == tb["role"] == "boilerplate" and docs[a]["domain"] == docs[b]["domain"]:
                    kind = "same-site boilerplate pages"
                elif (
                    docs[a]["domain"] == docs[b]["domain"] and docs[a]["source"] == docs[b]["source"] != "web"
                ):
                    kind = f"same book/collection ({docs[a]['domain']})"
                else:
                    kind = f"other ({ta['lang']}/{tb['lang']})"
                fp[kind] += 1
                if len(examples) < 5:
                    examples.append((ta["origin"], tb["origin"]))
    fmt = {k: f"{v[0]}/{v[1]} = {v[0] / v[1]:.3f}" for k, v in sorted(by_kind.items())}
    jac = {k: f"{v[0]}/{v[1]} = {v[0] / v[1]:.3f}" for k, v in sorted(by_jac.items())}
    return {
        "recall_by_kind": fmt,
        "recall_by_jaccard_to_original": jac,
        "false_positive_pairs": dict(fp),
        "fp_examples": examples,
    }


# ------------------------------------------------------------------------------------------------ runs
def run_job(corpus: Path, out: Path, job_args: list[str]) -> float:
    """pipelines.dedup.run in this process; returns seconds."""
    sys.path.insert(0, str(ROOT))
    from pipelines.dedup import run

    shutil.rmtree(out, ignore_errors=True)
    argv = ["--input", str(corpus / "corpus" / "*.jsonl.gz"), "--output", str(out), *job_args]
    t0 = time.perf_counter()
    run(argv, save_main_session=False)
    return time.perf_counter() - t0


def write_paraphrase_corpus(folder: Path) -> list[dict]:
    """Two documents per pair under folder/corpus; returns the pairs with their document ids."""
    pairs = dd.paraphrase_pairs()
    (folder / "corpus").mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / "corpus" / "part-00000-of-00001.jsonl.gz", "wt", encoding="utf-8") as f:
        for n, p in enumerate(pairs):
            p["ids"] = (f"{p['dataset']}-{p['idx']}-a", f"{p['dataset']}-{p['idx']}-b")
            for did, text in zip(p["ids"], (p["a"], p["b"]), strict=True):
                rec = {
                    "id": did,
                    "text": text,
                    "lang": p["lang"],
                    "source": "web",
                    "domain": f"pair{n}.{p['dataset']}.example",
                }
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return pairs


def paraphrase_report(pairs: list[dict], pred: dict[str, str]) -> dict:
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    same_text = merged_same = 0
    for p in pairs:
        a, b = p["ids"]
        merged = pred.get(a) is not None and pred.get(a) == pred.get(b)
        identical = dd.normalize(p["a"]) == dd.normalize(p["b"])
        same_text += identical
        merged_same += merged and identical
        for g in ("all", p["dataset"], f"{p['dataset']} label={p['label']}"):
            groups[g][0] += merged
            groups[g][1] += 1
    rep = {k: f"{m}/{n} = {m / n:.4f}" for k, (m, n) in groups.items()}
    m_all, n_all = groups["all"]
    rep["equal_after_normalisation"] = f"{same_text} pairs ({merged_same} of them merged)"
    rep["share_excluding_equal"] = f"{(m_all - merged_same) / max(1, n_all - same_text):.4f}"
    rep["_share"] = m_all / n_all  # type: ignore[assignment]
    return rep


def score(corpus: Path, out: Path) -> tuple[dict, dict]:
    truth = dd.load_truth(corpus)
    docs = {r["id"]: r for r in dd.read_jsonl(sorted((corpus / "corpus").glob("*.jsonl.gz")))}
    pred, counts = predicted_clusters(out)
    true_c = {i: t["cluster"] for i, t in truth.items()}
    lang = {i: t["lang"] for i, t in truth.items()}
    res = {"all": pair_scores(true_c, pred, lang)}
    for lg in ("zh", "en"):
        res[lg] = pair_scores(true_c, pred, lang, lg)
    missing = sum(1 for i in truth if i not in pred)
    extra = {"output_counts": {k: dict(v) for k, v in counts.items()}, "docs_missing_from_output": missing}
    extra.update(breakdown(truth, pred, docs))
    return res, extra


def _fmt(s: dict) -> str:
    return (
        f"P={s['precision']:.4f} R={s['recall']:.4f} F1={s['f1']:.4f} "
        f"(true pairs {s['true_pairs']}, predicted {s['pred_pairs']}, both {s['tp']})"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=4000, help="size of the planted corpus (default 4000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--score", type=Path, help="score this output folder instead of running the job")
    ap.add_argument("--no-paraphrase", action="store_true", help="skip the paraphrase run")
    ap.add_argument("--json", type=Path, help="also write every number to this file")
    args, job_args = ap.parse_known_args(argv)
    if not dd.DATA.is_dir():
        print(f"no shared data at {dd.DATA}\nskipped=1")
        return 0
    corpus, manifest = dd.ensure("quality", args.docs, args.seed)
    print(
        f"corpus: {corpus} docs={manifest['docs']} "
        f"true_pairs={manifest['true_pairs']} roles={manifest['roles']}"
    )
    out = args.score or corpus.parent / f"{corpus.name}.out"
    seconds = None
    if not args.score:
        seconds = run_job(corpus, out, job_args)
        print(
            f"job: {seconds:.1f} s for {manifest['docs']} docs "
            f"({manifest['docs'] / seconds:.0f} docs/s), args {job_args}"
        )
    res, extra = score(corpus, out)
    for k in ("all", "zh", "en"):
        print(f"{k:>4}: {_fmt(res[k])}")
    print(json.dumps(extra, ensure_ascii=False, indent=1))
    para: dict = {}
    share = float("nan")
    if not args.no_paraphrase and not args.score:
        pfolder = dd.BENCH_DIR / "paraphrase"
        pairs = write_paraphrase_corpus(pfolder)
        pout = pfolder / "out"
        ps = run_job(pfolder, pout, job_args)
        pred, _ = predicted_clusters(pout)
        para = paraphrase_report(pairs, pred)
        share = float(para.pop("_share"))
        print(
            f"paraphrase pairs ({len(pairs)}; {2 * len(pairs)} docs, {ps:.1f} s): "
            f"{json.dumps(para, ensure_ascii=False)}"
        )
    if args.json:
        blob = {"manifest": manifest, "scores": res, "detail": extra, "paraphrase": para, "seconds": seconds}
        args.json.write_text(json.dumps(blob, indent=1, ensure_ascii=False))
    a = res["all"]
    print(
        f"f1={a['f1']:.4f} f1_zh={res['zh']['f1']:.4f} f1_en={res['en']['f1']:.4f} "
        f"precision={a['precision']:.4f} recall={a['recall']:.4f} paraphrase_merged={share:.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
