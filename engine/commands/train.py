"""``python -m engine train``: train a registered model on a dataset folder.

Accepts the plain form (``--data DIR --model cnnlstm``) and the reference
cnn-lstm flag names (``--annotation_path --video_path --dataset --sample_size
--sample_duration --n_classes --batch_size --n_epochs --lr_rate ...``).
"""

from __future__ import annotations

import argparse

from engine.commands.common import add_data_arguments, load_index, resolve_device
from engine.errors import UserError
from engine.tensors import InputSpec

HELP = "Train a video classifier (writes best.pt, last.pt and metrics.csv)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_data_arguments(p)
    p.add_argument("--model", default="cnnlstm", help="registered model (cnnlstm, cnn_ica_lstm, framecnn)")
    p.add_argument("--backbone", default="small", help="small or resnet18/34/50/101")
    p.add_argument("--weights-path", help="local backbone weights (nothing is downloaded)")
    p.add_argument("--freeze-backbone", action="store_true", help="keep the backbone fixed, BatchNorm in eval mode")
    p.add_argument("--hidden-size", type=int, default=64)
    p.add_argument("--num-layers", type=int, default=1)
    p.add_argument("--proj-dim", type=int, default=64)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--frames", "--sample_duration", dest="frames", type=int, default=16, help="frames per clip T")
    p.add_argument("--size", "--sample_size", dest="size", type=int, default=64, help="input height and width")
    p.add_argument("--frame-step", type=int, default=2,
                   help="source frames between sampled frames (fixes the time scale); 0 spreads T over the clip")
    p.add_argument("--channels", type=int, default=1, choices=[1, 3])
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
    p.add_argument("--resume", "--resume_path", dest="resume", help="resume from a last.pt")
    p.add_argument("--out", default="runs/train", help="output folder")


def main(args: argparse.Namespace) -> int:
    from engine.data import ClipDataset
    from engine.train import TrainConfig, train

    device = resolve_device(f"cuda:{args.gpu}" if args.use_cuda else args.device)
    index = load_index(args)
    if args.n_classes is not None and args.n_classes != len(index.classes):
        raise UserError(f"--n_classes {args.n_classes} but the data has {len(index.classes)}: {index.classes}.")
    train_records, val_records = index.subset("train"), index.subset("val") or index.subset("test")
    if not train_records or not val_records:
        raise UserError(f"Need training and validation clips; found {len(train_records)} and {len(val_records)}.")
    spec = default_spec(args.frames, args.size, args.channels, args.frame_step)
    train_set = ClipDataset(train_records, index.classes, spec, train=True, seed=args.seed, cache=True)
    val_set = ClipDataset(val_records, index.classes, spec, train=False, cache=True)
    config = {"backbone": args.backbone, "proj_dim": args.proj_dim, "weights_path": args.weights_path,
              "freeze_backbone": args.freeze_backbone}
    if args.model != "framecnn":
        config.update(hidden_size=args.hidden_size, num_layers=args.num_layers, dropout=args.dropout)
    cfg = TrainConfig(model=args.model, model_config=config, epochs=args.epochs, batch_size=args.batch_size,
                      lr=args.lr, weight_decay=args.weight_decay, seed=args.seed, device=str(device),
                      amp=not args.no_amp, num_workers=args.num_workers, out_dir=args.out, resume=args.resume)
    print(f"training {args.model} on {len(train_set)} clips, validating on {len(val_set)} ({device})")
    summary = train(train_set, val_set, index.classes, spec, cfg)
    print(f"best validation accuracy {summary['best_val_acc']:.4f}; checkpoints: {summary['best']}, {summary['last']}")
    return 0


def default_spec(frames: int, size: int, channels: int, frame_step: int = 0) -> InputSpec:
    """Input spec with the one normalisation used everywhere: fixed per channel count."""
    if channels == 1:
        return InputSpec(frames, size, size, 1, (0.5,), (0.25,), frame_step)
    return InputSpec(frames, size, size, 3, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225), frame_step)
