"""``python -m engine classify CLIP...``: label and class probabilities, or "no one moving"."""

from __future__ import annotations

import argparse
import json

from tqdm import tqdm

from engine.commands.common import (add_checkpoint_argument, add_classes_argument, add_device_argument,
                                    add_motion_argument, load_model)

HELP = "Classify clips (default: the bundled model); --window for labels over a long video."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("clips", nargs="+", help="video files")
    add_checkpoint_argument(p)
    add_classes_argument(p)
    add_device_argument(p)
    add_motion_argument(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table (with \"abstained\": true "
                   "where nobody moves)")
    p.add_argument("--window", type=float, default=0.0, help="sliding-window mode when > 0: window length in seconds (models with a fixed frame "
                   "step use their own: T frames every frame_step frames)")
    p.add_argument("--stride", type=float, default=1.0, help="seconds between window starts")


def main(args: argparse.Namespace) -> int:
    from engine.models.inference import classify_file, classify_windows

    loaded = load_model(args)
    classes = loaded.meta.classes
    rows = []
    for path in tqdm(args.clips, desc="classify", unit="clip", disable=len(args.clips) < 3):
        if args.window > 0:
            windows = classify_windows(loaded, path, args.window, args.stride, motion_threshold=args.motion_threshold)
            for pred in windows:
                rows.append({"clip": path, **pred.as_dict()})
        else:
            rows.append({"clip": path, **classify_file(loaded, path, motion_threshold=args.motion_threshold).as_dict()})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print_rows(rows, classes)
    return 0


def print_rows(rows: list[dict], classes: list[str]) -> None:
    """The table: clip, time span, label (or "no one moving"), probabilities, moving share."""
    width = max(len(r["clip"]) for r in rows)
    head = f"{'clip':<{width}}  {'time (s)':>13}  {'label':<14} " + " ".join(f"{c:>9}" for c in classes)
    print(head + f"  {'moving':>7}")
    for r in rows:
        span = f"{r['start_s']:6.2f}-{r['end_s']:6.2f}"
        probs = " ".join(f"{r['probabilities'][c]:9.4f}" for c in classes)
        label = "no one moving" if r.get("abstained") else r["label"]
        print(f"{r['clip']:<{width}}  {span:>13}  {label:<14} {probs}  {100 * r['moving_share']:6.2f}%")
    for r in rows:
        if r.get("abstained"):
            print(f"{r['clip']} ({r['start_s']:.2f}-{r['end_s']:.2f} s): {r['motion']}; the probabilities are "
                  "the model's answer anyway, not a verdict")
