"""Why an Answer has no value, in one line: the failure or the abstention a user must see.

An Answer without a value is either an abstention (the pipeline chose to say "I don't
know", with a reason in its trace) or a failure (a stage raised, a program failed, a check
failed and no repair fixed it, or the model's reply had no answer in the required form).
"""

from __future__ import annotations

from reasoner.types import Answer, TraceEvent

#: Longest reason shown; the whole text is in the Answer's trace (`--json`).
REASON_CHARS = 300


def failure_reason(answer: Answer) -> str:
    """What went wrong last in a run that gave no answer.

    Args:
        answer: an Answer whose `value` is None and which did not abstain.

    Returns:
        The stage error if a stage raised; else the last failure recorded in the trace (a
        failed check's evidence, a program's error, a stage error); else that no reply had
        an answer in the required form.
    """
    if answer.error:
        return _short(answer.error)
    for event in reversed(answer.trace):
        reason = _failure(event)
        if reason:
            return _short(reason)
    for attempt in reversed(answer.attempts):
        if attempt.error:
            return _short(attempt.error)
    if not answer.attempts:
        return "no stage proposed an answer"
    return "the model's reply had no answer in the required form"


def abstention_reason(answer: Answer) -> str:
    """Why a run abstained: the deciding stage's reason (e.g. "confidence 0.40 is below
    t=0.75"), or "no reason recorded".

    Args:
        answer: an Answer with `abstained` set.

    Returns:
        The reason, one line.
    """
    for event in reversed(answer.trace):
        if event.kind == "decision" and event.content.startswith("abstain"):
            return _short(event.content.removeprefix("abstain").lstrip(": ") or "no reason given")
    return "no reason recorded"


def outcome_line(answer: Answer) -> str | None:
    """The one line a user sees for an Answer without a value, or None when it has one.

    Args:
        answer: a pipeline's Answer.

    Returns:
        "abstained: <why>" or "no answer: <what failed last>", naming the pipeline.
    """
    where = f" ({answer.pipeline})" if answer.pipeline else ""
    if answer.abstained:
        return f"abstained{where}: {abstention_reason(answer)}"
    if answer.value is None:
        return f"no answer{where}: {failure_reason(answer)}"
    return None


def _failure(event: TraceEvent) -> str | None:
    if event.kind == "error":
        return f"stage '{event.stage}' failed: {event.content}"
    if event.kind == "verdict" and event.data.get("status") == "failed":
        checker = str(event.data.get("checker", event.stage))
        # "check failed", "hanoi check failed", "double_check failed": name it once.
        what = checker if checker.endswith("check") else f"{checker} check"
        return f"{what} failed: {event.content}" if event.content else None
    if event.kind == "attempt" and event.data.get("error"):
        return str(event.data["error"])
    return None


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= REASON_CHARS else line[: REASON_CHARS - 1] + "…"
