"""Runs a list of chat requests through transformers `generate` as left-padded batches.

Rows that share sampling settings share one `generate`; each row keeps its own stop strings,
token budget and log-probability, tracked by a stopping criterion, so batching never changes
what a row returns (greedy text is identical to decoding it alone). A row may carry an answer
constraint, enforced by masking that row's logits only (`constrained_logits.py`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import torch
from transformers import LogitsProcessor, StoppingCriteria

from reasoner.models.base import truncate_at_stop
from reasoner.models.constrained_logits import ConstrainRows, ConstraintCompiler
from reasoner.models.growing_cache import GrowingCache
from reasoner.models.prefix_cache import PrefixCache
from reasoner.types import AnswerConstraint, Completion, Generation, GenerationRequest


@dataclass
class _Row:
    request_index: int
    prompt: str
    max_tokens: int
    stop: tuple[str, ...]
    ids: list[int] = field(default_factory=list)
    shared: int = 0  # leading tokens served from the prefix cache
    constraint: AnswerConstraint | None = None
    done_at: int | None = None  # generated tokens kept (stop token included)
    logprob: float = 0.0
    reason: str = "length"


@dataclass
class _Tracker:
    """Shared by the logits recorder and the stopping criterion of one `generate` call."""

    rows: list[_Row]
    prompt_len: int
    tokenizer: Any
    eos_ids: set[int]
    last_logprobs: torch.Tensor | None = None
    steps: int = 0
    active: list[bool] = field(default_factory=list)


class _RecordLogprobs(LogitsProcessor):
    def __init__(self, tracker: _Tracker) -> None:
        self.tracker = tracker

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        self.tracker.last_logprobs = torch.log_softmax(scores.float(), dim=-1)
        return scores


class _PerRowStop(StoppingCriteria):
    def __init__(self, tracker: _Tracker) -> None:
        self.tracker = tracker

    def __call__(
        self, input_ids: torch.LongTensor, scores: Any = None, **kwargs: Any
    ) -> torch.BoolTensor:
        t = self.tracker
        t.steps += 1
        chosen = input_ids[:, -1]
        logprobs = t.last_logprobs
        done = []
        for i, row in enumerate(t.rows):
            if row.done_at is None:
                token = int(chosen[i])
                if logprobs is not None:
                    row.logprob += float(logprobs[i, token])
                if token in t.eos_ids:
                    row.done_at, row.reason = t.steps - 1, "stop"
                elif row.stop and _ends_with_stop(t, input_ids[i], row):
                    row.done_at, row.reason = t.steps, "stop"
                elif t.steps >= row.max_tokens:
                    row.done_at, row.reason = t.steps, "length"
            done.append(row.done_at is not None)
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)  # type: ignore[return-value]


def _ends_with_stop(t: _Tracker, ids: torch.Tensor, row: _Row) -> bool:
    # Decoding a short tail is enough: a stop string ends within the last few tokens.
    tail = ids[max(t.prompt_len, ids.shape[0] - 8 - max(len(s) for s in row.stop)) :]
    text = t.tokenizer.decode(tail, skip_special_tokens=True)
    return any(s and s in text for s in row.stop)


#: Decimal places kept of a completion's log-probability. float32 logits differ by up to ~1e-5
#: between batch compositions (measured: a resumed eval batches other rows together than an
#: uninterrupted one); digits below that are noise, and keeping them makes two runs of the
#: same greedy decoding disagree on every line.
LOGPROB_DECIMALS = 3


def _rounded(logprob: float | None) -> float | None:
    return None if logprob is None else round(logprob, LOGPROB_DECIMALS)


class BatchRunner:
    """Turns requests into completions with one loaded transformers model."""

    def __init__(
        self, model: Any, tokenizer: Any, *, max_rows: int = 16, prefix_caching: bool = True
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.device = next(model.parameters()).device
        self.max_rows = max_rows
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        eos = model.generation_config.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        if tokenizer.eos_token_id is not None:
            self.eos_ids.add(tokenizer.eos_token_id)
        turn_start = tokenizer.convert_tokens_to_ids("<|im_start|>")
        boundary = turn_start if isinstance(turn_start, int) and turn_start >= 0 else None
        self.prefix_cache = PrefixCache(model, boundary if prefix_caching else None)
        self.constraints = ConstraintCompiler(tokenizer, self.eos_ids)

    def prompt_text(self, request: GenerationRequest) -> str:
        messages = [m.model_dump() for m in request.messages]
        return self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=False
        )

    def batch_key(self, requests: list[GenerationRequest]) -> tuple:
        """What a submission must share with others to run in the same `generate` call."""
        request = requests[0]
        ids = self.tokenizer(self.prompt_text(request), add_special_tokens=False).input_ids
        return self._group_key(request, ids)

    def _group_key(self, request: GenerationRequest, ids: list[int]) -> tuple:
        # Rows batch together when they sample alike and share the same cached prefix.
        sampled = request.temperature > 0
        return (
            sampled,
            request.temperature if sampled else 0.0,
            request.top_p if sampled else 1.0,
            request.seed if sampled else None,
            tuple(ids[: self.prefix_cache.turn_prefix_length(ids)]),
        )

    def run(self, requests: list[GenerationRequest]) -> list[Generation]:
        """Generate for every request; rows with equal sampling settings are batched."""
        started = time.perf_counter()
        prompts = [self.prompt_text(r) for r in requests]
        encoded = [self.tokenizer(p, add_special_tokens=False).input_ids for p in prompts]
        groups: dict[tuple, list[_Row]] = {}
        for index, (request, prompt) in enumerate(zip(requests, prompts, strict=True)):
            ids = encoded[index]
            key = self._group_key(request, ids)
            shared = len(key[4])
            for _ in range(request.n):
                row = _Row(index, prompt, request.max_tokens, tuple(request.stop), ids, shared)
                row.constraint = request.constraint
                groups.setdefault(key, []).append(row)
        completions: list[list[Completion]] = [[] for _ in requests]
        tokens_in = [len(ids) for ids in encoded]
        for key, rows in groups.items():
            for start in range(0, len(rows), self.max_rows):
                chunk = rows[start : start + self.max_rows]
                for row, completion in zip(chunk, self._generate(key[:4], chunk), strict=True):
                    completions[row.request_index].append(completion)
        latency = time.perf_counter() - started
        return [
            Generation(completions=c, tokens_in=n, latency_s=latency)
            for c, n in zip(completions, tokens_in, strict=True)
        ]

    @torch.inference_mode()
    def _generate(self, key: tuple, rows: list[_Row]) -> list[Completion]:
        sampled, temperature, top_p, seed = key
        input_ids, attention_mask, cache = self._inputs(rows)
        tracker = _Tracker(rows, input_ids.shape[1], self.tokenizer, self.eos_ids)
        options: dict[str, Any] = {"do_sample": False}
        if sampled:
            options = {"do_sample": True, "temperature": temperature, "top_p": top_p, "top_k": 0}
            if seed is not None:
                torch.manual_seed(seed)
        processors: list[LogitsProcessor] = [_RecordLogprobs(tracker)]
        if any(r.constraint is not None for r in rows):
            # After the recorder: a constrained row's logprob is the model's own belief in
            # its text, not renormalised over the allowed tokens.
            matchers = [
                self.constraints.matcher(r.constraint) if r.constraint else None for r in rows
            ]
            eos = self.tokenizer.eos_token_id
            eos_id = eos if eos in self.eos_ids else min(self.eos_ids)
            processors.append(
                ConstrainRows(matchers, lambda i: rows[i].done_at is not None, eos_id)
            )
        output = self.model.generate(
            input_ids=input_ids,
            attention_mask=attention_mask,
            cache=cache if cache is not None else GrowingCache(),
            max_new_tokens=max(r.max_tokens for r in rows),
            logits_processor=processors,
            stopping_criteria=[_PerRowStop(tracker)],
            pad_token_id=self.tokenizer.pad_token_id,
            **options,
        )
        results = []
        for i, row in enumerate(rows):
            kept = row.done_at if row.done_at is not None else output.shape[1] - tracker.prompt_len
            ids = output[i, tracker.prompt_len : tracker.prompt_len + kept]
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
            text, cut = truncate_at_stop(text, row.stop)
            results.append(
                Completion(
                    text=text,
                    tokens_out=int(kept),
                    logprob=_rounded(row.logprob),
                    finish_reason="stop" if cut else row.reason,
                )
            )
        return results

    def _inputs(self, rows: list[_Row]) -> tuple[torch.Tensor, torch.Tensor, Any]:
        """Token ids and mask laid out as [shared prefix][padding][own suffix].

        With no shared prefix this is plain left padding. With one, the prefix's cached keys
        and values are reused and padding sits between prefix and suffix: the mask hides it
        and position ids (from the mask's running sum) stay contiguous, so each row computes
        what it would alone.
        """
        ids = [r.ids for r in rows]
        shared = rows[0].shared  # equal within a group: it is part of the group key
        width = max(len(i) for i in ids) - shared
        pad = self.tokenizer.pad_token_id
        tokens, mask = [], []
        for row_ids in ids:
            gap = width - (len(row_ids) - shared)
            tokens.append(row_ids[:shared] + [pad] * gap + row_ids[shared:])
            mask.append([1] * shared + [0] * gap + [1] * (len(row_ids) - shared))
        cache = self.prefix_cache.cache_for(ids[0][:shared], len(rows)) if shared else None
        device = self.device
        return torch.tensor(tokens, device=device), torch.tensor(mask, device=device), cache
