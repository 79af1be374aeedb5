"""``python -m engine plot result.npz --out DIR``: headless pictures of one saliency result.

Writes ``grid.png`` (frame | saliency overlay | flow per frame), ``timestep_importance.png``,
``feature_time.png`` (saliency by spatial block and time), ``overlay.webm`` (VP8, plays in
Chromium) and ``metrics.csv`` (:meth:`engine.pipeline.Analysis.frame_table`, as the app's download).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.errors import UserError
from engine.io.video import write_video
from engine.pipeline import load_analysis
from engine.saliency import REDUCTIONS
from engine.viz.colour import COLORMAPS
from engine.viz.export import metrics_csv, write_png
from engine.viz.panels import PanelSettings

HELP = "Draw a saliency result file: grid.png, timestep_importance.png, feature_time.png, overlay.webm, metrics.csv."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("result", help="a .npz written by python -m engine saliency")
    p.add_argument("--out", help="output folder (default: <result stem>_plots beside the result)")
    p.add_argument("--reduction", default="abs", help="channel reduction of the attributions: abs (where the "
                   "model looks), positive (evidence for the target) or negative (evidence against it)")
    p.add_argument("--cmap", default="inferno", choices=list(COLORMAPS), help="colour map of the saliency")
    p.add_argument("--fps", type=float, default=4.0, help="frames per second of overlay.webm")


def main(args: argparse.Namespace) -> int:
    from engine.viz.charts import render_feature_time, render_timestep_importance
    from engine.viz.grid import render_grid, video_frames  # matplotlib, like the charts

    if args.reduction not in REDUCTIONS:
        raise UserError(f"Unknown reduction {args.reduction!r}; choose one of: {', '.join(REDUCTIONS)}.")
    analysis = load_analysis(args.result)
    out = Path(args.out) if args.out else Path(args.result).with_name(Path(args.result).stem + "_plots")
    out.mkdir(parents=True, exist_ok=True)
    result, indices = analysis.result, analysis.clip.indices
    display = result.display(args.reduction)
    settings = PanelSettings(reduction=args.reduction, cmap=args.cmap)
    title = describe(analysis, args.reduction)
    importance = result.timestep_importance(args.reduction)
    (out / "metrics.csv").write_bytes(metrics_csv(analysis).encode())
    written = [
        write_png(out / "grid.png", render_grid(analysis, settings, title=title)),
        write_png(out / "timestep_importance.png",
                  render_timestep_importance(importance, indices, result.temporal_occlusion, title=title)),
        write_png(out / "feature_time.png", render_feature_time(display, indices, cmap=args.cmap, title=title)),
        write_video(out / "overlay.webm", video_frames(analysis, settings), fps=args.fps),
        out / "metrics.csv",
    ]
    for path in written:
        print(f"wrote {path}")
    return 0


def describe(analysis, reduction: str) -> str:
    """One title line: clip, method, target, prediction, reduction."""
    result = analysis.result
    clip = Path(analysis.clip.path or "clip").name
    predicted = result.classes[result.predicted]
    return (f"{clip} | {result.method} | target {result.target_name} | predicted {predicted} "
            f"({float(result.probabilities.max()):.2f}) | {reduction} attributions")
