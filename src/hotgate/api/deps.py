"""What every route depends on: a database session and the caller's role."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hotgate.api.settings import Settings
from hotgate.calendars.served import ServedCalendar
from hotgate.policy.deciding.calendar import context_from_options
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import Policy
from hotgate.services import tokens
from hotgate.services.tokens import USE_NOTED_EVERY, Role, TokenRecord

# the record shapes and the clock the store stamps them with: plain data, no database access
from hotgate.store.records import now

COOKIE = "hotgate_token"
log = logging.getLogger(__name__)
# when noting a token's use last failed, by token (id and creation): the next try waits a
# minute, so a read-only or locked database costs one failed write a minute, not one a request
_failed_notes: dict[tuple[int, datetime], datetime] = {}


@dataclass(frozen=True)
class Caller:
    """Who is calling: a token's name and role, or anonymous on an open loopback server."""

    name: str
    role: Role | None
    by_cookie: bool = False

    def may(self, needed: Role) -> bool:
        """Whether this caller holds a role at least as strong as needed."""
        return self.role is not None and tokens.role_allows(self.role, needed)


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
        at = now()
        with sessions_of(request)() as session:
            found = tokens.find(session, secret)
            live = None if found is None or found.expired(at) else found
            if live is not None:
                _note_use(session, live, at)
        if live is not None:
            caller = Caller(live.name, live.role, by_cookie)
        elif not by_cookie:
            # a stale sign-in cookie only makes the caller anonymous, as an unknown one does
            detail = expired_message(found) if found else "the token is unknown or revoked"
            raise HTTPException(401, detail, _challenge())
    request.state.caller = caller
    return caller


def expired_message(token: TokenRecord) -> str:
    """Why an expired token is refused, and how to get a new one, in one line."""
    day = f"{token.expires_at:%Y-%m-%d}" if token.expires_at else "an earlier day"
    return (
        f"the token expired on {day}; make a new one with: "
        f"hotgate token create --role {token.role} --expires-in DAYS"
    )


def _note_use(session: Session, token: TokenRecord, at: datetime) -> None:
    key = (token.id, token.created_at)
    failed = _failed_notes.get(key)
    if failed is not None and at - failed < USE_NOTED_EVERY:
        return
    try:
        if tokens.note_use(session, token, at):
            session.commit()
    except SQLAlchemyError as exc:
        # a read-only or busy moment of the database: the request goes on without the note
        session.rollback()
        _failed_notes[key] = at
        log.warning("could not note the use of token %s: %s", token.id, _first_line(exc))
    else:
        _failed_notes.pop(key, None)


def _first_line(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


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
