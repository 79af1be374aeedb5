"""A small batch-run result store for the Browse tests (AppTest and Chromium)."""

from __future__ import annotations

from pathlib import Path

import torch

from engine.io.tensors import InputSpec
from engine.models import get_model
from engine.models.checkpoint import CheckpointMeta, save_checkpoint
from engine.runs import SaliencyTask, run_tasks
from engine.synth import generate_kth_like


def make_store(root: Path) -> Path:
    """Four synthetic clips x two tiny models x two methods, run into the store ``root/store``."""
    clips = generate_kth_like(root / "clips", 2, seed=11, num_frames=12, progress=False)
    config = {"num_classes": 2, "in_channels": 1, "proj_dim": 8, "hidden_size": 8}
    checkpoints = []
    for seed, name in ((0, "tiny_a"), (1, "tiny_b")):
        torch.manual_seed(seed)  # test-only: two different tiny models
        checkpoints.append(str(save_checkpoint(root / f"{name}.pt", get_model("cnnlstm", **config),
                                               CheckpointMeta("cnnlstm", config, ["walking", "running"],
                                                              InputSpec(num_frames=8, height=32, width=32)))))
    out = root / "store"
    tasks = [SaliencyTask(str(c), ck, m, str(out / Path(ck).stem / m / f"{Path(c).stem}.npz"),
                          label=Path(c).parent.name, extra={"key": Path(c).stem}, store=str(out))
             for ck in checkpoints for m in ("gradient", "input_x_gradient") for c in clips]
    run_tasks(tasks, workers=1)
    return out
