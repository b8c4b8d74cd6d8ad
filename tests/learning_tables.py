"""Small histories whose answer is known, written as CSV with a mapping, for the learning tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

MAPPING = """
name: known-answer
outcome: {expression: shipped, accepted: ["true"], rejected: ["false"]}
fields:
  key: "'row-' || CAST(id AS VARCHAR)"
  component: component
  fix_lines: lines
  days_until_release: days
labels:
  kinds: "^"
features:
  experience: experience
  noise: noise
trouble: backed_out
risk_features: [experience]
after_decision: [shipped, backed_out, decided_on]
"""


def known_table(rows: int = 600, seed: int = 7) -> pl.DataFrame:
    """Shipped with log-odds 0.5 + 2.5 crash − 1.2 z(log1p lines) + 0.6 z(log1p experience)."""
    rng = np.random.default_rng(seed)
    crash = rng.random(rows) < 0.4
    lines = rng.lognormal(3.5, 1.0, rows).round()
    experience = rng.lognormal(2.0, 1.0, rows).round()
    noise = rng.normal(0, 1, rows)

    def z(values: np.ndarray) -> np.ndarray:
        logged = np.log1p(values)
        return np.asarray((logged - logged.mean()) / logged.std())

    logit = 0.5 + 2.5 * crash - 1.2 * z(lines) + 0.6 * z(experience)
    shipped = rng.random(rows) < 1 / (1 + np.exp(-logit))
    backed_out = rng.random(rows) < 1 / (1 + np.exp(-(-1.5 + 1.0 * z(lines))))
    return pl.DataFrame(
        {
            "id": np.arange(1, rows + 1),
            "component": rng.choice(["Graphics", "Networking"], rows),
            "lines": lines.astype(np.int64),
            "days": rng.integers(1, 40, rows),
            "kinds": np.where(crash, "crash", ""),
            "experience": experience,
            "noise": noise,
            "shipped": shipped,
            "backed_out": backed_out,
            "decided_on": ["2016-05-01"] * rows,
        }
    )


def write_history(folder: Path, table: pl.DataFrame) -> tuple[Path, Path]:
    """The table as CSV beside its mapping; returns both paths."""
    history, mapping = folder / "history.csv", folder / "mapping.yaml"
    table.write_csv(history)
    mapping.write_text(MAPPING, "utf-8")
    return history, mapping
