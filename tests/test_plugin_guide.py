"""docs/plugins.md cannot rot: its code is the example package's, and its usage blocks run.

Also the plug-in API's promises the guide relies on: the public names, a Task without
`super().__init__()`, and gold shown in the answer's form in reports.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from conftest import REPO

import reasoner
from reasoner import Example, PalExemplar, Problem, Task, Verdict
from reasoner.eval import evaluate
from reasoner.models.scripted import ScriptedModel

GUIDE = REPO / "docs" / "plugins.md"
PACKAGE = REPO / "examples" / "plugin"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks(language: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(GUIDE.read_text()) if lang == language]


def module_blocks() -> dict[str, str]:
    """The guide's python blocks that are files of the example package, by path."""
    found = {}
    for body in blocks("python"):
        first, _, rest = body.partition("\n")
        if first.startswith("# my_strategies/"):
            found[first.removeprefix("# ")] = rest
    return found


def test_the_guides_modules_are_the_example_packages_files():
    modules = module_blocks()
    assert set(modules) == {
        "my_strategies/plain_answer.py",
        "my_strategies/double_check.py",
        "my_strategies/best_checked.py",
        "my_strategies/legs_task.py",
    }
    for path, code in modules.items():
        assert code == (PACKAGE / path).read_text(), f"docs/plugins.md differs from {path}"


def test_the_guides_entry_points_are_the_example_packages():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    (toml,) = blocks("toml")
    shown = tomllib.loads(toml)["project"]["entry-points"]
    declared = tomllib.loads((PACKAGE / "pyproject.toml").read_text())["project"]
    assert shown == declared["entry-points"]


def test_the_guides_usage_blocks_run_against_the_scripted_model():
    usage = [b for b in blocks("python") if not b.startswith("# my_strategies/")]
    assert len(usage) == 2 and "assert" in usage[1]
    env = dict(os.environ, PYTHONPATH=str(PACKAGE))
    done = subprocess.run(
        [sys.executable, "-c", "\n".join(usage)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    assert "How many legs do 3 spiders and 2 ants have?" in done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
        + ["--target", str(target), str(PACKAGE)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return dict(os.environ, PYTHONPATH=str(target), COLUMNS="200")


def test_the_installed_example_runs_its_task_and_decider_from_the_cli(installed):
    args = ["run", "-m", "scripted:Answer: 36", "-s", "plain_answer >> best_checked(n=2)"]
    done = subprocess.run(
        [sys.executable, "-m", "reasoner", *args, "-t", "legs:n=2,seed=1"],
        env=installed,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "ran 2 of 2 problems of legs:n=2,seed=1" in done.stdout
    assert "How many legs do 3 spiders and 2 ants have?" in done.stdout
    assert done.stdout.strip().splitlines()[-1].startswith("score: 1/2 correct")


class NoSuperInit(Task):
    """A task whose __init__ forgets super().__init__()."""

    name = "nosuper"

    def __init__(self, n: int = 2) -> None:
        self.n = n

    def examples(self) -> Iterator[Example]:
        for i in range(self.n):
            problem = Problem(id=f"q{i}", task=self.name, prompt=f"What is {i} + 1?")
            yield Example(problem=problem, gold=i + 1)

    def parse(self, text: str) -> int | None:
        found = re.findall(r"\d+", text)
        return int(found[-1]) if found else None

    def check(self, problem: Problem, value: object) -> Verdict:
        return Verdict(checker=self.name, status="unknown")

    def score(self, example: Example, value: object) -> bool:
        return value == example.gold


def test_a_task_without_super_init_still_evaluates():
    task = NoSuperInit()
    assert task.errors == [] and task.spec == "nosuper"
    summary = evaluate([task], ["direct"], ScriptedModel(["Answer: 1"]), progress=False)
    assert summary.rows[0].task == "nosuper" and summary.rows[0].correct == 1
    task.errors.append(reasoner.RowError(source="f", line=3, message="bad"))
    assert [str(e) for e in task.errors] == ["f:3: bad"]


def test_the_public_surface_is_importable_and_includes_what_plugins_use():
    assert {"PalExemplar", "RowError", "Session", "Generator", "Attempt", "BadQuestion"} <= set(
        reasoner.__all__
    )
    for name in reasoner.__all__:
        assert getattr(reasoner, name) is not None, name
    assert PalExemplar(question="q", program="print(1)").inputs == {}


def test_session_methods_plugin_authors_call_are_documented():
    for name in (
        "add_attempt",
        "choose",
        "set_confidence",
        "note",
        "all_attempts",
        "abstain",
        "verdicts_for",
        "propose",
        "verdict",
        "ask",
        "run_program",
    ):
        doc = getattr(reasoner.Session, name).__doc__
        assert doc and len(doc.split()) >= 6, name
    assert "Do not add them" in (reasoner.Generator.propose.__doc__ or "")
    assert "variable name" in (Problem.__doc__ or "")


def test_hanoi_gold_is_shown_as_moves_in_the_report(tmp_path):
    out = tmp_path / "run"
    evaluate(["hanoi:disks=2"], ["direct"], ScriptedModel(["no idea"]), out=out, progress=False)
    result = json.loads((out / "results.jsonl").read_text().splitlines()[0])
    assert result["gold_text"].splitlines()[0] == "Move disk 1 from A to B"
    html = (out / "report.html").read_text()
    assert "gold <code>Move disk 1 from A to B" in html
    assert "gold <code>[[1" not in html
