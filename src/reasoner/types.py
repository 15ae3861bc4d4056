"""Pydantic models that cross module borders.

A `Problem` never carries gold; only an `Example` (held by the evaluator and by tasks) does.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Role = Literal["system", "user", "assistant"]
Status = Literal["passed", "failed", "unknown"]


class Message(BaseModel):
    """One chat message: `role` is system, user or assistant."""

    role: Role
    content: str


class AnswerConstraint(BaseModel):
    """What a reply may be, for constrained decoding: one of `choices`, or text matching `regex`.

    A task builds it from the problem alone (the legal moves in SAN, the form of a Hanoi move
    list, a number); a backend enforces it (hf: a logits processor; an OpenAI-compatible
    server: its grammar or structured-output fields). The whole reply must match, so a
    constrained prompt asks for the bare answer. The task never learns which backend runs it.
    """

    model_config = ConfigDict(frozen=True)

    choices: list[str] | None = None
    regex: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> AnswerConstraint:
        if (self.choices is None) == (self.regex is None):
            raise ValueError("an AnswerConstraint needs exactly one of `choices` or `regex`")
        if self.choices is not None and not self.choices:
            raise ValueError("an AnswerConstraint's `choices` must not be empty")
        return self


class GenerationRequest(BaseModel):
    """One chat generation request; `n` asks for that many independent samples."""

    messages: list[Message]
    max_tokens: int = Field(default=256, ge=1)
    temperature: float = Field(default=0.0, ge=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    stop: list[str] = Field(default_factory=list)
    n: int = Field(default=1, ge=1)
    seed: int | None = None
    #: Restrict the reply to what the task allows; a backend that cannot enforce it says so.
    constraint: AnswerConstraint | None = None


class Completion(BaseModel):
    """One sampled text; `logprob` is the sum of its tokens' log-probabilities when known."""

    text: str
    tokens_out: int
    logprob: float | None = None
    finish_reason: str | None = None


class Generation(BaseModel):
    """A backend's reply to one `GenerationRequest`: `n` completions and their cost."""

    completions: list[Completion]
    tokens_in: int
    latency_s: float

    @property
    def text(self) -> str:
        return self.completions[0].text

    @property
    def tokens_out(self) -> int:
        return sum(c.tokens_out for c in self.completions)


class Problem(BaseModel):
    """What a pipeline sees. No gold answer, ever.

    Attributes:
        id: unique within its task (results and resumes key on it).
        task: the name of the task that made it (`Task.name`).
        prompt: the question as the model reads it.
        payload: the task's structured view of the problem (pegs, a FEN, an expression),
            for its checker and `details`; strategies may read it, the model never sees it
            unless a prompt puts it there.
        program_inputs: variable name -> value, bound as predefined variables in every PAL
            program (e.g. `{"FEN": "...", "N": 5}`), so a small model need not copy long
            strings; empty when programs get nothing.
        difficulty: axis -> level (e.g. `{"disks": 5}`), the axes results are cut by.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    task: str
    prompt: str
    payload: dict[str, Any] = Field(default_factory=dict)
    program_inputs: dict[str, Any] = Field(default_factory=dict)
    difficulty: dict[str, int | float | str] = Field(default_factory=dict)


class Example(BaseModel):
    """A problem with its gold answer: only tasks and the evaluator hold these."""

    problem: Problem
    gold: Any


class ExecutionResult(BaseModel):
    """What the sandbox reports about one program run."""

    ok: bool
    stdout: str = ""
    stderr: str = ""
    error: str | None = None
    exit_code: int | None = None
    duration_s: float = 0.0
    reason: str | None = None  # machine-readable failure class: timeout, memory, output, ...


class Verdict(BaseModel):
    """A checker's judgement of one attempt, with the evidence a human can read."""

    checker: str
    status: Status
    evidence: str = ""
    attempt: int | None = None  # index into Answer.attempts

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def failed(self) -> bool:
        return self.status == "failed"


class Attempt(BaseModel):
    """One candidate answer and how it was produced."""

    strategy: str
    text: str = ""
    answer: str | None = None
    program: str | None = None
    execution: ExecutionResult | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    logprob: float | None = None
    error: str | None = None
    #: For a generator that revises its own draft within one attempt (`cove`): the draft's
    #: answer, so a report can show what the revision changed (None otherwise).
    draft_answer: str | None = None

    @property
    def mean_logprob(self) -> float | None:
        """The mean log-probability of its tokens, when the backend reported them."""
        if self.logprob is None or self.tokens_out <= 0:
            return None
        return self.logprob / self.tokens_out


class TraceEvent(BaseModel):
    """One step of a pipeline run: a prompt, a completion, a program, a check, a decision."""

    stage: str
    kind: str
    content: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


class Cost(BaseModel):
    """What a run spent: model calls, completions, prompt and generated tokens, seconds,
    sandbox runs.

    Costs add up with `+` (a stage's cost is added to the run's).
    """

    model_calls: int = 0
    #: Texts the model generated: a request for n samples is n completions.
    completions: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    wall_s: float = 0.0
    sandbox_runs: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            model_calls=self.model_calls + other.model_calls,
            completions=self.completions + other.completions,
            tokens_in=self.tokens_in + other.tokens_in,
            tokens_out=self.tokens_out + other.tokens_out,
            wall_s=self.wall_s + other.wall_s,
            sandbox_runs=self.sandbox_runs + other.sandbox_runs,
        )


class Answer(BaseModel):
    """A pipeline's final word: a value or an explicit abstention, and how it got there."""

    value: str | None
    abstained: bool = False
    confidence: float | None = None
    verdicts: list[Verdict] = Field(default_factory=list)
    attempts: list[Attempt] = Field(default_factory=list)
    trace: list[TraceEvent] = Field(default_factory=list)
    cost: Cost = Field(default_factory=Cost)
    pipeline: str = ""
    error: str | None = None
    #: Confidence signals of the candidate, e.g. {"agreement": 0.8, "verified": 1.0,
    #: "token_prob": 0.93}; see docs/abstention.md for each one and how `abstain` uses them.
    signals: dict[str, float] = Field(default_factory=dict)
    #: The candidate answer an abstention held back (None when answered), so the evaluator
    #: can score what abstaining saved; it is never shown as the answer.
    withheld: str | None = None


class Result(BaseModel):
    """One scored (task, problem, pipeline) cell of an evaluation."""

    task: str
    problem_id: str
    pipeline: str
    difficulty: dict[str, int | float | str] = Field(default_factory=dict)
    answer: str | None
    abstained: bool
    correct: bool
    gold: Any = None
    #: The gold written as an answer would be (`Task.gold_text`, clipped), for reports;
    #: None when the task cannot write it so (reports then show `gold` as JSON).
    gold_text: str | None = None
    confidence: float | None = None
    verdicts: list[Verdict] = Field(default_factory=list)
    cost: Cost = Field(default_factory=Cost)
    trace: list[TraceEvent] = Field(default_factory=list)
    attempts: list[Attempt] = Field(default_factory=list)
    #: Task-specific facts for reports (from `Task.details`), e.g. {"legal": False}.
    details: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    #: The answer's confidence signals (see `Answer.signals`).
    signals: dict[str, float] = Field(default_factory=dict)
    #: Whether the candidate was right, answered or held back by an abstention (None when
    #: unknown): what risk-coverage curves, calibration error and calibration fits use.
    candidate_correct: bool | None = None
    #: The candidate an abstention held back (`Answer.withheld`; None when answered).
    withheld: str | None = None
    #: Whether the pipeline's first answer was right: its first attempt's answer, or that
    #: attempt's draft (`Attempt.draft_answer`). What the later stages (revision, repair,
    #: voting) started from; None when unknown (no attempt, or a run from before the field).
    first_correct: bool | None = None

    @property
    def candidate_right(self) -> bool:
        """Whether the candidate was right, abstained ones included; for a run from before
        `candidate_correct` was recorded, whether the answer was."""
        if self.candidate_correct is not None:
            return self.candidate_correct
        return bool(self.correct)


class RowError(BaseModel):
    """One bad item in a task's data file: where it is and what is wrong with it."""

    source: str
    line: int | None
    item: str | None = None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.item + ': ' if self.item else ''}{self.message}"


class PalExemplar(BaseModel):
    """A worked PAL example: a question, the variables its program receives, the program."""

    question: str
    program: str
    inputs: dict[str, Any] = Field(default_factory=dict)
