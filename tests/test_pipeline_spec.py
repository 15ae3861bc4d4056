from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reasoner import BadPipelineSpec, Pipeline, ReasonerError, stage
from reasoner.specs import parse_pipeline, parse_task_spec


def test_spec_string_round_trips_through_str():
    spec = "pal >> check >> retry(max=2) >> abstain(t=0.75)"
    assert str(Pipeline.parse(spec)) == spec


def test_yaml_list_and_python_composition_equal_the_string_form():
    text = Pipeline.parse("pal >> check >> retry(max=2)")
    listed = Pipeline.parse(["pal", "check", {"retry": {"max": 2}}])
    composed = Pipeline("pal") >> "check" >> stage("retry", max=2)
    assert text == listed == composed
    assert [s.name for s in composed.stages] == ["pal", "check", "retry"]


def test_nested_pipelines_flatten():
    inner = Pipeline("check >> retry(max=1)")
    assert str(Pipeline("pal") >> inner >> "abstain(t=0.5)") == (
        "pal >> check >> retry(max=1) >> abstain(t=0.5)"
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("pal >> nope", "unknown stage 'nope'; known stages: abstain, agent, check"),
        ("pal >> retry(maxx=2)", "has no parameter 'maxx'; it takes: max: int = 2"),
        ("pal >> retry(max='x')", "bad value 'x' for 'max'"),
        ("retry(max=1) >> pal", "needs a generator before it"),
        ("pal >> abstain(t=3)", "t must be between 0 and 1"),
        ("", "empty pipeline"),
        ("pal >> check(", "bad stage"),
    ],
)
def test_bad_specs_name_what_is_wrong(spec, message):
    with pytest.raises(BadPipelineSpec, match=message.replace("(", r"\(").replace(")", r"\)")):
        Pipeline.parse(spec)


def test_task_spec_keeps_ranges_and_paths():
    assert parse_task_spec("hanoi:disks=1-10,per_size=3,seed=0", ReasonerError) == (
        "hanoi",
        {"disks": "1-10", "per_size": "3", "seed": "0"},
    )
    assert parse_task_spec("chess:path=/tmp/a b.csv", ReasonerError) == (
        "chess",
        {"path": "/tmp/a b.csv"},
    )


@given(st.text(max_size=200))
def test_no_text_crashes_the_pipeline_parser(text):
    with contextlib.suppress(BadPipelineSpec):
        parse_pipeline(text, BadPipelineSpec)


@given(st.text(max_size=200))
def test_no_text_crashes_pipeline_building(text):
    with contextlib.suppress(ReasonerError):
        Pipeline.parse(text)
