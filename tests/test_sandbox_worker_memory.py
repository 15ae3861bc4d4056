"""The worker's reading of a SystemError raised at the address-space limit.

CPython can report a failed allocation deep in the interpreter (a frame pushed when RLIMIT_AS
is reached, as unbounded recursion under a 128 MiB limit does) as "SystemError: error return
without exception set". The worker calls that a memory outcome only when the process's peak
address space did reach its limit; a SystemError the program raises itself stays an error.
Each case runs in a fresh interpreter, because it lowers RLIMIT_AS for good.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

WORKER_SETUP = """
import json, os, resource
import reasoner.sandbox._worker as worker
"""


def _in_fresh_interpreter(body: str) -> dict:
    script = WORKER_SETUP + textwrap.dedent(body)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_peak_at_the_limit_counts_as_exhausted_and_no_limit_never_does():
    seen = _in_fresh_interpreter(
        """
        unlimited = worker._address_space_exhausted()
        with open("/proc/self/status") as status:
            peak_kib = next(int(l.split()[1]) for l in status if l.startswith("VmPeak:"))
        far = (peak_kib * 1024) * 4
        resource.setrlimit(resource.RLIMIT_AS, (far, resource.RLIM_INFINITY))
        far_below = worker._address_space_exhausted()
        near = peak_kib * 1024 + 4 * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (near, resource.RLIM_INFINITY))
        print(json.dumps([unlimited, far_below, worker._address_space_exhausted()]))
        """
    )
    assert seen == [False, False, True]


def test_a_systemerror_at_the_limit_is_memory_and_one_raised_by_the_program_is_an_error():
    seen = _in_fresh_interpreter(
        """
        own = worker._run("raise SystemError('mine')", {}, False, os.getpid())[0]
        worker._address_space_exhausted = lambda: True
        at_limit = worker._run("raise SystemError('x')", {}, False, os.getpid())[0]
        print(json.dumps([own["kind"], own["error"], at_limit["kind"]]))
        """
    )
    own_kind, own_error, at_limit_kind = seen
    assert own_kind == "error" and "SystemError: mine" in own_error
    assert at_limit_kind == "memory"
