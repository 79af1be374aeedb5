"""Real-camera-domain generator: views, tracking, shake and zoom, treadmill, frame rates and pace show in the output."""

from __future__ import annotations

import math

import cv2
import numpy as np

from engine.__main__ import main as cli_main
from engine.io.masks import load_sidecar
from engine.io.video import probe_video
from engine.synth.camera import shake_matrices
from engine.synth.domain import DEFAULT_SECONDS, MIN_FRAMES
from engine.synth.gait import sample_gait_wide
from engine.synth.pose import body_pose
from engine.synth.realdomain import render_real_clip
from engine.synth.realplan import FPS_RANGE
from engine.synth.staging import plan_clip


def _seeds(label, options, keep, count=1, limit=200, frames=24):
    """The first ``count`` seeds whose plan satisfies ``keep`` (plans are cheap; no pixels drawn)."""
    found = [s for s in range(limit) if keep(plan_clip(label, s, options, 96, 72, frames))]
    assert len(found) >= count, f"only {len(found)} seeds of {limit} fit"
    return found[:count]


def _centroid_x(masks: np.ndarray) -> np.ndarray:
    return np.array([np.flatnonzero(m.any(axis=0)).mean() if m.any() else np.nan for m in masks])


def _extent(mask: np.ndarray, axis: int) -> int:
    idx = np.flatnonzero(mask.any(axis=axis))
    return int(idx[-1] - idx[0] + 1)


def _feet_spread(masks: np.ndarray) -> np.ndarray:
    """Width of the lowest 15% of the mask / its height, for each frame that shows all of a person."""
    out = []
    for m in masks:
        if not m.any() or m[:, [0, -1]].any():
            continue
        rows = np.flatnonzero(m.any(axis=1))
        height = rows[-1] - rows[0] + 1
        out.append(_extent(m[rows[-1] - int(0.15 * height) : rows[-1] + 1], 0) / height)
    return np.array(out)


def test_view_towards_and_away_change_scale_and_foreshorten_the_stride():
    def sin_heading(p):
        return math.sin(math.radians(p.people[0].heading_deg))

    towards = _seeds("walking", {"view"}, lambda p: sin_heading(p) < -0.9, 2, frames=40)
    away = _seeds("walking", {"view"}, lambda p: sin_heading(p) > 0.9, 2, frames=40)
    for seeds, grows in ((towards, True), (away, False)):
        for seed in seeds:
            _, masks, meta = render_real_clip("walking", seed, {"view"}, 96, 72, 40)
            heights = [_extent(m, 1) for m in masks[[0, -1]]]
            assert (heights[1] / heights[0] > 1.15) if grows else (heights[1] / heights[0] < 0.87), (seed, heights)
            _, side_masks, _ = render_real_clip("walking", seed, set(), 96, 72, 40)  # the same person, side view
            assert np.median(_feet_spread(masks)) < np.median(_feet_spread(side_masks)) - 0.15  # stride into depth
            side_heights = [_extent(m, 1) for m in side_masks if m.any() and not m[:, [0, -1]].any()]
            assert max(side_heights) / min(side_heights) < 1.12  # a side view keeps its scale


def test_tracking_keeps_the_person_centred_while_the_background_pans():
    static_seed = _seeds("running", set(), lambda p: p.visibility == "throughout", 1)[0]
    _, static_masks, _ = render_real_clip("running", static_seed, set(), 96, 72, 24)
    assert np.nanmax(_centroid_x(static_masks)) - np.nanmin(_centroid_x(static_masks)) > 0.4 * 96
    for seed in _seeds("running", {"tracking"}, lambda p: p.camera == "tracking", 2):
        _, masks, meta = render_real_clip("running", seed, {"tracking"}, 96, 72, 24)
        assert meta["camera"] == "tracking" and meta["visible_frames"] == 24
        assert np.abs(_centroid_x(masks) - 48).max() < 0.2 * 96
        empty, _, _ = render_real_clip("running", seed, {"tracking"}, 96, 72, 24, figure=False)
        shift, _ = cv2.phaseCorrelate(empty[0].astype(np.float32), empty[-1].astype(np.float32))
        assert abs(shift[0]) > 3 and abs(abs(shift[0]) - meta["background"]["pan_px"]) < 2.5


def test_background_pan_speed_does_not_depend_on_the_class():
    pans = {label: [abs(plan_clip(label, s, {"tracking"}, 96, 72, 24).pan_speed) for s in range(300)]
            for label in ("walking", "running")}
    walking, running = (np.array([p for p in pans[k] if p > 0]) for k in ("walking", "running"))
    assert len(walking) > 60 and len(running) > 60
    assert abs(np.median(walking) - np.median(running)) < 0.15 * np.median(walking)


def test_shake_moves_frames_and_masks_alike():
    seed = _seeds("walking", {"shake"}, lambda p: p.shake.amplitude > 1.0 and p.shake.zoom_end != 1.0, 1)[0]
    shaken, shaken_masks, meta = render_real_clip("walking", seed, {"shake"}, 96, 72, 16)
    steady, steady_masks, _ = render_real_clip("walking", seed, set(), 96, 72, 16)
    plan = plan_clip("walking", seed, {"shake"}, 96, 72, 16)
    matrices = shake_matrices(plan.shake, np.arange(16) / plan.fps, 72, 96)
    for i in (0, 7, 15):
        moved = cv2.warpAffine(steady_masks[i].astype(np.uint8), matrices[i], (96, 72), flags=cv2.INTER_NEAREST)
        assert np.array_equal(moved.astype(bool), shaken_masks[i])
    empty, _, _ = render_real_clip("walking", seed, {"shake"}, 96, 72, 16, figure=False)
    calm, _, _ = render_real_clip("walking", seed, set(), 96, 72, 16, figure=False)
    moving = np.abs(empty[1:].astype(int) - empty[:-1]).mean()
    still = np.abs(calm[1:].astype(int) - calm[:-1]).mean()
    assert moving > 1.5 * still and meta["shake"]["amplitude_px"] > 1.0


def test_treadmill_person_stays_put_while_the_legs_move():
    for seed in _seeds("running", {"treadmill"}, lambda p: p.camera == "treadmill", 2):
        _, masks, meta = render_real_clip("running", seed, {"treadmill"}, 96, 72, 24)
        centre = _centroid_x(masks)
        assert meta["visible_frames"] == 24 and meta["people"][0]["in_place"]
        assert np.ptp(centre) < 0.06 * 96
        rows = np.flatnonzero(masks.any(axis=(0, 2)))
        legs = masks[:, (rows[0] + rows[-1]) // 2 + 2 :, :]  # the lower half: the legs
        changes = [np.logical_xor(legs[i], legs[i + 1]).sum() / max(legs[i].sum(), 1) for i in range(23)]
        assert np.mean(changes) > 0.15


def test_fps_is_drawn_written_and_the_cadence_stays_physical(tmp_path):
    rates = [plan_clip("running", s, {"fps"}, 32, 24).fps for s in range(60)]
    assert min(rates) <= 8 and max(rates) >= 27 and len(set(rates)) >= 15
    assert all(FPS_RANGE[0] <= r <= FPS_RANGE[1] and r == int(r) for r in rates)
    for seed in range(6):
        plan = plan_clip("running", seed, {"fps"}, 32, 24)
        assert plan.num_frames == max(math.ceil(DEFAULT_SECONDS * plan.fps), MIN_FRAMES)
        assert plan.num_frames / plan.fps >= DEFAULT_SECONDS - 1e-9
        assert plan.people[0].gait == plan_clip("running", seed, set(), 32, 24).people[0].gait
    out = tmp_path / "fps"
    assert cli_main(["synth", "--out", str(out), "--per-class", "2", "--seed", "4", "--randomise", "fps",
                     "--frame-size", "32x24", "--no-progress"]) == 0
    for video in sorted(out.glob("*/*.avi")):
        masks, meta = load_sidecar(video)
        info = probe_video(video)
        assert info.fps == meta["fps"] and info.frame_count == meta["num_frames"] == len(masks)


def test_pace_widens_cadence_and_keeps_the_flight_rules():
    rng = np.random.default_rng(3)
    walks = [sample_gait_wide(False, rng) for _ in range(150)]
    runs = [sample_gait_wide(True, rng) for _ in range(150)]
    walk_spm = np.array([g.cadence_hz * 60 for g in walks])
    run_spm = np.array([g.cadence_hz * 60 for g in runs])
    assert 95 <= walk_spm.min() < 100 and 125 < walk_spm.max() <= 130
    assert 145 <= run_spm.min() < 160 and run_spm.max() > 210
    for walk, run in zip(walks[:25], runs[:25]):
        walk_low = body_pose(walk, np.linspace(0, walk.stride_seconds, 200)).lowest_foot_heights()
        run_low = body_pose(run, np.linspace(0, run.stride_seconds, 200)).lowest_foot_heights()
        assert walk_low.min(axis=1).max() < 1e-6  # a walker always has a foot down
        assert (run_low.min(axis=1) > 0.003).mean() > 0.05  # a runner, jogging or sprinting, flies
        assert walk_low.min() > -1e-6 and run_low.min() > -1e-6
    narrow = [plan_clip("running", s, set(), 32, 24).people[0].gait.cadence_hz for s in range(40)]
    wide = [plan_clip("running", s, {"pace"}, 32, 24).people[0].gait.cadence_hz for s in range(40)]
    assert np.ptp(wide) > 1.5 * np.ptp(narrow)


def test_aspect_ratio_squeezes_the_picture_into_the_frame():
    wide = _seeds("walking", {"aspect"}, lambda p: p.width == 128 and p.letterbox == 0, 2)
    tall = _seeds("walking", {"aspect"}, lambda p: p.width == 40, 1)
    for seed in wide + tall:
        _, masks, meta = render_real_clip("walking", seed, {"aspect"}, 96, 72, 24)
        _, plain, _ = render_real_clip("walking", seed, set(), 96, 72, 24)  # same person, same poses, 4:3
        both = [i for i in range(24) if masks[i].any() and plain[i].any()
                and not masks[i][:, [0, -1]].any() and not plain[i][:, [0, -1]].any()]
        assert len(both) >= 3
        widths = np.median([_extent(masks[i], 0) for i in both]) / np.median([_extent(plain[i], 0) for i in both])
        heights = np.median([_extent(masks[i], 1) for i in both]) / np.median([_extent(plain[i], 1) for i in both])
        squeeze = (96 / 72) / meta["aspect"]
        assert masks.shape == (24, 72, 96) and abs(widths - squeeze) < 0.15 * squeeze and abs(heights - 1) < 0.08
    seed = _seeds("running", {"aspect"}, lambda p: p.letterbox >= 5, 1)[0]
    frames, masks, meta = render_real_clip("running", seed, {"aspect", "colour"}, 96, 72, 6)
    bars = meta["letterbox_rows"]
    assert bars >= 5 and meta["picture_size"][1] == 72 - 2 * bars
    assert frames[:, :bars].max() == 0 and frames[:, 72 - bars :].max() == 0 and frames[:, bars:-bars].max() > 0
    assert not masks[:, :bars].any() and not masks[:, 72 - bars :].any()


def test_some_files_repeat_each_picture_like_a_slower_camera():
    holds = [plan_clip("running", s, {"fps"}, 32, 24).hold for s in range(200)]
    assert 0.05 < np.mean(np.array(holds) > 1) < 0.3 and set(holds) <= {1, 2, 3}
    seed = _seeds("running", {"fps"}, lambda p: p.hold == 3 and p.fps >= 15, 1)[0]
    frames, masks, meta = render_real_clip("running", seed, {"fps", "noise"}, 96, 72, 12)
    assert meta["hold_frames"] == 3 and len(frames) == 12
    for start in range(0, 12, 3):
        assert np.array_equal(frames[start], frames[start + 1]) and np.array_equal(frames[start], frames[start + 2])
        assert np.array_equal(masks[start], masks[start + 2])
    assert not np.array_equal(frames[0], frames[3])
