"""Label-preserving training augmentation for the real-camera gap: scale, position, light, frame rate, tempo.

All functions are pure: frames in, frames out, randomness from the generator given.
Frames are ``(T, H, W, 3)`` uint8 RGB at the model's input size. What each one imitates:

* :func:`rescale_clip`: people from a fraction of the frame height (zoom out: the clip shrunk
  onto its own temporal-median background) to close-ups (zoom in: a crop), anywhere in the frame;
* :func:`photometric`: contrast, brightness, gamma, blur and sensor noise of other cameras;
* :func:`timed_pool_indices`: the reader's time-based sampling of a clip filmed at another frame
  rate (5-30 fps: frames repeat or are skipped as the reader repeats or skips them), and a
  small change of tempo.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Augmentation:
    """What a training read draws (every field off by default except the flip).

    Attributes:
        flip_probability: mirror left-right.
        scale_range: (low, high) size factor of the scene: under 1 shrinks the clip onto its
            background (smaller people), over 1 crops into it.
        photometric: random contrast, brightness, gamma, blur and noise.
        source_fps_range: (low, high) frame rate of a simulated source camera; (0, 0) is off.
            Time-sampled specs only.
        tempo_jitter: the time scale varies by up to this fraction (0.1: +-10%). Time-sampled specs only.
    """

    flip_probability: float = 0.5
    scale_range: tuple[float, float] = (1.0, 1.0)
    photometric: bool = False
    source_fps_range: tuple[float, float] = (0.0, 0.0)
    tempo_jitter: float = 0.0


REAL_CAMERAS = Augmentation(scale_range=(0.3, 1.2), photometric=True, source_fps_range=(5.0, 30.0), tempo_jitter=0.08)
AUGMENTATIONS = {"basic": Augmentation(), "real": REAL_CAMERAS}


def rescale_clip(frames: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    """The clip seen by a camera ``1/scale`` as far away, at a random position (the same in every frame).

    Args:
        frames: (T, H, W, 3) uint8.
        scale: size factor; under 1 the shrunk clip lies on the temporal median of the clip
            (its static background), over 1 a crop of the clip is enlarged.
        rng: randomness for the position.

    Returns:
        (T, H, W, 3) uint8.
    """
    t, h, w = frames.shape[:3]
    if abs(scale - 1.0) < 1e-3:
        return frames
    if scale > 1.0:
        ch, cw = max(2, round(h / scale)), max(2, round(w / scale))
        y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        return np.stack([cv2.resize(f[y:y + ch, x:x + cw], (w, h), interpolation=cv2.INTER_LINEAR) for f in frames])
    sh, sw = max(2, round(h * scale)), max(2, round(w * scale))
    y, x = int(rng.integers(0, h - sh + 1)), int(rng.integers(0, w - sw + 1))
    out = np.repeat(np.median(frames, axis=0).astype(np.uint8)[None], t, axis=0)
    for k, frame in enumerate(frames):
        out[k, y:y + sh, x:x + sw] = cv2.resize(frame, (sw, sh), interpolation=cv2.INTER_AREA)
    return out


def photometric(frames: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random contrast (0.6-1.4), brightness (+-40), gamma (0.7-1.4), blur (half the clips) and noise (0-6).

    Args:
        frames: (T, H, W, 3) uint8.

    Returns:
        (T, H, W, 3) uint8.
    """
    x = frames.astype(np.float32) / 255.0
    x = np.clip((x - 0.5) * rng.uniform(0.6, 1.4) + 0.5 + rng.uniform(-40, 40) / 255.0, 0.0, 1.0)
    x = x ** rng.uniform(0.7, 1.4) * 255.0
    if rng.random() < 0.5:
        sigma = float(rng.uniform(0.3, 1.0))
        x = np.stack([cv2.GaussianBlur(f, (0, 0), sigma) for f in x])
    x += rng.normal(0.0, rng.uniform(0.0, 6.0), size=x.shape).astype(np.float32)
    return np.clip(x + 0.5, 0, 255).astype(np.uint8)


def timed_pool_indices(pool_length: int, fps: float, num_frames: int, sample_fps: float, rng: np.random.Generator,
                       source_fps_range: tuple[float, float] = (0.0, 0.0), tempo_jitter: float = 0.0) -> np.ndarray:
    """T indices into a clip's every frame, sampled by time at a random start.

    Model frame j is at ``t0 + j * tempo / sample_fps`` seconds. With a simulated source rate
    f, that time is first rounded to f's frame grid (the frame a camera at f would have), then
    to the clip's own frames, as the reader rounds a real clip's.

    Args:
        pool_length: frames of the clip (every source frame).
        fps: the clip's frame rate.
        num_frames: T.
        sample_fps: the model's frames per second.
        rng: randomness.
        source_fps_range: (low, high) simulated camera rate; (0, 0) uses the clip's own.
        tempo_jitter: time scale drawn from 1 +- this.

    Returns:
        (T,) int64 indices in [0, pool_length).
    """
    tempo = 1.0 + rng.uniform(-tempo_jitter, tempo_jitter) if tempo_jitter > 0 else 1.0
    step_s = tempo / sample_fps
    duration = (pool_length - 1) / fps
    step_s = min(step_s, duration / max(num_frames - 1, 1))
    t0 = rng.uniform(0.0, max(0.0, duration - (num_frames - 1) * step_s))
    times = t0 + step_s * np.arange(num_frames)
    if source_fps_range[1] > 0:
        rate = rng.uniform(*source_fps_range)
        times = np.floor(times * rate + 0.5) / rate
    return np.clip(np.floor(times * fps + 0.5).astype(np.int64), 0, pool_length - 1)


def augment_frames(frames: np.ndarray, aug: Augmentation, rng: np.random.Generator) -> np.ndarray:
    """The spatial and photometric parts of ``aug`` (scale, light, flip) on one clip: (T, H, W, 3) uint8."""
    low, high = aug.scale_range
    if high > low or abs(low - 1.0) > 1e-3:
        frames = rescale_clip(frames, float(np.exp(rng.uniform(np.log(low), np.log(high)))), rng)
    if aug.photometric:
        frames = photometric(frames, rng)
    if rng.random() < aug.flip_probability:
        frames = np.ascontiguousarray(frames[:, :, ::-1])
    return frames
