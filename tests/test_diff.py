"""Reading changes from real git repositories and from patch files."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitrepos import Repo, shop
from hotgate.gate.diff import DiffError, FileChange, git_diff, parse_patch, read_patch


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """A shop site with a branch `change` started from main."""
    return shop(tmp_path / "shop")


def _by_path(changes: list[FileChange]) -> dict[str, FileChange]:
    return {change.path: change for change in changes}


def test_every_kind_of_file_change_is_read(repo: Repo) -> None:
    repo.write("content/banners/autumn.md", "Winter sale: 30% off coats\nThis weekend only\n")
    (repo.root / "docs").mkdir()
    repo.git("mv", "notes.txt", "docs/notes.txt")
    repo.write("static/images/hero.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x02\x03")
    repo.git("rm", "-q", "src/shop/prices.py")
    (repo.root / "scripts/deploy.sh").chmod(0o755)
    repo.write("content/banners/pixel.js", "track();\n")
    repo.commit()
    changes = _by_path(git_diff("main", "HEAD", cwd=repo.root))
    assert set(changes) == {
        "content/banners/autumn.md",
        "docs/notes.txt",
        "static/images/hero.png",
        "src/shop/prices.py",
        "scripts/deploy.sh",
        "content/banners/pixel.js",
    }
    banner = changes["content/banners/autumn.md"]
    assert (banner.status, banner.added, banner.removed) == ("modified", 2, 1)
    renamed = changes["docs/notes.txt"]
    assert (renamed.status, renamed.old_path, renamed.paths) == (
        "renamed",
        "notes.txt",
        ("docs/notes.txt", "notes.txt"),
    )
    image = changes["static/images/hero.png"]
    assert image.binary
    assert image.lines == 0
    deleted = changes["src/shop/prices.py"]
    assert (deleted.status, deleted.removed) == ("deleted", 2)
    mode = changes["scripts/deploy.sh"]
    assert (mode.old_mode, mode.new_mode, mode.executable, mode.lines) == (
        "100644",
        "100755",
        True,
        0,
    )
    script = changes["content/banners/pixel.js"]
    assert (script.status, script.added, script.new_mode) == ("added", 1, "100644")


def test_only_the_branch_counts_not_what_main_did_since(repo: Repo) -> None:
    repo.write("content/banners/autumn.md", "Winter sale\n")
    repo.commit()
    repo.git("checkout", "-q", "main")
    repo.write("src/shop/prices.py", "def price(p):\n    return p * 2\n")
    repo.commit("main moves on")
    repo.git("checkout", "-q", "change")
    assert [c.path for c in git_diff("main", "change", cwd=repo.root)] == [
        "content/banners/autumn.md"
    ]


def test_no_change_is_an_empty_list(repo: Repo) -> None:
    assert git_diff("main", "HEAD", cwd=repo.root) == []


def test_an_unknown_revision_is_an_error_naming_it(repo: Repo) -> None:
    with pytest.raises(DiffError, match="no-such-branch"):
        git_diff("no-such-branch", "HEAD", cwd=repo.root)


def test_a_patch_file_reads_like_git(repo: Repo, tmp_path: Path) -> None:
    repo.write("content/banners/autumn.md", "Winter sale\n")
    repo.git("mv", "notes.txt", "notes-2025.txt")
    repo.commit()
    patch = tmp_path / "change.patch"
    patch.write_text(repo.git("diff", "-M", "main...HEAD"))
    assert read_patch(patch) == git_diff("main", "HEAD", cwd=repo.root)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n", "not a readable patch: Hunk is shorter"),
        ("Dear team, please ship this.\n", "holds no diff"),
    ],
)
def test_a_malformed_patch_is_an_error_naming_the_file(text: str, message: str) -> None:
    with pytest.raises(DiffError, match=message) as caught:
        parse_patch(text, "fix.patch")
    assert str(caught.value).startswith("fix.patch: ")


def test_a_missing_patch_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DiffError, match="no such patch file"):
        read_patch(tmp_path / "nope.patch")


def test_a_plain_diff_u_patch_is_read() -> None:
    text = "--- a/content/x.md\n+++ b/content/x.md\n@@ -1 +1,2 @@\n-a\n+b\n+c\n"
    [change] = parse_patch(text, "x.patch")
    assert (change.path, change.status, change.added, change.removed) == (
        "content/x.md",
        "modified",
        2,
        1,
    )
