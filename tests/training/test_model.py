"""The decoder: attention masks and backends, KV-cache generation, Llama-compatible checkpoints."""

from __future__ import annotations

import sys
import types

import pytest
import torch

from training.checkpoint import load_model, save_model
from training.model import (
    Decoder,
    ModelConfig,
    block_causal_mask,
    cu_seqlens,
    generate,
    reference_attention,
    resolve_backend,
    sequence_ids,
)

TINY = dict(vocab_size=32_000, dim=32, n_layers=2, n_heads=4, max_seq_len=64)


def loop_mask(position_ids: torch.Tensor) -> torch.Tensor:
    """The block-diagonal causal mask written out with loops: the definition the fast one must match."""
    b, t = position_ids.shape
    mask = torch.zeros(b, 1, t, t, dtype=torch.bool)
    for r in range(b):
        seq, s = [], -1
        for p in position_ids[r].tolist():
            s += p == 0
            seq.append(s)
        for i in range(t):
            for j in range(i + 1):
                mask[r, 0, i, j] = seq[i] == seq[j]
    return mask


def packed_positions(lengths: list[list[int]], t: int) -> torch.Tensor:
    rows = []
    for row in lengths:
        pos = [p for n in row for p in range(n)]
        rows.append(pos + list(range(t - len(pos))))  # padding tail: a sequence of its own
    return torch.tensor(rows)


def test_block_causal_mask_matches_loop_definition() -> None:
    pos = packed_positions([[3, 5, 2], [10], [1, 1, 4]], 12)
    assert torch.equal(block_causal_mask(pos), loop_mask(pos))
    assert sequence_ids(pos)[0].tolist() == [1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4, 4]
    m = block_causal_mask(pos)[0, 0]
    assert m[3, 3] and not m[3, 2] and m[7, 3] and not m[8, 7]  # no look across a conversation boundary


def test_cu_seqlens_over_flattened_batch() -> None:
    pos = packed_positions([[3, 5], [6, 2]], 8)
    cu, longest = cu_seqlens(pos)
    assert cu.tolist() == [0, 3, 8, 14, 16] and cu.dtype == torch.int32 and longest == 6


@pytest.mark.parametrize("n_kv_heads", [None, 2])
def test_packed_sdpa_equals_reference_on_each_sequence_alone(n_kv_heads: int | None) -> None:
    torch.manual_seed(0)
    cfg = ModelConfig(**TINY, n_kv_heads=n_kv_heads, attention="sdpa")
    model = Decoder(cfg).eval()
    lengths = [[5, 9, 2], [16]]
    pos = packed_positions(lengths, 16)
    ids = torch.randint(5, 32_000, pos.shape)
    ref = Decoder(ModelConfig(**TINY, n_kv_heads=n_kv_heads, attention="reference")).eval()
    ref.load_state_dict(model.state_dict())
    with torch.no_grad():
        packed = model(ids, pos)
        assert model.backend == "sdpa"
        assert torch.allclose(packed, ref(ids, pos), atol=1e-5)
        for r, row in enumerate(lengths):
            start = 0
            for n in row:  # each conversation alone, through the explicit reference attention
                alone = ref(ids[r:r + 1, start:start + n])
                assert torch.allclose(packed[r:r + 1, start:start + n], alone, atol=1e-5)
                start += n


def test_reference_attention_is_softmax_of_masked_scores() -> None:
    torch.manual_seed(1)
    q, k, v = (torch.randn(1, 1, 3, 4) for _ in range(3))
    mask = torch.tensor([[True, False, False], [True, True, False], [False, False, True]])[None, None]
    out = reference_attention(q, k, v, mask)
    w = torch.softmax((q[0, 0, 1] @ k[0, 0, :2].T) / 2.0, dim=-1)
    assert torch.allclose(out[0, 0, 1], w @ v[0, 0, :2], atol=1e-6)
    assert torch.allclose(out[0, 0, 2], v[0, 0, 2], atol=1e-6)  # only itself to attend to


def test_backend_choice_on_cpu() -> None:
    assert resolve_backend("auto", "cpu") == "sdpa"
    with pytest.raises(RuntimeError, match="flash-attn"):
        resolve_backend("flash", "cpu")


def test_kv_cache_generation_equals_recompute() -> None:
    torch.manual_seed(2)
    model = Decoder(ModelConfig(**TINY, n_kv_heads=2)).eval()
    prompt = [7, 99, 1234, 5, 42]
    fast = generate(model, prompt, 12, stop_ids=())
    ids = list(prompt)
    with torch.no_grad():
        for _ in range(12):
            ids.append(int(model(torch.tensor([ids]))[0, -1].argmax()))
    assert fast == ids[len(prompt):]


@pytest.mark.parametrize("tie,n_kv_heads,theta", [(False, 2, 500_000.0), (True, None, 10_000.0)])
def test_checkpoint_loads_in_transformers_with_same_logits(tmp_path, tie, n_kv_heads, theta) -> None:
    from transformers import AutoTokenizer, LlamaForCausalLM

    torch.manual_seed(3)
    cfg = ModelConfig(**{**TINY, "max_seq_len": 128}, n_kv_heads=n_kv_heads, tie_embeddings=tie,
                      rope_theta=theta, norm_eps=1e-6)
    model = Decoder(cfg).eval()
    with torch.no_grad():  # non-trivial norm gains, so a misplaced norm weight shows
        for layer in model.layers:
            layer.input_layernorm.weight.uniform_(0.5, 1.5)
    save_model(model, tmp_path)
    hf = LlamaForCausalLM.from_pretrained(str(tmp_path), dtype=torch.float32).eval()
    ids = torch.randint(5, 32_000, (2, 40))
    with torch.no_grad():
        diff = (model(ids) - hf(ids).logits).abs().max().item()
    assert diff < 1e-4
    assert hf.config.tie_word_embeddings == tie and hf.config.num_key_value_heads == cfg.kv_heads
    reloaded = load_model(tmp_path).eval()
    with torch.no_grad():
        assert torch.equal(reloaded(ids), model(ids))
    tok = AutoTokenizer.from_pretrained(str(tmp_path))
    assert tok.eos_token == "<|end_of_text|>" and tok.convert_tokens_to_ids("<|im_end|>") == 4


def fake_flash_varlen(q, k, v, cu_q, cu_k, max_q, max_k, causal):
    """flash_attn_varlen_func's contract in plain torch: (total, H, D) tensors cut at cu_seqlens."""
    assert causal and torch.equal(cu_q, cu_k) and cu_q.dtype == torch.int32 and max_q == max_k
    out = torch.empty_like(q)
    rep = q.shape[1] // k.shape[1]  # grouped-query: flash-attn shares each kv head among `rep` q heads
    for a, b in zip(cu_q[:-1].tolist(), cu_q[1:].tolist(), strict=True):
        assert b - a <= max_q
        qs, ks, vs = (z[a:b].transpose(0, 1)[None] for z in (q, k.repeat_interleave(rep, 1),
                                                             v.repeat_interleave(rep, 1)))
        causal_mask = torch.ones(b - a, b - a, dtype=torch.bool).tril()[None, None]
        out[a:b] = reference_attention(qs, ks, vs, causal_mask)[0].transpose(0, 1)
    return out


def test_flash_path_layout_matches_sdpa_with_a_stand_in_kernel(monkeypatch) -> None:
    """The varlen wiring (flattening, cu_seqlens, GQA heads) checked on CPU with a stand-in for the kernel."""
    from training.model import AttnInputs, rope_cos_sin

    fake = types.SimpleNamespace(flash_attn_varlen_func=fake_flash_varlen)
    monkeypatch.setitem(sys.modules, "flash_attn", fake)
    torch.manual_seed(4)
    model = Decoder(ModelConfig(**TINY, n_kv_heads=2, attention="sdpa")).eval()
    attn = model.layers[0].self_attn
    pos = packed_positions([[5, 9, 2], [16]], 16)
    x = torch.randn(2, 16, 32)
    cos, sin = rope_cos_sin(pos, 8, 10_000.0)
    with torch.no_grad():
        flash, _ = attn(x, cos, sin, AttnInputs.build("flash", pos, cached=False))
        sdpa, _ = attn(x, cos, sin, AttnInputs.build("sdpa", pos, cached=False))
    assert torch.allclose(flash, sdpa, atol=1e-5)
