"""Request bodies are bounded before they are buffered: by Content-Length, then while streaming.

A body whose Content-Length passes its path's limit is refused with 413 before one byte of it
is read; a body sent without a length (chunked) is refused as soon as the bytes received pass
the limit, so the server never holds more than the limit of any request.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLargeError(HTTPException):
    """The bytes received of a body passed its limit; answered as 413 by the app."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))


def too_large(limit: int) -> str:
    """Why a body is refused, in one line."""
    return f"the request body is over {limit:,} bytes"


class BodyLimit:
    """A plain ASGI middleware that bounds every request body by its path's limit."""

    def __init__(self, app: ASGIApp, default: int, limits: Sequence[tuple[str, int]] = ()) -> None:
        self.app = app
        self.default = default
        # (path prefix, limit) pairs, the longest prefix first
        self.limits = sorted(limits, key=lambda pair: -len(pair[0]))

    def limit_for(self, path: str) -> int:
        """The largest body a path takes, in bytes."""
        return next((size for prefix, size in self.limits if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse by Content-Length at once; otherwise count the bytes as they arrive."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.strip().isdigit() and int(declared) > limit:
            answer = JSONResponse({"detail": too_large(limit)}, status_code=413)
            await answer(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        await self.app(scope, counted, send)
