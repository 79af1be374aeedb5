"""``python -m engine prepare``: class folders of videos (or KTH) -> UCF101-style frames."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.data.export import export_ucf101
from engine.data.loading import load_dataset
from engine.errors import UserError

HELP = "Turn a folder of class sub-folders of videos (or a KTH folder) into annotation.json + JPEG frame folders."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--videos", required=True, help="folder of <class>/<video> files, or a KTH folder")
    parser.add_argument("--out", required=True, help="new folder for annotation.json and frames/")
    parser.add_argument("--classes", nargs="+", default=None, help="classes to keep (default: all), in index order")
    parser.add_argument(
        "--layout", choices=("auto", "kth", "folder"), default="auto", help="kth uses KTH's person split"
    )
    parser.add_argument("--val-fraction", type=float, default=0.2, help="share of each class for validation")
    parser.add_argument("--test-fraction", type=float, default=0.0, help="share of each class for testing")
    parser.add_argument("--seed", type=int, default=0, help="seed of the stratified split")
    parser.add_argument("--frames-per-clip", default="all", help="'all', or N frames spread uniformly")
    parser.add_argument("--max-side", type=int, default=0, help="shrink frames to this longer side (0: keep)")
    parser.add_argument("--skip-bad", action="store_true", help="skip unreadable videos instead of stopping")


def parse_frames_per_clip(text: str) -> int | None:
    """'all' -> None; a positive integer -> itself."""
    if str(text).strip().lower() == "all":
        return None
    try:
        value = int(text)
    except ValueError:
        raise UserError(f"--frames-per-clip must be 'all' or a positive integer; got {text!r}.") from None
    if value < 1:
        raise UserError(f"--frames-per-clip must be at least 1; got {value}.")
    return value


def main(args: argparse.Namespace) -> int:
    frames_per_clip = parse_frames_per_clip(args.frames_per_clip)
    if args.max_side < 0:
        raise UserError(f"--max-side must be 0 or positive; got {args.max_side}.")
    videos = Path(args.videos)
    if not videos.is_dir():
        raise UserError(f"--videos {videos} is not a folder.")
    index = load_dataset(
        videos,
        layout=args.layout,
        classes=args.classes,
        split_seed=args.seed,
        val_fraction=args.val_fraction,
        test_fraction=args.test_fraction,
    )
    out = Path(args.out)
    annotation, skipped = export_ucf101(index, out, frames_per_clip, args.max_side or None, args.skip_bad)
    for message in skipped:
        print(message, file=sys.stderr)
    counts = index.counts()
    summary = ", ".join(f"{s}: {sum(c.values())}" for s, c in counts.items())
    print(f"wrote {annotation} ({index.layout} layout; classes {', '.join(index.classes)}; {summary})")
    return 0
