"""Browse in a real browser (Debian's Chromium through Playwright): a store folder's gallery, a filter, a sort,
the pairs of two models, and a click that opens a result in the player.

The server reads its own results from a fresh ``VSE_RESULTS_DIR``; the store is the one
``tests/test_browse.py`` builds. Every request stays on the loopback address. Screenshots go to
pytest's tmp folder, and to ``VSE_SCREENSHOTS`` when set. No assertion is about time.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.helpers import appserver
from tests.helpers.stores import make_store

pytestmark = pytest.mark.browser

WAIT_MS = 120_000
PLAYER = ".vse-player[data-ready='1']"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A store folder, and a server whose own results folder is empty; stopped at the end."""
    root = tmp_path_factory.mktemp("browser-browse")
    store = make_store(root)
    with appserver.served(root / "streamlit.log", env={"VSE_RESULTS_DIR": str(root / "app-results")}) as url:
        yield url, store


def _shot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, timeout=WAIT_MS)
    if os.environ.get("VSE_SCREENSHOTS"):
        Path(os.environ["VSE_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(os.environ["VSE_SCREENSHOTS"]) / path.name)


def _choose(page, container, label: str, option: str) -> None:
    """Picks ``option`` in the select box or multiselect labelled ``label``."""
    box = container.locator("[data-testid=stSelectbox], [data-testid=stMultiSelect]").filter(has_text=label).first
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def test_browse_filter_sort_pair_and_open(setup, tmp_path):
    from playwright.sync_api import sync_playwright

    url, store = setup
    seen: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=appserver.CHROMIUM, args=appserver.CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1300})
        page.on("request", lambda request: seen.append(request.url))
        page.goto(f"{url}/browse")
        sidebar, main = page.locator("[data-testid=stSidebar]"), page.locator("[data-testid=stMain]")
        sidebar.get_by_text("A store folder").click()
        folder = sidebar.get_by_role("textbox", name="Store folder")
        folder.fill(str(store))
        folder.press("Enter")
        images = main.locator("[data-testid=stImage] img")
        expect(images).to_have_count(16, timeout=WAIT_MS)
        _shot(page, tmp_path, "browse_gallery")

        _choose(page, sidebar, "Method", "gradient")
        expect(images).to_have_count(8, timeout=WAIT_MS)
        main.get_by_text("8 of 16 results", exact=False).wait_for(timeout=WAIT_MS)
        _choose(page, sidebar, "Sort by", "Confidence")
        main.get_by_text("sorted by Confidence", exact=False).wait_for(timeout=WAIT_MS)

        main.get_by_text("Pairs", exact=True).click()
        main.get_by_text("4 pairs on the same clip", exact=False).wait_for(timeout=WAIT_MS)
        expect(images).to_have_count(0, timeout=WAIT_MS)  # the gallery's Open buttons are gone, not stale
        main.locator("[data-testid=stButton]").get_by_role("button", name="Open", exact=True).first.click()
        page.locator(PLAYER).wait_for(timeout=WAIT_MS)
        expect(page.locator(f"{PLAYER} canvas[data-panel]")).to_have_count(2, timeout=WAIT_MS)
        _shot(page, tmp_path, "browse_pair_open")
        main.locator("[data-testid=stButton]").get_by_role("button", name="Close", exact=True).click()
        expect(page.locator(PLAYER)).to_have_count(0, timeout=WAIT_MS)

        main.get_by_text("Gallery", exact=True).click()
        expect(images).to_have_count(8, timeout=WAIT_MS)
        main.locator("[data-testid=stButton]").get_by_role("button", name="Open", exact=True).first.click()
        page.locator(PLAYER).wait_for(timeout=WAIT_MS)
        expect(page.locator(f"{PLAYER} canvas[data-panel]")).to_have_count(4, timeout=WAIT_MS)
        browser.close()
    assert seen and all(appserver.is_loopback(u) for u in seen), [u for u in seen if not appserver.is_loopback(u)]
