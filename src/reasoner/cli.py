"""`reasoner`: the command line. It parses arguments and calls the Python API, nothing more."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from reasoner import plugins
from reasoner.cli_install import engine_app, models_app
from reasoner.errors import ReasonerError

app = typer.Typer(
    help="Make a language model reason correctly: compose PAL, CoVe, symbolic checks, voting "
    "and abstention around it, and measure them on Hanoi, chess and arithmetic.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)
app.add_typer(models_app, name="models")
app.add_typer(engine_app, name="engine")

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


@app.command()
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
    limit: Annotated[int, typer.Option(help="With --task: problems of each task.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full Answer as JSON.")] = False,
) -> None:
    """Answer one question, or the first problems of a task, and print the answers."""
    from reasoner.loading import load_model
    from reasoner.pipeline import Pipeline
    from reasoner.solving import asolve

    if question is None and task is None:
        raise ReasonerError('give a question, e.g. reasoner run "What is 2 + 3?", or --task SPEC')
    pipeline = Pipeline.parse(strategy)
    with err.status(f"loading model {model} ..."):
        loaded = load_model(model)
    if question is not None:
        with err.status("thinking ..."):
            answer = asyncio.run(asolve(question, pipeline, loaded))
        if as_json:
            print(answer.model_dump_json(indent=2))
        else:
            console.print(answer.value if not answer.abstained else "I don't know (abstained)")
            if answer.error:
                err.print(f"[yellow]error:[/] {answer.error}")
        return
    for spec in task or []:
        _run_task(spec, pipeline, loaded, limit, as_json)


def _run_task(spec: str, pipeline: Any, model: Any, limit: int, as_json: bool) -> None:
    from reasoner.loading import load_task
    from reasoner.solving import asolve

    task_obj = load_task(spec)
    examples = [e for _, e in zip(range(limit), task_obj.examples(), strict=False)]

    async def solve_all() -> list[Any]:
        jobs = (asolve(e.problem, pipeline, model, task=task_obj) for e in examples)
        return await asyncio.gather(*jobs)

    with err.status(f"solving {len(examples)} problems of {spec} with {pipeline} ..."):
        answers = asyncio.run(solve_all())
    for example, answer in zip(examples, answers, strict=True):
        value = task_obj.parse(answer.value) if answer.value is not None else None
        ok = value is not None and not answer.abstained and task_obj.score(example, value)
        if as_json:
            print(answer.model_dump_json())
            continue
        shown = "(abstained)" if answer.abstained else (answer.value or "(no answer)")
        shown = shown.replace("\n", " ")
        if len(shown) > 100:
            shown = shown[:97] + "..."
        mark = "[green]correct[/]" if ok else "[red]wrong[/]"
        console.print(
            f"[bold]{example.problem.id}[/] {example.problem.prompt.splitlines()[0][:100]}"
        )
        console.print(f"  answer: {shown}  -> {mark}", highlight=False)


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
    )
    if not progress:  # with progress on, the runner prints the table itself
        print_summary(summary, console)


@app.command()
def report(
    out: Annotated[Path, typer.Argument(help="An eval output folder.")],
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the summary as a Markdown table instead.")
    ] = False,
) -> None:
    """Re-draw the table, plots and report.html of an eval folder from its files alone."""
    from reasoner.eval import print_summary
    from reasoner.eval import report as redraw

    summary = redraw(out)
    if markdown:
        from reasoner.eval.markdown import markdown_table

        print(markdown_table(summary), end="")
    else:
        print_summary(summary, console)


def main() -> None:
    try:
        app()
    except ReasonerError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
