"""`hotgate learn`: fit the policy's weights and threshold to a history file or to the store."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hotgate.cli.app import (
    AsOfOption,
    PolicyOption,
    app,
    fail,
    out,
    parse_day,
    policy_file,
    policy_from,
)
from hotgate.history.examples import Examples, LearningError, from_history
from hotgate.policy.definition.learned import describe_model
from hotgate.policy.definition.schema import Policy, PolicyError, default_policy_text


def _store_examples(policy_path: Path | None) -> Examples:
    """Reviewed decisions from the store: HOTGATE_DATABASE_URL, or hotgate.db by the policy."""
    from hotgate import store
    from hotgate.history.store_examples import from_store

    url = store.default_database_url(policy_path)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        fail(f"{url}: no store here; set HOTGATE_DATABASE_URL or give a HISTORY file")
    engine = store.make_engine(url)
    try:
        with store.session_factory(engine)() as session:
            return from_store(session, "the store")
    finally:
        engine.dispose()


def base_text(path: Path | None) -> str:
    """The base policy's text, comments and all: the named file or the default policy."""
    try:
        return path.read_text("utf-8") if path else default_policy_text()
    except OSError as exc:
        fail(f"{path}: cannot read: {exc}")


def examples_for(
    history: Path | None, mapping_path: Path | None, policy: Policy, as_of: str | None
) -> Examples:
    """The examples named on the command line: a history file through its mapping."""
    from hotgate.history.backtest import BacktestError, load_mapping

    assert history is not None
    try:
        mapping = load_mapping(mapping_path)
        day = parse_day(as_of, "--as-of") or mapping.as_of or date.today()
        return from_history(history, mapping, policy, day)
    except BacktestError as exc:
        fail(str(exc))


@app.command()
def learn(
    history: Annotated[
        Path | None,
        typer.Argument(help="Past decisions with their outcome: CSV, JSON Lines or Parquet."),
    ] = None,
    mapping_path: Annotated[
        Path | None,
        typer.Option(
            "--mapping", help="YAML file mapping the history's columns (see examples/backtest/)."
        ),
    ] = None,
    from_store: Annotated[
        bool, typer.Option("--from-store", help="Learn from the store's reviewed decisions.")
    ] = False,
    out_path: Annotated[
        Path, typer.Option("--out", help="Where to write the learned policy (YAML).")
    ] = Path("learned.yaml"),
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds.", min=2)] = 5,
    policy_path: PolicyOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Fit the policy's weights and threshold to past outcomes; write a readable policy file."""
    from hotgate.history.learn import learn as learn_policy  # scikit-learn, for this command only

    if (history is None) == (not from_store):
        fail("give either a HISTORY file or --from-store")
    base = policy_file(policy_path)
    policy = policy_from(policy_path)
    examples = (
        _store_examples(policy_path)
        if from_store
        else examples_for(history, mapping_path, policy, as_of)
    )
    try:
        learned = learn_policy(examples, policy, base_text(base), folds)
    except (LearningError, PolicyError) as exc:
        fail(f"{examples.source}: {exc}")
    try:
        out_path.write_text(learned.text, "utf-8")
    except OSError as exc:
        fail(f"{out_path}: cannot write: {exc}")
    lines = describe_model("Learned", learned.learned.qualifies, learned.hotfix_at)
    if learned.learned.risk is not None:
        lines += describe_model("Risk of the hotfix", learned.learned.risk)
    else:
        lines.append("No risk of the hotfix learned: too few shipped fixes with a known outcome.")
    shown = [line for line in lines if not line.startswith("     ")]
    out.print("\n".join(escape(line) for line in shown))
    out.print(
        f"Wrote {escape(str(out_path))}; "
        f"`hotgate policy show --policy {escape(str(out_path))}` reads it out."
    )
