"""Reuse readiness: a 0-100 score from signals anyone can see on the repository.

Each signal has a weight; the weights sum to 100 and the score is the sum of the
weights of the signals that are met, so the score explains itself. A signal we
cannot know (no push date, contributing guide or tests not looked for) is
`met=None`: it counts as not met and is shown as "not known".

| signal | weight | met when |
|---|---|---|
| Open licence | 20 | the SPDX id is OSI-approved, an Open Government Licence, CC0 or CC BY |
| README explains the project | 10 | at least 150 words and 2 headings |
| README says how to install or use it | 10 | a heading on installing, setting up, getting started, usage or running |
| Description | 5 | the repository has a description |
| Topics | 5 | the repository has topics |
| Recently active | 10 | pushed within the last 12 months (not known without a date) |
| Not archived | 10 | the repository is not archived |
| Contributing guide | 5 | CONTRIBUTING file present (not known if not looked for) |
| Tests or CI | 10 | tests or CI configuration present (not known if not looked for) |
| Template repository | 5 | marked as a template on GitHub |
| Reused by others | 10 | forked by another publisher in the catalogue |
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pulse.core.record import Repo
from pulse.core.text import headings as readme_headings

# OSI-approved licences by SPDX id (the ones public-sector repositories use), plus the
# Open Government Licence and the open Creative Commons licences used for docs and data.
OPEN_LICENCES = frozenset(
    {
        "MIT",
        "MIT-0",
        "Apache-2.0",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "0BSD",
        "ISC",
        "Unlicense",
        "Zlib",
        "BSL-1.0",
        "MPL-2.0",
        "EPL-1.0",
        "EPL-2.0",
        "EUPL-1.1",
        "EUPL-1.2",
        "Artistic-2.0",
        "MS-PL",
        "OFL-1.1",
        "GPL-2.0",
        "GPL-2.0-only",
        "GPL-2.0-or-later",
        "GPL-3.0",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "LGPL-2.1",
        "LGPL-2.1-only",
        "LGPL-2.1-or-later",
        "LGPL-3.0",
        "LGPL-3.0-only",
        "LGPL-3.0-or-later",
        "AGPL-3.0",
        "AGPL-3.0-only",
        "AGPL-3.0-or-later",
        "ECL-2.0",
        "PostgreSQL",
        "UPL-1.0",
        "OGL-UK-1.0",
        "OGL-UK-2.0",
        "OGL-UK-3.0",
        "CC0-1.0",
        "CC-BY-4.0",
    }
)
README_MIN_WORDS = 150
README_MIN_HEADINGS = 2
ACTIVE_WITHIN = timedelta(days=365)
_HOW_TO = re.compile(
    r"\b(install|installation|installing|set ?up|setting up|getting started|get started|quick ?start|"
    r"usage|using|how to use|run|running|deploy|deployment|development|developing|build|building)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")

WEIGHTS: dict[str, int] = {
    "Open licence": 20,
    "README explains the project": 10,
    "README says how to install or use it": 10,
    "Description": 5,
    "Topics": 5,
    "Recently active": 10,
    "Not archived": 10,
    "Contributing guide": 5,
    "Tests or CI": 10,
    "Template repository": 5,
    "Reused by others": 10,
}
assert sum(WEIGHTS.values()) == 100


@dataclass(frozen=True)
class Signal:
    label: str
    weight: int
    met: bool | None  # None: not known (counts as not met)
    detail: str

    @property
    def points(self) -> int:
        return self.weight if self.met else 0


@dataclass(frozen=True)
class Readiness:
    score: int  # 0-100: the weights of the signals met
    signals: list[Signal]


def readiness(repo: Repo, *, reused_by: int = 0, now: datetime | None = None) -> Readiness:
    """Score `repo` (with its README) for reuse; `reused_by` is how many other publishers forked it."""
    now = now or datetime.now(UTC)
    headings = readme_headings(repo.readme or "")
    words = len(_WORD.findall(repo.readme or ""))
    how_to = [h for h in headings if _HOW_TO.search(h)]
    pushed = _parse(repo.pushed_at)

    signals = [
        _signal(
            "Open licence",
            repo.licence in OPEN_LICENCES,
            f"{repo.licence}, an open licence"
            if repo.licence in OPEN_LICENCES
            else (f"{repo.licence}: not a recognised open licence" if repo.licence else "No licence identified"),
        ),
        _signal(
            "README explains the project",
            words >= README_MIN_WORDS and len(headings) >= README_MIN_HEADINGS,
            f"README of {words} words with {len(headings)} headings" if repo.readme else "No README",
        ),
        _signal(
            "README says how to install or use it",
            bool(how_to),
            f"Section “{how_to[0]}”" if how_to else "No install, setup or usage section found",
        ),
        _signal(
            "Description",
            bool(repo.description.strip()),
            "Has a description" if repo.description.strip() else "No description",
        ),
        _signal("Topics", bool(repo.topics), f"Topics: {', '.join(repo.topics)}" if repo.topics else "No topics"),
        _signal(
            "Recently active",
            None if pushed is None else now - pushed <= ACTIVE_WITHIN,
            "Last push not known" if pushed is None else f"Last pushed {pushed:%-d %B %Y}",
        ),
        _signal("Not archived", not repo.archived, "Archived: read-only" if repo.archived else "Not archived"),
        _signal(
            "Contributing guide",
            repo.has_contributing,
            {
                True: "Has a contributing guide",
                False: "No contributing guide",
                None: "Not known whether it has a contributing guide",
            }[repo.has_contributing],
        ),
        _signal(
            "Tests or CI",
            repo.has_tests,
            {True: "Has tests or CI", False: "No tests or CI found", None: "Not known whether it has tests or CI"}[
                repo.has_tests
            ],
        ),
        _signal(
            "Template repository",
            repo.is_template,
            "A GitHub template repository" if repo.is_template else "Not a template repository",
        ),
        _signal(
            "Reused by others",
            reused_by > 0,
            f"Forked by {reused_by} other publisher{'s' if reused_by != 1 else ''}"
            if reused_by
            else "No forks by other publishers in the catalogue",
        ),
    ]
    return Readiness(score=sum(s.points for s in signals), signals=signals)


def _signal(label: str, met: bool | None, detail: str) -> Signal:
    return Signal(label=label, weight=WEIGHTS[label], met=met, detail=detail)


def _parse(iso: str) -> datetime | None:
    if not iso:
        return None
    try:
        return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


__all__ = ["Readiness", "Signal", "readiness", "WEIGHTS", "OPEN_LICENCES"]
