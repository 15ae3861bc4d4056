"""Text that crosses the sandbox border is valid UTF-8 on our side, whatever a program does.

Issue 26: an exception message holding a lone UTF-16 surrogate came back as a lone surrogate
in `ExecutionResult.error`; `reasoner run --json` crashed on it and an eval died appending it
to results.jsonl (and died again on resume). Each test below failed before the fix.
"""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from reasoner.cli import app
from reasoner.sandbox import SandboxPool
from reasoner.types import ExecutionResult

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")
STATUS_FD = "import sys\nfd = int([a for a in sys.argv if a.startswith('--status-fd=')][0][12:])\n"


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(size=1, isolation="bubblewrap") as p:
        yield p


def assert_storable(result: ExecutionResult) -> None:
    for text in (result.stdout, result.stderr, result.error or ""):
        text.encode("utf-8")  # raises UnicodeEncodeError on a lone surrogate
    ExecutionResult.model_validate_json(result.model_dump_json())


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ('raise ValueError("x" + chr(0xDC80))', "ValueError: x\\udc80 (line 1)"),
        (
            "class Bad(Exception):\n    def __str__(self):\n        return chr(0xD800) + 'm'\n"
            "raise Bad()",
            "Bad: \\ud800m (line 4)",
        ),
        ("raise KeyError(chr(0xDC80) * 3)", "KeyError: '\\udc80\\udc80\\udc80' (line 1)"),
    ],
)
def test_a_lone_surrogate_in_an_error_comes_back_as_a_visible_escape(pool, code, shown):
    result = pool.run(code)
    assert result.reason == "error", result
    assert result.error == shown
    assert_storable(result)


def test_lone_surrogates_on_stdout_and_stderr_come_back_storable(pool):
    code = (
        "import sys\n"
        "sys.stdout.write('a' + chr(0xDC80) + 'b\\n')\n"
        "sys.stderr.write('c' + chr(0xD800) + 'd\\n')\n"
        "sys.stdout.flush(); sys.stderr.flush()\n"
        "import os\nos.write(1, b'\\xff\\xfe\\xed\\xa0\\x80\\n')"  # an encoded surrogate
    )
    result = pool.run(code)
    assert result.ok, result
    assert_storable(result)
    assert result.stdout.startswith("a") and result.stdout.count("\n") == 2


def test_a_forged_status_line_with_a_lone_surrogate_is_storable(pool):
    forge = "import json, os\nstatus = {'kind': 'error', 'exit_code': 1, 'error': 'forged ' + chr(0xD800)}\n"
    result = pool.run(STATUS_FD + forge + "os.write(fd, (json.dumps(status) + '\\n').encode())")
    assert result.reason == "error", result
    assert result.error == "forged \\ud800"
    assert_storable(result)


PAL_SURROGATE = "```python\nraise ValueError('x' + chr(0xDC80))\n```"


def test_reasoner_run_json_prints_a_failed_program_with_a_lone_surrogate():
    result = CliRunner().invoke(
        app, ["run", "-m", f"scripted:{PAL_SURROGATE}", "-s", "pal", "--json", "What is 2+3?"]
    )
    assert not isinstance(result.exception, UnicodeError), result.exception
    assert result.exit_code == 1, result.output  # "no answer": an outcome, not a crash
    answer = json.loads(result.stdout[result.stdout.index("{") : result.stdout.rindex("}") + 1])
    errors = [a["execution"]["error"] for a in answer["attempts"]]
    assert errors == ["ValueError: x\\udc80 (line 1)"]


def test_an_eval_records_a_program_with_a_lone_surrogate_and_finishes(tmp_path):
    from reasoner.eval import evaluate
    from reasoner.models.scripted import ScriptedModel

    out = tmp_path / "run"
    evaluate(
        ["arithmetic:n=2"],
        ["pal"],
        ScriptedModel([PAL_SURROGATE]),
        out=out,
        progress=False,
        plots=False,
    )
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 2
    for row in rows:
        assert row["answer"] is None and row["correct"] is False
        assert row["attempts"][0]["execution"]["error"] == "ValueError: x\\udc80 (line 1)"


def test_an_eval_stores_a_row_whose_model_text_holds_a_lone_surrogate(tmp_path):
    """Text from a model (an OpenAI-compatible server may send a `\\udc80` escape) is not
    sanitized by the sandbox: the store still writes the row, or a failure row in its place."""
    from reasoner.eval import evaluate
    from reasoner.models.scripted import ScriptedModel

    out = tmp_path / "run"
    evaluate(
        ["arithmetic:n=2"],
        ["direct"],
        ScriptedModel(["Answer: " + chr(0xDC80)]),
        out=out,
        progress=False,
        plots=False,
    )
    lines = (out / "results.jsonl").read_bytes().decode("utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 2 and all(row["correct"] is False for row in rows)


def test_a_result_no_json_can_carry_is_stored_as_a_failed_row_and_the_run_goes_on(tmp_path):
    from reasoner.eval.store import ResultStore
    from reasoner.types import Result

    def result(problem: str, **extra) -> Result:
        fields = {"answer": "5", "abstained": False, "correct": True, **extra}
        return Result(task="t", problem_id=problem, pipeline="p", **fields)

    store = ResultStore(tmp_path)
    with store.locked():
        kept = store.append(result("a", details={"plugin": object()}))
        fixed = store.append(result("b", answer="5" + chr(0xDC80)))
        plain = store.append(result("c"))
    assert kept.correct is False and kept.answer is None
    assert kept.error == (
        "the result could not be stored (PydanticSerializationError: "
        "Unable to serialize unknown type: <class 'object'>)"
    )
    assert fixed.answer == "5\\udc80" and fixed.correct is True
    assert plain == result("c")
    recovered = ResultStore(tmp_path).recover()  # and a resumed run reads every line back
    assert [r.problem_id for r in recovered.values()] == ["a", "b", "c"]
    assert recovered[("t", "a", "p")] == kept
