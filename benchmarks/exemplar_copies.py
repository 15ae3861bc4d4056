"""How often a run's PAL programs are copies of a worked exemplar's program.

When the exemplars teach a method (the chess exemplars carry a mate-and-material search),
a PAL score measures that method as much as the model: this script says how much of it.
Each program of a run (every attempt that wrote one, repairs and samples included) is
compared with every exemplar program its task shows, after normalising both: comments and
blank lines dropped, whitespace collapsed, and every string literal replaced by one
placeholder, so that a program that differs only in the FEN or PGN it copied from its question
(`inputs=none`) still counts as a copy. Similarity is difflib's ratio of the two token
sequences; a program is a copy at 0.9 or more against any exemplar. The exemplars are rebuilt
from each result's task spec, so the run's data files must still be where the spec says.

    .venv/bin/python benchmarks/exemplar_copies.py runs/q29_lichess_pal [more runs ...]

Prints a line per (task, pipeline) and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import re
import sys
import tokenize
from collections.abc import Iterable
from pathlib import Path

from reasoner import load_task
from reasoner.report.run_folder import RESULTS, load_results

#: A program is counted as a copy of an exemplar at this similarity or more.
COPY_AT = 0.9
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
_SKIP |= {tokenize.ENCODING, tokenize.ENDMARKER}
_STRING_LIKE = {tokenize.STRING} | {
    getattr(tokenize, name)
    for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
    if hasattr(tokenize, name)
}


def normalised_tokens(program: str) -> list[str]:
    """A program's tokens without comments or layout, every string literal as `"S"`.

    Args:
        program: Python source (it is tokenised, never run).

    Returns:
        The token texts; a program that does not tokenise falls back to its words with
        comments dropped.
    """
    try:
        out: list[str] = []
        for token in tokenize.generate_tokens(io.StringIO(program).readline):
            if token.type in _SKIP:
                continue
            text = '"S"' if token.type in _STRING_LIKE else token.string
            if not (text == '"S"' and out and out[-1] == '"S"'):  # an f-string's parts: one
                out.append(text)
        return out
    except (tokenize.TokenError, SyntaxError, IndentationError):
        without_comments = re.sub(r"#[^\n]*", "", program)
        without_strings = re.sub(r"\"[^\"\n]*\"|'[^'\n]*'", '"S"', without_comments)
        return re.findall(r"\w+|[^\w\s]", without_strings)


def similarity(program: str, exemplar: str) -> float:
    """difflib's ratio of the two programs' normalised token sequences, in [0, 1]."""
    return difflib.SequenceMatcher(
        None, normalised_tokens(program), normalised_tokens(exemplar), autojunk=False
    ).ratio()


def best_similarity(program: str, exemplars: Iterable[str]) -> float:
    """The highest similarity of `program` to any of `exemplars` (0.0 when there are none)."""
    return max((similarity(program, e) for e in exemplars), default=0.0)


def run_copies(folder: Path) -> list[dict[str, object]]:
    """Per (task, pipeline) of a run: programs, copies, share, mean best similarity.

    Args:
        folder: a run's `--out` folder.

    Returns:
        One record per (task, pipeline) that wrote programs, in the run's order.
    """
    groups: dict[tuple[str, str], list[float]] = {}
    exemplars: dict[str, list[str]] = {}
    for result in load_results(folder / RESULTS):
        if result.task not in exemplars:
            programs = {e.program for e in load_task(result.task).pal_exemplars()}
            exemplars[result.task] = sorted(programs)
        for attempt in result.attempts:
            if attempt.program:
                score = best_similarity(attempt.program, exemplars[result.task])
                groups.setdefault((result.task, result.pipeline), []).append(score)
    records: list[dict[str, object]] = []
    for (task, pipeline), scores in groups.items():
        copies = sum(score >= COPY_AT for score in scores)
        records.append(
            {
                "run": str(folder),
                "task": task,
                "pipeline": pipeline,
                "programs": len(scores),
                "copies": copies,
                "copy_share": round(copies / len(scores), 4),
                "mean_similarity": round(sum(scores) / len(scores), 4),
            }
        )
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders (--out of an eval)")
    args = parser.parse_args(argv)
    records = []
    for folder in args.runs:
        if not (folder / RESULTS).is_file():
            print(
                f"error: {folder / RESULTS} not found: is {folder} a run folder?", file=sys.stderr
            )
            return 2
        records += run_copies(folder)
    for r in records:
        print(
            f"{r['run']} | {r['task']} | {r['pipeline']}: {r['copies']}/{r['programs']} programs "
            f"copy an exemplar (similarity >= {COPY_AT}), mean similarity {r['mean_similarity']}"
        )
    print(json.dumps({"copy_at": COPY_AT, "groups": records}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
