"""reasoner: compose reasoning mitigations around a language model, and measure them.

The public surface is what `__all__` lists; nothing else is promised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reasoner.errors import (
    BadPipelineSpec,
    BadQuestion,
    BadTaskSpec,
    ModelError,
    ModelNotFound,
    ReasonerError,
    SandboxError,
    TaskFileError,
)
from reasoner.loading import load_model, load_task
from reasoner.models.base import Model
from reasoner.pipeline import Pipeline, stage
from reasoner.session import Session
from reasoner.solving import asolve, solve
from reasoner.strategy import Generator, Loop, strategy
from reasoner.task import Task
from reasoner.types import (
    Answer,
    AnswerConstraint,
    Attempt,
    Cost,
    Example,
    Generation,
    GenerationRequest,
    Message,
    PalExemplar,
    Problem,
    Result,
    RowError,
    TraceEvent,
    Verdict,
)

if TYPE_CHECKING:
    from reasoner.eval.runner import aevaluate, evaluate

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "AnswerConstraint",
    "Attempt",
    "BadPipelineSpec",
    "BadQuestion",
    "BadTaskSpec",
    "Cost",
    "Example",
    "Generation",
    "GenerationRequest",
    "Generator",
    "Loop",
    "Message",
    "Model",
    "ModelError",
    "ModelNotFound",
    "PalExemplar",
    "Pipeline",
    "Problem",
    "ReasonerError",
    "Result",
    "RowError",
    "SandboxError",
    "Session",
    "Task",
    "TaskFileError",
    "TraceEvent",
    "Verdict",
    "aevaluate",
    "asolve",
    "evaluate",
    "load_model",
    "load_task",
    "solve",
    "stage",
    "strategy",
]


def __getattr__(name: str) -> Any:
    # The evaluator pulls in plotting and reports; load it only when asked for.
    if name in ("evaluate", "aevaluate"):
        from reasoner.eval import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'reasoner' has no attribute {name!r}")
