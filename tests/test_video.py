import resource

import cv2
import numpy as np
import pytest
import torch

from engine.io.tensors import InputSpec, clip_to_tensor
from engine.io.video import VideoError, iter_windows, probe_video, read_clip, read_frames
from engine.io.sampling import clip_indices, uniform_indices
from tests.helpers.media import moving_blob_frames, write_video


def test_uniform_indices_cover_the_clip_evenly():
    assert uniform_indices(100, 4).tolist() == [12, 37, 62, 87]
    assert uniform_indices(10, 10).tolist() == list(range(10))
    assert uniform_indices(100, 2, start=10, stop=20).tolist() == [12, 17]
    with pytest.raises(VideoError, match="at least 8"):
        uniform_indices(5, 8)


@pytest.mark.parametrize("ext,fourcc", [(".avi", "MJPG"), (".mp4", "mp4v"), (".mkv", "MJPG"), (".webm", "VP80")])
def test_read_clip_keeps_indices_fps_and_size(tmp_path, ext, fourcc):
    frames = moving_blob_frames(30)
    path = write_video(tmp_path / f"blob{ext}", frames, fps=12.5, fourcc=fourcc)
    info = probe_video(path)
    assert (info.width, info.height, info.frame_count) == (64, 48, 30)
    clip = read_clip(path, num_frames=5)
    assert clip.frames.shape == (5, 48, 64, 3) and clip.frames.dtype == np.uint8
    assert clip.indices.tolist() == uniform_indices(30, 5).tolist()
    assert clip.fps == pytest.approx(12.5)
    assert clip.source_size == (64, 48)
    # the blob of frame k sits at x = (4 + 2k) mod 52: decoded frames are the right ones
    for t, k in enumerate(clip.indices):
        column = clip.frames[t, 22, :, 0].astype(int)
        assert abs(int(np.argmax(column > 110)) - (4 + 2 * k) % 52) <= 1


def test_read_gif_and_grayscale(tmp_path):
    # a grayscale avi (single-channel writer) reads back as RGB
    path = tmp_path / "gray.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (32, 24), isColor=False)
    for k in range(12):
        writer.write(np.full((24, 32), 10 * k, np.uint8))
    writer.release()
    clip = read_clip(path, num_frames=3)
    assert clip.frames.shape == (3, 24, 32, 3)
    assert np.allclose(clip.frames[..., 0], clip.frames[..., 1], atol=2)


def test_read_frames_any_order_and_display_cap(tmp_path):
    path = write_video(tmp_path / "big.avi", moving_blob_frames(12, 120, 160))
    frames = read_frames(path, np.array([9, 2, 9]), max_side=80)
    assert frames.shape == (3, 60, 80, 3)
    assert np.array_equal(frames[0], frames[2])


def test_bad_inputs_raise_one_clear_error(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.avi"
    junk.write_bytes(np.random.default_rng(0).bytes(5000))
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    short = write_video(tmp_path / "short.avi", moving_blob_frames(3))
    with pytest.raises(VideoError, match="empty"):
        read_clip(empty)
    for path in (junk, text):
        with pytest.raises(VideoError, match="not a video|no readable frame"):
            read_clip(path)
    with pytest.raises(VideoError, match="3 frames; at least 16"):
        read_clip(short, num_frames=16)
    with pytest.raises(VideoError, match="No such file"):
        read_clip(tmp_path / "missing.avi")


def test_truncated_video_is_an_error_not_a_shorter_clip(tmp_path):
    path = write_video(tmp_path / "whole.avi", moving_blob_frames(40))
    data = path.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(VideoError):
        clip = read_clip(cut, num_frames=16)
        assert clip.frames.shape[0] == 16  # if it decodes, it must not silently shorten


def test_tensor_layout_and_normalisation_round_trip(tmp_path):
    path = write_video(tmp_path / "blob.avi", moving_blob_frames(20))
    clip = read_clip(path, num_frames=4)
    spec = InputSpec(num_frames=4, height=32, width=40, channels=1, mean=(0.5,), std=(0.25,))
    x = clip_to_tensor(clip, spec)
    assert x.shape == (4, 1, 32, 40) and x.dtype == torch.float32
    unit = x * 0.25 + 0.5  # the spec's mean and std undone: [0, 1] pixels
    assert float(unit.min()) >= -1e-6 and float(unit.max()) <= 1 + 1e-6
    rgb = clip_to_tensor(clip, InputSpec(4, 32, 40, 3, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)))
    assert rgb.shape == (4, 3, 32, 40)


@pytest.mark.slow  # writes and decodes 1500 frames of 640x480
def test_long_video_windows_stream_in_bounded_memory(tmp_path):
    # 1500 frames of 640x480 (~1.4 GB decoded); windows must not hold the video in memory
    path = tmp_path / "long.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (640, 480))
    frame = np.zeros((480, 640, 3), np.uint8)
    for k in range(1500):
        frame[:] = k % 251
        writer.write(frame)
    writer.release()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    count, last = 0, None
    for indices, frames in iter_windows(path, num_frames=8, frame_step=5, stride=50, max_side=64):
        assert frames.shape == (8, 48, 64, 3)
        assert np.diff(indices).tolist() == [5] * 7
        count, last = count + 1, indices
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert count == (1500 - 36) // 50 + 1
    assert last[0] % 50 == 0
    assert grown_mb < 300, f"peak memory grew by {grown_mb:.0f} MB"


def test_clip_indices_keep_the_time_scale():
    # every 2nd frame, centred in the clip, whatever its length
    assert clip_indices(40, 4, frame_step=2).tolist() == [16, 18, 20, 22]
    assert clip_indices(100, 4, frame_step=2).tolist() == [46, 48, 50, 52]
    # too short for the step: the largest step that fits
    assert clip_indices(5, 4, frame_step=3).tolist() == [0, 1, 2, 3]
    # random offset: exact step, inside the range
    rng = np.random.default_rng(0)
    for _ in range(20):
        idx = clip_indices(40, 8, frame_step=3, start=5, stop=35, rng=rng)
        assert np.diff(idx).tolist() == [3] * 7 and idx[0] >= 5 and idx[-1] < 35
    assert clip_indices(40, 4).tolist() == uniform_indices(40, 4).tolist()
    with pytest.raises(VideoError):
        clip_indices(3, 4, frame_step=1)


def test_a_checkpoint_given_as_the_clip_says_to_pass_it_as_checkpoint(tmp_path):
    weights = tmp_path / "cnnlstm-Epoch-3.pth"
    torch.save({"epoch": 3, "state_dict": {"fc1.weight": torch.zeros(2, 2)}}, weights)
    with pytest.raises(VideoError, match="not a video OpenCV can read. It looks like a checkpoint: give it with "
                                         "--checkpoint"):
        read_clip(weights)
    clip = tmp_path / "clip.avi"
    clip.write_bytes(np.random.default_rng(1).bytes(3000))
    with pytest.raises(VideoError) as error:
        read_clip(clip)
    assert "--checkpoint" not in str(error.value)
