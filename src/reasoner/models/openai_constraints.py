"""Answer constraints over the OpenAI-compatible wire: which server, which request fields.

The chat-completions API has no standard field for "reply only with one of these" or "match
this regex", so each server has its own:

- llama.cpp `llama-server`: `grammar`, a GBNF grammar (converted by `constraints/gbnf.py`);
- vLLM (>= 0.10.2): `structured_outputs: {"choice": [...]}` or `{"regex": "..."}` (the older
  `guided_choice` / `guided_regex` were removed in vLLM 0.12).

Which server answers is read from `GET /models` (`owned_by` is "llamacpp" or "vllm"), or given
in the spec (`?constraints=llamacpp|vllm`) for a server behind a proxy that hides it. Any other
server gets a one-line `ModelError` rather than an unconstrained reply passed off as
constrained; and a reply that does not match its constraint although the server finished it
(`finish_reason` "stop") is one too, since the server then ignored the field.
"""

from __future__ import annotations

from typing import Any

import httpx

from reasoner.constraints import matches
from reasoner.constraints.gbnf import to_gbnf
from reasoner.errors import ModelError
from reasoner.types import AnswerConstraint, Completion

#: Server kinds whose constraint fields we know, by the `owned_by` their `/models` reports.
KINDS = ("llamacpp", "vllm")
SPEC_VALUES = ("auto", *KINDS, "none")


async def detect_kind(client: httpx.AsyncClient) -> str | None:
    """The server kind from `GET /models` (`owned_by` of its models), or None when unknown.

    Args:
        client: a client whose base URL is the API root (".../v1/").

    Returns:
        "llamacpp", "vllm" or None.
    """
    try:
        response = await client.get("models")
        data = response.json().get("data") if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    owners = {str(m.get("owned_by", "")).lower() for m in data or [] if isinstance(m, dict)}
    return next((kind for kind in KINDS if kind in owners), None)


def constraint_fields(
    constraint: AnswerConstraint, kind: str | None, base_url: str
) -> dict[str, Any]:
    """The request fields that make server `kind` enforce `constraint`.

    Args:
        constraint: the request's constraint.
        kind: "llamacpp", "vllm", or anything else for a server without known fields.
        base_url: the server, for the error message.

    Returns:
        Fields to merge into the chat-completions payload.

    Raises:
        ModelError: the server has no constraint field we know.
        ConstraintError: the regex cannot be written as GBNF (llama.cpp).
    """
    if kind == "llamacpp":
        return {"grammar": to_gbnf(constraint)}
    if kind == "vllm":
        if constraint.choices is not None:
            return {"structured_outputs": {"choice": list(constraint.choices)}}
        return {"structured_outputs": {"regex": constraint.regex}}
    raise ModelError(
        f"openai server {base_url} cannot constrain answers: it is not llama.cpp (grammar) "
        "or vLLM (structured_outputs) by its GET /models; if it is one of them, add "
        "?constraints=llamacpp or ?constraints=vllm to the model spec, else run without "
        "constrained=True"
    )


def check_obeyed(
    constraint: AnswerConstraint, completions: list[Completion], base_url: str
) -> None:
    """Raise when a finished reply breaks its constraint (the server ignored the field).

    A reply cut by the token limit (`finish_reason` "length") may end mid-answer and is
    left to the task's parser.

    Raises:
        ModelError: naming the server and the reply.
    """
    for completion in completions:
        if completion.finish_reason == "stop" and not matches(constraint, completion.text):
            raise ModelError(
                f"openai server {base_url} ignored the answer constraint: its reply "
                f"{completion.text[:80]!r} does not match; check the server's version "
                "(vLLM >= 0.10.2 for structured_outputs) or run without constrained=True"
            )
