"""Data sets in use: ``prepare`` round trips, corrupt and short videos, training windows and the clip dataset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.__main__ import main as cli_main
from engine.data import ClipDataset, ClipRecord, load_dataset, random_window_indices, read_record
from engine.errors import UserError
from engine.io.tensors import InputSpec
from engine.io.video import VideoError, read_clip
from tests.helpers.dataset_files import write_class_folder, write_video


def test_prepare_round_trip(tmp_path, capsys):
    videos = write_class_folder(tmp_path / "videos", per_class=3, n_frames=20)
    out = tmp_path / "out"
    assert cli_main(["prepare", "--videos", str(videos), "--out", str(out), "--val-fraction", "0.34"]) == 0
    assert "annotation.json" in capsys.readouterr().out
    source = load_dataset(videos, val_fraction=0.34, test_fraction=0.0)
    prepared = load_dataset(None, layout="ucf101", annotation_path=out / "annotation.json", video_path=out / "frames")
    assert json.loads((out / "annotation.json").read_text())["labels"] == ["running", "walking"]
    assert prepared.classes == source.classes
    by_key = {r.key: r for r in prepared.records}
    assert len(by_key) == len(source.records) == 6
    for record in source.records:
        twin = by_key[f"{record.label}__{record.key.replace('/', '__')}"]
        assert (twin.label, twin.subset) == (record.label, record.subset)
        assert (Path(twin.source) / "n_frames").read_text().strip() == "20"
        a, b = read_record(record, 6), read_record(twin, 6)
        assert a.indices.tolist() == b.indices.tolist()
        assert np.abs(a.frames.astype(int) - b.frames.astype(int)).mean() < 4.0
    assert cli_main(["prepare", "--videos", str(videos), "--out", str(out)]) == 2  # refuses to overwrite


def test_prepare_kth_subsequences_and_bad_video(tmp_path):
    videos = tmp_path / "kth"
    write_video(videos / "person12_walking_d1_uncomp.avi", 12)
    write_video(videos / "person20_running_d1_uncomp.avi", 8)
    (videos / "00sequences.txt").write_text("person12_walking_d1 frames 1-4, 5-12\n")
    out = tmp_path / "out"
    assert cli_main(["prepare", "--videos", str(videos), "--out", str(out), "--frames-per-clip", "all"]) == 0
    database = json.loads((out / "annotation.json").read_text())["database"]
    assert sorted((v["n_frames"], v["subset"]) for v in database.values()) == [
        (4, "training"),
        (8, "training"),
        (8, "validation"),
    ]
    only = tmp_path / "only"
    assert cli_main(["prepare", "--videos", str(videos), "--out", str(only), "--classes", "walking"]) == 0
    only_json = json.loads((only / "annotation.json").read_text())
    assert only_json["labels"] == ["walking"] and len(only_json["database"]) == 2
    (videos / "person13_walking_d2_uncomp.avi").write_bytes(np.random.default_rng(0).bytes(4000))
    assert cli_main(["prepare", "--videos", str(videos), "--out", str(tmp_path / "o2")]) == 2
    assert cli_main(["prepare", "--videos", str(videos), "--out", str(tmp_path / "o3"), "--skip-bad"]) == 0
    assert len(json.loads((tmp_path / "o3" / "annotation.json").read_text())["database"]) == 3


# --- reading, ClipDataset ----------------------------------------------------------------------


def test_corrupt_video_is_a_video_error(tmp_path):
    bad = tmp_path / "running" / "bad.avi"
    bad.parent.mkdir()
    bad.write_bytes(np.random.default_rng(1).bytes(5000))
    record = ClipRecord(str(bad), "running", "train", "bad")
    with pytest.raises(VideoError):
        read_record(record, 4)
    with pytest.raises(UserError):
        ClipDataset([record], ["running"], InputSpec(num_frames=4))[0]


def test_random_window_indices_stay_in_range():
    draws = [random_window_indices(10, 50, 8, np.random.default_rng(s)).tolist() for s in range(20)]
    for indices in draws:
        assert len(indices) == 8 and min(indices) >= 10 and max(indices) < 50
        assert indices == sorted(indices)
    assert len({tuple(d) for d in draws}) > 5
    with pytest.raises(VideoError):
        random_window_indices(0, 5, 8, np.random.default_rng(0))


def test_clip_dataset_shapes_flip_and_cache(tmp_path):
    write_class_folder(tmp_path, per_class=1, n_frames=20)
    index = load_dataset(tmp_path, val_fraction=0.0, test_fraction=0.0)
    spec = InputSpec(num_frames=4, height=24, width=32, channels=3, mean=(0.5,) * 3, std=(0.25,) * 3)
    plain = ClipDataset(index.records, index.classes, spec)
    x, label = plain[1]
    assert x.shape == (4, 3, 24, 32) and x.dtype == torch.float32
    assert label == 1 and index.records[1].label == "walking"
    assert not torch.allclose(x, x.flip(-1))  # the frames are not mirror-symmetric
    flipped = ClipDataset(index.records, index.classes, spec, train=True, flip_probability=1.0, temporal_crop=False)
    assert torch.allclose(flipped[1][0], x.flip(-1), atol=1e-5)
    cached = ClipDataset(index.records, index.classes, spec, cache=True)
    assert torch.allclose(cached[1][0], x, atol=1e-5) and torch.allclose(cached[1][0], x, atol=1e-5)
    gray = InputSpec(num_frames=4, height=24, width=32, channels=1)
    train = ClipDataset(index.records, index.classes, gray, train=True, cache=True, seed=5)
    samples = [train[0][0] for _ in range(6)]
    assert all(s.shape == (4, 1, 24, 32) for s in samples)
    assert any(not torch.equal(samples[0], s) for s in samples[1:])  # augmentation varies per visit
    with pytest.raises(UserError, match="boxing"):
        ClipDataset([ClipRecord("x.avi", "boxing", "train", "x")], ["walking"], spec)


def test_clip_too_short_is_an_error(tmp_path):
    path = write_video(tmp_path / "walking" / "short.avi", 3)
    with pytest.raises(VideoError, match="3 frames"):
        read_record(ClipRecord(str(path), "walking", "train", "short"), 8)
    assert read_clip(path, 3).frames.shape[0] == 3


def test_dataset_with_frame_step_samples_every_kth_frame(tmp_path):
    from engine.io.tensors import InputSpec
    from tests.helpers.media import write_video as write_rgb_video

    frames = np.stack([np.full((32, 32, 3), 6 * k, np.uint8) for k in range(40)])
    (tmp_path / "walking").mkdir()
    path = write_rgb_video(tmp_path / "walking" / "ramp.avi", frames)
    record = ClipRecord(str(path), "walking", "train", "ramp")
    spec = InputSpec(4, 16, 16, 1, (0.5,), (0.25,), frame_step=2)
    for train in (False, True):
        dataset = ClipDataset([record], ["walking"], spec, train=train, cache=True, flip_probability=0.0)
        for _ in range(3):
            x, _ = dataset[0]
            levels = (x * 0.25 + 0.5).mean(dim=(1, 2, 3)).numpy() * 255 / 6  # normalisation undone
            assert np.allclose(np.diff(levels), 2, atol=0.3), levels
            if not train:
                assert abs(levels[0] - 16) < 0.5  # centred window: frames 16, 18, 20, 22
