"""App timings in a real browser: cold start to first result, and one scrub step.

Usage::

    python benchmarks/app_bench.py [--steps 10] [--open-delay 0] [--port 0]

Starts ``streamlit run app.py`` (bundled assets, or ``VSE_ASSETS``), opens it in
Debian's Chromium through Playwright ``--open-delay`` seconds after the server
first answers (0: at once, while the server is still warming up), and prints one
JSON object:

* ``server_answers_s``: from launching the server process to its first answer.
* ``cold_start_s``: from launching the server to the Explore page showing the
  sample clip's prediction and its four frame views (imports, model load,
  gradient saliency, flow, first render all included).
* ``first_result_after_page_open_s``: the same, counted from opening the page.
* ``charts_after_page_open_s``: until the Plotly charts (drawn one step after the
  first view) are on the page too.
* ``scrub_server_ms``: server time of each scrub step (the fragment's own timer,
  shown under the views), and ``scrub_roundtrip_ms``: key press to the new frame's
  heatmap in the browser.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import appserver  # noqa: E402


def server_ms(main) -> float:
    text = main.get_by_text("View drawn in", exact=False).first.inner_text()
    return float(re.search(r"View drawn in (\d+) ms", text).group(1))


def measure(url: str, started: float, steps: int) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=appserver.CHROMIUM, args=appserver.CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1250})
        opened = time.perf_counter()
        page.goto(url)
        main = page.locator("[data-testid=stMain]")
        main.get_by_text("Frame 1 / ", exact=False).wait_for(timeout=300_000)
        main.locator("[data-testid=stImage] img").nth(3).wait_for(timeout=300_000)
        done = time.perf_counter()
        main.locator(".js-plotly-plot").nth(1).wait_for(timeout=300_000)
        charts = time.perf_counter()
        slider = main.locator('[data-testid=stSlider] input[type=range][aria-label="Frame"]')
        total = int(slider.get_attribute("max"))
        page.wait_for_timeout(1000)
        server, roundtrip = [], []
        for step in range(steps):
            frame = step % (total - 1) + 2
            if frame == 2:
                slider.focus()
                page.keyboard.press("Home")
                main.get_by_text(f"Frame 1 / {total}", exact=False).wait_for(timeout=60_000)
                page.wait_for_timeout(300)
            src = main.locator("[data-testid=stImage] img").nth(1).get_attribute("src")
            slider.focus()
            t0 = time.perf_counter()
            page.keyboard.press("ArrowRight")
            main.get_by_text(f"Frame {frame} / {total}", exact=False).wait_for(timeout=60_000)
            page.wait_for_function(
                "src => document.querySelectorAll('[data-testid=stMain] [data-testid=stImage] img')[1].src !== src",
                arg=src, timeout=60_000)
            roundtrip.append((time.perf_counter() - t0) * 1000)
            server.append(server_ms(main))
        browser.close()
    return {
        "cold_start_s": round(done - started, 2),
        "first_result_after_page_open_s": round(done - opened, 2),
        "charts_after_page_open_s": round(charts - opened, 2),
        "scrub_server_ms": {"median": statistics.median(server), "max": max(server), "all": server},
        "scrub_roundtrip_ms": {"median": round(statistics.median(roundtrip), 1), "max": round(max(roundtrip), 1)},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="scrub steps to time (default 10)")
    parser.add_argument("--open-delay", type=float, default=0.0,
                        help="seconds between the server's first answer and opening the page (default 0)")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    args = parser.parse_args()
    port = args.port or appserver.free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = appserver.start(port)
    try:
        appserver.wait_healthy(url, proc)
        answers = time.perf_counter() - started
        time.sleep(args.open_delay)
        result = {"server_answers_s": round(answers, 2), "open_delay_s": args.open_delay,
                  **measure(url, started, args.steps)}
    finally:
        appserver.stop(proc)
    result.update(cpu_count=os.cpu_count(), load_average=[round(v, 2) for v in os.getloadavg()])
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
