"""A key/value cache that appends into spare room instead of re-allocating every step.

transformers' `DynamicLayer` grows by `torch.cat`: each decoded token copies the whole cache
into a fresh allocation. For a batch of 8 rows behind a 640-token few-shot prefix that is
~250 MB of new memory per step, and on this CPU the page faults of those allocations cost
more than the model's matmuls (measured: `aten::cat` 42% of a decode step, 184 of 299 ms).
Here each layer keeps a buffer with room to spare and hands out views of its filled part;
it re-allocates only when the room runs out (by half as much again, so appends are
amortised O(1)) or when transformers has replaced the tensors (batch repeat or select).
"""

from __future__ import annotations

from typing import Any

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

#: Room added at least on every re-allocation: one decoded reply's worth, so a reply of up to
#: this many tokens behind a cached prefix never re-allocates.
MIN_SPARE_TOKENS = 256


class GrowingLayer(DynamicLayer):
    """A `DynamicLayer` whose `keys`/`values` are views of a larger buffer."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key_buffer: torch.Tensor | None = None
        self._value_buffer: torch.Tensor | None = None

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        length = self.get_seq_length()
        needed = length + key_states.shape[-2]
        if not self._owns_tensors(key_states) or needed > self._capacity():
            self._reallocate(key_states, value_states, needed)
        assert self._key_buffer is not None and self._value_buffer is not None
        self._key_buffer[..., length:needed, :].copy_(key_states)
        self._value_buffer[..., length:needed, :].copy_(value_states)
        self.keys = self._key_buffer[..., :needed, :]
        self.values = self._value_buffer[..., :needed, :]
        return self.keys, self.values

    def reset(self) -> None:
        self._key_buffer = self._value_buffer = None
        super().reset()

    def _capacity(self) -> int:
        return 0 if self._key_buffer is None else self._key_buffer.shape[-2]

    def _owns_tensors(self, incoming: torch.Tensor) -> bool:
        """Whether `keys` is still the filled part of our buffer (not replaced, same rows)."""
        buffer, keys = self._key_buffer, self.keys
        if buffer is None or keys is None or self.get_seq_length() == 0:
            return buffer is not None and buffer.shape[0] == incoming.shape[0]
        return (
            keys.data_ptr() == buffer.data_ptr()
            and keys.shape[:2] == buffer.shape[:2]
            and keys.stride() == buffer.stride()
        )

    def _reallocate(
        self, key_states: torch.Tensor, value_states: torch.Tensor, needed: int
    ) -> None:
        capacity = max(needed + MIN_SPARE_TOKENS, needed * 3 // 2)
        length = self.get_seq_length()
        buffers = []
        for old, new in ((self.keys, key_states), (self.values, value_states)):
            shape = (*new.shape[:2], capacity, new.shape[-1])
            buffer = torch.empty(shape, dtype=new.dtype, device=new.device)
            if length and old is not None:
                buffer[..., :length, :].copy_(old)
            buffers.append(buffer)
        self._key_buffer, self._value_buffer = buffers
        self.keys = self._key_buffer[..., :length, :]
        self.values = self._value_buffer[..., :length, :]


class GrowingCache(DynamicCache):
    """A `DynamicCache` made of `GrowingLayer`s (one per decoder layer, created on first use)."""

    def __init__(self) -> None:
        super().__init__()
        self.layer_class_to_replicate = GrowingLayer
