"""``python -m engine bench``: structure-aware speed-ups vs their loops, IG efficiency, per-method times."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from engine.bench import format_report, run_bench

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


def main(args: argparse.Namespace) -> int:
    if args.threads > 0:
        torch.set_num_threads(args.threads)  # this command's own process: a benchmark setting
    report = run_bench(checkpoint=args.checkpoint, clip=args.clip, device=args.device, repeats=args.repeats,
                       quick=args.quick, methods=not args.no_methods)
    print(format_report(report, markdown=args.markdown))
    if args.json_out:
        path = Path(args.json_out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2, default=str))
        print(f"wrote {path}")
    return 0
