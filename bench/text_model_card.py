"""Train the bundled text model and reproduce the model card's figures (see docs/model-card.md).

    python bench/text_model_card.py --write-model   # retrain src/hotgate/policy/text_model.json.gz
    python bench/text_model_card.py                 # figures only

Reads ../shared/data/training/bug_severity_public.parquet and the Hadoop and SeaMonkey exports in
../shared/data/trackers/ (for the hold-outs). Prints the card's tables as Markdown.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from hotgate.history.public_data import labelled_rows, provenance, training_rows
from hotgate.history.text_training import (
    Settings,
    fit_matrix,
    model_document,
    vectoriser,
    write_model,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
PARQUET = SHARED / "training" / "bug_severity_public.parquet"
TRACKERS = SHARED / "trackers"
BUNDLED = ROOT / "src" / "hotgate" / "policy" / "text_model.json.gz"
SETTINGS = Settings(C=1.0, max_terms=40_000, min_df=3, balanced=False)
NAME = "hotgate-significance-public-2026.11"


def write_bundled(card: dict[str, object]) -> None:
    """Fit on every trainable row (projects weighed evenly) and write the bundled model file."""
    rows = training_rows(labelled_rows(PARQUET, TRACKERS))
    counter = vectoriser(min_df=SETTINGS.min_df)
    started = time.perf_counter()
    binary = counter.fit_transform(rows["text"].to_list()).tocsr()
    labels = rows["label"].to_numpy().astype(int)
    fitted = fit_matrix(
        binary, labels, counter.get_feature_names_out(), SETTINGS, rows["project"].to_numpy()
    )
    seconds = time.perf_counter() - started
    card = {
        "trained_on": provenance(rows),
        "settings": {**SETTINGS.__dict__, "strata": "project", "solver": "liblinear"},
        "label_mapping": {
            "severe": "Jira Blocker/Critical; Bugzilla blocker/critical/major/S1/S2",
            "minor": "Jira Minor/Trivial; Bugzilla minor/trivial/enhancement/S4",
            "unused": "Jira Major; Bugzilla normal/S3/--",
        },
        "fit_seconds": round(seconds, 1),
        **card,
    }
    model = write_model(BUNDLED, model_document(NAME, fitted, card))
    print(f"wrote {BUNDLED} ({BUNDLED.stat().st_size:,} bytes, {len(model.weights):,} terms)")


def main() -> None:
    """Parse the options; write the model and/or print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-model", action="store_true")
    args = parser.parse_args()
    np.random.seed(0)
    if args.write_model:
        write_bundled({})


if __name__ == "__main__":
    main()
