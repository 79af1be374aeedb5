"""``python -m engine evaluate --data DIR``: accuracy, precision, recall, confusion matrix."""

from __future__ import annotations

import argparse
import json

from tqdm import tqdm

from engine.commands.common import add_checkpoint_argument, add_data_arguments, add_device_argument, load_index, load_model
from engine.errors import UserError

HELP = "Evaluate a checkpoint on a dataset split (default: the bundled model, test split)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_data_arguments(p)
    add_checkpoint_argument(p)
    add_device_argument(p)
    p.add_argument("--subset", default="test", choices=["train", "val", "test", "all"])
    p.add_argument("--json", action="store_true", help="print JSON")


def main(args: argparse.Namespace) -> int:
    from engine.models.inference import evaluate_records

    loaded = load_model(args)
    index = load_index(args, classes=args.classes or loaded.meta.classes)
    records = index.records if args.subset == "all" else index.subset(args.subset)
    if not records:
        raise UserError(f"No clips in the {args.subset} subset of {args.data}.")
    bar = tqdm(total=len(records), desc="evaluate", unit="clip")
    report = evaluate_records(loaded, records, index.classes, on_progress=lambda done, total: bar.update(done - bar.n))
    bar.close()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print_report(report, args.subset)
    return 0


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
