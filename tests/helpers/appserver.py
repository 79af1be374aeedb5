"""Starting and stopping ``streamlit run app.py`` for the browser tests and the app benchmark."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("VSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int, log: Path | None = None, env: dict | None = None) -> subprocess.Popen:
    """``streamlit run app.py`` on 127.0.0.1:``port``; output to ``log`` (or discarded); ``env`` adds variables."""
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
           str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    out = log.open("w") if log is not None else subprocess.DEVNULL
    try:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, **(env or {})})
    finally:
        if log is not None:
            out.close()


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Returns once the server answers its health check; raises if it exits or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited during start-up (exit code {proc.returncode})")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"streamlit did not answer its health check within {timeout:.0f} s")


def is_loopback(url: str) -> bool:
    """True for a request that stays on this machine: 127.0.0.1 / localhost, or a data: or blob: URL."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob") or parsed.hostname in ("127.0.0.1", "localhost", "::1")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def served(log: Path, env: dict | None = None):
    """The URL of a started ``streamlit run app.py`` (output in ``log``), stopped on exit.

    A server that fails to start fails the test with its log.
    """
    import pytest

    port = free_port()
    proc = start(port, log, env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, timeout=60)
    except (RuntimeError, TimeoutError) as exc:
        stop(proc)
        pytest.fail(f"{exc}:\n{log.read_text()}")
    try:
        yield url
    finally:
        stop(proc)
