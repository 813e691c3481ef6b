import json
from pathlib import Path

import pytest

from curation.classify import main

ALPACA = [
    {"instruction": "用Python写一个冒泡排序函数。", "input": "", "output": "def sort(xs): ..."},
    {"instruction": "Translate the following sentence into Chinese.", "input": "The train leaves at noon.",
     "output": "火车中午出发。"},
    {"instruction": "计算 48 除以 6 等于多少？", "input": "", "output": "8"},
    {"instruction": "Write a short poem about the moon.", "input": "", "output": "Silver light..."},
]


def _write_jsonl(path: Path, items: list, broken: str | None = None) -> Path:
    lines = [json.dumps(x, ensure_ascii=False) for x in items]
    if broken is not None:
        lines.insert(2, broken)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_predict_writes_category_score_and_uncertain_with_the_default_model(tmp_path: Path) -> None:
    src = _write_jsonl(tmp_path / "in.jsonl", ALPACA, broken='{"instruction": "cut off')
    out = tmp_path / "out.jsonl"
    assert main(["predict", "--input", str(src), "--output", str(out)]) == 0
    items = _read_jsonl(out)
    assert len(items) == len(ALPACA)
    for item, orig in zip(items, ALPACA, strict=True):
        assert {k: item[k] for k in orig} == orig  # Alpaca fields kept as they were
        assert isinstance(item["category_score"], float) and 0 < item["category_score"] <= 1
        assert item["uncertain"] == (item["category_score"] < 0.5)
    assert [x["category"] for x in items] == ["code", "translation", "math", "generation"]
    errors = _read_jsonl(tmp_path / "out.errors.jsonl")
    assert len(errors) == 1
    assert errors[0]["locator"].endswith("in.jsonl:3") and errors[0]["reason"] == "invalid_json"
    stats = json.loads((tmp_path / "out.stats.json").read_text())
    assert (stats["read"], stats["written"], stats["errors"], stats["accounted"]) == (5, 4, 1, True)


def test_predict_threshold_one_marks_everything_uncertain(tmp_path: Path) -> None:
    src = _write_jsonl(tmp_path / "in.jsonl", ALPACA)
    out = tmp_path / "out.json"
    assert main(["predict", "--input", str(src), "--output", str(out), "--threshold", "1.0"]) == 0
    items = json.loads(out.read_text(encoding="utf-8"))  # .json: a JSON array
    assert [x["uncertain"] for x in items] == [True] * len(ALPACA)
    assert all(x["category"] for x in items)


def test_predict_item_without_instruction_is_an_error(tmp_path: Path) -> None:
    src = _write_jsonl(tmp_path / "in.jsonl", [*ALPACA[:1], {"instruction": "", "input": "", "output": "x"}])
    out = tmp_path / "out.jsonl"
    assert main(["predict", "--input", str(src), "--output", str(out)]) == 0
    assert len(_read_jsonl(out)) == 1
    assert [e["reason"] for e in _read_jsonl(tmp_path / "out.errors.jsonl")] == ["no_instruction"]


def test_train_and_eval_with_a_label_map(tmp_path: Path) -> None:
    # BELLE-style items (question / std_answer / class), written for this test; one label outside the map
    qa = [
        {"question": "用Java写一个二分查找。", "std_answer": "...", "class": "code"},
        {"question": "计算 7 加 8 等于几？", "std_answer": "15", "class": "math"},
        {"question": "阅读下文并回答：小红几点起床？\n小红每天六点起床。", "std_answer": "六点",
         "class": "closed\u00a0qa"},
        {"question": "把这句话改写得更礼貌：快点给我。", "std_answer": "...", "class": "rewrite"},
        {"question": "给这首诗配乐。", "std_answer": "...", "class": "music"},
    ]
    data = _write_jsonl(tmp_path / "belle_like.jsonl", qa)
    model = tmp_path / "model"
    assert main(["train", "--input", str(data), "--label-field", "class", "--label-map", "belle",
                 "--output", str(model), "--model-type", "fasttext"]) == 0
    stats = json.loads((model / "train_stats.json").read_text())
    assert (stats["read"], stats["used"], stats["errors"], stats["accounted"]) == (5, 4, 1, True)
    assert stats["trained"] == 4 + stats["seed_items"] and stats["seed_items"] > 300
    assert _read_jsonl(model / "errors.jsonl")[0]["reason"] == "unknown_label"

    report = tmp_path / "eval"
    assert main(["eval", "--input", str(data), "--label-field", "class", "--label-map", "belle",
                 "--model", str(model), "--output", str(report)]) == 0
    result = json.loads((report / "eval.json").read_text())
    assert set(result["per_class"]) == {"code", "math", "closed_qa", "rewrite"}
    assert 0.0 <= result["macro_f1"] <= 1.0
    matrix = result["confusion"]["matrix"]
    assert sum(map(sum, matrix)) == 4 and len(matrix) == len(result["confusion"]["labels"])
    assert (report / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_input_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "nope.jsonl")
    assert main(["predict", "--input", missing, "--output", str(tmp_path / "o.jsonl")]) == 1
    assert "no such input file" in capsys.readouterr().err


def test_predict_on_record_files_writes_records_whatever_their_first_format(tmp_path: Path) -> None:
    from curation.sft.formats import read_sft, write_sft

    alpaca = _write_jsonl(tmp_path / "a.jsonl", ALPACA[:2])
    sharegpt = _write_jsonl(tmp_path / "s.jsonl", [{"conversations": [
        {"from": "human", "value": "计算 48 除以 6 等于多少？"}, {"from": "gpt", "value": "8"}]}])
    records = [r for path in (alpaca, sharegpt) for r in read_sft(path)]
    mixed = tmp_path / "records.jsonl"
    write_sft(records, mixed, "record")  # records remember alpaca / sharegpt in their meta
    out = tmp_path / "out.jsonl"
    assert main(["predict", "--input", str(mixed), "--output", str(out)]) == 0
    back = list(read_sft(out))
    assert len(back) == 3 and not [r for r in back if not hasattr(r, "messages")]  # no errors
    assert [r.category for r in back] == ["code", "translation", "math"]
