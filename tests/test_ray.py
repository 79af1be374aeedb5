"""Ray executor: a Ray run and a local run of the same batch write identical result files."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

from engine.runs import SaliencyTask, run_tasks
from engine.models.checkpoint import CheckpointMeta, save_checkpoint
from engine.models import get_model
from engine.synth import generate_kth_like
from engine.io.tensors import InputSpec

pytestmark = pytest.mark.ray

TIMING_KEYS = ("seconds",)


@pytest.fixture(scope="module")
def batch_inputs(tmp_path_factory):
    """Two synthetic clips and an untrained tiny CNN-LSTM checkpoint (8 frames, 32x32)."""
    root = tmp_path_factory.mktemp("ray")
    clips = generate_kth_like(root / "clips", 1, seed=5, num_frames=12, progress=False)
    torch.manual_seed(0)
    config = {"num_classes": 2, "in_channels": 1, "proj_dim": 8, "hidden_size": 8}
    spec = InputSpec(num_frames=8, height=32, width=32)
    checkpoint = save_checkpoint(root / "tiny.pt", get_model("cnnlstm", **config),
                                 CheckpointMeta("cnnlstm", config, ["walking", "running"], spec))
    return root, [str(c) for c in clips], str(checkpoint)


def make_tasks(clips, checkpoint, out_dir) -> list[SaliencyTask]:
    methods = ("gradient", "integrated_gradients")
    return [SaliencyTask(clip, checkpoint, method, str(out_dir / f"{i}_{method}.npz"),
                         params=(("n_steps", 4),) if method == "integrated_gradients" else ())
            for i, clip in enumerate(clips) for method in methods]


def strip_timing(meta: dict) -> dict:
    """Metadata without fields that measure time."""
    meta = json.loads(json.dumps(meta))
    for key in TIMING_KEYS:
        meta.get("diagnostics", {}).pop(key, None)
    return meta


def read_npz(path) -> tuple[dict, dict]:
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files if k != "metadata"}
        meta = json.loads(str(z["metadata"]))
    return arrays, meta


def test_ray_run_equals_local_run_and_resumes(batch_inputs):
    root, clips, checkpoint = batch_inputs
    local_tasks = make_tasks(clips, checkpoint, root / "local")
    ray_tasks = make_tasks(clips, checkpoint, root / "ray")
    local_rows = run_tasks(local_tasks, executor="local", workers=2)
    seen = []
    ray_rows = run_tasks(ray_tasks, executor="ray", workers=2, on_row=seen.append)

    assert len(seen) == len(ray_tasks)
    assert [r["method"] for r in ray_rows] == [t.method for t in ray_tasks]
    for local_task, ray_task in zip(local_tasks, ray_tasks):
        local_arrays, local_meta = read_npz(local_task.out_path)
        ray_arrays, ray_meta = read_npz(ray_task.out_path)
        assert sorted(local_arrays) == sorted(ray_arrays)
        assert np.abs(local_arrays["attributions"]).sum() > 0
        for name, array in local_arrays.items():
            np.testing.assert_array_equal(array, ray_arrays[name], err_msg=name)
        assert strip_timing(local_meta) == strip_timing(ray_meta)
    for local_row, ray_row in zip(local_rows, ray_rows):
        keep = [k for k in local_row if k not in ("seconds", "result")]
        assert {k: local_row[k] for k in keep} == pytest.approx({k: ray_row[k] for k in keep}, nan_ok=True)

    stamps = [os.stat(t.out_path).st_mtime_ns for t in ray_tasks]
    again = run_tasks(ray_tasks, executor="ray", workers=2)
    assert [os.stat(t.out_path).st_mtime_ns for t in ray_tasks] == stamps  # resumed: nothing rewritten
    assert [r["seconds"] for r in again] == [r["seconds"] for r in ray_rows]
