"""The motion measure and the abstain rule: a walker moves; an empty scene, flicker, noise, a person
standing still and a camera pan do not; ``classify`` says "no one moving" on an empty-scene clip."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch

from engine.__main__ import main
from engine.evaluation.motion import MOTION_GRID, NO_MOTION_SHARE, Motion, moving_pixels, moving_share, window_motion
from engine.models import get_model
from engine.models.checkpoint import CheckpointMeta, save_checkpoint
from engine.io.tensors import InputSpec
from engine.synth import render_clip
from tests.media import write_video


def _flicker_and_noise(frames: np.ndarray, seed: int, gain: float = 0.08, noise: float = 4.0) -> np.ndarray:
    """Each frame scaled by a random global gain (lighting flicker) plus Gaussian sensor noise."""
    rng = np.random.default_rng(seed)
    scaled = frames.astype(np.float32) * (1 + gain * rng.uniform(-1, 1, (len(frames), 1, 1)))
    return np.clip(scaled + rng.normal(0, noise, frames.shape), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def scenes():
    """A synthetic walker and runner, the same scene without the person, and the person standing still."""
    walker, masks, _ = render_clip("walking", 4, 16, scenario="d1")
    runner, _, _ = render_clip("running", 5, 16, scenario="d4")
    empty, _, _ = render_clip("walking", 4, 16, scenario="d1", figure=False)
    biggest = int(np.argmax(masks.reshape(16, -1).sum(axis=1)))
    standing = np.repeat(walker[biggest][None], 16, axis=0)
    return {"walker": walker, "runner": runner, "empty": empty, "standing": standing}


def test_people_moving_are_above_the_threshold_and_empty_scenes_below(scenes):
    assert moving_share(scenes["walker"]) > 5 * NO_MOTION_SHARE
    assert moving_share(scenes["runner"]) > 5 * NO_MOTION_SHARE
    assert moving_share(scenes["empty"]) < NO_MOTION_SHARE  # the generator's own sensor noise only
    assert moving_share(_flicker_and_noise(scenes["empty"], 1)) < NO_MOTION_SHARE
    assert moving_share(_flicker_and_noise(scenes["standing"], 2)) < NO_MOTION_SHARE


def test_the_moving_pixels_lie_on_the_person(scenes):
    walker, masks, _ = render_clip("walking", 4, 16, scenario="d1")
    moving = moving_pixels(walker)
    assert moving.shape == (15, MOTION_GRID, MOTION_GRID)
    person = np.stack([cv2.resize(m.astype(np.uint8), (MOTION_GRID, MOTION_GRID), interpolation=cv2.INTER_NEAREST)
                       for m in masks[1:]]).astype(bool)
    near_person = np.stack([cv2.dilate(p.astype(np.uint8), np.ones((5, 5), np.uint8)) for p in person]).astype(bool)
    assert moving.sum() > 0 and (moving & near_person).sum() / moving.sum() > 0.9


def test_a_slow_camera_pan_over_a_still_scene_is_not_motion():
    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur(rng.uniform(0, 255, (200, 260)).astype(np.float32), (0, 0), 3)
    texture = cv2.normalize(texture, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    pan = np.stack([texture[20:140, 10 + k: 170 + k] for k in range(16)])  # 1 px a frame to the left
    assert np.abs(np.diff(pan.astype(np.int16), axis=0)).mean() > 3  # the frames do change
    assert moving_share(pan) < NO_MOTION_SHARE  # (a faster pan is not wholly cancelled: see motion.py)


def test_motion_verdicts_and_messages(scenes):
    still = window_motion(scenes["empty"])
    assert still.abstained and still.describe().startswith("no one moving")
    assert still.as_dict()["abstained"] is True
    moving = window_motion(scenes["walker"])
    assert not moving.abstained and moving.describe().startswith("moving")
    assert not Motion(0.0, threshold=0.0).abstained  # 0 never abstains
    with pytest.raises(ValueError, match="at least 2 frames"):
        moving_share(scenes["walker"][:1])


def test_classify_says_no_one_moving_on_an_empty_scene_clip(scenes, tmp_path, capsys):
    torch.manual_seed(0)  # test-only: fixes the tiny model's weights
    meta = CheckpointMeta("cnnlstm", {"proj_dim": 8, "hidden_size": 8}, ["walking", "running"],
                          InputSpec(num_frames=8, height=32, width=32, channels=1, frame_step=2))
    checkpoint = save_checkpoint(tmp_path / "tiny.pt", get_model("cnnlstm", proj_dim=8, hidden_size=8), meta)
    grey = lambda frames: np.repeat(frames[..., None], 3, axis=-1)  # noqa: E731
    empty = write_video(tmp_path / "empty.avi", grey(_flicker_and_noise(np.concatenate([scenes["empty"]] * 2), 3)))
    walker, _, _ = render_clip("walking", 4, 32, scenario="d1")
    moving = write_video(tmp_path / "walker.avi", grey(walker))
    args = ["classify", str(empty), str(moving), "--checkpoint", str(checkpoint), "--device", "cpu"]
    assert main(args) == 0
    table = capsys.readouterr().out
    assert "no one moving" in table.splitlines()[1] and "no one moving" not in table.splitlines()[2]
    assert main([*args, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["abstained"] for r in rows] == [True, False]
    assert rows[0]["label"] == "no motion" and rows[1]["label"] in ("walking", "running")
    assert main([*args, "--json", "--motion-threshold", "0"]) == 0  # 0 turns the abstain off
    assert not any(r["abstained"] for r in json.loads(capsys.readouterr().out))


def test_a_model_that_samples_every_frame_is_measured_two_frames_apart(scenes):
    from engine.evaluation.motion import pair_gap

    assert [pair_gap(s) for s in (0, 1, 2, 3)] == [1, 2, 1, 1]
    walker = scenes["walker"]
    assert moving_share(walker, frame_step=1) == moving_share(walker[::2], frame_step=2)
    assert window_motion(walker, frame_step=1).moving_share == moving_share(walker[::2])
