"""The pool's life: no leaks when the harness exits or dies, and the loud rlimits-only fallback."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from reasoner.errors import SandboxError
from reasoner.sandbox import SandboxPool
from reasoner.sandbox.cgroups import SandboxCgroups
from reasoner.sandbox.pool import UNSAFE_ROOT_FALLBACK_ENV

HAS_BWRAP = shutil.which("bwrap") is not None
needs_bwrap = pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap not installed")


def harness(script: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start a separate harness process running `script` (stdout piped, text)."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


POOL_SCRIPT = """
    import sys
    from reasoner.sandbox import SandboxPool
    pool = SandboxPool(size=2, isolation="bubblewrap")
    assert pool.wait_ready(30)
    roots = pool._cgroups.roots
    pids = {int(p) for r in roots for f in r.glob("w*/cgroup.procs") for p in f.read_text().split()}
    print(",".join(map(str, roots)), *sorted(pids), flush=True)
"""


@needs_bwrap
def test_normal_exit_leaves_no_worker_and_no_cgroup():
    proc = harness(POOL_SCRIPT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    roots, *pids = out.split()
    assert len(pids) >= 4  # two workers, each bwrap + init + interpreter
    deadline = time.monotonic() + 3
    while any(alive(int(p)) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(int(p)) for p in pids)
    assert not any(Path(root).exists() for root in roots.split(","))


@needs_bwrap
def test_a_killed_harness_takes_its_workers_along_and_its_folder_is_swept():
    proc = harness(POOL_SCRIPT + "    import time\n    time.sleep(60)\n")
    assert proc.stdout is not None
    roots, *pids = proc.stdout.readline().split()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 3
    while any(alive(int(p)) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(int(p)) for p in pids)  # bwrap --die-with-parent
    assert all(Path(root).exists() for root in roots.split(","))  # nobody could remove them ...
    manager = SandboxCgroups.detect()  # ... until the next harness sweeps stale folders
    assert manager is not None
    manager.close()
    assert not any(Path(root).exists() for root in roots.split(","))


FALLBACK_SCRIPT = """
    from reasoner.sandbox import SandboxPool
    for _ in range(2):
        with SandboxPool(size=0) as pool:
            print(pool.mode, pool.run("print(6 * 7)").stdout.strip())
"""


NO_BWRAP = {"REASONER_SANDBOX_BWRAP": "/nonexistent/bwrap"}
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="the harness is not root here")


def test_missing_bwrap_falls_back_with_one_loud_warning():
    proc = harness(FALLBACK_SCRIPT, env={**NO_BWRAP, UNSAFE_ROOT_FALLBACK_ENV: "1"})
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.split("\n")[:2] == ["rlimits 42", "rlimits 42"]
    assert err.count("WARNING: reasoner sandbox: bubblewrap unavailable") == 1
    assert "FALLING BACK to rlimits only" in err
    if os.geteuid() == 0:
        assert err.count("WARNING: reasoner sandbox: UNSAFE: running untrusted programs") == 1


@as_root
def test_the_fallback_refuses_root_without_the_explicit_switch(monkeypatch):
    monkeypatch.delenv(UNSAFE_ROOT_FALLBACK_ENV, raising=False)
    proc = harness(FALLBACK_SCRIPT, env=NO_BWRAP)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith("reasoner.errors.SandboxError: reasoner sandbox: bubblewrap unavailable")
    assert "refuses to run untrusted programs as root" in last
    assert f"set {UNSAFE_ROOT_FALLBACK_ENV}=1" in last
    with pytest.raises(SandboxError, match='isolation="rlimits" was asked for'):
        _ = SandboxPool(size=0, isolation="rlimits").mode


def test_bwrap_that_fails_to_start_falls_back(monkeypatch, capsys):
    from reasoner.sandbox import launcher as launcher_module

    monkeypatch.setenv("REASONER_SANDBOX_BWRAP", "/bin/false")
    monkeypatch.setenv(UNSAFE_ROOT_FALLBACK_ENV, "1")
    monkeypatch.setattr(launcher_module, "_warned", set())
    with SandboxPool(size=0) as pool:
        assert pool.mode == "rlimits"
        assert pool.run("print(6 * 7)").stdout == "42\n"
    err = capsys.readouterr().err
    assert "bubblewrap unavailable (sandbox worker failed to start" in err


def test_bubblewrap_mode_refuses_to_fall_back(monkeypatch):
    monkeypatch.setenv("REASONER_SANDBOX_BWRAP", "/nonexistent/bwrap")
    with pytest.raises(SandboxError, match="bubblewrap sandbox unavailable"):
        _ = SandboxPool(size=0, isolation="bubblewrap").mode


@pytest.fixture(scope="module")
def fallback():
    with SandboxPool(size=1, isolation="rlimits", unsafe_root_fallback=True) as pool:
        assert pool.mode == "rlimits"
        yield pool


# The fallback promises limits, a clean environment and a throw-away directory: nothing more,
# so only those are tested here (no network, file or signal attacks: see docs/security.md).
def test_fallback_runs_programs_with_inputs_and_libraries(fallback):
    result = fallback.run(
        "import chess, sympy\nprint(N, chess.Board().legal_moves.count())",
        inputs={"N": 3},
        timeout=20,
    )
    assert result.ok and result.stdout == "3 20\n"


def test_fallback_enforces_timeout_memory_and_output(fallback):
    assert fallback.run("while True: pass", timeout=0.5).reason == "timeout"
    assert fallback.run("x = bytearray(4 * 1024**3)").reason == "memory"
    assert fallback.run("print('x' * 10**6)").reason == "output"


def test_fallback_environment_is_clean(fallback, monkeypatch):
    monkeypatch.setenv("REASONER_TEST_SECRET", "s3cret")
    result = fallback.run("import os\nprint(sorted(os.environ))")
    assert "REASONER_TEST_SECRET" not in result.stdout and "HOME" in result.stdout


def test_fallback_working_directory_is_thrown_away(fallback):
    result = fallback.run("import os\nopen('f.txt', 'w').write('x')\nprint(os.getcwd())")
    workdir = Path(result.stdout.strip())
    assert workdir.name.startswith(f"reasoner-run-{os.getpid()}-")
    # Removed by the pool's thread once the worker has exited, off the run's path.
    deadline = time.monotonic() + 3
    while workdir.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not workdir.exists()


def test_fallback_sweeps_folders_of_a_dead_harness(tmp_path, monkeypatch):
    import tempfile

    from reasoner.sandbox.layout import sweep_stale_dirs

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / "reasoner-run-999999999-abc"
    mine = tmp_path / f"reasoner-site-{os.getpid()}-abc"
    stale.mkdir()
    mine.mkdir()
    sweep_stale_dirs()
    assert not stale.exists() and mine.exists()


def test_fallback_fork_bomb_ends(fallback):
    if fallback._cgroups is None:
        pytest.skip("no writable pids cgroup here")
    result = fallback.run(
        "import os\nwhile True:\n    try: os.fork()\n    except OSError: pass", timeout=1
    )
    assert result.reason == "timeout"
