"""Run NumPy's BLAS on a set number of threads for a while.

The captioning model multiplies small matrices (25 x 512 and the like).
OpenBLAS splits such products over all cores anyway, and its threads spin
while they wait; on a machine whose cores are busy with other work that
made training about 100 times slower (measured: 82 s instead of 0.8 s for
the same 50 epochs).  One thread is as fast as several at these sizes, so
:func:`~solutions.hw2.captioning.train` runs inside ``blas_threads(1)``.

Uses threadpoolctl when it is installed; otherwise calls OpenBLAS's own
``set_num_threads`` through ctypes; where neither works it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

# the names under which OpenBLAS builds export the two functions (NumPy's wheels use the scipy_ ones)
_PREFIXES = ("scipy_openblas", "openblas")
_SUFFIXES = ("64_", "_64_", "")


def _openblas_functions() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """(get_num_threads, set_num_threads) of the OpenBLAS bundled with NumPy, or None."""
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(libs.glob("*openblas*")) if libs.is_dir() else []:
        try:
            lib = ctypes.CDLL(str(path))  # already loaded by NumPy: this returns the same library
        except OSError:
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                set_ = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and set_ is not None:
                    set_.argtypes = [ctypes.c_int]
                    return get, set_
    return None


@contextlib.contextmanager
def blas_threads(n: int | None = 1) -> Iterator[None]:
    """Within the ``with`` block NumPy's BLAS uses ``n`` threads (``None``: leave it alone); restored afterwards."""
    if n is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass
    else:
        with threadpool_limits(limits=n, user_api="blas"):
            yield
        return
    funcs = _openblas_functions()
    if funcs is None:
        yield
        return
    get, set_ = funcs
    before = get()
    set_(n)
    try:
        yield
    finally:
        set_(before)
