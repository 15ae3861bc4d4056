"""docs/inspect.md cannot rot: its `inspect eval` commands run as written and score as it
says, and its real-model example runs on the embedded GGUF when the engine is installed.
(Its `pip install -e '.[inspect]'` is what scripts/setup.sh runs.)"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("inspect_ai")

from conftest import REPO  # noqa: E402
from inspect_ai.log import read_eval_log  # noqa: E402

GUIDE = REPO / "docs" / "inspect.md"
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
INSPECT = Path(sys.executable).with_name("inspect")


def blocks(language: str) -> list[str]:
    return [body.strip() for lang, body in _BLOCK.findall(GUIDE.read_text()) if lang == language]


def inspect_eval(command: str, log_dir: Path):
    args = shlex.split(command)
    assert args[:2] == ["inspect", "eval"]
    done = subprocess.run(
        [str(INSPECT), *args[1:], "--log-dir", str(log_dir), "--display", "plain"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=log_dir,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (path,) = log_dir.glob("*.eval")
    log = read_eval_log(str(path))
    assert log.status == "success"
    return log


def test_the_guides_commands_are_setup_and_two_evals():
    install, *evals = blocks("bash")
    assert install == "pip install -e '.[inspect]'"
    assert "'.[dev,serve,inspect]'" in (REPO / "scripts" / "setup.sh").read_text()
    assert len(evals) == 2


def test_the_guides_arithmetic_eval_is_the_issues_command_and_scores_as_it_says(tmp_path):
    command = blocks("bash")[1]
    assert command == (
        "inspect eval reasoner/arithmetic -T digits=3 -T n=4 --solver reasoner/pipeline "
        "-S pipeline=pal --model mockllm/model"
    )
    log = inspect_eval(command, tmp_path)
    assert log.eval.task_args == {"digits": 3, "n": 4}
    assert log.eval.solver == "reasoner/pipeline" and log.eval.solver_args == {"pipeline": "pal"}
    scores = [sample.scores["grade"].value for sample in log.samples]
    assert len(scores) == 4
    for value in scores:
        assert value["correct"] == 0 and value["abstained"] == 0
        assert (value["S_0.5"], value["S_0.75"]) == (-1, -3)
        assert value["S_0.9"] == pytest.approx(-9)


def test_the_guides_hanoi_eval_runs_a_composed_pipeline(tmp_path):
    command = blocks("bash")[2]
    assert '"pipeline=pal >> check >> retry(max=1)"' in command
    log = inspect_eval(command, tmp_path)
    scores = [sample.scores["grade"].value for sample in log.samples]
    # Two towers (2 and 3 disks); mockllm writes no program, and a retry cannot repair that.
    assert [(v["correct"], v["S_0.75"]) for v in scores] == [(0.0, -3.0), (0.0, -3.0)]


@pytest.mark.engine
def test_the_guides_real_model_example_runs():
    from reasoner.models.engine_install import find_server

    if find_server() is None:
        pytest.skip("the llama.cpp engine is not installed (reasoner engine install)")
    (example,) = blocks("python")
    done = subprocess.run(
        [sys.executable, "-c", example], capture_output=True, text=True, timeout=600, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    status, _, scores = done.stdout.strip().partition(" ")
    assert status == "success"
    assert len(eval(scores)) == 3  # noqa: S307 - our own printed list of floats
