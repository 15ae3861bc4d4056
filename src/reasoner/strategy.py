"""What a strategy is: a factory whose arguments are its configuration.

A factory (marked with `@strategy`, exposed through the `reasoner.strategies` entry point)
returns one of three things, and the graph compiler wires each its own way:

- a `Generator`: proposes candidate answers (direct, cot, pal, cove); later stages can ask it
  for more samples (vote) or for a repair given a checker's evidence (retry);
- a `Stage`: an async function of the `Session` that checks or decides (check, abstain, ...);
- a `Loop`: a conditional edge back to the verifiers with a budget (retry).
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from reasoner.types import Attempt

if TYPE_CHECKING:
    from reasoner.session import Session

Stage = Callable[["Session"], Awaitable[None]]
F = TypeVar("F", bound=Callable[..., Any])


def strategy(factory: F) -> F:
    """Mark a function as a strategy factory (marking only: entry points register it)."""
    factory.__reasoner_strategy__ = True  # type: ignore[attr-defined]
    return factory


class Generator(abc.ABC):
    """Proposes candidate answers; the stage that runs it becomes the pipeline's generator.

    A pipeline starts with a generator; a stage factory returns an instance of a subclass
    (see docs/plugins.md for a worked example). `name` labels its attempts.
    """

    name: str = "generator"

    @abc.abstractmethod
    async def propose(
        self, s: Session, *, feedback: str | None = None, n: int = 1, temperature: float = 0.0
    ) -> list[Attempt]:
        """Produce `n` attempts for `s.problem`, and return them.

        Do not add them to the session: the graph records the returned attempts (the
        first becomes the candidate), and `vote`/`retry` call `propose` again for more
        samples or a repair and decide themselves what to keep. Call the model through
        `s.ask` and programs through `s.run_program`, so both land in the trace.

        Args:
            s: the session (problem, task, model, trace).
            feedback: evidence from failed checks of the previous candidate, to repair it.
            n: how many independent attempts.
            temperature: sampling temperature (0 = greedy).

        Returns:
            The attempts, each with `answer` set when one could be parsed.
        """


@dataclass(frozen=True)
class Loop:
    """Go back to the verifiers after a repair while the candidate fails, `max` times at most."""

    max: int
    name: str = "retry"
    #: Sampling temperature of the repairs (0: greedy).
    temperature: float = 0.0


@dataclass(frozen=True)
class Switch:
    """Go to another generator (or sub-pipeline) when the candidate fails, XoT-style.

    The graph routes from the switch to `target`'s first stage when `when` holds for the
    candidate (or its confidence is below `below`), and past it otherwise. The earlier
    candidates stay in the pool, so a decider after the switch weighs both methods.
    """

    #: The stages to switch to, built (a list of `reasoner.stages` nodes).
    target: Any
    target_spec: str
    #: "failed": no answer, a failed program or a failed verdict; "unverified": no check
    #: passed it (word problems, where checks can only fail).
    when: str = "failed"
    below: float | None = None


@dataclass(frozen=True)
class Rounds:
    """A decider that runs in rounds: its node repeats while `again(s)` says so, at most
    `max_rounds` times, as a conditional edge back to itself (adaptive voting)."""

    step: Stage
    again: Callable[[Session], bool]
    max_rounds: int
