"""The Typer application, shared options and the one way errors leave the command line."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console

from hotgate.policy.deciding.calendar import CalendarError, context_from_options
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import Policy, PolicyError, load_policy
from hotgate.sources.base import SourceError

app = typer.Typer(
    name="hotgate",
    help=(
        "Decide whether a bug fix or a site change should ship now as a hotfix or wait for "
        "the next release, and explain why."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
policy_app = typer.Typer(
    help="Show or check the policy that makes the decisions.", no_args_is_help=True
)
app.add_typer(policy_app, name="policy")

# Exit code when the reader of standard output went away (`| head`): 128 + SIGPIPE, as a
# shell shows it. Every command ends that way, quietly; a run cut short records nothing.
PIPE_CLOSED = 141


def reader_gone() -> NoReturn:
    """End the command quietly because standard output's reader went away."""
    # Python would complain once more when it flushes standard output at exit.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise typer.Exit(PIPE_CLOSED)


class _Output(Console):
    """Standard output. Rich's own answer to a closed pipe is exit 1, which here means that
    check-diff refused a change."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        reader_gone()


out = _Output(soft_wrap=False, highlight=False)
if not out.is_terminal and not os.environ.get("COLUMNS"):
    out.width = 160  # piped output: wide enough for the triage table, unless COLUMNS says
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one-line errors, even long ones

PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy", help="Policy file (default: ./hotgate.yaml if present, else the built-in one)."
    ),
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Decide as of this day, YYYY-MM-DD (default: today).")
]
NextReleaseOption = Annotated[
    str | None,
    typer.Option("--next-release", help="The next release's date, YYYY-MM-DD, for this run."),
]

CalendarOption = Annotated[
    list[str] | None,
    typer.Option(
        "--calendar",
        help="Release calendar file or URL (iCalendar, GitHub milestones, Jira versions, "
        "Kubernetes schedule, Firefox product-details); may be repeated.",
    ),
]

T = TypeVar("T")


def fail(message: str) -> NoReturn:
    """Print a one-line reason on stderr and exit 2 (bad input or configuration)."""
    say(message)
    raise typer.Exit(2)


def counted(number: int, noun: str) -> str:
    """A count and its noun, plural from two on by an added s: '1 bad record', '2 bad records'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def say(message: str) -> None:
    """One plain line on stderr, never wrapped, so scripts and people can read it."""
    err.file.write(f"hotgate: {' '.join(message.split())}\n")
    err.file.flush()


@contextmanager
def input_errors() -> Iterator[None]:
    """Turn bad input and bad configuration into a one-line reason and exit code 2."""
    try:
        yield
    except (PolicyError, SourceError, CalendarError) as exc:
        fail(str(exc))


def policy_file(path: Path | None) -> Path | None:
    """The policy file named on the command line, else ./hotgate.yaml if there is one."""
    if path is None and Path("hotgate.yaml").is_file():
        return Path("hotgate.yaml")
    return path


def policy_from(path: Path | None) -> Policy:
    """Load the policy named on the command line, ./hotgate.yaml, or the built-in default."""
    with input_errors():
        return load_policy(policy_file(path))
    raise AssertionError("unreachable")


def parse_day(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option, or a one-line error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date of the form YYYY-MM-DD")


def context_from(
    as_of: str | None,
    next_release: str | None,
    policy: Policy | None = None,
    calendars: list[str] | None = None,
) -> Context:
    """The decision context from the command-line options, the policy's calendar and --calendar."""
    day = parse_day(as_of, "--as-of") or date.today()
    with input_errors():
        calendar = None
        if policy is not None:
            from hotgate.calendars import calendar_for

            calendar = calendar_for(policy, calendars or [], day)
        return context_from_options(day, parse_day(next_release, "--next-release"), calendar)
    raise AssertionError("unreachable")


def guarded(action: Callable[[], T]) -> T:
    """Run an action, turning input errors into exit code 2."""
    with input_errors():
        return action()
    raise AssertionError("unreachable")
