"""Fixtures shared by the browser tests: one Streamlit server and one Chromium per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import appserver


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """``streamlit run app.py`` on a free port (log in the module's tmp folder), stopped at the end."""
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    port = appserver.free_port()
    proc = appserver.start(port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        appserver.wait_healthy(url, proc, timeout=60)
    except (RuntimeError, TimeoutError) as exc:
        appserver.stop(proc)
        pytest.fail(f"{exc}:\n{Path(log).read_text()}")
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
