"""End to end in a real browser: ``streamlit run app.py`` driven by Playwright and Debian's Chromium.

The server uses the bundled assets (or ``VSE_ASSETS`` when set in the environment).
Screenshots go to pytest's tmp folder, and also to ``VSE_SCREENSHOTS`` when set.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.media import write_video

CHROMIUM = os.environ.get("VSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[1]
WAIT_MS = 120_000  # a loaded 2-core machine can take a while for the first result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A Streamlit server on a free port, killed at the end."""
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
           str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited early:\n{log.read_text()}")
    else:
        proc.kill()
        pytest.fail(f"streamlit did not start:\n{log.read_text()}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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
    assert "ran on" in main.get_by_text("ran on", exact=False).first.inner_text()
    before_src = _overlay_src(page)
    first = _frame_text(page)
    assert first.startswith("Frame 1 / ")
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
    chart = main.locator("[data-testid=stPlotlyChart]").filter(has_text="Saliency mass per frame")
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
