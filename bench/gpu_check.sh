#!/usr/bin/env bash
# GPU check of the trainer (issue 8), a few minutes on one NVIDIA GPU:
#   1. installs flash-attn if missing (pip; a failure, e.g. offline, leaves SDPA only and says so);
#   2. flash-attn varlen vs SDPA (block-diagonal mask) on the same packed bf16 batch: max |Δlogits|;
#   3. tokens/s and MFU of training steps of configs/train/gpu_100m.yaml (~100M non-embedding params,
#      bf16 autocast, fused AdamW, packed 2048-token rows) for each available backend;
#   4. a 10-step `corpusloop train` run with evaluation on synthetic SFT data (the real code path on CUDA).
# MFU = model FLOPs / (seconds × peak); model FLOPs per real token = 6·N (N: parameters without the
# input embedding, head included) + 12·L·d·c (attention matmuls, c = mean keys a token attends to in
# its own conversation: causal, per conversation). Peak: H100 SXM bf16 dense 989 TFLOP/s (PEAK_TFLOPS).
# Usage: bash bench/gpu_check.sh            (env: PYTHON, PEAK_TFLOPS, STEPS, COMPILE=1 to torch.compile)
#        DRY_RUN=1 bash bench/gpu_check.sh  (the same code on CPU with the demo config: checks the script)
# Last line: key=value pairs.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PEAK_TFLOPS="${PEAK_TFLOPS:-989}" STEPS="${STEPS:-20}" COMPILE="${COMPILE:-0}" DRY_RUN="${DRY_RUN:-0}"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# The first Python whose torch sees a GPU ($PYTHON, the project's .venv, python3): .venv may be a CPU build.
PY=""
for cand in "${PYTHON:-}" "$ROOT/.venv/bin/python" "$(command -v python3)"; do
  [[ -n "$cand" && -x "$cand" ]] || continue
  if [[ "$DRY_RUN" == 1 ]] || "$cand" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null
  then PY="$cand"; break; fi
done
if [[ -z "$PY" ]]; then
  echo "gpu=none flash_attn=no tokens_per_s=nan mfu=nan (no Python with a CUDA torch: nothing to check)"
  exit 1
fi
echo "python: $PY"
"$PY" -m pip --version >/dev/null 2>&1 || "$PY" -m ensurepip -q >/dev/null 2>&1
"$PY" -c "import yaml, tokenizers, safetensors, tqdm, matplotlib" 2>/dev/null \
  || "$PY" -m pip install -q pyyaml tokenizers safetensors tqdm matplotlib numpy
FLASH_NOTE="preinstalled"
if [[ "$DRY_RUN" == 1 ]]; then
  FLASH_NOTE="dry_run"
elif ! "$PY" -c "import flash_attn" 2>/dev/null; then
  echo "installing flash-attn (prebuilt wheel needs network; a source build takes long) ..."
  if timeout 240 "$PY" -m pip install -q --no-build-isolation "flash-attn>=2.6"; then
    FLASH_NOTE="installed"
  else
    FLASH_NOTE="install_failed"
    echo "flash-attn could not be installed: SDPA only"
  fi
fi
export FLASH_NOTE

"$PY" - <<'EOF'
import dataclasses
import json
import os
import random
import subprocess
import sys
import tempfile
import time

import torch

from training.data import collate, pack_best_fit, Row
from training.model import Decoder, flash_attn_available, token_loss
from training.train import load_config, make_optimizer

DRY = os.environ["DRY_RUN"] == "1"
torch.backends.cuda.matmul.allow_tf32 = True
dev = torch.device("cpu" if DRY else "cuda")
name = "cpu_dry_run" if DRY else torch.cuda.get_device_name(0)
config = "configs/train/demo.yaml" if DRY else "configs/train/gpu_100m.yaml"
cfg = load_config(config, ["batch_size=2"] if DRY else [])
mcfg, T, B = cfg.model, cfg.model.max_seq_len, cfg.batch_size


def sync() -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize()


def autocast():
    return torch.autocast(dev.type, dtype=torch.bfloat16)
have_flash = flash_attn_available()
print(f"device: {name}; torch {torch.__version__}; flash-attn: {have_flash} ({os.environ['FLASH_NOTE']})")

rng = random.Random(0)


def packed_batch(rows: int) -> tuple[dict, int, float]:
    """Packed rows from an SFT-like length mix (log-uniform 32..2048 tokens); real tokens; mean context."""
    lengths = []
    while sum(lengths) < rows * T * 0.97:
        lengths.append(min(T, int(2 ** rng.uniform(5, 11))))
    bins = pack_best_fit(lengths, T)[:rows]
    out, real, keys = [], 0, 0
    for b in bins:
        pos = [p for i in b for p in range(lengths[i])]
        ids = [rng.randrange(5, mcfg.vocab_size) for _ in pos]
        out.append(Row(ids, ids[1:] + [-100], pos))
        real += len(pos)
        keys += sum(lengths[i] * (lengths[i] + 1) // 2 for i in b)
    return collate(out, 0, pad_to=T), real, keys / real


def model_for(backend: str) -> Decoder:
    torch.manual_seed(0)
    return Decoder(dataclasses.replace(mcfg, attention=backend)).to(dev)


# 2. agreement on one packed batch, bf16 autocast, same weights
batch, _, _ = packed_batch(4)
batch = {k: v.to(dev) for k, v in batch.items()}
diff = float("nan")
with torch.no_grad(), autocast():
    sdpa = model_for("sdpa").eval()
    ref = sdpa(batch["input_ids"], batch["position_ids"]).float()
    if have_flash:
        flash = model_for("flash").eval()
        flash.load_state_dict(sdpa.state_dict())
        out = flash(batch["input_ids"], batch["position_ids"]).float()
        real = batch["labels"] != -100
        diff = (out - ref)[real].abs().max().item()
        print(f"flash vs sdpa: max |Δlogit| = {diff:.4f} (bf16; logits std {ref.std().item():.3f})")
    del sdpa

# 3. throughput and MFU
results = {}
for backend in (["flash"] if have_flash else []) + ["sdpa"]:
    model = model_for(backend)
    n_params = model.num_params(embeddings=False) + (model.embed_tokens.weight.numel() if mcfg.tie_embeddings else 0)
    step_fn = torch.compile(model) if os.environ["COMPILE"] == "1" else model
    opt = make_optimizer(model, cfg)
    steps, warm = (2, 1) if DRY else (int(os.environ["STEPS"]), 3)
    batches = [packed_batch(B) for _ in range(4)]
    batches = [({k: v.to(dev) for k, v in b.items()}, r, c) for b, r, c in batches]
    tokens = flops = 0.0
    for s in range(warm + steps):
        if s == warm:
            sync()
            t0 = time.perf_counter()
        b, real, ctx = batches[s % len(batches)]
        with autocast():
            logits = step_fn(b["input_ids"], b["position_ids"])
        summed, n = token_loss(logits, b["labels"])
        (summed / n).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if s >= warm:
            tokens += real
            flops += real * (6 * n_params + 12 * mcfg.n_layers * mcfg.dim * ctx)
    sync()
    sec = time.perf_counter() - t0
    tps = tokens / sec
    mfu = flops / sec / (float(os.environ["PEAK_TFLOPS"]) * 1e12)
    mem = torch.cuda.max_memory_allocated() / 2**30 if dev.type == "cuda" else float("nan")
    results[backend] = (tps, mfu)
    print(f"{backend}: {tps:,.0f} tokens/s, MFU {mfu:.1%} ({n_params / 1e6:.0f}M params, {B}×{T} rows, "
          f"{steps} steps, peak mem {mem:.1f} GiB)")
    del model, opt, step_fn, logits
    if dev.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()

# 4. the real CLI path: 10 steps + evaluation, bf16 autocast, flash when present
with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "sft.jsonl")
    words = ["data", "model", "学习", "数据", "the", "loop", "训练", "测试", "answer", "问题"]
    cats = ["math", "summarization", "open_qa"]
    with open(data, "w") as f:
        for i in range(400):
            q = " ".join(rng.choice(words) for _ in range(rng.randint(5, 60)))
            a = " ".join(rng.choice(words) for _ in range(rng.randint(5, 200)))
            f.write(json.dumps({"category": cats[i % 3], "messages": [
                {"role": "user", "content": q}, {"role": "assistant", "content": a}]}, ensure_ascii=False) + "\n")
    cmd = [sys.executable, "-m", "training.train", "--config", config, "--train", data,
           "--eval", data, "--out", os.path.join(tmp, "run"), "--max-steps", "10", "--no-progress",
           "--set", "eval_every=10", "--set", "save_every=10", "--set", "eval_max_examples=3",
           "--set", "warmup_steps=2", "--set", "batch_size=4", "--set", "eval_max_new_tokens=8"]
    if DRY:
        cmd += ["--max-steps", "2", "--set", "eval_every=2", "--set", "save_every=2"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    print(proc.stdout[-1500:], proc.stderr[-1500:] if proc.returncode else "")
    cli_ok = proc.returncode == 0 and os.path.isfile(os.path.join(tmp, "run", "eval.json"))

best = max(results, key=lambda k: results[k][0])
kv = {"gpu": name.replace(" ", "_"), "flash_attn": "yes" if have_flash else "no",
      "flash_vs_sdpa_max_abs": f"{diff:.4f}", "backend": best,
      "tokens_per_s": f"{results[best][0]:.0f}", "mfu": f"{results[best][1]:.3f}",
      "sdpa_tokens_per_s": f"{results['sdpa'][0]:.0f}", "sdpa_mfu": f"{results['sdpa'][1]:.3f}",
      "cli_train_eval": "ok" if cli_ok else "failed"}
print(" ".join(f"{k}={v}" for k, v in kv.items()))
EOF
