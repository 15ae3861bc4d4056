"""Starting the server: load the model once, build the app, hand it to uvicorn."""

from __future__ import annotations

import ipaddress
import sys

from reasoner.errors import ReasonerError
from reasoner.serve.settings import ServeSettings


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_server(
    model: str, settings: ServeSettings, *, host: str = "127.0.0.1", port: int = 8000
) -> None:
    """Serve `settings.pipeline` around `model` until interrupted.

    Args:
        model: a model spec (`smollm2`, `openai:URL#MODEL`, ...), loaded once here.
        settings: the pipeline, key and caps.
        host: the address to listen on; loopback unless you mean otherwise.
        port: the port.

    Raises:
        ReasonerError: the serve extra is not installed, or the pipeline or model is bad.
    """
    try:
        import uvicorn

        from reasoner.serve.app import create_app
    except ImportError as exc:
        raise ReasonerError(
            f"reasoner serve needs the serve extra ({exc.name} is missing): "
            "pip install 'reasoner[serve]'"
        ) from None
    from reasoner.loading import load_model

    if not is_loopback(host) and settings.api_key is None:
        # Before uvicorn sets up logging, so written straight to stderr.
        print(
            f"warning: listening on {host} without --api-key: anyone who reaches this port "
            "can run the model",
            file=sys.stderr,
        )
    loaded = load_model(model)
    app = create_app(loaded, settings)
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_keep_alive=5)
