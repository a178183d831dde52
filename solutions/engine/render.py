"""Turn checked claims into Markdown: the status marks, the Verification page, the check listings.

Pure functions of a :class:`~.verdicts.Report`, so they are tested without MkDocs;
:mod:`.plugin` only wires them into the build.  A mark links to the check listing of the
claims module that declares its claim (``listing``: that listing's docs path, see
:func:`checks_page_path`), or to the Verification page for a claim no module declares.
"""

from __future__ import annotations

import html
import inspect
import posixpath
import re
import secrets
import textwrap
from collections import defaultdict
from collections.abc import Callable

from .config import Settings
from .coverage import PageCoverage
from .pages import Giveaway, Occurrence
from .registry import Claim
from .verdicts import FAILED, PENDING, REFUTED, VERIFIED, Result

ICONS = {VERIFIED: "✓", REFUTED: "✗", PENDING: "…", FAILED: "!"}
WORDS = {
    VERIFIED: "verified",
    REFUTED: "refuted (a known mistake, checked to be wrong)",
    PENDING: "pending",
    FAILED: "FAILED",
}
# Every element the engine renders on a page carries this build's random nonce, which no page can know: the
# plugin refuses the engine's reserved classes and attributes anywhere else (:mod:`.sanitize`), then strips it.
ENGINE_ATTR = "data-claims-engine"
NONCE = secrets.token_hex(16)
_OWN = f' {ENGINE_ATTR}="{NONCE}"'


def keep_nonce(nonce: str) -> None:
    """Under ``mkdocs serve``, whose rebuilds import this module afresh: use the nonce of the server's first build,
    so that a page whose HTML did not change reads the same and its checks can be reused (the nonce is still
    random, never written to a page, and unknown to the pages)."""
    global NONCE, _OWN
    NONCE = nonce
    _OWN = f' {ENGINE_ATTR}="{NONCE}"'


SUMMARY_MARKER = "<!-- claims:summary -->"
COVERAGE_MARKER = "<!-- claims:coverage -->"
PRACTICE_MARKER = "<!-- claims:practice -->"


def anchor(claim_id: str) -> str:
    return f"claim-{claim_id}"


def checks_page_path(module: str, settings: Settings) -> str:
    """Where the listing of a claims module lives in the docs, named for the module without its claims
    package: ``course.a2.part2_claims`` -> ``checks/a2.part2_claims.md``.  A module named for its own
    package (``course.hw2.q1.q1_claims``) drops the repeated part: ``checks/hw2.q1_claims.md``."""
    parts = module.split(".")
    for package in sorted(settings.packages, key=len, reverse=True):
        if module.startswith(package + "."):
            parts = module[len(package) + 1 :].split(".")
            break
    if len(parts) >= 2 and parts[-1] == f"{parts[-2]}_claims":
        parts = [*parts[:-2], parts[-1]]
    return f"{settings.listings}/{'.'.join(parts)}.md"


def listing_paths(modules: list[str], settings: Settings) -> dict[str, str]:
    """Each claims module's listing path; raises ``ValueError`` when two modules would share one."""
    paths: dict[str, str] = {}
    for module in modules:
        path = checks_page_path(module, settings)
        other = next((m for m, p in paths.items() if p == path), None)
        if other is not None:
            raise ValueError(f"claims modules {other} and {module} would both be listed at {path}: rename one")
        paths[module] = path
    return paths


def rel_link(from_page: str, to_page: str, frag: str = "") -> str:
    """A Markdown link target from one docs page to another, relative, so MkDocs validates it."""
    link = posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
    return link + (f"#{frag}" if frag else "")


def _attr(text: str) -> str:
    return html.escape(" ".join(text.split()), quote=True)


LinkFn = Callable[[str, str, str], str]  # (from page, to page, fragment) -> href, docs-relative .md paths in


def md_link(from_page: str, to_page: str, frag: str = "") -> str:
    """A link as Markdown sees it (MkDocs rewrites these); the plugin passes one that gives final URLs."""
    return rel_link(from_page, to_page, frag)


def mark(result: Result, listing: str | None, page: str, link: LinkFn = md_link, words: str = "") -> str:
    """The status mark after a claim: a link to the code that checks it (``listing``, the check listing of
    the module that declares it; None for a claim that no code declares: the mark links to the Verification page).
    Its label is in words (``words``: what the value is, :func:`label_words`), never the claim's id (that is in the
    link).  Quiet: out of the tab order (one tab stop per answer, its field); the page's link to all its checks
    and the Verification page reach every check by keyboard."""
    status = result.status
    label = f"{WORDS[status]}: {words or 'this value'}"
    how = result.how
    if how.startswith("shown wrong against "):  # a known mistake's: the id it refutes is in the link, not in words
        how = "shown wrong against the right answer"
    if how:
        label += f"; how: {how}"
    if result.difference and status in (REFUTED, FAILED):
        label += f"; page - truth = {result.difference}"
    if status == PENDING:
        label += f"; {result.message}"
    if status == FAILED:
        label += f"; {result.message}"
    target = link(page, listing, result.claim_id) if listing else link(page, "verification.md", "")
    return (
        f'<a class="claim-mark claim-{status}" id="{anchor(result.claim_id)}" href="{html.escape(target)}" '
        f'title="{_attr(label)}" aria-label="{_attr(label)}" tabindex="-1"{_OWN}>{ICONS[status]}</a>'
    )


_DERIVATIVE_RE = re.compile(r"^d([A-Za-z]\w*?)_d([A-Za-z])(\w*)$")


def _humane(part: str) -> str:
    """One part of a claim id in words: ``dL_df1`` -> ``dL/df_1``, ``valid_triplets`` -> ``valid triplets``."""
    if m := _DERIVATIVE_RE.match(part):
        return f"d{m[1]}/d{m[2]}" + (f"_{m[3]}" if m[3] else "")
    return part.replace("_", " ")


def _plain(latex: str) -> str:
    """LaTeX as plain words for a label: ``\\frac{\\partial L}{\\partial f_1}`` -> ``dL/df_1``."""
    text = re.sub(r"\\frac\{\\partial\s*([^{}]*)\}\{\\partial\s*([^{}]*)\}", r"d\1/d\2", latex)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", text)
    text = re.sub(r"\\(?:left|right|begin\{\w+\}|end\{\w+\}|[,;:!])|[{}&$]", "", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    return " ".join(text.replace("\\", " ").split())


def lhs(occ: Occurrence) -> str:
    """The left-hand side of a displayed equation (the LaTeX before its first ``=``), or ""."""
    if not occ.display or "=" not in (occ.value or ""):
        return ""
    left = (occ.value or "").split("=", 1)[0]
    left = re.sub(r"\\begin\{\w+\}|&", "", left).strip()
    return left if 0 < len(left) <= 80 and "\n" not in left else ""


def label_words(occ: Occurrence) -> str:
    """What a value is, in words, for the labels of its mark and field: the left-hand side of its equation, or the
    last parts of its id; then the heading it sits under (``dL/df_1, in Q6: the gradient of the total loss``)."""
    what = _plain(lhs(occ))
    if not what:
        parts = occ.id.split(".")
        what = ", ".join(_humane(p) for p in (parts[2:] or parts[-1:]))
    heading = _plain(occ.heading.replace("`", "")) if occ.heading else ""
    return f"{what}, in {heading}" if heading else what


def render_occurrence(
    occ: Occurrence, result: Result, listing: str | None, page: str, link: LinkFn = md_link, command: str = ""
) -> str:
    """What replaces a claim marker on the page.  The mark is raw HTML, which MkDocs does not
    rewrite, so ``link`` must return the final URL.  ``command`` is the course's command line.

    Only an answer (``[[?id: value]]``) gets a field; a verified answer's value sits in an element with
    ``data-practice="shown"``, which practice mode (``answer-check.js``) hides until the reader has tried."""
    out = _replacement(occ, result, listing, page, link, command)
    # What replaces an inline marker starts where the marker did; its further lines repeat the line's indentation.
    return out.replace("\n", "\n" + occ.line_indent) if occ.line_indent else out


def _replacement(occ: Occurrence, result: Result, listing: str | None, page: str, link: LinkFn, command: str) -> str:
    words = label_words(occ)
    m = mark(result, listing, page, link, words)
    display = occ.display or (occ.value is None and not occ.in_table)
    control = answer_control(result, display, command, words) if occ.answer else ""
    practice = _practice(occ, result)
    if occ.value is None and result.shown_html and occ.in_table:  # generated HTML in a cell: one line, no figure
        inline = " ".join(result.shown_html.split("\n"))
        return f'<span class="claim-value"{practice}{_OWN}>{inline}</span>{_tail(m, control)}'
    if occ.value is None and result.shown_html:  # a figure generated from the code
        return f'{occ.indent}<figure class="claim-figure"{_OWN}>\n{result.shown_html}\n{m}\n</figure>'
    if occ.value is None and result.status == PENDING and not result.shown_latex:  # words, not a formula
        note = f'<span class="claim-value claim-pending-note"{_OWN}>(no recorded run yet)</span>{m}'
        return note if occ.in_table else f"{occ.indent}<p{_OWN}>{note}</p>"
    if occ.value is None:  # generated from the code
        body = result.shown_latex or r"\text{(the check failed: see the build log)}"  # pending: said above
        if occ.in_table:
            return f'<span class="claim-value"{practice}{_OWN}>${body}$</span>{_tail(m, control)}'
        return _display(body, m, occ.indent, result, control, practice)
    if occ.display:
        return _display(occ.value, m, occ.indent, result, control, practice)
    # The value in an element of its own: the coverage scan skips what the engine checks (coverage.CLAIM_CLASSES).
    return f'<span class="claim-value"{practice}{_OWN}>{occ.value}</span>{_tail(m, control)}'


def _practice(occ: Occurrence, result: Result) -> str:
    """The attributes of a verified answer's value, for practice mode: its state (``shown`` until the page's script
    hides it), its claim, and for an equation its left-hand side (shown, as a prompt, while the answer is hidden)."""
    if not occ.answer or result.status != VERIFIED:
        return ""
    left = lhs(occ)
    prompt = f' data-practice-lhs="{html.escape(left, quote=True)}"' if left else ""
    return f' data-practice="shown" data-practice-for="{html.escape(occ.id, quote=True)}"{prompt}'


def giveaway(marker: Giveaway) -> str:
    """A giveaway marker (:func:`.pages.find_giveaways`) as HTML: practice mode hides the passage while any answer it
    names is hidden (``data-practice-until``: their ids).  A phrase is wrapped in a span; whole blocks lie between
    two empty elements (Markdown inside an HTML block loses the indented content of boxes), which the page's script
    reads as the bounds of the blocks to hide."""
    until = html.escape(" ".join(marker.ids), quote=True)
    if marker.block:
        if not marker.ids:
            return f'<div class="practice-giveaway-end"{_OWN}></div>'
        return f'<div class="practice-giveaway" data-practice-until="{until}"{_OWN}></div>'
    if not marker.ids:
        return "</span>"
    return f'<span class="practice-giveaway" data-practice-until="{until}"{_OWN}>'


def _tail(m: str, control: str) -> str:
    """A mark and the answer field after it, kept on one line (a narrow table cell wraps before them)."""
    return f'<span class="claim-tail"{_OWN}>{m}{control}</span>' if control else m


def answer_control(result: Result, display: bool, command: str = "", words: str = "") -> str:
    """Where a reader may check an answer of their own (:mod:`.answers`).

    A verified claim the in-page checker can judge gets an empty slot that the page's script turns into a
    ``form[data-answer-for]`` (a form cannot sit inside a paragraph in HTML, but the DOM allows it); a claim
    it cannot judge (a matrix formula) gets the command that checks it."""
    if result.answer is None or result.status != VERIFIED:
        return ""
    cid = html.escape(result.claim_id)
    if "unsupported" in result.answer:
        command = f"{html.escape(command or 'python -m <course>')} check {cid} '…'"
        tag = "div" if display else "span"
        why = _attr(f"The in-page checker cannot check this one: {result.answer['unsupported']}.")
        return f'<{tag} class="answer-cli" title="{why}"{_OWN}>check yours: <code>{command}</code></{tag}>'
    kind = html.escape(result.answer["kind"]["name"])
    tol = result.answer["kind"].get("tol")
    extra = f' data-tol="{tol:g}"' if isinstance(tol, (int, float)) else ""
    label = f' data-label="{_attr(words)}"' if words else ""
    if kind == "gradient":  # the field's hint names this question's arrays and the notations it accepts
        from .answers import gradient_hint

        lhs, notations = gradient_hint(result.answer)
        extra += f' data-lhs="{_attr(lhs)}" data-notations="{_attr(" ".join(notations))}"'
    return f'<span class="answer-slot" data-claim="{cid}" data-kind="{kind}"{extra}{label}{_OWN}></span>'


def _display(latex: str, m: str, indent: str, result: Result, control: str = "", practice: str = "") -> str:
    equation = ["$$", *latex.splitlines(), "$$"]
    if practice:  # the equation in an element of its own, which practice mode hides
        equation = [f'<div class="claim-equation"{practice} markdown{_OWN}>', "", *equation, "", "</div>"]
    inline = control.startswith("<span")  # a field sits beside the mark; the command line below it
    lines = [
        f'<div class="claim-display claim-{result.status}{" claim-answer" if control else ""}" markdown{_OWN}>',
        "",
        *equation,
        "",
        m + control if inline else m,
        "",
        *([control, ""] if control and not inline else []),
    ]
    if result.status == REFUTED and result.difference_latex:
        # Which right value it is measured against: a mistake may refute a side claim (a product, not the count).
        tex = html.escape(result.truth.replace("·", r"\cdot "))  # plain text (f_1 - 2·f_2) reads as LaTeX
        right = f"the right value is ${tex}$; " if result.truth else ""
        shown = f"checked: {right}this answer − the right one = ${result.difference_latex}$"
        lines += [f'<div class="claim-difference"{_OWN}>{shown}</div>', ""]
    elif result.status == REFUTED and result.detail:
        lines += [f'<div class="claim-difference"{_OWN}>checked: {html.escape(result.detail)}</div>', ""]
    lines.append("</div>")
    return "\n".join(indent + ln if ln else "" for ln in lines)  # the marker's span starts at its line's start


def summary(counts: dict[str, int], link: str) -> str:
    total = sum(counts.values())
    parts = [
        f"**{counts[VERIFIED]}** verified",
        f"**{counts[REFUTED]}** known mistakes refuted",
        f"**{counts[PENDING]}** pending",
    ]
    if counts[FAILED]:
        parts.append(f"**{counts[FAILED]}** FAILING")
    return (
        f"This site makes **{total}** claims: " + ", ".join(parts) + f". [Every claim, and how it was checked]({link})."
    )


def _kinds(cov: PageCoverage) -> str:
    """The page's declarations counted by kind, e.g. "statement 12, notation 5, derived 1"."""
    counts: dict[str, int] = {}
    for d in cov.declared:
        counts[d.kind] = counts.get(d.kind, 0) + 1
    return ", ".join(f"{k} {n}" for k, n in sorted(counts.items())) or "none"


def practice_progress(sections: list[tuple[str, list[str]]]) -> str:
    """The home page's progress in practice mode: per part of the site (``sections``: its title, and the ids of the
    verified answers on its pages), an element that ``answer-check.js`` fills from the reader's browser ("3 of 12
    answered"); without the script, how many answers there are to practise."""
    items = [
        f'<li>{html.escape(title)}: <span data-practice-progress data-practice-ids="{html.escape(" ".join(ids))}">'
        f"{len(ids)} answers to practise</span></li>"
        for title, ids in sections
        if ids
    ]
    return f'<ul class="practice-home" data-practice-home>{"".join(items)}</ul>\n' if items else ""


def coverage_table(coverage: dict[str, PageCoverage], href: Callable[[str], str]) -> str:
    """Per page: how many of the results it states are claims checked by code (declared context aside).

    HTML (``href``: a page's URL from the page that shows the table): the plugin fills it in after the
    build has scanned every rendered page (:mod:`.coverage`), where the page's Markdown is already HTML."""
    head = (
        "page",
        "results stated",
        "checked by code",
        "unchecked",
        "derived, not yet checked",
        "declared context",
        "declarations by kind",
        "coverage",
    )
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead>", "<tbody>"]
    for rel, cov in sorted(coverage.items()):
        cells = (
            f'<a href="{html.escape(href(rel))}">{html.escape(rel)}</a>',
            str(cov.results),
            str(cov.claims),
            str(len(cov.unchecked)),
            str(cov.derived),
            str(len(cov.context)),
            html.escape(_kinds(cov)),
            f"<strong>{cov.percent:.0f} %</strong>",
        )
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return "\n".join([*out, "</tbody>", "</table>"]) + "\n"


def verification_page(
    results: list[Result],
    listings: dict[str, str],
    counts: dict[str, int],
    seconds: float,
    workers: int = 1,
) -> str:
    """The generated page that lists every claim (``listings``: claim id -> its check listing's docs path)."""
    out = [
        "---",
        "hide:",
        "  - toc",
        "---",
        "",
        "# Verification",
        "",
        "Every answer on this site is a *claim*: the value the page shows is compared with what the code",
        "computes, on every build and in every test run. This page is generated by that check.",
        "",
        summary(counts, "#all-claims").rsplit(" [", 1)[0],
        f"Checking them all took {seconds:.2f} s"
        + (f", in {workers} processes beside the site build." if workers > 1 else "."),
        "",
        "| status | meaning |",
        "|---|---|",
        f"| {ICONS[VERIFIED]} verified | the page's value equals what the code computes |",
        (
            f"| {ICONS[REFUTED]} refuted | a wrong answer shown on purpose (a known mistake); "
            "the check confirms it is wrong |"
        ),
        f"| {ICONS[PENDING]} pending | no recorded run yet; the page shows no number |",
        f"| {ICONS[FAILED]} failed | the page and the code disagree: the build fails |",
        "",
        "## Coverage",
        "",
        "Every number and formula a page states is either a claim, checked by code, or sits in text the page",
        "declares as *context* (a question number, a year, a value the statement gives, a definition). A number",
        "or formula that is neither stops the build, so every result on a page is checked.",
        "",
        COVERAGE_MARKER,  # filled in by the plugin once the build has scanned every rendered page
        "",
        "## All claims",
        "",
        "| claim | page | kind | status | how it was checked | time |",
        "|---|---|---|---|---|---|",
    ]
    for r in sorted(results, key=lambda r: (r.path or "~", r.line or 0)):
        page = "—"
        if r.path:
            rel = r.path.split("/", 1)[1]
            page = f"[{rel}:{r.line}]({rel_link('verification.md', rel, anchor(r.claim_id))})"
        listing = listings.get(r.claim_id)
        cid = f"[`{r.claim_id}`]({rel_link('verification.md', listing, r.claim_id)})" if listing else f"`{r.claim_id}`"
        how = _cell(r.how if r.status != FAILED else r.message.splitlines()[0])
        out.append(f"| {cid} | {page} | {r.kind} | {ICONS[r.status]} {r.status} | {how} | {r.seconds * 1000:.0f} ms |")
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def checks_page(module: str, listing: str, claims: list[Claim], results: dict[str, Result]) -> str:
    """The listing of one claims module (at docs path ``listing``): each check's source (with the helpers it
    calls), an anchor per claim id.  Not the whole module besides: that doubled the pages' weight and the
    build's time on them."""
    path = claims[0].source_file if claims else module.replace(".", "/") + ".py"
    out = [
        f"# Checks in `{path}`",
        "",
        "The code below computes the truth behind each claim; the engine compares it with the page."
        if claims
        else "This module declares no claims yet.",
        f"A status mark on a page links to its claim here. The whole module is `{path}` in the repository.",
        "",
    ]
    by_source: dict[int, list[Claim]] = defaultdict(list)
    for c in claims:
        by_source[c.source_line].append(c)
    for line in sorted(by_source):
        group = by_source[line]
        ids = ", ".join(f"`{c.id}`" for c in group)
        out.append(f"## {ids if len(group) <= 3 else f'`{group[0].id}` … `{group[-1].id}` ({len(group)} claims)'}")
        out.append("")
        one_how = len({c.how for c in group}) == 1  # a loop may declare claims checked in different ways
        for c in group:
            r = results.get(c.id)
            if r and r.path:
                shown = (
                    f"[{r.path.split('/', 1)[1]}:{r.line}]({rel_link(listing, r.path.split('/', 1)[1], anchor(c.id))})"
                )
                status = f"{ICONS[r.status]} {r.status}, shown at {shown}"
            else:
                status = f"{ICONS[r.status]} {r.status}, on no page" if r else "not shown on any page"
            own_how = f". How: {c.how}" if not one_how else ""
            if c.wrong_answer_to:
                why = f". Given as the answer to `{c.wrong_answer_to}`, the checker says: {_cell(c.why)}"
            else:
                why = f". {_cell(c.why)}" if c.why else ""
            out.append(f'<span id="{c.id}"></span>`{c.id}` — {status}' + own_how + why + "  ")
        how = f"How: {group[0].how}. " if one_how else ""
        out += [
            "",
            f"{how}Source: `{path}`, line {line}.",
            "",
            "```python",
            _source(group[0].source_fn or group[0].compute),
            "```",
            "",
        ]
    return "\n".join(out)


def _source(fn: Callable[..., object]) -> str:
    """The check's source, with the functions it calls: for a lambda registered in a loop, every one;
    for a function, the private helpers of its own module (the rest have names that say what they do)."""
    try:
        text = textwrap.dedent(inspect.getsource(fn)).rstrip()
    except (OSError, TypeError):
        return f"# source of {fn!r} is not available"
    is_lambda = getattr(fn, "__name__", "") == "<lambda>"
    called = []
    scope: object = None
    code, globals_ = fn.__code__, fn.__globals__  # type: ignore[attr-defined]
    for name in code.co_names:
        obj = getattr(scope, name, None) if scope is not None else globals_.get(name)
        scope = obj if inspect.ismodule(obj) else None
        obj = inspect.unwrap(obj) if callable(obj) else obj  # a functools.cache'd helper shows its own code
        if not inspect.isfunction(obj) or obj.__name__ == "<lambda>" or obj in called:
            continue
        if is_lambda or (obj.__module__ == fn.__module__ and obj.__name__.startswith("_")):
            called.append(obj)
    parts = [f"# registered in a loop:\n{text}" if is_lambda else text]
    parts += [
        f"\n# which calls {f.__module__}.{f.__name__}:\n{textwrap.dedent(inspect.getsource(f)).rstrip()}"
        for f in called
    ]
    return "\n".join(parts)
