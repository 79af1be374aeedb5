"""The Live page end to end: ``python benchmarks/live_bench.py [--seconds 30] [--method gradient]``.

Real Chromium with a fake camera playing a ``.y4m`` of a bundled clip (forward then backward,
640x480 at 25 fps) whose frames carry their index as a binary code in a strip along the
bottom (11 blocks: 10 bits and a parity bit). In the browser, a script reads the code of
every frame the camera shows locally and of every frame the page shows after the server
(with its overlay), timing each one.

It prints:

* frames shown per second (the returned video's presented frames over the window);
* saliency updates per second and the model's time per update (the page's own line);
* camera to screen: for each code, when the page showed it minus when the local camera
  preview showed it (median and 90th percentile). The preview appears about one frame
  after capture, so this slightly understates the camera-to-screen time;
* the server's CPU use (share of one core) and the machine's load average.

The code strip is part of the frames the model sees; it changes every frame.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.io.video import probe_video, read_frames  # noqa: E402
from tests.helpers import appserver  # noqa: E402
from ui.state import list_sample_clips  # noqa: E402

BITS, BLOCKS = 10, 11  # the code: 10 bits of the frame index and one parity bit, 1/16 of the width each
WATCH_JS = r"""(() => {
  const md = navigator.mediaDevices; if (!md || !md.getUserMedia || window.vseBench) return;
  const canvas = document.createElement('canvas'); canvas.width = 320; canvas.height = 240;
  const g = canvas.getContext('2d', {willReadFrequently: true});
  const decode = (video) => { g.drawImage(video, 0, 0, 320, 240);
    const row = g.getImageData(0, 234, 320, 3).data, block = 320 / 16, bits = [];
    for (let k = 0; k < BLOCKS; k++) { const x = Math.floor(k * block + block / 2); let sum = 0;
      for (let dy = 0; dy < 3; dy++) { const i = (dy * 320 + x) * 4; sum += row[i] + row[i + 1] + row[i + 2]; }
      const v = sum / 9; if (v > 90 && v < 160) return null; bits.push(v >= 128 ? 1 : 0); }
    let code = 0, parity = 0; for (let b = 0; b < BITS; b++) { code |= bits[b] << b; parity ^= bits[b]; }
    return parity === bits[BITS] ? code : null; };
  const state = {local: [], remote: [], on: false, t0: 0, shown0: 0, last: null, remoteVideo: null};
  const watch = (video, into, remote) => { const step = (now, meta) => {
      if (state.on || !remote) { const code = decode(video); if (code !== null) into.push([code, now]); }
      if (remote) state.last = meta; video.requestVideoFrameCallback(step); };
    video.requestVideoFrameCallback(step); };
  const native = md.getUserMedia.bind(md);
  md.getUserMedia = async (constraints) => { const stream = await native(constraints);
    const preview = document.createElement('video'); preview.muted = true; preview.autoplay = true;
    preview.srcObject = stream;
    preview.style.cssText = 'position:fixed;right:0;bottom:0;width:64px;height:48px;opacity:0.01';
    document.body.appendChild(preview); preview.play(); watch(preview, state.local, false);
    const look = () => { const v = [...document.querySelectorAll('video')].find(
        e => e !== preview && e.srcObject && e.srcObject !== stream);
      if (v) { state.remoteVideo = v; watch(v, state.remote, true); } else setTimeout(look, 200); };
    look(); return stream; };
  window.vseBench = {
    begin() { state.remote.length = 0; state.on = true; state.t0 = performance.now();
      state.shown0 = state.last ? state.last.presentedFrames : 0; },
    end() { state.on = false; const v = state.remoteVideo;
      return {local: state.local.filter(([code, at]) => at >= state.t0 - 15000), remote: state.remote,
        seconds: (performance.now() - state.t0) / 1000,
        shown: (state.last ? state.last.presentedFrames : 0) - state.shown0,
        width: v ? v.videoWidth : 0, height: v ? v.videoHeight : 0}; } };
})();""".replace("BITS", str(BITS)).replace("BLOCKS", str(BLOCKS))


def stamp(frame: np.ndarray, index: int) -> np.ndarray:
    """Draws ``index`` (mod 2**BITS) and its parity as black/white blocks along the bottom 1/24 of the frame."""
    height, width = frame.shape[:2]
    bits = [(index >> b) & 1 for b in range(BITS)]
    bits.append(sum(bits) % 2)
    top, block = height - height // 24, width // 16
    for k, bit in enumerate(bits):
        frame[top:, k * block:(k + 1) * block] = 255 if bit else 0
    return frame


def write_stamped_y4m(path: Path, clip: str, loops: int = 4, size: tuple[int, int] = (640, 480)) -> int:
    """The clip forward then backward, ``loops`` times, each frame stamped with its index; returns the count."""
    source = list_sample_clips()[clip]
    frames = read_frames(source, np.arange(probe_video(source).frame_count), max_side=None)
    cycle = np.concatenate([frames, frames[-2:0:-1]])
    width, height = size
    count = len(cycle) * loops
    with path.open("wb") as handle:
        handle.write(f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C420jpeg\n".encode())
        for index in range(count):
            frame = stamp(cv2.resize(cycle[index % len(cycle)], (width, height)), index)
            handle.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
    return count


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def start_camera(page) -> None:
    component = page.frame_locator("iframe[title*=webrtc]")
    for _ in range(4):
        component.get_by_role("button", name="START").click(timeout=120_000)
        try:
            component.get_by_role("button", name="STOP").wait_for(timeout=20_000)
            return
        except Exception:  # noqa: BLE001 - a START click right after load can be lost
            continue
    raise RuntimeError("STOP never appeared after START")


def camera_to_screen(local: list, remote: list, period_s: float) -> np.ndarray:
    """Seconds from each code's local showing to its page showing (the latest local showing before it)."""
    shown: dict[int, list[float]] = {}
    for code, at in local:
        shown.setdefault(code, []).append(at)
    delays = []
    for code, at in remote:
        before = [t for t in shown.get(code, []) if t <= at and at - t < period_s * 1000]
        if before:
            delays.append(at - max(before))
    return np.array(delays) / 1000.0


def measure(page, seconds: float) -> dict:
    """Reads codes for ``seconds`` in the component's frame (where the camera and the returned video are)."""
    frame = next(f for f in page.frames if "webrtc" in f.url)
    frame.evaluate("() => window.vseBench.begin()")
    time.sleep(seconds)
    return frame.evaluate("() => window.vseBench.end()")


def run_browser(url: str, y4m: Path, pid: int, args) -> tuple[dict, float, str]:
    """Streams the fake camera through the Live page.

    Returns:
        (codes read, the server's CPU use as a share of one core, the page's rates line).
    """
    from playwright.sync_api import sync_playwright

    flags = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
             f"--use-file-for-fake-video-capture={y4m}"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=appserver.CHROMIUM, args=[*appserver.CHROMIUM_ARGS, *flags])
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.add_init_script(WATCH_JS)
        page.goto(f"{url}/live")
        if args.method != "Gradient":
            page.locator(".st-key-live_method").click(timeout=120_000)
            page.keyboard.type(args.method)
            page.keyboard.press("Enter")
        start_camera(page)
        page.locator("[data-testid=stMain] [data-testid=stMetricValue]").first.wait_for(timeout=180_000)
        time.sleep(args.warm)
        cpu_before, wall_before = server_cpu_seconds(pid), time.monotonic()
        seen = measure(page, args.seconds)
        cpu = (server_cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before)
        rates = page.get_by_text("updates/s", exact=False).first.inner_text()
        browser.close()
    return seen, cpu, rates


def report(args, seen: dict, cpu: float, rates: str, count: int) -> None:
    """Prints the figures (see the module docstring)."""
    if os.environ.get("VSE_BENCH_DEBUG"):
        print("local", seen["local"][:10], "remote", seen["remote"][:10])
    delays = camera_to_screen(seen["local"], seen["remote"], count / 25 / 2)
    updates = re.search(r"([\d.]+) updates/s", rates)
    model_ms = re.search(r"saliency (\d+) ms", rates)
    print(f"live bench: {args.method}, clip {args.clip} as a {args.size} 25 fps camera, {args.seconds:.0f} s measured")
    print(f"  frames shown per second: {seen['shown'] / seen['seconds']:.1f} (returned video, "
          f"{seen['width']}x{seen['height']} at the end)")
    print(f"  saliency updates per second (page): {updates.group(1) if updates else '?'}; model time per update "
          f"{model_ms.group(1) if model_ms else '?'} ms")
    if len(delays):
        print(f"  camera to screen: median {np.median(delays) * 1000:.0f} ms, 90th percentile "
              f"{np.percentile(delays, 90) * 1000:.0f} ms ({len(delays)} frames matched of {len(seen['remote'])} read)")
    else:
        print(f"  camera to screen: no frame matched ({len(seen['local'])} local, {len(seen['remote'])} page codes "
              "read)")
    print(f"  server CPU: {cpu:.0%} of one core; load average {', '.join(f'{v:.2f}' for v in os.getloadavg())} "
          f"on {os.cpu_count()} cores")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="measuring window (default 30)")
    parser.add_argument("--warm", type=float, default=10.0, help="seconds of streaming before measuring")
    parser.add_argument("--method", default="Gradient", help="the method's label in the page (default Gradient)")
    parser.add_argument("--clip", default="walking_right", help="bundled clip played as the camera")
    parser.add_argument("--size", default="640x480", help="camera frame size WxH (default 640x480)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vse-live-bench-") as folder:
        y4m = Path(folder) / "camera.y4m"
        size = tuple(int(v) for v in args.size.split("x"))
        count = write_stamped_y4m(y4m, args.clip, size=size)
        port = appserver.free_port()
        log = Path(folder) / "server.log"
        proc = appserver.start(port, log)
        url = f"http://127.0.0.1:{port}"
        try:
            appserver.wait_healthy(url, proc, timeout=120)
            seen, cpu, rates = run_browser(url, y4m, proc.pid, args)
        finally:
            appserver.stop(proc)
    report(args, seen, cpu, rates, count)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
