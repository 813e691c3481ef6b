"""Per-category evaluation of a checkpoint on an SFT test set, FlagEval style (ability × task × metric).

    corpusloop evaluate --checkpoint out/train/checkpoints/step_000200 --data heldout.jsonl --out out/train

For every category of the test set: teacher-forced loss and perplexity on the assistant tokens, and where
the references allow a generation metric, greedy generation (KV cache) of the last assistant turn:

- exact match on the final answer for math (the last number after "####" / "answer is" / "答案是"
  or in the last line) and classification (the normalized label);
- ROUGE-L F1 for summarization, rewrite and translation (characters for Chinese, lowercased words
  otherwise).

Every category also gets `token_acc`: the share of assistant tokens the model predicts right
(teacher-forced argmax). A category's `score` is its generation metric, or `token_acc` where it has
none; higher is better, in [0, 1]; the overall score is the mean over categories.

Every evaluation appends one line to `eval.jsonl` (the history, read by the data-iteration loop),
rewrites `eval.json` (the latest), writes the generations to `generations/step_NNNNNN.jsonl` and
redraws `eval.png` (scores over steps).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from training.checkpoint import STATE_FILE, load_model, load_training_state
from training.data import IGNORE, ChatFormat, Example, collate, read_jsonl, single_rows
from training.model import Decoder, generate
from training.tokenizer import load_tokenizer

Task = tuple[str, str, str | None]  # (ability, task, generation metric or None)
# Generation metric of the categories whose references allow one; the rest are scored by perplexity.
METRICS = {"math": "exact_match", "classification": "exact_match",
           "summarization": "rouge_l", "rewrite": "rouge_l", "translation": "rouge_l"}
# category → FlagEval ability, as in configs/taxonomy.yaml (read from there when it is present)
ABILITIES = {
    "open_qa": "knowledge_application", "closed_qa": "simple_understanding", "brainstorming": "special_tasks",
    "rewrite": "special_tasks", "generation": "special_tasks", "math": "reasoning",
    "classification": "simple_understanding", "summarization": "simple_understanding",
    "code": "special_tasks", "extract": "simple_understanding", "translation": "special_tasks",
    "chat": "special_tasks",
}
TAXONOMY_FILE = Path(__file__).resolve().parents[1] / "configs" / "taxonomy.yaml"
UNCATEGORIZED = "uncategorized"


def load_taxonomy(path: str | Path | None = None) -> tuple[dict[str, Task], dict[str, str]]:
    """category → (ability, task, metric), and aliases (Chinese/English names → id).

    From the taxonomy file (default: configs/taxonomy.yaml) when it exists, else the built-in copy.
    """
    file = Path(path) if path else TAXONOMY_FILE
    abilities, aliases = dict(ABILITIES), {}
    if file.is_file():
        import yaml

        cats = (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("categories") or {}
        abilities = {c: str(v.get("flageval", "general")) for c, v in cats.items()}
        for c, v in cats.items():
            for name in (v.get("zh"), v.get("en")):
                if name:
                    aliases[str(name).strip().lower()] = c
    elif path:
        raise FileNotFoundError(f"no taxonomy file at {file}")
    return {c: (a, c, METRICS.get(c)) for c, a in abilities.items()}, aliases


TAXONOMY, ALIASES = load_taxonomy()


@dataclass(frozen=True)
class EvalConfig:
    max_new_tokens: int = 64  # greedy generation length
    max_examples: int = 0  # generation examples per category (0: all); the loss always uses all
    batch_size: int = 8  # conversations per teacher-forced batch
    taxonomy: dict[str, Task] = field(default_factory=lambda: dict(TAXONOMY))


def task_of(category: str, taxonomy: dict[str, Task] = TAXONOMY) -> Task:
    """(ability, task, metric) of a category id or name; unknown ones are ("general", category, None)."""
    key = category.strip().lower().replace(" ", "_")
    key = key if key in taxonomy else ALIASES.get(category.strip().lower(), key)
    return taxonomy.get(key, ("general", category or UNCATEGORIZED, None))


# ---- metrics -------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_UNIT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]|[^\W_]+")


def rouge_units(text: str) -> list[str]:
    """ROUGE units: each CJK character alone, other runs of letters/digits as lowercased words."""
    return [u if _CJK.match(u) else u.lower() for u in _UNIT.findall(unicodedata.normalize("NFKC", text))]


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (O(len(a)·len(b)) time, O(len(b)) memory)."""
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1 between two texts over `rouge_units` (character level for Chinese)."""
    p, r = rouge_units(prediction), rouge_units(reference)
    lcs = lcs_length(p, r)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(p), lcs / len(r)
    return 2 * precision * recall / (precision + recall)


_ANSWER_CUE = re.compile(r"####|final answer\s*(?:is)?\s*[:：]?|answer\s*(?:is|:|：)|答案\s*(?:是|为|：|:)|"
                         r"所以\s*(?:答案)?\s*(?:是|为)?|因此\s*(?:答案)?\s*(?:是|为)", re.IGNORECASE)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?")


def final_answer(text: str) -> str:
    """The final-answer part of a response: after the last answer cue, else its last non-empty line."""
    text = unicodedata.normalize("NFKC", text).strip()
    cues = list(_ANSWER_CUE.finditer(text))
    if cues and text[cues[-1].end():].strip():
        return text[cues[-1].end():].strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def final_number(text: str) -> str | None:
    """The last number of the final answer, normalized ('1,200.0' → '1200', '3/4' → '0.75'); None if none."""
    found = _NUMBER.findall(final_answer(text)) or _NUMBER.findall(unicodedata.normalize("NFKC", text))
    if not found:
        return None
    raw = found[-1].replace(",", "")
    if "/" in raw:
        num, den = raw.split("/")
        if float(den) == 0:
            return raw
        value = float(num) / float(den)
    else:
        value = float(raw)
    return str(int(value)) if value == int(value) else f"{value:.6g}"


def normalize_label(text: str) -> str:
    """A label compared case-, width- and punctuation-insensitively."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in text if not (c.isspace() or unicodedata.category(c).startswith("P")))


def exact_match(prediction: str, reference: str, task: str) -> float:
    """1.0 when the final answers agree: numbers for math, normalized labels otherwise."""
    if task == "math":
        ref = final_number(reference)
        if ref is not None:
            return float(final_number(prediction) == ref)
    return float(normalize_label(final_answer(prediction)) == normalize_label(final_answer(reference)))


def generation_metric(metric: str, prediction: str, reference: str, task: str) -> float:
    if metric == "exact_match":
        return exact_match(prediction, reference, task)
    if metric == "rouge_l":
        return rouge_l(prediction, reference)
    raise ValueError(f"unknown metric {metric!r}")


# ---- evaluation ----------------------------------------------------------------------------------


@torch.no_grad()
def example_losses(model: Decoder, examples: Sequence[Example], pad_id: int,
                   batch_size: int) -> list[tuple[float, int, int]]:
    """(summed cross-entropy, targets, targets predicted right by argmax) of each example, teacher-forced."""
    device = next(model.parameters()).device
    order = sorted(range(len(examples)), key=lambda i: len(examples[i]))  # similar lengths together
    out: list[tuple[float, int, int]] = [(0.0, 0, 0)] * len(examples)
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        batch = {k: v.to(device) for k, v in collate(single_rows([examples[i] for i in idx]), pad_id).items()}
        logits = model(batch["input_ids"], batch["position_ids"]).float()
        ce = F.cross_entropy(logits.transpose(1, 2), batch["labels"], ignore_index=IGNORE, reduction="none")
        mask = batch["labels"] != IGNORE
        right = (logits.argmax(-1) == batch["labels"]) & mask
        for j, i in enumerate(idx):
            out[i] = (float(ce[j][mask[j]].sum()), int(mask[j].sum()), int(right[j].sum()))
    return out


def evaluate_model(model: Decoder, fmt: ChatFormat, data: str | Path | Sequence[dict[str, Any]],
                   out_dir: str | Path, step: int, cfg: EvalConfig = EvalConfig(),
                   checkpoint: str | None = None) -> dict[str, Any]:
    """Evaluate per category, append to `out_dir/eval.jsonl`, write eval.json, generations and the chart."""
    t0 = time.perf_counter()
    records = list(read_jsonl(data)) if isinstance(data, str | Path) else list(data)
    was_training = model.training
    model.eval()
    threads = torch.get_num_threads()
    if next(model.parameters()).device.type == "cpu":
        # small one-sequence steps: thread hand-offs cost more than they save (×100 on a busy 2-core machine)
        torch.set_num_threads(1)
    try:
        result, generations = _evaluate(model, fmt, records, step, cfg)
    finally:
        torch.set_num_threads(threads)
        model.train(was_training)
    result |= {"checkpoint": checkpoint, "data": str(data) if isinstance(data, str | Path) else None,
               "seconds": round(time.perf_counter() - t0, 2)}
    result = finite(result)
    write_eval(out_dir, result, generations)
    return result


def _evaluate(model: Decoder, fmt: ChatFormat, records: list[dict[str, Any]], step: int,
              cfg: EvalConfig) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    examples = [fmt.encode(r, model.cfg.max_seq_len) for r in records]
    scored = [i for i, e in enumerate(examples) if e.n_targets > 0]
    losses = dict(zip(scored, example_losses(model, [examples[i] for i in scored], fmt.pad, cfg.batch_size),
                      strict=True))
    by_cat: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        by_cat.setdefault(str(r.get("category") or UNCATEGORIZED), []).append(i)
    categories: dict[str, dict[str, Any]] = {}
    generations: list[dict[str, Any]] = []
    for cat in sorted(by_cat):
        ability, task, metric = task_of(cat, cfg.taxonomy)
        idx = by_cat[cat]
        total = sum(losses[i][0] for i in idx if i in losses)
        count = sum(losses[i][1] for i in idx if i in losses)
        right = sum(losses[i][2] for i in idx if i in losses)
        loss = total / count if count else float("nan")
        nan = float("nan")
        entry: dict[str, Any] = {"ability": ability, "task": task, "metric": metric or "token_acc",
                                 "n": len(idx), "tokens": count, "loss": loss,
                                 "ppl": math.exp(loss) if count else nan,
                                 "token_acc": right / count if count else nan}
        if metric:
            gen_idx = [i for i in idx
                       if records[i]["messages"] and records[i]["messages"][-1]["role"] == "assistant"]
            if cfg.max_examples:
                gen_idx = gen_idx[:cfg.max_examples]
            values = []
            for i in gen_idx:
                msgs, reference = records[i]["messages"][:-1], records[i]["messages"][-1]["content"]
                ids = generate(model, fmt.prompt(msgs), cfg.max_new_tokens, (fmt.im_end, fmt.eos))
                prediction = fmt.tokenizer.decode(ids, skip_special_tokens=True)
                value = generation_metric(metric, prediction, reference, task)
                values.append(value)
                generations.append({"id": records[i].get("id", ""), "category": cat, "messages": msgs,
                                    "reference": reference, "prediction": prediction, metric: value})
            entry[metric] = sum(values) / len(values) if values else float("nan")
            entry["n_generated"] = len(values)
        entry["score"] = entry[metric or "token_acc"]
        categories[cat] = entry
    tot = sum(v[0] for v in losses.values())
    cnt = sum(v[1] for v in losses.values())
    right = sum(v[2] for v in losses.values())
    scores = [c["score"] for c in categories.values() if not math.isnan(c["score"])]
    abilities: dict[str, list[float]] = {}
    for c in categories.values():
        if not math.isnan(c["score"]):
            abilities.setdefault(c["ability"], []).append(c["score"])
    result = {
        "step": step, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "categories": categories,
        "abilities": {a: sum(v) / len(v) for a, v in sorted(abilities.items())},
        "overall": {"n": len(records), "tokens": cnt, "loss": tot / cnt if cnt else float("nan"),
                    "ppl": math.exp(tot / cnt) if cnt else float("nan"),
                    "token_acc": right / cnt if cnt else float("nan"),
                    "score": sum(scores) / len(scores) if scores else float("nan")},
    }
    return result, generations


def finite(obj: Any) -> Any:
    """NaN and infinities → None, so the files are strict JSON."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj


def write_eval(out_dir: str | Path, result: dict[str, Any],
               generations: Sequence[dict[str, Any]] = ()) -> None:
    """Append to eval.jsonl, rewrite eval.json, write the step's generations and redraw eval.png."""
    out = Path(out_dir)
    (out / "generations").mkdir(parents=True, exist_ok=True)
    line = json.dumps(result, ensure_ascii=False)
    with (out / "eval.jsonl").open("a", encoding="utf-8") as f:
        f.write(line + "\n")
    (out / "eval.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with (out / "generations" / f"step_{result['step']:06d}.jsonl").open("w", encoding="utf-8") as f:
        for g in generations:
            f.write(json.dumps(g, ensure_ascii=False) + "\n")
    plot_history(read_history(out), out / "eval.png")


def read_history(out_dir: str | Path) -> list[dict[str, Any]]:
    """Evaluations of a run in order (eval.jsonl); a later line for the same step replaces an earlier one."""
    path = Path(out_dir) / "eval.jsonl"
    if not path.is_file():
        return []
    by_step: dict[int, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            by_step[record["step"]] = record
    return [by_step[s] for s in sorted(by_step)]


def plot_history(history: Sequence[dict[str, Any]], path: str | Path) -> None:
    """Per-category score and loss over steps, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cats = sorted({c for h in history for c in h["categories"]})
    fig, (ax_s, ax_l) = plt.subplots(1, 2, figsize=(12, 4.4))
    colors = plt.get_cmap("tab20").colors  # 20 distinct colours: one per category
    for n, cat in enumerate(cats):
        pts = [(h["step"], h["categories"][cat]) for h in history if cat in h["categories"]]
        steps = [s for s, _ in pts]
        label = f"{cat} ({pts[-1][1]['metric']})"
        nan = float("nan")
        style = {"marker": "o", "color": colors[n % 20], "linestyle": "-" if n < 20 else "--"}
        ax_s.plot(steps, [nan if c["score"] is None else c["score"] for _, c in pts], label=label, **style)
        ax_l.plot(steps, [nan if c["loss"] is None else c["loss"] for _, c in pts], **style)
    ax_s.set(title="score per category", xlabel="step", ylabel="score (metric or token accuracy)")
    ax_l.set(title="assistant-token loss per category", xlabel="step", ylabel="loss")
    for ax in (ax_s, ax_l):
        ax.grid(alpha=0.3)
    if cats:
        ax_l.legend(*ax_s.get_legend_handles_labels(), fontsize=7, loc="center left",
                    bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _fmt(x: float | None) -> str:
    return "nan" if x is None else f"{x:.4f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="corpusloop evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True, metavar="DIR",
                        help="checkpoint folder (config.json, ...)")
    parser.add_argument("--data", required=True, metavar="JSONL",
                        help="SFT test set: messages JSONL with category")
    parser.add_argument("--out", metavar="DIR",
                        help="where eval.json/eval.jsonl go (default: the checkpoint)")
    parser.add_argument("--step", type=int, help="step to record (default: the checkpoint's, else 0)")
    parser.add_argument("--max-new-tokens", type=int, default=EvalConfig.max_new_tokens)
    parser.add_argument("--max-examples", type=int, default=EvalConfig.max_examples,
                        help="generation examples per category (0: all)")
    args = parser.parse_args(argv)
    folder = Path(args.checkpoint)
    if not (folder / "config.json").is_file():
        print(f"corpusloop evaluate: no checkpoint at {folder}", file=sys.stderr)
        return 2
    step = args.step
    if step is None:
        step = load_training_state(folder)["step"] if (folder / STATE_FILE).is_file() else 0
    model = load_model(folder)
    fmt = ChatFormat(load_tokenizer(folder))
    result = evaluate_model(model, fmt, args.data, args.out or folder, step,
                            EvalConfig(max_new_tokens=args.max_new_tokens, max_examples=args.max_examples),
                            checkpoint=str(folder))
    for cat, c in result["categories"].items():
        print(f"{cat:>20} ({c['ability']}/{c['task']}): n={c['n']} loss={_fmt(c['loss'])} "
              f"ppl={_fmt(c['ppl'])} {c['metric']}={_fmt(c[c['metric']])}")
    o = result["overall"]
    print(f"step={step} loss={_fmt(o['loss'])} ppl={_fmt(o['ppl'])} score={_fmt(o['score'])} "
          f"eval_json={Path(args.out or folder) / 'eval.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
