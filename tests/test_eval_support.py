"""Shared pieces for the evaluator tests: a deterministic toy model and a small eval.

No tests here; the `test_eval_*` modules import it.
"""

from __future__ import annotations

import re
from typing import Any

from toy import ToyTask, fake_runner

from reasoner.eval import evaluate
from reasoner.models.scripted import ScriptedModel
from reasoner.types import GenerationRequest

PIPELINES = ["pal >> check", "direct >> vote(n=3) >> abstain(t=0.9)"]
_QUESTION = re.compile(r"What is (-?\d+) \+ (-?\d+)\?")


class ToyReplies:
    """Replies that depend only on the request (and the sample's index within it), so a
    run gives the same answers whatever the order cells run in.

    PAL writes `print(a + b)` except when a % 4 == 0 (off by one); direct answers are off by
    one when a % 3 == 0; sampled replies (vote) disagree on every other sample when a is odd,
    which drives vote's confidence below abstain's threshold.
    """

    def __init__(self) -> None:
        self._last: GenerationRequest | None = None
        self._k = 0

    def __call__(self, request: GenerationRequest) -> str:
        # ScriptedModel asks once per sample, back to back, for the same request object.
        self._k = self._k + 1 if request is self._last else 0
        self._last = request
        found = _QUESTION.findall(request.messages[-1].content)
        if not found:
            return "no idea"
        a, b = (int(x) for x in found[-1])
        if "program" in request.messages[-1].content:
            return f"```python\nprint({a + b + (1 if a % 4 == 0 else 0)})\n```"
        value = a + b + (1 if a % 3 == 0 else 0)
        if request.temperature > 0 and a % 2 == 1 and self._k % 2 == 0:
            value += 7
        return f"Answer: {value}"


def toy_model(delay_s: float = 0.0) -> ScriptedModel:
    return ScriptedModel(ToyReplies(), delay_s=delay_s)


def toy_tasks(n: int = 10) -> list[ToyTask]:
    small = ToyTask([(i, i + 1) for i in range(1, n + 1)])
    big = ToyTask([(10 * i + 3, 40 * i) for i in range(1, n + 1)])
    big.spec = "toy:big"
    return [small, big]


def run_small_eval(
    out: Any,
    *,
    n: int = 10,
    delay_s: float = 0.0,
    concurrency: int = 4,
    plots: bool = False,
    **kwargs: Any,
) -> Any:
    """The small eval the tests run: 2 toy tasks x 2 pipelines x n problems.

    Plots are off unless asked for: drawing them takes longer than the eval itself, and
    the report tests cover them.
    """
    return evaluate(
        toy_tasks(n),
        list(PIPELINES),
        toy_model(delay_s),
        out=out,
        concurrency=concurrency,
        run_program=fake_runner,
        progress=False,
        plots=plots,
        **kwargs,
    )
