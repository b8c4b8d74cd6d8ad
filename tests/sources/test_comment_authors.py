"""Comments keep who wrote them: maintainer, reporter or other, in every source that has them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from builders import SHARED_DATA
from hotgate.api.webhooks import github_record, gitlab_issue, gitlab_note
from hotgate.model import Issue
from hotgate.sources.base import Origin, Skipped, format_named
from hotgate.sources.github_api import GitHubConnector, GitHubSettings
from hotgate.sources.gitlab_api import GitLabConnector, GitLabSettings
from hotgate.sources.reader import read_issues, read_record

from .replay import Replay

FIXTURES = Path(__file__).parent / "fixtures"
Start = Callable[[str], Replay]


def _roles(issue: Issue) -> list[tuple[str | None, str]]:
    return [(c.author, c.role) for c in issue.comments]


def _one(name: str) -> Issue:
    items = [i for i in read_issues(str(FIXTURES / name)) if isinstance(i, Issue)]
    return items[0]


@pytest.mark.parametrize(
    ("name", "roles"),
    [
        # REST comments_data: MEMBER/OWNER/COLLABORATOR are maintainers, so is the assignee
        (
            "github_comments.json",
            [("ana", "reporter"), ("ben", "maintainer"), ("owner-olga", "maintainer")],
        ),
        (
            "gh_issue_list.json",
            [("ana", "reporter"), ("lead", "maintainer"), ("passer-by", "other")],
        ),
        # GitLab: system notes left out; the assignee is a maintainer, the author the reporter
        ("gitlab_notes.json", [("ana", "reporter"), ("ben", "maintainer"), ("dan", "other")]),
        ("jira_comments.json", [("ana", "reporter"), ("ben", "maintainer"), ("carl", "other")]),
        ("jira_components.csv", [("ana", "reporter"), ("ben", "maintainer")]),
        # Bugzilla: comment 0 is the description; creator reporter, assignee maintainer
        (
            "bugzilla_authors.json",
            [
                ("ana@example.org", "reporter"),
                ("ben@example.org", "maintainer"),
                ("someone@example.org", "other"),
            ],
        ),
    ],
)
def test_every_file_format_reads_comment_authors(name: str, roles: list[tuple[str, str]]) -> None:
    assert _roles(_one(name)) == roles


def test_bugzilla_description_stays_the_first_comment() -> None:
    bug = _one("bugzilla_authors.json")
    assert bug.body == "Opening any PDF crashes the reader."
    assert bug.comments[0].text == "Crash report attached."
    assert bug.comments[1].created is not None


def test_bugzilla_xml_comments_carry_their_author(tmp_path: Path) -> None:
    path = tmp_path / "bug.xml"
    comment = (
        "<long_desc><who>{who}@example.org</who><bug_when>2024-01-0{day} 10:00:00 +0000</bug_when>"
        "<thetext>{text}</thetext></long_desc>"
    )
    comments = "".join(
        comment.format(who=who, day=day, text=text)
        for day, (who, text) in enumerate(
            [("ana", "It crashes."), ("ben", "Mine."), ("ana", "Thanks.")], start=1
        )
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><bugzilla urlbase="https://bz.example.org/">'
        "<bug><bug_id>7</bug_id><short_desc>Crash</short_desc><product>P</product>"
        '<reporter name="Ana">ana@example.org</reporter>'
        '<assigned_to name="Ben">ben@example.org</assigned_to>'
        f"{comments}</bug></bugzilla>"
    )
    (bug,) = list(read_issues(str(path)))
    assert isinstance(bug, Issue)
    assert bug.body == "It crashes."
    assert _roles(bug) == [("ben@example.org", "maintainer"), ("ana@example.org", "reporter")]


def test_jira_csv_keeps_every_component() -> None:
    assert _one("jira_components.csv").component == "Checkout, Cart, Search"
    assert _one("jira_comments.json").component == "Payments, Ledger"


def test_github_connector_fetches_comments_with_roles(replay: Start, sleeps: list[float]) -> None:
    server = replay("github_one")
    settings = GitHubSettings(url=server.base, token=SecretStr("t"), attempts=1)
    connector = GitHubConnector(GitHubConnector.parse("acme/shop"), settings, sleep=sleeps.append)
    issue = connector.fetch("41")
    assert isinstance(issue, Issue)
    assert _roles(issue) == [
        ("ana", "reporter"),
        ("maria-dev", "maintainer"),
        ("passer-by", "other"),
    ]
    assert server.unused() == []


def test_gitlab_connector_fetches_notes_with_roles(replay: Start, sleeps: list[float]) -> None:
    server = replay("gitlab_paging")
    settings = GitLabSettings(url=server.base, token=SecretStr("t"), page_size=2)
    connector = GitLabConnector(
        GitLabConnector.parse("fdroid/fdroiddata"), settings, sleep=sleeps.append
    )
    list(connector.pull("2016-01-01T00:00:00Z"))
    issue = connector.fetch("1")
    assert isinstance(issue, Issue)
    # the recorded notes: a system note (left out) and one by the issue's author, who is
    # also its assignee: an assignee is a maintainer, whoever filed the issue
    assert _roles(issue) == [("redfish64", "maintainer")]
    assert server.unused() == []


def test_github_issue_comment_webhook_reads_the_comment_and_its_association() -> None:
    payload = {
        "action": "created",
        "issue": {
            "number": 31,
            "title": "Checkout fails",
            "body": "",
            "user": {"login": "ana"},
            "html_url": "https://github.com/acme/shop/issues/31",
            "node_id": "I_1",
            "comments": 1,
        },
        "comment": {
            "id": 5,
            "body": "Confirmed for every customer.",
            "user": {"login": "lead"},
            "author_association": "OWNER",
            "created_at": "2024-05-01T10:00:00Z",
        },
    }
    issue = format_named("github").to_issue(github_record(payload), Origin(project="acme/shop"))
    assert isinstance(issue, Issue)
    assert _roles(issue) == [("lead", "maintainer")]


def test_gitlab_note_hook_reads_the_note_and_its_author() -> None:
    payload = {
        "object_kind": "note",
        "user": {"id": 2, "username": "ben"},
        "project": {"id": 9, "path_with_namespace": "acme/web"},
        "object_attributes": {
            "id": 77,
            "note": "Confirmed.",
            "body": "Confirmed.",
            "noteable_type": "Issue",
            "created_at": "2024-05-01 10:00:00 UTC",
            "system": False,
        },
        "issue": {
            "id": 500,
            "iid": 5,
            "project_id": 9,
            "title": "Search is empty",
            "description": "",
            "author_id": 1,
            "assignee_ids": [2],
            "state": "opened",
            "created_at": "2024-05-01 09:00:00 UTC",
            "updated_at": "2024-05-01 10:00:00 UTC",
        },
    }
    issue = gitlab_issue(gitlab_note(payload))
    assert isinstance(issue, Issue)
    assert issue.key == "gitlab:acme/web#5"
    assert _roles(issue) == [("ben", "maintainer")]
    assert issue.comments[0].text == "Confirmed."


def test_gitlab_notes_are_read_as_a_project_export_holds_them() -> None:
    """`notes` with each note's text in `note` (a GitLab project export) reads as `notes_data`
    with `body` does; such comments were once dropped without a word."""
    issue = {
        "id": 501,
        "iid": 6,
        "project_id": 9,
        "title": "Exports are empty",
        "description": "Every CSV export is empty since 3.2.",
        "web_url": "https://gitlab.example.org/acme/web/-/issues/6",
        "author": {"username": "ann"},
        "assignees": [{"username": "ben"}],
    }
    note = {"author": {"username": "ben"}, "system": False, "created_at": "2024-05-01T10:00:00Z"}
    rest = format_named("gitlab").to_issue(
        {**issue, "notes_data": [{**note, "body": "Confirmed for every project."}]}, Origin()
    )
    export = format_named("gitlab").to_issue(
        {**issue, "notes": [{**note, "note": "Confirmed for every project."}]}, Origin()
    )
    assert isinstance(rest, Issue) and isinstance(export, Issue)
    assert export.comments == rest.comments
    assert _roles(export) == [("ben", "maintainer")]


@pytest.mark.parametrize("field", ["body", "note"])
def test_a_gitlab_note_that_is_not_text_is_named_by_its_own_field(field: str) -> None:
    record = {
        "id": 1,
        "iid": 6,
        "project_id": 9,
        "title": "Exports are empty",
        "notes": [{field: {"text": "Confirmed."}, "author": {"username": "ben"}}],
    }
    skipped = read_record(record, "record 1", Origin())
    assert isinstance(skipped, Skipped)
    assert skipped.reason == f"field 'notes.{field}': expected text, got an object"


@pytest.mark.realdata
def test_real_gitlab_notes_and_bugzilla_comments_keep_authors() -> None:
    import orjson

    data = SHARED_DATA / "trackers"
    issue = orjson.loads((data / "gitlab/issue_1.json").read_bytes())
    notes = orjson.loads((data / "gitlab/notes_1.json").read_bytes())
    read = format_named("gitlab").to_issue({**issue, "notes_data": notes}, Origin())
    assert isinstance(read, Issue)
    # the system note is left out; the author assigned to himself counts as a maintainer
    assert _roles(read) == [("redfish64", "maintainer")]
    bugs = orjson.loads((data / "bugzilla/bugzilla_rest_bugs.json").read_bytes())["bugs"]
    comments = orjson.loads((data / "bugzilla/bugzilla_rest_bugs_comments.json").read_bytes())
    bug = bugs[0]
    found = comments["bugs"][str(bug["id"])]["comments"]
    read = format_named("bugzilla").to_issue({**bug, "comments": found}, Origin())
    assert isinstance(read, Issue)
    assert read.comments and all(c.author for c in read.comments)
    assert {c.role for c in read.comments} <= {"maintainer", "reporter", "other"}


@pytest.mark.realdata
def test_real_jira_comments_keep_authors() -> None:
    import orjson

    data = SHARED_DATA / "trackers" / "jira"
    issue = orjson.loads((data / "jira_issues_page_1.json").read_bytes())["issues"][0]
    page = orjson.loads((data / "jira_comments_issue_page_1.json").read_bytes())
    record = {**issue, "fields": {**issue["fields"], "comment": page}}
    read = format_named("jira").to_issue(record, Origin())
    assert isinstance(read, Issue)
    assert len(read.comments) == len(page["comments"])
    assert read.comments[0].author == page["comments"][0]["author"]["name"]
    reporter = issue["fields"]["reporter"]["name"]
    assert all((c.role == "reporter") == (c.author == reporter) for c in read.comments)
