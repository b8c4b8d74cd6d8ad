"""Generate N realistic GitHub-REST issues as JSON Lines, shaped like the real exports.

Body lengths follow a log-normal fitted to the recorded webcompat, Hadoop and SeaMonkey exports
(median about 600 characters, 90th percentile about 1,400); labels mix types, severities,
priorities and platforms in the proportions seen there. The same seed gives the same file.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import orjson

DEFECTS = [
    "The app crashes when I open the settings page.",
    "Saving a draft fails with an error: TypeError: cannot read properties of undefined.",
    "The cart shows the wrong total after applying a coupon.",
    "Sign-in hangs forever on the second step.",
    "Search returns wrong results for quoted queries.",
    "Uploading an attachment does not work at all.",
    "Data loss: edits made offline are lost after sync.",
    "The export fails to build on a clean checkout.",
    "Checkout does nothing when I click Place order.",
    "The page is blank after the update to the latest version.",
]
MINOR = [
    "The button label has a typo.",
    "The icon is misaligned by a few pixels.",
    "It would be nice to add a dark theme.",
    "The docs: the flag name in the README is outdated.",
    "The colour of the footer link looks odd.",
]
REACH = [
    "It happens for every user, every time.",
    "It only happens when the locale is set to Turkish.",
    "It happens rarely, maybe once a week.",
    "All our customers see this since yesterday.",
    "Telemetry shows about 35% of users affected.",
    "It only happens on Windows 7 with a custom build.",
    "",
]
WORKAROUND = [
    "There is no workaround.",
    "Workaround: simply reload the page.",
    "Workaround: edit the config file and restart the server.",
    "As a workaround you can use another browser.",
    "",
    "",
]
FILLER = (
    "Steps to reproduce: open the page, fill in the form and press the button. Expected the "
    "result to appear; instead the view stays as it was. Browser: Firefox 130 on Windows 11. "
    "Console output attached. Tested another browser: yes, Chrome shows the same. "
)
LABELS = [
    ("bug", 0.55),
    ("enhancement", 0.12),
    ("documentation", 0.04),
    ("priority-critical", 0.2),
    ("priority-normal", 0.15),
    ("priority-important", 0.07),
    ("severity-critical", 0.05),
    ("severity-minor", 0.08),
    ("browser-firefox", 0.6),
    ("os-ios", 0.2),
    ("engine-gecko", 0.8),
    ("security", 0.01),
    ("regression", 0.05),
    ("good first issue", 0.03),
]


def issue(number: int, rng: random.Random) -> dict[str, object]:
    """One issue object in the shape the GitHub REST API sends."""
    lead = rng.choice(DEFECTS if rng.random() < 0.75 else MINOR)
    length = int(min(max(rng.lognormvariate(6.4, 0.75), 60), 20_000))
    text = " ".join([lead, rng.choice(REACH), rng.choice(WORKAROUND)])
    body = (text + " " + FILLER * (1 + length // len(FILLER)))[:length]
    repo = "acme/web"
    return {
        "url": f"https://api.github.com/repos/{repo}/issues/{number}",
        "repository_url": f"https://api.github.com/repos/{repo}",
        "html_url": f"https://github.com/{repo}/issues/{number}",
        "id": 900_000_000 + number,
        "node_id": f"I_kw{number}",
        "number": number,
        "title": lead.split(".")[0][:80],
        "user": {"login": f"user{number % 997}", "id": number % 997, "type": "User"},
        "labels": [{"name": name} for name, share in LABELS if rng.random() < share],
        "state": "open",
        "comments": rng.randrange(0, 12),
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-20T10:00:00Z",
        "body": body,
        "reactions": {"total_count": int(rng.paretovariate(1.5)) - 1},
    }


def generate(count: int, path: Path, seed: int = 7) -> Path:
    """Write `count` issues to `path` as JSON Lines (unless it already holds them)."""
    if path.exists():
        return path
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as handle:
        for number in range(1, count + 1):
            handle.write(orjson.dumps(issue(number, rng)) + b"\n")
    partial.rename(path)
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int, help="How many issues to write.")
    parser.add_argument("out", type=Path, help="The JSON Lines file to write.")
    parser.add_argument("--seed", type=int, default=7, help="The random seed (default: 7).")
    args = parser.parse_args()
    print(generate(args.count, args.out, args.seed))
