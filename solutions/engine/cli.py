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
    docs = docs_dir_in(Path(args.config))
    mistakes = answers.mistakes_in(docs, claims, c.id) if docs.is_dir() else []
    verdict = answers.assess(c, answer, truth, mistakes, settings.time_limit)
    print(verdict.line())
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
    try:
        report = verify_docs(docs, settings, set(args.ids) if args.ids else None)
    except ImportFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    width = max((len(r.claim_id) for r in report.results), default=5)
    print(f"{'claim':<{width}}  {'status':<9} {'kind':<22} {'ms':>6}  where")
    for r in sorted(report.results, key=lambda r: (r.path or "~", r.line or 0)):
        print(f"{r.claim_id:<{width}}  {r.status:<9} {r.kind:<22} {r.seconds * 1000:6.0f}  {r.where}")
    failures = [r for r in report.results if r.status == FAILED]
    for r in failures:
        print("\n" + r.message, file=sys.stderr)
    print("\n" + ", ".join(f"{n} {s}" for s, n in report.counts().items()))
    return 1 if failures else 0


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
    p.set_defaults(func=cmd_verify)
