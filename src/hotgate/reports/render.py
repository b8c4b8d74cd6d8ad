"""The hotfix report as files: PNG charts and one self-contained HTML page."""

from __future__ import annotations

import base64
import io
import os
import tempfile
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: charts are drawn to files only

import matplotlib.pyplot as plt
import orjson
from jinja2 import Environment, select_autoescape
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

VERDICT_COLOURS = {
    "hotfix": "#c0392b",
    "needs-info": "#7f8c8d",
    "wait": "#e1a800",
    "no-hotfix": "#2e6da4",
}
TOP_COMPONENTS = 15


def _bar_chart(
    labels: list[str],
    values: list[int],
    title: str,
    budget: int | None = None,
    colours: list[str] | None = None,
    troubled: list[int] | None = None,
) -> Figure:
    figure, axes = plt.subplots(figsize=(8, max(3.0, 0.35 * len(labels) + 1.5)))
    positions = list(range(len(labels)))
    axes.barh(positions, values, color=colours or "#c0392b", label="hotfixes")
    if troubled is not None and any(troubled):
        axes.barh(positions, troubled, color="#333333", label="rolled back or regressed")
        axes.legend(loc="lower right")
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_title(title)
    axes.set_xlabel("hotfixes")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if budget is not None:
        axes.axvline(budget, color="#333333", linestyle="--", label=f"budget: {budget}")
        axes.legend(loc="lower right")
    figure.tight_layout()
    return figure


def _per_month_chart(rows: list[dict[str, Any]]) -> Figure:
    figure, axes = plt.subplots(figsize=(9, 4))
    months = [r["month"] for r in rows]
    bottom = [0] * len(rows)
    for verdict, colour in VERDICT_COLOURS.items():
        heights = [r[verdict] for r in rows]
        axes.bar(months, heights, bottom=bottom, color=colour, label=verdict)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_title("Decisions per month, by verdict")
    axes.set_ylabel("decisions")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes.tick_params(axis="x", rotation=45)
    figure.tight_layout()
    return figure


def charts(figures: dict[str, Any]) -> dict[str, Figure]:
    """The report's charts, by file stem; only charts that have data."""
    drawn: dict[str, Figure] = {}
    releases = figures["per_release"]
    if releases:
        drawn["hotfixes-per-release"] = _bar_chart(
            [r["release"] for r in releases],
            [r["hotfixes"] for r in releases],
            "Hotfixes per release cycle",
            figures["budget"],
            ["#8e1b10" if r["over_budget"] else "#c0392b" for r in releases],
        )
    if figures["per_month"]:
        drawn["decisions-per-month"] = _per_month_chart(figures["per_month"])
    for name, key, title in (
        ("hotfixes-by-source", "by_source", "Hotfixes by source"),
        ("hotfixes-by-component", "by_component", f"Hotfixes by component (top {TOP_COMPONENTS})"),
    ):
        rows = figures[key][:TOP_COMPONENTS]
        if rows:
            drawn[name] = _bar_chart(
                [r["name"] for r in rows],
                [r["hotfixes"] for r in rows],
                title,
                troubled=[r["troubled"] for r in rows],
            )
    return drawn


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def html_page(figures: dict[str, Any], pngs: dict[str, bytes], source: str, made: date) -> str:
    """The report as one HTML page with its charts inlined as data URIs."""
    environment = Environment(
        autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True
    )
    environment.filters["percent"] = _percent
    template_text = resources.files("hotgate.reports").joinpath("template.html").read_text("utf-8")
    images = {
        name: "data:image/png;base64," + base64.b64encode(data).decode()
        for name, data in pngs.items()
    }
    return environment.from_string(template_text).render(
        f=figures, images=images, source=source, made=made
    )


def _atomic_write(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes owner-only files; a report is for sharing
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_report(figures: dict[str, Any], out_dir: Path, source: str, made: date) -> list[Path]:
    """Write report.html, figures.json and one PNG per chart; every file appears whole."""
    pngs = {name: _png(figure) for name, figure in charts(figures).items()}
    page = html_page(figures, pngs, source, made)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, data in pngs.items():
        written.append(out_dir / f"{name}.png")
        _atomic_write(written[-1], data)
    written.append(out_dir / "figures.json")
    _atomic_write(written[-1], orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    written.append(out_dir / "report.html")
    _atomic_write(written[-1], page.encode())
    return written
