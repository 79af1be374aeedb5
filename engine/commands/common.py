"""Arguments and steps shared by several commands (checkpoint, data, device)."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from engine.checkpoint import default_device
from engine.errors import UserError

ASSETS = Path(__file__).resolve().parents[2] / "assets"
DEFAULT_CHECKPOINT = ASSETS / "models" / "cnnlstm.pt"


def add_checkpoint_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT),
                        help="model checkpoint (default: the bundled cnnlstm)")


def add_device_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (GPU when present)")


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", help="dataset root (KTH folder, class folders, or UCF101-style root)")
    parser.add_argument("--layout", "--dataset", dest="layout", default="auto",
                        choices=["auto", "kth", "ucf101", "folder"], help="dataset layout (default: detect)")
    parser.add_argument("--annotation-path", "--annotation_path", dest="annotation_path",
                        help="UCF101-style annotation JSON")
    parser.add_argument("--video-path", "--video_path", dest="video_path",
                        help="UCF101-style frames root (video_path/<label>/<key>/image_00001.jpg)")
    parser.add_argument("--classes", nargs="+", help="classes to use, e.g. --classes walking running")
    parser.add_argument("--split-seed", type=int, default=0, help="seed of the split for plain folders")


def resolve_device(name: str) -> torch.device:
    """'auto' -> CUDA when present, else CPU; refuses CUDA when there is none."""
    if name in ("auto", "", None):
        return default_device()
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UserError("CUDA was requested but no GPU is available; use --device cpu.")
    return device


def load_index(args: argparse.Namespace, classes=None):
    """The DatasetIndex named by --data/--layout/--annotation-path/--video-path/--classes."""
    from engine.data import load_dataset

    if not args.data and not args.annotation_path:
        raise UserError("Give a dataset with --data DIR (or --annotation-path and --video-path).")
    return load_dataset(args.data, layout=args.layout, classes=classes or args.classes,
                        annotation_path=args.annotation_path, video_path=args.video_path, split_seed=args.split_seed)


def load_model(args: argparse.Namespace):
    """Loads --checkpoint on --device (a LoadedModel)."""
    from engine.checkpoint import load_checkpoint

    if not Path(args.checkpoint).is_file():
        raise UserError(f"Checkpoint not found: {args.checkpoint}")
    return load_checkpoint(args.checkpoint, device=resolve_device(args.device))
