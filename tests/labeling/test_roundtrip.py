"""Against a real Label Studio: the six kinds' projects, push, two annotators, pull, convert, agreement."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from curation.labeling import cli
from curation.labeling.client import LabelingError, connect
from curation.labeling.configs import ALL_KINDS, label_config, project_title
from curation.labeling.service import Labeling, LabelingConfig
from tests.labeling.conftest import DATA, Server

PUSHES = (
    ("write_instruction", "demand.jsonl"),
    ("write_instruction_in_context", "dialogues.jsonl"),
    ("write_answer", "outputs.jsonl"),
    ("judge_answer", "outputs.jsonl"),
    ("revise_answer", "outputs.jsonl"),
    ("rank_answers", "candidates.jsonl"),
    ("rank_answers", "preference.jsonl"),
)


def textarea(name: str, to: str, text: str) -> dict[str, Any]:
    return {"from_name": name, "to_name": to, "type": "textarea", "value": {"text": [text]}}


def choices(name: str, to: str, *values: str) -> dict[str, Any]:
    return {"from_name": name, "to_name": to, "type": "choices", "value": {"choices": list(values)}}


def ranker(*ids: str) -> dict[str, Any]:
    return {
        "from_name": "rank",
        "to_name": "answers",
        "type": "ranker",
        "value": {"ranker": {"rank": list(ids)}},
    }


def pairwise(side: str) -> dict[str, Any]:
    return {
        "from_name": "preference",
        "to_name": "left,right",
        "type": "pairwise",
        "value": {"selected": side},
    }


def by_source(lab: Labeling, kind: str) -> dict[str, dict[str, Any]]:
    """The project's tasks keyed by the source id of their item."""
    return {t["data"]["corpusloop"]["source_id"]: t for t in lab.export(lab.project_ids()[kind])}


# What each annotator submits: (kind, source id) -> result, for annotator "A" (admin) and "B".
JUDGE = {  # A = [c, i, i, i], B = [c, i, i, c]: Cohen's kappa 0.5
    "out-1": (["correct"], [], ["correct"], []),
    "out-2": (["incorrect"], ["factual_error", "format"], ["incorrect"], ["factual_error"]),
    "out-3": (["incorrect"], ["wrong_language"], ["incorrect"], ["incomplete"]),
    "out-4": (["incorrect"], ["other"], ["correct"], []),
}


def plan(kind: str, sid: str, task: dict[str, Any], who: str) -> list[dict[str, Any]]:
    """The annotation result annotator `who` gives on task `sid` of `kind`."""
    if kind == "write_instruction":
        cat = "math" if who == "A" or sid.endswith(":0") else "code"
        return [
            textarea("instruction", "topic", f"{who}: 请出一道关于{task['data']['topic']}的题。"),
            choices("category", "topic", cat),
        ]
    if kind == "write_instruction_in_context":
        return [textarea("next_turn", "dialogue", f"{who}: And what is its population?")]
    if kind == "write_answer":
        return [textarea("answer", "dialogue", f"{who} answers {sid}")]
    if kind == "judge_answer":
        va, ea, vb, eb = JUDGE[sid]
        verdict, errors = (va, ea) if who == "A" else (vb, eb)
        res = [choices("verdict", "dialogue", *verdict), textarea("reason", "dialogue", f"{who} on {sid}")]
        return res + ([choices("errors", "dialogue", *errors)] if errors else [])
    if kind == "revise_answer":
        text = task["data"]["answer"]
        if sid == "out-2":
            text = "A spider has eight legs." if who == "A" else "Spiders have eight legs."
        return [textarea("revised", "answer", text)]
    if kind == "rank_answers":
        orders = {
            ("cand-1", "A"): ("a0", "a2", "a1"),
            ("cand-1", "B"): ("a2", "a0", "a1"),  # tau 1/3
            ("cand-2", "A"): ("a0", "a1", "a2"),
            ("cand-2", "B"): ("a2", "a1", "a0"),
        }  # tau -1
        return [ranker(*orders[sid, who])]
    return [pairwise("left")]


def annotate(server: Server, lab: Labeling, who: str, kinds: tuple[str, ...] = ALL_KINDS) -> int:
    """Submit `who`'s annotations on every task of `kinds`, through the API as that user."""
    token = server.admin_token if who == "A" else server.annotator_token
    client = connect(server.settings(token))
    n = 0
    for kind in kinds:
        for sid, task in by_source(lab, kind).items():
            client.annotations.create(task["id"], result=plan(kind, sid, task, who))
            n += 1
    return n


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_round_trip_every_kind(labelstudio: Server, tmp_path: Path) -> None:
    lab = Labeling(labelstudio.settings(), LabelingConfig(overlap=2, project_suffix="rt"))
    assert {a for _, a in lab.init().values()} == {"created"}
    assert {a for _, a in lab.init().values()} == {"unchanged"}  # idempotent
    ids = lab.project_ids()

    # the configs validate on the server, and a broken one is refused
    for kind in ALL_KINDS:
        lab.client.projects.validate_label_config(ids[kind], label_config=label_config(kind))
    broken = label_config("judge_answer").replace('toName="dialogue"', 'toName="nowhere"', 1)
    with pytest.raises(Exception, match="nowhere"):
        lab.client.projects.validate_label_config(ids["judge_answer"], label_config=broken)
    project = lab.client.projects.get(ids["judge_answer"])
    assert project.maximum_annotations == 2 and "判断" in project.expert_instruction

    for kind, name in PUSHES:
        lab.push(kind, DATA / name)
    again = lab.push("write_answer", DATA / "outputs.jsonl")  # pushing the same items twice adds nothing
    assert again.imported == {"write_answer": 0} and again.already_there == {"write_answer": 4}
    counts = {kind: len(lab.export(pid)) for kind, pid in ids.items()}
    assert counts == {
        "write_instruction": 2,
        "write_instruction_in_context": 1,
        "write_answer": 4,
        "judge_answer": 4,
        "revise_answer": 4,
        "rank_answers": 2,
        "rank_answers_pair": 1,
    }

    # predictions pre-filled: the model answer (write_answer, revise_answer), the predicted verdict / category
    def predicted(kind: str, sid: str) -> list[dict[str, Any]]:
        preds = lab.client.predictions.list(task=by_source(lab, kind)[sid]["id"])
        return [r for p in preds for r in p.result]

    assert predicted("revise_answer", "out-2")[0]["value"]["text"] == ["A spider has six legs."]
    assert predicted("write_answer", "out-3")[0]["value"]["text"] == ["早上好"]
    assert predicted("judge_answer", "out-2")[0]["value"]["choices"] == ["incorrect"]
    assert predicted("judge_answer", "out-1") == []
    assert predicted("write_instruction", "demand:math:zh:1")[0]["value"]["choices"] == ["math"]

    out = tmp_path / "labeling"
    annotate(labelstudio, lab, "A")
    first = lab.pull(out)  # one annotation per task of the two needed: nothing is complete yet
    assert first.tasks == {} and first.batch_dir is None
    annotate(labelstudio, lab, "B")
    second = lab.pull(out)
    assert second.tasks == {
        "write_instruction": 2,
        "write_instruction_in_context": 1,
        "write_answer": 4,
        "judge_answer": 4,
        "revise_answer": 4,
        "rank_answers": 2,
        "rank_answers_pair": 1,
    }
    assert second.converted.counts() == {"sft": 22, "preferences": 5, "judgments": 3, "review": 2}
    third = lab.pull(out)
    assert third.tasks == {} and third.batch_dir is None  # incremental: nothing new

    batch = second.batch_dir
    assert batch is not None and batch.name == "pull-0001"
    sft = read_jsonl(batch / "sft.jsonl")
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for rec in sft:
        by_kind.setdefault(rec["source"], []).append(rec)
    written = sorted(r["messages"][0]["content"] for r in by_kind["labeling:write_instruction"])
    assert written[0] == "A: 请出一道关于分数的加减法的题。"
    assert sorted(r["category"] for r in by_kind["labeling:write_instruction"]) == [
        "code",
        "math",
        "math",
        "math",
    ]
    ctx = by_kind["labeling:write_instruction_in_context"]
    assert len(ctx) == 2 and all(r["messages"][-1]["role"] == "user" and len(r["messages"]) == 3 for r in ctx)
    answers = by_kind["labeling:write_answer"]
    assert len(answers) == 8 and {r["messages"][-1]["content"] for r in answers} >= {
        "A answers out-1",
        "B answers out-4",
    }
    assert all(r["meta"]["labeling"]["task_hash"] for r in sft)
    revised = {r["messages"][-1]["content"] for r in by_kind["labeling:revise_answer"]}
    assert {"A spider has eight legs.", "Spiders have eight legs.", "早上好"} <= revised

    judgments = {j["source_id"]: j for j in read_jsonl(batch / "judgments.jsonl")}
    assert {k: j["verdict"] for k, j in judgments.items()} == {
        "out-1": "correct",
        "out-2": "incorrect",
        "out-3": "incorrect",
    }
    assert judgments["out-2"]["error_types"] == ["factual_error", "format"]
    assert judgments["out-3"]["error_types"] == ["incomplete", "wrong_language"]
    assert judgments["out-2"]["reasons"] == ["A on out-2", "B on out-2"]
    review = read_jsonl(batch / "review.jsonl")
    assert sorted(r["source_id"] for r in review) == ["cand-2", "out-4"]

    prefs = read_jsonl(batch / "preferences.jsonl")
    pairs = {(p["source"], p["chosen"]["content"], p["rejected"]["content"]) for p in prefs}
    assert ("labeling:revise_answer", "A spider has eight legs.", "A spider has six legs.") in pairs
    assert ("labeling:rank_answers", "13 is a prime number between 10 and 20.", "15") in pairs
    assert ("labeling:rank_answers", "Some primes there are 11, 13, 17 and 19.", "15") in pairs
    assert ("labeling:rank_answers_pair", "No. The Earth is an oblate spheroid.", "Yes, it is flat.") in pairs
    dpo = read_jsonl(batch / "dpo.jsonl")  # LLaMA-Factory's DPO layout
    assert (
        len(dpo) == 5 and dpo[0]["conversations"][0]["from"] == "human" and dpo[0]["chosen"]["from"] == "gpt"
    )

    agreement = second.agreement
    assert agreement["judge_answer"] == {"statistic": "cohen_kappa", "value": 0.5, "items": 4, "raters": 2}
    assert agreement["write_instruction"]["value"] == 0.0  # A: math, math; B: math, code
    assert agreement["rank_answers"] == {
        "statistic": "kendall_tau",
        "value": round(-1 / 3, 4),
        "items": 2,
        "raters": 2,
    }
    assert agreement["rank_answers_pair"]["value"] == 1.0

    # a new item later: only it comes out of the next pull
    extra = tmp_path / "more.jsonl"
    extra.write_text(json.dumps({"id": "out-5", "prompt": "2+2?", "answer": "4"}) + "\n")
    assert lab.push("judge_answer", extra).imported == {"judge_answer": 1}
    task = by_source(lab, "judge_answer")["out-5"]
    for token in (labelstudio.admin_token, labelstudio.annotator_token):
        connect(labelstudio.settings(token)).annotations.create(
            task["id"], result=[choices("verdict", "dialogue", "correct")]
        )
    fourth = lab.pull(out)
    assert fourth.tasks == {"judge_answer": 1} and fourth.batch_dir is not None
    assert fourth.batch_dir.name == "pull-0002"
    assert [j["source_id"] for j in read_jsonl(fourth.batch_dir / "judgments.jsonl")] == ["out-5"]
    assert read_jsonl(fourth.batch_dir / "sft.jsonl") == []

    status = lab.status()
    assert status["judge_answer"]["tasks"] == 5 and status["judge_answer"]["complete"] == 5
    assert status["judge_answer"]["annotations"] == 10


def test_cli_push_is_idempotent_and_status_reports_agreement(
    labelstudio: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LABEL_STUDIO_URL", labelstudio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", labelstudio.admin_token)
    config = tmp_path / "labeling.yaml"
    config.write_text("overlap: 2\nproject_suffix: cli\n")
    base = ["--config", str(config)]
    assert cli.main([*base, "push", "judge_answer", "--from", str(DATA / "outputs.jsonl")]) == 1
    assert "run `corpusloop label init`" in capsys.readouterr().err
    assert cli.main([*base, "init"]) == 0
    assert "judge_answer: project" in capsys.readouterr().out
    assert cli.main([*base, "push", "judge_answer", "--from", str(DATA / "outputs.jsonl")]) == 0
    assert "judge_answer: 4 tasks imported, 0 already there" in capsys.readouterr().out
    assert cli.main([*base, "push", "judge_answer", "--from", str(DATA / "outputs.jsonl")]) == 0
    assert "judge_answer: 0 tasks imported, 4 already there" in capsys.readouterr().out
    lab = Labeling(labelstudio.settings(), LabelingConfig.load(config))
    annotate(labelstudio, lab, "A", ("judge_answer",))
    annotate(labelstudio, lab, "B", ("judge_answer",))
    assert cli.main([*base, "status"]) == 0
    out = capsys.readouterr().out
    assert (
        "judge_answer: 4/4 complete, 4 annotated, 8 annotations; agreement cohen_kappa=0.5 on 4 tasks" in out
    )
    assert cli.main([*base, "pull", "--out", str(tmp_path / "out")]) == 0
    assert "pull-0001" in capsys.readouterr().out
    assert cli.main([*base, "pull", "--out", str(tmp_path / "out")]) == 0
    assert "nothing new" in capsys.readouterr().out
    assert labelstudio.admin_token not in out
    # init updates a project whose config version or overlap differ, and leaves the others alone
    pid = lab.project_ids()["revise_answer"]
    lab.client.projects.update(pid, description="old\ncorpusloop-config-version: 000000000000")
    assert cli.main([*base, "init"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"revise_answer: project {pid} updated" in lines and sum("unchanged" in x for x in lines) == 6
    assert cli.main([*base, "--overlap", "3", "init"]) == 0
    assert capsys.readouterr().out.count(" updated") == 7
    assert lab.client.projects.get(pid).maximum_annotations == 3


def test_token_never_in_logs_or_errors(
    labelstudio: Server,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level("DEBUG")
    token = labelstudio.admin_token
    lab = Labeling(labelstudio.settings(), LabelingConfig(project_suffix="sec"))
    lab.init()
    lab.push("judge_answer", DATA / "outputs.jsonl")
    with pytest.raises(LabelingError) as err:  # a failing call: import into a project that does not exist
        lab._call("import", lab.client.projects.import_tasks, 999999, request=[{"data": {"x": 1}}])
    assert "HTTP 404" in str(err.value)
    assert repr(lab.settings).count(token) == 0 and token not in str(lab.settings.token)
    # a wrong token: the CLI says so without showing it
    wrong = "f" * 40
    monkeypatch.setenv("LABEL_STUDIO_URL", labelstudio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", wrong)
    assert cli.main(["status"]) == 1
    captured = capsys.readouterr()
    assert "401" in captured.err and wrong not in captured.err + captured.out
    for text in (str(err.value), repr(err.value), caplog.text, captured.err, captured.out):
        assert token not in text and "sessionid=" not in text.replace("sessionid=***", "")
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_restart_between_push_and_pull_loses_nothing(labelstudio: Server, tmp_path: Path) -> None:
    if labelstudio.process is None:
        pytest.skip("restart needs the server started by the tests, not CORPUSLOOP_LABELSTUDIO_URL")
    lab = Labeling(labelstudio.settings(), LabelingConfig(overlap=2, project_suffix="rs"))
    lab.init()
    lab.push("judge_answer", DATA / "outputs.jsonl")
    annotate(labelstudio, lab, "A", ("judge_answer",))
    annotate(labelstudio, lab, "B", ("judge_answer",))
    before = lab.status()["judge_answer"]
    labelstudio.process.restart()
    lab = Labeling(labelstudio.settings(), LabelingConfig(overlap=2, project_suffix="rs"))
    assert {a for _, a in lab.init().values()} == {"unchanged"}
    assert lab.status()["judge_answer"] == before
    result = lab.pull(tmp_path / "out")
    assert result.tasks == {"judge_answer": 4}
    assert result.converted.counts() == {"sft": 0, "preferences": 0, "judgments": 3, "review": 1}
    assert lab.push("judge_answer", DATA / "outputs.jsonl").imported == {"judge_answer": 0}


def test_titles_are_stable() -> None:
    assert project_title("judge_answer") == "corpusloop · judge_answer"
    assert project_title("judge_answer", "team-a") == "corpusloop · judge_answer [team-a]"
    assert shutil.which  # the module imports cleanly without a server
