"""What the engine concludes: the four statuses, one :class:`Result` per claim, the :class:`Report` of a site.

Plain data with no dependency on sympy, NumPy or torch, so that the site build's
own process can render verdicts that a separate checking process computed
(:mod:`.background`) without importing what the checks need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the in-page checker imports this module without YAML (coverage) or the page scanner
    from .coverage import PageCoverage
    from .pages import Occurrence


class Status(StrEnum):
    """What a reader sees beside a claim."""

    VERIFIED = "verified"  # the page's value equals what the code computes
    REFUTED = "refuted"  # a known mistake, shown on purpose, checked to be wrong
    PENDING = "pending"  # no recorded run yet: the page shows no value
    FAILED = "failed"  # the page and the code disagree: the build stops


VERIFIED, REFUTED, PENDING, FAILED = Status  # shorthand used throughout the engine and its tests


class Outcome(StrEnum):
    """How a text compares with a claim's truth (what the command line's ``check`` answers)."""

    EQUAL = "equivalent"
    DIFFERENT = "different"
    UNPARSABLE = "cannot parse"


@dataclass
class Comparison:
    """One comparison of a text with a claim's truth, as each kind of claim reports it."""

    outcome: Outcome
    page: str = ""  # the page's value as the engine understood it
    truth: str = ""  # what the code computes
    difference: str = ""  # page - truth, simplified (formulas and numbers)
    detail: str = ""  # one sentence on what differs, or why it cannot be parsed
    difference_latex: str = ""
    timed_out: bool = False  # unparsable because the comparison ran past its time limit


@dataclass
class Result:
    """What the engine concluded about one claim (one row of the Verification page)."""

    claim_id: str
    status: Status
    kind: str
    path: str | None = None
    line: int | None = None
    in_table: bool = False
    page: str = ""
    truth: str = ""
    difference: str = ""
    difference_latex: str = ""
    detail: str = ""  # one sentence: what differs, or why the value cannot be read
    message: str = ""
    how: str = ""
    source: str = ""
    seconds: float = 0.0
    shown_latex: str = ""  # for generated claims: what the page displays
    shown_html: str = ""  # ... or the figure it displays
    extra: dict[str, str] = field(default_factory=dict)
    # What the in-page checker needs of a verified claim a reader can answer (answers.spec), or why it
    # cannot check it ({"unsupported": ...}: the page shows the command line instead); None otherwise.
    answer: dict[str, Any] | None = None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.path else "(no page)"

    @property
    def ok(self) -> bool:
        return self.status != FAILED


@dataclass
class Report:
    """Every claim of a docs folder judged: one result per claim, and where each page shows its claims."""

    results: list[Result] = field(default_factory=list)
    occurrences: dict[str, list[Occurrence]] = field(default_factory=dict)  # page path -> claims
    coverage: dict[str, PageCoverage] = field(default_factory=dict)  # page path -> what it states, claimed or not

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if r.status == FAILED]

    def counts(self) -> dict[Status, int]:
        out = {s: 0 for s in Status}
        for r in self.results:
            out[r.status] += 1
        return out

    def by_id(self) -> dict[str, Result]:
        return {r.claim_id: r for r in self.results}
