"""A tiny task and fakes for wiring tests (no model, no sandbox)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reasoner import Example, Problem, Task, Verdict
from reasoner.types import ExecutionResult, PalExemplar


class ToyTask(Task):
    """Questions 'What is a + b?'; gold is the sum. The checker knows the sum too (like
    arithmetic's re-evaluation), which lets wiring tests drive retry deterministically."""

    name = "toy"
    answer_instruction = "End with 'Answer: <number>'."

    def __init__(self, pairs: list[tuple[int, int]] | None = None) -> None:
        super().__init__()
        self.pairs = pairs or [(2, 3), (10, 20)]

    def examples(self) -> Iterator[Example]:
        for i, (a, b) in enumerate(self.pairs):
            problem = Problem(
                id=f"toy-{i}",
                task="toy",
                prompt=f"What is {a} + {b}?",
                payload={"a": a, "b": b},
                program_inputs={"A": a, "B": b},
                difficulty={"digits": len(str(max(a, b)))},
            )
            yield Example(problem=problem, gold=a + b)

    def parse(self, text: str) -> int | None:
        found = re.findall(r"-?\d+", text)
        return int(found[-1]) if found else None

    def check(self, problem: Problem, value: object) -> Verdict:
        expected = problem.payload["a"] + problem.payload["b"]
        ok = value == expected
        return Verdict(
            checker="toy_sum",
            status="passed" if ok else "failed",
            evidence="" if ok else f"{value} is not {problem.prompt[8:-1]}",
        )

    def score(self, example: Example, value: object) -> bool:
        return value == example.gold

    def pal_exemplars(self) -> list[PalExemplar]:
        return [PalExemplar(question="What is 1 + 1?", program="print(1 + 1)")]


async def fake_runner(
    code: str, *, inputs: dict | None = None, timeout: float = 5.0, **limits: object
) -> ExecutionResult:
    """Interprets only `print(<int>)` programs: enough to wire PAL without running code."""
    match = re.fullmatch(r"print\((-?\d+)\)", code.strip())
    if match:
        return ExecutionResult(ok=True, stdout=match.group(1) + "\n", exit_code=0)
    return ExecutionResult(ok=False, error="SyntaxError: not a print", reason="error", exit_code=1)
