"""`reasoner eval --calibrate-on SPEC`: fit each pipeline's calibration on other tasks first.

The same pipelines run on the calibration specs (a development split: e.g. the first 100
rows of a GSM8K file, generated tasks with another seed), in the sub-folder `calibration/`
of the run (itself a resumable run); a calibration is fitted per pipeline on those results
(eval/calibration.py) and stored, parameters and the split that set them, in the run's
config.json. The scored items never take part in the fit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from reasoner.calibration import Calibration
from reasoner.errors import ReasonerError
from reasoner.eval.calibration import fit_per_pipeline
from reasoner.eval.cells import task_spec
from reasoner.report.run_folder import CONFIG
from reasoner.task import Task
from reasoner.types import Result

#: Where the calibration split's own run lives inside a run folder.
CALIBRATION_DIR = "calibration"


def stored_calibrations(out: Path | None) -> dict[str, Calibration] | None:
    """The calibrations a run folder's config.json already holds (a resumed run), or None."""
    import json

    if out is None or not (out / CONFIG).exists():
        return None
    try:
        stored = json.loads((out / CONFIG).read_text()).get("calibration")
    except (OSError, ValueError):
        return None
    if not stored:
        return None
    return {name: Calibration.model_validate(c) for name, c in stored.items()}


#: Runs pipelines on tasks into a folder and returns the results: the runner's
#: `aevaluate_results` with the run's model and settings bound. Passed in, so that this
#: module does not import the runner that imports it.
SplitRunner = Callable[[list[str | Task], list[str], Path | None], Awaitable[list[Result]]]


async def fit_calibrations(
    calibrate_on: Sequence[str | Task],
    pipelines: Sequence[str],
    run_split: SplitRunner,
    *,
    out: Path | None,
    progress: bool,
    method: str = "isotonic",
) -> dict[str, Calibration]:
    """Run `pipelines` on the calibration specs and fit one calibration per pipeline.

    Args:
        calibrate_on: task specs (or Tasks) of the calibration split.
        pipelines: the run's pipeline specs (samples already written in).
        run_split: runs (tasks, pipelines, folder) and returns the results in canonical
            order, e.g. the runner's `aevaluate_results` with the model and settings bound.
        out: the run folder (its `calibration/` sub-folder holds the split's results), or None.
        progress: print which specs the calibration runs on.
        method: "isotonic" or "logistic".

    Returns:
        Pipeline spec -> Calibration; a resumed run gets back the ones it stored.

    Raises:
        ReasonerError: the split gave no results for a pipeline.
    """
    stored = stored_calibrations(out)
    if stored is not None and set(stored) == set(pipelines):
        return stored
    specs = [task_spec(t) for t in calibrate_on]
    if progress:
        print(f"calibrating on {', '.join(specs)} ...", flush=True)
    folder = out / CALIBRATION_DIR if out is not None else None
    results = await run_split(list(calibrate_on), list(pipelines), folder)
    fitted = fit_per_pipeline(results, method=method, fitted_on=specs)
    missing = [p for p in pipelines if p not in fitted]
    if missing:
        raise ReasonerError(f"the calibration split gave no results for {', '.join(missing)}")
    return fitted


def calibration_record(calibrations: dict[str, Calibration]) -> dict[str, Any]:
    """The JSON form stored under config.json's `calibration`."""
    return {name: c.model_dump(mode="json") for name, c in calibrations.items()}
