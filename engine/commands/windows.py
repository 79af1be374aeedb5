"""``python -m engine saliency VIDEO --all-windows``: one result per window of a long video, and a summary.

The windows come from the streamed reader (:func:`engine.io.video.iter_windows`): one
window's frames are held at a time, so a 20-minute video never sits in memory whole.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from engine.commands.common import load_model
from engine.commands.method_params import params_for, parse_params
from engine.errors import UserError
from engine.evaluation.catalog import shown_metrics
from engine.io.masks import load_sidecar, resize_masks
from engine.io.video import Clip, iter_windows, probe_video
from engine.pipeline import analyse_clip, save_analysis
from engine.timeline import window_span, window_step
from engine.viz.export import write_rows_csv


def window_rows(analysis, k: int, out: Path, metrics: tuple[str, ...]) -> dict:
    """The summary row of window ``k``: where it is, what the model said, the main agreement figures."""
    clip, result = analysis.clip, analysis.result
    row = {"window": k, "start_frame": int(clip.indices[0]), "end_frame": int(clip.indices[-1]),
           "start_s": round(float(clip.timestamps[0]), 3), "end_s": round(float(clip.timestamps[-1]), 3),
           "prediction": result.classes[result.predicted], "target": result.target_name}
    row |= {f"p({c})": round(float(p), 4) for c, p in zip(result.classes, result.probabilities)}
    values = analysis.clip_metrics()
    row |= {name: round(values[name], 4) for name in metrics if name in values}
    row["file"] = out.name
    return row


def run_all_windows(args: argparse.Namespace) -> int:
    """Every window of one video under one method; ``<out>/window_NNN.npz`` and ``<out>/summary.csv``."""
    params = params_for(args.method, parse_params(args.param), strict=True)
    out = Path(args.out) if args.out else Path(f"{Path(args.clip).stem}.{args.method}.windows")
    if out.suffix == ".npz":
        raise UserError("--all-windows writes a folder: give --out a folder name, not a .npz file.")
    loaded = load_model(args)
    info = probe_video(args.clip)
    spec, step, span = loaded.meta.input_spec, window_step(loaded), window_span(loaded)
    stride = max(1, round(args.stride * info.fps)) if args.stride else span
    masks, meta = load_sidecar(args.clip)
    rows, started = [], time.perf_counter()
    for k, (indices, frames) in enumerate(iter_windows(args.clip, spec.num_frames, step, stride)):
        clip_masks = (resize_masks(masks[indices], *frames.shape[1:3])
                      if masks is not None and masks.shape[0] > int(indices.max()) else None)
        clip = Clip(frames, indices, info.fps, (info.width, info.height), str(args.clip), clip_masks,
                    meta.get("label"), meta)
        analysis = analyse_clip(loaded, clip, args.method, params=params, target=args.target,
                                baseline=args.baseline, flow_method=args.flow, camera=args.camera, seed=args.seed)
        path = save_analysis(out / f"window_{k:03d}.npz", analysis)
        rows.append(window_rows(analysis, k, path, shown_metrics("cli")))
        print(f"window {k}: frames {rows[-1]['start_frame']}-{rows[-1]['end_frame']} "
              f"({rows[-1]['start_s']:.2f}-{rows[-1]['end_s']:.2f} s): {rows[-1]['prediction']}", flush=True)
    if not rows:
        raise UserError(f"{args.clip} is shorter than one window ({span} frames).")
    summary = write_rows_csv(out / "summary.csv", rows)
    print(f"{len(rows)} windows in {time.perf_counter() - started:.1f} s; wrote {out}/window_*.npz and {summary}")
    return 0
