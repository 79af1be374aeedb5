"""``python -m engine inspect FILE``: what a checkpoint holds (format, architecture, classes, parameters)."""

from __future__ import annotations

import argparse

HELP = "Say what a checkpoint holds: its format, the recognised architecture, its classes and parameter count."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoints", nargs="+", help="checkpoint files (.pt/.pth)")


def main(args: argparse.Namespace) -> int:
    from engine.convert import inspect_checkpoint

    for i, path in enumerate(args.checkpoints):
        if i:
            print()
        for line in inspect_checkpoint(path).lines():
            print(line)
    return 0
