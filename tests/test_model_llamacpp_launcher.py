"""The llama-server launcher without the engine: stand-in executables play the server.

What is checked here is ours: the one-line error when no engine is installed, the command
line, loopback only, the wait for /health, log capture, a clear error when the server dies
while loading or later, stop on aclose (and restart on the next call), and the openai client
fanning `n` out over the slots.
"""

from __future__ import annotations

import asyncio
import stat
import sys
import textwrap
from pathlib import Path

import pytest

from reasoner.errors import ModelError, ModelNotFound
from reasoner.models import engine_install
from reasoner.models.llamacpp import LlamaCppModel, from_spec, threads_for_load
from reasoner.models.llamacpp_server import LlamaServer, ServerOptions

# A server that answers /health and /v1/chat/completions; it echoes the seed it was sent.
FAKE_SERVER = textwrap.dedent(
    f"""\
    #!{sys.executable}
    import json, sys
    from http.server import BaseHTTPRequestHandler, HTTPServer
    args = sys.argv[1:]
    if args == ["--version"]:
        print("version: 1 (fake)"); sys.exit(0)
    port = int(args[args.index("--port") + 1])
    host = args[args.index("--host") + 1]
    print("fake llama-server", " ".join(args), flush=True)
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def _send(self, body):
            data = json.dumps(body).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data))); self.end_headers()
            self.wfile.write(data)
        def do_GET(self):
            self._send({{"status": "ok"}})
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if body.get("n", 1) > 1:
                self.send_response(400); self.end_headers(); return
            text = "seed=%s STOP tail" % body.get("seed")
            self._send({{"choices": [{{"message": {{"content": text}}, "finish_reason": "stop",
                "logprobs": {{"content": [{{"logprob": -0.5}}, {{"logprob": -0.25}}]}}}}],
                "usage": {{"prompt_tokens": 7, "completion_tokens": 2}}}})
    HTTPServer((host, port), H).serve_forever()
    """
)
DYING_SERVER = "#!/bin/sh\necho 'error: failed to load model: not a GGUF' >&2\nexit 1\n"


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def gguf(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.gguf"
    path.write_bytes(b"GGUF")
    return path


@pytest.fixture
def fake_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REASONER_CACHE", str(tmp_path / "cache"))
    binary = executable(tmp_path / "llama-server", FAKE_SERVER)
    monkeypatch.setenv(engine_install.ENV_BINARY, str(binary))
    return binary


def test_missing_engine_is_one_line_naming_the_install_command(
    gguf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REASONER_CACHE", str(tmp_path / "empty"))
    monkeypatch.delenv(engine_install.ENV_BINARY, raising=False)
    with pytest.raises(ModelNotFound) as caught:
        from_spec(str(gguf))
    assert "reasoner engine install" in str(caught.value) and "\n" not in str(caught.value)


def test_missing_gguf_is_reported_before_any_server_starts(fake_engine: Path) -> None:
    with pytest.raises(ModelNotFound, match="no file"):
        from_spec("/nowhere/model.gguf")


def test_bad_option_is_refused(fake_engine: Path, gguf: Path) -> None:
    with pytest.raises(ModelNotFound, match="unknown option 'slots'"):
        from_spec(f"{gguf}?slots=3")


def test_server_listens_on_loopback_with_the_requested_slots(fake_engine: Path, gguf: Path) -> None:
    model = from_spec(f"{gguf}?parallel=3&ctx=1024&threads=1")
    try:
        assert model.base_url.startswith("http://127.0.0.1:")
        logged = model.server.log_path.read_text()
        assert "--host 127.0.0.1" in logged
        assert "--parallel 3" in logged and "--ctx-size 3072" in logged
        assert "--threads 1" in logged
        assert model.describe()["parallel"] == 3 and model.concurrency == 3
    finally:
        model.server.stop()


def test_n_samples_fan_out_with_shifted_seeds_and_stop_strings(
    fake_engine: Path, gguf: Path
) -> None:
    model = from_spec(str(gguf))

    async def go():
        generation = await model.ask("hi", n=3, seed=10, stop=["STOP"], temperature=0.7)
        await model.aclose()
        return generation

    generation = asyncio.run(go())
    texts = [c.text for c in generation.completions]
    assert texts == ["seed=10 ", "seed=11 ", "seed=12 "]
    assert all(
        c.tokens_out == 2 and c.logprob == pytest.approx(-0.75) for c in generation.completions
    )
    assert generation.tokens_in == 7


def test_aclose_stops_the_server_and_the_next_call_restarts_it(
    fake_engine: Path, gguf: Path
) -> None:
    model = from_spec(str(gguf))
    first_pid = model.server.pid
    assert first_pid is not None
    asyncio.run(model.aclose())
    assert model.server.pid is None
    assert not _alive(first_pid)
    generation = asyncio.run(model.ask("again"))
    assert generation.completions[0].text.startswith("seed=")
    assert model.server.pid not in (None, first_pid)
    model.server.stop()


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "zombie" not in status


def test_server_dying_while_loading_shows_its_last_log_line(
    tmp_path: Path, gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REASONER_CACHE", str(tmp_path / "cache"))
    dying = executable(tmp_path / "llama-server", DYING_SERVER)
    monkeypatch.setenv(engine_install.ENV_BINARY, str(dying))
    with pytest.raises(ModelError, match="exited with code 1.*not a GGUF.*log: "):
        from_spec(str(gguf))


def test_server_killed_later_gives_a_clear_error(fake_engine: Path, gguf: Path) -> None:
    server = LlamaServer(gguf, "tiny", ServerOptions(parallel=1))
    model = LlamaCppModel(server, spec="test")
    assert server._process is not None
    server._process.kill()
    server._process.wait()
    with pytest.raises(ModelError, match="llama-server for tiny died"):
        asyncio.run(model.ask("hi"))
    server.stop()


def test_engine_install_adopts_an_existing_binary(
    fake_engine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(engine_install.ENV_BINARY)
    assert engine_install.find_server() is None
    lines: list[str] = []
    path, fresh = engine_install.install_engine(binary=fake_engine, say=lines.append)
    assert fresh and engine_install.find_server() == path
    assert "version: 1 (fake)" in lines[-1]
    _, again = engine_install.install_engine(binary=fake_engine, say=lines.append)
    assert not again


def test_engine_install_refuses_an_sdist_with_another_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REASONER_CACHE", str(tmp_path / "cache"))
    fake = tmp_path / "llama_cpp_python-0.3.36.tar.gz"
    fake.write_bytes(b"not the sdist")
    with pytest.raises(Exception, match="refusing to build"):
        engine_install.install_engine(sdist=fake, say=lambda _: None)
    assert engine_install.find_server() is None


@pytest.mark.parametrize(
    ("cores", "load", "threads"),
    [(2, 0.0, 2), (2, 1.3, 2), (2, 2.9, 2), (2, 3.0, 1), (2, 15.0, 1), (16, 17.5, 15)],
)
def test_threads_keep_every_core_until_the_load_oversubscribes_them(
    cores: int, load: float, threads: int
) -> None:
    assert threads_for_load(cores, load) == threads
