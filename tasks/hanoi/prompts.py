"""What the model reads for a Tower of Hanoi problem, and the worked examples.

The exemplars use other peg names (P, Q, R and K, L, M) than the problems (A, B, C), so that
copying an exemplar's answer is never right by accident. With inputs handed over, the PAL
program reads the size and the pegs from predefined variables, so copying its logic is; with
`inputs=none` (`pal_exemplars(handed=False)`) the program starts by writing them down from
the question, so the model must also read the question right.
"""

from __future__ import annotations

from reasoner.types import PalExemplar

ANSWER_FORMAT = 'one move per line, each written exactly as "Move disk D from X to Y"'

ANSWER_INSTRUCTION = (
    f"List every move in order, {ANSWER_FORMAT} (D is the disk number, X and Y are pegs), "
    "and nothing else."
)


def problem_prompt(disks: int, source: str, spare: str, target: str) -> str:
    """The plain-English statement of one puzzle, including the answer format.

    Args:
        disks: tower size.
        source: the peg that holds the tower.
        spare: the third peg.
        target: where the tower must go.

    Returns:
        The prompt text.
    """
    empty = " and ".join(sorted((spare, target)))
    if disks == 1:
        goal = f"move a tower of 1 disk from peg {source} to peg {target}, using peg {spare}"
        tower = f"Peg {source} holds disk 1"
    else:
        goal = f"move a tower of {disks} disks from peg {source} to peg {target}, using peg {spare}"
        tower = (
            f"Peg {source} holds disks numbered 1 (the smallest) to {disks} (the largest), "
            "with the largest at the bottom"
        )
    return (
        f"Tower of Hanoi: {goal}. {tower}; pegs {empty} are empty. "
        "Rules: move one disk at a time, always the top disk of a peg, "
        "and never put a larger disk on a smaller disk. "
        f"Give the complete list of moves, {ANSWER_FORMAT}."
    )


# Recursive, reading N, SOURCE, SPARE, TARGET from the predefined variables: the program for
# any other problem is this same program.
_PAL_PROGRAM = """\
def move_tower(n, source, target, spare):
    if n == 0:
        return
    move_tower(n - 1, source, spare, target)
    print(f"Move disk {n} from {source} to {target}")
    move_tower(n - 1, spare, target, source)


move_tower(N, SOURCE, TARGET, SPARE)
"""


# Measured on the embedded 135M model, Hanoi N=1..12 (36 problems, greedy): with one or two
# exemplars it drops the `spare` parameter while copying (0/12); with three or four it copies
# the program faithfully (36/36 each). Four, as for chess, leaves a margin.
_PAL_SETUPS = (
    (3, "P", "Q", "R"),
    (2, "K", "L", "M"),
    (4, "X", "Y", "Z"),
    (1, "D", "E", "F"),
)


def pal_exemplars(handed: bool = True) -> list[PalExemplar]:
    """Four worked puzzles (other sizes and peg names), all solved by the same program.

    Args:
        handed: programs receive N, SOURCE, SPARE, TARGET as variables; when false, each
            program writes them from its question (see `_READ_HEADER`).

    Returns:
        The exemplars.
    """
    if not handed:
        return [
            PalExemplar(
                question=problem_prompt(disks, source, spare, target),
                program=_read_program(disks, source, spare, target),
            )
            for disks, source, spare, target in _READ_SETUPS
        ]
    return [
        PalExemplar(
            question=problem_prompt(disks, source, spare, target),
            program=_PAL_PROGRAM,
            inputs={"N": disks, "SOURCE": source, "SPARE": spare, "TARGET": target},
        )
        for disks, source, spare, target in _PAL_SETUPS
    ]


# With nothing handed over, the program copies the question's goal clause (its first
# sentence: size, source, target and spare peg) into a string and reads them out of it with a
# regular expression; the rest is the same recursive program. Measured on the embedded 135M
# model: asked instead to write the values as literals (`N = 4`, `SOURCE = "A"`), it imitated
# the exemplars' values and solved 0 of 4; asked to copy the whole statement (two sentences,
# with the target last), it dropped or rewrote clauses and solved 3 of 6, only A to C. A
# goal stated first, in one short clause, is what a small model copies reliably, and the
# regular expression does the reading.
_READ_HEADER = """\
import re

GOAL = "{statement}"
N, SOURCE, TARGET, SPARE = re.search(
    r"(\\d+) disks? from peg (\\w) to peg (\\w), using peg (\\w)", GOAL
).groups()
N = int(N)


"""

# Sources and targets in varied places among the pegs, as in the problems.
_READ_SETUPS = (
    (3, "P", "Q", "R"),
    (2, "L", "K", "M"),
    (4, "Z", "X", "Y"),
    (1, "E", "F", "D"),
)


def statement(question: str) -> str:
    """The clause of a problem's text that states the goal: its first sentence, after "Tower
    of Hanoi:"."""
    return question.split(":", 1)[-1].split(".", 1)[0].strip()


def _read_program(disks: int, source: str, spare: str, target: str) -> str:
    header = _READ_HEADER.format(statement=statement(problem_prompt(disks, source, spare, target)))
    return header + _PAL_PROGRAM


def direct_exemplars() -> list[tuple[str, str]]:
    """Two answered puzzles (1 disk K to M, 2 disks P to R) in the expected answer format.

    Returns:
        (question, answer) pairs.
    """
    return [
        (problem_prompt(1, "K", "L", "M"), "Move disk 1 from K to M"),
        (
            problem_prompt(2, "P", "Q", "R"),
            "Move disk 1 from P to Q\nMove disk 2 from P to R\nMove disk 1 from Q to R",
        ),
    ]
