"""Gathers generate calls from concurrent callers into batches for one worker thread.

Why a thread and not an asyncio task: the model may be called from several event loops
(each `reasoner.solve` runs its own) and torch releases the GIL while it computes, so one
worker thread owning the model serves every loop and keeps the event loops responsive.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
import time
from collections.abc import Callable

from reasoner.types import Generation, GenerationRequest

BatchFn = Callable[[list[GenerationRequest]], list[Generation]]


class DynamicBatcher:
    """Collects requests for up to `gather_ms` (or until `max_batch` sequences) and runs them.

    Args:
        fn: runs a list of requests as one batch and returns one Generation per request.
        max_batch: the most sequences (sum of `n`) gathered into one call.
        gather_ms: how long to wait for companions after the first request arrives.
    """

    def __init__(self, fn: BatchFn, *, max_batch: int = 8, gather_ms: float = 5.0) -> None:
        self.fn = fn
        self.max_batch = max_batch
        self.gather_s = gather_ms / 1000.0
        self._queue: queue.Queue[tuple[list[GenerationRequest], concurrent.futures.Future] | None]
        self._queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches_run = 0
        self.sequences_run = 0

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="reasoner-batcher", daemon=True
                )
                self._thread.start()

    async def submit(self, requests: list[GenerationRequest]) -> list[Generation]:
        """Queue `requests` (they stay together) and wait for their generations."""
        future: concurrent.futures.Future[list[Generation]] = concurrent.futures.Future()
        self._ensure_thread()
        self._queue.put((requests, future))
        return await asyncio.wrap_future(future)

    def submit_sync(self, requests: list[GenerationRequest]) -> list[Generation]:
        future: concurrent.futures.Future[list[Generation]] = concurrent.futures.Future()
        self._ensure_thread()
        self._queue.put((requests, future))
        return future.result()

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)

    def _gather(self, first: tuple[list[GenerationRequest], concurrent.futures.Future]):
        group = [first]
        rows = sum(r.n for r in first[0])
        deadline = time.monotonic() + self.gather_s
        while rows < self.max_batch:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if item is None:
                self._queue.put(None)  # let the loop see the close after this batch
                break
            group.append(item)
            rows += sum(r.n for r in item[0])
        return group

    def _work(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = self._gather(first)
            flat = [request for requests, _ in group for request in requests]
            try:
                generations = self.fn(flat)
            except BaseException as exc:  # every waiting caller must hear about the failure
                for _, future in group:
                    future.set_exception(exc)
                continue
            self.batches_run += 1
            self.sequences_run += sum(r.n for r in flat)
            start = 0
            for requests, future in group:
                future.set_result(generations[start : start + len(requests)])
                start += len(requests)
