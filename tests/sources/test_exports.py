"""Exports people download: GitLab's CSV, GitHub CLI JSON, and trackers read through a mapping."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hotgate.model import Issue
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import load_policy
from hotgate.service import decide_issues
from hotgate.sources.base import Ignored, Origin, Skipped, SourceError
from hotgate.sources.mapped import parse_columns
from hotgate.sources.reader import read_issues

FIXTURES = Path(__file__).parent / "fixtures"


def _issues(name: str, origin: Origin | None = None) -> list[Issue]:
    items = list(read_issues(str(FIXTURES / name), origin))
    assert not [i for i in items if isinstance(i, Skipped)]
    return [i for i in items if isinstance(i, Issue)]


def test_gitlab_csv_export_is_read_with_scoped_labels() -> None:
    first, second = _issues("gitlab_export.csv")
    assert first.key == "gitlab:shop/storefront#214"
    assert first.source == "gitlab"
    assert first.labels == ["bug", "severity::1", "priority::1"]
    assert first.versions == ["15.3"]
    assert first.status == "open"
    assert first.created == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert first.url == "https://gitlab.example.com/shop/storefront/-/issues/214"
    assert "There is no workaround." in first.body
    assert second.body == '"Abuot us" should read "About us".'
    assert second.status == "closed"


def test_gitlab_csv_scoped_labels_reach_the_severity_scale() -> None:
    decisions = decide_issues(
        _issues("gitlab_export.csv"), load_policy(None), Context(as_of=date(2024, 5, 2))
    )
    notes = [
        next(f.note for f in d.risk.cost_factors if f.name == "severity_weight") for d in decisions
    ]
    assert notes == ["severity S1", "severity S4"]  # severity::1 and severity::4


def test_gh_issue_list_reads_camel_case_fields_and_comments() -> None:
    first, second = _issues("gh_issue_list.json")
    assert first.key == "github:acme/shop#51"
    assert first.url == "https://github.com/acme/shop/issues/51"
    assert first.created == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert first.updated == datetime(2024, 5, 1, 13, tzinfo=UTC)
    assert first.reactions == 9  # 7 thumbs up and 2 eyes
    assert first.status == "open"
    assert first.versions == ["2.3.1"]
    assert first.comment_count == 3
    assert [(c.author, c.role) for c in first.comments] == [
        ("ana", "reporter"),
        ("lead", "maintainer"),
        ("passer-by", "other"),
    ]
    assert first.comments[1].text == "Confirmed for all card payments; no workaround."
    assert second.resolution == "won't fix"
    assert second.status == "closed"
    assert second.comments == []


def test_gh_issue_view_is_one_issue_with_its_comments() -> None:
    (issue,) = _issues("gh_issue_view.json")
    assert issue.key == "github:acme/shop#60"
    assert issue.reactions == 1
    assert [(c.author, c.role) for c in issue.comments] == [
        ("maria-dev", "maintainer"),
        ("ana", "reporter"),
    ]


def test_an_unknown_csv_names_its_columns_and_how_to_map_them() -> None:
    with pytest.raises(SourceError) as caught:
        list(read_issues(str(FIXTURES / "linear_export.csv")))
    message = str(caught.value)
    assert "columns: ID, Team, Title, Description" in message
    assert "--columns title=Title,body=Description,labels=Labels" in message
    assert "\n" not in message


def test_a_column_mapping_reads_an_unknown_csv() -> None:
    columns = parse_columns("tracker=linear,key=ID,title=Title,body=Description,labels=Labels")
    first, second = _issues("linear_export.csv", Origin(columns=columns))
    assert first.key == "linear:ENG-101"
    assert first.title == "Sign-in fails for every SSO user"
    assert first.labels == ["Bug", "Regression"]
    assert second.labels == ["Feature"]


def test_a_mapping_file_reads_an_unknown_csv_with_dates_and_priorities() -> None:
    columns = parse_columns(str(FIXTURES / "linear_columns.yaml"))
    first, _ = _issues("linear_export.csv", Origin(columns=columns))
    assert first.priority_raw == "Urgent"
    assert first.component == "Auth"
    assert first.created == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert first.url == "https://linear.app/acme/issue/ENG-101"


def test_a_mapping_reads_unknown_json(tmp_path: Path) -> None:
    path = tmp_path / "youtrack.json"
    path.write_text(
        '[{"idReadable": "YT-1", "summary": "Export crashes", "description": "Always.",'
        ' "tags": ["bug", "export"]}, {"idReadable": "YT-2", "summary": {"x": 1}}]'
    )
    columns = parse_columns(
        "tracker=youtrack,key=idReadable,title=summary,body=description,labels=tags"
    )
    items = list(read_issues(str(path), Origin(columns=columns)))
    assert isinstance(items[0], Issue)
    assert (items[0].key, items[0].labels) == ("youtrack:YT-1", ["bug", "export"])
    assert items[1] == Skipped(f"{path} record 2", "field 'summary': expected text, got an object")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("title", "'title' is not FIELD=COLUMN"),
        ("body=Description", "map a column to title"),
        ("title=Summary,colour=Red", "unknown field 'colour'"),
    ],
)
def test_bad_column_mappings_are_named(spec: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse_columns(spec)


def test_pull_requests_in_gh_output_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "gh.json"
    path.write_text(
        '[{"number": 3, "title": "Fix", "url": "https://github.com/a/b/pull/3",'
        ' "isPullRequest": true}]'
    )
    (item,) = list(read_issues(str(path)))
    assert isinstance(item, Ignored)
