"""`retry(max=k)`: on a failed verdict, feed the checker's evidence back to the generator and
try again, up to k times. Self-repair with external feedback, as in Chen et al. 2023
("Teaching Large Language Models to Self-Debug") and Gou et al. 2023 (CRITIC).

Compiled as a conditional edge with a budget, never a loop hidden inside a node.
"""

from __future__ import annotations

from reasoner import Loop, strategy


@strategy
def retry(max: int = 2, temperature: float = 0.0) -> Loop:  # noqa: A002 - `max` is the documented spec keyword
    """Repair a failing candidate with the checker's evidence, up to `max` times.

    Args:
        max: how many repairs at most (0 disables).
        temperature: sampling temperature of the repairs. Greedy repairs (0) are
            repeatable, but a capable model shown its evidence often rewrites the same
            failing program; sampling (e.g. 0.7) tries something else.
    """
    if max < 0:
        raise ValueError("max must be >= 0")
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    return Loop(max=max, temperature=temperature)
