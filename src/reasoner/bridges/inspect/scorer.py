"""Our grading in inspect: `Task.score` against gold, and the confidence-target score S(t).

S(t) is Kalai et al.'s ("Why Language Models Hallucinate", 2025): a right answer scores 1,
an abstention 0, a wrong one -t/(1-t), so answering pays only when the chance of being
right exceeds t. A run without an answer that did not abstain (a failed program, an error)
counts as wrong, as in our reports. Each sample's score is a dict (`correct`, `abstained`,
`S_0.5`, ...), and inspect shows the mean and standard error of each.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState

from reasoner.bridges.inspect.samples import TASK_KEY, example_of
from reasoner.bridges.inspect.solver import ANSWER_KEY
from reasoner.loading import load_task
from reasoner.outcomes import outcome_line
from reasoner.report.metrics import score_t
from reasoner.task import Task
from reasoner.types import Answer, Example, Problem

#: The thresholds S(t) is reported at unless the scorer is given others.
THRESHOLDS = (0.5, 0.75, 0.9)


@scorer(metrics={"*": [mean(), stderr()]})
def grade(thresholds: Sequence[float] = THRESHOLDS) -> Scorer:
    """Grade the pipeline's answer with the task's own `score`, and S(t) at each threshold.

    Args:
        thresholds: the t values of S(t), each in [0, 1).

    Returns:
        The scorer; a sample's value is {"correct", "abstained", "S_<t>" for each t}.
    """
    ts = [float(t) for t in thresholds]
    if any(not 0.0 <= t < 1.0 for t in ts):
        raise ValueError(f"thresholds must be in [0, 1), got {list(thresholds)}")

    async def score(state: TaskState, target: Target) -> Score:
        stored = state.store.get(ANSWER_KEY)
        if stored is None:
            return _scored("wrong", ts, None, "the reasoner/pipeline solver did not run")
        answer = Answer.model_validate(stored)
        example, task = _example(state, target)
        outcome = outcome_of(answer, task, example)
        why = outcome_line(answer) or f"{outcome}: answered {answer.value!r}"
        return _scored(outcome, ts, answer, why)

    return score


def outcome_of(answer: Answer, task: Task, example: Example) -> str:
    """'correct', 'abstained' or 'wrong', by the rule of `reasoner eval`: correct needs an
    answer, no abstention, no error, and the task's `score` against the gold."""
    if answer.error:
        return "wrong"
    if answer.abstained:
        return "abstained"
    value = task.parse(answer.value) if answer.value is not None else None
    return "correct" if value is not None and task.score(example, value) else "wrong"


def _example(state: TaskState, target: Target) -> tuple[Example, Task]:
    spec = state.metadata.get(TASK_KEY)
    if isinstance(spec, str):
        return example_of(spec, state.sample_id)
    # Someone else's task: free text graded as our freeform task grades (numbers as numbers).
    freeform = load_task("freeform")
    problem = Problem(id=str(state.sample_id), task="freeform", prompt=state.input_text)
    return Example(problem=problem, gold=target.text), freeform


def _scored(outcome: str, ts: list[float], answer: Answer | None, why: str) -> Score:
    value: dict[str, float] = {
        "correct": float(outcome == "correct"),
        "abstained": float(outcome == "abstained"),
    }
    for t in ts:
        value[f"S_{t:g}"] = score_t([outcome], t)
    return Score(
        value=value,  # type: ignore[arg-type]
        answer=answer.value if answer is not None else None,
        explanation=why,
        metadata={
            "outcome": outcome,
            "confidence": answer.confidence if answer is not None else None,
        },
    )
