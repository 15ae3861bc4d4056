"""Every command the README and docs/ show is run here, so none can rot.

What runs:
- default tier: each page's fenced `bash` commands run in order, through the CLI in this
  process, in a fresh folder per page, with the model swapped for the scripted one and
  `--limit 1`: the specs, options and files a page shows are checked, not the model (an
  OpenAI-compatible server a page names is a stand-in on loopback). Its `python` blocks run
  in the same folder, with `reasoner.load_model` giving the scripted model, except a block
  that is a file of `examples/plugin/`, which must equal that file.
- `model` tier: the README's main command runs on the real embedded model, one problem per
  task, and its tour's first answers (CLI and Python) must be the ones it shows. Its first
  eval runs only in the default tier (a real run takes minutes; `tests/test_model_tasks.py`
  runs those pipelines on the real model).
- `engine`/`qwen` tiers: the README's opt-in commands, when the engine and model are there
  (installing them again is then a no-op); they skip otherwise.

Not run: docs/results.md, a record of published runs (hours each, on run folders not kept
here; its header says so), and the pages in COVERED_ELSEWHERE, whose own tests run them.
A command no rule below knows fails the test: add a rule rather than leave it unrun.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, SHARED_DATA
from openai_servers import FaultServer, chat_reply
from typer.testing import CliRunner

import reasoner
from reasoner.cli import app
from reasoner.models.engine_install import find_server
from reasoner.models.model_install import is_installed

README = REPO / "README.md"
#: Historical records, not re-run (see the module docstring).
NOT_RUN = {REPO / "docs" / "results.md"}
#: Pages whose commands another test runs: page -> that test.
COVERED_ELSEWHERE = {
    REPO / "docs" / "serve.md": REPO / "tests" / "test_serve.py",
    REPO / "docs" / "inspect.md": REPO / "tests" / "test_inspect.py",
    REPO / "docs" / "agents.md": REPO / "tests" / "test_agents_guide.py",
}
PLUGIN_GUIDE = REPO / "docs" / "plugins.md"
EXAMPLE_PLUGIN = REPO / "examples" / "plugin"
SCRIPTED = "scripted:Answer: 42"
#: `reasoner run` exit codes that are answers, not failures: answered, no answer, abstained.
RUN_OUTCOMES = {0, 1, 3}
_FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Block:
    page: Path
    language: str
    body: str


def pages() -> list[Path]:
    """README.md and every docs page this test runs."""
    docs = sorted((REPO / "docs").glob("*.md"))
    # The plug-in guide's commands need its example package installed: a test of their own
    # below; tests/test_plugin_guide.py runs its python blocks.
    skipped = NOT_RUN | set(COVERED_ELSEWHERE) | {PLUGIN_GUIDE}
    return [README, *(p for p in docs if p not in skipped)]


def blocks(page: Path) -> list[Block]:
    """The page's fenced blocks in order, indented ones (inside list items) dedented."""
    return [
        Block(page, language, textwrap.dedent(body))
        for _, language, body in _FENCE.findall(page.read_text())
    ]


def commands(body: str) -> Iterator[list[str]]:
    """Each command of a shell block as argv: continuations joined, comments dropped,
    `a && b` split in two."""
    for line in body.replace("\\\n", " ").splitlines():
        argv = shlex.split(line, comments=True)
        while "&&" in argv:
            cut = argv.index("&&")
            yield argv[:cut]
            argv = argv[cut + 1 :]
        if argv:
            yield argv


def _option(argv: list[str], names: tuple[str, ...]) -> str | None:
    for i, arg in enumerate(argv[:-1]):
        if arg in names:
            return argv[i + 1]
    return None


def _set_option(argv: list[str], names: tuple[str, ...], value: str) -> list[str]:
    out, i = [], 0
    while i < len(argv):
        if argv[i] in names:
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return [*out, names[0], value]


def _local_paths(argv: list[str]) -> list[str]:
    # The shared benchmark data sits beside the repository; the pages name it relatively.
    if any("../shared/data" in a for a in argv) and not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return [a.replace("../shared/data", str(SHARED_DATA)) for a in argv]


def dry(argv: list[str], server: FaultServer | None = None) -> list[str]:
    """A `reasoner ...` command as the default tier runs it: scripted model, one problem;
    an OpenAI-compatible server the command names is `server`, a stand-in on loopback."""
    argv = _local_paths(argv)
    command = argv[0]
    if command not in ("run", "eval"):
        return argv
    model = _option(argv, ("-m", "--model"))
    if model is not None and model.startswith("openai:"):
        assert server is not None, f"{shlex.join(argv)} needs the stand-in server"
        name = model.partition("#")[2]
        server.models = (name,)
        argv = _set_option(argv, ("-m", "--model"), f"openai:{server.base_url}#{name}")
    else:
        argv = _set_option(argv, ("-m", "--model"), SCRIPTED)
    if command == "eval" or _option(argv, ("-t", "--task")) is not None:
        argv = _set_option(argv, ("--limit",), "1")
    if command == "eval":
        argv = [*argv, "--no-progress"]
    return argv


def run_cli(argv: list[str]) -> tuple[int, str]:
    """One `reasoner` command in this process."""
    done = CliRunner().invoke(app, argv, catch_exceptions=False)
    return done.exit_code, done.output


def run_command(argv: list[str], server: FaultServer) -> str:
    """Run one shell command of a page the way the default tier does; return what it printed."""
    program = argv[0].removeprefix(".venv/bin/")
    args = argv[1:]
    if program == "bash" and args == ["scripts/setup.sh"]:
        # scripts/test.sh, which runs this suite, runs setup.sh first.
        assert "bash scripts/setup.sh" in (REPO / "scripts" / "test.sh").read_text()
        return ""
    if program == "bash" and args == ["scripts/test.sh"]:
        assert "scripts/test.sh" in (REPO / ".ci" / "run").read_text()  # CI runs it
        return ""
    if program == "vllm":
        return ""  # needs vLLM and GPUs; the reasoner command beside it meets a stand-in
    if program != "reasoner":
        pytest.fail(f"no rule runs `{shlex.join(argv)}`: add one to {Path(__file__).name}")
    if args[:1] == ["serve"]:
        return ""  # a long-running server: tests/test_serve.py starts and queries it
    if args[:1] == ["engine"] and args[1:2] == ["install"]:
        args = ["engine"]  # building is the engine tier's; here: the command group answers
    if args[:2] == ["models", "install"]:
        code, listing = run_cli(["models"])
        assert code == 0 and args[2] in listing, listing
        return listing
    code, output = run_cli(dry(args, server))
    allowed = RUN_OUTCOMES if args[0] == "run" else {0}
    assert code in allowed, f"`{shlex.join(argv)}` exited {code}:\n{output}"
    return output


def run_python(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """A python block of a page, with the scripted model standing in for any model."""
    first = block.body.partition("\n")[0]
    if first.startswith("# my_strategies/"):
        shown = block.body.partition("\n")[2]
        assert shown == (EXAMPLE_PLUGIN / first.removeprefix("# ")).read_text()
        return
    real_load = reasoner.load_model
    monkeypatch.setattr(reasoner, "load_model", lambda *a, **k: real_load(SCRIPTED))
    namespace = {"reasoner": reasoner, "model": real_load(SCRIPTED), "question": "What is 6 * 7?"}
    exec(compile(block.body, f"{block.page.name} python block", "exec"), namespace)


def _gsm8k_files(folder: Path) -> None:
    # The GSM8K files the abstention page names by a user's path: a few rows in their format.
    rows = [
        {
            "question": f"Ann has {a} pens and buys {b} more. How many pens?",
            "answer": f"#### {a + b}",
        }
        for a, b in [(3, 4), (5, 6), (7, 8), (9, 1), (2, 2), (6, 3)]
    ]
    (folder / "data" / "gsm8k").mkdir(parents=True)
    for name in ("dev.jsonl", "test.jsonl"):
        text = "".join(json.dumps(r) + "\n" for r in rows)
        (folder / "data" / "gsm8k" / name).write_text(text)


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_command_of_the_page_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _gsm8k_files(tmp_path)
    reply = chat_reply("Answer: 42")
    ran = 0
    with FaultServer(lambda _seen: reply) as server:
        for block in blocks(page):
            if block.language in ("bash", "sh"):
                for argv in commands(block.body):
                    run_command(argv, server)
                    ran += 1
            elif block.language == "python":
                run_python(block, monkeypatch)
                ran += 1
            elif block.language == "" and re.search(r"^(\.venv/bin/)?reasoner ", block.body, re.M):
                pytest.fail(f"{page.name}: commands in a fence without a language; mark it bash")
    assert ran or not any(b.language in ("bash", "python") for b in blocks(page))


def test_the_plugin_guides_commands_run_with_the_example_installed(tmp_path):
    (block,) = [b for b in blocks(PLUGIN_GUIDE) if b.language == "bash"]
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
        + ["--target", str(site), str(EXAMPLE_PLUGIN)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = dict(os.environ, PYTHONPATH=str(site), COLUMNS="200")
    outputs = []
    for argv in commands(block.body):
        assert argv[0] == "reasoner"
        args = dry(argv[1:])
        done = subprocess.run(
            [sys.executable, "-m", "reasoner", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        allowed = RUN_OUTCOMES if args[0] == "run" else {0}
        assert done.returncode in allowed, done.stderr
        outputs.append(done.stdout)
    assert "double_check" in outputs[0] and "legs" in outputs[0]  # reasoner list


def test_pages_covered_elsewhere_name_a_test_that_exists():
    for page, test in COVERED_ELSEWHERE.items():
        assert not page.exists() or test.exists(), f"{page.name}: {test.name} is missing"


def test_every_link_between_the_pages_resolves():
    # A README cell links to its run's section in docs/results.md: the anchor must exist.
    wrong = []
    for page in [README, *sorted((REPO / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                wrong.append(f"{page.name}: {target} (no such file)")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file):
                wrong.append(f"{page.name}: {target} (no such section)")
    assert not wrong, "\n".join(wrong)


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings (lowercase, punctuation dropped, spaces to -)."""
    found = set()
    for line in page.read_text().splitlines():
        heading = re.match(r"^#{1,6} (.+)$", line)
        if heading:
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
            assert slug not in found, f"{page.name}: two headings make #{slug}"
            found.add(slug)
    return found


def test_the_readme_stays_short_and_names_both_first_evals():
    text = README.read_text()
    assert len(text.splitlines()) <= 300
    shown = [
        " ".join(argv) for b in blocks(README) if b.language == "bash" for argv in commands(b.body)
    ]
    assert any(c.startswith(".venv/bin/reasoner eval -t") for c in shown)
    for step in (
        "engine install",
        "models install qwen2.5-coder-1.5b",
        "eval -m qwen2.5-coder-1.5b",
    ):
        assert any(step in c for c in shown), step


def _readme_commands(wanted: str) -> list[list[str]]:
    found = [
        argv
        for b in blocks(README)
        if b.language == "bash"
        for argv in commands(b.body)
        if argv[0].removeprefix(".venv/bin/") == "reasoner" and wanted in " ".join(argv)
    ]
    assert found, wanted
    return found


def _real(argv: list[str], tmp_path: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    # The command as a user runs it, in a fresh process, one problem per task.
    args = argv[1:]
    if args[0] in ("run", "eval") and _option(args, ("-t", "--task")) is not None:
        args = _set_option(args, ("--limit",), "1")
    done = subprocess.run(
        [sys.executable, "-m", "reasoner", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ, COLUMNS="200"),
    )
    assert done.returncode == 0, f"{shlex.join(argv)}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.model
def test_the_readme_main_command_answers_on_the_embedded_model(tmp_path):
    (main,) = _readme_commands("reasoner run --task")
    done = _real(main, tmp_path, timeout=900)
    assert "ran 1 of 4 problems of arithmetic:digits=3,n=4" in done.stdout
    assert "ran 1 of 3 problems of hanoi:disks=3-5,per_size=1" in done.stdout


@pytest.mark.model
def test_the_readme_tour_answers_as_it_shows(tmp_path, monkeypatch):
    (cli,) = _readme_commands("run -s pal >> check")
    assert _real(cli, tmp_path, timeout=600).stdout.strip().splitlines()[-1] == "5541"
    monkeypatch.chdir(tmp_path)
    tour = next(b for b in blocks(README) if "reasoner.load_model" in b.body)
    # Up to the first answer: the rest (a Hanoi solve, an evaluation) runs in the default tier
    # on the scripted model; on the real one it takes many minutes.
    first = tour.body[: tour.body.index("\ntask = ")]
    namespace: dict[str, object] = {}
    exec(first, namespace)
    answer = namespace["answer"]
    assert (answer.value, answer.abstained) == ("5541", False)  # type: ignore[attr-defined]


@pytest.mark.engine
@pytest.mark.skipif(find_server() is None, reason="llama.cpp engine not installed")
def test_the_readme_engine_install_is_a_no_op_once_installed(tmp_path):
    (install,) = _readme_commands("engine install")
    _real(install, tmp_path, timeout=120)


@pytest.mark.qwen
@pytest.mark.skipif(
    find_server() is None or not is_installed("qwen2.5-coder-1.5b"),
    reason="needs the engine and the opt-in model",
)
def test_the_readme_qwen_commands_run(tmp_path):
    (install,) = _readme_commands("models install qwen2.5-coder-1.5b")
    _real(install, tmp_path, timeout=120)
    (first_eval,) = _readme_commands("eval -m qwen2.5-coder-1.5b")
    _real(first_eval, tmp_path, timeout=1200)
    summary = json.loads((tmp_path / "runs" / "first_qwen" / "summary.json").read_text())
    assert {r["pipeline"] for r in summary["rows"]} == {"cot", "pal"}
