"""End to end in a real browser: ``streamlit run app.py`` driven by Playwright and Debian's Chromium.

The server uses the bundled assets (or ``VSE_ASSETS`` when set in the environment).
Screenshots go to pytest's tmp folder, and also to ``VSE_SCREENSHOTS`` when set.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from tests import appserver
from tests.media import write_video

WAIT_MS = 120_000  # a loaded 2-core machine can take a while for the first result


@pytest.fixture(scope="module")
def server_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("server") / "streamlit.log"


@pytest.fixture(scope="module")
def server(server_log):
    """A Streamlit server on a free port, stopped at the end."""
    port = appserver.free_port()
    log = server_log
    proc = appserver.start(port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        appserver.wait_healthy(url, proc, timeout=60)
    except (RuntimeError, TimeoutError) as exc:
        appserver.stop(proc)
        pytest.fail(f"{exc}:\n{log.read_text()}")
    yield url
    appserver.stop(proc)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=appserver.CHROMIUM, args=appserver.CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shots(tmp_path):
    """save(page, name): a full-page screenshot in tmp_path (and VSE_SCREENSHOTS when set)."""
    extra = os.environ.get("VSE_SCREENSHOTS")

    def save(page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.mouse.move(1, 1)  # no tooltip in the picture
        page.wait_for_timeout(300)
        page.screenshot(path=str(path), full_page=True, timeout=WAIT_MS)
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(extra) / path.name)
        return path

    return save


def _main(page):
    return page.locator("[data-testid=stMain]")


def _frame_text(page) -> str:
    return _main(page).get_by_text("Frame ", exact=False).filter(has_text=" / ").first.inner_text()


def _overlay_src(page) -> str:
    return _main(page).locator("[data-testid=stImage] img").nth(1).get_attribute("src")


def _wait_for_result(page, frame: int = 1) -> None:
    _main(page).get_by_text(f"Frame {frame} / ", exact=False).wait_for(timeout=WAIT_MS)
    _main(page).locator("[data-testid=stImage] img").nth(3).wait_for(timeout=WAIT_MS)


def _sidebar_upload(page, path: Path) -> None:
    page.locator("[data-testid=stSidebar] input[type=file]").set_input_files(str(path))


def test_explore_scrub_and_uploads(server, browser, shots, tmp_path):
    page = browser.new_page(viewport={"width": 1500, "height": 1250})
    page.goto(server)
    _wait_for_result(page)
    main = _main(page)
    assert main.get_by_text("Prediction").count() >= 1
    ran_on = main.get_by_text("ran on", exact=False).first.inner_text()
    assert "ran on cpu" in ran_on or "ran on cuda" in ran_on, ran_on
    before_src = _overlay_src(page)
    first = _frame_text(page)
    assert first.startswith("Frame 1 / ")
    # the first view leaves its charts out; they come by themselves, without a click
    chart = main.locator("[data-testid=stPlotlyChart]").filter(has_text="Saliency mass per frame")
    chart.wait_for(timeout=WAIT_MS)
    assert main.locator("[data-testid=stPlotlyChart]").count() == 2  # probabilities and time steps
    assert main.get_by_text("Drawing the time-step plot", exact=False).count() == 0
    assert _frame_text(page).startswith("Frame 1 / ")
    shots(page, "explore_frame01")

    slider = main.locator('[data-testid=stSlider] input[type=range][aria-label="Frame"]')
    slider.focus()
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    main.get_by_text("Frame 8 / ", exact=False).wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        "src => document.querySelectorAll('[data-testid=stMain] [data-testid=stImage] img')[1].src !== src",
        arg=before_src, timeout=WAIT_MS)
    assert _overlay_src(page) != before_src
    main.get_by_role("button", name="▶").first.click()
    main.get_by_text("Frame 9 / ", exact=False).wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(1000)
    shots(page, "explore_frame09")

    # clicking a bar of the time-step plot jumps to that frame
    bars = chart.locator(".barlayer .point")
    bars.last.click(force=True)
    last = bars.count()
    main.get_by_text(f"Frame {last} / {last}", exact=False).wait_for(timeout=WAIT_MS)

    # a second browser session starts at frame 1 and leaves the first one where it was
    other = browser.new_context().new_page()
    other.goto(server)
    _wait_for_result(other)
    assert _frame_text(other).startswith("Frame 1 / ")
    assert _frame_text(page).startswith(f"Frame {last} / ")
    other.context.close()
    shots(page, "explore_last_frame")

    # an uploaded clip gets its own prediction
    frames = np.zeros((40, 120, 160, 3), np.uint8)
    for k in range(40):
        frames[k, 40:100, 10 + 3 * k: 30 + 3 * k] = 200
    clip = write_video(tmp_path / "my_upload.avi", frames)
    page.locator("[data-testid=stSidebar]").get_by_text("Upload", exact=True).click()
    _sidebar_upload(page, clip)
    main.get_by_text("clip my_upload.avi", exact=False).wait_for(timeout=WAIT_MS)
    _wait_for_result(page, frame=last)  # the frame control keeps its place
    assert main.locator("[data-testid=stMetricValue]").first.inner_text().strip() in ("walking", "running")
    assert slider.get_attribute("value") == str(last)  # the control shows the frame the views show
    shots(page, "explore_upload")

    # a broken file gives a clear error and the app keeps working
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"this is not a video" * 100)
    _sidebar_upload(page, broken)
    alert = page.locator("[data-testid=stAlert]").filter(has_text="broken.mp4")
    alert.first.wait_for(timeout=WAIT_MS)
    assert "video" in alert.first.inner_text().lower()
    assert page.get_by_text("Traceback").count() == 0
    assert main.get_by_text("Choose a checkpoint and a clip", exact=False).count() == 1
    shots(page, "explore_broken_upload")
    page.close()


def test_a_long_computation_can_be_stopped(server, browser, shots):
    page = browser.new_page(viewport={"width": 1500, "height": 1250})
    page.goto(server)
    _wait_for_result(page)
    method = page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").filter(has_text="Saliency method")
    method.click()
    page.keyboard.type("Temporal Saliency Rescaling")
    page.keyboard.press("Enter")
    # TSR over the gradient takes well under a second; over Integrated Gradients (no structured
    # path: every variant runs IG) it takes minutes, long enough to see and press Stop every time
    _main(page).get_by_text("Temporal Saliency Rescaling of class", exact=False).wait_for(timeout=WAIT_MS)
    page.locator(".st-key-explore_tsr_base").click()
    page.keyboard.type("integrated_gradients")
    page.keyboard.press("Enter")
    assert page.locator(".st-key-explore_tsr_base input").input_value() == "integrated_gradients"
    stop = _main(page).get_by_role("button", name="Stop")
    stop.wait_for(timeout=WAIT_MS)
    assert "Temporal Saliency Rescaling" in _main(page).locator("[data-testid=stProgress]").inner_text()
    stop.click()
    _main(page).get_by_text("was stopped", exact=False).first.wait_for(timeout=WAIT_MS)
    _main(page).get_by_role("button", name="Run").wait_for(timeout=WAIT_MS)  # rendered just after the message
    assert _main(page).get_by_role("button", name="Run").count() == 1
    # the previous result's views are stale while the stopped run ends; then they are gone
    expect(_main(page).locator("[data-testid=stImage]")).to_have_count(0, timeout=WAIT_MS)
    shots(page, "explore_stopped")
    page.close()


def test_the_server_warms_up_when_it_starts(server, server_log):
    deadline = time.monotonic() + WAIT_MS / 1000
    while "Warmed up:" not in server_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    line = next((x for x in server_log.read_text().splitlines() if "Warmed up:" in x), "")
    for stage in ("imports", "analysis", "views", "tables"):
        assert f"{stage} " in line, server_log.read_text()
    assert "warm-up failed" not in server_log.read_text()
