"""Real git repositories in temporary folders, for reading diffs and checking lanes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class Repo:
    """A git repository with one helper per thing a test does to it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        # an empty global configuration of our own: nothing of the machine's git settings counts
        self.config = root.parent / f".{root.name}.gitconfig"
        self.config.write_text("")
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "user.name", "Dev")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        """Run git in the repository and return its output."""
        env = {**os.environ, "GIT_CONFIG_GLOBAL": str(self.config), "GIT_CONFIG_NOSYSTEM": "1"}
        done = subprocess.run(
            ["git", *args], cwd=self.root, check=False, capture_output=True, text=True, env=env
        )
        if done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def write(self, path: str, content: str | bytes) -> None:
        """Write a file, making its folders."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, "utf-8")

    def commit(self, message: str = "change") -> str:
        """Stage everything and commit; returns the commit id."""
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def branch(self, name: str) -> None:
        """Start a branch at the current commit."""
        self.git("checkout", "-q", "-b", name)


def shop(root: Path) -> Repo:
    """A small shop site on main: content, a template, code, checkout and tests."""
    repo = Repo(root)
    repo.write("content/banners/autumn.md", "Autumn sale: 20% off knitwear\n")
    repo.write("content/products/alpine-boot.md", "A warm boot for cold days.\n")
    repo.write("data/stock/alpine-boot.csv", "size,stock\n38,4\n39,2\n")
    repo.write("static/images/hero.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x01")
    repo.write("site/checkout/summary.html", "<p>Total</p>\n")
    repo.write("site/pages/home.html", "<main></main>\n")
    repo.write("src/shop/prices.py", "def price(p):\n    return p\n")
    repo.write("tests/test_prices.py", "def test_price():\n    assert True\n")
    repo.write("notes.txt", "old notes\n")
    repo.write("scripts/deploy.sh", "echo deploy\n")
    repo.commit("site")
    repo.branch("change")
    return repo
