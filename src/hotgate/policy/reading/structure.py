"""Reading a report by its structure: prose apart from quoted logs, code and template lines.

Reporters paste stack traces, logs and code, and fill in templates. Words in a pasted log are
not the reporter's words ("error" in a log line is a fact about the program, not a claim), an
unchecked template box ("- [ ] the app crashes") says nothing, and a Bugzilla form line such as
"Reproducible: Always" is about reproduction, not about how many users meet the bug. So the
text is split in two columns: the prose that the lexicon reads, and the logs that the log
patterns read. Patterns are written for polars' regex engine (also valid in Python's `re`).
"""

from __future__ import annotations

import polars as pl
import re2

from hotgate.policy.definition.patterns import for_polars, for_re2

# Blocks set apart by markup: Markdown fences, Jira {code}/{noformat}, HTML <pre> and the
# folded <details> that issue forms use for configuration dumps.
BLOCKS = (
    r"(?s)```.*?(?:```|$)",
    r"(?s)\{(?:code|noformat)[^}\n]*\}.*?(?:\{(?:code|noformat)\}|$)",
    r"(?s)<pre>.*?(?:</pre>|$)",
    r"(?s)<details>.*?(?:</details>|$)",
)
# Lines that are a program's output, not prose: stack frames, exception lines, log lines.
LOG_LINES = (
    r"(?m)^[ \t]*at [\w$.<>/-]+\(.*\)[ \t]*$",  # Java and JavaScript frames
    r"(?m)^[ \t]*File \"[^\"\n]+\", line \d+.*$",  # Python frames
    r"(?m)^[ \t]*#\d+ +0x[0-9a-fA-F]+.*$",  # gdb and crash reporters
    r"(?m)^[ \t]*\d+: +(?:0x[0-9a-fA-F]+|[\w:<>]+::).*$",  # Rust backtraces
    r"(?m)^[ \t]*(?:Exception in thread|Caused by:|Traceback \(most recent call last\)).*$",
    r"(?m)^[ \t]*[\w.$]+(?:Exception|Error)(?::.*)?$",  # java.lang.X: …, TypeError: …
    r"(?m)^.*\bpanicked at\b.*$",
    r"(?m)^[ \t]*\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}.*$",  # timestamped log lines
)
# What says nothing about the bug: unchecked template boxes and the reporter's own checklist,
# form lines, quoted replies, hidden HTML comments, links and images (an address that contains
# "login" is not about sign-in).
NOISE_LINES = (
    r"(?s)<!--.*?(?:-->|$)",
    r"!\[[^\]\n]*\]\([^)\n]*\)",
    r"<img[^>\n]*>",
    r"\b(?:https?|ftp)://[^\s)>\]]+",
    r"(?m)^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\[ \][ \t].*$",
    # A checked box in which the reporter vouches for their own report ("I have searched the
    # existing issues", "I have confirmed this bug exists on the latest version", "I can
    # reproduce it"): about how the report was made, not the bug, and no one else's word.
    r"(?mi)^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\[x\][ \t]+(?:i(?:'ve| have) (?:already )?(?:searched|"
    r"checked|read|confirmed|tested|verified|looked|updated|reviewed|included|attached|followed|"
    r"filled|provided|written)|i (?:agree|confirm|understand|accept|acknowledge)|i can (?:confirm|"
    r"reproduce)|i(?: am|'m) (?:using|on|running|willing)|i would like to (?:help|contribute|"
    r"submit|work))\b.*$",
    r"(?mi)^[ \t]*(?:reproducible|user[ -]agent|build[ -]?id(?:entifier)?)[ \t]*:.*$",
    r"(?m)^[ \t]*>.*$",
)


def _any(patterns: tuple[str, ...]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


# One pattern each, as polars is given them (built once: prose_of runs per explained subject).
_PROSE_CUT = for_polars(_any((*BLOCKS, *LOG_LINES, *NOISE_LINES)))
_LOGS = for_polars(_any((*BLOCKS, *LOG_LINES)))


# A line broken inside a sentence (mail clients and Bugzilla wrap at about 80 columns; Markdown
# shows such a break as a space): a letter or comma, a line end (\n or \r\n), a lower-case
# letter.
_SOFT_WRAP = r"([A-Za-z,])[ \t]*\r?\n[ \t]*([a-z])"


def prose(raw: pl.Expr) -> pl.Expr:
    """The report's own words: raw text with blocks, log lines and template noise taken out,
    and lines broken inside a sentence joined again, so that a phrase wrapped over two lines
    ("loses all their\nresponses") reads as one."""
    # One pass over the text: the alternatives are tried left to right at each position. An
    # inline code span keeps its words and loses its backticks, so that "a custom `Allocator`"
    # reads as "a custom Allocator" (fenced blocks are cut before), also where a wrapped line
    # starts with one ("Setting\n`x: false` restores it").
    cut = raw.str.replace_all(_PROSE_CUT, "\n").str.replace_all("`", "", literal=True)
    return cut.str.replace_all(_SOFT_WRAP, "$1 $2")


def logs(raw: pl.Expr) -> pl.Expr:
    """What the report quotes of the program: code blocks and log lines, joined by newlines."""
    return raw.str.extract_all(_LOGS).list.join("\n")


# --- one text in Python: the same cuts with RE2, for a bug decided row by row ----------------

_PROSE_CUT_RE2 = re2.compile("|".join(for_re2(p) for p in (*BLOCKS, *LOG_LINES, *NOISE_LINES)))
_LOGS_RE2 = re2.compile("|".join(for_re2(p) for p in (*BLOCKS, *LOG_LINES)))
_SOFT_WRAP_RE2 = re2.compile(_SOFT_WRAP)


def prose_text(raw: str) -> str:
    """`prose` of one text, worked out in Python (RE2): the same string polars gives."""
    cut: str = _PROSE_CUT_RE2.sub("\n", raw).replace("`", "")
    joined: str = _SOFT_WRAP_RE2.sub(r"\1 \2", cut)
    return joined


def logs_text(raw: str) -> str:
    """`logs` of one text, worked out in Python (RE2): the same string polars gives."""
    return "\n".join(match.group(0) for match in _LOGS_RE2.finditer(raw))
