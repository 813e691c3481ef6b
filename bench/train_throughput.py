"""Training throughput: packed vs padded batches of our decoder, and against HF `Trainer` + LlamaForCausalLM.

    .venv/bin/python bench/train_throughput.py [--budget 12000] [--threads 1] [--no-hf]

Input: a realistic SFT length mix from ../shared/data/sft (LLaMA-Factory's alpaca_en/zh demo sets and
ruozhiba, Alpaca format → one user/assistant conversation each), tokenized with the shipped tokenizer,
cut at 512 tokens; conversations are taken in a fixed shuffled order until `--budget` tokens.

Three runs over exactly the same conversations, one epoch each, same model size (the demo config with
512-token rows), fp32 on CPU, AdamW, full forward + backward + step. The runs take their steps in turn
(each timed on its own steps only), so load from other processes on a shared machine hits all alike:

- packed: best-fit-decreasing rows of 512 tokens, 4 rows a step, block-diagonal attention;
- padded: one conversation a row, 8 a step in random order, padded to the longest (the HF default);
- hf: `transformers.Trainer` with `LlamaForCausalLM` (SDPA attention) of the same config, batch 8, padded,
  timed over its optimizer steps (a callback); after each of its steps the two runs above catch up.

tokens/s counts only real (non-pad) tokens: prompt and answer tokens of the conversations, divided by
the wall time of the training loop. HF's Trainer needs `accelerate`; without it hf_ratio is nan.
Last line: ratio=<packed/padded> packed_tokens_per_s=… padded_tokens_per_s=… hf_ratio=<packed/HF>.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from training.checkpoint import hf_config
from training.data import IGNORE, ChatFormat, Example, collate, packed_rows, single_rows
from training.model import Decoder, ModelConfig, token_loss
from training.tokenizer import load_tokenizer
from training.train import TrainConfig, make_optimizer

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "sft"
SOURCES = ("llamafactory_demo/alpaca_en_demo.json", "llamafactory_demo/alpaca_zh_demo.json",
           "ruozhiba_zh_sft/ruozhiba_qa2449_gpt4o.json")
MAX_LEN = 512
PACKED_ROWS, PADDED_BATCH = 4, 8


def load_mix(fmt: ChatFormat, budget: int, seed: int) -> list[Example]:
    """Conversations from the shared Alpaca files, shuffled, until `budget` tokens."""
    records = []
    for name in SOURCES:
        for item in json.loads((SHARED / name).read_text(encoding="utf-8")):
            prompt = "\n\n".join(p for p in (item.get("instruction", ""), item.get("input", "")) if p)
            if prompt and item.get("output"):
                records.append({"messages": [{"role": "user", "content": prompt},
                                             {"role": "assistant", "content": item["output"]}]})
    random.Random(seed).shuffle(records)
    out, total = [], 0
    for r in records:
        ex = fmt.encode(r, MAX_LEN)
        if ex.n_targets == 0:
            continue
        out.append(ex)
        total += len(ex)
        if total >= budget:
            break
    return out


def steps_ours(cfg: ModelConfig, rows: list, batch: int, pad_id: int,
               seed: int) -> Iterator[tuple[float, int, float]]:
    """One epoch over `rows` (shuffled), a step at a time: (seconds of the step, real tokens, share done)."""
    torch.manual_seed(seed)
    model = Decoder(cfg)
    opt = make_optimizer(model, TrainConfig(model=cfg))
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    for s in range(0, len(order), batch):
        t0 = time.perf_counter()
        b = collate([rows[i] for i in order[s:s + batch]], pad_id)
        summed, n = token_loss(model(b["input_ids"], b["position_ids"]), b["labels"])
        (summed / max(n, 1)).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        yield time.perf_counter() - t0, int((b["input_ids"] != pad_id).sum()), (s + batch) / len(order)


class Interleaved:
    """Runs stepped in turn, always the one least far along, so load from other processes hits them alike.

    Each run is timed over its own steps only: `totals[name]` = [seconds, real tokens, share done].
    """

    def __init__(self, runs: dict[str, Iterator[tuple[float, int, float]]]) -> None:
        self.live = dict(runs)
        self.totals = {name: [0.0, 0, 0.0] for name in runs}

    def advance(self, upto: float = float("inf")) -> None:
        """Step the runs until each is at least `upto` (a share of its epoch) along, or finished."""
        while True:
            behind = [n for n in self.live if self.totals[n][2] < upto]
            if not behind:
                return
            name = min(behind, key=lambda n: self.totals[n][2])
            try:
                sec, tokens, done = next(self.live[name])
            except StopIteration:
                del self.live[name]
                continue
            t = self.totals[name]
            t[0], t[1], t[2] = t[0] + sec, t[1] + tokens, done


def run_hf(cfg: ModelConfig, examples: list[Example], pad_id: int, seed: int,
           ours: Interleaved) -> tuple[float, int] | None:
    """Seconds of HF Trainer's optimizer steps over one epoch and the real tokens; None without accelerate.

    After each HF step our runs catch up to the same share of their epoch, so all three share the load.
    """
    try:
        import accelerate  # noqa: F401
    except ImportError:
        print("hf: `accelerate` is not installed (pip install accelerate): skipped", flush=True)
        return None
    from transformers import LlamaConfig, LlamaForCausalLM, Trainer, TrainerCallback, TrainingArguments

    class StepTimer(TrainerCallback):
        seconds, began = 0.0, 0.0

        def on_step_begin(self, args, state, control, **kwargs):
            self.began = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            self.seconds += time.perf_counter() - self.began
            ours.advance(state.global_step / state.max_steps)

    torch.manual_seed(seed)
    config = {k: v for k, v in hf_config(cfg).items() if k != "corpusloop_model"}
    model = LlamaForCausalLM(LlamaConfig(**config, attn_implementation="sdpa"))
    # HF shifts labels itself: unshifted labels are the ids where the shifted label is a target
    data = []
    for ex in examples:
        labels = [IGNORE, *ex.labels[:-1]]
        data.append({"input_ids": ex.input_ids, "labels": labels})

    def pad(batch: list[dict]) -> dict[str, torch.Tensor]:
        t = max(len(b["input_ids"]) for b in batch)
        ids = torch.full((len(batch), t), pad_id)
        labels = torch.full((len(batch), t), IGNORE)
        mask = torch.zeros((len(batch), t), dtype=torch.long)
        for i, b in enumerate(batch):
            n = len(b["input_ids"])
            ids[i, :n], labels[i, :n] = torch.tensor(b["input_ids"]), torch.tensor(b["labels"])
            mask[i, :n] = 1
        return {"input_ids": ids, "labels": labels, "attention_mask": mask}

    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(output_dir=tmp, per_device_train_batch_size=PADDED_BATCH, num_train_epochs=1,
                                 learning_rate=1e-3, weight_decay=0.1, max_grad_norm=1.0,
                                 logging_steps=10_000,
                                 save_strategy="no", report_to=[], use_cpu=True, dataloader_num_workers=0,
                                 disable_tqdm=True, seed=seed)
        timer = StepTimer()
        trainer = Trainer(model=model, args=args, train_dataset=data, data_collator=pad, callbacks=[timer])
        trainer.train()
    return timer.seconds, sum(len(ex) for ex in examples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=int, default=12_000, help="real tokens per run")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads, the same for every run (1: steady on a shared machine)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-hf", action="store_true", help="skip the HF Trainer run")
    args = parser.parse_args(argv)
    if not all((SHARED / s).is_file() for s in SOURCES):
        print(f"skipped: the SFT files under {SHARED} are absent")
        return 0
    torch.set_num_threads(args.threads)
    fmt = ChatFormat(load_tokenizer())
    examples = load_mix(fmt, args.budget, args.seed)
    lengths = sorted(len(e) for e in examples)
    cfg = ModelConfig(dim=128, n_layers=4, n_heads=4, n_kv_heads=2, max_seq_len=MAX_LEN, tie_embeddings=True,
                      attention="sdpa")
    packed = packed_rows(examples, MAX_LEN)
    fill = sum(lengths) / (len(packed) * MAX_LEN)
    order = list(range(len(examples)))
    random.Random(args.seed).shuffle(order)  # the padded run's batches, as steps_ours draws them
    slots = sum(len(chunk) * max(len(examples[i]) for i in chunk)
                for chunk in (order[s:s + PADDED_BATCH] for s in range(0, len(order), PADDED_BATCH)))
    print(f"{len(examples)} conversations, {sum(lengths)} tokens (median {lengths[len(lengths) // 2]}, "
          f"max {lengths[-1]}); {len(packed)} packed rows, {fill:.1%} real tokens; padded batches "
          f"{sum(lengths) / slots:.1%} real tokens; "
          f"model {Decoder(cfg).num_params() / 1e6:.1f}M params, {args.threads} threads", flush=True)
    ours = Interleaved({"packed": steps_ours(cfg, packed, PACKED_ROWS, fmt.pad, args.seed),
                        "padded": steps_ours(cfg, single_rows(examples), PADDED_BATCH, fmt.pad, args.seed)})
    hf = None if args.no_hf else run_hf(cfg, examples, fmt.pad, args.seed, ours)
    ours.advance()  # whatever is left (all of it without the HF run)
    (sec_p, tok_p, _), (sec_d, tok_d, _) = ours.totals["packed"], ours.totals["padded"]
    print(f"packed: {tok_p} tokens in {sec_p:.1f} s; padded: {tok_d} tokens in {sec_d:.1f} s", flush=True)
    packed_tps, padded_tps = tok_p / sec_p, tok_d / sec_d
    hf_ratio = float("nan")
    if hf is not None:
        print(f"hf: {hf[1]} tokens in {hf[0]:.1f} s", flush=True)
        hf_ratio = packed_tps / (hf[1] / hf[0])
    print(f"ratio={packed_tps / padded_tps:.2f} packed_tokens_per_s={packed_tps:.0f} "
          f"padded_tokens_per_s={padded_tps:.0f} hf_ratio={hf_ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
