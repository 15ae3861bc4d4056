"""The plug-in door: built-ins and an outside package are found the same way."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import REPO

from reasoner import plugins


def test_builtins_come_through_entry_points():
    assert {"smollm2", "hf", "openai", "scripted"} <= set(plugins.models.names())
    assert {
        "direct",
        "cot",
        "pal",
        "cove",
        "check",
        "sympy_check",
        "z3_check",
        "vote",
        "retry",
        "abstain",
    } <= set(plugins.strategies.names())
    assert {"hanoi", "arithmetic", "gsm8k", "chess", "freeform"} <= set(plugins.tasks.names())
    for kind in (plugins.models, plugins.strategies, plugins.tasks):
        for name in kind.names():
            assert kind.describe(name) and not kind.describe(name).startswith("(broken")


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(REPO / "examples" / "plugin"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = dict(os.environ, PYTHONPATH=str(target), COLUMNS="200")
    return env


def test_an_installed_outside_package_shows_up_in_reasoner_list(installed_example):
    out = subprocess.run(
        [sys.executable, "-m", "reasoner", "list"],
        env=installed_example,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    line = next(ln for ln in out.splitlines() if "double_check" in ln)
    assert "Re-derive the answer" in line and "my-strategies" in line


def test_the_readme_plugin_example_runs_in_a_pipeline(installed_example):
    script = (
        "import json\n"
        "from reasoner import solve\n"
        "from reasoner.models.scripted import ScriptedModel\n"
        "a = solve('What is 2 + 3?', 'direct >> double_check(temperature=0.0) >> abstain(t=0.9)',"
        " ScriptedModel(['Answer: 5', 'Answer: 5']))\n"
        "b = solve('What is 2 + 3?', 'direct >> double_check >> abstain(t=0.9)',"
        " ScriptedModel(['Answer: 5', 'Answer: 6']))\n"
        "print(json.dumps([a.value, a.abstained, b.value, b.abstained,"
        " [v.evidence for v in b.verdicts]]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=installed_example,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    a_value, a_abstained, b_value, b_abstained, evidence = json.loads(out.strip().splitlines()[-1])
    assert (a_value, a_abstained) == ("5", False)
    assert (b_value, b_abstained) == (None, True)
    assert evidence == ["second derivation gave 6"]
