"""The inspect_ai bridge: our tasks as inspect tasks, any pipeline as an inspect solver.

`pip install 'reasoner[inspect]'` registers it through the `inspect_ai` entry-point group
(`_registry`), so `inspect eval reasoner/arithmetic --solver reasoner/pipeline -S
pipeline=pal` finds it; docs/inspect.md shows the commands.
"""
