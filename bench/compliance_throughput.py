"""Compliance throughput: the whole compliance check against a naive loop over the same rules, same input.

    .venv/bin/python bench/compliance_throughput.py [--runs 3] [--max-mb 0]

1. Input: real text from ../shared/data (CORPUSLOOP_SHARED overrides the folder above data/):
   Chinese hotel and food-delivery reviews (8 to a document, lang zh), the C4 demo documents (en)
   and four Project Gutenberg books cut into 5,000-character documents (en, source book). One
   document in four gets one to three pieces of personal data inserted (valid resident IDs and
   Luhn cards from tests/compliance/data/make_pii_set.py's generators, phones, e-mails, IPs, QQ).
   Each document gets a host and an IPv4 address. Without ../shared/data: prints `skipped=1`, exits 0.
2. Ours: `compliance.policy.ComplianceChecker.check` with configs/compliance.yaml plus a deny rule of
   5,000 generated domains (domain rules, licence, hosting country, ICP, PII find + redact,
   sensitive hits and thresholds). Where compliance.policy cannot be imported, ours is
   `find_pii` + `redact` + `SensitiveMatcher.hits` alone; the `ours:` line says which ran.
3. Naive: the same PII regexes and validators, each run over the whole text (find_pii runs the digit
   patterns over numeric runs only), `redact`, and every lexicon term searched one by one with
   `str.find` (same ASCII word boundaries and overlap rule); with the policy check also the same
   ICP regexes (`find_icp`) and every domain of the lists compared with `endswith`. It does no
   licence or country look-up, which ours does, so the ratio understates ours.

Both sides run on the same documents in this process, alternating, `--runs` times; the best time of
each counts. The sensitive hits and PII counts of both sides are compared on every document
(`agree=1`). MB are UTF-8 megabytes (10^6 bytes) of document text. The last line is
`ratio=<ours/naive MB/s> mb_per_s=… naive_mb_per_s=…`.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import importlib.util
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compliance import pii  # noqa: E402
from compliance.pii import PiiConfig, find_pii, pii_counts, redact  # noqa: E402
from compliance.sensitive import CATEGORIES, SensitiveMatcher, ascii_lower, resolve_overlaps  # noqa: E402

DATA = Path(os.environ.get("CORPUSLOOP_SHARED", ROOT.parent / "shared")) / "data"
BENCH_DIR = ROOT / ".bench"
SEED = 20240901
BOOKS = ("11-0.txt", "1342-0.txt", "3261.txt", "972.txt")
ZH_HOSTS = ("news.sina.com.cn", "www.people.com.cn", "bbs.tianya.cn", "hotel.example.cn", "waimai.example.cn")
EN_HOSTS = ("www.example.com", "blog.example.org", "news.example.co.uk", "www.gutenberg.org")

Doc = dict[str, Any]
Check = Callable[[Doc], tuple[dict, dict]]  # a document -> (PII counts, sensitive hits)


def _generators() -> Any:
    path = ROOT / "tests" / "compliance" / "data" / "make_pii_set.py"
    spec = importlib.util.spec_from_file_location("make_pii_set", path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_input(max_mb: float) -> tuple[list[Doc], dict[str, int]]:
    """Documents from the shared data, with PII inserted into one in four; deterministic."""
    rng = random.Random(SEED)
    docs: list[Doc] = []
    reviews: list[str] = []
    for name in ("ChnSentiCorp_htl_all.csv", "waimai_10k.csv"):
        with open(DATA / "text" / "chinese_reviews" / name, encoding="utf-8", newline="") as f:
            reviews += [row["review"] for row in csv.DictReader(f) if row.get("review")]
    for i in range(0, len(reviews), 8):
        docs.append(_doc("\n".join(reviews[i : i + 8]), "zh", "web", rng.choice(ZH_HOSTS), "zh_reviews"))
    with open(DATA / "sft" / "llamafactory_demo" / "c4_demo.jsonl", encoding="utf-8") as f:
        for line in f:
            docs.append(_doc(json.loads(line)["text"], "en", "web", rng.choice(EN_HOSTS), "c4"))
    for name in BOOKS:
        text = (DATA / "books" / "gutenberg_en" / name).read_text(encoding="utf-8", errors="replace")
        for i in range(0, len(text), 5000):
            docs.append(_doc(text[i : i + 5000], "en", "book", "www.gutenberg.org", "gutenberg"))
    gen = _generators()
    makers = {  # (lead-in, generator)
        "zh": [("联系电话", gen.mobile), ("身份证号：", gen.resident_id), ("邮箱 ", gen.email),
               ("卡号 ", gen.bank_card), ("加QQ：", gen.qq), ("服务器 IP ", gen.ipv4),
               ("座机 ", gen.landline)],
        "en": [("call ", gen.nanp), ("email ", gen.email), ("card ", gen.bank_card), ("from ", gen.ipv4),
               ("tel. ", gen.intl), ("ID ", gen.resident_id)],
    }
    for d in docs:
        d["ip"] = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        if rng.random() < 0.25:
            text = d["text"]
            for _ in range(rng.randint(1, 3)):
                pos = rng.randint(0, len(text))
                lead, make = rng.choice(makers[d["lang"]])
                text = f"{text[:pos]} {lead}{make(rng)}。{text[pos:]}"
                d["injected"] += 1
            d["text"] = text
    rng.shuffle(docs)
    if max_mb:
        kept, size = [], 0
        for d in docs:
            size += len(d["text"].encode("utf-8"))
            if size > max_mb * 1e6:
                break
            kept.append(d)
        docs = kept
    counts = {k: sum(1 for d in docs if d["origin"] == k) for k in ("zh_reviews", "c4", "gutenberg")}
    counts["pii_injected"] = sum(d["injected"] for d in docs)
    return docs, counts


def _doc(text: str, lang: str, source: str, host: str, origin: str) -> Doc:
    return {"text": text, "lang": lang, "source": source, "host": host, "origin": origin, "injected": 0}


def deny_list(n: int = 5000) -> Path:
    """A list of `n` generated domains (none of the input's hosts), written once under .bench/."""
    path = BENCH_DIR / f"deny_{n}.txt"
    if not path.exists():
        rng = random.Random(SEED)
        BENCH_DIR.mkdir(exist_ok=True)
        tlds = ("com", "cn", "net", "org", "info", "top", "xyz", "com.cn")
        letters = "abcdefghijklmnopqrstuvwxyz"
        names = {"".join(rng.choices(letters, k=rng.randint(5, 12))) + "." + rng.choice(tlds)
                 for _ in range(n)}
        path.write_text("# generated for bench/compliance_throughput.py\n" + "\n".join(sorted(names)) + "\n")
    return path


# --- the two sides ---------------------------------------------------------------------------------


def ours_side() -> tuple[str, Check, list[str], SensitiveMatcher, PiiConfig]:
    """(description, check, domain-list entries, the lexicon matcher, the PII config) of ours."""
    try:
        from compliance.domains import DomainRule, read_domain_list
        from compliance.policy import ComplianceChecker, load_policy
    except ImportError as exc:
        print(f"compliance.policy not importable ({exc}): timing PII + sensitive only")
        matcher = SensitiveMatcher()

        def check_min(d: Doc) -> tuple[dict, dict]:
            matches = find_pii(d["text"])
            redact(d["text"], matches)
            return pii_counts(matches), matcher.hits(d["text"], d["lang"])

        desc = "find_pii + redact + SensitiveMatcher.hits (compliance.policy absent)"
        return desc, check_min, [], matcher, PiiConfig()
    policy = load_policy(ROOT / "configs" / "compliance.yaml")
    rules = (*policy.domains.rules, DomainRule("bench_denied", "drop", files=(str(deny_list()),)))
    policy = dataclasses.replace(policy, domains=dataclasses.replace(policy.domains, rules=rules))
    checker = ComplianceChecker(policy)
    entries = [e for r in rules for e in r.domains]
    entries += [e for r in rules for f in r.files for e in read_domain_list(f)]

    def check(d: Doc) -> tuple[dict, dict]:
        v = checker.check(d["text"], source=d["source"], lang=d["lang"], domain=d["host"], ip=d["ip"])
        return v.pii, v.sensitive

    desc = ("compliance.policy.ComplianceChecker.check (domain rules incl. a 5,000-domain list, licence, "
            "country, ICP, PII find + redact, sensitive)")
    return desc, check, entries, checker.sensitive, policy.pii


def naive_side(matcher: SensitiveMatcher, entries: list[str], pii_cfg: PiiConfig, policy: bool) -> Check:
    """The same rules without the data structures: terms one by one, domains one by one; ICP and
    domains only when ours runs the policy check."""
    find_icp = None
    if policy:
        from compliance.icp import find_icp
    terms = list(matcher.terms.items())

    def hits(text: str, lang: str) -> dict[str, int]:
        lowered = ascii_lower(text)
        n = len(text)
        found: dict[str, list[tuple[int, int]]] = {}
        for term, cats in terms:
            english = term.isascii()
            if not english and lang == "en":
                continue
            pos = lowered.find(term)
            while pos != -1:
                end = pos + len(term)
                boundary = not english or (
                    not (pos > 0 and text[pos - 1].isascii() and text[pos - 1].isalpha())
                    and not (end < n and text[end].isascii() and text[end].isalpha())
                )
                if boundary:
                    for c in cats:
                        found.setdefault(c, []).append((pos, end))
                pos = lowered.find(term, pos + 1)
        counts: dict[str, int] = {}
        for _, _, c in resolve_overlaps(found):
            counts[c] = counts.get(c, 0) + 1
        return {c: counts[c] for c in CATEGORIES if c in counts}

    def check(d: Doc) -> tuple[dict, dict]:
        host = d["host"]
        if find_icp is not None:
            any(host == e or host.endswith("." + e) for e in entries)
            find_icp(d["text"])
        text = d["text"]
        # every PII pattern over the whole text (find_pii searches digit patterns in numeric runs only)
        matches = pii._resolve(text, pii_cfg, pii._candidates(text, pii_cfg, [(0, len(text))]))
        redact(text, matches)
        return pii_counts(matches), hits(text, d["lang"])

    return check


def timed(fn: Check, docs: list[Doc]) -> tuple[float, list[tuple[dict, dict]]]:
    t0 = time.perf_counter()
    out = [fn(d) for d in docs]
    return time.perf_counter() - t0, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each side; the best counts")
    ap.add_argument("--max-mb", type=float, default=0.0, help="cap the input (0: all of it)")
    args = ap.parse_args(argv)
    if not (DATA / "text" / "chinese_reviews").is_dir():
        print(f"{DATA} not found")
        print("skipped=1")
        return 0
    docs, counts = build_input(args.max_mb)
    mb = sum(len(d["text"].encode("utf-8")) for d in docs) / 1e6
    print(f"input: docs={len(docs)} mb={mb:.2f} " + " ".join(f"{k}={v}" for k, v in counts.items()))
    desc, ours, entries, matcher, pii_cfg = ours_side()
    policy = desc.startswith("compliance.policy")
    naive = naive_side(matcher, entries, pii_cfg, policy)
    print(f"ours: {desc}")
    extra = f", find_icp, {len(entries)} domains by endswith" if policy else ""
    print(f"naive: PII regexes over whole texts + redact, {len(matcher.terms)} terms by str.find{extra}")
    best_ours = best_naive = float("inf")
    agree = True
    for run in range(args.runs):
        t_naive, out_naive = timed(naive, docs)
        t_ours, out_ours = timed(ours, docs)
        best_ours, best_naive = min(best_ours, t_ours), min(best_naive, t_naive)
        if run == 0:
            agree = out_ours == out_naive
            pii_total = sum(sum(p.values()) for p, _ in out_ours)
            hit_total = sum(sum(h.values()) for _, h in out_ours)
            print(f"found: pii={pii_total} sensitive_hits={hit_total}")
        print(f"run {run + 1}: ours_s={t_ours:.3f} naive_s={t_naive:.3f}")
    print(f"agree={int(agree)} (PII counts and sensitive hits equal on every document)")
    ours_mbs, naive_mbs = mb / best_ours, mb / best_naive
    print(f"ratio={ours_mbs / naive_mbs:.2f} mb_per_s={ours_mbs:.2f} naive_mb_per_s={naive_mbs:.2f}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
