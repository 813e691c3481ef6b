"""The four labeling operations against one Label Studio server: init, push, pull, status.

    lab = Labeling(ServerSettings.load(), LabelingConfig())
    lab.init()                                   # {kind: (project id, created | updated | unchanged)}
    lab.push("judge_answer", "outputs.jsonl")    # PushResult: imported / already there / skipped
    result = lab.pull("out/labeling")            # only tasks not pulled before (state.json there)
    lab.status()                                 # progress and agreement per project

Projects are matched by their stable title (`corpusloop · <kind>`); the config version in the
description tells `init` whether to update them. A task is pulled once, when it has `overlap`
submitted annotations (or any, with `require_complete: false`); tasks sent to review are pulled
again when they get more annotations.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curation.labeling.agreement import Agreement, categorical_agreement, ranking_agreement
from curation.labeling.client import LabelingError, ServerSettings, call, connect
from curation.labeling.configs import (
    ALL_KINDS,
    PAIR_KIND,
    config_version,
    description,
    instructions_html,
    label_config,
    project_title,
    version_in,
)
from curation.labeling.convert import (
    Converted,
    Resolution,
    annotator,
    choices_of,
    convert_task,
    pairwise_of,
    ranking_of,
    valid_annotations,
)
from curation.labeling.tasks import HASH_KEY, PREDICTION_MODEL, make_tasks

log = logging.getLogger(__name__)
STATE_FILE = "state.json"


@dataclass(frozen=True)
class LabelingConfig:
    """Project settings and the resolution rule (configs/labeling.yaml)."""

    overlap: int = 2  # annotators per task (Label Studio's maximum_annotations, overlap on every task)
    require_complete: bool = True  # pull a task only once it has `overlap` annotations
    min_share: float = 0.5  # majority: a verdict / pair choice needs more than this share, else review
    min_tau: float = 0.0  # a ranking needs mean pairwise Kendall tau above this, else review
    error_share: float = 0.5  # keep an error type named by at least this share of the "incorrect" votes
    batch_size: int = 500  # tasks per import request
    project_suffix: str = (
        ""  # titles become `corpusloop · <kind> [<suffix>]`: several project sets on one server
    )

    @property
    def resolution(self) -> Resolution:
        return Resolution(self.min_share, self.min_tau, self.error_share)

    @classmethod
    def load(cls, path: str | Path | None = None) -> LabelingConfig:
        """The config of `path`, or configs/labeling.yaml, or the defaults."""
        from pipelines.config import configs_dir, from_mapping, load_yaml

        if path is None:
            default = configs_dir() / "labeling.yaml"
            path = default if default.is_file() else None
        return from_mapping(cls, load_yaml(path) if path else {}, "labeling")


@dataclass
class PushResult:
    """What one push did, per project kind."""

    imported: dict[str, int] = field(default_factory=dict)
    already_there: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


@dataclass
class PullResult:
    """The new outputs of one pull, and the agreement of the tasks it read."""

    converted: Converted = field(default_factory=Converted)
    tasks: dict[str, int] = field(default_factory=dict)  # newly pulled tasks per kind
    agreement: dict[str, dict[str, Any]] = field(default_factory=dict)
    batch_dir: Path | None = None


class Labeling:
    """One Label Studio server and the corpusloop projects on it."""

    def __init__(
        self, settings: ServerSettings, config: LabelingConfig | None = None, client: Any = None
    ) -> None:
        self.settings = settings
        self.config = config or LabelingConfig()
        self.client = client if client is not None else connect(settings)
        self._secrets = (settings.token.value,)
        self._ids: dict[str, int] | None = None

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return call(what, fn, *args, secrets=self._secrets, **kwargs)

    # ---- projects

    def projects(self) -> dict[str, Any]:
        """{kind: project} for the corpusloop projects on the server (the oldest one when a title repeats)."""
        titles = {project_title(k, self.config.project_suffix): k for k in ALL_KINDS}
        found: dict[str, Any] = {}
        pager = self._call("list projects", self.client.projects.list, page_size=100)
        for p in self._call("list projects", list, pager):
            kind = titles.get(p.title or "")
            if kind and (kind not in found or p.id < found[kind].id):
                found[kind] = p
        return found

    def init(self) -> dict[str, tuple[int, str]]:
        """Create the projects that are missing, update those whose config version or overlap differ."""
        existing = self.projects()
        self._ids = None
        out: dict[str, tuple[int, str]] = {}
        for kind in ALL_KINDS:
            version = config_version(kind)
            settings = {
                "label_config": label_config(kind),
                "description": description(kind, version),
                "expert_instruction": instructions_html(kind),
                "show_instruction": True,
                "maximum_annotations": self.config.overlap,
                "overlap_cohort_percentage": 100,
                "show_overlap_first": True,
                "show_collab_predictions": True,
                "model_version": PREDICTION_MODEL,
            }
            p = existing.get(kind)
            if p is None:
                made = self._call(
                    f"create project {kind}",
                    self.client.projects.create,
                    title=project_title(kind, self.config.project_suffix),
                    **settings,
                )
                out[kind] = (made.id, "created")
                log.info("created project %s (id %s, config %s)", kind, made.id, version)
            elif version_in(p.description) != version or p.maximum_annotations != self.config.overlap:
                self._call(f"update project {kind}", self.client.projects.update, p.id, **settings)
                out[kind] = (p.id, "updated")
                log.info("updated project %s (id %s, config %s)", kind, p.id, version)
            else:
                out[kind] = (p.id, "unchanged")
        return out

    def project_ids(self) -> dict[str, int]:
        """{kind: project id} (looked up once); raises LabelingError when `init` has not made them all."""
        if self._ids is not None:
            return dict(self._ids)
        found = self.projects()
        missing = [k for k in ALL_KINDS if k not in found]
        if missing:
            raise LabelingError(
                f"projects missing on {self.settings.url}: {', '.join(missing)}; run `corpusloop label init`"
            )
        self._ids = {k: found[k].id for k in ALL_KINDS}
        return dict(self._ids)

    def export(self, project_id: int) -> list[dict[str, Any]]:
        """Every task of a project with its annotations (Label Studio's JSON export)."""

        def download() -> bytes:
            return b"".join(
                self.client.projects.exports.download_sync(
                    project_id, export_type="JSON", download_all_tasks=True
                )
            )

        return json.loads(self._call(f"export project {project_id}", download) or b"[]")

    # ---- push

    def push(self, kind: str, path: str | Path) -> PushResult:
        """Import tasks of `kind` made from the items of `path`; tasks already on the server are skipped."""
        by_kind, skipped = make_tasks(kind, path)
        ids = self.project_ids()
        result = PushResult(skipped=skipped)
        for pkind, tasks in by_kind.items():
            seen = {t["data"].get(HASH_KEY) for t in self.export(ids[pkind])}
            new = []
            for t in tasks:
                h = t["data"][HASH_KEY]
                if h not in seen:
                    seen.add(h)
                    new.append(t)
            step = self.config.batch_size
            for i in range(0, len(new), step):
                self._call(
                    f"import tasks into {pkind}",
                    self.client.projects.import_tasks,
                    ids[pkind],
                    request=new[i : i + step],
                    return_task_ids=True,
                )
            result.imported[pkind] = len(new)
            result.already_there[pkind] = len(tasks) - len(new)
            log.info("push %s: %d imported, %d already there", pkind, len(new), len(tasks) - len(new))
        return result

    # ---- pull

    def _ready(self, task: dict[str, Any]) -> bool:
        n = len(valid_annotations(task))
        return n >= (self.config.overlap if self.config.require_complete else 1)

    def pull(self, out_dir: str | Path, write: bool = True) -> PullResult:
        """Convert the tasks completed since the last pull; write them as a new `out_dir/pull-NNNN/` batch."""
        out_dir = Path(out_dir)
        state_path = out_dir / STATE_FILE
        state = json.loads(state_path.read_text()) if state_path.is_file() else {}
        server_state = state.setdefault("servers", {}).setdefault(self.settings.url, {})
        result = PullResult()
        for kind, pid in self.project_ids().items():
            pstate = server_state.setdefault(kind, {"project_id": pid, "done": {}, "review": {}})
            if pstate.get("project_id") != pid:  # a recreated project: its task ids start afresh
                pstate.update(project_id=pid, done={}, review={})
            tasks = self.export(pid)
            result.agreement[kind] = agreement(kind, tasks).to_dict()
            count = 0
            for task in tasks:
                tid, n = str(task["id"]), len(valid_annotations(task))
                if tid in pstate["done"] or not self._ready(task) or pstate["review"].get(tid, -1) >= n:
                    continue
                conv = convert_task(kind, task, self.config.resolution)
                result.converted.extend(conv)
                count += 1
                if conv.review:
                    pstate["review"][tid] = n
                else:
                    pstate["review"].pop(tid, None)
                    pstate["done"][tid] = n
            if count:
                result.tasks[kind] = count
        if write and result.tasks:
            result.batch_dir = write_batch(out_dir, result)
            out_dir.mkdir(parents=True, exist_ok=True)
            tmp = state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
            os.replace(tmp, state_path)
        return result

    # ---- status

    def status(self) -> dict[str, dict[str, Any]]:
        """Per project: tasks, annotated, complete (>= overlap), annotations, agreement so far."""
        out: dict[str, dict[str, Any]] = {}
        for kind, pid in self.project_ids().items():
            tasks = self.export(pid)
            counts = [len(valid_annotations(t)) for t in tasks]
            out[kind] = {
                "project_id": pid,
                "tasks": len(tasks),
                "annotated": sum(c > 0 for c in counts),
                "complete": sum(c >= self.config.overlap for c in counts),
                "annotations": sum(counts),
                "agreement": agreement(kind, tasks).to_dict(),
            }
        return out


def agreement(kind: str, tasks: list[dict[str, Any]]) -> Agreement:
    """Agreement so far on a project's tasks: verdict (judge), category (write_instruction), order (rank)."""
    if kind in ("rank_answers", PAIR_KIND):
        if kind == PAIR_KIND:
            labels = {
                t["id"]: {annotator(a): pairwise_of(a["result"]) for a in valid_annotations(t)} for t in tasks
            }
            return categorical_agreement({k: {r: v for r, v in d.items() if v} for k, d in labels.items()})
        orders = {
            t["id"]: {annotator(a): ranking_of(a["result"]) for a in valid_annotations(t)} for t in tasks
        }
        return ranking_agreement({k: {r: o for r, o in d.items() if o} for k, d in orders.items()})
    name = {"judge_answer": "verdict", "write_instruction": "category"}.get(kind)
    if name is None:
        return Agreement("none", None, 0, 0)
    labels = {}
    for t in tasks:
        per = {annotator(a): (choices_of(a["result"], name) or [None])[0] for a in valid_annotations(t)}
        labels[t["id"]] = {r: v for r, v in per.items() if v is not None}
    return categorical_agreement(labels)


def write_batch(out_dir: Path, result: PullResult) -> Path:
    """Write a pull's outputs to the next `pull-NNNN/` folder: SFT records, preferences (records and
    LLaMA-Factory DPO), judgments, review items and a summary."""
    from curation.sft.formats import write_sft

    out_dir.mkdir(parents=True, exist_ok=True)
    n = 1 + max((int(p.name.split("-")[1]) for p in out_dir.glob("pull-[0-9]*")), default=0)
    batch = out_dir / f"pull-{n:04d}"
    batch.mkdir()
    c = result.converted
    write_sft(c.sft, batch / "sft.jsonl", "record")
    write_sft(c.preferences, batch / "preferences.jsonl", "record")
    write_sft(
        c.preferences, batch / "dpo.jsonl", "sharegpt"
    )  # LLaMA-Factory: conversations, chosen, rejected
    for name, rows in (("judgments", c.judgments), ("review", c.review)):
        with open(batch / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    summary = {"tasks": result.tasks, "outputs": c.counts(), "agreement": result.agreement}
    (batch / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False, sort_keys=True))
    return batch
