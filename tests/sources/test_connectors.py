"""Live connectors against the local replay server: paging, limits, retries, errors, secrets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import SecretStr

from hotgate.model import Issue
from hotgate.sources.base import Ignored, SourceError
from hotgate.sources.bugzilla_api import BugzillaConnector, BugzillaSettings
from hotgate.sources.connector import Connector, ConnectorSettings
from hotgate.sources.github_api import GitHubConnector, GitHubSettings
from hotgate.sources.gitlab_api import GitLabConnector, GitLabSettings
from hotgate.sources.http import ConnectorError
from hotgate.sources.jira_api import JiraConnector, JiraSettings, jql_since
from hotgate.sources.live import open_connector

from .conftest import NOW
from .replay import Replay

SECRET = "ghp_not-a-real-token-0123456789"
Start = Callable[[str], Replay]


def _github(server: Replay, sleeps: list[float], project: str = "acme/shop") -> GitHubConnector:
    settings = GitHubSettings(url=server.base, token=SecretStr(SECRET), page_size=2)
    target = GitHubConnector.parse(project)
    return GitHubConnector(target, settings, sleep=sleeps.append, clock=lambda: NOW)


def test_github_pages_to_the_end_following_link_headers(replay: Start, sleeps: list[float]) -> None:
    server = replay("github_paging")
    pages = list(_github(server, sleeps).pull())
    assert [len(p.items) for p in pages] == [1, 1, 3]
    assert isinstance(pages[1].items[0], Ignored)  # a pull request
    keys = [i.key for p in pages for i in p.issues]
    assert keys == ["github:zhquan_example/repo#2", "github:acme/shop#41", "github:acme/shop#43"]
    assert [p.cursor for p in pages] == [
        "2016-05-15T15:09:29Z",
        "2016-05-15T15:09:29Z",
        "2024-05-03T11:00:00Z",
    ]
    assert server.unused() == []
    # Page 2 said the quota is spent: the request for page 3 waited for the reset first.
    assert sleeps == [45.0]
    assert server.seen[0].headers["Authorization"] == f"Bearer {SECRET}"


def test_github_since_is_sent(replay: Start, sleeps: list[float]) -> None:
    server = replay("github_since")
    [page] = list(_github(server, sleeps).pull("2024-05-02T11:00:00Z"))
    assert page.cursor == "2024-05-03T11:00:00Z"


def test_github_limits_5xx_and_truncated_json_are_waited_out(
    replay: Start, sleeps: list[float]
) -> None:
    server = replay("github_limits")
    connector = _github(server, sleeps)
    connector.http.attempts = 6
    [page] = list(connector.pull())
    assert len(page.issues) == 2
    # reset header (30s from the clock), Retry-After, secondary limit default, then backoff.
    assert sleeps == [30.0, 7.0, 60.0, 8.0, 16.0]
    assert server.unused() == []


def test_a_reset_beyond_the_cap_is_a_clear_error(replay: Start, sleeps: list[float]) -> None:
    server = replay("github_limit_too_long")
    connector = _github(server, sleeps)
    with pytest.raises(ConnectorError, match=r"resets in 3600s, longer than the 900s"):
        list(connector.pull())
    assert sleeps == []


def test_json_that_stays_truncated_gives_up(replay: Start, sleeps: list[float]) -> None:
    server = replay("github_always_truncated")
    connector = _github(server, sleeps)
    connector.http.attempts = 3
    with pytest.raises(ConnectorError, match=r"gave up after 3 tries .* not complete JSON"):
        list(connector.pull())
    assert sleeps == [1.0, 2.0]


@pytest.mark.parametrize(
    ("project", "message"),
    [
        ("acme/shop", r"token was refused \(401 Unauthorized\).*HOTGATE_GITHUB_TOKEN"),
        ("acme/secret", r"access denied \(403 Forbidden\)"),
        ("acme/gone", r"not found \(404\)"),
    ],
)
def test_errors_are_one_line_and_hold_no_secret(
    replay: Start, sleeps: list[float], project: str, message: str
) -> None:
    server = replay("github_errors")
    server.used.update(
        n for n, i in enumerate(server.interactions) if project + "/" not in i["request"]
    )
    with pytest.raises(ConnectorError, match=message) as caught:
        list(_github(server, sleeps, project).pull())
    assert SECRET not in str(caught.value)
    assert "\n" not in str(caught.value)
    assert sleeps == []


def test_settings_never_show_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTGATE_GITHUB_TOKEN", SECRET)
    settings = GitHubSettings()
    assert settings.token is not None
    assert settings.token.get_secret_value() == SECRET
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings.model_dump())


def test_github_fetches_one_issue(replay: Start, sleeps: list[float]) -> None:
    server = replay("github_one")
    item = _github(server, sleeps).fetch("41")
    assert isinstance(item, Issue)
    assert item.key == "github:acme/shop#41"


def test_gitlab_pages_with_next_page_headers(replay: Start, sleeps: list[float]) -> None:
    server = replay("gitlab_paging")
    settings = GitLabSettings(url=server.base, token=SecretStr(SECRET), page_size=2)
    connector = GitLabConnector(
        GitLabConnector.parse("fdroid/fdroiddata"), settings, sleep=sleeps.append
    )
    pages = list(connector.pull("2016-01-01T00:00:00Z"))
    assert [len(p.issues) for p in pages] == [2, 2]
    assert pages[-1].cursor == "2017-03-18T23:21:05.911Z"
    assert server.seen[0].headers["PRIVATE-TOKEN"] == SECRET
    one = connector.fetch("1")
    assert isinstance(one, Issue)
    assert one.key == "gitlab:fdroid/fdroiddata#1"
    assert server.unused() == []


def _jira(server: Replay, jql: str, flavour: str, sleeps: list[float]) -> JiraConnector:
    settings = JiraSettings(token=SecretStr(SECRET), page_size=2, flavour=flavour)  # type: ignore[arg-type]
    target = JiraConnector.parse(f"{server.base}?jql={jql}")
    return JiraConnector(target, settings, sleep=sleeps.append, clock=lambda: NOW)


def test_jira_server_pages_with_start_at(replay: Start, sleeps: list[float]) -> None:
    server = replay("jira_server")
    pages = list(_jira(server, "project = HELP", "server", sleeps).pull())
    keys = [i.key.rsplit("/", 1)[-1] for p in pages for i in p.issues]
    assert keys == ["HELP-6043", "HELP-6042", "HELP-6041"]
    assert server.unused() == []


def test_jira_server_since_adds_an_updated_clause(replay: Start, sleeps: list[float]) -> None:
    server = replay("jira_server_since")
    [page] = list(
        _jira(server, "project = HELP", "server", sleeps).pull("2016-03-03T14:30:17.000+0000")
    )
    assert len(page.issues) == 1


def test_jira_cloud_pages_with_next_page_token(replay: Start, sleeps: list[float]) -> None:
    server = replay("jira_cloud")
    pages = list(_jira(server, "project = WEB", "cloud", sleeps).pull())
    assert [len(p.issues) for p in pages] == [1, 1]
    assert sleeps == [3.0]
    assert server.unused() == []


@pytest.mark.parametrize(
    ("jql", "since", "expected"),
    [
        ("project = A ORDER BY created DESC", None, "(project = A) ORDER BY updated ASC"),
        ("", "2024-01-02T03:04:59Z", 'updated >= "2024/01/02 03:04" ORDER BY updated ASC'),
    ],
)
def test_jql_since(jql: str, since: str | None, expected: str) -> None:
    assert jql_since(jql, since) == expected


def test_bugzilla_pages_with_limit_and_offset_and_reads_comments(
    replay: Start, sleeps: list[float]
) -> None:
    server = replay("bugzilla_paging")
    settings = BugzillaSettings(token=SecretStr(SECRET), page_size=2)
    target = BugzillaConnector.parse(f"{server.base}?product=Firefox")
    pages = list(BugzillaConnector(target, settings, sleep=sleeps.append).pull())
    issues = [i for p in pages for i in p.issues]
    assert [i.key.split("#")[1] for i in issues] == ["1273442", "1273439", "947945"]
    assert issues[0].body.startswith("What code is being taken")
    assert issues[2].body == "Steps: open the page. It crashes."
    assert pages[-1].cursor == "2016-06-07T00:02:23Z"
    assert server.seen[0].headers["X-BUGZILLA-API-KEY"] == SECRET
    assert server.unused() == []


@pytest.mark.parametrize(
    ("since", "message"),
    [
        (None, r"token was refused \(401"),
        ("2016-06-07T00:00:00Z", "API key authentication is required"),
    ],
)
def test_bugzilla_errors(
    replay: Start, sleeps: list[float], since: str | None, message: str
) -> None:
    server = replay("bugzilla_error")
    server.used.add(1 if since is None else 0)
    target = BugzillaConnector.parse(f"{server.base}?product=Firefox")
    connector = BugzillaConnector(target, BugzillaSettings(page_size=2), sleep=sleeps.append)
    with pytest.raises(ConnectorError, match=message):
        list(connector.pull(since))


@pytest.mark.parametrize(
    ("spec", "cls", "project", "number"),
    [
        ("github:acme/shop", GitHubConnector, "acme/shop", None),
        ("github:acme/shop#41", GitHubConnector, "acme/shop", "41"),
        ("gitlab:group/sub/project#8", GitLabConnector, "group/sub/project", "8"),
        ("jira:https://acme.atlassian.net/browse/WEB-5", JiraConnector, "", "WEB-5"),
        ("jira:https://jira.example.org?jql=project%20%3D%20A", JiraConnector, "", None),
        ("bugzilla:https://bugzilla.mozilla.org?product=SeaMonkey", BugzillaConnector, "", None),
        (
            "bugzilla:https://bugzilla.mozilla.org/show_bug.cgi?id=1606681",
            BugzillaConnector,
            "",
            "1606681",
        ),
        ("bugzilla:https://bugs.example.org#12", BugzillaConnector, "", "12"),
    ],
)
def test_sources_on_the_command_line(
    spec: str, cls: type[Connector], project: str, number: str | None
) -> None:
    connector, target = open_connector(spec, ConnectorSettings())
    assert type(connector) is cls
    assert (target.project, target.number) == (project, number)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("github:not-a-repo", "expected github:OWNER/REPO"),
        ("jira:jira.example.org", "expected jira:https://SITE"),
        ("jira:https://jira.example.org#nope", "not an issue key"),
        ("bugzilla:https://bugs.example.org#abc", "not a bug number"),
        ("trac:https://x", "unknown tracker 'trac'"),
    ],
)
def test_bad_sources_are_named(spec: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        open_connector(spec)


def test_jira_and_bugzilla_fetch_one_issue(replay: Start, sleeps: list[float]) -> None:
    server = replay("one_issue_each")
    jira = JiraConnector(
        JiraConnector.parse(f"{server.base}/browse/HELP-6041"),
        JiraSettings(flavour="server", attempts=1),
    )
    assert jira.target.number == "HELP-6041"
    issue = jira.fetch("HELP-6041")
    assert isinstance(issue, Issue)
    assert issue.key.endswith("/HELP-6041")
    bugzilla = BugzillaConnector(
        BugzillaConnector.parse(f"{server.base}#947945"), BugzillaSettings(attempts=1)
    )
    bug = bugzilla.fetch("947945")
    assert isinstance(bug, Issue)
    assert (bug.body, [c.text for c in bug.comments]) == (
        "First comment is the description.",
        ["A second one."],
    )
    with pytest.raises(ConnectorError, match=r"not found \(404\)"):
        bugzilla.fetch("1")
    assert server.unused() == []


def test_write_back_requests_of_each_tracker(replay: Start) -> None:
    server = replay("writeback_each")
    gitlab = GitLabConnector(GitLabConnector.parse("grp/proj"), GitLabSettings(url=server.base))
    jira = JiraConnector(JiraConnector.parse(server.base), JiraSettings(flavour="server"))
    bugzilla = BugzillaConnector(BugzillaConnector.parse(server.base), BugzillaSettings())
    for connector, number in ((gitlab, "8"), (jira, "SHOP-1"), (bugzilla, "12")):
        connector.post_comment(number, "hotgate decision: hotfix")
        connector.add_label(number, "hotfix-candidate")
    assert [s.body for s in server.seen] == [
        {"body": "hotgate decision: hotfix"},
        {"add_labels": "hotfix-candidate"},
        {"body": "hotgate decision: hotfix"},
        {"update": {"labels": [{"add": "hotfix-candidate"}]}},
        {"comment": "hotgate decision: hotfix"},
        {"keywords": {"add": ["hotfix-candidate"]}},
    ]
    assert server.unused() == []


@pytest.mark.parametrize(
    ("tracker", "message"),
    [
        ("github", "github:acme/shop: page 1 holds no list of issues"),
        ("jira", "jira search: page 1 holds no list of issues"),
        ("bugzilla", "bugzilla: page 1 holds no list of issues"),
    ],
)
def test_a_page_without_a_list_is_a_clear_error(
    replay: Start, sleeps: list[float], tracker: str, message: str
) -> None:
    server = replay("no_list")
    connector: Connector
    if tracker == "github":
        connector = _github(server, sleeps)
    elif tracker == "jira":
        connector = _jira(server, "project = HELP", "server", sleeps)
    else:
        target = BugzillaConnector.parse(f"{server.base}?product=Firefox")
        connector = BugzillaConnector(target, BugzillaSettings(page_size=2, comments=False))
    with pytest.raises(SourceError, match=message):
        list(connector.pull())
