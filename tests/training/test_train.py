"""The training loop: schedule, configs, resume equality, DDP with 2 gloo processes, the CLI."""

from __future__ import annotations

import itertools
import json
import math
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from training.model import Decoder
from training.train import ConfigError, TrainConfig, load_config, lr_at, main, train

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data" / "sft_tiny.jsonl"
TINY_MODEL = ["model.dim=32", "model.n_layers=2", "model.n_heads=4", "model.n_kv_heads=2",
              "model.max_seq_len=96"]


def tiny(tmp: Path, *extra: str) -> TrainConfig:
    sets = [*TINY_MODEL, f"train=[{json.dumps(str(DATA))}]", f"out_dir={json.dumps(str(tmp))}",
            "max_steps=6", "warmup_steps=2", "lr=3e-3", "batch_size=2", "eval_every=0", "save_every=0",
            "log_every=1", "threads=1", *extra]
    return load_config(None, sets)


def test_lr_schedule_warmup_then_cosine() -> None:
    cfg = TrainConfig(lr=1.0, min_lr=0.1, warmup_steps=10, max_steps=110)
    assert [lr_at(s, cfg) for s in (0, 4, 9)] == pytest.approx([0.1, 0.5, 1.0])
    assert lr_at(10, cfg) == pytest.approx(1.0)
    assert lr_at(60, cfg) == pytest.approx(0.55)  # half-way through the cosine: the mean of lr and min_lr
    assert lr_at(110, cfg) == pytest.approx(0.1) and lr_at(500, cfg) == pytest.approx(0.1)
    after = [lr_at(s, cfg) for s in range(10, 111)]
    assert all(a >= b for a, b in itertools.pairwise(after))
    assert lr_at(35, cfg) == pytest.approx(0.1 + 0.45 * (1 + math.cos(math.pi * 0.25)))


def test_configs_load_and_unknown_keys_raise() -> None:
    demo = load_config(ROOT / "configs" / "train" / "demo.yaml")
    big = load_config(ROOT / "configs" / "train" / "gpu_100m.yaml")
    with torch.device("meta"):  # sizes only, no weights
        assert 2e6 < Decoder(demo.model).num_params() < 10e6
        assert 90e6 < Decoder(big.model).num_params(embeddings=False) < 110e6
    with pytest.raises(ConfigError, match="expected int"):
        load_config(None, ["batch_size=two"])
    assert load_config(None, ["model.dim=64", "lr=1"]).lr == 1.0
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(None, ["model.hidden=64"])
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(None, ["learning_rate=1e-3"])


def test_resume_continues_the_same_run(tmp_path) -> None:
    straight = train(tiny(tmp_path / "a", "grad_accum=2"), progress=False)
    first = train(tiny(tmp_path / "b", "grad_accum=2"), stop_after=3, progress=False)
    assert first["step"] == 3 and len(first["losses"]) == 3
    rest = train(tiny(tmp_path / "b", "grad_accum=2"), resume=True, progress=False)
    assert rest["step"] == 6
    assert first["losses"] + rest["losses"] == straight["losses"]
    assert straight["losses"][-1] < straight["losses"][0]
    a = load_file(str(tmp_path / "a" / "checkpoints" / "step_000006" / "model.safetensors"))
    b = load_file(str(tmp_path / "b" / "checkpoints" / "step_000006" / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ddp_two_gloo_processes_match_one(tmp_path) -> None:
    single = train(tiny(tmp_path / "one", "max_steps=3"), progress=False)
    out = tmp_path / "two"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2",
           "--master_addr=127.0.0.1", f"--master_port={_free_port()}",
           "-m", "training.train", "--no-progress"]
    for s in [*TINY_MODEL, "max_steps=3", "warmup_steps=2", "lr=3e-3", "batch_size=1", "eval_every=0",
              "save_every=0", "log_every=1", "threads=1", "device=cpu"]:
        cmd += ["--set", s]
    cmd += ["--train", str(DATA), "--out", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ranks_agree=True" in proc.stdout
    run = json.loads((out / "run.json").read_text())
    assert run["world_size"] == 2 and run["attention_backend"] == "sdpa"
    losses = [json.loads(line)["loss"] for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert losses == pytest.approx(single["losses"], rel=1e-5)
    a = load_file(str(tmp_path / "one" / "checkpoints" / "step_000003" / "model.safetensors"))
    b = load_file(str(out / "checkpoints" / "step_000003" / "model.safetensors"))
    assert all(torch.allclose(a[k], b[k], atol=1e-5) for k in a)


def test_cli_trains_evaluates_and_appends_history(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    argv = ["--train", str(DATA), "--eval", str(DATA), "--out", str(out), "--max-steps", "4", "--no-progress"]
    for s in [*TINY_MODEL, "batch_size=2", "eval_every=2", "save_every=2", "keep_checkpoints=1", "threads=1",
              "eval_max_examples=2", "eval_max_new_tokens=4"]:
        argv += ["--set", s]
    assert main(argv) == 0
    assert "attention backend: sdpa" in capsys.readouterr().out
    history = [json.loads(line) for line in (out / "eval.jsonl").read_text().splitlines()]
    assert [h["step"] for h in history] == [2, 4]
    latest = json.loads((out / "eval.json").read_text())
    assert latest["step"] == 4 and set(latest["categories"]) >= {"math", "classification", "rewrite"}
    assert [Path(h["checkpoint"]).name for h in history] == ["step_000002", "step_000004"]  # what was scored
    assert (out / "eval.png").stat().st_size > 1000
    assert (out / "checkpoints" / "latest.txt").read_text().strip() == "step_000004"
    assert sorted(p.name for p in (out / "checkpoints").glob("step_*")) == ["step_000004"]  # kept: 1
    assert main(["--resume", "--out", str(tmp_path / "empty")]) == 2
    assert main(["--set", "nonsense=1", "--train", str(DATA)]) == 2
