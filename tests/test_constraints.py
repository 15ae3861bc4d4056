"""Answer constraints: the regex helpers, the GBNF converter, the tasks' constraints and the
OpenAI-server fields (no model; the real-model tier is tests/test_model_constrained.py)."""

from __future__ import annotations

import asyncio
import re

import chess
import llguidance
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from openai_servers import FaultServer, Reply, chat_reply

from reasoner import solve
from reasoner.constraints import (
    ConstraintError,
    alternation,
    lines_constraint,
    matches,
    number_constraint,
)
from reasoner.constraints.gbnf import to_gbnf
from reasoner.errors import ModelError
from reasoner.loading import load_task
from reasoner.models.openai import OpenAIModel
from reasoner.models.openai_constraints import constraint_fields
from reasoner.models.scripted import ScriptedModel
from reasoner.types import AnswerConstraint, GenerationRequest, Message
from reasoner_strategies.direct import BARE_INSTRUCTION
from reasoner_tasks.chess.constraint import answer_constraint as chess_constraint
from reasoner_tasks.hanoi.constraint import answer_constraint as hanoi_constraint

BYTES = llguidance.LLTokenizer("byte")  # one token per byte: a grammar engine without a model


def gbnf_matcher(grammar: str) -> llguidance.LLMatcher:
    """llguidance, an independent GBNF reader, reading `grammar`."""
    return llguidance.LLMatcher(BYTES, llguidance.grammar_from("gbnf", grammar), log_level=0)


def gbnf_readable(grammar: str) -> bool:
    """Whether llguidance parses the grammar without error."""
    return not gbnf_matcher(grammar).is_error()


def gbnf_accepts(grammar: str, text: str) -> bool:
    """Whether llguidance, reading `grammar` as GBNF, accepts exactly `text`."""
    matcher = gbnf_matcher(grammar)
    assert not matcher.is_error(), matcher.get_error()
    return matcher.consume_tokens(BYTES.tokenize_str(text)) and matcher.is_accepting()


# -- regex helpers --------------------------------------------------------------------------


def test_number_constraint_takes_bare_numbers_only():
    exact = number_constraint(fraction=True)
    assert all(matches(exact, t) for t in ["19", "-23", "3/2", "-7/3", "0"])
    assert not any(matches(exact, t) for t in ["Answer: 19", "1,234", "3/0", "1.5", "", "19 "])
    decimal = number_constraint(decimal=True)
    assert matches(decimal, "12.50") and not matches(decimal, "12.") and not matches(decimal, "$3")


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@given(st.lists(_TEXT, min_size=1, max_size=6), _TEXT)
def test_alternation_matches_exactly_its_options(options, other):
    constraint = AnswerConstraint(regex=alternation(options))
    assert all(matches(constraint, o) for o in options)
    assert matches(constraint, other) == (other in options)


@given(st.lists(_TEXT, min_size=1, max_size=4), _TEXT)
@settings(max_examples=60, deadline=None)
def test_alternation_means_the_same_to_the_rust_regex_engine(options, other):
    # llguidance reads regexes with Rust's syntax: the escaping must mean the same there.
    grammar = llguidance.grammar_from("regex", alternation(options))
    for text, expected in [*((o, True) for o in options), (other, other in options)]:
        matcher = llguidance.LLMatcher(BYTES, grammar, log_level=0)
        assert not matcher.is_error(), matcher.get_error()
        ok = matcher.consume_tokens(BYTES.tokenize_str(text)) and matcher.is_accepting()
        assert ok == expected, (options, text)


def test_lines_constraint_bounds_the_line_count():
    constraint = lines_constraint("x[0-9]", 3)
    assert matches(constraint, "x1\nx2\nx3")
    assert not matches(constraint, "x1\nx2\nx3\nx4")
    assert not matches(constraint, "x1\n") and not matches(constraint, "")


# -- GBNF -------------------------------------------------------------------------------------


def _regexes() -> st.SearchStrategy[str]:
    """Random regexes of the supported subset over a small alphabet."""
    atom = st.sampled_from(["a", "b", "-", "\\.", "\\n", "[ab]", "[^a\\n]", "[0-9]", ".", "\\d"])
    return st.recursive(
        atom,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map("".join),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(" + "|".join(xs) + ")"),
            st.tuples(inner, st.sampled_from(["*", "+", "?", "{2}", "{0,2}", "{1,}", "*?"])).map(
                lambda t: f"({t[0]}){t[1]}"
            ),
        ),
        max_leaves=6,
    )


_GBNF_TOKEN = re.compile(
    r'\s+|"(?:\\.|[^"\\])*"|\[(?:\\.|[^\]\\])*\]|[()|*+?]|\{\d+(?:,\d*)?\}|[a-z][a-z0-9]*'
)
_STRING_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "[": "[", "]": "]"}


def gbnf_regex(grammar: str) -> str:
    """A Python regex for a GBNF grammar of the converter's subset (strings, classes, groups,
    `|`, quantifiers, references to non-recursive rules), written from the GBNF text alone.

    The exact oracle: llguidance lexes each regular rule as one greedy lexeme, so it rejects
    `aaa` for `root ::= r1* "aa"` where llama.cpp's reader (the grammar's real consumer)
    accepts it.
    """
    rules = dict(line.split(" ::= ", 1) for line in grammar.splitlines() if line)

    def translate(body: str) -> str:
        out, pos = [], 0
        while pos < len(body):
            token = _GBNF_TOKEN.match(body, pos)
            assert token, f"unreadable GBNF at {body[pos:]!r}"
            text, pos = token.group(), token.end()
            if text.isspace():
                continue
            if text.startswith('"'):
                chars = re.sub(
                    r"\\x([0-9A-Fa-f]{2})|\\(.)",
                    lambda m: chr(int(m[1], 16)) if m[1] else _STRING_ESCAPES[m[2]],
                    text[1:-1],
                )
                out.append(f"(?:{re.escape(chars)})")
            elif text.startswith("[") or text in "|*+?)" or text.startswith("{"):
                out.append(text)
            elif text == "(":
                out.append("(?:")
            else:
                out.append(f"(?:{translate(rules[text])})")
        return "".join(out)

    return translate(rules["root"])


def _gbnf_or_skip(regex: str) -> str:
    try:
        return to_gbnf(AnswerConstraint(regex=regex))
    except ConstraintError as exc:  # only the one refusal the subset allows
        assert "can be empty" in str(exc), exc
        assume(False)
        raise


@given(_regexes(), st.text(alphabet="ab-.\n0x", max_size=6))
@settings(max_examples=150, deadline=None)
def test_gbnf_accepts_what_the_regex_fullmatches(regex, text):
    grammar = _gbnf_or_skip(regex)
    expected = re.fullmatch(regex, text) is not None
    assert gbnf_readable(grammar)
    assert (re.fullmatch(gbnf_regex(grammar), text) is not None) == expected, grammar


@given(_regexes(), st.data())
@settings(max_examples=80, deadline=None)
def test_gbnf_accepts_strings_drawn_from_the_regex(regex, data):
    text = data.draw(st.from_regex(regex, fullmatch=True).filter(lambda t: t.isascii()))
    grammar = _gbnf_or_skip(regex)
    assert gbnf_readable(grammar)
    assert re.fullmatch(gbnf_regex(grammar), text), grammar


@given(st.lists(_TEXT, min_size=1, max_size=5), _TEXT)
@settings(max_examples=60, deadline=None)
def test_gbnf_of_choices_accepts_exactly_the_choices(choices, other):
    grammar = to_gbnf(AnswerConstraint(choices=choices))
    assert all(gbnf_accepts(grammar, c) for c in choices)
    assert gbnf_accepts(grammar, other) == (other in choices)


@pytest.mark.parametrize(
    ("regex", "named"),
    [
        ("a(?=b)b", "assert"),
        ("(a)\\1", "groupref"),
        ("a\\b", "at"),
        ("(?i:a)", "flags"),
        ("(a*)*", "can be empty"),
    ],
)
def test_gbnf_rejects_unsupported_constructs_by_name(regex, named):
    with pytest.raises(ConstraintError) as info:
        to_gbnf(AnswerConstraint(regex=regex))
    assert named in str(info.value).lower() and repr(regex) in str(info.value)


def test_gbnf_of_a_task_constraint_is_plain():
    grammar = to_gbnf(number_constraint(fraction=True))
    assert grammar.splitlines() == [
        "root ::= r1? r2{1,18} r4?",
        'r1 ::= "-"',
        "r2 ::= [0-9]",
        "r3 ::= [0-9]",
        'r4 ::= ("/" [1-9] r3{0,17})',
    ]


# -- the tasks' constraints -------------------------------------------------------------------


def test_chess_constraint_is_the_legal_moves_in_san_and_the_parser_reads_them():
    task = load_task("chess:n=5")
    for example in task.examples():
        constraint = task.answer_constraint(example.problem)
        assert constraint is not None and constraint.choices is not None
        board = chess.Board(example.problem.payload["fen"])
        assert sorted(constraint.choices) == sorted(board.san(m) for m in board.legal_moves)
        for san in constraint.choices:
            assert task.details(example.problem, task.parse(san))["legal"], san


def test_chess_constraint_of_a_longer_line_fixes_the_first_move_only():
    fen = chess.STARTING_FEN
    constraint = chess_constraint({"fen": fen, "solver_moves": 2})
    assert constraint.regex is not None
    assert matches(constraint, "e4") and matches(constraint, "e4 e5 Nf3")
    assert matches(constraint, "Nf3 d5 O-O")
    assert not matches(constraint, "e5") and not matches(constraint, "e4 e5 Nf3 Nc6")


def test_hanoi_constraint_allows_the_optimal_solution_and_only_move_lines():
    task = load_task("hanoi:disks=3")
    example = next(iter(task.examples()))
    payload = example.problem.payload
    constraint = task.answer_constraint(example.problem)
    assert constraint is not None and matches(constraint, task.format(example.gold))
    source, target = payload["source"], payload["target"]
    assert matches(constraint, f"Move disk 3 from {source} to {target}")
    assert not matches(constraint, f"Move disk 4 from {source} to {target}")
    assert not matches(constraint, f"Move disk 1 from {source} to {source}")
    assert not matches(constraint, "Move disk 1 from X to Y")
    too_long = "\n".join([f"Move disk 1 from {source} to {target}"] * 8)
    assert not matches(constraint, too_long)
    big = hanoi_constraint({"disks": 20, "source": "A", "spare": "B", "target": "C"})
    assert big.regex is not None and big.regex.endswith("{0,1022}")


def test_numeric_tasks_constrain_to_numbers_and_freeform_only_when_asked_for_one():
    arithmetic = load_task("arithmetic:n=1")
    problem = next(iter(arithmetic.examples())).problem
    assert arithmetic.answer_constraint(problem) == number_constraint(fraction=True)
    freeform = load_task("freeform")
    assert freeform.answer_constraint(freeform.problem("What is the capital of France?")) is None
    for question in ["What is 17 * 24 + 9?", "How many legs do 3 spiders have?"]:
        constraint = freeform.answer_constraint(freeform.problem(question))
        assert constraint is not None and matches(constraint, "42")


# -- OpenAI-compatible servers ----------------------------------------------------------------


def test_constraint_fields_per_server_kind():
    choices = AnswerConstraint(choices=["e4", "d4"])
    assert constraint_fields(choices, "vllm", "u") == {
        "structured_outputs": {"choice": ["e4", "d4"]}
    }
    assert constraint_fields(number_constraint(), "vllm", "u") == {
        "structured_outputs": {"regex": number_constraint().regex}
    }
    assert constraint_fields(choices, "llamacpp", "u") == {"grammar": 'root ::= "e4" | "d4"\n'}
    with pytest.raises(ModelError) as info:
        constraint_fields(choices, None, "http://x/v1")
    message = str(info.value)
    assert "http://x/v1" in message and "?constraints=" in message and "\n" not in message


def _ask(server: FaultServer, constraint: AnswerConstraint, **options: object) -> str:
    model = OpenAIModel(server.base_url, "fake-model", max_retries=0, **options)  # type: ignore[arg-type]
    request = GenerationRequest(
        messages=[Message(role="user", content="move?")], max_tokens=8, constraint=constraint
    )
    (generation,) = asyncio.run(model.generate([request]))
    return generation.text


def test_openai_backend_sends_the_fields_of_the_server_it_finds():
    choices = AnswerConstraint(choices=["e4", "d4"])
    with FaultServer(lambda seen: chat_reply("e4")) as server:
        server.models_reply = Reply(body={"data": [{"id": "fake-model", "owned_by": "vllm"}]})
        assert _ask(server, choices) == "e4"
        assert server.seen[0].body["structured_outputs"] == {"choice": ["e4", "d4"]}
    with FaultServer(lambda seen: chat_reply("d4")) as server:
        server.models_reply = Reply(body={"data": [{"id": "fake-model", "owned_by": "llamacpp"}]})
        assert _ask(server, choices) == "d4"
        assert server.seen[0].body["grammar"] == 'root ::= "e4" | "d4"\n'


def test_openai_backend_refuses_a_server_without_constraint_fields_in_one_line():
    with FaultServer(lambda seen: chat_reply("e4")) as server:
        with pytest.raises(ModelError) as info:
            _ask(server, AnswerConstraint(choices=["e4"]))
        assert not server.seen, "nothing is sent that the server could answer unconstrained"
    assert "cannot constrain answers" in str(info.value) and "\n" not in str(info.value)


def test_openai_backend_reports_a_server_that_ignored_the_constraint():
    reply = chat_reply("I think e4")
    with FaultServer(lambda seen: reply) as server, pytest.raises(ModelError) as info:
        _ask(server, AnswerConstraint(choices=["e4"]), constraints="vllm")
    assert "ignored the answer constraint" in str(info.value)


# -- the `direct(constrained=True)` wiring ----------------------------------------------------


def test_constrained_direct_asks_for_the_bare_answer_and_passes_the_constraint():
    task = load_task("arithmetic:n=1")
    problem = next(iter(task.examples())).problem
    model = ScriptedModel(["19"])
    answer = solve(problem, "direct(constrained=True)", model, task=task)
    (request,) = model.requests
    assert request.constraint == number_constraint(fraction=True)
    exemplar_replies = [m.content for m in request.messages if m.role == "assistant"]
    assert exemplar_replies and not any("Answer" in r for r in exemplar_replies)
    assert request.messages[-1].content.endswith(BARE_INSTRUCTION)
    assert answer.value == "19"


def test_plain_direct_sends_no_constraint():
    task = load_task("arithmetic:n=1")
    model = ScriptedModel(["Answer: 19"])
    solve(next(iter(task.examples())).problem, "direct", model, task=task)
    assert model.requests[0].constraint is None


def test_constrained_direct_on_a_task_without_constraint_records_a_one_line_failure():
    model = ScriptedModel(["Shakespeare"])
    answer = solve("Who wrote Hamlet?", "direct(constrained=True)", model, task="freeform")
    assert answer.value is None and not model.requests
    assert answer.error is not None and "gives no answer constraint" in answer.error
    assert "\n" not in answer.error
