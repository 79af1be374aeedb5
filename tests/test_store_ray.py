"""A Ray run (local instance) writes its rows into a store while another process writes into it too: no row lost."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from engine.io.tensors import InputSpec
from engine.models import get_model
from engine.models.checkpoint import CheckpointMeta, save_checkpoint
from engine.runs import SaliencyTask, run_tasks
from engine.store import Filters, Store
from engine.synth import generate_kth_like

pytestmark = pytest.mark.ray

ROOT = Path(__file__).resolve().parents[1]
# Writes a row at a time until the Ray run's rows are all in; prints how many it wrote while they were arriving.
WRITER = textwrap.dedent("""
    import sys, time
    from engine.store import Filters, Store
    store, total, wrote, during = Store(sys.argv[1]), int(sys.argv[2]), 0, 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        arrived = store.count(Filters(methods=("gradient", "input_x_gradient")))
        if arrived >= total:
            break
        store.put({"key": f"other-{wrote}", "method": "other", "bytes": 1, "result": "x.npz"})
        wrote, during = wrote + 1, during + (arrived > 0)
    print(wrote, during)
""")


def test_ray_and_another_writer_lose_no_row_and_ray_resumes(tmp_path):
    clips = generate_kth_like(tmp_path / "clips", 2, seed=9, num_frames=12, progress=False)
    torch.manual_seed(0)  # test-only: fixes the tiny model's weights
    config = {"num_classes": 2, "in_channels": 1, "proj_dim": 8, "hidden_size": 8}
    checkpoint = str(save_checkpoint(tmp_path / "tiny.pt", get_model("cnnlstm", **config),
                                     CheckpointMeta("cnnlstm", config, ["walking", "running"],
                                                    InputSpec(num_frames=8, height=32, width=32))))
    out = tmp_path / "store"
    tasks = [SaliencyTask(str(c), checkpoint, m, str(out / m / f"{Path(c).stem}.npz"), label=Path(c).parent.name,
                          store=str(out)) for c in clips for m in ("gradient", "input_x_gradient")]
    Store(out)
    other = subprocess.Popen([sys.executable, "-c", WRITER, str(out), str(len(tasks))], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rows = run_tasks(tasks, executor="ray", workers=2)
    assert other.wait(timeout=300) == 0, other.stderr.read()
    wrote, during = map(int, other.stdout.read().split())
    store = Store(out)
    assert len(rows) == len(tasks) and all("_index_row" not in r for r in rows)
    assert during > 0  # the two processes did write at the same time
    assert store.count(Filters(methods=("other",))) == wrote
    assert store.count(Filters(methods=("gradient", "input_x_gradient"))) == len(tasks)

    stamps = [os.stat(t.out_path).st_mtime_ns for t in tasks]
    again = run_tasks(tasks, executor="ray", workers=2)
    assert [os.stat(t.out_path).st_mtime_ns for t in tasks] == stamps  # found in the store: nothing ran
    assert [r["predicted"] for r in again] == [r["predicted"] for r in rows]
