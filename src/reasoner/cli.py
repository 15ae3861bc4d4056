"""`reasoner`: the command line. It parses arguments and calls the Python API, nothing more."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from reasoner import plugins
from reasoner.cli_install import engine_app, models_app
from reasoner.display import shown_answer, shown_for_question
from reasoner.errors import BadQuestion, ReasonerError
from reasoner.inert_text import inert
from reasoner.outcomes import outcome_line
from reasoner.serve.command import serve_command
from reasoner.terminal import make_console

app = typer.Typer(
    help="Make a language model reason correctly: compose PAL, CoVe, symbolic checks, voting "
    "and abstention around it, and measure them on Hanoi, chess and arithmetic.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = make_console()
err = make_console(stderr=True)
app.add_typer(models_app, name="models")
app.add_typer(engine_app, name="engine")
app.command("serve")(serve_command)

ModelOpt = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        help="smollm2 | smollm2-llamacpp | qwen2.5-coder-1.5b | llamacpp:FILE.gguf | "
        "hf:PATH[#file.gguf] | openai:URL#MODEL | scripted",
    ),
]


@app.command("list")
def list_plugins() -> None:
    """List the models, strategies and tasks found through the plug-in registry."""
    for kind, registry in (
        ("models", plugins.models),
        ("strategies", plugins.strategies),
        ("tasks", plugins.tasks),
    ):
        table = Table(title=kind, title_justify="left", show_header=True, expand=False)
        table.add_column("name", style="bold")
        table.add_column("description")
        table.add_column("from", style="dim")
        for name in registry.names():
            table.add_row(name, registry.describe(name), registry.source(name))
        console.print(table)


RUN_HELP = """Answer one question, or the first problems of tasks, and print the answers.

A question prints its answer on stdout. A run that gives no answer prints one line on
stderr instead: that it abstained and why, or what failed last (a stage error, a failed
check, a program's error); --json prints the whole Answer with its trace.

With --task it prints each problem, its answer and whether it is correct, how many of the
task's problems ran, and a score line per task.

Exit status: 0 answered (with --task: every problem ran, whatever the score); 1 no answer,
the run failed; 2 bad input (an empty question, an unknown stage, a missing file, a bad
row with --strict); 3 abstained (a legitimate "I don't know", told apart from a failure).
"""

#: Exit status of `reasoner run` when the pipeline abstained, and when it failed.
EXIT_ABSTAINED = 3
EXIT_NO_ANSWER = 1


@app.command(help=RUN_HELP)
def run(
    question: Annotated[str | None, typer.Argument(help="A free-text question.")] = None,
    model: ModelOpt = "smollm2",
    strategy: Annotated[
        str,
        typer.Option(
            "--strategy", "-s", help="Pipeline spec, e.g. 'pal >> check >> retry(max=2)'."
        ),
    ] = "pal >> check",
    task: Annotated[
        list[str] | None,
        typer.Option(
            "--task",
            "-t",
            help="Answer problems of a task instead, e.g. 'hanoi:disks=1-4' (repeatable).",
        ),
    ] = None,
    limit: Annotated[
        int,
        typer.Option(help="With --task: the first N problems of each task; 0 runs them all."),
    ] = 3,
    strict: Annotated[
        bool, typer.Option(help="With --task: a bad row in a task's data file is an error.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full Answer as JSON.")] = False,
) -> None:
    from reasoner.loading import load_model, load_task
    from reasoner.pipeline import Pipeline
    from reasoner.solving import asolve

    if question is None and task is None:
        raise ReasonerError('give a question, e.g. reasoner run "What is 2 + 3?", or --task SPEC')
    if question is not None and not question.strip():
        raise BadQuestion('the question is empty: give one, e.g. reasoner run "What is 2 + 3?"')
    if limit < 0:
        raise ReasonerError(f"--limit must be 0 (all) or more, got {limit}")
    pipeline = Pipeline.parse(strategy)
    # Tasks before the model: a bad spec or data file is reported without waiting for it.
    tasks = [(spec, load_task(spec)) for spec in task or []]
    _report_skipped_rows(tasks, strict)
    with err.status(f"loading model {model} ..."):
        loaded = load_model(model)
    if question is not None:
        with err.status("thinking ..."):
            answer = asyncio.run(asolve(question, pipeline, loaded))
        if as_json:
            print(answer.model_dump_json(indent=2))
        line = outcome_line(answer)
        if line is None:
            if not as_json:
                shown = shown_for_question(question, answer.value or "")
                console.print(inert(shown), highlight=False, markup=False)
            return
        hint = "" if as_json else "; --json prints the whole trace"
        err.print(inert(f"{line}{hint}"), highlight=False, markup=False)
        raise typer.Exit(EXIT_ABSTAINED if answer.abstained else EXIT_NO_ANSWER)
    scores = [_run_task(spec, t, pipeline, loaded, limit, as_json) for spec, t in tasks]
    if len(scores) > 1 and not as_json:
        correct, ran = sum(c for c, _ in scores), sum(n for _, n in scores)
        console.print(f"[bold]total: {correct}/{ran} correct[/]", highlight=False)


def _report_skipped_rows(tasks: list[tuple[str, Any]], strict: bool) -> None:
    from reasoner.eval.skipped_rows import collect, strict_error
    from reasoner.report.skipped_rows import listing

    skipped = collect(tasks)
    if strict and skipped:
        raise strict_error(skipped)
    for line in listing(skipped):
        err.print(inert(line), style="yellow", highlight=False, markup=False)


def _run_task(
    spec: str, task_obj: Any, pipeline: Any, model: Any, limit: int, as_json: bool
) -> tuple[int, int]:
    """Solve and score the first `limit` problems of a task; returns (correct, ran)."""
    from rich.markup import escape

    from reasoner.solving import asolve

    every = list(task_obj.examples())
    examples = every[:limit] if limit else every

    async def solve_all() -> list[Any]:
        jobs = (asolve(e.problem, pipeline, model, task=task_obj) for e in examples)
        return await asyncio.gather(*jobs)

    with err.status(f"solving {len(examples)} problems of {spec} with {pipeline} ..."):
        answers = asyncio.run(solve_all())
    correct = abstained = failed = 0
    for example, answer in zip(examples, answers, strict=True):
        value = task_obj.parse(answer.value) if answer.value is not None else None
        ok = value is not None and not answer.abstained and task_obj.score(example, value)
        correct += bool(ok)
        abstained += answer.abstained
        failed += answer.value is None and not answer.abstained
        if as_json:
            print(answer.model_dump_json())
            continue
        shown = (
            shown_answer(answer, task_obj, example.problem) or outcome_line(answer) or "(no answer)"
        )
        shown = " ".join(shown.split())
        if len(shown) > 100:
            shown = shown[:97] + "..."
        mark = (
            "[green]correct[/]"
            if ok
            else "[yellow]abstained[/]"
            if answer.abstained
            else "[red]wrong[/]"
        )
        prompt = (
            example.problem.prompt.strip().splitlines()[0][:100]
            if example.problem.prompt.strip()
            else ""
        )
        problem_id, prompt = inert(example.problem.id), inert(prompt)
        console.print(f"[bold]{escape(problem_id)}[/] {escape(prompt)}", highlight=False)
        console.print(f"  answer: {escape(inert(shown))}  -> {mark}", highlight=False)
    if not as_json:
        more = f" (--limit {limit}; --limit 0 runs all)" if len(examples) < len(every) else ""
        console.print(
            f"ran {len(examples)} of {len(every)} problems of {escape(spec)}{more}", highlight=False
        )
        extra = ", ".join(
            f"{k} {what}"
            for k, what in ((abstained, "abstained"), (failed, "without an answer"))
            if k
        )
        console.print(
            f"[bold]score: {correct}/{len(examples)} correct[/]" + (f" ({extra})" if extra else ""),
            highlight=False,
        )
    return correct, len(examples)


@app.command("eval")
def eval_command(
    task: Annotated[list[str], typer.Option("--task", "-t", help="Task spec (repeatable).")],
    strategy: Annotated[
        list[str], typer.Option("--strategy", "-s", help="Pipeline spec (repeatable).")
    ],
    model: ModelOpt = "smollm2",
    out: Annotated[Path, typer.Option(help="Output folder (resumable).")] = Path("runs/latest"),
    limit: Annotated[
        int | None, typer.Option(help="Problems per task: the first N, in the task's order.")
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Problems in flight at once.")] = 8,
    seed: Annotated[
        int, typer.Option(help="Seed for the bootstrap intervals (recorded in config.json).")
    ] = 0,
    samples: Annotated[
        int | None, typer.Option(help="Samples for stages that sample (vote).")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    strict: Annotated[
        bool,
        typer.Option(
            help="Stop when a task's data file has a bad row (default: skip it; every "
            "skipped row is listed in the terminal, summary.json and report.html)."
        ),
    ] = False,
    calibrate_on: Annotated[
        list[str] | None,
        typer.Option(
            "--calibrate-on",
            help="Task spec of a calibration split (repeatable): the pipelines run there "
            "first and a calibration of their confidence is fitted per pipeline; abstain(t) "
            "then compares P(correct) with t.",
        ),
    ] = None,
    calibration_method: Annotated[
        str, typer.Option(help="How --calibrate-on fits: isotonic or logistic (Platt).")
    ] = "isotonic",
) -> None:
    """Run every pipeline on every problem; write results, summary, plots and report to --out."""
    from reasoner.eval import evaluate, print_summary

    summary = evaluate(
        tasks=task,
        pipelines=strategy,
        model=model,
        out=out,
        limit=limit,
        concurrency=concurrency,
        seed=seed,
        samples=samples,
        progress=progress,
        strict=strict,
        calibrate_on=calibrate_on or (),
        calibration_method=calibration_method,
    )
    if not progress:  # with progress on, the runner prints the table itself
        print_summary(summary, console)


@app.command()
def show(
    pipeline: Annotated[str, typer.Argument(help="A pipeline spec or a named one, e.g. agent.")],
) -> None:
    """Print a pipeline's full spec and its compiled graph (Mermaid, from LangGraph)."""
    from reasoner.pipeline import Pipeline
    from reasoner.pipeline_outline import legend, mermaid

    pipe = Pipeline.parse(pipeline)
    expanded = pipe.expanded()
    print(f"{pipe} = {expanded}" if expanded != str(pipe) else expanded)
    print()
    print("\n".join(legend(pipe)))
    print()
    print(mermaid(pipe), end="")


@app.command()
def calibrate(
    run_dir: Annotated[Path, typer.Argument(help="An eval output folder on development tasks.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Calibration file to write.")],
    pipeline: Annotated[
        str | None, typer.Option(help="Which pipeline of the run (when it ran several).")
    ] = None,
    method: Annotated[str, typer.Option(help="isotonic or logistic (Platt).")] = "isotonic",
) -> None:
    """Fit a confidence calibration from a finished run; use it with abstain(calibration=FILE)."""
    from reasoner.eval.calibration import fit_from_run

    fitted = fit_from_run(run_dir, pipeline=pipeline, method=method)
    fitted.save(output)
    console.print(
        f"fitted {fitted.method} calibration of '{fitted.pipeline}' on {fitted.n} results "
        f"(accuracy {fitted.accuracy:.0%}; signals {', '.join(fitted.features) or 'none'}) "
        f"-> {output}",
        highlight=False,
    )


@app.command()
def report(
    outs: Annotated[
        list[Path],
        typer.Argument(help="Eval output folders; several are shown side by side by task."),
    ],
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the summary as a Markdown table instead.")
    ] = False,
    paired: Annotated[
        bool,
        typer.Option(
            "--paired",
            help="Also compare every two pipelines of a task on the problems both ran "
            "(difference with a paired bootstrap interval, McNemar p).",
        ),
    ] = False,
) -> None:
    """Re-draw the table, plots and report.html of eval folders from their files alone."""
    from reasoner.report.paired import paired_differences, paired_markdown, print_paired
    from reasoner.report.reports import report as redraw
    from reasoner.report.run_folder import RESULTS, load_results
    from reasoner.report.table import print_summary

    summaries = [redraw(out) for out in outs]
    rows = []
    if paired:
        runs = [(out.name, load_results(out / RESULTS)) for out in outs]
        rows = paired_differences(runs)
    if markdown:
        from reasoner.report.markdown import markdown_side_by_side

        print(markdown_side_by_side(summaries), end="")
        if rows:
            print("\n" + paired_markdown(rows), end="")
        return
    for summary in summaries:
        print_summary(summary, console)
    print_paired(rows, console)


def main() -> None:
    from rich.markup import escape

    try:
        app()
    except ReasonerError as exc:
        err.print(f"[red]error:[/] {escape(inert(str(exc)))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
