"""The import contracts in pyproject.toml hold, and they break when a forbidden import appears.

docs/architecture.md explains the contracts; `lint-imports` (import-linter) checks them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(src: Path, config: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the package under src with a config file; the result, with output."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), str(config), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=src.parent,
        check=False,
    )


def test_the_import_contracts_hold() -> None:
    result = lint_imports(ROOT / "src", ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " broken" in result.stdout
    assert "0 broken" in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # the store decides nothing
        (
            "store/recording.py",
            "from hotgate.policy.definition.schema import Policy",
            "store makes no decisions",
        ),
        # the policy stays pure
        ("policy/deciding/explain.py", "from hotgate import store", "policy is pure"),
        # a face reaches the store only through the service
        ("api/deps.py", "from hotgate.store.tokens import find_token", "The API reaches the store"),
        # the file reader knows no live tracker (the circle issue 14 removed)
        ("sources/reader.py", "from hotgate.sources import live", "knows no live tracker"),
        # reading evidence never reaches up into deciding
        (
            "policy/reading/signals.py",
            "from hotgate.policy.deciding import engine",
            "The policy's seams",
        ),
        # a source reads evidence and decides nothing
        (
            "sources/github.py",
            "from hotgate.policy.deciding import engine",
            "Sources read evidence",
        ),
        # lower layers never import higher ones
        ("service.py", "from hotgate.api import deps", "One-way flow"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "hotgate", src / "hotgate", ignore=_bulky)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    path = src / "hotgate" / module
    path.write_text(path.read_text("utf-8") + f"\n{line}  # noqa\n", "utf-8")
    result = lint_imports(src, tmp_path / "pyproject.toml")
    assert result.returncode == 1, result.stdout + result.stderr
    said = " ".join(result.stdout.split())  # the report wraps long contract names
    assert contract in said, said
    verdict = re.search(r"\b(KEPT|BROKEN)\b", said.split(contract, 1)[1])
    assert verdict is not None, said
    assert verdict.group(1) == "BROKEN", said


def _bulky(folder: str, names: list[str]) -> set[str]:
    """Leave out caches and data files: the import graph needs only the .py files."""
    return {n for n in names if n == "__pycache__" or n.endswith((".gz", ".png", ".js", ".css"))}
