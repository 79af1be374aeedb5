"""``python -m engine saliency``: explain one clip, or every clip of a data set under several methods.

One clip::

    python -m engine saliency clip.avi --method integrated_gradients --param n_steps=32 --out result.npz

A moment of a long video, or every window of it (one result per window and ``summary.csv``)::

    python -m engine saliency long.mp4 --start 42.5
    python -m engine saliency long.mp4 --all-windows --out long_windows/

A data set (resumable: finished result files are read back, not recomputed)::

    python -m engine saliency --data DIR --methods gradient,gradcam --out results/ --workers 2

writes ``results/<method>/<clip key>.npz`` and ``results/summary.csv`` (one row per clip and method).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tqdm import tqdm

from engine.commands.common import (add_checkpoint_argument, add_data_arguments, add_device_argument,
                                    add_memory_budget_argument, apply_memory_budget, load_index, load_model,
                                    project_checkpoint, resolve_device)
from engine.commands.method_params import check_baseline, describe_methods, params_for, parse_params
from engine.commands.windows import run_all_windows
from engine.errors import UserError
from engine.evaluation.catalog import shown_metrics
from engine.flow import CAMERA_MODELS, FLOW_METHODS
from engine.io.video import probe_video, read_clip
from engine.models.checkpoint import load_checkpoint
from engine.pipeline import analyse_clip, save_analysis
from engine.runs import EXECUTORS, SaliencyTask, is_done, run_tasks
from engine.timeline import window_clip, window_start
from engine.viz.export import write_rows_csv

HELP = "Saliency of a clip (or of a data set with --data) under a registered method; writes .npz results."


def add_arguments(p: argparse.ArgumentParser) -> None:

    p.add_argument("clip", nargs="?", help="a video file (or use --data for a data set)")
    p.add_argument("--method", default="gradient", help="a registered method (see --list-methods)")
    p.add_argument("--methods", help="data-set mode: comma-separated methods (default: --method)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="method parameter, repeatable (see --list-methods)")
    p.add_argument("--list-methods", action="store_true", help="print the methods and their parameters, then exit")
    p.add_argument("--target", help="class name or index to explain (default: the prediction)")
    p.add_argument("--baseline", default="blur", help="baseline of path/perturbation methods: blur, median "
                                                       "(static background), zero or black")
    p.add_argument("--flow", default="farneback", choices=list(FLOW_METHODS), help="optical flow method")
    p.add_argument("--camera", default="none", choices=list(CAMERA_MODELS), help="camera-motion compensation")
    p.add_argument("--seed", type=int, default=0, help="seed of stochastic methods")
    p.add_argument("--out", help="result .npz (one clip; default <clip>.<method>.npz) or folder (--data; "
                                 "default results/; --all-windows: default <clip>.<method>.windows/)")
    p.add_argument("--start", type=float, metavar="SECONDS",
                   help="explain the window of the model's frames starting at this time (default: the middle)")
    p.add_argument("--all-windows", action="store_true",
                   help="explain every window of the video (streamed), one result each, and write summary.csv")
    p.add_argument("--stride", type=float, metavar="SECONDS",
                   help="--all-windows: time between window starts (default: one window, no overlap)")
    add_checkpoint_argument(p)
    add_device_argument(p)
    add_memory_budget_argument(p)
    add_data_arguments(p)
    p.add_argument("--subset", default="test", choices=["train", "val", "test", "all"], help="data-set subset")
    p.add_argument("--limit", type=int, help="at most this many clips (data-set mode)")
    p.add_argument("--workers", type=int, help="local processes (default: all cores)")
    p.add_argument("--executor", default="local", choices=EXECUTORS, help="run tasks here or on a Ray cluster")
    p.add_argument("--address", help="Ray cluster address (default: start Ray locally)")


def main(args: argparse.Namespace) -> int:
    if args.list_methods:
        print(describe_methods())
        return 0
    check_baseline(args.baseline)
    apply_memory_budget(args)
    if args.clip and args.data:
        raise UserError("Give either one CLIP or --data DIR, not both.")
    if args.data and (args.start is not None or args.all_windows):
        raise UserError("--start and --all-windows take one video, not --data.")
    if args.data:
        return run_dataset(args)
    if not args.clip:
        raise UserError("Give a video file (python -m engine saliency CLIP ...) or a data set with --data DIR.")
    if args.all_windows:
        return run_all_windows(args)
    return run_clip(args)


class StageBar:
    """A tqdm bar driven by ``on_progress(stage, fraction)``; a new stage restarts it."""

    def __init__(self) -> None:
        self.bar = tqdm(total=100, unit="%", bar_format="{desc:<28} {percentage:3.0f}%|{bar}| {elapsed}")
        self.stage = ""

    def __call__(self, stage: str, fraction: float) -> None:
        if stage != self.stage:
            self.stage = stage
            self.bar.reset(total=100)
            self.bar.set_description_str(stage)
        self.bar.n = round(100 * min(max(fraction, 0.0), 1.0))
        self.bar.refresh()

    def close(self) -> None:
        """Ends the bar (at 100%: the caller closes it when the work is done)."""
        self.bar.n = 100
        self.bar.refresh()
        self.bar.close()


def run_clip(args: argparse.Namespace) -> int:
    """One clip: analyse, write the result file, print a summary."""
    params = params_for(args.method, parse_params(args.param), strict=True)
    out = Path(args.out) if args.out else Path(f"{Path(args.clip).stem}.{args.method}.npz")
    if out.suffix != ".npz":
        raise UserError(f"--out must name a .npz file, got {out}.")
    loaded = load_model(args)
    if args.start is not None:
        info = probe_video(args.clip)
        clip = window_clip(args.clip, loaded, window_start(info.frame_count, loaded, args.start, info.fps))
        print(f"window: source frames {int(clip.indices[0])}-{int(clip.indices[-1])}, "
              f"{clip.timestamps[0]:.2f}-{clip.timestamps[-1]:.2f} s")
    else:
        clip = read_clip(args.clip, loaded.meta.input_spec.num_frames, frame_step=loaded.meta.input_spec.frame_step)
    bar = StageBar()
    start = time.perf_counter()
    try:
        analysis = analyse_clip(loaded, clip, args.method, params=params, target=args.target,
                                baseline=args.baseline, flow_method=args.flow, camera=args.camera, seed=args.seed,
                                on_progress=bar)
    finally:
        bar.close()
    save_analysis(out, analysis)
    print_summary(analysis, time.perf_counter() - start, out)
    return 0


def print_summary(analysis, seconds: float, out: Path) -> None:
    """Prediction, target, timing and the main clip metrics."""
    result = analysis.result
    probabilities = ", ".join(f"{c} {p:.3f}" for c, p in zip(result.classes, result.probabilities))
    print(f"prediction: {result.classes[result.predicted]} ({probabilities})")
    motion = analysis.motion()
    if motion is not None and motion.abstained:
        print(f"motion:     {motion.describe()}; the prediction is the model's answer anyway, not a verdict")
    print(f"target:     {result.target_name}   method: {result.method} {result.params}")
    print(f"time:       {seconds:.2f} s total, {result.diagnostics.get('seconds', float('nan')):.2f} s saliency "
          f"on {result.diagnostics.get('device', '?')}")

    metrics = analysis.clip_metrics()
    shown = [f"{name} {metrics[name]:.3f}" for name in shown_metrics("cli") if name in metrics]
    if shown:
        print(f"metrics:    {', '.join(shown)}")
    print(f"wrote {out}")


def run_dataset(args: argparse.Namespace) -> int:
    """Every clip of a subset under every method, resumable; writes summary.csv."""
    methods = [m.strip() for m in (args.methods or args.method).split(",") if m.strip()]
    given = parse_params(args.param)
    resolved = {m: params_for(m, given, strict=len(methods) == 1) for m in methods}
    unused = set(given) - {name for values in resolved.values() for name in values}
    if unused:
        raise UserError(f"No chosen method takes parameter {', '.join(sorted(unused))}.")
    device = resolve_device(args.device)
    out = Path(args.out or "results")
    args.checkpoint = str(project_checkpoint(args, out))
    classes = load_checkpoint(args.checkpoint, device="cpu").meta.classes
    index = load_index(args, classes=args.classes or classes)
    records = index.records if args.subset == "all" else index.subset(args.subset)
    records = records[: args.limit] if args.limit else records
    if not records:
        raise UserError(f"No clips in the {args.subset} subset of {args.data}.")
    tasks = build_tasks(records, methods, resolved, args, out)
    done = sum(is_done(t) for t in tasks)
    print(f"{len(records)} clips x {len(methods)} methods = {len(tasks)} tasks ({done} already done)")
    rows = run_tasks(tasks, executor=args.executor, workers=args.workers, address=args.address,
                     device=str(device))
    summary = write_rows_csv(out / "summary.csv", rows)
    print(f"wrote {len(rows)} rows to {summary}")
    return 0


def build_tasks(records, methods: list[str], params: dict[str, dict], args: argparse.Namespace, out: Path) -> list:
    """One SaliencyTask per (record, method); output ``out/<method>/<record key>.npz``."""
    checkpoint = str(Path(args.checkpoint).resolve())
    return [
        SaliencyTask(clip_path=str(Path(r.source).resolve()), checkpoint=checkpoint, method=m,
                     out_path=str((out / m / f"{r.key}.npz").resolve()), params=tuple(sorted(params[m].items())),
                     target=args.target, baseline=args.baseline, flow_method=args.flow, camera=args.camera,
                     seed=args.seed, label=r.label, start=r.start, stop=r.stop, extra={"key": r.key, "subset": r.subset})
        for r in records for m in methods
    ]
