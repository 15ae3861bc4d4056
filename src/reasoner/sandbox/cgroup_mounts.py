"""Where the pids and memory cgroup controllers are mounted, and this process's place in them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Hierarchy:
    """One cgroup hierarchy holding some of the controllers we use.

    `base` is this harness's own cgroup in it; `root` the pool's folder below `base`.
    """

    mount: Path
    v2: bool
    controllers: tuple[str, ...]
    base: Path
    root: Path = Path()

    def with_root(self, root: Path) -> Hierarchy:
        return dataclasses.replace(self, root=root)


def _mounts() -> list[tuple[str, str, str]]:
    """(mount point, fs type, super options) of each cgroup mount, from mountinfo."""
    found: list[tuple[str, str, str]] = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if len(fields) >= 5 and len(rfields) >= 3 and rfields[0] in ("cgroup", "cgroup2"):
            found.append((fields[4], rfields[0], rfields[2]))
    return found


def _own_cgroups() -> dict[str, str]:
    """controller (or "" for the v2 hierarchy) -> this process's cgroup path in it."""
    own: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return own
    for line in lines:
        number, controllers, path = line.split(":", 2)
        if number == "0" and controllers == "":
            own[""] = path
        for controller in controllers.split(","):
            if controller:
                own[controller] = path
    return own


def find_hierarchies(wanted: tuple[str, ...]) -> list[Hierarchy]:
    """The hierarchies that hold the `wanted` controllers, each controller in one of them.

    A v1 mount of a controller wins over the v2 hierarchy (in hybrid setups the v2 mount
    usually has no controllers); on a pure v2 machine one hierarchy holds them all.

    Returns:
        Hierarchies with their controllers and this process's cgroup folder (`base`).
    """
    own = _own_cgroups()
    found: list[Hierarchy] = []
    left = list(wanted)
    mounts = _mounts()
    for mount, fstype, options in mounts:
        if fstype != "cgroup":
            continue
        here = tuple(c for c in left if c in options.split(","))
        if here and here[0] in own:
            found.append(Hierarchy(Path(mount), False, here, _join(mount, own[here[0]])))
            left = [c for c in left if c not in here]
    for mount, fstype, _options in mounts:
        if fstype != "cgroup2" or not left or "" not in own:
            continue
        try:
            available = Path(mount, "cgroup.controllers").read_text().split()
        except OSError:
            continue
        here = tuple(c for c in left if c in available)
        if here:
            found.append(Hierarchy(Path(mount), True, here, _join(mount, own[""])))
            left = [c for c in left if c not in here]
    return found


def _join(mount: str, path: str) -> Path:
    return Path(mount) / path.lstrip("/")
