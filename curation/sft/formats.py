"""Loaders and writers of SFT data, with a lossless round trip in each format.

Formats (`FORMATS`), as LLaMA-Factory and the public sets write them:

- `alpaca`: `instruction`, `input`, `output`, optional `system`, `history` ([[query, answer], ...]);
  Alpaca-style preference data has `chosen` / `rejected` strings instead of (or beside) `output`.
  The user turn is `instruction + "\\n" + input` (LLaMA-Factory's join); the input is kept in
  `meta["format"]["input"]` so the item splits back exactly.
- `sharegpt`: `conversations` [{`from`, `value`}] (or {`role`, `content`} turns, kept as such), tags
  human/gpt/system/function_call/observation (user/assistant/chatgpt/... are read and written back),
  optional top-level `system`, `tools` (kept); preference data adds `chosen` / `rejected`
  ({`from`, `value`}), as LLaMA-Factory's dpo_en_demo.json / dpo_zh_demo.json.
- `openai`: `messages` [{`role`, `content`, ...}]; preference `chosen` / `rejected` {`role`, `content`}.
- `firefly`: `conversation` [{`human`, `assistant`}], optional `system` (Firefly's format).
- `qa`: `question` and an answer key (`std_answer`, `answer` or `response`), as BELLE's eval set.
- `record`: the SFT record itself (`SFTRecord.to_dict`), the format the jobs write.

Containers: a JSON array or JSON Lines (detected from the content, not the file name; BELLE's
`.json` files are JSON Lines), optionally gzip-compressed (`.gz`). Writers choose by name:
`.json[.gz]` is an indented JSON array, anything else JSON Lines.

Lossless: unknown top-level keys go to `meta["extra"]` and are written back; `lang`, `category`,
`category_score`, `uncertain` (`meta["uncertain"]`) and `drop` are read into the record and, when
set, written as top-level keys in every format (the classify CLI relies on that). So `read_sft`
then `write_sft` in the same format gives back the same items (compared as JSON values).

    for item in read_sft("data.json"):            # SFTRecord, or SFTError for a malformed item
        ...
    write_sft(records, "out.jsonl", "sharegpt")
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from curation.sft.records import ALL_ROLES, SFTError, SFTRecord, content_id

FORMATS = ("alpaca", "sharegpt", "openai", "firefly", "qa", "record")
TOP_FIELDS = ("lang", "category", "category_score", "uncertain", "drop")  # top-level keys in every format
SHAREGPT_TAGS = {
    "human": "user",
    "gpt": "assistant",
    "system": "system",
    "function_call": "function_call",
    "observation": "observation",
}
SHAREGPT_ALIASES = {
    "user": "user",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
    "model": "assistant",
    "tool": "observation",
}
ROLE_TAGS = {role: tag for tag, role in SHAREGPT_TAGS.items()}
QA_ANSWER_KEYS = ("std_answer", "answer", "response")


class FormatError(ValueError):
    """An item that does not fit its format (reading) or a record a format cannot express (writing)."""


# ---------------------------------------------------------------------------------------------
# detection


def detect_item_format(item: Any) -> str | None:
    """The format of one parsed item, or None when it fits none."""
    if not isinstance(item, dict):
        return None
    if "messages" in item and "id" in item and "meta" in item:
        return "record"
    for key, name in (
        ("conversations", "sharegpt"),
        ("conversation", "firefly"),
        ("messages", "openai"),
        ("instruction", "alpaca"),
        ("question", "qa"),
    ):
        if key in item:
            return name
    return None


def detect_format(path: str | Path) -> str:
    """The format of a file, from its first item that fits one; raises FormatError when none does."""
    for _, item in _iter_items(path):
        if isinstance(item, SFTError):
            continue
        name = detect_item_format(item)
        if name:
            return name
    raise FormatError(f"{path}: no item in a known SFT format ({', '.join(FORMATS)})")


# ---------------------------------------------------------------------------------------------
# containers


def _read_bytes(path: str | Path) -> bytes:
    """The file's bytes, gunzipped when the name ends in .gz."""
    data = Path(path).read_bytes()
    return gzip.decompress(data) if str(path).endswith(".gz") else data


def _iter_items(path: str | Path) -> Iterator[tuple[str, Any]]:
    """(locator, parsed item or SFTError) for every item of a JSON array or JSON Lines file."""
    data = _read_bytes(path)
    head = data.lstrip()[:1]
    if head == b"[":
        try:
            items = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield str(path), SFTError(str(path), "invalid_utf8", str(exc))
            return
        except json.JSONDecodeError as exc:
            yield str(path), SFTError(str(path), "invalid_json", str(exc))
            return
        for i, item in enumerate(items):
            yield f"{path}:[{i}]", item
        return
    for n, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        loc = f"{path}:{n}"
        try:
            yield loc, json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield loc, SFTError(loc, "invalid_utf8", str(exc))
        except json.JSONDecodeError as exc:
            yield loc, SFTError(loc, "invalid_json", str(exc))


# ---------------------------------------------------------------------------------------------
# reading


def read_sft(
    path: str | Path, fmt: str = "auto", source: str | None = None
) -> Iterator[SFTRecord | SFTError]:
    """Every item of `path` as an SFTRecord, or an SFTError (with its `file:line` / `file:[index]`).

    `fmt="auto"` takes the format of the file's first item that fits one; items that do not fit
    it are errors. `source` (default: the file name without extensions) goes on every record.
    """
    if fmt != "auto" and fmt not in FORMATS:
        raise ValueError(f"unknown SFT format {fmt!r}; known: {', '.join(FORMATS)}")
    src = source or Path(path).name.split(".")[0]
    chosen = None if fmt == "auto" else fmt
    for loc, item in _iter_items(path):
        if isinstance(item, SFTError):
            yield item
            continue
        if not isinstance(item, dict):
            yield SFTError(loc, "not_an_object", type(item).__name__)
            continue
        if chosen is None:
            chosen = detect_item_format(item)
            if chosen is None:
                yield SFTError(loc, "unknown_format", f"keys {sorted(item)[:8]}")
                continue
        try:
            rec = item_to_record(item, chosen, src)
        except FormatError as exc:
            yield SFTError(loc, "bad_item", f"{chosen}: {exc}")
            continue
        if not (chosen == "record" and rec.locator):  # a record keeps where it was first read
            rec.locator = loc
        yield rec


def item_to_record(item: dict[str, Any], fmt: str, source: str = "") -> SFTRecord:
    """One parsed item of format `fmt` as an SFTRecord; raises FormatError when it does not fit."""
    if fmt == "record":
        return _from_record(item)
    reader = _READERS.get(fmt)
    if reader is None:
        raise ValueError(f"unknown SFT format {fmt!r}; known: {', '.join(FORMATS)}")
    known = _FORMAT_KEYS[fmt]
    layout: dict[str, Any] = {"name": fmt}
    messages, chosen, rejected = reader(item, layout)
    extra = {k: v for k, v in item.items() if k not in known and k not in TOP_FIELDS}
    meta: dict[str, Any] = {"format": layout}
    if extra:
        meta["extra"] = extra
    if "uncertain" in item:
        meta["uncertain"] = item["uncertain"]
    rec = SFTRecord(
        id=content_id(messages, chosen, rejected),
        messages=messages,
        source=source,
        lang=item.get("lang"),
        category=item.get("category"),
        category_score=item.get("category_score"),
        meta=meta,
        chosen=chosen,
        rejected=rejected,
        drop=item.get("drop"),
    )
    present = [k for k in TOP_FIELDS if k in item and k != "uncertain"]
    if present:
        layout["top"] = present  # top-level fields that were in the item, even when null
    return rec


def _from_record(item: dict[str, Any]) -> SFTRecord:
    if not isinstance(item.get("messages"), list):
        raise FormatError("messages must be a list")
    messages = [_check_message(m, "messages") for m in item["messages"]]
    rec = SFTRecord.from_dict({**item, "messages": messages})
    if not isinstance(rec.meta, dict):
        raise FormatError("meta must be an object")
    return rec


def _str(item: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = item.get(key)
    if value is None and not required and key not in item:
        return None
    if not isinstance(value, str):
        raise FormatError(f"{key} must be a string, got {type(value).__name__}")
    return value


def _msg(role: str, content: Any) -> dict[str, Any]:
    return {"role": role, "content": content}


def _check_message(m: Any, where: str) -> dict[str, Any]:
    if not isinstance(m, dict):
        raise FormatError(f"{where}: a message must be an object")
    if m.get("role") not in ALL_ROLES:
        raise FormatError(f"{where}: unknown role {m.get('role')!r}")
    content = m.get("content")
    if content is not None and not isinstance(content, str):
        raise FormatError(f"{where}: content must be a string or null")
    return m


def _read_alpaca(item: dict[str, Any], layout: dict[str, Any]) -> tuple[list, Any, Any]:
    instruction = _str(item, "instruction")
    given = _str(item, "input", required=False)
    output = _str(item, "output", required=False)
    system = _str(item, "system", required=False)
    absent = [k for k in ("input", "output") if k not in item]
    if absent:
        layout["absent"] = absent
    messages: list[dict[str, Any]] = []
    if system is not None:
        messages.append(_msg("system", system))
    history = item.get("history")
    if "history" in item:
        if not isinstance(history, list) or not all(
            isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in history
        ):
            raise FormatError("history must be a list of [query, answer] string pairs")
        layout["history"] = True
        for q, a in history:
            messages += [_msg("user", q), _msg("assistant", a)]
    if given is not None:
        layout["input"] = given
    messages.append(_msg("user", f"{instruction}\n{given}" if given else instruction))
    if output is not None:
        messages.append(_msg("assistant", output))
    chosen = rejected = None
    if "chosen" in item or "rejected" in item:
        chosen = _msg("assistant", _str(item, "chosen"))
        rejected = _msg("assistant", _str(item, "rejected"))
    return messages, chosen, rejected


def _turn_keys(m: Any) -> tuple[str, str] | None:
    """The (tag, text) keys of a ShareGPT turn: from/value, or role/content (LLaMA-Factory's `tags`)."""
    if isinstance(m, dict):
        for keys in (("from", "value"), ("role", "content")):
            if keys[0] in m and keys[1] in m:
                return keys
    return None


def _sharegpt_message(m: Any, where: str, keys: tuple[str, str] = ("from", "value")) -> dict[str, Any]:
    if _turn_keys(m) != keys:
        raise FormatError(f"{where}: a turn must be an object with {keys[0]} and {keys[1]}")
    tag, value = m[keys[0]], m[keys[1]]
    role = SHAREGPT_TAGS.get(tag) or SHAREGPT_ALIASES.get(tag)
    if role is None:
        raise FormatError(f"{where}: unknown tag {tag!r}")
    if not isinstance(value, str):
        raise FormatError(f"{where}: {keys[1]} must be a string")
    out = _msg(role, value)
    out.update({k: v for k, v in m.items() if k not in keys})
    plain = tag == role if keys == ("role", "content") else tag in SHAREGPT_TAGS
    if not plain:
        out["_from"] = tag  # a non-standard tag, written back as it was
    return out


def _read_sharegpt(item: dict[str, Any], layout: dict[str, Any]) -> tuple[list, Any, Any]:
    conv = item.get("conversations")
    if not isinstance(conv, list):
        raise FormatError("conversations must be a list")
    keys = (_turn_keys(conv[0]) if conv else None) or ("from", "value")
    if keys != ("from", "value"):
        layout["turn_keys"] = list(keys)
    messages = [_sharegpt_message(m, f"conversations[{i}]", keys) for i, m in enumerate(conv)]
    system = _str(item, "system", required=False)
    layout["system"] = "inline" if system is None else "key"
    if system is not None:
        messages.insert(0, _msg("system", system))
    chosen = rejected = None
    if "chosen" in item or "rejected" in item:
        chosen = _sharegpt_message(item.get("chosen"), "chosen", keys)
        rejected = _sharegpt_message(item.get("rejected"), "rejected", keys)
    return messages, chosen, rejected


def _read_openai(item: dict[str, Any], layout: dict[str, Any]) -> tuple[list, Any, Any]:
    if not isinstance(item.get("messages"), list):
        raise FormatError("messages must be a list")
    messages = [dict(_check_message(m, f"messages[{i}]")) for i, m in enumerate(item["messages"])]
    chosen = rejected = None
    if isinstance(item.get("chosen"), dict) and isinstance(item.get("rejected"), dict):
        chosen = dict(_check_message(item["chosen"], "chosen"))
        rejected = dict(_check_message(item["rejected"], "rejected"))
        layout["preference"] = True
    return messages, chosen, rejected


def _read_firefly(item: dict[str, Any], layout: dict[str, Any]) -> tuple[list, Any, Any]:
    conv = item.get("conversation")
    if not isinstance(conv, list):
        raise FormatError("conversation must be a list")
    messages: list[dict[str, Any]] = []
    system = _str(item, "system", required=False)
    if system is not None:
        messages.append(_msg("system", system))
    for i, turn in enumerate(conv):
        if not isinstance(turn, dict) or set(turn) != {"human", "assistant"}:
            raise FormatError(f"conversation[{i}] must be an object with human and assistant")
        if not isinstance(turn["human"], str) or not isinstance(turn["assistant"], str):
            raise FormatError(f"conversation[{i}]: human and assistant must be strings")
        messages += [_msg("user", turn["human"]), _msg("assistant", turn["assistant"])]
    return messages, None, None


def _read_qa(item: dict[str, Any], layout: dict[str, Any]) -> tuple[list, Any, Any]:
    messages = [_msg("user", _str(item, "question"))]
    key = next((k for k in QA_ANSWER_KEYS if k in item), None)
    if key is not None:
        layout["answer_key"] = key
        messages.append(_msg("assistant", _str(item, key)))
    return messages, None, None


_READERS = {
    "alpaca": _read_alpaca,
    "sharegpt": _read_sharegpt,
    "openai": _read_openai,
    "firefly": _read_firefly,
    "qa": _read_qa,
}
_FORMAT_KEYS = {
    "alpaca": {"instruction", "input", "output", "system", "history", "chosen", "rejected"},
    "sharegpt": {"conversations", "system", "chosen", "rejected"},
    "openai": {"messages"},  # chosen/rejected: read when both are messages, else kept as extra keys
    "firefly": {"conversation", "system"},
    "qa": {"question", *QA_ANSWER_KEYS},
}


# ---------------------------------------------------------------------------------------------
# writing


def record_to_item(rec: SFTRecord, fmt: str) -> dict[str, Any]:
    """The item of `rec` in format `fmt`; raises FormatError when the format cannot express it."""
    if fmt == "record":
        return rec.to_dict()
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"unknown SFT format {fmt!r}; known: {', '.join(FORMATS)}")
    layout = rec.meta.get("format") or {}
    if layout.get("name") != fmt:
        layout = {}
    out = writer(rec, layout)
    if fmt == "openai" and rec.is_preference and not layout.get("preference", True):
        raise FormatError("openai: preference answers given but the item had none")
    for k, v in (rec.meta.get("extra") or {}).items():
        out.setdefault(k, v)
    top = layout.get("top", ())
    values = {
        "lang": rec.lang,
        "category": rec.category,
        "category_score": rec.category_score,
        "uncertain": rec.meta.get("uncertain"),
        "drop": rec.drop,
    }
    for k in TOP_FIELDS:
        if values[k] is not None or k in top or (k == "uncertain" and "uncertain" in rec.meta):
            out[k] = values[k]
    return out


def _split(rec: SFTRecord) -> tuple[str | None, list[dict[str, Any]]]:
    """(system prompt or None, the other messages); a system turn after the first message stays inline."""
    msgs = rec.messages
    if msgs and msgs[0].get("role") == "system":
        return msgs[0].get("content"), msgs[1:]
    return None, msgs


def _plain(m: dict[str, Any], fmt: str) -> None:
    extra = sorted(set(m) - {"role", "content"})
    if extra:
        raise FormatError(f"{fmt}: message keys {extra} have no place in this format")


def _pairs(msgs: list[dict[str, Any]], fmt: str, allow_open: bool) -> list[tuple[str, str | None]]:
    """(user, assistant) turn pairs; the last pair may lack its answer when `allow_open`."""
    pairs: list[tuple[str, str | None]] = []
    i = 0
    while i < len(msgs):
        u = msgs[i]
        _plain(u, fmt)
        if u.get("role") != "user":
            raise FormatError(f"{fmt}: expected a user turn at {i}, got {u.get('role')!r}")
        if i + 1 < len(msgs):
            a = msgs[i + 1]
            _plain(a, fmt)
            if a.get("role") != "assistant":
                raise FormatError(f"{fmt}: expected an assistant turn at {i + 1}, got {a.get('role')!r}")
            pairs.append((u.get("content") or "", a.get("content") or ""))
            i += 2
        elif allow_open:
            pairs.append((u.get("content") or "", None))
            i += 1
        else:
            raise FormatError(f"{fmt}: the last user turn has no answer")
    return pairs


def _write_alpaca(rec: SFTRecord, layout: dict[str, Any]) -> dict[str, Any]:
    system, msgs = _split(rec)
    pairs = _pairs(msgs, "alpaca", allow_open=True)
    if not pairs:
        raise FormatError("alpaca: no user turn")
    if any(a is None for _, a in pairs[:-1]):
        raise FormatError("alpaca: a history turn has no answer")
    query, output = pairs[-1]
    absent = layout.get("absent", ())
    given = layout.get("input")
    instruction = query
    if isinstance(given, str) and given and query.endswith("\n" + given):
        instruction = query[: -len(given) - 1]
    else:
        given = ""
    out: dict[str, Any] = {"instruction": instruction}
    if "input" not in absent or given:
        out["input"] = given
    if output is not None:
        out["output"] = output
    elif "output" not in absent and not rec.is_preference:
        out["output"] = ""
    if system is not None:
        out["system"] = system
    if len(pairs) > 1 or layout.get("history"):
        out["history"] = [[q, a] for q, a in pairs[:-1]]
    if rec.is_preference:
        out["chosen"] = (rec.chosen or {}).get("content", "")
        out["rejected"] = (rec.rejected or {}).get("content", "")
    return out


def _to_sharegpt(m: dict[str, Any], keys: tuple[str, str] = ("from", "value")) -> dict[str, Any]:
    m = dict(m)
    role, content = m.pop("role"), m.pop("content", "")
    tag = m.pop("_from", None) or (role if keys == ("role", "content") else ROLE_TAGS.get(role))
    if tag is None:
        raise FormatError(f"sharegpt: no tag for role {role!r}")
    return {keys[0]: tag, keys[1]: content, **m}


def _write_sharegpt(rec: SFTRecord, layout: dict[str, Any]) -> dict[str, Any]:
    msgs = rec.messages
    system = None
    if layout.get("system", "key") == "key" and msgs and msgs[0].get("role") == "system":
        system, msgs = msgs[0].get("content"), msgs[1:]
    keys = tuple(layout.get("turn_keys", ("from", "value")))
    out: dict[str, Any] = {"conversations": [_to_sharegpt(m, keys) for m in msgs]}  # type: ignore[arg-type]
    if system is not None:
        out["system"] = system
    if rec.is_preference:
        out["chosen"] = _to_sharegpt(rec.chosen or {"role": "assistant", "content": ""}, keys)  # type: ignore[arg-type]
        out["rejected"] = _to_sharegpt(rec.rejected or {"role": "assistant", "content": ""}, keys)  # type: ignore[arg-type]
    return out


def _write_openai(rec: SFTRecord, layout: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"messages": [{k: v for k, v in m.items() if k != "_from"} for m in rec.messages]}
    if rec.is_preference:
        out["chosen"], out["rejected"] = rec.chosen, rec.rejected
    return out


def _write_firefly(rec: SFTRecord, layout: dict[str, Any]) -> dict[str, Any]:
    if rec.is_preference:
        raise FormatError("firefly: no place for preference answers")
    system, msgs = _split(rec)
    out: dict[str, Any] = {
        "conversation": [{"human": q, "assistant": a} for q, a in _pairs(msgs, "firefly", allow_open=False)]
    }
    if system is not None:
        out["system"] = system
    return out


def _write_qa(rec: SFTRecord, layout: dict[str, Any]) -> dict[str, Any]:
    system, msgs = _split(rec)
    if system is not None or rec.is_preference:
        raise FormatError("qa: no place for a system prompt or preference answers")
    pairs = _pairs(msgs, "qa", allow_open=True)
    if len(pairs) != 1:
        raise FormatError(f"qa: one question and answer only, got {len(pairs)} turns")
    ((q, a),) = pairs
    out: dict[str, Any] = {"question": q}
    if a is not None:
        out[layout.get("answer_key", "answer")] = a
    return out


_WRITERS = {
    "alpaca": _write_alpaca,
    "sharegpt": _write_sharegpt,
    "openai": _write_openai,
    "firefly": _write_firefly,
    "qa": _write_qa,
}


def own_format(rec: SFTRecord) -> str:
    """The format `rec` was read in ("record" when unknown)."""
    name = (rec.meta.get("format") or {}).get("name")
    return name if name in FORMATS else "record"


def dumps_item(item: dict[str, Any]) -> str:
    """One JSON line, non-ASCII kept."""
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"))


def write_items(items: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write items as a JSON array (`.json`, `.json.gz`: indented) or JSON Lines; returns the count."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    as_array = p.name.removesuffix(".gz").endswith(".json")
    n = 0
    opener = gzip.open if p.name.endswith(".gz") else open
    with opener(p, "wt", encoding="utf-8") as f:  # type: ignore[operator]
        if as_array:
            f.write("[")
        for item in items:
            if as_array:
                f.write(
                    ("\n  " if n == 0 else ",\n  ")
                    + json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
                )
            else:
                f.write(dumps_item(item) + "\n")
            n += 1
        if as_array:
            f.write("\n]\n" if n else "]\n")
    return n


def write_sft(records: Iterable[SFTRecord], path: str | Path, fmt: str = "record") -> int:
    """Write records in format `fmt` (or "same": each in the format it was read in); returns the count.

    Raises FormatError on the first record the format cannot express (see `record_to_item`).
    """
    if fmt != "same" and fmt not in FORMATS:
        raise ValueError(f"unknown SFT format {fmt!r}; known: same, {', '.join(FORMATS)}")
    return write_items((record_to_item(r, own_format(r) if fmt == "same" else fmt) for r in records), path)
