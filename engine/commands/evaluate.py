"""``python -m engine evaluate --data DIR``: accuracy, precision, recall, confusion matrix.

``--windows all`` evaluates whole clips: every window of every clip, one verdict per clip
(:mod:`engine.evaluation.clips`), and writes a markdown and CSV report (``--out DIR``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tqdm import tqdm

from engine.commands.common import (add_checkpoint_argument, add_data_arguments, add_device_argument,
                                    add_motion_argument, load_index, load_model)
from engine.errors import UserError

HELP = ("Evaluate a checkpoint on a dataset split (default: the bundled model, test split); --windows all for "
        "whole clips.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_data_arguments(p)
    add_checkpoint_argument(p)
    add_device_argument(p)
    p.add_argument("--subset", default=None, choices=["train", "val", "test", "all"],
                   help="which clips (default: test; with --windows all: all)")
    p.add_argument("--windows", default="one", choices=["one", "all"],
                   help="one: one window per clip (T frames at the model's step, centred); all: every window of "
                        "every clip, half a window apart, one verdict per clip from the mean probability over the "
                        "windows where someone moves, with a report (--out)")
    p.add_argument("--out", metavar="DIR", help="with --windows all: folder for report.md, clips.csv, windows.csv and "
                   "summary.json (default: evaluation.<checkpoint name>)")
    add_motion_argument(p)
    p.add_argument("--json", action="store_true", help="print JSON")


def main(args: argparse.Namespace) -> int:
    if args.windows == "all":
        return main_clips(args)
    from engine.models.inference import evaluate_records

    subset = args.subset or "test"
    loaded = load_model(args)
    index = load_index(args, classes=args.classes or loaded.meta.classes)
    records = index.records if subset == "all" else index.subset(subset)
    if not records:
        raise UserError(f"No clips in the {subset} subset of {args.data}.")
    bar = tqdm(total=len(records), desc="evaluate", unit="clip")
    report = evaluate_records(loaded, records, index.classes, on_progress=lambda done, total: bar.update(done - bar.n))
    bar.close()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print_report(report, subset)
    return 0


def main_clips(args: argparse.Namespace) -> int:
    """--windows all: every window of every clip; the report goes to --out."""
    from engine.evaluation.clip_report import confusion_lines, summary_lines, write_clip_report
    from engine.evaluation.clips import evaluate_clips, summarise_verdicts

    subset = args.subset or "all"
    loaded = load_model(args)
    index = load_index(args, classes=args.classes)
    records = index.records if subset == "all" else index.subset(subset)
    if not records:
        raise UserError(f"No clips in the {subset} subset of {args.data}.")
    model_classes = list(loaded.meta.classes)
    classes = sorted({r.label for r in records}, key=lambda c: (c not in model_classes, model_classes.index(c)
                                                                   if c in model_classes else 0, c))
    bar = tqdm(total=len(records), desc="evaluate (every window)", unit="clip")
    windows = [0]

    def done(verdict) -> None:
        windows[0] += verdict.windows
        bar.set_postfix(windows=windows[0], refresh=False)
        bar.update(1)

    verdicts = evaluate_clips(loaded, records, args.motion_threshold, on_clip=done)
    bar.close()
    summary = summarise_verdicts(verdicts, classes, model_classes)
    about = describe_run(args, loaded, subset)
    out = Path(args.out) if args.out else Path(f"evaluation.{Path(args.checkpoint).stem}")
    paths = write_clip_report(out, verdicts, summary, about, model_classes)
    if args.json:
        print(json.dumps(summary | {"about": about, "files": {k: str(p) for k, p in paths.items()}}, indent=2))
        return 0
    for v in verdicts:
        mean = " ".join(f"{c} {v.mean_probabilities[c]:.3f}" for c in classes if c in v.mean_probabilities)
        print(f"{Path(v.clip).name}: {v.true_class} -> {v.verdict} ({v.windows - v.abstained} of {v.windows} windows"
              f"{'; ' + mean if mean else ''}{'; ' + v.note if v.note else ''})")
    print("\n".join(["", *summary_lines(summary), "", *confusion_lines(summary), ""]))
    print(f"wrote {paths['markdown']}, {paths['clips']}, {paths['windows']} and {paths['summary']}")
    return 0


def describe_run(args: argparse.Namespace, loaded, subset: str) -> dict:
    """What was evaluated and how, for the report's head."""
    spec = loaded.meta.input_spec
    windows = (f"windows of {spec.num_frames} frames every {spec.frame_step} source frames, half a window apart"
               if spec.frame_step > 0 else f"{spec.num_frames} frames spread over each clip")
    return {"checkpoint": str(args.checkpoint), "data": str(args.data or args.annotation_path), "subset": subset,
            "model": loaded.meta.model_name, "motion_threshold": args.motion_threshold, "windows": windows}


def print_report(report: dict, subset: str) -> None:
    classes = report["classes"]
    print(f"{subset}: {report['count']} clips, accuracy {report['accuracy']:.4f}")
    print(f"{'class':<12} {'precision':>9} {'recall':>9}")
    for c in classes:
        print(f"{c:<12} {report['precision'][c]:9.4f} {report['recall'][c]:9.4f}")
    width = max(len(c) for c in classes) + 2
    print("confusion (rows: true, columns: predicted)")
    print(" " * width + "".join(f"{c:>{width}}" for c in classes))
    for c, row in zip(classes, report["confusion"], strict=True):
        print(f"{c:<{width}}" + "".join(f"{v:>{width}}" for v in row))
