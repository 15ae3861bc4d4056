"""Where reasoner keeps what it installs for the user: opt-in models and the llama.cpp engine.

`$REASONER_CACHE` wins, then `$XDG_CACHE_HOME/reasoner`, then `~/.cache/reasoner`.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """The user's reasoner cache folder (it may not exist yet).

    Returns:
        `$REASONER_CACHE`, else `$XDG_CACHE_HOME/reasoner`, else `~/.cache/reasoner`.
    """
    explicit = os.environ.get("REASONER_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "reasoner"


def models_dir() -> Path:
    """The folder that holds installed opt-in models."""
    return cache_root() / "models"


def engine_root() -> Path:
    """The folder that holds installed llama.cpp engines, one sub-folder per version."""
    return cache_root() / "engine"
