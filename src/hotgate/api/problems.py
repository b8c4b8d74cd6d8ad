"""Error answers: one shape ({"detail": "one line"}), declared in the OpenAPI document as sent.

Every refusal the server makes — a bad field, a missing token, a body too large, a method the
path does not take — is a JSON object with one line naming what is wrong, and every operation
declares exactly the error answers it can give, so the published schema is true.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.requests import ClientDisconnect
from starlette.routing import Match

log = logging.getLogger(__name__)


class Problem(BaseModel):
    """What is wrong with a request, in one line naming the field or record."""

    detail: str


WHY = {
    400: "The request cannot be read (a body that is not what its Content-Type says)",
    401: "No token, or an unknown, revoked or expired one",
    403: "The token's role is too weak, or a sign-in cookie outside hotgate's pages",
    404: "No such record",
    409: "Changed meanwhile, already received, or not allowed in its state",
    413: "The request body is too large",
    422: "A field or record is not valid; the detail names it",
    503: "The server's policy cannot decide this now",
}


def answers(*codes: int, **why: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error codes, each a Problem; why overrides a description."""
    return {
        code: {"model": Problem, "description": why.get(f"on_{code}", WHY[code])} for code in codes
    }


# The error answers any operation can give: its body cannot be read, is too large, or is invalid.
ANY = (400, 413, 422)
# ... and those of an operation that needs a token.
SIGNED = (*ANY, 401, 403)


def one_line(error: dict[str, Any]) -> str:
    """One pydantic or request error as 'where: what', e.g. 'query.limit: Input should be …'."""
    place = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "request"
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    return f"{place}: {message}"


def _json(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    return _json(422, one_line(errors[0]) if errors else "the request is not valid")


async def _not_allowed(request: Request, _exc: Exception) -> JSONResponse:
    methods = allowed_methods(request)
    method = request.method
    detail = f"{method} is not allowed on {request.url.path}; use {', '.join(methods)}"
    return _json(405, detail, {"Allow": ", ".join(methods)})


async def _gone(request: Request, _exc: Exception) -> JSONResponse:
    # The client went away mid-body: nobody reads this answer, and it is no server fault.
    log.info("%s %s: the client disconnected before sending the whole body", *_line(request))
    return _json(400, "the client disconnected before sending the whole body")


async def _unstorable(request: Request, exc: Exception) -> JSONResponse:
    # A value the database refuses (PostgreSQL: a NUL character, a number out of range) is
    # the caller's input, not a server fault; the models refuse most such values earlier.
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    log.info("%s %s: refused a value the database cannot store: %s", *_line(request), reason)
    return _json(422, f"a value cannot be stored: {_plain(reason)}")


def _plain(reason: str) -> str:
    return re.sub(r"\s+", " ", reason)[:200]


def _line(request: Request) -> tuple[str, str]:
    return request.method, request.url.path


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app fully matches on the request's path.

    Starlette's own 405 names only the methods of the first route on the path, so a path
    with GET and POST routes answered `Allow: GET`.
    """
    routes = request.app.router.routes
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


def install(app: FastAPI) -> None:
    """Answer every refusal in the Problem shape; a client's hang-up is no server fault."""
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(405, _not_allowed)
    app.add_exception_handler(ClientDisconnect, _gone)
    app.add_exception_handler(DataError, _unstorable)
