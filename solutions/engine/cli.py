"""The engine's commands, ``check`` (one answer) and ``verify`` (every claim of a docs folder).

A course's command line adds them with :func:`add_commands`.  Both read the engine's
settings from the ``claims`` entry of ``mkdocs.yml`` (:func:`.config.from_mkdocs_yml`), so
they judge with the same packages and time limit as the site build, and through the same
judging code (:func:`.checks.compute_truth`, :func:`.checks.compare_within`,
:func:`.site.verify_docs`).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from .config import ConfigError, Settings, docs_dir_in, from_mkdocs_yml
from .verdicts import FAILED

# The verdicts of a reader's answer (answers.VERDICTS) as exit codes: a known mistake is a wrong answer.
EXIT = {"equivalent": 0, "different": 1, "mistake": 1, "invalid": 2, "timeout": 2}


def _settings(args: argparse.Namespace) -> Settings | None:
    try:
        return from_mkdocs_yml(Path(args.config))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return None


def cmd_check(args: argparse.Namespace) -> int:
    from . import answers, registry
    from .checks import Pending, compute_truth

    answer = " ".join(a for a in args.answer if a != "--").strip()
    if not answer:
        print("cannot parse: give an answer after the claim id, e.g. check a2.q4.valid_triplets 36")
        return 2
    settings = _settings(args)
    if settings is None:
        return 2
    try:
        claims = registry.load_all(settings.packages, settings.root, settings.import_limit)
    except registry.ImportFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    c = claims.get(args.claim_id)
    if c is None:
        near = difflib.get_close_matches(args.claim_id, list(claims), n=3)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        print(f"cannot parse: no claim is called {args.claim_id!r}{hint}; the `verify` command lists them all")
        return 2
    try:
        truth = compute_truth(c, settings.truth_time_limit)
    except Pending as p:
        print(f"cannot check yet: {p}")
        return 2
    except Exception as err:  # noqa: BLE001 - a broken check or results file: one line, never a traceback
        print(f"cannot check: the check of {c.id} ({c.location}) failed: {type(err).__name__}: {err}")
        return 2
    try:  # a gradient claim: its cases as the page's checker has them, so that both give the same verdict
        c, truth = answers.reader_check(c, truth)
    except ValueError as err:
        print(f"cannot check: the cases of {c.id} ({c.location}) cannot be read: {err}")
        return 2
    docs = docs_dir_in(Path(args.config))
    mistakes = answers.mistakes_in(docs, claims, c.id) if docs.is_dir() else []
    verdict = answers.assess(c, answer, truth, mistakes, settings.time_limit)
    print(verdict.line())
    if verdict.verdict == "equivalent" and c.kind.name == "gradient" and len(truth) > 1:  # which notation it read
        print(f"  read in {verdict.read_as}")
    if args.verbose and verdict.verdict in ("different", "mistake"):
        print(f"  yours: {verdict.read_as}\n  truth: {verdict.truth}")
    return EXIT[verdict.verdict]


def cmd_verify(args: argparse.Namespace) -> int:
    from .registry import ImportFailed
    from .site import verify_docs

    settings = _settings(args)
    if settings is None:
        return 2
    docs = Path(args.docs) if args.docs else docs_dir_in(Path(args.config))
    if not docs.is_dir():
        print(f"error: {docs}: not a folder (the docs folder whose claims to check)", file=sys.stderr)
        return 2
    if args.changed:
        if args.ids:
            print("error: give claim ids or --changed, not both", file=sys.stderr)
            return 2
        return verify_changed(docs, settings)
    try:
        report = verify_docs(docs, settings, set(args.ids) if args.ids else None)
    except ImportFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return _print_report(report.results, report.counts())


def _print_report(results: list, counts: dict[str, int], extra: list[str] = ()) -> int:  # type: ignore[assignment]
    """The table of ``verify``; each failure's message on stderr, as the build words it.  Exit 1 on a failure."""
    width = max((len(r.claim_id) for r in results), default=5)
    print(f"{'claim':<{width}}  {'status':<9} {'kind':<22} {'ms':>6}  where")
    for r in sorted(results, key=lambda r: (r.path or "~", r.line or 0)):
        print(f"{r.claim_id:<{width}}  {r.status:<9} {r.kind:<22} {r.seconds * 1000:6.0f}  {r.where}")
    failures = [r.message for r in results if r.status == FAILED] + list(extra)
    for message in failures:
        print("\n" + message, file=sys.stderr)
    print("\n" + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return 1 if failures else 0


def verify_changed(docs: Path, settings: Settings) -> int:
    """``verify --changed``: only the claims and pages that the working tree's change touches
    (:mod:`.changed`), judged as ``verify`` and the build judge them; a changed Markdown page also passes the
    build's sanitizer here.  Exit 0 when all hold, 1 on a failure, 2 when the change cannot be listed."""
    import secrets

    from . import changed, registry, sanitize
    from .pages import FRONT_MATTER_RE, PageSyntaxError, find_claims, replace_claims
    from .site import site_markdown, verify_docs

    try:
        claims = registry.load_all(settings.packages, settings.root, settings.import_limit)
        files = changed.changed_files(settings.root)
    except (registry.ImportFailed, changed.ChangedError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    t = changed.touched(files, settings.root, docs, list(settings.packages), claims)
    if t.everything:
        print("mkdocs.yml changed: checking every claim and page")
        report = verify_docs(docs, settings)
        return _print_report(report.results, report.counts())
    for rel in t.unread:
        print(f"note: {rel} changed; no page or claim reads it as far as `verify --changed` can tell")
    if not t.ids and not t.pages:
        print(f"nothing to check: {len(files)} changed file(s), none a page, a claims module's code or a run it reads")
        return 0
    modules = ", ".join(sorted(t.modules)) or "none"
    print(
        f"changed: {len(files)} file(s); checking {len(t.ids)} claim(s) (claims modules: {modules}) "
        f"and {len(t.pages)} page(s): {', '.join(sorted(t.pages)) or 'none'}"
    )
    report = verify_docs(docs, settings, t.ids, pages=t.pages)
    offences: list[str] = []
    nonce = secrets.token_hex(8)  # no page can carry it: every engine-named element on a page is hand-written
    render = site_markdown(settings.root / "mkdocs.yml")
    for page in sorted(p for p in t.pages if p.endswith(".md")):
        text = (docs / page).read_text(encoding="utf-8")
        try:
            occurrences = find_claims(text, f"{docs.name}/{page}")
        except PageSyntaxError:
            continue  # reported by the scan
        # The page as the site renders it, each claim left out (what the engine renders there carries the
        # build's nonce, and is not the page's): the rest must pass the sanitizer unchanged, as in the build.
        body = replace_claims(text, occurrences, lambda o, text=text: "\n" * text.count("\n", o.start, o.end))
        head = FRONT_MATTER_RE.match(body)
        html = render(body[head.end() :] if head else body)
        offence = sanitize.check_html(html, nonce)
        if offence is not None:
            offences.append(offence.message(f"{docs.name}/{page}", text))
    return _print_report(report.results, report.counts(), offences)


def add_commands(sub: argparse._SubParsersAction, config: Path) -> None:
    """Add ``check`` and ``verify`` to a command line; ``config`` is the default mkdocs.yml."""
    p = sub.add_parser("check", help="check one answer: exit 0 equivalent, 1 different, 2 cannot parse")
    p.add_argument("claim_id", help="e.g. a2.q6.dL_df1 (see the Verification page)")
    # Everything after the claim id is the answer, even when it starts with "-" (-2f_1 + f_4): options go first.
    p.add_argument(
        "answer",
        nargs=argparse.REMAINDER,
        help="a number, or LaTeX such as '2f_1 - 2f_2' (quote it for the shell); may start with '-'",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="also print both sides (give it before the claim id)")
    p.add_argument("--config", default=str(config), help="the mkdocs.yml whose `claims` plugin entry to use")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("verify", help="check every claim of the site and print a table")
    p.add_argument("ids", nargs="*", help="only these claim ids")
    p.add_argument("--docs", help="the docs folder (default: the mkdocs.yml's docs_dir)")
    p.add_argument("--config", default=str(config), help="the mkdocs.yml whose `claims` plugin entry to use")
    p.add_argument(
        "--changed",
        action="store_true",
        help="only what the working tree changes since the last commit (git): the claims of changed pages, of "
        "the claims modules a changed module reaches and of a changed run's task, and the changed pages' checks",
    )
    p.set_defaults(func=cmd_verify)
