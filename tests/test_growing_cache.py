"""GrowingCache computes what transformers' DynamicCache computes, through every cache edit."""

from __future__ import annotations

import copy

import pytest
import torch
from transformers import DynamicCache, LlamaConfig, LlamaForCausalLM

from reasoner.models import growing_cache
from reasoner.models.growing_cache import GrowingCache, GrowingLayer


@pytest.fixture(scope="module")
def tiny() -> LlamaForCausalLM:
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=97,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
    )
    return LlamaForCausalLM(config).eval()


def _decode(model, cache, prompt: torch.Tensor, steps: int) -> tuple[torch.Tensor, list[int]]:
    """Greedy decoding by hand; returns the last logits and the lengths the cache reached."""
    mask = torch.ones_like(prompt)
    out = model(input_ids=prompt, attention_mask=mask, cache=cache, use_cache=True)
    lengths = []
    for _ in range(steps):
        token = out.logits[:, -1:].argmax(-1)
        mask = torch.cat([mask, torch.ones_like(token)], dim=1)
        out = model(input_ids=token, attention_mask=mask, cache=cache, use_cache=True)
        lengths.append(cache.get_seq_length())
    return out.logits, lengths


@torch.inference_mode()
def test_same_logits_as_dynamic_cache_across_reallocations(tiny, monkeypatch):
    monkeypatch.setattr(growing_cache, "MIN_SPARE_TOKENS", 3)  # force many re-allocations
    prompt = torch.randint(0, 97, (3, 7), generator=torch.Generator().manual_seed(1))
    grown = GrowingCache()
    expected, _ = _decode(tiny, DynamicCache(), prompt, 40)
    got, lengths = _decode(tiny, grown, prompt, 40)
    torch.testing.assert_close(got, expected)
    assert lengths == list(range(8, 48))
    layer = grown.layers[0]
    assert isinstance(layer, GrowingLayer)
    assert layer.keys.data_ptr() == layer._key_buffer.data_ptr()  # a view, not a copy


@torch.inference_mode()
def test_batch_repeat_deepcopy_and_crop_match_dynamic_cache(tiny):
    prefix = torch.randint(0, 97, (1, 9), generator=torch.Generator().manual_seed(2))
    suffix = torch.randint(0, 97, (4, 5), generator=torch.Generator().manual_seed(3))
    logits = []
    for make in (DynamicCache, GrowingCache):
        stored = make()
        tiny(input_ids=prefix, cache=stored, use_cache=True)
        cache = copy.deepcopy(stored)
        cache.batch_repeat_interleave(4)  # replaces the tensors: the layer must notice
        mask = torch.ones(4, 14, dtype=torch.long)
        tiny(input_ids=suffix, attention_mask=mask, cache=cache, use_cache=True)
        cache.crop(-2)  # drop the last two suffix tokens and recompute them
        out = tiny(input_ids=suffix[:, 3:], attention_mask=mask, cache=cache, use_cache=True)
        cache.batch_select_indices(torch.tensor([0, 2]))
        out2 = tiny(
            input_ids=out.logits[[0, 2], -1:].argmax(-1),
            attention_mask=torch.ones(2, 15, dtype=torch.long),
            cache=cache,
            use_cache=True,
        )
        assert stored.get_seq_length() == 9  # the stored prefix is never written into
        logits.append((out.logits, out2.logits))
    torch.testing.assert_close(logits[1], logits[0])
