"""What a server is started with; every cap has a default a person can live with."""

from __future__ import annotations

from dataclasses import dataclass

from reasoner.errors import ReasonerError

#: Requests are chat messages; a megabyte is far more than any question.
DEFAULT_MAX_BODY_BYTES = 1 << 20
#: A pipeline run that takes longer is cancelled (a retry loop on a slow CPU model fits).
DEFAULT_REQUEST_TIMEOUT_S = 300.0
#: Pipeline runs in flight at once; more requests wait their turn.
DEFAULT_CONCURRENCY = 32


@dataclass(frozen=True)
class ServeSettings:
    """How `reasoner serve` runs.

    Attributes:
        pipeline: the spec the listed model id runs (`-s`).
        api_key: the key requests must send as `Authorization: Bearer KEY`; None: none.
        max_body_bytes: larger request bodies get 413.
        request_timeout_s: a pipeline run past this is cancelled and answered as failed.
        concurrency: pipeline runs in flight at once (they share the model's batching).
        program_timeout: seconds a generated program may run in the sandbox.
        keepalive_s: seconds between keep-alive comments in a streamed reply.
    """

    pipeline: str = "pal >> check"
    api_key: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S
    concurrency: int = DEFAULT_CONCURRENCY
    program_timeout: float = 5.0
    keepalive_s: float = 10.0

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1024:
            raise ReasonerError(
                f"--max-body-bytes must be at least 1024, got {self.max_body_bytes}"
            )
        if self.request_timeout_s <= 0 or self.program_timeout <= 0 or self.keepalive_s <= 0:
            raise ReasonerError("--request-timeout and --program-timeout must be more than 0")
        if self.concurrency < 1:
            raise ReasonerError(f"--concurrency must be at least 1, got {self.concurrency}")
        if self.api_key is not None and not self.api_key.strip():
            raise ReasonerError("--api-key is empty: give a key, or leave the option out")
