"""One identity for a loaded model: every cache key, result file and resumed task names it.

A reference checkpoint loaded again with other settings (classes, frames, size,
normalisation) is another model; before this identity existed, it was given the first
settings' cached result.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.data import ClipRecord
from engine.io.tensors import InputSpec
from engine.models import ForeignSettings, get_model, load_checkpoint
from engine.models.checkpoint import CheckpointMeta, save_checkpoint
from engine.runs import SaliencyTask, is_done, run_task
from engine.runs.tasks import stored_task_key
from tests.helpers.media import moving_blob_frames, write_video

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reference_file(tmp_path_factory) -> Path:
    """A reference cnn-lstm checkpoint (ResNet-18), saved the way its repository saves it."""
    from tests.helpers.reference_models import PranoyrCNNLSTM, save_as_repository

    torch.manual_seed(0)  # test-only: fixes the random weights
    path = tmp_path_factory.mktemp("identity") / "ref.pth"
    save_as_repository(PranoyrCNNLSTM(num_classes=2, arch="resnet18"), path)
    return path


SETTINGS = dict(classes=("walking", "running"), num_frames=4, size=32, normalise="activitynet-255")


@pytest.mark.parametrize("change", [dict(classes=("running", "walking")), dict(num_frames=6), dict(size=48),
                                    dict(normalise="activitynet-01"), dict(frame_step=2)])
def test_identity_changes_with_every_setting_but_not_the_file_digest(reference_file, change):
    first = load_checkpoint(reference_file, foreign=ForeignSettings(**SETTINGS))
    again = load_checkpoint(reference_file, foreign=ForeignSettings(**SETTINGS))
    other = load_checkpoint(reference_file, foreign=ForeignSettings(**{**SETTINGS, **change}))
    assert first.meta.sha256 == other.meta.sha256  # one file
    assert first.meta.identity == again.meta.identity
    assert first.meta.identity != other.meta.identity


def test_identity_covers_the_architecture_and_model_code():
    spec = InputSpec(4, 32, 32, 1)
    base = CheckpointMeta("cnnlstm", {"hidden_size": 8}, ["a", "b"], spec, sha256="0" * 64)
    variants = [dataclasses.replace(base, model_name="cnn_ica_lstm"),
                dataclasses.replace(base, model_config={"hidden_size": 16}),
                dataclasses.replace(base, code_sha256="1" * 64)]
    assert len({base.identity, *(m.identity for m in variants)}) == 4


def _two_models(reference_file):
    a = load_checkpoint(reference_file, foreign=ForeignSettings(**SETTINGS))
    b = load_checkpoint(reference_file, foreign=ForeignSettings(**{**SETTINGS, "size": 48}))
    return a, b


def _key_calls(loaded, clip):
    """Every key function of ``ui.cache`` called for one model (the test below checks none is left out)."""
    from ui import cache

    records = [ClipRecord("/x/clip.avi", "walking", "test", "clip")]
    return {
        "analysis_key": cache.analysis_key(loaded, clip, "d" * 64, "gradient"),
        "timeline_key": cache.timeline_key(loaded, "d" * 64),
        "evaluation_key": cache.evaluation_key(loaded, "/x", "folder", "all", records),
    }


def test_every_cache_key_includes_the_model_identity(reference_file, tmp_path):
    from engine import read_clip
    from ui import cache

    a, b = _two_models(reference_file)
    video = write_video(tmp_path / "blob.avi", moving_blob_frames(12, 32, 32))
    clip = read_clip(video, 4)
    keys_a, keys_b = _key_calls(a, clip), _key_calls(b, clip)
    assert set(keys_a) == {name for name, _ in inspect.getmembers(cache, inspect.isfunction) if name.endswith("_key")}
    for name in keys_a:
        assert a.meta.identity in keys_a[name], name
        assert b.meta.identity in keys_b[name], name
        assert keys_a[name] != keys_b[name], name


def _sources(*folders: str):
    for folder in folders:
        for path in sorted((ROOT / folder).glob("*.py")):
            yield path, ast.parse(path.read_text())


def test_no_key_in_the_app_names_a_model_by_its_file_digest():
    """``meta.sha256`` is the file's digest: the app may show it, never key anything with it."""
    found = [f"{path.name}:{node.lineno}" for path, tree in _sources("ui", "pages") for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr == "sha256" and ast.unparse(node.value) != "hashlib"]
    assert found == []


def test_cached_functions_given_a_model_are_keyed_by_its_identity():
    """A Streamlit-cached function that takes a model unhashed (``_loaded``) must take its identity too."""
    checked = 0
    for path, tree in _sources("ui", "pages"):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any("cache_" in ast.unparse(d) for d in node.decorator_list):
                names = [a.arg for a in node.args.args + node.args.kwonlyargs]
                if "_loaded" in names:
                    checked += 1
                    assert "model_identity" in names, f"{path.name}:{node.name}"
    assert checked >= 1


@pytest.fixture
def tiny_checkpoints(tmp_path):
    """Two tiny project checkpoints of one architecture, different weights; and a moving-blob video."""
    spec = InputSpec(num_frames=4, height=16, width=16, channels=1)
    paths = []
    for seed in (0, 1):
        torch.manual_seed(seed)  # test-only: two different weight sets
        meta = CheckpointMeta("cnnlstm", {"proj_dim": 4, "hidden_size": 4}, ["walking", "running"], spec)
        paths.append(save_checkpoint(tmp_path / f"m{seed}.pt", get_model("cnnlstm", proj_dim=4, hidden_size=4), meta))
    video = write_video(tmp_path / "blob.avi", moving_blob_frames(10, 24, 24))
    return paths, video


def test_a_resumed_task_is_computed_again_for_another_model(tiny_checkpoints, tmp_path):
    (first, second), video = tiny_checkpoints
    out = tmp_path / "out" / "gradient" / "blob.npz"
    task = SaliencyTask(clip_path=str(video), checkpoint=str(first), method="gradient", out_path=str(out))
    row = run_task(task)
    assert is_done(task)
    key = stored_task_key(out)
    assert run_task(task)["confidence"] == row["confidence"]  # resumed: read back
    assert stored_task_key(out) == key
    moved = tmp_path / "m0_copy.pt"
    shutil.copy(second, moved)  # same output folder, another model: not this task's result
    other = dataclasses.replace(task, checkpoint=str(moved))
    assert not is_done(other)
    other_row = run_task(other)
    assert stored_task_key(out) != key
    assert other_row["confidence"] != row["confidence"]
    with np.load(out) as z:
        meta = json.loads(str(z["metadata"]))
    assert meta["model_identity"] == load_checkpoint(moved).meta.identity


def test_the_app_gives_the_file_loaded_with_other_settings_its_own_result(reference_file, tmp_path, monkeypatch):
    """The issue's reproduction: two sessions of one server load one file, at 48 px then 32 px.

    The caches are the process's, shared by the sessions; the second must get 32 px maps, not the first's result.
    """
    from tests.helpers.apptest import assert_no_problem, open_app, player_data

    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(reference_file, folder / "ref.pth")
    monkeypatch.setenv("VSE_MODELS_DIR", str(folder))
    sizes = {}
    for size in (48, 32):
        at = open_app().run()  # a new session
        at.selectbox(key="explore_checkpoint").set_value("ref.pth").run()
        at.text_input(key="explore_foreign_classes").set_value("walking, running")
        at.number_input(key="explore_foreign_frames").set_value(4)
        at.number_input(key="explore_foreign_size").set_value(size)
        next(b for b in at.button if b.label == "Use this checkpoint").click().run()
        assert_no_problem(at)
        payload = player_data(at)
        sizes[size] = payload["maps"][0]["size"]
        assert len(payload["frames"]) == 4
    assert sizes == {48: [48, 48], 32: [32, 32]}
