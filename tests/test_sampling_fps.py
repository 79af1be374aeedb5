"""Time-based sampling (``sample_fps``): the same model time whatever the clip's frame rate; old specs unchanged;
and the training augmentation that imitates other cameras."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from engine.data import ClipDataset, ClipRecord
from engine.data.augment import REAL_CAMERAS, rescale_clip, timed_pool_indices
from engine.io.sampling import FrameStep, clip_indices, source_step
from engine.io.tensors import InputSpec
from engine.io.timed import timed_window_indices
from engine.io.video import iter_windows, read_clip, write_video


def counter_video(path, n_frames: int, fps: float):
    """Frame k shows its own index k as its grey level (a readable stamp through the codec)."""
    frames = np.stack([np.full((32, 32, 3), 2 * k, np.uint8) for k in range(n_frames)])
    return write_video(path, frames, fps)


def test_an_old_spec_is_unchanged_and_a_timed_spec_round_trips():
    old = InputSpec.from_dict(InputSpec(frame_step=2).to_dict())
    assert type(old.frame_step) is int and old.sample_fps == 0.0 and "sample_fps" not in old.to_dict()
    timed = InputSpec(frame_step=2, sample_fps=12.5)
    assert isinstance(timed.frame_step, FrameStep) and int(timed.frame_step) == 2
    assert InputSpec.from_dict(timed.to_dict()) == timed and timed.to_dict()["sample_fps"] == 12.5
    assert pickle.loads(pickle.dumps(timed)) == timed
    assert int(InputSpec(sample_fps=10.0).frame_step) == 2 and int(InputSpec(sample_fps=5.0).frame_step) == 5


def test_source_step_follows_the_clip_rate_and_plain_steps_stay_ints():
    step = FrameStep(12.5)
    assert source_step(step, 30.0) == pytest.approx(2.4) and source_step(step, 10.0) == pytest.approx(0.8)
    assert source_step(3, 30.0) == 3 and source_step(0, 30.0) == 0
    assert clip_indices(100, 16, 2).tolist() == (34 + 2 * np.arange(16)).tolist()  # the int path as before


@pytest.mark.parametrize("fps", [10.0, 25.0, 30.0])
def test_fractional_steps_keep_model_time(fps):
    indices = clip_indices(200, 16, source_step(FrameStep(12.5), fps))
    times = indices / fps
    assert np.all(np.diff(indices) >= 0) and indices.max() < 200
    assert np.abs(np.diff(times) - 1 / 12.5).max() <= 1 / fps + 1e-9  # each step within a source frame of 80 ms
    assert times[-1] - times[0] == pytest.approx(15 / 12.5, abs=1 / fps)


def test_read_clip_samples_by_time_at_each_video_rate(tmp_path):
    step = InputSpec(sample_fps=10.0).frame_step
    for fps in (10, 30):
        clip = read_clip(counter_video(tmp_path / f"c{fps}.avi", 3 * fps, fps), 8, frame_step=step)
        assert np.diff(clip.indices).tolist() == [fps // 10] * 7
        assert np.abs(clip.frames[:, 0, 0, 0].astype(int) - 2 * clip.indices).max() <= 4  # the frames asked for


def test_timed_windows_stream_the_same_frames_as_their_indices(tmp_path):
    path = counter_video(tmp_path / "w.avi", 60, 30.0)
    step = FrameStep(12.5)
    expected = timed_window_indices(60, 30.0, 8, step, stride=7)
    windows = list(iter_windows(path, 8, step, stride=7))
    assert len(windows) == len(expected) >= 3
    for (indices, frames), want in zip(windows, expected, strict=True):
        assert indices.tolist() == want.tolist()
        assert np.abs(frames[:, 0, 0, 0].astype(int) - 2 * want).max() <= 4
    starts = [w[0] for w in expected]
    assert np.diff(starts) == pytest.approx(7 / 25 * 30, abs=1)  # the stride is model time: 7 frames at 25 fps


def test_simulated_camera_rates_repeat_frames_as_the_reader_does():
    rng = np.random.default_rng(0)
    slow = timed_pool_indices(100, 25.0, 16, 12.5, rng, source_fps_range=(5.0, 5.0))
    assert len(np.unique(slow)) <= 8 and np.all(np.diff(slow) >= 0)  # a 5 fps camera: each frame shown 2-3 times
    exact = timed_pool_indices(100, 25.0, 16, 12.5, np.random.default_rng(0))
    assert set(np.diff(exact).tolist()) == {2}


def test_zoom_out_puts_the_shrunk_clip_on_its_background():
    frames = np.full((4, 40, 40, 3), 100, np.uint8)
    for t in range(4):
        frames[t, 10:30, 5 + 5 * t:10 + 5 * t] = 250  # a bright mover
    out = rescale_clip(frames, 0.5, np.random.default_rng(3))
    moving = (np.abs(out.astype(int) - 100) > 20).any(axis=(0, 3))
    ys, xs = np.nonzero(moving)
    assert out.shape == frames.shape and np.ptp(ys) < 12 and np.ptp(xs) < 20  # the mover is half its size
    assert (out[:, ~moving] == 100).all()  # elsewhere the static background


def test_augmented_reads_are_reproducible(tmp_path):
    path = counter_video(tmp_path / "a.avi", 40, 25.0)
    records = [ClipRecord(key="a", source=str(path), label="walking", subset="train")]
    spec = InputSpec(num_frames=8, height=24, width=24, sample_fps=12.5)
    def read():
        data = ClipDataset(records, ["walking"], spec, train=True, seed=4, cache=True, augmentation=REAL_CAMERAS)
        return data[0][0]
    first, again = read(), read()
    assert first.shape == (8, 1, 24, 24) and np.array_equal(first.numpy(), again.numpy())


def test_a_timed_step_prints_as_its_number():
    step = FrameStep(12.5)
    assert (str(step), f"{step}", f"{step:>3}") == ("2", "2", "  2") and "12.5" in repr(step)
