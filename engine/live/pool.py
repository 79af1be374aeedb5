"""A small pool of worker threads shared by every live session of a server.

Threads start when work arrives and end after ``idle_s`` seconds without any, so a
server with no live camera holds no thread, and nothing is left to join at exit.
:meth:`LivePool.close` ends the pool at once (server shutdown, tests).

Each worker runs torch on ``torch_threads`` threads (default 1). The setting is the
worker thread's own (OpenMP's per-thread count; other sessions' threads keep theirs).
Measured on the 2-core machine at load 15: the bundled cnnlstm's gradient took 0.34 s
median on 2 OpenMP threads and 0.048 s on one, and one thread leaves a core for the media.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

LOGGER = logging.getLogger(__name__)
_STOP = object()


class LivePool:
    """Runs submitted callables on at most ``workers`` threads, first in first out.

    Args:
        workers: the most threads at once (one keeps a 2-core machine's second core for the media).
        idle_s: a thread with no work for this long ends.
        name: the threads' name prefix.
        torch_threads: torch's intra-op threads in each worker (None: leave torch's default).
    """

    def __init__(self, workers: int = 1, idle_s: float = 2.0, name: str = "vse-live", torch_threads: int | None = 1):
        self.workers = max(1, int(workers))
        self.idle_s = float(idle_s)
        self.name = name
        self.torch_threads = torch_threads
        self._jobs: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()
        self._idle = 0
        self._closed = False
        self._started = 0

    def submit(self, job: Callable[[], None]) -> bool:
        """Queues ``job``; False (and nothing queued) when the pool is closed."""
        with self._lock:
            if self._closed:
                return False
            self._jobs.put(job)
            if self._idle == 0 and len(self._threads) < self.workers:
                self._started += 1
                # not a daemon (whoever submits: the media thread is one), so the interpreter never
                # kills it inside the model's C++ code at exit; it ends when idle or closed
                thread = threading.Thread(target=self._work, name=f"{self.name}-{self._started}", daemon=False)
                self._threads.add(thread)
                thread.start()
        return True

    def threads(self) -> int:
        """Worker threads alive now."""
        with self._lock:
            return len(self._threads)

    def _next_job(self):
        with self._lock:
            self._idle += 1
        try:
            return self._jobs.get(timeout=self.idle_s)
        except queue.Empty:
            return None
        finally:
            with self._lock:
                self._idle -= 1

    def _work(self) -> None:
        me = threading.current_thread()
        if self.torch_threads:
            import torch

            torch.set_num_threads(self.torch_threads)  # this thread's OpenMP count only
        while True:
            job = self._next_job()
            with self._lock:
                if job is _STOP or (job is None and (self._closed or self._jobs.empty())):
                    self._threads.discard(me)
                    return
            if job is None:
                continue
            try:
                job()
            except Exception:  # noqa: BLE001 - a job's failure must not end the worker
                LOGGER.exception("A live job failed")

    def close(self, timeout: float = 10.0) -> bool:
        """Stops taking work, drops what is queued, lets running jobs end and joins the threads.

        Returns:
            True when every thread ended within ``timeout``.
        """
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        while True:
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        for _ in threads:
            self._jobs.put(_STOP)
        for thread in threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in threads)
