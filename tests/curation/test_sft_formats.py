"""SFT loaders and writers: lossless round trips (own fixtures and the real sets), errors with locators,
top-level labels in every format, conversions, and the record helpers."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from curation.sft.formats import (
    FormatError,
    detect_format,
    read_sft,
    record_to_item,
    write_items,
    write_sft,
)
from curation.sft.records import SFTError, SFTRecord, alpaca_parts, answer_text, content_id, instruction_text

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "sft"

FIXTURES: dict[str, list[dict]] = {
    "alpaca": [
        {"instruction": "把下面的句子翻译成英文。", "input": "今天下雨。", "output": "It is raining today."},
        {
            "instruction": "Say hi",
            "input": "",
            "output": "Hi!",
            "category": "chat",
            "category_score": 0.91,
            "uncertain": False,
        },
        {
            "instruction": "继续",
            "output": "好的，第三点是……",
            "system": "你是助手。",
            "history": [["列出三点", "第一点……第二点……"]],
            "id": "x-7",
            "tags": ["a", {"b": 1}],
        },
        {
            "instruction": "Which is better?",
            "input": "",
            "chosen": "A, because it is shorter.",
            "rejected": "B.",
        },
        {"instruction": "Classify this text.", "instruction_type": "Classification"},
        {"instruction": "两行输入", "input": "第一行\n第二行", "output": "收到。", "lang": "zh"},
    ],
    "sharegpt": [
        {
            "conversations": [{"from": "human", "value": "你好"}, {"from": "gpt", "value": "你好！"}],
            "system": "你是一个助手。",
            "tools": "[]",
        },
        {
            "conversations": [
                {"from": "system", "value": "Be brief."},
                {"from": "human", "value": "2+2?"},
                {"from": "gpt", "value": "4"},
            ],
            "category": "math",
        },
        {
            "conversations": [
                {"from": "human", "value": "查天气"},
                {"from": "function_call", "value": '{"name": "weather"}'},
                {"from": "observation", "value": '{"temp": 20}'},
                {"from": "gpt", "value": "今天20度。", "loss": False},
            ]
        },
        {"conversations": [{"from": "user", "value": "Hi"}, {"from": "chatgpt", "value": "Hello"}]},
        {
            "conversations": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
            "chosen": {"role": "assistant", "content": "Hi!"},
            "rejected": {"role": "assistant", "content": "Go."},
        },
        {
            "conversations": [{"from": "human", "value": "写一句诗"}],
            "chosen": {"from": "gpt", "value": "春风又绿江南岸。"},
            "rejected": {"from": "gpt", "value": "不会。"},
        },
    ],
    "openai": [
        {
            "messages": [
                {"role": "system", "content": "Be kind."},
                {"role": "user", "content": "Hello"},
                {"role": "assistant", "content": "Hi, how can I help?"},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": "Weather?"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "1"}]},
                {"role": "tool", "content": "sunny", "name": "weather"},
                {"role": "assistant", "content": "Sunny."},
            ],
            "label": True,
        },
        {
            "messages": [{"role": "user", "content": "Pick one"}],
            "chosen": {"role": "assistant", "content": "A"},
            "rejected": {"role": "assistant", "content": "B"},
            "category": "classification",
        },
        {
            "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
            "chosen": [{"role": "user", "content": "q"}],
            "rejected": [],
            "score_chosen": 8.0,
        },
    ],
    "firefly": [
        {
            "conversation_id": 3,
            "category": "Brainstorming",
            "conversation": [
                {"human": "给个点子", "assistant": "办读书会。"},
                {"human": "再来一个", "assistant": "去爬山。"},
            ],
            "dataset": "moss",
        },
        {"conversation": [{"human": "Hi", "assistant": "Hello"}], "system": "You are Firefly."},
    ],
    "qa": [
        {"question": "1+1=?", "std_answer": "2", "class": "math"},
        {"question": "首都是哪里？", "answer": "北京。"},
        {"question": "No answer yet"},
    ],
}


def items_of(path: Path) -> list:
    raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    text = raw.decode("utf-8")
    if text.lstrip().startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def write_raw(path: Path, items: list) -> Path:
    write_items(items, path)
    return path


@pytest.mark.parametrize("fmt", sorted(FIXTURES))
@pytest.mark.parametrize("name", ["data.json", "data.jsonl", "data.jsonl.gz", "data.json.gz"])
def test_round_trip_of_each_format(tmp_path: Path, fmt: str, name: str) -> None:
    src = write_raw(tmp_path / name, FIXTURES[fmt])
    records = list(read_sft(src))
    assert all(isinstance(r, SFTRecord) for r in records), records
    assert {(r.meta["format"]["name"]) for r in records} == {fmt} and detect_format(src) == fmt
    out = tmp_path / f"out-{name}"
    assert write_sft(records, out, fmt) == len(FIXTURES[fmt])
    assert items_of(out) == FIXTURES[fmt]
    again = list(read_sft(out, source="data"))
    assert [r.to_dict() | {"locator": ""} for r in again] == [r.to_dict() | {"locator": ""} for r in records]


def test_record_format_round_trip(tmp_path: Path) -> None:
    records = [r for fmt in FIXTURES for r in read_sft(write_raw(tmp_path / f"{fmt}.jsonl", FIXTURES[fmt]))]
    out = tmp_path / "records.jsonl"
    write_sft(records, out, "record")
    back = list(read_sft(out))
    assert detect_format(out) == "record"
    assert [r.to_dict() for r in back] == [r.to_dict() for r in records]
    same = tmp_path / "same.jsonl"  # and each back in its own format, through the record format
    write_sft(back, same, "same")
    assert items_of(same) == [item for fmt in FIXTURES for item in FIXTURES[fmt]]


def test_parsed_record_fields(tmp_path: Path) -> None:
    a = list(read_sft(write_raw(tmp_path / "a.json", FIXTURES["alpaca"])))
    assert instruction_text(a[0]) == "把下面的句子翻译成英文。\n今天下雨。"
    assert alpaca_parts(a[0]) == ("把下面的句子翻译成英文。", "今天下雨。")
    assert alpaca_parts(a[5]) == ("两行输入", "第一行\n第二行") and a[5].lang == "zh"
    assert answer_text(a[0]) == "It is raining today."
    assert (a[1].category, a[1].category_score, a[1].meta["uncertain"]) == ("chat", 0.91, False)
    assert [m["role"] for m in a[2].messages] == ["system", "user", "assistant", "user", "assistant"]
    assert a[2].meta["extra"] == {"id": "x-7", "tags": ["a", {"b": 1}]}
    assert a[3].is_preference and answer_text(a[3]) == "A, because it is shorter."
    assert a[3].rejected == {"role": "assistant", "content": "B."}
    assert [m["role"] for m in a[4].messages] == ["user"] and answer_text(a[4]) == ""
    s = list(read_sft(write_raw(tmp_path / "s.jsonl", FIXTURES["sharegpt"])))
    assert [m["role"] for m in s[2].messages] == ["user", "function_call", "observation", "assistant"]
    assert s[0].messages[0] == {"role": "system", "content": "你是一个助手。"}
    assert s[5].chosen == {"role": "assistant", "content": "春风又绿江南岸。"}
    assert s[4].messages == [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    assert s[4].chosen == {"role": "assistant", "content": "Hi!"}
    assert s[3].messages[1] == {"role": "assistant", "content": "Hello", "_from": "chatgpt"}
    o = list(read_sft(write_raw(tmp_path / "o.jsonl", FIXTURES["openai"])))
    assert o[2].is_preference and not o[3].is_preference and "chosen" in o[3].meta["extra"]
    q = list(read_sft(write_raw(tmp_path / "q.jsonl", FIXTURES["qa"])))
    assert answer_text(q[0]) == "2" and q[0].meta["extra"] == {"class": "math"}


def test_ids_are_content_hashes(tmp_path: Path) -> None:
    a = list(read_sft(write_raw(tmp_path / "a.jsonl", FIXTURES["alpaca"])))
    assert len({r.id for r in a}) == len(a) and all(len(r.id) == 16 for r in a)
    msgs = [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]
    assert content_id(msgs) == content_id([dict(m, extra=1) for m in msgs])
    assert content_id(msgs) != content_id(msgs[:1]) != content_id(msgs, {"role": "assistant", "content": "z"})
    # the same conversation in two formats has the same id
    s = list(
        read_sft(
            write_raw(
                tmp_path / "s.jsonl",
                [{"conversations": [{"from": "human", "value": "Say hi"}, {"from": "gpt", "value": "Hi!"}]}],
            )
        )
    )
    assert s[0].id == a[1].id


def test_labels_are_top_level_keys_in_every_format(tmp_path: Path) -> None:
    rec = SFTRecord.new([{"role": "user", "content": "2+3?"}, {"role": "assistant", "content": "5"}])
    rec.category, rec.category_score, rec.meta["uncertain"] = "math", 0.42, True
    for fmt in ("alpaca", "sharegpt", "openai", "firefly", "qa", "record"):
        item = record_to_item(rec, fmt)
        assert (item["category"], item["category_score"]) == ("math", 0.42), fmt
        assert item["uncertain"] is True if fmt != "record" else item["meta"]["uncertain"] is True
        back = next(iter(read_sft(write_raw(tmp_path / f"{fmt}.jsonl", [item]))))
        assert (back.category, back.category_score, back.meta["uncertain"]) == ("math", 0.42, True)
        assert back.messages == rec.messages


def test_conversions_keep_the_conversation(tmp_path: Path) -> None:
    src = write_raw(tmp_path / "a.json", FIXTURES["alpaca"][:3])
    records = list(read_sft(src))
    path = tmp_path / "a.jsonl"
    for fmt in ("sharegpt", "openai", "alpaca"):
        write_sft(records, path, fmt)
        again = list(read_sft(path))
        assert [r.messages for r in again] == [r.messages for r in records], fmt
        assert [r.id for r in again] == [r.id for r in records]
        records = again
    # through ShareGPT the Alpaca input becomes part of the user turn; through the record format it splits off
    assert items_of(path)[0] == {
        "instruction": "把下面的句子翻译成英文。\n今天下雨。",
        "input": "",
        "output": "It is raining today.",
    }
    records = list(read_sft(src))
    write_sft(records, path, "record")
    write_sft(list(read_sft(path)), path, "alpaca")
    assert items_of(path) == FIXTURES["alpaca"][:3]


@pytest.mark.parametrize(
    ("fmt", "index", "message"),
    [
        ("alpaca", 2, "alpaca: expected an assistant turn"),  # a tool call has no place in Alpaca
        ("firefly", 0, "firefly: no place for preference"),
        ("qa", 1, "qa: no place for a system prompt"),
    ],
)
def test_records_a_format_cannot_express(tmp_path: Path, fmt: str, index: int, message: str) -> None:
    s = list(read_sft(write_raw(tmp_path / "s.jsonl", FIXTURES["sharegpt"])))
    rec = {"alpaca": s[2], "firefly": s[5], "qa": s[0]}[fmt]
    with pytest.raises(FormatError, match=message):
        record_to_item(rec, fmt)


def test_malformed_items_are_errors_with_locators(tmp_path: Path) -> None:
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_bytes(
        b'{"instruction": "ok", "output": "fine"}\n'
        b'{"instruction": "cut\n'
        b"[1, 2]\n"
        b'{"instruction": 5, "output": "x"}\n'
        b"\n"
        b'{"instruction": "bad bytes \xff"}\n'
        b'{"conversations": [{"from": "human", "value": "hi"}]}\n'
    )
    items = list(read_sft(jsonl))
    assert isinstance(items[0], SFTRecord) and items[0].locator == f"{jsonl}:1"
    errors = [(e.locator.rsplit(":", 1)[1], e.reason) for e in items if isinstance(e, SFTError)]
    assert errors == [
        ("2", "invalid_json"),
        ("3", "not_an_object"),
        ("4", "bad_item"),
        ("6", "invalid_utf8"),
        ("7", "bad_item"),
    ]
    arr = tmp_path / "bad.json"
    arr.write_text(
        json.dumps(
            [
                {"messages": [{"role": "user", "content": "a"}]},
                {"messages": [{"role": "robot", "content": "b"}]},
                "text",
            ]
        )
    )
    items = list(read_sft(arr))
    assert isinstance(items[0], SFTRecord)
    assert [(e.locator, e.reason) for e in items[1:]] == [
        (f"{arr}:[1]", "bad_item"),
        (f"{arr}:[2]", "not_an_object"),
    ]
    assert "unknown role 'robot'" in items[1].detail
    broken = tmp_path / "broken.json"
    broken.write_text('[{"instruction": "a"},')
    assert [(e.locator, e.reason) for e in read_sft(broken)] == [(str(broken), "invalid_json")]
    plain = tmp_path / "text.jsonl"
    plain.write_text('{"text": "a pretraining document"}\n')
    assert [e.reason for e in read_sft(plain)] == ["unknown_format"]
    with pytest.raises(FormatError, match="no item in a known SFT format"):
        detect_format(plain)


REAL = [
    "llamafactory_demo/alpaca_en_demo.json",
    "llamafactory_demo/alpaca_zh_demo.json",
    "llamafactory_demo/dpo_en_demo.json",
    "llamafactory_demo/dpo_zh_demo.json",
    "llamafactory_demo/identity.json",
    "llamafactory_demo/glaive_toolcall_zh_demo.json",
    "llamafactory_demo/kto_en_demo.json",
    "ruozhiba_zh_sft/ruozhiba_qa2449_gpt4o.json",
    "firefly_dummy/dummy_data.jsonl",
    "firefly_dummy/dummy_dpo.jsonl",
    "belle_eval/eval_set.jsonl",
    "belle_eval/zh_seed_tasks.jsonl",
]


@pytest.mark.parametrize("rel", REAL)
def test_round_trip_of_the_real_sets(tmp_path: Path, rel: str) -> None:
    src = SHARED / rel
    if not src.is_file():
        pytest.skip(f"{src} absent")
    records = list(read_sft(src))
    assert records and not [e for e in records if isinstance(e, SFTError)]
    out = tmp_path / Path(rel).name
    write_sft(records, out, "same")
    assert items_of(out) == items_of(src)
    if rel.startswith("llamafactory_demo/") and "dpo" not in rel and "kto" not in rel:
        assert out.read_bytes() == src.read_bytes()  # LLaMA-Factory's layout, byte for byte
    if "dpo_" in rel:
        assert all(r.is_preference for r in records)
