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

Under ``mkdocs serve`` only, a rebuild reuses work whose inputs did not change, keyed by
:func:`inputs_digest` (every file of the project but its docs, and the interpreter and every installed
package's version): with the same digest, the truths the last checking process computed (``SiteCheck.truths``,
handed to the next one in a file, ``TRUTHS``) are compared with the pages' values again instead of being
computed again; the plugin reuses the whole :class:`SiteCheck` when no page's claims changed either.  The key
is coarse (any code or results edit recomputes every truth).  It cannot go stale for a truth computed from what
the digest covers (the course's code, its recorded results, the packages); a truth computed after this process
read anything else (data beside the project, a hidden cache, the docs) is never handed back
(:func:`_watch_reads`), so it is computed again on every rebuild.

Importing the claims modules is bounded (the plugin's ``import_limit``, per module): the process says
on a pipe of its own which module it starts importing, and a watcher thread here stops it when one takes
longer than the limit on the clock (:func:`.registry.wall_limit`), whatever it does (an endless loop in
native code, a signal ignored); the process itself also gives up at the limit, in CPU time or on the clock
(:func:`.registry.import_claims`).  A module that raises, exits or kills the process is named too.  Either
way the build fails with one line, never a wait.
"""

from __future__ import annotations

import contextlib
import gc
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
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Settings
from .registry import timeout_message, wall_limit
from .site import Job
from .verdicts import Report, Result


class CheckerFailed(RuntimeError):
    """The checking process stopped before it could judge the claims (a claims module that fails to import)."""


@dataclass
class SiteCheck:
    report: Report
    listings: dict[str, str]  # claim id -> the docs path of the check listing of the module that declares it
    pages: dict[str, str]  # generated page (docs-relative .md path) -> its Markdown
    seconds: float  # how long judging every claim took
    truths: dict[str, bytes] = field(default_factory=dict)  # claim id -> its pickled truth (serve reuses them)


def inputs_digest(root: Path, skip: list[Path]) -> str:
    """What every claim's truth (and an executed notebook) can depend on, as one SHA-256: each file under
    ``root`` but hidden folders, ``__pycache__`` and ``skip`` (the docs and site folders): its path and
    bytes (size and modification time for a file over 4 MiB); the interpreter; every installed
    distribution's name and version.  Hand-written, not a library: it is a dozen lines over ``os.walk``,
    ``hashlib`` and ``importlib.metadata``, and what it leaves out must be exactly what this docstring says."""
    import hashlib
    from importlib import metadata

    h = hashlib.sha256(f"{sys.version}\0{sys.executable}\0".encode())
    skipped = {s.resolve() for s in skip}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and d != "__pycache__" and (here / d).resolve() not in skipped
        )
        for name in sorted(files):
            path = here / name
            try:
                st = path.stat()
                data = path.read_bytes() if st.st_size <= 4 << 20 else f"{st.st_size}:{st.st_mtime_ns}".encode()
            except OSError:
                continue  # removed while walking: the watcher queues another build
            h.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode() + data)
    for name, version in sorted((d.metadata["Name"] or "", d.version or "") for d in metadata.distributions()):
        h.update(f"{name}=={version}\0".encode())
    return h.hexdigest()


# The jobs of the running judge_in_parallel: forked workers inherit them, so only indices travel to them.
_JOBS: list[Job] = []
# The truths this process (or its forked workers) computed and may hand back (claim id -> pickled).
_TRUTHS: dict[str, bytes] = {}
# Files this process read that inputs_digest does not cover (audited by _watch_reads); after the first, no truth
# it computes is handed back, since a cached helper may carry what it read into later claims too.
_UNCOVERED: list[str] = []
_COVERED: list[str] = []  # folders whose files the digest covers (the project, the interpreter and its packages)
_EXCLUDED: list[str] = []  # ... but for these (the docs)
_NOT_INPUTS = ("/dev/", "/proc/", "/sys/")  # the machine's state, not files a truth is computed from
_READS = {"open", "os.listdir", "os.scandir"}
_KEEP = [False]  # hand truths back (mkdocs serve only: a build keeps nothing, and watches no read)
_RECORDING = [False]  # on while the claims modules are imported and while a claim is judged (not the page scan)


@contextlib.contextmanager
def _recording() -> Iterator[None]:
    _RECORDING[0] = True
    try:
        yield
    finally:
        _RECORDING[0] = False


def _covered(path: str) -> bool:
    if path.startswith(_NOT_INPUTS) or "/__pycache__/" in path:
        return True
    if any(path == e or path.startswith(e + os.sep) for e in _EXCLUDED):
        return False
    for folder in _COVERED:
        if path == folder or path.startswith(folder + os.sep):
            rest = path[len(folder) :].split(os.sep)
            return not any(part.startswith(".") for part in rest)  # hidden folders are not in the digest
    return False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _RECORDING[0] or event not in _READS or not args or args[0] is None or isinstance(args[0], int):
        return
    try:
        path = os.path.realpath(os.fsdecode(args[0]))
    except (TypeError, ValueError, OSError):
        return
    if not _covered(path):
        _UNCOVERED.append(path)


def _watch_reads(root: Path, docs: Path) -> None:
    """Audit every file this process opens or lists (``sys.addaudithook``; a reader in native code that bypasses
    Python's ``open`` is not seen): a truth computed after a read that :func:`inputs_digest` does not cover (data
    beside the project, a hidden cache, a temporary file) is not handed back for reuse.  Hand-written, not a
    library: the audit hook is the standard library's own interface for exactly this."""
    _COVERED[:] = sorted({os.path.realpath(p) for p in (root, sys.prefix, sys.base_prefix, sys.exec_prefix)})
    _EXCLUDED[:] = [os.path.realpath(docs)]
    sys.addaudithook(_audit)


def _pickled_truth(claim: Any) -> bytes | None:
    """The claim's truth, if its function ran here with only covered reads so far and returned something pickle
    can carry; else None."""
    from .checks import remembered_truth

    if _UNCOVERED or not _KEEP[0]:
        return None
    known = remembered_truth(claim)
    if known is None or not known[0]:
        return None  # not run, or it raised (Pending, a time limit): computed again next time
    try:
        return pickle.dumps(known[1], protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001  # a closure, a generator...: computed again next time
        return None


def _judge_group(indices: list[int]) -> list[tuple[int, Result, bytes | None]]:
    out = []
    for i in indices:
        with _recording():
            result = _JOBS[i].judge()
        out.append((i, result, _pickled_truth(_JOBS[i].claim)))
    return out


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
            with _recording():
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
                for i, r, truth in done.result():
                    out[i] = r
                    if truth is not None:
                        _TRUTHS[jobs[i].claim.id] = truth
    finally:
        _JOBS = []
    return out  # type: ignore[return-value]


def check_site(docs_dir: Path, settings: Settings, known: dict[str, bytes] | None = None) -> SiteCheck:
    """Judge every claim in ``docs_dir`` and render the generated pages (the checking process's work).

    ``known``: truths computed under the same :func:`inputs_digest` (``mkdocs serve`` only): each page value is
    compared with them, their functions do not run."""
    from . import checks, registry, render, site

    # Imported before the workers fork: shared (main() has imported them already, bounded).
    claims = registry.load_all(settings.packages, settings.root, settings.import_limit)
    workers = settings.worker_count()
    t0 = time.perf_counter()
    with checks.reused_truths():  # each claim is judged once anyway; this keeps its truth to hand back
        for cid, blob in (known or {}).items():
            if cid in claims:
                checks.remember_truth(claims[cid], pickle.loads(blob))  # our own file, from our own process
        report = site.verify_docs(
            docs_dir, settings, judge_all=lambda jobs: judge_in_parallel(jobs, workers), coverage=False
        )  # the plugin scans claim coverage on the pages MkDocs renders
    truths = {**(known or {}), **_TRUTHS}  # the ones handed in hold under the same digest
    seconds = time.perf_counter() - t0
    results = report.by_id()
    by_module: dict[str, list] = defaultdict(list)
    for c in claims.values():
        by_module[c.module].append(c)
    listing_of = render.listing_paths(registry.claims_modules(settings.packages), settings)
    pages = {listing: render.checks_page(m, listing, by_module[m], results) for m, listing in listing_of.items()}
    listings = {cid: listing_of[c.module] for cid, c in claims.items() if c.module in listing_of}
    pages["verification.md"] = render.verification_page(report.results, listings, report.counts(), seconds, workers)
    return SiteCheck(report, listings, pages, seconds, truths)


def generated_pages(settings: Settings) -> list[str]:
    """The paths of the pages :func:`check_site` generates, known before it runs (without importing the
    course).  Raises ``ValueError`` for a claims package that cannot be found or two modules with one listing."""
    from . import registry, render

    return [*render.listing_paths(registry.claims_modules(settings.packages), settings).values(), "verification.md"]


# The checking process's exit status when a claims module cannot be imported (it said why on the progress pipe).
IMPORT_FAILED = 3
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

    def __init__(self, fd: int, proc: subprocess.Popen, limit: float) -> None:
        self.fd, self.proc, self.limit = fd, proc, limit
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

    def __init__(self, docs_dir: Path, settings: Settings, known: dict[str, bytes] | None = None) -> None:
        self.docs_dir = docs_dir
        self._known: str | None = None  # the file that hands the process its known truths, removed at the end
        if known is not None:  # (even none: the process then hands back the truths it computes)
            with tempfile.NamedTemporaryFile(prefix="claims-truths-", suffix=".pickle", delete=False) as f:
                pickle.dump(known, f, protocol=pickle.HIGHEST_PROTOCOL)
            self._known = f.name
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
                    *([self._known] if self._known else []),
                ],
                cwd=settings.root,
                stdin=subprocess.DEVNULL,
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
        self._watch = _ImportWatch(progress, self._proc, settings.import_limit)
        self._result: SiteCheck | None = None

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
        if self._proc.stdout is not None and not self._proc.stdout.closed:
            self._proc.stdout.close()
        if not self._stderr.closed:
            self._stderr.close()


def start(docs_dir: Path, settings: Settings, known: dict[str, bytes] | None = None) -> Running:
    return Running(Path(docs_dir).resolve(), settings, known)


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
    progress = int(argv[2]) if len(argv) >= 3 else None
    known = pickle.loads(Path(argv[3]).read_bytes()) if len(argv) == 4 else None  # from our own parent
    settings = Settings.from_json(argv[0])
    if not Path(argv[1]).is_dir():
        print(f"{argv[1]}: not a folder (the docs folder whose claims to check)", file=sys.stderr)
        return 2
    if known is not None:  # under `mkdocs serve`: the audit hook costs a build time, which keeps nothing
        _KEEP[0] = True
        _watch_reads(settings.root, Path(argv[1]))
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a check prints goes to stderr, never into the verdicts
    try:
        with _recording():
            loaded = _load(settings, progress)
        if not loaded:
            return IMPORT_FAILED
    finally:
        if progress is not None:
            os.close(progress)  # before the workers fork: the parent's watcher sees the pipe end here
    # What is loaded now lives as long as the process: keep the garbage collector from scanning it again
    # and again while the checks allocate (verify takes a fifth less time), and from touching the memory
    # pages that the forked workers share.
    gc.freeze()
    check = check_site(Path(argv[1]), settings, known)
    pickle.dump(check, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.close()
    return 0


if __name__ == "__main__":
    # Through the module's own name, so that what is pickled is <package>.background.SiteCheck, not __main__'s.
    from . import background as this_module  # noqa: PLW0406

    sys.exit(this_module.main(sys.argv[1:]))
