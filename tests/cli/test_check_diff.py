"""`hotgate check-diff` on real git repositories: each lane rule, exit codes and CI output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from gitrepos import Repo, shop
from hotgate.cli import app
from hotgate.policy.definition.schema import default_policy_text

runner = CliRunner()
Edit = Callable[[Repo], None]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A shop site on branch `change`, as the working folder, outside GitHub Actions."""
    made = shop(tmp_path / "shop")
    monkeypatch.chdir(made.root)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return made


def check(*args: str) -> tuple[int, str, str]:
    """Run check-diff; returns exit code, standard output and standard error."""
    result = runner.invoke(app, ["check-diff", *args])
    return result.exit_code, result.stdout, result.stderr


def _write(path: str, content: str | bytes) -> Edit:
    return lambda repo: repo.write(path, content)


def _chmod(path: str) -> Edit:
    return lambda repo: (repo.root / path).chmod(0o755)


def _git(*args: str) -> Edit:
    return lambda repo: (repo.root / "site/checkout").mkdir(exist_ok=True) or repo.git(*args)


def _many(count: int, folder: str, suffix: str = ".md") -> Edit:
    def edit(repo: Repo) -> None:
        for i in range(count):
            repo.write(f"{folder}/f{i}{suffix}", f"line {i}\n")

    return edit


def _lines(path: str, count: int) -> Edit:
    return lambda repo: repo.write(path, "".join(f"x{i} = {i}\n" for i in range(count)))


def _with_test(edit: Edit) -> Edit:
    def both(repo: Repo) -> None:
        edit(repo)
        repo.write("tests/test_prices.py", "def test_price():\n    assert 1 == 1\n")

    return both


CONTENT_CASES = [
    ("banner text", _write("content/banners/autumn.md", "Winter sale\n"), 0, None),
    ("new image", _write("static/images/winter.webp", b"RIFF\x00\x00WEBP"), 0, None),
    ("stock level", _write("data/stock/alpine-boot.csv", "size,stock\n38,0\n"), 0, None),
    ("template file", _write("templates/promo-banner/banner.liquid", "{{ text }}\n"), 0, None),
    ("binary in content", _write("content/banners/data.bin", b"\x00\x01\x02"), 0, None),
    (
        "a page that is no content",
        _write("site/pages/home.html", "<main>x</main>\n"),
        1,
        "site/pages/home.html: is neither content",
    ),
    (
        "checkout page",
        _write("site/checkout/summary.html", "<p>Sum</p>\n"),
        1,
        "site/checkout/summary.html: is in the protected area 'checkout'",
    ),
    (
        "new script file",
        _write("content/banners/pixel.js", "track();\n"),
        1,
        "content/banners/pixel.js: is code (javascript)",
    ),
    (
        "content made executable",
        _chmod("content/banners/autumn.md"),
        1,
        "content/banners/autumn.md: is made executable",
    ),
    (
        "script made executable",
        _chmod("scripts/deploy.sh"),
        1,
        "scripts/deploy.sh: is made executable",
    ),
    (
        "rename into checkout",
        _git("mv", "content/banners/autumn.md", "site/checkout/promo.md"),
        1,
        "site/checkout/promo.md: is in the protected area 'checkout'",
    ),
    (
        "deleted script",
        _git("rm", "-q", "src/shop/prices.py"),
        1,
        "src/shop/prices.py: is code (python)",
    ),
    (
        "too many files",
        _many(11, "content/banners"),
        1,
        "changes 11 files; the content lane takes at most 10",
    ),
    ("as many files as allowed", _many(10, "content/banners"), 0, None),
]


@pytest.mark.parametrize(
    ("name", "edit", "code", "reason"), CONTENT_CASES, ids=[case[0] for case in CONTENT_CASES]
)
def test_content_lane(repo: Repo, name: str, edit: Edit, code: int, reason: str | None) -> None:
    edit(repo)
    repo.commit(name)
    exit_code, stdout, _ = check("--lane", "content", "--base", "main")
    assert exit_code == code, stdout
    if reason:
        assert f"✘ {reason}" in stdout
        assert "REFUSED" in stdout
    else:
        assert "ALLOWED" in stdout


FIX_CASES = [
    (
        "fix with test",
        _with_test(_write("src/shop/prices.py", "def price(p):\n    return p\n\n")),
        0,
        None,
    ),
    (
        "fix without test",
        _write("src/shop/prices.py", "def price(p):\n    return p + 0\n"),
        1,
        "no test was added or changed",
    ),
    (
        "lock file",
        _with_test(_write("package-lock.json", "{}\n")),
        1,
        "package-lock.json: is a lock file",
    ),
    (
        "vendored",
        _with_test(_write("vendor/lib/x.py", "x = 1\n")),
        1,
        "vendor/lib/x.py: is vendored",
    ),
    ("generated", _with_test(_write("dist/app.min.js", "x\n")), 1, "dist/app.min.js: is generated"),
    (
        "too many lines",
        _with_test(_lines("src/shop/big.py", 400)),
        1,
        "changes 402 lines; the fix lane takes at most 400",
    ),
    ("as many lines as allowed", _with_test(_lines("src/shop/big.py", 398)), 0, None),
    (
        "too many files",
        _with_test(_many(20, "src/shop", ".py")),
        1,
        "changes 21 files; the fix lane takes at most 20",
    ),
    (
        "deleting a test is no test",
        _git("rm", "-q", "tests/test_prices.py"),
        1,
        "no test was added or changed",
    ),
]


@pytest.mark.parametrize(
    ("name", "edit", "code", "reason"), FIX_CASES, ids=[case[0] for case in FIX_CASES]
)
def test_fix_lane(repo: Repo, name: str, edit: Edit, code: int, reason: str | None) -> None:
    edit(repo)
    repo.commit(name)
    exit_code, stdout, _ = check("--lane", "fix", "--base", "main")
    assert exit_code == code, stdout
    if reason:
        assert reason in stdout
    else:
        assert "ALLOWED" in stdout
        assert "tests: tests/test_prices.py" in stdout


def test_the_policy_can_let_lock_files_through(repo: Repo, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        default_policy_text().replace("  allow: []", "  allow: ['package-lock.json']")
    )
    _with_test(_write("package-lock.json", "{}\n"))(repo)
    repo.commit()
    assert check("--lane", "fix", "--base", "main")[0] == 1
    assert check("--lane", "fix", "--base", "main", "--policy", str(policy))[0] == 0


def test_every_reason_is_listed_and_annotated_for_github(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("site/checkout/summary.html", "<p>Sum</p>\n")
    repo.write("content/banners/pixel.js", "track();\n")
    repo.commit()
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    summary = repo.root.parent / "step-summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    exit_code, stdout, _ = check("--lane", "content", "--base", "main")
    assert exit_code == 1
    assert summary.read_text().splitlines()[:3] == [
        "earlier step",
        "### hotgate: content lane — refused",
        "",
    ]
    assert "| `site/checkout/summary.html` | is in the protected area 'checkout'" in (
        summary.read_text()
    )
    annotations = [line for line in stdout.splitlines() if line.startswith("::error")]
    assert annotations == [
        "::error file=content/banners/pixel.js::hotgate content lane: is code (javascript); "
        "scripts and code never count as content",
        "::error file=site/checkout/summary.html::hotgate content lane: is in the protected area "
        "'checkout'; it never goes through the content lane",
        "::error file=site/checkout/summary.html::hotgate content lane: is neither content "
        "(text, data, images) nor a file of an approved template",
    ]


def test_no_annotations_outside_github(repo: Repo) -> None:
    repo.write("content/banners/pixel.js", "track();\n")
    repo.commit()
    assert "::error" not in check("--lane", "content", "--base", "main")[1]


def test_json_output(repo: Repo) -> None:
    repo.write("src/shop/prices.py", "def price(p):\n    return p + 1\n")
    repo.commit()
    exit_code, stdout, _ = check("--lane", "fix", "--base", "main", "--format", "json")
    body = orjson.loads(stdout)
    assert exit_code == 1
    assert body["allowed"] is False
    assert (body["lane"], body["files"], body["lines"]) == ("fix", 1, 2)
    assert body["refusals"][0]["path"] is None


def test_head_can_be_named(repo: Repo) -> None:
    repo.write("content/banners/pixel.js", "track();\n")
    repo.commit()
    repo.git("checkout", "-q", "main")
    assert check("--lane", "content", "--base", "main", "--head", "change")[0] == 1
    assert check("--lane", "content", "--base", "main")[0] == 0


def test_a_patch_file_is_checked_like_the_branch(repo: Repo, tmp_path: Path) -> None:
    repo.write("content/banners/pixel.js", "track();\n")
    repo.commit()
    patch = tmp_path / "change.patch"
    patch.write_text(repo.git("diff", "main...HEAD"))
    from_git = check("--lane", "content", "--base", "main")
    from_patch = check("--lane", "content", "--patch", str(patch))
    assert from_patch == from_git


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patch", "{bad}"], "bad.patch: not a readable patch: Hunk is shorter than expected"),
        (["--patch", "{letter}"], "letter.txt: holds no diff"),
        (["--patch", "{missing}"], "missing.patch: no such patch file"),
        (["--base", "no-such-branch"], "git diff no-such-branch...HEAD:"),
        (["--base", "main", "--patch", "{bad}"], "give either --patch or --base, not both"),
        ([], "say what to check: --base REV"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(
    repo: Repo, tmp_path: Path, args: list[str], message: str
) -> None:
    bad = tmp_path / "bad.patch"
    bad.write_text("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n")
    letter = tmp_path / "letter.txt"
    letter.write_text("Please ship the banner today.\n")
    names = {"bad": str(bad), "letter": str(letter), "missing": str(tmp_path / "missing.patch")}
    exit_code, stdout, stderr = check("--lane", "fix", *[a.format(**names) for a in args])
    assert exit_code == 2
    assert message in " ".join(stderr.split())
    assert stderr.startswith("hotgate: ")
    assert stdout == ""


def test_issue_goes_with_the_fix_lane(repo: Repo) -> None:
    exit_code, _, stderr = check("--lane", "content", "--base", "main", "--issue", "jira:SHOP-1")
    assert exit_code == 2
    assert "--issue goes with --lane fix" in stderr


def test_a_long_path_is_never_wrapped(repo: Repo) -> None:
    path = "content/" + "/".join(["a-rather-long-folder-name"] * 8) + "/pixel.js"
    repo.write(path, "track();\n")
    repo.commit()
    exit_code, stdout, _ = check("--lane", "content", "--base", "main")
    assert exit_code == 1
    assert f"  ✘ {path}: is code (javascript); scripts and code never count as content" in (
        stdout.splitlines()
    )
