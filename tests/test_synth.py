"""Tests of the synthetic data generators (engine.synth) and the synth command."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from engine.__main__ import main as cli_main
from engine.errors import UserError
from engine.synth import event_window, generate_kth_like, render_clip, render_event_clip
from engine.synth.gait import sample_gait
from engine.synth.kth import clip_stem
from engine.synth.pose import body_pose
from engine.io.video import probe_video, read_clip
from engine.io.masks import load_sidecar, mask_sidecar_path

KTH_NAME = re.compile(r"^person(\d\d)_(walking|running)_d([1-4])_uncomp(_s\d+)?$")


def _digest(paths) -> list[str]:
    out = []
    for p in paths:
        for f in (p, mask_sidecar_path(p)):
            out.append(hashlib.sha256(f.read_bytes()).hexdigest())
    return out


def test_render_clip_is_deterministic_and_seed_dependent():
    a = render_clip("walking", 11, 12)
    b = render_clip("walking", 11, 12)
    c = render_clip("walking", 12, 12)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]
    assert not np.array_equal(a[0], c[0])


def test_files_are_identical_for_a_seed(tmp_path):
    first = generate_kth_like(tmp_path / "a", 2, seed=5, num_frames=8, progress=False)
    second = generate_kth_like(tmp_path / "b", 2, seed=5, num_frames=8, progress=False)
    other = generate_kth_like(tmp_path / "c", 2, seed=6, num_frames=8, progress=False)
    assert _digest(first) == _digest(second)
    assert _digest(first)[0] != _digest(other)[0]


def test_layout_names_and_every_person_appear(tmp_path):
    paths = generate_kth_like(tmp_path, 26, seed=0, num_frames=3, progress=False)
    assert len(paths) == 52
    for label in ("walking", "running"):
        persons = set()
        for p in (tmp_path / label).glob("*.avi"):
            match = KTH_NAME.match(p.stem)
            assert match and match.group(2) == label and match.group(4) is None
            persons.add(int(match.group(1)))
        assert persons == set(range(1, 26))
    assert (tmp_path / "walking" / "person01_walking_d2_uncomp.avi").is_file()  # clip 25 starts d2


def test_suffix_only_when_names_collide():
    assert clip_stem(7, "walking", "d2", 0) == "person07_walking_d2_uncomp"
    assert clip_stem(7, "walking", "d2", 2) == "person07_walking_d2_uncomp_s3"
    assert KTH_NAME.match(clip_stem(7, "running", "d4", 1))


@pytest.mark.parametrize("label", ["walking", "running"])
def test_masks_mark_the_drawn_figure(label):
    frames, masks, meta = render_clip(label, 3, 40, scenario="d1")
    empty, _, _ = render_clip(label, 3, 40, scenario="d1", figure=False)
    assert frames.shape == masks.shape == (40, 120, 160) and masks.dtype == bool
    visible = masks.reshape(40, -1).any(axis=1)
    assert visible.sum() == meta["visible_frames"] > 0
    diff = np.abs(frames.astype(int) - empty.astype(int))
    assert diff[masks].mean() > 10 * max(diff[~masks].mean(), 0.1)
    assert (diff[~visible] <= 60).all()  # frames without the person only differ by anti-aliased edges at most


def test_meta_has_required_keys():
    _, _, meta = render_clip("running", 4, 8, scenario="d2")
    required = {"label", "scenario", "direction", "speed_px_per_frame", "cadence_hz", "person", "zoom", "seed"}
    assert required <= set(meta) and meta["seed"] == 4 and len(meta["zoom"]) == 8
    assert max(meta["zoom"]) > 1.0  # d2 zooms


def test_walking_has_no_flight_running_has_one():
    rng = np.random.default_rng(0)
    for _ in range(5):
        walk, run = sample_gait(False, rng), sample_gait(True, rng)
        assert run.cadence_hz > walk.cadence_hz
        walk_low = body_pose(walk, np.linspace(0, walk.stride_seconds, 300)).lowest_foot_heights()
        run_low = body_pose(run, np.linspace(0, run.stride_seconds, 300)).lowest_foot_heights()
        assert walk_low.min(axis=1).max() < 1e-6  # some foot always on the ground
        assert (run_low.min(axis=1) > 0.02).mean() > 0.05  # both feet clearly up part of the time
        assert walk_low.min() > -1e-6 and run_low.min() > -1e-6  # no foot below the ground


def test_stance_foot_stays_planted():
    gait = sample_gait(False, np.random.default_rng(1))
    times = np.linspace(0, 2 * gait.stride_seconds, 500)
    pose = body_pose(gait, times)
    toe_world = pose.joints["near_toe"][:, 0] + gait.speed * times
    both = pose.stance[1:, 0] & pose.stance[:-1, 0]
    assert np.abs(np.diff(toe_world)[both]).max() < 1e-3


def test_class_statistics_match_where_they_should():
    walk = [render_clip("walking", s, 48)[2] for s in range(12)]
    run = [render_clip("running", s, 48)[2] for s in range(12)]
    assert min(m["cadence_hz"] for m in run) > max(m["cadence_hz"] for m in walk)
    walk_vis = np.mean([m["visible_frames"] for m in walk])
    run_vis = np.mean([m["visible_frames"] for m in run])
    assert abs(walk_vis - run_vis) < 0.2 * 48  # empty frames do not give the class away


def test_event_mask_matches_drawn_event_and_window():
    frames, masks, meta = render_event_clip("up", "middle", 9, 18, 48)
    plain, _, _ = render_event_clip("up", "middle", 9, 18, 48, event=False)
    start, stop = event_window("middle", 18)
    assert (start, stop) == (6, 12)
    assert meta["event_frames"] and all(start <= t < stop for t in meta["event_frames"])
    outside = [t for t in range(18) if t not in meta["event_frames"]]
    assert not masks[outside].any() and all(masks[t].any() for t in meta["event_frames"])
    assert (frames[masks] != plain[masks]).all() and (frames[~masks] == plain[~masks]).all()


@pytest.mark.parametrize("position", ["early", "late"])
def test_event_class_invisible_outside_window(position):
    up, up_masks, meta = render_event_clip("up", position, 21)
    down, down_masks, _ = render_event_clip("down", position, 21)
    inside = meta["event_frames"]
    outside = [t for t in range(16) if t not in inside]
    assert np.array_equal(up[outside], down[outside])
    rows_up = [np.where(up_masks[t].any(1))[0].mean() for t in inside]
    rows_down = [np.where(down_masks[t].any(1))[0].mean() for t in inside]
    assert np.all(np.diff(rows_up) < 0) and np.all(np.diff(rows_down) > 0)


def test_bad_inputs_raise_user_errors(tmp_path):
    with pytest.raises(UserError, match="Unknown class"):
        render_clip("jogging", 0, 8)
    with pytest.raises(UserError, match="position"):
        render_event_clip("up", "sometime", 0)
    with pytest.raises(UserError, match="per-class"):
        generate_kth_like(tmp_path, 0, seed=0, progress=False)


def test_cli_writes_readable_clips_with_masks(tmp_path, capsys):
    out = tmp_path / "kth"
    assert cli_main(["synth", "--out", str(out), "--per-class", "2", "--seed", "1", "--frames", "20"]) == 0
    videos = sorted(out.glob("*/*.avi"))
    assert len(videos) == 4 and len(list(out.glob("*/*.masks.npz"))) == 4
    clip = read_clip(videos[0], num_frames=8)
    info = probe_video(videos[0])
    assert (info.width, info.height, info.frame_count, round(info.fps)) == (160, 120, 20, 25)
    masks, meta = load_sidecar(videos[0])
    assert masks.shape == (20, 120, 160) and meta["label"] == videos[0].parent.name
    assert clip.masks is not None and clip.masks.shape == (8, 120, 160) and clip.label == meta["label"]
    assert np.array_equal(clip.frames[..., 0], clip.frames[..., 2])  # grey content
    assert cli_main(["synth", "--out", str(out), "--per-class", "0"]) == 2
    assert "per-class" in capsys.readouterr().err


def test_cli_event_task(tmp_path):
    out = tmp_path / "event"
    args = ["synth", "--task", "event", "--out", str(out), "--per-class", "1", "--seed", "2", "--position", "late"]
    assert cli_main(args + ["--no-progress"]) == 0
    for label in ("up", "down"):
        video = out / label / "event0000.avi"
        masks, meta = load_sidecar(video)
        assert masks.shape == (16, 64, 64) and meta["label"] == label and meta["position"] == "late"
        assert all(t >= 11 for t in meta["event_frames"]) and masks[meta["event_frames"]].any()


def test_cli_box_task(tmp_path, capsys):
    out = tmp_path / "boxes"
    assert cli_main(["synth", "--task", "box", "--box", "MiddleBox", "--out", str(out), "--train", "6",
                     "--test", "4"]) == 0
    with np.load(out / "MiddleBox_train.npz") as train, np.load(out / "MiddleBox_test.npz") as test:
        assert train["x"].shape == (6, 100, 100) and test["x"].shape == (4, 100, 100)
        assert train["mask"][20:80, 20:80].all() and train["mask"].sum() == 60 * 60
    assert cli_main(["synth", "--task", "box", "--box", "SideBox", "--out", str(out)]) == 2
    assert "SideBox" in capsys.readouterr().err
