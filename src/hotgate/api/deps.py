"""What every route depends on: a database session and the caller's role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.api.settings import Settings
from hotgate.calendars.served import ServedCalendar
from hotgate.policy.calendar import context_from_options
from hotgate.policy.engine import Context
from hotgate.policy.schema import Policy
from hotgate.store.records import Role

COOKIE = "hotgate_token"


@dataclass(frozen=True)
class Caller:
    """Who is calling: a token's name and role, or anonymous on an open loopback server."""

    name: str
    role: Role | None
    by_cookie: bool = False

    def may(self, needed: Role) -> bool:
        """Whether this caller holds a role at least as strong as needed."""
        return self.role is not None and store.role_allows(self.role, needed)


def settings_of(request: Request) -> Settings:
    """The settings the app was made with."""
    settings: Settings = request.app.state.settings
    return settings


def policy_of(request: Request) -> Policy:
    """The policy the server decides with."""
    policy: Policy = request.app.state.policy
    return policy


def sessions_of(request: Request) -> sessionmaker[Session]:
    """The session factory of the app's database."""
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request; the route commits what it writes."""
    with sessions_of(request)() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _secret(request: Request) -> tuple[str | None, bool]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(COOKIE)
    return (cookie, True) if cookie else (None, False)


def caller_of(request: Request) -> Caller:
    """The caller of a request, from a bearer token or the sign-in cookie."""
    cached: Caller | None = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    secret, by_cookie = _secret(request)
    caller = Caller("anonymous", None)
    if secret:
        with sessions_of(request)() as session:
            token = store.verify_token(session, secret)
        if token is None:
            if not by_cookie:
                raise HTTPException(401, "the token is unknown or revoked", _challenge())
        else:
            caller = Caller(token.name, token.role, by_cookie)
    request.state.caller = caller
    return caller


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="hotgate"'}


def require(needed: Role) -> Callable[[Request], Caller]:
    """A dependency that lets a request through only with a role at least as strong as needed.

    Reading (viewer) is open without a token on a loopback server; a write through the
    sign-in cookie must come from the pages' own htmx requests, which a foreign site
    cannot forge.
    """

    def check(request: Request) -> Caller:
        """The caller, if their role is strong enough; else 401 or 403."""
        caller = caller_of(request)
        if caller.role is None:
            if needed == "viewer" and settings_of(request).reads_are_open():
                return caller
            raise HTTPException(401, f"this needs a token with the {needed} role", _challenge())
        if not caller.may(needed):
            raise HTTPException(403, f"this needs the {needed} role; your token is {caller.role}")
        unsafe = request.method not in {"GET", "HEAD", "OPTIONS"}
        if caller.by_cookie and unsafe and request.headers.get("hx-request") != "true":
            raise HTTPException(403, "sign-in cookies only work from hotgate's own pages")
        return caller

    return check


def context_of(
    request: Request, as_of: date | None = None, next_release: date | None = None
) -> Context:
    """The decision context: the day (today unless given), the next release and any blackout.

    The next release is the one given, else the server's setting, else the first on the
    policy's and the configured calendars; a CalendarError names what is wrong.
    """
    served: ServedCalendar = request.app.state.calendar
    day = as_of or date.today()
    release = next_release or settings_of(request).next_release
    return context_from_options(day, release, served.on(day))
