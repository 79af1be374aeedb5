"""``python -m engine train``: train a registered model on a dataset folder.

Accepts the plain form (``--data DIR --model cnnlstm``) and the reference
cnn-lstm flag names (``--annotation_path --video_path --dataset --sample_size
--sample_duration --n_classes --batch_size --n_epochs --lr_rate ...``).
"""

from __future__ import annotations

import argparse

import inspect

from engine.models.foreign_checkpoint import ForeignSettings
from engine.commands.common import add_data_arguments, load_index, resolve_device
from engine.errors import UserError
from engine.models.backbones import BACKBONES
from engine.models.base import PROJ_ACTIVATIONS
from engine.models.motion import MOTION_INPUTS
from engine.models.foreign import ARCHITECTURES
from engine.models.registry import MODELS
from engine.io.tensors import NORMALISATION_HELP, NORMALISATIONS, InputSpec, normalised_spec

# the shape flags' defaults when neither the flag nor --arch sets them
SHAPE_DEFAULTS = dict(backbone="small", proj_dim=64, proj_activation="relu", hidden_size=64, num_layers=1, head_hidden=0,
                      frames=16, size=64, frame_step=2, channels=1, normalise="default")

HELP = "Train a video classifier (writes best.pt, last.pt and metrics.csv)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_data_arguments(p)
    p.add_argument("--model", default="cnnlstm", help=f"registered model: {', '.join(MODELS.names())}")
    p.add_argument("--backbone", help=f"registered backbone: {', '.join(BACKBONES.names())} (default small)")
    p.add_argument("--weights-path", "--weights", dest="weights_path",
                   help="local weights (nothing is downloaded): the backbone's, or a torchvision video model's "
                        "published state dict")
    p.add_argument("--freeze-backbone", action="store_true", help="keep the backbone fixed, BatchNorm in eval mode")
    p.add_argument("--arch", choices=list(ARCHITECTURES), help="build a reference shape: cnnlstm-reference (ResNet-101, "
                   "projection 300 without ReLU, LSTM 3x256, head 128, 16 frames at 150 px, 0-255 minus ActivityNet "
                   "means) or cnnlstm-seed (the same on ResNet-18, 30 frames at 120 px); flags given override it")
    p.add_argument("--hidden-size", type=int, help="LSTM hidden size (default 64)")
    p.add_argument("--num-layers", type=int, help="LSTM layers (default 1)")
    p.add_argument("--proj-dim", type=int, help="per-frame feature size after the projection (default 64)")
    p.add_argument("--proj-activation", choices=list(PROJ_ACTIVATIONS),
                   help="after the projection: relu (default), or none (the reference cnn-lstm)")
    p.add_argument("--head-hidden", type=int, help="hidden size of a Linear-ReLU-Linear head (0: Linear)")
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--frames", "--sample_duration", dest="frames", type=int, help="frames per clip T (default 16)")
    p.add_argument("--size", "--sample_size", dest="size", type=int, help="input height and width (default 64)")
    p.add_argument("--frame-step", type=int,
                   help="source frames between sampled frames (default 2; fixes the time scale); 0 spreads T over the clip")
    p.add_argument("--sample-fps", type=float, default=0.0,
                   help="sample by time: model frames per second, whatever the clip's frame rate (e.g. 12.5: every "
                        "2nd frame at 25 fps, every 2.4th at 30 fps); 0 (default) counts source frames (--frame-step)")
    p.add_argument("--motion", choices=list(MOTION_INPUTS),
                   help="the model's input stem: frames (default), diff (frame differences x[t]-x[t-1], computed "
                        "inside the model, so saliency stays on the frames) or frames+diff")
    p.add_argument("--augment", choices=["basic", "real"], default="basic",
                   help="basic (temporal crop and flip, default) or real (also scale 0.3-1.2, light, blur, noise, "
                        "and for --sample-fps a simulated 5-30 fps camera and +-8%% tempo)")
    p.add_argument("--channels", type=int, choices=[1, 3], help="1 (gray, default) or 3 (RGB)")
    p.add_argument("--normalise", choices=["default", *NORMALISATIONS], help=NORMALISATION_HELP)
    p.add_argument("--mean", type=float, nargs="+", help="per-channel means in the pixel scale of --normalise "
                   "(e.g. --normalise activitynet-255 --mean 110.6 103.2 96.3 for the Kinetics means)")
    p.add_argument("--n-classes", "--n_classes", dest="n_classes", type=int, help="check the class count")
    p.add_argument("--epochs", "--n_epochs", dest="epochs", type=int, default=12)
    p.add_argument("--batch-size", "--batch_size", dest="batch_size", type=int, default=16)
    p.add_argument("--lr", "--lr_rate", dest="lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", "--weight_decay", dest="weight_decay", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--use_cuda", action="store_true", help="reference flag: train on CUDA")
    p.add_argument("--gpu", type=int, default=0, help="reference flag: CUDA device index")
    p.add_argument("--num-workers", "--num_workers", dest="num_workers", type=int, default=0)
    p.add_argument("--no-amp", action="store_true", help="disable mixed precision on GPU")
    p.add_argument("--resume", "--resume_path", dest="resume",
                   help="resume from a last.pt or a reference cnn-lstm checkpoint (weights, optimizer, epoch)")
    p.add_argument("--init-from", help="start from the weights of a checkpoint (ours or a reference cnn-lstm file; "
                   "give its classes with --classes); architecture and input come from the file")
    p.add_argument("--out", default="runs/train", help="output folder")


def main(args: argparse.Namespace) -> int:
    from engine.data import ClipDataset
    from engine.models.train import TrainConfig, checkpoint_architecture, train

    if args.resume and args.init_from:
        raise UserError("Give --resume or --init-from, not both.")
    device = resolve_device(f"cuda:{args.gpu}" if args.use_cuda else args.device)
    start = args.resume or args.init_from
    foreign = ForeignSettings(classes=tuple(args.classes or ()), preset=args.arch, num_frames=args.frames, size=args.size,
                              normalise=args.normalise, frame_step=args.frame_step)
    if start:  # the architecture, classes and input come from the file
        meta = checkpoint_architecture(start, foreign)
        model, spec, classes = meta.model_name, meta.input_spec, meta.classes
        config = {k: v for k, v in meta.model_config.items() if k not in ("num_classes", "in_channels")}
    else:
        model, config, spec = build_architecture(args)
        classes = args.classes
    index = load_index(args, classes=classes)
    if args.n_classes is not None and args.n_classes != len(index.classes):
        raise UserError(f"--n_classes {args.n_classes} but the data has {len(index.classes)}: {index.classes}.")
    train_records, val_records = index.subset("train"), index.subset("val") or index.subset("test")
    if not train_records or not val_records:
        raise UserError(f"Need training and validation clips; found {len(train_records)} and {len(val_records)}.")
    from engine.data.augment import AUGMENTATIONS

    augmentation = AUGMENTATIONS[args.augment] if args.augment != "basic" else None
    train_set = ClipDataset(train_records, index.classes, spec, train=True, seed=args.seed, cache=True,
                            augmentation=augmentation)
    val_set = ClipDataset(val_records, index.classes, spec, train=False, cache=True)
    cfg = TrainConfig(model=model, model_config=config, epochs=args.epochs, batch_size=args.batch_size,
                      lr=args.lr, weight_decay=args.weight_decay, seed=args.seed, device=str(device),
                      amp=not args.no_amp, num_workers=args.num_workers, out_dir=args.out, resume=args.resume,
                      init_from=args.init_from, foreign=foreign)
    print(f"training {model} on {len(train_set)} clips, validating on {len(val_set)} ({device})")
    summary = train(train_set, val_set, index.classes, spec, cfg)
    print(f"best validation accuracy {summary['best_val_acc']:.4f}; checkpoints: {summary['best']}, {summary['last']}")
    return 0


def build_architecture(args: argparse.Namespace) -> tuple[str, dict, InputSpec]:
    """(model name, config, input spec) from the flags, starting from --arch's reference shape when given."""
    preset = ARCHITECTURES.get(args.arch) or model_input_defaults(args.model)
    values = {name: getattr(args, name) if getattr(args, name) is not None else preset.get(name, default)
              for name, default in SHAPE_DEFAULTS.items()}
    registered = MODELS.get(args.model).builder
    accepted = inspect.signature(registered).parameters
    config = {"backbone": values["backbone"], "proj_dim": values["proj_dim"], "weights_path": args.weights_path,
              "freeze_backbone": args.freeze_backbone, "proj_activation": values["proj_activation"],
              "hidden_size": values["hidden_size"], "num_layers": values["num_layers"],
              "head_hidden": values["head_hidden"], "dropout": args.dropout}
    if args.motion:
        config["motion"] = args.motion
    config = {k: v for k, v in config.items() if k in accepted}  # each builder takes only its own options
    try:
        spec = normalised_spec(values["frames"], values["size"], values["channels"], values["frame_step"],
                               values["normalise"], tuple(args.mean) if args.mean else None, args.sample_fps)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return args.model, config, spec


def model_input_defaults(model: str) -> dict:
    """The input preset a model's registration names (``input_preset``), as train's flag defaults (RGB); {} when
    it names none."""
    from engine.io.tensors import PRESETS

    name = MODELS.get(model).input_preset
    if name is None:
        return {}
    p = PRESETS[name]
    return dict(frames=p["num_frames"], size=p["size"], frame_step=p["frame_step"], normalise=p["normalise"], channels=3)
