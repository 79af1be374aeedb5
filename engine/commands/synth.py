"""``python -m engine synth``: write synthetic KTH-like or event clips with mask sidecars."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.errors import UserError

HELP = "Write synthetic clips (KTH-like walking/running, or the up/down event task) with ground-truth masks."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", choices=("kth", "event", "samples"), default="kth",
                        help="kth (walking/running), event (up/down), or samples (the bundled demo clips)")
    parser.add_argument("--out", required=True, type=Path, help="output folder (one subfolder per class)")
    parser.add_argument("--per-class", type=int, default=25, help="clips per class (default 25)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives identical files")
    parser.add_argument("--classes", nargs="+", default=None, help="kth: subset of walking running")
    parser.add_argument("--frames", type=int, default=None, help="frames per clip (kth default 40, event 16)")
    parser.add_argument("--position", choices=("early", "middle", "late"), default="late",
                        help="event: the third of the clip holding the event")
    parser.add_argument("--size", type=int, default=64, help="event: frame side in pixels (default 64)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def main(args: argparse.Namespace) -> int:
    from engine.synth import CLASSES, generate_event_clips, generate_kth_like

    if args.out.exists() and not args.out.is_dir():
        raise UserError(f"--out {args.out} is a file; give a folder.")
    if args.frames is not None and args.frames < 2:
        raise UserError(f"--frames must be at least 2, not {args.frames}.")
    progress = not args.no_progress
    if args.task == "samples":
        from engine.synth.samples import write_sample_clips

        paths = write_sample_clips(args.out, args.seed or 100, args.frames or 48)
    elif args.task == "event":
        if args.classes:
            raise UserError("--classes applies to --task kth only; the event classes are up and down.")
        paths = generate_event_clips(args.out, args.per_class, args.seed, args.position,
                                     args.frames or 16, args.size, progress)
    else:
        classes = tuple(args.classes) if args.classes else CLASSES
        paths = generate_kth_like(args.out, args.per_class, args.seed, classes, args.frames, progress)
    print(f"wrote {len(paths)} clips with mask sidecars under {args.out}", file=sys.stderr)
    return 0
