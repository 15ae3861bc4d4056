"""The inspect_ai bridge: our tasks as inspect tasks, pipelines as a solver, our grading.

Wiring runs against inspect's `mockllm`, scripted to write programs (its outputs carry their
usage, so inspect need not fetch tiktoken's encoding, which this offline machine cannot);
the real-model tiers run the embedded model behind an OpenAI-compatible server through
inspect's `openai-api` provider.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

inspect_ai = pytest.importorskip("inspect_ai")

from conftest import REPO  # noqa: E402
from inspect_ai import Task  # noqa: E402
from inspect_ai import eval as inspect_eval  # noqa: E402
from inspect_ai.dataset import Sample  # noqa: E402
from inspect_ai.log import EvalLog  # noqa: E402
from inspect_ai.model import ModelOutput, ModelUsage, get_model  # noqa: E402

from reasoner.bridges.inspect.samples import task_spec  # noqa: E402
from reasoner.bridges.inspect.scorer import grade  # noqa: E402
from reasoner.bridges.inspect.solver import ANSWER_KEY, pipeline  # noqa: E402
from reasoner.bridges.inspect.tasks import inspect_task  # noqa: E402
from reasoner.errors import BadPipelineSpec, BadTaskSpec  # noqa: E402

HANOI_PROGRAM = """def move(n, a, spare, b):
    if n:
        move(n - 1, a, b, spare)
        print(f"Move disk {n} from {a} to {b}")
        move(n - 1, spare, a, b)
move(N, SOURCE, SPARE, TARGET)"""


def mock(write):
    """mockllm whose reply is `write(question)`, with its usage filled in."""

    def reply(messages, tools, tool_choice, config):
        output = ModelOutput.from_content(model="mockllm", content=write(messages[-1].text))
        output.usage = ModelUsage(input_tokens=20, output_tokens=8, total_tokens=28)
        return output

    return get_model("mockllm/model", custom_outputs=reply)


def expression_program(question: str) -> str:
    """A right PAL program for "What is <expression>?"."""
    expression = re.search(r"What is (.*)\?", question)[1]
    return f"print({expression})"


def run(task: Task, model, tmp_path, **kw) -> EvalLog:
    (log,) = inspect_eval(task, model=model, log_dir=str(tmp_path), display="none", **kw)
    assert log.status == "success", log.error
    return log


def values(log: EvalLog) -> list[dict[str, float]]:
    return [sample.scores["grade"].value for sample in log.samples]


def mean(log: EvalLog, key: str) -> float:
    """The eval's mean of one score key (inspect lists one EvalScore per key)."""
    (found,) = [s for s in log.results.scores if s.name == key]
    return float(found.metrics["mean"].value)


def test_a_pipeline_solver_answers_with_inspects_model(tmp_path):
    task = inspect_task("arithmetic:digits=1,ops=/,n=3")
    log = run(task, mock(expression_program), tmp_path)
    assert [v["correct"] for v in values(log)] == [1.0, 1.0, 1.0]
    assert [v["S_0.75"] for v in values(log)] == [1.0, 1.0, 1.0]
    fractions = 0
    for sample in log.samples:
        stored = sample.store[ANSWER_KEY]
        assert [v["status"] for v in stored["verdicts"]] == ["passed"]
        exact, shown = sample.scores["grade"].answer, sample.output.completion
        if "/" in exact:  # the output reads as a person writes it; the score keeps "7/4"
            fractions += 1
            numerator, denominator = map(int, exact.split("/"))
            assert "/" not in shown
            assert float(shown.lstrip("≈")) == pytest.approx(numerator / denominator, abs=1e-6)
        else:
            assert shown == exact
    assert fractions > 0
    assert mean(log, "correct") == 1.0


def test_an_abstaining_pipeline_scores_zero_and_a_wrong_answer_its_penalty(tmp_path):
    task = inspect_task("arithmetic:digits=2,n=2")
    wrong = mock(lambda _question: "print(0)")
    abstaining = run(task, wrong, tmp_path, solver=pipeline("pal >> check >> abstain(t=0.75)"))
    assert [v["abstained"] for v in values(abstaining)] == [1.0, 1.0]
    assert [v["S_0.75"] for v in values(abstaining)] == [0.0, 0.0]
    answering = run(task, wrong, tmp_path, solver=pipeline("pal"))
    assert [v["S_0.75"] for v in values(answering)] == [-3.0, -3.0]


def test_a_sampling_stage_gets_every_sample_from_a_provider_that_answers_once(tmp_path):
    # mockllm ignores num_choices: the adapter asks again for the rest.
    log = run(inspect_task("arithmetic:digits=2,n=1"), mock(expression_program), tmp_path,
              solver=pipeline("pal >> vote(n=3)"))  # fmt: skip
    (sample,) = log.samples
    stored = sample.store[ANSWER_KEY]
    assert stored["cost"]["completions"] >= 3 and stored["signals"]["agreement"] == 1.0
    assert values(log)[0]["correct"] == 1.0


def test_a_hanoi_problem_keeps_its_structure_through_inspect(tmp_path):
    task = inspect_task("hanoi:disks=2+3,per_size=2")
    log = run(task, mock(lambda _question: HANOI_PROGRAM), tmp_path)
    assert [v["correct"] for v in values(log)] == [1.0] * 4
    assert log.samples[0].output.completion.startswith("Move disk 1 from")


def test_someone_elses_task_runs_with_our_solver_and_scorer(tmp_path):
    task = Task(
        dataset=[
            Sample(input="What is 2 + 3?", target="5"),
            Sample(input="What is 4 * 4?", target="15"),
        ],
        solver=pipeline("pal >> check"),
        scorer=grade(),
    )
    log = run(task, mock(expression_program), tmp_path)
    assert [v["correct"] for v in values(log)] == [1.0, 0.0]  # the second target is wrong
    assert log.samples[0].store[ANSWER_KEY]["trace"][0]["kind"] == "route"


def test_a_bad_pipeline_fails_before_any_sample_runs():
    with pytest.raises(BadPipelineSpec, match="unknown stage 'nonsense'"):
        pipeline("pal >> nonsense")


def test_task_options_become_our_spec():
    assert task_spec("hanoi", {"disks": "1-4", "vary_pegs": False}) == (
        "hanoi:disks=1-4,vary_pegs=false"
    )
    with pytest.raises(BadTaskSpec, match="disks=3"):
        task_spec("hanoi", {"disks": [3, 5]})


def test_the_core_never_imports_the_bridge():
    core = REPO / "src" / "reasoner"
    importers = [
        path
        for path in core.rglob("*.py")
        if "bridges" not in path.parts
        and re.search(r"\binspect_ai\b|reasoner\.bridges", path.read_text())
    ]
    assert importers == []
    probe = (
        "import sys, reasoner, reasoner.cli, reasoner.serve; assert 'inspect_ai' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=120)


@pytest.mark.engine
def test_the_embedded_gguf_on_llama_server_answers_through_inspect(smollm2_llamacpp, tmp_path):
    model = get_model(
        f"openai-api/llamacpp/{smollm2_llamacpp.model}",
        base_url=smollm2_llamacpp.base_url,
        api_key="none",
    )
    log = run(inspect_task("arithmetic:digits=1,ops=+,n=3"), model, tmp_path)
    assert len(log.samples) == 3
    for sample in log.samples:
        stored = sample.store[ANSWER_KEY]
        assert stored["cost"]["model_calls"] >= 1 and stored["cost"]["tokens_out"] > 0
        assert stored["attempts"][0]["program"]  # the model wrote a program
    usage = log.stats.model_usage
    assert sum(u.output_tokens for u in usage.values()) > 0
    assert mean(log, "correct") > 0  # 1-digit sums: PAL gets some


@pytest.mark.model
def test_reasoner_serve_is_an_openai_compatible_model_for_inspect(smollm2, tmp_path):
    from serve_fixtures import running_server

    with running_server(smollm2, pipeline="pal >> check") as (base, _):
        model = get_model("openai-api/reasoner/reasoner", base_url=f"{base}/v1", api_key="none")
        # inspect asks the served pipeline (pal on the embedded model); `direct` reads its reply.
        log = run(inspect_task("arithmetic:digits=1,ops=+,n=1"), model, tmp_path,
                  solver=pipeline("direct"))  # fmt: skip
    (sample,) = log.samples
    stored = sample.store[ANSWER_KEY]
    assert stored["cost"]["model_calls"] == 1 and not stored["error"]
    served_reply = stored["attempts"][0]["text"]
    assert served_reply and sample.output.completion in served_reply
    usage = log.stats.model_usage["openai-api/reasoner/reasoner"]
    assert usage.output_tokens > 0  # the served pipeline's own model tokens, reported back
