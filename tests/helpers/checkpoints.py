"""Checkpoint files for the app's tests: a small project checkpoint and a pickle that would run code."""

from __future__ import annotations

from pathlib import Path

import torch

from engine.io.tensors import InputSpec
from engine.models import get_model
from engine.models.checkpoint import CheckpointMeta, save_checkpoint


def write_checkpoint(path: Path, frames: int = 16, classes=("walking", "running"), history=None) -> Path:
    """An untrained cnnlstm checkpoint (seed 0) taking ``frames`` 1x32x32 frames, with a training history."""
    torch.manual_seed(0)
    meta = CheckpointMeta("cnnlstm", {}, list(classes), InputSpec(frames, 32, 32, 1, (0.5,), (0.25,)),
                          training={"history": history or []})
    return save_checkpoint(path, get_model("cnnlstm", num_classes=len(classes)), meta)


class RunsCode:
    """Pickles to a call of ``print``: a file holding it must be refused by a weights-only load."""

    def __reduce__(self):
        return (print, ("this ran",))
