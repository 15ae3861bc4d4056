"""Reuse of the key/value cache of a shared prompt prefix (the few-shot exemplars).

PAL prompts repeat the same ~500 tokens of worked examples before every question; on a
CPU, prefilling them again for every problem costs more than decoding the answer. We keep
the cache of such a prefix (cut at a chat-turn boundary, so it recurs across problems) and
start each batch from a copy of it; only the question part is prefilled.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any

import torch

from reasoner.models.growing_cache import GrowingCache


class PrefixCache:
    """An LRU of prefix caches (batch 1), keyed by the prefix's token ids.

    Args:
        model: the transformers causal LM.
        boundary_id: the token a reusable prefix ends just before (the chat template's
            turn-start token), so the cached part is whole turns.
        min_tokens: shorter prefixes are not worth caching.
        capacity: how many prefixes to keep.
    """

    def __init__(
        self, model: Any, boundary_id: int | None, *, min_tokens: int = 48, capacity: int = 4
    ) -> None:
        self.model = model
        self.boundary_id = boundary_id
        self.min_tokens = min_tokens
        self.capacity = capacity
        self._entries: OrderedDict[tuple[int, ...], Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def turn_prefix_length(self, ids: list[int]) -> int:
        """Length of the prompt before its final user turn, or 0 when too short to cache.

        The final turn (the question) differs between problems; everything before it (system
        prompt, few-shot exemplars) recurs, so that is what we cache.
        """
        if self.boundary_id is None:
            return 0
        starts = [i for i, token in enumerate(ids) if token == self.boundary_id]
        if len(starts) < 2:
            return 0
        cut = starts[-2]
        return cut if cut >= self.min_tokens else 0

    @torch.inference_mode()
    def cache_for(self, prefix: list[int], batch: int) -> Any:
        """A fresh cache holding `prefix` for `batch` rows (the stored one is never mutated)."""
        key = tuple(prefix)
        stored = self._entries.get(key)
        if stored is None:
            self.misses += 1
            ids = torch.tensor([prefix], device=self.model.device)
            stored = GrowingCache()
            self.model(input_ids=ids, use_cache=True, cache=stored)
            self._entries[key] = stored
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        else:
            self.hits += 1
            self._entries.move_to_end(key)
        fresh = copy.deepcopy(stored)
        if batch > 1:
            fresh.batch_repeat_interleave(batch)
        return fresh
