"""The `reasoner serve` command: its options, handed to `run_server`; no logic of its own."""

from __future__ import annotations

from typing import Annotated

import typer

from reasoner.serve.server import run_server
from reasoner.serve.settings import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_REQUEST_TIMEOUT_S,
    ServeSettings,
)


def serve_command(
    model: Annotated[
        str, typer.Option("--model", "-m", help="The model every request shares (a model spec).")
    ] = "smollm2",
    strategy: Annotated[
        str,
        typer.Option(
            "--strategy",
            "-s",
            help="The pipeline the listed model id runs; a request may name another as "
            "model 'reasoner/<spec>'.",
        ),
    ] = "pal >> check",
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="REASONER_SERVE_API_KEY",
            help="Require 'Authorization: Bearer KEY' (or set REASONER_SERVE_API_KEY, which "
            "keeps the key out of the process list).",
        ),
    ] = None,
    max_body_bytes: Annotated[
        int, typer.Option(help="Larger request bodies are refused (413).")
    ] = DEFAULT_MAX_BODY_BYTES,
    request_timeout: Annotated[
        float, typer.Option(help="Seconds a pipeline run may take; past it, a failed answer.")
    ] = DEFAULT_REQUEST_TIMEOUT_S,
    concurrency: Annotated[
        int, typer.Option(help="Pipeline runs in flight at once (they share the model's batching).")
    ] = DEFAULT_CONCURRENCY,
    program_timeout: Annotated[
        float, typer.Option(help="Seconds a generated program may run in the sandbox.")
    ] = 5.0,
) -> None:
    """Serve a pipeline as an OpenAI-compatible chat endpoint (docs/serve.md)."""
    settings = ServeSettings(
        pipeline=strategy,
        api_key=api_key,
        max_body_bytes=max_body_bytes,
        request_timeout_s=request_timeout,
        concurrency=concurrency,
        program_timeout=program_timeout,
    )
    run_server(model, settings, host=host, port=port)
