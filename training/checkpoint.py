"""Llama-compatible checkpoints: `config.json` + `model.safetensors` + the tokenizer, and the training state.

A checkpoint folder loads in `transformers.LlamaForCausalLM.from_pretrained(folder)` and
`AutoTokenizer.from_pretrained(folder)` as it is. Beside the weights, `training_state.pt` holds what a
resumed run needs: optimizer, step, RNG states, data position and the training config.

    out/run/checkpoints/step_000200/{config.json, model.safetensors, tokenizer.json, ..., training_state.pt}
    out/run/checkpoints/latest.txt  # the name of the newest complete checkpoint
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from training.model import Decoder, ModelConfig
from training.tokenizer import BOS, DEFAULT_DIR, EOS, PAD, load_tokenizer

STATE_FILE = "training_state.pt"
LATEST = "latest.txt"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def hf_config(cfg: ModelConfig, tokenizer_dir: str | Path | None = None) -> dict[str, Any]:
    """The `config.json` of a LlamaForCausalLM with this architecture (fp32 weights)."""
    tok = load_tokenizer(tokenizer_dir)
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": cfg.vocab_size,
        "hidden_size": cfg.dim,
        "intermediate_size": cfg.hidden_dim,
        "num_hidden_layers": cfg.n_layers,
        "num_attention_heads": cfg.n_heads,
        "num_key_value_heads": cfg.kv_heads,
        "head_dim": cfg.head_dim,
        "hidden_act": "silu",
        "max_position_embeddings": cfg.max_seq_len,
        "rms_norm_eps": cfg.norm_eps,
        "rope_theta": cfg.rope_theta,  # transformers 4.x
        "rope_parameters": {"rope_type": "default", "rope_theta": cfg.rope_theta},  # transformers 5.x
        "tie_word_embeddings": cfg.tie_embeddings,
        "attention_bias": False,
        "mlp_bias": False,
        "initializer_range": cfg.init_std,
        "bos_token_id": tok.token_to_id(BOS),
        "eos_token_id": tok.token_to_id(EOS),
        "pad_token_id": tok.token_to_id(PAD),
        "torch_dtype": "float32",
        "use_cache": True,
        "corpusloop_model": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__},
    }


def model_config_from_hf(config: dict[str, Any]) -> ModelConfig:
    """Our ModelConfig from a Llama `config.json` (ours or any plain Llama without RoPE scaling)."""
    if "corpusloop_model" in config:
        return ModelConfig(**config["corpusloop_model"])
    rope = config.get("rope_parameters") or {}
    if rope.get("rope_type", "default") != "default" or config.get("rope_scaling"):
        raise ValueError("RoPE scaling is not supported by training.model")
    return ModelConfig(
        vocab_size=config["vocab_size"], dim=config["hidden_size"], n_layers=config["num_hidden_layers"],
        n_heads=config["num_attention_heads"], n_kv_heads=config.get("num_key_value_heads"),
        ffn_dim=config["intermediate_size"], norm_eps=config["rms_norm_eps"],
        rope_theta=rope.get("rope_theta", config.get("rope_theta", 10_000.0)),
        max_seq_len=config.get("max_position_embeddings", 1024),
        tie_embeddings=config.get("tie_word_embeddings", False))


def hf_state_dict(model: Decoder) -> dict[str, torch.Tensor]:
    """Weights under LlamaForCausalLM's names; a tied head is left out (transformers re-ties it)."""
    out = {}
    for name, tensor in model.state_dict().items():
        if name == "lm_head.weight":
            if not model.cfg.tie_embeddings:
                out[name] = tensor
            continue
        out[f"model.{name}"] = tensor
    return {k: v.detach().to("cpu").contiguous().clone() for k, v in out.items()}


def save_model(model: Decoder, folder: str | Path, tokenizer_dir: str | Path | None = None) -> Path:
    """Write config.json, model.safetensors and the tokenizer files into `folder`."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    save_file(hf_state_dict(model), str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(hf_config(model.cfg, tokenizer_dir), indent=2) + "\n")
    tok_dir = Path(tokenizer_dir) if tokenizer_dir else DEFAULT_DIR
    for name in TOKENIZER_FILES:
        if (tok_dir / name).is_file():
            shutil.copyfile(tok_dir / name, out / name)
    gen = {"bos_token_id": None, "eos_token_id": [load_tokenizer(tok_dir).token_to_id(t)
                                                  for t in ("<|im_end|>", EOS)], "do_sample": False}
    (out / "generation_config.json").write_text(json.dumps(gen, indent=2) + "\n")
    return out


def load_model(folder: str | Path, attention: str | None = None) -> Decoder:
    """A Decoder with the weights of a checkpoint folder (fp32, on CPU)."""
    folder = Path(folder)
    cfg = model_config_from_hf(json.loads((folder / "config.json").read_text()))
    if attention:
        cfg = dataclasses.replace(cfg, attention=attention)
    model = Decoder(cfg)
    weights = {k.removeprefix("model."): v for k, v in load_file(str(folder / "model.safetensors")).items()}
    if cfg.tie_embeddings:
        weights.pop("lm_head.weight", None)
        missing, unexpected = model.load_state_dict(weights, strict=False)
        missing = [m for m in missing if m != "lm_head.weight"]
    else:
        missing, unexpected = model.load_state_dict(weights, strict=False)
    if missing or unexpected:
        raise ValueError(f"{folder}: missing weights {missing}, unexpected {unexpected}")
    return model


def rng_state() -> dict[str, Any]:
    """Python, NumPy, torch (and CUDA) generator states."""
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(run_dir: str | Path, model: Decoder, optimizer: torch.optim.Optimizer, step: int,
                    data_position: dict[str, int], train_config: dict[str, Any],
                    tokenizer_dir: str | Path | None = None, keep: int = 0) -> Path:
    """`run_dir/checkpoints/step_NNNNNN/` with the model, tokenizer and training state; updates latest.txt.

    `keep` > 0: only the newest `keep` checkpoints stay; older ones are deleted once this one is complete.
    """
    root = Path(run_dir) / "checkpoints"
    folder = save_model(model, root / f"step_{step:06d}", tokenizer_dir)
    state = {"step": step, "optimizer": optimizer.state_dict(), "rng": rng_state(),
             "data_position": dict(data_position), "config": train_config}
    torch.save(state, folder / STATE_FILE)
    (folder / "train_config.json").write_text(json.dumps(train_config, indent=2, ensure_ascii=False) + "\n")
    (root / LATEST).write_text(folder.name + "\n")  # written last: a crash mid-save keeps the older one
    if keep > 0:
        for old in sorted(root.glob("step_*"))[:-keep]:
            shutil.rmtree(old)
    return folder


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    """The newest complete checkpoint folder of a run, or None."""
    marker = Path(run_dir) / "checkpoints" / LATEST
    if not marker.is_file():
        return None
    folder = marker.parent / marker.read_text().strip()
    return folder if (folder / STATE_FILE).is_file() else None


def load_training_state(folder: str | Path) -> dict[str, Any]:
    """The dict saved by `save_checkpoint` (optimizer, step, rng, data_position, config)."""
    return torch.load(Path(folder) / STATE_FILE, map_location="cpu", weights_only=False)
