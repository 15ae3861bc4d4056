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
from collections.abc import Callable, Hashable

from reasoner.types import Generation, GenerationRequest

BatchFn = Callable[[list[GenerationRequest]], list[Generation]]
KeyFn = Callable[[list[GenerationRequest]], Hashable]
_Item = tuple[list[GenerationRequest], concurrent.futures.Future]


def _same(_requests: list[GenerationRequest]) -> Hashable:
    return None


class DynamicBatcher:
    """Collects requests for up to `gather_ms` (or until `max_batch` sequences) and runs them.

    Args:
        fn: runs a list of requests as one batch and returns one Generation per request.
        key: what must be equal for two submissions to share a batch.
        max_batch: the most sequences (sum of `n`) gathered into one call.
        gather_ms: how long to wait for companions after the first request arrives.
    """

    def __init__(
        self, fn: BatchFn, *, key: KeyFn = _same, max_batch: int = 8, gather_ms: float = 5.0
    ) -> None:
        self.fn = fn
        self.key = key
        self.max_batch = max_batch
        self.gather_s = gather_ms / 1000.0
        self._queue: queue.Queue[tuple[list[GenerationRequest], concurrent.futures.Future] | None]
        self._queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches_run = 0
        self.sequences_run = 0
        # Each pending submission's key, computed once: for the hf engine a key tokenizes the
        # whole prompt, and `_gather` compares every pending submission on every arrival.
        self._keys: dict[int, Hashable] = {}

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

    def _gather(self, pending: list[_Item]) -> list[_Item]:
        """Pick the batch: the oldest pending item and others that batch with it.

        Items that cannot share a forward pass with it (another few-shot prefix, other
        sampling settings) wait for a later batch, so no caller waits on a batch it is not in.
        """
        key = self._key_of(pending[0])
        deadline = time.monotonic() + self.gather_s
        while True:
            group = [item for item in pending if self._key_of(item) == key]
            rows = sum(r.n for requests, _ in group for r in requests)
            remaining = deadline - time.monotonic()
            if rows >= self.max_batch or remaining <= 0:
                break
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if item is None:
                self._queue.put(None)  # let the loop see the close after this batch
                break
            pending.append(item)
        chosen: list[_Item] = []
        taken = 0
        for item in group:
            size = sum(r.n for r in item[0])
            if chosen and taken + size > self.max_batch:
                break
            chosen.append(item)
            taken += size
        for _, future in chosen:
            self._keys.pop(id(future), None)
        return chosen

    def _key_of(self, item: _Item) -> Hashable:
        requests, future = item
        if id(future) not in self._keys:
            self._keys[id(future)] = self.key(requests)
        return self._keys[id(future)]

    def _work(self) -> None:
        pending: list[_Item] = []
        while True:
            if not pending:
                first = self._queue.get()
                if first is None:
                    return
                pending.append(first)
            group = self._gather(pending)
            for item in group:
                pending.remove(item)
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
