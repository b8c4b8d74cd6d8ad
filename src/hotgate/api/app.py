"""The application: settings in, every router mounted, the database migrated on start."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import RequestResponseEndpoint

from hotgate import service, store
from hotgate.api.batcher import Batcher
from hotgate.api.settings import Settings
from hotgate.policy.schema import load_policy

STATIC = Path(__file__).parent / "static"
# Every router of the app, as "module:attribute"; a new page or API is one more line here.
ROUTERS = (
    "hotgate.api.assess:router",
    "hotgate.api.records:router",
    "hotgate.api.webhooks:router",
    "hotgate.api.pages:router",
    "hotgate.api.changes:router",
)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Make the hotgate server: REST API under /api/v1, pages at /, OpenAPI at /openapi.json."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Open (and migrate) the store on start; close it on stop."""
        engine = service.open_store(settings.url())
        app.state.engine = engine
        app.state.sessions = store.session_factory(engine)
        batcher = app.state.batcher = Batcher(app.state.policy)
        batcher.start()
        yield
        await batcher.close()
        engine.dispose()

    app = FastAPI(
        title="hotgate",
        summary="Should this fix ship now as a hotfix, or wait for the next release?",
        version="1",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.policy = load_policy(settings.policy)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for spec in ROUTERS:
        module, _, attribute = spec.partition(":")
        app.include_router(getattr(importlib.import_module(module), attribute))

    @app.middleware("http")
    async def security_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Add the security headers to every answer."""
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
