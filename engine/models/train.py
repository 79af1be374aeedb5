"""Training loop: validation every epoch, best/last checkpoints, resume, metrics log.

The metrics log (``metrics.csv`` beside the checkpoints: epoch, train_loss,
train_acc, val_loss, val_acc, lr, seconds) is what the app plots.
"""

from __future__ import annotations

import csv
import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from engine.models.checkpoint import CheckpointError, CheckpointMeta, read_checkpoint, read_payload, save_checkpoint
from engine.models.foreign_checkpoint import ForeignSettings, NeedsSettings, foreign_state
from engine.models.foreign import strip_module
from engine.models import get_model
from engine.io.tensors import InputSpec

LOG_FIELDS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds")


@dataclass
class TrainConfig:
    """Settings of one training run.

    ``resume`` continues a run (weights, optimizer state, epoch count, history) and
    ``init_from`` only takes its weights; either may be our checkpoint or a reference
    cnn-lstm file (``foreign`` then names its classes), whose architecture must be the
    one ``model``/``model_config`` describe (see ``checkpoint_architecture``).
    """

    model: str = "cnnlstm"
    model_config: dict = field(default_factory=dict)
    epochs: int = 10
    batch_size: int = 16
    lr: float = 1e-3
    weight_decay: float = 1e-4
    seed: int = 0
    device: str = "cpu"
    amp: bool = True
    num_workers: int = 0
    out_dir: str = "runs/train"
    resume: str | None = None
    init_from: str | None = None
    foreign: ForeignSettings | None = None


def seed_everything(seed: int) -> None:
    """Seeds Python, NumPy and torch (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def run_epoch(model, loader, device, optimizer=None, scaler=None, amp=False, desc="") -> tuple[float, float]:
    """One pass over ``loader``; trains when an optimizer is given. Returns (mean loss, accuracy)."""
    training = optimizer is not None
    model.train(training)
    loss_fn = nn.CrossEntropyLoss()
    total_loss, correct, count = 0.0, 0, 0
    autocast = torch.autocast(device_type=device.type, enabled=amp and device.type == "cuda")
    with torch.set_grad_enabled(training):
        for x, y in tqdm(loader, desc=desc, leave=False, unit="batch"):
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            with autocast:
                logits = model(x)
                loss = loss_fn(logits.float(), y)
            if training:
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            total_loss += float(loss.detach()) * len(y)
            correct += int((logits.argmax(1) == y).sum())
            count += len(y)
    return total_loss / max(count, 1), correct / max(count, 1)


def _write_log(path: Path, history: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=LOG_FIELDS)
        writer.writeheader()
        writer.writerows(history)


def read_log(path: str | Path) -> list[dict]:
    """The rows of a training log written by :func:`train` (numbers as floats; empty cells left out)."""
    with open(path, newline="") as f:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(f)]


def _start_from(cfg: TrainConfig, model, optimizer) -> tuple[int, list[dict], float]:
    """Loads ``cfg.resume`` (all of it) or ``cfg.init_from`` (weights) into the model; (start epoch, history, best)."""
    path = cfg.resume or cfg.init_from
    meta, state = _weights_of(path, cfg.foreign)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        first = " ".join(str(exc).splitlines()[:2])[:300]
        raise CheckpointError(f"{Path(path).name} does not fit the {cfg.model} being trained: {first}") from None
    if cfg.init_from:
        return 0, [], -1.0
    payload = read_payload(path)
    if "optimizer_state_dict" in payload:
        try:
            optimizer.load_state_dict(payload["optimizer_state_dict"])
        except (ValueError, KeyError):
            tqdm.write(f"{Path(path).name}: its optimizer state does not fit this model's parameters; starting a "
                       "fresh optimizer with the saved weights")
        for group in optimizer.param_groups:  # our settings, not the file's (the reference used Adam)
            group.update(lr=cfg.lr, weight_decay=cfg.weight_decay)
    history = list(meta.training.get("history", [])) if meta is not None else []
    best = max((h["val_acc"] for h in history), default=-1.0)
    return int(payload.get("epoch") or len(history)), history, best


def _weights_of(path, foreign: ForeignSettings | None) -> tuple[CheckpointMeta | None, dict]:
    """(metadata or None, state dict) of a checkpoint; a state dict in no known layout comes as it is,
    for the model being trained to take or refuse."""
    try:
        return read_checkpoint(path, foreign)
    except NeedsSettings:
        raise
    except CheckpointError:
        found = foreign_state(read_payload(path))
        if found is None:
            raise
        return None, strip_module(found[0])


def checkpoint_architecture(path, foreign: ForeignSettings | None = None) -> CheckpointMeta:
    """The metadata of a checkpoint to train from: its model, config, classes and input spec."""
    return read_checkpoint(path, foreign)[0]


def train(train_set: Dataset, val_set: Dataset, classes: list[str], spec: InputSpec, cfg: TrainConfig) -> dict:
    """Trains a registered model; writes best.pt, last.pt and metrics.csv to ``cfg.out_dir``.

    Returns:
        a summary dict: best and last checkpoint paths, best validation accuracy, history.
    """
    seed_everything(cfg.seed)
    device = torch.device(cfg.device)
    model_config = {"num_classes": len(classes), "in_channels": spec.channels, **cfg.model_config}
    model = get_model(cfg.model, **model_config).to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    scaler = torch.amp.GradScaler(device.type, enabled=cfg.amp and device.type == "cuda")
    start, history, best_acc = (0, [], -1.0)
    if cfg.resume or cfg.init_from:
        start, history, best_acc = _start_from(cfg, model, optimizer)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(cfg.epochs, 1), last_epoch=start - 1) \
        if start == 0 else None
    generator = torch.Generator().manual_seed(cfg.seed)
    train_loader = DataLoader(train_set, batch_size=cfg.batch_size, shuffle=True, generator=generator,
                              num_workers=cfg.num_workers, pin_memory=device.type == "cuda")
    val_loader = DataLoader(val_set, batch_size=cfg.batch_size, num_workers=cfg.num_workers)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = CheckpointMeta(cfg.model, {k: v for k, v in model_config.items() if k != "weights_path"}, list(classes),
                          spec, seed=cfg.seed)
    for epoch in tqdm(range(start, cfg.epochs), desc="epochs", unit="epoch", initial=start, total=cfg.epochs):
        t0 = time.perf_counter()
        lr = optimizer.param_groups[0]["lr"]
        if hasattr(train_set, "set_epoch"):
            train_set.set_epoch(epoch)
        tr_loss, tr_acc = run_epoch(model, train_loader, device, optimizer, scaler, cfg.amp, f"train {epoch + 1}")
        va_loss, va_acc = run_epoch(model, val_loader, device, desc=f"val {epoch + 1}")
        if scheduler is not None:
            scheduler.step()
        else:
            for group in optimizer.param_groups:  # resumed: continue the cosine schedule by formula
                group["lr"] = cfg.lr * 0.5 * (1 + math.cos(math.pi * (epoch + 1) / cfg.epochs))
        history.append(dict(epoch=epoch + 1, train_loss=round(tr_loss, 5), train_acc=round(tr_acc, 5),
                            val_loss=round(va_loss, 5), val_acc=round(va_acc, 5), lr=lr,
                            seconds=round(time.perf_counter() - t0, 2)))
        tqdm.write(f"epoch {epoch + 1}/{cfg.epochs}: train loss {tr_loss:.4f} acc {tr_acc:.3f} | "
                   f"val loss {va_loss:.4f} acc {va_acc:.3f}")
        _write_log(out / "metrics.csv", history)
        meta.training = _summary(cfg, history, len(train_set), len(val_set))
        if va_acc > best_acc:
            best_acc = va_acc
            save_checkpoint(out / "best.pt", model, meta)
        save_checkpoint(out / "last.pt", model, meta,
                        extra={"epoch": epoch + 1, "optimizer_state_dict": optimizer.state_dict()})
    return {"best": str(out / "best.pt"), "last": str(out / "last.pt"), "best_val_acc": best_acc, "history": history}


def _summary(cfg: TrainConfig, history: list[dict], n_train: int, n_val: int) -> dict:
    best = max(history, key=lambda h: h["val_acc"])
    return {
        "epochs": len(history), "best_epoch": best["epoch"], "val_acc": best["val_acc"],
        "train_clips": n_train, "val_clips": n_val, "batch_size": cfg.batch_size, "lr": cfg.lr,
        "weight_decay": cfg.weight_decay, "seconds": round(sum(h["seconds"] for h in history), 1),
        "history": history,
        "config": {k: v for k, v in asdict(cfg).items() if k not in ("model_config", "resume", "foreign")},
    }
