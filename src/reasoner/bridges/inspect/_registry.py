"""What inspect_ai loads through our `inspect_ai` entry point: importing these registers them
as `reasoner/<name>` (inspect's decorators mark and register, in inspect's registry only)."""

# ruff: noqa: F401
from reasoner.bridges.inspect.scorer import grade
from reasoner.bridges.inspect.solver import pipeline
from reasoner.bridges.inspect.tasks import arithmetic, chess, gsm8k, hanoi, suite
