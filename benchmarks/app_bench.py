"""The browser player's speed in a real Chromium, measured in the page.

Usage::

    python benchmarks/app_bench.py [--steps 40] [--play-seconds 3] [--port 0]

Starts ``streamlit run app.py`` (bundled assets, or ``VSE_ASSETS``), opens Explore
in Debian's Chromium through Playwright, and prints one JSON object:

* ``first_result_s``: from launching the server, and from opening the page, to the
  player showing the sample clip's four panels (imports, model load, gradient
  saliency, flow and the payload included: a cold start).
* ``key_to_panels_ms``: a key press (the event's own time stamp) to the animation
  frame after all four panels were redrawn (the player's own log), over
  ``--steps`` presses of ArrowRight; median, 95th percentile, max. Also
  ``key_roundtrip_ms``: Playwright's press until the page reports the new frame.
* ``playback``: frames drawn per second during ``--play-seconds`` of Play (counted
  in the page, four panels per frame), distinct frames seen in 1 s, and the clip's fps.
* ``opacity_ms`` and ``colour_map_ms``: the input event to the redrawn panels.
* ``bytes_per_result``: the player's payload as JSON (what Python hands Streamlit
  for one result), and the WebSocket bytes the page received until its first result.
* ``cpu_count`` and ``load_average`` of the machine while it ran.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import appserver  # noqa: E402

PLAYER = ".vse-player[data-ready='1']"


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": round(statistics.median(ordered), 1), "p95": round(p95, 1), "max": round(ordered[-1], 1),
            "n": len(ordered)}


def log_since(player, count: int) -> list:
    """The player's draw log entries after the first ``count``: [frame, time drawn, ms since the event]."""
    return player.evaluate("(el, n) => el.parentNode.__vsePlayer.log.slice(n)", count)


def log_length(player) -> int:
    return player.evaluate("el => el.parentNode.__vsePlayer.log.length")


def timed_changes(page, player, action, repeats: int) -> list[float]:
    """Runs ``action(k)`` ``repeats`` times; the event-to-redraw time of each (from the player's log)."""
    out = []
    for k in range(repeats):
        start = log_length(player)
        action(k)
        page.wait_for_function("([el, n]) => el.parentNode.__vsePlayer.log.length > n", arg=[player.element_handle(),
                               start], timeout=30_000)
        out.append(log_since(player, start)[-1][2])
        page.wait_for_timeout(80)
    return out


def measure(url: str, launched: float, steps: int, play_seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=appserver.CHROMIUM, args=appserver.CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1300})
        received = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append(len(frame))))
        opened = time.perf_counter()
        page.goto(url)
        player = page.locator(PLAYER)
        player.wait_for(timeout=300_000)
        ready = time.perf_counter()
        ws_bytes = sum(received)
        page.wait_for_timeout(2500)  # the charts' follow-up run
        player.focus()
        key_ms, roundtrip = [], []
        for _ in range(steps):
            before = player.get_attribute("data-frame")
            start = log_length(player)
            t0 = time.perf_counter()
            page.keyboard.press("ArrowRight")
            page.wait_for_function("([el, f]) => el.dataset.frame !== f", arg=[player.element_handle(), before])
            roundtrip.append((time.perf_counter() - t0) * 1000)
            page.wait_for_function("([el, n]) => el.parentNode.__vsePlayer.log.length > n",
                                   arg=[player.element_handle(), start])
            key_ms.append(log_since(player, start)[-1][2])
            page.wait_for_timeout(60)
        fps = float(player.evaluate("el => el.parentNode.__vsePlayer.data.fps"))
        start = log_length(player)
        page.keyboard.press("Space")
        page.wait_for_timeout(play_seconds * 1000)
        played = log_since(player, start)
        distinct = player.evaluate("""el => new Promise(done => { const seen = new Set(), t0 = performance.now();
            const look = () => { seen.add(el.dataset.frame);
              if (performance.now() - t0 < 1000) requestAnimationFrame(look); else done(seen.size); }; look(); })""")
        page.keyboard.press("Space")
        drawn = [entry[1] for entry in played]
        span_s = (drawn[-1] - drawn[0]) / 1000 if len(drawn) > 1 else 0
        opacity = page.locator(f"{PLAYER} input[aria-label=Opacity]")
        opacity_ms = timed_changes(page, player, lambda k: opacity.fill(str(round(0.2 + 0.05 * (k % 12), 2))), 15)
        cmap = page.locator(f"{PLAYER} select[aria-label='Colour map']")
        names = ["jet", "viridis", "inferno", "magma", "hot", "turbo"]
        cmap_ms = timed_changes(page, player, lambda k: cmap.select_option(names[k % len(names)]), 12)
        payload_bytes = len(player.evaluate("el => JSON.stringify(el.parentNode.__vsePlayer.data)"))
        browser.close()
    return {
        "first_result_s": {"from_server_launch": round(ready - launched, 2),
                           "from_page_open": round(ready - opened, 2)},
        "key_to_panels_ms": summary(key_ms),
        "key_roundtrip_ms": summary(roundtrip),
        "playback": {"clip_fps": fps, "frames_drawn_per_s": round((len(drawn) - 1) / span_s, 1) if span_s else 0.0,
                     "distinct_frames_in_1s": distinct, "panels": 4},
        "opacity_ms": summary(opacity_ms),
        "colour_map_ms": summary(cmap_ms),
        "bytes_per_result": {"payload_json": payload_bytes, "websocket_until_first_result": ws_bytes},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="key presses to time (default 40)")
    parser.add_argument("--play-seconds", type=float, default=3.0, help="seconds of Play to count (default 3)")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    args = parser.parse_args()
    port = args.port or appserver.free_port()
    url = f"http://127.0.0.1:{port}"
    load_before = [round(v, 2) for v in os.getloadavg()]
    launched = time.perf_counter()
    proc = appserver.start(port)
    try:
        appserver.wait_healthy(url, proc)
        result = measure(url, launched, args.steps, args.play_seconds)
    finally:
        appserver.stop(proc)
    result.update(cpu_count=os.cpu_count(), load_average_before=load_before,
                  load_average_after=[round(v, 2) for v in os.getloadavg()])
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
