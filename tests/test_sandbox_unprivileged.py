"""The attack families of issue 26 against a harness that is not root.

The harness runs as `nobody` in a subprocess, on the interpreter of the sandbox's mirror tree
(the host's lives under /root, which nobody cannot read). Without root it has no uid range,
no device nodes of its own and no writable cgroups (docs/security.md says what that costs);
what must hold anyway is checked here, one family per key of the script's JSON line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reasoner.sandbox import layout, mirror

REPO = Path(__file__).resolve().parents[1]
SITE = next(p for p in sys.path if p.endswith("site-packages"))
pytestmark = [
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed"),
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user"),
    pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv"),
    pytest.mark.skipif(
        not layout.world_readable([str(REPO / "src"), SITE]),
        reason="the project or its packages are not readable by other users here",
    ),
]

HARNESS = textwrap.dedent(
    """
    import ctypes, json, os, time
    from pathlib import Path
    assert ctypes.CDLL(None).prctl(36, 1, 0, 0, 0) == 0  # a child subreaper, as in a container
    from reasoner.sandbox import SandboxPool

    def zombies():
        found = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            state, ppid = text[text.rindex(")") + 2 :].split()[:2]
            found += int(ppid) == os.getpid() and state == "Z"
        return found

    trickle = (
        "import os, time\\nend = time.monotonic() + 1\\n"
        "while time.monotonic() < end:\\n    os.write(1, b'x')\\n    os.write(2, b'y')\\n"
    )
    seen = {"uid": os.getuid()}
    with SandboxPool(size=0, isolation="bubblewrap") as pool:
        seen["mode"] = pool.mode
        result = pool.run("raise ValueError('x' + chr(0xDC80))")
        seen["border"] = result.model_dump_json()
        seen["inside"] = pool.run(
            "import errno, fcntl, os, socket\\nout = []\\n"
            "for call in (lambda: socket.socket(socket.AF_INET),\\n"
            "             lambda: fcntl.flock(open('/dev/null'), fcntl.LOCK_EX),\\n"
            "             lambda: os.open(os.__file__, os.O_RDONLY | os.O_DIRECT)):\\n"
            "    try:\\n        call()\\n        out.append('ok')\\n"
            "    except OSError as e:\\n        out.append(errno.errorcode[e.errno])\\n"
            "print(out, open('/proc/self/uid_map').read().split())"
        ).stdout
        cpu = time.process_time()
        pool.run(trickle, timeout=5, max_output_bytes=10**8)
        seen["trickle_cpu_s"] = time.process_time() - cpu
        for code in ("import os\\nos.kill(os.getpid(), 9)", "import time\\ntime.sleep(5)"):
            pool.run(code, timeout=0.5)
    seen["zombies"] = zombies()
    print(json.dumps(seen))
    """
)


def test_a_harness_that_is_not_root_keeps_every_family_contained():
    tree = mirror.sandbox_root(layout.root_entries(layout.discover()), layout.ROOT_MOUNT_POINTS)
    executable = str(tree) + str(Path(sys.executable).resolve())
    libpython = next(lib for lib in layout.discover().libraries if "libpython" in lib)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "LD_LIBRARY_PATH": str(tree) + os.path.dirname(libpython),
        "PYTHONPATH": f"{REPO / 'src'}:{SITE}",
    }
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    done = subprocess.run(
        [*nobody, executable, "-c", HARNESS],
        capture_output=True,
        text=True,
        env=env,
        cwd="/tmp",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["uid"] == 65534 and seen["mode"] == "bubblewrap"
    border = json.loads(seen["border"])  # it serialised: every string is valid UTF-8
    assert border["error"] == "ValueError: x\\udc80 (line 1)"
    # The program is 65534 inside, mapped to the harness's own uid (no range without root).
    assert seen["inside"] == "['EAFNOSUPPORT', 'ENOLCK', 'EINVAL'] ['65534', '65534', '1']\n"
    assert seen["trickle_cpu_s"] < 0.25, seen
    assert seen["zombies"] == 0, seen
