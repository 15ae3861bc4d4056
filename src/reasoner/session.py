"""The view a strategy stage gets of one pipeline run, and the updates it records.

A stage reads the problem, the current candidate and its verdicts, calls the model or the
sandbox through the session (so every prompt, completion, program and cost lands in the
trace), and records attempts, verdicts and decisions; the graph merges those updates into
its typed state with explicit reducers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reasoner.calibration import Calibration
from reasoner.graph_state import GraphState
from reasoner.models.base import Model
from reasoner.task import Task
from reasoner.types import (
    Attempt,
    Cost,
    ExecutionResult,
    Generation,
    Message,
    Problem,
    Status,
    TraceEvent,
    Verdict,
)

TRACE_CHARS = 6000


def clip(text: str, limit: int = TRACE_CHARS) -> str:
    """Keep the head and tail of a very long text (a million Hanoi moves) for traces."""
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 2 // 3], text[-(limit // 3) :]
    return f"{head}\n... [{len(text) - len(head) - len(tail)} characters cut] ...\n{tail}"


def below(confidence: float | None, threshold: float, label: str = "") -> str | None:
    """Why a confidence falls short of a threshold ("confidence 0.7950 is below 0.8"), or
    None when it does not; shown with enough digits not to read as the threshold itself."""
    if confidence is not None and confidence >= threshold:
        return None
    if confidence is None:
        shown = "unknown"
    else:
        shown = f"{confidence:.2f}"
        if float(shown) >= threshold:
            shown = f"{confidence:.4f}"
    return f"confidence {shown} is below {label}{threshold}"


ProgramRunner = Callable[..., Any]  # async (code, inputs=..., timeout=...) -> ExecutionResult


@dataclass
class RunContext:
    """What stays fixed during one pipeline run: never part of the graph state."""

    problem: Problem
    task: Task
    model: Model
    generators: dict[int, Any]
    run_program: ProgramRunner
    program_timeout: float = 5.0
    #: Set by an evaluation with --calibrate-on: confidence is then P(correct) from it.
    calibration: Calibration | None = None


@dataclass
class Session:
    """One stage's handle on a run. Read the state; record changes with the methods.

    A stage (an async function of the Session, see `reasoner.strategy`) never touches the
    graph state directly: it reads through the properties below, and what it records
    (attempts, verdicts, confidence, an abstention, trace notes, cost) is merged into the
    state when it returns. Attempts are numbered in the order they were added, over the
    whole run; the *candidate* is the attempt that will be the answer unless a later stage
    chooses another or abstains.
    """

    ctx: RunContext
    state: GraphState
    stage: str
    #: The graph node this session runs in (keys `memory`); empty outside a graph.
    node: str = ""
    #: Whether a generating stage may still run after this one (e.g. a switch's target),
    #: so that a decider that found no acceptable answer leaves the run to it.
    generators_ahead: bool = False
    attempts: list[Attempt] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    trace: list[TraceEvent] = field(default_factory=list)
    cost: Cost = field(default_factory=Cost)
    writes: dict[str, Any] = field(default_factory=dict)

    # -- reading -------------------------------------------------------------------------
    @property
    def problem(self) -> Problem:
        """The problem being solved (never its gold)."""
        return self.ctx.problem

    @property
    def task(self) -> Task:
        """The problem's task: its `parse`, `format`, `check` and prompts' instructions."""
        return self.ctx.task

    @property
    def model(self) -> Model:
        """The model; call it through `ask` so the prompt and cost land in the trace."""
        return self.ctx.model

    def all_attempts(self) -> list[Attempt]:
        """Every attempt of the run so far, earlier stages' and this one's, by index."""
        return list(self.state.get("attempts", [])) + self.attempts

    @property
    def candidate_index(self) -> int | None:
        """The index (into `all_attempts()`) of the current candidate, or None."""
        return self.writes.get("candidate", self.state.get("candidate"))

    @property
    def candidate(self) -> Attempt | None:
        """The current candidate attempt, or None before any generator ran."""
        index = self.candidate_index
        return None if index is None else self.all_attempts()[index]

    def candidate_value(self) -> Any | None:
        """The task's parsed value of the current candidate's answer, or None."""
        attempt = self.candidate
        if attempt is None or attempt.answer is None:
            return None
        return self.task.parse(attempt.answer)

    def verdicts_for(self, index: int | None = None) -> list[Verdict]:
        """The verdicts recorded on one attempt.

        Args:
            index: the attempt's index; None means the current candidate.

        Returns:
            Its verdicts from every stage so far, oldest first.
        """
        index = self.candidate_index if index is None else index
        every = list(self.state.get("verdicts", [])) + self.verdicts
        return [v for v in every if v.attempt == index]

    @property
    def generator(self) -> Any | None:
        """The Generator of the latest generating stage, for more samples or a repair."""
        index = self.writes.get("generator", self.state.get("generator"))
        return None if index is None else self.ctx.generators[index]

    @property
    def generators(self) -> list[Any]:
        """Every Generator whose attempts are in the pool: a branch's alternatives, or the
        methods before and after a switch; just `generator` otherwise."""
        ids = self.writes.get("generators", self.state.get("generators"))
        if ids:
            return [self.ctx.generators[i] for i in ids]
        return [] if self.generator is None else [self.generator]

    @property
    def pool(self) -> list[int]:
        """The attempts a decider weighs (indices into `all_attempts()`): those the latest
        generator proposed, or a branch's pooled candidates; the candidate alone otherwise."""
        pool = self.writes.get("pool", self.state.get("pool"))
        if pool:
            return list(pool)
        return [] if self.candidate_index is None else [self.candidate_index]

    def memory(self) -> dict[str, Any]:
        """This stage's scratch, kept between its rounds (a copy: write with `remember`)."""
        kept = self.state.get("memory", {}).get(self.node, {})
        return {**kept, **self.writes.get("memory", {}).get(self.node, {})}

    def remember(self, **values: Any) -> None:
        """Keep values in this stage's scratch for its next round (`memory()`)."""
        memory = self.writes.setdefault("memory", {})
        memory[self.node] = {**self.memory(), **values}

    def signals(self) -> dict[str, float]:
        """The candidate's confidence signals (see docs/abstention.md).

        Recorded by stages (`agreement` and `answered` by vote, `cross_agreement` by
        cross_check) plus two derived here: `verified` (1 when a verdict passed and none
        failed, 0 when one failed, absent when all were unknown or none ran) and
        `token_prob` (the candidate's mean token probability, when the backend reports it).

        Returns:
            Signal name to value; empty when there is no candidate.
        """
        index = self.candidate_index
        if index is None:
            return {}
        found: dict[str, float] = {}
        for source in (self.state.get("signals", {}), self.writes.get("signals", {})):
            found.update(source.get(index, {}))
        verdicts = self.verdicts_for()
        if any(v.failed for v in verdicts):
            found["verified"] = 0.0
        elif any(v.passed for v in verdicts):
            found["verified"] = 1.0
        attempt = self.candidate
        if attempt is not None and attempt.mean_logprob is not None:
            found["token_prob"] = round(math.exp(attempt.mean_logprob), 6)
        return found

    def set_signal(self, name: str, value: float, index: int | None = None) -> None:
        """Record a confidence signal for an attempt (default: the candidate)."""
        index = self.candidate_index if index is None else index
        if index is None:
            return
        written = self.writes.setdefault("signals", {})
        written.setdefault(index, {})[name] = float(value)

    def confidence(self) -> float | None:
        """P(correct) from the run's calibration when there is one; otherwise explicit
        confidence (vote agreement) if set, else from verdicts, else token probability.

        Uncalibrated: a failed verdict gives 0; a passed one (and no failure) gives 1; with
        only unknown verdicts, the candidate's mean token probability; None when nothing
        is known.
        """
        if self.ctx.calibration is not None and self.candidate_index is not None:
            return self.ctx.calibration.predict(self.signals())
        explicit = self.writes.get("confidence", self.state.get("confidence"))
        if explicit is not None:
            return float(explicit)
        verdicts = self.verdicts_for()
        if any(v.failed for v in verdicts):
            return 0.0
        if any(v.passed for v in verdicts):
            return 1.0
        attempt = self.candidate
        if attempt is None or attempt.answer is None:
            return 0.0
        if attempt.mean_logprob is not None:
            return math.exp(attempt.mean_logprob)
        return None

    # -- acting --------------------------------------------------------------------------
    async def ask(
        self,
        prompt: str | Sequence[Message],
        *,
        purpose: str = "generate",
        **options: Any,
    ) -> Generation:
        """Call the model; the prompt, completions and cost go into the trace.

        Args:
            prompt: the user message, or a whole conversation of `Message`s.
            purpose: a label for the trace (e.g. "generate", "repair", "verify").
            **options: `GenerationRequest` fields: `max_tokens`, `temperature`, `n`,
                `stop`, `seed`, `constraint`.

        Returns:
            The Generation: `.text` (the first completion), `.completions`, token counts.
        """
        messages = (
            [Message(role="user", content=prompt)] if isinstance(prompt, str) else list(prompt)
        )
        started = time.perf_counter()
        generation = await self.model.ask(messages, **options)
        self.cost = self.cost + Cost(
            model_calls=1,
            completions=len(generation.completions),
            tokens_in=generation.tokens_in,
            tokens_out=generation.tokens_out,
            wall_s=time.perf_counter() - started,
        )
        self.note("prompt", messages[-1].content, purpose=purpose, messages=len(messages))
        for completion in generation.completions:
            self.note(
                "completion",
                completion.text,
                purpose=purpose,
                tokens_out=completion.tokens_out,
                finish=completion.finish_reason,
            )
        return generation

    async def run_program(self, code: str) -> ExecutionResult:
        """Run untrusted code in the sandbox with the problem's program inputs bound.

        Args:
            code: Python source written by the model; its stdout is its result.

        Returns:
            The ExecutionResult (`ok`, `stdout`, `error`, `reason`); a failing or hostile
            program is a result with `ok=False`, never an exception.
        """
        self.note("program", code, inputs=sorted(self.problem.program_inputs))
        result = await self.ctx.run_program(
            code,
            inputs=dict(self.problem.program_inputs),
            timeout=self.ctx.program_timeout,
            **self.task.program_limits(self.problem),
        )
        self.cost = self.cost + Cost(sandbox_runs=1)
        self.note(
            "execution",
            result.stdout if result.ok else (result.error or "failed"),
            ok=result.ok,
            reason=result.reason,
            duration_s=round(result.duration_s, 4),
        )
        return result

    def propose(self, attempt: Attempt) -> int:
        """Add an attempt and make it the candidate.

        Generators do not call this: `Generator.propose` returns its attempts and the graph
        records them (the first becomes the candidate). Verifiers and deciders call it when
        they produce a new answer of their own (e.g. a corrected one).

        Args:
            attempt: the new attempt.

        Returns:
            Its index in `all_attempts()`.
        """
        index = self.add_attempt(attempt)
        self.writes["candidate"] = index
        self.writes["confidence"] = None  # a new candidate has not been voted on
        return index

    def add_attempt(self, attempt: Attempt) -> int:
        """Add an attempt without making it the candidate (e.g. one of several samples).

        Args:
            attempt: the attempt.

        Returns:
            Its index in `all_attempts()`, for `choose` or `verdicts_for`.
        """
        index = len(self.state.get("attempts", [])) + len(self.attempts)
        self.attempts.append(attempt)
        self.note(
            "attempt",
            attempt.answer if attempt.answer is not None else "(no answer)",
            index=index,
            strategy=attempt.strategy,
            error=attempt.error,
        )
        return index

    def choose(self, index: int) -> None:
        """Make an existing attempt the candidate (a decider's pick, e.g. the majority).

        Args:
            index: the attempt's index in `all_attempts()`.
        """
        self.writes["candidate"] = index

    def verdict(
        self, checker: str, status: Status | bool, evidence: str = "", index: int | None = None
    ) -> Verdict:
        """Judge an attempt (default: the current candidate) and record the verdict (and a
        trace note).

        Args:
            checker: the checker's name, shown in reports (e.g. "hanoi", "double_check").
            status: "passed", "failed" or "unknown", or a bool (True = passed).
            evidence: what a human (and `retry`'s repair prompt) should read: why it failed.
            index: the attempt judged (an index into `all_attempts()`); None: the candidate.

        Returns:
            The Verdict, attached to that attempt's index.
        """
        if isinstance(status, bool):
            status = "passed" if status else "failed"
        verdict = Verdict(
            checker=checker,
            status=status,
            evidence=evidence,
            attempt=self.candidate_index if index is None else index,
        )
        self.verdicts.append(verdict)
        self.note("verdict", evidence, checker=checker, status=status)
        return verdict

    def set_confidence(self, value: float) -> None:
        """Set the candidate's confidence explicitly (e.g. vote agreement), in [0, 1];
        `confidence()` and `abstain(t)` then use it. A new candidate resets it.

        Args:
            value: the confidence.
        """
        self.writes["confidence"] = value

    def abstain(self, reason: str) -> None:
        """Give up on answering: the Answer has no value and `abstained=True`.

        Later stages are skipped. The reason goes into the trace, and `reasoner run`
        prints it ("abstained: <reason>").

        Args:
            reason: why, e.g. "confidence 0.40 is below t=0.75".
        """
        self.writes["abstained"] = True
        self.note("decision", f"abstain: {reason}")

    def note(self, kind: str, content: str = "", **data: Any) -> None:
        """Add an event to the run's trace (shown in report.html and `--json`).

        Args:
            kind: the event kind, e.g. "decision", "verify", or your own.
            content: its text (very long texts keep their head and tail).
            **data: small JSON-able facts shown beside it.
        """
        self.trace.append(TraceEvent(stage=self.stage, kind=kind, content=clip(content), data=data))

    def updates(self) -> dict[str, Any]:
        """The state update this stage returns to the graph."""
        out: dict[str, Any] = dict(self.writes)
        if self.attempts:
            out["attempts"] = self.attempts
        if self.verdicts:
            out["verdicts"] = self.verdicts
        if self.trace:
            out["trace"] = self.trace
        out["cost"] = self.cost
        return out
