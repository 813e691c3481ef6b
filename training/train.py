"""Fine-tune the compact decoder on SFT conversations: an explicit loop, evaluation every N steps, DDP.

    corpusloop train --config configs/train/demo.yaml --train sft.jsonl --eval heldout.jsonl --out out/train
    torchrun --nproc_per_node 2 -m training.train --config ...   # DDP (gloo on CPU, nccl on CUDA)
    corpusloop train --out out/train --resume                     # continue from the latest checkpoint

AdamW, linear warmup then cosine decay (`lr_at`, a plain function of the step), gradient clipping and
accumulation, bf16 autocast on CUDA and fp32 on CPU. The loss of a step is the mean over every
assistant token of the global batch (all micro-batches, all processes), so a 2-process run takes the
same steps as a 1-process run with twice the batch. The run folder gets `run.json` (config, attention
backend, sizes), `train_log.jsonl`, checkpoints (training/checkpoint.py) and the evaluation history
(training/evaluate.py: `eval.jsonl`, `eval.json`, `eval.png`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import time
import types
import typing
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import yaml

from training.checkpoint import (
    latest_checkpoint,
    load_model,
    load_training_state,
    save_checkpoint,
    set_rng_state,
)
from training.data import Batches, ChatFormat, load_examples, packed_rows, single_rows
from training.evaluate import EvalConfig, evaluate_model
from training.model import Decoder, ModelConfig, flash_attn_available, resolve_backend, token_loss
from training.tokenizer import load_tokenizer


@dataclass(frozen=True)
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    train: tuple[str, ...] = ()  # messages JSONL files to train on
    eval: str | None = None  # held-out SFT test set (messages JSONL with `category`)
    out_dir: str = "out/train"
    tokenizer: str | None = None  # tokenizer folder; None: the shipped one (training/assets/tokenizer)
    packing: bool = True  # best-fit-decreasing packing; False: one conversation a row, padded
    batch_size: int = 8  # rows per micro-batch per process
    grad_accum: int = 1  # micro-batches per optimizer step
    max_steps: int = 200  # optimizer steps; the cosine reaches min_lr here
    lr: float = 3e-4  # peak learning rate
    min_lr: float = 3e-5  # floor of the cosine (nanoGPT: lr / 10)
    warmup_steps: int = 20  # linear warmup from lr / warmup_steps
    weight_decay: float = 0.1  # AdamW, on matrices only (not norms)
    beta1: float = 0.9
    beta2: float = 0.95  # LLaMA's AdamW betas
    grad_clip: float = 1.0  # max global gradient norm; 0 turns clipping off
    eval_every: int = 100  # steps between evaluations (and at the end); 0: only at the end
    save_every: int = 100  # steps between checkpoints (and at the end)
    keep_checkpoints: int = 0  # newest checkpoints kept in the run folder; 0: all
    log_every: int = 10  # steps between train_log.jsonl lines
    eval_max_examples: int = 0  # generation examples per category (0: all); loss always uses all
    eval_max_new_tokens: int = 64  # greedy generation length in evaluation
    seed: int = 1337
    device: str = "auto"  # auto (cuda if present) | cpu | cuda
    threads: int = 0  # torch CPU threads per process; 0: torch's default


class ConfigError(ValueError):
    """A config mapping that does not fit TrainConfig."""


def from_mapping(cls: type, data: dict[str, Any] | None, where: str = "") -> Any:
    """Dataclass `cls` from a mapping: unknown keys raise, nested dataclasses and tuples are built."""
    data = dict(data or {})
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ConfigError(f"{where or cls.__name__}: unknown key(s) {unknown}; known: {names}")
    kwargs = {}
    for name, value in data.items():
        kwargs[name] = _coerce(hints[name], value, f"{where or cls.__name__}.{name}")
    return cls(**kwargs)


def _coerce(tp: Any, value: Any, where: str) -> Any:
    """`value` checked against (and converted to) the field type `tp`; a mismatch raises ConfigError."""
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return from_mapping(tp, value, where)
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        return _coerce(next(a for a in args if a is not type(None)), value, where)
    if typing.get_origin(tp) is tuple:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return tuple(_coerce(args[0], v, where) for v in values)
    if tp is float:
        try:  # YAML 1.1 reads "3e-4" (no dot) as a string
            if not isinstance(value, bool):
                return float(value)
        except (TypeError, ValueError):
            pass
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if tp in (int, bool, str) and type(value) is not tp:
        raise ConfigError(f"{where}: expected {tp.__name__}, got {value!r}")
    return value


def to_mapping(cfg: Any) -> Any:
    """Plain dicts/lists of a (nested) dataclass config."""
    if dataclasses.is_dataclass(cfg):
        return {f.name: to_mapping(getattr(cfg, f.name)) for f in dataclasses.fields(cfg)}
    if isinstance(cfg, tuple | list):
        return [to_mapping(v) for v in cfg]
    return cfg


def load_config(path: str | Path | None, overrides: list[str] = (),
                base: dict[str, Any] | None = None) -> TrainConfig:
    """TrainConfig from a YAML file (or a saved mapping `base`) plus `key.sub=value` overrides (YAML)."""
    data: dict[str, Any] = json.loads(json.dumps(base)) if base else {}
    if path:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: top level must be a mapping")
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ConfigError(f"override {item!r} is not key=value")
        node = data
        *parents, last = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = yaml.safe_load(raw)
    return from_mapping(TrainConfig, data)


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Learning rate of optimizer step `step` (0-based): linear warmup, cosine to min_lr at max_steps."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    if step >= cfg.max_steps:
        return cfg.min_lr
    progress = (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps)
    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (cfg.lr - cfg.min_lr)


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on 2-D weights (matrices, embeddings), none on norm gains."""
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    fused = all(p.is_cuda for p in params)  # one kernel for the whole update on GPU
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), eps=1e-8, fused=fused or None)


def _device(cfg: TrainConfig, local_rank: int) -> torch.device:
    if cfg.device == "auto":
        return torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    return torch.device(f"cuda:{local_rank}" if cfg.device == "cuda" else cfg.device)


def _backend_note(backend: str, device: torch.device) -> str:
    if backend == "flash":
        return "flash (flash_attn varlen, cu_seqlens)"
    why = ("no CUDA device" if device.type != "cuda" else
           "flash-attn not installed" if not flash_attn_available() else "asked for in the config")
    return f"{backend} ({why}; block-diagonal causal mask for packed rows)"


def train(cfg: TrainConfig, resume: bool = False, stop_after: int | None = None,
          progress: bool = True) -> dict[str, Any]:
    """Run (or resume) training; returns {"step", "losses": [per step], "backend", "checkpoint"}.

    To resume, pass the run's saved config (`saved_config`), as `main` does; else schedule and data differ.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    device = _device(cfg, local_rank)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    if world > 1 and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    out = Path(cfg.out_dir)
    start = latest_checkpoint(out) if resume else None
    if resume and start is None:
        raise FileNotFoundError(f"--resume: no checkpoint under {out}/checkpoints")
    state = load_training_state(start) if start else None

    torch.manual_seed(cfg.seed)
    fmt = ChatFormat(load_tokenizer(cfg.tokenizer))
    if fmt.tokenizer.get_vocab_size() > cfg.model.vocab_size:
        raise ConfigError(f"model.vocab_size {cfg.model.vocab_size} < the tokenizer's "
                          f"{fmt.tokenizer.get_vocab_size()}")
    examples, skipped = load_examples(cfg.train, fmt, cfg.model.max_seq_len)
    if not examples:
        raise ValueError(f"no trainable conversation in {list(cfg.train)}")
    rows = packed_rows(examples, cfg.model.max_seq_len) if cfg.packing else single_rows(examples)
    batches = Batches(rows, cfg.batch_size, fmt.pad, cfg.seed, rank, world)

    model = load_model(start, cfg.model.attention) if start else Decoder(cfg.model)
    model.to(device)
    optimizer = make_optimizer(model, cfg)
    step = 0
    if state:
        optimizer.load_state_dict(state["optimizer"])
        set_rng_state(state["rng"])
        batches.seek(state["data_position"])
        step = state["step"]
    ddp = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else None
    net = ddp or model
    backend = resolve_backend(cfg.model.attention, device)

    def autocast() -> Any:
        return torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else nullcontext()

    main_proc = rank == 0
    if main_proc:
        out.mkdir(parents=True, exist_ok=True)
        info = {"config": to_mapping(cfg), "attention_backend": backend, "device": str(device),
                "world_size": world, "params": model.num_params(), "conversations": len(examples),
                "skipped_no_target": skipped, "rows": len(rows),
                "resumed_from": str(start) if start else None}
        (out / "run.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
        print(f"attention backend: {_backend_note(backend, device)}", flush=True)
        print(f"model {model.num_params() / 1e6:.2f}M params, {len(examples)} conversations in "
              f"{len(rows)} rows "
              f"({'packed' if cfg.packing else 'padded'}), {world} process(es) on {device}", flush=True)

    def run_eval(at: int, ckpt: Path | None) -> None:
        if cfg.eval and main_proc:
            with autocast():
                evaluate_model(model, fmt, cfg.eval, out, at,
                               EvalConfig(max_new_tokens=cfg.eval_max_new_tokens,
                                          max_examples=cfg.eval_max_examples),
                               checkpoint=str(ckpt) if ckpt else None)
        if world > 1:
            dist.barrier()

    def checkpoint(at: int) -> Path | None:
        folder = None
        if main_proc:
            folder = save_checkpoint(out, model, optimizer, at, batches.position(), to_mapping(cfg),
                                     cfg.tokenizer, keep=cfg.keep_checkpoints)
        if world > 1:
            dist.barrier()
        return folder

    losses: list[float] = []
    bar = None
    if progress and main_proc:
        from tqdm import tqdm

        bar = tqdm(total=cfg.max_steps, initial=step, desc="train", dynamic_ncols=True)
    log = (out / "train_log.jsonl").open("a", encoding="utf-8") if main_proc else None
    last_ckpt, saved_at = None, -1
    end = cfg.max_steps if stop_after is None else min(cfg.max_steps, stop_after)
    t0, tokens_seen = time.perf_counter(), 0
    model.train()
    while step < end:
        lr = lr_at(step, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        micro = [{k: v.to(device) for k, v in batches.next().items()} for _ in range(cfg.grad_accum)]
        counts = torch.tensor([sum(int((m["labels"] != -100).sum()) for m in micro),
                               sum(int((m["input_ids"] != fmt.pad).sum()) for m in micro)], device=device)
        if world > 1:
            dist.all_reduce(counts)
        n_targets, n_tokens = int(counts[0]), int(counts[1])
        loss_sum = torch.zeros((), device=device)
        for i, m in enumerate(micro):
            sync = ddp.no_sync() if ddp is not None and i < len(micro) - 1 else nullcontext()
            with sync:
                with autocast():
                    logits = net(m["input_ids"], m["position_ids"])  # (B, T, vocab)
                summed, _ = token_loss(logits, m["labels"])
                # DDP averages gradients over processes: scale so the result is the global token mean
                (summed * world / max(n_targets, 1)).backward()
            loss_sum += summed.detach()
        if world > 1:
            dist.all_reduce(loss_sum)
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip or float("inf"))
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        loss = float(loss_sum) / max(n_targets, 1)
        losses.append(loss)
        tokens_seen += n_tokens
        tok_s = tokens_seen / max(time.perf_counter() - t0, 1e-9)
        if bar is not None:
            bar.set_postfix(loss=f"{loss:.4f}", tok_s=f"{tok_s:,.0f}", lr=f"{lr:.2e}")
            bar.update(1)
        if log is not None and (step % cfg.log_every == 0 or step == end):
            log.write(json.dumps({"step": step, "loss": loss, "lr": lr, "grad_norm": float(grad_norm),
                                  "tokens": n_tokens, "tokens_per_s": tok_s}) + "\n")
            log.flush()
        if (cfg.save_every and step % cfg.save_every == 0) or step == end:
            last_ckpt, saved_at = checkpoint(step), step
        if (cfg.eval_every and step % cfg.eval_every == 0) or step == cfg.max_steps:
            model.eval()
            run_eval(step, last_ckpt if saved_at == step else None)  # eval.json names the weights it scored
            model.train()
    if bar is not None:
        bar.close()
    if log is not None:
        log.close()
    agree = ranks_agree(model) if world > 1 else True
    return {"step": step, "losses": losses, "backend": backend, "ranks_agree": agree,
            "checkpoint": str(last_ckpt) if last_ckpt else None}


def ranks_agree(model: torch.nn.Module) -> bool:
    """Every process holds bit-identical weights (a DDP sanity check at the end of a run)."""
    digest = torch.stack([p.detach().double().sum() for p in model.parameters()])  # on the NCCL/gloo device
    gathered = [torch.empty_like(digest) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, digest)
    return all(torch.equal(g, gathered[0]) for g in gathered)


def saved_config(run_dir: str | Path) -> dict[str, Any]:
    """The config mapping saved with a run's latest checkpoint."""
    folder = latest_checkpoint(run_dir)
    if folder is None:
        raise ConfigError(f"--resume: no checkpoint under {run_dir}/checkpoints")
    return json.loads((folder / "train_config.json").read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="corpusloop train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="YAML (configs/train/*.yaml); keys of TrainConfig")
    parser.add_argument("--train", action="append", metavar="JSONL", help="messages JSONL; repeatable")
    parser.add_argument("--eval", metavar="JSONL", help="held-out SFT test set with categories")
    parser.add_argument("--out", metavar="DIR", help="run folder (checkpoints, logs, eval history)")
    parser.add_argument("--max-steps", type=int)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config key, e.g. model.dim=128 or lr=1e-3; repeatable")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the run folder's latest checkpoint")
    parser.add_argument("--stop-after", type=int, metavar="STEP",
                        help="stop (with a checkpoint) after this step, as if interrupted")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    overrides = list(args.set)
    if args.train:
        overrides.append(f"train={json.dumps(args.train)}")
    for key, value in (("eval", args.eval), ("out_dir", args.out), ("max_steps", args.max_steps)):
        if value is not None:
            overrides.append(f"{key}={json.dumps(value)}")
    try:
        base = saved_config(args.out or load_config(args.config, overrides).out_dir) if args.resume else None
        cfg = load_config(None if base else args.config, overrides, base)
    except (ConfigError, TypeError, AssertionError, OSError) as exc:
        print(f"corpusloop train: {exc}", file=sys.stderr)
        return 2
    if not cfg.train and not args.resume:
        print("corpusloop train: no training data (--train or `train:` in the config)", file=sys.stderr)
        return 2
    result = train(cfg, resume=args.resume, stop_after=args.stop_after, progress=not args.no_progress)
    if int(os.environ.get("RANK", "0")) == 0:
        final = result["losses"][-1] if result["losses"] else float("nan")
        print(f"step={result['step']} loss={final:.4f} backend={result['backend']} "
              f"ranks_agree={result['ranks_agree']} checkpoint={result['checkpoint']}", flush=True)
    if dist.is_initialized():
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
