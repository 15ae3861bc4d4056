"""What a request must pass before any work: the API key, and a body within its size cap."""

from __future__ import annotations

import hmac

from fastapi import Request

from reasoner.serve.errors import ApiError


def check_api_key(request: Request, expected: str | None) -> None:
    """Refuse a request without the server's key (`Authorization: Bearer KEY`).

    The comparison takes the same time however many leading characters match
    (`hmac.compare_digest`), so the key cannot be guessed one character at a time.

    Args:
        request: the request.
        expected: the key the server requires; None lets every request through.

    Raises:
        ApiError: 401 when the key is missing or wrong.
    """
    if expected is None:
        return
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(
            401,
            "this server requires an API key: send 'Authorization: Bearer KEY' "
            "(the openai client's api_key)",
            code="missing_api_key",
        )
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise ApiError(401, "the API key is wrong", code="invalid_api_key")


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, refused as soon as it passes `limit` bytes.

    A declared Content-Length over the cap is refused before reading; a chunked body is
    counted as it arrives, so an endless one costs at most `limit` bytes of memory.

    Args:
        request: the request.
        limit: the most bytes a body may have.

    Returns:
        The body.

    Raises:
        ApiError: 413 when the body is larger than `limit`, 400 when Content-Length is
            not a number.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ApiError(400, f"bad Content-Length {declared[:40]!r}", code="invalid_header")
        if int(declared) > limit:
            raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"the request body is larger than {limit} bytes (the server's --max-body-bytes)",
        code="request_too_large",
    )
