"""The public labelled bug reports the bundled text model learns from, with their hold-outs.

The file is ``../shared/data/training/bug_severity_public.parquet`` (see its README). Hadoop and
SeaMonkey are held out because hotgate's decisions are checked on their tracker exports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from hotgate.history.text_training import text_expr

# Collections with stated terms or public tracker records; kumara's README says "No Licence",
# so it is only ever a test set, never trained on.
BUNDLED_DATASETS = ("spear_jira", "dastal_mozilla", "anuj_mozilla", "gomes_mozilla")
HELD_OUT_PROJECTS = ("jira:HADOOP",)
HELD_OUT_WORD = "seamonkey"
EXPORTS = (
    ("jira/hadoop_jira_export.csv", "Summary"),
    ("bugzilla/seamonkey_bugs.csv", "Summary"),
)


def export_summaries(trackers: Path) -> list[str]:
    """Every summary in the Hadoop and SeaMonkey exports that hotgate's decisions are checked on."""
    found: set[str] = set()
    for name, column in EXPORTS:
        frame = pl.read_csv(trackers / name, columns=[column], infer_schema=False)
        found.update(s for s in frame[column].drop_nulls().to_list() if s)
    return sorted(found)


def held_out(summaries: list[str]) -> pl.Expr:
    """True for rows the bundled model must not see: Hadoop, SeaMonkey, or an export's summary."""
    text = pl.concat_str([pl.col("summary"), pl.col("description")], ignore_nulls=True)
    return (
        pl.col("project").is_in(HELD_OUT_PROJECTS)
        | text.str.to_lowercase().str.contains(HELD_OUT_WORD)
        | pl.col("summary").is_in(summaries)
    )


def labelled_rows(parquet: Path, trackers: Path) -> pl.DataFrame:
    """Labelled rows with text, label, project, tracker, dataset, and held_out / trainable flags."""
    frame = pl.read_parquet(parquet)
    summaries = export_summaries(trackers)
    return (
        frame.filter(pl.col("label").is_not_null())
        .with_columns(
            text=text_expr(frame, ["summary", "description"]),
            held_out=held_out(summaries),
        )
        .with_columns(
            trainable=~pl.col("held_out") & pl.col("dataset").is_in(BUNDLED_DATASETS),
            # The four Mozilla collections share bugs: one group, so a fold never tests on
            # a bug it trained on.
            group=pl.when(pl.col("project").str.starts_with("bz:Mozilla"))
            .then(pl.lit("bz:Mozilla"))
            .otherwise(pl.col("project")),
        )
        .select(
            "dataset",
            "project",
            "group",
            "tracker",
            "id",
            "summary",
            "description",
            "text",
            "raw_level",
            "label",
            "held_out",
            "trainable",
        )
    )


def training_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows the bundled model learns from: trainable, with words in them."""
    return rows.filter(pl.col("trainable") & (pl.col("text").str.strip_chars() != ""))


def provenance(rows: pl.DataFrame) -> dict[str, Any]:
    """What a model trained on these rows saw: rows per collection and project, severe share."""
    per = (
        rows.group_by("dataset", "project")
        .agg(rows=pl.len(), severe=pl.col("label").sum().cast(pl.Int64))
        .sort("dataset", "project")
    )
    return {
        "rows": rows.height,
        "severe": int(rows["label"].sum()),
        "by_project": per.to_dicts(),
        "held_out": {
            "projects": list(HELD_OUT_PROJECTS),
            "text_mentioning": HELD_OUT_WORD,
            "summaries_of": [name for name, _ in EXPORTS],
            "collections_not_trained_on": ["kumara (README says No Licence)"],
        },
    }
