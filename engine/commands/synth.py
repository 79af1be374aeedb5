"""``python -m engine synth``: write synthetic KTH-like or event clips with mask sidecars."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.errors import UserError
from engine.synth.domain import DEFAULT_SECONDS, MIN_FRAMES, OPTIONS, REAL_DOMAIN, parse_randomise

HELP = ("Write synthetic clips (KTH-like walking/running, or the up/down event task) with ground-truth masks, "
        "or the box time series of Ismail et al. 2019.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", choices=("kth", "event", "samples", "box"), default="kth",
                        help="kth (walking/running), event (up/down), samples (the bundled demo clips), or box "
                             "(100 x 100 time series of Ismail et al. 2019, .npz)")
    parser.add_argument("--box", default="all", help="box: TopBox, BottomBox, MiddleBox, ThreeUpperBoxes, "
                                                     "ThreeMiddleBoxes or all (default)")
    parser.add_argument("--train", type=int, default=1000, help="box: training samples (default 1000)")
    parser.add_argument("--test", type=int, default=300, help="box: test samples (default 300)")
    parser.add_argument("--out", required=True, type=Path, help="output folder (one subfolder per class)")
    parser.add_argument("--per-class", type=int, default=25, help="clips per class (default 25)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives identical files")
    parser.add_argument("--classes", nargs="+", default=None, help="kth and real domain: subset of walking running")
    parser.add_argument("--frames", type=int, default=None,
                        help="frames per clip (kth default 40, event 16; real domain: overrides --seconds, "
                             "whatever the drawn frame rate)")
    parser.add_argument("--position", choices=("early", "middle", "late"), default="late",
                        help="event: the third of the clip holding the event")
    parser.add_argument("--size", type=int, default=64, help="event: frame side in pixels (default 64)")
    parser.add_argument("--domain", choices=("kth", "real"), default=None,
                        help="kth: KTH-like grey side-view clips (default); real: every randomisation of the "
                             "real-camera domain (the same as --randomise all)")
    parser.add_argument("--randomise", "--randomize", default=None, metavar="LIST",
                        help="real-camera randomisations, comma-separated: all, or names from "
                             f"{', '.join(OPTIONS)}; '-name' drops one (e.g. all,-backgrounds keeps the "
                             "procedural scenery); 'list' prints what each does. Implies --domain real")
    parser.add_argument("--frame-size", default=None, metavar="WxH",
                        help="real domain: frame size in pixels (default 160x120)")
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS,
                        help=f"real domain: clip duration when --frames is not given (default {DEFAULT_SECONDS}; "
                             f"at least {MIN_FRAMES} frames at any frame rate)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def main(args: argparse.Namespace) -> int:
    from engine.synth import CLASSES, generate_event_clips, generate_kth_like

    if args.out.exists() and not args.out.is_dir():
        raise UserError(f"--out {args.out} is a file; give a folder.")
    if args.frames is not None and args.frames < 2:
        raise UserError(f"--frames must be at least 2, not {args.frames}.")
    progress = not args.no_progress
    if (args.randomise or "").strip().lower() == "list":
        for name, text in OPTIONS.items():
            print(f"{name:12s} {text}")
        return 0
    if real_domain(args) is not None and args.task != "kth":
        raise UserError("--domain real and --randomise apply to --task kth only.")
    if args.task == "box":
        return write_boxes(args)
    if args.task == "samples":
        from engine.synth.samples import write_sample_clips

        paths = write_sample_clips(args.out, args.seed or 100, args.frames or 48)
    elif args.task == "event":
        if args.classes:
            raise UserError("--classes applies to --task kth only; the event classes are up and down.")
        paths = generate_event_clips(args.out, args.per_class, args.seed, args.position,
                                     args.frames or 16, args.size, progress)
    elif real_domain(args) is not None:
        paths = write_real_domain(args, real_domain(args), progress)
    else:
        classes = tuple(args.classes) if args.classes else CLASSES
        paths = generate_kth_like(args.out, args.per_class, args.seed, classes, args.frames, progress)
    print(f"wrote {len(paths)} clips with mask sidecars under {args.out}", file=sys.stderr)
    return 0


def write_boxes(args: argparse.Namespace) -> int:
    """``--task box``: train and test .npz files (x, y, mask) per box."""
    from engine.synth.box import BOXES, write_box_data

    boxes = tuple(BOXES) if args.box == "all" else (args.box,)
    if any(b not in BOXES for b in boxes):
        raise UserError(f"Unknown --box {args.box!r}; choose from {', '.join(BOXES)} or all.")
    if args.train < 1 or args.test < 1:
        raise UserError("--train and --test must be at least 1.")
    paths = [p for box in boxes for p in write_box_data(args.out, box, args.train, args.test, args.seed)]
    print(f"wrote {len(paths)} files (x: samples x 100 steps x 100 features, y: class, mask: the box) "
          f"under {args.out}", file=sys.stderr)
    return 0


def real_domain(args: argparse.Namespace) -> frozenset[str] | None:
    """The randomisations asked for, or None for the KTH-like generator."""
    if args.randomise is not None:
        if args.domain == "kth":
            raise UserError("--randomise needs the real domain; drop --domain kth.")
        return parse_randomise(args.randomise)
    return REAL_DOMAIN if args.domain == "real" else None


def parse_frame_size(text: str | None) -> tuple[int, int]:
    """``"WxH"`` -> (W, H); None -> (160, 120)."""
    if text is None:
        return 160, 120
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise UserError(f"--frame-size takes WIDTHxHEIGHT, e.g. 224x168, not {text!r}.") from None
    if not (16 <= width <= 4096 and 16 <= height <= 4096):
        raise UserError(f"--frame-size {text}: each side must be 16-4096 pixels.")
    return width, height


def write_real_domain(args: argparse.Namespace, options: frozenset[str], progress: bool) -> list:
    """``--domain real`` / ``--randomise``: real-camera-domain clips in class folders."""
    from engine.synth import CLASSES
    from engine.synth.realdomain import generate_real_clips

    if args.seconds <= 0:
        raise UserError(f"--seconds must be positive, not {args.seconds}.")
    width, height = parse_frame_size(args.frame_size)
    classes = tuple(args.classes) if args.classes else CLASSES
    return generate_real_clips(args.out, args.per_class, args.seed, options, classes, width, height, args.frames,
                               args.seconds, progress)
