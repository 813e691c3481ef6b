"""The mixer: the plan's arithmetic, shares within 1% of the targets, determinism by seed, cluster weights."""

from __future__ import annotations

import gzip
import json
import random
import re
from collections import defaultdict
from pathlib import Path

import pytest

from pipelines.mix import (
    MixConfig,
    cluster_weight,
    copies_of,
    fit_shares,
    parse_count,
    parse_shares,
    plan_mix,
    rounding_fix,
    run,
    solve_factor,
)
from pipelines.records import Doc

ROOT = Path(__file__).resolve().parents[2]
IN_MEMORY = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]
TARGET = "zh=0.4,en=0.6"
TARGET_SOURCE = "web=0.5,book=0.35,literature=0.15"


def sample_paragraphs() -> tuple[list[str], list[str]]:
    """Chinese and English paragraphs of the bundled sample books and literature."""
    zh, en = [], []
    for f in sorted((ROOT / "samples" / "books").glob("*.txt")):
        paras = [p.strip() for p in re.split(r"\n\s*\n", f.read_text("utf-8")) if len(p.strip()) > 40]
        (zh if f.name.startswith("zh") else en).extend(paras)
    for f in sorted((ROOT / "samples" / "literature").glob("*.jsonl")):
        for line in f.read_text("utf-8").splitlines():
            text = json.loads(line)["text"]
            han = sum("\u4e00" <= c <= "\u9fff" for c in text)
            for p in re.split(r"\n\s*\n", text):
                if len(p.strip()) > 20:
                    (zh if han > len(text) * 0.3 else en).append(p.strip())
    return zh, en


def fixture_docs(n: int = 2000, seed: int = 0) -> list[Doc]:
    """n kept documents: half Chinese, web/book/literature 60/25/15, lengths and cluster sizes varied."""
    zh, en = sample_paragraphs()
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        lang = "zh" if rng.random() < 0.5 else "en"
        source = rng.choices(["web", "book", "literature"], [0.6, 0.25, 0.15])[0]
        paras = rng.randint(1, {"web": 4, "book": 8, "literature": 2}[source])
        text = "\n\n".join(rng.choice(zh if lang == "zh" else en) for _ in range(paras))
        size = 1 if rng.random() < 0.8 else rng.choice([2, 2, 3, 4, 6, 12])
        docs.append(
            Doc(
                id=f"doc{i:05d}",
                text=text,
                source=source,
                locator=f"fixture.jsonl:{i + 1}",
                lang=lang,
                cluster_id=f"doc{i:05d}",
                cluster_size=size,
            )
        )
    return docs


def read_mix(folder: Path) -> list[dict]:
    return [
        json.loads(line)
        for f in sorted(folder.glob("part-*.jsonl.gz"))
        for line in gzip.decompress(f.read_bytes()).decode().splitlines()
    ]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, int]:
    folder = tmp_path_factory.mktemp("corpus")
    lines = "".join(d.to_json() + "\n" for d in fixture_docs())
    (folder / "part-00000-of-00001.jsonl.gz").write_bytes(gzip.compress(lines.encode()))
    from training.tokenizer import count_tokens

    return folder, sum(count_tokens([d.text for d in fixture_docs()]))


def mix(corpus: tuple[Path, int], out: Path, seed: int) -> dict:
    folder, total = corpus
    return run(
        [
            "--input",
            str(folder / "*.jsonl.gz"),
            "--output",
            str(out),
            "--target",
            TARGET,
            "--target-source",
            TARGET_SOURCE,
            "--token-budget",
            str(total),
            "--seed",
            str(seed),
            *IN_MEMORY,
        ],
        save_main_session=False,
    )


@pytest.fixture(scope="module")
def mixed(corpus, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("mix") / "a"
    return out, mix(corpus, out, seed=7)


# ---------------------------------------------------------------------------------------------
# arguments and the plan


def test_parse_shares_and_counts() -> None:
    assert parse_shares("zh=0.4, en=0.6") == {"en": 0.6, "zh": 0.4}
    for bad in ("zh=0.4", "zh=0.4,en=0.7", "zh:0.4,en=0.6", "zh=-1,en=2", "zh=0.5,zh=0.5"):
        with pytest.raises(ValueError):
            parse_shares(bad)
    assert [parse_count(t) for t in ("2000000", "2e6", "2M", "1.5B", "500k")] == [
        2_000_000,
        2_000_000,
        2_000_000,
        1_500_000_000,
        500_000,
    ]
    with pytest.raises(ValueError):
        parse_count("lots")
    with pytest.raises(ValueError):
        MixConfig(target_lang={"zh": 1.0}, token_budget=10, max_upsample=0.5)


def test_solve_factor_hits_the_target_under_the_cap() -> None:
    parts = [(1, 1000), (2, 300), (5, 50)]  # (cluster weight, tokens)
    for target in (100.0, 900.0, 1800.0, 3000.0, 4 * 1350):
        f = solve_factor(parts, 4.0, target)
        assert sum(min(f * w, 4.0) * t for w, t in parts) == pytest.approx(target)
    assert solve_factor(parts, 4.0, 4 * 1350) == pytest.approx(4.0)  # every part at the cap


def test_fit_shares_meets_both_margins() -> None:
    weighted = {
        ("zh", "web"): 500.0,
        ("zh", "book"): 100.0,
        ("en", "web"): 200.0,
        ("en", "book"): 400.0,
        ("en", "literature"): 50.0,
        ("fr", "web"): 999.0,
    }
    x = fit_shares(weighted, {"zh": 0.4, "en": 0.6}, {"web": 0.5, "book": 0.4, "literature": 0.1})
    assert ("fr", "web") not in x and sum(x.values()) == pytest.approx(1.0)
    for lang, share in (("zh", 0.4), ("en", 0.6)):
        assert sum(v for k, v in x.items() if k[0] == lang) == pytest.approx(share)
    for source, share in (("web", 0.5), ("book", 0.4), ("literature", 0.1)):
        assert sum(v for k, v in x.items() if k[1] == source) == pytest.approx(share)
    # language targets alone: each language keeps its own source mix
    y = fit_shares(weighted, {"zh": 0.4, "en": 0.6}, None)
    assert y[("zh", "web")] == pytest.approx(0.4 * 500 / 600)
    with pytest.raises(ValueError, match="no tokens"):
        fit_shares(weighted, {"zh": 0.5, "ja": 0.5}, None)
    with pytest.raises(ValueError, match="cannot both be met"):  # only English has literature
        fit_shares(weighted, {"zh": 0.9, "en": 0.1}, {"web": 0.1, "book": 0.1, "literature": 0.8})


def test_budget_is_lowered_when_a_cell_hits_the_cap() -> None:
    totals = [("zh", "web", 1, 10, 1000), ("en", "web", 1, 10, 9000)]
    plan = plan_mix(totals, MixConfig(target_lang={"zh": 0.5, "en": 0.5}, token_budget=100_000))
    assert plan["budget_planned"] == 8000  # zh can give at most 4 × 1000 tokens = half of 8000
    assert plan["cells"]["web/zh"]["factor"] == pytest.approx(4.0) and "lowered" in plan["note"]
    assert plan["cells"]["web/en"]["factor"] == pytest.approx(4000 / 9000)


def test_copies_depend_on_seed_and_cluster_size() -> None:
    docs = fixture_docs(400)
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for d in docs:
        key = (d.lang, d.source, cluster_weight(d, 5))
        totals[key][0] += 1
        totals[key][1] += len(d.text)
    rows = [(*k, *v) for k, v in sorted(totals.items())]
    plans = [
        plan_mix(rows, MixConfig(target_lang={"zh": 0.4, "en": 0.6}, token_budget=300_000, seed=s))
        for s in (1, 2)
    ]
    a, b = ([copies_of(d, p, {}) for d in docs] for p in plans)
    assert a != b and a == [copies_of(d, plans[0], {}) for d in docs]
    assert rounding_fix([("web/zh", (2_500_000, 2, 1, 3))]) == {"web/zh": {"mode": "up", "q": 0.166666666667}}


# ---------------------------------------------------------------------------------------------
# the Beam job on 2000 documents


def test_shares_within_one_percent_of_the_targets(mixed, corpus) -> None:
    out, report = mixed
    m = report["mix"]
    for dim in ("lang", "source"):
        for key, row in m["achieved"][dim].items():
            assert abs(row["achieved"] - row["target"]) < 0.01, (dim, key, row)
    budget = corpus[1]
    assert 0.97 * budget <= m["tokens"] <= 1.01 * budget
    assert m["input_docs"] == 2000 and m["plan"]["budget"] == budget
    docs = read_mix(out / "kept")
    assert len(docs) == m["docs"] and all("mix" in d["meta"] for d in docs)
    assert sorted(p.name for p in out.iterdir()) == [
        "kept",
        "mix_plan.json",
        "report.html",
        "report.json",
        "report.md",
    ]


def test_bigger_clusters_get_more_copies(mixed) -> None:
    out, _ = mixed
    copies: dict[str, int] = defaultdict(int)
    info = {}
    for d in read_mix(out / "kept"):
        copies[d["id"]] += 1
        info[d["id"]] = (d["source"], d["lang"], min(d["cluster_size"], 5))
    by_weight: dict[tuple, list[int]] = defaultdict(list)
    for doc in fixture_docs():
        key = (doc.source, doc.lang, cluster_weight(doc, 5))
        by_weight[key].append(copies.get(doc.id, 0))
    mean = {k: sum(v) / len(v) for k, v in by_weight.items()}
    assert mean[("web", "en", 2)] > mean[("web", "en", 1)]
    assert mean[("web", "zh", 2)] > mean[("web", "zh", 1)]


def test_same_seed_same_bytes(mixed, corpus, tmp_path) -> None:
    out, _ = mixed
    again = tmp_path / "again"
    mix(corpus, again, seed=7)
    files = ["mix_plan.json", *(f"kept/{p.name}" for p in sorted((out / "kept").iterdir()))]
    for name in files:
        assert (out / name).read_bytes() == (again / name).read_bytes(), name
    a, b = json.loads((out / "report.json").read_text()), json.loads((again / "report.json").read_text())
    assert {**a, "run": None, "title": None} == {**b, "run": None, "title": None}
