"""No zombie per run, when the harness is a child subreaper or PID 1 (issue 26).

Killing a worker left bubblewrap's init orphaned; a harness that inherits orphans (PID 1 in a
container without an init, or a subreaper) kept one zombie per run, until a long eval could
no longer fork. Each case runs a harness in a fresh interpreter and counts its zombie children.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")

HARNESS = textwrap.dedent(
    """
    import ctypes, json, os, sys, time
    from pathlib import Path
    if "--subreaper" in sys.argv:
        assert ctypes.CDLL(None).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    from reasoner.sandbox import SandboxPool

    def zombies():
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            state, ppid = text[text.rindex(")") + 2 :].split()[:2]
            if int(ppid) == os.getpid() and state == "Z":
                found.append(text.split()[1])
        return found

    programs = [
        "print(1)",
        "import time\\ntime.sleep(5)",  # killed at its timeout
        "import os, time\\nif os.fork() == 0:\\n    time.sleep(30)\\nprint(2)",  # leaves a child
        "import os\\nos.kill(os.getpid(), 9)",  # bwrap exits before its init
        "import os\\nos._exit(3)",
    ]
    with SandboxPool(size=1, isolation="bubblewrap") as pool:
        reasons = [pool.run(code, timeout=0.5).reason for code in programs * 2]
        time.sleep(0.5)
        during = zombies()
    print(json.dumps({"pid": os.getpid(), "reasons": reasons, "during": during,
                      "after": zombies()}))
    """
)
EXPECTED = [None, "timeout", None, "killed", "exit"] * 2


def run_harness(prefix: list[str], *args: str) -> dict:
    done = subprocess.run(
        [*prefix, sys.executable, "-c", HARNESS, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_subreaper_harness_is_left_no_zombie():
    seen = run_harness([], "--subreaper")
    assert seen["reasons"] == EXPECTED
    assert seen["during"] == [] and seen["after"] == [], seen


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare"
)
def test_a_harness_that_is_pid_1_is_left_no_zombie():
    seen = run_harness(["unshare", "--pid", "--fork", "--mount-proc"])
    assert seen["pid"] == 1
    assert seen["reasons"] == EXPECTED
    assert seen["during"] == [] and seen["after"] == [], seen
