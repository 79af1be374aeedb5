"""``python -m engine bench``: structure-aware speed-ups vs their loops, IG efficiency, per-method times."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from engine.benchmarks.realistic import format_rows, run_methods
from engine.benchmarks.speedups import format_report, machine_info, run_bench
from engine.commands.common import add_memory_budget_argument

HELP = "Time the structure-aware methods against their one-at-a-time loops, IG, and every method end to end."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", default=None,
                        help="model checkpoint (default: assets/models/cnnlstm.pt, else an untrained cnnlstm)")
    parser.add_argument("--clip", default=None, help="video file (default: a synthetic clip rendered in memory)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1 ...")
    parser.add_argument("--repeats", type=int, default=1, help="timings keep the fastest of this many runs")
    parser.add_argument("--json", dest="json_out", default=None, metavar="OUT", help="also write the table as JSON")
    parser.add_argument("--markdown", action="store_true", help="print README-ready Markdown tables")
    parser.add_argument("--quick", action="store_true", help="tiny model and clip, no per-method rows (a smoke test)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch CPU threads for this run (default: torch's own choice)")
    parser.add_argument("--no-methods", action="store_true", help="skip the per-method end-to-end times")
    realistic = parser.add_argument_group(
        "realistic models", "With --backbone or --model: every method's seconds and peak memory on a random-init "
        "model of that size, each method in its own process (the structure and IG rows are not run).")
    realistic.add_argument("--backbone", help="CNN-LSTM of the reference shape with this ResNet (resnet18 ... "
                                              "resnet152): 2048->300 projection, LSTM 3x256, fc 256->128->2")
    realistic.add_argument("--model", dest="model_name", help="a registered model instead (e.g. r3d_18), random init")
    realistic.add_argument("--size", type=int, default=112, help="input height and width (default 112)")
    realistic.add_argument("--frames", type=int, default=16, help="frames per clip (default 16)")
    realistic.add_argument("--methods", help="comma-separated methods (default: every registered one)")
    realistic.add_argument("--ig-quadrature", action="store_true",
                           help="also the IG row: Gauss-Legendre steps to the delta of 32 Riemann steps")
    realistic.add_argument("--timeout", type=float, default=900, help="seconds a method may take (default 900)")
    add_memory_budget_argument(parser)


def main(args: argparse.Namespace) -> int:
    if args.threads > 0:
        torch.set_num_threads(args.threads)  # this command's own process: a benchmark setting
    if args.backbone or args.model_name:
        return realistic_rows(args)
    report = run_bench(checkpoint=args.checkpoint, clip=args.clip, device=args.device, repeats=args.repeats,
                       quick=args.quick, methods=not args.no_methods)
    print(format_report(report, markdown=args.markdown))
    write_json(args.json_out, report)
    return 0


def write_json(out: str | None, data) -> None:
    """Writes ``data`` as JSON to ``out`` (parents created) when given."""
    if out:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, default=str))
        print(f"wrote {path}")


def realistic_rows(args: argparse.Namespace) -> int:
    """Per-method rows on a random-init model (see :mod:`engine.benchmarks.realistic`), printed as they come."""
    model = args.model_name or "cnnlstm"
    described = f"{model} ({args.backbone})" if model == "cnnlstm" else model
    print(", ".join(f"{k}: {v}" for k, v in machine_info(torch.device("cpu")).items()))
    print(f"{described}, random init, {args.frames}x3x{args.size}x{args.size}, memory budget "
          f"{args.memory_budget or 'automatic'}; each method in its own process")
    methods = [m.strip() for m in args.methods.split(",")] if args.methods else None
    rows = run_methods(model=model, backbone=args.backbone or "resnet18", size=args.size, frames=args.frames,
                       memory_budget=args.memory_budget, methods=methods, timeout=args.timeout,
                       ig_quadrature=args.ig_quadrature,
                       on_row=lambda row: print(format_rows([row]), flush=True))
    print()
    print(format_rows(rows, markdown=args.markdown))
    write_json(args.json_out, rows)
    return 0
