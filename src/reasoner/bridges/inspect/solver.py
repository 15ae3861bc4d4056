"""Any pipeline as an inspect solver: `--solver reasoner/pipeline -S pipeline="pal >> check"`.

The pipeline runs on the sample's Problem (never its target) with inspect's model behind
it, exactly as `reasoner.solve` runs it with ours: same prompts, same sandbox, same checks.
The Answer goes into the sample's store for the scorer (and the log viewer), and the
sample's output is the answer as a person writes it, or the line saying why there is none.
"""

from __future__ import annotations

from inspect_ai.model import ChatMessageAssistant, ModelOutput
from inspect_ai.solver import Generate, Solver, TaskState, solver

from reasoner.bridges.inspect.model import InspectModel
from reasoner.bridges.inspect.samples import TASK_KEY, problem_of
from reasoner.display import shown_answer
from reasoner.outcomes import outcome_line
from reasoner.pipeline import Pipeline
from reasoner.solving import asolve, routed_problem
from reasoner.task import Task
from reasoner.types import Problem, TraceEvent

#: Where the solver leaves the Answer (as JSON) in the sample's store.
ANSWER_KEY = "reasoner_answer"


@solver
def pipeline(pipeline: str = "pal >> check", program_timeout: float = 5.0) -> Solver:
    """Run a reasoner pipeline on each sample with the eval's model.

    Args:
        pipeline: a pipeline spec, e.g. "pal >> check >> retry(max=2) >> abstain(t=0.75)".
        program_timeout: seconds a generated program may run in the sandbox.

    Returns:
        The solver. A spec that does not parse fails here, before any sample runs.
    """
    parsed = Pipeline.parse(pipeline)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        model = InspectModel()
        problem, task, route = _problem(state)
        answer = await asolve(problem, parsed, model, task=task, program_timeout=program_timeout)
        if route is not None:
            answer.trace.insert(0, route)
        state.store.set(ANSWER_KEY, answer.model_dump(mode="json"))
        text = shown_answer(answer, task, problem) or outcome_line(answer) or ""
        state.output = ModelOutput.from_content(model=str(model.inspect_model), content=text)
        state.messages.append(ChatMessageAssistant(content=text))
        return state

    return solve


def _problem(state: TaskState) -> tuple[Problem, Task, TraceEvent | None]:
    spec = state.metadata.get(TASK_KEY)
    if isinstance(spec, str):
        problem, task = problem_of(spec, state.sample_id)
        return problem, task, None
    # Someone else's task: its input is a free-text question, routed as `solve` routes it.
    return routed_problem(state.input_text, None)
