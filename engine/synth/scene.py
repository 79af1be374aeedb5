"""Backgrounds in the spirit of KTH's scenarios, camera zoom and sensor effects.

All images are (H, W) uint8 grayscale; stacks are (N, H, W).
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.special import ndtri

SCENARIOS = ("d1", "d2", "d3", "d4")


def smooth_noise(rng: np.random.Generator, height: int, width: int, cells: tuple[int, int]) -> np.ndarray:
    """(height, width) float32 noise of unit-ish amplitude, smooth over ``cells`` (rows, cols)."""
    coarse = rng.standard_normal(cells).astype(np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)


def outdoor_background(rng: np.random.Generator, height: int, width: int, horizon: int) -> np.ndarray:
    """Sky, a band of bushes and trees at the horizon, textured grass below.

    Returns:
        (height, width) uint8.
    """
    rows = np.arange(height, dtype=np.float32)[:, None]
    sky = rng.uniform(165, 230) - rng.uniform(0, 25) * (1 - rows / max(horizon, 1))
    ground_level = rng.uniform(95, 175)
    ground = ground_level + rng.uniform(5, 18) * smooth_noise(rng, height, width, (4, 6))
    ground += rng.uniform(4, 10) * smooth_noise(rng, height, width, (height // 3, width // 3))
    ground += rng.uniform(1, 4) * (rows - horizon) / height * 10
    image = np.where(rows < horizon, sky, ground)
    tree_top = horizon - rng.uniform(4, 22) * (0.6 + 0.4 * smooth_noise(rng, 1, width, (1, 8)))
    trees = (rows >= tree_top) & (rows < horizon + 2)
    tree_grey = rng.uniform(40, 110) + 12 * smooth_noise(rng, height, width, (height // 6, width // 6))
    image = np.where(trees, tree_grey, image)
    return np.clip(image, 0, 255).astype(np.uint8)


def indoor_background(rng: np.random.Generator, height: int, width: int, floor_line: int) -> np.ndarray:
    """A plain lit wall above a darker or lighter floor, with a skirting line.

    Returns:
        (height, width) uint8.
    """
    rows = np.arange(height, dtype=np.float32)[:, None]
    cols = np.arange(width, dtype=np.float32)[None, :]
    light_x = rng.uniform(0, width)
    wall = rng.uniform(150, 225) - rng.uniform(0, 30) * np.abs(cols - light_x) / width
    wall = wall + 3 * smooth_noise(rng, height, width, (3, 4))
    floor = rng.uniform(70, 190) + 6 * smooth_noise(rng, height, width, (6, 10))
    image = np.where(rows < floor_line, wall, floor)
    skirting = (rows >= floor_line - 2) & (rows < floor_line)
    image = np.where(skirting, rng.uniform(60, 140), image)
    return np.clip(image, 0, 255).astype(np.uint8)


def scenario_background(scenario: str, rng: np.random.Generator, height: int, width: int, ground_y: float) -> np.ndarray:
    """Background for a KTH scenario; the feet stand on ``ground_y``."""
    if scenario == "d4":
        floor_line = int(ground_y - rng.uniform(8, 0.35 * height))
        return indoor_background(rng, height, width, max(floor_line, 5))
    horizon = int(ground_y - rng.uniform(0.25 * height, 0.6 * height))
    return outdoor_background(rng, height, width, max(horizon, 5))


def zoom_schedule(rng: np.random.Generator, num_frames: int) -> np.ndarray:
    """(N,) zoom factors >= 1 of a slow zoom in or out (KTH's d2), about one second each way."""
    period = rng.uniform(2.5, 5.0) * 25
    phase = rng.uniform(0, 2 * np.pi)
    depth = rng.uniform(0.15, 0.45)
    t = np.arange(num_frames)
    return 1.0 + depth * 0.5 * (1.0 - np.cos(2 * np.pi * t / period + phase))


def apply_zoom(frames: np.ndarray, masks: np.ndarray, factors: np.ndarray, centre: tuple[float, float]) -> None:
    """Zooms each frame and mask about ``centre`` (x, y) in place.

    Args:
        frames: (N, H, W) uint8.
        masks: (N, H, W) uint8.
        factors: (N,) zoom factors; 1 leaves a frame unchanged.
        centre: the fixed point in pixels.
    """
    height, width = frames.shape[1:]
    cx, cy = centre
    for i, z in enumerate(factors):
        if abs(z - 1.0) < 1e-6:
            continue
        matrix = np.array([[z, 0, cx * (1 - z)], [0, z, cy * (1 - z)]], dtype=np.float64)
        frames[i] = cv2.warpAffine(frames[i], matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        masks[i] = cv2.warpAffine(masks[i], matrix, (width, height), flags=cv2.INTER_NEAREST)


def gaussian_noise_table(sigma: float) -> np.ndarray:
    """(256,) int16 Gaussian quantiles: indexing it with uniform bytes gives N(0, sigma^2) noise."""
    return np.round(sigma * ndtri((np.arange(256) + 0.5) / 256)).astype(np.int16)


def sensor_effects(frames: np.ndarray, rng: np.random.Generator, blur_sigma: float, noise_sigma: float) -> np.ndarray:
    """Slight optical blur, then additive Gaussian sensor noise.

    Args:
        frames: (N, H, W) uint8; N may be at most 512.
        rng: randomness for the noise.
        blur_sigma: Gaussian blur sigma in pixels (0 for none).
        noise_sigma: noise standard deviation in grey levels.

    Returns:
        (N, H, W) uint8 new array.
    """
    stack = np.ascontiguousarray(frames.transpose(1, 2, 0))
    if blur_sigma > 0:
        blurred = np.empty_like(stack)
        for start in range(0, stack.shape[2], 512):
            part = np.ascontiguousarray(stack[:, :, start : start + 512])
            blurred[:, :, start : start + 512] = cv2.GaussianBlur(part, (0, 0), blur_sigma).reshape(part.shape)
        stack = blurred
    uniform = np.frombuffer(rng.bytes(stack.size), dtype=np.uint8).reshape(stack.shape)
    noisy = stack.astype(np.int16) + gaussian_noise_table(noise_sigma)[uniform]
    return np.clip(noisy, 0, 255).astype(np.uint8).transpose(2, 0, 1).copy()
