"""Running the tasks of :mod:`ecospace.measuring.partition` on Dask (private).

In this thread (one task or one worker), on dask's local threaded scheduler (the default:
nothing to start, and shapely releases the GIL inside GEOS), on a
:class:`distributed.LocalCluster` of processes, or on a cluster given as a client or a
scheduler address; with a progress bar on a terminal for runs that last.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

import dask
from dask.callbacks import Callback

#: A run shorter than this shows no progress bar.
PROGRESS_AFTER_S = 1.0


def _progress_bar(total: int, enabled: bool) -> Callable[[int], None]:
    """``show(done)``: a bar on standard error when it is a terminal, once the run has
    lasted :data:`PROGRESS_AFTER_S` (short runs stay silent)."""
    if not enabled or total < 2 or not sys.stderr.isatty():
        return lambda done: None
    start = time.perf_counter()
    shown = False

    def show(done: int) -> None:
        nonlocal shown
        if not shown and time.perf_counter() - start < PROGRESS_AFTER_S:
            return
        shown = True
        width = 30
        fill = round(width * done / total)
        sys.stderr.write(f"\rmeasuring tiles [{'#' * fill}{'.' * (width - fill)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


class _TileProgress(Callback):
    """Counts the tile tasks dask's local scheduler finishes (called in this thread)."""

    def __init__(self, keys: set, show: Callable[[int], None]) -> None:
        super().__init__()
        self._keys, self._show, self._done = keys, show, 0

    def _posttask(self, key, result, dsk, state, worker_id) -> None:
        if key in self._keys:
            self._done += 1
            self._show(self._done)


def _run(
    func: Callable, tasks: list[tuple], workers: int, client: Any, processes: bool, progress: bool
) -> list:
    """``func(*args)`` for every ``args`` of ``tasks``, in order.

    In this thread when there is one task or one worker; on dask's threaded scheduler
    with ``workers`` threads; on a ``LocalCluster`` of processes with ``processes``; on
    ``client`` when one is given.
    """
    show = _progress_bar(len(tasks), progress)
    if client is None and (workers == 1 or len(tasks) == 1):
        results = []
        for k, args in enumerate(tasks, 1):
            results.append(func(*args))
            show(k)
        return results
    if client is None and not processes:
        calls = [dask.delayed(func, pure=False)(*args) for args in tasks]
        with _TileProgress({c.key for c in calls}, show):
            return list(dask.compute(*calls, scheduler="threads", num_workers=workers))
    # distributed costs ~0.3 s to import: only when a cluster is asked for
    from distributed import Client, LocalCluster, as_completed

    own_cluster = own_client = None
    if client is None:
        own_cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
        client = own_client = Client(own_cluster)
    elif isinstance(client, str):
        client = own_client = Client(client)
    try:
        futures = [client.submit(func, *args, pure=False) for args in tasks]
        order = {f.key: k for k, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for done, fut in enumerate(as_completed(futures), 1):
            results[order[fut.key]] = fut.result()
            show(done)
        return results
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()
