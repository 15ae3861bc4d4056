"""Before generating: the API key from the environment, and a probe that the server answers.

Kept apart from the client so that `from_spec` fails fast with one clear line (wrong URL,
refused connection, rejected key) before any request is built.
"""

from __future__ import annotations

import os

import httpx

from reasoner.errors import ModelError, ModelNotFound

KEY_ENV_VARS = ("REASONER_OPENAI_API_KEY", "OPENAI_API_KEY")


def api_key_from_env() -> tuple[str | None, str | None]:
    """The key from `REASONER_OPENAI_API_KEY`, else `OPENAI_API_KEY`, and that variable's name."""
    for name in KEY_ENV_VARS:
        if os.environ.get(name):
            return os.environ[name], name
    return None, None


def probe(base_url: str, *, timeout_s: float = 5.0) -> list[str]:
    """Check that an OpenAI-compatible server answers, and list the models it serves.

    Args:
        base_url: the API root, e.g. ``http://127.0.0.1:8000/v1``.
        timeout_s: how long to wait for a connection and a reply.

    Returns:
        The model ids from `GET /models`; empty when the server has no such endpoint.
    """
    key, source = api_key_from_env()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        response = httpx.get(f"{base_url}/models", headers=headers, timeout=timeout_s)
    except httpx.ConnectError as exc:
        reason = (
            "connection refused" if "refused" in str(exc).lower() else f"cannot connect ({exc})"
        )
        raise ModelNotFound(
            f"openai server {base_url} unreachable: {reason}; start it or fix the URL"
        ) from None
    except httpx.TimeoutException:
        raise ModelNotFound(
            f"openai server {base_url} unreachable: no answer within {timeout_s:g} s; "
            "check that it is running and the URL"
        ) from None
    except httpx.HTTPError as exc:
        raise ModelNotFound(
            f"openai server {base_url} unreachable: {type(exc).__name__}; fix the URL"
        ) from None
    if response.status_code in (401, 403):
        raise auth_error(base_url, response.status_code, source)
    try:
        data = response.json().get("data") if response.status_code == 200 else None
        return [str(m["id"]) for m in data] if isinstance(data, list) else []
    except (ValueError, AttributeError, KeyError, TypeError):
        return []


def auth_error(base_url: str, status: int, source: str | None) -> ModelError:
    """The error for a 401/403: which key was sent (never the key), and where to set one."""
    which = f"the key from {source} was rejected" if source else "no API key was set"
    return ModelError(
        f"openai server {base_url} answered HTTP {status}: {which}; set "
        f"{KEY_ENV_VARS[0]} (or {KEY_ENV_VARS[1]}) to a valid key"
    )
