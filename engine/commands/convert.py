"""``python -m engine convert IN --out OUT.pt --classes ...``: a foreign checkpoint as a project checkpoint."""

from __future__ import annotations

import argparse

from engine.commands.common import add_classes_argument, add_foreign_arguments, foreign_settings
from engine.models.convert import convert_checkpoint, inspect_checkpoint

HELP = "Write a reference cnn-lstm checkpoint (or a plain state dict) as a project checkpoint with metadata."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="the checkpoint to convert (.pth/.pt)")
    p.add_argument("--out", required=True, help="the project checkpoint to write (.pt)")
    add_classes_argument(p)
    add_foreign_arguments(p)


def main(args: argparse.Namespace) -> int:
    meta = convert_checkpoint(args.source, args.out, foreign_settings(args))
    spec = meta.input_spec
    print(f"converted {args.source} ({meta.training.get('source_layout')}) -> {args.out}")
    shown = ", ".join(meta.classes[:6]) + (f", ... ({len(meta.classes)} classes)" if len(meta.classes) > 6 else "")
    print(f"classes {shown}; {spec.num_frames} frames at {spec.height}x{spec.width}, "
          f"pixels in [0, {spec.pixel_scale:g}] minus {list(spec.mean)}, divided by {list(spec.std)}")
    for line in inspect_checkpoint(args.out).lines():
        print("  " + line)
    return 0
