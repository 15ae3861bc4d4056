"""Runs untrusted, model-written Python out of process, isolated and with limits.

Public API: `run_program`, `arun_program` (backed by a shared warm pool) and `SandboxPool`.
See docs/security.md for what the sandbox promises and what it does not.
"""

from reasoner.sandbox.api import arun_program, default_pool, run_program
from reasoner.sandbox.pool import SandboxPool

__all__ = ["SandboxPool", "arun_program", "default_pool", "run_program"]
