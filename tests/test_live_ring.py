"""The live ring buffer, window sampling by time, the clip played as a camera, the overlay."""

from __future__ import annotations

import numpy as np
import pytest

from engine.live import ClipCamera, FrameRing, Overlay, measured_fps, ping_pong_index, ping_pong_order
from engine.saliency.registry import METHODS, one_pass_methods
from ui.state import list_sample_clips


def numbered(n: int) -> np.ndarray:
    """A (8, 8, 3) frame whose every pixel is ``n % 256``."""
    return np.full((8, 8, 3), n % 256, dtype=np.uint8)


def fill(ring: FrameRing, count: int, fps: float, skip: set[int] = frozenset(), start: float = 100.0) -> None:
    for n in range(count):
        if n not in skip:
            ring.push(numbered(n), start + n / fps)


def test_ring_keeps_only_its_seconds_and_recent_returns_the_tail():
    ring = FrameRing(seconds=2.0)
    fill(ring, 100, fps=25)
    assert len(ring) == 51  # 2 s at 25 fps, both ends kept
    frames, times = ring.recent(1.0)
    assert len(frames) == 26 and times[-1] - times[0] == pytest.approx(1.0)
    assert frames[-1][0, 0, 0] == 99


def test_ring_drops_repeated_frames_and_restarts_when_the_clock_goes_back():
    ring = FrameRing(seconds=5.0)
    fill(ring, 10, fps=25)
    ring.push(numbered(200), 100.0 + 9 / 25)  # the same capture time again
    assert len(ring) == 10
    ring.push(numbered(201), 3.0)  # a new stream's clock
    assert len(ring) == 1 and ring.newest_time() == 3.0


def test_window_is_frame_step_apart_at_the_cameras_rate():
    ring = FrameRing(seconds=5.0)
    fill(ring, 60, fps=30)
    window = ring.window(num_frames=4, frame_step=2)
    assert window.numbers.tolist() == [53, 55, 57, 59]
    assert [int(f[0, 0, 0]) for f in window.frames] == [53, 55, 57, 59]
    assert window.fps == pytest.approx(30)
    assert np.diff(window.times) == pytest.approx([2 / 30] * 3)


def test_window_at_a_given_frame_rate_keeps_the_models_time_scale():
    ring = FrameRing(seconds=5.0)
    fill(ring, 100, fps=50)  # a 50 fps camera; the model counts frame_step at 25 fps
    window = ring.window(num_frames=4, frame_step=2, fps=25)
    assert window.numbers.tolist() == [87, 91, 95, 99]  # 80 ms apart: every 4th camera frame
    assert np.diff(window.times) == pytest.approx([0.08] * 3)


def test_window_takes_the_nearest_frame_when_the_camera_drops_some():
    ring = FrameRing(seconds=5.0)
    fill(ring, 40, fps=25, skip={35, 36, 37})
    window = ring.window(num_frames=4, frame_step=2, fps=25)
    assert window.numbers[-1] == 36  # running numbers count stored frames: 39 is the 37th stored
    picked = [int(f[0, 0, 0]) for f in window.frames]
    assert picked[-1] == 39 and picked[0] == 33
    assert picked[1] in (34, 38) and picked[2] in (34, 38)  # 35 and 37 are missing: a neighbour stands in


def test_no_window_until_the_ring_spans_one():
    ring = FrameRing(seconds=5.0)
    fill(ring, 6, fps=25)
    assert ring.window(num_frames=4, frame_step=2) is None  # 6 frames cover less than 3 steps of 2
    fill(ring, 8, fps=25)  # same clock: frames 6 and 7 are new
    assert ring.window(num_frames=4, frame_step=2).numbers.tolist() == [1, 3, 5, 7]


def test_measured_fps_is_robust_to_a_late_frame():
    times = np.arange(20) / 25.0
    times[10:] += 0.2  # one stall
    assert measured_fps(times) == pytest.approx(25.0)
    assert measured_fps(np.array([1.0])) == 25.0


def test_ping_pong_goes_forward_then_backward_without_repeating_the_ends():
    assert ping_pong_order(4).tolist() == [0, 1, 2, 3, 2, 1]
    assert [ping_pong_index(s, 4) for s in range(8)] == [0, 1, 2, 3, 2, 1, 0, 1]
    assert ping_pong_order(1).tolist() == [0]
    steps = np.array([ping_pong_index(s, 7) for s in range(40)])
    assert (np.abs(np.diff(steps)) == 1).all()  # never a jump: the walker never teleports


def test_clip_camera_plays_in_real_time_on_its_clock():
    now = [50.0]
    camera = ClipCamera(np.stack([numbered(n) for n in range(5)]), fps=25, clock=lambda: now[0])
    assert camera.now()[1:] == (0, 0.0)
    now[0] += 0.2  # 5 frames later: past the last frame, on the way back
    frame, step, seconds = camera.now()
    assert step == 5 and seconds == pytest.approx(0.2) and frame[0, 0, 0] == 3
    assert camera.seconds_until(6) == pytest.approx(0.04)
    assert camera.seconds_until(2) == 0.0


def test_clip_camera_reads_a_bundled_clip():
    path = list_sample_clips()["walking_right"]
    camera = ClipCamera.from_file(str(path))
    assert camera.frames.ndim == 4 and len(camera.frames) >= 16 and camera.fps == pytest.approx(25)


def test_overlay_blends_at_any_size_and_leaves_cold_pixels_alone():
    heat = np.zeros((4, 4), np.float32)
    heat[:, 2:] = 1.0
    overlay = Overlay(heat, vmax=1.0, cmap="jet", opacity=1.0)
    for height, width in ((480, 640), (240, 320)):
        frame = np.full((height, width, 3), 128, np.uint8)
        out = overlay.blend(frame)
        assert out.shape == frame.shape
        assert (out[:, : width // 4] == 128).all()  # no saliency: the frame as it was
        hot = out[:, -width // 8:]
        assert (hot.max(axis=2).astype(int) - hot.min(axis=2) > 100).all()  # full saliency: jet's red


def test_one_pass_methods_come_from_the_registry():
    names = one_pass_methods()
    assert {"gradient", "input_x_gradient", "gradcam", "gradcam_pp", "hirescam", "layercam"} <= set(names)
    assert not {"integrated_gradients", "occlusion", "scorecam", "tsr", "smoothgrad"} & set(names)
    assert all(METHODS.get(n).cost == "one_pass" for n in names)
