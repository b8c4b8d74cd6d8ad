"""The lane gates as pure functions over file changes: every rule, and code never content."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotgate.gate.diff import FileChange
from hotgate.gate.lanes import check_content, check_fix
from hotgate.policy.changes.facts import file_kind
from hotgate.policy.definition.lanes import ChangeLane
from hotgate.policy.definition.schema import load_policy

POLICY = load_policy()
assert POLICY.changes is not None
LANE: ChangeLane = POLICY.changes


def _file(path: str, **fields: object) -> FileChange:
    fields.setdefault("status", "modified")
    fields.setdefault("added", 1)
    return FileChange(path=path, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_file("content/banners/sale.md"), None),
        (_file("locales/de.po"), None),
        (_file("data/stock/boots.csv"), None),
        (_file("static/images/hero.webp", binary=True, added=0), None),
        (_file("media/banner.png", binary=True, added=0), None),  # an image anywhere is content
        (_file("templates/promo-banner/banner.liquid"), None),  # a file of an approved template
        (_file("content/banners/old.md", status="deleted", added=0, removed=3), None),
        (_file("templates/popup/popup.liquid"), "neither content"),
        (_file("site/pages/home.html"), "neither content"),
        (_file("theme/site.css"), "neither content"),
        (_file("content/banners/pixel.js", status="added"), "is code (javascript)"),
        (_file("content/banners/widget.ts"), "is code (ts)"),
        (_file("data/stock/sync.py", status="deleted", added=0), "is code (python)"),
        (_file("content/run", new_mode="100755", old_mode="100644", added=0), "is made executable"),
        (_file("content/checkout/thanks.md"), "protected area 'checkout'"),
        (_file("content/cart.md"), "protected area 'cart'"),
        (_file("content/payment-methods.md"), "protected area 'payment'"),
        (_file("content/account/welcome.md"), "protected area 'account'"),
        (_file("content/login-help.md"), "protected area 'sign-in'"),
        (
            _file("content/promo.md", status="renamed", old_path="content/checkout/promo.md"),
            "protected area 'checkout'",
        ),  # the old name counts too
    ],
)
def test_content_lane_file_rules(change: FileChange, reason: str | None) -> None:
    result = check_content(LANE, [change])
    if reason is None:
        assert result.allowed, result.refusals
    else:
        assert any(reason in refusal.reason for refusal in result.refusals), result.refusals
        assert all(refusal.path in change.paths for refusal in result.refusals)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ([_file("src/a.py", added=200, removed=150), _file("tests/test_a.py", added=50)], None),
        (
            [_file("src/a.py", added=351), _file("tests/test_a.py", added=50)],
            "changes 401 lines; the fix lane takes at most 400",
        ),
        (
            [_file(f"src/m{i}.py") for i in range(20)] + [_file("tests/test_m.py")],
            "changes 21 files; the fix lane takes at most 20",
        ),
        ([_file("src/a.py")], "no test was added or changed"),
        (
            [_file("src/a.py"), _file("tests/test_a.py", status="deleted", added=0)],
            "no test was added or changed",
        ),
        ([_file("src/a.go"), _file("src/a_test.go")], None),
        ([_file("web/app.js"), _file("web/app.test.js")], None),
        ([_file("web/app.js"), _file("web/__tests__/app.js")], None),
        ([_file("src/a.py"), _file("tests/test_a.py"), _file("yarn.lock")], "is a lock file"),
        ([_file("src/a.py"), _file("tests/test_a.py"), _file("api/go.sum")], "is a lock file"),
        ([_file("src/a.py"), _file("tests/test_a.py"), _file("third_party/z/z.c")], "is vendored"),
        (
            [_file("src/a.py"), _file("tests/test_a.py"), _file("web/node_modules/x/i.js")],
            "is vendored",
        ),
        ([_file("src/a.py"), _file("tests/test_a.py"), _file("static/app.min.js")], "is generated"),
        ([_file("src/a.py"), _file("tests/test_a.py"), _file("proto/a_pb2.py")], "is generated"),
    ],
)
def test_fix_lane_rules(changes: list[FileChange], reason: str | None) -> None:
    result = check_fix(POLICY.fix_lane, changes)
    if reason is None:
        assert result.allowed, result.refusals
    else:
        assert [r.reason for r in result.refusals if reason in r.reason], result.refusals


CODE_EXTENSIONS = [".js", ".mjs", ".ts", ".tsx", ".jsx", ".vue", ".py", ".php", ".rb", ".sh"]
FOLDERS = ["content", "data/stock", "templates/promo-banner", "static/images", "locales", ""]


@given(
    folder=st.sampled_from(FOLDERS),
    stem=st.from_regex(r"[a-z][a-z0-9_-]{0,12}", fullmatch=True),
    extension=st.sampled_from(CODE_EXTENSIONS),
)
def test_code_is_never_content_wherever_it_lives(folder: str, stem: str, extension: str) -> None:
    path = f"{folder}/{stem}{extension}".lstrip("/")
    assert file_kind(LANE.files, path) == "code"
    assert not check_content(LANE, [_file(path)]).allowed


@given(
    folder=st.sampled_from(FOLDERS),
    stem=st.from_regex(r"[a-z][a-z0-9_-]{0,12}", fullmatch=True),
    extension=st.sampled_from([".md", ".txt", ".csv", ".json", ".png", ".jpg", ".yaml"]),
)
def test_an_executable_file_is_code(folder: str, stem: str, extension: str) -> None:
    path = f"{folder}/{stem}{extension}".lstrip("/")
    assert file_kind(LANE.files, path, executable=True) == "code"
