"""`corpusloop sft` end to end on samples/sft: filter → dedup → analyze → rebalance, convert; every
job accounts for every input and writes its files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curation.cli import main as corpusloop
from curation.sft.cli import main
from curation.sft.formats import read_sft
from curation.sft.records import SFTError, SFTRecord

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "sft"


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check_job(out: Path) -> dict:
    stats = json.loads((out / "stats.json").read_text())
    assert stats["accounted"] and stats["read"] == stats["kept"] + stats["dropped"] + stats["errors"]
    assert sum(stats["dropped_by_reason"].values()) == stats["dropped"] == len(lines(out / "dropped.jsonl"))
    assert sum(stats["errors_by_reason"].values()) == stats["errors"] == len(lines(out / "errors.jsonl"))
    assert (out / "config.yaml").is_file()
    return stats


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sft")
    broken = root / "broken.jsonl"
    broken.write_text(
        '{"instruction": "写一句诗", "output": "春风又绿江南岸。", "category": "generation"}\n'
        '{"instruction": "cut off\n',
        encoding="utf-8",
    )
    inputs = [str(SAMPLES / "alpaca.json"), str(SAMPLES / "sharegpt.jsonl"), str(broken)]
    assert main(["filter", "--input", *inputs, "--output", str(root / "filter")]) == 0
    assert (
        main(["dedup", "--input", str(root / "filter" / "kept.jsonl"), "--output", str(root / "dedup")]) == 0
    )
    kept = str(root / "dedup" / "kept.jsonl")
    assert main(["analyze", "--input", kept, "--output", str(root / "analyze")]) == 0
    assert (
        corpusloop(["sft", "rebalance", "--input", kept, "--output", str(root / "rebalance"), "--seed", "3"])
        == 0
    )
    return root


def test_filter_accounts_and_finds_the_planted_problems(pipeline: Path) -> None:
    stats = check_job(pipeline / "filter")
    n_items = len(json.loads((SAMPLES / "alpaca.json").read_text())) + len(lines(SAMPLES / "sharegpt.jsonl"))
    assert stats["read"] == n_items + 2 and stats["errors_by_reason"] == {"read:invalid_json": 1}
    reasons = {r.split(":", 1)[1] for r in stats["dropped_by_reason"]}
    assert reasons >= {
        "refusal",
        "ai_boilerplate",
        "answer_too_short",
        "empty_turn",
        "lang_mismatch",
        "answer_repetition",
        "pii",
    }
    (err,) = lines(pipeline / "filter" / "errors.jsonl")
    assert err["locator"].endswith("broken.jsonl:2") and err["reason"] == "invalid_json"
    kept = [r for r in read_sft(pipeline / "filter" / "kept.jsonl") if isinstance(r, SFTRecord)]
    assert len(kept) == stats["kept"] and all(r.signals and r.lang in ("zh", "en") for r in kept)
    assert all(
        r.drop.startswith("filter:")
        for r in map(SFTRecord.from_dict, lines(pipeline / "filter" / "dropped.jsonl"))
    )


def test_dedup_drops_the_planted_duplicates(pipeline: Path) -> None:
    stats = check_job(pipeline / "dedup")
    assert (
        stats["dropped_by_reason"].get("dedup:exact", 0) >= 3
        and stats["dropped_by_reason"].get("dedup:near", 0) >= 1
    )
    kept = lines(pipeline / "dedup" / "kept.jsonl")
    prompts = [next(m["content"] for m in r["messages"] if m["role"] == "user") for r in kept]
    assert prompts.count("为什么秋天树叶会变黄？") == 1
    answer = next(r for r in kept if r["messages"][0]["content"] == "为什么秋天树叶会变黄？")["messages"][1][
        "content"
    ]
    assert answer.startswith("秋天日照变短")  # the full answer, not "因为天气变冷了，叶子就黄了。"


def test_analyze_and_rebalance(pipeline: Path) -> None:
    check_job(pipeline / "analyze")
    dist = json.loads((pipeline / "analyze" / "distribution.json").read_text())
    n = json.loads((pipeline / "dedup" / "stats.json").read_text())["kept"]
    assert dist["total"] == n and sum(r["count"] for r in dist["categories"]) == n
    stats = check_job(pipeline / "rebalance")
    assert (
        stats["written"]
        == stats["kept"] + stats["repeats"]
        == len(lines(pipeline / "rebalance" / "kept.jsonl"))
    )
    report = json.loads((pipeline / "rebalance" / "rebalance_report.json").read_text())
    demand = lines(pipeline / "rebalance" / "demand.jsonl")
    assert demand == report["demand"] and stats["demand"] == sum(d["count_needed"] for d in demand) > 0
    for d in demand:
        assert set(d) == {"category", "lang", "count_needed", "target", "have", "after"}
        assert d["count_needed"] == d["target"] - d["after"] > 0
    sft_stats = json.loads((pipeline / "rebalance" / "sft_stats.json").read_text())
    assert sum(sft_stats["after"].values()) == stats["written"]
    after = {r["category"]: r for r in report["after"]["categories"]}
    target_counts = {r["category"]: r["target_count"] for r in report["before"]["categories"]}
    for c, row in after.items():  # a cell is on target unless it is short (then it is in the demand)
        short = sum(d["count_needed"] for d in demand if d["category"] == c)
        if target_counts.get(c) is not None:
            assert row["count"] + short == target_counts[c]


def test_rebalance_is_deterministic(pipeline: Path, tmp_path: Path) -> None:
    kept = str(pipeline / "dedup" / "kept.jsonl")
    assert main(["rebalance", "--input", kept, "--output", str(tmp_path / "again"), "--seed", "3"]) == 0
    assert (tmp_path / "again" / "kept.jsonl").read_bytes() == (
        pipeline / "rebalance" / "kept.jsonl"
    ).read_bytes()
    assert (tmp_path / "again" / "demand.jsonl").read_bytes() == (
        pipeline / "rebalance" / "demand.jsonl"
    ).read_bytes()


def test_convert_round_trip(tmp_path: Path) -> None:
    src = SAMPLES / "alpaca.json"
    assert main(["convert", "--input", str(src), "--to", "sharegpt", "--output", str(tmp_path / "sg")]) == 0
    assert check_job(tmp_path / "sg")["kept"] == len(json.loads(src.read_text()))
    assert main(["convert", "--input", str(src), "--to", "same", "--output", str(tmp_path / "same")]) == 0
    assert lines(tmp_path / "same" / "kept.jsonl") == json.loads(src.read_text())
    tools = tmp_path / "tools.jsonl"
    tools.write_text(
        json.dumps(
            {
                "conversations": [
                    {"from": "human", "value": "天气"},
                    {"from": "function_call", "value": "{}"},
                    {"from": "observation", "value": "{}"},
                    {"from": "gpt", "value": "晴"},
                ]
            }
        )
        + "\n"
    )
    assert main(["convert", "--input", str(tools), "--to", "alpaca", "--output", str(tmp_path / "a")]) == 0
    stats = check_job(tmp_path / "a")
    assert (stats["kept"], stats["errors_by_reason"]) == (0, {"write:unwritable": 1})


def test_bad_arguments(tmp_path: Path, capsys) -> None:
    assert main(["filter", "--input", str(tmp_path / "missing.json"), "--output", str(tmp_path / "o")]) == 1
    assert "no such input file" in capsys.readouterr().err


def test_heldout_set() -> None:
    items = list(read_sft(SAMPLES / "heldout.jsonl"))
    assert len(items) >= 40 and not [e for e in items if isinstance(e, SFTError)]
    assert all(r.category and r.lang in ("zh", "en") and r.messages[-1]["role"] == "assistant" for r in items)
    main_prompts = {
        r.messages[0]["content"]
        for p in ("alpaca.json", "sharegpt.jsonl")
        for r in read_sft(SAMPLES / p)
        if isinstance(r, SFTRecord)
    }
    assert not main_prompts & {r.messages[0]["content"] for r in items}


def test_kept_in_the_input_format(tmp_path: Path) -> None:
    src = SAMPLES / "alpaca.json"
    out = tmp_path / "f"
    assert main(["filter", "--input", str(src), "--output", str(out), "--output-format", "same"]) == 0
    kept = lines(out / "kept.jsonl")
    originals = {(i["instruction"], i["input"], i["output"]): i for i in json.loads(src.read_text())}
    assert len(kept) == check_job(out)["kept"]
    for item in kept:  # the same Alpaca item, plus the language the filter found
        original = originals[(item["instruction"], item["input"], item["output"])]
        assert item == {**original, "lang": item["lang"]} and item["lang"] in ("zh", "en")
