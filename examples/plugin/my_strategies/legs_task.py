"""A task: how many legs do S spiders and A ants have? Generated problems, integer gold."""

import random
import re
from collections.abc import Iterator
from typing import Any

from reasoner import Example, PalExemplar, Problem, Task, Verdict


class LegsTask(Task):
    """Spiders have 8 legs, ants 6; the answer is a whole number."""

    name = "legs"
    answer_instruction = "End your reply with a line 'Answer: <number>'."

    def __init__(self, n: int, seed: int) -> None:
        super().__init__()  # sets `spec` and `errors` (defaults exist without it too)
        rng = random.Random(seed)
        self.counts = [(rng.randint(1, 9), rng.randint(1, 9)) for _ in range(n)]

    def examples(self) -> Iterator[Example]:
        for i, (spiders, ants) in enumerate(self.counts):
            problem = Problem(
                id=f"legs-{i}",  # unique within the task: results and resumes key on it
                task=self.name,
                prompt=f"How many legs do {spiders} spiders and {ants} ants have?",
                payload={"spiders": spiders, "ants": ants},  # for check and details
                program_inputs={"SPIDERS": spiders, "ANTS": ants},  # variables in PAL programs
                difficulty={"animals": spiders + ants},  # reports cut results by it
            )
            yield Example(problem=problem, gold=8 * spiders + 6 * ants)  # gold stays out

    def parse(self, text: str) -> int | None:
        numbers = re.findall(r"-?\d+", text.replace(",", ""))
        return int(numbers[-1]) if numbers else None

    def check(self, problem: Problem, value: Any) -> Verdict:
        # Inference time: the problem only, never gold. This check can refute an answer
        # (too few or too many legs) but not confirm one, so passing it is "unknown".
        animals = problem.payload["spiders"] + problem.payload["ants"]
        if not 6 * animals <= value <= 8 * animals:
            evidence = f"{value} legs is impossible for {animals} animals of 6 or 8 legs"
            return Verdict(checker=self.name, status="failed", evidence=evidence)
        return Verdict(checker=self.name, status="unknown", evidence="plausible")

    def score(self, example: Example, value: Any) -> bool:
        return value == example.gold

    def pal_exemplars(self) -> list[PalExemplar]:
        return [
            PalExemplar(
                question="How many legs do 2 spiders and 5 ants have?",
                inputs={"SPIDERS": 2, "ANTS": 5},
                program="legs = SPIDERS * 8 + ANTS * 6\nprint(legs)",
            )
        ]


def legs(n: int = 5, seed: int = 0) -> LegsTask:
    """How many legs do S spiders and A ants have? (generated, integer answers)

    Args:
        n: how many problems.
        seed: seeds the counts.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    return LegsTask(n, seed)
