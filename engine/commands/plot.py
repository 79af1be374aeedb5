"""``python -m engine plot result.npz --out DIR``: headless pictures of one saliency result.

Writes ``grid.png`` (frame | saliency overlay | flow per frame), ``timestep_importance.png``,
``feature_time.png`` (saliency by spatial block and time), ``overlay.webm`` (VP8, plays in
Chromium) and ``metrics.csv`` (one row per frame).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from engine.errors import UserError

HELP = "Draw a saliency result file: grid.png, timestep_importance.png, feature_time.png, overlay.webm, metrics.csv."
REQUIRED_ARRAYS = ("frames", "frame_indices", "flow", "attributions")


def add_arguments(p: argparse.ArgumentParser) -> None:
    from engine.overlay import COLORMAPS

    p.add_argument("result", help="a .npz written by python -m engine saliency")
    p.add_argument("--out", help="output folder (default: <result stem>_plots beside the result)")
    p.add_argument("--reduction", default="abs", help="channel reduction of the attributions: abs (where the "
                   "model looks), positive (evidence for the target) or negative (evidence against it)")
    p.add_argument("--cmap", default="inferno", choices=list(COLORMAPS), help="colour map of the saliency")
    p.add_argument("--fps", type=float, default=4.0, help="frames per second of overlay.webm")


def main(args: argparse.Namespace) -> int:
    from engine.render import (make_panels, render_feature_time, render_grid, render_timestep_importance,
                               video_frames, write_png, write_rows_csv)
    from engine.video import write_video

    from engine.saliency import REDUCTIONS

    if args.reduction not in REDUCTIONS:
        raise UserError(f"Unknown reduction {args.reduction!r}; choose one of: {', '.join(REDUCTIONS)}.")
    result, arrays, meta = read_result_file(args.result)
    out = Path(args.out) if args.out else Path(args.result).with_name(Path(args.result).stem + "_plots")
    display = result.display(args.reduction)
    importance = result.timestep_importance(args.reduction)
    indices = arrays["frame_indices"]
    fps = float(meta.get("fps") or 25.0)
    panels = make_panels(arrays["frames"], display, arrays["flow"].astype(np.float32), arrays.get("flow_valid"),
                         cmap=args.cmap)
    title = describe(result, meta, args.reduction)
    written = [
        write_png(out / "grid.png", render_grid(panels, indices, fps, title=title, cmap=args.cmap)),
        write_png(out / "timestep_importance.png",
                  render_timestep_importance(importance, indices, result.temporal_occlusion, title=title)),
        write_png(out / "feature_time.png", render_feature_time(display, indices, cmap=args.cmap, title=title)),
        write_video(out / "overlay.webm", video_frames(panels, indices, fps), fps=args.fps),
        write_rows_csv(out / "metrics.csv", frame_rows(arrays, importance, result.temporal_occlusion, fps)),
    ]
    for path in written:
        print(f"wrote {path}")
    return 0


def read_result_file(path: str):
    """(SaliencyResult, arrays, metadata) of a result file written by ``save_analysis``."""
    from engine.saliency import load_result

    if not Path(path).is_file():
        raise UserError(f"No such result file: {path}")
    try:
        result, arrays, meta = load_result(path)
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"{path} is not a saliency result file: {exc}") from None
    missing = [name for name in REQUIRED_ARRAYS if name not in arrays]
    if missing:
        raise UserError(f"{path} lacks {', '.join(missing)}; write it with python -m engine saliency.")
    return result, arrays, meta


def describe(result, meta: dict, reduction: str) -> str:
    """One title line: clip, method, target, prediction, reduction."""
    clip = Path(meta.get("clip") or "clip").name
    predicted = result.classes[result.predicted]
    return (f"{clip} | {result.method} | target {result.target_name} | predicted {predicted} "
            f"({float(result.probabilities.max()):.2f}) | {reduction} attributions")


def frame_rows(arrays: dict, importance: np.ndarray, occlusion: np.ndarray | None, fps: float) -> list[dict]:
    """One CSV row per frame: index, time, mass share, temporal occlusion and every per-frame metric."""
    metrics = {k[len("metric."):]: v for k, v in arrays.items() if k.startswith("metric.")}
    rows = []
    for t, index in enumerate(arrays["frame_indices"]):
        row = {"t": t, "frame_index": int(index), "time_s": round(float(index) / fps, 4),
               "mass_share": float(importance[t])}
        if occlusion is not None:
            row["temporal_occlusion"] = float(occlusion[t])
        row.update({name: float(values[t]) for name, values in metrics.items()})
        rows.append(row)
    return rows
