"""``python -m engine inspect FILE``: what a checkpoint holds (format, architecture, classes, parameters)."""

from __future__ import annotations

import argparse

from engine.models.convert import inspect_checkpoint

HELP = "Say what a checkpoint holds: its format, the recognised architecture, its classes and parameter count."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoints", nargs="+", help="checkpoint files (.pt/.pth)")
    p.add_argument("--model", help="for a bare state dict in no recognised layout: the registered model it belongs to "
                   "(e.g. r3d_18)")


def main(args: argparse.Namespace) -> int:
    for i, path in enumerate(args.checkpoints):
        if i:
            print()
        for line in inspect_checkpoint(path, args.model).lines():
            print(line)
    return 0
