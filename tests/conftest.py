"""Fixtures shared by the browser tests: one Streamlit server and one Chromium per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import appserver


@pytest.fixture(scope="module")
def server_log(tmp_path_factory) -> Path:
    """Where the module's Streamlit server writes its output."""
    return tmp_path_factory.mktemp("server") / "streamlit.log"


@pytest.fixture(scope="module")
def app_url(server_log):
    """``streamlit run app.py`` on a free port (output in ``server_log``), stopped at the end."""
    port = appserver.free_port()
    proc = appserver.start(port, server_log)
    url = f"http://127.0.0.1:{port}"
    try:
        appserver.wait_healthy(url, proc, timeout=60)
    except (RuntimeError, TimeoutError) as exc:
        appserver.stop(proc)
        pytest.fail(f"{exc}:\n{server_log.read_text()}")
    yield url
    appserver.stop(proc)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=appserver.CHROMIUM, args=appserver.CHROMIUM_ARGS)
        yield browser
        browser.close()
