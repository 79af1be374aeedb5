"""Shared fixtures: the app's result store in a temporary folder; one Streamlit server and one Chromium per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import appserver


@pytest.fixture(scope="session", autouse=True)
def results_dir(tmp_path_factory):
    """The app's persistent result store in a temporary folder for the whole run (never the user's cache).

    Set before any server starts, so the browser tests' servers inherit it; a test may point it elsewhere.
    """
    import os

    folder = tmp_path_factory.mktemp("results")
    previous = os.environ.get("VSE_RESULTS_DIR")
    os.environ["VSE_RESULTS_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("VSE_RESULTS_DIR", None)
    else:
        os.environ["VSE_RESULTS_DIR"] = previous


@pytest.fixture(scope="module")
def server_log(tmp_path_factory) -> Path:
    """Where the module's Streamlit server writes its output."""
    return tmp_path_factory.mktemp("server") / "streamlit.log"


@pytest.fixture(scope="module")
def app_url(server_log):
    """``streamlit run app.py`` on a free port (output in ``server_log``), stopped at the end."""
    with appserver.served(server_log) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=appserver.CHROMIUM, args=appserver.CHROMIUM_ARGS)
        yield browser
        browser.close()
