"""Reading answers out of hostile program output: linear time, and never on the event loop.

A program's stdout is attacker-controlled text of up to `max_output_bytes` (64 KiB by
default). The answer parsers must read it in time linear in its size, and PAL runs them off
the event loop, so that one output cannot stall the other samples of a run.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from toy import ToyTask

from reasoner.answers import parse_number
from reasoner.models.scripted import ScriptedModel
from reasoner_tasks.chess.notation import parse_moves as chess_moves
from reasoner_tasks.freeform.task import _WRAPPING, _clean, parse_free_answer
from reasoner_tasks.hanoi.parser import parse_moves as hanoi_moves

PARSERS = {
    "chess": chess_moves,
    "number": parse_number,
    "freeform": parse_free_answer,
    "hanoi": hanoi_moves,
}
UNITS = ["answer: ", "Answer:\n", "1 ", "1,", "*.", "(", "\\boxed{", "#### ", "Qxf7 ", "1. ", "x"]
OUTPUT_CAP = 65536


def seconds(parse, text: str) -> float:
    started = time.perf_counter()
    parse(text)
    return time.perf_counter() - started


def test_chess_answer_markers_are_read_in_linear_time():
    # Every marker used to re-read the rest of its line: 25 s for this output.
    assert seconds(chess_moves, "answer: " * 8190) < 1.0


def test_freeform_stripping_is_linear():
    # Each stripping round copied the text once per "*." layer: about 9 s at this size.
    assert seconds(parse_free_answer, "*." * 200_000) < 2.0


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("name", sorted(PARSERS))
def test_every_parser_reads_a_full_hostile_output_quickly(name, unit):
    text = unit * (OUTPUT_CAP // len(unit))
    # Generous for a loaded CI machine; a quadratic parser takes tens of seconds here.
    assert seconds(PARSERS[name], text) < 5.0


def _clean_by_repeated_stripping(text: str) -> str:
    while True:
        stripped = text.strip().strip(_WRAPPING).rstrip(".")
        if stripped == text:
            return text
        text = stripped


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list(" \t\n*_`\"'.a1\u2003\x1c")), max_size=40))
def test_linear_clean_equals_stripping_until_nothing_changes(text):
    assert _clean(text) == _clean_by_repeated_stripping(text)


class SlowParsingTask(ToyTask):
    """A task whose parser takes half a second, as a plug-in's might."""

    def parse(self, text: str) -> int | None:
        time.sleep(0.5)
        return super().parse(text)


def test_pal_parses_program_output_off_the_event_loop():
    from toy import fake_runner

    from reasoner import asolve

    task = SlowParsingTask()
    problem = next(task.examples()).problem
    ticks: list[float] = []

    async def heartbeat() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.02)

    async def main():
        beat = asyncio.ensure_future(heartbeat())
        answer = await asolve(
            problem, "pal", ScriptedModel(["print(5)"]), task=task, run_program=fake_runner
        )
        beat.cancel()
        return answer

    answer = asyncio.run(main())
    assert answer.value == "5"
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert len(ticks) > 10 and max(gaps) < 0.3, max(gaps)
