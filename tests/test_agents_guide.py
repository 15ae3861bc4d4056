"""docs/agents.md cannot rot: its commands run, its spec line is what `reasoner show agent`
prints, its Python forms build the same pipeline, and its error message is the real one."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import REPO

from reasoner import BadPipelineSpec, Pipeline

GUIDE = REPO / "docs" / "agents.md"
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks(language: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(GUIDE.read_text()) if lang == language]


def reasoner_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reasoner", *args], capture_output=True, text=True, timeout=120
    )


def test_the_guides_show_commands_run():
    commands = [line for body in blocks("bash") for line in body.splitlines() if line.strip()]
    assert commands and all(c.startswith("reasoner show ") for c in commands)
    for command in dict.fromkeys(commands):
        argument = command.removeprefix("reasoner show ").strip().strip('"')
        done = reasoner_cli("show", argument)
        assert done.returncode == 0, done.stderr
        assert "graph TD;" in done.stdout


def test_the_guides_agent_line_is_what_show_prints():
    (shown,) = [b.strip() for b in blocks("") if b.startswith("agent = ")]
    assert reasoner_cli("show", "agent").stdout.splitlines()[0] == shown


def test_the_guides_three_forms_are_one_pipeline():
    (code,) = blocks("python")
    lines = [line for line in code.splitlines() if line and not line.startswith("from ")]
    namespace: dict = {}
    exec("from reasoner import Pipeline, stage", namespace)  # noqa: S102 - the guide's own code
    built = [eval(line, namespace) for line in lines]  # noqa: S307 - the guide's own code
    assert len(built) == 3 and built[0] == built[1] == built[2]


def test_the_guides_error_message_is_the_real_one():
    quoted = re.search(r"gives\n?`(bad stage 'pal \| cot'[^`]*)`", GUIDE.read_text())
    assert quoted is not None
    with pytest.raises(BadPipelineSpec) as caught:
        Pipeline.parse("pal | cot")
    assert str(caught.value) == quoted.group(1)
