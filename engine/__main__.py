"""``python -m engine <command>``: the command line.

Each command lives in ``engine/commands/<name>.py`` and provides ``HELP`` (one
line), ``add_arguments(parser)`` and ``main(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from engine.errors import UserError
from engine.registry import Registry

# name -> the module that implements it (imported when the parser is built)
COMMANDS: Registry[str] = Registry("command")
for _name in ("synth", "prepare", "train", "classify", "inspect", "convert", "evaluate", "saliency", "plot", "bench",
              "study"):
    COMMANDS.add(_name, f"engine.commands.{_name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description="Video saliency explorer engine.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, path in COMMANDS.items():
        module = importlib.import_module(path)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_main=module.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    try:
        return int(args._main(args) or 0)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
