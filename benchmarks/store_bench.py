"""Result store benchmark: indexing overhead of a batch run, Browse's first gallery page of a 1,000-result
store, and a result opened from Browse until its player is ready.

    python benchmarks/store_bench.py --work /tmp/store-bench [--clips 16] [--repeats 2]

Targets (issue 21, 2 CPU cores): first gallery page within 2 s of opening the store; a result
opened from Browse plays within 1 s; indexing adds less than 5% to a batch run's time.
Prints one JSON object; say the machine's load (printed too) beside any figure you quote.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def batch_tasks(data: Path, out: Path, store: bool) -> list:
    from engine.paths import bundled_model
    from engine.runs import SaliencyTask

    clips = sorted(data.glob("*/*.avi"))
    return [SaliencyTask(str(c), str(bundled_model("cnnlstm")), "gradient", str(out / c.parent.name / f"{c.stem}.npz"),
                         label=c.parent.name, extra={"key": c.stem}, store=str(out) if store else "")
            for c in clips]


def indexing_overhead(work: Path, clips: int, repeats: int) -> dict:
    """A/B: the same batch (bundled cnnlstm, gradient, one worker) without and with a store, alternated."""
    from engine.runs import run_tasks
    from engine.synth import generate_kth_like

    data = work / "data"
    if not data.is_dir():
        generate_kth_like(data, clips // 2, seed=2468, progress=False)
    times = {"plain": [], "store": []}
    for repeat in range(repeats):
        for mode in ("plain", "store"):
            out = work / f"batch_{mode}_{repeat}"
            shutil.rmtree(out, ignore_errors=True)
            tasks = batch_tasks(data, out, mode == "store")
            start = time.perf_counter()
            run_tasks(tasks, workers=1)
            times[mode].append(time.perf_counter() - start)
    direct = direct_indexing_cost(work / f"batch_store_{repeats - 1}")
    plain, stored = min(times["plain"]), min(times["store"])
    per_result = 1000 * plain / len(tasks)
    return {"tasks": len(tasks), "plain_s": [round(t, 2) for t in times["plain"]],
            "store_s": [round(t, 2) for t in times["store"]],
            "ab_overhead_percent_best_of": round(100 * (stored - plain) / plain, 1),
            "index_row_and_put_ms_per_result": direct, "batch_ms_per_result": round(per_result, 1),
            "direct_overhead_percent": round(100 * direct / per_result, 1)}


def direct_indexing_cost(store_dir: Path) -> float:
    """Mean milliseconds to make one index row (thumbnail, summaries) and write it, over a store's results.

    This is what a store adds to each task (the first row pays for imports once); the A/B figure
    above also holds the run's start (task keys: clip digests, the model's identity).
    """
    from engine.pipeline import load_analysis
    from engine.store import Store, index_row

    store, spent = Store(store_dir), []
    scratch = Store(store_dir.parent / "scratch_index")
    for row in store.query():
        analysis = load_analysis(store.result_path(row))
        start = time.perf_counter()
        scratch.put(index_row(analysis, key=uuid.uuid4().hex, result=row["result"], clip_digest=row["clip_digest"],
                              model="m", target=None, settings={}, size=row["bytes"]))
        spent.append(time.perf_counter() - start)
    return round(1000 * sum(spent) / len(spent), 2)


def thousand_store(source: Path, target: Path, count: int = 1000) -> Path:
    """A store of ``count`` rows: the source store's rows repeated under new keys and model names."""
    from engine.store import Store

    shutil.rmtree(target, ignore_errors=True)
    rows = Store(source).query()
    big = Store(target)
    made = []
    for i in range(count):
        row = dict(rows[i % len(rows)])
        row.update(key=uuid.uuid4().hex, model=f"{row['model']}_{i // len(rows)}",
                   result=str(Store(source).result_path(row)))
        made.append(row)
    big.put_many(made)
    return target


def browser_timings(store: Path, work: Path) -> dict:
    """Browse in Chromium: Enter on the folder -> 24 thumbnails shown; Open -> the player ready."""
    from playwright.sync_api import expect, sync_playwright

    from tests.helpers import appserver

    port = appserver.free_port()
    proc = appserver.start(port, work / "server.log", env={"VSE_RESULTS_DIR": str(work / "app-results")})
    url = f"http://127.0.0.1:{port}"
    try:
        appserver.wait_healthy(url, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=appserver.CHROMIUM, args=appserver.CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1300})
            page.goto(f"{url}/browse")
            sidebar, main = page.locator("[data-testid=stSidebar]"), page.locator("[data-testid=stMain]")
            sidebar.get_by_text("A store folder").click()
            folder = sidebar.get_by_role("textbox", name="Store folder")
            folder.fill(str(store))
            start = time.perf_counter()
            folder.press("Enter")
            images = main.locator("[data-testid=stImage] img")
            expect(images).to_have_count(24, timeout=60_000)
            page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stMain] "
                                   "[data-testid=stImage] img')].every(i => i.complete && i.naturalWidth > 0)")
            first_page = time.perf_counter() - start
            opens = []
            for k in range(3):
                button = main.locator("[data-testid=stButton]").get_by_role("button", name="Open", exact=True).nth(k)
                start = time.perf_counter()
                button.click()
                page.locator(".vse-player[data-ready='1'] canvas[data-panel]").first.wait_for(timeout=60_000)
                opens.append(time.perf_counter() - start)
                main.locator("[data-testid=stButton]").get_by_role("button", name="Close", exact=True).click()
                expect(page.locator(".vse-player")).to_have_count(0, timeout=60_000)
            browser.close()
    finally:
        appserver.stop(proc)
    return {"first_gallery_page_s": round(first_page, 2), "open_to_player_ready_s": [round(t, 2) for t in opens]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/store-bench", help="scratch folder")
    parser.add_argument("--clips", type=int, default=16, help="clips of the indexing A/B batch")
    parser.add_argument("--repeats", type=int, default=3, help="A/B repetitions (the best of each is compared)")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    report = {"load_before": os.getloadavg(), "cpus": os.cpu_count()}
    report["indexing"] = indexing_overhead(work, args.clips, args.repeats)
    big = thousand_store(work / f"batch_store_{args.repeats - 1}", work / "store1000")
    report["browse"] = browser_timings(big, work)
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
