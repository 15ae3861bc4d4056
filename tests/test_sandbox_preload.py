"""Workers pre-import what recent programs imported, and nothing else (issue 26).

Every pre-import is paid at every birth (chess: 50 ms of CPU), so the pool learns them.
"""

from __future__ import annotations

import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reasoner.sandbox import SandboxPool
from reasoner.sandbox.preload_policy import PreloadPolicy, imported_modules


@pytest.mark.parametrize(
    ("code", "names"),
    [
        ("import chess\nprint(1)", {"chess"}),
        (
            "import chess.pgn, math as m  # x\nfrom fractions import Fraction",
            {"chess", "math", "fractions"},
        ),
        ("def f():\n    import sympy\n    from z3 import Int", {"sympy", "z3"}),
        ("from . import x\nprint('import chess')\nx = 1; import re", set()),
    ],
)
def test_imported_modules_are_read_from_import_statements(code, names):
    assert imported_modules(code) == names


@given(st.text(max_size=2000))
def test_reading_imports_never_fails_on_any_text(code):
    assert all(name.isidentifier() for name in imported_modules(code))


def test_a_module_is_learned_when_half_the_recent_programs_import_it():
    policy = PreloadPolicy(("math",), ("math", "chess", "sympy"), window=4)
    assert policy.modules() == ("math",)
    policy.observe("import chess")
    assert policy.modules() == ("math", "chess")
    for _ in range(3):
        policy.observe("print(1)")
    assert policy.modules() == ("math",)  # 1 of the last 4
    policy.observe("import chess, sympy")  # the first `import chess` has left the window
    policy.observe("import chess")
    assert policy.modules() == ("math", "chess")  # chess 2 of the last 4, sympy 1
    assert PreloadPolicy(("re",)).modules() == ("re",)  # learning off


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")
def test_a_chess_program_makes_the_next_workers_preload_chess():
    with SandboxPool(size=1, isolation="bubblewrap") as pool:
        pool.run("print(1)")
        pool.wait_ready(30)
        code = "import sys\nprint('chess' in sys.modules)"
        assert pool.run(code).stdout == "False\n"  # a lean worker
        pool.run("import chess\nprint(chess.Board().fen())")
        pool.run("import chess")
        seen = [pool.run(code + "\nimport chess") for _ in range(2)]
        assert seen[-1].stdout == "True\n", seen
