"""Model names to pipelines: the listed id runs the server's pipeline, `reasoner/<spec>` any.

A pipeline is parsed and its graph compiled once per spec and kept (a bounded cache), so a
client naming the same pipeline in every request pays for it once.
"""

from __future__ import annotations

from collections import OrderedDict

from reasoner.errors import ReasonerError
from reasoner.pipeline import Pipeline
from reasoner.serve.errors import ApiError

#: The prefix of a model name that names a pipeline: `reasoner/pal >> check`.
PREFIX = "reasoner/"
#: How many pipelines named by requests stay compiled.
CACHED_PIPELINES = 32


class PipelineBook:
    """The server's pipeline and those that requests name.

    Args:
        default: the pipeline the listed model id runs (`reasoner serve -s`).
    """

    def __init__(self, default: str | Pipeline) -> None:
        self.default = Pipeline.parse(default)
        self.default.graph()  # compile now: a broken default fails at start, not per request
        self.default_id = PREFIX + str(self.default)
        self._named: OrderedDict[str, Pipeline] = OrderedDict()

    def resolve(self, model: str) -> Pipeline:
        """The pipeline a request's `model` names.

        Args:
            model: the listed id (or plain `reasoner`) for the default pipeline, or
                `reasoner/<pipeline spec>`, e.g. `reasoner/pal >> check >> retry(max=2)`.

        Returns:
            The parsed pipeline, its graph compiled.

        Raises:
            ApiError: 404 `model_not_found` for a name that is not ours or a spec that
                does not parse (unknown stage, bad argument), with the parser's message.
        """
        name = model.strip()
        if name in (self.default_id, PREFIX.rstrip("/")):
            return self.default
        if not name.startswith(PREFIX):
            raise ApiError(
                404,
                f"model '{model}' does not exist: use '{self.default_id}' or "
                f"'{PREFIX}<pipeline spec>', e.g. '{PREFIX}pal >> check'",
                param="model",
                code="model_not_found",
            )
        spec = name.removeprefix(PREFIX)
        found = self._named.get(spec)
        if found is not None:
            self._named.move_to_end(spec)
            return found
        try:
            pipeline = Pipeline.parse(spec)
            pipeline.graph()
        except ReasonerError as exc:
            raise ApiError(
                404,
                f"model '{model}' does not exist: {exc}",
                param="model",
                code="model_not_found",
            ) from None
        if str(pipeline) == str(self.default):
            return self.default
        self._named[spec] = pipeline
        if len(self._named) > CACHED_PIPELINES:
            self._named.popitem(last=False)
        return pipeline
