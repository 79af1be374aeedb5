"""Arguments and steps shared by several commands (checkpoint, data, device)."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from engine.models.checkpoint import default_device
from engine.errors import UserError
from engine.paths import default_checkpoint


def add_checkpoint_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", default=str(default_checkpoint()),
                        help="model checkpoint (default: the bundled cnnlstm); also a reference cnn-lstm file, "
                             "with --classes")
    add_foreign_arguments(parser)


def add_foreign_arguments(parser: argparse.ArgumentParser) -> None:
    """Options for a checkpoint without our metadata (the reference cnn-lstm formats)."""
    from engine.io.tensors import NORMALISATION_HELP, NORMALISATIONS, PRESETS

    group = parser.add_argument_group(
        "checkpoints trained elsewhere",
        "A reference cnn-lstm or seed-project file is recognised by its keys; give its class names in output "
        "order with --classes. Frames, size and normalisation default to its repository's (see --arch).")
    group.add_argument("--arch", choices=list(PRESETS), help="input preset: cnnlstm-reference (16 frames, 150 px, "
                       "0-255 minus ActivityNet means), cnnlstm-seed (30 frames, 120 px), project, or a torchvision "
                       "video model's; default: the recognised one")
    group.add_argument("--frames", type=int, help="frames per clip, where it differs from the preset")
    group.add_argument("--size", type=int, help="input height and width, where it differs from the preset")
    group.add_argument("--normalise", choices=["default", *NORMALISATIONS], help=NORMALISATION_HELP)
    group.add_argument("--model-code", metavar="FILE.py:FUNCTION",
                       help="build the model with a function in your own Python file (your trusted code: it runs), "
                            "then load --checkpoint into it as a plain state dict; give --classes")
    group.add_argument("--model", dest="foreign_model", metavar="MODEL",
                       help="for a bare state dict in no recognised layout: the registered model it belongs to "
                            "(e.g. r3d_18 for torchvision's published r3d_18 weights; Kinetics-400 names by default)")


def add_classes_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--classes", nargs="+", help="class names: the classes of a data set to use, and, for a "
                        "checkpoint without metadata, its classes in output order (e.g. --classes walking running)")


def foreign_settings(args: argparse.Namespace):
    """The ForeignSettings named by --classes/--arch/--frames/--size/--normalise."""
    from engine.models.foreign_checkpoint import ForeignSettings

    return ForeignSettings(classes=tuple(getattr(args, "classes", None) or ()), preset=args.arch,
                           num_frames=args.frames, size=args.size, normalise=args.normalise,
                           model=args.foreign_model)


def add_memory_budget_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--memory-budget", default=None, metavar="SIZE",
                        help="memory that batched saliency methods may use, e.g. 2G or 512M (default: a quarter of "
                             "the free memory, on a CPU at most 2 GB); results do not depend on it")


def apply_memory_budget(args: argparse.Namespace) -> None:
    """--memory-budget for this command: checked, then set as VSE_MEMORY_BUDGET (this process and its workers)."""
    import os

    from engine.saliency.memory import ENV_VAR, parse_budget

    budget = parse_budget(getattr(args, "memory_budget", None))
    if budget is not None:
        os.environ[ENV_VAR] = str(budget)  # the CLI's own process; batch workers inherit it


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
    add_classes_argument(parser)
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
    from engine.models.checkpoint import load_checkpoint

    if not Path(args.checkpoint).is_file():
        raise UserError(f"Checkpoint not found: {args.checkpoint}")
    if getattr(args, "model_code", None):
        return load_with_code(args)
    return load_checkpoint(args.checkpoint, device=resolve_device(args.device), foreign=foreign_settings(args))


def load_with_code(args: argparse.Namespace):
    """--model-code's builder with --checkpoint's plain state dict loaded into it (a LoadedModel)."""
    from engine.models import user_code

    return user_code.load_with_code(args.checkpoint, args.model_code, list(args.classes or []), frames=args.frames,
                                    size=args.size, normalise=args.normalise, preset=args.arch or "project",
                                    device=resolve_device(args.device))


def project_checkpoint(args: argparse.Namespace, out_dir: Path) -> Path:
    """--checkpoint as a file that workers load alone: a foreign one is converted into ``out_dir`` first."""
    from engine.models.checkpoint import FORMAT, read_payload
    from engine.models.convert import convert_checkpoint

    source = Path(args.checkpoint)
    if not source.is_file():
        raise UserError(f"Checkpoint not found: {source}")
    if read_payload(source).get("format") == FORMAT:
        return source
    target = Path(out_dir) / f"{source.stem}.converted.pt"
    convert_checkpoint(source, target, foreign_settings(args))
    print(f"converted {source} to a project checkpoint: {target}")
    return target


def add_motion_argument(parser: argparse.ArgumentParser) -> None:
    """--motion-threshold: the moving share below which a window abstains ("no one moving")."""
    from engine.evaluation.motion import NO_MOTION_SHARE

    parser.add_argument("--motion-threshold", type=float, default=NO_MOTION_SHARE, metavar="SHARE",
                        help=f"abstain ('no one moving') on a window where less than this share of pixels moves "
                             f"(default {NO_MOTION_SHARE}, measured: see README; 0 never abstains)")
