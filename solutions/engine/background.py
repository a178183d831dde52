"""Check a site's claims in a separate process while MkDocs builds the pages that show none.

The checks need sympy and torch and take seconds of CPU; MkDocs' own slow work
(executing the notebook pages) needs neither.  :func:`start` launches this module (``python -m <this module>
SETTINGS DOCS``) at the start of a build, and the
build asks for the verdicts (:meth:`Running.result`) only when it reaches the
first page that shows a claim.  On two cores the two overlap.

A fresh interpreter for every build also means that ``mkdocs serve`` always
judges with the code as it is on disk, and that the checks' time limits
(``SIGALRM``, which works on a main thread only) hold while serving too.

What comes back is plain data (:class:`SiteCheck`): the verdicts, the check
listing of each claim, and the generated pages' Markdown, so the build's process
never imports a claims module.  A build keeps nothing between builds and checks from cold.

Under ``mkdocs serve`` only, a rebuild reuses work whose inputs did not change: each claims module's truths
come back keyed by everything they depend on (:mod:`.inputs`: the module's code and every project module it
imports, the distributions those import, the interpreter, and the files its code read, recorded as it ran), and
the next checking process compares the pages with the truths whose module's key still holds instead of computing
them (:class:`Kept`).  Editing a helper computes again only the claims of the modules that import it; editing a
results file, only those whose code read it.  The plugin also reuses the whole :class:`SiteCheck` when no file
of the project but the docs and no page's claims changed (:func:`inputs_digest`).

Importing the claims modules is bounded (the plugin's ``import_limit``, per module): the process says
on a pipe of its own which module it starts importing, and a watcher thread here stops it when one takes
longer than the limit on the clock (:func:`.registry.wall_limit`), whatever it does (an endless loop in
native code, a signal ignored); the process itself also gives up at the limit, in CPU time or on the clock
(:func:`.registry.import_claims`).  A module that raises, exits or kills the process is named too.  Either
way the build fails with one line, never a wait.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import pickle
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import inputs
from .config import Settings
from .registry import timeout_message, wall_limit
from .site import Job
from .verdicts import FAILED, Report, Result


class CheckerFailed(RuntimeError):
    """The checking process stopped before it could judge the claims (a claims module that fails to import)."""


class StandbyStale(RuntimeError):
    """A standby process found, once handed its truths, that a file its claims modules read while they were
    imported has changed since (what it imported is not what a fresh process would): start a fresh one."""


@dataclass
class Kept:
    """What ``mkdocs serve`` hands from one checking process to the next: the truths, and for each claims module
    the key of everything its truths depend on with the reads that key covers (:mod:`.inputs`).  A truth is
    reused only while its module's key, computed again over the same reads, is unchanged."""

    truths: dict[str, bytes] = field(default_factory=dict)  # claim id -> its pickled truth
    keys: dict[str, tuple[str, list[tuple[str, str]]]] = field(default_factory=dict)  # module -> (key, reads)
    # Each verdict of a claim whose truth is kept, by everything judging it reads of the page (_job_key), and the
    # engine it was judged by (_engine_digest): a verdict is reused only with its truth and the same engine.
    results: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # key -> (claim id, pickled Result)
    engine: str = ""


@dataclass
class SiteCheck:
    report: Report
    listings: dict[str, str]  # claim id -> the docs path of the check listing of the module that declares it
    pages: dict[str, str]  # generated page (docs-relative .md path) -> its Markdown
    seconds: float  # how long judging every claim took
    kept: Kept = field(default_factory=Kept)  # what the next rebuild under serve may reuse (a build: nothing)
    reused: int = 0  # truths handed in that still held, compared without running their functions
    stale: list[str] = field(default_factory=list)  # claims modules whose handed truths no longer held
    judged_again: int = -1  # (serve) how many of the pages' values were judged, not reused; -1: none were reused


def inputs_digest(root: Path, skip: list[Path]) -> str:
    """What every claim's truth (and an executed notebook) can depend on, as one SHA-256: each file under
    ``root`` but hidden folders, ``__pycache__`` and ``skip`` (the docs and site folders): its path and
    bytes (size and modification time for a file over 4 MiB); the interpreter; every installed
    distribution's name and version.  Hand-written, not a library: it is a dozen lines over ``os.walk``,
    ``hashlib`` and ``importlib.metadata``, and what it leaves out must be exactly what this docstring says."""
    h = _interpreter_and_versions()
    for path in _project_files(root, skip):
        try:
            st = path.stat()
            data = path.read_bytes() if st.st_size <= 4 << 20 else f"{st.st_size}:{st.st_mtime_ns}".encode()
        except OSError:
            continue  # removed while walking: the watcher queues another build
        h.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode() + data)
    return h.hexdigest()


def _interpreter_and_versions() -> Any:
    """A SHA-256 (hashlib object) begun with the interpreter and every installed distribution's name and version."""
    import hashlib
    from importlib import metadata

    h = hashlib.sha256(f"{sys.version}\0{sys.executable}\0".encode())
    for name, version in sorted((d.metadata["Name"] or "", d.version or "") for d in metadata.distributions()):
        h.update(f"{name}=={version}\0".encode())
    return h


def _project_files(root: Path, skip: list[Path]) -> list[Path]:
    """The files :func:`inputs_digest` reads: under ``root`` but hidden folders, ``__pycache__`` and ``skip``."""
    skipped = {s.resolve() for s in skip}
    out = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and d != "__pycache__" and (here / d).resolve() not in skipped
        )
        out += [here / name for name in sorted(files)]
    return out


# How far back a standby process's start counts a change (file systems keep times in coarse steps).
CHANGE_MARGIN_NS = 2_000_000_000


def _written_since(path: str | Path, since_ns: int, gone: bool = False) -> bool:
    """Whether ``path`` was written at or after ``since_ns`` (less :data:`CHANGE_MARGIN_NS`); ``gone`` for a path
    that cannot be read."""
    try:
        return os.stat(path).st_mtime_ns >= since_ns - CHANGE_MARGIN_NS
    except OSError:
        return gone


def changed_since(root: Path, skip: list[Path], since_ns: int) -> bool:
    """Whether a file :func:`inputs_digest` reads was written at or after ``since_ns`` (less a margin): a standby
    process started then may have imported it half way through an edit, even one undone since (same digest)."""
    return any(_written_since(path, since_ns, gone=True) for path in _project_files(root, skip))


# The jobs of the running judge_in_parallel: forked workers inherit them, so only indices travel to them.
_JOBS: list[Job] = []
# The truths this process (or its forked workers) computed and may hand back (claim id -> pickled).
_TRUTHS: dict[str, bytes] = {}
_KEEP = [False]  # hand truths back (mkdocs serve only: a build keeps nothing, and watches no read)


def _pickled_truth(claim: Any) -> bytes | None:
    """The claim's truth, if its function ran here with only covered reads so far and returned something pickle
    can carry; else None."""
    from .checks import remembered_truth

    if not _KEEP[0]:
        return None
    known = remembered_truth(claim)
    if known is None or not known[0]:
        return None  # not run, or it raised (Pending, a time limit): computed again next time
    try:
        return pickle.dumps(known[1], protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001  # a closure, a generator...: computed again next time
        return None


def _judge_group(indices: list[int]) -> tuple[list[tuple[int, Result, bytes | None]], set[inputs.Read]]:
    out = []
    for i in indices:
        with inputs.recording():
            result = _JOBS[i].judge()
        out.append((i, result, _pickled_truth(_JOBS[i].claim)))
    return out, inputs.READS


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)  # the workers already fill the cores; the checks' tensors are small


def judge_in_parallel(jobs: list[Job], workers: int) -> list[Result]:
    """Judge the claims in ``workers`` forked processes, one claims module at a time (claims of one
    module share cached work), largest module first.  Forked after the claims modules are imported,
    the workers start at once with everything loaded; each returns plain results."""
    global _JOBS
    groups: dict[str, list[int]] = defaultdict(list)
    for i, job in enumerate(jobs):
        groups[job.claim.module].append(i)
    if workers <= 1 or len(groups) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        results = []
        for job in jobs:
            with inputs.recording():
                results.append(job.judge())
            if (truth := _pickled_truth(job.claim)) is not None:
                _TRUTHS[job.claim.id] = truth
        return results
    order = sorted(groups.values(), key=len, reverse=True)
    out: list[Result | None] = [None] * len(jobs)
    _JOBS = jobs  # before the first submit, which forks the workers
    try:
        # An executor, not a multiprocessing.Pool: a worker that dies (a crash in native code) fails
        # the check with BrokenProcessPool instead of leaving the build waiting for ever.
        with ProcessPoolExecutor(
            min(workers, len(order)), mp_context=multiprocessing.get_context("fork"), initializer=_one_thread
        ) as pool:
            for done in as_completed([pool.submit(_judge_group, group) for group in order]):
                judged, reads = done.result()
                inputs.READS.update(reads)
                for i, r, truth in judged:
                    out[i] = r
                    if truth is not None:
                        _TRUTHS[jobs[i].claim.id] = truth
    finally:
        _JOBS = []
    return out  # type: ignore[return-value]


def _engine_digest() -> str:
    """What judging a claim runs besides its own module and truth: the engine's code (every file of this
    package), the interpreter, and every installed distribution's name and version (sympy compares formulas)."""
    h = _interpreter_and_versions()
    for path in sorted(Path(__file__).resolve().parent.rglob("*.py")):
        h.update(f"{path.name}\0".encode() + path.read_bytes())
    return h.hexdigest()


def _result_key(job: Job, truth: bytes) -> str:
    """Everything :meth:`.site.Job.judge` reads besides the claim (its module's key) and the engine: the page's
    value and place, the time limit, and the truth (pickled)."""
    import hashlib

    seen = repr((job.claim.id, job.text, job.path, job.line, job.in_table, job.seconds)).encode("utf-8", "replace")
    return hashlib.sha256(seen + b"\0" + truth).hexdigest()


def _judge_reusing(jobs: list[Job], workers: int, held: dict[str, bytes], known: Kept, engine: str) -> list[Result]:
    """Each job's verdict: the last one for the same page value, place and truth when the truth is held (its
    module's key holds) and the engine is the same, else judged (:func:`judge_in_parallel`)."""
    reusable = known.results if known.engine == engine else {}
    out: list[Result | None] = [None] * len(jobs)
    todo = []
    for i, job in enumerate(jobs):
        truth = held.get(job.claim.id)
        key = _result_key(job, truth) if truth is not None else ""
        if (hit := reusable.get(key)) is not None:
            out[i] = pickle.loads(hit[1])  # our own file, from our own process
            _RESULTS[key] = hit
        else:
            todo.append(i)
    _JUDGED[0] = len(todo)
    for i, result in zip(todo, judge_in_parallel([jobs[i] for i in todo], workers), strict=True):
        out[i] = result
        cid = jobs[i].claim.id
        if result.status == FAILED:
            continue  # judged again next time: a failure may be the machine's (a comparison past its time limit)
        if (truth := _TRUTHS.get(cid, held.get(cid))) is not None:  # the bytes handed on for it (check_site)
            _RESULTS[_result_key(jobs[i], truth)] = (cid, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    return out  # type: ignore[return-value]


# The verdicts judged or reused in this process, by _job_key (kept for those whose truth is kept).
_RESULTS: dict[str, tuple[str, bytes]] = {}
_JUDGED = [-1]  # how many jobs _judge_reusing judged


def _still_held(known: Kept, graph: inputs.Graph, claims: dict) -> tuple[dict[str, bytes], list[str]]:
    """The handed truths whose module's key is unchanged, and the modules whose key changed (or is gone)."""
    fresh: set[str] = set()
    stale: list[str] = []
    for module, (key, reads) in sorted(known.keys.items()):
        if module in graph.modules and graph.key(module, reads) == key:
            fresh.add(module)
        else:
            stale.append(module)
    held = {cid: blob for cid, blob in known.truths.items() if cid in claims and claims[cid].module in fresh}
    return held, stale


def _keys(graph: inputs.Graph, modules: set[str], known: Kept) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """Each module's key over the reads charged to it in this process and, for truths it reused, those its key
    covered before (their functions did not run here to read again)."""
    out = {}
    for module in sorted(modules):
        reads = set(graph.reads_of(module, inputs.READS)) | set(known.keys.get(module, ("", []))[1])
        listed = sorted(reads)
        out[module] = (graph.key(module, listed), listed)
    return out


def check_site(
    docs_dir: Path, settings: Settings, known: Kept | None = None, graph: inputs.Graph | None = None
) -> SiteCheck:
    """Judge every claim in ``docs_dir`` and render the generated pages (the checking process's work).

    ``known`` (``mkdocs serve`` only, with ``graph``, the project's import graph): the truths of the last
    checking process; each one whose module's key still holds is compared with the pages, its function does not
    run; the rest are computed again, and everything comes back keyed for the next rebuild."""
    from . import checks, registry, render, site

    # Imported before the workers fork: shared (main() has imported them already, bounded).
    claims = registry.load_all(settings.packages, settings.root, settings.import_limit)
    workers = settings.worker_count()
    held, stale = _still_held(known, graph, claims) if known is not None and graph is not None else ({}, [])
    t0 = time.perf_counter()
    engine = _engine_digest() if known is not None and graph is not None else ""

    def judge_all(jobs: list[Job]) -> list[Result]:
        if known is None or graph is None:
            return judge_in_parallel(jobs, workers)
        return _judge_reusing(jobs, workers, held, known, engine)

    with checks.reused_truths():  # each claim is judged once anyway; this keeps its truth to hand back
        for cid, blob in held.items():
            checks.remember_truth(claims[cid], pickle.loads(blob))  # our own file, from our own process
        # The plugin scans claim coverage on the pages MkDocs renders.
        report = site.verify_docs(docs_dir, settings, judge_all=judge_all, coverage=False)
    kept = Kept()
    if known is not None and graph is not None:
        truths = {**held, **_TRUTHS}
        results = {k: hit for k, hit in _RESULTS.items() if hit[0] in truths}
        kept = Kept(truths, _keys(graph, {claims[cid].module for cid in truths}, known), results, engine)
    seconds = time.perf_counter() - t0
    results = report.by_id()
    by_module: dict[str, list] = defaultdict(list)
    for c in claims.values():
        by_module[c.module].append(c)
    listing_of = render.listing_paths(registry.claims_modules(settings.packages), settings)
    pages = {listing: render.checks_page(m, listing, by_module[m], results) for m, listing in listing_of.items()}
    listings = {cid: listing_of[c.module] for cid, c in claims.items() if c.module in listing_of}
    pages["verification.md"] = render.verification_page(report.results, listings, report.counts(), seconds, workers)
    return SiteCheck(report, listings, pages, seconds, kept, len(held), stale, _JUDGED[0])


def generated_pages(settings: Settings) -> list[str]:
    """The paths of the pages :func:`check_site` generates, known before it runs (without importing the
    course).  Raises ``ValueError`` for a claims package that cannot be found or two modules with one listing."""
    from . import registry, render

    return [*render.listing_paths(registry.claims_modules(settings.packages), settings).values(), "verification.md"]


# The checking process's exit status when a claims module cannot be imported (it said why on the progress pipe).
IMPORT_FAILED = 3
STANDBY_STALE = 4  # the exit status of a standby whose import-time reads changed (StandbyStale)
# How much longer than the import limit the watcher waits before it stops the process itself: the process's own
# alarm normally answers first, with the same message.
WATCH_GRACE_S = 2.0


def _ended(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


class _ImportWatch:
    """Reads the checking process's progress lines (``start FILE``, ``failed LINE``, ``done``) and stops the
    process when one module's import outlives the limit."""

    def __init__(self, fd: int, proc: subprocess.Popen, limit: float, say_done: str = "") -> None:
        """``say_done``: a line to log (MkDocs' log) when the imports are done (a standby process)."""
        self.fd, self.proc, self.limit, self.say_done = fd, proc, limit, say_done
        self.importing: str | None = None  # the file being imported, until `done`
        self.failed: str | None = None  # the one line that says why the imports stopped
        self.done = False
        self.thread = threading.Thread(target=self._watch, name="claims-import-watch", daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        pending, deadline = b"", None
        try:
            while True:
                wait = None if deadline is None else max(deadline - time.monotonic(), 0.0)
                ready, _, _ = select.select([self.fd], [], [], wait)
                if not ready:  # the import outlived the limit and the process's own alarm did not answer
                    self.failed = timeout_message(self.importing or "a claims module", self.limit)
                    self.proc.kill()
                    return
                data = os.read(self.fd, 4096)
                if not data:  # the process finished its imports and closed the pipe, or it ended
                    return
                *lines, pending = (pending + data).split(b"\n")
                for raw in lines:
                    word, _, rest = raw.decode("utf-8", "replace").partition(" ")
                    if word == "start":
                        self.importing, deadline = rest, time.monotonic() + wall_limit(self.limit) + WATCH_GRACE_S
                    elif word == "failed":
                        self.failed, deadline = rest, None
                    elif word == "done":
                        self.importing, self.done, deadline = None, True, None
                        if self.say_done:
                            logging.getLogger("mkdocs.plugins.claims").info(self.say_done)
        finally:
            os.close(self.fd)

    def why(self, returncode: int) -> str | None:
        """The one line for a process that stopped while importing, or None when its imports were done."""
        self.thread.join()
        if self.failed:
            return self.failed
        if self.importing is not None and not self.done:
            return f"{self.importing}: importing it ended the checking process ({_ended(returncode)})"
        return None


class Running:
    """A checking process under way; :meth:`result` waits for it."""

    def __init__(self, docs_dir: Path, settings: Settings, known: Kept | None = None, standby: bool = False) -> None:
        """``standby`` (``mkdocs serve``): the process imports the course's code, then waits for :meth:`go` to
        hand it the known truths before it judges anything."""
        self.docs_dir = docs_dir
        self._settings, self._handed = settings, known  # (restart: a fresh process with the same)
        self._known: str | None = None  # the file that hands the process its known truths, removed at the end
        if known is not None:  # (even none: the process then hands back the truths it computes)
            self._known = self._write_known(known)
        self.standby = standby
        # A file, not a pipe, so the process never blocks on what it prints; open until result().
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        progress, progress_w = os.pipe()
        # In the project's root, so that `python -m` (which puts its working folder first on sys.path)
        # imports the course's code as it is on disk there.
        try:
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    __spec__.name,
                    settings.to_json(),
                    str(docs_dir),
                    str(progress_w),
                    *(["-"] if standby else [self._known] if self._known else []),
                ],
                cwd=settings.root,
                # Under serve (truths handed), no bytecode written into the watched folders: a .pyc written
                # there after a code edit would start another rebuild.
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"} if known is not None or standby else None,
                stdin=subprocess.PIPE if standby else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                pass_fds=(progress_w,),
                start_new_session=True,  # its own process group: cancelling it also ends its forked workers
            )
        except BaseException:
            os.close(progress)
            self._forget_known()
            raise
        finally:
            os.close(progress_w)  # the process holds the only writing end: its end is the pipe's end
        ready = "claims: the next checking process has imported the code (standby)" if standby else ""
        self._watch = _ImportWatch(progress, self._proc, settings.import_limit, ready)
        self._result: SiteCheck | None = None

    @staticmethod
    def _write_known(known: Kept) -> str:
        with tempfile.NamedTemporaryFile(prefix="claims-truths-", suffix=".pickle", delete=False) as f:
            pickle.dump(known, f, protocol=pickle.HIGHEST_PROTOCOL)
        return f.name

    def go(self, known: Kept) -> Running:
        """A process started on standby judges now, handed ``known`` (a broken pipe: it has ended, and
        :meth:`result` says why)."""
        assert self.standby and self._known is None and self._proc.stdin is not None
        self._handed = known
        self._known = self._write_known(known)
        try:
            self._proc.stdin.write(f"{self._known}\n".encode())
            self._proc.stdin.close()
        except OSError:
            pass
        self._proc.stdin = None  # handed over: communicate() in result() has nothing more to send
        self.standby = False
        return self

    def restart(self) -> Running:
        """A fresh process for the same job (after :class:`StandbyStale`)."""
        self.cancel()
        return Running(self.docs_dir, self._settings, self._handed)

    def _forget_known(self) -> None:
        if self._known is not None:
            Path(self._known).unlink(missing_ok=True)
            self._known = None

    def result(self) -> SiteCheck:
        if self._result is None:
            out, _ = self._proc.communicate()
            self._forget_known()
            self._stderr.seek(0)
            printed = self._stderr.read().decode("utf-8", "replace")
            self._stderr.close()
            if self._proc.returncode == STANDBY_STALE:
                raise StandbyStale(printed.strip().splitlines()[-1] if printed.strip() else "a file changed")
            why = self._watch.why(self._proc.returncode) if self._proc.returncode != 0 else None
            if why is not None:
                raise CheckerFailed(why)
            if self._proc.returncode != 0:
                raise CheckerFailed(
                    f"checking the claims of {self.docs_dir} stopped (exit status {self._proc.returncode}) before it "
                    f"returned the verdicts:\n{printed[-4000:].rstrip()}"
                )
            if printed.strip():
                sys.stderr.write(printed)  # what the checks printed, as a build in one process would show it
            self._result = pickle.loads(out)  # our own child process, over a pipe
        return self._result

    def cancel(self) -> None:
        """Stop the process and its workers if it still runs (the build failed for another reason).  Never
        waits for its output: a forked worker would keep the pipe open, and the build would hang there."""
        self._forget_known()
        if self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self._proc.kill()
            self._proc.wait()
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()
        if not self._stderr.closed:
            self._stderr.close()


def start(docs_dir: Path, settings: Settings, known: Kept | None = None) -> Running:
    return Running(Path(docs_dir).resolve(), settings, known)


def standby(docs_dir: Path, settings: Settings) -> Running:
    """Under ``mkdocs serve``, after a rebuild: the next checking process, started now so that it has imported the
    course's code (torch, sympy, every claims module: most of a value edit's wait) before the next save.  The
    plugin hands it the truths (:meth:`Running.go`) only if no file of the project changed since it started
    (:func:`changed_since`); else it is cancelled and a fresh one started."""
    return Running(Path(docs_dir).resolve(), settings, None, standby=True)


def _load(settings: Settings, progress: int | None) -> bool:
    """Import the claims modules, telling the parent on ``progress`` (a pipe) which one starts and how it ends."""
    from . import registry

    def say(line: str) -> None:
        if progress is not None:
            os.write(progress, (" ".join(line.split()) + "\n").encode("utf-8", "replace"))

    try:
        registry.load_all(
            settings.packages, settings.root, settings.import_limit, lambda module, file: say(f"start {file}")
        )
    except (registry.ImportFailed, ValueError) as err:
        say(f"failed {err}")
        print(err, file=sys.stderr)
        return False
    say("done")
    return True


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3, 4):
        print(f"usage: python -m {__spec__.name} SETTINGS_JSON DOCS_DIR [PROGRESS_FD [TRUTHS]]", file=sys.stderr)
        return 2
    started = time.time_ns()
    progress = int(argv[2]) if len(argv) >= 3 else None
    on_standby = len(argv) == 4 and argv[3] == "-"  # the truths' file comes on stdin, after the imports
    known: Kept | None = Kept() if on_standby else pickle.loads(Path(argv[3]).read_bytes()) if len(argv) == 4 else None
    settings = Settings.from_json(argv[0])
    if not Path(argv[1]).is_dir():
        print(f"{argv[1]}: not a folder (the docs folder whose claims to check)", file=sys.stderr)
        return 2
    graph = None
    if known is not None:  # under `mkdocs serve`: the audit hook costs a build time, which keeps nothing
        _KEEP[0] = True
        graph = inputs.Graph.of(settings.root, settings.packages)
        inputs.watch_reads(graph)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a check prints goes to stderr, never into the verdicts
    try:
        with inputs.recording():
            loaded = _load(settings, progress)
        if not loaded:
            return IMPORT_FAILED
    finally:
        if progress is not None:
            os.close(progress)  # before the workers fork: the parent's watcher sees the pipe end here
    imported: dict[tuple[str, str], bytes] = {}
    if on_standby and graph is not None:  # what the keys read of the installed packages, before the wait
        for module in graph.modules:
            graph.distributions(module)
        # What the claims modules read while they were imported (data beside the project, a results file):
        # compared again once the truths are handed over, for files the plugin's guard cannot see.
        imported = {(kind, path): inputs._state(kind, path) for _, kind, path in inputs.READS}
    # What is loaded now lives as long as the process: keep the garbage collector from scanning it again
    # and again while the checks allocate (verify takes a fifth less time), and from touching the memory
    # pages that the forked workers share.
    gc.freeze()
    if on_standby:
        handed = sys.stdin.readline().strip()
        if not handed:
            return 0  # not needed after all (the parent closed the pipe)
        known = pickle.loads(Path(handed).read_bytes())  # our own parent's file
        if changed := [
            p
            for (k, p), seen in imported.items()
            if inputs._state(k, p) != seen or (k == "file" and _written_since(p, started))
        ]:
            print(f"{changed[0]}: read while the claims modules were imported, and changed since", file=sys.stderr)
            return STANDBY_STALE
    check = check_site(Path(argv[1]), settings, known, graph)
    pickle.dump(check, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.close()
    return 0


if __name__ == "__main__":
    # Through the module's own name, so that what is pickled is <package>.background.SiteCheck, not __main__'s.
    from . import background as this_module  # noqa: PLW0406

    sys.exit(this_module.main(sys.argv[1:]))
