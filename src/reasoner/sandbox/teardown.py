"""What a stopped worker leaves behind, cleared off the run's path by the pool's thread.

A run ends by sending SIGKILL to its worker; waiting for the tree to exit, closing its pipes,
removing its device nodes and cgroup, reaping what became the harness's child and freeing its
host uid take a few milliseconds more (removing a folder bound into a dying mount namespace
alone took 2 ms), which the caller of `run` need not wait for. The uid is freed last, once no
process of the worker is left, so the next worker that gets it starts from nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reasoner.sandbox.cgroups import Cgroup
from reasoner.sandbox.host_user import Lease
from reasoner.sandbox.reaping import Reaper

#: How long a dead worker's cgroup and processes may take to go before its uid is freed anyway.
GIVE_UP_S = 60.0


@dataclass
class Remains:
    """A stopped worker's leftovers: its files, cgroup, processes to reap and its host uid."""

    cgroup: Cgroup | None
    reaper: Reaper
    lease: Lease | None
    close_files: Callable[[], bool] | None = None  # False while the worker is still exiting
    since: float = field(default_factory=time.monotonic)

    def clear(self) -> bool:
        """Clean up what can be by now; free the uid once everything is gone.

        Returns:
            True when all is gone (or after GIVE_UP_S); False: call again later.
        """
        late = time.monotonic() - self.since > GIVE_UP_S
        if self.close_files is not None and not self.close_files() and not late:
            return False
        removed = True
        if self.cgroup is not None:
            self.reaper.watch(self.cgroup.pids())
            removed = self.cgroup.remove()
        reaped = self.reaper.reap()
        if not (removed and reaped) and not late:
            return False
        self.reaper.close()
        if self.lease is not None:
            self.lease.release()
        return True
