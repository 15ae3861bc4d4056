"""A real `reasoner serve` app on uvicorn, on 127.0.0.1, in a thread of the test process.

The tests talk to it over real HTTP (the official `openai` client, httpx, raw sockets), so
what they exercise is what a client meets: uvicorn's parsing, disconnects, streaming.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from openai_servers import HOST, free_port

from reasoner.models.base import Model
from reasoner.serve.app import create_app
from reasoner.serve.settings import ServeSettings


@contextlib.contextmanager
def running_server(model: Model, **settings: Any) -> Iterator[tuple[str, Any]]:
    """Serve `model` until the block ends; yield the base URL (no `/v1`) and the app.

    Args:
        model: the loaded model.
        **settings: `ServeSettings` fields (pipeline, api_key, caps).
    """
    app = create_app(model, ServeSettings(**settings))
    port = free_port()
    config = uvicorn.Config(app, host=HOST, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="reasoner-serve-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{HOST}:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=15)
