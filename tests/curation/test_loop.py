"""The data-iteration loop: weight update, routing by cause, trigger idempotence, merge, ledger, and
`loop step` / `loop report` end to end on small fixture eval files (no Label Studio server)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from curation import loop
from curation.loop import (
    CategoryState,
    Ledger,
    LoopConfig,
    LoopError,
    assign_causes,
    cap_weights,
    category_score,
    data_version,
    gaps_and_trends,
    maybe_trigger,
    merge,
    route,
    stratified_weights,
    update_weights,
)
from curation.sft.formats import read_sft, write_sft
from curation.sft.records import SFTRecord
from curation.simulate import HeldBack

# Small bilingual SFT fixture written for these tests: distinct prompts per category.
ITEMS = {
    "math": [
        ("一个长方形长8米宽5米，面积是多少平方米？", "面积是 8 × 5 = 40 平方米。"),
        ("小明有12颗糖，吃掉了5颗，还剩几颗？", "还剩 12 - 5 = 7 颗。"),
        ("What is 15% of 240?", "15% of 240 is 36."),
        ("A train travels 180 km in 3 hours. What is its average speed?", "60 km per hour."),
    ],
    "open_qa": [
        ("为什么天空是蓝色的？", "阳光中的蓝光波长较短，被大气分子散射得更多，所以天空看起来是蓝色的。"),
        (
            "月亮为什么会有阴晴圆缺？",
            "月球本身不发光，我们看到的是它被太阳照亮的部分，随公转角度变化而不同。",
        ),
        ("Why do cats purr?", "Cats purr when content, and also to soothe themselves when stressed or hurt."),
        (
            "How do volcanoes form?",
            "Magma rises through weak spots in the crust and builds a mountain as it erupts.",
        ),
        (
            "What makes bread rise?",
            "Yeast ferments sugars and releases carbon dioxide, which inflates the dough.",
        ),
        ("为什么冬天呼气会有白雾？", "呼出的温暖水汽遇到冷空气迅速凝结成小水滴，就形成了白雾。"),
    ],
    "summarization": [
        (
            "用一句话概括：公司今年营收增长两成，主要得益于海外市场的扩张和新产品的上市。",
            "海外扩张和新品上市使公司营收增长两成。",
        ),
        (
            "Summarize: The council voted to extend library hours on weekends after a survey showed "
            "strong demand from students.",
            "Library weekend hours are extended after students asked for it.",
        ),
    ],
}
HELD = {
    "math": [
        ("一本书有240页，每天读30页，几天能读完？", "240 ÷ 30 = 8，八天读完。"),
        ("If a shirt costs 25 dollars and is 20% off, what is the price?", "It costs 20 dollars."),
        ("三个连续自然数的和是48，它们分别是多少？", "15、16、17。"),
    ],
    "summarization": [
        (
            "概括下面的内容：暴雨导致多条道路积水，交通部门提醒市民尽量选择地铁出行。",
            "暴雨致道路积水，市民宜乘地铁。",
        ),
        (
            "Summarize: Researchers found that short daily walks improve sleep quality in older adults.",
            "Daily walks help older adults sleep better.",
        ),
    ],
}


def rec(category: str, prompt: str, answer: str | None) -> SFTRecord:
    msgs = [{"role": "user", "content": prompt}]
    if answer is not None:
        msgs.append({"role": "assistant", "content": answer})
    lang = "en" if prompt[:1].isascii() else "zh"
    return SFTRecord.new(msgs, source="fixture", lang=lang, category=category)


def records(table: dict[str, list[tuple[str, str]]]) -> list[SFTRecord]:
    return [rec(c, p, a) for c, rows in table.items() for p, a in rows]


def state(category: str, gap: float, count: int, deficit: int = 0) -> CategoryState:
    return CategoryState(category, 0.5 * (1 - gap), 0.5, gap, None, gap, count=count, deficit=deficit)


# ---- weights ---------------------------------------------------------------------------------------


def test_update_weights_bounded_sums_to_one_and_moves_to_weak() -> None:
    cfg = LoopConfig(step_size=2.0, cap=0.4, smoothing=0.1)
    prev = {"a": 0.5, "b": 0.3, "c": 0.1, "d": 0.1}
    signal = {"a": 0.0, "b": 0.1, "c": 0.9, "d": 0.5}
    w = update_weights(prev, signal, cfg)
    assert math.isclose(sum(w.values()), 1.0, abs_tol=1e-9)
    k = len(w)
    assert all(cfg.smoothing / k - 1e-12 <= v <= cfg.cap + 1e-12 for v in w.values())
    assert w["c"] > prev["c"] and w["d"] > prev["d"]  # the weak ones gain
    assert w["a"] < prev["a"]  # the strong one gives up weight
    assert w["c"] / w["d"] > prev["c"] / prev["d"]  # the weaker gains more


def test_update_weights_repeated_steps_stay_bounded() -> None:
    cfg = LoopConfig(step_size=5.0, cap=0.3, smoothing=0.1)
    w = {c: 0.25 for c in "abcd"}
    for _ in range(20):
        w = update_weights(w, {"a": 1.0, "b": 0.0, "c": 0.0, "d": 0.0}, cfg)
        assert math.isclose(sum(w.values()), 1.0, abs_tol=1e-9)
        assert max(w.values()) <= cfg.cap + 1e-9
        assert min(w.values()) >= cfg.smoothing / 4 - 1e-12
    assert w["a"] == pytest.approx(0.9 * 0.3 + 0.1 / 4)  # pinned at the cap, smoothed


def test_update_weights_zero_signal_keeps_weights_without_smoothing() -> None:
    prev = {"a": 0.6, "b": 0.4}
    w = update_weights(prev, {"a": 0.0, "b": 0.0}, LoopConfig(cap=1.0, smoothing=0.0))
    assert w == pytest.approx(prev)


def test_update_weights_new_category_starts_at_mean() -> None:
    w = update_weights(
        {"a": 0.5, "b": 0.5}, {"a": 0.0, "b": 0.0, "c": 0.0}, LoopConfig(cap=1.0, smoothing=0.0)
    )
    assert w == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})


def test_cap_weights_redistributes_and_rejects_infeasible_cap() -> None:
    w = cap_weights({"a": 0.7, "b": 0.2, "c": 0.1}, 0.5)
    assert w["a"] == pytest.approx(0.5)
    assert w["b"] / w["c"] == pytest.approx(2.0)
    assert sum(w.values()) == pytest.approx(1.0)
    with pytest.raises(LoopError):
        cap_weights({"a": 0.5, "b": 0.5, "c": 0.0}, 0.3)


def test_stratified_weights_are_data_shares() -> None:
    assert stratified_weights({"a": 30, "b": 10, "c": 0}) == pytest.approx(
        {"a": 30 / 41, "b": 10 / 41, "c": 1 / 41}
    )


# ---- scores, gaps, trends -------------------------------------------------------------------------


def test_category_score_rules() -> None:
    entry = {"loss": 2.0, "ppl": math.exp(2.0), "rouge_l": 0.3, "score": 0.3}
    assert category_score(entry, "inv_ppl") == pytest.approx(math.exp(-2.0))
    assert category_score(entry, "score") == 0.3
    assert category_score({"score": None}, "score") is None
    assert category_score({"loss": None}, "inv_ppl") is None


def test_gaps_and_trends() -> None:
    cfg = LoopConfig(default_target=0.5, targets={"math": 0.8}, trend_coef=1.0)
    st = gaps_and_trends({"math": 0.4, "chat": 0.6, "code": None}, {"math": 0.5, "chat": 0.5}, cfg)
    assert st["math"].gap == pytest.approx(0.5)  # (0.8 - 0.4) / 0.8
    assert st["math"].trend == pytest.approx(-0.1)
    assert st["math"].signal == pytest.approx(0.5 + 0.1 / 0.8)  # falling: an extra push
    assert st["chat"].gap == 0.0 and st["chat"].signal == 0.0  # above target, rising
    assert st["code"].cause == "no_score"


# ---- routing ---------------------------------------------------------------------------------------


def test_routing_by_cause(tmp_path: Path) -> None:
    cfg = LoopConfig(gap_threshold=0.1, min_items=5, max_items=10)
    states = {
        "math": state("math", 0.8, count=2),  # too few items
        "code": state("code", 0.4, count=50, deficit=7),  # weights ask for more than the data gives
        "open_qa": state("open_qa", 0.4, count=50),  # enough data, poor results
        "chat": state("chat", 0.05, count=3),  # fine
    }
    assign_causes(states, cfg)
    assert [states[c].cause for c in ("math", "code", "open_qa", "chat")] == [
        "too_little_data",
        "too_little_data",
        "poor_results",
        "ok",
    ]
    assert sum(s.items for s in states.values()) == 10 and states["chat"].items == 0
    assert states["math"].items > states["code"].items  # split by signal
    outputs = [
        {
            "id": f"o{i}",
            "messages": [{"role": "user", "content": f"问题{i}"}],
            "answer": f"回答{i}",
            "category": "open_qa",
            "lang": "zh",
            "reference": f"参考{i}",
        }
        for i in range(9)
    ]
    pending = [rec("math", "写一道关于分数的应用题并解答。", None)]
    kinds, notes = route(states, outputs, pending)
    demand = {d["category"]: d["count_needed"] for d in kinds["write_instruction"]}
    assert demand == {"math": states["math"].items, "code": states["code"].items}
    assert [r["category"] for r in kinds["write_answer"]] == ["math"]
    n = min(states["open_qa"].items, len(outputs))
    assert len(kinds["judge_answer"]) == len(kinds["revise_answer"]) == len(kinds["rank_answers"]) == n
    assert {r["category"] for r in kinds["judge_answer"]} == {"open_qa"}
    assert not notes
    # the files are what `corpusloop label push KIND --from FILE` reads
    from curation.labeling.tasks import make_tasks

    files = loop.write_tasks(tmp_path, kinds)
    tasks, skipped = make_tasks("write_instruction", files["write_instruction"])
    assert len(tasks["write_instruction"]) == sum(demand.values()) and not skipped
    for kind in ("write_answer", "judge_answer", "revise_answer"):
        tasks, skipped = make_tasks(kind, files[kind])
        assert sum(len(v) for v in tasks.values()) == len(kinds[kind]) and not skipped
    tasks, skipped = make_tasks("rank_answers", files["rank_answers"])
    assert sum(len(v) for v in tasks.values()) == n and not skipped


def test_routing_notes_missing_model_answers() -> None:
    states = {"open_qa": state("open_qa", 0.5, count=50)}
    assign_causes(states, LoopConfig(min_items=5, max_items=4))
    kinds, notes = route(states, [], [])
    assert kinds == {} and "no model answers" in notes[0]


# ---- trigger, data version, ledger ------------------------------------------------------------------


def test_trigger_fires_once_per_data_version(tmp_path: Path) -> None:
    cfg = LoopConfig(trigger_gap=0.2, min_new_records=5)
    weak = {"math": state("math", 0.6, 3)}
    fine = {"math": state("math", 0.1, 3)}
    first = maybe_trigger(tmp_path, "v1", weak, {"math": 1.0}, 0, cfg)
    assert first["fired"] and "largest: math 0.600" in first["reason"]
    manifest = json.loads(Path(first["manifest"]).read_text())
    assert manifest["data_version"] == "v1" and manifest["gaps"] == {"math": 0.6}
    assert manifest["gaps_above_threshold"] == {"math": 0.6}
    again = maybe_trigger(tmp_path, "v1", weak, {"math": 1.0}, 50, cfg)
    assert not again["fired"] and "already triggered" in again["reason"]
    assert not maybe_trigger(tmp_path, "v2", fine, {"math": 1.0}, 4, cfg)["fired"]
    new_data = maybe_trigger(tmp_path, "v2", fine, {"math": 1.0}, 5, cfg)
    assert new_data["fired"] and "new data" in new_data["reason"]
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["v1.json", "v2.json"]


def test_data_version_is_order_free_and_content_bound() -> None:
    a = records(ITEMS)
    assert data_version(a) == data_version(list(reversed(a)))
    assert data_version(a) != data_version(a[1:])


def test_ledger_appends(tmp_path: Path) -> None:
    led = Ledger(tmp_path)
    assert led.entries() == [] and led.last() is None
    led.append({"iteration": 1, "weights": {"a": 1.0}})
    led.append({"iteration": 2, "weights": {"a": 1.0}})
    assert [e["iteration"] for e in led.entries()] == [1, 2] and led.last()["iteration"] == 2


# ---- merge -----------------------------------------------------------------------------------------


class FakeClassifier:
    """Says `math` for everything, with a fixed score."""

    def predict(self, texts: list[str]) -> list:
        from classifiers.instruction import Prediction

        return [Prediction("math", 0.9, False) for _ in texts]


def test_merge_dedups_classifies_and_keeps_pending() -> None:
    data = records(ITEMS)
    dup = rec("open_qa", "为什么天空是蓝色的？", "因为瑞利散射。")  # same prompt as a data item
    fresh = rec("summarization", *HELD["summarization"][0])
    unlabeled = SFTRecord.new(
        [
            {"role": "user", "content": "一本书有240页，每天读30页，几天能读完？"},
            {"role": "assistant", "content": "八天。"},
        ],
        source="pull",
    )
    question = rec("math", "编一道关于速度的应用题。", None)
    merged, pending, report = merge(data, [dup, fresh, unlabeled, question], FakeClassifier())
    assert report["new"] == 4 and report["answered"] == 3 and report["pending"] == 1
    assert report["added"] == 2 and report["duplicates"] == 1
    assert len(merged) == len(data) + 2
    assert [p.id for p in pending] == [question.id]
    assert unlabeled.category == "math" and unlabeled.meta["uncertain"] is False
    assert fresh.category == "summarization" and fresh.meta["classifier"]["category"] == "math"
    assert sum(1 for r in merged if "天空" in r.messages[0]["content"]) == 1


# ---- simulated annotators ---------------------------------------------------------------------------


def test_simulated_annotators_draw_each_item_once(tmp_path: Path) -> None:
    pool = HeldBack(records(HELD), state=tmp_path / "state.json")
    demand = tmp_path / "write_instruction.jsonl"
    demand.write_text(json.dumps({"category": "math", "lang": None, "count_needed": 2}) + "\n")
    held = records(HELD)[0]
    revise = tmp_path / "revise_answer.jsonl"
    revise.write_text(
        json.dumps(
            {"id": "x", "messages": held.messages[:1], "answer": "不知道", "category": "math"},
            ensure_ascii=False,
        )
        + "\n"
    )
    batch = pool.fulfil({"write_instruction": str(demand), "revise_answer": str(revise)}, tmp_path / "lab")
    got = list(read_sft(batch / "sft.jsonl"))
    # the demand drew two other math items (seeded order); the revised prompt got its held-back answer
    assert len(got) == 3 and len({r.id for r in got}) == 3 and all(r.category == "math" for r in got)
    revised = [r for r in got if r.source == "simulated:revise_answer"]
    assert revised[0].messages[-1]["content"] == held.messages[-1]["content"]
    prefs = list(read_sft(batch / "preferences.jsonl"))
    assert (
        prefs[0].chosen["content"] == held.messages[-1]["content"]
        and prefs[0].rejected["content"] == "不知道"
    )
    again = HeldBack(records(HELD), state=tmp_path / "state.json")  # the state remembers what was given
    assert again.left("math") == 0
    batch2 = again.fulfil({"write_instruction": str(demand)}, tmp_path / "lab")
    assert batch2.name == "pull-0002"
    summary = json.loads((batch2 / "summary.json").read_text())
    assert summary["outputs"]["sft"] == 0 and summary["shortfall"] == {"math": 2}


# ---- end to end ------------------------------------------------------------------------------------


def eval_file(path: Path, scores: dict[str, float], step: int) -> Path:
    cats = {c: {"metric": "ppl", "loss": -math.log(s), "ppl": 1 / s, "score": s} for c, s in scores.items()}
    path.write_text(json.dumps({"step": step, "checkpoint": None, "categories": cats}))
    return path


def test_loop_step_end_to_end_with_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    data = tmp_path / "sft.jsonl"
    write_sft(records(ITEMS), data)
    held = tmp_path / "held.jsonl"
    write_sft(records(HELD), held)
    cfg = tmp_path / "loop.yaml"
    cfg.write_text("min_items: 5\nmax_items: 4\nmin_new_records: 2\ncap: 0.6\n")
    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"o{i}",
                    "messages": [{"role": "user", "content": p}],
                    "answer": "不知道",
                    "category": "open_qa",
                    "lang": "zh",
                    "reference": a,
                },
                ensure_ascii=False,
            )
            + "\n"
            for i, (p, a) in enumerate(ITEMS["open_qa"])
        )
    )
    run = tmp_path / "run"
    ev1 = eval_file(tmp_path / "eval1.json", {"math": 0.1, "open_qa": 0.3, "summarization": 0.45}, 100)
    base = ["step", "--run", str(run), "--config", str(cfg)]
    assert (
        loop.main(
            [
                *base,
                "--eval",
                str(ev1),
                "--data",
                str(data),
                "--outputs",
                str(outputs),
                "--simulate",
                str(held),
            ]
        )
        == 0
    )
    e1 = Ledger(run).last()
    cats = e1["categories"]
    assert cats["math"]["cause"] == "too_little_data" and cats["open_qa"]["cause"] == "poor_results"
    assert cats["summarization"]["cause"] == "too_little_data" or cats["summarization"]["gap"] <= 0.1
    assert e1["weights"]["math"] > e1["prev_weights"]["math"]  # the weakest gains weight
    assert sum(e1["weights"].values()) == pytest.approx(1.0, abs=1e-5)
    assert e1["tasks_written"]["write_instruction"] >= 1 and e1["tasks_written"]["judge_answer"] >= 1
    assert e1["tasks_pushed"] is None and any("no Label Studio server" in n for n in e1["notes"])
    assert e1["trigger"]["fired"] and Path(e1["trigger"]["manifest"]).is_file()
    assert e1["simulated"]["outputs"]["sft"] >= 2
    train = list(read_sft(e1["train_file"]))
    assert data_version(train) == e1["data_version"]

    # step 2 on the same evaluation: merges the simulated answers, keeps the weights, asks nothing new
    assert loop.main([*base, "--eval", str(ev1)]) == 0
    e2 = Ledger(run).last()
    assert e2["iteration"] == 2 and e2["weights"] == e1["weights"]
    assert e2["merge"]["added"] == e1["simulated"]["outputs"]["sft"]
    assert e2["data_size"] == e1["data_size"] + e2["merge"]["added"]
    assert e2["tasks_written"] == {} and e2["trigger"]["fired"] and "new data" in e2["trigger"]["reason"]
    assert e2["data_version"] != e1["data_version"]

    # step 3, nothing new: the pull batch is not merged twice and the trigger does not fire again
    assert loop.main([*base, "--eval", str(ev1)]) == 0
    e3 = Ledger(run).last()
    assert e3["merge"]["added"] == 0 and e3["data_version"] == e2["data_version"]
    assert not e3["trigger"]["fired"] and "already triggered" in e3["trigger"]["reason"]

    # a new evaluation: trends and a second weight update
    ev2 = eval_file(tmp_path / "eval2.json", {"math": 0.2, "open_qa": 0.3, "summarization": 0.4}, 200)
    assert loop.main([*base, "--eval", str(ev2), "--outputs", str(outputs)]) == 0
    e4 = Ledger(run).last()
    assert e4["categories"]["math"]["trend"] == pytest.approx(0.1)
    assert e4["prev_weights"] == e3["weights"]

    out = tmp_path / "report"
    assert loop.main(["report", "--run", str(run), "--output", str(out)]) == 0
    table = json.loads((out / "loop_report.json").read_text())
    assert table["iterations"] == [1, 2, 3, 4]
    assert table["scores"]["math"] == pytest.approx([0.1, 0.1, 0.1, 0.2])
    assert (out / "loop_scores.png").read_bytes()[:4] == b"\x89PNG"
    assert "| math |" in (out / "loop_report.md").read_text()


def test_loop_step_errors_without_eval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "sft.jsonl"
    write_sft(records(ITEMS), data)
    assert loop.main(["step", "--run", str(tmp_path / "run"), "--data", str(data)]) == 1
    assert "no evaluation" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"step": 1}))
    assert loop.main(["step", "--run", str(tmp_path / "run"), "--data", str(data), "--eval", str(bad)]) == 1


def test_config_rejects_unknown_keys_and_bad_values(tmp_path: Path) -> None:
    from pipelines.config import ConfigError

    p = tmp_path / "loop.yaml"
    p.write_text("step_sizee: 1.0\n")
    with pytest.raises(ConfigError):
        loop.load_loop_config(p)
    with pytest.raises(LoopError):
        LoopConfig(cap=0.0)
    assert loop.load_loop_config().metric in ("score", "inv_ppl")


def test_log_gap_is_excess_loss() -> None:
    cfg = LoopConfig(metric="inv_ppl", gap="log", default_target=math.exp(-2.0), trend_coef=1.0)
    st = gaps_and_trends({"a": math.exp(-3.5), "b": math.exp(-1.0)}, {"a": math.exp(-3.0)}, cfg)
    assert st["a"].gap == pytest.approx(1.5)  # loss 3.5 against a target loss of 2.0
    assert st["a"].signal == pytest.approx(1.5 + 0.5)  # and 0.5 nats worse than last time
    assert st["b"].gap == 0.0
    with pytest.raises(LoopError):
        LoopConfig(gap="ratio")


def test_pending_instructions_get_write_answer_until_answered(tmp_path: Path) -> None:
    data = tmp_path / "sft.jsonl"
    write_sft(records(ITEMS), data)
    question = rec("math", "编一道关于行程问题的应用题。", None)
    pulled1, pulled2 = tmp_path / "pull1.jsonl", tmp_path / "pull2.jsonl"
    write_sft([question], pulled1)
    write_sft(
        [
            rec(
                "math",
                "编一道关于行程问题的应用题。",
                "甲乙两地相距120千米，汽车每小时行60千米，几小时到达？两小时。",
            )
        ],
        pulled2,
    )
    ev = eval_file(tmp_path / "eval.json", {"math": 0.1, "open_qa": 0.5, "summarization": 0.5}, 1)
    run = tmp_path / "run"
    base = ["step", "--run", str(run), "--eval", str(ev), "--no-push"]
    assert loop.main([*base, "--data", str(data), "--pulled", str(pulled1)]) == 0
    e1 = Ledger(run).last()
    assert e1["pending"] == 1 and e1["merge"]["added"] == 0
    rows = [json.loads(x) for x in Path(e1["task_files"]["write_answer"]).read_text().splitlines()]
    assert [r["messages"][-1]["content"] for r in rows] == ["编一道关于行程问题的应用题。"]
    assert loop.main([*base, "--pulled", str(pulled1), str(pulled2)]) == 0  # pull1 is not merged twice
    e2 = Ledger(run).last()
    assert e2["merge"]["new"] == 1 and e2["merge"]["added"] == 1 and e2["pending"] == 0
    assert list(read_sft(run / "pending.jsonl")) == []


def test_evaluated_checkpoint_is_the_eval_step_of_its_run(tmp_path: Path) -> None:
    ckpt = tmp_path / "checkpoints" / "step_000100"
    ckpt.mkdir(parents=True)
    (ckpt / "config.json").write_text("{}")
    assert loop.evaluated_checkpoint(tmp_path / "eval.json", 100) == str(ckpt)
    assert loop.evaluated_checkpoint(tmp_path / "eval.json", 50) is None  # no such step, no latest.txt


def test_model_outputs_come_from_the_checkpoint(tmp_path: Path) -> None:
    import torch

    from training.checkpoint import save_model
    from training.model import Decoder, ModelConfig

    torch.manual_seed(0)
    ckpt = save_model(Decoder(ModelConfig(dim=32, n_layers=1, n_heads=4, max_seq_len=128)), tmp_path / "ckpt")
    prompts = [rec("math", *ITEMS["math"][0]), rec("math", "两位数中最大的偶数是多少？", None)]
    outs = loop.model_outputs(ckpt, prompts, max_new_tokens=4)
    assert [o["id"] for o in outs] == [p.id for p in prompts]
    assert outs[0]["messages"] == prompts[0].messages[:1] and outs[0]["reference"] == ITEMS["math"][0][1]
    assert outs[1]["reference"] is None
    assert all(isinstance(o["answer"], str) and o["category"] == "math" for o in outs)
    assert outs == loop.model_outputs(ckpt, prompts, max_new_tokens=4)  # greedy: the same answers again
