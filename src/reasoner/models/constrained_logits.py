"""Constrained decoding for the hf backend: llguidance masks the logits of constrained rows.

llguidance (Microsoft's low-level engine behind Guidance, also a vLLM structured-output
backend) compiles a regex or a choice list against the tokenizer's vocabulary and, at every
step, says which tokens keep the reply inside the language. We use it rather than hand-written
prefix matching because tokens do not align with the constraint's characters (" Qx" then
"f7#"), and it handles that, EOS included: EOS is allowed only where the reply is complete, and
it is the only token allowed once nothing may follow.

The processor runs inside the batch's own `generate` and touches only the rows that carry a
constraint; other rows' logits are returned unchanged, so their greedy text is what it was.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import numpy as np
import torch
from transformers import LogitsProcessor

from reasoner.constraints import ConstraintError
from reasoner.types import AnswerConstraint


class ConstraintCompiler:
    """llguidance state for one tokenizer: its vocabulary (built once, ~1 s) and grammars.

    Args:
        tokenizer: a fast transformers tokenizer.
        eos_ids: the tokens that end a reply (the model's EOS and end-of-turn tokens).
    """

    def __init__(self, tokenizer: Any, eos_ids: set[int]) -> None:
        self.tokenizer = tokenizer
        self.eos_ids = sorted(eos_ids)
        self._ll_tokenizer: Any = None
        self._grammars: dict[str, str] = {}
        self._lock = threading.Lock()

    def _vocabulary(self) -> Any:
        if self._ll_tokenizer is None:
            try:
                import llguidance.hf
            except ImportError:
                raise ConstraintError(
                    "constrained decoding on the hf backend needs llguidance: "
                    "pip install llguidance"
                ) from None
            try:
                self._ll_tokenizer = llguidance.hf.from_tokenizer(
                    self.tokenizer, eos_token=self.eos_ids or None
                )
            except ValueError as exc:
                raise ConstraintError(f"constrained decoding: {exc}") from None
        return self._ll_tokenizer

    def _grammar(self, constraint: AnswerConstraint) -> str:
        import llguidance

        key = constraint.model_dump_json()
        if key not in self._grammars:
            if constraint.choices is not None:
                grammar = llguidance.grammar_from("choice", json.dumps(constraint.choices))
            else:
                assert constraint.regex is not None
                grammar = llguidance.grammar_from("regex", constraint.regex)
            self._grammars[key] = grammar
        return self._grammars[key]

    def matcher(self, constraint: AnswerConstraint) -> Any:
        """A fresh llguidance matcher at the start of a reply.

        Raises:
            ConstraintError: the constraint does not compile (e.g. a regex llguidance rejects).
        """
        import llguidance

        with self._lock:
            vocabulary = self._vocabulary()
            try:
                grammar = self._grammar(constraint)
            except ValueError as exc:
                raise ConstraintError(f"answer constraint does not compile: {exc}") from None
        matcher = llguidance.LLMatcher(vocabulary, grammar, log_level=0)
        if matcher.is_error():
            raise ConstraintError(f"answer constraint does not compile: {matcher.get_error()}")
        return matcher


class ConstrainRows(LogitsProcessor):
    """Masks, per row, the tokens its matcher forbids; rows without a matcher are untouched.

    Args:
        matchers: one llguidance matcher per row of the batch, or None for a free row.
        finished: tells whether row i has already ended (its later tokens are padding).
        eos_id: the token a row is forced to when its matcher fails (it then ends at once).
    """

    def __init__(self, matchers: list[Any], finished: Any, eos_id: int) -> None:
        self.matchers = matchers
        self.finished = finished
        self.eos_id = eos_id
        self.steps = 0

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        vocab = scores.shape[-1]
        for i, matcher in enumerate(self.matchers):
            if matcher is None or self.finished(i):
                continue
            if self.steps > 0:
                matcher.consume_token(int(input_ids[i, -1]))
            forbidden = ~self._allowed(matcher, vocab)
            if scores.device.type == "cpu" and scores.dtype in (torch.float32, torch.float64):
                # In numpy: torch's small ops cost milliseconds each on a busy CPU.
                scores[i].numpy()[forbidden] = -np.inf
            else:
                mask = torch.from_numpy(forbidden).to(scores.device)
                scores[i].masked_fill_(mask, float("-inf"))
        self.steps += 1
        return scores

    def _allowed(self, matcher: Any, vocab: int) -> np.ndarray:
        """Which of the `vocab` tokens the matcher allows next (never none: EOS at worst)."""
        allowed = np.zeros(vocab, dtype=bool)
        if matcher.is_error() or matcher.is_stopped():
            allowed[self.eos_id] = True
            return allowed
        raw = np.frombuffer(matcher.compute_bitmask(), dtype=np.uint8)
        bits = np.unpackbits(raw, bitorder="little").astype(bool)
        n = min(vocab, bits.shape[0])
        allowed[:n] = bits[:n]
        if not allowed.any():
            allowed[self.eos_id] = True
        return allowed
