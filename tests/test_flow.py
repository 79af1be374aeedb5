"""Optical flow: known translations, the frame-0 convention, camera compensation, pictures."""

import cv2
import numpy as np
import pytest

from engine.flow import CAMERA_MODELS, FLOW_METHODS, compute_flow, motion_masks
from engine.viz.colour import flow_to_rgb, magnitude_to_rgb

SHIFT_X, SHIFT_Y = 3, -2


def smooth_texture(size: int, seed: int = 0) -> np.ndarray:
    """(size, size) uint8 blurred noise: texture with no aperture problem."""
    noise = np.random.default_rng(seed).random((size, size)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), 1.5)
    return ((smooth - smooth.min()) / np.ptp(smooth) * 255).astype(np.uint8)


def to_rgb(gray_frames: np.ndarray) -> np.ndarray:
    return np.repeat(gray_frames[..., None], 3, axis=-1)


@pytest.fixture(scope="module")
def translated_clip() -> np.ndarray:
    """(8, 64, 64, 3) texture moving (dx=3, dy=-2) px per frame (wrapping)."""
    base = smooth_texture(64)
    frames = [np.roll(base, (SHIFT_Y * t, SHIFT_X * t), axis=(0, 1)) for t in range(8)]
    return to_rgb(np.stack(frames))


@pytest.mark.parametrize("method", list(FLOW_METHODS))
def test_translation_is_recovered_in_the_interior(translated_clip, method):
    flow = compute_flow(translated_clip, method)
    interior = flow.fields[1:, 12:-12, 12:-12]
    assert flow.fields.shape == (8, 64, 64, 2) and flow.fields.dtype == np.float32
    assert np.abs(interior[..., 0] - SHIFT_X).max() < 0.3
    assert np.abs(interior[..., 1] - SHIFT_Y).max() < 0.3
    assert np.allclose(np.median(flow.magnitude[1:]), np.hypot(SHIFT_X, SHIFT_Y), atol=0.3)


def test_frame_zero_is_a_marked_copy_of_frame_one(translated_clip):
    flow = compute_flow(translated_clip, "farneback")
    assert flow.valid.tolist() == [False] + [True] * 7
    np.testing.assert_array_equal(flow.fields[0], flow.fields[1])
    single = compute_flow(translated_clip[:1], "dis")
    assert single.valid.tolist() == [False]
    assert single.fields.shape == (1, 64, 64, 2) and not single.fields.any()


@pytest.mark.parametrize("method", list(FLOW_METHODS))
def test_median_compensation_cancels_a_uniform_translation(translated_clip, method):
    flow = compute_flow(translated_clip, method, compensate_camera=True)
    assert flow.compensated and flow.camera_model == "median"
    assert np.abs(flow.fields[:, 12:-12, 12:-12]).max() < 0.3


def test_similarity_compensation_removes_a_zoom_the_median_cannot():
    base = smooth_texture(128, seed=1)
    zoomed = [
        cv2.warpAffine(base, cv2.getRotationMatrix2D((64, 64), 0, 1 + 0.03 * t), (128, 128))[32:96, 32:96]
        for t in range(4)
    ]
    frames = to_rgb(np.stack(zoomed))
    raw = compute_flow(frames, "farneback").magnitude[1:, 8:-8, 8:-8].mean()
    median = compute_flow(frames, "farneback", compensate_camera="median").magnitude[1:, 8:-8, 8:-8].mean()
    fitted = compute_flow(frames, "farneback", compensate_camera="similarity").magnitude[1:, 8:-8, 8:-8].mean()
    assert raw > 0.4 and median > 0.4  # a zoom has no single translation to remove
    assert fitted < 0.15
    assert set(CAMERA_MODELS) == {"none", "median", "similarity"}


def test_size_resizes_frames_and_mass_is_nan_without_flow(translated_clip):
    flow = compute_flow(translated_clip, "farneback", size=(32, 48))
    assert flow.fields.shape == (8, 32, 48, 2) and flow.size == (32, 48)
    mass = flow.mass()
    assert np.isnan(mass[0]) and np.allclose(mass[1:], flow.magnitude[1:].sum(axis=(1, 2)), rtol=1e-5)


def test_moving_square_on_still_background_gives_a_motion_mask_on_the_square():
    background = smooth_texture(64, seed=2) // 2
    square = smooth_texture(16, seed=3) // 2 + 128
    frames, truth = [], []
    for t in range(6):
        frame, x = background.copy(), 10 + 4 * t
        frame[24:40, x : x + 16] = square
        frames.append(frame)
        truth.append(np.zeros((64, 64), bool))
        truth[-1][24:40, x : x + 16] = True
    flow = compute_flow(to_rgb(np.stack(frames)), "dis")
    masks = motion_masks(flow.magnitude)
    for t in range(1, 6):
        iou = (masks[t] & truth[t]).sum() / (masks[t] | truth[t]).sum()
        assert iou > 0.5, (t, iou)
    assert not masks[:, :, :4].any()  # the left edge never moves


def test_motion_masks_on_hand_made_magnitudes():
    magnitude = np.zeros((2, 4, 4), np.float32)
    magnitude[0, :2, :2] = 3.0
    magnitude[1] = 0.05  # noise below the floor in a still frame
    masks = motion_masks(magnitude)
    expected = np.zeros((2, 4, 4), bool)
    expected[0, :2, :2] = True
    np.testing.assert_array_equal(masks, expected)
    assert not motion_masks(np.zeros((3, 4, 4))).any()


def test_flow_to_rgb_colours_direction_and_speed():
    fields = np.zeros((3, 2, 2, 2), np.float32)
    fields[0, ..., 0] = 2.0  # right
    fields[1, ..., 0] = -2.0  # left
    fields[2, ..., 1] = 1.0  # down, half speed
    rgb = flow_to_rgb(fields, max_magnitude=2.0)
    assert rgb.shape == (3, 2, 2, 3) and rgb.dtype == np.uint8
    assert rgb[0, 0, 0].tolist() == [255, 0, 0]  # hue 0: red
    assert rgb[1, 0, 0].tolist() == [0, 255, 255]  # hue 180 degrees: cyan
    assert rgb[2, 0, 0].max() == 128  # half the maximum speed: half brightness
    assert not flow_to_rgb(np.zeros((1, 2, 2, 2))).any()  # no motion: black
    assert flow_to_rgb(fields)[0, 0, 0].tolist() == [255, 0, 0]  # default scale: clip's robust max


def test_magnitude_to_rgb_uses_the_colormap_ends():
    magnitude = np.array([[[0.0, 1.0], [2.0, 4.0]]], np.float32)
    rgb = magnitude_to_rgb(magnitude, max_magnitude=2.0)
    lut = cv2.applyColorMap(np.array([[0, 255]], np.uint8), cv2.COLORMAP_INFERNO)[0, :, ::-1]
    assert rgb.shape == (1, 2, 2, 3)
    assert rgb[0, 0, 0].tolist() == lut[0].tolist()
    assert rgb[0, 1, 0].tolist() == lut[1].tolist() and rgb[0, 1, 1].tolist() == lut[1].tolist()


def test_unknown_method_and_camera_model_are_refused(translated_clip):
    with pytest.raises(ValueError, match="flow method"):
        compute_flow(translated_clip, "lucas-kanade")
    with pytest.raises(ValueError, match="camera model"):
        compute_flow(translated_clip, compensate_camera="projective")
