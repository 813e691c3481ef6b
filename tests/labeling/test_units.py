"""No server: agreement math on textbook examples, retries with a fake transport, secrets, tasks, configs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from curation.labeling.agreement import (
    categorical_agreement,
    cohen_kappa,
    fleiss_kappa,
    kendall_tau,
    majority,
    ranking_agreement,
    ranking_tau,
)
from curation.labeling.client import (
    LabelingError,
    RetryTransport,
    Secret,
    ServerSettings,
    call,
    connect,
    redact,
)
from curation.labeling.configs import ALL_KINDS, config_version, description, label_config, version_in
from curation.labeling.convert import Resolution, convert_task
from curation.labeling.tasks import HASH_KEY, TaskError, make_tasks
from tests.labeling.conftest import DATA

# ---- agreement


def test_cohen_kappa_textbook() -> None:
    # Wikipedia "Cohen's kappa": 50 proposals, yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> 0.4
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(["x", "x"], ["x", "x"]) == 1.0


def test_fleiss_kappa_wikipedia_example() -> None:
    # Wikipedia "Fleiss' kappa": 10 subjects, 14 raters, 5 categories -> P_bar 0.378, P_e 0.213, kappa 0.210
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    assert fleiss_kappa(table) == pytest.approx(0.20993, abs=1e-4)
    with pytest.raises(ValueError):
        fleiss_kappa([[1, 1], [2, 1]])


def test_kendall_tau_with_and_without_ties() -> None:
    # scipy.stats.kendalltau's docstring example (tau-b, with ties): -0.47140452079103173
    assert kendall_tau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]) == pytest.approx(-0.47140452079103173)
    assert ranking_tau(["a", "b", "c"], ["a", "b", "c"]) == 1.0
    assert ranking_tau(["a", "b", "c"], ["c", "b", "a"]) == -1.0
    assert ranking_tau(["a0", "a2", "a1"], ["a2", "a0", "a1"]) == pytest.approx(1 / 3)


def test_categorical_agreement_picks_cohen_or_fleiss_and_majority_rule() -> None:
    two = {1: {"u1": "c", "u2": "c"}, 2: {"u1": "i", "u2": "i"}, 3: {"u1": "i", "u2": "c"}, 4: {"u1": "i"}}
    got = categorical_agreement(two)
    assert (got.statistic, got.items, got.raters) == ("cohen_kappa", 3, 2)
    assert got.value == pytest.approx(cohen_kappa(["c", "i", "i"], ["c", "i", "c"]))
    three = {1: {"a": "x", "b": "x", "c": "y"}, 2: {"a": "y", "b": "y", "c": "y"}}
    assert categorical_agreement(three).statistic == "fleiss_kappa"
    assert categorical_agreement(three).value == pytest.approx(fleiss_kappa([[2, 1], [0, 3]]))
    assert categorical_agreement({1: {"a": "x"}}).value is None
    assert ranking_agreement({1: {"a": ["x", "y"], "b": ["y", "x"]}}).value == -1.0
    assert majority(["c", "c", "i"]) == "c" and majority(["c", "i"]) is None and majority([]) is None


# ---- retries and secrets


def test_retry_transport_backs_off_on_connection_errors_and_5xx(caplog: pytest.LogCaptureFixture) -> None:
    token = "t0k3n" * 8
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        assert request.headers["Authorization"].endswith(token)
        if len(calls) <= 2:
            raise httpx.ConnectError("connection refused", request=request)
        if len(calls) == 3:
            return httpx.Response(503, json={"detail": "starting"})
        return httpx.Response(200, json={"id": 1, "email": "a@example.com"})

    waits: list[float] = []
    settings = ServerSettings(url="http://ls.test", token=Secret(token), backoff=0.5)
    client = connect(settings, transport=httpx.MockTransport(handler), sleep=waits.append)
    caplog.set_level(logging.DEBUG)
    assert client.users.whoami().email == "a@example.com"
    assert waits == [0.5, 1.0, 2.0] and len(calls) == 4
    assert "retry 3/5" in caplog.text and token not in caplog.text


def test_post_is_not_retried_after_a_500_but_is_after_a_503() -> None:
    statuses = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        statuses["n"] += 1
        return httpx.Response(500 if request.url.path.endswith("/a") else 503)

    waits: list[float] = []
    retry = RetryTransport(
        httpx.MockTransport(handler), retries=3, backoff=1.0, max_backoff=2.0, sleep=waits.append
    )
    with httpx.Client(transport=retry) as http:
        assert http.post("http://x/a").status_code == 500 and statuses["n"] == 1 and waits == []
        assert http.post("http://x/b").status_code == 503 and statuses["n"] == 5
        assert waits == [1.0, 2.0, 2.0]  # capped at max_backoff, then gives up with the last answer


def test_failures_become_labeling_errors_without_token_or_cookies() -> None:
    token = "abc123" * 7
    settings = ServerSettings(url="http://ls.test", token=Secret(token), retries=1)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            500,
            headers={"set-cookie": "sessionid=SECRETSESSION; Path=/"},
            json={"detail": f"bad Token {token}"},
        )

    client = connect(settings, transport=httpx.MockTransport(handler), sleep=lambda s: None)
    with pytest.raises(LabelingError) as err:
        call("whoami", client.users.whoami, secrets=(token,))
    text = str(err.value)
    assert "HTTP 500" in text and token not in text and "SECRETSESSION" not in text
    assert err.value.__cause__ is None
    with pytest.raises(LabelingError, match=r"failed: RuntimeError: key \*\*\* here"):
        call("x", lambda: (_ for _ in ()).throw(RuntimeError(f"key {token} here")), secrets=(token,))
    assert redact("Authorization: Bearer eyJabc.def-ghi") == "Authorization: Bearer ***"
    assert token not in repr(settings) and str(settings.token) == "***"


def test_settings_come_from_env_else_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "server.yaml"
    cfg.write_text("url: http://ls.example:8080/\napi_key: fromfile\nretries: 2\n")
    s = ServerSettings.load(cfg, env={})
    assert (s.url, s.token.value, s.retries) == ("http://ls.example:8080", "fromfile", 2)
    s = ServerSettings.load(cfg, env={"LABEL_STUDIO_URL": "http://h:1", "LABEL_STUDIO_API_KEY": "fromenv"})
    assert (s.url, s.token.value) == ("http://h:1", "fromenv")
    cfg.write_text("url: http://x\ntoken: oops\n")
    with pytest.raises(LabelingError, match="unknown key"):
        ServerSettings.load(cfg, env={})
    with pytest.raises(LabelingError, match="LABEL_STUDIO_API_KEY"):
        connect(ServerSettings.load(env={}))


# ---- configs, tasks, conversion


def test_config_versions_are_stable_and_read_back() -> None:
    versions = {k: config_version(k) for k in ALL_KINDS}
    assert len(set(versions.values())) == len(ALL_KINDS) and versions == {
        k: config_version(k) for k in ALL_KINDS
    }
    assert version_in(description("judge_answer", versions["judge_answer"])) == versions["judge_answer"]
    judge = label_config("judge_answer")
    assert 'visibleWhen="choice-selected"' in judge and 'choice="multiple"' in judge and "判断" in judge
    assert "<Ranker" in label_config("rank_answers") and "<Pairwise" in label_config("rank_answers_pair")
    with pytest.raises(ValueError):
        label_config("nope")


def test_tasks_carry_hash_and_predictions(tmp_path: Path) -> None:
    tasks, skipped = make_tasks("revise_answer", DATA / "outputs.jsonl")
    again, _ = make_tasks("revise_answer", DATA / "outputs.jsonl")
    hashes = [t["data"][HASH_KEY] for t in tasks["revise_answer"]]
    assert hashes == [t["data"][HASH_KEY] for t in again["revise_answer"]] and len(set(hashes)) == 4
    pred = tasks["revise_answer"][1]["predictions"][0]
    assert pred["result"][0]["value"]["text"] == ["A spider has six legs."]
    judge, _ = make_tasks("judge_answer", DATA / "outputs.jsonl")
    assert judge["judge_answer"][0]["data"][HASH_KEY] not in hashes  # the kind is part of the hash
    # write_answer on a finished dialogue: its last answer becomes the pre-filled prediction
    tasks, _ = make_tasks("write_answer", DATA / "dialogues.jsonl")
    (task,) = tasks["write_answer"]
    assert [m["role"] for m in task["data"]["dialogue"]] == ["user"]
    assert task["predictions"][0]["result"][0]["value"]["text"] == ["The capital of Australia is Canberra."]
    # a prompt with no assistant turn has no context to continue: skipped with the reason
    tasks, skipped = make_tasks("write_instruction_in_context", DATA / "outputs.jsonl")
    assert tasks == {} and len(skipped) == 4 and "ending with the assistant" in skipped[0]
    tasks, skipped = make_tasks("write_instruction", DATA / "demand.jsonl")
    assert [t["data"]["topic"] for t in tasks["write_instruction"]] == ["鸡兔同笼问题", "分数的加减法"]
    # a later demand (rebalancing ran again: other counts) makes new tasks; the same demand does not
    row = {"category": "math", "lang": None, "count_needed": 2, "target": 60, "have": 23, "after": 23}
    (tmp_path / "d1.jsonl").write_text(json.dumps(row) + "\n")
    (tmp_path / "d2.jsonl").write_text(json.dumps({**row, "have": 58, "after": 58}) + "\n")
    h1, h1b, h2 = (
        {t["data"][HASH_KEY] for t in make_tasks("write_instruction", tmp_path / f)[0]["write_instruction"]}
        for f in ("d1.jsonl", "d1.jsonl", "d2.jsonl")
    )
    assert len(h1) == 2 and h1 == h1b and not h1 & h2
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"foo": 1}) + "\n")
    with pytest.raises(TaskError, match=r"bad\.jsonl:1"):
        make_tasks("judge_answer", bad)


def _ann(aid: int, who: int, result: list[dict]) -> dict:
    return {"id": aid, "completed_by": who, "result": result, "was_cancelled": False}


def test_convert_judge_three_raters_majority_and_skipped_annotations() -> None:
    tasks, _ = make_tasks("judge_answer", DATA / "outputs.jsonl")
    task = {"id": 7, **tasks["judge_answer"][1]}

    def verdict(v: str, *errors: str) -> list[dict]:
        res = [{"from_name": "verdict", "value": {"choices": [v]}}]
        return res + ([{"from_name": "errors", "value": {"choices": list(errors)}}] if errors else [])

    task["annotations"] = [
        _ann(1, 1, verdict("incorrect", "factual_error")),
        _ann(2, 2, verdict("correct")),
        _ann(3, 3, verdict("incorrect", "factual_error", "format")),
        {**_ann(4, 4, verdict("correct")), "was_cancelled": True},
    ]
    out = convert_task("judge_answer", task)
    (j,) = out.judgments
    assert (j["verdict"], j["error_types"], j["status"]) == (
        "incorrect",
        ["factual_error", "format"],
        "resolved",
    )
    strict = convert_task("judge_answer", task, Resolution(min_share=0.7))
    assert strict.judgments == [] and strict.review[0]["status"] == "review"


class _FakeProjects:
    """Just the SDK calls `Labeling.pull` makes: list projects, export a project's tasks."""

    def __init__(self, tasks: dict[int, list[dict]]) -> None:
        from types import SimpleNamespace

        from curation.labeling.configs import project_title

        self.tasks = tasks
        self.listed = [SimpleNamespace(id=i + 1, title=project_title(k)) for i, k in enumerate(ALL_KINDS)]
        self.exports = SimpleNamespace(
            download_sync=lambda pid, **kw: iter([json.dumps(self.tasks[pid]).encode()])
        )

    def list(self, **kw: object) -> list:
        return self.listed


def test_review_tasks_come_back_when_a_third_annotator_settles_them(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from curation.labeling.service import Labeling, LabelingConfig

    made, _ = make_tasks("judge_answer", DATA / "outputs.jsonl")
    task = {"id": 1, **made["judge_answer"][0]}

    def vote(aid: int, v: str) -> dict:
        return _ann(aid, aid, [{"from_name": "verdict", "value": {"choices": [v]}}])

    task["annotations"] = [vote(1, "correct"), vote(2, "incorrect")]
    judge_id = ALL_KINDS.index("judge_answer") + 1
    fake = _FakeProjects({i + 1: [] for i in range(len(ALL_KINDS))})
    fake.tasks[judge_id] = [task]
    lab = Labeling(
        ServerSettings(token=Secret("x")), LabelingConfig(overlap=2), client=SimpleNamespace(projects=fake)
    )
    first = lab.pull(tmp_path)
    assert first.converted.counts()["review"] == 1 and first.converted.judgments == []
    assert lab.pull(tmp_path).tasks == {}  # nothing changed: the review item is not repeated
    task["annotations"].append(vote(3, "correct"))  # a reviewer's vote
    third = lab.pull(tmp_path)
    assert [j["verdict"] for j in third.converted.judgments] == ["correct"] and third.converted.review == []
    assert lab.pull(tmp_path).tasks == {}
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["servers"][lab.settings.url]["judge_answer"]["done"] == {"1": 3}
    assert sorted(p.name for p in tmp_path.glob("pull-*")) == ["pull-0001", "pull-0002"]
