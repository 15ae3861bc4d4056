"""What a task plug-in provides: problems, prompts, a parser, a checker, a scorer.

Inference-time `check` sees only the Problem; `score` sees gold and is called only by the
evaluator, after the pipeline has answered.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from typing import Any, ClassVar

from reasoner.types import AnswerConstraint, Example, PalExemplar, Problem, RowError, Verdict


class Task(abc.ABC):
    """Base class for task plug-ins.

    Subclasses set `name`, implement `examples`, `parse`, `check` and `score`, and are
    exposed through the `reasoner.tasks` entry point as a factory taking the spec's keyword
    parameters (`mytask:n=5` calls the factory with `n=5`). Calling `super().__init__()` is
    good form but not required: `spec` and `errors` have working defaults without it.

    A task that reads a data file loads the good rows and appends a `RowError` to `errors`
    for each bad one; the evaluator reports every one of them (and `--strict` stops on them).
    """

    name: ClassVar[str] = ""
    #: Told to the model by direct/cot prompts, e.g. "End with: Answer: <number>".
    answer_instruction: ClassVar[str] = "End your reply with a line 'Answer: <answer>'."
    #: What one step of a brief chain of thought looks like for this task, told by `cot`
    #: (e.g. "each with its calculation written out"); empty says nothing more.
    step_hint: ClassVar[str] = ""

    def __init__(self) -> None:
        self.spec = self.name
        self.errors = []

    # `spec` and `errors` live in the instance dict when set, with defaults when a subclass
    # skipped `super().__init__()` (a plain attribute would raise a bare AttributeError).
    @property
    def spec(self) -> str:
        """The spec the task was loaded from (e.g. `hanoi:disks=3`); names it in results."""
        return str(self.__dict__.get("_spec") or self.name or type(self).__name__)

    @spec.setter
    def spec(self, value: str) -> None:
        self.__dict__["_spec"] = value

    @property
    def errors(self) -> list[RowError]:
        """Bad rows of the task's data file, each with its file, line and what is wrong."""
        return self.__dict__.setdefault("_errors", [])  # type: ignore[no-any-return]

    @errors.setter
    def errors(self, value: list[RowError]) -> None:
        self.__dict__["_errors"] = list(value)

    @abc.abstractmethod
    def examples(self) -> Iterator[Example]:
        """Yield the task's examples (problem + gold), deterministically."""

    def problems(self) -> Iterator[Problem]:
        """The problems of `examples()`, without their gold."""
        for example in self.examples():
            yield example.problem

    @abc.abstractmethod
    def parse(self, text: str) -> Any | None:
        """The answer value found in a model's text (or program output), or None. Never guess."""

    def format(self, value: Any) -> str:
        """Canonical text of a parsed value; `parse(format(v))` must give back `v`."""
        return str(value)

    def display(self, answer: str, problem: Problem | None = None) -> str:
        """An answer as a person writes it, where a person reads it (`reasoner run`, served
        replies, reports); the canonical text stays what is scored. Numeric tasks write
        "18/5" as "3.6" (`reasoner.display`).

        Args:
            answer: the canonical answer text (`Answer.value`).
            problem: the problem it answers, when known (e.g. whether it is about money).

        Returns:
            The text to show; the answer itself by default.
        """
        return answer

    @abc.abstractmethod
    def check(self, problem: Problem, value: Any) -> Verdict:
        """Judge `value` using the problem only (no gold): passed, failed or unknown."""

    @abc.abstractmethod
    def score(self, example: Example, value: Any) -> bool:
        """True when `value` is a correct answer to `example` (uses gold)."""

    def gold_text(self, gold: Any) -> str | None:
        """The gold written as an answer would be, for reports (e.g. Hanoi's move list as
        "Move disk 1 from A to B" lines, not JSON); None when `format` cannot write it.

        Args:
            gold: an example's gold.

        Returns:
            `format(gold)`, or None when that fails or is empty (reports then show JSON).
        """
        try:
            text = self.format(gold)
        except Exception:  # a gold of another shape than parsed values (chess: a dict)
            return None
        return text if isinstance(text, str) and text.strip() else None

    def same_answer(self, value: Any, other: Any) -> bool:
        """Whether two parsed answers are one answer, for votes that count them together;
        numeric tasks compare numbers (`numbers_equal`), so float renderings of one
        number are one vote. Never uses gold.

        Args:
            value: a parsed answer.
            other: another.

        Returns:
            True when they are the same answer; by default when they are equal.
        """
        return bool(value == other)

    def canonical(self, text: str) -> str | None:
        """The canonical answer string found in `text`, or None when there is none."""
        value = self.parse(text)
        return None if value is None else self.format(value)

    def pal_exemplars(self) -> list[PalExemplar]:
        """Worked programs for PAL prompts; empty means the generic set is used."""
        return []

    def direct_exemplars(self) -> list[tuple[str, str]]:
        """(question, answer) pairs for few-shot direct prompts; may be empty."""
        return []

    def answer_constraint(self, problem: Problem) -> AnswerConstraint | None:
        """What a bare answer to `problem` may be, for constrained decoding (no gold);
        None when the task cannot say (free text)."""
        return None

    def program_limits(self, problem: Problem) -> dict[str, Any]:
        """Sandbox limits this problem's programs need beyond the defaults, e.g.
        `{"max_output_bytes": ...}` for an answer that is long by nature."""
        return {}

    def details(self, problem: Problem, value: Any) -> dict[str, Any]:
        """Extra per-result facts for reports (e.g. optimality, illegal move); no gold."""
        return {}
