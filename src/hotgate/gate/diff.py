"""Reading a change for the hotfix lane gate: a git diff between two revisions, or a patch file."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

Status = Literal["added", "modified", "deleted", "renamed"]
EXECUTABLE_MODE = "100755"


class DiffError(ValueError):
    """A change that cannot be read; the message names the patch or the revision."""


@dataclass(frozen=True)
class FileChange:
    """One file of a change: its path (and old path when renamed), lines, kind and modes."""

    path: str
    status: Status
    added: int = 0
    removed: int = 0
    old_path: str | None = None
    binary: bool = False
    old_mode: str | None = None
    new_mode: str | None = None

    @property
    def lines(self) -> int:
        """Lines added and removed."""
        return self.added + self.removed

    @property
    def executable(self) -> bool:
        """Whether the file is executable after the change."""
        return self.new_mode == EXECUTABLE_MODE

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path the change touches: the old one of a rename as well."""
        return (self.path, self.old_path) if self.old_path else (self.path,)


def _strip(name: str) -> str:
    return name[2:] if name[:2] in {"a/", "b/"} else name


def _modes(header: list[str]) -> tuple[str | None, str | None]:
    old = new = None
    for line in header:
        word, _, mode = line.rpartition(" ")
        if word in {"old mode", "deleted file mode"}:
            old = mode
        elif word in {"new mode", "new file mode"}:
            new = mode
        elif line.startswith("index ") and len(line.split()) == 3:
            old = new = line.split()[2]  # "index abc..def 100644": the mode did not change
    return old, new


def parse_patch(text: str, label: str) -> list[FileChange]:
    """The files of a unified diff (git's or diff -u's); a DiffError when it cannot be read."""
    try:
        patch = PatchSet(text)
    except UnidiffParseError as exc:
        raise DiffError(f"{label}: not a readable patch: {exc}") from None
    if not len(patch) and text.strip():
        raise DiffError(f"{label}: holds no diff (expected the output of 'git diff' or 'diff -u')")
    changes: list[FileChange] = []
    for patched in patch:
        header = [str(line).rstrip("\n") for line in patched.patch_info or []]
        old_mode, new_mode = _modes(header)
        if patched.is_added_file:
            status: Status = "added"
        elif patched.is_removed_file:
            status = "deleted"
        elif patched.is_rename:
            status = "renamed"
        else:
            status = "modified"
        source, target = _strip(patched.source_file), _strip(patched.target_file)
        changes.append(
            FileChange(
                path=source if status == "deleted" else target,
                status=status,
                added=patched.added,
                removed=patched.removed,
                old_path=source if status == "renamed" else None,
                binary=bool(patched.is_binary_file),
                old_mode=old_mode,
                new_mode=new_mode,
            )
        )
    return changes


def read_patch(path: Path) -> list[FileChange]:
    """The files of a patch file."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise DiffError(f"{path}: no such patch file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DiffError(f"{path}: cannot read: {exc}") from None
    return parse_patch(text, str(path))


def git_diff(base: str, head: str = "HEAD", cwd: Path | None = None) -> list[FileChange]:
    """The files changed on head since it left base (git diff base...head), renames found."""
    command = ["git", "diff", "--no-color", "--no-ext-diff", "--find-renames", f"{base}...{head}"]
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise DiffError("git is not installed or not on PATH") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = message[0] if message else f"exit code {result.returncode}"
        raise DiffError(f"git diff {base}...{head}: {reason.removeprefix('fatal: ')}")
    text = result.stdout.decode("utf-8", "replace")
    return parse_patch(text, f"git diff {base}...{head}")
