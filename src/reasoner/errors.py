"""The error hierarchy users see: each message names the item, what is wrong, and the fix.

The CLI prints a `ReasonerError` as one line; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class ReasonerError(Exception):
    """Base of every error reasoner raises on purpose."""


class ModelNotFound(ReasonerError):
    """A model spec points at something that is not there (package, folder, server)."""


class ModelError(ReasonerError):
    """A model backend failed while generating (after its retries)."""


class BadPipelineSpec(ReasonerError):
    """A pipeline spec names an unknown stage or passes a bad argument."""


class BadQuestion(ReasonerError):
    """A question is empty or blank: there is nothing to answer."""


class BadTaskSpec(ReasonerError):
    """A task spec names an unknown task or passes a bad parameter."""


class TaskFileError(ReasonerError):
    """A task data file cannot be read at all (missing, empty, wrong format)."""


class SandboxError(ReasonerError):
    """The sandbox itself cannot run (not a failure of the program it runs)."""


class PluginError(ReasonerError):
    """A plug-in entry point cannot be loaded."""
