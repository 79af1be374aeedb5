"""``python -m engine study``: the research study, written as an offline HTML report plus CSV tables.

With no arguments it studies the bundled models on a fresh synthetic test set
(seed 1234, never used for training) and evaluates the bundled event models::

    python -m engine study --out report/
    python -m engine study --data DIR --checkpoint A.pt --checkpoint B.pt --methods gradient,gradcam
    python -m engine study --sections event --event-retrain      # (re)train the 18 event models
    python -m engine study --sections ica-box                    # the box experiments of Ismail et al. 2019
    python -m engine study --executor ray --address ray://head:10001
    python -m engine study --real ../shared/real-clips --sections real   # real footage only
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from engine.errors import UserError
from engine.runs import EXECUTORS
from engine.saliency import get_method
from engine.study.box import BoxConfig
from engine.study.event import EventConfig
from engine.study.run import (DEFAULT_METHODS, SECTIONS, TEST_SEED, StudyConfig, default_checkpoints, default_event_dir,
                              run_study)
from engine.synth.box import BOXES

HELP = ("Research study: saliency methods vs optical flow and masks, vanishing saliency, the input-cell "
        "attention paper's box experiments; HTML report.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="report", help="report folder (default report/)")
    p.add_argument("--data", help="data folder (default: a synthetic KTH-like test set, seed --seed)")
    p.add_argument("--layout", default="auto", choices=["auto", "kth", "folder"], help="data layout")
    p.add_argument("--subset", default="test", choices=["test", "all"], help="records of --data to study")
    p.add_argument("--checkpoint", action="append", help="model checkpoint, repeatable (default: both bundled)")
    p.add_argument("--methods", default=",".join(DEFAULT_METHODS), help="comma-separated saliency methods")
    p.add_argument("--per-class", type=int, default=10, help="synthetic clips per class (default 10)")
    p.add_argument("--seed", type=int, default=TEST_SEED, help=f"synthetic test-set seed (default {TEST_SEED})")
    p.add_argument("--max-clips", type=int, help="at most this many clips")
    p.add_argument("--sections", default=",".join(SECTIONS),
                   help="comma-separated: methods, event, ica-box (default all three), real (needs --real)")
    p.add_argument("--real", metavar="FOLDER", help="add the real-footage section: a folder of class sub-folders of "
                   "real clips (accuracy over whole clips, saliency against flow and person boxes, a verdict); "
                   "boxes.json beside the clips, if there, gives the person boxes (else OpenCV's HOG detector)")
    p.add_argument("--real-methods", default="gradient,gradcam", help="saliency methods of the real section")
    p.add_argument("--event", action="store_true", help="shorthand for --sections event")
    p.add_argument("--event-dir", default=default_event_dir(), help="event checkpoints (default bundled)")
    p.add_argument("--event-retrain", action="store_true",
                   help="train every event model again (2 architectures x 3 positions x --event-seeds)")
    p.add_argument("--event-train-missing", action="store_true",
                   help="train the event models missing from --event-dir (default: evaluate what is there)")
    p.add_argument("--event-seeds", type=int, default=3, help="event: training seeds per model and position "
                                                              "(default 3)")
    p.add_argument("--event-epochs", type=int,
                   help="event training epochs of every model (default 12, and 30 for cnn_ica_lstm)")
    p.add_argument("--box-seeds", type=int, default=3, help="ica-box: training seeds per box and model (default 3)")
    p.add_argument("--box-epochs", type=int, help="ica-box: epoch cap (default 30)")
    p.add_argument("--boxes", help="ica-box: comma-separated boxes (default all five)")
    p.add_argument("--sanity-clips", type=int, default=2, help="clips per model and method for the randomisation "
                                                               "check (0 skips it)")
    p.add_argument("--executor", default="local", choices=EXECUTORS, help="local processes or a Ray cluster")
    p.add_argument("--address", help="Ray cluster address (default: a local Ray instance)")
    p.add_argument("--workers", type=int, help="processes (local) or CPUs (local Ray instance); default all cores")
    p.add_argument("--device", default="cpu", help="cpu or cuda for every task")


def config_from_args(args: argparse.Namespace):
    """A StudyConfig from the parsed arguments."""
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    for method in methods:
        get_method(method)  # UserError for an unknown name
    sections = ("event",) if args.event else tuple(s.strip() for s in args.sections.split(",") if s.strip())
    real_methods = tuple(m.strip() for m in args.real_methods.split(",") if m.strip())
    for method in real_methods:
        get_method(method)
    if args.real and "real" not in sections:
        sections = (*sections, "real")
    if args.per_class < 1:
        raise UserError(f"--per-class must be at least 1, not {args.per_class}.")
    box = box_config(args)
    if args.event_seeds < 1:
        raise UserError(f"--event-seeds must be at least 1, not {args.event_seeds}.")
    event = EventConfig(seeds=tuple(range(args.event_seeds)))
    if args.event_epochs is not None:
        event = replace(event, epochs=args.event_epochs, model_epochs=())
    return StudyConfig(out_dir=args.out, data=args.data, layout=args.layout, subset=args.subset,
                       checkpoints=tuple(args.checkpoint or default_checkpoints()), methods=methods,
                       per_class=args.per_class, seed=args.seed, max_clips=args.max_clips, executor=args.executor,
                       address=args.address, workers=args.workers, device=args.device, sections=sections,
                       sanity_clips=args.sanity_clips, event_dir=args.event_dir, event_retrain=args.event_retrain,
                       event_train_missing=args.event_train_missing,
                       event=event, box=box, real=args.real, real_methods=real_methods)


def box_config(args: argparse.Namespace):
    """The BoxConfig of --box-seeds, --box-epochs and --boxes."""
    cfg = BoxConfig()
    if args.box_seeds < 1:
        raise UserError(f"--box-seeds must be at least 1, not {args.box_seeds}.")
    cfg = replace(cfg, seeds=tuple(range(args.box_seeds)))
    if args.box_epochs is not None:
        if args.box_epochs < 1:
            raise UserError(f"--box-epochs must be at least 1, not {args.box_epochs}.")
        cfg = replace(cfg, max_epochs=args.box_epochs)
    if args.boxes:
        boxes = tuple(b.strip() for b in args.boxes.split(",") if b.strip())
        unknown = [b for b in boxes if b not in BOXES]
        if unknown or not boxes:
            raise UserError(f"Unknown box(es) {unknown}; choose from {', '.join(BOXES)}.")
        cfg = replace(cfg, boxes=boxes)
    return cfg


def main(args: argparse.Namespace) -> int:
    outcome = run_study(config_from_args(args))
    print(f"wrote {outcome['report']} in {outcome['seconds']:.0f} s ({outcome['timings']})", file=sys.stderr)
    return 0
