"""The application: settings in, every router mounted, the database migrated on start."""

from __future__ import annotations

import gc
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotgate import service
from hotgate.api import problems
from hotgate.api.assess import MAX_BODY
from hotgate.api.batcher import Batcher
from hotgate.api.jobs import start_jobs
from hotgate.api.limits import BodyLimit
from hotgate.api.settings import Settings
from hotgate.api.webhooks import MAX_BODY as WEBHOOK_BODY
from hotgate.calendars.served import ServedCalendar
from hotgate.policy.definition.schema import load_policy
from hotgate.services import records

STATIC = Path(__file__).parent / "static"
# The largest request body, by path (longest prefix first), else the default: refused by its
# Content-Length, or as soon as the bytes received pass it (see limits.BodyLimit).
BODY_LIMITS = (("/api/v1/webhooks/", WEBHOOK_BODY),)
# Every router of the app, as "module:attribute"; a new page or API is one more line here.
ROUTERS = (
    "hotgate.api.assess:router",
    "hotgate.api.records:router",
    "hotgate.api.webhooks:router",
    "hotgate.api.pages:router",
    "hotgate.api.changes:router",
    "hotgate.api.jobs:router",
)
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class SecurityHeaders:
    """Adds the security headers to every answer that does not set them itself.

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware costs about a millisecond a request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the start of the answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(settings: Settings | None = None, *, own_process: bool = False) -> FastAPI:
    """Make the hotgate server: REST API under /api/v1, pages at /, OpenAPI at /openapi.json.

    own_process: the app is all this process runs (`hotgate serve`), so it may tune the
    process's garbage collector for steady answers.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Open (and migrate) the store on start; close it on stop."""
        engine = service.open_store(settings.url())
        app.state.engine = engine
        app.state.sessions = records.session_factory(engine)
        app.state.area_trouble = service.AreaTrouble(app.state.sessions)
        batcher = app.state.batcher = Batcher(app.state.policy, app.state.area_trouble.counts)
        batcher.start()
        await batcher.warm_up()
        scheduler = app.state.scheduler = start_jobs(app)
        if own_process:
            # What start-up made lives as long as the server: keep the collector from walking
            # it (its full passes paused answers by up to 100 ms under load).
            gc.collect()
            gc.freeze()
        yield
        if scheduler is not None:
            scheduler.stop()
        await batcher.close()
        engine.dispose()

    app = FastAPI(
        title="hotgate",
        summary="Should this fix ship now as a hotfix, or wait for the next release?",
        version="1",
        lifespan=lifespan,
        # the interactive docs are served from the package's own files (no CDN): see api_docs
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.policy = load_policy(settings.policy)
    app.state.calendar = ServedCalendar(app.state.policy, settings.calendars)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for spec in ROUTERS:
        module, _, attribute = spec.partition(":")
        app.include_router(getattr(importlib.import_module(module), attribute))
    problems.install(app)
    docs = Jinja2Templates(directory=Path(__file__).parent / "templates")

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def api_docs(request: Request) -> HTMLResponse:
        """The interactive API docs: Swagger UI, vendored, on /openapi.json."""
        return docs.TemplateResponse(request, "api_docs.html", {"openapi_url": app.openapi_url})

    app.add_middleware(BodyLimit, default=MAX_BODY, limits=BODY_LIMITS)
    app.add_middleware(SecurityHeaders)
    return app
