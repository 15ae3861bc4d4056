"""`report.html`: one self-contained page (inline CSS, plots as data URIs, no script) that
opens offline: the summary, the difficulty cuts, the plots, example traces, the config."""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Sequence
from html import escape as html_escape

from reasoner.display import shown_text
from reasoner.inert_text import inert
from reasoner.report.confidence_table import confidence_html
from reasoner.report.labels import input_notes, task_label
from reasoner.report.metrics import THRESHOLDS, DifficultyRow, Summary, outcome
from reasoner.report.pipeline_graphs import graphs_html, spec_lines
from reasoner.report.revision_table import revision_html
from reasoner.report.sampling import cost_html
from reasoner.types import Result, TraceEvent

#: Longest text shown for one trace event; the full text is in results.jsonl.
MAX_EVENT_CHARS = 4000

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d232a;
 background:#f6f7f9}
main{max-width:1400px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 10px;border-bottom:2px solid #dde2e8;
 padding-bottom:4px}h3{font-size:15px;margin:22px 0 8px}
.meta{color:#5b6673;margin:0 0 14px}nav a{margin-right:14px;color:#1f5fa8}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:6px 0 10px;
 box-shadow:0 1px 2px rgba(0,0,0,.06)}
th,td{border:1px solid #e1e5ea;padding:4px 8px;text-align:right;vertical-align:top}
th{background:#eef1f5;font-weight:600}td.l,th.l{text-align:left}.nw{white-space:nowrap}
tr:nth-child(even) td{background:#fafbfc}
.ci{color:#7a8591;font-size:11px}.pos{color:#18794e}.neg{color:#c0392b}
.plot{background:#fff;padding:8px;margin:10px 0;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.plot img{width:100%;height:auto;display:block}
.warn{background:#fff8e1;border-left:4px solid #d6a400;padding:6px 10px}
details{background:#fff;border:1px solid #e1e5ea;border-radius:4px;margin:6px 0;padding:4px 10px}
summary{cursor:pointer;font-weight:600}
.ev{border-left:3px solid #c9d1da;margin:8px 0;padding:2px 0 2px 10px}
.ev.prompt{border-color:#6c8ebf}.ev.completion{border-color:#82b366}.ev.program{border-color:#9673a6}
.ev.execution{border-color:#d6b656}.ev.verdict{border-color:#b85450}.ev.decision{border-color:#333}
.ev.error{border-color:#c0392b}
.tag{font-size:11px;color:#5b6673;font-family:ui-monospace,monospace}
pre{white-space:pre-wrap;word-break:break-word;background:#f3f5f7;padding:6px 8px;margin:4px 0;
 font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;max-height:420px;overflow:auto}
pre.full{max-height:none}
.ok{color:#18794e;font-weight:600}.bad{color:#c0392b;font-weight:600}.abs{color:#8a6d00;font-weight:600}
"""


def escape(text: str, quote: bool = True) -> str:
    """HTML escaping of text from a run's files (a model's, a program's), shown inert: control
    characters and bidi overrides as visible escapes."""
    return html_escape(inert(text), quote=quote)


def render_html(summary: Summary, results: Sequence[Result], plots: dict[str, bytes]) -> str:
    """The report page.

    Args:
        summary: the run's summary.
        results: every result (example traces are picked from them).
        plots: PNG bytes by file name, embedded as data URIs.

    Returns:
        The HTML text.
    """
    config = summary.config
    model = str(config.get("model", "?"))
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>reasoner eval: {escape(model)}</title><style>{_CSS}</style></head><body><main>",
        "<h1>reasoner eval</h1>",
        f"<p class='meta'>model <b>{escape(model)}</b> · {len(results)} results · started "
        f"{escape(str(config.get('started_at', '?')))} · git "
        f"{escape(str(config.get('git_commit') or 'n/a'))[:12]}</p>",
        "<nav><a href='#summary'>Summary</a><a href='#difficulty'>By difficulty</a>"
        "<a href='#plots'>Plots</a><a href='#examples'>Example traces</a>"
        "<a href='#skipped'>Skipped rows</a><a href='#pipelines'>Pipelines</a>"
        "<a href='#config'>Configuration</a></nav>",
        _skipped_notice(summary),
        "<h2 id='summary'>Summary</h2>",
        _summary_table(summary),
        "<p class='meta'>accuracy with a 95% bootstrap interval; <i>score t</i> is the "
        "confidence-target score of Kalai et al. 2025: correct +1, abstain 0, wrong "
        "&minus;t/(1&minus;t), averaged over problems (a missing answer or a failed run "
        "counts as wrong). Cost columns are means per problem.</p>",
        *(f"<p class='meta'><b>Program inputs.</b> {escape(n)}</p>" for n in input_notes(summary)),
        *(f"<p class='meta'><b>{escape(line)}</b></p>" for line in spec_lines([config])),
        cost_html([summary]),
        confidence_html(summary),
        revision_html(summary),
        graphs_html(config),
        "<h2 id='difficulty'>By difficulty</h2>",
        _difficulty_tables(summary),
        "<h2 id='plots'>Plots</h2>",
        *(_image(name, data) for name, data in plots.items()),
        "<h2 id='examples'>Example traces</h2>",
        _examples(summary, results),
        "<h2 id='skipped'>Skipped rows</h2>",
        _skipped_table(summary),
        "<h2 id='config'>Configuration</h2>",
        f"<pre class='full'>{escape(json.dumps(config, indent=2, default=str))}</pre>",
        "</main></body></html>",
    ]
    return "\n".join(parts)


def _summary_table(summary: Summary) -> str:
    with_flags = any(r.flags for r in summary.rows)
    head = [
        "task",
        "pipeline",
        "n",
        "accuracy",
        "abstain",
        "wrong",
        *(f"score t={t:g}" for t in THRESHOLDS),
        "calls",
        "tokens",
        "s/problem",
        "sandbox runs",
        "errors",
    ]
    if with_flags:
        head.append("details")
    rows = []
    for r in summary.rows:
        scores = [_score(r.score_t[f"{t:g}"], r.score_t_ci95[f"{t:g}"]) for t in THRESHOLDS]
        rows.append(
            [
                _task_cell(r.task),
                _l(r.pipeline),
                str(r.n),
                _acc(r.accuracy, r.accuracy_ci95),
                f"{r.abstention_rate:.1%}",
                f"{r.wrong_rate:.1%}",
                *scores,
                f"{r.cost.model_calls:.1f}",
                f"{r.cost.tokens_in + r.cost.tokens_out:.0f}",
                f"{r.cost.wall_s:.2f}",
                f"{r.cost.sandbox_runs:.1f}",
                f"<span class='neg'>{r.errors}</span>" if r.errors else "0",
            ]
        )
        if with_flags:
            lines = "<br>".join(
                [
                    escape(f"{key} ✓{rate.true:.0%} ✗{rate.false:.0%}")
                    for key, rate in r.flags.items()
                ]
                + [escape(f"{key} {mean:.2f}") for key, mean in r.means.items()]
            )
            rows[-1].append(f"<td class='l nw'>{lines}</td>")
    return _table(head, rows, left=(0, 1, len(head) - 1) if with_flags else (0, 1))


def _skipped_notice(summary: Summary) -> str:
    total = sum(len(rows) for rows in summary.skipped_rows.values())
    if not total:
        return ""
    tasks = ", ".join(escape(task_label(t)) for t in summary.skipped_rows)
    return (
        f"<p class='warn'><b>{total} bad data-file row{'s' if total != 1 else ''} skipped</b> "
        f"({tasks}): the scores leave them out; <a href='#skipped'>each is listed</a>.</p>"
    )


def _skipped_table(summary: Summary) -> str:
    """Every bad data-file row the run skipped: task, file, line, item, what is wrong."""
    if not summary.skipped_rows:
        return "<p class='meta'>No row of any data file was skipped.</p>"
    rows = [
        [
            _task_cell(task),
            _l(row.source),
            "" if row.line is None else str(row.line),
            _l(row.item or ""),
            _l(row.message),
        ]
        for task, errors in summary.skipped_rows.items()
        for row in errors
    ]
    return _table(["task", "file", "line", "item", "what is wrong"], rows, left=(0, 1, 3, 4))


def _difficulty_tables(summary: Summary) -> str:
    panels: dict[tuple[str, str], list[DifficultyRow]] = {}
    for row in summary.by_difficulty:
        panels.setdefault((row.task, row.axis), []).append(row)
    if not panels:
        return "<p class='meta'>No problem has a difficulty axis.</p>"
    out = []
    for (task, axis), rows in panels.items():
        pipelines = list(dict.fromkeys(r.pipeline for r in rows))
        levels = list(dict.fromkeys(r.level for r in rows))
        cell = {(r.level, r.pipeline): r for r in rows}
        body = []
        for level in levels:
            line = [_l(str(level))]
            for p in pipelines:
                r = cell.get((level, p))
                line.append(
                    ""
                    if r is None
                    else f"{_acc(r.accuracy, r.accuracy_ci95, ' ')} <span class='ci'>n={r.n}"
                    f"{', abstain ' + format(r.abstention_rate, '.0%') if r.abstained else ''}"
                    "</span>"
                )
            body.append(line)
        out.append(f"<h3>{escape(task)} · accuracy by {escape(axis)}</h3>")
        out.append(_table([axis, *pipelines], body, left=(0,)))
    return "\n".join(out)


def _examples(summary: Summary, results: Sequence[Result]) -> str:
    out = []
    for row in summary.rows:
        group = [r for r in results if r.task == row.task and r.pipeline == row.pipeline]
        picks = [
            (label, next((r for r in group if outcome(r) == kind), None))
            for label, kind in (
                ("first wrong", "wrong"),
                ("first correct", "correct"),
                ("first abstention", "abstained"),
            )
        ]
        shown = [_example(label, r) for label, r in picks if r is not None]
        out.append(f"<h3>{escape(row.task)} · <code>{escape(row.pipeline)}</code></h3>")
        out.extend(shown or ["<p class='meta'>no results</p>"])
    return "\n".join(out)


def _readable(text: str) -> str:
    shown = shown_text(text)
    title = f" title='{escape(text)}'" if shown != text else ""
    return f"<code{title}>{escape(shown)}</code>"


def _example(label: str, r: Result) -> str:
    verdict = (
        "<span class='ok'>correct</span>"
        if outcome(r) == "correct"
        else "<span class='abs'>abstained</span>"
        if outcome(r) == "abstained"
        else "<span class='bad'>wrong</span>"
    )
    # Gold in the answer's form when the task can write it (Hanoi moves as text, not JSON).
    gold = r.gold_text if r.gold_text is not None else json.dumps(r.gold, default=str)
    # Numbers as a person writes them ("3.6"); the exact text stays in the hover title.
    head = (
        f"{escape(label)}: {escape(r.problem_id)} · answer "
        f"{_readable(str(r.answer))} · gold {_readable(_short(gold, 200))} · {verdict}"
    )
    facts = [
        f"confidence {r.confidence:.2f}" if r.confidence is not None else "confidence n/a",
        f"{r.cost.model_calls} calls",
        f"{r.cost.tokens_in}+{r.cost.tokens_out} tokens",
        f"{r.cost.sandbox_runs} sandbox runs",
        f"{r.cost.wall_s:.2f} s",
    ]
    if r.difficulty:
        facts.append("difficulty " + ", ".join(f"{k}={v}" for k, v in r.difficulty.items()))
    if r.details:
        facts.append("details " + json.dumps(r.details, default=str))
    body = [f"<p class='meta'>{escape(' · '.join(facts))}</p>"]
    if r.error:
        body.append(f"<p class='bad'>error: {escape(r.error)}</p>")
    if r.verdicts:
        items = "".join(
            f"<li><b>{escape(v.checker)}</b> {escape(v.status)}"
            f"{': ' + escape(v.evidence) if v.evidence else ''}</li>"
            for v in r.verdicts
        )
        body.append(f"<p>verdicts on the final answer:</p><ul>{items}</ul>")
    body.extend(_event(e) for e in r.trace)
    return f"<details><summary>{head}</summary>{''.join(body)}</details>"


def _event(e: TraceEvent) -> str:
    data = {k: v for k, v in e.data.items() if v is not None}
    tag = f"{e.stage} · {e.kind}" + (f" · {json.dumps(data, default=str)}" if data else "")
    content = f"<pre>{escape(_short(e.content, MAX_EVENT_CHARS))}</pre>" if e.content else ""
    kind = "".join(ch for ch in e.kind if ch.isalnum())
    return f"<div class='ev {kind}'><span class='tag'>{escape(tag)}</span>{content}</div>"


def _image(name: str, data: bytes) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    title = name.removesuffix(".png").replace("_", " ")
    return (
        f"<div class='plot'><img alt='{escape(title)}' title='{escape(name)}' "
        f"src='data:image/png;base64,{encoded}'></div>"
    )


def _table(
    head: Sequence[str], rows: Sequence[Sequence[str]], left: Collection[int] = (0, 1)
) -> str:
    # Cells arrive escaped (or built from escaped parts); headers are escaped here. Columns
    # in `left` hold text and align left; the rest hold numbers.
    ths = "".join(
        f"<th class='l'>{escape(h)}</th>" if i in left else f"<th>{escape(h)}</th>"
        for i, h in enumerate(head)
    )
    trs = "".join(
        "<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{trs}</tbody></table>"


def _task_cell(spec: str) -> str:
    """The task by its short label (data files by folder and name); the whole spec on hover
    and in the configuration."""
    return f"<td class='l' title='{escape(spec, quote=True)}'>{escape(task_label(spec))}</td>"


def _l(text: str) -> str:
    return f"<td class='l'>{escape(text)}</td>"


def _acc(value: float, ci: Sequence[float], sep: str = "<br>") -> str:
    return f"<b>{value:.1%}</b>{sep}<span class='ci'>[{ci[0]:.0%}, {ci[1]:.0%}]</span>"


def _score(value: float, ci: Sequence[float]) -> str:
    style = "pos" if value > 0 else "neg" if value < 0 else ""
    return (
        f"<span class='{style}'>{value:+.2f}</span><br>"
        f"<span class='ci'>[{ci[0]:+.2f}, {ci[1]:+.2f}]</span>"
    )


def _short(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters in results.jsonl)"
