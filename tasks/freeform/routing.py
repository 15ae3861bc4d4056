"""Routing a free-text question to the task whose worked examples fit it.

`reasoner.solve("...")` with no task used to prompt every question with the four generic
exemplars; a small model then writes worse programs than the tasks' own prompts get (0.625
on multi-term arithmetic where the arithmetic task's exemplars score ~1.0). The rules, tried
in order, are deterministic and look only at the question's text:

1. arithmetic: the question is a bare expression ("What is 4821 - (2213 * 17) + 96?",
   "Compute 12 * 5", "3 + 4 * 2") -> the arithmetic task's PAL and direct exemplars; the
   problem stays a freeform one, whose check re-evaluates the expression exactly.
2. hanoi: the question mentions the Tower of Hanoi and its disk count and source and target
   pegs can be read -> a Hanoi problem whose programs are handed what the router read (`N`,
   `SOURCE`, `SPARE`, `TARGET`), with the Hanoi exemplars, parser and simulator as checker.
   The router's regular expressions, not the model, read a user's free phrasing; the
   benchmark mode that makes the model read is the task's `inputs=none`.
3. chess: the question holds a FEN position -> a chess problem whose programs are handed
   `FEN`, with the chess exemplars, parser and checker (legality, mate, engine).
4. anything else: the generic exemplars (`prompts.WORKED`).

`solve` records the route as the first trace event, so a user can see which exemplars were
chosen and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import chess as pychess

from reasoner.task import Task
from reasoner.types import Problem
from reasoner_tasks.freeform.task import FreeformTask, make_problem, question_expression

_HANOI = re.compile(r"\b(?:tower|towers)\s+of\s+hanoi\b|\bhanoi\b", re.IGNORECASE)
_DISKS = re.compile(r"\b([0-9]{1,2})\s+(?:disks?|discs?)\b", re.IGNORECASE)
# Peg names are capital letters (case-sensitive), so "to a smaller disk" names no peg.
_SOURCE = re.compile(
    r"\b(?i:peg|rod|tower)\s+([A-Z])\s+(?i:holds)\b|\b(?i:from)\s+(?:(?i:peg|rod)\s+)?([A-Z])\b"
)
_TARGET = re.compile(r"\b(?i:to)\s+(?:(?i:peg|rod)\s+)?([A-Z])\b")
_PEG_LIST = re.compile(r"\bpegs?:?\s+([A-Z]),\s*([A-Z]),?\s+and\s+([A-Z])\b")
_FEN = re.compile(
    r"(?:[pnbrqkPNBRQK1-8]{1,8}/){7}[pnbrqkPNBRQK1-8]{1,8}\s+[wb]\s+(?:-|[KQkq]{1,4})\s+"
    r"(?:-|[a-h][36])(?:\s+[0-9]{1,3}\s+[0-9]{1,4})?"
)


@dataclass(frozen=True)
class Route:
    """Where a free-text question went.

    Attributes:
        name: "arithmetic", "hanoi", "chess" or "generic": whose exemplars prompt it.
        reason: one sentence for the trace.
        problem: the problem to solve.
        task: the task that parses, checks and supplies exemplars.
    """

    name: str
    reason: str
    problem: Problem
    task: Task


class ArithmeticExemplarsTask(FreeformTask):
    """A free-text arithmetic question: freeform parsing and checking, the arithmetic
    task's worked examples."""

    def pal_exemplars(self):  # type: ignore[no-untyped-def]
        from reasoner_tasks.arithmetic.prompts import pal_exemplars

        return pal_exemplars()

    def direct_exemplars(self) -> list[tuple[str, str]]:
        from reasoner_tasks.arithmetic.prompts import direct_exemplars

        return direct_exemplars()


class RoutingFreeformTask(FreeformTask):
    """The freeform task `solve()` uses: it also routes a question to the task whose worked
    examples fit it (`route`)."""

    def route(self, question: str) -> Route:
        """Which task's exemplars fit `question`, with its problem and task.

        Args:
            question: free text.

        Returns:
            The route: name, reason, problem, task.
        """
        return route(question)


def route(question: str) -> Route:
    """The route for one free-text question (module doc: the rules and their order).

    Args:
        question: the user's question.

    Returns:
        The route, with the problem and the task to solve it with.
    """
    problem = make_problem(question)
    expression = question_expression(question)
    if expression is not None:
        task = ArithmeticExemplarsTask()
        task.spec = "freeform:exemplars=arithmetic"
        reason = f"the question is the bare expression {expression}: arithmetic exemplars"
        return Route("arithmetic", reason, problem, task)
    if _HANOI.search(question):
        found = _hanoi_problem(question, problem)
        if found is not None:
            return found
    fen = _FEN.search(question)
    if fen is not None:
        found = _chess_problem(question, fen.group(0), problem)
        if found is not None:
            return found
    reason = "no task's pattern matched (bare expression, Tower of Hanoi, FEN): generic exemplars"
    return Route("generic", reason, problem, FreeformTask())


def _hanoi_problem(question: str, base: Problem) -> Route | None:
    from reasoner_tasks.hanoi import MAX_DISKS, HanoiTask

    disks = _DISKS.search(question)
    source = _SOURCE.search(question)
    target = _TARGET.search(question)
    if disks is None or source is None or target is None:
        return None
    size = int(disks.group(1))
    src = source.group(1) or source.group(2)
    dst = target.group(1)
    listed = _PEG_LIST.search(question)
    pegs = list(listed.groups()) if listed else ["A", "B", "C"]
    spare = [p for p in pegs if p not in (src, dst)]
    if not 1 <= size <= MAX_DISKS or src == dst or src not in pegs or dst not in pegs:
        return None
    payload = {"disks": size, "source": src, "spare": spare[0], "target": dst}
    inputs = {"N": size, "SOURCE": src, "SPARE": spare[0], "TARGET": dst}
    problem = base.model_copy(
        update={
            "task": "hanoi",
            "payload": payload,
            "program_inputs": inputs,
            "difficulty": {"disks": size},
        }
    )
    task = HanoiTask([size], 1, 0, False)
    task.spec = "hanoi"
    reason = (
        f"a Tower of Hanoi question ({size} disks, {src} to {dst}, read by the router): "
        "Hanoi exemplars, programs handed N, SOURCE, SPARE, TARGET"
    )
    return Route("hanoi", reason, problem, task)


def _chess_problem(question: str, fen: str, base: Problem) -> Route | None:
    from reasoner_tasks.chess import ChessTask

    try:
        board = pychess.Board(fen)
    except ValueError:
        return None
    if not board.is_valid():
        return None
    mate = re.search(r"\bmate\b|\bcheckmate\b", question, re.IGNORECASE) is not None
    payload = {
        "source": "freeform",
        "fen": board.fen(),
        "solver_moves": 1,
        "mate_in": 1 if mate else None,
    }
    problem = base.model_copy(
        update={"task": "chess", "payload": payload, "program_inputs": {"FEN": board.fen()}}
    )
    task = ChessTask([], "fen")
    task.spec = "chess"
    reason = "the question holds a FEN position: chess exemplars, programs handed FEN"
    return Route("chess", reason, problem, task)
