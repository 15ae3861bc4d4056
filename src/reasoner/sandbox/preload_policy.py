"""Which modules a new worker imports before it is ready, learned from the programs seen.

A worker is single-use, so whatever it pre-imports is paid at every birth: chess alone costs
a birth 50 ms of CPU and sympy 600 ms, which a program that never imports them would pay for
nothing (with 8 programs at once, births are what bounds throughput). Not pre-importing puts
the cost on the run's own latency instead, for the programs that do import them. So the pool
pre-imports a module when at least half of the recent programs imported it: a chess eval gets
workers with chess loaded after its first program, an arithmetic eval gets lean workers.

The harness reads a program's imports from its text with one linear regular expression; a
program can at most make the next workers pre-import an allowed module, which is what the
pool would do for a program that imports it anyway. Pre-importing happens before any untrusted
code exists in that worker.
"""

from __future__ import annotations

import collections
import re
import threading
from collections.abc import Iterable

# Nothing is pre-imported for sure; these are while recent programs often import them.
DEFAULT_PRELOAD: tuple[str, ...] = ()
LEARNED_PRELOAD: tuple[str, ...] = (
    "math", "fractions", "decimal", "itertools", "functools", "collections", "re", "statistics",
    "chess", "sympy", "mpmath", "z3",
)  # fmt: skip
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([A-Za-z_]\w*)|import[ \t]+([^\n#;]*))", re.MULTILINE)
_SCAN_CHARS = 65536  # imports sit at the top; a huge program is not scanned to its end


def imported_modules(code: str) -> set[str]:
    """The top-level names of the modules a program's import statements name.

    Args:
        code: the program's source (only its first 64 KiB are read).

    Returns:
        e.g. {"chess", "math"} for `import chess.pgn, math as m`; nested imports count too.
    """
    found = set()
    for match in _IMPORT.finditer(code, 0, _SCAN_CHARS):
        if match.group(1):
            found.add(match.group(1))
            continue
        for part in match.group(2).split(","):
            name = part.strip().split(".")[0].split(" ")[0]
            if name.isidentifier():
                found.add(name)
    return found


class PreloadPolicy:
    """The modules to pre-import: a fixed list, plus candidates recent programs often import.

    Args:
        fixed: always pre-imported (the pool's `preload`).
        candidates: pre-imported while at least `share` of the last `window` programs
            imported them; empty turns learning off.
        window: how many recent programs count.
        share: the fraction of them that must have imported a module.
    """

    def __init__(
        self,
        fixed: Iterable[str],
        candidates: Iterable[str] = (),
        *,
        window: int = 16,
        share: float = 0.5,
    ) -> None:
        self.fixed = tuple(fixed)
        self.candidates = tuple(m for m in candidates if m not in self.fixed)
        self.share = share
        self._recent: collections.deque[frozenset[str]] = collections.deque(maxlen=window)
        self._lock = threading.Lock()

    def observe(self, code: str) -> None:
        """Note which candidate modules a program about to run imports."""
        if not self.candidates:
            return
        wanted = frozenset(imported_modules(code).intersection(self.candidates))
        with self._lock:
            self._recent.append(wanted)

    def modules(self) -> tuple[str, ...]:
        """The modules a worker born now pre-imports, fixed ones first."""
        with self._lock:
            recent = list(self._recent)
        if not recent:
            return self.fixed
        counts = collections.Counter(m for imports in recent for m in imports)
        often = [m for m in self.candidates if counts[m] >= self.share * len(recent)]
        return self.fixed + tuple(often)
