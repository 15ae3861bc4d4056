"""What later stages did to the first answer: graded per result, counted per pipeline,
shown in the Markdown and HTML reports."""

from __future__ import annotations

import json
import re

from test_eval_support import toy_tasks
from toy import fake_runner

from reasoner.eval import evaluate
from reasoner.models.scripted import ScriptedModel
from reasoner.report.markdown import markdown_side_by_side, markdown_table
from reasoner.report.metrics import summarize
from reasoner.report.revision import revision_effect
from reasoner.types import Attempt, Result

PIPELINES = ["direct", "direct >> check >> retry(max=1)", "cove"]


def reply(request) -> str:
    """Right on every first answer but '2 + 3' (drafted as 4); every revision is right."""
    prompt = request.messages[-1].content
    asked = [m.content for m in request.messages if "What is" in m.content][-1]
    a, b = map(int, re.findall(r"What is (\d+) \+ (\d+)\?", asked)[-1])
    if "Write 3 short questions" in prompt:
        return "1. Is the sum right?"
    if prompt.startswith("Problem: "):
        return "It is the sum."
    if "Verification questions" in prompt or " is not " in prompt:
        return f"Answer: {a + b}"
    return "Answer: 4" if (a, b) == (2, 3) else f"Answer: {a + b}"


def test_each_revising_pipeline_reports_what_it_fixed(tmp_path):
    task = toy_tasks(1)[0]
    task.pairs = [(2, 3), (10, 20), (7, 1)]
    out = tmp_path / "run"
    summary = evaluate(
        [task], PIPELINES, ScriptedModel(reply), out=out, run_program=fake_runner, progress=False
    )
    rows = {r.pipeline: r.revision for r in summary.rows}
    assert rows["direct"] is None  # nothing after the first answer
    for pipeline in PIPELINES[1:]:
        effect = rows[pipeline]
        assert effect is not None, pipeline
        assert (effect.n, effect.first_right, effect.final_right) == (3, 2, 3), pipeline
        assert (effect.changed, effect.fixed, effect.broken) == (1, 1, 0), pipeline
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    cove = {r["problem_id"]: r for r in results if r["pipeline"] == "cove"}
    assert cove["toy-0"]["attempts"][0]["draft_answer"] == "4"
    assert cove["toy-0"]["first_correct"] is False and cove["toy-0"]["correct"] is True
    assert cove["toy-1"]["first_correct"] is True
    table = markdown_table(summary)
    assert "| first answer right | final right | changed | fixed | broken |" in table
    assert "| `cove` | 3 | 2 (67%) | 3 (100%) | 1 | 1 | 0 |" in table
    assert "`direct` |" not in table.split("first answer right")[1]
    assert "What the later stages changed" in (out / "report.html").read_text()


def result(first: str, final: str | None, right_first: bool, right_final: bool, **kw) -> Result:
    return Result(
        task="t",
        problem_id=first + str(final),
        pipeline="p",
        answer=final,
        abstained=final is None,
        correct=right_final and final is not None,
        candidate_correct=right_final,
        first_correct=right_first,
        attempts=[Attempt(strategy="s", answer=first), Attempt(strategy="s", answer="x")],
        **kw,
    )


def test_a_held_back_candidate_counts_as_the_final_answer_and_breaks_are_counted():
    effect = revision_effect(
        [
            result("5", None, True, True, withheld="5"),  # abstained on its unchanged answer
            result("5", "6", True, False),  # a repair broke a right answer
        ]
    )
    assert effect is not None
    assert (effect.n, effect.changed, effect.fixed, effect.broken) == (2, 1, 0, 1)
    assert (effect.first_right, effect.final_right) == (2, 1)


def test_runs_from_before_the_first_answer_was_graded_show_no_revision():
    old = result("5", "6", True, False).model_copy(update={"first_correct": None})
    assert revision_effect([old]) is None


def test_the_revision_table_lines_up_with_the_summary_table_across_runs():
    # The first run (task "a" only) revises nothing; the second revises on "b", then "a".
    # The revision table still lists "a" before "b", as the summary table does, and keeps
    # the model column, so its rows say which model revised.
    plain = result("5", "5", True, True).model_copy(update={"task": "a", "attempts": []})
    small = summarize([plain], config={"model": "small"})
    revising = [
        result("5", "6", True, False).model_copy(update={"task": task, "pipeline": "cove"})
        for task in ("b", "a")
    ]
    big = summarize(revising, config={"model": "big"})
    lines = markdown_side_by_side([small, big]).splitlines()
    start = next(i for i, line in enumerate(lines) if "| first answer right |" in line)
    section = lines[start:]
    assert section[0].startswith("| task | model | pipeline | n | first answer right")
    rows = section[2 : section.index("")]
    assert [row.split(" | ")[0] for row in rows] == ["| `a`", "| `b`"]
    assert all(" | `big` | `cove` | 1 | 1 (100%) | 0 (0%) | 1 | 0 | 1 |" in row for row in rows)
