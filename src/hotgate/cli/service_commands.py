"""`hotgate db upgrade`, `hotgate token create|list|revoke`, and recording runs in the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from hotgate import service
from hotgate.cli.app import (
    CalendarOption,
    NextReleaseOption,
    PolicyOption,
    app,
    counted,
    err,
    fail,
    guarded,
    out,
    parse_day,
    policy_file,
    say,
)
from hotgate.cli.jobs_commands import SourcesOption, announce_jobs, sources_file
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import Policy

if TYPE_CHECKING:  # the store and SQLAlchemy load in the commands that use them
    from sqlalchemy import Engine

    from hotgate.services import tokens as token_service

db_app = typer.Typer(
    help="Look after the database that keeps decisions on record.", no_args_is_help=True
)
token_app = typer.Typer(help="Make and revoke API tokens for the server.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")

RecordOption = Annotated[
    bool,
    typer.Option(
        "--record/--no-record",
        help="Keep the decisions on record in the database (default: yes).",
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help=(
            "Database URL (default: $HOTGATE_DATABASE_URL, else the file hotgate.db beside "
            "the policy or in this folder)."
        ),
    ),
]


def database_url(db: str | None, policy_path: Path | None = None) -> str:
    """The database URL from --db, the environment, or the default file."""
    if db:
        return db
    # The store and SQLAlchemy load for the commands that use them, not for every command.
    from hotgate import store

    return store.default_database_url(policy_path)


@contextmanager
def recording(
    record: bool, db: str | None, policy_path: Path | None, policy: Policy, context: Context
) -> Iterator[service.Recorder | None]:
    """Record a run's decisions in one transaction, or do nothing with --no-record."""
    if not record:
        yield None
        return
    from sqlalchemy.exc import SQLAlchemyError

    url = database_url(db, policy_path)
    try:
        with service.Recorder(url, policy, context) as recorder:
            yield recorder
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        fail(f"cannot record decisions in {_shown(url)}: {reason} (--no-record skips recording)")
    inserted = recorder.counts.inserted
    if inserted:  # on stderr, so piped output stays clean and a script still sees where
        changed = recorder.counts.changed
        note = f", {changed} with a changed verdict" if changed else ""
        err.print(f"Recorded {counted(inserted, 'decision')} in {_shown(url)}{note}.")


def _shown(url: str) -> str:
    """A database URL fit to print: the file for SQLite, no password for the rest."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade(
    db: DbOption = None,
    policy_path: Annotated[
        Path | None, typer.Option("--policy", help="Put the default database beside this policy.")
    ] = None,
) -> None:
    """Create the database, or bring it up to date (safe to run again)."""
    from sqlalchemy.exc import SQLAlchemyError

    from hotgate import store

    url = database_url(db, policy_path)
    try:
        store.upgrade(url)
    except SQLAlchemyError as exc:
        fail(f"cannot upgrade {_shown(url)}: {str(exc).splitlines()[0]}")
    out.print(f"The database {_shown(url)} is up to date.")


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option("--role", help="viewer, requester, approver or admin.")],
    name: Annotated[str, typer.Option("--name", help="Who or what the token is for.")] = "token",
    expires_in: Annotated[
        int | None,
        typer.Option(
            "--expires-in",
            help="Days until the token stops working (default: it never expires).",
            min=1,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Make an API token with a role; the token is shown once and stored only as a hash."""
    from hotgate import store
    from hotgate.services import tokens as token_service

    if role not in token_service.ROLES:
        fail(f"--role: {role!r} is not one of {', '.join(token_service.ROLES)}")
    if expires_in is not None and expires_in > token_service.MAX_EXPIRY_DAYS:
        fail(f"--expires-in: at most {token_service.MAX_EXPIRY_DAYS} days, not {expires_in}")
    url = database_url(db)
    engine = _engine(url)
    with store.session_factory(engine).begin() as session:
        record, secret = token_service.create(session, name, role, "cli", expires_in)
    engine.dispose()
    expires_at = record.expires_at
    expiry = (
        f"it expires on {expires_at:%Y-%m-%d}"
        if expires_at
        else "it never expires (--expires-in DAYS sets an expiry)"
    )
    err.print(
        f"Token {record.id} ({name}, {role}) made; {expiry}. Keep it now: it is not shown again.",
        markup=False,
    )
    out.print(secret, markup=False)


class TokenFormat(StrEnum):
    """Output formats of token list."""

    text = "text"
    json = "json"


@token_app.command("list")
def token_list(
    db: DbOption = None,
    fmt: Annotated[
        TokenFormat,
        typer.Option("--format", help="text: a table; json: the records, one list."),
    ] = TokenFormat.text,
) -> None:
    """List the tokens (never their secrets): role, state, expiry and last use."""
    from hotgate import store
    from hotgate.services import tokens as token_service
    from hotgate.store.records import now

    engine = _engine(database_url(db))
    with store.session_factory(engine)() as session:
        tokens = token_service.list_all(session)
    engine.dispose()
    at = now()
    if fmt is TokenFormat.json:
        records = [{**t.model_dump(mode="json"), "state": token_state(t, at)} for t in tokens]
        out.file.write(orjson.dumps(records, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    table = Table("id", "role", "name", "state", "expires", "last used", title="API tokens")
    soon = []
    for token in tokens:
        expires = f"{token.expires_at:%Y-%m-%d}" if token.expires_at else "never"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M} UTC" if token.last_used_at else "never"
        state = token_state(token, at)
        if token.revoked_at:
            state += f" {token.revoked_at:%Y-%m-%d}"
        if state == "live" and token.expires_at and token.expires_at - at <= EXPIRY_NOTICE:
            soon.append(token)
            left = -(-(token.expires_at - at) // timedelta(days=1))  # whole days, rounded up
            expires += f" (in {left} days)"
        table.add_row(str(token.id), token.role, escape(token.name), state, expires, used)
    out.print(table)
    for token in soon:
        say(
            f"token {token.id} ({token.name}) stops working on "
            f"{token.expires_at:%Y-%m-%d}: make its successor with "
            f"hotgate token create --role {token.role} --expires-in DAYS"
        )


EXPIRY_NOTICE = timedelta(days=14)


def token_state(token: token_service.TokenRecord, at: datetime) -> str:
    """Whether a token works at a moment: live, expired or revoked."""
    if token.revoked_at:
        return "revoked"
    return "expired" if token.expired(at) else "live"


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's number.")], db: DbOption = None
) -> None:
    """Revoke a token: requests carrying it are refused from now on."""
    from hotgate import store
    from hotgate.services import tokens as token_service

    engine = _engine(database_url(db))
    with store.session_factory(engine).begin() as session:
        revoked = token_service.revoke(session, token_id, actor="cli")
    engine.dispose()
    if not revoked:
        fail(f"no live token {token_id}")
    out.print(f"Token {token_id} revoked.")


def _engine(url: str) -> Engine:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return service.open_store(url)
    except SQLAlchemyError as exc:
        fail(f"cannot open {_shown(url)}: {str(exc).splitlines()[0]}")


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)
    ] = 8000,
    db: DbOption = None,
    policy_path: PolicyOption = None,
    next_release: NextReleaseOption = None,
    calendar: CalendarOption = None,
    sources: SourcesOption = None,
) -> None:
    """Run the API and the web pages (triage queue, decisions, reviews, audit, dashboard).

    Server-side decisions use the next release given here, else the first release on the
    policy's calendar and on each --calendar (re-read every hour). On SQLite the server also
    runs the sources file's scheduled jobs (sync, recheck, notifications); on PostgreSQL
    `hotgate worker` processes run them.
    """
    import uvicorn

    from hotgate import store
    from hotgate.api import Settings, create_app
    from hotgate.api.settings import is_loopback
    from hotgate.services import tokens as token_service

    policy_path = policy_file(policy_path)
    url = database_url(db, policy_path)
    engine = _engine(url)
    with store.session_factory(engine)() as session:
        tokens = token_service.live_count(session)
    engine.dispose()
    if not is_loopback(host) and tokens == 0:
        fail(
            f"refusing to listen on {host} with no live API tokens (revoked and expired ones "
            "do not count): anyone could read the decisions. "
            "Make one first with: hotgate token create --role admin --name you --expires-in 90"
        )
    settings = Settings(
        database_url=url,
        policy=policy_path,
        host=host,
        next_release=parse_day(next_release, "--next-release"),
        calendars=calendar or [],
        sources=sources_file(sources),
    )
    with_policy = guarded(lambda: create_app(settings, own_process=True))
    guarded(lambda: with_policy.state.calendar.on(date.today()))  # a bad calendar stops here
    if settings.sources is not None:
        guarded(lambda: announce_jobs(settings))  # a bad sources file stops here too
    err.print(f"hotgate serving http://{host}:{port}/ (database {_shown(url)}); Ctrl+C stops it.")
    uvicorn.run(with_policy, host=host, port=port, log_level="warning")
