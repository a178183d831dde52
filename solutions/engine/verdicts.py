"""What the engine concludes: the four statuses, one :class:`Result` per claim, the :class:`Report` of a site.

Plain data with no dependency on sympy, NumPy or torch, so that the site build's
own process can render verdicts that a separate checking process computed
(:mod:`solutions.engine.background`) without importing what the checks need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solutions.engine.pages import Occurrence

VERIFIED, REFUTED, PENDING, FAILED = "verified", "refuted", "pending", "failed"


@dataclass
class Result:
    """What the engine concluded about one claim (one row of the Verification page)."""

    claim_id: str
    status: str
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

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if r.status == FAILED]

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in (VERIFIED, REFUTED, PENDING, FAILED)}
        for r in self.results:
            out[r.status] += 1
        return out

    def by_id(self) -> dict[str, Result]:
        return {r.claim_id: r for r in self.results}
