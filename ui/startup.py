"""The app server's start-up hook (the ``st.App`` lifespan in ``app.py``).

When the server starts, a background thread warms the libraries Streamlit loads
lazily for tables (pandas, pyarrow) and the engine (imports, one analysis, one
rendering: :func:`ui.warmup.warm_up`). The server answers at once, so a
browser opened meanwhile loads the page's scripts while the warm-up runs; the
page script itself waits for the warm-up (:func:`wait_until_warm`), because two
threads importing one module at once can see it half initialised.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import asynccontextmanager

from ui.warmup import warm_up

_started = threading.Event()
_done = threading.Event()
WAIT_S = 120.0


def _warm() -> None:
    try:
        started = time.perf_counter()
        import pandas  # noqa: F401  (st.table, st.dataframe and Plotly use it once imported)
        import pyarrow  # noqa: F401

        seconds = {"tables": time.perf_counter() - started, **warm_up()}
        print("  Warmed up: " + ", ".join(f"{stage} {s:.1f} s" for stage, s in seconds.items()), flush=True)
    finally:
        _done.set()


def wait_until_warm() -> None:
    """Blocks while the start-up warm-up runs (at most :data:`WAIT_S`); returns at once without one."""
    if _started.is_set():
        _done.wait(WAIT_S)


def _stop_quietly_after_ctrl_c() -> None:
    """Lets Ctrl-C end ``streamlit run`` with exit code 0 once the graceful shutdown is done.

    uvicorn (which serves an ``st.App``) handles SIGINT by shutting down gracefully,
    then raises the signal again; the CLI turns that into "Aborted!" and exit code 1.
    The handler uvicorn installed is its server's bound method: dropping SIGINT from
    the signals it re-raises ends the process normally. With another server (or a
    uvicorn without that list) nothing changes.
    """
    server = getattr(signal.getsignal(signal.SIGINT), "__self__", None)
    captured = getattr(server, "_captured_signals", None)
    if isinstance(captured, list):
        captured[:] = [sig for sig in captured if sig != signal.SIGINT]


@asynccontextmanager
async def lifespan(app):
    """Starts the warm-up with the server; when the server stops, waits for it to end (no thread left behind)."""
    _started.set()
    worker = threading.Thread(target=_warm, name="vse-warm-up")
    worker.start()
    try:
        yield
    finally:
        worker.join(WAIT_S)
        print("  Stopped: background work finished.", flush=True)
        _stop_quietly_after_ctrl_c()
