"""End to end in a real browser: ``streamlit run app.py`` driven by Playwright and Debian's Chromium.

The server uses the bundled assets (or ``VSE_ASSETS`` when set in the environment).
Every request a page makes is recorded; none may leave the loopback address.
Screenshots go to pytest's tmp folder, and also to ``VSE_SCREENSHOTS`` when set.
No assertion is about time: speed is ``benchmarks/app_bench.py``'s business.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from ui.state import list_sample_clips
from engine.io.video import probe_video, read_frames
from tests.helpers import appserver
from tests.helpers.media import write_video

pytestmark = pytest.mark.browser

WAIT_MS = 120_000  # a loaded 2-core machine can take a while for the first result
PLAYER = ".vse-player[data-ready='1']"
COUNT_FRAMES_FOR_1S = """el => new Promise(done => {
  const seen = new Set(), start = performance.now();
  const look = () => { seen.add(el.dataset.frame);
    if (performance.now() - start < 1000) requestAnimationFrame(look); else done(seen.size); };
  look(); })"""


@pytest.fixture(scope="module")
def requests_seen():
    """Every URL any page of this module asked for."""
    return []


def open_page(chromium, requests_seen, url: str):
    page = chromium.new_page(viewport={"width": 1500, "height": 1300})
    page.on("request", lambda request: requests_seen.append(request.url))
    page.goto(url)
    return page


@pytest.fixture
def shots(tmp_path):
    """save(page, name): a full-page screenshot in tmp_path (and VSE_SCREENSHOTS when set)."""
    extra = os.environ.get("VSE_SCREENSHOTS")

    def save(page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, timeout=WAIT_MS)
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(extra) / path.name)
        return path

    return save


def _main(page):
    return page.locator("[data-testid=stMain]")


def _pictures(page) -> list[str]:
    """Every panel canvas of the player as a data URL."""
    return page.locator(f"{PLAYER} canvas[data-panel]").evaluate_all("els => els.map(e => e.toDataURL())")


def _frame_text(page) -> str:
    return page.locator(f"{PLAYER} .frame-text").inner_text()


def _wait_for_player(page, panels: int) -> None:
    page.locator(PLAYER).wait_for(timeout=WAIT_MS)
    expect(page.locator(f"{PLAYER} canvas[data-panel]")).to_have_count(panels, timeout=WAIT_MS)


def _settled(page, frame: int) -> None:
    """Python was told the frame: the page's own line and the table follow it."""
    lines = _main(page).locator("[data-testid=stMarkdownContainer]").filter(has_text="(settled)")
    lines.filter(has_text=f"Frame {frame} / ").wait_for(timeout=WAIT_MS)


def _long_video(path: Path) -> Path:
    """The six bundled sample clips one after another (walking and running in turn): 9.6 s at 25 fps."""
    clips = list(list_sample_clips().values())
    frames = [read_frames(p, np.arange(probe_video(p).frame_count)) for p in clips]
    return write_video(path, np.concatenate(frames))


def test_explore_player_in_the_browser(app_url, chromium, requests_seen, shots, tmp_path):
    page = open_page(chromium, requests_seen, app_url)
    _wait_for_player(page, 4)
    main, player = _main(page), page.locator(PLAYER)
    assert main.get_by_text("Prediction").count() >= 1
    assert _frame_text(page).startswith("Frame 1 / 16")

    # the arrow keys move every panel
    before = _pictures(page)
    player.focus()
    page.keyboard.press("ArrowRight")
    assert _frame_text(page).startswith("Frame 2 / 16")
    after = _pictures(page)
    assert all(a != b for a, b in zip(after, before)), "a panel did not change"
    page.keyboard.press("End")
    assert _frame_text(page).startswith("Frame 16 / 16")
    page.keyboard.press("Home")
    page.keyboard.press("ArrowLeft")  # wraps to the last frame
    assert _frame_text(page).startswith("Frame 16 / 16")
    _settled(page, 16)
    assert main.get_by_text("Agreement on frame 16").count() == 1

    # one second of Play shows at least 15 distinct frames
    page.keyboard.press("Space")
    assert player.get_attribute("data-playing") == "1"
    assert player.evaluate(COUNT_FRAMES_FOR_1S) >= 15
    page.wait_for_timeout(200)
    shots(page, "explore_playing")
    page.keyboard.press("Space")
    assert player.get_attribute("data-playing") == "0"

    # a click on the time-step chart jumps to that frame
    chart = page.locator(f"{PLAYER} canvas.chart")
    box = chart.bounding_box()
    slot = (box["width"] - 80) / 16
    chart.click(position={"x": 40 + slot * 11.5, "y": box["height"] / 2})
    assert _frame_text(page).startswith("Frame 12 / 16")
    _settled(page, 12)

    # hover shows the saliency value and the flow vector under the pointer
    overlay = page.locator(f"{PLAYER} canvas[data-panel='1']")
    overlay.hover(position={"x": 100, "y": 60})
    readout = page.locator(f"{PLAYER} .readout").inner_text()
    assert "saliency" in readout and "% of scale" in readout and "flow (" in readout, readout

    # opacity and colour map redraw in the browser: the frame panel stays, the heatmaps change
    before = _pictures(page)
    page.locator(f"{PLAYER} input[aria-label=Opacity]").fill("1")
    after = _pictures(page)
    assert after[0] == before[0] and after[1] != before[1]
    page.locator(f"{PLAYER} select[aria-label='Colour map']").select_option("jet")
    assert _pictures(page)[3] != after[3]
    shots(page, "explore_frame12")

    # a second browser session starts at frame 1 and leaves the first one where it was
    other = open_page(chromium, requests_seen, app_url)
    _wait_for_player(other, 4)
    assert _frame_text(other).startswith("Frame 1 / ")
    assert _frame_text(page).startswith("Frame 12 / ")
    other.close()

    # a long upload: its timeline, and a later window changes the analysed source frames
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text("Upload", exact=True).click()
    sidebar.get_by_text("up to 200 MB", exact=False).first.wait_for(timeout=WAIT_MS)
    sidebar.locator("input[type=file]").set_input_files(str(_long_video(tmp_path / "long_walk_run.avi")))
    main.get_by_text("Whole video").wait_for(timeout=WAIT_MS)
    caption = main.get_by_text("Source frames", exact=False)
    caption.wait_for(timeout=WAIT_MS)
    first = caption.inner_text()
    assert "of 9.60 s" in first, first
    _wait_for_player(page, 4)
    label_before = _frame_text(page)
    shots(page, "explore_timeline")
    timeline = page.locator(".vse-timeline canvas")
    box = timeline.bounding_box()
    timeline.click(position={"x": box["width"] - 20, "y": box["height"] / 2})
    expect(caption).not_to_have_text(first, timeout=WAIT_MS)
    later = caption.inner_text()
    start, stop = (int(v) for v in later.split()[2].split("–"))
    assert start > int(first.split()[2].split("–")[0]), (first, later)
    # the player keeps its frame and now shows the later window's source frame for it
    frame = int(label_before.split()[1])
    shown = f"Frame {frame} / 16 · source frame {start + (frame - 1) * (stop - start) // 15} "
    page.locator(f"{PLAYER} .frame-text").filter(has_text=shown).first.wait_for(timeout=WAIT_MS)
    assert shown not in label_before
    shots(page, "explore_timeline_later")

    # a broken file gives a clear error and the app keeps working
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"this is not a video" * 100)
    sidebar.locator("input[type=file]").set_input_files(str(broken))
    alert = page.locator("[data-testid=stAlert]").filter(has_text="broken.mp4")
    alert.first.wait_for(timeout=WAIT_MS)
    assert "video" in alert.first.inner_text().lower()
    assert page.get_by_text("Traceback").count() == 0
    page.close()


def test_compare_panels_move_together(app_url, chromium, requests_seen, shots):
    page = open_page(chromium, requests_seen, f"{app_url}/compare")
    _wait_for_player(page, 3)
    before = _pictures(page)
    page.locator(PLAYER).focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    after = _pictures(page)
    assert _frame_text(page).startswith("Frame 3 / ")
    assert all(a != b for a, b in zip(after, before)), "a method's panel did not move"
    _settled(page, 3)
    shots(page, "compare")
    page.close()


def test_a_long_computation_can_be_stopped(app_url, chromium, requests_seen, shots):
    page = open_page(chromium, requests_seen, app_url)
    _wait_for_player(page, 4)
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
    bars = _main(page).locator("[data-testid=stProgress]")  # the class probabilities are bars too
    bars.filter(has_text="Temporal Saliency Rescaling").first.wait_for(timeout=WAIT_MS)
    stop.click()
    _main(page).get_by_text("was stopped", exact=False).first.wait_for(timeout=WAIT_MS)
    _main(page).get_by_role("button", name="Run").wait_for(timeout=WAIT_MS)  # rendered just after the message
    assert _main(page).get_by_role("button", name="Run").count() == 1
    # the previous result's views are stale while the stopped run ends; then they are gone
    expect(page.locator(".vse-player")).to_have_count(0, timeout=WAIT_MS)
    shots(page, "explore_stopped")
    page.close()


def test_the_server_warms_up_when_it_starts(app_url, server_log):
    deadline = time.monotonic() + WAIT_MS / 1000
    while "Warmed up:" not in server_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    line = next((x for x in server_log.read_text().splitlines() if "Warmed up:" in x), "")
    for stage in ("imports", "analysis", "views", "tables"):
        assert f"{stage} " in line, server_log.read_text()
    assert "warm-up failed" not in server_log.read_text()


def test_the_server_exits_cleanly_on_sigint(chromium, requests_seen, tmp_path):
    log = tmp_path / "sigint.log"
    port = appserver.free_port()
    proc = appserver.start(port, log)
    try:
        appserver.wait_healthy(f"http://127.0.0.1:{port}", proc, timeout=60)
        page = open_page(chromium, requests_seen, f"http://127.0.0.1:{port}")
        _wait_for_player(page, 4)  # a session has run an analysis and built a player payload
        page.close()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            appserver.stop(proc)
    text = log.read_text()
    assert code == 0, text[-3000:]  # not -6 (SIGABRT), not 1 ("Aborted!")
    assert "Stopped: background work finished." in text
    assert "terminate called" not in text and "Traceback" not in text, text[-3000:]


def test_no_request_left_loopback(requests_seen):
    """Runs last: every request of every page above stayed on this machine (no font server, no CDN)."""
    assert len(requests_seen) > 20
    outside = [url for url in requests_seen if not appserver.is_loopback(url)]
    assert not outside, outside
