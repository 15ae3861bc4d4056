"""Errors as OpenAI-compatible clients expect them: a status and `{"error": {...}}`.

A client's mistake (bad JSON, a wrong field, an unknown pipeline, a missing key) is a 4xx
whose message names the problem and the fix. A bug in the server is a 500 with one line;
its traceback goes to the server's log, never to the client.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from reasoner.serve.schemas import ErrorBody, ErrorReply

log = logging.getLogger("reasoner.serve")

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
}


class ApiError(Exception):
    """A request the server refuses, with the status and error fields to send.

    Args:
        status: the HTTP status (4xx for the client's mistakes).
        message: what is wrong and how to fix it.
        param: the request field at fault, if any.
        code: a short machine-readable code, e.g. "model_not_found".
    """

    def __init__(
        self, status: int, message: str, *, param: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code


def error_response(error: ApiError) -> JSONResponse:
    """The JSON response for `error`.

    Args:
        error: the refusal.

    Returns:
        A response with OpenAI's error shape.
    """
    kind = _TYPES.get(error.status, "server_error" if error.status >= 500 else "invalid_request")
    body = ErrorReply(
        error=ErrorBody(message=error.message, type=kind, param=error.param, code=error.code)
    )
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return JSONResponse(body.model_dump(), status_code=error.status, headers=headers)


def invalid_body(exc: ValidationError) -> ApiError:
    """The 400 for a body that is not JSON or does not fit the schema: its first problem.

    Args:
        exc: pydantic's error from validating the body.

    Returns:
        The ApiError, naming the field ("messages.0.role") and what is wrong with it.
    """
    first = exc.errors(include_url=False)[0]
    if first["type"] == "json_invalid":
        detail = first.get("ctx", {}).get("error", first["msg"])
        return ApiError(400, f"the body is not valid JSON ({detail})", code="invalid_json")
    where = ".".join(str(part) for part in first["loc"])
    if not where:
        return ApiError(400, f"the body must be a JSON object: {first['msg']}", code="invalid_body")
    return ApiError(400, f"bad field '{where}': {first['msg']}", param=where, code="invalid_field")


def install_handlers(app: FastAPI) -> None:
    """Make every failure answer in OpenAI's error shape.

    Args:
        app: the application.
    """

    @app.exception_handler(ApiError)
    async def refused(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        # Starlette's own refusals: an unknown path (404), a wrong method (405).
        message = {404: "no such endpoint; see GET /v1/models and POST /v1/chat/completions"}
        text = message.get(exc.status_code, str(exc.detail))
        return error_response(ApiError(exc.status_code, text))

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error_response(ApiError(400, f"bad parameter '{where}': {first['msg']}"))

    @app.exception_handler(Exception)
    async def bug(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error while serving a request")
        message = f"internal error ({type(exc).__name__}); the server log has the details"
        return error_response(ApiError(500, message, code="internal_error"))
