"""`hotgate db upgrade`, `hotgate token create|list|revoke`, and recording runs in the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from hotgate import service, store
from hotgate.cli.app import (
    CalendarOption,
    NextReleaseOption,
    app,
    err,
    fail,
    guarded,
    out,
    parse_day,
)
from hotgate.policy.engine import Context
from hotgate.policy.schema import Policy

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
    if policy_path is None and Path("hotgate.yaml").is_file():
        policy_path = Path("hotgate.yaml")
    return store.default_database_url(policy_path)


@contextmanager
def recording(
    record: bool, db: str | None, policy_path: Path | None, policy: Policy, context: Context
) -> Iterator[service.Recorder | None]:
    """Record a run's decisions in one transaction, or do nothing with --no-record."""
    if not record:
        yield None
        return
    url = database_url(db, policy_path)
    try:
        with service.Recorder(url, policy, context) as recorder:
            yield recorder
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        fail(f"cannot record decisions in {_shown(url)}: {reason} (--no-record skips recording)")
    if recorder.counts.inserted:
        changed = recorder.counts.changed
        note = f", {changed} with a changed verdict" if changed else ""
        err.print(f"Recorded {recorder.counts.inserted} decisions in {_shown(url)}{note}.")


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
    db: DbOption = None,
) -> None:
    """Make an API token with a role; the token is shown once and stored only as a hash."""
    if role not in store.ROLES:
        fail(f"--role: {role!r} is not one of {', '.join(store.ROLES)}")
    url = database_url(db)
    engine = _engine(url)
    with store.session_factory(engine).begin() as session:
        record, secret = store.create_token(session, name, role, actor="cli")
    engine.dispose()
    err.print(f"Token {record.id} ({name}, {role}) made. Keep it now: it is not shown again.")
    out.print(secret, markup=False)


@token_app.command("list")
def token_list(db: DbOption = None) -> None:
    """List the tokens (never their secrets)."""
    engine = _engine(database_url(db))
    with store.session_factory(engine)() as session:
        tokens = store.list_tokens(session)
    engine.dispose()
    for token in tokens:
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "live"
        out.print(f"{token.id}\t{token.role}\t{token.name}\t{state}", markup=False)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's number.")], db: DbOption = None
) -> None:
    """Revoke a token: requests carrying it are refused from now on."""
    engine = _engine(database_url(db))
    with store.session_factory(engine).begin() as session:
        revoked = store.revoke_token(session, token_id)
    engine.dispose()
    if not revoked:
        fail(f"no live token {token_id}")
    out.print(f"Token {token_id} revoked.")


def _engine(url: str) -> Engine:
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
    policy_path: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="Policy file (default: ./hotgate.yaml if present, else the built-in one).",
        ),
    ] = None,
    next_release: NextReleaseOption = None,
    calendar: CalendarOption = None,
) -> None:
    """Run the API and the web pages (triage queue, decisions, reviews, audit, dashboard).

    Server-side decisions use the next release given here, else the first release on the
    policy's calendar and on each --calendar (re-read every hour).
    """
    import uvicorn

    from hotgate.api import Settings, create_app
    from hotgate.api.settings import is_loopback

    if policy_path is None and Path("hotgate.yaml").is_file():
        policy_path = Path("hotgate.yaml")
    url = database_url(db, policy_path)
    engine = _engine(url)
    with store.session_factory(engine)() as session:
        tokens = store.live_token_count(session)
    engine.dispose()
    if not is_loopback(host) and tokens == 0:
        fail(
            f"refusing to listen on {host} with no API tokens: anyone could read the decisions. "
            "Make one first with: hotgate token create --role admin --name you"
        )
    settings = Settings(
        database_url=url,
        policy=policy_path,
        host=host,
        next_release=parse_day(next_release, "--next-release"),
        calendars=calendar or [],
    )
    with_policy = guarded(lambda: create_app(settings, own_process=True))
    guarded(lambda: with_policy.state.calendar.on(date.today()))  # a bad calendar stops here
    err.print(f"hotgate serving http://{host}:{port}/ (database {_shown(url)}); Ctrl+C stops it.")
    uvicorn.run(with_policy, host=host, port=port, log_level="warning")
