"""A LLaMA-style decoder (RMSNorm, RoPE, SwiGLU, optional grouped-query attention) for packed SFT batches.

Module and parameter names follow `transformers`' Llama (`embed_tokens`, `layers.N.self_attn.q_proj`, ...)
and RoPE uses the same rotate-half layout, so a checkpoint loads in `LlamaForCausalLM` unchanged
(training/checkpoint.py). Attention has three backends:

- `flash`: `flash_attn_varlen_func` over the packed tokens with `cu_seqlens` (CUDA + the flash-attn package);
- `sdpa`: `torch.nn.functional.scaled_dot_product_attention`; a packed batch gets a block-diagonal causal
  mask built from the position ids (a conversation starts wherever the position id is 0);
- `reference`: explicit softmax(QKᵀ/√d + mask)·V, the ground truth in tests.

`auto` (the default) takes `flash` for a half-precision pass (bf16 autocast) on CUDA when flash-attn
imports, `sdpa` otherwise; `Decoder.backend` records the one the last forward pass used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

BACKENDS = ("auto", "flash", "sdpa", "reference")


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = 32_000  # the shipped tokenizer's vocabulary (training/assets/tokenizer)
    dim: int = 256  # hidden size
    n_layers: int = 4
    n_heads: int = 4  # query heads; head_dim = dim // n_heads
    n_kv_heads: int | None = None  # grouped-query attention: key/value heads (None = n_heads, plain MHA)
    ffn_dim: int | None = None  # SwiGLU hidden size; None: LLaMA's 8/3·dim rounded up to `multiple_of`
    multiple_of: int = 64
    norm_eps: float = 1e-5  # RMSNorm epsilon (LLaMA-2: 1e-5)
    rope_theta: float = 10_000.0  # RoPE base (LLaMA-2: 1e4; LLaMA-3: 5e5)
    max_seq_len: int = 1024  # longest row; written as max_position_embeddings
    tie_embeddings: bool = False  # share the input embedding with the output head
    init_std: float = 0.02  # normal init of every linear and embedding weight
    attention: str = "auto"  # auto | flash | sdpa | reference

    def __post_init__(self) -> None:
        assert self.dim % self.n_heads == 0, "dim must be a multiple of n_heads"
        assert self.n_heads % self.kv_heads == 0, "n_heads must be a multiple of n_kv_heads"
        assert self.attention in BACKENDS, f"attention must be one of {BACKENDS}"

    @property
    def kv_heads(self) -> int:
        return self.n_kv_heads or self.n_heads

    @property
    def head_dim(self) -> int:
        return self.dim // self.n_heads

    @property
    def hidden_dim(self) -> int:
        if self.ffn_dim:
            return self.ffn_dim
        h = int(2 * 4 * self.dim / 3)
        return self.multiple_of * math.ceil(h / self.multiple_of)


def flash_attn_available() -> bool:
    """flash-attn imports and a CUDA device is present."""
    if not torch.cuda.is_available():
        return False
    try:
        import flash_attn  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_backend(name: str, device: torch.device | str) -> str:
    """The backend `auto` stands for on `device`; asking for `flash` without it raises."""
    on_cuda = torch.device(device).type == "cuda"
    if name == "auto":
        return "flash" if on_cuda and flash_attn_available() else "sdpa"
    if name == "flash" and not (on_cuda and flash_attn_available()):
        raise RuntimeError("attention=flash needs a CUDA device and `pip install flash-attn` (extra [gpu])")
    return name


def sequence_ids(position_ids: torch.Tensor) -> torch.Tensor:
    """(B, T) index of the conversation each token belongs to: a new one starts at every position id 0."""
    return torch.cumsum((position_ids == 0).to(torch.int32), dim=1)


def block_causal_mask(position_ids: torch.Tensor) -> torch.Tensor:
    """(B, 1, T, T) bool, True = may attend: same conversation and not in the future."""
    seq = sequence_ids(position_ids)
    t = position_ids.shape[1]
    causal = torch.ones(t, t, dtype=torch.bool, device=position_ids.device).tril()
    return ((seq[:, :, None] == seq[:, None, :]) & causal)[:, None]


def is_single_sequence(position_ids: torch.Tensor) -> bool:
    """Every row holds one conversation (padding rows): plain causal attention is exact."""
    return bool((position_ids[:, 1:] != 0).all())


def cu_seqlens(position_ids: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Cumulative sequence lengths over the flattened batch (int32, as flash-attn wants) and the longest."""
    flat = position_ids.reshape(-1)
    starts = torch.nonzero(flat == 0).flatten()
    assert starts.numel() > 0 and starts[0] == 0, "every row must start a conversation (position id 0)"
    ends = torch.cat([starts[1:], torch.tensor([flat.numel()], device=flat.device)])
    cu = torch.cat([torch.zeros(1, dtype=torch.int32, device=flat.device), ends.to(torch.int32)])
    return cu, int((ends - starts).max())


def reference_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                        mask: torch.Tensor) -> torch.Tensor:
    """Explicit attention: q, k, v (B, H, T, D) with k/v already repeated to H heads; mask (B, 1, T, S)."""
    scores = (q.float() @ k.float().transpose(-1, -2)) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~mask, float("-inf"))
    return (torch.softmax(scores, dim=-1) @ v.float()).to(q.dtype)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.float()  # normalise in fp32, like LlamaRMSNorm
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * h.to(x.dtype)


def rope_cos_sin(position_ids: torch.Tensor, head_dim: int,
                 theta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """cos, sin of shape (B, T, head_dim) in the rotate-half layout (frequencies repeated over two halves)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, device=position_ids.device).float() / head_dim))
    freqs = position_ids[..., None].float() * inv_freq  # (B, T, head_dim/2)
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos(), emb.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x (B, H, T, D) rotated by position: x·cos + rotate_half(x)·sin."""
    x1, x2 = x.chunk(2, dim=-1)
    rotated = torch.cat([-x2, x1], dim=-1)
    return (x * cos[:, None] + rotated * sin[:, None]).to(x.dtype)


KVCache = list[tuple[torch.Tensor, torch.Tensor]]


@dataclass
class AttnInputs:
    """What every layer's attention needs besides q, k, v; built once per forward pass."""

    backend: str
    mask: torch.Tensor | None = None  # (B, 1, T, T) block-diagonal causal; None: plain causal
    cu_seqlens: torch.Tensor | None = None  # flash: conversation boundaries over the flattened batch
    longest: int = 0

    @classmethod
    def build(cls, backend: str, position_ids: torch.Tensor, cached: bool) -> AttnInputs:
        if cached:  # generation builds its own small mask
            return cls(backend)
        if backend == "flash":
            cu, longest = cu_seqlens(position_ids)
            return cls(backend, cu_seqlens=cu, longest=longest)
        if backend == "sdpa" and is_single_sequence(position_ids):
            return cls(backend)
        return cls(backend, mask=block_causal_mask(position_ids))


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.n_heads, self.n_kv, self.head_dim = cfg.n_heads, cfg.kv_heads, cfg.head_dim
        self.q_proj = nn.Linear(cfg.dim, cfg.n_heads * cfg.head_dim, bias=False)
        self.k_proj = nn.Linear(cfg.dim, cfg.kv_heads * cfg.head_dim, bias=False)
        self.v_proj = nn.Linear(cfg.dim, cfg.kv_heads * cfg.head_dim, bias=False)
        self.o_proj = nn.Linear(cfg.n_heads * cfg.head_dim, cfg.dim, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, attn: AttnInputs,
                cache: tuple[torch.Tensor, torch.Tensor] | None = None,
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.n_heads, self.head_dim).transpose(1, 2)  # (B, H, T, D)
        k = self.k_proj(x).view(b, t, self.n_kv, self.head_dim).transpose(1, 2)  # (B, Hkv, T, D)
        v = self.v_proj(x).view(b, t, self.n_kv, self.head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if cache is not None:  # generation: one conversation, new tokens attend to everything cached
            k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
        new_cache = (k, v)
        if attn.backend == "flash":
            out = self._flash(q, k, v, attn)
        else:
            rep = self.n_heads // self.n_kv
            k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
            if cache is not None:
                s = k.shape[2]  # query i (absolute s - t + i) sees keys 0 .. s - t + i
                mask = torch.ones(t, s, dtype=torch.bool, device=x.device).tril(s - t)[None, None]
                if attn.backend == "reference":
                    out = reference_attention(q, k, v, mask)
                elif t == 1:  # one new token sees the whole cache: no mask needed
                    out = F.scaled_dot_product_attention(q, k, v)
                else:
                    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            elif attn.backend == "reference":
                out = reference_attention(q, k, v, attn.mask)
            elif attn.mask is None:  # one conversation a row: the plain causal kernel is exact
                out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            else:
                out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn.mask)
        return self.o_proj(out.transpose(1, 2).reshape(b, t, -1)), new_cache

    def _flash(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, attn: AttnInputs) -> torch.Tensor:
        from flash_attn import flash_attn_varlen_func

        b, h, t, d = q.shape
        assert k.shape[2] == t and attn.cu_seqlens is not None, "the flash path runs without a KV cache"
        flat = [z.transpose(1, 2).reshape(b * t, z.shape[1], d) for z in (q, k, v)]  # (B·T, H, D)
        out = flash_attn_varlen_func(*flat, attn.cu_seqlens, attn.cu_seqlens, attn.longest, attn.longest,
                                     causal=True)
        return out.view(b, t, h, d).transpose(1, 2)


class MLP(nn.Module):
    """SwiGLU: down(silu(gate(x)) · up(x))."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(cfg.dim, cfg.hidden_dim, bias=False)
        self.up_proj = nn.Linear(cfg.dim, cfg.hidden_dim, bias=False)
        self.down_proj = nn.Linear(cfg.hidden_dim, cfg.dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.mlp = MLP(cfg)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, attn: AttnInputs,
                cache: tuple[torch.Tensor, torch.Tensor] | None = None,
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        h, new_cache = self.self_attn(self.input_layernorm(x), cos, sin, attn, cache)
        x = x + h
        return x + self.mlp(self.post_attention_layernorm(x)), new_cache


class Decoder(nn.Module):
    """Token ids (B, T) and position ids (B, T) → logits (B, T, vocab)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.lm_head = nn.Linear(cfg.dim, cfg.vocab_size, bias=False)
        if cfg.tie_embeddings:
            self.lm_head.weight = self.embed_tokens.weight
        self.backend: str | None = None  # the attention backend of the last forward pass
        self.apply(self._init)

    def _init(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=self.cfg.init_std)

    def num_params(self, embeddings: bool = True) -> int:
        """Parameter count (a tied head once); without the input embedding if `embeddings` is False."""
        n = sum(p.numel() for p in self.parameters())
        return n if embeddings else n - self.embed_tokens.weight.numel()

    def _half_precision(self, device: torch.device) -> bool:
        dtype = self.embed_tokens.weight.dtype
        return dtype in (torch.float16, torch.bfloat16) or torch.is_autocast_enabled(device.type)

    def forward(self, input_ids: torch.Tensor, position_ids: torch.Tensor | None = None,
                cache: KVCache | None = None) -> torch.Tensor:
        logits, _ = self.forward_with_cache(input_ids, position_ids, cache)
        return logits

    def forward_with_cache(self, input_ids: torch.Tensor, position_ids: torch.Tensor | None = None,
                           cache: KVCache | None = None) -> tuple[torch.Tensor, KVCache]:
        """Logits and the per-layer (k, v) cache; with `cache`, `input_ids` continue a cached conversation."""
        b, t = input_ids.shape
        if position_ids is None:
            start = 0 if cache is None else cache[0][0].shape[2]
            position_ids = torch.arange(start, start + t, device=input_ids.device).expand(b, t)
        assert position_ids.shape == (b, t), "position_ids must be (B, T) like input_ids"
        assert t <= self.cfg.max_seq_len or cache is not None, f"row {t} > max_seq_len {self.cfg.max_seq_len}"
        backend = "sdpa" if cache is not None and self.cfg.attention != "reference" else \
            resolve_backend(self.cfg.attention, input_ids.device)
        if backend == "flash" and self.cfg.attention == "auto" and not self._half_precision(input_ids.device):
            backend = "sdpa"  # flash-attn runs only in fp16/bf16; an fp32 pass (e.g. evaluation) takes SDPA
        self.backend = backend
        attn = AttnInputs.build(backend, position_ids, cached=cache is not None)
        x = self.embed_tokens(input_ids)  # (B, T, dim)
        cos, sin = rope_cos_sin(position_ids, self.cfg.head_dim, self.cfg.rope_theta)
        cos, sin = cos.to(x.dtype), sin.to(x.dtype)
        new_cache: KVCache = []
        for i, layer in enumerate(self.layers):
            x, kv = layer(x, cos, sin, attn, None if cache is None else cache[i])
            new_cache.append(kv)
        return self.lm_head(self.norm(x)), new_cache  # (B, T, vocab)


def token_loss(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Summed next-token cross-entropy over labels != -100 (labels already shifted) and their count."""
    loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1),
                           ignore_index=-100, reduction="sum")
    return loss, int((labels != -100).sum())


@torch.no_grad()
def generate(model: Decoder, prompt: list[int], max_new_tokens: int, stop_ids: tuple[int, ...]) -> list[int]:
    """Greedy continuation of one prompt with a KV cache; stops after a token in `stop_ids` (not returned)."""
    device = next(model.parameters()).device
    ids = torch.tensor([prompt[-model.cfg.max_seq_len:]], device=device)
    logits, cache = model.forward_with_cache(ids)
    out: list[int] = []
    for _ in range(max_new_tokens):
        nxt = int(logits[0, -1].argmax())
        if nxt in stop_ids:
            break
        out.append(nxt)
        if cache[0][0].shape[2] >= model.cfg.max_seq_len:
            break
        logits, cache = model.forward_with_cache(torch.tensor([[nxt]], device=device), cache=cache)
    return out
