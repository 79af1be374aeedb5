"""Data loaders on files written in the real layouts under tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.data import count_frames, kth_subset, load_dataset, parse_kth_name, parse_sequences, read_record
from engine.errors import UserError
from tests.helpers.dataset_files import HEIGHT, WIDTH, write_class_folder, write_frame_folder, write_video


# --- KTH ---------------------------------------------------------------------------------------


def test_kth_standard_person_split_is_exact():
    subsets = {p: kth_subset(p) for p in range(1, 26)}
    assert sorted(p for p, s in subsets.items() if s == "train") == list(range(11, 19))
    assert sorted(p for p, s in subsets.items() if s == "val") == [1, 4, 19, 20, 21, 23, 24, 25]
    assert sorted(p for p, s in subsets.items() if s == "test") == [2, 3, 5, 6, 7, 8, 9, 10, 22]
    with pytest.raises(UserError, match="person31"):
        kth_subset(31)


def test_kth_class_subfolders_person_split(tmp_path):
    for name in ("person11_walking_d1", "person19_walking_d2", "person22_running_d3", "person01_running_d4"):
        write_video(tmp_path / name.split("_")[1] / f"{name}_uncomp.avi", 4)
    index = load_dataset(tmp_path)
    assert index.layout == "kth"
    assert index.classes == ["running", "walking"]
    by_person = {r.person: (r.subset, r.label) for r in index.records}
    assert by_person == {11: ("train", "walking"), 19: ("val", "walking"), 22: ("test", "running"), 1: ("val", "running")}
    assert all(r.start == 0 and r.stop is None for r in index.records)


def test_kth_flat_suffix_and_sequences(tmp_path):
    write_video(tmp_path / "person02_walking_d1_uncomp.avi", 12)
    write_video(tmp_path / "person15_running_d2_uncomp_s3.avi", 9)
    (tmp_path / "00sequences.txt").write_text(
        "Sequences\n\nperson02_walking_d1\t\tframes\t1-5, 6-12\n"
        "person07_boxing_d1 frames 1-95,96-185\n"  # clip not present: ignored
    )
    assert parse_kth_name("person15_running_d2_uncomp_s3.avi") == ("person15_running_d2", 15, "running")
    index = load_dataset(tmp_path, layout="kth")
    ranges = [(r.key, r.subset, r.start, r.stop) for r in index.records]
    assert ranges == [
        ("person02_walking_d1_uncomp#seq1", "test", 0, 5),
        ("person02_walking_d1_uncomp#seq2", "test", 5, 12),
        ("person15_running_d2_uncomp_s3", "train", 0, None),
    ]
    clip = read_record(index.records[1], num_frames=3)
    assert clip.indices.min() >= 5 and clip.indices.max() < 12
    assert clip.label == "walking" and clip.frames.shape == (3, HEIGHT, WIDTH, 3)


def test_parse_sequences_variants():
    text = "person01_boxing_d1\t\tframes\t1-95, 96-185, 186-245, 246-360\nperson03_walking_d4 frames  10 - 20 ,21-30\n"
    assert parse_sequences(text) == {
        "person01_boxing_d1": [(0, 95), (95, 185), (185, 245), (245, 360)],
        "person03_walking_d4": [(9, 20), (20, 30)],
    }
    with pytest.raises(UserError, match="bad frame range"):
        parse_sequences("person01_boxing_d1 frames 9-3")


# --- UCF101 style ------------------------------------------------------------------------------


def write_ucf(root: Path) -> tuple[Path, Path]:
    frames = root / "jpg"
    database = {
        "v_walk_01": ("training", "walking", 10),
        "v_walk_02": ("validation", "walking", 8),
        "v_run_01": ("testing", "running", 9),
    }
    for key, (_, label, n) in database.items():
        write_frame_folder(frames / label / key, n)
    annotation = root / "ucf.json"
    entries = {k: {"subset": s, "annotations": {"label": lab}} for k, (s, lab, _) in database.items()}
    annotation.write_text(json.dumps({"labels": ["running", "walking"], "database": entries}))
    return annotation, frames


def test_ucf101_layout_read(tmp_path):
    annotation, frames = write_ucf(tmp_path)
    index = load_dataset(None, layout="ucf101", annotation_path=annotation, video_path=frames)
    assert {r.key: r.subset for r in index.records} == {"v_walk_01": "train", "v_walk_02": "val", "v_run_01": "test"}
    assert index.classes == ["running", "walking"]
    record = next(r for r in index.records if r.key == "v_walk_01")
    clip = read_record(record, num_frames=5)
    assert clip.frames.shape == (5, HEIGHT, WIDTH, 3) and clip.frames.dtype == np.uint8
    assert clip.indices.tolist() == [1, 3, 5, 7, 9]
    assert clip.fps == 25.0 and clip.source_size == (WIDTH, HEIGHT)
    square = clip.frames[0, 20:28, 5:13].reshape(-1, 3).mean(0)  # frame 1: square at x=3..15
    assert square[0] > 200 and square[2] < 60  # red in RGB order
    (frames / "walking" / "v_walk_01" / "fps").write_text("30\n")
    assert read_record(record, num_frames=2).fps == 30.0


def test_ucf101_missing_frame_is_an_error(tmp_path):
    annotation, frames = write_ucf(tmp_path)
    index = load_dataset(None, layout="ucf101", annotation_path=annotation, video_path=frames)
    record = next(r for r in index.records if r.key == "v_walk_01")
    (frames / "walking" / "v_walk_01" / "image_00005.jpg").unlink()
    with pytest.raises(UserError, match="image_00005.jpg"):
        read_record(record, num_frames=3)
    run = next(r for r in index.records if r.key == "v_run_01")
    (Path(run.source) / "n_frames").write_text("11")
    with pytest.raises(UserError, match="image_00010.jpg"):
        count_frames(run.source)


def test_ucf101_bad_annotation(tmp_path):
    (tmp_path / "a.json").write_text("{not json")
    with pytest.raises(UserError, match="not valid JSON"):
        load_dataset(None, layout="ucf101", annotation_path=tmp_path / "a.json", video_path=tmp_path)
    (tmp_path / "b.json").write_text(json.dumps({"database": {"k": {"subset": "train"}}}))
    with pytest.raises(UserError, match="'train'"):
        load_dataset(None, layout="ucf101", annotation_path=tmp_path / "b.json", video_path=tmp_path)


# --- plain folder, classes ---------------------------------------------------------------------


def test_folder_split_is_stratified_and_deterministic(tmp_path):
    write_class_folder(tmp_path, per_class=10, n_frames=2)
    first = load_dataset(tmp_path, split_seed=3)
    again = load_dataset(tmp_path, split_seed=3)
    other = load_dataset(tmp_path, split_seed=4)
    assert first.layout == "folder"
    assert first.records == again.records
    assert [r.subset for r in first.records] != [r.subset for r in other.records]
    for counts in (first.counts(), other.counts()):
        assert counts == {s: {"running": n, "walking": n} for s, n in (("train", 6), ("val", 2), ("test", 2))}


def test_classes_filter_and_unknown_class(tmp_path):
    write_class_folder(tmp_path, per_class=2, classes=("boxing", "running", "walking"), n_frames=2)
    index = load_dataset(tmp_path, classes=["walking", "running"], val_fraction=0.5, test_fraction=0.0)
    assert index.classes == ["walking", "running"]
    assert sorted({r.label for r in index.records}) == ["running", "walking"] and len(index.records) == 4
    with pytest.raises(UserError, match="boxing, running, walking"):
        load_dataset(tmp_path, classes=["jumping"])
    with pytest.raises(UserError, match="layout"):
        load_dataset(tmp_path, layout="kinetics")


def test_loose_videos_need_class_folders(tmp_path):
    write_video(tmp_path / "clip.avi", 2)
    with pytest.raises(UserError, match="sub-folder"):
        load_dataset(tmp_path, layout="folder")


# --- prepare -----------------------------------------------------------------------------------
