"""The result store: round trip through a batch run, concurrent writers, resume after an interruption, eviction."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import engine.pipeline
from engine.io.tensors import InputSpec
from engine.models import get_model
from engine.models.checkpoint import CheckpointMeta, save_checkpoint
from engine.pipeline import load_analysis
from engine.runs import SaliencyTask, run_tasks
from engine.store import Filters, Store, decode_curve, decode_map
from engine.synth import generate_kth_like

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Four synthetic clips (two per class) and an untrained tiny CNN-LSTM checkpoint (8 frames, 32x32)."""
    root = tmp_path_factory.mktemp("store")
    clips = generate_kth_like(root / "clips", 2, seed=7, num_frames=12, progress=False)
    torch.manual_seed(0)  # test-only: fixes the tiny model's weights
    config = {"num_classes": 2, "in_channels": 1, "proj_dim": 8, "hidden_size": 8}
    spec = InputSpec(num_frames=8, height=32, width=32)
    checkpoint = save_checkpoint(root / "tiny.pt", get_model("cnnlstm", **config),
                                 CheckpointMeta("cnnlstm", config, ["walking", "running"], spec))
    return root, [Path(c) for c in clips], str(checkpoint)


def store_tasks(clips, checkpoint, out: Path, methods=("gradient", "input_x_gradient")) -> list[SaliencyTask]:
    return [SaliencyTask(str(c), checkpoint, m, str(out / m / f"{c.stem}.npz"), label=c.parent.name,
                         extra={"key": c.stem}, store=str(out))
            for c in clips for m in methods]


@pytest.fixture
def counted(monkeypatch):
    """Counts analyse_clip calls made in this process (the local executor with one worker)."""
    calls = []
    original = engine.pipeline.analyse_clip

    def counting(*args, **kwargs):
        calls.append(args[2] if len(args) > 2 else kwargs.get("method"))
        return original(*args, **kwargs)

    monkeypatch.setattr(engine.pipeline, "analyse_clip", counting)
    return calls


def test_round_trip(inputs, tmp_path, counted):
    _, clips, checkpoint = inputs
    tasks = store_tasks(clips, checkpoint, tmp_path / "out")
    rows = run_tasks(tasks, workers=1)
    assert len(counted) == len(tasks) and all("_index_row" not in r for r in rows)
    store = Store(tmp_path / "out", create=False)
    assert store.count() == len(tasks)
    for task, summary in zip(tasks, rows):
        row = next(r for r in store.query() if r["clip_name"] == Path(task.clip_path).stem
                   and r["method"] == task.method)
        analysis = load_analysis(store.result_path(row))
        assert row["result"] == f"{task.method}/{Path(task.clip_path).stem}.npz"  # relative: the store can move
        assert row["key"] == analysis.info["task_key"]
        assert row["label"] == task.label and row["model"] == "tiny" and row["architecture"] == "cnnlstm"
        assert row["predicted"] == analysis.result.classes[analysis.result.predicted] == summary["predicted"]
        assert row["correct"] == int(row["predicted"] == task.label)
        assert row["confidence"] == pytest.approx(float(analysis.result.probabilities.max()))
        assert row["model_identity"] == analysis.info["model_identity"]
        assert json.loads(row["params"]) == analysis.result.params
        metrics = json.loads(row["metrics"])
        assert metrics.keys() == analysis.clip_metrics().keys()
        np.testing.assert_allclose(decode_curve(row), analysis.result.timestep_importance(), rtol=1e-6)
        assert decode_map(row).shape == (8, 8, 8)
        thumb = cv2.imdecode(np.frombuffer(row["thumb"], np.uint8), cv2.IMREAD_COLOR)
        assert thumb is not None and max(thumb.shape[:2]) == 128
    right = store.count(Filters(correct=True))
    assert right + store.count(Filters(correct=False)) == len(tasks)
    assert store.count(Filters(methods=("gradient",), labels=("walking",))) == 2
    name = next(n for n in store.metric_names() if n.startswith("flow."))
    values = [json.loads(r["metrics"]).get(name) for r in store.query(sort=f"metric:{name}", descending=False)]
    values = [v for v in values if v is not None]
    assert values == sorted(values) and len(values) >= 2

    again = run_tasks(tasks, workers=1)
    assert len(counted) == len(tasks)  # nothing computed twice
    assert [r["predicted"] for r in again] == [r["predicted"] for r in rows]
    assert [r["result"] for r in again] == [r["result"] for r in rows]


def test_an_interrupted_batch_resumes_without_recomputing(inputs, tmp_path, counted):
    _, clips, checkpoint = inputs
    tasks = store_tasks(clips, checkpoint, tmp_path / "out")
    seen = []

    def stop_after_three(row):
        seen.append(row)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_tasks(tasks, workers=1, on_row=stop_after_three)
    store = Store(tmp_path / "out")
    assert store.count() == 3 and len(counted) == 3
    # a finished result whose row never reached the index (the driver stopped in between) is not lost:
    run_tasks([SaliencyTask(**{**tasks[3].__dict__, "store": ""})], workers=1)
    assert len(counted) == 4 and store.count() == 3
    rows = run_tasks(tasks, workers=1)
    assert len(counted) == len(tasks)  # 4 before, and now only the 4 tasks never finished
    assert store.count() == len(tasks) and all(Path(r["result"]).is_file() for r in rows)


WRITER = textwrap.dedent("""
    import sys, time
    from engine.store import Store
    store = Store(sys.argv[1])
    for i in range(int(sys.argv[3])):
        store.put({"key": f"{sys.argv[2]}-{i}", "method": sys.argv[2], "bytes": 10, "result": "x.npz"})
""")


def test_two_processes_writing_at_once_lose_no_row(tmp_path):
    Store(tmp_path / "s")
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "s"), name, "300"], cwd=ROOT,
                                stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    for proc in writers:
        assert proc.wait(timeout=300) == 0, proc.stderr.read()
    store = Store(tmp_path / "s")
    assert store.count() == 600
    assert store.count(Filters(methods=("a",))) == store.count(Filters(methods=("b",))) == 300


def test_eviction_removes_the_least_recently_used_first(tmp_path):
    store = Store(tmp_path / "s")
    for i in range(5):
        path = tmp_path / "s" / "results" / f"{i}.npz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 1000)
        store.put({"key": f"k{i}", "result": f"results/{i}.npz", "bytes": 1000, "accessed": 100.0 + i})
    store.get("k0", touch=True)  # k0 used last: it stays
    assert store.total_bytes() == 5000
    removed = store.evict(3000, keep=["k1"])
    assert removed == 2 and store.total_bytes() == 3000
    assert sorted(r["key"] for r in store.query()) == ["k0", "k1", "k4"]
    assert not (tmp_path / "s" / "results" / "2.npz").exists() and (tmp_path / "s" / "results" / "4.npz").exists()
    assert store.evict(3000) == 0


def test_remove_needs_a_model_or_a_method(tmp_path):
    store = Store(tmp_path / "s")
    store.put_many([{"key": "a", "method": "gradient", "result": "a.npz", "bytes": 1},
                    {"key": "b", "method": "gradcam", "result": "b.npz", "bytes": 1}])
    with pytest.raises(ValueError):
        store.remove(Filters())
    assert store.remove(Filters(methods=("gradcam",))) == 1 and store.count() == 1


def test_the_study_indexes_its_results_in_its_results_folder(tmp_path):
    from engine.study.clips import StudyClip, build_tasks

    clips = [StudyClip(str(tmp_path / "a.avi"), "walking", "a"), StudyClip(str(tmp_path / "b.avi"), "running", "b")]
    tasks = build_tasks(clips, [str(tmp_path / "m.pt")], ["gradient"], tmp_path / "report" / "results")
    assert {t.store for t in tasks} == {str((tmp_path / "report" / "results").resolve())}
    assert all(Path(t.out_path).resolve().is_relative_to(Path(t.store)) for t in tasks)  # the store can move


@pytest.mark.slow  # a batch command in a child process, killed and run again
def test_a_killed_batch_command_loses_no_finished_result(inputs, tmp_path, counted):
    """``saliency --data`` killed (SIGKILL) mid-run, then run again: only what never finished is computed."""
    import time

    from engine.__main__ import main

    root, clips, checkpoint = inputs
    out = tmp_path / "out"
    argv = ["saliency", "--data", str(root / "clips"), "--subset", "all", "--methods",
            "gradient,input_x_gradient,smoothgrad", "--param", "nt_samples=8", "--workers", "1",
            "--checkpoint", checkpoint, "--device", "cpu", "--out", str(out)]
    child = subprocess.Popen([sys.executable, "-m", "engine", *argv], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and child.poll() is None:
        if (out / "index.sqlite").is_file() and Store(out).count() >= 2:
            break
        time.sleep(0.05)
    assert child.poll() is None, child.stderr.read()  # still running: it is killed mid-run
    child.kill()
    child.wait()
    indexed = Store(out).count()
    finished = [p for p in out.glob("*/*/*.npz") if not p.name.endswith(".tmp.npz")]
    assert 2 <= indexed <= len(finished) < 3 * len(clips)  # killed mid-run
    assert main(argv) == 0
    assert len(counted) == 3 * len(clips) - len(finished)  # every finished result kept, even one not yet indexed
    assert Store(out).count() == 3 * len(clips)


def test_an_index_of_another_schema_version_is_refused(tmp_path):
    import sqlite3

    Store(tmp_path / "s")
    with sqlite3.connect(tmp_path / "s" / "index.sqlite") as db:
        db.execute("PRAGMA user_version=99")
    with pytest.raises(ValueError, match="version 99"):
        Store(tmp_path / "s", create=False)


@pytest.mark.parametrize("size", [64, 150, 37])
def test_pooled_map_takes_any_map_size(size):
    """A 150 px model's map (not a whole multiple of the 8 blocks) pools like a 64 px one: block means."""
    from engine.store.rows import pooled_map

    display = np.random.default_rng(size).random((16, size, size)).astype(np.float32)
    pooled = pooled_map(display)
    assert pooled.shape == (16, 8, 8) and pooled.dtype == np.float16
    np.testing.assert_allclose(pooled.astype(np.float32).mean(axis=(1, 2)), display.mean(axis=(1, 2)), rtol=2e-3)
