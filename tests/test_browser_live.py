"""The Live page in a real browser: Chromium's fake camera plays a bundled clip written as a .y4m file.

The clip goes forward then backward (Chromium loops the file, so the walker never jumps).
Asserts that the video plays with the overlay, the label is the clip's class, Freeze opens
Explore on the window the model saw, every request and the ICE pair stay on this machine, and
Ctrl-C ends the server with exit 0 while a camera streams (speed: ``benchmarks/live_bench.py``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path

import cv2
import numpy as np
import pytest
from playwright.sync_api import expect

from engine.io.video import probe_video, read_frames
from tests.helpers import appserver
from tests.helpers.live_js import RECORD_PCS, SELECTED_PAIR, VIDEO_STATE
from ui.state import list_sample_clips

pytestmark = pytest.mark.browser
WAIT_MS = 180_000  # a loaded 2-core machine takes a while for the first window
CLIP = "walking_right"


def write_y4m(path: Path, clip: str = CLIP, size: tuple[int, int] = (640, 480), still: bool = False) -> np.ndarray:
    """A bundled clip forward then backward as a 25 fps I420 .y4m; returns the (N, H, W, 3) RGB frames written.

    ``still``: the clip's first frame 50 times instead (an empty scene: nobody moves).
    """
    source = list_sample_clips()[clip]
    frames = read_frames(source, np.arange(probe_video(source).frame_count), max_side=None)
    frames = np.repeat(frames[:1], 50, axis=0) if still else np.concatenate([frames, frames[-2:0:-1]])  # ping-pong
    width, height = size
    out = np.stack([cv2.resize(f, (width, height), interpolation=cv2.INTER_LINEAR) for f in frames])
    with path.open("wb") as handle:
        handle.write(f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C420jpeg\n".encode())
        for frame in out:
            handle.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
    return out


def colourful_share(frames: np.ndarray) -> float:
    """Share of pixels whose channels differ by more than 60 (what the overlay adds to a grey clip)."""
    spread = frames.max(axis=-1).astype(int) - frames.min(axis=-1)
    return float((spread > 60).mean())


@pytest.fixture(scope="module")
def camera_file(tmp_path_factory) -> tuple[Path, np.ndarray]:
    path = tmp_path_factory.mktemp("camera") / f"{CLIP}.y4m"
    return path, write_y4m(path)


@pytest.fixture(scope="module")
def requests_seen() -> list[str]:
    return []


def fake_camera_args(path: Path) -> list[str]:
    return [*appserver.CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={path.resolve()}"]


@pytest.fixture(scope="module")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def camera_browser(camera_file, playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=appserver.CHROMIUM,
                                                args=fake_camera_args(camera_file[0]))
    yield browser
    browser.close()


def serve(tmp_path: Path):
    log = tmp_path / "streamlit.log"
    port = appserver.free_port()
    proc = appserver.start(port, log)
    try:
        appserver.wait_healthy(f"http://127.0.0.1:{port}", proc, timeout=90)
    except (RuntimeError, TimeoutError) as exc:
        appserver.stop(proc)
        pytest.fail(f"{exc}:\n{log.read_text()}")
    return proc, f"http://127.0.0.1:{port}", log


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(the server process, its URL)."""
    proc, url, _ = serve(tmp_path_factory.mktemp("live-server"))
    yield proc, url
    appserver.stop(proc)


@pytest.fixture(scope="module")
def server(served):
    return served[1]


def open_live(browser, requests_seen, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 2000})
    page.add_init_script(RECORD_PCS)
    page.on("request", lambda request: requests_seen.append(request.url))
    page.goto(f"{url}/live")
    return page


def start_camera(page):
    """Clicks START until STOP shows (a click right after load can be lost; a redraw can hold two components)."""
    for _ in range(4):
        expect(page.locator("iframe[title*=webrtc]")).to_have_count(1, timeout=WAIT_MS)
        component = page.frame_locator("iframe[title*=webrtc]")
        try:
            component.get_by_role("button", name="START").click(timeout=WAIT_MS)
            component.get_by_role("button", name="STOP").wait_for(timeout=20_000)
            return component
        except Exception:  # noqa: BLE001 - the click was lost or the component redrawn: again
            continue
    pytest.fail("STOP never appeared after START")


def save(page, name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    extra = os.environ.get("VSE_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)


def own_addresses() -> set[str]:
    import ifaddr

    found = {"127.0.0.1", "::1"}
    for adapter in ifaddr.get_adapters():
        found |= {ip.ip if isinstance(ip.ip, str) else ip.ip[0] for ip in adapter.ips}
    return found


def test_live_camera_overlay_label_and_freeze(server, camera_browser, camera_file, requests_seen, tmp_path):
    assert colourful_share(camera_file[1]) == 0.0  # the clip is grey: colour on screen is the overlay
    page = open_live(camera_browser, requests_seen, server)
    component = start_camera(page)
    main = page.locator("[data-testid=stMain]")
    expect(main.locator("[data-testid=stMetricValue]").first).to_have_text(CLIP.split("_")[0], timeout=WAIT_MS)
    video = component.locator("video").first
    first = video.evaluate(VIDEO_STATE)
    page.wait_for_timeout(1500)
    later = video.evaluate(VIDEO_STATE)
    assert later["time"] > first["time"] and later["width"] > 0, (first, later)  # the video plays
    seen = []
    while len(seen) < 60 and (not seen or seen[-1] <= 0.002):  # the heatmap is drawn over the returned video
        page.wait_for_timeout(1000)
        seen.append(video.evaluate(VIDEO_STATE)["coloured"])
    assert seen[-1] > 0.002, seen
    frame = component.locator("body")
    assert frame.evaluate("() => window.vseConfigs.map(c => c && c.iceServers)") == [[]]  # no STUN, no TURN
    pair = frame.evaluate(SELECTED_PAIR)
    assert pair is not None
    assert pair["local"][1] in ("host", "prflx") and pair["remote"][1] in ("host", "prflx"), pair
    assert {pair["local"][0], pair["remote"][0]} <= own_addresses(), pair
    assert main.get_by_text("updates/s", exact=False).count() == 1
    save(page, "live_camera", tmp_path)

    main.get_by_role("button", name="Freeze").click()
    expect(page.get_by_role("heading", name="Explore")).to_have_count(1, timeout=WAIT_MS)
    page.locator(".vse-player[data-ready='1']").wait_for(timeout=WAIT_MS)
    explore = page.locator("[data-testid=stMain]")
    expect(explore.get_by_text("clip live-window-", exact=False)).to_have_count(1, timeout=WAIT_MS)
    assert page.locator(".vse-player .frame-text").inner_text().startswith("Frame 1 / 16")
    assert explore.get_by_text("Source frames 0–", exact=False).count() == 1  # the window's own camera frames
    expect(explore.locator("[data-testid=stMetricValue]").first).to_have_text(CLIP.split("_")[0])
    save(page, "live_frozen_in_explore", tmp_path)
    page.close()


def test_a_clip_played_as_the_camera_and_record(server, camera_browser, requests_seen, tmp_path):
    page = open_live(camera_browser, requests_seen, server)
    page.locator("[data-testid=stSidebar]").get_by_text("Play a clip as the camera", exact=True).click()
    page.locator(".st-key-live_clip").wait_for(timeout=WAIT_MS)
    clip = page.locator(".st-key-live_clip input")
    assert clip.input_value() == "walking_right"  # the first sample, ping-ponged by the server
    component = start_camera(page)
    main = page.locator("[data-testid=stMain]")
    expect(main.locator("[data-testid=stMetricValue]").first).to_have_text("walking", timeout=WAIT_MS)
    video = component.locator("video").first
    seen = []
    while len(seen) < 60 and (not seen or seen[-1] <= 0.002):
        page.wait_for_timeout(1000)
        seen.append(video.evaluate(VIDEO_STATE)["coloured"])
    assert seen[-1] > 0.002, seen  # the overlay over the server's own clip
    save(page, "live_clip_as_camera", tmp_path)
    main.get_by_role("button", name="Record").click()
    main.get_by_role("button", name="in Explore").click(timeout=WAIT_MS)
    page.locator(".vse-player[data-ready='1']").wait_for(timeout=WAIT_MS)
    expect(page.locator("[data-testid=stMain]").get_by_text("clip recording-", exact=False)).to_have_count(
        1, timeout=WAIT_MS)
    page.close()


def threads_and_memory(pid: int) -> tuple[int, int]:
    """(threads, resident set size in bytes) of a process."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024
    return len(list(Path(f"/proc/{pid}/task").iterdir())), rss


def test_ten_start_stop_cycles_and_leaving_the_page_leave_no_thread_behind(served, camera_browser, requests_seen):
    proc, url = served
    page = open_live(camera_browser, requests_seen, url)
    component = page.frame_locator("iframe[title*=webrtc]")

    def cycle() -> None:
        start_camera(page)
        page.locator("[data-testid=stMain] [data-testid=stMetricValue]").first.wait_for(timeout=WAIT_MS)
        start, stop = (component.get_by_role("button", name=n) for n in ("START", "STOP"))
        for _ in range(6):  # like START, a STOP click can be lost while the component redraws
            if stop.count():
                stop.click()
            try:
                start.wait_for(timeout=20_000)
                return
            except Exception:  # noqa: BLE001 - click again if STOP is still there
                continue
        pytest.fail("START never came back after STOP")

    def settled() -> tuple[int, int]:  # the pool's idle threads end after 2 s; aiortc's when closed
        page.wait_for_timeout(6000)
        return threads_and_memory(proc.pid)

    cycle()  # the first one starts what lives as long as the server (streamlit-webrtc's event loop)
    threads, memory = settled()
    for _ in range(10):
        cycle()
    seen = [settled()]
    while seen[-1][0] > threads and len(seen) < 5:  # threads end when their work does: give them time
        seen.append(settled())
    after_threads, after_memory = seen[-1]
    assert after_threads <= threads, (threads, seen)
    assert after_memory - memory < 200 * 2**20, (memory, after_memory)  # no ring or model copy per cycle
    # leaving the page while the camera streams ends its threads too
    start_camera(page)
    page.locator("[data-testid=stMain] [data-testid=stMetricValue]").first.wait_for(timeout=WAIT_MS)
    page.locator("[data-testid=stSidebarNav]").get_by_text("Data", exact=True).click()
    expect(page.get_by_role("heading", name="Data")).to_have_count(1, timeout=WAIT_MS)
    seen = [settled()]
    while seen[-1][0] > threads and len(seen) < 5:
        seen.append(settled())
    assert seen[-1][0] <= threads, (threads, seen)
    page.close()


def test_an_empty_scene_says_no_one_moving(server, playwright_driver, requests_seen, tmp_path):
    still = tmp_path / "still.y4m"
    write_y4m(still, still=True)
    browser = playwright_driver.chromium.launch(executable_path=appserver.CHROMIUM, args=fake_camera_args(still))
    try:
        page = open_live(browser, requests_seen, server)
        start_camera(page)
        value = page.locator("[data-testid=stMain] [data-testid=stMetricValue]").first
        expect(value).to_have_text("No one moving", timeout=WAIT_MS)  # not a confident walking or running
        save(page, "live_no_one_moving", tmp_path)
    finally:
        browser.close()


def test_no_request_left_loopback(requests_seen):
    assert requests_seen, "no page ran"
    outside = [url for url in requests_seen if not appserver.is_loopback(url)]
    assert not outside, outside


def test_ctrl_c_while_a_camera_streams_exits_cleanly(camera_browser, requests_seen, tmp_path):
    proc, url, log = serve(tmp_path)
    try:
        page = open_live(camera_browser, requests_seen, url)
        start_camera(page)
        page.locator("[data-testid=stMain] [data-testid=stMetricValue]").first.wait_for(timeout=WAIT_MS)
        proc.send_signal(signal.SIGINT)  # the camera still streams and the pool still works
        code = proc.wait(timeout=120)
        page.close()
    finally:
        if proc.poll() is None:
            appserver.stop(proc)
    text = log.read_text()
    assert code == 0, text[-3000:]  # not 1 ("Aborted!"), not -6 (a thread killed inside C++), not a hang
    assert "Stopped: background work finished." in text
    assert "terminate called" not in text and "Traceback" not in text, text[-3000:]
