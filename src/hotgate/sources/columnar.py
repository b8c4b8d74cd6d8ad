"""Reading a chunk of records as columns: the fast path for large JSON Lines files."""

from __future__ import annotations

import io

import polars as pl

from hotgate.policy.reading.signals import ISSUE_SCHEMA

IGNORED = "_ignored"
COUNTS = ("duplicates", "votes", "reactions", "watchers", "comment_count")


def read_chunk(data: bytes, schema: dict[str, pl.DataType] | None) -> pl.DataFrame | None:
    """Parse JSON Lines as one frame, or None when any line is malformed or types clash."""
    try:
        return pl.read_ndjson(io.BytesIO(data), schema=schema, infer_schema_length=None)
    except (pl.exceptions.PolarsError, ValueError):
        return None


def column(
    raw: pl.DataFrame, name: str, dtype: pl.DataType | type[pl.DataType] = pl.String
) -> pl.Expr:
    """A raw column cast to a type, or nulls when the chunk does not have it."""
    if name not in raw.columns or raw.schema[name] == pl.Null:
        return pl.lit(None, dtype=dtype)
    return pl.col(name).cast(dtype, strict=False)


def struct_field(
    raw: pl.DataFrame, name: str, field: str, dtype: pl.DataType | type[pl.DataType]
) -> pl.Expr:
    """A field of a struct column (reactions.total_count), or nulls when absent."""
    kind = raw.schema.get(name)
    if not isinstance(kind, pl.Struct) or field not in {f.name for f in kind.fields}:
        return pl.lit(None, dtype=dtype)
    return pl.col(name).struct.field(field).cast(dtype, strict=False)


def names_of(raw: pl.DataFrame, name: str, field: str = "name") -> pl.Expr:
    """The names in a list of objects or strings (labels), or an empty list."""
    kind = raw.schema.get(name)
    if not isinstance(kind, pl.List):
        return pl.lit([], dtype=pl.List(pl.String))
    inner = kind.inner
    # As names() reads them: an item without a name, or with an empty one, is no name.
    if isinstance(inner, pl.Struct) and field in {f.name for f in inner.fields}:
        found = pl.col(name).list.eval(pl.element().struct.field(field).cast(pl.String))
    elif inner == pl.String:
        found = pl.col(name)
    else:
        return pl.lit([], dtype=pl.List(pl.String))
    named = pl.element().is_not_null() & (pl.element() != "")
    return found.list.eval(pl.element().filter(named)).fill_null(
        pl.lit([], dtype=pl.List(pl.String))
    )


def conform(mapped: pl.DataFrame) -> pl.DataFrame | None:
    """Put mapped columns in the issue schema; None when a row lacks a key or a title."""
    missing = [name for name in ISSUE_SCHEMA if name not in mapped.columns]
    filled = mapped.with_columns([pl.lit(None, dtype=ISSUE_SCHEMA[n]).alias(n) for n in missing])
    keep = [pl.col(IGNORED)] if IGNORED in filled.columns else []
    shaped = filled.select([pl.col(n).cast(t) for n, t in ISSUE_SCHEMA.items()] + keep)
    subjects = shaped.filter(~pl.col(IGNORED)) if keep else shaped
    counts = [pl.col(c).fill_null(0) for c in COUNTS]
    # A NUL anywhere sends the chunk to the record-by-record path, which refuses that record
    # and names its field (hotgate never stores NUL), and keeps the others. So do U+001C to
    # U+001F: Python's strip() takes them as whitespace and polars' does not.
    texts = [n for n, t in ISSUE_SCHEMA.items() if t == pl.String]
    odd = "[\x00\x1c-\x1f]"
    nul = pl.any_horizontal(
        [pl.col(n).str.contains(odd) for n in texts]
        + [pl.col("labels").list.join("").str.contains(odd)]
    )
    bad = subjects.select(
        pl.col("key").is_null().any()
        | (pl.col("title").fill_null("").str.strip_chars() == "").any()
        | (pl.min_horizontal(counts) < 0).any()
        | nul.fill_null(False).any()
    ).item()
    return None if bad else shaped
