"""docs/serve.md cannot rot: its server command starts the server, its client code, curl and
`reasoner run` commands run against it, and the output it shows is the output they print.

The fast test swaps the embedded model for a scripted one that writes the right program; the
model tier runs every block as written (only the port changes, so parallel runs never meet).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import REPO
from openai_servers import free_port

GUIDE = REPO / "docs" / "serve.md"
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
BIN = Path(sys.executable).parent


def blocks(language: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(GUIDE.read_text()) if lang == language]


def shell(command: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO
    )


@contextlib.contextmanager
def server(command: str, startup_s: float) -> Iterator[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    process = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
        start_new_session=True,
    )
    port = re.search(r"--port (\d+)", command)[1]
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_s
    try:
        while True:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "the server did not start"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def run_the_guide(model: str | None, timeout: float) -> None:
    port = str(free_port())
    serve, *commands = [b.strip().replace("8000", port) for b in blocks("bash")]
    assert serve.startswith("reasoner serve -m smollm2 ")
    if model is not None:
        serve = serve.replace("-m smollm2", f"-m '{model}'")
    (client,) = [b.replace("8000", port) for b in blocks("python")]
    (listing, *_) = blocks("text")
    curl, run = commands
    with server(serve, startup_s=timeout):
        done = subprocess.run(
            [sys.executable, "-c", client], capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == listing  # what the guide says it prints

        done = shell(curl, timeout)
        assert done.returncode == 0, done.stderr
        extra = json.loads(done.stdout)["reasoner"]
        assert extra["answer"] == "42" and extra["abstained"] is False
        assert extra["pipeline"] == "pal >> check >> abstain(t=0.75)"
        assert extra["trace"][0]["kind"] == "route"

        done = shell(run, timeout)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "42"


def test_the_guide_runs_against_a_scripted_model():
    run_the_guide("scripted:print(12 + 30)", timeout=120)


@pytest.mark.model
def test_the_guide_runs_as_written_on_the_embedded_model():
    run_the_guide(None, timeout=600)
