"""Conformance over the real tracker samples: every issue record of every file becomes an Issue."""

from __future__ import annotations

from collections import Counter

import pytest

from builders import SHARED_DATA
from hotgate.model import Issue
from hotgate.sources.base import Skipped
from hotgate.sources.reader import read_issues

TRACKERS = SHARED_DATA / "trackers"

pytestmark = pytest.mark.realdata

# file -> (issues, ignored pull requests or unexported bugs)
ISSUE_FILES = {
    "jira/hadoop_jira_export.csv": (2503, 0),
    "bugzilla/seamonkey_bugs.csv": (1076, 0),
    "github/webcompat_web-bugs_issues.jsonl": (100, 0),
    "github/github_issue_1.json": (0, 1),
    "github/github_issue_2.json": (1, 0),
    "github/github_request.json": (0, 1),
    "github/github_request_from_2016_03_01.json": (0, 1),
    "gitlab/issue_1.json": (1, 0),
    "gitlab/issue_2.json": (1, 0),
    "gitlab/issue_3.json": (1, 0),
    "gitlab/issue_4.json": (1, 0),
    "gitlab/issue_page_1.json": (2, 0),
    "gitlab/issue_page_2.json": (2, 0),
    "jira/jira_issues_page_1.json": (2, 0),
    "jira/jira_issues_page_2.json": (1, 0),
    "jira/jira_issues_page_empty.json": (0, 0),
    "bugzilla/bugzilla_rest_bugs.json": (2, 0),
    "bugzilla/bugzilla_rest_bugs_next.json": (1, 0),
    "bugzilla/bugzilla_buglist.csv": (5, 0),
    "bugzilla/bugzilla_buglist_next.csv": (2, 0),
    "bugzilla/bugzilla_bugs_details.xml": (5, 0),
    "bugzilla/bugzilla_bugs_invalid_chars.xml": (1, 0),
}
# Answers that are not issues (comments, history, rate limits, fields): refused record by record.
OTHER_FILES = {
    "github/abuse_rate_limit.json": 1,
    "github/rate_limit.json": 1,
    "github/github_issue_2_reactions.json": 2,
    "github/github_issue_comments_1.json": 1,
    "github/github_issue_comments_2.json": 1,
    "gitlab/emoji.json": 2,
    "gitlab/notes_1.json": 2,
    "gitlab/notes_2.json": 1,
    "gitlab/project.json": 1,
    "jira/jira_comments_issue_page_1.json": 1,
    "jira/jira_comments_issue_page_2.json": 1,
    "jira/jira_fields.json": 44,
    "bugzilla/bugzilla_rest_bugs_comments.json": 1,
    "bugzilla/bugzilla_rest_bugs_history.json": 2,
    "bugzilla/bugzilla_rest_bugs_attachments.json": 1,
    "bugzilla/bugzilla_rest_error.json": 1,
}


def test_every_sample_file_is_listed() -> None:
    on_disk = {str(p.relative_to(TRACKERS)) for p in TRACKERS.glob("*/*") if p.is_file()}
    assert on_disk == set(ISSUE_FILES) | set(OTHER_FILES)


@pytest.mark.parametrize(("name", "counts"), sorted(ISSUE_FILES.items()))
def test_every_issue_record_becomes_an_issue(name: str, counts: tuple[int, int]) -> None:
    items = list(read_issues(str(TRACKERS / name)))
    kinds = Counter(type(i).__name__ for i in items)
    assert (kinds["Issue"], kinds["Ignored"], kinds["Skipped"]) == (*counts, 0)
    keys = [i.key for i in items if isinstance(i, Issue)]
    assert len(set(keys)) == len(keys)
    assert all(i.title for i in items if isinstance(i, Issue))


@pytest.mark.parametrize(("name", "records"), sorted(OTHER_FILES.items()))
def test_answers_that_are_not_issues_are_refused(name: str, records: int) -> None:
    items = list(read_issues(str(TRACKERS / name)))
    assert len(items) == records
    assert all(isinstance(i, Skipped) for i in items)


@pytest.mark.parametrize(
    ("name", "scale", "expected"),
    [
        (
            "jira/hadoop_jira_export.csv",
            "priority_raw",
            {"Major": 1738, "Minor": 539, "Critical": 86, "Blocker": 76, "Trivial": 64},
        ),
        (
            "bugzilla/seamonkey_bugs.csv",
            "priority_raw",
            {None: 961, "P3": 62, "P5": 36, "P4": 9, "P1": 5, "P2": 3},
        ),
    ],
)
def test_scales_of_the_exports(name: str, scale: str, expected: dict[str | None, int]) -> None:
    issues = [i for i in read_issues(str(TRACKERS / name)) if isinstance(i, Issue)]
    assert Counter(getattr(i, scale) for i in issues) == expected


def test_jira_issue_with_empty_summary_is_kept() -> None:
    items = list(read_issues(str(TRACKERS / "jira/jira_issues_page_1.json")))
    empty = next(i for i in items if isinstance(i, Issue) and i.key.endswith("HELP-6042"))
    assert empty.title == "(no summary)"


def test_invalid_characters_are_dropped_not_fatal() -> None:
    [bug] = list(read_issues(str(TRACKERS / "bugzilla/bugzilla_bugs_invalid_chars.xml")))
    assert isinstance(bug, Issue)
    assert bug.key == "bugzilla:example.com#25299"
    assert "\x00" not in bug.body
    assert bug.comment_count == 10


def test_hadoop_dates_are_read() -> None:
    first = next(iter(read_issues(str(TRACKERS / "jira/hadoop_jira_export.csv"))))
    assert isinstance(first, Issue)
    assert first.created is not None
    assert (first.created.year, first.created.month, first.created.day) == (2021, 9, 30)
