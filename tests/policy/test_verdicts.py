"""Table-driven cases of every criterion and rule, read from GitHub, Jira and Bugzilla records."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from builders import AS_OF, ROOT, bugzilla_bug, far_release, github_issue, jira_issue
from hotgate.model import Issue
from hotgate.policy.deciding.engine import Context, evaluate, release_on
from hotgate.policy.definition.schema import Policy
from hotgate.policy.reading.signals import issues_frame
from hotgate.service import decide_issue
from hotgate.sources.base import Origin
from hotgate.sources.reader import read_record

GH, JI, BZ = github_issue, jira_issue, bugzilla_bug


def NATIVE(**fields: Any) -> dict[str, Any]:  # noqa: N802 -- reads like the other builders
    """An issue in hotgate's own format."""
    return {"kind": "issue", "key": "ops:INC-1", "source": "hotgate", **fields}


NO_WA = " There is no workaround."
EVERYONE = " It happens for every user."

# (case id, tracker record, expected answers {criterion: answer}, expected verdict)
CASES: list[tuple[str, dict[str, Any], dict[str, str], str]] = [
    # --- significant: yes ---
    (
        "gh-crash",
        GH("App crashes when saving a draft", "Crashes every time for every user." + NO_WA),
        {"significant": "yes", "broad_reach": "yes", "no_workaround": "yes"},
        "hotfix",
    ),
    (
        "gh-hang",
        GH("Search hangs forever", "The search page hangs for all users." + NO_WA),
        {"significant": "yes", "broad_reach": "yes"},
        "hotfix",
    ),
    (
        "gh-error-valid-input",
        GH("Sign-in fails with an exception", "Valid passwords give a stack trace."),
        {"significant": "yes"},
        "needs-info",
    ),
    (
        "gh-wrong-results",
        GH("Cart shows the wrong total", "The cart total is wrong."),
        {"significant": "yes"},
        "needs-info",
    ),
    (
        "gh-build-error",
        GH("Build fails to compile on a clean checkout", "compile error in module x"),
        {"significant": "yes"},
        "needs-info",
    ),
    (
        "jira-blocker-priority",
        JI("Export button misbehaves", "It misbehaves.", priority="Blocker"),
        {"significant": "yes"},
        "needs-info",
    ),
    (
        "bz-critical-severity",
        BZ("Upload misbehaves", "Upload misbehaves.", severity="critical"),
        {"significant": "yes"},
        "needs-info",
    ),
    (
        "gh-major-function-broken",
        GH("Checkout button does nothing", "Clicking pay does nothing."),
        {"significant": "yes"},
        "needs-info",
    ),
    # --- significant: no ---
    (
        "gh-typo",
        GH("Typo on the about page", "'recieve' should be 'receive'"),
        {"significant": "no"},
        "no-hotfix",
    ),
    (
        "gh-cosmetic-label",
        GH("Logo a little off", "Looks odd.", labels=("cosmetic",)),
        {"significant": "no"},
        "no-hotfix",
    ),
    (
        "gh-enhancement-label",
        GH("Dark mode please", "Add a dark theme.", labels=("enhancement",)),
        {"significant": "no"},
        "no-hotfix",
    ),
    (
        "gh-docs",
        GH("Docs: wrong flag name in README", "", labels=("documentation",)),
        {"significant": "no"},
        "no-hotfix",
    ),
    (
        "jira-new-feature",
        JI("Pay by SEPA", "Feature request.", issuetype="New Feature"),
        {"significant": "no"},
        "no-hotfix",
    ),
    (
        "jira-trivial",
        JI("Tooltip wording", "Tooltip says 'ok'.", priority="Trivial"),
        {"significant": "no"},
        "no-hotfix",
    ),
    (
        "bz-enhancement-severity",
        BZ("Export to CSV", "It would be nice.", severity="enhancement"),
        {"significant": "no"},
        "no-hotfix",
    ),
    (
        "bz-wontfix",
        BZ("Crash on exit", "It crashes on exit.", resolution="WONTFIX"),
        {"significant": "no"},
        "no-hotfix",
    ),
    (
        "bz-minor-severity",
        BZ("Status bar flickers", "The bar flickers.", severity="minor"),
        {"significant": "no"},
        "no-hotfix",
    ),
    # --- negation and context ---
    (
        "gh-does-not-crash",
        GH("Settings page does not crash but the save label is grey", ""),
        {"significant": "unknown"},
        "no-hotfix",
    ),
    (
        "gh-no-crash-but-wrong",
        GH("Report does not crash, but shows wrong totals", ""),
        {"significant": "yes"},
        "no-hotfix",
    ),
    (
        "gh-never-loses-data",
        GH("Sync is slow", "It never loses data, it is only slow."),
        {"significant": "no"},
        "no-hotfix",
    ),
    (
        "gh-security-negated",
        GH("Not a security issue: the banner text is odd", "Looks odd."),
        {"significant": "no"},
        "no-hotfix",
    ),
    # --- broad reach ---
    (
        "gh-edge-only-when",
        GH("Crash only when the locale is Turkish", "Crashes." + NO_WA),
        {"broad_reach": "no"},
        "no-hotfix",
    ),
    (
        "gh-rarely",
        GH("Upload crashes rarely", "It rarely crashes on upload."),
        {"broad_reach": "no"},
        "no-hotfix",
    ),
    (
        "gh-telemetry-share-text",
        GH("Login crashes", "Crash affects 65% of users." + NO_WA),
        {"broad_reach": "yes"},
        "hotfix",
    ),
    (
        "gh-small-share-text",
        GH("Login crashes", "Crash affects 4% of users." + NO_WA),
        {"broad_reach": "no"},
        "no-hotfix",
    ),
    (
        "gh-share-of-something-else",
        GH(
            "Card payments hang after the bank approves them",
            "Since the 2.14 deploy every card payment hangs on the bank's page and the order "
            "is never placed. PayPal is unaffected, but only 15% of our customers pay that way.",
        ),
        {"broad_reach": "yes"},
        "hotfix",
    ),
    (
        "gh-share-of-those-just-named",
        GH(
            "Send button stays grey",
            "Since 12.1 the amount field fails on any phone set to German, French or Dutch: "
            "people can't send money at all. By our analytics that's about 85% of users.",
        ),
        {"broad_reach": "yes"},
        "hotfix",
    ),
    (
        "gh-many-reports",
        GH("Checkout error for everyone", "Error on pay." + NO_WA, reactions={"total_count": 40}),
        {"broad_reach": "yes"},
        "hotfix",
    ),
    (
        "jira-watchers-and-everyone",
        JI(
            "Payments fail for all customers",
            "Every payment fails with an error." + NO_WA,
            watches={"watchCount": 80},
        ),
        {"broad_reach": "yes"},
        "hotfix",
    ),
    (
        "bz-one-platform",
        BZ(
            "Crash on start",
            "Crashes on start only on Windows XP with a custom build.",
            severity="critical",
        ),
        {"broad_reach": "no"},
        "no-hotfix",
    ),
    (
        "bz-crash-signature-only",
        BZ(
            "Printing a PDF form with annotations takes the tab down",
            "Open the attached PDF, press Ctrl+P, and the tab goes away with the sad-tab page."
            " It happens every time for every user who prints an annotated form." + NO_WA,
            severity="S2",
            cf_crash_signature="[@ mozilla::dom::PrintTarget::EndPage ]\r\n[@ EndPage ]",
        ),
        {"significant": "yes", "broad_reach": "yes", "no_workaround": "yes"},
        "hotfix",
    ),
    (
        "bz-regressed-by-only",
        BZ(
            "Middle-click on a bookmarks toolbar folder opens nothing",
            "Middle-clicking a folder on the bookmarks toolbar should open all of its bookmarks"
            " in tabs; nothing happens.",
            severity="S3",
            regressed_by=[1929001],
        ),
        {"significant": "unknown", "broad_reach": "unknown"},
        "no-hotfix",
    ),
    (
        "gh-reach-unknown",
        GH("Invoice total is wrong", "The total is wrong."),
        {"broad_reach": "unknown"},
        "needs-info",
    ),
    # --- workaround ---
    (
        "gh-no-workaround",
        GH("Checkout crashes for all users", "Crash." + NO_WA),
        {"no_workaround": "yes"},
        "hotfix",
    ),
    (
        "gh-reasonable-workaround",
        GH(
            "Checkout crashes for all users",
            "Crash. Workaround: simply reload the page and it works.",
        ),
        {"no_workaround": "no"},
        "no-hotfix",
    ),
    (
        "gh-workaround-needs-sql",
        GH(
            "Checkout crashes for all users",
            "Crash. Workaround: run an SQL update on the orders table.",
        ),
        {"no_workaround": "yes"},
        "hotfix",
    ),
    (
        "gh-workaround-needs-admin",
        GH(
            "Sign-in fails with an error for all users",
            "Workaround: support staff can reset it in the admin console.",
        ),
        {"no_workaround": "yes"},
        "hotfix",
    ),
    (
        "gh-workaround-many-steps",
        GH(
            "Upload crashes for all users",
            "Workaround:\n1. open settings\n2. turn off previews\n3. restart\n"
            "4. clear the folder\n5. upload again",
        ),
        {"no_workaround": "yes"},
        "hotfix",
    ),
    (
        "gh-workaround-breaks-after-fix",
        GH(
            "Search crashes for all users",
            "Workaround: turn off suggestions; it must be undone after the fix ships "
            "or search breaks.",
        ),
        {"no_workaround": "yes"},
        "hotfix",
    ),
    (
        "jira-workaround-command-line",
        JI(
            "Sign-in fails for every user",
            "Error. Workaround: edit the config file on the server and restart.",
            priority="Critical",
        ),
        {"no_workaround": "yes"},
        "hotfix",
    ),
    (
        "bz-workaround-none-stated",
        BZ("Save crashes for all users", "Crash on save. Workaround: none.", severity="critical"),
        {"no_workaround": "yes"},
        "hotfix",
    ),
    (
        "gh-workaround-unknown",
        GH("Checkout crashes for all users", "Crash on pay."),
        {"no_workaround": "yes"},  # none known: a release manager reads silence as none
        "hotfix",
    ),
    # --- overrides ---
    (
        "gh-security-label-high",
        GH("Token leak in password reset", "Leaks tokens.", labels=("security", "sec-high")),
        {},
        "hotfix",
    ),
    (
        "jira-security-critical",
        JI(
            "SQL injection in search", "SQL injection lets anyone read orders.", priority="Critical"
        ),
        {},
        "hotfix",
    ),
    (
        "bz-data-loss-major",
        BZ("Sync deletes bookmarks", "Sync deletes all bookmarks, data loss.", severity="major"),
        {},
        "hotfix",
    ),
    (
        "gh-data-loss-everyone",
        GH("Drafts are lost on save", "Every user loses their work when saving."),
        {},
        "hotfix",
    ),
    (
        "gh-minor-security-no-override",
        GH(
            "Version number shown in footer",
            "Minor information exposure, security issue.",
            labels=("severity: minor",),
        ),
        {},  # a security word against a minor rating: significance stays open
        "no-hotfix",  # nothing says it reaches many: the burden of proof is not met
    ),
    (
        "gh-many-reports-not-core",
        GH(
            "Reports page errors for everyone",
            "Error on the reports page." + NO_WA,
            reactions={"total_count": 40},
        ),
        {"broad_reach": "yes"},
        "hotfix",
    ),
    # --- hotgate's own format: telemetry, severities, answers ---
    (
        "native-telemetry-majority",
        NATIVE(title="Carousel freezes", body="It freezes." + NO_WA, affected_share=0.7),
        {"broad_reach": "yes"},
        "hotfix",
    ),
    (
        "native-telemetry-minority",
        NATIVE(title="Carousel freezes", body="It freezes.", affected_share=0.1),
        {"broad_reach": "no"},
        "no-hotfix",
    ),
    (
        "native-rated-severe",
        NATIVE(title="Reports misbehave", body="The reports page misbehaves.", severity="S2"),
        {"significant": "unknown"},  # "major" alone is often a tracker's default
        "no-hotfix",
    ),
    (
        "native-nothing-works",
        NATIVE(title="App crashes on start-up", body="Crash on launch.", severity="S1"),
        {"significant": "yes", "no_workaround": "yes"},
        "hotfix",
    ),
    (
        "gh-now-and-then",
        GH("Export sometimes fails", "Sometimes the CSV export fails with an error."),
        {"broad_reach": "no"},
        "no-hotfix",
    ),
    (
        "bz-expected-against-actual",
        BZ(
            "Print preview margins",
            "Steps to reproduce:\n1. Open print preview\n\nActual results:\nThe margins are 2 cm."
            "\n\nExpected results:\nThe margins are 1 cm.",
        ),
        {"significant": "unknown"},
        "no-hotfix",
    ),
    # --- comments: a maintainer's word on reach, workarounds and intent ---
    (
        "native-maintainer-confirms-everyone",
        NATIVE(
            title="Checkout button does nothing",
            body="Clicking pay does nothing.",
            comments=[
                {"text": "Confirmed: this hits every customer right now.", "role": "maintainer"}
            ],
        ),
        {"broad_reach": "yes"},
        "hotfix",
    ),
    (
        "native-maintainer-says-rare",
        NATIVE(
            title="Export crashes",
            body="Export crashes for me.",
            comments=[{"text": "This only happens with a custom build.", "role": "maintainer"}],
        ),
        {"broad_reach": "no"},
        "no-hotfix",
    ),
    (
        "native-maintainer-gives-workaround",
        NATIVE(
            title="Search crashes when the query has an emoji",
            body="Crash.",
            comments=[
                {
                    "text": "Workaround: remove the emoji from the query and search again.",
                    "role": "maintainer",
                }
            ],
        ),
        {"no_workaround": "no"},
        "no-hotfix",
    ),
    (
        "native-maintainer-workaround-beats-reporters-none",
        NATIVE(
            title="Importer crashes on every run since 2.0.1",
            body="Every import crashes right after start. There's no workaround, please fix.",
            comments=[
                {
                    "text": "Clearing the cache under Settings > Storage fixes it for good; the "
                    "cache key bump ships in 2.1.",
                    "role": "maintainer",
                },
            ],
        ),
        {"no_workaround": "no"},
        "no-hotfix",
    ),
    (
        "native-maintainer-says-feature-request",
        NATIVE(
            title="Apple Pay not working at checkout!!",
            body="There is no Apple Pay button at checkout on my iPhone. Please fix asap.",
            priority="P1",
            comments=[
                {
                    "text": "We have never offered Apple Pay; cards and PayPal work on iPhone. "
                    "This is a feature request rather than a bug.",
                    "role": "maintainer",
                },
            ],
        ),
        {},
        "no-hotfix",
    ),
    (
        "native-maintainer-says-one-locale",
        NATIVE(
            title="Wrong prices in the mini cart",
            body="The cart popup in the header shows 1 Ft for a 1 234 Ft basket. Customers will "
            "think our prices are wrong!",
            severity="S1",
            comments=[
                {
                    "text": "Only the Hungarian locale, and only the header popup: the cart page "
                    "and checkout show the right amounts.",
                    "role": "maintainer",
                },
            ],
        ),
        {"broad_reach": "no"},
        "no-hotfix",
    ),
    (
        "native-maintainer-puts-it-in-the-regular-release",
        NATIVE(
            title="Order page shows the wrong delivery date for every order",
            body="Every order page shows a delivery date one day later than the one in the "
            "confirmation mail. Customers are confused.",
            comments=[
                {
                    "text": "Thanks. The page rounds the time zone the wrong way; the date we "
                    "ship by is right. We'll pick this up in the normal release.",
                    "role": "maintainer",
                },
            ],
        ),
        {},
        "no-hotfix",
    ),
    (
        "native-reach-only-a-possibility",
        NATIVE(
            title="Weekly report shows last week's numbers",
            body="The totals in the weekly report are wrong: they are last week's. If it's the "
            "time zone change in 5.2, every account would see this.",
        ),
        {"broad_reach": "unknown"},
        "needs-info",
    ),
    (
        "native-intended-behaviour",
        NATIVE(
            title="Option --legacy rejected",
            body="The build fails with an error: unknown option --legacy.",
            comments=[
                {"text": "The removal was deliberate; see the release notes.", "role": "maintainer"}
            ],
        ),
        {"significant": "no"},
        "no-hotfix",
    ),
    # --- regressions, reports and "everything works" ---
    (
        "gh-regression-from-release",
        GH(
            "Uploads fail since 4.2.0",
            "Uploading any file fails with an error since upgrading to 4.2.0. It worked in 4.1.3.",
        ),
        {"significant": "yes", "broad_reach": "yes"},
        "hotfix",
    ),
    (
        "gh-slower-everything-works",
        GH("List view about 5% slower than in the last release", "Everything works."),
        {"significant": "no"},
        "no-hotfix",
    ),
    (
        "gh-some-reports-wrong-numbers",
        GH(
            "Dashboard chart shows wrong numbers",
            "The totals are wrong.",
            reactions={"total_count": 8},
        ),
        {"significant": "yes", "broad_reach": "unknown"},
        "no-hotfix",  # eight reactions raise reach a little: answers could lift it, but unlikely
    ),
    (
        "bz-invalid-security",
        BZ("XSS in profile", "xss", severity="critical", resolution="INVALID"),
        {"significant": "no"},
        "no-hotfix",
    ),
]


def _decide(record: dict[str, Any], policy: Policy, context: Context) -> Any:
    issue = read_record(record, "case", Origin(host="bugs.example.org"))
    assert isinstance(issue, Issue), issue
    return decide_issue(issue, policy, context)


@pytest.mark.parametrize(
    ("record", "answers", "verdict"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_decision(
    record: dict[str, Any], answers: dict[str, str], verdict: str, policy: Policy
) -> None:
    decision = _decide(record, policy, far_release())
    got = {c.name: c.answer for c in decision.criteria}
    assert {k: got[k] for k in answers} == answers, decision.reasons
    assert decision.verdict == verdict, decision.reasons


def test_cases_cover_every_format_and_rule(policy: Policy) -> None:
    assert len(CASES) >= 40
    fired: set[str] = set()
    for _, record, _, _ in CASES:
        decision = _decide(record, policy, far_release())
        fired.update(f.rule for c in decision.criteria for f in c.evidence.factors)
        fired.add(decision.override or "")
    for _, record, audience, _, _ in AUDIENCES:
        for_them = policy.model_copy(update={"audience": audience})
        decision = _decide(record, for_them, far_release())
        fired.update(f.rule for c in decision.criteria for f in c.evidence.factors)
    expected = {r.name for c in policy.criteria.values() for r in c.rules} | {
        o.name for o in policy.overrides
    }
    assert expected - fired == set()


TIMING = [
    ("release-in-two-days", date(2026, 11, 25), "wait"),
    ("release-on-the-day", AS_OF, "wait"),
    ("release-at-window-edge", date(2026, 11, 26), "wait"),
    ("release-just-beyond", date(2026, 11, 27), "hotfix"),
    ("no-release-known", None, "hotfix"),
]


@pytest.mark.parametrize(
    ("release_day", "verdict"), [t[1:] for t in TIMING], ids=[t[0] for t in TIMING]
)
def test_timing_rule(release_day: date | None, verdict: str, policy: Policy) -> None:
    release = release_on("4.0", release_day, AS_OF) if release_day else None
    record = GH("Checkout crashes for all users", "Crash on pay." + NO_WA)
    decision = _decide(record, policy, Context(as_of=AS_OF, release=release))
    assert decision.verdict == verdict
    assert decision.release == release


def test_override_ignores_near_release(policy: Policy) -> None:
    record = GH("SQL injection in login", "sql injection", labels=("sec-critical",))
    near = Context(as_of=AS_OF, release=release_on("4.0", date(2026, 11, 24), AS_OF))
    decision = _decide(record, policy, near)
    assert decision.verdict == "hotfix"
    assert decision.override == "serious-security-hole"
    assert decision.reasons[0].startswith("Override 'serious-security-hole'")


def test_needs_info_asks_only_what_could_change_the_verdict(policy: Policy) -> None:
    decision = _decide(GH("Checkout crashes", "It crashes when I pay."), policy, far_release())
    assert decision.verdict == "needs-info"
    ask = policy.criteria["broad_reach"].ask
    assert decision.questions == [ask]
    reach = next(c for c in decision.criteria if c.name == "broad_reach")
    assert (reach.answer, reach.evidence.unknown) == ("unknown", [ask])
    assert decision.what_would_change[0].startswith(f"A person answering yes to '{ask}'")


def test_a_persons_answer_wins(policy: Policy, context: Context) -> None:
    issue = Issue(
        key="x:1",
        source="hotgate",
        title="Checkout crashes for all users",
        body="Crash on pay.",
        answers={"no_workaround": "yes"},
    )
    decision = decide_issue(issue, policy, context)
    criterion = next(c for c in decision.criteria if c.name == "no_workaround")
    assert criterion.answer == "yes"
    assert criterion.evidence.signals[0].source == "answer"
    assert decision.verdict == "hotfix"


def test_evidence_keeps_the_excerpt(policy: Policy, context: Context) -> None:
    decision = _decide(
        GH("Export", "After the update the app crashes when exporting."), policy, context
    )
    significant = decision.criteria[0]
    assert significant.evidence.rule == "crash-or-hang"
    crash = significant.evidence.signals[0]
    assert (crash.name, crash.source) == ("crash", "text")
    assert "crashes when exporting" in crash.excerpt


def test_min_cost_ratio_makes_a_cheap_hotfix_wait(policy: Policy, context: Context) -> None:
    strict = policy.model_copy(
        update={"timing": policy.timing.model_copy(update={"min_cost_ratio": 100.0})}
    )
    record = GH("Checkout crashes for all users", "Crash." + NO_WA)
    decision = _decide(record, strict, context)
    assert decision.verdict == "wait"
    assert any("cost of waiting" in reason for reason in decision.reasons)


def test_risk_numbers_show_their_factors(policy: Policy, context: Context) -> None:
    issue = Issue(
        key="x:2",
        source="hotgate",
        title="Checkout crashes for all users",
        body="Crash.",
        severity="S1",
        affected_share=0.5,
        fix_lines=200,
        fix_has_tests=False,
    )
    risk = decide_issue(issue, policy, context).risk
    assert risk.cost_of_waiting == pytest.approx(0.5 * 4 * 14)
    assert risk.risk_of_hotfix == pytest.approx((1 + 200 / 100) * 2.0 * 1.5)
    assert [f.name for f in risk.cost_factors] == [
        "reach",
        "severity_weight",
        "days_until_fix_ships",
        "regression_factor",
    ]
    # A policy changed after another was used decides with its own settings.
    settings = policy.risk.model_copy(update={"lines_per_unit": 50})
    halved = decide_issue(issue, policy.model_copy(update={"risk": settings}), context).risk
    assert halved.risk_of_hotfix == pytest.approx((1 + 200 / 50) * 2.0 * 1.5)


def test_one_subject_and_a_batch_agree(policy: Policy, context: Context) -> None:
    from hotgate.policy.deciding.engine import decide

    issues = [read_record(c[1], c[0], Origin()) for c in CASES]
    batch = list(decide(policy, [i for i in issues if isinstance(i, Issue)], context))
    single = [decide_issue(i, policy, context) for i in issues if isinstance(i, Issue)]
    assert [d.verdict for d in batch] == [d.verdict for d in single]
    assert [d.model_dump() for d in batch] == [d.model_dump() for d in single]


def test_every_rule_column_agrees_with_its_condition_read_in_python(
    policy: Policy, context: Context
) -> None:
    # The evidence is chosen in Python (condition.held); it must see what the columns saw.
    from hotgate.policy.deciding.engine import evaluate
    from hotgate.policy.definition.condition import holds
    from hotgate.policy.reading.signals import issues_frame
    from hotgate.sources.reader import read_issues

    issues = [read_record(c[1], c[0], Origin()) for c in CASES]
    issues += list(read_issues(str(ROOT / "examples" / "backlog")))
    frame = evaluate(policy, issues_frame(i for i in issues if isinstance(i, Issue)), context)
    places = [p for p in policy.conditions if p.startswith(("criteria.", "overrides["))]
    checked = 0
    for row in frame.iter_rows(named=True):
        for place in places:
            assert holds(policy.conditions[place], row) == row[place], (row["key"], place)
            checked += 1
    assert checked >= 60 * len(places)


def test_evidence_shows_only_the_side_of_a_rule_that_held(policy: Policy, context: Context) -> None:
    # major-function-broken: `major_function_broken or (broken and severity <= 2)`; the right
    # side is false here, so the tracker's severity S3 is no evidence for it.
    record = GH("Checkout does not work", "Checkout does not work for anyone." + NO_WA, ("s3",))
    significant = _decide(record, policy, context).criteria[0]
    assert significant.evidence.rule == "major-function-broken"
    shown = [signal.name for signal in significant.evidence.signals]
    assert shown == ["broken", "core_function:checkout"]


COMPILER_REGRESSION = GH(
    "Internal compiler error since 1.72",
    "Compiling our crate panics with an internal compiler error since 1.72; 1.71 works.",
)
PINNED = GH(
    "Internal compiler error since 1.72",
    "Compiling panics with an internal compiler error since 1.72. "
    "Workaround: pin the toolchain to 1.71 with `--toolchain 1.71`.",
)


AUDIENCES = [
    ("pin-for-end-users", PINNED, "end-users", "yes", "workaround-not-reasonable"),
    ("pin-for-developers", PINNED, "developers", "no", "reasonable-workaround"),
    ("regression-for-developers", COMPILER_REGRESSION, "developers", None, "pin-previous-release"),
]


@pytest.mark.parametrize(
    ("record", "audience", "no_workaround", "rule"),
    [a[1:] for a in AUDIENCES],
    ids=[a[0] for a in AUDIENCES],
)
def test_the_audience_decides_which_workarounds_count(
    record: dict[str, Any], audience: str, no_workaround: str | None, rule: str, policy: Policy
) -> None:
    for_them = policy.model_copy(update={"audience": audience})
    decision = _decide(record, for_them, far_release())
    criterion = next(c for c in decision.criteria if c.name == "no_workaround")
    assert rule in [f.rule for f in criterion.evidence.factors], decision.reasons
    if no_workaround is not None:
        assert criterion.answer == no_workaround, decision.reasons


@pytest.mark.realdata
def test_what_would_change_a_needs_info_names_the_questions_it_asks(policy: Policy) -> None:
    """A needs-info names in "what would change this" the very questions it asks. It once named
    the likeliest set of answers instead (often a criterion already at 97%), which read as a
    contradiction: 32 of the Hadoop export's 220 needs-info decisions did so."""
    from builders import SHARED_DATA
    from hotgate.service import Tally, triage_decisions

    path = SHARED_DATA / "trackers" / "jira" / "hadoop_jira_export.csv"
    context = Context(as_of=date(2026, 11, 23))
    decisions = list(triage_decisions(str(path), policy, context, Tally()))
    asking = [d for d in decisions if d.verdict == "needs-info"]
    assert len(asking) > 100
    for decision in asking:
        named = " ".join(decision.what_would_change)
        assert decision.questions and all(q in named for q in decision.questions), decision
        # ... and the reasons give the same chance that the answers lift it.
        chance = re.search(r"puts that at (\d+%)", named)
        assert chance and f"(a {chance.group(1)} chance)" in decision.reasons[-1], decision
    # So does a no-hotfix that some answers could lift.
    liftable = [
        (d, found)
        for d in decisions
        if d.verdict == "no-hotfix"
        and (found := re.search(r"puts that at (\d+%)", " ".join(d.what_would_change)))
    ]
    assert len(liftable) > 100
    for decision, found in liftable:
        assert f"({found.group(1)} chance)" in decision.reasons[-1], decision


def test_a_percentage_reads_the_same_in_the_reasons_and_on_the_card() -> None:
    """The reasons once said 39% where the card, reading the kept 0.395, said 40%."""
    from hotgate.policy.deciding.explain import percent

    kept = round(0.3946, 3)
    assert percent(0.3946) == f"{kept:.0%}" == "40%"
    assert percent(0.724) == "72%"


@pytest.mark.parametrize(
    ("fields", "signal", "rule"),
    [
        ({"cf_crash_signature": "[@ EndPage]"}, "crash", "crash-or-hang"),
        ({"regressed_by": [1929001]}, "regression", "regression"),
    ],
)
def test_bugzilla_fields_of_their_own_are_evidence(
    fields: dict[str, Any], signal: str, rule: str, policy: Policy
) -> None:
    """A crash signature or a regressing bug counts although no keyword or word says so."""
    text = "Middle-clicking a folder on the toolbar should open its bookmarks; nothing happens."
    plain = read_record(BZ("Toolbar folder opens nothing", text), "plain", Origin())
    marked = read_record(BZ("Toolbar folder opens nothing", text, **fields), "marked", Origin())
    assert isinstance(plain, Issue) and isinstance(marked, Issue)
    before = decide_issue(plain, policy, far_release())
    after = decide_issue(marked, policy, far_release())
    rules = {f.rule for c in after.criteria for f in c.evidence.factors}
    assert rule in rules - {f.rule for c in before.criteria for f in c.evidence.factors}
    shown = [s for c in after.criteria for s in c.evidence.signals if s.name == signal]
    assert shown and shown[0].source == "label" and shown[0].excerpt == marked.labels[0]


# What a workaround needs is often named in the workaround phrase itself ("downgrading to …",
# "admins can …"), so the text read for it starts at that phrase, not after it.
WORKAROUND_WORDING = [
    ("downgrade-in-the-phrase", "Downgrading to 4.1.3 and regenerating the lock avoids it.", True),
    ("admins-in-the-phrase", "Workspace admins can switch the login method in the meantime.", True),
    ("flag-gives-the-right-result", "-O1 or -fno-tree-vectorize gives the correct result.", True),
    ("a-setting-anyone-can-change", "Turning off 'smooth scrolling' in settings avoids it.", False),
]


@pytest.mark.parametrize(
    ("text", "needs_admin"),
    [w[1:] for w in WORKAROUND_WORDING],
    ids=[w[0] for w in WORKAROUND_WORDING],
)
def test_a_workaround_is_read_with_what_it_needs(
    text: str, needs_admin: bool, policy: Policy, context: Context
) -> None:
    issue = Issue(key="t:1", source="t", title="Export fails", body=f"The export fails.\n\n{text}")
    row = evaluate(policy, issues_frame([issue]), context).row(0, named=True)
    assert row["workaround_offered"], text
    # The window runs from the phrase to the end of the report, within the report's text.
    assert text.lower().endswith(row["_workaround"].strip()), row["_workaround"]
    assert len(row["_workaround"].strip()) > len(text) / 2, row["_workaround"]
    assert row["workaround_needs_admin"] is needs_admin, row["_workaround"]
    assert row["reasonable_workaround"] is not needs_admin


def _evidence_of(decision: Any, name: str) -> list[Any]:
    return [
        signal
        for criterion in decision.criteria
        for factor in criterion.evidence.factors
        for signal in factor.signals
        if signal.name == name
    ]


def test_a_level_set_by_a_label_names_the_label(policy: Policy, context: Context) -> None:
    """GitHub has no severity field: a level read from a label says which label set it."""
    record = GH("Checkout button does nothing", "Clicking it does nothing.", ("priority-high",))
    (severity,) = _evidence_of(_decide(record, policy, context), "severity")
    assert (severity.source, severity.where) == ("label", "labels")
    assert severity.excerpt == "S2 (label 'priority-high')"
    bug = BZ("Checkout button does nothing", "Clicking it does nothing.", severity="major")
    (severity,) = _evidence_of(_decide(bug, policy, context), "severity")
    assert (severity.source, severity.where) == ("field", "severity_raw")


def test_a_workaround_without_steps_shows_no_step_count(policy: Policy, context: Context) -> None:
    body = "The export fails. Workaround: use the CSV export instead."
    decision = _decide(GH("Export fails", body), policy, context)
    rules = [f.rule for c in decision.criteria for f in c.evidence.factors]
    assert "reasonable-workaround" in rules  # the rule held ...
    assert _evidence_of(decision, "workaround_steps") == []  # ... with no "0" shown for it
    steps = "1. Open settings\n2. Untick 'fast export'\n3. Export again"
    record = GH("Export fails", f"The export fails.\n\nWorkaround:\n{steps}")
    decision = _decide(record, policy, context)
    (counted,) = _evidence_of(decision, "workaround_steps")
    assert (counted.source, counted.excerpt) == ("text", "3 steps")


@pytest.mark.parametrize(
    "instruction",
    [
        "Add ignore = ['PLX214'] under [tool.plumbline] in your config, or pin plumbline<0.14.",
        "Set retryNonIdempotent(false) on the builder and it stops. The default changes in 5.3.",
        "Set DEPLOYCTL_CA_FILE or pass --ca-file; that's what it's for.",
        "Set multipartThreshold explicitly, or stay on 6.2.1 until 6.4.0.",
        "Until we add a fallback you can run `status --plain`.",
    ],
)
def test_a_maintainers_instruction_is_a_workaround_developers_can_follow(
    instruction: str, policy: Policy, context: Context
) -> None:
    """Maintainers give workarounds as instructions ("Set X and it stops", "or pin Y"), not
    only as "the workaround is …"; for a developer tool they are reasonable."""
    record = NATIVE(
        title="Builds fail since 0.14",
        body="Our CI fails on every build since the upgrade to 0.14.",
        comments=[{"text": instruction, "role": "maintainer"}],
    )
    for_developers = policy.model_copy(update={"audience": "developers"})
    decision = _decide(record, for_developers, context)
    answers = {c.name: c.answer for c in decision.criteria}
    assert answers["no_workaround"] == "no", decision.reasons


def test_reach_in_doubt_is_asked_however_the_weak_signs_add_up(
    policy: Policy, context: Context
) -> None:
    """A regression in a core function with a severe symptom adds up to broad reach; when a
    maintainer puts that reach only as a possibility, the belief stays at most even and the
    question goes to a person instead of the hotfix shipping."""
    record = NATIVE(
        title="Sync deletes some notes since 2.9",
        body="Since updating to 2.9 a few of my notes were deleted during sync. It worked in 2.8.",
        comments=[
            {
                "text": "2.9 changed the conflict resolver; if that is the cause, every user who "
                "edits on two devices is hit. It could also be this account's old import.",
                "role": "maintainer",
            }
        ],
    )
    decision = _decide(record, policy, context)
    reach = next(c for c in decision.criteria if c.name == "broad_reach")
    assert decision.verdict == "needs-info", decision.reasons
    assert reach.probability == 0.5
    (doubt,) = [f for f in reach.evidence.factors if f.rule == "reach-in-doubt"]
    assert doubt.weight < 0
    assert [q for q in decision.questions if "most users" in q]
