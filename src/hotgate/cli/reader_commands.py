"""`hotgate reader train|show`: retrain the text model of significance, and show its card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from hotgate.cli.app import app, fail, out
from hotgate.policy.reading.text_model import TextModel, TextModelError

reader_app = typer.Typer(
    help="The learned text model of significance: retrain it on rated history, show its card.",
    no_args_is_help=True,
)
app.add_typer(reader_app, name="reader")


@reader_app.command("train")
def train(
    data: Annotated[Path, typer.Argument(help="Parquet or CSV file of rated bug reports.")],
    out_file: Annotated[Path, typer.Option("--out", help="The model file to write (.json.gz).")],
    label_column: Annotated[
        str,
        typer.Option(
            "--label-column",
            help="1/0, severe/minor, or tracker levels (Blocker, Critical … Minor, Trivial; "
            "S1 … S4); other values are left out.",
        ),
    ] = "label",
    text_column: Annotated[
        list[str] | None,
        typer.Option(
            "--text-column",
            help="Text columns, joined by a newline (default: summary+description, "
            "title+body, or text); may be repeated.",
        ),
    ] = None,
    group_column: Annotated[
        str | None,
        typer.Option("--group-column", help="Weigh each group (such as a project) evenly."),
    ] = None,
    max_terms: Annotated[int, typer.Option("--max-terms", min=1)] = 40_000,
    min_df: Annotated[
        int, typer.Option("--min-df", min=1, help="Keep terms seen in at least this many reports.")
    ] = 3,
    c: Annotated[float, typer.Option("--C", min=1e-6, help="Inverse regularisation.")] = 1.0,
    name: Annotated[str | None, typer.Option("--name", help="The model's name.")] = None,
) -> None:
    """Train the text model on a team's own rated history and write the model file."""
    # scikit-learn is imported only here: deciding never needs it.
    from hotgate.history.text_training import Settings, TrainingError, train_file

    settings = Settings(C=c, max_terms=max_terms, min_df=min_df, balanced=group_column is None)
    try:
        model = train_file(
            data,
            out_file,
            label_column=label_column,
            text_columns=text_column or [],
            group_column=group_column,
            settings=settings,
            name=name,
        )
    except (TrainingError, TextModelError) as exc:
        fail(str(exc))
    seen = model.card.get("trained_on", {})
    out.print(
        f"Trained {escape(model.name)} on {seen.get('rows')} rated reports "
        f"({seen.get('severe')} severe); kept {len(model.weights):,} terms."
    )
    out.print(
        f"Wrote {escape(str(out_file))} ({out_file.stat().st_size:,} bytes, "
        f"sha256 {model.sha256[:12]})."
    )


@reader_app.command("show")
def show(
    model_file: Annotated[
        Path | None,
        typer.Option("--model", help="A retrained model file (default: the bundled model)."),
    ] = None,
    terms: Annotated[int, typer.Option("--terms", min=0, help="Strongest terms to list.")] = 10,
) -> None:
    """Print the model card summary: what it learnt from, its figures, its strongest terms."""
    try:
        model = TextModel.bundled() if model_file is None else TextModel.load(model_file)
    except TextModelError as exc:
        fail(str(exc))
    out.print(card_summary(model, terms))


def _trained_on(seen: dict[str, Any]) -> list[str]:
    lines = [f"Trained on {seen.get('rows')} rated reports, {seen.get('severe')} severe."]
    if "file" in seen:
        lines.append(f"   from {seen['file']}, label column {seen.get('label_column')!r}")
    for row in seen.get("by_project", []):
        lines.append(
            f"   • {row['project']} ({row['dataset']}): {row['rows']} rows, {row['severe']} severe"
        )
    held = seen.get("held_out")
    if held:
        lines.append(
            f"   Held out: projects {', '.join(held['projects'])}; any text mentioning "
            f"{held['text_mentioning']!r}; every summary in {', '.join(held['summaries_of'])}; "
            f"never trained on {', '.join(held['collections_not_trained_on'])}."
        )
    return lines


def card_summary(model: TextModel, top: int = 10) -> str:
    """The model card in plain lines: name, digest, data, label mapping, figures, terms."""
    card = model.card
    lines = [
        f"[bold]Text model '{escape(model.name)}'[/] (sha256 {model.sha256[:12]})",
        f"{len(model.weights):,} terms (words and two-word phrases); "
        f"score = log-odds that a report is severe.",
    ]
    lines += [escape(line) for line in _trained_on(card.get("trained_on", {}))]
    mapping = card.get("label_mapping", {})
    for key in ("severe", "minor", "unused"):
        if key in mapping:
            value = mapping[key]
            shown = ", ".join(value) if isinstance(value, list) else str(value)
            lines.append(f"Label {key}: {escape(shown)}")
    for tracker, fig in (card.get("cross_project") or {}).items():
        lines.append(
            f"Across projects ({tracker}, mean of {fig['projects']}): ROC AUC {fig['auc']:.3f}, "
            f"balanced accuracy {fig['balanced_accuracy']:.3f}; the lexicon answers "
            f"{fig['lexicon_answered']:.0%} at balanced accuracy "
            f"{fig['lexicon_balanced_accuracy']:.3f}."
        )
    if "card" in card:
        lines.append(f"Full card: {escape(str(card['card']))}")
    ranked = sorted(model.weights.items(), key=lambda item: item[1])
    if top:
        severe = ", ".join(f"{t} {w:+.2f}" for t, w in reversed(ranked[-top:]))
        minor = ", ".join(f"{t} {w:+.2f}" for t, w in ranked[:top])
        lines.append(f"Strongest towards severe: {escape(severe)}")
        lines.append(f"Strongest towards minor: {escape(minor)}")
    return "\n".join(lines)
