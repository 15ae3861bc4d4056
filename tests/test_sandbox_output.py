"""A program's output costs the harness little to read and little to store (issue 26)."""

from __future__ import annotations

import shutil
import time

import pytest

from reasoner.sandbox import SandboxPool

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")


@pytest.fixture(scope="module")
def cold_pool():
    """No warm workers: no refill thread spends the harness's CPU during a measurement."""
    with SandboxPool(size=0, isolation="bubblewrap") as p:
        p.run("pass")
        yield p


def test_one_byte_writes_to_stdout_and_stderr_cost_the_harness_little_cpu(cold_pool):
    code = (
        "import os, time\nend = time.monotonic() + 2\n"
        "while time.monotonic() < end:\n    os.write(1, b'x')\n    os.write(2, b'y')\n"
        "print('done')"
    )
    cpu = time.process_time()
    result = cold_pool.run(code, timeout=10, max_output_bytes=50_000_000)
    used = time.process_time() - cpu
    assert result.ok, result
    assert result.stdout.endswith("xdone\n") and result.stderr.count("y") > 1000
    # Read a byte per select round, this cost ~0.7 s here; it now gathers for 10 ms at a time.
    assert used < 0.25, used


def test_the_status_line_is_not_delayed_by_a_trickle_before_it(cold_pool):
    code = "import os\nfor _ in range(50):\n    os.write(1, b'x')\n"
    result = cold_pool.run(code)
    assert result.ok and result.stdout == "x" * 50, result
    assert result.duration_s < 0.5, result


def test_pal_stores_a_clipped_stderr_like_its_stdout():
    from reasoner import solve
    from reasoner.models.scripted import ScriptedModel
    from reasoner.sandbox import arun_program
    from reasoner.session import TRACE_CHARS

    program = "import sys\nsys.stderr.write('e' * 60000)\nprint('o' * 60000)\nprint(5)"
    answer = solve(
        "What is 2 + 3?",
        "pal",
        ScriptedModel([f"```python\n{program}\n```"]),
        run_program=arun_program,
    )
    execution = answer.attempts[0].execution
    assert execution is not None and execution.ok
    for text in (execution.stdout, execution.stderr):
        assert TRACE_CHARS <= len(text) < TRACE_CHARS + 100 and "characters cut" in text
    assert execution.stdout.endswith("5\n") and execution.stderr.endswith("e")
